/* driver_pool.c: pool lookups and lifecycle — define, create, start, build, destroy,
 * delete, undefine, refresh, info, XML, autostart — with libvirt's state rules and errors. */
#include "storage/driver_priv.h"

#include <string.h>

#include "util/error.h"
#include "util/fileio.h"

#define CHECK_FLAGS(flags, allowed, retval)                                                        \
    do {                                                                                           \
        if (driver_check_flags((flags), (allowed), __func__, err) < 0)                             \
            return retval;                                                                         \
    } while (0)

static gboolean
same_host(const VstorPoolSource *a, const VstorPoolSource *b)
{
    return a->n_hosts == 1 && b->n_hosts == 1 &&
           g_strcmp0(a->hosts[0].name, b->hosts[0].name) == 0 &&
           a->hosts[0].port == b->hosts[0].port;
}

static gboolean
share_device(const VstorPoolSource *a, const VstorPoolSource *b)
{
    for (guint i = 0; i < a->n_devices; i++)
        for (guint j = 0; j < b->n_devices; j++)
            if (g_strcmp0(a->devices[i].path, b->devices[j].path) == 0)
                return TRUE;
    return FALSE;
}

static gboolean
is_device_type(VstorPoolType t)
{
    return t == VSTOR_POOL_FS || t == VSTOR_POOL_LOGICAL || t == VSTOR_POOL_DISK ||
           t == VSTOR_POOL_ZFS;
}

/* Two pools must not manage the same storage (libvirt's source-duplicate rule). */
static gboolean
source_conflict(const VstorPoolDef *have, const VstorPoolDef *def)
{
    const VstorPoolSource *a = &have->source, *b = &def->source;

    if (strcmp(have->name, def->name) == 0)
        return FALSE; /* redefining the same pool */
    switch (have->type) {
    case VSTOR_POOL_DIR:
        return def->type == VSTOR_POOL_DIR && g_strcmp0(have->target_path, def->target_path) == 0;
    case VSTOR_POOL_NETFS:
        return def->type == VSTOR_POOL_NETFS && g_strcmp0(a->dir, b->dir) == 0 && same_host(a, b);
    case VSTOR_POOL_GLUSTER:
        return def->type == VSTOR_POOL_GLUSTER && g_strcmp0(a->name, b->name) == 0 &&
               g_strcmp0(a->dir, b->dir) == 0 && same_host(a, b);
    case VSTOR_POOL_ISCSI:
        return def->type == VSTOR_POOL_ISCSI && share_device(a, b) && same_host(a, b) &&
               g_strcmp0(a->initiator_iqn, b->initiator_iqn) == 0;
    case VSTOR_POOL_FS:
    case VSTOR_POOL_LOGICAL:
    case VSTOR_POOL_DISK:
    case VSTOR_POOL_ZFS: return is_device_type(def->type) && share_device(a, b);
    case VSTOR_POOL_MPATH: return def->type == VSTOR_POOL_MPATH;
    case VSTOR_POOL_VSTORAGE:
        return def->type == VSTOR_POOL_VSTORAGE && g_strcmp0(a->name, b->name) == 0;
    case VSTOR_POOL_SHEEPDOG: return def->type == VSTOR_POOL_SHEEPDOG && same_host(a, b);
    default: return FALSE;
    }
}

/* libvirt's add-to-list rules: the same uuid must carry the same name, a name belongs to
 * one uuid, and no two pools share a source. Returns the existing pool for a redefinition,
 * NULL for a new pool, and fails (-1 in *ret_rc) otherwise. */
