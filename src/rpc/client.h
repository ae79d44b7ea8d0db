/* client.h: the client half of the wire — one connection to a server, calls from any thread
 * matched to replies by serial, keepalive answers, events and streams on a reader thread. */
#pragma once

#include <glib.h>

#include "rpc/message.h"

typedef struct _VstorRpcClient VstorRpcClient;
typedef struct _VstorRpcStream VstorRpcStream;

/* Called for each MESSAGE-type packet of a program other than keepalive (events), on the
 * client's event thread (never the reader thread, so it may make calls). @msg is the whole
 * message and @hdr its header; the payload starts at VSTOR_RPC_PREFIX_LEN. */
typedef void (*VstorRpcEventFunc)(VstorRpcClient *cl, const vstor_message_header *hdr, GBytes *msg,
                                  gpointer data);

/* Connects to the Unix socket @path. Fails with VSTOR_ERR_SYSTEM_ERROR (errno text) when the
 * socket cannot be reached. */
VstorRpcClient *vstor_rpc_client_new_unix(const char *path, GError **err);
/* A client over the connected stream socket @fd (taken), e.g. one end of a socketpair. */
VstorRpcClient *vstor_rpc_client_new_fd(int fd);
/* Shuts the socket down, fails whatever still waits, joins the threads and frees. NULL is
 * fine. Streams must be finished or aborted first. */
void vstor_rpc_client_free(VstorRpcClient *cl);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VstorRpcClient, vstor_rpc_client_free)

/* Sets the event callback (NULL: events are dropped); @data lives as long as the client. */
void vstor_rpc_client_set_event_func(VstorRpcClient *cl, VstorRpcEventFunc func, gpointer data);
/* Whether the connection is gone (server hung up, garbage arrived, or freed). */
gboolean vstor_rpc_client_is_closed(VstorRpcClient *cl);

/* Calls procedure @proc of program @prog version @vers with @args (encoded by @args_proc;
 * NULL: no payload) and waits for the reply, decoded into @ret by @ret_proc (NULL: the reply
 * has none); on success the caller frees @ret with xdr_free(@ret_proc, @ret). Any thread may
 * call at any time. A remote_error reply fails with its code (VSTOR_ERROR) and message; a
 * reply that does not decode or a lost connection fails with VSTOR_ERR_RPC. */
int vstor_rpc_client_call(VstorRpcClient *cl, guint prog, guint vers, int proc, xdrproc_t args_proc,
                          const void *args, xdrproc_t ret_proc, void *ret, GError **err);

/* --- streams --- */

/* Calls @proc (upload or download) and, when the reply is OK, returns the stream bound to the
 * call's serial. @sparse: the peer may send holes. Fails like vstor_rpc_client_call. */
VstorRpcStream *vstor_rpc_client_stream_open(VstorRpcClient *cl, guint prog, guint vers, int proc,
                                             xdrproc_t args_proc, const void *args, gboolean sparse,
                                             GError **err);
/* Sends @len bytes of data (cut into packets of at most VSTOR_STREAM_CHUNK_MAX). Fails with
 * the error the server reported for the stream, or when the connection is lost. */
int vstor_rpc_stream_send(VstorRpcStream *st, const void *data, gsize len, GError **err);
/* Sends a hole of @length bytes (sparse streams only). */
int vstor_rpc_stream_send_hole(VstorRpcStream *st, guint64 length, GError **err);
/* Receives up to @len bytes: returns their count, or 0 with *ret_hole > 0 for a hole, or 0
 * with *ret_hole == 0 at the end of the data; -1 with the server's error or VSTOR_ERR_RPC. */
gssize vstor_rpc_stream_recv(VstorRpcStream *st, void *buf, gsize len, guint64 *ret_hole,
                             GError **err);
/* Ends the stream, waits for the server to confirm, and frees it. Fails with the error the
 * server reported for the stream (during the transfer or at its end). */
int vstor_rpc_stream_finish(VstorRpcStream *st, GError **err);
/* Tells the server to drop the stream, and frees it. NULL is fine. */
void vstor_rpc_stream_abort(VstorRpcStream *st);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VstorRpcStream, vstor_rpc_stream_abort)
