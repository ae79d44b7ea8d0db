/* driver_stream.c: volume upload and download as streams over the volume's file or device,
 * with offset, length and sparse mode (holes travel as holes, not as zeros). */
#include "storage/driver_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/error.h"
#include "util/fileio.h"

struct _VstorVolStream {
    VstorDriver *drv;
    VstorPoolObj *pool; /* valid while the volume is in use: the pool cannot go away */
    VstorVolObj *vol;
    VstorJob *job;
    int fd;
    gboolean upload;
    gboolean sparse;
    gboolean seekable; /* SEEK_DATA works (regular files) */
    guint64 pos; /* absolute offset in the volume */
    guint64 end; /* absolute end of the range, G_MAXUINT64 for "no limit" on upload */
    VstorWriteBehind wb; /* upload */
    VstorReadBehind rb; /* download */
};

static VstorVolStream *
stream_open(VstorDriver *drv, const VstorVolId *id, unsigned long long offset,
            unsigned long long length, unsigned int flags, gboolean upload, GError **err)
{
    g_autoptr(VstorVolStream) st = NULL;
    VstorPoolObj *obj;
    VstorVolObj *vol;
    const VstorBackend *be;
    struct stat sb;
    guint64 size;

    if (driver_check_flags(flags, VSTOR_VOL_STREAM_SPARSE,
                           upload ? "vstor_driver_vol_upload" : "vstor_driver_vol_download",
                           err) < 0)
        return NULL;
    g_mutex_lock(&drv->lock);
    obj = driver_find_pool_by_name(drv, id->pool);
    if (!obj) {
        vstor_error_set(err, VSTOR_ERR_NO_STORAGE_POOL, "no storage pool with matching name '%s'",
                        id->pool);
        goto fail;
    }
    if (!obj->active) {
        vstor_error_set(err, VSTOR_ERR_OPERATION_INVALID, "storage pool '%s' is not active",
                        obj->def->name);
        goto fail;
    }
    if (!(vol = vstor_pool_obj_find_vol(obj, id->name))) {
        vstor_error_set(err, VSTOR_ERR_NO_STORAGE_VOL, "no storage vol with matching name '%s'",
                        id->name);
        goto fail;
    }
    if (upload && vol->in_use) {
        vstor_error_set(err, VSTOR_ERR_OPERATION_INVALID, "volume '%s' is still in use.",
                        vol->def->name);
        goto fail;
    }
    if (vol->building) {
        vstor_error_set(err, VSTOR_ERR_OPERATION_INVALID, "volume '%s' is still being allocated.",
                        vol->def->name);
        goto fail;
    }
    if (!(be = driver_backend(obj, err)))
        goto fail;
    if (!be->open_vol) {
        vstor_error_set(err, VSTOR_ERR_NO_SUPPORT, "storage pool doesn't support volume %s",
                        upload ? "upload" : "download");
        goto fail;
    }
    st = g_new0(VstorVolStream, 1);
    st->fd = -1;
    if (be->open_vol(&drv->env, obj->def, vol->def, upload, &st->fd, err) < 0)
        goto fail;
    if (fstat(st->fd, &sb) < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot stat volume '%s'",
                              vol->def->target.path);
        goto fail;
    }
    size = S_ISREG(sb.st_mode) ? (guint64)sb.st_size : vol->def->capacity;
    if (S_ISBLK(sb.st_mode)) {
        off_t bsize = lseek(st->fd, 0, SEEK_END);

        if (bsize >= 0)
            size = (guint64)bsize;
    }
    st->drv = drv;
    st->pool = obj;
    st->vol = vol;
    st->upload = upload;
    st->sparse = !!(flags & VSTOR_VOL_STREAM_SPARSE);
    st->seekable = S_ISREG(sb.st_mode);
    st->pos = offset;
    vstor_write_behind_init(&st->wb, st->fd, offset);
    if (upload)
        st->end = length ? offset + length : G_MAXUINT64;
    else /* an offset past the end reads nothing, as in libvirt */
        st->end = MAX(offset, length ? MIN(offset + length, size) : size);
    st->job = vstor_job_new(driver_next_job_id(drv),
                            upload ? VSTOR_JOB_VOL_UPLOAD : VSTOR_JOB_VOL_DOWNLOAD, obj->def->name,
                            vol->def->name);
    if (st->end != G_MAXUINT64)
        vstor_job_set_total(st->job, st->end - offset);
    vol->in_use++;
    obj->async_jobs++;
    g_ptr_array_add(obj->jobs, vstor_job_ref(st->job));
    g_mutex_unlock(&drv->lock);
    if (!upload) /* a look at the page cache: outside the driver's lock */
        vstor_read_behind_init(&st->rb, st->fd, offset, st->end);
    return g_steal_pointer(&st);

fail:
    g_mutex_unlock(&drv->lock);
    if (st && st->fd >= 0) {
        close(st->fd);
        st->fd = -1;
    }
    g_clear_pointer(&st, g_free);
    return NULL;
}

VstorVolStream *
vstor_driver_vol_download(VstorDriver *drv, const VstorVolId *vol, unsigned long long offset,
                          unsigned long long length, unsigned int flags, GError **err)
{
    return stream_open(drv, vol, offset, length, flags, FALSE, err);
}

VstorVolStream *
vstor_driver_vol_upload(VstorDriver *drv, const VstorVolId *vol, unsigned long long offset,
                        unsigned long long length, unsigned int flags, GError **err)
{
    return stream_open(drv, vol, offset, length, flags, TRUE, err);
}

