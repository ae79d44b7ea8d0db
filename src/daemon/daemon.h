/* daemon.h: what vstord's parts share — the server (sockets, workers, driver) and its
 * clients (one per connection, with their output queue, streams and event callbacks). */
#pragma once

#include <glib.h>

#include "daemon/config.h"
#include "rpc/message.h"
#include "storage/driver.h"

typedef struct _VstorServer VstorServer;
typedef struct _VstorClient VstorClient;
typedef struct _VstorStream VstorStream;
typedef struct _VstorLogger VstorLogger;

typedef struct {
    char *root; /* --root DIR, or NULL for the system paths */
    gboolean verbose;
    const char *config_path; /* re-read on SIGHUP */
    gboolean config_missing_ok; /* the default path, which may be absent */
    int listen_fd[2]; /* socket activation: read-write, read-only; -1 to bind our own */
} VstorServerConfig;

/* --- log.c --- */

/* A log writing lines at @level or above to @outputs (VstorLogOutput; none: stderr);
 * @verbose logs everything whatever the level. Fails when a log file cannot be opened. */
VstorLogger *vstor_logger_new(int level, GArray *outputs, gboolean verbose, GError **err);
/* Replaces level and outputs; on failure the log stays as it was. */
int vstor_logger_reconfigure(VstorLogger *lg, int level, GArray *outputs, GError **err);
void vstor_logger_free(VstorLogger *lg);
int vstor_logger_level(VstorLogger *lg);
/* Writes one line (to stderr when @lg is NULL). */
void vstor_logger_logv(VstorLogger *lg, int level, const char *fmt, va_list ap);

/* --- server.c --- */

/* Opens the driver over @cfg->root and listens on <run>/vstord-sock and vstord-sock-ro (or
 * the sockets systemd passed), with the settings of @conf, which it takes. Fails when the
 * root is locked, the run directory cannot be made or a socket cannot bind. */
VstorServer *vstor_server_new(const VstorServerConfig *cfg, VstorDaemonConfig *conf, GError **err);
/* The run directory (<run>), where the sockets and the pid file are. */
const char *vstor_server_run_dir(VstorServer *srv);
/* Re-reads the configuration file and applies what can change live (SIGHUP). */
void vstor_server_reload(VstorServer *srv);
/* Serves until SIGTERM or SIGINT. */
void vstor_server_run(VstorServer *srv);
/* Closes every client and the sockets, then the driver (active pools stay active). */
void vstor_server_free(VstorServer *srv);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VstorServer, vstor_server_free)

VstorDriver *vstor_server_driver(VstorServer *srv);
GMainContext *vstor_server_context(VstorServer *srv);
guint32 vstor_server_max_message(VstorServer *srv);
/* Calls a client may have queued before its socket stops being read. */
guint vstor_server_max_client_requests(VstorServer *srv);
/* Starts pinging @client (it asked for keepalive); no-op when keepalive_interval <= 0. */
void vstor_server_start_keepalive(VstorServer *srv, VstorClient *client);
/* Queues a procedure call of @client on the worker pool. */
void vstor_server_push_call(VstorServer *srv, VstorClient *client, GBytes *msg);
/* Queues @func(@client, @data) on the worker pool (stream work; @func accounts its own
 * jobs with vstor_client_job_done). */
