/* backend.h: what a pool type's backend provides — one table of operations per type. The
 * driver calls these with the pool's lock released for anything slow; a NULL slot means
 * the type does not support that operation (the capability table says the same). */
#pragma once

#include <glib.h>

#include "conf/pool_conf.h"
#include "conf/vol_conf.h"
#include "util/job.h"

typedef struct _VstorCommandRunner VstorCommandRunner;

/* Returns the mount table's text (/proc/self/mounts format), or NULL with @err set. */
typedef char *(*VstorMountTableReader)(gpointer data, GError **err);

/* How backends reach the secret store (which lives above them, in the driver) for encrypted
 * volumes. Both members may be NULL: then encrypted volumes cannot be built. */
typedef struct {
    /* The value (g_malloc'd, *ret_len bytes) of the secret @sec names, which must be of
     * usage type volume; fails with libvirt's errors (no such secret, wrong usage type,
     * no value). */
    guint8 *(*value)(gpointer data, const VstorEncryptionSecret *sec, gsize *ret_len, GError **err);
    /* The uuid of the volume secret whose usage is @path, when one exists. */
    gboolean (*find_for_path)(gpointer data, const char *path, guint8 *ret_uuid);
    gpointer data;
} VstorSecretAccess;

/* What every backend call gets besides the pool: how to run external commands, where the
 * fs/netfs backends read the mount table (NULL: /proc/self/mounts; tests simulate mounts),
 * the secret store, and a private directory for short-lived files (passphrases for qemu-img). */
typedef struct {
    VstorCommandRunner *runner;
    VstorMountTableReader read_mounts;
    gpointer read_mounts_data;
    VstorSecretAccess secrets;
    const char *temp_dir;
} VstorBackendEnv;

/* Flags of build (libvirt's VIR_STORAGE_POOL_BUILD_*). */
enum {
    VSTOR_POOL_BUILD_NEW = 0,
    VSTOR_POOL_BUILD_REPAIR = 1 << 0,
    VSTOR_POOL_BUILD_RESIZE = 1 << 1,
    VSTOR_POOL_BUILD_NO_OVERWRITE = 1 << 2,
    VSTOR_POOL_BUILD_OVERWRITE = 1 << 3,
};

/* Flags of pool delete and volume delete (VIR_STORAGE_POOL_DELETE_*, VIR_STORAGE_VOL_DELETE_*). */
enum {
    VSTOR_POOL_DELETE_NORMAL = 0,
    VSTOR_POOL_DELETE_ZEROED = 1 << 0,
};
enum {
    VSTOR_VOL_DELETE_NORMAL = 0,
    VSTOR_VOL_DELETE_ZEROED = 1 << 0,
    VSTOR_VOL_DELETE_WITH_SNAPSHOTS = 1 << 1,
};

/* Flags of volume create / create-from (VIR_STORAGE_VOL_CREATE_*). */
enum {
    VSTOR_VOL_CREATE_PREALLOC_METADATA = 1 << 0,
    VSTOR_VOL_CREATE_REFLINK = 1 << 1,
};

/* Flags of volume resize (VIR_STORAGE_VOL_RESIZE_*). */
enum {
    VSTOR_VOL_RESIZE_ALLOCATE = 1 << 0,
    VSTOR_VOL_RESIZE_DELTA = 1 << 1,
    VSTOR_VOL_RESIZE_SHRINK = 1 << 2,
};

/* Wipe algorithms (VIR_STORAGE_VOL_WIPE_ALG_*), in libvirt's numbering. */
typedef enum {
    VSTOR_WIPE_ZERO,
    VSTOR_WIPE_NNSA,
    VSTOR_WIPE_DOD,
    VSTOR_WIPE_BSI,
    VSTOR_WIPE_GUTMANN,
    VSTOR_WIPE_SCHNEIER,
    VSTOR_WIPE_PFITZNER7,
    VSTOR_WIPE_PFITZNER33,
    VSTOR_WIPE_RANDOM,
    VSTOR_WIPE_TRIM,
    VSTOR_WIPE_LAST
} VstorWipeAlgorithm;

