/* fs_cmd.c: mount/umount/mkfs argv builders for fs and netfs pools (facts from libvirt 9.0.0),
 * the /proc/self/mounts parser, and libblkid probing with libvirt's overwrite decision. */
#include "backends/fs_cmd.h"

#include <blkid.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "util/error.h"

static const char *
source_format_name(const VstorPoolDef *def)
{
    const VstorPoolCaps *caps = vstor_pool_caps(def->type);

    if (!caps || !caps->source_formats)
        return NULL;
    return vstor_enum_to_string(caps->source_formats, def->source.format);
}

int
vstor_fs_pool_check_source(const VstorPoolDef *def, GError **err)
{
    g_return_val_if_fail(def, -1);
    if (def->type == VSTOR_POOL_NETFS) {
        if (def->source.n_hosts != 1) {
            vstor_error_set(err, VSTOR_ERR_CONFIG_UNSUPPORTED,
                            "expected exactly 1 host for the storage pool");
            return -1;
        }
        if (!def->source.hosts[0].name) {
            vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR, "missing source host");
            return -1;
        }
        if (!def->source.dir) {
            vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR, "missing source path");
            return -1;
        }
        return 0;
    }
    if (def->type == VSTOR_POOL_FS) {
        if (def->source.n_devices == 0) {
            vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR, "missing source device");
            return -1;
        }
        if (def->source.n_devices != 1) {
            vstor_error_set(err, VSTOR_ERR_CONFIG_UNSUPPORTED,
                            "expected exactly 1 device for the storage pool");
            return -1;
        }
        return 0;
    }
    vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR,
                    "storage pool '%s' of type '%s' has no mount command: only fs and netfs "
                    "pools are mounted",
                    def->name, vstor_pool_type_to_string(def->type));
    return -1;
}

char *
vstor_fs_pool_mount_source(const VstorPoolDef *def, GError **err)
{
    const char *fmt;

    if (vstor_fs_pool_check_source(def, err) < 0)
        return NULL;
    if (def->type == VSTOR_POOL_FS)
        return g_strdup(def->source.devices[0].path);
    fmt = source_format_name(def);
    if (g_strcmp0(fmt, "cifs") == 0)
        return g_strdup_printf("//%s/%s", def->source.hosts[0].name, def->source.dir);
    return g_strdup_printf("%s:%s", def->source.hosts[0].name, def->source.dir);
}

static const char *fs_mount_type(const char *format);

/* mount and mkfs take options anywhere on the line: a path starting with '-' would be one. */
static int
check_not_option(const char *what, const char *value, GError **err)
{
    if (value && value[0] == '-') {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG, "%s '%s' must not start with '-'", what, value);
        return -1;
    }
    return 0;
}

VstorCommand *
vstor_fs_mount_cmd(const VstorPoolDef *def, GError **err)
{
    g_autoptr(VstorCommand) cmd = NULL;
    g_autofree char *src = NULL;
    g_autoptr(GString) opts = g_string_new(VSTOR_FS_DEFAULT_MOUNT_OPTS);
    const char *fmt;
    gboolean netfs;

    if (!(src = vstor_fs_pool_mount_source(def, err)))
        return NULL;
    if (!def->target_path) {
        vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR, "missing target path of pool '%s'",
                        def->name);
        return NULL;
    }
    if (check_not_option("source", src, err) < 0 ||
        check_not_option("target path", def->target_path, err) < 0)
        return NULL;

    netfs = def->type == VSTOR_POOL_NETFS;
    fmt = source_format_name(def);
    g_return_val_if_fail(fmt, NULL);

    /* Each netfs format brings its own option; the protocol version only means something to
     * nfs, and the parser refuses it for the others. */
    if (netfs && g_str_equal(fmt, "glusterfs"))
        g_string_append(opts, ",direct-io-mode=1");
    else if (netfs && g_str_equal(fmt, "cifs"))
        g_string_append(opts, ",guest");
    else if (netfs && def->source.protocol_ver)
        g_string_append_printf(opts, ",nfsvers=%s", def->source.protocol_ver);
    for (guint i = 0; i < def->n_ns_options; i++)
        g_string_append_printf(opts, ",%s", def->ns_options[i].name);
    if (def->n_ns_options)
        g_debug("pool '%s' is tainted by custom mount_opts from XML", def->name);

    cmd = vstor_command_new("mount");
    vstor_command_add_args(cmd, "-o", opts->str, NULL);
    /* "mount -t auto" does not find nfs or cifs, plain mount does. */
    if (!(netfs && g_str_equal(fmt, "auto")))
        vstor_command_add_args(cmd, "-t", netfs ? fmt : fs_mount_type(fmt), NULL);
    vstor_command_add_args(cmd, src, def->target_path, NULL);
    return g_steal_pointer(&cmd);
}

