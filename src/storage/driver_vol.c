/* driver_vol.c: volumes — list, lookups, create, clone/convert, delete, wipe, resize, info,
 * XML, path. Slow work runs with the driver lock released on a private copy of the volume. */
#include "storage/driver_priv.h"

#include <string.h>

#include "util/error.h"

#define CHECK_FLAGS(flags, allowed, retval)                                                        \
    do {                                                                                           \
        if (driver_check_flags((flags), (allowed), __func__, err) < 0)                             \
            return retval;                                                                         \
    } while (0)

static void
fill_vol_id(const VstorPoolObj *obj, const VstorVolDef *vol, VstorVolId *ret_id)
{
    ret_id->pool = g_strdup(obj->def->name);
    ret_id->name = g_strdup(vol->name);
    ret_id->key = g_strdup(vol->key);
}

/* The active pool called @id->pool and its volume @id->name, with libvirt's errors. */
static VstorVolObj *
find_vol(VstorDriver *drv, const VstorVolId *id, VstorPoolObj **ret_pool, GError **err)
{
    VstorPoolObj *obj = driver_find_pool_by_name(drv, id->pool);
    VstorVolObj *vol;

    if (!obj) {
        vstor_error_set(err, VSTOR_ERR_NO_STORAGE_POOL, "no storage pool with matching name '%s'",
                        id->pool);
        return NULL;
    }
    if (!obj->active) {
        vstor_error_set(err, VSTOR_ERR_OPERATION_INVALID, "storage pool '%s' is not active",
                        obj->def->name);
        return NULL;
    }
    if (!(vol = vstor_pool_obj_find_vol(obj, id->name)) &&
        !(vol = driver_watch_probe(drv, obj, id->name))) {
        vstor_error_set(err, VSTOR_ERR_NO_STORAGE_VOL, "no storage vol with matching name '%s'",
                        id->name);
        return NULL;
    }
    *ret_pool = obj;
    return vol;
}

static int
check_vol_idle(const VstorVolObj *vol, GError **err)
{
    if (vol->in_use) {
        vstor_error_set(err, VSTOR_ERR_OPERATION_INVALID, "volume '%s' is still in use.",
                        vol->def->name);
        return -1;
    }
    if (vol->building) {
        vstor_error_set(err, VSTOR_ERR_OPERATION_INVALID, "volume '%s' is still being allocated.",
                        vol->def->name);
        return -1;
    }
    return 0;
}

/* How many volumes ahead vstor_driver_vol_foreach fetches what it will read. */
#define PREFETCH_AHEAD 8

int
vstor_driver_vol_foreach(VstorDriver *drv, const VstorPoolId *pool, unsigned int flags,
                         VstorVolVisitFunc visit, gpointer data, GError **err)
{
    VstorPoolObj *obj;
    int count = -1;

    CHECK_FLAGS(flags, 0, -1);
    g_mutex_lock(&drv->lock);
    if ((obj = driver_find_active_pool(drv, pool, err)) && !visit) {
        count = (int)obj->vols->len;
    } else if (obj) {
        GPtrArray *sorted = vstor_pool_obj_sorted_vols(obj);

        for (guint i = 0; i < sorted->len; i++) {
            const VstorVolObj *vol = sorted->pdata[i];

            /* Volumes sorted by name lie anywhere in memory: while this one is written, the
             * volume records, then their definitions, then the strings of the ones ahead are
             * fetched, each stage reading only what the one before brought in (a third of the
             * walk waited for memory). */
            if (i + 3 * PREFETCH_AHEAD < sorted->len)
                __builtin_prefetch(sorted->pdata[i + 3 * PREFETCH_AHEAD]);
            if (i + 2 * PREFETCH_AHEAD < sorted->len)
                __builtin_prefetch(
                    ((const VstorVolObj *)sorted->pdata[i + 2 * PREFETCH_AHEAD])->def);
            if (i + PREFETCH_AHEAD < sorted->len) {
                const VstorVolDef *next =
                    ((const VstorVolObj *)sorted->pdata[i + PREFETCH_AHEAD])->def;

                __builtin_prefetch(next->name);
                __builtin_prefetch(next->key);
            }
            visit(obj->def->name, vol->def->name, vol->def->key, data);
        }
        count = (int)sorted->len;
    }
    g_mutex_unlock(&drv->lock);
    return count;
}

