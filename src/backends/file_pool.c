/* file_pool.c: reading a file pool — the directory scan that lists volumes, the probe of
 * each file (format, sizes, backing store, permissions, timestamps) and the pool's sizes. */
#include "backends/file_vol.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "util/error.h"
#include "volfmt/probe.h"

int
vstor_file_pool_open_dir(const VstorPoolDef *pool, GError **err)
{
    int fd = open(pool->target_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd < 0)
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot open directory '%s'",
                              pool->target_path);
    return fd;
}

int
vstor_file_vol_openat(int dirfd, const char *name, const char *path, int flags, GError **err)
{
    struct stat st;
    int fd;

    /* O_NONBLOCK: a FIFO put in a volume's place must not hold a worker until a writer
     * comes; the type is checked on what was opened, not on a name that can change. */
    fd = openat(dirfd, name, flags | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;

        if ((e == ELOOP || e == ENXIO) && fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            S_ISLNK(st.st_mode)) {
            vstor_error_set(err, VSTOR_ERR_OPERATION_INVALID,
                            "volume path '%s' is a symbolic link: vstor opens a volume only as "
                            "a file of the pool's directory, never through a link",
                            path);
        } else if (e == ENXIO && fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                   S_ISFIFO(st.st_mode)) {
            vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR, "Volume path '%s' is a FIFO", path);
        } else {
            vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, e, "cannot open volume '%s'", path);
        }
        return -1;
    }
    if (fstat(fd, &st) < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot stat volume '%s'", path);
        close(fd);
        return -1;
    }
    if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || S_ISCHR(st.st_mode)) {
        if (S_ISFIFO(st.st_mode))
            vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR, "Volume path '%s' is a FIFO", path);
        else if (S_ISSOCK(st.st_mode))
            vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR, "Volume path '%s' is a socket", path);
        else
            vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR, "unexpected storage mode for '%s'",
                            path);
        close(fd);
        return -1;
    }
    if (!(flags & O_NONBLOCK))
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return fd;
}

int
vstor_file_vol_check_entry(const VstorPoolDef *pool, const VstorVolDef *vol, GError **err)
{
    int dirfd = vstor_file_pool_open_dir(pool, err);
    int fd;

    if (dirfd < 0)
        return -1;
    fd = vstor_file_vol_openat(dirfd, vol->name, vol->target.path, O_RDONLY, err);
    close(dirfd);
    if (fd < 0)
        return -1;
    close(fd);
    return 0;
}

static void
set_timestamp(VstorVolTimestamp *ts, const struct timespec *t)
{
    ts->sec = t->tv_sec;
    ts->nsec = t->tv_nsec;
}

/* Permissions and timestamps of @t from @st. */
static void
set_perms_and_times(VstorVolTarget *t, const struct stat *st)
{
    vstor_perms_clear(&t->perms);
    t->perms.mode = st->st_mode & 07777;
    t->perms.uid = st->st_uid;
    t->perms.gid = st->st_gid;
    if (!t->timestamps)
        t->timestamps = g_new0(VstorVolTimestamps, 1);
    set_timestamp(&t->timestamps->atime, &st->st_atim);
    set_timestamp(&t->timestamps->mtime, &st->st_mtim);
    set_timestamp(&t->timestamps->ctime, &st->st_ctim);
    /* stat() has no birth time; libvirt prints 0 for it. */
    t->timestamps->btime = (VstorVolTimestamp){0, 0};
}

static void
replace_backing(VstorVolDef *vol, const VstorImageInfo *info)
{
    if (vol->backing_store) {
        g_free(vol->backing_store->path);
        vstor_perms_clear(&vol->backing_store->perms);
        g_free(vol->backing_store->compat);
        g_free(vol->backing_store->timestamps);
        g_clear_pointer(&vol->backing_store->encryption, vstor_encryption_free);
        g_clear_pointer(&vol->backing_store, g_free);
    }
    if (!info->backing_path)
        return;
    vol->backing_store = g_new0(VstorVolTarget, 1);
    vstor_perms_init(&vol->backing_store->perms);
    vol->backing_store->path =
        vstor_volfmt_backing_is_file(info->backing_path)
            ? vstor_volfmt_backing_resolve(vol->target.path, info->backing_path)
            : g_strdup(info->backing_path);
    vol->backing_store->format =
        info->backing_format >= 0 ? info->backing_format : VSTOR_VOL_FORMAT_RAW;
    if (info->backing_format < 0 && vstor_volfmt_backing_is_file(info->backing_path)) {
        /* The header does not say: probe the backing file itself, as libvirt does. */
        g_auto(VstorImageInfo) binfo = {0};

        if (vstor_volfmt_probe_path(vol->backing_store->path, &binfo, NULL) == 0)
            vol->backing_store->format = binfo.format;
    }
    if (vstor_volfmt_backing_is_file(info->backing_path)) {
        /* libvirt shows a backing file's permissions and timestamps too; a backing file
         * that is missing (or not a file or device) simply has none. */
        struct stat bst;

        if (stat(vol->backing_store->path, &bst) == 0 &&
            (S_ISREG(bst.st_mode) || S_ISBLK(bst.st_mode)))
            set_perms_and_times(vol->backing_store, &bst);
    }
}

