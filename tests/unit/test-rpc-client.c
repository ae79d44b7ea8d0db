/* test-rpc-client.c: the RPC client against a tiny server in the test (a socketpair and a
 * thread): replies matched out of order across threads, keepalive pings answered, error
 * replies as GErrors, events, streams both ways, and hang-ups and garbage failing cleanly. */
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "rpc/client.h"
#include "rpc/message.h"
#include "util/error.h"

#define PROG 0x11223344
#define VERS 1

typedef struct {
    int fd;
    VstorRpcReader *rd;
    guint8 buf[65536];
    gsize have, used;
} Server;

typedef struct {
    Server srv;
    VstorRpcClient *cl;
    GThread *thread;
} Pair;

/* The next whole message from the client, or NULL when it hung up. */
static GBytes *
srv_read(Server *s, vstor_message_header *ret_hdr)
{
    for (;;) {
        GBytes *msg = NULL;
        gsize off;

        if (s->used < s->have) {
            gssize k =
                vstor_rpc_reader_feed(s->rd, s->buf + s->used, s->have - s->used, &msg, NULL);

            g_assert_cmpint(k, >=, 0);
            s->used += (gsize)k;
            if (msg) {
                g_assert_cmpint(vstor_rpc_decode_header(msg, ret_hdr, &off, NULL), ==, 0);
                return msg;
            }
            continue;
        }
        ssize_t n = read(s->fd, s->buf, sizeof(s->buf));

        if (n <= 0)
            return NULL;
        s->have = (gsize)n;
        s->used = 0;
    }
}

static void
srv_send(Server *s, GBytes *msg)
{
    gsize len;
    const guint8 *data = g_bytes_get_data(msg, &len);

    g_assert_cmpint(write(s->fd, data, len), ==, (gssize)len);
    g_bytes_unref(msg);
}

static void
srv_reply_int(Server *s, const vstor_message_header *req, int value)
{
    vstor_message_header h = *req;
    remote_int_ret r = {.value = value};

    h.type = VSTOR_MSG_REPLY;
    h.status = VSTOR_STATUS_OK;
    srv_send(s, vstor_rpc_encode(&h, (xdrproc_t)xdr_remote_int_ret, &r, NULL));
}

static int
call_int(VstorRpcClient *cl, int proc, int value, int *ret_value, GError **err)
{
    remote_int_ret a = {.value = value};
    remote_int_ret r = {0};

    if (vstor_rpc_client_call(cl, PROG, VERS, proc, (xdrproc_t)xdr_remote_int_ret, &a,
                              (xdrproc_t)xdr_remote_int_ret, &r, err) < 0)
        return -1;
    *ret_value = r.value;
    return 0;
}

static void
pair_start(Pair *p, GThreadFunc server_main)
{
    int sv[2];

    memset(p, 0, sizeof(*p));
    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), ==, 0);
    p->srv.fd = sv[0];
    p->srv.rd = vstor_rpc_reader_new(VSTOR_MESSAGE_MAX);
    p->cl = vstor_rpc_client_new_fd(sv[1]);
    p->thread = g_thread_new("server", server_main, &p->srv);
}

static void
pair_stop(Pair *p)
{
    vstor_rpc_client_free(p->cl);
    g_thread_join(p->thread);
    vstor_rpc_reader_free(p->srv.rd);
    close(p->srv.fd);
}

/* --- replies out of order, many threads --- */

#define N_CALLERS 8

static gpointer
server_reverse(gpointer data)
{
    Server *s = data;
    GBytes *msgs[N_CALLERS];
    vstor_message_header hdrs[N_CALLERS];

    /* Holds every call, then answers the last first: only serials can match them. */
    for (int i = 0; i < N_CALLERS; i++)
        g_assert_nonnull((msgs[i] = srv_read(s, &hdrs[i])));
    for (int i = N_CALLERS - 1; i >= 0; i--) {
        remote_int_ret a = {0};

        g_assert_cmpint(hdrs[i].type, ==, VSTOR_MSG_CALL);
        g_assert_cmpint(vstor_rpc_decode_body(msgs[i], VSTOR_RPC_PREFIX_LEN,
                                              (xdrproc_t)xdr_remote_int_ret, &a, NULL),
                        ==, 0);
        srv_reply_int(s, &hdrs[i], a.value * 10 + hdrs[i].proc);
        g_bytes_unref(msgs[i]);
    }
    while (srv_read(s, &hdrs[0]))
        ;
    return NULL;
}

