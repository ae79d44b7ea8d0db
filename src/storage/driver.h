/* driver.h: the storage driver — the one place pools and volumes live. vstord and the
 * embedded connection both call this API; every call takes flags and rejects unknown bits.
 * Pools are named by (name, uuid) and found by uuid, volumes by (pool, name), as on the wire. */
#pragma once

#include <glib.h>

#include "backends/backend.h"
#include "conf/pool_conf.h"
#include "conf/vol_conf.h"
#include "util/job.h"
#include "storage/pool_obj.h"
#include "storage/secrets.h"

typedef struct _VstorDriver VstorDriver;

typedef struct {
    char *name;
    guint8 uuid[VSTOR_UUID_LEN];
} VstorPoolId;

typedef struct {
    char *pool;
    char *name;
    char *key;
} VstorVolId;

typedef struct {
    VstorPoolState state;
    unsigned long long capacity;
    unsigned long long allocation;
    unsigned long long available;
} VstorPoolInfo;

typedef struct {
    VstorVolType type;
    unsigned long long capacity;
    unsigned long long allocation; /* or physical size with VSTOR_VOL_INFO_PHYSICAL */
    gboolean building; /* a job is still writing it (not in libvirt's info) */
} VstorVolInfo;

void vstor_pool_id_clear(VstorPoolId *id);
void vstor_vol_id_clear(VstorVolId *id);
void vstor_pool_id_free(VstorPoolId *id);
void vstor_vol_id_free(VstorVolId *id);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(VstorPoolId, vstor_pool_id_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(VstorVolId, vstor_vol_id_clear)

/* Flags of vstor_driver_pool_list (libvirt's VIR_CONNECT_LIST_STORAGE_POOLS_*). */
enum {
    VSTOR_LIST_POOLS_INACTIVE = 1 << 0,
    VSTOR_LIST_POOLS_ACTIVE = 1 << 1,
    VSTOR_LIST_POOLS_PERSISTENT = 1 << 2,
    VSTOR_LIST_POOLS_TRANSIENT = 1 << 3,
    VSTOR_LIST_POOLS_AUTOSTART = 1 << 4,
    VSTOR_LIST_POOLS_NO_AUTOSTART = 1 << 5,
    VSTOR_LIST_POOLS_DIR = 1 << 6,
    VSTOR_LIST_POOLS_FS = 1 << 7,
    VSTOR_LIST_POOLS_NETFS = 1 << 8,
    VSTOR_LIST_POOLS_LOGICAL = 1 << 9,
    VSTOR_LIST_POOLS_DISK = 1 << 10,
    VSTOR_LIST_POOLS_ISCSI = 1 << 11,
    VSTOR_LIST_POOLS_SCSI = 1 << 12,
    VSTOR_LIST_POOLS_MPATH = 1 << 13,
    VSTOR_LIST_POOLS_RBD = 1 << 14,
    VSTOR_LIST_POOLS_SHEEPDOG = 1 << 15,
    VSTOR_LIST_POOLS_GLUSTER = 1 << 16,
    VSTOR_LIST_POOLS_ZFS = 1 << 17,
    VSTOR_LIST_POOLS_VSTORAGE = 1 << 18,
    VSTOR_LIST_POOLS_ISCSI_DIRECT = 1 << 19,
    VSTOR_LIST_POOLS_ALL_FLAGS = (1 << 20) - 1,
};

/* Flags of pool create (VIR_STORAGE_POOL_CREATE_*). */
enum {
    VSTOR_POOL_CREATE_WITH_BUILD = 1 << 0,
    VSTOR_POOL_CREATE_WITH_BUILD_OVERWRITE = 1 << 1,
    VSTOR_POOL_CREATE_WITH_BUILD_NO_OVERWRITE = 1 << 2,
};

/* Flags of XML dumps, define and info. */
enum {
    VSTOR_POOL_XML_INACTIVE = 1 << 0, /* VIR_STORAGE_XML_INACTIVE */
    VSTOR_POOL_DEFINE_VALIDATE = 1 << 0, /* VIR_STORAGE_POOL_DEFINE_VALIDATE */
    VSTOR_VOL_INFO_PHYSICAL = 1 << 0, /* VIR_STORAGE_VOL_GET_PHYSICAL */
};

/* Opens the driver over a state root (NULL: the system paths /etc/vstor, /run/vstor,
 * /var/lib/vstor). Takes the root's lock (one owner), loads definitions and state, keeps
 * pools that were active active (re-attached, not restarted) and starts autostart pools.
 * Fails when the root is locked by another process or cannot be created. */
VstorDriver *vstor_driver_open(const char *root, unsigned int flags, GError **err);
/* The driver's secret store (<etc>/secrets), owned by the driver. */
VstorSecretStore *vstor_driver_secrets(VstorDriver *drv);
/* Closes the driver; active pools stay as they are (their state is on disk). */
void vstor_driver_close(VstorDriver *drv);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VstorDriver, vstor_driver_close)