static VstorPoolObj *
check_duplicate(VstorDriver *drv, const VstorPoolDef *def, gboolean check_active, int *ret_rc,
                GError **err)
{
    VstorPoolObj *obj;
    char uuid[VSTOR_UUID_STRING_LEN];

    *ret_rc = -1;
    for (guint i = 0; i < drv->pools->len; i++) {
        VstorPoolObj *o = drv->pools->pdata[i];

        if (source_conflict(o->def, def)) {
            vstor_error_set(err, VSTOR_ERR_OPERATION_FAILED,
                            "Storage source conflict with pool: '%s'", o->def->name);
            return NULL;
        }
    }
    if ((obj = driver_find_pool_by_uuid(drv, def->uuid))) {
        if (strcmp(obj->def->name, def->name) != 0) {
            vstor_uuid_format(obj->def->uuid, uuid);
            vstor_error_set(err, VSTOR_ERR_OPERATION_FAILED,
                            "pool '%s' is already defined with uuid %s", obj->def->name, uuid);
            return NULL;
        }
        if (check_active && obj->active) {
            vstor_error_set(err, VSTOR_ERR_OPERATION_INVALID, "pool is already active as '%s'",
                            obj->def->name);
            return NULL;
        }
        if (check_active && obj->starting) {
            vstor_error_set(err, VSTOR_ERR_OPERATION_INVALID, "pool '%s' is starting up",
                            obj->def->name);
            return NULL;
        }
        *ret_rc = 1;
        return obj;
    }
    if ((obj = driver_find_pool_by_name(drv, def->name))) {
        vstor_uuid_format(obj->def->uuid, uuid);
        vstor_error_set(err, VSTOR_ERR_OPERATION_FAILED, "pool '%s' already exists with uuid %s",
                        def->name, uuid);
        return NULL;
    }
    *ret_rc = 0;
    return NULL;
}

/* --- state changes --- */

void
driver_pool_mark_inactive(VstorDriver *drv, VstorPoolObj *obj)
{
    driver_unwatch_pool(drv, obj);
    obj->active = FALSE;
    g_clear_pointer(&obj->inaccessible, g_free);
    vstor_pool_obj_clear_vols(obj, FALSE);
    driver_remove_state(drv, obj->def->name);
    if (!obj->persistent) {
        driver_remove_pool(drv, obj);
        return;
    }
    if (obj->new_def) {
        vstor_pool_def_free(obj->def);
        obj->def = g_steal_pointer(&obj->new_def);
    }
}

/* An active pool whose storage went away behind vstor's back (its fs/netfs mount is gone) is
 * inaccessible: obj->inaccessible says why until the backend finds the storage back. */
static int
check_access(VstorDriver *drv, VstorPoolObj *obj, const VstorBackend *be, GError **err)
{
    g_autoptr(GError) why = NULL;

    if (!be || !be->check_access)
        return 0;
    if (be->check_access(&drv->env, obj->def, &why) == 0) {
        g_clear_pointer(&obj->inaccessible, g_free);
        return 0;
    }
    g_free(obj->inaccessible);
    obj->inaccessible = g_strdup(why->message);
    g_propagate_error(err, g_steal_pointer(&why));
    return -1;
}

int
driver_pool_do_refresh(VstorDriver *drv, VstorPoolObj *obj, GError **err)
{
    const VstorBackend *be = driver_backend(obj, err);
    g_autoptr(GPtrArray) vols = NULL;

    if (!be)
        return -1;
    driver_watch_pool(drv, obj); /* before the scan: nothing it misses goes unseen */
    if (be->refresh(&drv->env, obj->def, &vols, err) < 0)
        return -1;
    /* Volumes being written by a job stay as they are: a refresh never sees them half done. */
    vstor_pool_obj_clear_vols(obj, TRUE);
    for (guint i = 0; i < vols->len; i++) {
        VstorVolDef *vol = vols->pdata[i];

        if (vstor_pool_obj_find_vol(obj, vol->name))
            continue;
        vols->pdata[i] = NULL;
        vstor_pool_obj_add_vol(obj, vol);
    }
    driver_watch_want_marks(drv, obj);
    return 0;
}

/* Runs start (optionally build first) for @obj, which is marked starting; the lock is
 * released around the backend's slow work. On success the pool is active. */
