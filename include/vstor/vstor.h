/* vstor.h: libvstor, vstor's public C API. A connection is embedded (the storage driver runs
 * in-process on a state root: "vstor:///embed?root=DIR") or remote (to vstord, over libvirt's
 * wire protocol: "vstor:///system", "vstor+unix:///system?socket=PATH").
 *
 * Every call works the same on both kinds of connection, with these differences: remotely,
 * the errors are the ones vstord sent (same code, same text), VstorStorageVolInfo.building is
 * always FALSE (libvirt's wire has no such field), and pool event callbacks run on the
 * connection's event thread. Calls on one connection may be made from several threads at once.
 *
 * Every fallible call returns NULL / -1 and fills a GError from the VSTOR_ERROR domain, whose
 * codes are libvirt's virErrorNumber values. Every call with flags rejects unknown bits.
 * Handles are small values (names and UUIDs); they stay valid after the object changes and
 * calls on a handle whose object is gone fail with VSTOR_ERR_NO_STORAGE_POOL/VOL. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The error domain of every GError vstor returns; codes are libvirt's virErrorNumber. */
#define VSTOR_ERROR (vstor_error_quark())
GQuark vstor_error_quark(void);

typedef struct _VstorConnect VstorConnect;
typedef struct _VstorStoragePool VstorStoragePool;
typedef struct _VstorStorageVol VstorStorageVol;
typedef struct _VstorStorageSecret VstorStorageSecret;

/* States of a pool (libvirt's virStoragePoolState). */
typedef enum {
    VSTOR_STORAGE_POOL_INACTIVE = 0,
    VSTOR_STORAGE_POOL_BUILDING = 1,
    VSTOR_STORAGE_POOL_RUNNING = 2,
    VSTOR_STORAGE_POOL_DEGRADED = 3,
    VSTOR_STORAGE_POOL_INACCESSIBLE = 4,
} VstorStoragePoolState;

typedef struct {
    VstorStoragePoolState state;
    guint64 capacity; /* bytes */
    guint64 allocation; /* bytes */
    guint64 available; /* bytes */
} VstorStoragePoolInfo;

/* Volume types (libvirt's virStorageVolType). */
typedef enum {
    VSTOR_STORAGE_VOL_FILE = 0,
    VSTOR_STORAGE_VOL_BLOCK = 1,
    VSTOR_STORAGE_VOL_DIR = 2,
    VSTOR_STORAGE_VOL_NETWORK = 3,
    VSTOR_STORAGE_VOL_NETDIR = 4,
    VSTOR_STORAGE_VOL_PLOOP = 5,
} VstorStorageVolType;

typedef struct {
    VstorStorageVolType type;
    guint64 capacity; /* bytes */
    guint64 allocation; /* bytes (physical size with VSTOR_STORAGE_VOL_GET_PHYSICAL) */
    gboolean building; /* a job is still writing the volume (vstor's addition) */
} VstorStorageVolInfo;

