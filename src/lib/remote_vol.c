/* remote_vol.c: the volume calls of a remote connection — listing, look-ups, create, clone,
 * delete, wipe, resize, info, XML, path — and upload/download over libvirt streams. */
#include <string.h>

#include "lib/lib_priv.h"
#include "util/error.h"

static VstorStorageVol *
vol_from_ret(VstorConnect *conn, remote_vol_ret *r)
{
    VstorStorageVol *vol = lib_vol_from_wire(conn, &r->vol);

    xdr_free((xdrproc_t)xdr_remote_vol_ret, (char *)r);
    return vol;
}

static gint
compare_vols(gconstpointer a, gconstpointer b)
{
    const VstorStorageVol *va = *(VstorStorageVol *const *)a;
    const VstorStorageVol *vb = *(VstorStorageVol *const *)b;

    return strcmp(va->id.name, vb->id.name);
}

GPtrArray *
lib_remote_vol_list(VstorStoragePool *pool, unsigned int flags, GError **error)
{
    remote_storage_pool_list_all_volumes_args a = {.need_results = 1, .flags = flags};
    remote_storage_pool_list_all_volumes_ret r = {0};
    GPtrArray *out;

    lib_wire_pool(pool, &a.pool);
    if (lib_remote_call(pool->conn, REMOTE_PROC_STORAGE_POOL_LIST_ALL_VOLUMES,
                        (xdrproc_t)xdr_remote_storage_pool_list_all_volumes_args, &a,
                        (xdrproc_t)xdr_remote_storage_pool_list_all_volumes_ret, &r, error) < 0)
        return NULL;
    out = g_ptr_array_new_with_free_func((GDestroyNotify)vstor_storage_vol_free);
    for (u_int i = 0; i < r.vols.vols_len; i++)
        g_ptr_array_add(out, lib_vol_from_wire(pool->conn, &r.vols.vols_val[i]));
    xdr_free((xdrproc_t)xdr_remote_storage_pool_list_all_volumes_ret, (char *)&r);
    g_ptr_array_sort(out, compare_vols);
    return out;
}

VstorStorageVol *
lib_remote_vol_lookup_by_name(VstorStoragePool *pool, const char *name, GError **error)
{
    remote_storage_vol_lookup_by_name_args a = {.name = (char *)name};
    remote_vol_ret r = {0};

    lib_wire_pool(pool, &a.pool);
    if (lib_remote_call(pool->conn, REMOTE_PROC_STORAGE_VOL_LOOKUP_BY_NAME,
                        (xdrproc_t)xdr_remote_storage_vol_lookup_by_name_args, &a,
                        (xdrproc_t)xdr_remote_vol_ret, &r, error) < 0)
        return NULL;
    return vol_from_ret(pool->conn, &r);
}

VstorStorageVol *
lib_remote_vol_lookup(VstorConnect *conn, int proc, const char *str, GError **error)
{
    remote_string_args a = {.str = (char *)str};
    remote_vol_ret r = {0};

    if (lib_remote_call(conn, proc, (xdrproc_t)xdr_remote_string_args, &a,
                        (xdrproc_t)xdr_remote_vol_ret, &r, error) < 0)
        return NULL;
    return vol_from_ret(conn, &r);
}

VstorStorageVol *
lib_remote_vol_create(VstorStoragePool *pool, const char *xml, VstorStorageVol *source,
                      unsigned int flags, GError **error)
{
    remote_vol_ret r = {0};
    int rc;

    if (source) {
        remote_storage_vol_create_xml_from_args a = {.xml = (char *)xml, .flags = flags};

        lib_wire_pool(pool, &a.pool);
        lib_wire_vol(source, &a.clonevol);
        rc = lib_remote_call(pool->conn, REMOTE_PROC_STORAGE_VOL_CREATE_XML_FROM,
                             (xdrproc_t)xdr_remote_storage_vol_create_xml_from_args, &a,
                             (xdrproc_t)xdr_remote_vol_ret, &r, error);
    } else {
        remote_storage_vol_create_xml_args a = {.xml = (char *)xml, .flags = flags};

        lib_wire_pool(pool, &a.pool);
        rc = lib_remote_call(pool->conn, REMOTE_PROC_STORAGE_VOL_CREATE_XML,
                             (xdrproc_t)xdr_remote_storage_vol_create_xml_args, &a,
                             (xdrproc_t)xdr_remote_vol_ret, &r, error);
    }
    return rc < 0 ? NULL : vol_from_ret(pool->conn, &r);
}

int
lib_remote_vol_simple(VstorStorageVol *vol, int proc, unsigned int flags, GError **error)
{
    remote_vol_flags_args a = {.flags = flags};

    lib_wire_vol(vol, &a.vol);
    return lib_remote_call(vol->conn, proc, (xdrproc_t)xdr_remote_vol_flags_args, &a, NULL, NULL,
                           error);
}

int
lib_remote_vol_wipe_pattern(VstorStorageVol *vol, unsigned int algorithm, unsigned int flags,
                            GError **error)
{
    remote_storage_vol_wipe_pattern_args a = {.algorithm = algorithm, .flags = flags};

    lib_wire_vol(vol, &a.vol);
    return lib_remote_call(vol->conn, REMOTE_PROC_STORAGE_VOL_WIPE_PATTERN,
                           (xdrproc_t)xdr_remote_storage_vol_wipe_pattern_args, &a, NULL, NULL,
                           error);
}