static void
add_vol_id(const char *pool, const char *name, const char *key, gpointer data)
{
    VstorVolId *id = g_new0(VstorVolId, 1);

    id->pool = g_strdup(pool);
    id->name = g_strdup(name);
    id->key = g_strdup(key);
    g_ptr_array_add(data, id);
}

GPtrArray *
vstor_driver_vol_list(VstorDriver *drv, const VstorPoolId *pool, unsigned int flags, GError **err)
{
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify)vstor_vol_id_free);

    if (vstor_driver_vol_foreach(drv, pool, flags, add_vol_id, out, err) < 0)
        return NULL;
    return g_steal_pointer(&out);
}

int
vstor_driver_vol_lookup_by_name(VstorDriver *drv, const VstorPoolId *pool, const char *name,
                                VstorVolId *ret_id, GError **err)
{
    VstorPoolObj *obj;
    VstorVolObj *vol;
    int ret = -1;

    if (driver_lock(drv, err) < 0)
        return -1;
    if (!(obj = driver_find_active_pool(drv, pool, err)))
        goto out;
    /* A file that appeared a moment ago is looked at now rather than reported missing. */
    if (!(vol = vstor_pool_obj_find_vol(obj, name)) &&
        !(vol = driver_watch_probe(drv, obj, name))) {
        vstor_error_set(err, VSTOR_ERR_NO_STORAGE_VOL, "no storage vol with matching name '%s'",
                        name);
        goto out;
    }
    fill_vol_id(obj, vol->def, ret_id);
    ret = 0;
out:
    g_mutex_unlock(&drv->lock);
    return ret;
}

int
vstor_driver_vol_lookup_by_key(VstorDriver *drv, const char *key, VstorVolId *ret_id, GError **err)
{
    int ret = -1;

    g_mutex_lock(&drv->lock);
    for (guint i = 0; i < drv->pools->len && ret < 0; i++) {
        VstorPoolObj *obj = drv->pools->pdata[i];
        VstorVolObj *vol;

        if (obj->active && (vol = vstor_pool_obj_find_vol_by_key(obj, key))) {
            fill_vol_id(obj, vol->def, ret_id);
            ret = 0;
        }
    }
    if (ret < 0)
        vstor_error_set(err, VSTOR_ERR_NO_STORAGE_VOL, "no storage vol with matching key %s", key);
    g_mutex_unlock(&drv->lock);
    return ret;
}

/* A path in @obj's directory that is not a volume yet: looked at now (live pools). */
static VstorVolObj *
probe_path(VstorDriver *drv, VstorPoolObj *obj, const char *path)
{
    g_autofree char *dir = g_path_get_dirname(path);
    g_autofree char *base = g_path_get_basename(path);
    g_autofree char *target = NULL;

    if (!obj->def->target_path)
        return NULL;
    target = g_canonicalize_filename(obj->def->target_path, "/");
    return strcmp(dir, target) == 0 ? driver_watch_probe(drv, obj, base) : NULL;
}

int
vstor_driver_vol_lookup_by_path(VstorDriver *drv, const char *path, VstorVolId *ret_id,
                                GError **err)
{
    g_autofree char *clean = g_canonicalize_filename(path, "/");
    int ret = -1;

    g_mutex_lock(&drv->lock);
    for (guint i = 0; i < drv->pools->len && ret < 0; i++) {
        VstorPoolObj *obj = drv->pools->pdata[i];
        VstorVolObj *vol;

        if (!obj->active)
            continue;
        if ((vol = vstor_pool_obj_find_vol_by_path(obj, clean)) ||
            (vol = vstor_pool_obj_find_vol_by_path(obj, path)) ||
            (vol = probe_path(drv, obj, clean))) {
            fill_vol_id(obj, vol->def, ret_id);
            ret = 0;
        }
    }
    if (ret < 0)
        vstor_error_set(err, VSTOR_ERR_NO_STORAGE_VOL, "no storage vol with matching path '%s'",
                        path);
    g_mutex_unlock(&drv->lock);
    return ret;
}

/* Defines @voldef in @obj (backend create_vol), builds it with the lock released (under a
 * temporary name when the backend has commit_vol, renamed into place when whole), and
 * refreshes it; on failure removes what was made. Takes ownership of @voldef. */
