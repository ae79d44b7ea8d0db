/* fileio.h: crash-safe file writes (temp + fsync + rename + fsync of the directory), the
 * write-behind of long copies, the one-owner lock on a state root, small directory helpers. */
#pragma once

#include <glib.h>
#include <sys/types.h>

/* Suffix of the temporary files vstor_file_write_atomic leaves behind if it is killed. */
#define VSTOR_TEMP_MARK ".vstor-tmp-"

/* Replaces @path with @data atomically: after a crash the file is either the old or the
 * new content, never a mix. Fails with VSTOR_ERR_SYSTEM_ERROR (errno text appended). */
int vstor_file_write_atomic(const char *path, const char *data, gssize len, mode_t mode,
                            GError **err);

/* fsync()s the directory @dir so a rename or unlink in it is durable. */
int vstor_dir_fsync(const char *dir, GError **err);

/* The write-back of a long sequential write (an upload, a copy), kept close behind it: every
 * VSTOR_WRITE_BEHIND_STEP bytes written, their write-back is started without waiting, so the
 * disk stays busy and the closing fsync has only the tail left; what lies more than
 * VSTOR_WRITE_BEHIND_LAG behind is waited for and dropped from the page cache, so the write
 * keeps a few steps' worth of cache, not the whole file — it neither evicts what the host had
 * cached nor needs fresh memory for every page it writes. Best effort: where the kernel cannot
 * do this, the closing fsync does it all. */
#define VSTOR_WRITE_BEHIND_STEP (8u << 20)
#define VSTOR_WRITE_BEHIND_LAG (4 * VSTOR_WRITE_BEHIND_STEP)

typedef struct {
    int fd;
    guint64 started; /* write-back started up to here */
    guint64 retired; /* written out and dropped up to here */
} VstorWriteBehind;

/* For writes to @fd from @offset on. */
void vstor_write_behind_init(VstorWriteBehind *wb, int fd, guint64 offset);
/* The write has reached @pos (moving back starts over from there). */
void vstor_write_behind_advance(VstorWriteBehind *wb, guint64 pos);

/* The page cache a long sequential read (a download) fills, dropped close behind it: every
 * VSTOR_WRITE_BEHIND_STEP bytes read, what lies more than VSTOR_WRITE_BEHIND_LAG behind is
 * dropped, so the read keeps a few steps' worth of cache, refills pages it has just freed
 * (on this VM a page the kernel has not used before costs several times more to fill), and
 * does not push out what the host had cached. Only for a read that starts where (almost)
 * nothing is cached: one that starts on cached data leaves the cache as it is. */
typedef struct {
    int fd;
    gboolean active;
    guint64 retired; /* dropped up to here */
} VstorReadBehind;

/* For reads of @fd from @offset to @end; looks at what of the first step is cached. */
void vstor_read_behind_init(VstorReadBehind *rb, int fd, guint64 offset, guint64 end);
/* The read has reached @pos (moving back starts over from there). */
void vstor_read_behind_advance(VstorReadBehind *rb, guint64 pos);

/* TRUE when files in the directory open as @dirfd can be opened for direct I/O (O_DIRECT):
 * tried on an unnamed temporary file there, so FALSE also where O_TMPFILE is not supported. */
gboolean vstor_dir_has_direct_io(int dirfd);

/* TRUE when the file system of the directory open as @dirfd shares extents between files
 * (FICLONE works there: XFS with reflink, btrfs), and @fd (when not -1) is on that file
 * system too. Tried with two unnamed temporary files there, nothing written. */
gboolean vstor_dir_shares_extents(int dirfd, int fd);

/* Creates @dir and its parents with @mode; fine when it exists. VSTOR_ERR_SYSTEM_ERROR. */
int vstor_dir_ensure(const char *dir, mode_t mode, GError **err);

/* Removes temp files a killed writer left in @dir; returns how many. */
guint vstor_dir_remove_temp_files(const char *dir);

/* Takes the exclusive lock of @path (created if needed) and writes our pid into it.
 * *ret_fd keeps the lock until closed. Fails with VSTOR_ERR_OPERATION_INVALID naming the
 * holder's pid when another process owns it, VSTOR_ERR_SYSTEM_ERROR otherwise. */
int vstor_file_lock(const char *path, int *ret_fd, GError **err);

/* Removes @path, fine when it does not exist. VSTOR_ERR_SYSTEM_ERROR otherwise. */
int vstor_file_remove(const char *path, GError **err);

/* A descriptor closed when it goes out of scope: g_auto(VstorFd) fd = -1; (GLib's g_autofd
 * needs 2.76). */
typedef int VstorFd;
void vstor_fd_close(VstorFd fd);
G_DEFINE_AUTO_CLEANUP_FREE_FUNC(VstorFd, vstor_fd_close, -1)
