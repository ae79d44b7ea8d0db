/* fileio.c: durable writes (atomic replacement of definitions and state; write-behind of long
 * copies) and the state-root lock. A crash never leaves half a definition file behind. */
#include "util/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/fs.h>

#include "util/error.h"

static int
write_all(int fd, const char *data, gsize len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        data += n;
        len -= (gsize)n;
    }
    return 0;
}

int
vstor_dir_fsync(const char *dir, GError **err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd < 0 || fsync(fd) < 0) {
        int e = errno;

        if (fd >= 0)
            close(fd);
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, e, "cannot sync directory '%s'", dir);
        return -1;
    }
    close(fd);
    return 0;
}

int
vstor_file_write_atomic(const char *path, const char *data, gssize len, mode_t mode, GError **err)
{
    g_autofree char *dir = g_path_get_dirname(path);
    g_autofree char *base = g_path_get_basename(path);
    g_autofree char *tmp = g_strdup_printf("%s/.%s" VSTOR_TEMP_MARK "XXXXXX", dir, base);
    int fd;

    if (len < 0)
        len = (gssize)strlen(data);
    fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, mode);
    if (fd < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot create '%s'", tmp);
        return -1;
    }
    if (fchmod(fd, mode) < 0 || write_all(fd, data, (gsize)len) < 0 || fsync(fd) < 0) {
        int e = errno;

        close(fd);
        unlink(tmp);
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, e, "cannot write '%s'", path);
        return -1;
    }
    if (close(fd) < 0) {
        int e = errno;

        unlink(tmp);
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, e, "cannot write '%s'", path);
        return -1;
    }
    if (rename(tmp, path) < 0) {
        int e = errno;

        unlink(tmp);
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, e, "cannot replace '%s'", path);
        return -1;
    }
    return vstor_dir_fsync(dir, err);
}

void
vstor_write_behind_init(VstorWriteBehind *wb, int fd, guint64 offset)
{
    wb->fd = fd;
    wb->started = wb->retired = offset;
}

void
vstor_write_behind_advance(VstorWriteBehind *wb, guint64 pos)
{
    if (pos < wb->started) {
        wb->started = wb->retired = pos;
        return;
    }
    if (pos - wb->started < VSTOR_WRITE_BEHIND_STEP)
        return;
    (void)sync_file_range(wb->fd, (off_t)wb->started, (off_t)(pos - wb->started),
                          SYNC_FILE_RANGE_WRITE);
    wb->started = pos;
    if (pos - wb->retired <= VSTOR_WRITE_BEHIND_LAG)
        return;
    if (sync_file_range(
            wb->fd, (off_t)wb->retired, (off_t)(pos - VSTOR_WRITE_BEHIND_LAG - wb->retired),
            SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER) == 0)
        (void)posix_fadvise(wb->fd, (off_t)wb->retired,
                            (off_t)(pos - VSTOR_WRITE_BEHIND_LAG - wb->retired),
                            POSIX_FADV_DONTNEED);
    wb->retired = pos - VSTOR_WRITE_BEHIND_LAG;
}

void
vstor_read_behind_init(VstorReadBehind *rb, int fd, guint64 offset, guint64 end)
{
    guint64 page = (guint64)sysconf(_SC_PAGESIZE);
    guint64 start = offset - offset % page;
    guint64 len = end > offset ? MIN(end - offset, VSTOR_WRITE_BEHIND_STEP) + (offset - start) : 0;
    g_autofree unsigned char *vec = NULL;
    guint64 pages = (len + page - 1) / page, resident = 0;
    void *map;

    rb->fd = fd;
    rb->active = FALSE;
    rb->retired = start;
    if (len == 0 || (map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, (off_t)start)) == MAP_FAILED)
        return;
    vec = g_malloc(pages);
    if (mincore(map, len, vec) == 0) {
        for (guint64 i = 0; i < pages; i++)
            resident += vec[i] & 1;
        rb->active = resident * 4 < pages;
    }
    munmap(map, len);
}

