/* client.c: one connection — non-blocking reads framed into messages on the main loop, an
 * output queue any thread may fill, back-pressure both ways, and a close that never races. */
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "util/error.h"

/* Output above this makes producers (downloads) wait. */
#define CLIENT_OUT_HIGH (4u << 20)
#define READ_CHUNK 65536

typedef struct {
    GSource base;
    VstorClient *client;
} ClientSource;

struct _VstorClient {
    gint refs;
    VstorServer *srv;
    int fd;
    GSource *source;
    gpointer fd_tag;
    GIOCondition fd_want; /* the events the loop polls fd for (main loop thread only) */
    VstorRpcReader *reader;
    GMutex lock;
    GCond cond;
    guint cond_waiters; /* producers waiting in vstor_client_wait_writable */
    GQueue out; /* GBytes* */
    gsize out_bytes;
    gsize head_off;
    gboolean closed;
    gboolean close_requested;
    guint jobs;
    /* Keepalive: the timer (under lock), and on the main thread the time of the last
     * message received and the pings left before the client counts as dead. */
    GSource *ka_source;
    int ka_interval, ka_count, ka_left;
    gint64 last_rx;
    VstorClientState state;
};

VstorServer *
vstor_client_server(VstorClient *c)
{
    return c->srv;
}

VstorClientState *
vstor_client_lock(VstorClient *c)
{
    g_mutex_lock(&c->lock);
    return &c->state;
}

void
vstor_client_unlock(VstorClient *c)
{
    g_mutex_unlock(&c->lock);
}

gboolean
vstor_client_readonly(VstorClient *c)
{
    gboolean ro;

    g_mutex_lock(&c->lock);
    ro = c->state.readonly;
    g_mutex_unlock(&c->lock);
    return ro;
}

VstorClient *
vstor_client_ref(VstorClient *c)
{
    g_atomic_int_inc(&c->refs);
    return c;
}

void
vstor_client_unref(VstorClient *c)
{
    GHashTableIter it;
    gpointer st;

    if (!c || !g_atomic_int_dec_and_test(&c->refs))
        return;
    /* Streams still open belong to a client that went away: abort them. */
    g_hash_table_iter_init(&it, c->state.streams);
    while (g_hash_table_iter_next(&it, NULL, &st))
        vstor_stream_free(st);
    g_hash_table_unref(c->state.streams);
    g_array_unref(c->state.pool_events);
    g_array_unref(c->state.secret_events);
    g_free(c->state.uri);
    g_free(c->state.denied);
    vstor_identity_clear(&c->state.ident);
    if (c->ka_source)
        g_source_unref(c->ka_source);
    g_queue_clear_full(&c->out, (GDestroyNotify)g_bytes_unref);
    vstor_rpc_reader_free(c->reader);
    if (c->source)
        g_source_unref(c->source);
    if (c->fd >= 0)
        close(c->fd);
    g_mutex_clear(&c->lock);
    g_cond_clear(&c->cond);
    g_free(c);
}

/* Wakes the client's source on the main loop from any thread. */
static void
client_wake(VstorClient *c)
{
    g_source_set_ready_time(c->source, 0);
}

void
vstor_client_send(VstorClient *c, GBytes *msg)
{
    if (!msg)
        return;
    g_mutex_lock(&c->lock);
    if (c->closed || c->close_requested) {
        g_mutex_unlock(&c->lock);
        g_bytes_unref(msg);
        return;
    }
    /* Nothing queued: try to send it right here, on the caller's (worker's) thread, which
     * spares a wake-up of the main loop and a second thread switch on every reply. Whatever
     * the socket does not take now is queued for the loop. */
    if (g_queue_is_empty(&c->out)) {
        gsize len;
        const guint8 *data = g_bytes_get_data(msg, &len);
        ssize_t n;

        do
            n = send(c->fd, data, len, MSG_DONTWAIT | MSG_NOSIGNAL);
        while (n < 0 && errno == EINTR);
        if (n == (ssize_t)len) {
            g_mutex_unlock(&c->lock);
            g_bytes_unref(msg);
            return;
        }
        /* A hard error is left for the loop's next flush to see and close on. */
        c->head_off = n > 0 ? (gsize)n : 0;
    }
    c->out_bytes += g_bytes_get_size(msg) - (g_queue_is_empty(&c->out) ? c->head_off : 0);
    g_queue_push_tail(&c->out, msg);
    g_mutex_unlock(&c->lock);
    client_wake(c);
}

