/* disk_vol.c: the disk backend's volumes, which are partitions — made with parted mkpart where
 * libvirt's rules place them, removed with parted rm, their device nodes, data and wiping. */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "backends/disk_vol.h"
#include "backends/wipe.h"
#include "util/error.h"
#include "util/fileio.h"
#include "util/units.h"
#include "volfmt/qemu_img.h"

#define COPY_CHUNK (1024 * 1024)
/* BLKZEROOUT is one uninterruptible call: chunks keep cancel and progress responsive. */
#define ZERO_CHUNK (64ULL * 1024 * 1024)
/* udev, when it runs, gets this long to make a partition node before vstor makes it itself. */
#define UDEV_GRACE_TRIES 10
#define NODE_WAIT_TRIES 50
#define NODE_WAIT_STEP_US (100 * 1000)

/* ---- device nodes ---- */

static int
make_node(const char *path, char *devno, GError **err)
{
    g_auto(GStrv) parts = g_strsplit(g_strstrip(devno), ":", 2);
    unsigned long long maj, min;

    /* Only ever inside /dev: a node elsewhere would be a way around the pool's bounds. */
    if (g_strv_length(parts) != 2 || !vstor_parse_ull(parts[0], &maj) ||
        !vstor_parse_ull(parts[1], &min) || maj > G_MAXUINT || min > G_MAXUINT ||
        !g_str_has_prefix(path, "/dev/")) {
        vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR, "cannot make device node '%s' from '%s'",
                        path, devno);
        return -1;
    }
    if (mknod(path, S_IFBLK | 0600, makedev((unsigned int)maj, (unsigned int)min)) < 0 &&
        errno != EEXIST) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot make device node '%s'",
                              path);
        return -1;
    }
    g_debug("made partition node %s (%s) that nothing else made", path, devno);
    return 0;
}

int
vstor_disk_node_ensure(const char *path, gboolean wait, GError **err)
{
    g_autofree char *name = g_path_get_basename(path);
    g_autofree char *sys = g_strdup_printf("/sys/class/block/%s/dev", name);
    guint tries = wait ? NODE_WAIT_TRIES : 1;

    for (guint i = 0; i < tries; i++) {
        g_autofree char *devno = NULL;

        if (g_file_test(path, G_FILE_TEST_EXISTS))
            return 0;
        if ((!wait || i >= UDEV_GRACE_TRIES) && g_file_get_contents(sys, &devno, NULL, NULL))
            return make_node(path, devno, err);
        if (i + 1 < tries)
            g_usleep(NODE_WAIT_STEP_US);
    }
    vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, ENOENT,
                          "partition device '%s' did not appear: the kernel does not know it",
                          path);
    return -1;
}

/* After parted rm: a block node left behind by a /dev without devtmpfs or udev goes, when the
 * kernel no longer has the partition it names. */
static void
drop_stale_node(const char *path)
{
    g_autofree char *name = g_path_get_basename(path);
    g_autofree char *sys = g_strdup_printf("/sys/class/block/%s", name);
    struct stat st;

    if (lstat(path, &st) == 0 && S_ISBLK(st.st_mode) && !g_file_test(sys, G_FILE_TEST_EXISTS) &&
        unlink(path) == 0)
        g_debug("removed stale partition node %s", path);
}

/* ---- filling a volume from the table ---- */

/* The pool's "stable" name for @devpath: libvirt's rule — when the pool's target is a
 * directory under /dev such as /dev/disk/by-id, the link there pointing to the partition. */
static char *
stable_path(const VstorPoolDef *def, const char *devpath)
{
    const char *dir = def->target_path;
    g_autoptr(GDir) d = NULL;
    g_autofree char *want = NULL;
    const char *ent;

    if (!dir || !g_str_has_prefix(dir, "/dev/") || g_str_equal(dir, "/dev/") ||
        !(d = g_dir_open(dir, 0, NULL)) || !(want = realpath(devpath, NULL)))
        return g_strdup(devpath);
    while ((ent = g_dir_read_name(d))) {
        g_autofree char *link = g_build_filename(dir, ent, NULL);
        char *real = realpath(link, NULL);
        gboolean same = real && strcmp(real, want) == 0;

        free(real);
        if (same)
            return g_steal_pointer(&link);
    }
    return g_strdup(devpath);
}