/* Flag values are libvirt's, so they pass through unchanged. */
enum {
    /* vstor_connect_open: read-only (libvirt's VIR_CONNECT_RO). */
    VSTOR_CONNECT_RO = 1 << 0,
};
enum {
    VSTOR_CONNECT_LIST_STORAGE_POOLS_INACTIVE = 1 << 0,
    VSTOR_CONNECT_LIST_STORAGE_POOLS_ACTIVE = 1 << 1,
    VSTOR_CONNECT_LIST_STORAGE_POOLS_PERSISTENT = 1 << 2,
    VSTOR_CONNECT_LIST_STORAGE_POOLS_TRANSIENT = 1 << 3,
    VSTOR_CONNECT_LIST_STORAGE_POOLS_AUTOSTART = 1 << 4,
    VSTOR_CONNECT_LIST_STORAGE_POOLS_NO_AUTOSTART = 1 << 5,
    VSTOR_CONNECT_LIST_STORAGE_POOLS_DIR = 1 << 6,
    VSTOR_CONNECT_LIST_STORAGE_POOLS_FS = 1 << 7,
    VSTOR_CONNECT_LIST_STORAGE_POOLS_NETFS = 1 << 8,
    VSTOR_CONNECT_LIST_STORAGE_POOLS_LOGICAL = 1 << 9,
    VSTOR_CONNECT_LIST_STORAGE_POOLS_DISK = 1 << 10,
    VSTOR_CONNECT_LIST_STORAGE_POOLS_ISCSI = 1 << 11,
    VSTOR_CONNECT_LIST_STORAGE_POOLS_SCSI = 1 << 12,
    VSTOR_CONNECT_LIST_STORAGE_POOLS_MPATH = 1 << 13,
    VSTOR_CONNECT_LIST_STORAGE_POOLS_RBD = 1 << 14,
    VSTOR_CONNECT_LIST_STORAGE_POOLS_SHEEPDOG = 1 << 15,
    VSTOR_CONNECT_LIST_STORAGE_POOLS_GLUSTER = 1 << 16,
    VSTOR_CONNECT_LIST_STORAGE_POOLS_ZFS = 1 << 17,
    VSTOR_CONNECT_LIST_STORAGE_POOLS_VSTORAGE = 1 << 18,
    VSTOR_CONNECT_LIST_STORAGE_POOLS_ISCSI_DIRECT = 1 << 19,
};
enum {
    VSTOR_STORAGE_POOL_BUILD_NEW = 0,
    VSTOR_STORAGE_POOL_BUILD_REPAIR = 1 << 0,
    VSTOR_STORAGE_POOL_BUILD_RESIZE = 1 << 1,
    VSTOR_STORAGE_POOL_BUILD_NO_OVERWRITE = 1 << 2,
    VSTOR_STORAGE_POOL_BUILD_OVERWRITE = 1 << 3,
};
enum {
    VSTOR_STORAGE_POOL_CREATE_WITH_BUILD = 1 << 0,
    VSTOR_STORAGE_POOL_CREATE_WITH_BUILD_OVERWRITE = 1 << 1,
    VSTOR_STORAGE_POOL_CREATE_WITH_BUILD_NO_OVERWRITE = 1 << 2,
};
enum {
    VSTOR_STORAGE_POOL_DELETE_NORMAL = 0,
    VSTOR_STORAGE_POOL_DELETE_ZEROED = 1 << 0,
};
enum {
    VSTOR_STORAGE_XML_INACTIVE = 1 << 0,
};
enum {
    VSTOR_STORAGE_VOL_CREATE_PREALLOC_METADATA = 1 << 0,
    VSTOR_STORAGE_VOL_CREATE_REFLINK = 1 << 1,
};
enum {
    VSTOR_STORAGE_VOL_DELETE_NORMAL = 0,
    VSTOR_STORAGE_VOL_DELETE_ZEROED = 1 << 0,
    VSTOR_STORAGE_VOL_DELETE_WITH_SNAPSHOTS = 1 << 1,
};
enum {
    VSTOR_STORAGE_VOL_RESIZE_ALLOCATE = 1 << 0,
    VSTOR_STORAGE_VOL_RESIZE_DELTA = 1 << 1,
    VSTOR_STORAGE_VOL_RESIZE_SHRINK = 1 << 2,
};
enum {
    VSTOR_STORAGE_VOL_GET_PHYSICAL = 1 << 0,
};
enum {
    VSTOR_STORAGE_VOL_STREAM_SPARSE = 1 << 0,
};
/* Wipe algorithms (libvirt's virStorageVolWipeAlgorithm). */
typedef enum {
    VSTOR_STORAGE_VOL_WIPE_ALG_ZERO = 0,
    VSTOR_STORAGE_VOL_WIPE_ALG_NNSA = 1,
    VSTOR_STORAGE_VOL_WIPE_ALG_DOD = 2,
    VSTOR_STORAGE_VOL_WIPE_ALG_BSI = 3,
    VSTOR_STORAGE_VOL_WIPE_ALG_GUTMANN = 4,
    VSTOR_STORAGE_VOL_WIPE_ALG_SCHNEIER = 5,
    VSTOR_STORAGE_VOL_WIPE_ALG_PFITZNER7 = 6,
    VSTOR_STORAGE_VOL_WIPE_ALG_PFITZNER33 = 7,
    VSTOR_STORAGE_VOL_WIPE_ALG_RANDOM = 8,
    VSTOR_STORAGE_VOL_WIPE_ALG_TRIM = 9,
} VstorStorageVolWipeAlgorithm;

/* --- connections --- */

