/* probe.c: the prober's file side — stat and pread an open image (file, block device, ploop
 * directory), resolve backing names, and walk backing chains with loop and depth limits. */
#include "volfmt/probe.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/fs.h>

#include "util/error.h"
#include "volfmt/probe_priv.h"

void
vstor_image_info_clear(VstorImageInfo *info)
{
    if (!info)
        return;
    g_free(info->path);
    g_free(info->backing_path);
    g_free(info->compat);
    memset(info, 0, sizeof(*info));
}

void
vstor_image_info_free(VstorImageInfo *info)
{
    vstor_image_info_clear(info);
    g_free(info);
}

static const char *
msg_name(const char *path)
{
    return path ? path : "(image)";
}

/* Reads up to @size bytes from @offset, stopping early only at end of file. */
static gssize
read_at(int fd, guint8 *buf, gsize size, off_t offset)
{
    gsize done = 0;

    while (done < size) {
        ssize_t n = pread(fd, buf + done, size - done, offset + (off_t)done);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        done += (gsize)n;
    }
    return (gssize)done;
}

/* read_at() for a sparse file (@file_size bytes long): a window that lies wholly in a hole
 * is known to hold zeros without reading it, which would put a page of zeros in the page
 * cache for every 4 KiB of it (for a pool of freshly made sparse images, most of what a scan
 * costs). SEEK_DATA is asked once; where a file system cannot answer, it says "data here"
 * and the window is read. */
static gssize
read_at_sparse(int fd, guint8 *buf, gsize size, off_t offset, unsigned long long file_size)
{
    off_t data = lseek(fd, offset, SEEK_DATA);

    if ((data < 0 && errno == ENXIO) || (data >= 0 && (unsigned long long)data >= offset + size)) {
        gsize len =
            (unsigned long long)offset >= file_size
                ? 0
                : (gsize)MIN((unsigned long long)size, file_size - (unsigned long long)offset);

        memset(buf, 0, len);
        return (gssize)len;
    }
    return read_at(fd, buf, size, offset);
}

static int probe_fd_as(int fd, const char *path, int forced, VstorImageInfo *ret_info,
                       GError **err);

/* libvirt treats a directory holding root.hds and DiskDescriptor.xml as a ploop volume and
 * reports what root.hds says. */
static int
probe_dir(int fd, const char *path, const struct stat *st, VstorImageInfo *ret_info, GError **err)
{
    g_auto(VstorImageInfo) info = {0};
    int root;

    if (faccessat(fd, "DiskDescriptor.xml", F_OK, 0) == 0 &&
        (root = openat(fd, "root.hds", O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) >= 0) {
        g_autofree char *root_path = g_build_filename(msg_name(path), "root.hds", NULL);
        int rc = probe_fd_as(root, root_path, -1, &info, err);

        close(root);
        if (rc < 0)
            return -1;
        g_free(info.path);
        info.path = g_strdup(path);
    } else {
        info.path = g_strdup(path);
        info.format = VSTOR_VOL_FORMAT_DIR;
        info.st = *st;
    }
    *ret_info = info;
    memset(&info, 0, sizeof(info));
    return 0;
}

static int
probe_fd_as(int fd, const char *path, int forced, VstorImageInfo *ret_info, GError **err)
{
    struct stat st;
    unsigned long long size;
    unsigned long long allocation;
    g_autofree guint8 *buf = NULL;
    guint8 tail[VSTOR_VOLFMT_TAIL_SIZE];
    gssize len;
    gssize tail_len = 0;
    gboolean sparse = FALSE;
    g_auto(VstorImageInfo) info = {0};

    if (fstat(fd, &st) < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot stat file '%s'",
                              msg_name(path));
        return -1;
    }
    if (S_ISDIR(st.st_mode))
        return probe_dir(fd, path, &st, ret_info, err);
    if (S_ISREG(st.st_mode)) {
        /* Only a header and a tail are read: no read-ahead of what follows (a scan of many
         * sparse images otherwise fills the page cache with zeros). */
        posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM);
        size = (unsigned long long)st.st_size;
        allocation = (unsigned long long)st.st_blocks * 512;
        sparse = allocation < size;
    } else if (S_ISBLK(st.st_mode)) {
        guint64 bytes = 0;

        if (ioctl(fd, BLKGETSIZE64, &bytes) < 0) {
            vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno,
                                  "cannot get the size of block device '%s'", msg_name(path));
            return -1;
        }
        size = allocation = bytes;
    } else {
        vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR,
                        "'%s' is not a regular file, block device or directory", msg_name(path));
        return -1;
    }

    buf = g_malloc(VSTOR_VOLFMT_HEADER_MAX);
    len = sparse ? read_at_sparse(fd, buf, VSTOR_VOLFMT_HEADER_MAX, 0, size)
                 : read_at(fd, buf, VSTOR_VOLFMT_HEADER_MAX, 0);
    if (len < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot read header '%s'",
                              msg_name(path));
        return -1;
    }
    /* The last sector, where a dmg keeps its trailer; bounded like the header. */
    if (size >= VSTOR_VOLFMT_TAIL_SIZE &&
        (tail_len = sparse
                        ? read_at_sparse(fd, tail, sizeof(tail), (off_t)(size - sizeof(tail)), size)
                        : read_at(fd, tail, sizeof(tail), (off_t)(size - sizeof(tail)))) < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot read trailer '%s'",
                              msg_name(path));
        return -1;
    }
    if (vstor_volfmt_probe_header_as(buf, (gsize)len, tail, (gsize)tail_len, size, path, forced,
                                     &info, err) < 0)
        return -1;
    info.allocation = allocation;
    info.physical = size;
    info.st = st;
    *ret_info = info;
    memset(&info, 0, sizeof(info));
    return 0;
}