VstorCommand *
vstor_fs_umount_cmd(const VstorPoolDef *def, GError **err)
{
    VstorCommand *cmd;

    g_return_val_if_fail(def, NULL);
    if (!def->target_path) {
        vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR, "missing target path of pool '%s'",
                        def->name);
        return NULL;
    }
    if (check_not_option("target path", def->target_path, err) < 0)
        return NULL;
    cmd = vstor_command_new("umount");
    vstor_command_add_arg(cmd, def->target_path);
    return cmd;
}

typedef struct {
    const char *format; /* fs pool format name */
    const char *mount_type; /* what "mount -t" takes */
    const char *mkfs_type; /* what "mkfs -t" takes, NULL: cannot be built */
    const char *force; /* flag to write over an existing signature, or NULL */
    const char *blkid_type; /* blkid's TYPE for it */
} FsFormatInfo;

/* Only mkfs.TYPE programs that Linux distributions ship. Linux calls hfs+ "hfsplus" (kernel
 * type, mkfs.hfsplus, blkid): "-t hfs+" would never mount. */
static const FsFormatInfo fs_formats[] = {
    {"auto", "auto", NULL, NULL, NULL},
    {"ext2", "ext2", "ext2", "-F", "ext2"},
    {"ext3", "ext3", "ext3", "-F", "ext3"},
    {"ext4", "ext4", "ext4", "-F", "ext4"},
    {"ufs", "ufs", NULL, NULL, "ufs"},
    {"iso9660", "iso9660", NULL, NULL, "iso9660"},
    {"udf", "udf", "udf", NULL, "udf"},
    {"gfs", "gfs", NULL, NULL, "gfs"},
    {"gfs2", "gfs2", "gfs2", NULL, "gfs2"},
    {"vfat", "vfat", "vfat", "-I", "vfat"},
    {"hfs+", "hfsplus", "hfsplus", NULL, "hfsplus"},
    {"xfs", "xfs", "xfs", "-f", "xfs"},
    {"ocfs2", "ocfs2", "ocfs2", NULL, "ocfs2"},
    {"vmfs", "vmfs", NULL, NULL, "VMFS"},
};

static const FsFormatInfo *
fs_format_info(const char *format)
{
    for (guint i = 0; format && i < G_N_ELEMENTS(fs_formats); i++)
        if (g_str_equal(fs_formats[i].format, format))
            return &fs_formats[i];
    return NULL;
}

static const char *
fs_mount_type(const char *format)
{
    const FsFormatInfo *info = fs_format_info(format);

    return info ? info->mount_type : format;
}

gboolean
vstor_fs_format_buildable(const char *format)
{
    const FsFormatInfo *info = fs_format_info(format);

    return info && info->mkfs_type;
}

VstorCommand *
vstor_fs_mkfs_cmd(const VstorPoolDef *def, GError **err)
{
    const FsFormatInfo *info;
    const char *device;
    VstorCommand *cmd;

    g_return_val_if_fail(def, NULL);
    if (def->type != VSTOR_POOL_FS || def->source.n_devices == 0) {
        vstor_error_set(err, VSTOR_ERR_OPERATION_INVALID,
                        "No source device specified when formatting pool '%s'", def->name);
        return NULL;
    }
    /* libvirt formats the first of several devices; mounting them would fail anyway. */
    if (vstor_fs_pool_check_source(def, err) < 0)
        return NULL;
    device = def->source.devices[0].path;
    info = fs_format_info(source_format_name(def));
    if (!info || !info->mkfs_type) {
        vstor_error_set(err, VSTOR_ERR_OPERATION_UNSUPPORTED,
                        "cannot make a filesystem of type '%s' on device '%s' of pool '%s': "
                        "there is no mkfs for it; choose a format such as ext4 or xfs",
                        source_format_name(def), device, def->name);
        return NULL;
    }
    if (check_not_option("source device", device, err) < 0)
        return NULL;
    cmd = vstor_command_new("mkfs");
    vstor_command_add_args(cmd, "-t", info->mkfs_type, NULL);
    if (info->force)
        vstor_command_add_arg(cmd, info->force);
    vstor_command_add_arg(cmd, device);
    return cmd;
}

