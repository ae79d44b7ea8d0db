/* pool_caps.c: the capability table itself. Validation, pool-capabilities output and the
 * driver's "does this type support X" all read from here instead of switching on types. */
#include "conf/pool_caps.h"

#include <string.h>

const char *const vstor_vol_format_names[] = {
    "none", "raw", "dir",   "bochs", "cloop", "dmg",   "iso", "vpc",  "vdi",
    "fat",  "vhd", "ploop", "cow",   "qcow",  "qcow2", "qed", "vmdk", NULL,
};
G_STATIC_ASSERT(G_N_ELEMENTS(vstor_vol_format_names) == VSTOR_VOL_FORMAT_LAST + 1);

const char *const vstor_part_format_names[] = {
    "none", "linux", "fat16", "fat32", "linux-swap", "linux-lvm", "linux-raid", "extended", NULL,
};
G_STATIC_ASSERT(G_N_ELEMENTS(vstor_part_format_names) == VSTOR_PART_LAST + 1);

static const char *const fs_formats[] = {
    "auto", "ext2", "ext3", "ext4", "ufs",   "iso9660", "udf", "gfs",
    "gfs2", "vfat", "hfs+", "xfs",  "ocfs2", "vmfs",    NULL,
};
static const char *const netfs_formats[] = {"auto", "nfs", "glusterfs", "cifs", NULL};
static const char *const disk_formats[] = {
    "unknown", "dos", "dvh", "gpt", "mac", "bsd", "pc98", "sun", "lvm2", NULL,
};
static const char *const logical_formats[] = {"unknown", "lvm2", NULL};

#define FILE_VOL_OPS                                                                               \
    (VSTOR_OP_VOL_CREATE | VSTOR_OP_VOL_BUILD_FROM | VSTOR_OP_VOL_DELETE | VSTOR_OP_VOL_RESIZE |   \
     VSTOR_OP_VOL_WIPE | VSTOR_OP_VOL_UPLOAD | VSTOR_OP_VOL_DOWNLOAD)