static int
create_and_build(VstorDriver *drv, VstorPoolObj *obj, const VstorBackend *be,
                 VstorVolDef *voldef_in, VstorPoolObj *src_pool, VstorVolObj *src,
                 unsigned int flags, VstorVolId *ret_id, GError **err)
{
    g_autoptr(VstorVolDef) voldef = voldef_in;
    g_autoptr(VstorVolDef) work = NULL;
    g_autoptr(VstorVolDef) input = NULL;
    g_autoptr(VstorJob) job = NULL;
    g_autofree char *final_name = NULL;
    g_autofree char *final_path = NULL;
    gboolean committed = FALSE;
    VstorVolObj *vol;
    int rc;

    g_clear_pointer(&voldef->key, g_free); /* the backend makes the canonical key */
    if (be->create_vol(&drv->env, obj->def, voldef, err) < 0)
        return -1;
    work = vstor_vol_def_copy(voldef);
    final_name = g_strdup(voldef->name);
    final_path = g_strdup(voldef->target.path);
    /* Built under a temporary name when the backend can: a build killed half way leaves
     * nothing under the real one. */
    if (be->commit_vol && be->begin_temp(&drv->env, obj->def, work, err) < 0)
        return -1;
    if (src)
        input = vstor_vol_def_copy(src->def);
    vol = vstor_pool_obj_add_vol(obj, g_steal_pointer(&voldef));
    job = vstor_job_new(driver_next_job_id(drv), src ? VSTOR_JOB_VOL_CLONE : VSTOR_JOB_VOL_BUILD,
                        obj->def->name, vol->def->name);
    vol->job = vstor_job_ref(job);
    vol->building++;
    obj->async_jobs++;
    g_ptr_array_add(obj->jobs, vstor_job_ref(job));
    if (src) {
        src->in_use++;
        src_pool->async_jobs++;
    }

    g_mutex_unlock(&drv->lock);
    if (src)
        rc = be->build_vol_from(&drv->env, obj->def, work, input, flags, job, err);
    else if (be->build_vol)
        rc = be->build_vol(&drv->env, obj->def, work, flags, job, err);
    else
        rc = 0;
    if (rc == 0 && be->commit_vol)
        committed = (rc = be->commit_vol(&drv->env, obj->def, work, final_name, err)) == 0;
    if (rc < 0 && be->commit_vol) {
        /* The error names the volume, not the file it was being built in. */
        vstor_error_rewrite(err, work->target.path, final_path);
        vstor_error_rewrite(err, work->name, final_name);
    }
    g_mutex_lock(&drv->lock);

    if (src) {
        src->in_use--;
        src_pool->async_jobs--;
    }
    vol->building--;
    obj->async_jobs--;
    g_ptr_array_remove(obj->jobs, job);
    g_clear_pointer(&vol->job, vstor_job_unref);
    if (rc == 0 && be->refresh_vol)
        rc = be->refresh_vol(&drv->env, obj->def, vol->def, err);
    if (rc < 0) {
        /* Nothing half-made stays behind: remove the file and the record. A temporary
         * file not renamed yet is what goes; never a file someone else put under the name. */
        if (be->delete_vol)
            be->delete_vol(&drv->env, obj->def, be->commit_vol && !committed ? work : vol->def, 0,
                           NULL);
        vstor_pool_obj_remove_vol(obj, vol);
        return -1;
    }
    fill_vol_id(obj, vol->def, ret_id);
    return 0;
}

static const VstorBackend *
vol_backend(VstorPoolObj *obj, GError **err)
{
    const VstorBackend *be = driver_backend(obj, err);

    if (be && !be->create_vol) {
        vstor_error_set(err, VSTOR_ERR_NO_SUPPORT,
                        "storage pool does not support volume "
                        "creation");
        return NULL;
    }
    return be;
}