int
vstor_volfmt_probe(int fd, const char *path_for_messages, VstorImageInfo *ret_info, GError **err)
{
    g_return_val_if_fail(fd >= 0, -1);
    g_return_val_if_fail(ret_info != NULL, -1);

    return probe_fd_as(fd, path_for_messages, -1, ret_info, err);
}

static int
open_image(const char *path, GError **err)
{
    /* O_NONBLOCK: opening a FIFO must not hang; probe_fd_as refuses it right after. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

    if (fd >= 0)
        return fd;
    if (errno == ENOENT)
        vstor_error_set(err, VSTOR_ERR_NO_STORAGE_VOL, "no storage vol with matching path '%s'",
                        path);
    else
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot open volume '%s'", path);
    return -1;
}

static int
probe_path_as(const char *path, int forced, VstorImageInfo *ret_info, GError **err)
{
    int fd;
    int rc;

    if ((fd = open_image(path, err)) < 0)
        return -1;
    rc = probe_fd_as(fd, path, forced, ret_info, err);
    close(fd);
    return rc;
}

int
vstor_volfmt_probe_path(const char *path, VstorImageInfo *ret_info, GError **err)
{
    g_return_val_if_fail(path != NULL, -1);
    g_return_val_if_fail(ret_info != NULL, -1);

    return probe_path_as(path, -1, ret_info, err);
}

gboolean
vstor_volfmt_backing_is_file(const char *backing)
{
    const char *colon, *slash;

    if (!backing)
        return FALSE;
    /* Protocols (nbd:, rbd:, json:, gluster://) put a ':' before any '/'; a relative file
     * name with a ':' in it can always be written "./a:b". */
    colon = strchr(backing, ':');
    slash = strchr(backing, '/');
    return !colon || (slash && slash < colon);
}

char *
vstor_volfmt_backing_resolve(const char *image_path, const char *backing)
{
    g_autofree char *dir = NULL;

    g_return_val_if_fail(image_path != NULL, NULL);

    if (!vstor_volfmt_backing_is_file(backing))
        return NULL;
    if (g_path_is_absolute(backing))
        return g_strdup(backing);
    dir = g_path_get_dirname(image_path);
    return g_build_filename(dir, backing, NULL);
}

static void
info_free_ptr(gpointer data)
{
    vstor_image_info_free(data);
}

/* A file already seen in the chain: same device and inode, whatever the name. */
static gboolean
chain_has(GPtrArray *chain, const struct stat *st)
{
    for (guint i = 0; i < chain->len; i++) {
        const VstorImageInfo *link = g_ptr_array_index(chain, i);

        if (link->st.st_dev == st->st_dev && link->st.st_ino == st->st_ino)
            return TRUE;
    }
    return FALSE;
}

GPtrArray *
vstor_volfmt_probe_chain(const char *path, guint max_depth, GError **err)
{
    g_autoptr(GPtrArray) chain = g_ptr_array_new_with_free_func(info_free_ptr);
    g_autofree char *next = g_strdup(path);
    int forced = -1;
    gboolean trusted = TRUE; /* the current link's format was declared, not probed */

    g_return_val_if_fail(path != NULL, NULL);

    if (max_depth == 0)
        max_depth = VSTOR_VOLFMT_CHAIN_MAX_DEPTH;
    while (next) {
        g_autoptr(VstorImageInfo) link = g_new0(VstorImageInfo, 1);
        const VstorImageInfo *parent = chain->len ? g_ptr_array_index(chain, chain->len - 1) : NULL;

        if (chain->len >= max_depth) {
            vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR,
                            "backing store for %s is self-referential or too deeply nested",
                            parent->path);
            return NULL;
        }
        if (probe_path_as(next, forced, link, err) < 0) {
            if (parent)
                g_prefix_error(err, "backing file of '%s': ", parent->path);
            return NULL;
        }
        if (parent && chain_has(chain, &link->st)) {
            vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR,
                            "backing store for %s is self-referential or too deeply nested",
                            parent->path);
            return NULL;
        }
        g_clear_pointer(&next, g_free);
        /* A link whose format was guessed may not lead us on to files it names. */
        if (link->backing_path && trusted)
            next = vstor_volfmt_backing_resolve(link->path, link->backing_path);
        forced = link->backing_format >= 0 ? link->backing_format : -1;
        trusted = forced >= 0;
        g_ptr_array_add(chain, g_steal_pointer(&link));
    }
    return g_steal_pointer(&chain);
}
