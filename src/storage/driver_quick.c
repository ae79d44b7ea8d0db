/* driver_quick.c: quick mode — calls made on vstord's main loop thread may not wait, so the
 * driver's lock is only tried and a file is looked at only through the kernel's caches. */
#include "storage/driver_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "util/error.h"

#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x00004000U /* Linux 6.8: mount ids that are never reused */
#endif
#define MOUNT_CACHE_MAX 256

static __thread gboolean quick_mode;
static __thread gboolean quick_gave_up;

/* Mounts seen by a stat that was allowed to wait, by unique id: is a stat there local? */
typedef struct {
    guint64 mnt_id;
    gboolean local;
} MountSeen;

static GMutex mounts_lock; /* held for a look-up or an insertion only, never across a syscall */
static GArray *mounts_seen;

void
vstor_driver_quick_begin(void)
{
    quick_mode = TRUE;
    quick_gave_up = FALSE;
}

gboolean
vstor_driver_quick_end(void)
{
    gboolean gave_up = quick_gave_up;

    quick_mode = quick_gave_up = FALSE;
    return gave_up;
}

int
driver_quick_refuse(GError **err)
{
    if (!quick_mode)
        return 0;
    quick_gave_up = TRUE;
    /* Never reaches a client: the call is made again where it may wait. */
    vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR, "this call would have to wait");
    return -1;
}

int
driver_lock(VstorDriver *drv, GError **err)
{
    if (!quick_mode) {
        g_mutex_lock(&drv->lock);
        return 0;
    }
    /* The lock may be held across a filesystem call (a deletion, a re-read): never wait. */
    if (g_mutex_trylock(&drv->lock))
        return 0;
    return driver_quick_refuse(err);
}

/* Filesystems whose stat of a cached inode is a read of memory: never a network request or a
 * daemon's answer (NFS, CIFS, FUSE, Ceph… are not here). */
static gboolean
magic_is_local(long type)
{
    switch ((unsigned long)type) {
    case EXT4_SUPER_MAGIC: /* ext2, ext3 and ext4 */
    case XFS_SUPER_MAGIC:
    case BTRFS_SUPER_MAGIC:
    case TMPFS_MAGIC:
    case F2FS_SUPER_MAGIC:
    case 0x2fc12fc1: /* zfs */ return TRUE;
    default: return FALSE;
    }
}

/* 1 local, 0 not local, -1 not seen yet. */
static int
mount_lookup(guint64 mnt_id)
{
    int local = -1;

    g_mutex_lock(&mounts_lock);
    for (guint i = 0; mounts_seen && i < mounts_seen->len && local < 0; i++) {
        const MountSeen *m = &g_array_index(mounts_seen, MountSeen, i);

        if (m->mnt_id == mnt_id)
            local = m->local;
    }
    g_mutex_unlock(&mounts_lock);
    return local;
}

static void
mount_note(guint64 mnt_id, gboolean local)
{
    MountSeen m = {mnt_id, local};

    g_mutex_lock(&mounts_lock);
    if (!mounts_seen)
        mounts_seen = g_array_new(FALSE, FALSE, sizeof(MountSeen));
    if (mounts_seen->len >= MOUNT_CACHE_MAX)
        g_array_set_size(mounts_seen, 0); /* mounts come and go: start again */
    g_array_append_val(mounts_seen, m);
    g_mutex_unlock(&mounts_lock);
}

/* Learns (a stat that may wait) whether the mount @path is on is local, once per mount. */
static void
learn_mount(const char *path, const struct statx *stx)
{
    struct statfs sfs;
    struct statx again;
    int fd;

    if (!(stx->stx_mask & STATX_MNT_ID_UNIQUE) || mount_lookup(stx->stx_mnt_id) >= 0)
        return;
    /* The file's own filesystem, not a symlink target's; and still on the mount just seen. */
    if ((fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC)) < 0)
        return;
    if (fstatfs(fd, &sfs) == 0 && statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID_UNIQUE, &again) == 0 &&
        (again.stx_mask & STATX_MNT_ID_UNIQUE) && again.stx_mnt_id == stx->stx_mnt_id)
        mount_note(stx->stx_mnt_id, magic_is_local(sfs.f_type));
    close(fd);
}

static void
stat_from_statx(const struct statx *stx, struct stat *ret_st)
{
    memset(ret_st, 0, sizeof(*ret_st));
    ret_st->st_dev = makedev(stx->stx_dev_major, stx->stx_dev_minor);
    ret_st->st_ino = stx->stx_ino;
    ret_st->st_mode = stx->stx_mode;
    ret_st->st_nlink = stx->stx_nlink;
    ret_st->st_uid = stx->stx_uid;
    ret_st->st_gid = stx->stx_gid;
    ret_st->st_rdev = makedev(stx->stx_rdev_major, stx->stx_rdev_minor);
    ret_st->st_size = (off_t)stx->stx_size;
    ret_st->st_blksize = (blksize_t)stx->stx_blksize;
    ret_st->st_blocks = (blkcnt_t)stx->stx_blocks;
    ret_st->st_atim.tv_sec = stx->stx_atime.tv_sec;
    ret_st->st_atim.tv_nsec = stx->stx_atime.tv_nsec;
    ret_st->st_mtim.tv_sec = stx->stx_mtime.tv_sec;
    ret_st->st_mtim.tv_nsec = stx->stx_mtime.tv_nsec;
    ret_st->st_ctim.tv_sec = stx->stx_ctime.tv_sec;
    ret_st->st_ctim.tv_nsec = stx->stx_ctime.tv_nsec;
}

/* The quick stat: the path resolved from the dentry cache alone (RESOLVE_CACHED: EAGAIN
 * instead of a disk read or a revalidation), then the inode's attributes as cached, on a
 * mount known to be local, where that is all there is. */
static int
quick_lstat(const char *path, struct statx *ret_stx)
{
    struct open_how how = {
        .flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
        .resolve = RESOLVE_CACHED,
    };
    int fd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
    int rc;

    if (fd < 0)
        return -1;
    rc = statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_BASIC_STATS | STATX_MNT_ID_UNIQUE,
               ret_stx);
    close(fd);
    if (rc < 0 || !(ret_stx->stx_mask & STATX_MNT_ID_UNIQUE) ||
        mount_lookup(ret_stx->stx_mnt_id) != 1)
        return -1;
    return 0;
}

int
driver_lstat(const char *path, struct stat *ret_st)
{
    struct statx stx;

    if (quick_mode) {
        /* Even "no such file" is left to the full call: it re-reads and drops the volume. */
        if (quick_lstat(path, &stx) < 0) {
            driver_quick_refuse(NULL);
            errno = EAGAIN;
            return -1;
        }
    } else {
        if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS | STATX_MNT_ID_UNIQUE,
                  &stx) < 0)
            return -1;
        learn_mount(path, &stx);
    }
    stat_from_statx(&stx, ret_st);
    return 0;
}
