/* disk.c: the disk backend's pool half — a whole disk whose partition table parted writes (build)
 * and reads (refresh), with libvirt 9.0.0's label checks; volumes (partitions) are in disk_vol.c. */
#include <blkid.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "backends/blk_sources.h"
#include "backends/disk_vol.h"
#include "backends/fs_cmd.h"
#include "util/error.h"

/* libvirt clears this much at both ends of the disk before writing a new label, so that no
 * stale GPT backup header or old signature survives. */
#define LABEL_ZERO_SIZE (1024 * 1024)

const char *
vstor_disk_source(const VstorPoolDef *def, GError **err)
{
    if (def->source.n_devices == 0 || !def->source.devices[0].path) {
        vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR, "%s", "missing source device");
        return NULL;
    }
    return def->source.devices[0].path;
}

const char *
vstor_disk_format(const VstorPoolDef *def)
{
    const char *name =
        vstor_enum_to_string(vstor_pool_caps(VSTOR_POOL_DISK)->source_formats, def->source.format);

    return !name || g_str_equal(name, "unknown") ? "dos" : name;
}

gboolean
vstor_disk_is_devmapper(const char *path)
{
    g_autofree char *dm = NULL;
    struct stat st;

    if (stat(path, &st) < 0 || !S_ISBLK(st.st_mode))
        return FALSE;
    dm = g_strdup_printf("/sys/dev/block/%u:%u/dm", major(st.st_rdev), minor(st.st_rdev));
    return g_file_test(dm, G_FILE_TEST_IS_DIR);
}

char *
vstor_disk_name_base(const char *device, GError **err)
{
    char *resolved;

    if (vstor_disk_is_devmapper(device))
        return g_strdup(device);
    /* realpath's malloc'd buffer is fine for g_free: GLib allocates with the system malloc. */
    if (!(resolved = realpath(device, NULL)))
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot resolve device '%s'",
                              device);
    return resolved;
}

VstorDiskLayout *
vstor_disk_read_layout(VstorBackendEnv *env, const char *device, GError **err)
{
    g_autoptr(VstorCommand) cmd = vstor_disk_print_cmd(device);
    g_autofree char *out = NULL;
    g_autofree char *errtext = NULL;
    int status = 0;

    if (vstor_runner_run(env->runner, cmd, &status, &out, &errtext, err) < 0)
        return NULL;
    if (status != 0) {
        vstor_error_set(err, VSTOR_ERR_OPERATION_FAILED,
                        "cannot read the partition table of '%s': %s", device,
                        errtext && *errtext ? g_strstrip(errtext) : "parted failed");
        return NULL;
    }
    return vstor_disk_layout_parse(out, err);
}

void
vstor_disk_sync_kernel(VstorBackendEnv *env, const char *device)
{
    g_autoptr(VstorCommand) cmd = NULL;
    g_autoptr(GError) err = NULL;
    int status = 0;

    /* Device-mapper partitions are made by kpartx/multipathd, not by the kernel's table. */
    if (vstor_disk_is_devmapper(device))
        return;
    cmd = vstor_command_new("partx");
    vstor_command_add_args(cmd, "--update", device, NULL);
    /* partx also exits 1 on an empty table; what counts is the node check that follows. */
    if (vstor_runner_run(env->runner, cmd, &status, NULL, NULL, &err) < 0 || status != 0)
        g_debug("partx --update %s: %s", device, err ? err->message : "non-zero exit");
}

/* libvirt's decision on what @device carries for a pool wanting label @format: blkid first,
 * parted when blkid cannot tell. With @for_build, refuses anything already there. */
static int
check_label(VstorBackendEnv *env, const char *device, const char *format, gboolean for_build,
            GError **err)
{
    g_autoptr(VstorDeviceContent) found = vstor_device_probe(device, err);
    g_autoptr(VstorCommand) cmd = NULL;
    g_autofree char *out = NULL;
    g_autofree char *errtext = NULL;
    VstorProbeVerdict verdict;
    int status = 0;

    if (!found)
        return -1;
    verdict = vstor_device_content_check(found, device, format, for_build, err);
    if (verdict != VSTOR_PROBE_UNDECIDED)
        return verdict == VSTOR_PROBE_OK ? 0 : -1;
    cmd = vstor_disk_print_cmd(device);
    if (vstor_runner_run(env->runner, cmd, &status, &out, &errtext, err) < 0)
        return -1;
    return vstor_disk_label_check(status, out, errtext, format, for_build, err);
}

