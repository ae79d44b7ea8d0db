/* dispatch_connect.c: the connection procedures clients call around open — auth list,
 * supports-feature, open/close, type, versions, hostname, URI, security, close callbacks,
 * and storage pool event registration. Answers follow libvirt's daemon. */
#include <string.h>

#include "daemon/daemon.h"
#include "util/error.h"

/* libvirt's virDrvFeature values we are asked about. */
enum {
    FEATURE_PROGRAM_KEEPALIVE = 10,
    FEATURE_REMOTE_EVENT_CALLBACK = 14,
    FEATURE_REMOTE_CLOSE_CALLBACK = 15,
};
#define CONNECT_RO 1 /* VIR_CONNECT_RO */
/* Our version in libvirt's major * 1000000 + minor * 1000 + micro form. */
#define VSTOR_VERSION_NUMBER 1000ULL
/* The protocol we speak is libvirt 9.0.0's; clients compare this to decide what to call. */
#define VSTOR_LIBVIRT_VERSION_NUMBER 9000000ULL

static int
proc_auth_list(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret, GError **err)
{
    remote_auth_list_ret *r = ret;

    /* Access on a Unix socket is decided by the socket and the peer credentials. */
    r->types.types_len = 1;
    r->types.types_val = g_new0(remote_auth_type, 1);
    r->types.types_val[0] = REMOTE_AUTH_NONE;
    return 0;
}

static int
proc_supports_feature(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret,
                      GError **err)
{
    remote_connect_supports_feature_args *a = args;
    remote_connect_supports_feature_ret *r = ret;
    VstorClientState *st;
    gboolean opened;

    /* Keepalive is asked before open; a client that asks answers pings, so from now on it
     * gets them (libvirt's rule), and is dropped when it stops answering. */
    if (a->feature == FEATURE_PROGRAM_KEEPALIVE) {
        vstor_server_start_keepalive(vstor_client_server(c), c);
        r->supported = 1;
        return 0;
    }
    st = vstor_client_lock(c);
    opened = st->opened;
    vstor_client_unlock(c);
    if (!opened) {
        vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR, "hypervisor connection not open");
        return -1;
    }
    /* Events carry server-side callback ids; close callbacks are accepted. Everything else
     * (migration, fd passing, typed string params) is hypervisor business we do not do. */
    r->supported =
        a->feature == FEATURE_REMOTE_EVENT_CALLBACK || a->feature == FEATURE_REMOTE_CLOSE_CALLBACK;
    return 0;
}

static int
proc_open(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret, GError **err)
{
    remote_connect_open_args *a = args;
    const char *name = a->name ? *a->name : NULL;
    VstorClientState *st;

    if (a->flags & ~(unsigned)CONNECT_RO) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG, "unsupported flags (0x%x) in function %s",
                        a->flags & ~(unsigned)CONNECT_RO, "remoteDispatchConnectOpen");
        return -1;
    }
    /* The name libvirt's client sends is the URI without transport and query:
     * vstor+unix:///system?socket=... arrives as vstor:///system. */
    if (name && *name && g_strcmp0(name, "vstor:///system") != 0 &&
        g_strcmp0(name, "storage:///system") != 0) {
        vstor_error_set(err, VSTOR_ERR_NO_CONNECT, "%s", name);
        return -1;
    }
    st = vstor_client_lock(c);
    if (st->opened) {
        vstor_client_unlock(c);
        vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR, "connection already open");
        return -1;
    }
    /* Peer credentials decided at accept; a read-only open needs no more than the ro socket. */
    if (st->denied && !(a->flags & CONNECT_RO)) {
        vstor_error_set(err, VSTOR_ERR_ACCESS_DENIED, "%s", st->denied);
        vstor_client_unlock(c);
        return -1;
    }
    st->opened = TRUE;
    if (a->flags & CONNECT_RO)
        st->readonly = TRUE;
    g_free(st->uri);
    st->uri = g_strdup(name && *name ? name : "vstor:///system");
    vstor_client_unlock(c);
    return 0;
}

static int
proc_close(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret, GError **err)
{
    VstorClientState *st = vstor_client_lock(c);

    st->opened = FALSE;
    g_array_set_size(st->pool_events, 0);
    g_array_set_size(st->secret_events, 0);
    vstor_client_unlock(c);
    return 0;
}

static int
proc_get_type(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret, GError **err)
{
    /* libvirt's storage daemon answers with its driver's name; scripts may test for it. */
    ((remote_connect_get_type_ret *)ret)->type = g_strdup("storage");
    return 0;
}

static int
proc_get_version(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret,
                 GError **err)
{
    ((remote_connect_get_version_ret *)ret)->hv_ver = VSTOR_VERSION_NUMBER;
    return 0;
}

