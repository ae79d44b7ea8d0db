/* client.c: the client half of the wire — calls matched to replies by serial, a reader thread
 * that answers keepalive pings and feeds streams, an event thread that runs the callback. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "rpc/client.h"
#include "util/error.h"

/* Download data queued beyond this makes the reader wait for the consumer. */
#define STREAM_QUEUE_MAX (16u << 20)
#define READ_CHUNK 65536
/* Pushed onto the event queue to stop the event thread. */
#define EVENT_STOP ((gpointer)&event_stop_marker)
static const int event_stop_marker = 0;

typedef struct {
    guint serial;
    gboolean done;
    GBytes *reply; /* the whole reply message */
    GError *error; /* the connection went away instead */
} PendingCall;

struct _VstorRpcStream {
    VstorRpcClient *cl;
    guint prog, vers;
    int proc;
    guint serial;
    gboolean sparse;
    /* Guarded by cl->lock. */
    GQueue in; /* GBytes*: data and hole messages not yet read */
    gsize in_bytes;
    gboolean eof; /* the peer's empty data packet: no more data */
    GError *error; /* the server's error for the stream, or the connection's loss */
    guint terminal; /* OK or ERROR packets received */
    gboolean discard; /* finishing or aborting: further data is dropped */
    /* Consumer only. */
    GBytes *cur;
    gsize cur_off;
};

struct _VstorRpcClient {
    int fd;
    GMutex wlock; /* one writer at a time, so messages never interleave */
    GMutex lock;
    GCond cond;
    guint next_serial;
    GHashTable *calls; /* serial -> PendingCall* */
    GHashTable *streams; /* serial -> VstorRpcStream* */
    gboolean closed;
    gboolean closing; /* vstor_rpc_client_free runs */
    GError *close_error;
    VstorRpcEventFunc event_func;
    gpointer event_data;
    GAsyncQueue *events; /* GBytes*, or EVENT_STOP */
    GThread *reader;
    GThread *event_thread;
};

/* Writes a whole message; a failed write breaks the connection for everyone. */
static int
client_write(VstorRpcClient *cl, GBytes *msg, GError **err)
{
    gsize len;
    const guint8 *data = g_bytes_get_data(msg, &len);
    int rc = 0;

    g_mutex_lock(&cl->wlock);
    while (len > 0) {
        ssize_t n = send(cl->fd, data, len, MSG_NOSIGNAL);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) {
            /* The same answer as when the reader sees the connection end first: which of
             * the two notices a daemon going away is a race. */
            vstor_error_set_errno(err, VSTOR_ERR_RPC, errno, "the server closed the connection");
            shutdown(cl->fd, SHUT_RDWR);
            rc = -1;
            break;
        }
        if (n < 0) {
            vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno,
                                  "cannot send data to the server");
            shutdown(cl->fd, SHUT_RDWR);
            rc = -1;
            break;
        }
        data += n;
        len -= (gsize)n;
    }
    g_mutex_unlock(&cl->wlock);
    return rc;
}

/* The error a server put in a remote_error payload, as a GError of the same code. */
static void
set_remote_error(GBytes *msg, gsize off, GError **err)
{
    remote_error rerr;
    g_autoptr(GError) bad = NULL;

    memset(&rerr, 0, sizeof(rerr));
    if (vstor_rpc_decode_body(msg, off, (xdrproc_t)xdr_remote_error, &rerr, &bad) < 0) {
        vstor_error_set(err, VSTOR_ERR_RPC, "the server sent an error that does not decode");
        return;
    }
    g_set_error_literal(err, VSTOR_ERROR, rerr.code > 0 ? rerr.code : VSTOR_ERR_INTERNAL_ERROR,
                        rerr.message && *rerr.message ? *rerr.message : "unknown error");
    xdr_free((xdrproc_t)xdr_remote_error, (char *)&rerr);
}

