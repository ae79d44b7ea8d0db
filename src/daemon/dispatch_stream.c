/* dispatch_stream.c: volume upload and download over libvirt streams — data, holes (sparse
 * streams), finish and abort handshakes — kept in order per stream on the worker pool, with
 * back-pressure: downloads wait for the client to read, uploads stop the client's reads. */
#include <string.h>

#include "daemon/daemon.h"
#include "util/bufpool.h"
#include "util/error.h"

#define DRV(c) vstor_server_driver(vstor_client_server(c))

struct _VstorStream {
    int proc;
    guint serial;
    gboolean sparse;
    VstorVolStream *vs; /* NULL once finished or aborted */
    GMutex lock;
    GCond cond;
    GQueue inq; /* GBytes*: the client's stream messages, in order */
    gboolean draining; /* a worker owns inq */
    gboolean producing; /* a download is sending */
    gboolean stop; /* the download must stop sending */
    GError *failure; /* the error already sent to the client */
};

void
vstor_stream_free(VstorStream *st)
{
    if (!st)
        return;
    vstor_vol_stream_abort(st->vs);
    g_queue_clear_full(&st->inq, (GDestroyNotify)g_bytes_unref);
    g_clear_error(&st->failure);
    g_mutex_clear(&st->lock);
    g_cond_clear(&st->cond);
    g_free(st);
}

static void
stream_header(const VstorStream *st, vstor_message_type type, vstor_message_status status,
              vstor_message_header *ret_hdr)
{
    *ret_hdr = (vstor_message_header){
        .prog = REMOTE_PROGRAM,
        .vers = REMOTE_PROTOCOL_VERSION,
        .proc = st->proc,
        .type = type,
        .serial = st->serial,
        .status = status,
    };
}

static void
stream_send_empty(VstorClient *c, VstorStream *st)
{
    vstor_message_header hdr;

    stream_header(st, VSTOR_MSG_STREAM, VSTOR_STATUS_OK, &hdr);
    vstor_client_send(c, vstor_rpc_encode_raw(&hdr, NULL, 0));
}

/* Sends @err as the stream's error; the stream then only answers finish and abort. The
 * volume is let go at once: a client told of the error may never send either (libvirt's
 * does not), and the volume must not stay "in use". Called by the only thread using st->vs
 * at that moment (the upload's drain worker, the download's producer). */
static void
stream_fail(VstorClient *c, VstorStream *st, GError *err)
{
    vstor_message_header hdr;

    stream_header(st, VSTOR_MSG_STREAM, VSTOR_STATUS_ERROR, &hdr);
    vstor_dispatch_send_error(c, &hdr, VSTOR_MSG_STREAM, VSTOR_FROM_STORAGE, err);
    g_mutex_lock(&st->lock);
    if (!st->failure)
        st->failure = g_error_copy(err);
    g_mutex_unlock(&st->lock);
    vstor_vol_stream_abort(g_steal_pointer(&st->vs));
}

/* A download's frames: data is read straight into the message after its prefix, and each
 * buffer, once the socket has taken it, goes back to the download for the next frame (a new
 * 256 KiB allocation per frame costs page faults and zeroing on every one of them). The
 * pool lives as long as the download or any frame still queued for the client. */
#define FRAME_SPARE_MAX 8
#define FRAME_BYTES (VSTOR_RPC_PREFIX_LEN + VSTOR_STREAM_CHUNK_MAX)

/* Download: sends data and holes until the end, an error, the client's abort, or its exit. */
static void
stream_produce(VstorClient *c, VstorStream *st)
{
    VstorBufPool *pool = vstor_buf_pool_new(FRAME_BYTES, FRAME_SPARE_MAX);

    for (;;) {
        g_autoptr(GError) err = NULL;
        vstor_message_header hdr;
        guint64 hole = 0;
        guint8 *frame;
        gboolean stop;
        gssize n;

        g_mutex_lock(&st->lock);
        stop = st->stop;
        g_mutex_unlock(&st->lock);
        if (stop || !vstor_client_wait_writable(c))
            break;
        frame = vstor_buf_pool_get(pool);
        n = vstor_vol_stream_read(st->vs, frame + VSTOR_RPC_PREFIX_LEN, VSTOR_STREAM_CHUNK_MAX,
                                  &hole, &err);
        if (n <= 0)
            vstor_buf_pool_put(frame);
        if (n < 0) {
            stream_fail(c, st, err);
            break;
        }
        if (n > 0) {
            stream_header(st, VSTOR_MSG_STREAM, VSTOR_STATUS_CONTINUE, &hdr);
            vstor_rpc_frame_prefix(frame, &hdr, (gsize)n);
            vstor_client_send(c, vstor_buf_pool_bytes(frame, VSTOR_RPC_PREFIX_LEN + (gsize)n));
        } else if (hole > 0) {
            vstor_stream_hole h = {.length = (quad_t)hole, .flags = 0};

            stream_header(st, VSTOR_MSG_STREAM_HOLE, VSTOR_STATUS_CONTINUE, &hdr);
            vstor_client_send(c,
                              vstor_rpc_encode(&hdr, (xdrproc_t)xdr_vstor_stream_hole, &h, NULL));
        } else {
            /* End of data is an empty CONTINUE packet; OK only confirms finish/abort. */
            stream_header(st, VSTOR_MSG_STREAM, VSTOR_STATUS_CONTINUE, &hdr);
            vstor_client_send(c, vstor_rpc_encode_raw(&hdr, NULL, 0));
            break;
        }
    }
    vstor_buf_pool_unref(pool);
    g_mutex_lock(&st->lock);
    st->producing = FALSE;
    g_cond_broadcast(&st->cond);
    g_mutex_unlock(&st->lock);
}

