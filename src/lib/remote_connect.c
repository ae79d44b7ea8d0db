/* remote_connect.c: the remote connection to vstord — URI to socket, libvirt's open handshake,
 * close, wire handles, capabilities, sources, pool events (secret ones: remote_secret.c), jobs. */
#include <string.h>

#include "lib/lib_priv.h"
#include "util/error.h"

/* Where vstord listens without --root (DESIGN.md). */
#define SYSTEM_SOCKET "/run/vstor/vstord-sock"
#define RO_SUFFIX "-ro"
/* The name every remote open sends; vstord accepts it whatever the transport. */
#define OPEN_NAME "vstor:///system"
/* libvirt's feature numbers and flags used in the handshake. */
#define FEATURE_PROGRAM_KEEPALIVE 10
#define FEATURE_REMOTE_EVENT_CALLBACK 14
#define CONNECT_RO 1

/* One public registration: two server callbacks (lifecycle and refresh). */
typedef struct {
    gint refs;
    VstorStoragePoolEventFunc func;
    gpointer data;
    GDestroyNotify destroy;
    int server_ids[2]; /* -1 until registered (vstord counts from 0) */
} RemoteEvent;

static RemoteEvent *
remote_event_ref(RemoteEvent *ev)
{
    g_atomic_int_inc(&ev->refs);
    return ev;
}

static void
remote_event_unref(gpointer p)
{
    RemoteEvent *ev = p;

    if (!ev || !g_atomic_int_dec_and_test(&ev->refs))
        return;
    if (ev->destroy)
        ev->destroy(ev->data);
    g_free(ev);
}

/* The socket a remote URI names, or NULL with no error when @uri is not remote. */
static char *
remote_socket(const char *uri, gboolean readonly, GError **error)
{
    g_autoptr(GUri) parsed = g_uri_parse(uri, G_URI_FLAGS_ENCODED_QUERY, NULL);
    g_autoptr(GHashTable) params = NULL;
    const char *scheme, *query, *socket;

    if (!parsed)
        return NULL;
    scheme = g_uri_get_scheme(parsed);
    if (g_strcmp0(scheme, "vstor") != 0 && g_strcmp0(scheme, "vstor+unix") != 0)
        return NULL;
    if (g_strcmp0(scheme, "vstor") == 0 && g_strcmp0(g_uri_get_path(parsed), "/embed") == 0)
        return NULL;
    if ((g_uri_get_host(parsed) && *g_uri_get_host(parsed)) ||
        g_strcmp0(g_uri_get_path(parsed), "/system") != 0) {
        vstor_error_set(error, VSTOR_ERR_NO_CONNECT,
                        "cannot open '%s': vstor serves vstor:///system (vstord; "
                        "?socket=PATH for another socket) and vstor:///embed?root=DIR",
                        uri);
        return (char *)-1;
    }
    query = g_uri_get_query(parsed);
    params = query ? g_uri_parse_params(query, -1, "&", G_URI_PARAMS_NONE, NULL) : NULL;
    socket = params ? g_hash_table_lookup(params, "socket") : NULL;
    /* As libvirt: an explicit socket is used as given, read-only or not. */
    if (socket && *socket)
        return g_strdup(socket);
    return g_strdup(readonly ? SYSTEM_SOCKET RO_SUFFIX : SYSTEM_SOCKET);
}

int
lib_remote_call(VstorConnect *conn, int proc, xdrproc_t args_proc, const void *args,
                xdrproc_t ret_proc, void *ret, GError **error)
{
    return vstor_rpc_client_call(conn->rpc, REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION, proc,
                                 args_proc, args, ret_proc, ret, error);
}

static void on_rpc_event(VstorRpcClient *cl, const vstor_message_header *hdr, GBytes *msg,
                         gpointer data);

/* libvirt's client order: the auth list, keepalive (asked before open; from then on vstord
 * pings an idle connection and the RPC client answers), open, then whether events carry
 * server-side callback ids, which the *_REGISTER_ANY procedures need. */
