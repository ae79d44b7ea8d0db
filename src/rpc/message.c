/* message.c: building and parsing libvirt wire messages with the rpcgen-generated XDR
 * routines; every size is checked before memory is touched. */
#include <string.h>

#include "rpc/message.h"
#include "util/error.h"

/* xdrmem streams work on a fixed buffer, so the payload size is measured first. */
GBytes *
vstor_rpc_encode(const vstor_message_header *hdr, xdrproc_t proc, const void *body, GError **err)
{
    gsize body_len = 0;
    gsize total;
    g_autofree guint8 *buf = NULL;
    XDR xdr;
    guint32 len_word;

    if (proc) {
        body_len = xdr_sizeof(proc, (void *)body);
        if (body_len == 0 && body) {
            vstor_error_set(err, VSTOR_ERR_RPC, "unable to encode message payload");
            return NULL;
        }
    }
    total = VSTOR_RPC_PREFIX_LEN + body_len;
    if (total > VSTOR_MESSAGE_MAX) {
        vstor_error_set(err, VSTOR_ERR_RPC, "message payload too large: %zu bytes", total);
        return NULL;
    }
    buf = g_malloc0(total);
    xdrmem_create(&xdr, (char *)buf, total, XDR_ENCODE);
    len_word = (guint32)total;
    if (!xdr_u_int(&xdr, &len_word) ||
        !xdr_vstor_message_header(&xdr, (vstor_message_header *)hdr) ||
        (proc && !proc(&xdr, (void *)body, 0))) {
        xdr_destroy(&xdr);
        vstor_error_set(err, VSTOR_ERR_RPC, "unable to encode message payload");
        return NULL;
    }
    xdr_destroy(&xdr);
    return g_bytes_new_take(g_steal_pointer(&buf), total);
}

void
vstor_rpc_frame_prefix(guint8 *buf, const vstor_message_header *hdr, gsize len)
{
    XDR xdr;
    guint32 len_word = (guint32)(VSTOR_RPC_PREFIX_LEN + len);

    xdrmem_create(&xdr, (char *)buf, VSTOR_RPC_PREFIX_LEN, XDR_ENCODE);
    /* A fixed-size header into a buffer of exactly its size cannot fail. */
    (void)xdr_u_int(&xdr, &len_word);
    (void)xdr_vstor_message_header(&xdr, (vstor_message_header *)hdr);
    xdr_destroy(&xdr);
}

GBytes *
vstor_rpc_encode_raw(const vstor_message_header *hdr, const void *data, gsize len)
{
    gsize total = VSTOR_RPC_PREFIX_LEN + len;
    guint8 *buf;

    g_return_val_if_fail(total <= VSTOR_MESSAGE_MAX, NULL);
    buf = g_malloc(total);
    vstor_rpc_frame_prefix(buf, hdr, len);
    if (len)
        memcpy(buf + VSTOR_RPC_PREFIX_LEN, data, len);
    return g_bytes_new_take(buf, total);
}

struct VstorRpcBuilder {
    vstor_message_header hdr;
    GByteArray *buf; /* the prefix's room, then the payload so far */
};

VstorRpcBuilder *
vstor_rpc_builder_new(const vstor_message_header *hdr, gsize size_hint)
{
    VstorRpcBuilder *b = g_new0(VstorRpcBuilder, 1);

    b->hdr = *hdr;
    b->buf = g_byte_array_sized_new(VSTOR_RPC_PREFIX_LEN + size_hint);
    g_byte_array_set_size(b->buf, VSTOR_RPC_PREFIX_LEN);
    return b;
}

void
vstor_rpc_builder_free(VstorRpcBuilder *b)
{
    if (!b)
        return;
    if (b->buf)
        g_byte_array_unref(b->buf);
    g_free(b);
}

gsize
vstor_rpc_builder_u32(VstorRpcBuilder *b, guint32 v)
{
    gsize at = b->buf->len;
    guint32 be = GUINT32_TO_BE(v);

    g_byte_array_append(b->buf, (const guint8 *)&be, 4);
    return at;
}