int
vstor_driver_vol_create(VstorDriver *drv, const VstorPoolId *pool, const char *xml,
                        unsigned int flags, VstorVolId *ret_id, GError **err)
{
    VstorPoolObj *obj;
    const VstorBackend *be;
    g_autoptr(VstorVolDef) voldef = NULL;
    int ret = -1;

    CHECK_FLAGS(flags, VSTOR_VOL_CREATE_PREALLOC_METADATA, -1);
    g_mutex_lock(&drv->lock);
    if (!(obj = driver_find_active_pool(drv, pool, err)) || !(be = driver_backend(obj, err)))
        goto out;
    if (!(voldef = vstor_vol_def_parse(obj->def->type, xml, VSTOR_VOL_PARSE_OPT_CAPACITY, err)))
        goto out;
    if (voldef->capacity == 0 && !be->build_vol) {
        vstor_error_set(err, VSTOR_ERR_NO_SUPPORT,
                        "volume capacity required for this storage "
                        "pool");
        goto out;
    }
    if (vstor_pool_obj_find_vol(obj, voldef->name) || driver_watch_probe(drv, obj, voldef->name)) {
        vstor_error_set(err, VSTOR_ERR_STORAGE_VOL_EXIST, "'%s'", voldef->name);
        goto out;
    }
    if (!vol_backend(obj, err))
        goto out;
    ret = create_and_build(drv, obj, be, g_steal_pointer(&voldef), NULL, NULL, flags, ret_id, err);
out:
    g_mutex_unlock(&drv->lock);
    return ret;
}

int
vstor_driver_vol_create_from(VstorDriver *drv, const VstorPoolId *pool, const char *xml,
                             const VstorVolId *source, unsigned int flags, VstorVolId *ret_id,
                             GError **err)
{
    VstorPoolObj *obj, *src_pool;
    VstorVolObj *src;
    const VstorBackend *be;
    g_autoptr(VstorVolDef) voldef = NULL;
    int ret = -1;

    CHECK_FLAGS(flags, VSTOR_VOL_CREATE_PREALLOC_METADATA | VSTOR_VOL_CREATE_REFLINK, -1);
    g_mutex_lock(&drv->lock);
    if (!(obj = driver_find_active_pool(drv, pool, err)) || !(be = driver_backend(obj, err)))
        goto out;
    if (!(src = find_vol(drv, source, &src_pool, err)))
        goto out;
    if (!(voldef = vstor_vol_def_parse(obj->def->type, xml, VSTOR_VOL_PARSE_NO_CAPACITY, err)))
        goto out;
    if (vstor_pool_obj_find_vol(obj, voldef->name) || driver_watch_probe(drv, obj, voldef->name)) {
        vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR, "storage volume name '%s' already in use.",
                        voldef->name);
        goto out;
    }
    /* A clone is never smaller than its source; without <allocation> it is fully allocated. */
    if (voldef->capacity < src->def->capacity)
        voldef->capacity = src->def->capacity;
    if (!voldef->has_allocation)
        voldef->allocation = voldef->capacity;
    if (!be->build_vol_from) {
        vstor_error_set(err, VSTOR_ERR_NO_SUPPORT,
                        "storage pool does not support volume "
                        "creation from an existing volume");
        goto out;
    }
    if (src->building) {
        vstor_error_set(err, VSTOR_ERR_OPERATION_INVALID, "volume '%s' is still being allocated.",
                        src->def->name);
        goto out;
    }
    if (!vol_backend(obj, err))
        goto out;
    {
        const VstorBackend *src_be = vstor_backend_for_type(src_pool->def->type);

        if (src_be && src_be->refresh_vol &&
            src_be->refresh_vol(&drv->env, src_pool->def, src->def, err) < 0)
            goto out;
    }
    ret =
        create_and_build(drv, obj, be, g_steal_pointer(&voldef), src_pool, src, flags, ret_id, err);
out:
    g_mutex_unlock(&drv->lock);
    return ret;
}

int
vstor_driver_vol_delete(VstorDriver *drv, const VstorVolId *id, unsigned int flags, GError **err)
{
    VstorPoolObj *obj;
    VstorVolObj *vol;
    const VstorBackend *be;
    int ret = -1;

    CHECK_FLAGS(flags, VSTOR_VOL_DELETE_ZEROED | VSTOR_VOL_DELETE_WITH_SNAPSHOTS, -1);
    g_mutex_lock(&drv->lock);
    if (!(vol = find_vol(drv, id, &obj, err)) || !(be = driver_backend(obj, err)))
        goto out;
    if (check_vol_idle(vol, err) < 0)
        goto out;
    if (!be->delete_vol) {
        vstor_error_set(err, VSTOR_ERR_NO_SUPPORT, "storage pool does not support vol deletion");
        goto out;
    }
    if (be->delete_vol(&drv->env, obj->def, vol->def, flags, err) < 0)
        goto out;
    vstor_pool_obj_remove_vol(obj, vol);
    if (be->refresh_after_vol_delete && driver_pool_do_refresh(drv, obj, NULL) < 0)
        g_debug("pool '%s': refresh after a deletion failed", obj->def->name);
    ret = 0;
out:
    g_mutex_unlock(&drv->lock);
    return ret;
}

