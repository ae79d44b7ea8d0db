/* mount.h: what the fs and netfs backends share — the mount table, mounting and unmounting a
 * pool through the runner, and file volumes that refuse to be touched while the mount is gone. */
#pragma once

#include "backends/backend.h"
#include "conf/pool_source.h"

/* The mount table as VstorMountEntry items: env->read_mounts when set (tests simulate the
 * kernel with it), else /proc/self/mounts. NULL with VSTOR_ERR_SYSTEM_ERROR when unreadable. */
GPtrArray *vstor_mount_table_read(VstorBackendEnv *env, GError **err);

/* Sets *ret_mounted to whether @def's source is what is visibly mounted (the topmost mount)
 * on its target: paths are compared after resolving symlinks, as libvirt does. Fails with the
 * errors of vstor_fs_pool_check_source and vstor_mount_table_read. */
int vstor_mount_pool_is_mounted(VstorBackendEnv *env, const VstorPoolDef *def,
                                gboolean *ret_mounted, GError **err);

/* The guard run before every volume operation and refresh of an fs/netfs pool: fails with
 * VSTOR_ERR_OPERATION_INVALID naming the pool, what is mounted on its target instead (or that
 * nothing is) and how to recover, so nothing is written into the directory under the mount. */
int vstor_mount_pool_check_access(VstorBackendEnv *env, VstorPoolDef *def, GError **err);

/* Backend slots shared by fs and netfs (see backend.h). check: active only when the right
 * source is mounted on the target. start: makes the mount point, then mounts unless already
 * mounted. stop: unmounts when the pool's source is what is mounted there, else does nothing.
 * delete_pool: removes the (empty, unmounted) mount point; no flags. */
int vstor_mount_pool_check(VstorBackendEnv *env, VstorPoolDef *def, gboolean *ret_active,
                           GError **err);
int vstor_mount_pool_start(VstorBackendEnv *env, VstorPoolDef *def, GError **err);
int vstor_mount_pool_stop(VstorBackendEnv *env, VstorPoolDef *def, GError **err);
int vstor_mount_pool_delete(VstorBackendEnv *env, VstorPoolDef *def, unsigned int flags,
                            GError **err);

/* What build does for both types before any mkfs: rejects flags other than OVERWRITE and
 * NO_OVERWRITE (VSTOR_ERR_INVALID_ARG, also when both are given) and makes the mount point. */
int vstor_mount_pool_build_local(VstorPoolDef *def, unsigned int flags, GError **err);

/* File-pool and file-volume slots (file_vol.h) behind vstor_mount_pool_check_access. */
int vstor_mounted_pool_refresh(VstorBackendEnv *env, VstorPoolDef *pool, GPtrArray **ret_vols,
                               GError **err);
int vstor_mounted_pool_refresh_sizes(VstorBackendEnv *env, VstorPoolDef *pool, GError **err);
int vstor_mounted_vol_create(VstorBackendEnv *env, VstorPoolDef *pool, VstorVolDef *vol,
                             GError **err);
int vstor_mounted_vol_build(VstorBackendEnv *env, VstorPoolDef *pool, VstorVolDef *vol,
                            unsigned int flags, VstorJob *job, GError **err);
int vstor_mounted_vol_build_from(VstorBackendEnv *env, VstorPoolDef *pool, VstorVolDef *vol,
                                 const VstorVolDef *input, unsigned int flags, VstorJob *job,
                                 GError **err);
int vstor_mounted_vol_refresh(VstorBackendEnv *env, VstorPoolDef *pool, VstorVolDef *vol,
                              GError **err);
int vstor_mounted_vol_delete(VstorBackendEnv *env, VstorPoolDef *pool, VstorVolDef *vol,
                             unsigned int flags, GError **err);
int vstor_mounted_vol_resize(VstorBackendEnv *env, VstorPoolDef *pool, VstorVolDef *vol,
                             unsigned long long capacity, unsigned int flags, VstorJob *job,
                             GError **err);
int vstor_mounted_vol_wipe(VstorBackendEnv *env, VstorPoolDef *pool, VstorVolDef *vol,
                           VstorWipeAlgorithm algorithm, unsigned int flags, VstorJob *job,
                           GError **err);
int vstor_mounted_vol_open(VstorBackendEnv *env, VstorPoolDef *pool, VstorVolDef *vol,
                           gboolean for_write, int *ret_fd, GError **err);

/* ---- find-storage-pool-sources (the backends' find_sources slots call these) ---- */

/* fs: what blkid sees. @source_xml (may be NULL) is a <source> document; each <device> in it
 * is probed (VSTOR_ERR_STORAGE_PROBE_FAILED when one cannot be) and listed, with its format,
 * when it carries one filesystem an fs pool can mount; without devices every block device of
 * the host is probed the same way. @flags must be 0. *ret_xml gets the <sources> document. */
int vstor_backend_fs_find_sources(VstorBackendEnv *env, const char *source_xml, unsigned int flags,
                                  char **ret_xml, GError **err);

/* netfs: a host's NFS exports (showmount) and Gluster volumes (the gluster CLI, when installed),
 * as libvirt lists them. @source_xml names exactly one host. Fails with VSTOR_ERR_INVALID_ARG
 * without @source_xml, VSTOR_ERR_CONFIG_UNSUPPORTED unless it has one host, and
 * VSTOR_ERR_OPERATION_FAILED when showmount fails and no Gluster volume is found. */
int vstor_backend_netfs_find_sources(VstorBackendEnv *env, const char *source_xml,
                                     unsigned int flags, char **ret_xml, GError **err);

/* Adds to @list (netfs) one nfs source per export in `showmount --no-headers --exports` @text
 * from @host. Lines that are not "PATH CLIENTS" are skipped. Never fails. */
void vstor_netfs_parse_showmount(const char *host, const char *text, VstorPoolSourceList *list);

/* Adds to @list one source per volume in `gluster --xml volume info all` output @xml from
 * @host: netfs sources (format glusterfs, dir = volume name) or gluster pool sources (name =
 * volume, dir "/"). Returns how many; -1 with VSTOR_ERR_XML_* for unparsable output or
 * VSTOR_ERR_INTERNAL_ERROR for a volume without a name. */
int vstor_gluster_parse_volumes(const char *host, const char *xml, VstorPoolSourceList *list,
                                GError **err);