/* Opens @uri:
 * - "vstor:///embed?root=DIR" runs the driver in this process on the state root DIR (created
 *   if needed; one owner at a time);
 * - "vstor:///system" connects to the system vstord (/run/vstor/vstord-sock, or
 *   /run/vstor/vstord-sock-ro with VSTOR_CONNECT_RO); "vstor+unix:///system?socket=PATH" and
 *   "vstor:///system?socket=PATH" connect to the socket PATH as given, read-only or not.
 * With VSTOR_CONNECT_RO every call that changes state fails with VSTOR_ERR_OPERATION_DENIED
 * (embedded: checked here; remote: vstord refuses them).
 * Fails with VSTOR_ERR_NO_CONNECT for a URI it cannot serve, VSTOR_ERR_OPERATION_INVALID when
 * an embedded root is owned by another process, VSTOR_ERR_SYSTEM_ERROR when vstord's socket
 * cannot be reached, or the error vstord answers the open with. */
VstorConnect *vstor_connect_open(const char *uri, unsigned int flags, GError **error);
/* Closes @conn (NULL is fine); handles made from it must not be used afterwards. Remote:
 * the server is told, event callbacks are dropped (their destroy notifies run). */
void vstor_connect_close(VstorConnect *conn);
const char *vstor_connect_get_uri(VstorConnect *conn);

/* --- pools --- */

VstorStoragePool *vstor_storage_pool_lookup_by_name(VstorConnect *conn, const char *name,
                                                    GError **error);
VstorStoragePool *vstor_storage_pool_lookup_by_uuid_string(VstorConnect *conn, const char *uuid,
                                                           GError **error);
VstorStoragePool *vstor_storage_pool_lookup_by_target_path(VstorConnect *conn, const char *path,
                                                           GError **error);
VstorStoragePool *vstor_storage_pool_lookup_by_volume(VstorStorageVol *vol, GError **error);
/* Pools matching the VSTOR_CONNECT_LIST_STORAGE_POOLS_* filter, sorted by name: a GPtrArray
 * of VstorStoragePool* that frees them with it. */
GPtrArray *vstor_connect_list_all_storage_pools(VstorConnect *conn, unsigned int flags,
                                                GError **error);
VstorStoragePool *vstor_storage_pool_define_xml(VstorConnect *conn, const char *xml,
                                                unsigned int flags, GError **error);
VstorStoragePool *vstor_storage_pool_create_xml(VstorConnect *conn, const char *xml,
                                                unsigned int flags, GError **error);
int vstor_storage_pool_build(VstorStoragePool *pool, unsigned int flags, GError **error);
/* Starts (libvirt: "create") an inactive pool. */
int vstor_storage_pool_create(VstorStoragePool *pool, unsigned int flags, GError **error);
/* Stops an active pool; nothing in it is destroyed. */
int vstor_storage_pool_destroy(VstorStoragePool *pool, GError **error);
int vstor_storage_pool_delete(VstorStoragePool *pool, unsigned int flags, GError **error);
int vstor_storage_pool_undefine(VstorStoragePool *pool, GError **error);
int vstor_storage_pool_refresh(VstorStoragePool *pool, unsigned int flags, GError **error);
int vstor_storage_pool_get_info(VstorStoragePool *pool, VstorStoragePoolInfo *ret_info,
                                GError **error);
char *vstor_storage_pool_get_xml_desc(VstorStoragePool *pool, unsigned int flags, GError **error);
int vstor_storage_pool_get_autostart(VstorStoragePool *pool, gboolean *ret_autostart,
                                     GError **error);
int vstor_storage_pool_set_autostart(VstorStoragePool *pool, gboolean autostart, GError **error);
/* 1 or 0, -1 on error. */
int vstor_storage_pool_is_active(VstorStoragePool *pool, GError **error);
int vstor_storage_pool_is_persistent(VstorStoragePool *pool, GError **error);
const char *vstor_storage_pool_get_name(VstorStoragePool *pool);
/* The canonical UUID text (36 characters). */
const char *vstor_storage_pool_get_uuid_string(VstorStoragePool *pool);
void vstor_storage_pool_free(VstorStoragePool *pool); /* accepts NULL */

/* --- volumes --- */

/* The volumes of an active pool, sorted by name: a GPtrArray of VstorStorageVol*. */
GPtrArray *vstor_storage_pool_list_all_volumes(VstorStoragePool *pool, unsigned int flags,
                                               GError **error);