static void
send_pong(VstorRpcClient *cl)
{
    vstor_message_header hdr = {
        .prog = KEEPALIVE_PROGRAM,
        .vers = KEEPALIVE_PROTOCOL_VERSION,
        .proc = KEEPALIVE_PROC_PONG,
        .type = VSTOR_MSG_MESSAGE,
        .status = VSTOR_STATUS_OK,
    };
    g_autoptr(GBytes) msg = vstor_rpc_encode(&hdr, NULL, NULL, NULL);

    /* A failed write shuts the socket; the reader then sees the end. */
    if (msg)
        (void)client_write(cl, msg, NULL);
}

/* A stream packet (reader thread, cl->lock held). */
static void
stream_incoming(VstorRpcClient *cl, const vstor_message_header *hdr, GBytes *msg)
{
    VstorRpcStream *st = g_hash_table_lookup(cl->streams, GUINT_TO_POINTER(hdr->serial));

    if (!st || st->proc != hdr->proc)
        return; /* a stream that is over: late packets are dropped */
    if (hdr->status != VSTOR_STATUS_CONTINUE) {
        if (hdr->status == VSTOR_STATUS_ERROR && !st->error)
            set_remote_error(msg, VSTOR_RPC_PREFIX_LEN, &st->error);
        st->terminal++;
        g_cond_broadcast(&cl->cond);
        return;
    }
    if (hdr->type == VSTOR_MSG_STREAM_HOLE && !st->sparse) {
        if (!st->error)
            vstor_error_set(&st->error, VSTOR_ERR_RPC, "Unexpected stream hole");
        g_cond_broadcast(&cl->cond);
        return;
    }
    if (hdr->type == VSTOR_MSG_STREAM && g_bytes_get_size(msg) == VSTOR_RPC_PREFIX_LEN) {
        st->eof = TRUE;
        g_cond_broadcast(&cl->cond);
        return;
    }
    /* Back-pressure: a slow consumer holds the reader (and so the server) back. */
    while (st->in_bytes > STREAM_QUEUE_MAX && !st->discard && !cl->closing) {
        guint serial = st->serial;

        g_cond_wait(&cl->cond, &cl->lock);
        if (!(st = g_hash_table_lookup(cl->streams, GUINT_TO_POINTER(serial))))
            return;
    }
    if (st->discard || cl->closing)
        return;
    st->in_bytes += g_bytes_get_size(msg);
    g_queue_push_tail(&st->in, g_bytes_ref(msg));
    g_cond_broadcast(&cl->cond);
}

/* Routes one message (reader thread). Returns -1 when it cannot even be understood. */
static int
handle_message(VstorRpcClient *cl, GBytes *msg, GError **err)
{
    vstor_message_header hdr;
    gsize off;
    PendingCall *pc;

    if (vstor_rpc_decode_header(msg, &hdr, &off, err) < 0)
        return -1;
    if (hdr.prog == KEEPALIVE_PROGRAM) {
        if (hdr.proc == KEEPALIVE_PROC_PING && hdr.type == VSTOR_MSG_MESSAGE)
            send_pong(cl);
        return 0;
    }
    switch (hdr.type) {
    case VSTOR_MSG_REPLY:
        g_mutex_lock(&cl->lock);
        pc = g_hash_table_lookup(cl->calls, GUINT_TO_POINTER(hdr.serial));
        if (pc && !pc->done) {
            pc->reply = g_bytes_ref(msg);
            pc->done = TRUE;
            g_cond_broadcast(&cl->cond);
        }
        g_mutex_unlock(&cl->lock);
        return 0;
    case VSTOR_MSG_MESSAGE: g_async_queue_push(cl->events, g_bytes_ref(msg)); return 0;
    case VSTOR_MSG_STREAM:
    case VSTOR_MSG_STREAM_HOLE:
        g_mutex_lock(&cl->lock);
        stream_incoming(cl, &hdr, msg);
        g_mutex_unlock(&cl->lock);
        return 0;
    default: return 0; /* calls from a server: nothing we serve */
    }
}