static int
start_pool(VstorDriver *drv, VstorPoolObj *obj, unsigned int create_flags, GError **err)
{
    const VstorBackend *be = driver_backend(obj, err);
    unsigned int build_flags = 0;
    int rc = 0;

    if (!be)
        return -1;
    if (create_flags & VSTOR_POOL_CREATE_WITH_BUILD_OVERWRITE)
        build_flags |= VSTOR_POOL_BUILD_OVERWRITE;
    else if (create_flags & VSTOR_POOL_CREATE_WITH_BUILD_NO_OVERWRITE)
        build_flags |= VSTOR_POOL_BUILD_NO_OVERWRITE;

    obj->starting = TRUE;
    g_mutex_unlock(&drv->lock);
    if (be->build && (build_flags || (create_flags & VSTOR_POOL_CREATE_WITH_BUILD)))
        rc = be->build(&drv->env, obj->def, build_flags, NULL, err);
    if (rc == 0 && be->start)
        rc = be->start(&drv->env, obj->def, err);
    if (rc == 0 && be->remove_stale)
        be->remove_stale(&drv->env, obj->def); /* an inactive pool has no build running */
    g_mutex_lock(&drv->lock);
    obj->starting = FALSE;
    g_cond_broadcast(&drv->cond);
    if (rc < 0)
        return -1;

    if (driver_save_state(drv, obj, err) < 0 || driver_pool_do_refresh(drv, obj, err) < 0) {
        if (be->stop)
            be->stop(&drv->env, obj->def, NULL);
        driver_remove_state(drv, obj->def->name);
        vstor_pool_obj_clear_vols(obj, FALSE);
        return -1;
    }
    obj->active = TRUE;
    driver_autostart_forget(obj);
    return 0;
}

int
vstor_driver_pool_define(VstorDriver *drv, const char *xml, unsigned int flags, VstorPoolId *ret_id,
                         GError **err)
{
    g_autoptr(VstorPoolDef) def = NULL;
    VstorPoolObj *obj;
    int rc;

    /* VALIDATE asks for a schema check; vstor's parser enforces the same rules always. */
    CHECK_FLAGS(flags, VSTOR_POOL_DEFINE_VALIDATE, -1);
    if (!(def = vstor_pool_def_parse(xml, 0, err)) || vstor_pool_def_check_define(def, err) < 0)
        return -1;
    if (!vstor_backend_for_type(def->type)) {
        vstor_error_set(err, VSTOR_ERR_NO_SUPPORT, "vstor has no backend for pool type '%s' yet",
                        vstor_pool_type_to_string(def->type));
        return -1;
    }

    g_mutex_lock(&drv->lock);
    obj = check_duplicate(drv, def, FALSE, &rc, err);
    if (rc < 0)
        goto fail;
    if (obj && obj->active && obj->def->type != def->type) {
        vstor_error_set(err, VSTOR_ERR_OPERATION_INVALID,
                        "cannot change the type of active pool '%s'", def->name);
        goto fail;
    }
    if (driver_save_config(drv, def, err) < 0)
        goto fail;
    driver_fill_id(def, ret_id);
    if (!obj) {
        obj = vstor_pool_obj_new(g_steal_pointer(&def));
        obj->persistent = TRUE;
        driver_add_pool(drv, obj);
    } else {
        obj->persistent = TRUE;
        if (obj->active || obj->starting) {
            vstor_pool_def_free(obj->new_def);
            obj->new_def = g_steal_pointer(&def);
        } else {
            vstor_pool_def_free(obj->def);
            obj->def = g_steal_pointer(&def);
        }
    }
    driver_queue_event(drv, vstor_pool_obj_inactive_def(obj), VSTOR_POOL_EVENT_DEFINED);
    g_mutex_unlock(&drv->lock);
    driver_flush_events(drv);
    return 0;

fail:
    g_mutex_unlock(&drv->lock);
    driver_flush_events(drv);
    return -1;
}