VstorStorageVol *vstor_storage_vol_lookup_by_name(VstorStoragePool *pool, const char *name,
                                                  GError **error);
VstorStorageVol *vstor_storage_vol_lookup_by_key(VstorConnect *conn, const char *key,
                                                 GError **error);
VstorStorageVol *vstor_storage_vol_lookup_by_path(VstorConnect *conn, const char *path,
                                                  GError **error);
VstorStorageVol *vstor_storage_vol_create_xml(VstorStoragePool *pool, const char *xml,
                                              unsigned int flags, GError **error);
/* Clones or converts @source (in any active pool) into a new volume of @pool. */
VstorStorageVol *vstor_storage_vol_create_xml_from(VstorStoragePool *pool, const char *xml,
                                                   VstorStorageVol *source, unsigned int flags,
                                                   GError **error);
int vstor_storage_vol_delete(VstorStorageVol *vol, unsigned int flags, GError **error);
int vstor_storage_vol_wipe(VstorStorageVol *vol, unsigned int flags, GError **error);
int vstor_storage_vol_wipe_pattern(VstorStorageVol *vol, unsigned int algorithm, unsigned int flags,
                                   GError **error);
int vstor_storage_vol_resize(VstorStorageVol *vol, guint64 capacity, unsigned int flags,
                             GError **error);
int vstor_storage_vol_get_info(VstorStorageVol *vol, unsigned int flags,
                               VstorStorageVolInfo *ret_info, GError **error);
char *vstor_storage_vol_get_xml_desc(VstorStorageVol *vol, unsigned int flags, GError **error);
char *vstor_storage_vol_get_path(VstorStorageVol *vol, GError **error);
/* Copies [offset, offset + length) of @vol (length 0: to its end) into the file descriptor
 * @fd, which must be seekable when VSTOR_STORAGE_VOL_STREAM_SPARSE keeps holes as holes. */
int vstor_storage_vol_download_to_fd(VstorStorageVol *vol, int fd, guint64 offset, guint64 length,
                                     unsigned int flags, GError **error);
/* Writes the data of @fd (from its current position to its end) into @vol at @offset; with
 * VSTOR_STORAGE_VOL_STREAM_SPARSE the holes of a seekable @fd are sent as holes. */
int vstor_storage_vol_upload_from_fd(VstorStorageVol *vol, int fd, guint64 offset, guint64 length,
                                     unsigned int flags, GError **error);
const char *vstor_storage_vol_get_name(VstorStorageVol *vol);
const char *vstor_storage_vol_get_key(VstorStorageVol *vol);
const char *vstor_storage_vol_get_pool_name(VstorStorageVol *vol);
void vstor_storage_vol_free(VstorStorageVol *vol); /* accepts NULL */

/* --- capabilities and source discovery --- */

/* The <storagepoolCapabilities> document: every pool type, whether vstor supports it, and
 * its source and volume formats (virConnectGetStoragePoolCapabilities). No flags yet. */
char *vstor_connect_get_storage_pool_capabilities(VstorConnect *conn, unsigned int flags,
                                                  GError **error);
/* The <sources> document listing what a pool of @type ("fs", "netfs", "disk" ...) could use,
 * given an optional <source> hint @spec (NULL: none). VSTOR_ERR_NO_SUPPORT for types that
 * cannot discover sources. */
char *vstor_connect_find_storage_pool_sources(VstorConnect *conn, const char *type,
                                              const char *spec, unsigned int flags, GError **error);

/* --- storage pool events --- */

/* Lifecycle events (libvirt's virStoragePoolEventLifecycleType) and the refresh event. */
typedef enum {
    VSTOR_STORAGE_POOL_EVENT_DEFINED = 0,
    VSTOR_STORAGE_POOL_EVENT_UNDEFINED = 1,
    VSTOR_STORAGE_POOL_EVENT_STARTED = 2,
    VSTOR_STORAGE_POOL_EVENT_STOPPED = 3,
    VSTOR_STORAGE_POOL_EVENT_CREATED = 4,
    VSTOR_STORAGE_POOL_EVENT_DELETED = 5,
    VSTOR_STORAGE_POOL_EVENT_REFRESH = 100,
} VstorStoragePoolEventType;

/* Called for each event, never under a lock of the library; @pool is valid during the call
 * only. Embedded: on the thread whose call caused the event (any thread: an autostart retry
 * runs on its own). Remote: on the connection's event thread, in the order vstord sent them;
 * the callback may make calls on the connection but must not close it. */