/* Runs a slow operation on @vol with the lock released and the volume marked in use. */
static int
run_vol_job(VstorDriver *drv, VstorPoolObj *obj, VstorVolObj *vol, VstorJobKind kind,
            int (*fn)(VstorDriver *, const VstorBackend *, VstorPoolDef *, VstorVolDef *,
                      VstorJob *, gpointer, GError **),
            const VstorBackend *be, gpointer data, GError **err)
{
    g_autoptr(VstorVolDef) work = vstor_vol_def_copy(vol->def);
    g_autoptr(VstorJob) job =
        vstor_job_new(driver_next_job_id(drv), kind, obj->def->name, vol->def->name);
    int rc;

    vol->in_use++;
    obj->async_jobs++;
    g_ptr_array_add(obj->jobs, vstor_job_ref(job));
    g_mutex_unlock(&drv->lock);
    rc = fn(drv, be, obj->def, work, job, data, err);
    g_mutex_lock(&drv->lock);
    vol->in_use--;
    obj->async_jobs--;
    g_ptr_array_remove(obj->jobs, job);
    if (be->refresh_vol)
        be->refresh_vol(&drv->env, obj->def, vol->def, rc < 0 ? NULL : err);
    return rc;
}

static int
do_wipe(VstorDriver *drv, const VstorBackend *be, VstorPoolDef *def, VstorVolDef *vol,
        VstorJob *job, gpointer data, GError **err)
{
    return be->wipe_vol(&drv->env, def, vol, GPOINTER_TO_UINT(data), 0, job, err);
}

int
vstor_driver_vol_wipe(VstorDriver *drv, const VstorVolId *id, unsigned int algorithm,
                      unsigned int flags, GError **err)
{
    VstorPoolObj *obj;
    VstorVolObj *vol;
    const VstorBackend *be;
    int ret = -1;

    CHECK_FLAGS(flags, 0, -1);
    if (algorithm >= VSTOR_WIPE_LAST) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG, "wiping algorithm %u not supported", algorithm);
        return -1;
    }
    g_mutex_lock(&drv->lock);
    if (!(vol = find_vol(drv, id, &obj, err)) || !(be = driver_backend(obj, err)))
        goto out;
    if (check_vol_idle(vol, err) < 0)
        goto out;
    if (!be->wipe_vol) {
        vstor_error_set(err, VSTOR_ERR_NO_SUPPORT, "storage pool doesn't support volume wiping");
        goto out;
    }
    ret = run_vol_job(drv, obj, vol, VSTOR_JOB_VOL_WIPE, do_wipe, be, GUINT_TO_POINTER(algorithm),
                      err);
out:
    g_mutex_unlock(&drv->lock);
    return ret;
}

typedef struct {
    unsigned long long capacity;
    unsigned int flags;
} ResizeArgs;

static int
do_resize(VstorDriver *drv, const VstorBackend *be, VstorPoolDef *def, VstorVolDef *vol,
          VstorJob *job, gpointer data, GError **err)
{
    const ResizeArgs *args = data;

    return be->resize_vol(&drv->env, def, vol, args->capacity, args->flags, job, err);
}