static char *
part_node(const VstorPoolDef *def, int number, GError **err)
{
    const VstorPoolDevice *dev = &def->source.devices[0];
    g_autofree char *base = vstor_disk_name_base(dev->path, err);

    if (!base)
        return NULL;
    return vstor_disk_part_path(base, vstor_disk_is_devmapper(dev->path), dev->part_separator,
                                number);
}

gboolean
vstor_disk_nodes_present(const VstorPoolDef *def, const VstorDiskLayout *layout)
{
    for (guint i = 0; i < layout->n_parts; i++) {
        g_autofree char *node = part_node(def, layout->parts[i].number, NULL);

        if (!node || !g_file_test(node, G_FILE_TEST_EXISTS))
            return FALSE;
    }
    return TRUE;
}

static int
check_name(const VstorVolDef *vol, const char *node, GError **err)
{
    g_autofree char *name = g_path_get_basename(node);

    if (vol->name && !g_str_equal(vol->name, name)) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG, "invalid partition name '%s', expected '%s'",
                        vol->name, name);
        return -1;
    }
    return 0;
}

static void
set_stat(VstorVolDef *vol, const struct stat *st)
{
    const struct timespec *times[] = {&st->st_atim, &st->st_mtim, &st->st_ctim};
    VstorVolTimestamp *slots[3];

    vol->target.perms.mode = st->st_mode & 07777;
    vol->target.perms.uid = st->st_uid;
    vol->target.perms.gid = st->st_gid;
    if (!vol->target.timestamps)
        vol->target.timestamps = g_new0(VstorVolTimestamps, 1);
    slots[0] = &vol->target.timestamps->atime;
    slots[1] = &vol->target.timestamps->mtime;
    slots[2] = &vol->target.timestamps->ctime;
    for (guint i = 0; i < G_N_ELEMENTS(slots); i++)
        *slots[i] = (VstorVolTimestamp){times[i]->tv_sec, times[i]->tv_nsec};
    vol->target.timestamps->btime = VSTOR_VOL_TIMESTAMP_UNSET;
}

/* Sizes of partition @part: an extended partition holds nothing itself, what its logical
 * partitions take is its use. */
static void
set_sizes(const VstorDiskLayout *layout, const VstorDiskPart *part, VstorVolDef *vol)
{
    vol->capacity = part->end - part->start;
    vol->allocation = vol->capacity;
    vol->physical = vol->capacity;
    if (part->kind != VSTOR_DISK_PART_EXTENDED)
        return;
    vol->target.format = VSTOR_PART_EXTENDED;
    vol->allocation = 0;
    vol->physical = 0;
    for (guint i = 0; i < layout->n_parts; i++)
        if (layout->parts[i].kind == VSTOR_DISK_PART_LOGICAL)
            vol->allocation += layout->parts[i].end - layout->parts[i].start;
}

int
vstor_disk_fill_vol(const VstorPoolDef *def, const VstorDiskLayout *layout,
                    const VstorDiskPart *part, VstorVolDef *vol, GError **err)
{
    g_autofree char *node = part_node(def, part->number, err);
    struct stat st;

    if (!node || check_name(vol, node, err) < 0 || vstor_disk_node_ensure(node, FALSE, err) < 0)
        return -1;
    if (stat(node, &st) < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot stat partition '%s'",
                              node);
        return -1;
    }
    if (!vol->name)
        vol->name = g_path_get_basename(node);
    g_free(vol->target.path);
    vol->target.path = stable_path(def, node);
    g_free(vol->key);
    vol->key = g_strdup(vol->target.path);
    vol->type = VSTOR_VOL_BLOCK;
    g_array_set_size(vol->extents, 0);
    vstor_vol_def_add_extent(vol, def->source.devices[0].path, part->start, part->end);
    set_sizes(layout, part, vol);
    set_stat(vol, &st);
    return 0;
}

/* ---- create ---- */

static gboolean
has_number(const VstorDiskLayout *layout, int number)
{
    for (guint i = 0; i < layout->n_parts; i++)
        if (layout->parts[i].number == number)
            return TRUE;
    return FALSE;
}

/* The number parted gives a new partition: the lowest free one, among 1-4 for primary and
 * extended partitions of a dos table and from 5 on for logical ones. */
static int
next_number(const VstorDiskLayout *layout, const char *format, VstorDiskPartKind kind)
{
    int number = g_str_equal(format, "dos") && kind == VSTOR_DISK_PART_LOGICAL ? 5 : 1;

    while (has_number(layout, number))
        number++;
    return number;
}

