/* file_vol.c: changing file volumes — create, build (raw natively, other formats through
 * qemu-img), clone keeping holes, delete, resize, wipe and opening for streams. */
#include "backends/file_vol.h"
#include "backends/wipe.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/command.h"
#include "util/fileio.h"
#include "util/error.h"

#define DEFAULT_VOL_MODE 0600
#define DEFAULT_DIR_VOL_MODE 0755
#define COPY_CHUNK (8 * 1024 * 1024)

static gboolean
is_raw(int format)
{
    return format == VSTOR_VOL_FORMAT_RAW || format == VSTOR_VOL_FORMAT_NONE;
}

int
vstor_file_vol_create(VstorBackendEnv *env, VstorPoolDef *pool, VstorVolDef *vol, GError **err)
{
    if (vstor_vol_name_check(vol->name, err) < 0)
        return -1;
    if (strcmp(vol->name, ".") == 0 || strcmp(vol->name, "..") == 0) {
        vstor_error_set(err, VSTOR_ERR_OPERATION_INVALID,
                        "volume name '%s' is not allowed: pick a name for a file", vol->name);
        return -1;
    }
    if (vstor_vol_name_is_temp(vol->name)) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG,
                        "volume name '%s' is not allowed: names starting with '%s' are what "
                        "vstor builds volumes under; pick another name",
                        vol->name, VSTOR_VOL_TEMP_PREFIX);
        return -1;
    }
    vol->type = vol->target.format == VSTOR_VOL_FORMAT_DIR     ? VSTOR_VOL_DIR
                : vol->target.format == VSTOR_VOL_FORMAT_PLOOP ? VSTOR_VOL_PLOOP
                                                               : VSTOR_VOL_FILE;
    g_free(vol->target.path);
    vol->target.path = g_build_filename(pool->target_path, vol->name, NULL);
    if (g_file_test(vol->target.path, G_FILE_TEST_EXISTS) ||
        g_file_test(vol->target.path, G_FILE_TEST_IS_SYMLINK)) {
        vstor_error_set(err, VSTOR_ERR_OPERATION_INVALID, "volume target path '%s' already exists",
                        vol->target.path);
        return -1;
    }
    g_free(vol->key);
    vol->key = g_strdup(vol->target.path);
    return 0;
}

static int
apply_owner(int fd, const VstorVolDef *vol, GError **err)
{
    uid_t uid = vol->target.perms.uid;
    gid_t gid = vol->target.perms.gid;

    if ((uid != (uid_t)-1 || gid != (gid_t)-1) && fchown(fd, uid, gid) < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot chown '%s' to (%u, %u)",
                              vol->target.path, (unsigned)uid, (unsigned)gid);
        return -1;
    }
    return 0;
}

/* Reserves @len bytes from @offset, in chunks so the job shows progress and can stop. */
static int
allocate_range(int fd, const char *path, off_t offset, off_t len, VstorJob *job, GError **err)
{
    vstor_job_set_total(job, (guint64)len);
    while (len > 0) {
        off_t step = MIN(len, (off_t)256 * 1024 * 1024);

        if (vstor_job_check(job, err) < 0)
            return -1;
        if (fallocate(fd, 0, offset, step) < 0) {
            vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno,
                                  "cannot allocate %lld bytes for '%s'", (long long)step, path);
            return -1;
        }
        offset += step;
        len -= step;
        vstor_job_add_done(job, (guint64)step);
    }
    return 0;
}

static int
build_raw(int dirfd, VstorVolDef *vol, VstorJob *job, GError **err)
{
    mode_t mode = vol->target.perms.mode != VSTOR_PERMS_UNSET_MODE ? vol->target.perms.mode
                                                                   : DEFAULT_VOL_MODE;
    int fd = openat(dirfd, vol->name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    int ret = -1;

    if (fd < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot create path '%s'",
                              vol->target.path);
        return -1;
    }
    if (fchmod(fd, mode) < 0 || ftruncate(fd, (off_t)vol->capacity) < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot size '%s' to %llu bytes",
                              vol->target.path, vol->capacity);
        goto out;
    }
    /* libvirt's rule: the allocation is reserved up front (all of it when the XML gives
     * no <allocation>); allocation 0 leaves a sparse file. */
    if (vol->allocation > 0 &&
        allocate_range(fd, vol->target.path, 0, (off_t)MIN(vol->allocation, vol->capacity), job,
                       err) < 0)
        goto out;
    /* Only a volume with reserved blocks is flushed: a sparse one holds nothing a power cut
     * could lose, and a flush per creation made creating many volumes slow. */
    if (apply_owner(fd, vol, err) < 0 || (vol->allocation > 0 && fsync(fd) < 0))
        goto out;
    ret = 0;