static int
handshake(VstorConnect *conn, GError **error)
{
    remote_auth_list_ret auth = {0};
    remote_connect_open_args open_args = {0};
    remote_connect_supports_feature_args feat = {.feature = FEATURE_PROGRAM_KEEPALIVE};
    remote_connect_supports_feature_ret feat_ret = {0};
    char *name = (char *)OPEN_NAME;
    gboolean none = FALSE;

    if (lib_remote_call(conn, REMOTE_PROC_AUTH_LIST, NULL, NULL,
                        (xdrproc_t)xdr_remote_auth_list_ret, &auth, error) < 0)
        return -1;
    for (u_int i = 0; i < auth.types.types_len; i++)
        none |= auth.types.types_val[i] == REMOTE_AUTH_NONE;
    xdr_free((xdrproc_t)xdr_remote_auth_list_ret, (char *)&auth);
    if (!none) {
        vstor_error_set(error, VSTOR_ERR_AUTH_FAILED,
                        "the server asks for an authentication vstor does not do");
        return -1;
    }
    if (lib_remote_call(conn, REMOTE_PROC_CONNECT_SUPPORTS_FEATURE,
                        (xdrproc_t)xdr_remote_connect_supports_feature_args, &feat,
                        (xdrproc_t)xdr_remote_connect_supports_feature_ret, &feat_ret, error) < 0)
        return -1;
    open_args.name = &name;
    open_args.flags = conn->readonly ? CONNECT_RO : 0;
    if (lib_remote_call(conn, REMOTE_PROC_CONNECT_OPEN, (xdrproc_t)xdr_remote_connect_open_args,
                        &open_args, NULL, NULL, error) < 0)
        return -1;
    feat.feature = FEATURE_REMOTE_EVENT_CALLBACK;
    if (lib_remote_call(conn, REMOTE_PROC_CONNECT_SUPPORTS_FEATURE,
                        (xdrproc_t)xdr_remote_connect_supports_feature_args, &feat,
                        (xdrproc_t)xdr_remote_connect_supports_feature_ret, &feat_ret, error) < 0)
        return -1;
    if (!feat_ret.supported) {
        vstor_error_set(error, VSTOR_ERR_NO_SUPPORT,
                        "the server does not support event callbacks with server-side ids");
        return -1;
    }
    return 0;
}

int
lib_remote_open(const char *uri, unsigned int flags, VstorConnect **ret_conn, GError **error)
{
    g_autofree char *path = NULL;
    VstorConnect *conn;

    *ret_conn = NULL;
    path = remote_socket(uri, (flags & VSTOR_CONNECT_RO) != 0, error);
    if (path == (char *)-1) {
        path = NULL;
        return -1;
    }
    if (!path)
        return 0;
    conn = g_new0(VstorConnect, 1);
    conn->uri = g_strdup(uri);
    conn->readonly = (flags & VSTOR_CONNECT_RO) != 0;
    g_mutex_init(&conn->lock);
    conn->events = g_hash_table_new_full(NULL, NULL, NULL, remote_event_unref);
    conn->secret_events = lib_secret_events_new();
    if (!(conn->rpc = vstor_rpc_client_new_unix(path, error)) || handshake(conn, error) < 0) {
        lib_remote_close(conn);
        return -1;
    }
    vstor_rpc_client_set_event_func(conn->rpc, on_rpc_event, conn);
    *ret_conn = conn;
    return 0;
}

void
lib_remote_close(VstorConnect *conn)
{
    if (conn->rpc && !vstor_rpc_client_is_closed(conn->rpc))
        (void)lib_remote_call(conn, REMOTE_PROC_CONNECT_CLOSE, NULL, NULL, NULL, NULL, NULL);
    /* Joins the event thread, so no callback runs once the registrations go. */
    vstor_rpc_client_free(conn->rpc);
    g_hash_table_unref(conn->events);
    g_hash_table_unref(conn->secret_events);
    g_mutex_clear(&conn->lock);
    g_free(conn->uri);
    g_free(conn);
}

