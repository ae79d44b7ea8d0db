/* lib_priv.h: what the public API's handles hold, and the dispatch between the two kinds of
 * connection: embedded (a storage driver in-process) or remote (an RPC client to vstord). */
#pragma once

#include "rpc/client.h"
#include "storage/driver.h"
#include "storage/secrets.h"
#include "vstor/vstor.h"

struct _VstorConnect {
    char *uri;
    VstorDriver *driver; /* embedded; NULL when remote */
    VstorRpcClient *rpc; /* remote; NULL when embedded */
    gboolean readonly; /* VSTOR_CONNECT_RO */
    GMutex lock; /* guards events */
    /* Embedded: public callback id -> driver subscription id (GUINT_TO_POINTER).
     * Remote: public callback id -> LibRemoteEvent (remote_connect.c). */
    GHashTable *events;
    /* Secret callbacks: public callback id -> LibSecretEvent (both kinds of connection). */
    GHashTable *secret_events;
    guint secret_sub; /* embedded: the store subscription, 0 until the first registration */
    int next_event_id; /* shared by pool and secret callbacks */
};

struct _VstorStoragePool {
    VstorConnect *conn;
    VstorPoolId id;
    char uuid[VSTOR_UUID_STRING_LEN];
};

struct _VstorStorageVol {
    VstorConnect *conn;
    VstorVolId id;
};

struct _VstorStorageSecret {
    VstorConnect *conn;
    VstorSecretId id;
    char uuid[VSTOR_UUID_STRING_LEN];
};

/* Wraps a driver pool id (taken) in a handle. */
VstorStoragePool *lib_pool_new(VstorConnect *conn, VstorPoolId *id);
VstorStorageVol *lib_vol_new(VstorConnect *conn, VstorVolId *id);
VstorStorageSecret *lib_secret_new(VstorConnect *conn, VstorSecretId *id);

/* connect_extra.c: drops every event callback still registered (before the driver closes). */
void lib_events_clear(VstorConnect *conn);

/* One secret event registration, reference counted so that a deregistration while another
 * thread delivers to it frees it after that delivery (secret.c). */
typedef struct {
    gint refs;
    int event_id; /* VstorStorageSecretEventID */
    gboolean one_secret;
    guint8 uuid[VSTOR_UUID_LEN];
    VstorStorageSecretEventFunc func;
    gpointer data;
    GDestroyNotify destroy;
    int server_id; /* remote: vstord's callback id, -1 until registered */
} LibSecretEvent;

LibSecretEvent *lib_secret_event_ref(LibSecretEvent *ev);
void lib_secret_event_unref(gpointer ev);
/* The table for conn->secret_events. */
GHashTable *lib_secret_events_new(void);
/* secret.c: drops every secret callback (embedded, before the driver closes). */
void lib_secret_events_clear(VstorConnect *conn);

/* Fails with VSTOR_ERR_OPERATION_DENIED, as vstord's read-only socket does, when @conn was
 * opened read-only; @api names the call in the message. */
int lib_check_writable(VstorConnect *conn, const char *api, GError **error);

/* --- remote_connect.c: the remote connection --- */

/* Opens a remote connection when @uri names vstord (vstor:///system, vstor+unix:///system,
 * with ?socket=PATH); returns 0 with *ret_conn NULL when @uri is not a remote URI. */
int lib_remote_open(const char *uri, unsigned int flags, VstorConnect **ret_conn, GError **error);
void lib_remote_close(VstorConnect *conn);
/* A call of REMOTE_PROGRAM over the connection (see vstor_rpc_client_call). */
int lib_remote_call(VstorConnect *conn, int proc, xdrproc_t args_proc, const void *args,
                    xdrproc_t ret_proc, void *ret, GError **error);
/* Wire forms of handles; the strings are borrowed from the handle. */
void lib_wire_pool(VstorStoragePool *pool, remote_nonnull_storage_pool *ret_w);
void lib_wire_vol(VstorStorageVol *vol, remote_nonnull_storage_vol *ret_w);
/* Handles made from wire forms (copied). */
VstorStoragePool *lib_pool_from_wire(VstorConnect *conn, const remote_nonnull_storage_pool *w);
VstorStorageVol *lib_vol_from_wire(VstorConnect *conn, const remote_nonnull_storage_vol *w);

char *lib_remote_pool_capabilities(VstorConnect *conn, unsigned int flags, GError **error);
char *lib_remote_find_pool_sources(VstorConnect *conn, const char *type, const char *spec,
                                   unsigned int flags, GError **error);
int lib_remote_event_register(VstorConnect *conn, VstorStoragePool *pool,
                              VstorStoragePoolEventFunc func, gpointer data, GDestroyNotify destroy,
                              GError **error);
int lib_remote_event_deregister(VstorConnect *conn, int callback_id, GError **error);
GPtrArray *lib_remote_list_jobs(VstorConnect *conn, VstorStoragePool *pool, unsigned int flags,
                                GError **error);
int lib_remote_cancel_job(VstorConnect *conn, guint64 id, unsigned int flags, GError **error);

/* --- remote_pool.c --- */

VstorStoragePool *lib_remote_pool_lookup(VstorConnect *conn, int proc, const char *str,
                                         const guint8 *uuid, GError **error);
