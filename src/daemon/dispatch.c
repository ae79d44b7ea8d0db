/* dispatch.c: runs one procedure call on a worker thread — finds its handler, applies the
 * open and read-only rules, decodes arguments, encodes the reply or a remote_error. */
#include <string.h>

#include "daemon/daemon.h"
#include "util/error.h"

typedef struct {
    const VstorProc *table;
    int domain; /* libvirt error domain of errors the table's handlers raise */
    guint prog; /* the program the table's procedure numbers belong to */
} ProcTable;

static gint quick_enabled = TRUE; /* vstor_dispatch_set_quick */

static const VstorProc *
find_proc(guint prog, int proc, int *ret_domain)
{
    const ProcTable tables[] = {
        {vstor_connect_procs, VSTOR_FROM_REMOTE, REMOTE_PROGRAM},
        {vstor_pool_procs, VSTOR_FROM_STORAGE, REMOTE_PROGRAM},
        {vstor_vol_procs, VSTOR_FROM_STORAGE, REMOTE_PROGRAM},
        {vstor_stream_procs, VSTOR_FROM_STORAGE, REMOTE_PROGRAM},
        /* libvirt reports secrets from their own domain */
        {vstor_secret_procs, VSTOR_FROM_SECRET, REMOTE_PROGRAM},
        {vstor_jobs_procs, VSTOR_FROM_STORAGE, VSTOR_PROGRAM},
    };

    for (gsize t = 0; t < G_N_ELEMENTS(tables); t++) {
        if (tables[t].prog != prog)
            continue;
        for (const VstorProc *p = tables[t].table; p->proc; p++) {
            if (p->proc == proc) {
                *ret_domain = tables[t].domain;
                return p;
            }
        }
    }
    return NULL;
}

/* Procedures vstord answers on its main loop thread, without a hand-off to a worker, when
 * they can be answered without waiting (vstor_dispatch_call_quick). Their handlers, access
 * checks included, may reach only code that honours the driver's quick mode (driver.h):
 * adding one here means checking that for everything its handler calls. */
static const int quick_procs[] = {
    REMOTE_PROC_CONNECT_GET_TYPE,
    REMOTE_PROC_CONNECT_GET_VERSION,
    REMOTE_PROC_CONNECT_GET_LIB_VERSION,
    REMOTE_PROC_CONNECT_GET_HOSTNAME,
    REMOTE_PROC_CONNECT_GET_URI,
    REMOTE_PROC_CONNECT_IS_SECURE,
    REMOTE_PROC_CONNECT_IS_ENCRYPTED,
    REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_NAME,
    REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_UUID,
    REMOTE_PROC_STORAGE_VOL_LOOKUP_BY_NAME,
    REMOTE_PROC_STORAGE_VOL_GET_INFO,
    REMOTE_PROC_STORAGE_VOL_GET_INFO_FLAGS,
    REMOTE_PROC_STORAGE_VOL_GET_XML_DESC,
    REMOTE_PROC_STORAGE_VOL_GET_PATH,
};

static gboolean
is_quick(guint prog, int proc)
{
    if (prog != REMOTE_PROGRAM || !g_atomic_int_get(&quick_enabled))
        return FALSE;
    for (gsize i = 0; i < G_N_ELEMENTS(quick_procs); i++) {
        if (quick_procs[i] == proc)
            return TRUE;
    }
    return FALSE;
}

void
vstor_dispatch_set_quick(gboolean enabled)
{
    g_atomic_int_set(&quick_enabled, enabled);
}

void
vstor_dispatch_send_error(VstorClient *c, const vstor_message_header *req, vstor_message_type type,
                          int domain, const GError *error)
{
    /* Protocol errors are reported from the RPC domain whatever the call. */
    if (error && error->domain == VSTOR_ERROR && error->code == VSTOR_ERR_RPC)
        domain = VSTOR_FROM_RPC;
    vstor_client_send(c, vstor_rpc_encode_error(req, type, domain, error));
}

/* The open and read-only rules, checked before arguments are even decoded. */
static int
check_access(VstorClient *c, const VstorProc *p, GError **err)
{
    VstorClientState *st = vstor_client_lock(c);
    gboolean opened = st->opened, readonly = st->readonly;

    vstor_client_unlock(c);
    if (!p->before_open && !opened) {
        vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR, "hypervisor connection not open");
        return -1;
    }
    if (p->api && readonly) {
        vstor_error_set(err, VSTOR_ERR_OPERATION_DENIED, "read only access prevents %s", p->api);
        return -1;
    }
    return 0;
}

/* Runs the call in @msg and sends its reply; with @quick, only when it is a quick procedure
 * whose handler ran without having to wait (FALSE otherwise: nothing was sent). */