int
lib_remote_vol_resize(VstorStorageVol *vol, guint64 capacity, unsigned int flags, GError **error)
{
    remote_storage_vol_resize_args a = {.capacity = capacity, .flags = flags};

    lib_wire_vol(vol, &a.vol);
    return lib_remote_call(vol->conn, REMOTE_PROC_STORAGE_VOL_RESIZE,
                           (xdrproc_t)xdr_remote_storage_vol_resize_args, &a, NULL, NULL, error);
}

int
lib_remote_vol_get_info(VstorStorageVol *vol, unsigned int flags, VstorStorageVolInfo *ret_info,
                        GError **error)
{
    remote_vol_flags_args a = {.flags = flags};
    remote_storage_vol_get_info_ret r = {0};
    int rc;

    lib_wire_vol(vol, &a.vol);
    /* As libvirt's client: the older procedure when there are no flags. */
    if (flags)
        rc = lib_remote_call(vol->conn, REMOTE_PROC_STORAGE_VOL_GET_INFO_FLAGS,
                             (xdrproc_t)xdr_remote_vol_flags_args, &a,
                             (xdrproc_t)xdr_remote_storage_vol_get_info_ret, &r, error);
    else
        rc = lib_remote_call(vol->conn, REMOTE_PROC_STORAGE_VOL_GET_INFO,
                             (xdrproc_t)xdr_remote_vol_args, &a.vol,
                             (xdrproc_t)xdr_remote_storage_vol_get_info_ret, &r, error);
    if (rc < 0)
        return -1;
    ret_info->type = (VstorStorageVolType)r.type;
    ret_info->capacity = r.capacity;
    ret_info->allocation = r.allocation;
    ret_info->building = FALSE; /* the wire has no such field */
    return 0;
}

char *
lib_remote_vol_get_string(VstorStorageVol *vol, int proc, gboolean with_flags, unsigned int flags,
                          GError **error)
{
    remote_vol_flags_args a = {.flags = flags};
    remote_xml_ret r = {0};
    char *out;
    int rc;

    lib_wire_vol(vol, &a.vol);
    if (with_flags)
        rc = lib_remote_call(vol->conn, proc, (xdrproc_t)xdr_remote_vol_flags_args, &a,
                             (xdrproc_t)xdr_remote_xml_ret, &r, error);
    else
        rc = lib_remote_call(vol->conn, proc, (xdrproc_t)xdr_remote_vol_args, &a.vol,
                             (xdrproc_t)xdr_remote_xml_ret, &r, error);
    if (rc < 0)
        return NULL;
    out = g_strdup(r.xml);
    xdr_free((xdrproc_t)xdr_remote_xml_ret, (char *)&r);
    return out;
}

/* --- streams --- */

static VstorRpcStream *
open_transfer(VstorStorageVol *vol, int proc, guint64 offset, guint64 length, unsigned int flags,
              GError **error)
{
    remote_storage_vol_transfer_args a = {.offset = offset, .length = length, .flags = flags};

    lib_wire_vol(vol, &a.vol);
    return vstor_rpc_client_stream_open(vol->conn->rpc, REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION,
                                        proc, (xdrproc_t)xdr_remote_storage_vol_transfer_args, &a,
                                        (flags & VSTOR_STORAGE_VOL_STREAM_SPARSE) != 0, error);
}

/* vstord's streams as LibStreamOps. */
static gssize
rpc_read(gpointer st, char *buf, gsize len, guint64 *ret_hole, GError **error)
{
    return vstor_rpc_stream_recv(st, buf, len, ret_hole, error);
}

static int
rpc_write(gpointer st, const char *buf, gsize len, GError **error)
{
    return vstor_rpc_stream_send(st, buf, len, error);
}

static int
rpc_write_hole(gpointer st, guint64 len, GError **error)
{
    return vstor_rpc_stream_send_hole(st, len, error);
}

static const LibStreamOps rpc_stream_ops = {rpc_read, rpc_write, rpc_write_hole};

int
lib_remote_vol_download(VstorStorageVol *vol, int fd, guint64 offset, guint64 length,
                        unsigned int flags, GError **error)
{
    g_autoptr(VstorRpcStream) st =
        open_transfer(vol, REMOTE_PROC_STORAGE_VOL_DOWNLOAD, offset, length, flags, error);

    if (!st || lib_pump_to_fd(st, &rpc_stream_ops, fd, error) < 0)
        return -1;
    return vstor_rpc_stream_finish(g_steal_pointer(&st), error);
}

int
lib_remote_vol_upload(VstorStorageVol *vol, int fd, guint64 offset, guint64 length,
                      unsigned int flags, GError **error)
{
    g_autoptr(VstorRpcStream) st =
        open_transfer(vol, REMOTE_PROC_STORAGE_VOL_UPLOAD, offset, length, flags, error);

    if (!st || lib_pump_from_fd(st, &rpc_stream_ops, fd,
                                (flags & VSTOR_STORAGE_VOL_STREAM_SPARSE) != 0, error) < 0)
        return -1;
    return vstor_rpc_stream_finish(g_steal_pointer(&st), error);
}