gboolean
vstor_client_wait_writable(VstorClient *c)
{
    gboolean alive;

    g_mutex_lock(&c->lock);
    while (!c->closed && !c->close_requested && c->out_bytes > CLIENT_OUT_HIGH) {
        c->cond_waiters++;
        g_cond_wait(&c->cond, &c->lock);
        c->cond_waiters--;
    }
    alive = !c->closed && !c->close_requested;
    g_mutex_unlock(&c->lock);
    return alive;
}

void
vstor_client_close(VstorClient *c)
{
    g_mutex_lock(&c->lock);
    c->close_requested = TRUE;
    g_cond_broadcast(&c->cond);
    g_mutex_unlock(&c->lock);
    client_wake(c);
}

gboolean
vstor_client_is_closed(VstorClient *c)
{
    gboolean closed;

    g_mutex_lock(&c->lock);
    closed = c->closed || c->close_requested;
    g_mutex_unlock(&c->lock);
    return closed;
}

void
vstor_client_job_add(VstorClient *c)
{
    g_mutex_lock(&c->lock);
    c->jobs++;
    g_mutex_unlock(&c->lock);
}

void
vstor_client_job_done(VstorClient *c)
{
    gboolean throttled;

    g_mutex_lock(&c->lock);
    throttled = c->jobs >= vstor_server_max_client_requests(c->srv);
    if (c->jobs > 0)
        c->jobs--;
    g_mutex_unlock(&c->lock);
    /* The loop stopped reading this client at the limit and must poll it again; otherwise
     * it is polling already, and waking it would cost a thread switch per call. */
    if (throttled)
        client_wake(c);
}

static void
send_keepalive_pong(VstorClient *c)
{
    vstor_message_header hdr = {
        .prog = KEEPALIVE_PROGRAM,
        .vers = KEEPALIVE_PROTOCOL_VERSION,
        .proc = KEEPALIVE_PROC_PONG,
        .type = VSTOR_MSG_MESSAGE,
        .status = VSTOR_STATUS_OK,
    };

    vstor_client_send(c, vstor_rpc_encode(&hdr, NULL, NULL, NULL));
}

static void
send_keepalive_ping(VstorClient *c)
{
    vstor_message_header hdr = {
        .prog = KEEPALIVE_PROGRAM,
        .vers = KEEPALIVE_PROTOCOL_VERSION,
        .proc = KEEPALIVE_PROC_PING,
        .type = VSTOR_MSG_MESSAGE,
        .status = VSTOR_STATUS_OK,
    };

    vstor_client_send(c, vstor_rpc_encode(&hdr, NULL, NULL, NULL));
}

/* The keepalive timer (main thread): a client silent for a whole interval gets a ping, or
 * is dropped when it has left @count pings unanswered. */
static gboolean
client_keepalive_tick(gpointer data)
{
    VstorClient *c = data;
    gint64 idle = g_get_monotonic_time() - c->last_rx;

    if (vstor_client_is_closed(c))
        return G_SOURCE_REMOVE;
    if (idle < (gint64)c->ka_interval * G_USEC_PER_SEC)
        return G_SOURCE_CONTINUE;
    if (c->ka_left <= 0) {
        vstor_log_at(c->srv, VSTOR_LOG_WARNING,
                     "client %p: no answer to %d keepalive ping(s) in %d seconds; dropping it",
                     (void *)c, c->ka_count, (int)(idle / G_USEC_PER_SEC));
        vstor_client_close(c);
        return G_SOURCE_REMOVE;
    }
    c->ka_left--;
    vstor_log(c->srv, TRUE, "client %p: keepalive ping", (void *)c);
    send_keepalive_ping(c);
    return G_SOURCE_CONTINUE;
}

static gboolean
client_keepalive_start_cb(gpointer data)
{
    VstorClient *c = data;

    /* Runs on the main thread, where last_rx and ka_left live. */
    c->last_rx = g_get_monotonic_time();
    c->ka_left = c->ka_count;
    g_mutex_lock(&c->lock);
    if (!c->closed && !c->close_requested && !c->ka_source) {
        c->ka_source = g_timeout_source_new_seconds(c->ka_interval);
        g_source_set_callback(c->ka_source, client_keepalive_tick, vstor_client_ref(c),
                              (GDestroyNotify)vstor_client_unref);
        g_source_attach(c->ka_source, vstor_server_context(c->srv));
    }
    g_mutex_unlock(&c->lock);
    return G_SOURCE_REMOVE;
}

void
vstor_client_start_keepalive(VstorClient *c, int interval, int count)
{
    g_mutex_lock(&c->lock);
    c->ka_interval = interval;
    c->ka_count = count;
    g_mutex_unlock(&c->lock);
    g_main_context_invoke_full(vstor_server_context(c->srv), G_PRIORITY_DEFAULT,
                               client_keepalive_start_cb, vstor_client_ref(c),
                               (GDestroyNotify)vstor_client_unref);
}

