/* driver_autostart.c: starting autostart pools when a root is opened, and retrying with
 * backoff those whose storage is not reachable yet (an NFS server still booting). */
#include "storage/driver_priv.h"

#include "util/error.h"
#include "util/fileio.h"

#define RETRY_FIRST_SECONDS 1
#define RETRY_MAX_SECONDS 300

void
driver_autostart_forget(VstorPoolObj *obj)
{
    g_clear_pointer(&obj->autostart_error, g_free);
    obj->retry_at = 0;
    obj->retry_delay = 0;
}

/* Records why an autostart failed and when to try again; the delay doubles up to 5 minutes. */
static void
note_failure(VstorDriver *drv, VstorPoolObj *obj, const GError *why)
{
    g_free(obj->autostart_error);
    obj->autostart_error = g_strdup(why->message);
    obj->retry_delay =
        obj->retry_delay ? MIN(obj->retry_delay * 2, RETRY_MAX_SECONDS) : RETRY_FIRST_SECONDS;
    obj->retry_at = g_get_monotonic_time() + (gint64)obj->retry_delay * G_USEC_PER_SEC;
    g_debug("autostart of pool '%s' failed (%s); next try in %us", obj->def->name, why->message,
            obj->retry_delay);
}

static gboolean
wants_retry(const VstorPoolObj *obj)
{
    return obj->retry_at > 0 && obj->autostart && obj->persistent && !obj->active && !obj->starting;
}

/* Tries to start the pool @id (lock held on entry and exit, released meanwhile). */
static void
attempt(VstorDriver *drv, const VstorPoolId *id)
{
    g_autoptr(GError) err = NULL;
    VstorPoolObj *obj;
    int rc;

    g_mutex_unlock(&drv->lock);
    rc = vstor_driver_pool_start(drv, id, 0, &err);
    g_mutex_lock(&drv->lock);
    if (!(obj = driver_find_pool_by_uuid(drv, id->uuid)))
        return;
    if (rc == 0 || obj->active)
        driver_autostart_forget(obj);
    else if (obj->autostart)
        note_failure(drv, obj, err);
}

static gpointer
retry_main(gpointer data)
{
    VstorDriver *drv = data;

    g_mutex_lock(&drv->lock);
    while (!drv->stopping) {
        VstorPoolObj *next = NULL;

        for (guint i = 0; i < drv->pools->len; i++) {
            VstorPoolObj *obj = drv->pools->pdata[i];

            if (wants_retry(obj) && (!next || obj->retry_at < next->retry_at))
                next = obj;
        }
        if (!next) {
            g_cond_wait(&drv->retry_cond, &drv->lock);
        } else if (g_get_monotonic_time() < next->retry_at) {
            g_cond_wait_until(&drv->retry_cond, &drv->lock, next->retry_at);
        } else {
            g_auto(VstorPoolId) id = {0};

            driver_fill_id(next->def, &id);
            attempt(drv, &id);
        }
    }
    g_mutex_unlock(&drv->lock);
    return NULL;
}

void
driver_autostart_all(VstorDriver *drv)
{
    g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func((GDestroyNotify)vstor_pool_id_free);
    g_autofree char *marker = g_build_filename(drv->state_dir, "autostarted", NULL);
    g_autoptr(GError) err = NULL;
    gboolean any_failed = FALSE;

    /* Autostart happens once per boot, as libvirt's: <run> is a tmpfs, so the marker is gone
     * after a reboot; a restarted daemon (or a reopened embedded root) leaves pools that were
     * stopped by hand stopped. */
    if (g_file_test(marker, G_FILE_TEST_EXISTS))
        return;
    if (vstor_file_write_atomic(marker, "", 0, 0600, &err) < 0)
        g_debug("cannot write %s: %s", marker, err->message);

    for (guint i = 0; i < drv->pools->len; i++) {
        VstorPoolObj *obj = drv->pools->pdata[i];
        VstorPoolId *id;

        if (!obj->autostart || obj->active)
            continue;
        id = g_new0(VstorPoolId, 1);
        driver_fill_id(obj->def, id);
        g_ptr_array_add(ids, id);
    }
    for (guint i = 0; i < ids->len; i++) {
        const VstorPoolId *id = ids->pdata[i];
        VstorPoolObj *obj;

        attempt(drv, id);
        if ((obj = driver_find_pool_by_uuid(drv, id->uuid)) && obj->retry_at)
            any_failed = TRUE;
    }
    if (any_failed && !drv->retry_thread)
        drv->retry_thread = g_thread_new("vstor-autostart", retry_main, drv);
}

void
driver_autostart_stop(VstorDriver *drv)
{
    GThread *thread;

    g_mutex_lock(&drv->lock);
    drv->stopping = TRUE;
    g_cond_broadcast(&drv->retry_cond);
    thread = g_steal_pointer(&drv->retry_thread);
    g_mutex_unlock(&drv->lock);
    if (thread)
        g_thread_join(thread);
}

int
vstor_driver_pool_get_state_reason(VstorDriver *drv, const VstorPoolId *id, char **ret_reason,
                                   GError **err)
{
    VstorPoolObj *obj;
    int ret = -1;

    g_mutex_lock(&drv->lock);
    if ((obj = driver_find_pool(drv, id, err))) {
        if (obj->active && obj->inaccessible) {
            *ret_reason = g_strdup(obj->inaccessible);
        } else if (!obj->active && obj->autostart_error) {
            gint64 wait = (obj->retry_at - g_get_monotonic_time()) / G_USEC_PER_SEC;

            *ret_reason =
                g_strdup_printf("autostart failed: %s; trying again in %" G_GINT64_FORMAT "s",
                                obj->autostart_error, MAX(wait, 0));
        } else {
            *ret_reason = NULL;
        }
        ret = 0;
    }
    g_mutex_unlock(&drv->lock);
    return ret;
}
