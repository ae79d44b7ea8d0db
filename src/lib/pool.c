/* pool.c: the public pool calls — look-ups, listing and lifecycle — over the connection's
 * driver, or handed to remote_pool.c. Handles carry (name, uuid), as libvirt's do. */
#include "lib/lib_priv.h"
#include "util/error.h"

#define DRV(pool) ((pool)->conn->driver)

static VstorStoragePool *
wrap(VstorConnect *conn, int rc, VstorPoolId *id)
{
    return rc < 0 ? NULL : lib_pool_new(conn, id);
}

VstorStoragePool *
vstor_storage_pool_lookup_by_name(VstorConnect *conn, const char *name, GError **error)
{
    VstorPoolId id = {0};

    if (conn->rpc)
        return lib_remote_pool_lookup(conn, REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_NAME, name, NULL,
                                      error);
    return wrap(conn, vstor_driver_pool_lookup_by_name(conn->driver, name, &id, error), &id);
}

VstorStoragePool *
vstor_storage_pool_lookup_by_uuid_string(VstorConnect *conn, const char *uuid, GError **error)
{
    VstorPoolId id = {0};
    guint8 raw[VSTOR_UUID_LEN];

    if (!vstor_uuid_parse(uuid, raw)) {
        vstor_error_set(error, VSTOR_ERR_INVALID_ARG, "invalid UUID '%s'", uuid);
        return NULL;
    }
    if (conn->rpc)
        return lib_remote_pool_lookup(conn, REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_UUID, NULL, raw,
                                      error);
    return wrap(conn, vstor_driver_pool_lookup_by_uuid(conn->driver, raw, &id, error), &id);
}

VstorStoragePool *
vstor_storage_pool_lookup_by_target_path(VstorConnect *conn, const char *path, GError **error)
{
    VstorPoolId id = {0};

    if (conn->rpc)
        return lib_remote_pool_lookup(conn, REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_TARGET_PATH, path,
                                      NULL, error);
    return wrap(conn, vstor_driver_pool_lookup_by_target_path(conn->driver, path, &id, error), &id);
}

VstorStoragePool *
vstor_storage_pool_lookup_by_volume(VstorStorageVol *vol, GError **error)
{
    VstorPoolId id = {0};

    if (vol->conn->rpc)
        return lib_remote_pool_lookup_by_volume(vol, error);
    return wrap(vol->conn,
                vstor_driver_pool_lookup_by_volume(vol->conn->driver, &vol->id, &id, error), &id);
}

GPtrArray *
vstor_connect_list_all_storage_pools(VstorConnect *conn, unsigned int flags, GError **error)
{
    g_autoptr(GPtrArray) ids = NULL;
    GPtrArray *out;

    if (conn->rpc)
        return lib_remote_pool_list(conn, flags, error);
    if (!(ids = vstor_driver_pool_list(conn->driver, flags, error)))
        return NULL;
    out = g_ptr_array_new_with_free_func((GDestroyNotify)vstor_storage_pool_free);
    for (guint i = 0; i < ids->len; i++)
        g_ptr_array_add(out, lib_pool_new(conn, ids->pdata[i]));
    return out;
}

VstorStoragePool *
vstor_storage_pool_define_xml(VstorConnect *conn, const char *xml, unsigned int flags,
                              GError **error)
{
    VstorPoolId id = {0};

    if (conn->rpc)
        return lib_remote_pool_define(conn, REMOTE_PROC_STORAGE_POOL_DEFINE_XML, xml, flags, error);
    if (lib_check_writable(conn, "virStoragePoolDefineXML", error) < 0)
        return NULL;
    return wrap(conn, vstor_driver_pool_define(conn->driver, xml, flags, &id, error), &id);
}

VstorStoragePool *
vstor_storage_pool_create_xml(VstorConnect *conn, const char *xml, unsigned int flags,
                              GError **error)
{
    VstorPoolId id = {0};

    if (conn->rpc)
        return lib_remote_pool_define(conn, REMOTE_PROC_STORAGE_POOL_CREATE_XML, xml, flags, error);
    if (lib_check_writable(conn, "virStoragePoolCreateXML", error) < 0)
        return NULL;
    return wrap(conn, vstor_driver_pool_create(conn->driver, xml, flags, &id, error), &id);
}

int
vstor_storage_pool_build(VstorStoragePool *pool, unsigned int flags, GError **error)
{
    if (pool->conn->rpc)
        return lib_remote_pool_simple(pool, REMOTE_PROC_STORAGE_POOL_BUILD, TRUE, flags, error);
    if (lib_check_writable(pool->conn, "virStoragePoolBuild", error) < 0)
        return -1;
    return vstor_driver_pool_build(DRV(pool), &pool->id, flags, error);
}

int
vstor_storage_pool_create(VstorStoragePool *pool, unsigned int flags, GError **error)
{
    if (pool->conn->rpc)
        return lib_remote_pool_simple(pool, REMOTE_PROC_STORAGE_POOL_CREATE, TRUE, flags, error);
    if (lib_check_writable(pool->conn, "virStoragePoolCreate", error) < 0)
        return -1;
    return vstor_driver_pool_start(DRV(pool), &pool->id, flags, error);
}