out:
    close(fd);
    return ret;
}

static int
build_dir(int dirfd, VstorVolDef *vol, GError **err)
{
    mode_t mode = vol->target.perms.mode != VSTOR_PERMS_UNSET_MODE ? vol->target.perms.mode
                                                                   : DEFAULT_DIR_VOL_MODE;
    int fd;
    int ret;

    if (mkdirat(dirfd, vol->name, mode) < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot create path '%s'",
                              vol->target.path);
        return -1;
    }
    fd = openat(dirfd, vol->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot open '%s'",
                              vol->target.path);
        return -1;
    }
    ret = apply_owner(fd, vol, err);
    close(fd);
    return ret;
}

int
vstor_file_vol_build(VstorBackendEnv *env, VstorPoolDef *pool, VstorVolDef *vol, unsigned int flags,
                     VstorJob *job, GError **err)
{
    int dirfd, ret;

    if (vol->target.format == VSTOR_VOL_FORMAT_DIR) {
        if ((dirfd = vstor_file_pool_open_dir(pool, err)) < 0)
            return -1;
        ret = build_dir(dirfd, vol, err);
        close(dirfd);
        return ret;
    }
    if (!is_raw(vol->target.format) || vol->target.encryption)
        return vstor_file_vol_build_qemu_img(env, pool, vol, NULL, flags, job, err);
    if (flags & VSTOR_VOL_CREATE_PREALLOC_METADATA) {
        vstor_error_set(err, VSTOR_ERR_CONFIG_UNSUPPORTED,
                        "metadata preallocation is not supported for raw volumes");
        return -1;
    }
    if (vol->backing_store) {
        vstor_error_set(err, VSTOR_ERR_NO_SUPPORT, "backing storage not supported for raw volumes");
        return -1;
    }
    if ((dirfd = vstor_file_pool_open_dir(pool, err)) < 0)
        return -1;
    ret = build_raw(dirfd, vol, job, err);
    close(dirfd);
    return ret;
}

/* Copies @len bytes of data from @in to @out, skipping holes so they stay holes; the disk
 * writes each chunk while the next is copied. */
static int
copy_sparse(int in, int out, const char *in_path, const char *out_path, off_t len, VstorJob *job,
            GError **err)
{
    off_t pos = 0;
    VstorWriteBehind wb;

    vstor_write_behind_init(&wb, out, 0);
    vstor_job_set_total(job, (guint64)len);
    while (pos < len) {
        off_t data = lseek(in, pos, SEEK_DATA);
        off_t hole;

        if (data < 0 && errno == ENXIO)
            break; /* only a hole is left */
        if (data < 0 || (hole = lseek(in, data, SEEK_HOLE)) < 0) {
            vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot read '%s'", in_path);
            return -1;
        }
        hole = MIN(hole, len);
        vstor_job_add_done(job, (guint64)(data - pos));
        while (data < hole) {
            loff_t src = data, dst = data;
            ssize_t n;

            if (vstor_job_check(job, err) < 0)
                return -1;
            n = copy_file_range(in, &src, out, &dst, (size_t)MIN(hole - data, COPY_CHUNK), 0);
            if (n <= 0) {
                vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, n < 0 ? errno : EIO,
                                      "cannot copy '%s' to '%s'", in_path, out_path);
                return -1;
            }
            data += n;
            vstor_write_behind_advance(&wb, (guint64)data);
            vstor_job_add_done(job, (guint64)n);
        }
        pos = hole;
    }
    return 0;
}

