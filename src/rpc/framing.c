/* framing.c: the incremental message reader — a 4-byte big-endian length that counts itself,
 * then that many bytes — which refuses lengths outside [header, limit] before allocating. */
#include <string.h>

#include "rpc/message.h"
#include "util/error.h"

/* Large messages (stream data: a 512 MiB upload is 8,192 of 64 KiB) are read into buffers that
 * come back to their reader's pool when whoever handled the message drops it: allocated and
 * freed each time, they made the heap grow and shrink by that much per message — a page
 * fault and a zeroed page for every 4 KiB read, ~15 % of an upload's CPU. */
#define POOL_MIN 16384
#define POOL_BUF_SIZE (256 * 1024 + 1024) /* a stream frame of libvirt's largest payload */
#define POOL_KEEP 8

typedef struct {
    gint refs; /* the reader and every message still in a pooled buffer */
    GMutex lock;
    GSList *free; /* PooledBuf, at most POOL_KEEP */
    guint n_free;
} BufPool;

typedef struct {
    BufPool *pool;
    guint8 data[];
} PooledBuf;

struct _VstorRpcReader {
    guint32 max_len;
    guint8 len_word[4];
    gsize have; /* bytes of the current message read, length word included */
    guint32 want; /* total length once the length word is complete, else 0 */
    guint8 *buf;
    PooledBuf *pooled; /* what buf is part of, when it came from the pool */
    BufPool *pool;
};

static void
pool_unref(BufPool *pool)
{
    if (!g_atomic_int_dec_and_test(&pool->refs))
        return;
    g_slist_free_full(pool->free, g_free);
    g_mutex_clear(&pool->lock);
    g_free(pool);
}

static PooledBuf *
pool_take(BufPool *pool)
{
    PooledBuf *pb = NULL;

    g_mutex_lock(&pool->lock);
    if (pool->free) {
        pb = pool->free->data;
        pool->free = g_slist_delete_link(pool->free, pool->free);
        pool->n_free--;
    }
    g_mutex_unlock(&pool->lock);
    if (!pb) {
        pb = g_malloc(sizeof(PooledBuf) + POOL_BUF_SIZE);
        pb->pool = pool;
    }
    g_atomic_int_inc(&pool->refs);
    return pb;
}

/* A message's GBytes was dropped (any thread): its buffer goes back, or is freed when the
 * pool holds enough. */
static void
pool_give(gpointer data)
{
    PooledBuf *pb = data;
    BufPool *pool = pb->pool;

    g_mutex_lock(&pool->lock);
    if (pool->n_free < POOL_KEEP) {
        pool->free = g_slist_prepend(pool->free, pb);
        pool->n_free++;
        pb = NULL;
    }
    g_mutex_unlock(&pool->lock);
    g_free(pb);
    pool_unref(pool);
}

VstorRpcReader *
vstor_rpc_reader_new(guint32 max_len)
{
    VstorRpcReader *rd = g_new0(VstorRpcReader, 1);

    rd->max_len = max_len;
    rd->pool = g_new0(BufPool, 1);
    rd->pool->refs = 1;
    g_mutex_init(&rd->pool->lock);
    return rd;
}

void
vstor_rpc_reader_free(VstorRpcReader *rd)
{
    if (!rd)
        return;
    if (rd->pooled)
        pool_give(rd->pooled);
    else
        g_free(rd->buf);
    pool_unref(rd->pool);
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
            if (rd->want >= POOL_MIN && rd->want <= POOL_BUF_SIZE) {
                rd->pooled = pool_take(rd->pool);
                rd->buf = rd->pooled->data;
            } else {
                rd->buf = g_malloc(rd->want);
            }
            memcpy(rd->buf, rd->len_word, 4);
            continue;
        }
        n = MIN(rd->want - rd->have, len - used);
        memcpy(rd->buf + rd->have, data + used, n);
        rd->have += n;
        used += n;
        if (rd->have == rd->want) {
            if (rd->pooled)
                *ret_msg = g_bytes_new_with_free_func(rd->buf, rd->want, pool_give,
                                                      g_steal_pointer(&rd->pooled));
            else
                *ret_msg = g_bytes_new_take(rd->buf, rd->want);
            rd->buf = NULL;
            rd->have = 0;
            rd->want = 0;
            break;
        }
    }
    return (gssize)used;
}
