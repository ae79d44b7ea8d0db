/* vol.c: the public volume calls, including upload and download between a volume and a
 * file descriptor with offset, length and holes kept as holes; remote ones go to remote_vol.c. */
#include <errno.h>
#include <unistd.h>

#include "lib/lib_priv.h"
#include "util/error.h"

#define DRV(vol) ((vol)->conn->driver)
#define STREAM_CHUNK (1024 * 1024)

static VstorStorageVol *
wrap(VstorConnect *conn, int rc, VstorVolId *id)
{
    return rc < 0 ? NULL : lib_vol_new(conn, id);
}

GPtrArray *
vstor_storage_pool_list_all_volumes(VstorStoragePool *pool, unsigned int flags, GError **error)
{
    g_autoptr(GPtrArray) ids = NULL;
    GPtrArray *out;

    if (pool->conn->rpc)
        return lib_remote_vol_list(pool, flags, error);
    if (!(ids = vstor_driver_vol_list(pool->conn->driver, &pool->id, flags, error)))
        return NULL;
    out = g_ptr_array_new_with_free_func((GDestroyNotify)vstor_storage_vol_free);
    for (guint i = 0; i < ids->len; i++)
        g_ptr_array_add(out, lib_vol_new(pool->conn, ids->pdata[i]));
    return out;
}

VstorStorageVol *
vstor_storage_vol_lookup_by_name(VstorStoragePool *pool, const char *name, GError **error)
{
    VstorVolId id = {0};

    if (pool->conn->rpc)
        return lib_remote_vol_lookup_by_name(pool, name, error);
    return wrap(pool->conn,
                vstor_driver_vol_lookup_by_name(pool->conn->driver, &pool->id, name, &id, error),
                &id);
}

VstorStorageVol *
vstor_storage_vol_lookup_by_key(VstorConnect *conn, const char *key, GError **error)
{
    VstorVolId id = {0};

    if (conn->rpc)
        return lib_remote_vol_lookup(conn, REMOTE_PROC_STORAGE_VOL_LOOKUP_BY_KEY, key, error);
    return wrap(conn, vstor_driver_vol_lookup_by_key(conn->driver, key, &id, error), &id);
}

VstorStorageVol *
vstor_storage_vol_lookup_by_path(VstorConnect *conn, const char *path, GError **error)
{
    VstorVolId id = {0};

    if (conn->rpc)
        return lib_remote_vol_lookup(conn, REMOTE_PROC_STORAGE_VOL_LOOKUP_BY_PATH, path, error);
    return wrap(conn, vstor_driver_vol_lookup_by_path(conn->driver, path, &id, error), &id);
}

VstorStorageVol *
vstor_storage_vol_create_xml(VstorStoragePool *pool, const char *xml, unsigned int flags,
                             GError **error)
{
    VstorVolId id = {0};

    if (pool->conn->rpc)
        return lib_remote_vol_create(pool, xml, NULL, flags, error);
    if (lib_check_writable(pool->conn, "virStorageVolCreateXML", error) < 0)
        return NULL;
    return wrap(pool->conn,
                vstor_driver_vol_create(pool->conn->driver, &pool->id, xml, flags, &id, error),
                &id);
}

VstorStorageVol *
vstor_storage_vol_create_xml_from(VstorStoragePool *pool, const char *xml, VstorStorageVol *source,
                                  unsigned int flags, GError **error)
{
    VstorVolId id = {0};

    if (pool->conn->rpc)
        return lib_remote_vol_create(pool, xml, source, flags, error);
    if (lib_check_writable(pool->conn, "virStorageVolCreateXMLFrom", error) < 0)
        return NULL;
    return wrap(pool->conn,
                vstor_driver_vol_create_from(pool->conn->driver, &pool->id, xml, &source->id, flags,
                                             &id, error),
                &id);
}

int
vstor_storage_vol_delete(VstorStorageVol *vol, unsigned int flags, GError **error)
{
    if (vol->conn->rpc)
        return lib_remote_vol_simple(vol, REMOTE_PROC_STORAGE_VOL_DELETE, flags, error);
    if (lib_check_writable(vol->conn, "virStorageVolDelete", error) < 0)
        return -1;
    return vstor_driver_vol_delete(DRV(vol), &vol->id, flags, error);
}