static gboolean
dispatch_run(VstorClient *c, GBytes *msg, gboolean quick)
{
    vstor_message_header hdr;
    gsize off;
    int domain = VSTOR_FROM_RPC;
    const VstorProc *p;
    g_autoptr(GError) err = NULL;
    g_autofree void *args = NULL;
    g_autofree void *ret = NULL;
    gboolean args_decoded = FALSE;
    int rc;

    if (vstor_rpc_decode_header(msg, &hdr, &off, &err) < 0)
        return TRUE; /* the reader thread already checked it */
    if (quick && !is_quick(hdr.prog, hdr.proc))
        return FALSE;
    p = find_proc(hdr.prog, hdr.proc, &domain);
    if (!p) {
        vstor_error_set(&err, VSTOR_ERR_RPC, "unknown procedure: %d", hdr.proc);
        vstor_dispatch_send_error(c, &hdr, VSTOR_MSG_REPLY, VSTOR_FROM_RPC, err);
        return TRUE;
    }
    if (check_access(c, p, &err) < 0) {
        vstor_dispatch_send_error(c, &hdr, VSTOR_MSG_REPLY, domain, err);
        return TRUE;
    }
    args = g_malloc0(MAX(p->args_size, 1));
    ret = g_malloc0(MAX(p->ret_size, 1));
    if (p->args_proc) {
        if (vstor_rpc_decode_body(msg, off, p->args_proc, args, &err) < 0) {
            vstor_dispatch_send_error(c, &hdr, VSTOR_MSG_REPLY, VSTOR_FROM_RPC, err);
            return TRUE;
        }
        args_decoded = TRUE;
    }
    if (quick)
        vstor_driver_quick_begin();
    rc = p->func(c, &hdr, args, ret, &err);
    if (quick && vstor_driver_quick_end()) {
        /* It would have waited: what came back is dropped, and a worker calls it again. */
        if (args_decoded)
            xdr_free(p->args_proc, args);
        if (p->ret_proc && rc == 0)
            xdr_free(p->ret_proc, ret);
        return FALSE;
    }
    if (rc < 0) {
        vstor_dispatch_send_error(c, &hdr, VSTOR_MSG_REPLY, domain, err);
    } else if (rc == 0) {
        vstor_message_header rh = hdr;
        GBytes *reply;

        rh.type = VSTOR_MSG_REPLY;
        rh.status = VSTOR_STATUS_OK;
        reply = vstor_rpc_encode(&rh, p->ret_proc, p->ret_proc ? ret : NULL, &err);
        if (reply)
            vstor_client_send(c, reply);
        else
            vstor_dispatch_send_error(c, &hdr, VSTOR_MSG_REPLY, VSTOR_FROM_RPC, err);
    }
    if (args_decoded)
        xdr_free(p->args_proc, args);
    if (p->ret_proc && rc == 0)
        xdr_free(p->ret_proc, ret);
    return TRUE;
}

void
vstor_dispatch_call(VstorClient *c, GBytes *msg)
{
    dispatch_run(c, msg, FALSE);
}

gboolean
vstor_dispatch_call_quick(VstorClient *c, GBytes *msg)
{
    return dispatch_run(c, msg, TRUE);
}

int
vstor_dispatch_decode_only(GBytes *msg, GError **err)
{
    vstor_message_header hdr;
    gsize off;
    int domain;
    const VstorProc *p;
    g_autofree void *args = NULL;
    g_autofree void *ret = NULL;

    if (vstor_rpc_decode_header(msg, &hdr, &off, err) < 0)
        return -1;
    if (!(p = find_proc(hdr.prog, hdr.proc, &domain))) {
        vstor_error_set(err, VSTOR_ERR_RPC, "unknown procedure: %d", hdr.proc);
        return -1;
    }
    args = g_malloc0(MAX(p->args_size, 1));
    ret = g_malloc0(MAX(p->ret_size, 1));
    if (p->args_proc && vstor_rpc_decode_body(msg, off, p->args_proc, args, NULL) == 0)
        xdr_free(p->args_proc, args);
    /* The same bytes as the procedure's reply: what a client's decoder meets. */
    if (p->ret_proc && vstor_rpc_decode_body(msg, off, p->ret_proc, ret, NULL) == 0)
        xdr_free(p->ret_proc, ret);
    return 0;
}

void
vstor_wire_pool_to_id(const remote_nonnull_storage_pool *w, VstorPoolId *ret_id)
{
    ret_id->name = g_strdup(w->name);
    memcpy(ret_id->uuid, w->uuid, VSTOR_UUID_LEN);
}

void
vstor_wire_pool_from_id(const VstorPoolId *id, remote_nonnull_storage_pool *ret_w)
{
    /* Replies are released with xdr_free, which uses free(); GLib allocates with malloc. */
    ret_w->name = g_strdup(id->name);
    memcpy(ret_w->uuid, id->uuid, VSTOR_UUID_LEN);
}

void
vstor_wire_vol_to_id(const remote_nonnull_storage_vol *w, VstorVolId *ret_id)
{
    ret_id->pool = g_strdup(w->pool);
    ret_id->name = g_strdup(w->name);
    ret_id->key = g_strdup(w->key);
}

void
vstor_wire_vol_from_id(const VstorVolId *id, remote_nonnull_storage_vol *ret_w)
{
    ret_w->pool = g_strdup(id->pool);
    ret_w->name = g_strdup(id->name);
    ret_w->key = g_strdup(id->key);
}