/* Fails every waiter with @error (taken) and refuses new calls. */
static void
mark_closed(VstorRpcClient *cl, GError *error)
{
    GHashTableIter it;
    gpointer v;

    g_mutex_lock(&cl->lock);
    cl->closed = TRUE;
    if (!cl->close_error)
        cl->close_error = error;
    else
        g_error_free(error);
    g_hash_table_iter_init(&it, cl->calls);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        PendingCall *pc = v;

        if (!pc->done) {
            pc->error = g_error_copy(cl->close_error);
            pc->done = TRUE;
        }
    }
    g_hash_table_iter_init(&it, cl->streams);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        VstorRpcStream *st = v;

        if (!st->error)
            st->error = g_error_copy(cl->close_error);
    }
    g_cond_broadcast(&cl->cond);
    g_mutex_unlock(&cl->lock);
}

static gpointer
reader_main(gpointer data)
{
    VstorRpcClient *cl = data;
    g_autoptr(VstorRpcReader) rd = vstor_rpc_reader_new(VSTOR_MESSAGE_MAX);
    g_autofree guint8 *buf = g_malloc(READ_CHUNK);
    GError *err = NULL;

    while (!err) {
        ssize_t n = recv(cl->fd, buf, READ_CHUNK, 0);
        gsize used = 0;

        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0) {
            vstor_error_set(&err, VSTOR_ERR_RPC, "the server closed the connection");
            break;
        }
        if (n < 0) {
            vstor_error_set_errno(&err, VSTOR_ERR_RPC, errno, "cannot read data from the server");
            break;
        }
        while (used < (gsize)n && !err) {
            g_autoptr(GBytes) msg = NULL;
            gssize k = vstor_rpc_reader_feed(rd, buf + used, (gsize)n - used, &msg, &err);

            if (k < 0)
                break;
            used += (gsize)k;
            if (msg)
                (void)handle_message(cl, msg, &err);
        }
    }
    /* Whatever broke the stream of messages, it cannot be resynchronised. */
    shutdown(cl->fd, SHUT_RDWR);
    mark_closed(cl, err);
    return NULL;
}

static gpointer
event_main(gpointer data)
{
    VstorRpcClient *cl = data;

    for (;;) {
        gpointer item = g_async_queue_pop(cl->events);
        g_autoptr(GBytes) msg = NULL;
        vstor_message_header hdr;
        gsize off;
        VstorRpcEventFunc func;
        gpointer fdata;

        if (item == EVENT_STOP)
            return NULL;
        msg = item;
        g_mutex_lock(&cl->lock);
        func = cl->event_func;
        fdata = cl->event_data;
        g_mutex_unlock(&cl->lock);
        if (func && vstor_rpc_decode_header(msg, &hdr, &off, NULL) == 0)
            func(cl, &hdr, msg, fdata);
    }
}

VstorRpcClient *
vstor_rpc_client_new_fd(int fd)
{
    VstorRpcClient *cl = g_new0(VstorRpcClient, 1);

    cl->fd = fd;
    g_mutex_init(&cl->wlock);
    g_mutex_init(&cl->lock);
    g_cond_init(&cl->cond);
    cl->calls = g_hash_table_new(g_direct_hash, g_direct_equal);
    cl->streams = g_hash_table_new(g_direct_hash, g_direct_equal);
    cl->events = g_async_queue_new();
    cl->reader = g_thread_new("vstor-rpc-read", reader_main, cl);
    cl->event_thread = g_thread_new("vstor-rpc-event", event_main, cl);
    return cl;
}

VstorRpcClient *
vstor_rpc_client_new_unix(const char *path, GError **err)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    int fd;

    if (strlen(path) >= sizeof(addr.sun_path)) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG, "socket path '%s' is too long", path);
        return NULL;
    }
    memcpy(addr.sun_path, path, strlen(path) + 1);
    if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot create a socket");
        return NULL;
    }
    while (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        int e = errno;

        if (e == EINTR)
            continue;
        close(fd);
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, e, "Failed to connect socket to '%s'",
                              path);
        return NULL;
    }
    return vstor_rpc_client_new_fd(fd);
}

