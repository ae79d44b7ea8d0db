/* bufpool.h: fixed-size buffers that go back to their pool when the message made of one is
 * dropped, from any thread: a stream reuses a few buffers instead of a heap that grows and
 * shrinks (page faults and zeroing) with every message. */
#pragma once

#include <glib.h>

typedef struct _VstorBufPool VstorBufPool;

/* A pool of @size-byte buffers keeping at most @keep of them while none is in use. It lives
 * until it is unreferenced and every buffer taken from it has come back. */
VstorBufPool *vstor_buf_pool_new(gsize size, guint keep);
void vstor_buf_pool_unref(VstorBufPool *pool);

/* A buffer of the pool's size (16-byte aligned), to be given back by vstor_buf_pool_put or
 * turned into a message by vstor_buf_pool_bytes. */
guint8 *vstor_buf_pool_get(VstorBufPool *pool);
void vstor_buf_pool_put(guint8 *buf);
/* The first @len bytes of @buf (from vstor_buf_pool_get) as a GBytes that gives @buf back
 * when the last reference to it goes. */
GBytes *vstor_buf_pool_bytes(guint8 *buf, gsize len);