int
vstor_driver_vol_resize(VstorDriver *drv, const VstorVolId *id, unsigned long long capacity,
                        unsigned int flags, GError **err)
{
    VstorPoolObj *obj;
    VstorVolObj *vol;
    const VstorBackend *be;
    ResizeArgs args = {capacity, flags};
    int ret = -1;

    CHECK_FLAGS(flags, VSTOR_VOL_RESIZE_ALLOCATE | VSTOR_VOL_RESIZE_DELTA | VSTOR_VOL_RESIZE_SHRINK,
                -1);
    g_mutex_lock(&drv->lock);
    if (!(vol = find_vol(drv, id, &obj, err)) || !(be = driver_backend(obj, err)))
        goto out;
    if (check_vol_idle(vol, err) < 0)
        goto out;
    if (flags & VSTOR_VOL_RESIZE_DELTA) {
        if (flags & VSTOR_VOL_RESIZE_SHRINK) {
            if (capacity > vol->def->capacity) {
                vstor_error_set(err, VSTOR_ERR_INVALID_ARG, "can't shrink capacity below zero");
                goto out;
            }
            args.capacity = vol->def->capacity - capacity;
        } else {
            if (capacity > G_MAXUINT64 - vol->def->capacity) {
                vstor_error_set(err, VSTOR_ERR_OVERFLOW, "capacity of '%s' would overflow",
                                vol->def->name);
                goto out;
            }
            args.capacity = vol->def->capacity + capacity;
        }
    }
    /* libvirt's order and rule: never below what is allocated, even with the shrink flag. */
    if (args.capacity < vol->def->allocation) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG,
                        "can't shrink capacity below existing allocation");
        goto out;
    }
    if (args.capacity < vol->def->capacity && !(flags & VSTOR_VOL_RESIZE_SHRINK)) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG,
                        "Can't shrink capacity below current capacity unless shrink flag "
                        "explicitly specified");
        goto out;
    }
    if ((flags & VSTOR_VOL_RESIZE_ALLOCATE) && args.capacity > vol->def->allocation &&
        args.capacity - vol->def->allocation > obj->def->available) {
        vstor_error_set(err, VSTOR_ERR_OPERATION_FAILED, "Not enough space left in storage pool");
        goto out;
    }
    if (!be->resize_vol) {
        vstor_error_set(err, VSTOR_ERR_NO_SUPPORT,
                        "storage pool does not support changing of volume capacity");
        goto out;
    }
    ret = run_vol_job(drv, obj, vol, VSTOR_JOB_VOL_RESIZE, do_resize, be, &args, err);
out:
    g_mutex_unlock(&drv->lock);
    return ret;
}

int
vstor_driver_vol_get_info(VstorDriver *drv, const VstorVolId *id, unsigned int flags,
                          VstorVolInfo *ret_info, GError **err)
{
    VstorPoolObj *obj;
    VstorVolObj *vol;
    const VstorBackend *be;
    int ret = -1;

    CHECK_FLAGS(flags, VSTOR_VOL_INFO_PHYSICAL, -1);
    if (driver_lock(drv, err) < 0)
        return -1;
    if (!(vol = find_vol(drv, id, &obj, err)) || !(be = driver_backend(obj, err)))
        goto out;
    if (driver_watch_refresh_vol(drv, obj, vol, err) < 0)
        goto out;
    ret_info->type = vol->def->type;
    ret_info->building = vol->building > 0;
    ret_info->capacity = vol->def->capacity;
    ret_info->allocation =
        (flags & VSTOR_VOL_INFO_PHYSICAL) ? vol->def->physical : vol->def->allocation;
    ret = 0;
out:
    g_mutex_unlock(&drv->lock);
    return ret;
}

char *
vstor_driver_vol_get_xml(VstorDriver *drv, const VstorVolId *id, unsigned int flags, GError **err)
{
    VstorPoolObj *obj;
    VstorVolObj *vol;
    const VstorBackend *be;
    char *xml = NULL;

    CHECK_FLAGS(flags, 0, NULL);
    if (driver_lock(drv, err) < 0)
        return NULL;
    if (!(vol = find_vol(drv, id, &obj, err)) || !(be = driver_backend(obj, err)))
        goto out;
    if (driver_watch_refresh_vol(drv, obj, vol, err) < 0)
        goto out;
    xml = vstor_vol_def_format(obj->def->type, vol->def);
out:
    g_mutex_unlock(&drv->lock);
    return xml;
}

char *
vstor_driver_vol_get_path(VstorDriver *drv, const VstorVolId *id, GError **err)
{
    VstorPoolObj *obj;
    VstorVolObj *vol;
    char *path = NULL;

    if (driver_lock(drv, err) < 0)
        return NULL;
    if ((vol = find_vol(drv, id, &obj, err)))
        path = g_strdup(vol->def->target.path);
    g_mutex_unlock(&drv->lock);
    return path;
}