static const VstorPoolCaps pool_caps[VSTOR_POOL_TYPE_LAST] = {
    [VSTOR_POOL_DIR] =
        {
            .type = VSTOR_POOL_DIR,
            .name = "dir",
            .supported = TRUE,
            .rules = VSTOR_RULE_COW_FEATURE,
            .vol_formats = vstor_vol_format_names,
            .default_vol_format = VSTOR_VOL_FORMAT_RAW,
            .ops = VSTOR_OP_POOL_BUILD | VSTOR_OP_POOL_DELETE | FILE_VOL_OPS,
        },
    [VSTOR_POOL_FS] =
        {
            .type = VSTOR_POOL_FS,
            .name = "fs",
            .supported = TRUE,
            .source_flags = VSTOR_SOURCE_DEVICE,
            .source_formats = fs_formats,
            .default_source_format = 0,
            .vol_formats = vstor_vol_format_names,
            .default_vol_format = VSTOR_VOL_FORMAT_RAW,
            .ns_prefix = "fs",
            .ns_href = "http://libvirt.org/schemas/storagepool/fs/1.0",
            .rules = VSTOR_RULE_COW_FEATURE,
            .ops = VSTOR_OP_POOL_BUILD | VSTOR_OP_POOL_START | VSTOR_OP_POOL_STOP |
                   VSTOR_OP_POOL_DELETE | VSTOR_OP_POOL_FIND_SOURCES | FILE_VOL_OPS,
        },
    [VSTOR_POOL_NETFS] =
        {
            .type = VSTOR_POOL_NETFS,
            .name = "netfs",
            .supported = TRUE,
            .source_flags = VSTOR_SOURCE_HOST | VSTOR_SOURCE_DIR,
            .source_formats = netfs_formats,
            .default_source_format = 0,
            .vol_formats = vstor_vol_format_names,
            .default_vol_format = VSTOR_VOL_FORMAT_RAW,
            .ns_prefix = "fs",
            .ns_href = "http://libvirt.org/schemas/storagepool/fs/1.0",
            .ops = VSTOR_OP_POOL_BUILD | VSTOR_OP_POOL_START | VSTOR_OP_POOL_STOP |
                   VSTOR_OP_POOL_DELETE | VSTOR_OP_POOL_FIND_SOURCES | FILE_VOL_OPS,
        },
    [VSTOR_POOL_LOGICAL] =
        {
            .type = VSTOR_POOL_LOGICAL,
            .name = "logical",
            .supported = FALSE, /* no backend yet */
            .source_flags = VSTOR_SOURCE_NAME | VSTOR_SOURCE_DEVICE,
            .source_formats = logical_formats,
            .default_source_format = 1,
            .target_prefix = "/dev/",
            .ops = VSTOR_OP_POOL_BUILD | VSTOR_OP_POOL_START | VSTOR_OP_POOL_STOP |
                   VSTOR_OP_POOL_DELETE | VSTOR_OP_POOL_FIND_SOURCES | VSTOR_OP_VOL_CREATE |
                   VSTOR_OP_VOL_BUILD_FROM | VSTOR_OP_VOL_DELETE | VSTOR_OP_VOL_WIPE |
                   VSTOR_OP_VOL_UPLOAD | VSTOR_OP_VOL_DOWNLOAD,
        },
    [VSTOR_POOL_DISK] =
        {
            .type = VSTOR_POOL_DISK,
            .name = "disk",
            .supported = TRUE,
            .source_flags = VSTOR_SOURCE_DEVICE,
            .source_formats = disk_formats,
            .default_source_format = 0,
            .vol_formats = vstor_part_format_names,
            .default_vol_format = VSTOR_PART_NONE,
            .ops = VSTOR_OP_POOL_BUILD | VSTOR_OP_POOL_START | VSTOR_OP_POOL_DELETE |
                   VSTOR_OP_VOL_CREATE | VSTOR_OP_VOL_BUILD_FROM | VSTOR_OP_VOL_DELETE |
                   VSTOR_OP_VOL_WIPE | VSTOR_OP_VOL_UPLOAD | VSTOR_OP_VOL_DOWNLOAD,
        },
    [VSTOR_POOL_ISCSI] =
        {
            .type = VSTOR_POOL_ISCSI,
            .name = "iscsi",
            .supported = FALSE, /* no backend yet */
            .source_flags = VSTOR_SOURCE_HOST | VSTOR_SOURCE_DEVICE | VSTOR_SOURCE_INITIATOR_IQN,
            .ops = VSTOR_OP_POOL_START | VSTOR_OP_POOL_STOP | VSTOR_OP_POOL_FIND_SOURCES |
                   VSTOR_OP_VOL_WIPE | VSTOR_OP_VOL_UPLOAD | VSTOR_OP_VOL_DOWNLOAD,
        },
    [VSTOR_POOL_ISCSI_DIRECT] =
        {
            .type = VSTOR_POOL_ISCSI_DIRECT,
            .name = "iscsi-direct",
            .supported = FALSE, /* no backend yet */
            .source_flags = VSTOR_SOURCE_HOST | VSTOR_SOURCE_DEVICE | VSTOR_SOURCE_NETWORK |
                            VSTOR_SOURCE_INITIATOR_IQN,
            .rules = VSTOR_RULE_INITIATOR_REQUIRED,
            .ops = VSTOR_OP_POOL_FIND_SOURCES | VSTOR_OP_VOL_WIPE,
        },
    [VSTOR_POOL_SCSI] =
        {
            .type = VSTOR_POOL_SCSI,
            .name = "scsi",
            .supported = FALSE, /* no backend yet */
            .source_flags = VSTOR_SOURCE_ADAPTER,
            .ops = VSTOR_OP_POOL_START | VSTOR_OP_POOL_STOP | VSTOR_OP_VOL_WIPE |
                   VSTOR_OP_VOL_UPLOAD | VSTOR_OP_VOL_DOWNLOAD,
        },
    [VSTOR_POOL_MPATH] =
        {
            .type = VSTOR_POOL_MPATH,
            .name = "mpath",
            .supported = FALSE, /* no backend yet */
            .ops = VSTOR_OP_VOL_WIPE | VSTOR_OP_VOL_UPLOAD | VSTOR_OP_VOL_DOWNLOAD,
        },
    [VSTOR_POOL_RBD] =
        {
            .type = VSTOR_POOL_RBD,
            .name = "rbd",
            .supported = FALSE, /* no backend yet */
            .source_flags = VSTOR_SOURCE_HOST | VSTOR_SOURCE_NETWORK | VSTOR_SOURCE_NAME,
            .vol_formats = vstor_vol_format_names,
            .default_vol_format = VSTOR_VOL_FORMAT_RAW,
            .caps_without_vol_formats = TRUE,
            .ns_prefix = "rbd",
            .ns_href = "http://libvirt.org/schemas/storagepool/rbd/1.0",
            .rules = VSTOR_RULE_SOURCE_NAME_REQUIRED,
            .ops = VSTOR_OP_VOL_CREATE | VSTOR_OP_VOL_BUILD_FROM | VSTOR_OP_VOL_DELETE |
                   VSTOR_OP_VOL_RESIZE | VSTOR_OP_VOL_WIPE,
        },
    [VSTOR_POOL_SHEEPDOG] =
        {
            .type = VSTOR_POOL_SHEEPDOG,
            .name = "sheepdog",
            .supported = FALSE,
            .source_flags = VSTOR_SOURCE_HOST | VSTOR_SOURCE_NETWORK | VSTOR_SOURCE_NAME,
        },
    [VSTOR_POOL_GLUSTER] =
        {
            .type = VSTOR_POOL_GLUSTER,
            .name = "gluster",
            .supported = FALSE, /* no backend yet */
            .source_flags =
                VSTOR_SOURCE_HOST | VSTOR_SOURCE_NETWORK | VSTOR_SOURCE_NAME | VSTOR_SOURCE_DIR,
            .rules = VSTOR_RULE_SOURCE_DIR_ROOT,
            .vol_formats = vstor_vol_format_names,
            .default_vol_format = VSTOR_VOL_FORMAT_RAW,
            .ops = VSTOR_OP_POOL_FIND_SOURCES | VSTOR_OP_VOL_DELETE,
        },
    [VSTOR_POOL_ZFS] =
        {
            .type = VSTOR_POOL_ZFS,
            .name = "zfs",
            .supported = FALSE, /* no backend yet */
            .source_flags = VSTOR_SOURCE_NAME | VSTOR_SOURCE_DEVICE,
            .target_prefix = "/dev/zvol/",
            .ops = VSTOR_OP_POOL_BUILD | VSTOR_OP_POOL_DELETE | VSTOR_OP_VOL_CREATE |
                   VSTOR_OP_VOL_DELETE | VSTOR_OP_VOL_UPLOAD | VSTOR_OP_VOL_DOWNLOAD,
        },
    [VSTOR_POOL_VSTORAGE] =
        {
            .type = VSTOR_POOL_VSTORAGE,
            .name = "vstorage",
            .supported = FALSE, /* no backend yet */
            .source_flags = VSTOR_SOURCE_NAME,
            .vol_formats = vstor_vol_format_names,
            .default_vol_format = VSTOR_VOL_FORMAT_RAW,
            .ops = VSTOR_OP_POOL_BUILD | VSTOR_OP_POOL_START | VSTOR_OP_POOL_STOP |
                   VSTOR_OP_POOL_DELETE | FILE_VOL_OPS,
        },
};