int
vstor_driver_pool_create(VstorDriver *drv, const char *xml, unsigned int flags, VstorPoolId *ret_id,
                         GError **err)
{
    g_autoptr(VstorPoolDef) def = NULL;
    VstorPoolObj *obj;
    gboolean added = FALSE;
    int rc;

    CHECK_FLAGS(flags,
                VSTOR_POOL_CREATE_WITH_BUILD | VSTOR_POOL_CREATE_WITH_BUILD_OVERWRITE |
                    VSTOR_POOL_CREATE_WITH_BUILD_NO_OVERWRITE,
                -1);
    if ((flags & VSTOR_POOL_CREATE_WITH_BUILD_OVERWRITE) &&
        (flags & VSTOR_POOL_CREATE_WITH_BUILD_NO_OVERWRITE)) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG,
                        "Flags 'VIR_STORAGE_POOL_BUILD_OVERWRITE' and "
                        "'VIR_STORAGE_POOL_BUILD_NO_OVERWRITE' are mutually exclusive");
        return -1;
    }
    if (!(def = vstor_pool_def_parse(xml, 0, err)))
        return -1;
    if (!vstor_backend_for_type(def->type)) {
        vstor_error_set(err, VSTOR_ERR_NO_SUPPORT, "vstor has no backend for pool type '%s' yet",
                        vstor_pool_type_to_string(def->type));
        return -1;
    }

    g_mutex_lock(&drv->lock);
    obj = check_duplicate(drv, def, TRUE, &rc, err);
    if (rc < 0)
        goto fail;
    if (obj) {
        /* An inactive persistent pool started with a live definition: the persistent one
         * becomes the next definition. */
        if (!obj->new_def)
            obj->new_def = obj->def;
        else
            vstor_pool_def_free(obj->def);
        obj->def = g_steal_pointer(&def);
    } else {
        obj = vstor_pool_obj_new(g_steal_pointer(&def));
        driver_add_pool(drv, obj);
        added = TRUE;
    }
    if (start_pool(drv, obj, flags, err) < 0) {
        if (added) {
            driver_remove_pool(drv, obj);
        } else if (obj->new_def) {
            vstor_pool_def_free(obj->def);
            obj->def = g_steal_pointer(&obj->new_def);
        }
        goto fail;
    }
    driver_queue_event(drv, obj->def, VSTOR_POOL_EVENT_STARTED);
    driver_fill_id(obj->def, ret_id);
    g_mutex_unlock(&drv->lock);
    driver_flush_events(drv);
    return 0;

fail:
    g_mutex_unlock(&drv->lock);
    driver_flush_events(drv);
    return -1;
}

/* Fails with libvirt's errors unless @obj can be started or built: not active, not starting. */
static int
check_startable(const VstorPoolObj *obj, GError **err)
{
    if (obj->active) {
        vstor_error_set(err, VSTOR_ERR_OPERATION_INVALID, "storage pool '%s' is already active",
                        obj->def->name);
        return -1;
    }
    if (obj->starting) {
        vstor_error_set(err, VSTOR_ERR_OPERATION_INVALID, "storage pool '%s' is starting up",
                        obj->def->name);
        return -1;
    }
    return 0;
}

/* Fails with libvirt's errors when @obj is starting or runs jobs. */
static int
check_idle(VstorPoolObj *obj, GError **err)
{
    if (obj->starting) {
        vstor_error_set(err, VSTOR_ERR_OPERATION_INVALID, "storage pool '%s' is starting up",
                        obj->def->name);
        return -1;
    }
    if (obj->async_jobs > 0) {
        vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR,
                        "pool '%s' has asynchronous jobs running; wait for them or cancel "
                        "them first",
                        obj->def->name);
        return -1;
    }
    return 0;
}