void vstor_server_push_work(VstorServer *srv, VstorClient *client, GFunc func, gpointer data);
void vstor_server_client_gone(VstorServer *srv, VstorClient *client);
/* Every connected client, referenced, to be used outside the server's lock. */
GPtrArray *vstor_server_clients(VstorServer *srv);
/* The pool access rules in force (a reference: a reload may replace them meanwhile). */
VstorAccessRules *vstor_server_access_rules(VstorServer *srv);
/* A callback id unique within the server, for event registrations. */
int vstor_server_next_callback_id(VstorServer *srv);
/* The daemon's log, one line per event: debug (@debug) or info lines. */
void vstor_log(VstorServer *srv, gboolean debug, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
/* A line at a VstorLogLevel. */
void vstor_log_at(VstorServer *srv, int level, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

/* --- client.c --- */

/* A client on @fd; @denied (taken) is why its connect-open must fail, or NULL. */
VstorClient *vstor_client_new(VstorServer *srv, int fd, gboolean readonly, char *denied);
VstorClient *vstor_client_ref(VstorClient *c);
void vstor_client_unref(VstorClient *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VstorClient, vstor_client_unref)
/* Queues a whole message for the client (any thread); takes @msg. Dropped when closed. */
void vstor_client_send(VstorClient *c, GBytes *msg);
/* Waits until the output queue is below the back-pressure mark; FALSE if the client is gone. */
gboolean vstor_client_wait_writable(VstorClient *c);
/* Drops the connection (any thread). */
void vstor_client_close(VstorClient *c);
gboolean vstor_client_is_closed(VstorClient *c);
/* Counts a queued stream message like a call, so a fast uploader is throttled too. */
void vstor_client_job_add(VstorClient *c);
/* Marks a queued call or stream job done (wakes reading again when it was throttled). */
void vstor_client_job_done(VstorClient *c);
VstorServer *vstor_client_server(VstorClient *c);
gboolean vstor_client_readonly(VstorClient *c);
/* Pings the client every @interval seconds it stays silent and drops it after @count
 * unanswered pings (libvirt's keepalive rules). */
void vstor_client_start_keepalive(VstorClient *c, int interval, int count);

/* Per-connection state the dispatchers keep, guarded by vstor_client_lock(). */
typedef struct {
    gboolean opened;
    gboolean readonly; /* socket or VIR_CONNECT_RO */
    char *uri; /* name the client opened */
    char *denied; /* why connect-open is refused (peer credentials), or NULL */
    GHashTable *streams; /* serial -> VstorStream* */
    GArray *pool_events; /* VstorEventReg */
    GArray *secret_events; /* VstorEventReg (has_pool: a secret's uuid) */
    VstorIdentity ident; /* the peer's credentials, read at accept and never changed */
} VstorClientState;

/* One event registration: a pool's (or a secret's) uuid when it is limited to one object. */
typedef struct {
    int callback_id;
    int event_id;
    gboolean has_pool;
    guint8 uuid[VSTOR_UUID_LEN];
} VstorEventReg;

VstorClientState *vstor_client_lock(VstorClient *c);
void vstor_client_unlock(VstorClient *c);

/* --- dispatch.c: calls --- */

/* Only decodes @msg as the call (and as the reply) of the procedure its header names, then
 * frees what was decoded: the wire fuzz target's way into every procedure's decoders. Fails
 * on a bad header or an unknown procedure. */
int vstor_dispatch_decode_only(GBytes *msg, GError **err);
/* Runs the call in @msg on a worker thread and sends its reply. */
void vstor_dispatch_call(VstorClient *c, GBytes *msg);
/* On the main loop thread: runs the call in @msg and sends its reply when it is a quick
 * procedure (look-ups, volume info, XML, path, connection facts) that could be answered
 * without waiting; FALSE, having sent nothing, when it is for a worker. */
gboolean vstor_dispatch_call_quick(VstorClient *c, GBytes *msg);
/* Turns quick answers on or off (on by default; VSTOR_QUICK_CALLS=0 turns them off, which
 * the tests use to compare both ways of answering). */
void vstor_dispatch_set_quick(gboolean enabled);
/* Sends an error reply for @req: REPLY or STREAM per @type, with @domain. */
void vstor_dispatch_send_error(VstorClient *c, const vstor_message_header *req,
                               vstor_message_type type, int domain, const GError *error);

/* Procedure handlers: decode args done, fill @ret, or fail with @err. Return 1 when the
 * handler sent its own reply (streams). */
typedef int (*VstorProcFunc)(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret,
                             GError **err);

typedef struct {
    int proc;
    VstorProcFunc func;
    xdrproc_t args_proc;
    gsize args_size;
    xdrproc_t ret_proc;
    gsize ret_size;
    const char *api; /* public API name, for the read-only refusal; NULL: allowed read-only */
    gboolean before_open; /* may be called before connect-open */
} VstorProc;

/* Table entries: a handler with argument and reply types, or without either. */
#define VSTOR_PROC(num, fn, at, rt, api, pre)                                                      \
    {                                                                                              \
        num, fn, (xdrproc_t)xdr_##at, sizeof(at), (xdrproc_t)xdr_##rt, sizeof(rt), api, pre        \
    }
#define VSTOR_PROC_NOARGS(num, fn, rt, api, pre)                                                   \
    {                                                                                              \
        num, fn, NULL, 0, (xdrproc_t)xdr_##rt, sizeof(rt), api, pre                                \
    }
#define VSTOR_PROC_NORET(num, fn, at, api, pre)                                                    \
    {                                                                                              \
        num, fn, (xdrproc_t)xdr_##at, sizeof(at), NULL, 0, api, pre                                \
    }
#define VSTOR_PROC_NONE(num, fn, api, pre)                                                         \
    {                                                                                              \
        num, fn, NULL, 0, NULL, 0, api, pre                                                        \
    }

/* Each dispatch_*.c exports its table, terminated by proc 0. */
extern const VstorProc vstor_connect_procs[];
extern const VstorProc vstor_pool_procs[];
extern const VstorProc vstor_vol_procs[];
extern const VstorProc vstor_stream_procs[];
extern const VstorProc vstor_secret_procs[];
/* dispatch_jobs.c: procedures of VSTOR_PROGRAM, not REMOTE_PROGRAM. */
extern const VstorProc vstor_jobs_procs[];

/* Wire (name, uuid) <-> driver ids. */
void vstor_wire_pool_to_id(const remote_nonnull_storage_pool *w, VstorPoolId *ret_id);
void vstor_wire_pool_from_id(const VstorPoolId *id, remote_nonnull_storage_pool *ret_w);
void vstor_wire_vol_to_id(const remote_nonnull_storage_vol *w, VstorVolId *ret_id);
void vstor_wire_vol_from_id(const VstorVolId *id, remote_nonnull_storage_vol *ret_w);

/* --- dispatch_access.c: per-pool access checks (rules in access.h) --- */

/* Whether @c is bound by pool rules: some are configured and it is not root. */
gboolean vstor_access_client_restricted(VstorClient *c);
/* What @c may do with the pool called @pool. */
VstorAccessLevel vstor_access_client_level(VstorClient *c, const char *pool);
gboolean vstor_access_may_see(VstorClient *c, const char *pool);
/* Fails unless @c has @need on the pool called @pool: a pool it may not see fails as a missing
 * one does (VSTOR_ERR_NO_STORAGE_POOL), a lower level with VSTOR_ERR_ACCESS_DENIED naming
 * @api. For volumes, which name their pool. */
int vstor_access_check_pool_name(VstorClient *c, const char *pool, VstorAccessLevel need,
                                 const char *api, GError **err);
/* The same for a pool on the wire, which the driver finds by uuid: its real name decides. */
int vstor_access_check_pool(VstorClient *c, const remote_nonnull_storage_pool *pool,
                            VstorAccessLevel need, const char *api, GError **err);
/* A pool about to be defined or created from @xml: the name in it needs 'manage' (refused
 * with VSTOR_ERR_ACCESS_DENIED, or the parse error of a document that does not parse). */
int vstor_access_check_define(VstorClient *c, const char *xml, const char *api, GError **err);
/* What belongs to no pool (secrets, source discovery) needs 'manage' on some pool; fails with
 * VSTOR_ERR_ACCESS_DENIED in @driver's name ("storage", "secret"). */
gboolean vstor_access_is_manager(VstorClient *c);
int vstor_access_check_manager(VstorClient *c, const char *driver, const char *api, GError **err);
/* Drops the pools (VstorPoolId*) @c may not see from @pools, keeping the order. */
void vstor_access_filter_pools(VstorClient *c, GPtrArray *pools);

/* --- events.c --- */

/* Driver event subscriber that relays pool events to registered clients. */
void vstor_events_relay(const VstorPoolId *pool, VstorPoolEventType event, gpointer srv);
/* Registers @c for pool (or, with @secrets, secret) event @event_id (0..@last_id) of every
 * object or only @uuid's; returns the new callback id. */
int vstor_events_register(VstorClient *c, gboolean secrets, int event_id, int last_id,
                          const guint8 *uuid, GError **err);
int vstor_events_deregister(VstorClient *c, gboolean secrets, int callback_id, GError **err);
/* Secret store subscriber that relays secret events (lifecycle 382, value changed 383). */
void vstor_events_relay_secret(const VstorSecretId *secret, VstorSecretEventType event,
                               gpointer srv);

/* --- dispatch_stream.c --- */

/* Routes a STREAM / STREAM_HOLE message from the client to its stream (main thread). */
void vstor_stream_incoming(VstorClient *c, const vstor_message_header *hdr, GBytes *msg);
/* Releases a stream whose client is gone. */
void vstor_stream_free(VstorStream *st);
