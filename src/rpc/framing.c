/* framing.c: the incremental message reader — a 4-byte big-endian length that counts itself,
 * then that many bytes — which refuses lengths outside [header, limit] before allocating. */
#include <string.h>

#include "rpc/message.h"
#include "util/error.h"

struct _VstorRpcReader {
    guint32 max_len;
    guint8 len_word[4];
    gsize have; /* bytes of the current message read, length word included */
    guint32 want; /* total length once the length word is complete, else 0 */
    guint8 *buf;
};

VstorRpcReader *
vstor_rpc_reader_new(guint32 max_len)
{
    VstorRpcReader *rd = g_new0(VstorRpcReader, 1);

    rd->max_len = max_len;
    return rd;
}

void
vstor_rpc_reader_free(VstorRpcReader *rd)
{
    if (!rd)
        return;
    g_free(rd->buf);
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
            rd->buf = g_malloc(rd->want);
            memcpy(rd->buf, rd->len_word, 4);
            continue;
        }
        n = MIN(rd->want - rd->have, len - used);
        memcpy(rd->buf + rd->have, data + used, n);
        rd->have += n;
        used += n;
        if (rd->have == rd->want) {
            *ret_msg = g_bytes_new_take(g_steal_pointer(&rd->buf), rd->want);
            rd->have = 0;
            rd->want = 0;
            break;
        }
    }
    return (gssize)used;
}