/* --- wire handles --- */

void
lib_wire_pool(VstorStoragePool *pool, remote_nonnull_storage_pool *ret_w)
{
    ret_w->name = pool->id.name;
    memcpy(ret_w->uuid, pool->id.uuid, VSTOR_UUID_LEN);
}

void
lib_wire_vol(VstorStorageVol *vol, remote_nonnull_storage_vol *ret_w)
{
    ret_w->pool = vol->id.pool;
    ret_w->name = vol->id.name;
    ret_w->key = vol->id.key;
}

VstorStoragePool *
lib_pool_from_wire(VstorConnect *conn, const remote_nonnull_storage_pool *w)
{
    VstorPoolId id = {0};

    id.name = g_strdup(w->name);
    memcpy(id.uuid, w->uuid, VSTOR_UUID_LEN);
    return lib_pool_new(conn, &id);
}

VstorStorageVol *
lib_vol_from_wire(VstorConnect *conn, const remote_nonnull_storage_vol *w)
{
    VstorVolId id = {0};

    id.pool = g_strdup(w->pool);
    id.name = g_strdup(w->name);
    id.key = g_strdup(w->key);
    return lib_vol_new(conn, &id);
}

/* --- capabilities and sources --- */

char *
lib_remote_pool_capabilities(VstorConnect *conn, unsigned int flags, GError **error)
{
    remote_connect_get_storage_pool_capabilities_args a = {.flags = flags};
    remote_connect_get_storage_pool_capabilities_ret r = {0};
    char *out;

    if (lib_remote_call(conn, REMOTE_PROC_CONNECT_GET_STORAGE_POOL_CAPABILITIES,
                        (xdrproc_t)xdr_remote_connect_get_storage_pool_capabilities_args, &a,
                        (xdrproc_t)xdr_remote_connect_get_storage_pool_capabilities_ret, &r,
                        error) < 0)
        return NULL;
    out = g_strdup(r.capabilities);
    xdr_free((xdrproc_t)xdr_remote_connect_get_storage_pool_capabilities_ret, (char *)&r);
    return out;
}

char *
lib_remote_find_pool_sources(VstorConnect *conn, const char *type, const char *spec,
                             unsigned int flags, GError **error)
{
    char *spec_str = (char *)spec;
    remote_connect_find_storage_pool_sources_args a = {
        .type = (char *)type, .srcSpec = spec ? &spec_str : NULL, .flags = flags};
    remote_connect_find_storage_pool_sources_ret r = {0};
    char *out;

    if (lib_remote_call(conn, REMOTE_PROC_CONNECT_FIND_STORAGE_POOL_SOURCES,
                        (xdrproc_t)xdr_remote_connect_find_storage_pool_sources_args, &a,
                        (xdrproc_t)xdr_remote_connect_find_storage_pool_sources_ret, &r, error) < 0)
        return NULL;
    out = g_strdup(r.xml);
    xdr_free((xdrproc_t)xdr_remote_connect_find_storage_pool_sources_ret, (char *)&r);
    return out;
}

/* --- pool events --- */