typedef struct {
    VstorRpcClient *cl;
    int index;
    int result;
} Caller;

static gpointer
caller_main(gpointer data)
{
    Caller *c = data;
    g_autoptr(GError) err = NULL;

    c->result = -1;
    if (call_int(c->cl, 100 + c->index, c->index, &c->result, &err) < 0)
        c->result = -2;
    return NULL;
}

static void
test_concurrent(void)
{
    Pair p;
    Caller callers[N_CALLERS];
    GThread *threads[N_CALLERS];

    pair_start(&p, server_reverse);
    for (int i = 0; i < N_CALLERS; i++) {
        callers[i] = (Caller){p.cl, i, 0};
        threads[i] = g_thread_new("caller", caller_main, &callers[i]);
    }
    for (int i = 0; i < N_CALLERS; i++) {
        g_thread_join(threads[i]);
        g_assert_cmpint(callers[i].result, ==, i * 10 + 100 + i);
    }
    pair_stop(&p);
}

/* --- keepalive --- */

static gpointer
server_ping(gpointer data)
{
    Server *s = data;
    vstor_message_header call, h;
    vstor_message_header ping = {.prog = KEEPALIVE_PROGRAM,
                                 .vers = KEEPALIVE_PROTOCOL_VERSION,
                                 .proc = KEEPALIVE_PROC_PING,
                                 .type = VSTOR_MSG_MESSAGE,
                                 .status = VSTOR_STATUS_OK};
    struct timeval five = {.tv_sec = 5};
    GBytes *msg = srv_read(s, &call);

    g_bytes_unref(msg);
    /* Pings before the answer: the call's reply waits until the client answered (within
     * five seconds, or the read fails and so does the test). */
    g_assert_cmpint(setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &five, sizeof(five)), ==, 0);
    srv_send(s, vstor_rpc_encode(&ping, NULL, NULL, NULL));
    g_assert_nonnull((msg = srv_read(s, &h)));
    g_bytes_unref(msg);
    five.tv_sec = 0;
    g_assert_cmpint(setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &five, sizeof(five)), ==, 0);
    g_assert_cmpuint(h.prog, ==, KEEPALIVE_PROGRAM);
    g_assert_cmpint(h.proc, ==, KEEPALIVE_PROC_PONG);
    g_assert_cmpint(h.type, ==, VSTOR_MSG_MESSAGE);
    srv_reply_int(s, &call, 7);
    while ((msg = srv_read(s, &h)))
        g_bytes_unref(msg);
    return NULL;
}

static void
test_keepalive(void)
{
    Pair p;
    g_autoptr(GError) err = NULL;
    int v = 0;

    pair_start(&p, server_ping);
    g_assert_cmpint(call_int(p.cl, 1, 0, &v, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpint(v, ==, 7);
    pair_stop(&p);
}

/* --- error replies, and a reply that does not decode --- */

static gpointer
server_errors(gpointer data)
{
    Server *s = data;
    vstor_message_header h;
    GBytes *msg;
    g_autoptr(GError) e = NULL;

    g_set_error_literal(&e, VSTOR_ERROR, VSTOR_ERR_NO_STORAGE_POOL,
                        "Storage pool not found: no storage pool with matching name 'x'");
    g_assert_nonnull((msg = srv_read(s, &h)));
    g_bytes_unref(msg);
    srv_send(s, vstor_rpc_encode_error(&h, VSTOR_MSG_REPLY, VSTOR_FROM_STORAGE, e));
    /* An OK reply whose payload is too short for the expected type. */
    g_assert_nonnull((msg = srv_read(s, &h)));
    g_bytes_unref(msg);
    h.type = VSTOR_MSG_REPLY;
    srv_send(s, vstor_rpc_encode_raw(&h, "ab", 2));
    /* The connection still works. */
    g_assert_nonnull((msg = srv_read(s, &h)));
    g_bytes_unref(msg);
    srv_reply_int(s, &h, 5);
    while ((msg = srv_read(s, &h)))
        g_bytes_unref(msg);
    return NULL;
}

static void
test_errors(void)
{
    Pair p;
    g_autoptr(GError) err = NULL;
    int v = 0;

    pair_start(&p, server_errors);
    g_assert_cmpint(call_int(p.cl, 1, 0, &v, &err), ==, -1);
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_NO_STORAGE_POOL);
    g_assert_cmpstr(err->message, ==,
                    "Storage pool not found: no storage pool with matching name 'x'");
    g_clear_error(&err);
    g_assert_cmpint(call_int(p.cl, 2, 0, &v, &err), ==, -1);
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_RPC);
    g_clear_error(&err);
    g_assert_cmpint(call_int(p.cl, 3, 0, &v, &err), ==, 0);
    g_assert_cmpint(v, ==, 5);
    pair_stop(&p);
}

