/* bufpool.c: the recycled buffers of streams — download frames and large incoming messages —
 * each preceded by the pool it returns to. */
#include "util/bufpool.h"

struct _VstorBufPool {
    gint ref; /* the owner's, and one per buffer out of the pool */
    GMutex lock;
    GPtrArray *spare;
    gsize size;
    guint keep;
};

/* What precedes a buffer: the pool it goes back to (16 bytes, so the buffer stays aligned). */
typedef struct {
    VstorBufPool *pool;
    guint8 pad[16 - sizeof(VstorBufPool *)];
} BufHead;

VstorBufPool *
vstor_buf_pool_new(gsize size, guint keep)
{
    VstorBufPool *pool = g_new0(VstorBufPool, 1);

    pool->ref = 1;
    g_mutex_init(&pool->lock);
    pool->spare = g_ptr_array_new_with_free_func(g_free);
    pool->size = size;
    pool->keep = keep;
    return pool;
}

void
vstor_buf_pool_unref(VstorBufPool *pool)
{
    if (!pool || !g_atomic_int_dec_and_test(&pool->ref))
        return;
    g_ptr_array_unref(pool->spare);
    g_mutex_clear(&pool->lock);
    g_free(pool);
}

guint8 *
vstor_buf_pool_get(VstorBufPool *pool)
{
    BufHead *head = NULL;

    g_mutex_lock(&pool->lock);
    if (pool->spare->len > 0)
        head = g_ptr_array_steal_index_fast(pool->spare, pool->spare->len - 1);
    g_mutex_unlock(&pool->lock);
    if (!head)
        head = g_malloc(sizeof(BufHead) + pool->size);
    head->pool = pool;
    g_atomic_int_inc(&pool->ref);
    return (guint8 *)(head + 1);
}

void
vstor_buf_pool_put(guint8 *buf)
{
    BufHead *head = (BufHead *)buf - 1;
    VstorBufPool *pool = head->pool;

    g_mutex_lock(&pool->lock);
    if (pool->spare->len < pool->keep) {
        g_ptr_array_add(pool->spare, head);
        head = NULL;
    }
    g_mutex_unlock(&pool->lock);
    g_free(head);
    vstor_buf_pool_unref(pool);
}

static void
bytes_released(gpointer buf)
{
    vstor_buf_pool_put(buf);
}

GBytes *
vstor_buf_pool_bytes(guint8 *buf, gsize len)
{
    return g_bytes_new_with_free_func(buf, len, bytes_released, buf);
}