void
vstor_rpc_client_free(VstorRpcClient *cl)
{
    if (!cl)
        return;
    g_mutex_lock(&cl->lock);
    cl->closing = TRUE;
    g_cond_broadcast(&cl->cond);
    g_mutex_unlock(&cl->lock);
    shutdown(cl->fd, SHUT_RDWR);
    g_thread_join(cl->reader);
    g_async_queue_push(cl->events, EVENT_STOP);
    g_thread_join(cl->event_thread);
    for (gpointer m; (m = g_async_queue_try_pop(cl->events));)
        g_bytes_unref(m);
    g_async_queue_unref(cl->events);
    close(cl->fd);
    g_hash_table_unref(cl->calls);
    g_hash_table_unref(cl->streams);
    g_clear_error(&cl->close_error);
    g_mutex_clear(&cl->wlock);
    g_mutex_clear(&cl->lock);
    g_cond_clear(&cl->cond);
    g_free(cl);
}

void
vstor_rpc_client_set_event_func(VstorRpcClient *cl, VstorRpcEventFunc func, gpointer data)
{
    g_mutex_lock(&cl->lock);
    cl->event_func = func;
    cl->event_data = data;
    g_mutex_unlock(&cl->lock);
}

gboolean
vstor_rpc_client_is_closed(VstorRpcClient *cl)
{
    gboolean closed;

    g_mutex_lock(&cl->lock);
    closed = cl->closed || cl->closing;
    g_mutex_unlock(&cl->lock);
    return closed;
}

/* Sends a call and waits for its reply; @st, when given, is bound to the call's serial
 * before the call leaves, so that stream packets right after the reply find it. */
static GBytes *
call_raw(VstorRpcClient *cl, guint prog, guint vers, int proc, xdrproc_t args_proc,
         const void *args, VstorRpcStream *st, GError **err)
{
    vstor_message_header hdr = {.prog = prog, .vers = vers, .proc = proc};
    PendingCall pc = {0};
    g_autoptr(GBytes) msg = NULL;

    g_mutex_lock(&cl->lock);
    if (cl->closed || cl->closing) {
        if (cl->close_error)
            g_propagate_error(err, g_error_copy(cl->close_error));
        else
            vstor_error_set(err, VSTOR_ERR_RPC, "the connection to the server is closed");
        g_mutex_unlock(&cl->lock);
        return NULL;
    }
    /* 0 is never used: events carry serials of their own. */
    if (++cl->next_serial == 0)
        cl->next_serial = 1;
    pc.serial = hdr.serial = cl->next_serial;
    g_hash_table_insert(cl->calls, GUINT_TO_POINTER(pc.serial), &pc);
    if (st) {
        st->serial = pc.serial;
        g_hash_table_insert(cl->streams, GUINT_TO_POINTER(pc.serial), st);
    }
    g_mutex_unlock(&cl->lock);

    hdr.type = VSTOR_MSG_CALL;
    hdr.status = VSTOR_STATUS_OK;
    msg = vstor_rpc_encode(&hdr, args_proc, args, err);
    if (msg && client_write(cl, msg, err) < 0)
        g_clear_pointer(&msg, g_bytes_unref);
    g_mutex_lock(&cl->lock);
    while (msg && !pc.done)
        g_cond_wait(&cl->cond, &cl->lock);
    g_hash_table_remove(cl->calls, GUINT_TO_POINTER(pc.serial));
    if (st && (!msg || pc.error))
        g_hash_table_remove(cl->streams, GUINT_TO_POINTER(pc.serial));
    g_mutex_unlock(&cl->lock);
    if (!msg) {
        g_clear_pointer(&pc.reply, g_bytes_unref);
        return NULL;
    }
    if (pc.error) {
        g_propagate_error(err, pc.error);
        return NULL;
    }
    return pc.reply;
}

/* Checks a reply's status and decodes it into @ret (with @ret_proc; NULL: nothing). */
static int
decode_reply(GBytes *reply, xdrproc_t ret_proc, void *ret, GError **err)
{
    vstor_message_header hdr;
    gsize off;

    if (vstor_rpc_decode_header(reply, &hdr, &off, err) < 0)
        return -1;
    if (hdr.status == VSTOR_STATUS_ERROR) {
        set_remote_error(reply, off, err);
        return -1;
    }
    if (hdr.status != VSTOR_STATUS_OK) {
        vstor_error_set(err, VSTOR_ERR_RPC, "Unexpected message status %u", hdr.status);
        return -1;
    }
    if (!ret_proc)
        return 0;
    return vstor_rpc_decode_body(reply, off, ret_proc, ret, err);
}