static int
check_exists(const char *device, GError **err)
{
    if (!g_file_test(device, G_FILE_TEST_EXISTS)) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG, "device path '%s' doesn't exist", device);
        return -1;
    }
    return 0;
}

static void
set_dos_if_unknown(VstorPoolDef *def)
{
    const char *const *formats = vstor_pool_caps(VSTOR_POOL_DISK)->source_formats;

    /* libvirt records the label it assumes, so the live XML says what the disk carries. */
    if (g_strcmp0(vstor_enum_to_string(formats, def->source.format), "unknown") == 0)
        def->source.format = vstor_enum_from_string(formats, "dos");
}

static int
disk_check(VstorBackendEnv *env, VstorPoolDef *def, gboolean *ret_active, GError **err)
{
    const char *device = vstor_disk_source(def, err);

    if (!device)
        return -1;
    if (!g_file_test(device, G_FILE_TEST_EXISTS)) {
        *ret_active = FALSE;
        return 0;
    }
    set_dos_if_unknown(def);
    if (check_label(env, device, vstor_disk_format(def), FALSE, err) < 0)
        return -1;
    *ret_active = TRUE;
    return 0;
}

static int
disk_start(VstorBackendEnv *env, VstorPoolDef *def, GError **err)
{
    const char *device = vstor_disk_source(def, err);

    if (!device || check_exists(device, err) < 0)
        return -1;
    set_dos_if_unknown(def);
    return check_label(env, device, vstor_disk_format(def), FALSE, err);
}

int
vstor_disk_device_size(int fd, const char *device, unsigned long long *ret_size, GError **err)
{
    struct stat st;
    guint64 size = 0;

    if (fstat(fd, &st) < 0 || (S_ISBLK(st.st_mode) && ioctl(fd, BLKGETSIZE64, &size) < 0)) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot get the size of '%s'",
                              device);
        return -1;
    }
    *ret_size = S_ISBLK(st.st_mode) ? size : (unsigned long long)st.st_size;
    return 0;
}

static int
write_zeros(int fd, const char *device, off_t offset, size_t len, GError **err)
{
    g_autofree char *zeros = g_malloc0(len);
    size_t done = 0;

    while (done < len) {
        ssize_t n = pwrite(fd, zeros + done, len - done, offset + (off_t)done);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, n < 0 ? errno : EIO,
                                  "cannot clear the partition table of '%s'", device);
            return -1;
        }
        done += (size_t)n;
    }
    return 0;
}

/* Zeroes the first and last LABEL_ZERO_SIZE bytes of @device (libvirt's
 * virStorageBackendZeroPartitionTable): the primary and backup tables both go. */
static int
zero_label(const char *device, GError **err)
{
    unsigned long long size = 0;
    size_t len;
    int fd = open(device, O_WRONLY | O_CLOEXEC);
    int ret = -1;

    if (fd < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot open '%s'", device);
        return -1;
    }
    if (vstor_disk_device_size(fd, device, &size, err) < 0)
        goto out;
    len = (size_t)MIN(size, (unsigned long long)LABEL_ZERO_SIZE);
    if (write_zeros(fd, device, 0, len, err) < 0 ||
        write_zeros(fd, device, (off_t)(size - len), len, err) < 0)
        goto out;
    if (fsync(fd) < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot sync '%s'", device);
        goto out;
    }
    ret = 0;
out:
    close(fd);
    return ret;
}

static int
disk_build(VstorBackendEnv *env, VstorPoolDef *def, unsigned int flags, VstorJob *job, GError **err)
{
    const unsigned int allowed = VSTOR_POOL_BUILD_OVERWRITE | VSTOR_POOL_BUILD_NO_OVERWRITE;
    const char *device = vstor_disk_source(def, err);
    g_autoptr(VstorCommand) cmd = NULL;

    if (!device)
        return -1;
    if (flags & ~allowed) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG, "unsupported flags (0x%x) in function %s",
                        flags & ~allowed, __func__);
        return -1;
    }
    if ((flags & VSTOR_POOL_BUILD_OVERWRITE) && (flags & VSTOR_POOL_BUILD_NO_OVERWRITE)) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG,
                        "Flags 'VIR_STORAGE_POOL_BUILD_OVERWRITE' and "
                        "'VIR_STORAGE_POOL_BUILD_NO_OVERWRITE' are mutually exclusive");
        return -1;
    }
    if (check_exists(device, err) < 0)
        return -1;
    set_dos_if_unknown(def);
    /* Build the command first: an impossible label (lvm2) must fail before anything is erased. */
    if (!(cmd = vstor_disk_mklabel_cmd(device, vstor_disk_format(def), err)))
        return -1;
    if (!(flags & VSTOR_POOL_BUILD_OVERWRITE) &&
        check_label(env, device, vstor_disk_format(def), TRUE, err) < 0)
        return -1;
    if (zero_label(device, err) < 0 ||
        vstor_runner_run(env->runner, cmd, NULL, NULL, NULL, err) < 0)
        return -1;
    /* Partitions of the old table must not linger as device nodes. */
    vstor_disk_sync_kernel(env, device);
    return 0;
}