void
vstor_read_behind_advance(VstorReadBehind *rb, guint64 pos)
{
    if (!rb->active)
        return;
    if (pos < rb->retired) {
        rb->retired = pos;
        return;
    }
    if (pos - rb->retired < VSTOR_WRITE_BEHIND_LAG + VSTOR_WRITE_BEHIND_STEP)
        return;
    (void)posix_fadvise(rb->fd, (off_t)rb->retired,
                        (off_t)(pos - VSTOR_WRITE_BEHIND_LAG - rb->retired), POSIX_FADV_DONTNEED);
    rb->retired = pos - VSTOR_WRITE_BEHIND_LAG;
}

gboolean
vstor_dir_has_direct_io(int dirfd)
{
    int fd = openat(dirfd, ".", O_TMPFILE | O_WRONLY | O_DIRECT | O_CLOEXEC, 0600);

    if (fd < 0)
        return FALSE;
    close(fd);
    return TRUE;
}

gboolean
vstor_dir_shares_extents(int dirfd, int fd)
{
    struct stat dir_st, fd_st;
    g_auto(VstorFd) a = -1;
    g_auto(VstorFd) b = -1;

    if (fstat(dirfd, &dir_st) < 0 ||
        (fd >= 0 && (fstat(fd, &fd_st) < 0 || fd_st.st_dev != dir_st.st_dev)))
        return FALSE;
    a = openat(dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    b = openat(dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    return a >= 0 && b >= 0 && ioctl(b, FICLONE, a) == 0;
}

int
vstor_dir_ensure(const char *dir, mode_t mode, GError **err)
{
    if (g_mkdir_with_parents(dir, (int)mode) < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot create directory '%s'",
                              dir);
        return -1;
    }
    return 0;
}

guint
vstor_dir_remove_temp_files(const char *dir)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *ent;
    guint n = 0;

    if (!d)
        return 0;
    while ((ent = g_dir_read_name(d))) {
        g_autofree char *path = NULL;

        if (ent[0] != '.' || !strstr(ent, VSTOR_TEMP_MARK))
            continue;
        path = g_build_filename(dir, ent, NULL);
        if (unlink(path) == 0)
            n++;
    }
    return n;
}

int
vstor_file_lock(const char *path, int *ret_fd, GError **err)
{
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    g_autofree char *pid = NULL;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

    if (fd < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot open lock file '%s'",
                              path);
        return -1;
    }
    /* Open-file-description locks: released when this fd closes, not when any fd of the
     * process to the same file closes, and they conflict between threads too. A child a
     * killed owner was starting can hold the lock until it dies (it shares the description
     * between fork and exec): while the owner written in the file is gone, wait for that. */
    for (int tries = 0; fcntl(fd, F_OFD_SETLK, &fl) < 0; tries++) {
        int e = errno;
        char holder[32] = "";
        ssize_t n = pread(fd, holder, sizeof(holder) - 1, 0);

        holder[n > 0 ? n : 0] = '\0';
        g_strstrip(holder);
        gint64 owner = g_ascii_strtoll(holder, NULL, 10);

        if ((e == EAGAIN || e == EACCES) && tries < 100 && owner > 0 && owner < G_MAXINT &&
            kill((pid_t)owner, 0) < 0 && errno == ESRCH) {
            g_usleep(100 * 1000);
            continue;
        }
        close(fd);
        if (e == EAGAIN || e == EACCES) {
            vstor_error_set(err, VSTOR_ERR_OPERATION_INVALID,
                            "state root lock '%s' is held by another vstor process%s%s%s; "
                            "stop it or use another root",
                            path, holder[0] ? " (pid " : "", holder, holder[0] ? ")" : "");
        } else {
            vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, e, "cannot lock '%s'", path);
        }
        return -1;
    }
    pid = g_strdup_printf("%d\n", (int)getpid());
    if (ftruncate(fd, 0) < 0 || pwrite(fd, pid, strlen(pid), 0) < 0) {
        int e = errno;

        close(fd);
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, e, "cannot write lock file '%s'", path);
        return -1;
    }
    *ret_fd = fd;
    return 0;
}

int
vstor_file_remove(const char *path, GError **err)
{
    if (unlink(path) < 0 && errno != ENOENT) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot remove '%s'", path);
        return -1;
    }
    return 0;
}

void
vstor_fd_close(VstorFd fd)
{
    if (fd >= 0)
        close(fd);
}