/* Replaces the command runner backends use (tests record instead of running). */
void vstor_driver_set_runner(VstorDriver *drv, VstorCommandRunner *runner);
/* Replaces how the fs/netfs backends read the mount table (tests simulate the kernel's;
 * NULL: /proc/self/mounts). */
void vstor_driver_set_mount_reader(VstorDriver *drv, VstorMountTableReader reader, gpointer data);

/* Quick mode, for calls answered on vstord's main loop thread (driver_quick.c): from begin to
 * end, on the calling thread, the driver's lock is only tried and files are looked at only
 * through the kernel's caches, on local filesystems. A call that would have to wait gives up
 * instead; end() then returns TRUE, and whatever that call returned (result or error) is to
 * be dropped and the call made again outside quick mode. Honoured by the pool look-ups by
 * name and uuid, and by volume look-up by name, info, XML and path; no other call may be
 * made in quick mode. */
void vstor_driver_quick_begin(void);
gboolean vstor_driver_quick_end(void);

/* --- pools: lookups (VSTOR_ERR_NO_STORAGE_POOL when none matches) --- */
int vstor_driver_pool_lookup_by_name(VstorDriver *drv, const char *name, VstorPoolId *ret_id,
                                     GError **err);
int vstor_driver_pool_lookup_by_uuid(VstorDriver *drv, const guint8 *uuid, VstorPoolId *ret_id,
                                     GError **err);
int vstor_driver_pool_lookup_by_target_path(VstorDriver *drv, const char *path, VstorPoolId *ret_id,
                                            GError **err);
int vstor_driver_pool_lookup_by_volume(VstorDriver *drv, const VstorVolId *vol, VstorPoolId *ret_id,
                                       GError **err);
/* Pools matching the filter @flags (VSTOR_LIST_POOLS_*), sorted by name; elements are
 * VstorPoolId*, freed with the array. */
GPtrArray *vstor_driver_pool_list(VstorDriver *drv, unsigned int flags, GError **err);
int vstor_driver_pool_count(VstorDriver *drv, gboolean active);

/* --- pools: lifecycle, with libvirt's state rules and error codes --- */
int vstor_driver_pool_define(VstorDriver *drv, const char *xml, unsigned int flags,
                             VstorPoolId *ret_id, GError **err);
int vstor_driver_pool_create(VstorDriver *drv, const char *xml, unsigned int flags,
                             VstorPoolId *ret_id, GError **err);
int vstor_driver_pool_undefine(VstorDriver *drv, const VstorPoolId *id, GError **err);
int vstor_driver_pool_build(VstorDriver *drv, const VstorPoolId *id, unsigned int flags,
                            GError **err);
int vstor_driver_pool_start(VstorDriver *drv, const VstorPoolId *id, unsigned int flags,
                            GError **err);
int vstor_driver_pool_destroy(VstorDriver *drv, const VstorPoolId *id, GError **err);
int vstor_driver_pool_delete(VstorDriver *drv, const VstorPoolId *id, unsigned int flags,
                             GError **err);
int vstor_driver_pool_refresh(VstorDriver *drv, const VstorPoolId *id, unsigned int flags,
                              GError **err);
int vstor_driver_pool_get_info(VstorDriver *drv, const VstorPoolId *id, VstorPoolInfo *ret_info,
                               GError **err);
char *vstor_driver_pool_get_xml(VstorDriver *drv, const VstorPoolId *id, unsigned int flags,
                                GError **err);