int
vstor_driver_pool_undefine(VstorDriver *drv, const VstorPoolId *id, GError **err)
{
    VstorPoolObj *obj;
    g_autofree char *config = NULL;
    int ret = -1;

    g_mutex_lock(&drv->lock);
    if (!(obj = driver_find_pool(drv, id, err)))
        goto out;
    if (obj->active) {
        vstor_error_set(err, VSTOR_ERR_OPERATION_INVALID, "storage pool '%s' is still active",
                        obj->def->name);
        goto out;
    }
    if (check_idle(obj, err) < 0)
        goto out;
    if (!obj->persistent) {
        vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR, "no config file for %s", obj->def->name);
        goto out;
    }
    config = driver_config_path(drv, obj->def->name);
    if (vstor_file_remove(config, err) < 0)
        goto out;
    vstor_dir_fsync(drv->config_dir, NULL);
    driver_set_autostart_link(drv, obj->def->name, FALSE, NULL);
    driver_queue_event(drv, obj->def, VSTOR_POOL_EVENT_UNDEFINED);
    driver_remove_pool(drv, obj);
    ret = 0;
out:
    g_mutex_unlock(&drv->lock);
    driver_flush_events(drv);
    return ret;
}

int
vstor_driver_pool_start(VstorDriver *drv, const VstorPoolId *id, unsigned int flags, GError **err)
{
    VstorPoolObj *obj;
    int ret = -1;

    CHECK_FLAGS(flags,
                VSTOR_POOL_CREATE_WITH_BUILD | VSTOR_POOL_CREATE_WITH_BUILD_OVERWRITE |
                    VSTOR_POOL_CREATE_WITH_BUILD_NO_OVERWRITE,
                -1);
    if ((flags & VSTOR_POOL_CREATE_WITH_BUILD_OVERWRITE) &&
        (flags & VSTOR_POOL_CREATE_WITH_BUILD_NO_OVERWRITE)) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG,
                        "Flags 'VIR_STORAGE_POOL_BUILD_OVERWRITE' and "
                        "'VIR_STORAGE_POOL_BUILD_NO_OVERWRITE' are mutually exclusive");
        return -1;
    }
    g_mutex_lock(&drv->lock);
    if (!(obj = driver_find_pool(drv, id, err)))
        goto out;
    if (check_startable(obj, err) < 0)
        goto out;
    ret = start_pool(drv, obj, flags, err);
    if (ret == 0)
        driver_queue_event(drv, obj->def, VSTOR_POOL_EVENT_STARTED);
out:
    g_mutex_unlock(&drv->lock);
    driver_flush_events(drv);
    return ret;
}

int
vstor_driver_pool_build(VstorDriver *drv, const VstorPoolId *id, unsigned int flags, GError **err)
{
    VstorPoolObj *obj;
    const VstorBackend *be;
    int ret = -1;

    CHECK_FLAGS(flags,
                VSTOR_POOL_BUILD_NEW | VSTOR_POOL_BUILD_REPAIR | VSTOR_POOL_BUILD_RESIZE |
                    VSTOR_POOL_BUILD_NO_OVERWRITE | VSTOR_POOL_BUILD_OVERWRITE,
                -1);
    g_mutex_lock(&drv->lock);
    if (!(obj = driver_find_pool(drv, id, err)) || !(be = driver_backend(obj, err)))
        goto out;
    if (check_startable(obj, err) < 0)
        goto out;
    if (!be->build) {
        ret = 0; /* libvirt: building a pool type without a build step succeeds */
        goto out;
    }
    obj->starting = TRUE; /* nobody starts or undefines it while it is being built */
    g_mutex_unlock(&drv->lock);
    ret = be->build(&drv->env, obj->def, flags, NULL, err);
    g_mutex_lock(&drv->lock);
    if (ret == 0)
        driver_queue_event(drv, obj->def, VSTOR_POOL_EVENT_CREATED);
    obj->starting = FALSE;
    g_cond_broadcast(&drv->cond);
out:
    g_mutex_unlock(&drv->lock);
    driver_flush_events(drv);
    return ret;
}