/* Handles one client message; returns TRUE when it ended the stream. */
static gboolean
stream_handle(VstorClient *c, VstorStream *st, GBytes *msg)
{
    vstor_message_header hdr;
    gsize off, len;
    g_autoptr(GError) err = NULL;
    const guint8 *data = g_bytes_get_data(msg, &len);
    gboolean failed;

    if (vstor_rpc_decode_header(msg, &hdr, &off, &err) < 0)
        return FALSE;
    g_mutex_lock(&st->lock);
    failed = st->failure != NULL;
    g_mutex_unlock(&st->lock);

    if (hdr.type == VSTOR_MSG_STREAM && hdr.status != VSTOR_STATUS_CONTINUE) {
        /* Finish or abort: stop a download first, it uses the volume stream. */
        g_mutex_lock(&st->lock);
        st->stop = TRUE;
        while (st->producing)
            g_cond_wait(&st->cond, &st->lock);
        g_mutex_unlock(&st->lock);
        if (hdr.status == VSTOR_STATUS_OK && failed) {
            stream_fail(c, st, st->failure);
        } else if (hdr.status == VSTOR_STATUS_OK) {
            int rc = vstor_vol_stream_finish(g_steal_pointer(&st->vs), &err);

            if (rc < 0)
                stream_fail(c, st, err);
            else
                stream_send_empty(c, st);
        } else {
            vstor_vol_stream_abort(g_steal_pointer(&st->vs));
            stream_send_empty(c, st);
        }
        return TRUE;
    }
    if (failed || !st->vs)
        return FALSE; /* data after an error: the client will learn of it on finish */
    if (hdr.type == VSTOR_MSG_STREAM_HOLE) {
        vstor_stream_hole h;

        if (!st->sparse) {
            vstor_error_set(&err, VSTOR_ERR_RPC, "Unexpected stream hole");
        } else if (vstor_rpc_decode_body(msg, off, (xdrproc_t)xdr_vstor_stream_hole, &h, &err) ==
                   0) {
            if (h.length < 0)
                vstor_error_set(&err, VSTOR_ERR_INVALID_ARG, "negative stream hole length");
            else
                vstor_vol_stream_write_hole(st->vs, (guint64)h.length, &err);
        }
    } else if (len > off) {
        vstor_vol_stream_write(st->vs, data + off, len - off, &err);
    }
    if (err)
        stream_fail(c, st, err);
    return FALSE;
}

/* Worker: processes the stream's queued messages in order until none is left. */
static void
stream_drain(gpointer client, gpointer data)
{
    VstorClient *c = client;
    VstorStream *st = data;

    for (;;) {
        g_autoptr(GBytes) msg = NULL;
        gboolean ended;

        g_mutex_lock(&st->lock);
        msg = g_queue_pop_head(&st->inq);
        if (!msg)
            st->draining = FALSE;
        g_mutex_unlock(&st->lock);
        if (!msg)
            return;
        ended = stream_handle(c, st, msg);
        vstor_client_job_done(c);
        if (ended) {
            VstorClientState *cs = vstor_client_lock(c);

            g_hash_table_remove(cs->streams, GUINT_TO_POINTER(st->serial));
            vstor_client_unlock(c);
            /* Nobody can reach the stream now; what is still queued came after its end. */
            while (!g_queue_is_empty(&st->inq)) {
                g_bytes_unref(g_queue_pop_head(&st->inq));
                vstor_client_job_done(c);
            }
            vstor_stream_free(st);
            return;
        }
    }
}