static const VstorDiskPart *
find_new_part(const VstorDiskLayout *before, const VstorDiskLayout *after)
{
    for (guint i = 0; i < after->n_parts; i++) {
        gboolean old = FALSE;

        for (guint j = 0; j < before->n_parts && !old; j++)
            old = before->parts[j].start == after->parts[i].start &&
                  before->parts[j].end == after->parts[i].end;
        if (!old)
            return &after->parts[i];
    }
    return NULL;
}

static int
remove_part(VstorBackendEnv *env, const char *device, int number, GError **err)
{
    g_autoptr(VstorCommand) cmd = vstor_disk_rm_cmd(device, number);

    if (vstor_runner_run(env->runner, cmd, NULL, NULL, NULL, err) < 0)
        return -1;
    vstor_disk_sync_kernel(env, device);
    return 0;
}

static int
read_geometry(VstorBackendEnv *env, const char *device, VstorDiskGeometry *ret_geometry,
              GError **err)
{
    g_autoptr(VstorCommand) cmd = vstor_disk_geometry_cmd(device);
    g_autofree char *out = NULL;
    int status = 0;

    /* A non-zero exit still prints the geometry line the parser needs, or the parser says so. */
    if (vstor_runner_run(env->runner, cmd, &status, &out, NULL, err) < 0)
        return -1;
    return vstor_disk_geometry_parse(out, ret_geometry, err);
}

/* Checks what libvirt checks only after parted ran: the volume's name must be the partition's,
 * so a wrong name is refused before the disk is touched. */
static int
plan_part(VstorBackendEnv *env, VstorPoolDef *def, const VstorDiskLayout *layout,
          const VstorVolDef *vol, VstorDiskPartKind *ret_kind, int *ret_number,
          unsigned long long *ret_start, unsigned long long *ret_end, GError **err)
{
    const char *format = vstor_disk_format(def);
    const char *found = vstor_disk_label_to_format(layout->label);
    g_autofree char *node = NULL;
    VstorDiskGeometry geometry = {0};

    if (g_strcmp0(found, format) != 0) {
        vstor_error_set(err, VSTOR_ERR_OPERATION_INVALID,
                        "disk '%s' carries partition table '%s', not the pool's '%s'",
                        def->source.devices[0].path, layout->label, format);
        return -1;
    }
    if (vol->target.format == VSTOR_PART_EXTENDED && !g_str_equal(format, "dos")) {
        vstor_error_set(err, VSTOR_ERR_CONFIG_UNSUPPORTED,
                        "extended partitions exist only in dos partition tables, not in '%s'",
                        format);
        return -1;
    }
    if (vstor_disk_part_kind_to_create(layout, format, vol->target.format, ret_kind, err) < 0)
        return -1;
    *ret_number = next_number(layout, format, *ret_kind);
    if (!(node = part_node(def, *ret_number, err)) || check_name(vol, node, err) < 0)
        return -1;
    if (read_geometry(env, def->source.devices[0].path, &geometry, err) < 0)
        return -1;
    return vstor_disk_part_boundaries(layout, &geometry, format, *ret_kind, vol->capacity,
                                      ret_start, ret_end, err);
}

int
vstor_disk_vol_create(VstorBackendEnv *env, VstorPoolDef *def, VstorVolDef *vol, GError **err)
{
    const char *device = vstor_disk_source(def, err);
    g_autoptr(VstorDiskLayout) before = NULL;
    g_autoptr(VstorDiskLayout) after = NULL;
    g_autoptr(VstorCommand) cmd = NULL;
    g_autoptr(GError) cleanup_err = NULL;
    g_autofree char *node = NULL;
    const VstorDiskPart *part;
    VstorDiskPartKind kind;
    unsigned long long start, end;
    int number;

    if (!device)
        return -1;
    if (vol->target.encryption) {
        vstor_error_set(err, VSTOR_ERR_CONFIG_UNSUPPORTED,
                        "vstor cannot create encrypted volumes in disk pools yet; create '%s' "
                        "without <encryption>",
                        vol->name);
        return -1;
    }
    if (!(before = vstor_disk_read_layout(env, device, err)) ||
        plan_part(env, def, before, vol, &kind, &number, &start, &end, err) < 0 ||
        !(cmd = vstor_disk_mkpart_cmd(device, vstor_disk_format(def), kind, vol->target.format,
                                      start, end, err)) ||
        vstor_runner_run(env->runner, cmd, NULL, NULL, NULL, err) < 0)
        return -1;
    vstor_disk_sync_kernel(env, device);

    if (!(after = vstor_disk_read_layout(env, device, err)))
        return -1;
    if (!(part = find_new_part(before, after))) {
        vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR,
                        "parted made no new partition on '%s' between bytes %llu and %llu", device,
                        start, end);
        return -1;
    }
    /* From here on a failure takes the new partition away again: the driver forgets a volume
     * whose creation failed, and nothing may stay behind on the disk either. */
    if (!(node = part_node(def, part->number, err)) || check_name(vol, node, err) < 0 ||
        vstor_disk_node_ensure(node, TRUE, err) < 0 ||
        vstor_disk_fill_vol(def, after, part, vol, err) < 0) {
        if (remove_part(env, device, part->number, &cleanup_err) < 0)
            g_debug("cannot remove partition %d of %s: %s", part->number, device,
                    cleanup_err->message);
        return -1;
    }
    if (part->number != number)
        g_debug("parted numbered the new partition %d, not %d", part->number, number);
    return 0;
}