static int
clone_raw(int dirfd, VstorVolDef *vol, const VstorVolDef *input, unsigned int flags, VstorJob *job,
          GError **err)
{
    struct stat st;
    int in, out = -1, ret = -1;

    /* Not through a link the input's name may have become since it was listed. */
    in = vstor_file_vol_openat(AT_FDCWD, input->target.path, input->target.path, O_RDONLY, err);
    if (in < 0)
        goto out;
    if (fstat(in, &st) < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "could not open input path '%s'",
                              input->target.path);
        goto out;
    }
    out = openat(dirfd, vol->name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                 vol->target.perms.mode != VSTOR_PERMS_UNSET_MODE ? vol->target.perms.mode
                                                                  : DEFAULT_VOL_MODE);
    if (out < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot create path '%s'",
                              vol->target.path);
        goto out;
    }
    if (ioctl(out, FICLONE, in) == 0) {
        vstor_job_set_total(job, (guint64)st.st_size);
        vstor_job_add_done(job, (guint64)st.st_size);
    } else if (flags & VSTOR_VOL_CREATE_REFLINK) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "failed to clone files from '%s'",
                              input->target.path);
        goto out;
    } else if (copy_sparse(in, out, input->target.path, vol->target.path,
                           MIN(st.st_size, (off_t)vol->capacity), job, err) < 0) {
        goto out;
    }
    if (ftruncate(out, (off_t)vol->capacity) < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot size '%s'",
                              vol->target.path);
        goto out;
    }
    /* libvirt's rule: a clone is sparse only when it asks for less allocation than the
     * input's capacity; otherwise the allocation is reserved (the copy kept the holes). */
    if (vol->allocation > 0 && vol->allocation >= input->capacity &&
        fallocate(out, 0, 0, (off_t)MIN(vol->allocation, vol->capacity)) < 0 &&
        errno != EOPNOTSUPP && errno != ENOSYS) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno,
                              "cannot allocate %llu bytes in file '%s'", vol->allocation,
                              vol->target.path);
        goto out;
    }
    if (apply_owner(out, vol, err) < 0 || fsync(out) < 0)
        goto out;
    ret = 0;
out:
    if (in >= 0)
        close(in);
    if (out >= 0)
        close(out);
    return ret;
}

int
vstor_file_vol_build_from(VstorBackendEnv *env, VstorPoolDef *pool, VstorVolDef *vol,
                          const VstorVolDef *input, unsigned int flags, VstorJob *job, GError **err)
{
    int dirfd, ret;

    if (!is_raw(vol->target.format) || !is_raw(input->target.format) || vol->target.encryption ||
        input->target.encryption || input->type != VSTOR_VOL_FILE)
        return vstor_file_vol_build_qemu_img(env, pool, vol, input, flags, job, err);
    if ((dirfd = vstor_file_pool_open_dir(pool, err)) < 0)
        return -1;
    ret = clone_raw(dirfd, vol, input, flags, job, err);
    close(dirfd);
    return ret;
}

/* Removes the directory @name of @dirfd with what it holds, at most @depth levels down (a
 * build's directory holds the volume, which may be a directory of files itself). Never
 * follows a link: one is removed, not what it names. */
static void
remove_tree(int dirfd, const char *name, int depth)
{
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    struct dirent *ent;
    DIR *dir;

    if (fd < 0)
        return;
    if (!(dir = fdopendir(fd))) {
        close(fd);
        return;
    }
    while ((ent = readdir(dir))) {
        if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
            continue;
        if (unlinkat(fd, ent->d_name, 0) < 0 && errno == EISDIR && depth > 1)
            remove_tree(fd, ent->d_name, depth - 1);
    }
    closedir(dir);
    unlinkat(dirfd, name, AT_REMOVEDIR);
}

/* Removes the temporary directory @tmp_name is built in, if it is in one, with whatever a
 * build that failed left in it. */
static void
remove_temp_dir(int dirfd, const char *tmp_name)
{
    const char *slash = strchr(tmp_name, '/');

    if (slash) {
        g_autofree char *dir = g_strndup(tmp_name, slash - tmp_name);

        remove_tree(dirfd, dir, 2);
    }
}

int
vstor_file_vol_delete(VstorBackendEnv *env, VstorPoolDef *pool, VstorVolDef *vol,
                      unsigned int flags, GError **err)
{
    int dirfd = vstor_file_pool_open_dir(pool, err);
    int rc;

    if (dirfd < 0)
        return -1;
    /* A build that failed: its directory goes, with what is in it. */
    if (vstor_vol_name_is_temp(vol->name) && strchr(vol->name, '/')) {
        remove_temp_dir(dirfd, vol->name);
        close(dirfd);
        return 0;
    }
    rc = unlinkat(dirfd, vol->name, vol->type == VSTOR_VOL_DIR ? AT_REMOVEDIR : 0);
    if (rc < 0 && errno == EISDIR)
        rc = unlinkat(dirfd, vol->name, AT_REMOVEDIR);
    if (rc < 0 && errno != ENOENT) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot unlink file '%s'",
                              vol->target.path);
        close(dirfd);
        return -1;
    }
    /* No fsync of the directory: a volume whose deletion a power cut undoes is still whole,
     * and forcing a journal commit per deletion made deleting thousands of volumes slow. */
    close(dirfd);
    return 0;
}