static int
disk_delete(VstorBackendEnv *env, VstorPoolDef *def, unsigned int flags, GError **err)
{
    const char *device = vstor_disk_source(def, err);

    if (!device)
        return -1;
    if (flags) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG, "unsupported flags (0x%x) in function %s",
                        flags, __func__);
        return -1;
    }
    if (check_exists(device, err) < 0 || zero_label(device, err) < 0)
        return -1;
    vstor_disk_sync_kernel(env, device);
    return 0;
}

/* Sets the pool's sizes and free extents from @layout, as libvirt's refresh does: capacity
 * the furthest end, allocation what the partitions (not the extended container) take,
 * available the free extents together. */
static void
apply_layout(VstorPoolDef *def, const VstorDiskLayout *layout)
{
    VstorPoolDevice *dev = &def->source.devices[0];
    unsigned long long allocation = 0;

    vstor_disk_layout_totals(layout, &def->capacity, &def->available);
    for (guint i = 0; i < layout->n_parts; i++)
        if (layout->parts[i].kind != VSTOR_DISK_PART_EXTENDED)
            allocation += layout->parts[i].end - layout->parts[i].start;
    def->allocation = allocation;

    g_free(dev->free_extents);
    dev->n_free_extents = layout->n_free_extents;
    dev->free_extents = g_new0(VstorPoolExtent, layout->n_free_extents);
    for (guint i = 0; i < layout->n_free_extents; i++) {
        dev->free_extents[i].start = layout->free_extents[i].start;
        dev->free_extents[i].end = layout->free_extents[i].end;
    }
}

/* The layout of an existing, labelled pool device. */
static VstorDiskLayout *
read_pool_layout(VstorBackendEnv *env, VstorPoolDef *def, GError **err)
{
    const char *device = vstor_disk_source(def, err);

    if (!device || check_exists(device, err) < 0)
        return NULL;
    return vstor_disk_read_layout(env, device, err);
}

static int
disk_refresh_sizes(VstorBackendEnv *env, VstorPoolDef *def, GError **err)
{
    g_autoptr(VstorDiskLayout) layout = read_pool_layout(env, def, err);

    if (!layout)
        return -1;
    apply_layout(def, layout);
    return 0;
}

static int
disk_refresh(VstorBackendEnv *env, VstorPoolDef *def, GPtrArray **ret_vols, GError **err)
{
    g_autoptr(VstorDiskLayout) layout = read_pool_layout(env, def, err);
    g_autoptr(GPtrArray) vols = g_ptr_array_new_with_free_func((GDestroyNotify)vstor_vol_def_free);
    g_autoptr(GHashTable) formats = NULL;

    if (!layout)
        return -1;
    /* A device attached without partition scanning (losetup without -P), or a table written
     * behind the kernel's back: have the kernel read it before looking for the nodes. */
    if (!vstor_disk_nodes_present(def, layout))
        vstor_disk_sync_kernel(env, def->source.devices[0].path);
    formats = vstor_disk_part_formats(def->source.devices[0].path);
    for (guint i = 0; i < layout->n_parts; i++) {
        g_autoptr(VstorVolDef) vol = vstor_vol_def_new();
        gpointer found = NULL;
        int format = VSTOR_PART_NONE;

        if (g_hash_table_lookup_extended(formats, GINT_TO_POINTER(layout->parts[i].number), NULL,
                                         &found))
            format = GPOINTER_TO_INT(found);
        vol->target.format = format;
        if (vstor_disk_fill_vol(def, layout, &layout->parts[i], vol, err) < 0)
            return -1;
        g_ptr_array_add(vols, g_steal_pointer(&vol));
    }
    apply_layout(def, layout);
    *ret_vols = g_steal_pointer(&vols);
    return 0;
}

/* ---- partition types as the table records them ---- */