/* ---- delete ---- */

int
vstor_disk_vol_delete(VstorBackendEnv *env, VstorPoolDef *def, VstorVolDef *vol, unsigned int flags,
                      GError **err)
{
    const char *device = vstor_disk_source(def, err);
    g_autoptr(VstorDiskLayout) layout = NULL;
    g_autofree char *base = NULL;
    g_autofree char *devpath = NULL;
    const VstorDiskPart *part = NULL;
    gboolean dm;
    int number;

    if (!device)
        return -1;
    if (flags) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG, "unsupported flags (0x%x) in function %s",
                        flags, __func__);
        return -1;
    }
    if (!vol->target.path) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG, "volume target path empty for source path '%s'",
                        device);
        return -1;
    }
    /* Device-mapper partitions are named as given; others by the node a link points to. */
    dm = vstor_disk_is_devmapper(vol->target.path);
    devpath = dm ? NULL : realpath(vol->target.path, NULL);
    if (!devpath)
        devpath = g_strdup(vol->target.path);
    if (!(base = vstor_disk_name_base(device, err)) ||
        vstor_disk_part_number(base, dm || vstor_disk_is_devmapper(device), devpath, &number, err) <
            0 ||
        !(layout = vstor_disk_read_layout(env, device, err)))
        return -1;
    for (guint i = 0; i < layout->n_parts; i++)
        if (layout->parts[i].number == number)
            part = &layout->parts[i];
    if (!part) {
        vstor_error_set(err, VSTOR_ERR_NO_STORAGE_VOL, "partition %d of '%s' does not exist",
                        number, device);
        return -1;
    }
    /* Logical partitions are renumbered when one goes: never remove what the volume was not. */
    if (vol->extents->len > 0 &&
        g_array_index(vol->extents, VstorVolExtent, 0).start != part->start) {
        vstor_error_set(err, VSTOR_ERR_OPERATION_FAILED,
                        "partition %d of '%s' is no longer volume '%s' (the table changed); "
                        "refresh the pool",
                        number, device, vol->name);
        return -1;
    }
    if (part->kind == VSTOR_DISK_PART_EXTENDED) {
        for (guint i = 0; i < layout->n_parts; i++) {
            if (layout->parts[i].kind == VSTOR_DISK_PART_LOGICAL) {
                vstor_error_set(err, VSTOR_ERR_OPERATION_INVALID,
                                "extended partition '%s' still holds logical partitions; delete "
                                "them first",
                                vol->name);
                return -1;
            }
        }
    }
    if (remove_part(env, device, number, err) < 0)
        return -1;
    if (!dm)
        drop_stale_node(devpath);
    return 0;
}

/* ---- refresh, data ---- */

int
vstor_disk_vol_refresh(VstorBackendEnv *env, VstorPoolDef *def, VstorVolDef *vol, GError **err)
{
    g_autoptr(VstorDiskLayout) layout = NULL;
    const VstorDiskPart *part = NULL;
    struct stat st;

    /* The driver indexes volumes by path and key: those stay, only sizes and modes change. */
    if (stat(vol->target.path, &st) < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot stat partition '%s'",
                              vol->target.path);
        return -1;
    }
    set_stat(vol, &st);
    /* An extended partition's use is its logical partitions: only the table knows them. */
    if (vol->target.format == VSTOR_PART_EXTENDED && vol->extents->len > 0) {
        const char *device = vstor_disk_source(def, err);
        unsigned long long start = g_array_index(vol->extents, VstorVolExtent, 0).start;

        if (!device || !(layout = vstor_disk_read_layout(env, device, err)))
            return -1;
        for (guint i = 0; i < layout->n_parts && !part; i++)
            if (layout->parts[i].start == start)
                part = &layout->parts[i];
        if (!part) {
            vstor_error_set(err, VSTOR_ERR_NO_STORAGE_VOL, "partition '%s' no longer exists",
                            vol->target.path);
            return -1;
        }
        set_sizes(layout, part, vol);
    }
    return 0;
}