typedef void (*VstorStoragePoolEventFunc)(VstorConnect *conn, VstorStoragePool *pool,
                                          VstorStoragePoolEventType event, gpointer data);

/* Calls @func for the events of @pool (NULL: of every pool). Returns a callback id > 0 for
 * vstor_connect_storage_pool_event_deregister, or -1. @destroy frees @data when the callback
 * is deregistered or the connection closes. */
int vstor_connect_storage_pool_event_register(VstorConnect *conn, VstorStoragePool *pool,
                                              VstorStoragePoolEventFunc func, gpointer data,
                                              GDestroyNotify destroy, GError **error);
/* VSTOR_ERR_INVALID_ARG when @callback_id is not registered on @conn. */
int vstor_connect_storage_pool_event_deregister(VstorConnect *conn, int callback_id,
                                                GError **error);

/* --- jobs (vstor's addition: long operations running on worker threads) ---
 * Remotely these go through vstor's own wire program (not libvirt's); a read-only connection
 * may list jobs but not cancel them (VSTOR_ERR_OPERATION_DENIED). */

typedef struct {
    guint64 id;
    const char *kind; /* "vol-clone", "vol-wipe", "vol-upload", "pool-build" ... */
    char *pool;
    char *vol; /* NULL for pool jobs */
    guint64 done; /* bytes */
    guint64 total; /* bytes; 0 when unknown */
} VstorStorageJobInfo;

void vstor_storage_job_info_free(VstorStorageJobInfo *info);
/* The jobs running in @pool (NULL: in every pool), oldest first: VstorStorageJobInfo*. */
GPtrArray *vstor_connect_list_jobs(VstorConnect *conn, VstorStoragePool *pool, unsigned int flags,
                                   GError **error);
/* Asks job @id to stop; its operation then fails with VSTOR_ERR_OPERATION_ABORTED and removes
 * what it half made. VSTOR_ERR_INVALID_ARG when no such job runs. */
int vstor_connect_cancel_job(VstorConnect *conn, guint64 id, unsigned int flags, GError **error);

/* --- secrets (libvirt's virSecret: keys for pool authentication and volume encryption) ---
 * A secret is an XML definition (<secret>: uuid, usage, ephemeral, private) plus a value. */

/* Usage types (libvirt's virSecretUsageType). */
typedef enum {
    VSTOR_STORAGE_SECRET_USAGE_NONE = 0,
    VSTOR_STORAGE_SECRET_USAGE_VOLUME = 1,
    VSTOR_STORAGE_SECRET_USAGE_CEPH = 2,
    VSTOR_STORAGE_SECRET_USAGE_ISCSI = 3,
    VSTOR_STORAGE_SECRET_USAGE_TLS = 4,
    VSTOR_STORAGE_SECRET_USAGE_VTPM = 5,
} VstorStorageSecretUsageType;
enum {
    /* vstor_connect_list_all_secrets filters (libvirt's VIR_CONNECT_LIST_SECRETS_*). */
    VSTOR_CONNECT_LIST_SECRETS_EPHEMERAL = 1 << 0,
    VSTOR_CONNECT_LIST_SECRETS_NO_EPHEMERAL = 1 << 1,
    VSTOR_CONNECT_LIST_SECRETS_PRIVATE = 1 << 2,
    VSTOR_CONNECT_LIST_SECRETS_NO_PRIVATE = 1 << 3,
};
enum {
    /* vstor_storage_secret_define_xml: validate the XML against the schema. */
    VSTOR_STORAGE_SECRET_DEFINE_VALIDATE = 1 << 0,
};

/* Defines (or, same uuid, redefines) a secret from <secret> XML; persistent ones are saved.
 * Fails with libvirt's errors: XML errors, VSTOR_ERR_INTERNAL_ERROR when the usage belongs
 * to another secret or a redefinition changes what cannot change. */
VstorStorageSecret *vstor_storage_secret_define_xml(VstorConnect *conn, const char *xml,
                                                    unsigned int flags, GError **error);