const VstorPoolCaps *
vstor_pool_caps(VstorPoolType type)
{
    if ((int)type < 0 || type >= VSTOR_POOL_TYPE_LAST)
        return NULL;
    return &pool_caps[type];
}

int
vstor_pool_type_from_string(const char *name)
{
    if (!name)
        return -1;
    for (int i = 0; i < VSTOR_POOL_TYPE_LAST; i++)
        if (strcmp(pool_caps[i].name, name) == 0)
            return i;
    return -1;
}

const char *
vstor_pool_type_to_string(VstorPoolType type)
{
    const VstorPoolCaps *caps = vstor_pool_caps(type);

    return caps ? caps->name : NULL;
}

int
vstor_enum_from_string(const char *const *table, const char *name)
{
    if (!table || !name)
        return -1;
    for (int i = 0; table[i]; i++)
        if (strcmp(table[i], name) == 0)
            return i;
    return -1;
}

const char *
vstor_enum_to_string(const char *const *table, int value)
{
    if (!table || value < 0)
        return NULL;
    for (int i = 0; table[i]; i++)
        if (i == value)
            return table[i];
    return NULL;
}

const char *const *
vstor_pool_caps_vol_formats(VstorPoolType type)
{
    const VstorPoolCaps *caps = vstor_pool_caps(type);

    return caps ? caps->vol_formats : NULL;
}

static void
caps_format_enum(GString *out, const char *section, const char *enum_name, const char *const *names,
                 int def, gboolean list_values)
{
    g_string_append_printf(out, "    <%s>\n      <defaultFormat type='%s'/>\n", section,
                           names[def]);
    g_string_append_printf(out, "      <enum name='%s'>\n", enum_name);
    for (int i = 0; list_values && names[i]; i++)
        g_string_append_printf(out, "        <value>%s</value>\n", names[i]);
    g_string_append_printf(out, "      </enum>\n    </%s>\n", section);
}

char *
vstor_pool_caps_format(void)
{
    GString *out = g_string_new("<storagepoolCapabilities>\n");

    for (int t = 0; t < VSTOR_POOL_TYPE_LAST; t++) {
        const VstorPoolCaps *caps = vstor_pool_caps(t);
        const char *const *vol = vstor_pool_caps_vol_formats(t);

        g_string_append_printf(out, "  <pool type='%s' supported='%s'>\n", caps->name,
                               caps->supported ? "yes" : "no");
        if (caps->source_formats)
            caps_format_enum(out, "poolOptions", "sourceFormatType", caps->source_formats,
                             caps->default_source_format, TRUE);
        if (vol)
            caps_format_enum(out, "volOptions", "targetFormatType", vol, caps->default_vol_format,
                             !caps->caps_without_vol_formats);
        g_string_append(out, "  </pool>\n");
    }
    g_string_append(out, "</storagepoolCapabilities>\n");
    return g_string_free(out, FALSE);
}
