/* fs_cmd.h: the pure pieces of the fs and netfs backends — mount, umount and mkfs command lines
 * exactly as libvirt 9.0.0 builds them, the mount table, and what a device already carries. */
#pragma once

#include <glib.h>

#include "conf/pool_conf.h"
#include "util/command.h"

/* Options every mount gets on Linux before the pool's own (libvirt's default_mount_opts). */
#define VSTOR_FS_DEFAULT_MOUNT_OPTS "nodev,nosuid,noexec"

/* What libvirt checks of an fs/netfs pool's source before mounting or probing: a netfs pool has
 * exactly one host with a name and a source dir, an fs pool exactly one device. Fails with
 * VSTOR_ERR_CONFIG_UNSUPPORTED ("expected exactly 1 host/device for the storage pool") or
 * VSTOR_ERR_INTERNAL_ERROR ("missing source host/path/device"), and VSTOR_ERR_INTERNAL_ERROR
 * for any other pool type. */
int vstor_fs_pool_check_source(const VstorPoolDef *def, GError **err);

/* The mount source of an fs/netfs pool: the device path, "HOST:DIR", or "//HOST/DIR" for cifs
 * (what also appears in the mount table). NULL with the errors of vstor_fs_pool_check_source. */
char *vstor_fs_pool_mount_source(const VstorPoolDef *def, GError **err);

/* The mount command for @def: "mount [-o OPTS] [-t TYPE] SOURCE TARGET" where OPTS are the
 * Linux defaults, then nfsvers=VER (nfs and auto netfs with a protocol version), guest (cifs)
 * or direct-io-mode=1 (glusterfs), then the fs:mount_opts options; auto netfs gets no -t, as
 * plain mount finds nfs where "-t auto" does not; fs pools of format hfs+ get "-t hfsplus",
 * the name Linux knows (libvirt passes "hfs+", which never mounts). NULL with the errors of
 * vstor_fs_pool_check_source, or VSTOR_ERR_INVALID_ARG when a source or target path would
 * read as an option (starts with '-'). */
VstorCommand *vstor_fs_mount_cmd(const VstorPoolDef *def, GError **err);

/* "umount TARGET". NULL (VSTOR_ERR_INTERNAL_ERROR) for a pool without a target path, or
 * VSTOR_ERR_INVALID_ARG for a target starting with '-'. */
VstorCommand *vstor_fs_umount_cmd(const VstorPoolDef *def, GError **err);

/* Whether vstor can make a filesystem of the fs pool format @format ("ext4", "xfs", ...): false
 * for "auto" and for formats no mkfs exists for on Linux (iso9660, ufs, gfs, vmfs). */
gboolean vstor_fs_format_buildable(const char *format);

/* "mkfs -t TYPE [-F|-f|-I] DEVICE" for an fs pool: the force flag mkfs.ext2/3/4 (-F), mkfs.xfs
 * (-f) and mkfs.vfat (-I) need to write over a device, as libvirt does; hfs+ is made by
 * mkfs.hfsplus. Fails with VSTOR_ERR_OPERATION_INVALID for a pool without a source device or of
 * another type than fs, VSTOR_ERR_CONFIG_UNSUPPORTED for more than one device,
 * VSTOR_ERR_OPERATION_UNSUPPORTED for a format that cannot be built and VSTOR_ERR_INVALID_ARG
 * for a device path starting with '-'. */
VstorCommand *vstor_fs_mkfs_cmd(const VstorPoolDef *def, GError **err);

/* ---- the mount table ---- */

typedef struct {
    char *source; /* first field (mnt_fsname), octal escapes (\040 ...) decoded */
    char *target; /* second field (mnt_dir), decoded */
    char *type;
    char *options;
} VstorMountEntry;

void vstor_mount_entry_free(VstorMountEntry *entry); /* accepts NULL */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VstorMountEntry, vstor_mount_entry_free)

/* Parses /proc/self/mounts (fstab format) text into VstorMountEntry items, skipping blank,
 * comment and malformed lines. Never fails. */
GPtrArray *vstor_mounts_parse(const char *text);

/* The entry mounting @source on @target, as libvirt looks for an active pool (both compared
 * literally: the caller passes paths already resolved the way it wants them compared), or NULL. */
const VstorMountEntry *vstor_mounts_find(GPtrArray *entries, const char *source,
                                         const char *target);

/* ---- what a device already carries ---- */

typedef struct {
    /* Filesystem (or other superblock) signatures at the start of the device, blkid TYPE names
     * ("ext4", "xfs", "LVM2_member"); more than one means blkid could not decide. */
    char **fs_types; /* NULL-terminated, never NULL */
    char *pt_type; /* partition table, blkid PTTYPE name ("dos", "gpt"), or NULL */
} VstorDeviceContent;

void vstor_device_content_free(VstorDeviceContent *content); /* accepts NULL */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VstorDeviceContent, vstor_device_content_free)

/* Probes @path (a block device or an image file) read-only with libblkid for superblocks and a
 * partition table. NULL with VSTOR_ERR_STORAGE_PROBE_FAILED when it cannot be opened or probed. */
VstorDeviceContent *vstor_device_probe(const char *path, GError **err);

typedef enum {
    VSTOR_PROBE_OK = 0, /* go ahead: nothing to destroy (build) / the expected format (start) */
    VSTOR_PROBE_REFUSED = -1, /* err says why and what was found */
    VSTOR_PROBE_UNDECIDED = 1, /* blkid cannot tell this format: ask parted (disk pools) */
} VstorProbeVerdict;

/* libvirt's decision on @found for a pool wanting @format (an fs pool format or a disk pool
 * label such as "dos"). With @for_build (about to mkfs or mklabel without --overwrite):
 * nothing found is OK; the wanted format already there fails with VSTOR_ERR_STORAGE_POOL_BUILT
 * "Device '%s' already formatted using '%s'", anything else with VSTOR_ERR_STORAGE_POOL_BUILT
 * "... does not match the expected format '%s', forced overwrite is necessary". Without it
 * (starting a pool): the wanted format is OK, nothing found fails with
 * VSTOR_ERR_STORAGE_PROBE_FAILED "Device '%s' is unrecognized, requires build", anything else
 * with VSTOR_ERR_OPERATION_INVALID. Every refusal names what was found. Several signatures
 * fail with VSTOR_ERR_STORAGE_PROBE_FAILED. dvh, pc98 and bsd labels are UNDECIDED when no
 * filesystem is found (blkid names them differently from parted). */
VstorProbeVerdict vstor_device_content_check(const VstorDeviceContent *found, const char *device,
                                             const char *format, gboolean for_build, GError **err);