/* ---- the mount table ---- */

void
vstor_mount_entry_free(VstorMountEntry *entry)
{
    if (!entry)
        return;
    g_free(entry->source);
    g_free(entry->target);
    g_free(entry->type);
    g_free(entry->options);
    g_free(entry);
}

/* The kernel writes space, tab, newline and backslash in mount fields as \ooo. */
static char *
unescape_mount_field(const char *field)
{
    GString *out = g_string_sized_new(strlen(field));

    for (const char *p = field; *p; p++) {
        if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
            p[3] >= '0' && p[3] <= '7') {
            g_string_append_c(out, (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0')));
            p += 3;
        } else {
            g_string_append_c(out, *p);
        }
    }
    return g_string_free(out, FALSE);
}

GPtrArray *
vstor_mounts_parse(const char *text)
{
    GPtrArray *entries = g_ptr_array_new_with_free_func((GDestroyNotify)vstor_mount_entry_free);
    g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);

    for (guint i = 0; lines[i]; i++) {
        g_auto(GStrv) fields = NULL;
        VstorMountEntry *entry;

        g_strstrip(lines[i]);
        if (!*lines[i] || lines[i][0] == '#')
            continue;
        fields = g_strsplit_set(lines[i], " \t", -1);
        /* Runs of blanks give empty fields: squeeze them out in place. */
        guint n = 0;
        for (guint j = 0; fields[j]; j++) {
            if (*fields[j])
                fields[n++] = fields[j];
            else
                g_free(fields[j]);
        }
        fields[n] = NULL;
        if (n < 4)
            continue;
        entry = g_new0(VstorMountEntry, 1);
        entry->source = unescape_mount_field(fields[0]);
        entry->target = unescape_mount_field(fields[1]);
        entry->type = unescape_mount_field(fields[2]);
        entry->options = unescape_mount_field(fields[3]);
        g_ptr_array_add(entries, entry);
    }
    return entries;
}

const VstorMountEntry *
vstor_mounts_find(GPtrArray *entries, const char *source, const char *target)
{
    g_return_val_if_fail(entries && source && target, NULL);
    for (guint i = 0; i < entries->len; i++) {
        const VstorMountEntry *entry = g_ptr_array_index(entries, i);

        if (g_str_equal(entry->source, source) && g_str_equal(entry->target, target))
            return entry;
    }
    return NULL;
}

/* ---- device content ---- */

void
vstor_device_content_free(VstorDeviceContent *content)
{
    if (!content)
        return;
    g_strfreev(content->fs_types);
    g_free(content->pt_type);
    g_free(content);
}

G_DEFINE_AUTO_CLEANUP_FREE_FUNC(blkid_probe, blkid_free_probe, NULL)

/* Runs the enabled chain to its end; every prober that matches adds its @key value once. */
static int
probe_collect(blkid_probe pr, const char *key, GPtrArray *values)
{
    int rc;

    while ((rc = blkid_do_probe(pr)) == 0) {
        const char *value = NULL;

        if (blkid_probe_lookup_value(pr, key, &value, NULL) == 0 && value &&
            !g_ptr_array_find_with_equal_func(values, value, g_str_equal, NULL))
            g_ptr_array_add(values, g_strdup(value));
    }
    return rc == 1 ? 0 : -1;
}