int
vstor_driver_pool_destroy(VstorDriver *drv, const VstorPoolId *id, GError **err)
{
    VstorPoolObj *obj;
    const VstorBackend *be;
    int ret = -1;

    g_mutex_lock(&drv->lock);
    if (!(obj = driver_find_pool(drv, id, err)) || !(be = driver_backend(obj, err)))
        goto out;
    if (!obj->active) {
        vstor_error_set(err, VSTOR_ERR_OPERATION_INVALID, "storage pool '%s' is not active",
                        obj->def->name);
        goto out;
    }
    if (check_idle(obj, err) < 0)
        goto out;
    if (be->stop && be->stop(&drv->env, obj->def, err) < 0)
        goto out;
    driver_queue_event(drv, obj->def, VSTOR_POOL_EVENT_STOPPED);
    driver_pool_mark_inactive(drv, obj);
    ret = 0;
out:
    g_mutex_unlock(&drv->lock);
    driver_flush_events(drv);
    return ret;
}

int
vstor_driver_pool_delete(VstorDriver *drv, const VstorPoolId *id, unsigned int flags, GError **err)
{
    VstorPoolObj *obj;
    const VstorBackend *be;
    int ret = -1;

    CHECK_FLAGS(flags, VSTOR_POOL_DELETE_ZEROED, -1);
    g_mutex_lock(&drv->lock);
    if (!(obj = driver_find_pool(drv, id, err)) || !(be = driver_backend(obj, err)))
        goto out;
    if (obj->active) {
        vstor_error_set(err, VSTOR_ERR_OPERATION_INVALID, "storage pool '%s' is still active",
                        obj->def->name);
        goto out;
    }
    if (check_idle(obj, err) < 0)
        goto out;
    if (!be->delete_pool) {
        vstor_error_set(err, VSTOR_ERR_NO_SUPPORT, "pool does not support pool deletion");
        goto out;
    }
    ret = be->delete_pool(&drv->env, obj->def, flags, err);
    if (ret == 0)
        driver_queue_event(drv, obj->def, VSTOR_POOL_EVENT_DELETED);
out:
    g_mutex_unlock(&drv->lock);
    driver_flush_events(drv);
    return ret;
}

int
vstor_driver_pool_refresh(VstorDriver *drv, const VstorPoolId *id, unsigned int flags, GError **err)
{
    VstorPoolObj *obj;
    const VstorBackend *be;
    int ret = -1, rc;

    CHECK_FLAGS(flags, 0, -1);
    g_mutex_lock(&drv->lock);
    if (!(obj = driver_find_active_pool(drv, id, err)) || !(be = driver_backend(obj, err)))
        goto out;
    if (obj->starting) {
        vstor_error_set(err, VSTOR_ERR_OPERATION_INVALID, "storage pool '%s' is starting up",
                        obj->def->name);
        goto out;
    }
    /* Storage that went away leaves the pool active but inaccessible: stopping it would hide
     * the problem, and a scan would list the directory under the mount. */
    if (check_access(drv, obj, be, err) < 0)
        goto out;
    /* Unlike libvirt, running jobs do not block a refresh: their volumes are kept as they
     * are (see driver_pool_do_refresh). A live pool looks only at what changed. A refresh
     * that fails stops the pool, as libvirt's. */
    rc = driver_watch_refresh(drv, obj, err);
    if (rc < 0 || (rc == 0 && driver_pool_do_refresh(drv, obj, err) < 0)) {
        if (be->stop)
            be->stop(&drv->env, obj->def, NULL);
        driver_queue_event(drv, obj->def, VSTOR_POOL_EVENT_STOPPED);
        if (obj->async_jobs == 0)
            driver_pool_mark_inactive(drv, obj);
        goto out;
    }
    driver_queue_event(drv, obj->def, VSTOR_POOL_EVENT_REFRESH);
    ret = 0;
out:
    g_mutex_unlock(&drv->lock);
    driver_flush_events(drv);
    return ret;
}