static int
proc_get_lib_version(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret,
                     GError **err)
{
    ((remote_connect_get_lib_version_ret *)ret)->lib_ver = VSTOR_LIBVIRT_VERSION_NUMBER;
    return 0;
}

static int
proc_get_hostname(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret,
                  GError **err)
{
    ((remote_connect_get_hostname_ret *)ret)->hostname = g_strdup(g_get_host_name());
    return 0;
}

static int
proc_get_uri(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret, GError **err)
{
    VstorClientState *st = vstor_client_lock(c);

    ((remote_connect_get_uri_ret *)ret)->uri = g_strdup(st->uri);
    vstor_client_unlock(c);
    return 0;
}

static int
proc_is_secure(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret, GError **err)
{
    /* A local Unix socket cannot be snooped. */
    ((remote_int_ret *)ret)->value = 1;
    return 0;
}

static int
proc_is_encrypted(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret,
                  GError **err)
{
    ((remote_int_ret *)ret)->value = 0;
    return 0;
}

static int
proc_close_callback(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret,
                    GError **err)
{
    /* The client fires its close callback itself when the socket drops; we never close a
     * connection on purpose except on shutdown, which drops the socket too. */
    return 0;
}

static int
proc_pool_event_register(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret,
                         GError **err)
{
    remote_connect_storage_pool_event_register_any_args *a = args;
    /* VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE (0) and _REFRESH (1). */
    int id = vstor_events_register(c, FALSE, a->eventID, 1,
                                   a->pool ? (const guint8 *)a->pool->uuid : NULL, err);

    if (id < 0)
        return -1;
    ((remote_connect_storage_pool_event_register_any_ret *)ret)->callbackID = id;
    return 0;
}

static int
proc_pool_event_deregister(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret,
                           GError **err)
{
    return vstor_events_deregister(
        c, FALSE, ((remote_connect_storage_pool_event_deregister_any_args *)args)->callbackID, err);
}

const VstorProc vstor_connect_procs[] = {
    VSTOR_PROC_NOARGS(REMOTE_PROC_AUTH_LIST, proc_auth_list, remote_auth_list_ret, NULL, TRUE),
    VSTOR_PROC(REMOTE_PROC_CONNECT_SUPPORTS_FEATURE, proc_supports_feature,
               remote_connect_supports_feature_args, remote_connect_supports_feature_ret, NULL,
               TRUE),
    VSTOR_PROC_NORET(REMOTE_PROC_CONNECT_OPEN, proc_open, remote_connect_open_args, NULL, TRUE),
    VSTOR_PROC_NONE(REMOTE_PROC_CONNECT_CLOSE, proc_close, NULL, TRUE),
    VSTOR_PROC_NOARGS(REMOTE_PROC_CONNECT_GET_TYPE, proc_get_type, remote_connect_get_type_ret,
                      NULL, FALSE),
    VSTOR_PROC_NOARGS(REMOTE_PROC_CONNECT_GET_VERSION, proc_get_version,
                      remote_connect_get_version_ret, NULL, FALSE),
    VSTOR_PROC_NOARGS(REMOTE_PROC_CONNECT_GET_LIB_VERSION, proc_get_lib_version,
                      remote_connect_get_lib_version_ret, NULL, FALSE),
    VSTOR_PROC_NOARGS(REMOTE_PROC_CONNECT_GET_HOSTNAME, proc_get_hostname,
                      remote_connect_get_hostname_ret, NULL, FALSE),
    VSTOR_PROC_NOARGS(REMOTE_PROC_CONNECT_GET_URI, proc_get_uri, remote_connect_get_uri_ret, NULL,
                      FALSE),
    VSTOR_PROC_NOARGS(REMOTE_PROC_CONNECT_IS_SECURE, proc_is_secure, remote_int_ret, NULL, FALSE),
    VSTOR_PROC_NOARGS(REMOTE_PROC_CONNECT_IS_ENCRYPTED, proc_is_encrypted, remote_int_ret, NULL,
                      FALSE),
    VSTOR_PROC_NONE(REMOTE_PROC_CONNECT_REGISTER_CLOSE_CALLBACK, proc_close_callback, NULL, FALSE),
    VSTOR_PROC_NONE(REMOTE_PROC_CONNECT_UNREGISTER_CLOSE_CALLBACK, proc_close_callback, NULL,
                    FALSE),
    VSTOR_PROC(REMOTE_PROC_CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY, proc_pool_event_register,
               remote_connect_storage_pool_event_register_any_args,
               remote_connect_storage_pool_event_register_any_ret, NULL, FALSE),
    VSTOR_PROC_NORET(REMOTE_PROC_CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY,
                     proc_pool_event_deregister,
                     remote_connect_storage_pool_event_deregister_any_args, NULL, FALSE),
    {0},
};
