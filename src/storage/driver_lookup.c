/* driver_lookup.c: finding pools (by name, uuid, target path, volume) and listing them
 * with libvirt's filter flags; read-only, so every call holds the lock only briefly. */
#include "storage/driver_priv.h"

#include <string.h>

#include "util/error.h"

int
vstor_driver_pool_lookup_by_name(VstorDriver *drv, const char *name, VstorPoolId *ret_id,
                                 GError **err)
{
    VstorPoolObj *obj;
    int ret = -1;

    if (driver_lock(drv, err) < 0)
        return -1;
    if ((obj = driver_find_pool_by_name(drv, name))) {
        driver_fill_id(obj->def, ret_id);
        ret = 0;
    } else {
        vstor_error_set(err, VSTOR_ERR_NO_STORAGE_POOL, "no storage pool with matching name '%s'",
                        name);
    }
    g_mutex_unlock(&drv->lock);
    return ret;
}

int
vstor_driver_pool_lookup_by_uuid(VstorDriver *drv, const guint8 *uuid, VstorPoolId *ret_id,
                                 GError **err)
{
    VstorPoolObj *obj;
    int ret = -1;

    if (driver_lock(drv, err) < 0)
        return -1;
    if ((obj = driver_find_pool_by_uuid(drv, uuid))) {
        driver_fill_id(obj->def, ret_id);
        ret = 0;
    } else {
        char s[VSTOR_UUID_STRING_LEN];

        vstor_uuid_format(uuid, s);
        vstor_error_set(err, VSTOR_ERR_NO_STORAGE_POOL, "no storage pool with matching uuid '%s'",
                        s);
    }
    g_mutex_unlock(&drv->lock);
    return ret;
}

int
vstor_driver_pool_lookup_by_target_path(VstorDriver *drv, const char *path, VstorPoolId *ret_id,
                                        GError **err)
{
    g_autofree char *clean = g_canonicalize_filename(path, "/");
    int ret = -1;

    g_mutex_lock(&drv->lock);
    for (guint i = 0; i < drv->pools->len && ret < 0; i++) {
        VstorPoolObj *obj = drv->pools->pdata[i];

        if (obj->active && obj->def->target_path && strcmp(obj->def->target_path, clean) == 0) {
            driver_fill_id(obj->def, ret_id);
            ret = 0;
        }
    }
    if (ret < 0)
        vstor_error_set(err, VSTOR_ERR_NO_STORAGE_POOL,
                        "no storage pool with matching target path '%s'", path);
    g_mutex_unlock(&drv->lock);
    return ret;
}

int
vstor_driver_pool_lookup_by_volume(VstorDriver *drv, const VstorVolId *vol, VstorPoolId *ret_id,
                                   GError **err)
{
    VstorPoolObj *obj;
    int ret = -1;

    g_mutex_lock(&drv->lock);
    if ((obj = driver_find_pool_by_name(drv, vol->pool))) {
        driver_fill_id(obj->def, ret_id);
        ret = 0;
    } else {
        vstor_error_set(err, VSTOR_ERR_NO_STORAGE_POOL, "no storage pool with matching name '%s'",
                        vol->pool);
    }
    g_mutex_unlock(&drv->lock);
    return ret;
}