int
vstor_storage_pool_destroy(VstorStoragePool *pool, GError **error)
{
    if (pool->conn->rpc)
        return lib_remote_pool_simple(pool, REMOTE_PROC_STORAGE_POOL_DESTROY, FALSE, 0, error);
    if (lib_check_writable(pool->conn, "virStoragePoolDestroy", error) < 0)
        return -1;
    return vstor_driver_pool_destroy(DRV(pool), &pool->id, error);
}

int
vstor_storage_pool_delete(VstorStoragePool *pool, unsigned int flags, GError **error)
{
    if (pool->conn->rpc)
        return lib_remote_pool_simple(pool, REMOTE_PROC_STORAGE_POOL_DELETE, TRUE, flags, error);
    if (lib_check_writable(pool->conn, "virStoragePoolDelete", error) < 0)
        return -1;
    return vstor_driver_pool_delete(DRV(pool), &pool->id, flags, error);
}

int
vstor_storage_pool_undefine(VstorStoragePool *pool, GError **error)
{
    if (pool->conn->rpc)
        return lib_remote_pool_simple(pool, REMOTE_PROC_STORAGE_POOL_UNDEFINE, FALSE, 0, error);
    if (lib_check_writable(pool->conn, "virStoragePoolUndefine", error) < 0)
        return -1;
    return vstor_driver_pool_undefine(DRV(pool), &pool->id, error);
}

int
vstor_storage_pool_refresh(VstorStoragePool *pool, unsigned int flags, GError **error)
{
    if (pool->conn->rpc)
        return lib_remote_pool_simple(pool, REMOTE_PROC_STORAGE_POOL_REFRESH, TRUE, flags, error);
    if (lib_check_writable(pool->conn, "virStoragePoolRefresh", error) < 0)
        return -1;
    return vstor_driver_pool_refresh(DRV(pool), &pool->id, flags, error);
}

int
vstor_storage_pool_get_info(VstorStoragePool *pool, VstorStoragePoolInfo *ret_info, GError **error)
{
    VstorPoolInfo info;

    if (pool->conn->rpc)
        return lib_remote_pool_get_info(pool, ret_info, error);
    if (vstor_driver_pool_get_info(DRV(pool), &pool->id, &info, error) < 0)
        return -1;
    ret_info->state = (VstorStoragePoolState)info.state;
    ret_info->capacity = info.capacity;
    ret_info->allocation = info.allocation;
    ret_info->available = info.available;
    return 0;
}

char *
vstor_storage_pool_get_xml_desc(VstorStoragePool *pool, unsigned int flags, GError **error)
{
    if (pool->conn->rpc)
        return lib_remote_pool_get_xml(pool, flags, error);
    return vstor_driver_pool_get_xml(DRV(pool), &pool->id, flags, error);
}

int
vstor_storage_pool_get_autostart(VstorStoragePool *pool, gboolean *ret_autostart, GError **error)
{
    if (pool->conn->rpc) {
        int v = lib_remote_pool_int(pool, REMOTE_PROC_STORAGE_POOL_GET_AUTOSTART, error);

        if (v < 0)
            return -1;
        *ret_autostart = v == 1;
        return 0;
    }
    return vstor_driver_pool_get_autostart(DRV(pool), &pool->id, ret_autostart, error);
}

int
vstor_storage_pool_set_autostart(VstorStoragePool *pool, gboolean autostart, GError **error)
{
    if (pool->conn->rpc)
        return lib_remote_pool_set_autostart(pool, autostart, error);
    if (lib_check_writable(pool->conn, "virStoragePoolSetAutostart", error) < 0)
        return -1;
    return vstor_driver_pool_set_autostart(DRV(pool), &pool->id, autostart, error);
}

int
vstor_storage_pool_is_active(VstorStoragePool *pool, GError **error)
{
    if (pool->conn->rpc)
        return lib_remote_pool_int(pool, REMOTE_PROC_STORAGE_POOL_IS_ACTIVE, error);
    return vstor_driver_pool_is_active(DRV(pool), &pool->id, error);
}

int
vstor_storage_pool_is_persistent(VstorStoragePool *pool, GError **error)
{
    if (pool->conn->rpc)
        return lib_remote_pool_int(pool, REMOTE_PROC_STORAGE_POOL_IS_PERSISTENT, error);
    return vstor_driver_pool_is_persistent(DRV(pool), &pool->id, error);
}

const char *
vstor_storage_pool_get_name(VstorStoragePool *pool)
{
    return pool->id.name;
}

const char *
vstor_storage_pool_get_uuid_string(VstorStoragePool *pool)
{
    return pool->uuid;
}

void
vstor_storage_pool_free(VstorStoragePool *pool)
{
    if (!pool)
        return;
    vstor_pool_id_clear(&pool->id);
    g_free(pool);
}