/* Removes the secret and its value. VSTOR_ERR_NO_SECRET when it is gone. */
int vstor_storage_secret_undefine(VstorStorageSecret *secret, GError **error);
/* VSTOR_ERR_INVALID_ARG for a malformed UUID, VSTOR_ERR_NO_SECRET when none has it. */
VstorStorageSecret *vstor_storage_secret_lookup_by_uuid_string(VstorConnect *conn, const char *uuid,
                                                               GError **error);
/* The secret of @usage_type (VstorStorageSecretUsageType) whose usage is @usage_id (volume
 * path, ceph/tls/vtpm name or iscsi target). VSTOR_ERR_NO_SECRET when none. */
VstorStorageSecret *vstor_storage_secret_lookup_by_usage(VstorConnect *conn, int usage_type,
                                                         const char *usage_id, GError **error);
/* The secrets matching the VSTOR_CONNECT_LIST_SECRETS_* filter, sorted by uuid: a GPtrArray
 * of VstorStorageSecret* that frees them with it. */
GPtrArray *vstor_connect_list_all_secrets(VstorConnect *conn, unsigned int flags, GError **error);
char *vstor_storage_secret_get_xml_desc(VstorStorageSecret *secret, unsigned int flags,
                                        GError **error);
/* The value (*ret_len bytes, g_free it; wipe it first if it matters). Fails with
 * VSTOR_ERR_NO_SECRET when no value is set, VSTOR_ERR_INVALID_SECRET for a private secret,
 * and VSTOR_ERR_OPERATION_DENIED on a read-only connection. */
guint8 *vstor_storage_secret_get_value(VstorStorageSecret *secret, gsize *ret_len,
                                       unsigned int flags, GError **error);
/* Replaces the value (saved first for a persistent secret: on failure nothing changes). */
int vstor_storage_secret_set_value(VstorStorageSecret *secret, const guint8 *value, gsize len,
                                   unsigned int flags, GError **error);
/* The canonical UUID text (36 characters). */
const char *vstor_storage_secret_get_uuid_string(VstorStorageSecret *secret);
/* A VstorStorageSecretUsageType. */
int vstor_storage_secret_get_usage_type(VstorStorageSecret *secret);
/* The usage identifier ("" for usage none). */
const char *vstor_storage_secret_get_usage_id(VstorStorageSecret *secret);
void vstor_storage_secret_free(VstorStorageSecret *secret); /* accepts NULL */

/* --- secret events --- */

/* What to register for (libvirt's virSecretEventID). */
typedef enum {
    VSTOR_STORAGE_SECRET_EVENT_ID_LIFECYCLE = 0, /* defined, undefined */
    VSTOR_STORAGE_SECRET_EVENT_ID_VALUE_CHANGED = 1,
} VstorStorageSecretEventID;

/* The events: libvirt's virSecretEventLifecycleType values, then value-changed. */
typedef enum {
    VSTOR_STORAGE_SECRET_EVENT_DEFINED = 0,
    VSTOR_STORAGE_SECRET_EVENT_UNDEFINED = 1,
    VSTOR_STORAGE_SECRET_EVENT_VALUE_CHANGED = 2,
} VstorStorageSecretEventType;

/* Called as VstorStoragePoolEventFunc is (no library lock held; remote: on the connection's
 * event thread, in vstord's order); @secret is valid during the call only. */
typedef void (*VstorStorageSecretEventFunc)(VstorConnect *conn, VstorStorageSecret *secret,
                                            VstorStorageSecretEventType event, gpointer data);

/* Calls @func for the @event_id (VstorStorageSecretEventID) events of @secret (NULL: of every
 * secret). Returns a callback id > 0 for vstor_connect_secret_event_deregister, or -1
 * (VSTOR_ERR_INVALID_ARG for an unknown @event_id). @destroy frees @data when the callback is
 * deregistered or the connection closes; on failure the caller keeps @data. */
int vstor_connect_secret_event_register(VstorConnect *conn, VstorStorageSecret *secret,
                                        int event_id, VstorStorageSecretEventFunc func,
                                        gpointer data, GDestroyNotify destroy, GError **error);
/* VSTOR_ERR_INVALID_ARG when @callback_id is not a secret callback registered on @conn. */
int vstor_connect_secret_event_deregister(VstorConnect *conn, int callback_id, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(VstorConnect, vstor_connect_close)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VstorStoragePool, vstor_storage_pool_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VstorStorageVol, vstor_storage_vol_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VstorStorageSecret, vstor_storage_secret_free)

G_END_DECLS