/* --- hang-up and garbage --- */

static gpointer
server_hangup(gpointer data)
{
    Server *s = data;
    vstor_message_header h;
    GBytes *msg = srv_read(s, &h);

    g_bytes_unref(msg);
    shutdown(s->fd, SHUT_RDWR);
    return NULL;
}

static gpointer
server_garbage(gpointer data)
{
    Server *s = data;
    vstor_message_header h;
    GBytes *msg = srv_read(s, &h);
    const guint8 huge[] = {0xff, 0xff, 0xff, 0xf0, 0, 0, 0, 0};

    g_bytes_unref(msg);
    /* A length word far above the limit: the client must not try to allocate it. */
    g_assert_cmpint(write(s->fd, huge, sizeof(huge)), ==, sizeof(huge));
    while ((msg = srv_read(s, &h)))
        g_bytes_unref(msg);
    return NULL;
}

static void
test_hangup(gconstpointer data)
{
    Pair p;
    g_autoptr(GError) err = NULL;
    int v = 0;

    pair_start(&p, (GThreadFunc)data);
    g_assert_cmpint(call_int(p.cl, 1, 0, &v, &err), ==, -1);
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_RPC);
    g_clear_error(&err);
    g_assert_true(vstor_rpc_client_is_closed(p.cl));
    /* Later calls fail at once. */
    g_assert_cmpint(call_int(p.cl, 2, 0, &v, &err), ==, -1);
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_RPC);
    pair_stop(&p);
}

/* --- events --- */

typedef struct {
    GMutex lock;
    GCond cond;
    int proc;
    int value;
    GThread *thread;
} EventSeen;

static gpointer
server_event(gpointer data)
{
    Server *s = data;
    vstor_message_header h = {.prog = PROG,
                              .vers = VERS,
                              .proc = 370,
                              .type = VSTOR_MSG_MESSAGE,
                              .serial = 1,
                              .status = VSTOR_STATUS_OK};
    remote_int_ret body = {.value = 99};
    vstor_message_header call;
    GBytes *msg;

    /* The client's call says its callback is set; the event goes out before the reply. */
    g_assert_nonnull((msg = srv_read(s, &call)));
    g_bytes_unref(msg);
    srv_send(s, vstor_rpc_encode(&h, (xdrproc_t)xdr_remote_int_ret, &body, NULL));
    srv_reply_int(s, &call, 1);
    while ((msg = srv_read(s, &h)))
        g_bytes_unref(msg);
    return NULL;
}

static void
on_event(VstorRpcClient *cl, const vstor_message_header *hdr, GBytes *msg, gpointer data)
{
    EventSeen *seen = data;
    remote_int_ret body = {0};

    g_assert_cmpint(vstor_rpc_decode_body(msg, VSTOR_RPC_PREFIX_LEN, (xdrproc_t)xdr_remote_int_ret,
                                          &body, NULL),
                    ==, 0);
    g_mutex_lock(&seen->lock);
    seen->proc = hdr->proc;
    seen->value = body.value;
    seen->thread = g_thread_self();
    g_cond_broadcast(&seen->cond);
    g_mutex_unlock(&seen->lock);
}

static void
test_event(void)
{
    Pair p;
    EventSeen seen = {0};
    int v = 0;
    gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

    g_mutex_init(&seen.lock);
    g_cond_init(&seen.cond);
    pair_start(&p, server_event);
    vstor_rpc_client_set_event_func(p.cl, on_event, &seen);
    g_assert_cmpint(call_int(p.cl, 1, 0, &v, NULL), ==, 0);
    g_mutex_lock(&seen.lock);
    while (!seen.proc && g_cond_wait_until(&seen.cond, &seen.lock, deadline))
        ;
    g_mutex_unlock(&seen.lock);
    g_assert_cmpint(seen.proc, ==, 370);
    g_assert_cmpint(seen.value, ==, 99);
    g_assert_true(seen.thread != g_thread_self());
    pair_stop(&p);
    g_mutex_clear(&seen.lock);
    g_cond_clear(&seen.cond);
}