/* Opens @vol's device, making sure it is a partition of the pool's disk: a volume must never
 * reach outside its pool, whatever its path has come to point to. */
static int
open_partition(const VstorPoolDef *def, const VstorVolDef *vol, int mode, GError **err)
{
    const char *device = vstor_disk_source(def, err);
    g_autofree char *parent = NULL;
    g_autofree char *want = NULL;
    struct stat st, dev_st;
    int fd;

    if (!device)
        return -1;
    if (vol->target.format == VSTOR_PART_EXTENDED) {
        vstor_error_set(err, VSTOR_ERR_NO_SUPPORT,
                        "extended partition '%s' holds no data of its own", vol->target.path);
        return -1;
    }
    if ((fd = open(vol->target.path, mode | O_CLOEXEC)) < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot open volume '%s'",
                              vol->target.path);
        return -1;
    }
    if (fstat(fd, &st) < 0 || !S_ISBLK(st.st_mode) || stat(device, &dev_st) < 0) {
        vstor_error_set(err, VSTOR_ERR_OPERATION_INVALID, "'%s' is not a partition of '%s'",
                        vol->target.path, device);
        close(fd);
        return -1;
    }
    if (vstor_disk_is_devmapper(device))
        return fd; /* its partitions are separate mappings, not kernel partitions */
    want = g_strdup_printf("%u:%u", major(dev_st.st_rdev), minor(dev_st.st_rdev));
    parent = g_strdup_printf("/sys/dev/block/%u:%u/../dev", major(st.st_rdev), minor(st.st_rdev));
    {
        g_autofree char *have = NULL;

        if (!g_file_get_contents(parent, &have, NULL, NULL) ||
            !g_str_equal(g_strstrip(have), want)) {
            vstor_error_set(err, VSTOR_ERR_OPERATION_INVALID, "'%s' is not a partition of '%s'",
                            vol->target.path, device);
            close(fd);
            return -1;
        }
    }
    return fd;
}

int
vstor_disk_vol_open(VstorBackendEnv *env, VstorPoolDef *def, VstorVolDef *vol, gboolean for_write,
                    int *ret_fd, GError **err)
{
    int fd = open_partition(def, vol, for_write ? O_WRONLY : O_RDONLY, err);

    if (fd < 0)
        return -1;
    *ret_fd = fd;
    return 0;
}

/* Zeroes the whole partition: BLKZEROOUT lets the device do it (a loop device punches holes in
 * its file, a disk may unmap); plain writes where the device cannot. */
static int
zero_device(int fd, const char *path, unsigned long long size, VstorJob *job, GError **err)
{
    unsigned long long pos = 0;

    while (pos < size) {
        guint64 range[2] = {pos, MIN(size - pos, ZERO_CHUNK)};

        if (ioctl(fd, BLKZEROOUT, range) < 0) {
            if (errno != EOPNOTSUPP && errno != ENOTTY && errno != EINVAL) {
                vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "Failed to wipe '%s'",
                                      path);
                return -1;
            }
            g_debug("BLKZEROOUT on %s: %s; writing zeros", path, g_strerror(errno));
            return vstor_wipe_write_zeros(fd, path, pos, size - pos, job, err);
        }
        pos += range[1];
        vstor_job_add_done(job, range[1]);
        if (vstor_job_check(job, err) < 0)
            return -1;
    }
    return 0;
}