int
vstor_rpc_client_call(VstorRpcClient *cl, guint prog, guint vers, int proc, xdrproc_t args_proc,
                      const void *args, xdrproc_t ret_proc, void *ret, GError **err)
{
    g_autoptr(GBytes) reply = call_raw(cl, prog, vers, proc, args_proc, args, NULL, err);

    if (!reply)
        return -1;
    return decode_reply(reply, ret_proc, ret, err);
}

/* --- streams --- */

static void
stream_free(VstorRpcStream *st)
{
    g_queue_clear_full(&st->in, (GDestroyNotify)g_bytes_unref);
    g_clear_pointer(&st->cur, g_bytes_unref);
    g_clear_error(&st->error);
    g_free(st);
}

VstorRpcStream *
vstor_rpc_client_stream_open(VstorRpcClient *cl, guint prog, guint vers, int proc,
                             xdrproc_t args_proc, const void *args, gboolean sparse, GError **err)
{
    VstorRpcStream *st = g_new0(VstorRpcStream, 1);
    g_autoptr(GBytes) reply = NULL;

    st->cl = cl;
    st->prog = prog;
    st->vers = vers;
    st->proc = proc;
    st->sparse = sparse;
    g_queue_init(&st->in);
    reply = call_raw(cl, prog, vers, proc, args_proc, args, st, err);
    if (reply && decode_reply(reply, NULL, NULL, err) == 0)
        return st;
    g_mutex_lock(&cl->lock);
    g_hash_table_remove(cl->streams, GUINT_TO_POINTER(st->serial));
    g_mutex_unlock(&cl->lock);
    stream_free(st);
    return NULL;
}

static void
stream_header(const VstorRpcStream *st, vstor_message_type type, vstor_message_status status,
              vstor_message_header *ret_hdr)
{
    *ret_hdr = (vstor_message_header){
        .prog = st->prog,
        .vers = st->vers,
        .proc = st->proc,
        .type = type,
        .serial = st->serial,
        .status = status,
    };
}

/* Fails with the stream's error when the server reported one. */
static int
stream_check(VstorRpcStream *st, GError **err)
{
    int rc = 0;

    g_mutex_lock(&st->cl->lock);
    if (st->error) {
        g_propagate_error(err, g_error_copy(st->error));
        rc = -1;
    }
    g_mutex_unlock(&st->cl->lock);
    return rc;
}

int
vstor_rpc_stream_send(VstorRpcStream *st, const void *data, gsize len, GError **err)
{
    const guint8 *p = data;

    while (len > 0) {
        gsize n = MIN(len, (gsize)VSTOR_STREAM_CHUNK_MAX);
        vstor_message_header hdr;
        g_autoptr(GBytes) msg = NULL;

        if (stream_check(st, err) < 0)
            return -1;
        stream_header(st, VSTOR_MSG_STREAM, VSTOR_STATUS_CONTINUE, &hdr);
        msg = vstor_rpc_encode_raw(&hdr, p, n);
        if (client_write(st->cl, msg, err) < 0)
            return -1;
        p += n;
        len -= n;
    }
    return 0;
}

int
vstor_rpc_stream_send_hole(VstorRpcStream *st, guint64 length, GError **err)
{
    vstor_stream_hole h = {.length = (quad_t)length, .flags = 0};
    vstor_message_header hdr;
    g_autoptr(GBytes) msg = NULL;

    if (!st->sparse || length > G_MAXINT64) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG, "cannot send a hole on this stream");
        return -1;
    }
    if (stream_check(st, err) < 0)
        return -1;
    stream_header(st, VSTOR_MSG_STREAM_HOLE, VSTOR_STATUS_CONTINUE, &hdr);
    if (!(msg = vstor_rpc_encode(&hdr, (xdrproc_t)xdr_vstor_stream_hole, &h, err)))
        return -1;
    return client_write(st->cl, msg, err);
}

