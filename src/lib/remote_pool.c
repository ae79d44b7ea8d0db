/* remote_pool.c: the pool calls of a remote connection — look-ups, listing, define/create,
 * lifecycle, info, XML and autostart — as libvirt's remote procedures to vstord. */
#include <string.h>

#include "lib/lib_priv.h"
#include "util/error.h"

/* Takes the pool of a remote_pool_ret and frees the reply. */
static VstorStoragePool *
pool_from_ret(VstorConnect *conn, remote_pool_ret *r)
{
    VstorStoragePool *pool = lib_pool_from_wire(conn, &r->pool);

    xdr_free((xdrproc_t)xdr_remote_pool_ret, (char *)r);
    return pool;
}

VstorStoragePool *
lib_remote_pool_lookup(VstorConnect *conn, int proc, const char *str, const guint8 *uuid,
                       GError **error)
{
    remote_pool_ret r = {0};
    int rc;

    if (uuid) {
        remote_storage_pool_lookup_by_uuid_args a;

        memcpy(a.uuid, uuid, VSTOR_UUID_LEN);
        rc = lib_remote_call(conn, proc, (xdrproc_t)xdr_remote_storage_pool_lookup_by_uuid_args, &a,
                             (xdrproc_t)xdr_remote_pool_ret, &r, error);
    } else {
        remote_string_args a = {.str = (char *)str};

        rc = lib_remote_call(conn, proc, (xdrproc_t)xdr_remote_string_args, &a,
                             (xdrproc_t)xdr_remote_pool_ret, &r, error);
    }
    return rc < 0 ? NULL : pool_from_ret(conn, &r);
}

VstorStoragePool *
lib_remote_pool_lookup_by_volume(VstorStorageVol *vol, GError **error)
{
    remote_storage_pool_lookup_by_volume_args a;
    remote_pool_ret r = {0};

    lib_wire_vol(vol, &a.vol);
    if (lib_remote_call(vol->conn, REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_VOLUME,
                        (xdrproc_t)xdr_remote_storage_pool_lookup_by_volume_args, &a,
                        (xdrproc_t)xdr_remote_pool_ret, &r, error) < 0)
        return NULL;
    return pool_from_ret(vol->conn, &r);
}

static gint
compare_pools(gconstpointer a, gconstpointer b)
{
    const VstorStoragePool *pa = *(VstorStoragePool *const *)a;
    const VstorStoragePool *pb = *(VstorStoragePool *const *)b;

    return strcmp(pa->id.name, pb->id.name);
}

GPtrArray *
lib_remote_pool_list(VstorConnect *conn, unsigned int flags, GError **error)
{
    remote_connect_list_all_storage_pools_args a = {.need_results = 1, .flags = flags};
    remote_connect_list_all_storage_pools_ret r = {0};
    GPtrArray *out;

    if (lib_remote_call(conn, REMOTE_PROC_CONNECT_LIST_ALL_STORAGE_POOLS,
                        (xdrproc_t)xdr_remote_connect_list_all_storage_pools_args, &a,
                        (xdrproc_t)xdr_remote_connect_list_all_storage_pools_ret, &r, error) < 0)
        return NULL;
    out = g_ptr_array_new_with_free_func((GDestroyNotify)vstor_storage_pool_free);
    for (u_int i = 0; i < r.pools.pools_len; i++)
        g_ptr_array_add(out, lib_pool_from_wire(conn, &r.pools.pools_val[i]));
    xdr_free((xdrproc_t)xdr_remote_connect_list_all_storage_pools_ret, (char *)&r);
    /* The embedded list is sorted by name; keep the promise whatever the server's order. */
    g_ptr_array_sort(out, compare_pools);
    return out;
}

VstorStoragePool *
lib_remote_pool_define(VstorConnect *conn, int proc, const char *xml, unsigned int flags,
                       GError **error)
{
    remote_string_flags_args a = {.str = (char *)xml, .flags = flags};
    remote_pool_ret r = {0};

    if (lib_remote_call(conn, proc, (xdrproc_t)xdr_remote_string_flags_args, &a,
                        (xdrproc_t)xdr_remote_pool_ret, &r, error) < 0)
        return NULL;
    return pool_from_ret(conn, &r);
}

int
lib_remote_pool_simple(VstorStoragePool *pool, int proc, gboolean with_flags, unsigned int flags,
                       GError **error)
{
    remote_pool_flags_args a = {.flags = flags};

    lib_wire_pool(pool, &a.pool);
    if (with_flags)
        return lib_remote_call(pool->conn, proc, (xdrproc_t)xdr_remote_pool_flags_args, &a, NULL,
                               NULL, error);
    return lib_remote_call(pool->conn, proc, (xdrproc_t)xdr_remote_pool_args, &a.pool, NULL, NULL,
                           error);
}

int
lib_remote_pool_get_info(VstorStoragePool *pool, VstorStoragePoolInfo *ret_info, GError **error)
{
    remote_pool_args a;
    remote_storage_pool_get_info_ret r = {0};

    lib_wire_pool(pool, &a.pool);
    if (lib_remote_call(pool->conn, REMOTE_PROC_STORAGE_POOL_GET_INFO,
                        (xdrproc_t)xdr_remote_pool_args, &a,
                        (xdrproc_t)xdr_remote_storage_pool_get_info_ret, &r, error) < 0)
        return -1;
    ret_info->state = (VstorStoragePoolState)r.state;
    ret_info->capacity = r.capacity;
    ret_info->allocation = r.allocation;
    ret_info->available = r.available;
    return 0;
}

char *
lib_remote_pool_get_xml(VstorStoragePool *pool, unsigned int flags, GError **error)
{
    remote_pool_flags_args a = {.flags = flags};
    remote_xml_ret r = {0};
    char *xml;

    lib_wire_pool(pool, &a.pool);
    if (lib_remote_call(pool->conn, REMOTE_PROC_STORAGE_POOL_GET_XML_DESC,
                        (xdrproc_t)xdr_remote_pool_flags_args, &a, (xdrproc_t)xdr_remote_xml_ret,
                        &r, error) < 0)
        return NULL;
    xml = g_strdup(r.xml);
    xdr_free((xdrproc_t)xdr_remote_xml_ret, (char *)&r);
    return xml;
}

int
lib_remote_pool_int(VstorStoragePool *pool, int proc, GError **error)
{
    remote_pool_args a;
    remote_int_ret r = {0};

    lib_wire_pool(pool, &a.pool);
    if (lib_remote_call(pool->conn, proc, (xdrproc_t)xdr_remote_pool_args, &a,
                        (xdrproc_t)xdr_remote_int_ret, &r, error) < 0)
        return -1;
    return r.value ? 1 : 0;
}

int
lib_remote_pool_set_autostart(VstorStoragePool *pool, gboolean autostart, GError **error)
{
    remote_storage_pool_set_autostart_args a = {.autostart = autostart ? 1 : 0};

    lib_wire_pool(pool, &a.pool);
    return lib_remote_call(pool->conn, REMOTE_PROC_STORAGE_POOL_SET_AUTOSTART,
                           (xdrproc_t)xdr_remote_storage_pool_set_autostart_args, &a, NULL, NULL,
                           error);
}