/* --- streams --- */

static void
srv_stream(Server *s, const vstor_message_header *req, vstor_message_type type,
           vstor_message_status status, const void *data, gsize len)
{
    vstor_message_header h = *req;

    h.type = type;
    h.status = status;
    srv_send(s, vstor_rpc_encode_raw(&h, data, len));
}

static gpointer
server_download(gpointer data)
{
    Server *s = data;
    vstor_message_header call, h;
    vstor_stream_hole hole = {.length = 1000, .flags = 0};
    GBytes *msg = srv_read(s, &call);

    g_bytes_unref(msg);
    g_assert_cmpint(call.proc, ==, 209);
    srv_stream(s, &call, VSTOR_MSG_REPLY, VSTOR_STATUS_OK, NULL, 0);
    srv_stream(s, &call, VSTOR_MSG_STREAM, VSTOR_STATUS_CONTINUE, "hello", 5);
    h = call;
    h.type = VSTOR_MSG_STREAM_HOLE;
    h.status = VSTOR_STATUS_CONTINUE;
    srv_send(s, vstor_rpc_encode(&h, (xdrproc_t)xdr_vstor_stream_hole, &hole, NULL));
    srv_stream(s, &call, VSTOR_MSG_STREAM, VSTOR_STATUS_CONTINUE, "world", 5);
    srv_stream(s, &call, VSTOR_MSG_STREAM, VSTOR_STATUS_CONTINUE, NULL, 0);
    /* The client's finish, answered with an empty OK. */
    g_assert_nonnull((msg = srv_read(s, &h)));
    g_bytes_unref(msg);
    g_assert_cmpint(h.type, ==, VSTOR_MSG_STREAM);
    g_assert_cmpint(h.status, ==, VSTOR_STATUS_OK);
    g_assert_cmpuint(h.serial, ==, call.serial);
    srv_stream(s, &call, VSTOR_MSG_STREAM, VSTOR_STATUS_OK, NULL, 0);
    while ((msg = srv_read(s, &h)))
        g_bytes_unref(msg);
    return NULL;
}

static void
test_download(void)
{
    Pair p;
    g_autoptr(GError) err = NULL;
    remote_int_ret args = {0};
    VstorRpcStream *st;
    char buf[16];
    guint64 hole = 0;

    pair_start(&p, server_download);
    st = vstor_rpc_client_stream_open(p.cl, PROG, VERS, 209, (xdrproc_t)xdr_remote_int_ret, &args,
                                      TRUE, &err);
    g_assert_no_error(err);
    g_assert_cmpint(vstor_rpc_stream_recv(st, buf, 3, &hole, &err), ==, 3);
    g_assert_cmpmem(buf, 3, "hel", 3);
    g_assert_cmpint(vstor_rpc_stream_recv(st, buf, sizeof(buf), &hole, &err), ==, 2);
    g_assert_cmpmem(buf, 2, "lo", 2);
    g_assert_cmpint(vstor_rpc_stream_recv(st, buf, sizeof(buf), &hole, &err), ==, 0);
    g_assert_cmpuint(hole, ==, 1000);
    g_assert_cmpint(vstor_rpc_stream_recv(st, buf, sizeof(buf), &hole, &err), ==, 5);
    g_assert_cmpmem(buf, 5, "world", 5);
    g_assert_cmpint(vstor_rpc_stream_recv(st, buf, sizeof(buf), &hole, &err), ==, 0);
    g_assert_cmpuint(hole, ==, 0);
    g_assert_cmpint(vstor_rpc_stream_finish(st, &err), ==, 0);
    g_assert_no_error(err);
    pair_stop(&p);
}

static gpointer
server_download_hangup(gpointer data)
{
    Server *s = data;
    vstor_message_header call;
    GBytes *msg = srv_read(s, &call);

    g_bytes_unref(msg);
    srv_stream(s, &call, VSTOR_MSG_REPLY, VSTOR_STATUS_OK, NULL, 0);
    srv_stream(s, &call, VSTOR_MSG_STREAM, VSTOR_STATUS_CONTINUE, "part", 4);
    shutdown(s->fd, SHUT_RDWR);
    return NULL;
}

/* The server goes away in the middle of a download: the data before still arrives, then an
 * error, and giving up on the stream does not hang. */
