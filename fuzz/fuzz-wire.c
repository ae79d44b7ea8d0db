/* fuzz-wire.c: libFuzzer target for what vstord reads off a socket — the incremental message
 * reader, the header, and every procedure's argument (and reply) decoder via the dispatch table. */
#include "daemon/daemon.h"
#include "rpc/message.h"
#include "util/error.h"

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
    /* A small limit, as a daemon configured so would use: the reader's bounds are part of it. */
    g_autoptr(VstorRpcReader) rd = vstor_rpc_reader_new(1 << 20);
    gsize used = 0;

    /* The first byte splits the input into two reads, as a socket may deliver it. */
    gsize cut = size > 1 ? 1 + data[0] % size : size;

    while (used < size) {
        g_autoptr(GBytes) msg = NULL;
        g_autoptr(GError) err = NULL;
        gsize end = used < cut ? cut : size;
        gssize n = vstor_rpc_reader_feed(rd, data + used, end - used, &msg, &err);

        if (n < 0)
            break; /* a length word out of bounds: the daemon drops such a client */
        used += (gsize)n;
        if (msg) {
            g_autoptr(GError) derr = NULL;

            vstor_dispatch_decode_only(msg, &derr);
        }
        if (n == 0 && !msg)
            break;
    }
    return 0;
}
