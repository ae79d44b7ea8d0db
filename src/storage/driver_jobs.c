/* driver_jobs.c: listing and cancelling running jobs, and source discovery — calls that
 * reach into backends or jobs without changing any pool's state. */
#include "storage/driver_priv.h"

#include "util/error.h"

void
vstor_job_info_free(VstorJobInfo *info)
{
    if (!info)
        return;
    g_free(info->pool);
    g_free(info->vol);
    g_free(info);
}

static void
add_jobs(GPtrArray *out, const VstorPoolObj *obj)
{
    for (guint i = 0; i < obj->jobs->len; i++) {
        VstorJob *job = obj->jobs->pdata[i];
        VstorJobInfo *info = g_new0(VstorJobInfo, 1);

        info->id = vstor_job_id(job);
        info->kind = vstor_job_kind(job);
        info->pool = g_strdup(vstor_job_pool(job));
        info->vol = g_strdup(vstor_job_vol(job));
        vstor_job_get_progress(job, &info->done, &info->total);
        g_ptr_array_add(out, info);
    }
}

GPtrArray *
vstor_driver_job_list(VstorDriver *drv, const VstorPoolId *pool, GError **err)
{
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)vstor_job_info_free);
    VstorPoolObj *obj;

    g_mutex_lock(&drv->lock);
    if (pool) {
        if ((obj = driver_find_pool(drv, pool, err))) {
            add_jobs(out, obj);
        } else {
            g_clear_pointer(&out, g_ptr_array_unref);
        }
    } else {
        for (guint i = 0; i < drv->pools->len; i++)
            add_jobs(out, drv->pools->pdata[i]);
    }
    g_mutex_unlock(&drv->lock);
    return out;
}

int
vstor_driver_job_cancel(VstorDriver *drv, guint64 id, GError **err)
{
    int ret = -1;

    g_mutex_lock(&drv->lock);
    for (guint i = 0; i < drv->pools->len && ret < 0; i++) {
        VstorPoolObj *obj = drv->pools->pdata[i];

        for (guint j = 0; j < obj->jobs->len; j++) {
            VstorJob *job = obj->jobs->pdata[j];

            if (vstor_job_id(job) == id) {
                vstor_job_cancel(job);
                ret = 0;
                break;
            }
        }
    }
    g_mutex_unlock(&drv->lock);
    if (ret < 0)
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG, "no running job with id %" G_GUINT64_FORMAT,
                        id);
    return ret;
}

char *
vstor_driver_find_pool_sources(VstorDriver *drv, const char *type, const char *spec,
                               unsigned int flags, GError **err)
{
    int t = vstor_pool_type_from_string(type);
    const VstorBackend *be;
    VstorBackendEnv env;

    if (t < 0) {
        vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR, "unknown storage pool type %s",
                        type ? type : "(null)");
        return NULL;
    }
    be = vstor_backend_for_type((VstorPoolType)t);
    if (!be || !be->find_sources) {
        vstor_error_set(err, VSTOR_ERR_NO_SUPPORT,
                        "pool type '%s' does not support source discovery", type);
        return NULL;
    }
    g_mutex_lock(&drv->lock);
    env = drv->env;
    g_mutex_unlock(&drv->lock);
    /* Discovery asks other hosts and devices: it runs without the lock. */
    return be->find_sources(&env, spec, flags, err);
}