gssize
vstor_rpc_stream_recv(VstorRpcStream *st, void *buf, gsize len, guint64 *ret_hole, GError **err)
{
    VstorRpcClient *cl = st->cl;
    vstor_message_header hdr;
    gsize off, size;
    const guint8 *data;

    *ret_hole = 0;
    while (!st->cur) {
        g_mutex_lock(&cl->lock);
        while (g_queue_is_empty(&st->in) && !st->error && !st->eof && !st->terminal)
            g_cond_wait(&cl->cond, &cl->lock);
        if (!g_queue_is_empty(&st->in)) {
            st->cur = g_queue_pop_head(&st->in);
            st->in_bytes -= g_bytes_get_size(st->cur);
            st->cur_off = VSTOR_RPC_PREFIX_LEN;
            g_cond_broadcast(&cl->cond); /* the reader may wait for room */
        } else if (st->error) {
            g_propagate_error(err, g_error_copy(st->error));
            g_mutex_unlock(&cl->lock);
            return -1;
        } else {
            g_mutex_unlock(&cl->lock);
            return 0; /* the end of the data */
        }
        g_mutex_unlock(&cl->lock);
        if (vstor_rpc_decode_header(st->cur, &hdr, &off, err) < 0)
            return -1;
        if (hdr.type == VSTOR_MSG_STREAM_HOLE) {
            vstor_stream_hole h;
            int rc = vstor_rpc_decode_body(st->cur, off, (xdrproc_t)xdr_vstor_stream_hole, &h, err);

            g_clear_pointer(&st->cur, g_bytes_unref);
            if (rc < 0)
                return -1;
            if (h.length < 0) {
                vstor_error_set(err, VSTOR_ERR_RPC, "negative stream hole length");
                return -1;
            }
            if (h.length == 0)
                continue;
            *ret_hole = (guint64)h.length;
            return 0;
        }
    }
    data = g_bytes_get_data(st->cur, &size);
    len = MIN(len, size - st->cur_off);
    memcpy(buf, data + st->cur_off, len);
    st->cur_off += len;
    if (st->cur_off == size)
        g_clear_pointer(&st->cur, g_bytes_unref);
    return (gssize)len;
}

/* Sends finish (OK) or abort (ERROR) and waits for the server's closing packet. */
static void
stream_close(VstorRpcStream *st, vstor_message_status status)
{
    VstorRpcClient *cl = st->cl;
    vstor_message_header hdr;
    g_autoptr(GBytes) msg = NULL;
    guint before;
    int rc;

    g_mutex_lock(&cl->lock);
    st->discard = TRUE;
    g_queue_clear_full(&st->in, (GDestroyNotify)g_bytes_unref);
    st->in_bytes = 0;
    before = st->terminal;
    g_cond_broadcast(&cl->cond);
    g_mutex_unlock(&cl->lock);

    stream_header(st, VSTOR_MSG_STREAM, status, &hdr);
    msg = vstor_rpc_encode_raw(&hdr, NULL, 0);
    rc = client_write(cl, msg, NULL);
    g_mutex_lock(&cl->lock);
    /* A finish is answered by an error as soon as one is known; an abort always by a packet. */
    while (rc == 0 && !cl->closed && st->terminal == before &&
           !(status == VSTOR_STATUS_OK && st->error))
        g_cond_wait(&cl->cond, &cl->lock);
    if (rc < 0 && !st->error)
        vstor_error_set(&st->error, VSTOR_ERR_RPC, "the connection to the server is closed");
    g_hash_table_remove(cl->streams, GUINT_TO_POINTER(st->serial));
    g_mutex_unlock(&cl->lock);
}

int
vstor_rpc_stream_finish(VstorRpcStream *st, GError **err)
{
    int rc = 0;

    stream_close(st, VSTOR_STATUS_OK);
    if (st->error) {
        g_propagate_error(err, g_steal_pointer(&st->error));
        rc = -1;
    }
    stream_free(st);
    return rc;
}

void
vstor_rpc_stream_abort(VstorRpcStream *st)
{
    if (!st)
        return;
    stream_close(st, VSTOR_STATUS_ERROR);
    stream_free(st);
}