static gboolean
list_filter_match(const VstorPoolObj *obj, unsigned int flags)
{
    static const unsigned int type_bits[VSTOR_POOL_TYPE_LAST] = {
        [VSTOR_POOL_DIR] = VSTOR_LIST_POOLS_DIR,
        [VSTOR_POOL_FS] = VSTOR_LIST_POOLS_FS,
        [VSTOR_POOL_NETFS] = VSTOR_LIST_POOLS_NETFS,
        [VSTOR_POOL_LOGICAL] = VSTOR_LIST_POOLS_LOGICAL,
        [VSTOR_POOL_DISK] = VSTOR_LIST_POOLS_DISK,
        [VSTOR_POOL_ISCSI] = VSTOR_LIST_POOLS_ISCSI,
        [VSTOR_POOL_ISCSI_DIRECT] = VSTOR_LIST_POOLS_ISCSI_DIRECT,
        [VSTOR_POOL_SCSI] = VSTOR_LIST_POOLS_SCSI,
        [VSTOR_POOL_MPATH] = VSTOR_LIST_POOLS_MPATH,
        [VSTOR_POOL_RBD] = VSTOR_LIST_POOLS_RBD,
        [VSTOR_POOL_SHEEPDOG] = VSTOR_LIST_POOLS_SHEEPDOG,
        [VSTOR_POOL_GLUSTER] = VSTOR_LIST_POOLS_GLUSTER,
        [VSTOR_POOL_ZFS] = VSTOR_LIST_POOLS_ZFS,
        [VSTOR_POOL_VSTORAGE] = VSTOR_LIST_POOLS_VSTORAGE,
    };
    const unsigned int active_bits = VSTOR_LIST_POOLS_ACTIVE | VSTOR_LIST_POOLS_INACTIVE;
    const unsigned int persist_bits = VSTOR_LIST_POOLS_PERSISTENT | VSTOR_LIST_POOLS_TRANSIENT;
    const unsigned int auto_bits = VSTOR_LIST_POOLS_AUTOSTART | VSTOR_LIST_POOLS_NO_AUTOSTART;
    const unsigned int all_types =
        VSTOR_LIST_POOLS_ALL_FLAGS & ~(active_bits | persist_bits | auto_bits);

    /* Each group filters only when some (not all) of its bits are given, as in libvirt. */
    if ((flags & active_bits) && (flags & active_bits) != active_bits &&
        !(flags & (obj->active ? VSTOR_LIST_POOLS_ACTIVE : VSTOR_LIST_POOLS_INACTIVE)))
        return FALSE;
    if ((flags & persist_bits) && (flags & persist_bits) != persist_bits &&
        !(flags & (obj->persistent ? VSTOR_LIST_POOLS_PERSISTENT : VSTOR_LIST_POOLS_TRANSIENT)))
        return FALSE;
    if ((flags & auto_bits) && (flags & auto_bits) != auto_bits &&
        !(flags & (obj->autostart ? VSTOR_LIST_POOLS_AUTOSTART : VSTOR_LIST_POOLS_NO_AUTOSTART)))
        return FALSE;
    if ((flags & all_types) && !(flags & type_bits[obj->def->type]))
        return FALSE;
    return TRUE;
}

static gint
compare_pool_ids(gconstpointer a, gconstpointer b)
{
    const VstorPoolId *x = *(VstorPoolId *const *)a, *y = *(VstorPoolId *const *)b;

    return strcmp(x->name, y->name);
}

GPtrArray *
vstor_driver_pool_list(VstorDriver *drv, unsigned int flags, GError **err)
{
    GPtrArray *out;

    if (driver_check_flags(flags, VSTOR_LIST_POOLS_ALL_FLAGS, __func__, err) < 0)
        return NULL;
    out = g_ptr_array_new_with_free_func((GDestroyNotify)vstor_pool_id_free);
    g_mutex_lock(&drv->lock);
    for (guint i = 0; i < drv->pools->len; i++) {
        VstorPoolObj *obj = drv->pools->pdata[i];
        VstorPoolId *id;

        if (!list_filter_match(obj, flags))
            continue;
        id = g_new0(VstorPoolId, 1);
        driver_fill_id(obj->def, id);
        g_ptr_array_add(out, id);
    }
    g_mutex_unlock(&drv->lock);
    g_ptr_array_sort(out, compare_pool_ids);
    return out;
}

int
vstor_driver_pool_count(VstorDriver *drv, gboolean active)
{
    int n = 0;

    g_mutex_lock(&drv->lock);
    for (guint i = 0; i < drv->pools->len; i++)
        if (((VstorPoolObj *)drv->pools->pdata[i])->active == active)
            n++;
    g_mutex_unlock(&drv->lock);
    return n;
}
