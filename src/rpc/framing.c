/* framing.c: the incremental message reader — a 4-byte big-endian length that counts itself,
 * then that many bytes — which refuses lengths outside [header, limit] before allocating. */
#include <string.h>

#include "rpc/message.h"
#include "util/bufpool.h"
#include "util/error.h"

/* Large messages (stream data: a 512 MiB upload is 8,192 of 64 KiB) are read into buffers that
 * come back to their reader's pool when whoever handled the message drops it: allocated and
 * freed each time, they made the heap grow and shrink by that much per message — a page
 * fault and a zeroed page for every 4 KiB read, ~15 % of an upload's CPU. */
#define POOL_MIN 16384
#define POOL_BUF_SIZE (256 * 1024 + 1024) /* a stream frame of libvirt's largest payload */
#define POOL_KEEP 8

struct _VstorRpcReader {
    guint32 max_len;
    guint8 len_word[4];
    gsize have; /* bytes of the current message read, length word included */
    guint32 want; /* total length once the length word is complete, else 0 */
    guint8 *buf;
    VstorBufPool *pool;
};

/* Whether a message of @want bytes is read into a buffer of the pool. */
static gboolean
pooled(guint32 want)
{
    return want >= POOL_MIN && want <= POOL_BUF_SIZE;
}

VstorRpcReader *
vstor_rpc_reader_new(guint32 max_len)
{
    VstorRpcReader *rd = g_new0(VstorRpcReader, 1);

    rd->max_len = max_len;
    rd->pool = vstor_buf_pool_new(POOL_BUF_SIZE, POOL_KEEP);
    return rd;
}

void
vstor_rpc_reader_free(VstorRpcReader *rd)
{
    if (!rd)
        return;
    if (rd->buf && pooled(rd->want))
        vstor_buf_pool_put(rd->buf);
    else
        g_free(rd->buf);
    vstor_buf_pool_unref(rd->pool);
    g_free(rd);
}

gssize
vstor_rpc_reader_feed(VstorRpcReader *rd, const guint8 *data, gsize len, GBytes **ret_msg,
                      GError **err)
{
    gsize used = 0;

    *ret_msg = NULL;
    while (used < len) {
        gsize n;

        if (rd->have < 4) {
            n = MIN(4 - rd->have, len - used);
            memcpy(rd->len_word + rd->have, data + used, n);
            rd->have += n;
            used += n;
            if (rd->have < 4)
                break;
            rd->want = (guint32)rd->len_word[0] << 24 | (guint32)rd->len_word[1] << 16 |
                       (guint32)rd->len_word[2] << 8 | rd->len_word[3];
            if (rd->want < VSTOR_RPC_PREFIX_LEN || rd->want > rd->max_len) {
                vstor_error_set(err, VSTOR_ERR_RPC, "message length %u outside [%u, %u]", rd->want,
                                (unsigned)VSTOR_RPC_PREFIX_LEN, rd->max_len);
                return -1;
            }
            rd->buf = pooled(rd->want) ? vstor_buf_pool_get(rd->pool) : g_malloc(rd->want);
            memcpy(rd->buf, rd->len_word, 4);
            continue;
        }
        n = MIN(rd->want - rd->have, len - used);
        memcpy(rd->buf + rd->have, data + used, n);
        rd->have += n;
        used += n;
        if (rd->have == rd->want) {
            *ret_msg = pooled(rd->want) ? vstor_buf_pool_bytes(rd->buf, rd->want)
                                        : g_bytes_new_take(rd->buf, rd->want);
            rd->buf = NULL;
            rd->have = 0;
            rd->want = 0;
            break;
        }
    }
    return (gssize)used;
}