static void
test_download_hangup(void)
{
    Pair p;
    g_autoptr(GError) err = NULL;
    remote_int_ret args = {0};
    VstorRpcStream *st;
    char buf[16];
    guint64 hole = 0;
    gssize n;

    pair_start(&p, server_download_hangup);
    st = vstor_rpc_client_stream_open(p.cl, PROG, VERS, 209, (xdrproc_t)xdr_remote_int_ret, &args,
                                      FALSE, &err);
    g_assert_no_error(err);
    n = vstor_rpc_stream_recv(st, buf, sizeof(buf), &hole, &err);
    g_assert_cmpint(n, ==, 4);
    g_assert_cmpint(vstor_rpc_stream_recv(st, buf, sizeof(buf), &hole, &err), ==, -1);
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_RPC);
    g_clear_error(&err);
    g_assert_cmpint(vstor_rpc_stream_send_hole(st, 10, &err), ==, -1); /* not sparse */
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_INVALID_ARG);
    g_clear_error(&err);
    vstor_rpc_stream_abort(st);
    pair_stop(&p);
}

#define UPLOAD_LEN 600000

/* @data: TRUE to fail the stream after its first data packet. */
static gpointer
server_upload(gpointer data, gboolean fail)
{
    Server *s = data;
    vstor_message_header call, h;
    g_autoptr(GByteArray) got = g_byte_array_new();
    guint64 holes = 0;
    guint packets = 0;
    GBytes *msg = srv_read(s, &call);
    g_autoptr(GError) e = NULL;

    g_set_error_literal(&e, VSTOR_ERROR, VSTOR_ERR_OPERATION_FAILED, "no room left");
    g_bytes_unref(msg);
    srv_stream(s, &call, VSTOR_MSG_REPLY, VSTOR_STATUS_OK, NULL, 0);
    while ((msg = srv_read(s, &h))) {
        gsize len;
        const guint8 *d = g_bytes_get_data(msg, &len);

        g_assert_cmpuint(h.serial, ==, call.serial);
        if (h.type == VSTOR_MSG_STREAM_HOLE) {
            vstor_stream_hole hole;

            g_assert_cmpint(vstor_rpc_decode_body(msg, VSTOR_RPC_PREFIX_LEN,
                                                  (xdrproc_t)xdr_vstor_stream_hole, &hole, NULL),
                            ==, 0);
            holes += (guint64)hole.length;
        } else if (h.status == VSTOR_STATUS_CONTINUE) {
            g_assert_cmpuint(len - VSTOR_RPC_PREFIX_LEN, <=, VSTOR_STREAM_CHUNK_MAX);
            g_byte_array_append(got, d + VSTOR_RPC_PREFIX_LEN, len - VSTOR_RPC_PREFIX_LEN);
            if (fail && ++packets == 1)
                srv_send(s, vstor_rpc_encode_error(&h, VSTOR_MSG_STREAM, VSTOR_FROM_STORAGE, e));
        } else {
            g_bytes_unref(msg);
            break;
        }
        g_bytes_unref(msg);
    }
    if (fail) {
        srv_send(s, vstor_rpc_encode_error(&call, VSTOR_MSG_STREAM, VSTOR_FROM_STORAGE, e));
    } else {
        g_assert_cmpuint(got->len, ==, UPLOAD_LEN);
        for (guint i = 0; i < got->len; i++)
            g_assert_cmpuint(got->data[i], ==, (guint8)(i % 251));
        g_assert_cmpuint(holes, ==, 4096);
        srv_stream(s, &call, VSTOR_MSG_STREAM, VSTOR_STATUS_OK, NULL, 0);
    }
    /* A plain call afterwards still gets its answer. */
    if ((msg = srv_read(s, &h))) {
        g_bytes_unref(msg);
        srv_reply_int(s, &h, 1);
    }
    while ((msg = srv_read(s, &h)))
        g_bytes_unref(msg);
    return NULL;
}

static gpointer
server_upload_ok(gpointer data)
{
    return server_upload(data, FALSE);
}

static gpointer
server_upload_fail(gpointer data)
{
    return server_upload(data, TRUE);
}