static gboolean
client_has_jobs(VstorClient *c)
{
    gboolean busy;

    g_mutex_lock(&c->lock);
    busy = c->jobs > 0;
    g_mutex_unlock(&c->lock);
    return busy;
}

/* Routes one complete message (main thread). Returns -1 when the client must be dropped. */
static int
client_handle_message(VstorClient *c, GBytes *msg)
{
    vstor_message_header hdr;
    gsize off;
    g_autoptr(GError) err = NULL;

    if (vstor_rpc_decode_header(msg, &hdr, &off, &err) < 0) {
        vstor_log(c->srv, FALSE, "client %p: %s; dropping it", (void *)c, err->message);
        return -1;
    }
    if (hdr.prog == KEEPALIVE_PROGRAM) {
        if (hdr.proc == KEEPALIVE_PROC_PING)
            send_keepalive_pong(c);
        return 0;
    }
    if ((hdr.prog != REMOTE_PROGRAM || hdr.vers != REMOTE_PROTOCOL_VERSION) &&
        (hdr.prog != VSTOR_PROGRAM || hdr.vers != VSTOR_PROTOCOL_VERSION)) {
        if (hdr.type == VSTOR_MSG_CALL) {
            vstor_error_set(&err, VSTOR_ERR_RPC, "Cannot find program %d version %d", (int)hdr.prog,
                            (int)hdr.vers);
            vstor_dispatch_send_error(c, &hdr, VSTOR_MSG_REPLY, VSTOR_FROM_RPC, err);
        }
        return 0;
    }
    switch (hdr.type) {
    case VSTOR_MSG_CALL:
        if (hdr.status != VSTOR_STATUS_OK) {
            vstor_error_set(&err, VSTOR_ERR_RPC, "Unexpected message status %u", hdr.status);
            vstor_dispatch_send_error(c, &hdr, VSTOR_MSG_REPLY, VSTOR_FROM_RPC, err);
            return 0;
        }
        /* A cheap call is answered right here, saving two thread switches, unless an earlier
         * call of this client is still running (its effects come first). */
        if (!client_has_jobs(c) && vstor_dispatch_call_quick(c, msg))
            return 0;
        vstor_client_job_add(c);
        vstor_server_push_call(c->srv, c, msg);
        return 0;
    case VSTOR_MSG_STREAM:
    case VSTOR_MSG_STREAM_HOLE: vstor_stream_incoming(c, &hdr, msg); return 0;
    case VSTOR_MSG_CALL_WITH_FDS:
        vstor_error_set(&err, VSTOR_ERR_RPC, "file descriptor passing is not supported");
        vstor_dispatch_send_error(c, &hdr, VSTOR_MSG_REPLY, VSTOR_FROM_RPC, err);
        return 0;
    default:
        /* Replies and notifications from a client carry nothing we act on. */
        return 0;
    }
}

/* Reads what is there, a bounded amount per turn so one busy client cannot starve others. */
static int
client_read(VstorClient *c)
{
    guint8 buf[READ_CHUNK];

    for (int turn = 0; turn < 16; turn++) {
        ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
        gsize used = 0;

        if (n == 0)
            return -1;
        if (n > 0) {
            c->last_rx = g_get_monotonic_time();
            c->ka_left = c->ka_count;
        }
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
        }
        while (used < (gsize)n) {
            g_autoptr(GBytes) msg = NULL;
            g_autoptr(GError) err = NULL;
            gssize k = vstor_rpc_reader_feed(c->reader, buf + used, n - used, &msg, &err);

            if (k < 0) {
                vstor_log(c->srv, FALSE, "client %p: %s; dropping it", (void *)c, err->message);
                return -1;
            }
            used += k;
            if (msg && client_handle_message(c, msg) < 0)
                return -1;
        }
        if (c->jobs >= vstor_server_max_client_requests(c->srv))
            break;
        /* Less than asked for: the socket is empty now (one more recv would only say so, a
         * system call per message); anything arriving after this wakes the loop again. */
        if ((gsize)n < sizeof(buf))
            break;
    }
    return 0;
}