void
vstor_stream_incoming(VstorClient *c, const vstor_message_header *hdr, GBytes *msg)
{
    VstorClientState *cs = vstor_client_lock(c);
    VstorStream *st = g_hash_table_lookup(cs->streams, GUINT_TO_POINTER(hdr->serial));
    gboolean schedule = FALSE;

    /* Packets for a stream that is over (or never was) are dropped, as libvirt does. */
    if (st && st->proc == hdr->proc) {
        g_mutex_lock(&st->lock);
        g_queue_push_tail(&st->inq, g_bytes_ref(msg));
        if (!st->draining)
            schedule = st->draining = TRUE;
        g_mutex_unlock(&st->lock);
    } else {
        st = NULL;
    }
    vstor_client_unlock(c);
    if (!st)
        return;
    vstor_client_job_add(c);
    if (schedule)
        vstor_server_push_work(vstor_client_server(c), c, stream_drain, st);
}

/* Registers a stream for the call @hdr before the reply goes out, so that the client's first
 * data packet, which may follow the reply at once, finds it. */
static VstorStream *
stream_register(VstorClient *c, const vstor_message_header *hdr, VstorVolStream *vs,
                gboolean sparse, gboolean producing)
{
    VstorStream *st = g_new0(VstorStream, 1);
    VstorClientState *cs;

    st->proc = hdr->proc;
    st->serial = hdr->serial;
    st->sparse = sparse;
    st->vs = vs;
    st->producing = producing;
    g_mutex_init(&st->lock);
    g_cond_init(&st->cond);
    g_queue_init(&st->inq);
    cs = vstor_client_lock(c);
    g_hash_table_insert(cs->streams, GUINT_TO_POINTER(hdr->serial), st);
    vstor_client_unlock(c);
    return st;
}

/* A serial names one stream; a client reusing one of an open stream breaks the protocol. */
static int
check_serial_free(VstorClient *c, const vstor_message_header *hdr, GError **err)
{
    VstorClientState *cs = vstor_client_lock(c);
    gboolean used = g_hash_table_contains(cs->streams, GUINT_TO_POINTER(hdr->serial));

    vstor_client_unlock(c);
    if (used) {
        vstor_error_set(err, VSTOR_ERR_RPC, "stream with serial %u is already open", hdr->serial);
        return -1;
    }
    return 0;
}

static void
send_ok_reply(VstorClient *c, const vstor_message_header *hdr)
{
    vstor_message_header rh = *hdr;

    rh.type = VSTOR_MSG_REPLY;
    rh.status = VSTOR_STATUS_OK;
    vstor_client_send(c, vstor_rpc_encode_raw(&rh, NULL, 0));
}

static int
proc_upload(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret, GError **err)
{
    remote_storage_vol_transfer_args *a = args;
    g_auto(VstorVolId) id = {0};
    VstorVolStream *vs;

    if (check_serial_free(c, hdr, err) < 0 ||
        vstor_access_check_pool_name(c, a->vol.pool, VSTOR_ACCESS_USE, "virStorageVolUpload", err) <
            0)
        return -1;
    vstor_wire_vol_to_id(&a->vol, &id);
    vs = vstor_driver_vol_upload(DRV(c), &id, a->offset, a->length, a->flags, err);
    if (!vs)
        return -1;
    stream_register(c, hdr, vs, (a->flags & VSTOR_VOL_STREAM_SPARSE) != 0, FALSE);
    send_ok_reply(c, hdr);
    return 1;
}

static int
proc_download(VstorClient *c, const vstor_message_header *hdr, void *args, void *ret, GError **err)
{
    remote_storage_vol_transfer_args *a = args;
    g_auto(VstorVolId) id = {0};
    VstorVolStream *vs;
    VstorStream *st;

    /* Reading a volume's data is using it, as a clone is. */
    if (check_serial_free(c, hdr, err) < 0 ||
        vstor_access_check_pool_name(c, a->vol.pool, VSTOR_ACCESS_USE, "virStorageVolDownload",
                                     err) < 0)
        return -1;
    vstor_wire_vol_to_id(&a->vol, &id);
    vs = vstor_driver_vol_download(DRV(c), &id, a->offset, a->length, a->flags, err);
    if (!vs)
        return -1;
    st = stream_register(c, hdr, vs, (a->flags & VSTOR_VOL_STREAM_SPARSE) != 0, TRUE);
    send_ok_reply(c, hdr);
    /* This worker sends the data; the stream is not freed while producing is set. */
    stream_produce(c, st);
    return 1;
}

const VstorProc vstor_stream_procs[] = {
    VSTOR_PROC_NORET(REMOTE_PROC_STORAGE_VOL_UPLOAD, proc_upload, remote_storage_vol_transfer_args,
                     "virStorageVolUpload", FALSE),
    VSTOR_PROC_NORET(REMOTE_PROC_STORAGE_VOL_DOWNLOAD, proc_download,
                     remote_storage_vol_transfer_args, "virStorageVolDownload", FALSE),
    {0},
};