static void
test_upload(gconstpointer data)
{
    gboolean fail = GPOINTER_TO_INT(data);
    Pair p;
    g_autoptr(GError) err = NULL;
    remote_int_ret args = {0};
    g_autofree guint8 *buf = g_malloc(UPLOAD_LEN);
    VstorRpcStream *st;
    int v = 0;

    for (guint i = 0; i < UPLOAD_LEN; i++)
        buf[i] = (guint8)(i % 251);
    pair_start(&p, fail ? server_upload_fail : server_upload_ok);
    st = vstor_rpc_client_stream_open(p.cl, PROG, VERS, 208, (xdrproc_t)xdr_remote_int_ret, &args,
                                      TRUE, &err);
    g_assert_no_error(err);
    if (fail) {
        /* The server's error may reach the client while it still sends: either the send or
         * the finish reports it, with the server's code and text. */
        if (vstor_rpc_stream_send(st, buf, UPLOAD_LEN, &err) == 0)
            (void)vstor_rpc_stream_send_hole(st, 4096, &err);
        if (err) {
            g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_OPERATION_FAILED);
            g_clear_error(&err);
        }
        g_assert_cmpint(vstor_rpc_stream_finish(st, &err), ==, -1);
        g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_OPERATION_FAILED);
        g_assert_cmpstr(err->message, ==, "no room left");
        g_clear_error(&err);
    } else {
        g_assert_cmpint(vstor_rpc_stream_send(st, buf, UPLOAD_LEN, &err), ==, 0);
        g_assert_cmpint(vstor_rpc_stream_send_hole(st, 4096, &err), ==, 0);
        g_assert_no_error(err);
        g_assert_cmpint(vstor_rpc_stream_finish(st, &err), ==, 0);
        g_assert_no_error(err);
    }
    g_assert_cmpint(call_int(p.cl, 1, 0, &v, &err), ==, 0);
    g_assert_cmpint(v, ==, 1);
    pair_stop(&p);
}

/* A message of @len bytes (length word included) whose bytes after the word are @fill. */
static guint8 *
framed(gsize len, guint8 fill)
{
    guint8 *m = g_malloc(len);

    memset(m, fill, len);
    m[0] = (guint8)(len >> 24);
    m[1] = (guint8)(len >> 16);
    m[2] = (guint8)(len >> 8);
    m[3] = (guint8)len;
    return m;
}

static gpointer
drop_bytes(gpointer bytes)
{
    g_bytes_unref(bytes);
    return NULL;
}

/* Large messages come in buffers that go back to the reader once dropped, from any thread and
 * even after the reader is gone; small and oversized ones are plain allocations. */
static void
test_reader_pool(void)
{
    g_autoptr(VstorRpcReader) rd = vstor_rpc_reader_new(VSTOR_MESSAGE_MAX);
    g_autoptr(GError) err = NULL;
    gsize big = 65536 + 28, huge = 1024 * 1024;
    g_autofree guint8 *a = framed(big, 'a');
    g_autofree guint8 *b = framed(big, 'b');
    g_autofree guint8 *h = framed(huge, 'h');
    g_autofree guint8 *small = framed(64, 's');
    GBytes *m1 = NULL, *m2 = NULL, *m3 = NULL;
    const void *first;
    g_autofree void *decoy = NULL;
    gsize got;

    /* fed in two pieces */
    g_assert_cmpint(vstor_rpc_reader_feed(rd, a, 1000, &m1, &err), ==, 1000);
    g_assert_null(m1);
    g_assert_cmpint(vstor_rpc_reader_feed(rd, a + 1000, big - 1000, &m1, &err), ==, big - 1000);
    g_assert_nonnull(m1);
    first = g_bytes_get_data(m1, &got);
    g_assert_cmpmem(first, got, a, big);
    /* dropped on another thread: the next one is read into the same buffer */
    g_thread_join(g_thread_new("drop", drop_bytes, m1));
    decoy = g_malloc(big); /* would take the freed memory, were it given back to malloc */
    g_assert_cmpint(vstor_rpc_reader_feed(rd, b, big, &m2, &err), ==, big);
    g_assert_true(g_bytes_get_data(m2, &got) == first);
    g_assert_cmpmem(g_bytes_get_data(m2, NULL), got, b, big);
    /* while that one is held, another gets a buffer of its own */
    g_assert_cmpint(vstor_rpc_reader_feed(rd, a, big, &m3, &err), ==, big);
    g_assert_true(g_bytes_get_data(m3, NULL) != first);
    g_assert_cmpmem(g_bytes_get_data(m3, NULL), g_bytes_get_size(m3), a, big);
    g_bytes_unref(m3);
    m3 = NULL;
    /* too large for the pool, and small ones */
    g_assert_cmpint(vstor_rpc_reader_feed(rd, h, huge, &m3, &err), ==, huge);
    g_assert_cmpmem(g_bytes_get_data(m3, NULL), g_bytes_get_size(m3), h, huge);
    g_bytes_unref(m3);
    m3 = NULL;
    g_assert_cmpint(vstor_rpc_reader_feed(rd, small, 64, &m3, &err), ==, 64);
    g_assert_cmpmem(g_bytes_get_data(m3, NULL), g_bytes_get_size(m3), small, 64);
    g_bytes_unref(m3);
    m3 = NULL;
    /* a message half read when the reader goes, and one that outlives it */
    g_assert_cmpint(vstor_rpc_reader_feed(rd, a, 5000, &m3, &err), ==, 5000);
    g_clear_pointer(&rd, vstor_rpc_reader_free);
    g_assert_cmpmem(g_bytes_get_data(m2, NULL), g_bytes_get_size(m2), b, big);
    g_bytes_unref(m2);
}