VstorDeviceContent *
vstor_device_probe(const char *path, GError **err)
{
    g_auto(blkid_probe) pr = NULL;
    g_autoptr(GPtrArray) fs = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) pt = g_ptr_array_new_with_free_func(g_free);
    VstorDeviceContent *content;
    int fd;

    g_return_val_if_fail(path, NULL);
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_STORAGE_PROBE_FAILED, errno,
                              "Failed to create filesystem probe for device %s", path);
        return NULL;
    }
    if (!(pr = blkid_new_probe()) || blkid_probe_set_device(pr, fd, 0, 0) < 0) {
        close(fd);
        vstor_error_set(err, VSTOR_ERR_STORAGE_PROBE_FAILED,
                        "Failed to create filesystem probe for device %s", path);
        return NULL;
    }

    /* Superblocks and partition tables are probed as separate passes so that a signature of
     * one kind never hides the other. */
    blkid_probe_enable_partitions(pr, 0);
    blkid_probe_enable_superblocks(pr, 1);
    blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE);
    if (probe_collect(pr, "TYPE", fs) < 0)
        goto failed;
    blkid_reset_probe(pr);
    blkid_probe_enable_superblocks(pr, 0);
    blkid_probe_enable_partitions(pr, 1);
    if (probe_collect(pr, "PTTYPE", pt) < 0)
        goto failed;
    close(fd);

    content = g_new0(VstorDeviceContent, 1);
    g_ptr_array_add(fs, NULL);
    content->fs_types = (char **)g_ptr_array_steal(fs, NULL);
    content->pt_type = pt->len ? g_strdup(g_ptr_array_index(pt, 0)) : NULL;
    g_debug("probed %s: %u signature(s), partition table %s", path,
            g_strv_length(content->fs_types), content->pt_type ? content->pt_type : "none");
    return content;

failed:
    close(fd);
    vstor_error_set(err, VSTOR_ERR_STORAGE_PROBE_FAILED, "Failed to probe device %s", path);
    return NULL;
}

/* The name blkid gives to what the pool calls @format. */
static const char *
blkid_name(const char *format)
{
    const FsFormatInfo *info = fs_format_info(format);

    return info && info->blkid_type ? info->blkid_type : format;
}

VstorProbeVerdict
vstor_device_content_check(const VstorDeviceContent *found, const char *device, const char *format,
                           gboolean for_build, GError **err)
{
    g_autofree char *what = NULL;
    gboolean match;

    g_return_val_if_fail(found && device && format, VSTOR_PROBE_REFUSED);
    if (g_strv_length(found->fs_types) > 1) {
        g_autofree char *list = g_strjoinv("', '", found->fs_types);

        vstor_error_set(err, VSTOR_ERR_STORAGE_PROBE_FAILED,
                        "Found additional probes to run, probing may be incorrect: device '%s' "
                        "carries several signatures ('%s')%s",
                        device, list, for_build ? ", forced overwrite is necessary" : "");
        return VSTOR_PROBE_REFUSED;
    }

    if (found->fs_types[0]) {
        match = g_str_equal(found->fs_types[0], blkid_name(format));
        what = g_strdup_printf("filesystem '%s'", found->fs_types[0]);
    } else if (g_str_equal(format, "dvh") || g_str_equal(format, "pc98") ||
               g_str_equal(format, "bsd")) {
        /* blkid reports these labels under other names (sgi, dos) or not reliably. */
        return VSTOR_PROBE_UNDECIDED;
    } else if (found->pt_type) {
        match = g_str_equal(found->pt_type, format);
        what = g_strdup_printf("partition table '%s'", found->pt_type);
    } else {
        if (for_build)
            return VSTOR_PROBE_OK;
        vstor_error_set(err, VSTOR_ERR_STORAGE_PROBE_FAILED,
                        "Device '%s' is unrecognized, requires build", device);
        return VSTOR_PROBE_REFUSED;
    }

    if (match && !for_build)
        return VSTOR_PROBE_OK;
    if (match)
        vstor_error_set(err, VSTOR_ERR_STORAGE_POOL_BUILT,
                        "Device '%s' already formatted using '%s'", device, format);
    else if (for_build)
        vstor_error_set(err, VSTOR_ERR_STORAGE_POOL_BUILT,
                        "Format of device '%s' does not match the expected format '%s', forced "
                        "overwrite is necessary (found %s)",
                        device, format, what);
    else
        vstor_error_set(err, VSTOR_ERR_OPERATION_INVALID,
                        "Format of device '%s' does not match the expected format '%s' (found %s)",
                        device, format, what);
    return VSTOR_PROBE_REFUSED;
}