int vstor_driver_pool_get_autostart(VstorDriver *drv, const VstorPoolId *id,
                                    gboolean *ret_autostart, GError **err);
int vstor_driver_pool_set_autostart(VstorDriver *drv, const VstorPoolId *id, gboolean autostart,
                                    GError **err);
/* Why the pool is not usable, in words: an active pool whose storage went away, or an
 * autostart pool that could not start yet (it is retried with backoff). *ret_reason is NULL
 * when there is nothing to say. */
int vstor_driver_pool_get_state_reason(VstorDriver *drv, const VstorPoolId *id, char **ret_reason,
                                       GError **err);
/* 1 / 0 for yes / no, -1 on error. */
int vstor_driver_pool_is_active(VstorDriver *drv, const VstorPoolId *id, GError **err);
int vstor_driver_pool_is_persistent(VstorDriver *drv, const VstorPoolId *id, GError **err);

/* --- volumes --- */
/* Volumes of an active pool, sorted by name; elements are VstorVolId*. */
GPtrArray *vstor_driver_vol_list(VstorDriver *drv, const VstorPoolId *pool, unsigned int flags,
                                 GError **err);
/* The same without copies: @visit is called for each volume, in name order, with the driver
 * locked (it must not call back into the driver, and the strings live only for the call);
 * with @visit NULL the volumes are only counted. Returns the number of volumes, or -1 with
 * @err set. */
typedef void (*VstorVolVisitFunc)(const char *pool, const char *name, const char *key,
                                  gpointer data);
int vstor_driver_vol_foreach(VstorDriver *drv, const VstorPoolId *pool, unsigned int flags,
                             VstorVolVisitFunc visit, gpointer data, GError **err);
int vstor_driver_vol_lookup_by_name(VstorDriver *drv, const VstorPoolId *pool, const char *name,
                                    VstorVolId *ret_id, GError **err);
int vstor_driver_vol_lookup_by_key(VstorDriver *drv, const char *key, VstorVolId *ret_id,
                                   GError **err);
int vstor_driver_vol_lookup_by_path(VstorDriver *drv, const char *path, VstorVolId *ret_id,
                                    GError **err);
int vstor_driver_vol_create(VstorDriver *drv, const VstorPoolId *pool, const char *xml,
                            unsigned int flags, VstorVolId *ret_id, GError **err);
int vstor_driver_vol_create_from(VstorDriver *drv, const VstorPoolId *pool, const char *xml,
                                 const VstorVolId *source, unsigned int flags, VstorVolId *ret_id,
                                 GError **err);
int vstor_driver_vol_delete(VstorDriver *drv, const VstorVolId *vol, unsigned int flags,
                            GError **err);
int vstor_driver_vol_wipe(VstorDriver *drv, const VstorVolId *vol, unsigned int algorithm,
                          unsigned int flags, GError **err);
int vstor_driver_vol_resize(VstorDriver *drv, const VstorVolId *vol, unsigned long long capacity,
                            unsigned int flags, GError **err);
int vstor_driver_vol_get_info(VstorDriver *drv, const VstorVolId *vol, unsigned int flags,
                              VstorVolInfo *ret_info, GError **err);
char *vstor_driver_vol_get_xml(VstorDriver *drv, const VstorVolId *vol, unsigned int flags,
                               GError **err);
char *vstor_driver_vol_get_path(VstorDriver *drv, const VstorVolId *vol, GError **err);

/* --- volume streams (upload / download) --- */

/* Flags of upload and download (VIR_STORAGE_VOL_UPLOAD/DOWNLOAD_SPARSE_STREAM). */
enum {
    VSTOR_VOL_STREAM_SPARSE = 1 << 0,
};

typedef struct _VstorVolStream VstorVolStream;

/* Opens @vol for reading [offset, offset + length) (length 0: to the end), or for writing
 * into it. The volume counts as in use (no delete, wipe or resize; its pool cannot stop)
 * until the stream is finished or aborted. Fails like libvirt: volume building or in use,
 * pool without upload/download. A download from past the end reads nothing. */