/* A reply written piece by piece is the same message, byte for byte, as the rpcgen routine
 * makes of the same list (strings of every length modulo 4, a count set afterwards). */
static void
test_builder(void)
{
    static const char *names[] = {"", "a", "ab", "abc", "abcd", "abcde"};
    remote_nonnull_storage_vol vols[G_N_ELEMENTS(names)];
    remote_storage_pool_list_all_volumes_ret ret = {0};
    vstor_message_header hdr = {.prog = PROG,
                                .vers = VERS,
                                .proc = 253,
                                .type = VSTOR_MSG_REPLY,
                                .serial = 77,
                                .status = VSTOR_STATUS_OK};
    g_autoptr(VstorRpcBuilder) b = vstor_rpc_builder_new(&hdr, 0);
    g_autoptr(VstorRpcBuilder) big = NULL;
    g_autoptr(GBytes) want = NULL;
    g_autoptr(GBytes) got = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *huge = g_malloc(VSTOR_MESSAGE_MAX);
    gsize at;

    at = vstor_rpc_builder_u32(b, 0);
    for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
        vols[i].pool = (char *)"pool";
        vols[i].name = (char *)names[i];
        vols[i].key = (char *)names[G_N_ELEMENTS(names) - 1 - i];
        vstor_rpc_builder_string(b, vols[i].pool);
        vstor_rpc_builder_string(b, vols[i].name);
        vstor_rpc_builder_string(b, vols[i].key);
    }
    vstor_rpc_builder_set_u32(b, at, G_N_ELEMENTS(names));
    vstor_rpc_builder_u32(b, 42);
    ret.vols.vols_len = G_N_ELEMENTS(names);
    ret.vols.vols_val = vols;
    ret.ret = 42;
    want =
        vstor_rpc_encode(&hdr, (xdrproc_t)xdr_remote_storage_pool_list_all_volumes_ret, &ret, &err);
    g_assert_no_error(err);
    got = vstor_rpc_builder_finish(b, &err);
    g_assert_no_error(err);
    g_assert_true(g_bytes_equal(want, got));

    /* over the message limit: an error, not a message the client would refuse */
    memset(huge, 'x', VSTOR_MESSAGE_MAX - 1);
    huge[VSTOR_MESSAGE_MAX - 1] = '\0';
    big = vstor_rpc_builder_new(&hdr, 0);
    vstor_rpc_builder_string(big, huge);
    g_assert_null(vstor_rpc_builder_finish(big, &err));
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_RPC);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/rpc-client/concurrent-calls", test_concurrent);
    g_test_add_func("/rpc/builder", test_builder);
    g_test_add_func("/rpc/reader-pool", test_reader_pool);
    g_test_add_func("/rpc-client/keepalive", test_keepalive);
    g_test_add_func("/rpc-client/error-replies", test_errors);
    g_test_add_data_func("/rpc-client/server-hangup", server_hangup, test_hangup);
    g_test_add_data_func("/rpc-client/garbage", server_garbage, test_hangup);
    g_test_add_func("/rpc-client/event", test_event);
    g_test_add_func("/rpc-client/stream-download", test_download);
    g_test_add_func("/rpc-client/stream-download-hangup", test_download_hangup);
    g_test_add_data_func("/rpc-client/stream-upload", GINT_TO_POINTER(FALSE), test_upload);
    g_test_add_data_func("/rpc-client/stream-upload-error", GINT_TO_POINTER(TRUE), test_upload);
    return g_test_run();
}
