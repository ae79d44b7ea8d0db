/* disk_vol.h: what the two halves of the disk backend share — disk.c (the pool: a whole disk and
 * its partition table) and disk_vol.c (its volumes, which are partitions). Not a public API. */
#pragma once

#include "backends/backend.h"
#include "backends/disk_cmd.h"

/* The pool's source device. Fails with VSTOR_ERR_INTERNAL_ERROR when it has none. */
const char *vstor_disk_source(const VstorPoolDef *def, GError **err);
/* The pool's label ("dos", "gpt", ...); an unset one ("unknown") is dos, as libvirt starts it. */
const char *vstor_disk_format(const VstorPoolDef *def);
/* Whether @path is a device-mapper node (multipath, kpartx): its partitions are named as given
 * and made by userspace, not the kernel. */
gboolean vstor_disk_is_devmapper(const char *path);
/* The device partition nodes are named after: @device with symlinks resolved, or as given for
 * device-mapper (libvirt's parthelper rule). Fails with VSTOR_ERR_SYSTEM_ERROR. */
char *vstor_disk_name_base(const char *device, GError **err);

/* Runs "parted ... print free" on @device and parses it. Fails with VSTOR_ERR_OPERATION_FAILED
 * (parted's complaint quoted) when parted cannot read a label, or the parser's errors. */
VstorDiskLayout *vstor_disk_read_layout(VstorBackendEnv *env, const char *device, GError **err);
/* Makes the kernel's idea of @device's partitions match the table on disk ("partx --update"),
 * best effort: parted has normally done it already, and a busy partition is left alone. */
void vstor_disk_sync_kernel(VstorBackendEnv *env, const char *device);

/* The size of the open device or file @fd in bytes. Fails with VSTOR_ERR_SYSTEM_ERROR. */
int vstor_disk_device_size(int fd, const char *path, unsigned long long *ret_size, GError **err);

/* Fills @vol (type, path, key, extent, sizes, permissions; the format for an extended
 * partition) from partition @part of @layout. Its name must be unset or the partition's, else
 * VSTOR_ERR_INVALID_ARG as libvirt ("invalid partition name"). Fails with
 * VSTOR_ERR_SYSTEM_ERROR when the partition's device node is missing. */
int vstor_disk_fill_vol(const VstorPoolDef *def, const VstorDiskLayout *layout,
                        const VstorDiskPart *part, VstorVolDef *vol, GError **err);
/* The partition types blkid reads from @device's table, as VstorPartFormat by partition
 * number (GINT_TO_POINTER keys and values); empty when it cannot tell. Never NULL. */
GHashTable *vstor_disk_part_formats(const char *device);

/* Whether every partition of @layout has its device node (no: the kernel's view is stale). */
gboolean vstor_disk_nodes_present(const VstorPoolDef *def, const VstorDiskLayout *layout);
/* Makes sure partition node @path exists: waits for udev when @wait, then creates it from
 * sysfs when the kernel knows the partition but no node showed up. Fails with
 * VSTOR_ERR_SYSTEM_ERROR when the partition never appears. */
int vstor_disk_node_ensure(const char *path, gboolean wait, GError **err);

/* Volume slots of the backend table (disk_vol.c); see backend.h for the contracts. */
int vstor_disk_vol_create(VstorBackendEnv *env, VstorPoolDef *def, VstorVolDef *vol, GError **err);
int vstor_disk_vol_build_from(VstorBackendEnv *env, VstorPoolDef *def, VstorVolDef *vol,
                              const VstorVolDef *input, unsigned int flags, VstorJob *job,
                              GError **err);
int vstor_disk_vol_refresh(VstorBackendEnv *env, VstorPoolDef *def, VstorVolDef *vol, GError **err);
int vstor_disk_vol_delete(VstorBackendEnv *env, VstorPoolDef *def, VstorVolDef *vol,
                          unsigned int flags, GError **err);
int vstor_disk_vol_wipe(VstorBackendEnv *env, VstorPoolDef *def, VstorVolDef *vol,
                        VstorWipeAlgorithm algorithm, unsigned int flags, VstorJob *job,
                        GError **err);
int vstor_disk_vol_open(VstorBackendEnv *env, VstorPoolDef *def, VstorVolDef *vol,
                        gboolean for_write, int *ret_fd, GError **err);