void
vstor_rpc_builder_set_u32(VstorRpcBuilder *b, gsize at, guint32 v)
{
    guint32 be = GUINT32_TO_BE(v);

    g_return_if_fail(at >= VSTOR_RPC_PREFIX_LEN && at + 4 <= b->buf->len);
    memcpy(b->buf->data + at, &be, 4);
}

void
vstor_rpc_builder_string(VstorRpcBuilder *b, const char *s)
{
    gsize len = strlen(s), padded = (len + 3) & ~(gsize)3;
    gsize at;

    vstor_rpc_builder_u32(b, (guint32)len);
    at = b->buf->len;
    g_byte_array_set_size(b->buf, at + padded);
    memcpy(b->buf->data + at, s, len);
    memset(b->buf->data + at + len, 0, padded - len);
}

GBytes *
vstor_rpc_builder_finish(VstorRpcBuilder *b, GError **err)
{
    gsize total = b->buf->len;

    if (total > VSTOR_MESSAGE_MAX) {
        vstor_error_set(err, VSTOR_ERR_RPC, "message payload too large: %zu bytes", total);
        return NULL;
    }
    vstor_rpc_frame_prefix(b->buf->data, &b->hdr, total - VSTOR_RPC_PREFIX_LEN);
    return g_byte_array_free_to_bytes(g_steal_pointer(&b->buf));
}

GBytes *
vstor_rpc_encode_error(const vstor_message_header *req, vstor_message_type type, int domain,
                       const GError *error)
{
    vstor_message_header hdr = *req;
    remote_error rerr = {0};
    char *text = error ? error->message : (char *)"unknown error";
    GBytes *msg;

    hdr.type = type;
    hdr.status = VSTOR_STATUS_ERROR;
    rerr.code = error && error->domain == VSTOR_ERROR ? error->code : VSTOR_ERR_INTERNAL_ERROR;
    rerr.domain = domain;
    rerr.message = &text;
    rerr.level = 2; /* VIR_ERR_ERROR */
    msg = vstor_rpc_encode(&hdr, (xdrproc_t)xdr_remote_error, &rerr, NULL);
    if (!msg) {
        /* Only an enormous message can fail to encode; send the code without it. */
        rerr.message = NULL;
        msg = vstor_rpc_encode(&hdr, (xdrproc_t)xdr_remote_error, &rerr, NULL);
    }
    return msg;
}

int
vstor_rpc_decode_header(GBytes *msg, vstor_message_header *ret_hdr, gsize *ret_offset, GError **err)
{
    gsize len;
    const guint8 *data = g_bytes_get_data(msg, &len);
    vstor_message_header hdr;
    XDR xdr;
    gboolean ok;

    if (len < VSTOR_RPC_PREFIX_LEN) {
        vstor_error_set(err, VSTOR_ERR_RPC, "message too short: %zu bytes", len);
        return -1;
    }
    xdrmem_create(&xdr, (char *)data + 4, VSTOR_RPC_PREFIX_LEN - 4, XDR_DECODE);
    ok = xdr_vstor_message_header(&xdr, &hdr);
    xdr_destroy(&xdr);
    if (!ok) {
        vstor_error_set(err, VSTOR_ERR_RPC, "unable to decode message header");
        return -1;
    }
    *ret_hdr = hdr;
    *ret_offset = VSTOR_RPC_PREFIX_LEN;
    return 0;
}

int
vstor_rpc_decode_body(GBytes *msg, gsize offset, xdrproc_t proc, void *ret_body, GError **err)
{
    gsize len;
    const guint8 *data = g_bytes_get_data(msg, &len);
    XDR xdr;
    gboolean ok;

    g_return_val_if_fail(offset <= len, -1);
    xdrmem_create(&xdr, (char *)data + offset, len - offset, XDR_DECODE);
    ok = proc(&xdr, ret_body, 0);
    xdr_destroy(&xdr);
    if (!ok) {
        /* A half-decoded body may hold allocations. */
        xdr_free(proc, ret_body);
        vstor_error_set(err, VSTOR_ERR_RPC, "unable to decode message payload");
        return -1;
    }
    return 0;
}