int
vstor_storage_vol_wipe(VstorStorageVol *vol, unsigned int flags, GError **error)
{
    if (vol->conn->rpc)
        return lib_remote_vol_simple(vol, REMOTE_PROC_STORAGE_VOL_WIPE, flags, error);
    if (lib_check_writable(vol->conn, "virStorageVolWipe", error) < 0)
        return -1;
    return vstor_driver_vol_wipe(DRV(vol), &vol->id, VSTOR_STORAGE_VOL_WIPE_ALG_ZERO, flags, error);
}

int
vstor_storage_vol_wipe_pattern(VstorStorageVol *vol, unsigned int algorithm, unsigned int flags,
                               GError **error)
{
    if (vol->conn->rpc)
        return lib_remote_vol_wipe_pattern(vol, algorithm, flags, error);
    if (lib_check_writable(vol->conn, "virStorageVolWipePattern", error) < 0)
        return -1;
    return vstor_driver_vol_wipe(DRV(vol), &vol->id, algorithm, flags, error);
}

int
vstor_storage_vol_resize(VstorStorageVol *vol, guint64 capacity, unsigned int flags, GError **error)
{
    if (vol->conn->rpc)
        return lib_remote_vol_resize(vol, capacity, flags, error);
    if (lib_check_writable(vol->conn, "virStorageVolResize", error) < 0)
        return -1;
    return vstor_driver_vol_resize(DRV(vol), &vol->id, capacity, flags, error);
}

int
vstor_storage_vol_get_info(VstorStorageVol *vol, unsigned int flags, VstorStorageVolInfo *ret_info,
                           GError **error)
{
    VstorVolInfo info;

    if (vol->conn->rpc)
        return lib_remote_vol_get_info(vol, flags, ret_info, error);
    if (vstor_driver_vol_get_info(DRV(vol), &vol->id, flags, &info, error) < 0)
        return -1;
    ret_info->type = (VstorStorageVolType)info.type;
    ret_info->capacity = info.capacity;
    ret_info->allocation = info.allocation;
    ret_info->building = info.building;
    return 0;
}

char *
vstor_storage_vol_get_xml_desc(VstorStorageVol *vol, unsigned int flags, GError **error)
{
    if (vol->conn->rpc)
        return lib_remote_vol_get_string(vol, REMOTE_PROC_STORAGE_VOL_GET_XML_DESC, TRUE, flags,
                                         error);
    return vstor_driver_vol_get_xml(DRV(vol), &vol->id, flags, error);
}

char *
vstor_storage_vol_get_path(VstorStorageVol *vol, GError **error)
{
    if (vol->conn->rpc)
        return lib_remote_vol_get_string(vol, REMOTE_PROC_STORAGE_VOL_GET_PATH, FALSE, 0, error);
    return vstor_driver_vol_get_path(DRV(vol), &vol->id, error);
}

int
lib_write_fd(int fd, const char *buf, gsize len, GError **error)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            vstor_error_set_errno(error, VSTOR_ERR_SYSTEM_ERROR, n < 0 ? errno : EIO,
                                  "cannot write the downloaded data");
            return -1;
        }
        buf += n;
        len -= (gsize)n;
    }
    return 0;
}

int
lib_pump_to_fd(gpointer st, const LibStreamOps *ops, int fd, GError **error)
{
    g_autofree char *buf = g_malloc(STREAM_CHUNK);
    off_t end;

    for (;;) {
        guint64 hole = 0;
        gssize n = ops->read(st, buf, STREAM_CHUNK, &hole, error);

        if (n < 0)
            return -1;
        if (n > 0) {
            if (lib_write_fd(fd, buf, (gsize)n, error) < 0)
                return -1;
        } else if (hole > 0) {
            /* Skip the hole; the file grows to cover it at the end. */
            if (hole > G_MAXINT64 || lseek(fd, (off_t)hole, SEEK_CUR) < 0) {
                vstor_error_set_errno(error, VSTOR_ERR_SYSTEM_ERROR, errno ? errno : EINVAL,
                                      "cannot skip a hole: the output must be seekable for "
                                      "a sparse download");
                return -1;
            }
        } else {
            break;
        }
    }
    end = lseek(fd, 0, SEEK_CUR);
    if (end >= 0 && ftruncate(fd, end) < 0 && errno != EINVAL) {
        vstor_error_set_errno(error, VSTOR_ERR_SYSTEM_ERROR, errno,
                              "cannot extend the output over a trailing hole");
        return -1;
    }
    return 0;
}

