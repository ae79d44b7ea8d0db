/* file_vol.h: volumes that are files in a pool's target directory (dir, fs, netfs pools).
 * Every operation opens the file relative to the pool directory with O_NOFOLLOW, so neither
 * a volume name nor a symlink in the pool can make it touch a file outside the pool. */
#pragma once

#include "backends/backend.h"

/* Opens the pool's target directory (O_DIRECTORY | O_CLOEXEC). VSTOR_ERR_SYSTEM_ERROR. */
int vstor_file_pool_open_dir(const VstorPoolDef *pool, GError **err);
/* Opens @name under @dirfd (an absolute @name with AT_FDCWD) with @flags the way every
 * operation on a file volume does: never through a symbolic link in its last component, never
 * blocking on a FIFO, and only a regular file, directory or block device. @path names it in
 * errors: VSTOR_ERR_OPERATION_INVALID (a link), VSTOR_ERR_INTERNAL_ERROR (a FIFO, socket or
 * character device), VSTOR_ERR_SYSTEM_ERROR (open failed). Returns the descriptor. */
int vstor_file_vol_openat(int dirfd, const char *name, const char *path, int flags, GError **err);
/* Fails as vstor_file_vol_openat does unless @vol's entry in the pool directory is a file it
 * would open: for tools (qemu-img) that are given the volume's path, checked just before. */
int vstor_file_vol_check_entry(const VstorPoolDef *pool, const VstorVolDef *vol, GError **err);

/* Backend slots for file volumes (see backend.h for each contract). */
int vstor_file_vol_create(VstorBackendEnv *env, VstorPoolDef *pool, VstorVolDef *vol, GError **err);
int vstor_file_vol_build(VstorBackendEnv *env, VstorPoolDef *pool, VstorVolDef *vol,
                         unsigned int flags, VstorJob *job, GError **err);
int vstor_file_vol_build_from(VstorBackendEnv *env, VstorPoolDef *pool, VstorVolDef *vol,
                              const VstorVolDef *input, unsigned int flags, VstorJob *job,
                              GError **err);
int vstor_file_vol_delete(VstorBackendEnv *env, VstorPoolDef *pool, VstorVolDef *vol,
                          unsigned int flags, GError **err);
int vstor_file_vol_resize(VstorBackendEnv *env, VstorPoolDef *pool, VstorVolDef *vol,
                          unsigned long long capacity, unsigned int flags, VstorJob *job,
                          GError **err);
int vstor_file_vol_wipe(VstorBackendEnv *env, VstorPoolDef *pool, VstorVolDef *vol,
                        VstorWipeAlgorithm algorithm, unsigned int flags, VstorJob *job,
                        GError **err);
/* begin_temp, commit_vol and remove_stale of the file backends (see backend.h). A volume is
 * built as NAME inside a new directory .vstor-tmp.<random> (0700) of the pool's: what
 * qemu-img records of its own file name (a vmdk's extent) is the volume's name, and nobody
 * else can put a link where it creates or reopens the file. */
int vstor_file_vol_begin_temp(VstorBackendEnv *env, VstorPoolDef *pool, VstorVolDef *vol,
                              GError **err);
int vstor_file_vol_commit(VstorBackendEnv *env, VstorPoolDef *pool, VstorVolDef *tmp,
                          const char *final_name, GError **err);
void vstor_file_pool_remove_stale(VstorBackendEnv *env, VstorPoolDef *pool);
int vstor_file_vol_open(VstorBackendEnv *env, VstorPoolDef *pool, VstorVolDef *vol,
                        gboolean for_write, int *ret_fd, GError **err);

/* In file_qemu.c: what needs qemu-img (formats other than raw, conversions, resizing). */
int vstor_file_vol_build_qemu_img(VstorBackendEnv *env, VstorPoolDef *pool, VstorVolDef *vol,
                                  const VstorVolDef *input, unsigned int flags, VstorJob *job,
                                  GError **err);
int vstor_file_vol_resize_qemu_img(VstorBackendEnv *env, VstorPoolDef *pool, VstorVolDef *vol,
                                   unsigned long long capacity, unsigned int flags, VstorJob *job,
                                   GError **err);

/* In dir.c: makes the pool's target directory, or fixes its mode and owner (also used by
 * the fs and netfs backends to prepare their mount point). */
int vstor_dir_build_local(VstorPoolDef *def, GError **err);

/* In file_pool.c: the directory scan and per-volume probing. */
int vstor_file_pool_refresh(VstorBackendEnv *env, VstorPoolDef *pool, GPtrArray **ret_vols,
                            GError **err);
int vstor_file_pool_refresh_sizes(VstorBackendEnv *env, VstorPoolDef *pool, GError **err);
int vstor_file_vol_refresh(VstorBackendEnv *env, VstorPoolDef *pool, VstorVolDef *vol,
                           GError **err);