int
vstor_file_vol_begin_temp(VstorBackendEnv *env, VstorPoolDef *pool, VstorVolDef *vol, GError **err)
{
    g_autofree char *dir = NULL;
    int dirfd = vstor_file_pool_open_dir(pool, err);
    int rc;

    if (dirfd < 0)
        return -1;
    do {
        g_free(dir);
        dir = g_strdup_printf(VSTOR_VOL_TEMP_PREFIX "%08x%08x", g_random_int(), g_random_int());
    } while ((rc = mkdirat(dirfd, dir, 0700)) < 0 && errno == EEXIST);
    close(dirfd);
    if (rc < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno,
                              "cannot make a directory to build volume '%s' in, in '%s'", vol->name,
                              pool->target_path);
        return -1;
    }
    {
        g_autofree char *name = g_build_filename(dir, vol->name, NULL);

        g_free(vol->name);
        vol->name = g_steal_pointer(&name);
    }
    g_free(vol->target.path);
    vol->target.path = g_build_filename(pool->target_path, vol->name, NULL);
    return 0;
}

int
vstor_file_vol_commit(VstorBackendEnv *env, VstorPoolDef *pool, VstorVolDef *tmp,
                      const char *final_name, GError **err)
{
    g_autofree char *final_path = g_build_filename(pool->target_path, final_name, NULL);
    int dirfd = vstor_file_pool_open_dir(pool, err);
    int rc;

    if (dirfd < 0)
        return -1;
    /* No fsync of the directory, as for deletion: a rename a power cut undoes leaves no
     * volume rather than half of one. */
    rc = renameat2(dirfd, tmp->name, dirfd, final_name, RENAME_NOREPLACE);
    if (rc < 0 && (errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)) {
        /* A filesystem without RENAME_NOREPLACE (a FUSE mount such as GlusterFS): a hard
         * link cannot replace either; where links fail too, look first, then rename. */
        struct stat st;

        if ((rc = linkat(dirfd, tmp->name, dirfd, final_name, 0)) == 0) {
            unlinkat(dirfd, tmp->name, 0);
        } else if (errno != EEXIST) {
            if (fstatat(dirfd, final_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
                errno = EEXIST;
            else
                rc = renameat(dirfd, tmp->name, dirfd, final_name);
        }
    }
    if (rc < 0) {
        if (errno == EEXIST)
            vstor_error_set(err, VSTOR_ERR_STORAGE_VOL_EXIST,
                            "'%s' appeared in the pool while the volume was being built; "
                            "remove or rename that file and create the volume again",
                            final_path);
        else
            vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot rename '%s' to '%s'",
                                  tmp->target.path, final_path);
    } else {
        remove_temp_dir(dirfd, tmp->name);
    }
    close(dirfd);
    return rc < 0 ? -1 : 0;
}

void
vstor_file_pool_remove_stale(VstorBackendEnv *env, VstorPoolDef *pool)
{
    struct dirent *ent;
    DIR *dir;
    int dirfd = vstor_file_pool_open_dir(pool, NULL);

    if (dirfd < 0)
        return;
    if (!(dir = fdopendir(dirfd))) {
        close(dirfd);
        return;
    }
    while ((ent = readdir(dir))) {
        if (!vstor_vol_name_is_temp(ent->d_name))
            continue;
        if (unlinkat(dirfd, ent->d_name, 0) < 0 && errno == EISDIR)
            remove_tree(dirfd, ent->d_name, 2);
        g_debug("pool '%s': removed '%s', left by a build that did not finish", pool->name,
                ent->d_name);
    }
    closedir(dir);
}

int
vstor_file_vol_open(VstorBackendEnv *env, VstorPoolDef *pool, VstorVolDef *vol, gboolean for_write,
                    int *ret_fd, GError **err)
{
    int dirfd = vstor_file_pool_open_dir(pool, err);
    int fd;

    if (dirfd < 0)
        return -1;
    fd = vstor_file_vol_openat(dirfd, vol->name, vol->target.path, for_write ? O_WRONLY : O_RDONLY,
                               err);
    close(dirfd);
    if (fd < 0)
        return -1;
    *ret_fd = fd;
    return 0;
}

int
vstor_file_vol_resize(VstorBackendEnv *env, VstorPoolDef *pool, VstorVolDef *vol,
                      unsigned long long capacity, unsigned int flags, VstorJob *job, GError **err)
{
    struct stat st;
    int fd, ret = -1;

    if (!is_raw(vol->target.format) || vol->target.encryption)
        return vstor_file_vol_resize_qemu_img(env, pool, vol, capacity, flags, job, err);
    if (vstor_file_vol_open(env, pool, vol, TRUE, &fd, err) < 0)
        return -1;
    if (fstat(fd, &st) < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot stat '%s'",
                              vol->target.path);
        goto out;
    }
    if ((flags & VSTOR_VOL_RESIZE_ALLOCATE) && (off_t)capacity > st.st_size) {
        /* libvirt's rule: --allocate reserves the whole new size, not only the growth */
        if (allocate_range(fd, vol->target.path, 0, (off_t)capacity, job, err) < 0)
            goto out;
    } else if (ftruncate(fd, (off_t)capacity) < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno,
                              "Failed to truncate volume with path '%s' to %llu bytes",
                              vol->target.path, capacity);
        goto out;
    }
    ret = fsync(fd) < 0 ? -1 : 0;
    if (ret < 0)
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot sync '%s'",
                              vol->target.path);