/* Fills @vol from what the open file @fd holds. */
static int
update_from_fd(VstorVolDef *vol, int fd, GError **err)
{
    g_auto(VstorImageInfo) info = {0};
    const struct stat *st;

    if (vstor_volfmt_probe(fd, vol->target.path, &info, err) < 0)
        return -1;
    st = &info.st;
    if (S_ISDIR(st->st_mode)) {
        vol->type = VSTOR_VOL_DIR;
        vol->target.format = VSTOR_VOL_FORMAT_DIR;
    } else if (S_ISBLK(st->st_mode)) {
        vol->type = VSTOR_VOL_BLOCK;
        vol->target.format = info.format;
    } else {
        vol->type = VSTOR_VOL_FILE;
        vol->target.format = info.format;
    }
    vol->capacity = info.capacity;
    vol->allocation = info.allocation;
    vol->has_allocation = TRUE;
    vol->physical = info.physical;
    /* No cluster size from the header: only a definition's is shown. libvirt's pool scan
     * reads it (its per-volume refresh does not), but vstor opens the driver for every
     * command of an embedded connection, where that would make the XML change between
     * two commands (docs/libvirt-differences.md). */
    g_free(vol->target.compat);
    vol->target.compat = info.has_features ? g_strdup(info.compat) : NULL;
    vol->target.has_features = info.has_features;
    vol->target.features = info.features;

    if (info.encrypted) {
        if (!vol->target.encryption)
            vol->target.encryption = vstor_encryption_new();
        vol->target.encryption->format = info.encryption_format;
    }
    replace_backing(vol, &info);

    set_perms_and_times(&vol->target, st);
    return 0;
}

/* Fills @vol for a file whose header does not probe: a raw volume the size of the file, no
 * backing store (a header that lies names nothing to follow). The scan and a volume's own
 * refresh both list such a file so, as libvirt lists a file it cannot read the header of. */
static void
update_unprobed(VstorVolDef *vol, int fd)
{
    static const VstorImageInfo none = {0};
    struct stat st;

    if (fstat(fd, &st) == 0) {
        vol->type = S_ISBLK(st.st_mode) ? VSTOR_VOL_BLOCK : VSTOR_VOL_FILE;
        vol->capacity = vol->physical = (unsigned long long)st.st_size;
        vol->allocation = (unsigned long long)st.st_blocks * 512;
        vol->has_allocation = TRUE;
        set_perms_and_times(&vol->target, &st);
    }
    vol->target.format = VSTOR_VOL_FORMAT_RAW;
    g_clear_pointer(&vol->target.compat, g_free);
    vol->target.has_features = FALSE;
    replace_backing(vol, &none);
}

/* An encrypted volume that names no secret gets the volume secret whose usage is its path,
 * when there is one (as libvirt shows it after a refresh). */
static void
load_default_secret(VstorBackendEnv *env, VstorVolDef *vol)
{
    VstorEncryptionSecret *sec;
    guint8 uuid[VSTOR_UUID_LEN];

    if (!vol->target.encryption || vol->target.encryption->secrets->len > 0 ||
        !env->secrets.find_for_path ||
        !env->secrets.find_for_path(env->secrets.data, vol->target.path, uuid))
        return;
    sec = g_new0(VstorEncryptionSecret, 1);
    sec->type = VSTOR_ENCRYPTION_SECRET_PASSPHRASE;
    sec->lookup = VSTOR_SECRET_LOOKUP_UUID;
    memcpy(sec->uuid, uuid, VSTOR_UUID_LEN);
    g_ptr_array_add(vol->target.encryption->secrets, sec);
}

/* Opens the entry @name of the directory of @pool for probing. A symlink is followed only
 * when it stays inside the pool (@pool_real: the directory's real path, or NULL to work it
 * out only then); anything else that is not a file, directory or block device is skipped
 * (returns -2, no error), like libvirt's lost+found or a dangling link. */
static int
open_entry(int dirfd, const VstorPoolDef *pool, const char *pool_real, const char *name,
           GError **err)
{
    struct stat st;
    int fd;

    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return -2; /* vanished meanwhile */
    if (S_ISLNK(st.st_mode)) {
        g_autofree char *own_real = pool_real ? NULL : realpath(pool->target_path, NULL);
        g_autofree char *link = NULL;
        g_autofree char *real = NULL;
        g_autofree char *prefix = NULL;

        if (!pool_real && !(pool_real = own_real))
            return -2;
        link = g_build_filename(pool_real, name, NULL);
        real = realpath(link, NULL);
        prefix = g_strconcat(pool_real, "/", NULL);
        if (!real || !g_str_has_prefix(real, prefix) || strchr(real + strlen(prefix), '/'))
            return -2;
        if (stat(real, &st) < 0)
            return -2;
    }
    if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode) && !S_ISBLK(st.st_mode))
        return -2;
    /* O_NOATIME: looking at an image is not using it (refused unless vstor owns the file or
     * runs as root; then opened without it). */
    fd = openat(dirfd, name, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | O_NOATIME);
    if (fd < 0 && errno == EPERM)
        fd = openat(dirfd, name, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return -2;
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot open volume '%s'", name);
        return -1;
    }
    /* The name may have been swapped (for a link out of the pool, say) since it was looked
     * at: what was opened must be what was checked, or it is skipped as vanished. */
    {
        struct stat got;

        if (fstat(fd, &got) < 0 || got.st_dev != st.st_dev || got.st_ino != st.st_ino) {
            close(fd);
            return -2;
        }
    }
    return fd;
}