gssize
vstor_vol_stream_read(VstorVolStream *st, void *buf, gsize len, guint64 *ret_hole, GError **err)
{
    guint64 want;
    ssize_t n;

    g_return_val_if_fail(!st->upload, -1);
    *ret_hole = 0;
    if (st->pos >= st->end || len == 0)
        return 0;
    if (vstor_job_check(st->job, err) < 0)
        return -1;
    want = MIN((guint64)len, st->end - st->pos);
    if (st->sparse && st->seekable) {
        off_t data = lseek(st->fd, (off_t)st->pos, SEEK_DATA);

        if (data < 0 && errno == ENXIO)
            data = (off_t)st->end; /* only a hole is left */
        if (data >= 0 && (guint64)data > st->pos) {
            *ret_hole = MIN((guint64)data, st->end) - st->pos;
            st->pos += *ret_hole;
            vstor_read_behind_advance(&st->rb, st->pos);
            vstor_job_add_done(st->job, *ret_hole);
            return 0;
        }
        if (data >= 0) {
            off_t hole = lseek(st->fd, (off_t)st->pos, SEEK_HOLE);

            if (hole > (off_t)st->pos)
                want = MIN(want, (guint64)hole - st->pos);
        }
    }
    do {
        n = pread(st->fd, buf, want, (off_t)st->pos);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot read volume '%s'",
                              st->vol->def->target.path);
        return -1;
    }
    if (n == 0) {
        st->end = st->pos; /* shorter than it said: end here */
        return 0;
    }
    st->pos += (guint64)n;
    vstor_read_behind_advance(&st->rb, st->pos);
    vstor_job_add_done(st->job, (guint64)n);
    return n;
}

static int
check_room(VstorVolStream *st, guint64 len, GError **err)
{
    if (len > st->end - st->pos) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG,
                        "upload to volume '%s' goes past the length asked for (%" G_GUINT64_FORMAT
                        " more bytes than allowed)",
                        st->vol->def->name, len - (st->end - st->pos));
        return -1;
    }
    return 0;
}

int
vstor_vol_stream_write(VstorVolStream *st, const void *buf, gsize len, GError **err)
{
    const char *p = buf;

    g_return_val_if_fail(st->upload, -1);
    if (check_room(st, len, err) < 0 || vstor_job_check(st->job, err) < 0)
        return -1;
    while (len > 0) {
        ssize_t n = pwrite(st->fd, p, len, (off_t)st->pos);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, n < 0 ? errno : EIO,
                                  "cannot write volume '%s'", st->vol->def->target.path);
            return -1;
        }
        p += n;
        len -= (gsize)n;
        st->pos += (guint64)n;
        vstor_job_add_done(st->job, (guint64)n);
    }
    vstor_write_behind_advance(&st->wb, st->pos);
    return 0;
}

int
vstor_vol_stream_write_hole(VstorVolStream *st, guint64 len, GError **err)
{
    struct stat sb;

    g_return_val_if_fail(st->upload, -1);
    if (check_room(st, len, err) < 0)
        return -1;
    if (len == 0)
        return 0;
    if (st->seekable && fstat(st->fd, &sb) == 0) {
        guint64 end = st->pos + len;

        /* Inside the file: drop the old data there; past its end: just make it longer. */
        if (st->pos < (guint64)sb.st_size &&
            fallocate(st->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)st->pos,
                      (off_t)MIN(len, (guint64)sb.st_size - st->pos)) < 0) {
            vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno,
                                  "cannot punch a hole in volume '%s'", st->vol->def->target.path);
            return -1;
        }
        if (end > (guint64)sb.st_size && ftruncate(st->fd, (off_t)end) < 0) {
            vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot extend volume '%s'",
                                  st->vol->def->target.path);
            return -1;
        }
        st->pos = end;
        vstor_job_add_done(st->job, len);
        return 0;
    }
    /* A device: write the zeros. */
    {
        g_autofree char *zeros = g_malloc0(MIN(len, (guint64)1 << 20));

        while (len > 0) {
            gsize step = (gsize)MIN(len, (guint64)1 << 20);

            if (vstor_vol_stream_write(st, zeros, step, err) < 0)
                return -1;
            len -= step;
        }
    }
    return 0;
}

guint64
vstor_vol_stream_position(const VstorVolStream *st)
{
    return st->pos;
}

static void
stream_release(VstorVolStream *st, GError **err)
{
    VstorDriver *drv = st->drv;
    const VstorBackend *be;

    g_mutex_lock(&drv->lock);
    st->vol->in_use--;
    st->pool->async_jobs--;
    g_ptr_array_remove(st->pool->jobs, st->job);
    be = vstor_backend_for_type(st->pool->def->type);
    if (st->upload && be && be->refresh_vol)
        be->refresh_vol(&drv->env, st->pool->def, st->vol->def, err);
    if (st->upload)
        driver_queue_event(drv, st->pool->def, VSTOR_POOL_EVENT_REFRESH);
    g_mutex_unlock(&drv->lock);
    driver_flush_events(drv);
}

int
vstor_vol_stream_finish(VstorVolStream *st, GError **err)
{
    int ret = 0;

    if (st->upload && fsync(st->fd) < 0 && errno != EINVAL) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot flush volume '%s'",
                              st->vol->def->target.path);
        ret = -1;
    }
    close(st->fd);
    st->fd = -1;
    stream_release(st, ret < 0 ? NULL : err);
    vstor_job_unref(st->job);
    g_free(st);
    return ret;
}

void
vstor_vol_stream_abort(VstorVolStream *st)
{
    if (!st)
        return;
    if (st->fd >= 0)
        close(st->fd);
    if (st->drv)
        stream_release(st, NULL);
    vstor_job_unref(st->job);
    g_free(st);
}