out:
    close(fd);
    return ret;
}

/* Overwrites [0, len) with zeros: zero-range where the filesystem has it (no data written,
 * the old blocks are released), plain writes otherwise. */
static int
wipe_zero(int fd, const char *path, off_t len, VstorJob *job, GError **err)
{
    vstor_job_set_total(job, (guint64)len);
    if (len == 0 || fallocate(fd, FALLOC_FL_ZERO_RANGE, 0, len) == 0) {
        vstor_job_add_done(job, (guint64)len);
        return 0;
    }
    return vstor_wipe_write_zeros(fd, path, 0, (guint64)len, job, err);
}

int
vstor_file_vol_wipe(VstorBackendEnv *env, VstorPoolDef *pool, VstorVolDef *vol,
                    VstorWipeAlgorithm algorithm, unsigned int flags, VstorJob *job, GError **err)
{
    struct stat st;
    int fd, ret = -1;

    if (vol->type == VSTOR_VOL_DIR) {
        /* libvirt's words: it fails opening the directory for writing */
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, EISDIR,
                              "Failed to open storage volume with path '%s'", vol->target.path);
        return -1;
    }
    if (vstor_file_vol_open(env, pool, vol, TRUE, &fd, err) < 0)
        return -1;
    if (fstat(fd, &st) < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot stat '%s'",
                              vol->target.path);
        goto out;
    }
    switch (algorithm) {
    case VSTOR_WIPE_ZERO:
        /* A sparse file loses all its blocks, as libvirt's empty-and-grow-back does: every
         * byte reads as zero, in no time — but in one step (a hole punched over all of it),
         * so a daemon killed half way never leaves an empty file. Emptying and growing back
         * is the fallback where holes cannot be punched. A fully allocated file, and a
         * device, get zeros written, so the allocation stays what it was (libvirt's rule). */
        if (S_ISREG(st.st_mode) && st.st_blocks < st.st_size / 512) {
            vstor_job_set_total(job, (guint64)st.st_size);
            if (st.st_size > 0 &&
                fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, st.st_size) == 0) {
                vstor_job_add_done(job, (guint64)st.st_size);
                ret = 0;
                break;
            }
            if (ftruncate(fd, 0) < 0 || ftruncate(fd, st.st_size) < 0) {
                vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno,
                                      "Failed to truncate volume with path '%s' to 0 bytes",
                                      vol->target.path);
                goto out;
            }
            vstor_job_add_done(job, (guint64)st.st_size);
            ret = 0;
        } else {
            ret = wipe_zero(fd, vol->target.path, st.st_size, job, err);
        }
        break;
    case VSTOR_WIPE_TRIM:
        /* Discard everything; the file keeps its size and reads back as zeros. */
        if (st.st_size > 0 &&
            fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, st.st_size) < 0) {
            vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "Failed to trim '%s'",
                                  vol->target.path);
            goto out;
        }
        ret = 0;
        break;
    default:
        ret = vstor_wipe_scrub_fd(env, fd, vol->target.path, algorithm, (guint64)st.st_size, job,
                                  err);
        break;
    }
    if (ret == 0 && fsync(fd) < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot sync '%s'",
                              vol->target.path);
        ret = -1;
    }
out:
    close(fd);
    return ret;
}