static gboolean
has_control_chars(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return TRUE;
    return FALSE;
}

int
vstor_file_pool_refresh_sizes(VstorBackendEnv *env, VstorPoolDef *pool, GError **err)
{
    struct statvfs sb;

    if (statvfs(pool->target_path, &sb) < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot statvfs path '%s'",
                              pool->target_path);
        return -1;
    }
    /* libvirt's figures: free blocks (not just those available to users) count as
     * available, and allocation is what is not free. */
    pool->capacity = (unsigned long long)sb.f_frsize * sb.f_blocks;
    pool->available = (unsigned long long)sb.f_bfree * sb.f_frsize;
    pool->allocation = pool->capacity - pool->available;
    return 0;
}

int
vstor_file_pool_refresh(VstorBackendEnv *env, VstorPoolDef *pool, GPtrArray **ret_vols,
                        GError **err)
{
    g_autoptr(GPtrArray) vols = g_ptr_array_new_with_free_func((GDestroyNotify)vstor_vol_def_free);
    g_autofree char *pool_real = NULL;
    struct stat st;
    struct dirent *ent;
    DIR *dir;
    int dirfd = vstor_file_pool_open_dir(pool, err);

    if (dirfd < 0)
        return -1;
    if (!(pool_real = realpath(pool->target_path, NULL)) || fstat(dirfd, &st) < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot stat path '%s'",
                              pool->target_path);
        close(dirfd);
        return -1;
    }
    if (!(dir = fdopendir(dirfd))) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot open directory '%s'",
                              pool->target_path);
        close(dirfd);
        return -1;
    }
    while ((errno = 0, ent = readdir(dir))) {
        g_autoptr(VstorVolDef) vol = NULL;
        g_autoptr(GError) perr = NULL;
        int fd;

        if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0 ||
            has_control_chars(ent->d_name) || vstor_vol_name_is_temp(ent->d_name))
            continue;
        fd = open_entry(dirfd, pool, pool_real, ent->d_name, &perr);
        if (fd == -2)
            continue;
        if (fd < 0) {
            g_debug("pool '%s': skipping '%s': %s", pool->name, ent->d_name, perr->message);
            continue;
        }
        vol = vstor_vol_def_new();
        vol->name = g_strdup(ent->d_name);
        vol->target.path = g_build_filename(pool->target_path, ent->d_name, NULL);
        vol->key = g_strdup(vol->target.path);
        /* An image whose header cannot be read is still a volume (listed as raw) rather
         * than a reason to fail the whole pool, as it is in libvirt. */
        if (update_from_fd(vol, fd, &perr) < 0) {
            g_debug("pool '%s': '%s' probes badly: %s", pool->name, ent->d_name, perr->message);
            update_unprobed(vol, fd);
        }
        close(fd);
        load_default_secret(env, vol);
        g_ptr_array_add(vols, g_steal_pointer(&vol));
    }
    closedir(dir);

    if (vstor_file_pool_refresh_sizes(env, pool, err) < 0)
        return -1;
    /* As libvirt does, the pool's <permissions> show what the directory really has. */
    if (stat(pool->target_path, &st) == 0) {
        pool->target_perms.mode = st.st_mode & 07777;
        pool->target_perms.uid = st.st_uid;
        pool->target_perms.gid = st.st_gid;
    }
    *ret_vols = g_steal_pointer(&vols);
    return 0;
}

int
vstor_file_vol_refresh(VstorBackendEnv *env, VstorPoolDef *pool, VstorVolDef *vol, GError **err)
{
    g_autoptr(GError) perr = NULL;
    int dirfd, fd;

    if ((dirfd = vstor_file_pool_open_dir(pool, err)) < 0)
        return -1;
    /* A volume being built is not one yet (its temporary name is not a volume's). */
    fd = vstor_vol_name_is_temp(vol->name) ? -2 : open_entry(dirfd, pool, NULL, vol->name, err);
    close(dirfd);
    if (fd == -2) {
        vstor_error_set(err, VSTOR_ERR_NO_STORAGE_VOL,
                        "volume '%s' is no longer present in pool '%s'", vol->name, pool->name);
        return -1;
    }
    if (fd < 0)
        return -1;
    if (update_from_fd(vol, fd, &perr) < 0) {
        g_debug("pool '%s': '%s' probes badly: %s", pool->name, vol->name, perr->message);
        update_unprobed(vol, fd);
    }
    close(fd);
    load_default_secret(env, vol);
    return 0;
}