VstorVolStream *vstor_driver_vol_download(VstorDriver *drv, const VstorVolId *vol,
                                          unsigned long long offset, unsigned long long length,
                                          unsigned int flags, GError **err);
VstorVolStream *vstor_driver_vol_upload(VstorDriver *drv, const VstorVolId *vol,
                                        unsigned long long offset, unsigned long long length,
                                        unsigned int flags, GError **err);

/* Download: reads the next piece. Returns the number of data bytes put in @buf (at most
 * @len), or 0 with *ret_hole > 0 for a hole of that many bytes (sparse streams only), or 0
 * with *ret_hole == 0 at the end; -1 on error. */
gssize vstor_vol_stream_read(VstorVolStream *st, void *buf, gsize len, guint64 *ret_hole,
                             GError **err);
/* Upload: writes @len bytes of data at the stream's position. Fails past the length asked
 * for (VSTOR_ERR_INVALID_ARG) or on I/O errors (e.g. ENOSPC). */
int vstor_vol_stream_write(VstorVolStream *st, const void *buf, gsize len, GError **err);
/* Upload: a hole of @len bytes (sparse streams): the range reads back as zeros and takes no
 * space where the storage can do that. */
int vstor_vol_stream_write_hole(VstorVolStream *st, guint64 len, GError **err);
/* Bytes moved so far (data and holes). */
guint64 vstor_vol_stream_position(const VstorVolStream *st);
/* Ends the stream: flushes an upload, refreshes the volume, releases it, frees @st. */
int vstor_vol_stream_finish(VstorVolStream *st, GError **err);
/* Ends the stream without flushing (client gone, error); releases the volume, frees @st.
 * Accepts NULL. */
void vstor_vol_stream_abort(VstorVolStream *st);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VstorVolStream, vstor_vol_stream_abort)

/* --- events --- */

/* libvirt's virStoragePoolEventLifecycleType values; VSTOR_POOL_EVENT_REFRESH is the separate
 * refresh event. */
typedef enum {
    VSTOR_POOL_EVENT_DEFINED = 0,
    VSTOR_POOL_EVENT_UNDEFINED = 1,
    VSTOR_POOL_EVENT_STARTED = 2,
    VSTOR_POOL_EVENT_STOPPED = 3,
    VSTOR_POOL_EVENT_CREATED = 4,
    VSTOR_POOL_EVENT_DELETED = 5,
    VSTOR_POOL_EVENT_REFRESH = 100,
} VstorPoolEventType;

/* Called outside the driver's lock, on the thread whose call caused the event (or the thread
 * that watches live pools, for changes made behind the driver's back). */
typedef void (*VstorPoolEventFunc)(const VstorPoolId *pool, VstorPoolEventType event,
                                   gpointer user_data);

/* Subscribes @func to pool events; returns an id > 0 for vstor_driver_event_unsubscribe. */
guint vstor_driver_event_subscribe(VstorDriver *drv, VstorPoolEventFunc func, gpointer user_data,
                                   GDestroyNotify destroy);
void vstor_driver_event_unsubscribe(VstorDriver *drv, guint id);

/* --- jobs --- */

typedef struct {
    guint64 id;
    VstorJobKind kind;
    char *pool;
    char *vol; /* NULL for pool jobs */
    guint64 done;
    guint64 total;
} VstorJobInfo;

void vstor_job_info_free(VstorJobInfo *info);

/* The jobs running in @pool (NULL: in every pool), oldest first: VstorJobInfo*. */
GPtrArray *vstor_driver_job_list(VstorDriver *drv, const VstorPoolId *pool, GError **err);
/* Asks job @id to stop; the operation then fails with VSTOR_ERR_OPERATION_ABORTED and removes
 * what it half made. VSTOR_ERR_INVALID_ARG when no such job runs. */
int vstor_driver_job_cancel(VstorDriver *drv, guint64 id, GError **err);

/* --- source discovery --- */

/* find-storage-pool-sources: the <sources> document listing what a pool of @type could use,
 * given an optional <source> hint (@spec, may be NULL). VSTOR_ERR_NO_SUPPORT for types that
 * cannot discover sources. */
char *vstor_driver_find_pool_sources(VstorDriver *drv, const char *type, const char *spec,
                                     unsigned int flags, GError **err);