int
vstor_driver_pool_get_info(VstorDriver *drv, const VstorPoolId *id, VstorPoolInfo *ret_info,
                           GError **err)
{
    VstorPoolObj *obj;
    const VstorBackend *be;
    int ret = -1;

    g_mutex_lock(&drv->lock);
    if (!(obj = driver_find_pool(drv, id, err)))
        goto out;
    memset(ret_info, 0, sizeof(*ret_info));
    if (obj->active) {
        /* Sizes are read fresh on every call, not cached from the last refresh. */
        be = vstor_backend_for_type(obj->def->type);
        check_access(drv, obj, be, NULL);
        if (be && be->refresh_sizes)
            be->refresh_sizes(&drv->env, obj->def, NULL);
        ret_info->state =
            obj->inaccessible ? VSTOR_POOL_STATE_INACCESSIBLE : VSTOR_POOL_STATE_RUNNING;
        ret_info->capacity = obj->def->capacity;
        ret_info->allocation = obj->def->allocation;
        ret_info->available = obj->def->available;
    } else {
        ret_info->state = obj->starting ? VSTOR_POOL_STATE_BUILDING : VSTOR_POOL_STATE_INACTIVE;
    }
    ret = 0;
out:
    g_mutex_unlock(&drv->lock);
    return ret;
}

char *
vstor_driver_pool_get_xml(VstorDriver *drv, const VstorPoolId *id, unsigned int flags, GError **err)
{
    VstorPoolObj *obj;
    char *xml = NULL;

    CHECK_FLAGS(flags, VSTOR_POOL_XML_INACTIVE, NULL);
    g_mutex_lock(&drv->lock);
    if ((obj = driver_find_pool(drv, id, err))) {
        const VstorPoolDef *def = obj->def;
        const VstorBackend *be = vstor_backend_for_type(obj->def->type);

        if (flags & VSTOR_POOL_XML_INACTIVE)
            def = vstor_pool_obj_inactive_def(obj);
        else if (obj->active && be && be->refresh_sizes)
            be->refresh_sizes(&drv->env, obj->def, NULL);
        xml = vstor_pool_def_format(def);
    }
    g_mutex_unlock(&drv->lock);
    return xml;
}

/* One yes/no field of a pool, read under the lock: 1 or 0, -1 when the pool is gone. */
static int
pool_flag(VstorDriver *drv, const VstorPoolId *id, gsize field_offset, GError **err)
{
    VstorPoolObj *obj;
    int ret = -1;

    g_mutex_lock(&drv->lock);
    if ((obj = driver_find_pool(drv, id, err)))
        ret = G_STRUCT_MEMBER(gboolean, obj, field_offset) ? 1 : 0;
    g_mutex_unlock(&drv->lock);
    return ret;
}

int
vstor_driver_pool_get_autostart(VstorDriver *drv, const VstorPoolId *id, gboolean *ret_autostart,
                                GError **err)
{
    int rc = pool_flag(drv, id, G_STRUCT_OFFSET(VstorPoolObj, autostart), err);

    if (rc < 0)
        return -1;
    *ret_autostart = rc;
    return 0;
}

int
vstor_driver_pool_set_autostart(VstorDriver *drv, const VstorPoolId *id, gboolean autostart,
                                GError **err)
{
    VstorPoolObj *obj;
    int ret = -1;

    g_mutex_lock(&drv->lock);
    if (!(obj = driver_find_pool(drv, id, err)))
        goto out;
    if (!obj->persistent) {
        vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR, "%s", "pool has no config file");
        goto out;
    }
    if (obj->autostart != !!autostart) {
        if (driver_set_autostart_link(drv, obj->def->name, autostart, err) < 0)
            goto out;
        obj->autostart = !!autostart;
    }
    if (!autostart)
        driver_autostart_forget(obj);
    ret = 0;
out:
    g_mutex_unlock(&drv->lock);
    return ret;
}

int
vstor_driver_pool_is_active(VstorDriver *drv, const VstorPoolId *id, GError **err)
{
    return pool_flag(drv, id, G_STRUCT_OFFSET(VstorPoolObj, active), err);
}

int
vstor_driver_pool_is_persistent(VstorDriver *drv, const VstorPoolId *id, GError **err)
{
    return pool_flag(drv, id, G_STRUCT_OFFSET(VstorPoolObj, persistent), err);
}