int
lib_pump_from_fd(gpointer st, const LibStreamOps *ops, int fd, gboolean sparse, GError **error)
{
    g_autofree char *buf = g_malloc(STREAM_CHUNK);
    off_t pos = lseek(fd, 0, SEEK_CUR);

    if (pos < 0)
        sparse = FALSE; /* a pipe: everything is data */
    for (;;) {
        gsize want = STREAM_CHUNK;
        ssize_t n;

        if (sparse) {
            off_t data = lseek(fd, pos, SEEK_DATA);
            off_t hole;

            if (data < 0 && errno == ENXIO) {
                off_t size = lseek(fd, 0, SEEK_END);

                if (size > pos && ops->write_hole(st, (guint64)(size - pos), error) < 0)
                    return -1;
                break;
            }
            if (data > pos) {
                if (ops->write_hole(st, (guint64)(data - pos), error) < 0)
                    return -1;
                pos = data;
            }
            hole = lseek(fd, pos, SEEK_HOLE);
            if (hole > pos)
                want = (gsize)MIN((off_t)want, hole - pos);
            n = pread(fd, buf, want, pos);
        } else {
            n = read(fd, buf, want);
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            vstor_error_set_errno(error, VSTOR_ERR_SYSTEM_ERROR, errno,
                                  "cannot read the data to upload");
            return -1;
        }
        if (n == 0)
            break;
        if (ops->write(st, buf, (gsize)n, error) < 0)
            return -1;
        pos += n;
    }
    return 0;
}

/* The driver's volume streams as LibStreamOps. */
static gssize
drv_read(gpointer st, char *buf, gsize len, guint64 *ret_hole, GError **error)
{
    return vstor_vol_stream_read(st, buf, len, ret_hole, error);
}

static int
drv_write(gpointer st, const char *buf, gsize len, GError **error)
{
    return vstor_vol_stream_write(st, buf, len, error);
}

static int
drv_write_hole(gpointer st, guint64 len, GError **error)
{
    return vstor_vol_stream_write_hole(st, len, error);
}

static const LibStreamOps drv_stream_ops = {drv_read, drv_write, drv_write_hole};

int
vstor_storage_vol_download_to_fd(VstorStorageVol *vol, int fd, guint64 offset, guint64 length,
                                 unsigned int flags, GError **error)
{
    g_autoptr(VstorVolStream) st = NULL;

    if (vol->conn->rpc)
        return lib_remote_vol_download(vol, fd, offset, length, flags, error);
    if (lib_check_writable(vol->conn, "virStorageVolDownload", error) < 0)
        return -1;
    if (!(st = vstor_driver_vol_download(DRV(vol), &vol->id, offset, length, flags, error)) ||
        lib_pump_to_fd(st, &drv_stream_ops, fd, error) < 0)
        return -1;
    return vstor_vol_stream_finish(g_steal_pointer(&st), error);
}

int
vstor_storage_vol_upload_from_fd(VstorStorageVol *vol, int fd, guint64 offset, guint64 length,
                                 unsigned int flags, GError **error)
{
    g_autoptr(VstorVolStream) st = NULL;

    if (vol->conn->rpc)
        return lib_remote_vol_upload(vol, fd, offset, length, flags, error);
    if (lib_check_writable(vol->conn, "virStorageVolUpload", error) < 0)
        return -1;
    if (!(st = vstor_driver_vol_upload(DRV(vol), &vol->id, offset, length, flags, error)) ||
        lib_pump_from_fd(st, &drv_stream_ops, fd, (flags & VSTOR_STORAGE_VOL_STREAM_SPARSE) != 0,
                         error) < 0)
        return -1;
    return vstor_vol_stream_finish(g_steal_pointer(&st), error);
}

const char *
vstor_storage_vol_get_name(VstorStorageVol *vol)
{
    return vol->id.name;
}

const char *
vstor_storage_vol_get_key(VstorStorageVol *vol)
{
    return vol->id.key;
}

const char *
vstor_storage_vol_get_pool_name(VstorStorageVol *vol)
{
    return vol->id.pool;
}

void
vstor_storage_vol_free(VstorStorageVol *vol)
{
    if (!vol)
        return;
    vstor_vol_id_clear(&vol->id);
    g_free(vol);
}
