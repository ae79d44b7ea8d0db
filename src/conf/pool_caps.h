/* pool_caps.h: the one per-pool-type table — which <source> elements a type takes, its
 * source and volume format names and defaults, and which pool/volume operations exist. */
#pragma once

#include <glib.h>

/* Ordered as libvirt's virStoragePoolType, so numbers match where they travel. */
typedef enum {
    VSTOR_POOL_DIR,
    VSTOR_POOL_FS,
    VSTOR_POOL_NETFS,
    VSTOR_POOL_LOGICAL,
    VSTOR_POOL_DISK,
    VSTOR_POOL_ISCSI,
    VSTOR_POOL_ISCSI_DIRECT,
    VSTOR_POOL_SCSI,
    VSTOR_POOL_MPATH,
    VSTOR_POOL_RBD,
    VSTOR_POOL_SHEEPDOG,
    VSTOR_POOL_GLUSTER,
    VSTOR_POOL_ZFS,
    VSTOR_POOL_VSTORAGE,
    VSTOR_POOL_TYPE_LAST
} VstorPoolType;

/* <source> children a type accepts (libvirt's pool option flags). */
typedef enum {
    VSTOR_SOURCE_HOST = 1 << 0,
    VSTOR_SOURCE_DEVICE = 1 << 1,
    VSTOR_SOURCE_DIR = 1 << 2,
    VSTOR_SOURCE_ADAPTER = 1 << 3,
    VSTOR_SOURCE_NAME = 1 << 4,
    VSTOR_SOURCE_INITIATOR_IQN = 1 << 5,
    VSTOR_SOURCE_NETWORK = 1 << 6,
} VstorSourceFlags;

/* Parse rules libvirt applies to single types, beyond what source_flags says. */
typedef enum {
    VSTOR_RULE_SOURCE_NAME_REQUIRED = 1 << 0, /* <source> must carry <name> (rbd) */
    VSTOR_RULE_SOURCE_DIR_ROOT = 1 << 1, /* a <source> without <dir> means "/" (gluster) */
    VSTOR_RULE_COW_FEATURE = 1 << 2, /* <features><cow> is accepted (dir, fs) */
    VSTOR_RULE_INITIATOR_REQUIRED = 1 << 3, /* initiator IQN is required (iscsi-direct) */
} VstorPoolRules;

/* Operations a type's backend provides (what later drives the driver and the CLI). */
typedef enum {
    VSTOR_OP_POOL_BUILD = 1 << 0,
    VSTOR_OP_POOL_START = 1 << 1,
    VSTOR_OP_POOL_STOP = 1 << 2,
    VSTOR_OP_POOL_DELETE = 1 << 3,
    VSTOR_OP_POOL_FIND_SOURCES = 1 << 4,
    VSTOR_OP_VOL_CREATE = 1 << 5,
    VSTOR_OP_VOL_BUILD_FROM = 1 << 6,
    VSTOR_OP_VOL_DELETE = 1 << 7,
    VSTOR_OP_VOL_RESIZE = 1 << 8,
    VSTOR_OP_VOL_WIPE = 1 << 9,
    VSTOR_OP_VOL_UPLOAD = 1 << 10,
    VSTOR_OP_VOL_DOWNLOAD = 1 << 11,
} VstorPoolOps;

/* Volume file formats (libvirt's virStorageFileFormat order); disk pools use partition
 * types instead, see vstor_pool_caps_vol_formats(). */
typedef enum {
    VSTOR_VOL_FORMAT_NONE,
    VSTOR_VOL_FORMAT_RAW,
    VSTOR_VOL_FORMAT_DIR,
    VSTOR_VOL_FORMAT_BOCHS,
    VSTOR_VOL_FORMAT_CLOOP,
    VSTOR_VOL_FORMAT_DMG,
    VSTOR_VOL_FORMAT_ISO,
    VSTOR_VOL_FORMAT_VPC,
    VSTOR_VOL_FORMAT_VDI,
    VSTOR_VOL_FORMAT_FAT,
    VSTOR_VOL_FORMAT_VHD,
    VSTOR_VOL_FORMAT_PLOOP,
    VSTOR_VOL_FORMAT_COW,
    VSTOR_VOL_FORMAT_QCOW,
    VSTOR_VOL_FORMAT_QCOW2,
    VSTOR_VOL_FORMAT_QED,
    VSTOR_VOL_FORMAT_VMDK,
    VSTOR_VOL_FORMAT_LAST
} VstorVolFormat;

/* Partition types of volumes in disk pools. */
typedef enum {
    VSTOR_PART_NONE,
    VSTOR_PART_LINUX,
    VSTOR_PART_FAT16,
    VSTOR_PART_FAT32,
    VSTOR_PART_LINUX_SWAP,
    VSTOR_PART_LINUX_LVM,
    VSTOR_PART_LINUX_RAID,
    VSTOR_PART_EXTENDED,
    VSTOR_PART_LAST
} VstorPartFormat;

typedef struct {
    VstorPoolType type;
    const char *name; /* "dir", "netfs", ... as in XML */
    gboolean supported; /* a backend exists in vstor (test-driver-reference.c checks it) */
    guint source_flags; /* VstorSourceFlags */
    /* Source formats (fs types, partition-table types, lvm2), NULL-terminated, or NULL
     * when the type has no source format; default_source_format indexes it. */
    const char *const *source_formats;
    int default_source_format;
    /* Volume formats, NULL-terminated, or NULL when volumes have no selectable format. */
    const char *const *vol_formats;
    int default_vol_format;
    /* pool-capabilities lists no volume format values (rbd: libvirt 9.0 parses them but
     * lists none, its table has no last-format bound for that type). */
    gboolean caps_without_vol_formats;
    /* XML namespace of backend-specific options, or NULL. */
    const char *ns_prefix;
    const char *ns_href;
    guint rules; /* VstorPoolRules */
    /* When set, the target path is this prefix + the source name, whatever <target> says
     * (logical: "/dev/", zfs: "/dev/zvol/"). */
    const char *target_prefix;
    guint ops; /* VstorPoolOps */
} VstorPoolCaps;

/* The entry for @type; NULL for an out-of-range value. */
const VstorPoolCaps *vstor_pool_caps(VstorPoolType type);

/* The type named @name ("dir", ...), or -1 when there is none. */
int vstor_pool_type_from_string(const char *name);
const char *vstor_pool_type_to_string(VstorPoolType type);

/* Index of @name in a NULL-terminated @table, or -1. */
int vstor_enum_from_string(const char *const *table, const char *name);
/* Entry @value of a NULL-terminated @table, or NULL when out of range. */
const char *vstor_enum_to_string(const char *const *table, int value);

/* The volume format table of @type (file formats, or partition types for disk pools). */
const char *const *vstor_pool_caps_vol_formats(VstorPoolType type);

/* The <storagepoolCapabilities> document (virConnectGetStoragePoolCapabilities), built
 * from the table; shared by vstord and the embedded library. */
char *vstor_pool_caps_format(void);

/* The file-format names (VstorVolFormat order) and partition-type names. */
extern const char *const vstor_vol_format_names[];
extern const char *const vstor_part_format_names[];