VstorStoragePool *lib_remote_pool_lookup_by_volume(VstorStorageVol *vol, GError **error);
GPtrArray *lib_remote_pool_list(VstorConnect *conn, unsigned int flags, GError **error);
VstorStoragePool *lib_remote_pool_define(VstorConnect *conn, int proc, const char *xml,
                                         unsigned int flags, GError **error);
/* Calls taking a pool (and flags when @with_flags), returning nothing. */
int lib_remote_pool_simple(VstorStoragePool *pool, int proc, gboolean with_flags,
                           unsigned int flags, GError **error);
int lib_remote_pool_get_info(VstorStoragePool *pool, VstorStoragePoolInfo *ret_info,
                             GError **error);
char *lib_remote_pool_get_xml(VstorStoragePool *pool, unsigned int flags, GError **error);
/* Calls taking a pool and answering an int (autostart, is-active, is-persistent). */
int lib_remote_pool_int(VstorStoragePool *pool, int proc, GError **error);
int lib_remote_pool_set_autostart(VstorStoragePool *pool, gboolean autostart, GError **error);

/* --- remote_vol.c --- */

GPtrArray *lib_remote_vol_list(VstorStoragePool *pool, unsigned int flags, GError **error);
VstorStorageVol *lib_remote_vol_lookup_by_name(VstorStoragePool *pool, const char *name,
                                               GError **error);
VstorStorageVol *lib_remote_vol_lookup(VstorConnect *conn, int proc, const char *str,
                                       GError **error);
VstorStorageVol *lib_remote_vol_create(VstorStoragePool *pool, const char *xml,
                                       VstorStorageVol *source, unsigned int flags, GError **error);
/* Calls taking a volume and flags, returning nothing (delete, wipe). */
int lib_remote_vol_simple(VstorStorageVol *vol, int proc, unsigned int flags, GError **error);
int lib_remote_vol_wipe_pattern(VstorStorageVol *vol, unsigned int algorithm, unsigned int flags,
                                GError **error);
int lib_remote_vol_resize(VstorStorageVol *vol, guint64 capacity, unsigned int flags,
                          GError **error);
int lib_remote_vol_get_info(VstorStorageVol *vol, unsigned int flags, VstorStorageVolInfo *ret_info,
                            GError **error);
char *lib_remote_vol_get_string(VstorStorageVol *vol, int proc, gboolean with_flags,
                                unsigned int flags, GError **error);
int lib_remote_vol_download(VstorStorageVol *vol, int fd, guint64 offset, guint64 length,
                            unsigned int flags, GError **error);
int lib_remote_vol_upload(VstorStorageVol *vol, int fd, guint64 offset, guint64 length,
                          unsigned int flags, GError **error);

/* --- remote_secret.c --- */

VstorStorageSecret *lib_remote_secret_define(VstorConnect *conn, const char *xml,
                                             unsigned int flags, GError **error);
VstorStorageSecret *lib_remote_secret_lookup(VstorConnect *conn, const guint8 *uuid, int usage_type,
                                             const char *usage_id, GError **error);
GPtrArray *lib_remote_secret_list(VstorConnect *conn, unsigned int flags, GError **error);
int lib_remote_secret_undefine(VstorStorageSecret *secret, GError **error);
char *lib_remote_secret_get_xml(VstorStorageSecret *secret, unsigned int flags, GError **error);
guint8 *lib_remote_secret_get_value(VstorStorageSecret *secret, unsigned int flags, gsize *ret_len,
                                    GError **error);
int lib_remote_secret_set_value(VstorStorageSecret *secret, const guint8 *value, gsize len,
                                unsigned int flags, GError **error);
/* Registers @ev (its event id and secret set) with vstord and adds it to the table. */
int lib_remote_secret_event_register(VstorConnect *conn, LibSecretEvent *ev, GError **error);
int lib_remote_secret_event_deregister(VstorConnect *conn, int callback_id, GError **error);
/* Runs the callback of a secret event message; FALSE when @hdr is not one. */
gboolean lib_remote_secret_event_dispatch(VstorConnect *conn, const vstor_message_header *hdr,
                                          GBytes *msg);

/* vol.c: writes all of @buf to @fd (SYSTEM_ERROR on failure). */
int lib_write_fd(int fd, const char *buf, gsize len, GError **error);

/* A volume transfer's stream, embedded (the driver's) or remote (vstord's), as the pumps see
 * it: read returns bytes, or 0 with *ret_hole set for a hole, or 0 alone at the end. */
typedef struct {
    gssize (*read)(gpointer st, char *buf, gsize len, guint64 *ret_hole, GError **error);
    int (*write)(gpointer st, const char *buf, gsize len, GError **error);
    int (*write_hole)(gpointer st, guint64 len, GError **error);
} LibStreamOps;

/* vol.c: a download into @fd (holes skipped by seeking; @fd must then be seekable, and it is
 * extended over a trailing hole), and an upload from @fd (with @sparse, holes found with
 * SEEK_HOLE/SEEK_DATA travel as holes). Neither finishes the stream. */
int lib_pump_to_fd(gpointer st, const LibStreamOps *ops, int fd, GError **error);
int lib_pump_from_fd(gpointer st, const LibStreamOps *ops, int fd, gboolean sparse, GError **error);