int
vstor_disk_vol_wipe(VstorBackendEnv *env, VstorPoolDef *def, VstorVolDef *vol,
                    VstorWipeAlgorithm algorithm, unsigned int flags, VstorJob *job, GError **err)
{
    unsigned long long size = 0;
    int fd, ret = -1;

    if (vol->target.format == VSTOR_PART_EXTENDED) {
        vstor_error_set(err, VSTOR_ERR_NO_SUPPORT, "cannot wipe extended partition '%s'",
                        vol->target.path);
        return -1;
    }
    if ((int)algorithm < 0 || algorithm >= VSTOR_WIPE_LAST || flags) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG, "wiping algorithm %d not supported",
                        (int)algorithm);
        return -1;
    }
    if ((fd = open_partition(def, vol, O_WRONLY, err)) < 0)
        return -1;
    if (vstor_disk_device_size(fd, vol->target.path, &size, err) < 0)
        goto out;
    vstor_job_set_total(job, size);
    if (algorithm == VSTOR_WIPE_ZERO) {
        ret = zero_device(fd, vol->target.path, size, job, err);
    } else if (algorithm == VSTOR_WIPE_TRIM) {
        guint64 range[2] = {0, size};

        ret = ioctl(fd, BLKDISCARD, range);
        if (ret < 0)
            vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "Failed to trim '%s'",
                                  vol->target.path);
        else
            vstor_job_add_done(job, size);
    } else {
        ret = vstor_wipe_scrub(env, vol->target.path, algorithm, size, job, err);
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

/* ---- build from another volume ---- */

static int
copy_data(int in, int out, const char *in_path, const char *out_path, unsigned long long len,
          VstorJob *job, GError **err)
{
    g_autofree char *buf = g_malloc(COPY_CHUNK);
    unsigned long long pos = 0;
    VstorWriteBehind wb;

    vstor_write_behind_init(&wb, out, 0);
    vstor_job_set_total(job, len);
    while (pos < len) {
        ssize_t n = pread(in, buf, (size_t)MIN(len - pos, COPY_CHUNK), (off_t)pos);
        ssize_t done = 0;

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, n < 0 ? errno : EIO,
                                  "cannot read '%s'", in_path);
            return -1;
        }
        while (done < n) {
            ssize_t w = pwrite(out, buf + done, (size_t)(n - done), (off_t)pos + done);

            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, w < 0 ? errno : EIO,
                                      "cannot write '%s'", out_path);
                return -1;
            }
            done += w;
        }
        pos += (unsigned long long)n;
        vstor_write_behind_advance(&wb, pos);
        vstor_job_add_done(job, (guint64)n);
        if (vstor_job_check(job, err) < 0)
            return -1;
    }
    return 0;
}

static int
build_with_qemu_img(VstorBackendEnv *env, VstorVolDef *vol, const VstorVolDef *input, VstorJob *job,
                    GError **err)
{
    VstorQemuImgRequest req = {.vol = vol, .input = input};
    g_autoptr(GPtrArray) cmds = vstor_qemu_img_commands(&req, err);

    if (!cmds)
        return -1;
    for (guint i = 0; i < cmds->len; i++) {
        g_autoptr(VstorCommand) cmd = vstor_command_new_argv(cmds->pdata[i]);

        vstor_command_set_job(cmd, job);
        if (vstor_runner_run(env->runner, cmd, NULL, NULL, NULL, err) < 0)
            return -1;
    }
    return 0;
}

int
vstor_disk_vol_build_from(VstorBackendEnv *env, VstorPoolDef *def, VstorVolDef *vol,
                          const VstorVolDef *input, unsigned int flags, VstorJob *job, GError **err)
{
    unsigned long long in_size = 0, out_size = 0;
    int in = -1, out = -1, ret = -1;

    if (flags) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG, "unsupported flags (0x%x) in function %s",
                        flags, __func__);
        return -1;
    }
    if (input->target.encryption) {
        vstor_error_set(err, VSTOR_ERR_CONFIG_UNSUPPORTED,
                        "vstor cannot copy encrypted volume '%s' into a partition yet",
                        input->name);
        return -1;
    }
    if ((out = open_partition(def, vol, O_WRONLY, err)) < 0)
        return -1;
    if (vstor_qemu_img_needed(vol, input)) {
        close(out);
        return build_with_qemu_img(env, vol, input, job, err);
    }
    if ((in = open(input->target.path, O_RDONLY | O_CLOEXEC)) < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "could not open input path '%s'",
                              input->target.path);
        goto out;
    }
    if (vstor_disk_device_size(in, input->target.path, &in_size, err) < 0 ||
        vstor_disk_device_size(out, vol->target.path, &out_size, err) < 0 ||
        copy_data(in, out, input->target.path, vol->target.path, MIN(in_size, out_size), job, err) <
            0)
        goto out;
    if (fsync(out) < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot sync '%s'",
                              vol->target.path);
        goto out;
    }
    ret = 0;
out:
    if (in >= 0)
        close(in);
    close(out);
    return ret;
}