/* Runs on the RPC client's event thread, never under our lock during the callback. */
static void
on_rpc_event(VstorRpcClient *cl, const vstor_message_header *hdr, GBytes *msg, gpointer data)
{
    VstorConnect *conn = data;
    remote_storage_pool_event_lifecycle_msg life = {0};
    remote_storage_pool_event_refresh_msg refresh = {0};
    const remote_nonnull_storage_pool *wire;
    VstorStoragePoolEventType type;
    RemoteEvent *found = NULL;
    GHashTableIter it;
    gpointer v;
    int cb;

    if (hdr->prog != REMOTE_PROGRAM || lib_remote_secret_event_dispatch(conn, hdr, msg))
        return;
    if (hdr->proc == REMOTE_PROC_STORAGE_POOL_EVENT_LIFECYCLE) {
        if (vstor_rpc_decode_body(msg, VSTOR_RPC_PREFIX_LEN,
                                  (xdrproc_t)xdr_remote_storage_pool_event_lifecycle_msg, &life,
                                  NULL) < 0)
            return;
        cb = life.callbackID;
        wire = &life.pool;
        type = (VstorStoragePoolEventType)life.event;
    } else if (hdr->proc == REMOTE_PROC_STORAGE_POOL_EVENT_REFRESH) {
        if (vstor_rpc_decode_body(msg, VSTOR_RPC_PREFIX_LEN,
                                  (xdrproc_t)xdr_remote_storage_pool_event_refresh_msg, &refresh,
                                  NULL) < 0)
            return;
        cb = refresh.callbackID;
        wire = &refresh.pool;
        type = VSTOR_STORAGE_POOL_EVENT_REFRESH;
    } else {
        return;
    }
    g_mutex_lock(&conn->lock);
    g_hash_table_iter_init(&it, conn->events);
    while (!found && g_hash_table_iter_next(&it, NULL, &v)) {
        RemoteEvent *ev = v;

        if (ev->server_ids[0] == cb || ev->server_ids[1] == cb)
            found = remote_event_ref(ev);
    }
    g_mutex_unlock(&conn->lock);
    if (found) {
        VstorStoragePool *pool = lib_pool_from_wire(conn, wire);

        found->func(conn, pool, type, found->data);
        vstor_storage_pool_free(pool);
        remote_event_unref(found);
    }
    if (hdr->proc == REMOTE_PROC_STORAGE_POOL_EVENT_LIFECYCLE)
        xdr_free((xdrproc_t)xdr_remote_storage_pool_event_lifecycle_msg, (char *)&life);
    else
        xdr_free((xdrproc_t)xdr_remote_storage_pool_event_refresh_msg, (char *)&refresh);
}

static void
server_deregister(VstorConnect *conn, int server_id, GError **error)
{
    remote_connect_storage_pool_event_deregister_any_args a = {.callbackID = server_id};

    if (server_id >= 0)
        (void)lib_remote_call(conn, REMOTE_PROC_CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY,
                              (xdrproc_t)xdr_remote_connect_storage_pool_event_deregister_any_args,
                              &a, NULL, NULL, error);
}

int
lib_remote_event_register(VstorConnect *conn, VstorStoragePool *pool,
                          VstorStoragePoolEventFunc func, gpointer data, GDestroyNotify destroy,
                          GError **error)
{
    RemoteEvent *ev = g_new0(RemoteEvent, 1);
    remote_nonnull_storage_pool wire;
    int id = -1;

    ev->refs = 1;
    ev->func = func;
    ev->data = data;
    ev->destroy = destroy;
    ev->server_ids[0] = ev->server_ids[1] = -1;
    if (pool)
        lib_wire_pool(pool, &wire);
    /* Held across the calls so an event that overtakes the reply waits for its callback id. */
    g_mutex_lock(&conn->lock);
    for (int event_id = 0; event_id < 2; event_id++) {
        remote_connect_storage_pool_event_register_any_args a = {.eventID = event_id,
                                                                 .pool = pool ? &wire : NULL};
        remote_connect_storage_pool_event_register_any_ret r = {0};

        if (lib_remote_call(conn, REMOTE_PROC_CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY,
                            (xdrproc_t)xdr_remote_connect_storage_pool_event_register_any_args, &a,
                            (xdrproc_t)xdr_remote_connect_storage_pool_event_register_any_ret, &r,
                            error) < 0)
            break;
        ev->server_ids[event_id] = r.callbackID;
    }
    if (ev->server_ids[1] >= 0) {
        id = ++conn->next_event_id;
        g_hash_table_insert(conn->events, GINT_TO_POINTER(id), ev);
    }
    g_mutex_unlock(&conn->lock);
    if (id < 0) {
        server_deregister(conn, ev->server_ids[0], NULL);
        /* The caller keeps @data on failure, as with the embedded connection. */
        ev->destroy = NULL;
        remote_event_unref(ev);
    }
    return id;
}