typedef struct {
    VstorPoolType type;
    /* Deleting a volume can rename others (logical partitions are renumbered): the driver
     * refreshes the whole pool after each deletion. */
    gboolean refresh_after_vol_delete;
    /* Live pools: how an inotify watch on the target directory serves this type.
     * NONE: not watched. LOCAL: every change is seen, so an explicit refresh only looks at
     * what changed. REMOTE: local changes are seen live, but others (made on an NFS server)
     * are not, so an explicit refresh still scans everything. */
    enum { VSTOR_WATCH_NONE, VSTOR_WATCH_LOCAL, VSTOR_WATCH_REMOTE } watch;

    /* Is the pool's storage already running (mounted, logged in)? Used after a restart to
     * re-attach without stopping and starting. */
    int (*check)(VstorBackendEnv *env, VstorPoolDef *def, gboolean *ret_active, GError **err);
    /* For an active pool whose storage can vanish behind vstor's back (an fs/netfs mount):
     * fails with VSTOR_ERR_OPERATION_INVALID saying what is wrong and how to recover; the
     * driver then reports the pool inaccessible. NULL: the storage cannot vanish. */
    int (*check_access)(VstorBackendEnv *env, VstorPoolDef *def, GError **err);
    int (*build)(VstorBackendEnv *env, VstorPoolDef *def, unsigned int flags, VstorJob *job,
                 GError **err);
    int (*start)(VstorBackendEnv *env, VstorPoolDef *def, GError **err);
    /* Lists the pool's volumes (new VstorVolDef objects, the array owns them) and updates
     * def's capacity, allocation and available. */
    int (*refresh)(VstorBackendEnv *env, VstorPoolDef *def, GPtrArray **ret_vols, GError **err);
    /* Updates only def's capacity, allocation and available (cheap; read on every info). */
    int (*refresh_sizes)(VstorBackendEnv *env, VstorPoolDef *def, GError **err);
    int (*stop)(VstorBackendEnv *env, VstorPoolDef *def, GError **err);
    int (*delete_pool)(VstorBackendEnv *env, VstorPoolDef *def, unsigned int flags, GError **err);
    /* find-storage-pool-sources: the <sources> XML for an optional <source> hint. */
    char *(*find_sources)(VstorBackendEnv *env, const char *spec, unsigned int flags, GError **err);

    /* Fills in the new volume's key, type and target path. File backends do no I/O here;
     * the disk backend makes the partition here, since its name only exists afterwards. */
    int (*create_vol)(VstorBackendEnv *env, VstorPoolDef *def, VstorVolDef *vol, GError **err);
    int (*build_vol)(VstorBackendEnv *env, VstorPoolDef *def, VstorVolDef *vol, unsigned int flags,
                     VstorJob *job, GError **err);
    int (*build_vol_from)(VstorBackendEnv *env, VstorPoolDef *def, VstorVolDef *vol,
                          const VstorVolDef *input, unsigned int flags, VstorJob *job,
                          GError **err);
    /* Set for backends that build a new volume under a temporary name (@vol's name and path
     * are the temporary ones while build_vol/build_vol_from run): moves the built volume
     * @tmp to its real name @final_name without replacing anything, so a build that dies
     * half way never leaves a file under the volume's name. */
    int (*commit_vol)(VstorBackendEnv *env, VstorPoolDef *def, VstorVolDef *tmp,
                      const char *final_name, GError **err);
    /* Set with commit_vol: points @vol (a copy of the new volume's definition) at a fresh
     * temporary place to build it in, made ready; its name and path are then the temporary
     * ones. */
    int (*begin_temp)(VstorBackendEnv *env, VstorPoolDef *def, VstorVolDef *vol, GError **err);
    /* Removes what builds killed half way left behind (called when a pool becomes active in
     * this process, when no build of it can be running). */
    void (*remove_stale)(VstorBackendEnv *env, VstorPoolDef *def);
    /* Re-reads one volume's sizes, format and permissions from its storage. It must not
     * change the volume's name, key or target path: the driver indexes volumes by them. */
    int (*refresh_vol)(VstorBackendEnv *env, VstorPoolDef *def, VstorVolDef *vol, GError **err);
    int (*delete_vol)(VstorBackendEnv *env, VstorPoolDef *def, VstorVolDef *vol, unsigned int flags,
                      GError **err);
    int (*resize_vol)(VstorBackendEnv *env, VstorPoolDef *def, VstorVolDef *vol,
                      unsigned long long capacity, unsigned int flags, VstorJob *job, GError **err);
    int (*wipe_vol)(VstorBackendEnv *env, VstorPoolDef *def, VstorVolDef *vol,
                    VstorWipeAlgorithm algorithm, unsigned int flags, VstorJob *job, GError **err);
    /* Opens the volume's data for a stream: read-only for download, write for upload. */
    int (*open_vol)(VstorBackendEnv *env, VstorPoolDef *def, VstorVolDef *vol, gboolean for_write,
                    int *ret_fd, GError **err);
} VstorBackend;

/* The names volumes are built under before they are whole (see commit_vol): never listed as
 * volumes, never accepted as a volume's name. */
#define VSTOR_VOL_TEMP_PREFIX ".vstor-tmp."

static inline gboolean
vstor_vol_name_is_temp(const char *name)
{
    return name && g_str_has_prefix(name, VSTOR_VOL_TEMP_PREFIX);
}

extern const VstorBackend vstor_backend_dir;
extern const VstorBackend vstor_backend_disk;
extern const VstorBackend vstor_backend_fs;
extern const VstorBackend vstor_backend_netfs;

/* The backend of @type, or NULL when vstor has none (yet) for it. */
const VstorBackend *vstor_backend_for_type(VstorPoolType type);