static const struct {
    const char *guid;
    VstorPartFormat format;
} gpt_types[] = {
    {"0fc63daf-8483-4772-8e79-3d69d8477de4", VSTOR_PART_LINUX},
    {"0657fd6d-a4ab-43c4-84e5-0933c84b4f4f", VSTOR_PART_LINUX_SWAP},
    {"e6d6d379-f507-44c2-a23c-238f2a3df928", VSTOR_PART_LINUX_LVM},
    {"a19d880f-05fc-4d3b-a006-743f0f84911e", VSTOR_PART_LINUX_RAID},
};

/* The dos partition ids parted writes for each of libvirt's partition types (and the usual
 * synonyms: FAT with or without LBA, the Linux and Windows extended ids). */
static int
dos_type_to_format(int id)
{
    switch (id) {
    case 0x83: return VSTOR_PART_LINUX;
    case 0x82: return VSTOR_PART_LINUX_SWAP;
    case 0x8e: return VSTOR_PART_LINUX_LVM;
    case 0xfd: return VSTOR_PART_LINUX_RAID;
    case 0x04:
    case 0x06:
    case 0x0e: return VSTOR_PART_FAT16;
    case 0x0b:
    case 0x0c: return VSTOR_PART_FAT32;
    case 0x05:
    case 0x0f:
    case 0x85: return VSTOR_PART_EXTENDED;
    default: return VSTOR_PART_NONE;
    }
}

GHashTable *
vstor_disk_part_formats(const char *device)
{
    GHashTable *formats = g_hash_table_new(g_direct_hash, g_direct_equal);
    blkid_probe probe = NULL;
    blkid_partlist list;
    int fd = open(device, O_RDONLY | O_CLOEXEC);
    int n;

    /* Only a name for the volume's format rides on this: any failure just leaves it "none". */
    if (fd < 0)
        return formats;
    if (!(probe = blkid_new_probe()) || blkid_probe_set_device(probe, fd, 0, 0) < 0 ||
        blkid_probe_enable_superblocks(probe, 0) < 0 ||
        blkid_probe_enable_partitions(probe, 1) < 0 || !(list = blkid_probe_get_partitions(probe)))
        goto out;
    n = blkid_partlist_numof_partitions(list);
    for (int i = 0; i < n; i++) {
        blkid_partition part = blkid_partlist_get_partition(list, i);
        const char *guid = blkid_partition_get_type_string(part);
        int format = VSTOR_PART_NONE;

        if (guid) {
            for (guint j = 0; j < G_N_ELEMENTS(gpt_types); j++)
                if (g_ascii_strcasecmp(guid, gpt_types[j].guid) == 0)
                    format = gpt_types[j].format;
        } else {
            format = dos_type_to_format(blkid_partition_get_type(part));
        }
        g_hash_table_insert(formats, GINT_TO_POINTER(blkid_partition_get_partno(part)),
                            GINT_TO_POINTER(format));
    }
out:
    blkid_free_probe(probe);
    close(fd);
    return formats;
}

/* ---- find-storage-pool-sources ---- */

/* A device is a disk pool source when blkid finds a partition table a disk pool knows. */
static gboolean
disk_source_match(const VstorDeviceContent *found, int *ret_format)
{
    const char *const *formats = vstor_pool_caps(VSTOR_POOL_DISK)->source_formats;
    /* blkid calls the SGI volume header "sgi"; disk pools call it "dvh". */
    const char *label = g_strcmp0(found->pt_type, "sgi") == 0 ? "dvh" : found->pt_type;
    int format = label ? vstor_enum_from_string(formats, label) : -1;

    if (format <= 0)
        return FALSE;
    *ret_format = format;
    return TRUE;
}

static char *
disk_find_sources(VstorBackendEnv *env, const char *spec, unsigned int flags, GError **err)
{
    return vstor_block_find_sources(VSTOR_POOL_DISK, spec, flags, disk_source_match, err);
}

const VstorBackend vstor_backend_disk = {
    .type = VSTOR_POOL_DISK,
    .refresh_after_vol_delete = TRUE,
    .find_sources = disk_find_sources,
    .check = disk_check,
    .build = disk_build,
    .start = disk_start,
    .refresh = disk_refresh,
    .refresh_sizes = disk_refresh_sizes,
    .delete_pool = disk_delete,
    .create_vol = vstor_disk_vol_create,
    .build_vol_from = vstor_disk_vol_build_from,
    .refresh_vol = vstor_disk_vol_refresh,
    .delete_vol = vstor_disk_vol_delete,
    .wipe_vol = vstor_disk_vol_wipe,
    .open_vol = vstor_disk_vol_open,
};