int
lib_remote_event_deregister(VstorConnect *conn, int callback_id, GError **error)
{
    gpointer p = NULL;
    RemoteEvent *ev;
    g_autoptr(GError) err = NULL;

    g_mutex_lock(&conn->lock);
    if (!g_hash_table_steal_extended(conn->events, GINT_TO_POINTER(callback_id), NULL, &p)) {
        g_mutex_unlock(&conn->lock);
        vstor_error_set(error, VSTOR_ERR_INVALID_ARG,
                        "could not find event callback %d for deletion", callback_id);
        return -1;
    }
    g_mutex_unlock(&conn->lock);
    ev = p;
    server_deregister(conn, ev->server_ids[0], &err);
    server_deregister(conn, ev->server_ids[1], err ? NULL : &err);
    remote_event_unref(ev);
    if (err) {
        g_propagate_error(error, g_steal_pointer(&err));
        return -1;
    }
    return 0;
}

/* --- jobs (VSTOR_PROGRAM) --- */

/* The static name of a job kind the server sent (the public struct holds a const string). */
static const char *
job_kind_name(const char *wire)
{
    for (int k = VSTOR_JOB_VOL_BUILD; k <= VSTOR_JOB_POOL_DELETE; k++) {
        if (g_strcmp0(vstor_job_kind_to_string((VstorJobKind)k), wire) == 0)
            return vstor_job_kind_to_string((VstorJobKind)k);
    }
    return "unknown";
}

GPtrArray *
lib_remote_list_jobs(VstorConnect *conn, VstorStoragePool *pool, unsigned int flags, GError **error)
{
    remote_nonnull_storage_pool wire;
    vstor_list_jobs_args a = {.pool = NULL, .flags = flags};
    vstor_list_jobs_ret r = {0};
    GPtrArray *out;

    if (pool) {
        lib_wire_pool(pool, &wire);
        a.pool = &wire;
    }
    if (vstor_rpc_client_call(conn->rpc, VSTOR_PROGRAM, VSTOR_PROTOCOL_VERSION,
                              VSTOR_PROC_LIST_JOBS, (xdrproc_t)xdr_vstor_list_jobs_args, &a,
                              (xdrproc_t)xdr_vstor_list_jobs_ret, &r, error) < 0)
        return NULL;
    out = g_ptr_array_new_with_free_func((GDestroyNotify)vstor_storage_job_info_free);
    for (u_int i = 0; i < r.jobs.jobs_len; i++) {
        const vstor_job_info *w = &r.jobs.jobs_val[i];
        VstorStorageJobInfo *info = g_new0(VstorStorageJobInfo, 1);

        info->id = w->id;
        info->kind = job_kind_name(w->kind);
        info->pool = g_strdup(w->pool);
        info->vol = w->vol ? g_strdup(*w->vol) : NULL;
        info->done = w->done;
        info->total = w->total;
        g_ptr_array_add(out, info);
    }
    xdr_free((xdrproc_t)xdr_vstor_list_jobs_ret, (char *)&r);
    return out;
}

int
lib_remote_cancel_job(VstorConnect *conn, guint64 id, unsigned int flags, GError **error)
{
    vstor_cancel_job_args a = {.id = id, .flags = flags};

    return vstor_rpc_client_call(conn->rpc, VSTOR_PROGRAM, VSTOR_PROTOCOL_VERSION,
                                 VSTOR_PROC_CANCEL_JOB, (xdrproc_t)xdr_vstor_cancel_job_args, &a,
                                 NULL, NULL, error);
}