static int
client_flush(VstorClient *c)
{
    g_mutex_lock(&c->lock);
    while (!g_queue_is_empty(&c->out)) {
        GBytes *head = g_queue_peek_head(&c->out);
        gsize len;
        const guint8 *data = g_bytes_get_data(head, &len);
        ssize_t n = send(c->fd, data + c->head_off, len - c->head_off, MSG_DONTWAIT | MSG_NOSIGNAL);

        if (n < 0) {
            int e = errno;

            g_mutex_unlock(&c->lock);
            if (e == EINTR)
                return client_flush(c);
            return e == EAGAIN || e == EWOULDBLOCK ? 0 : -1;
        }
        c->head_off += n;
        c->out_bytes -= n;
        if (c->head_off == len) {
            g_bytes_unref(g_queue_pop_head(&c->out));
            c->head_off = 0;
        }
    }
    if (c->out_bytes <= CLIENT_OUT_HIGH && c->cond_waiters)
        g_cond_broadcast(&c->cond);
    g_mutex_unlock(&c->lock);
    return 0;
}

static void
client_do_close(VstorClient *c)
{
    g_mutex_lock(&c->lock);
    c->closed = TRUE;
    g_cond_broadcast(&c->cond);
    if (c->ka_source)
        g_source_destroy(c->ka_source);
    g_mutex_unlock(&c->lock);
    g_source_destroy(c->source);
    shutdown(c->fd, SHUT_RDWR);
    vstor_log(c->srv, TRUE, "client %p disconnected", (void *)c);
    vstor_server_client_gone(c->srv, c);
}

static gboolean
client_source_dispatch(GSource *source, GSourceFunc cb, gpointer data)
{
    VstorClient *c = ((ClientSource *)source)->client;
    GIOCondition rev = g_source_query_unix_fd(source, c->fd_tag);
    GIOCondition want = 0;
    gboolean close_now, reading;

    if (g_source_get_ready_time(source) != -1)
        g_source_set_ready_time(source, -1);
    g_mutex_lock(&c->lock);
    close_now = c->close_requested;
    reading = c->jobs < vstor_server_max_client_requests(c->srv);
    g_mutex_unlock(&c->lock);

    /* Flush first so a reply queued before a close request still goes out when it can. */
    if (client_flush(c) < 0)
        close_now = TRUE;
    if (!close_now && reading && (rev & (G_IO_IN | G_IO_HUP | G_IO_ERR)) && client_read(c) < 0)
        close_now = TRUE;
    if (!close_now && client_flush(c) < 0)
        close_now = TRUE;
    if (close_now) {
        vstor_client_ref(c);
        client_do_close(c);
        vstor_client_unref(c);
        return G_SOURCE_REMOVE;
    }
    g_mutex_lock(&c->lock);
    if (c->jobs < vstor_server_max_client_requests(c->srv))
        want |= G_IO_IN;
    if (!g_queue_is_empty(&c->out))
        want |= G_IO_OUT;
    g_mutex_unlock(&c->lock);
    /* Changing the poll set wakes the loop up once more: only when it really changes. */
    if (want != c->fd_want) {
        g_source_modify_unix_fd(source, c->fd_tag, want);
        c->fd_want = want;
    }
    return G_SOURCE_CONTINUE;
}

static void
client_source_finalize(GSource *source)
{
    /* The client owns the source; the source only points back. */
    ((ClientSource *)source)->client = NULL;
}

static GSourceFuncs client_source_funcs = {
    .dispatch = client_source_dispatch,
    .finalize = client_source_finalize,
};

VstorClient *
vstor_client_new(VstorServer *srv, int fd, gboolean readonly, char *denied)
{
    VstorClient *c = g_new0(VstorClient, 1);
    ClientSource *src;

    c->refs = 1; /* the server's list */
    c->srv = srv;
    c->fd = fd;
    c->reader = vstor_rpc_reader_new(vstor_server_max_message(srv));
    g_mutex_init(&c->lock);
    g_cond_init(&c->cond);
    g_queue_init(&c->out);
    c->state.readonly = readonly;
    c->state.denied = denied;
    /* Unreadable credentials leave the identity unknown, which pool rules grant nothing. */
    vstor_identity_from_socket(fd, &c->state.ident, NULL);
    c->state.streams = g_hash_table_new(g_direct_hash, g_direct_equal);
    c->state.pool_events = g_array_new(FALSE, TRUE, sizeof(VstorEventReg));
    c->state.secret_events = g_array_new(FALSE, TRUE, sizeof(VstorEventReg));
    src = (ClientSource *)g_source_new(&client_source_funcs, sizeof(ClientSource));
    src->client = c;
    c->source = &src->base;
    /* A source that may not recurse has its fds taken out of the poll set around every
     * dispatch and put back after, each a wake-up of the loop: two eventfd writes and one
     * more poll per message. Nothing in a dispatch iterates the loop, so none is needed. */
    g_source_set_can_recurse(c->source, TRUE);
    c->fd_tag = g_source_add_unix_fd(c->source, fd, G_IO_IN);
    c->fd_want = G_IO_IN;
    g_source_attach(c->source, vstor_server_context(srv));
    return c;
}
