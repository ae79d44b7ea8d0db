/* message.h: libvirt wire messages — a length word, the header, an XDR payload — built and
 * taken apart here, plus error replies in remote_error form and the incremental reader. */
#pragma once

#include <glib.h>

#include "rpc/vstor_protocol.h"

/* Bytes before the payload: the length word and the six header words. */
#define VSTOR_RPC_PREFIX_LEN 28

/* Encodes a whole message: length word, @hdr, then @body with @proc (NULL @proc: no payload).
 * Fails (VSTOR_ERR_RPC) when the body does not encode or exceeds the message limit. */
GBytes *vstor_rpc_encode(const vstor_message_header *hdr, xdrproc_t proc, const void *body,
                         GError **err);
/* Encodes a message whose payload is @len raw bytes (stream data). */
GBytes *vstor_rpc_encode_raw(const vstor_message_header *hdr, const void *data, gsize len);
/* Writes the VSTOR_RPC_PREFIX_LEN bytes before a raw payload of @len bytes at @buf: for a
 * payload read straight into @buf + VSTOR_RPC_PREFIX_LEN, not copied there. */
void vstor_rpc_frame_prefix(guint8 *buf, const vstor_message_header *hdr, gsize len);
/* A reply written piece by piece, for long lists produced while their source stays locked (no
 * copy of each string first): XDR unsigned words and strings, appended in order. */
typedef struct VstorRpcBuilder VstorRpcBuilder;
VstorRpcBuilder *vstor_rpc_builder_new(const vstor_message_header *hdr, gsize size_hint);
void vstor_rpc_builder_free(VstorRpcBuilder *b);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VstorRpcBuilder, vstor_rpc_builder_free)
/* Appends @v; returns where it went, for vstor_rpc_builder_set_u32 (a count known later). */
gsize vstor_rpc_builder_u32(VstorRpcBuilder *b, guint32 v);
void vstor_rpc_builder_set_u32(VstorRpcBuilder *b, gsize at, guint32 v);
/* Appends a non-NULL XDR string: its length, its bytes, zeros to the next 4-byte boundary. */
void vstor_rpc_builder_string(VstorRpcBuilder *b, const char *s);
/* The whole message (length word set); fails (VSTOR_ERR_RPC) over the message limit. */
GBytes *vstor_rpc_builder_finish(VstorRpcBuilder *b, GError **err);

/* Encodes an error message answering @req: same program, version, procedure and serial, the
 * given @type (REPLY for calls, STREAM for streams), status ERROR and a remote_error with the
 * code of @error (VSTOR_ERROR codes travel as they are; anything else is an internal error),
 * error domain @domain, level error, and the message text of @error. */
GBytes *vstor_rpc_encode_error(const vstor_message_header *req, vstor_message_type type, int domain,
                               const GError *error);

/* Decodes the header at the start of @msg (a whole message, length word included) and
 * returns the payload's offset in *ret_offset. Fails (VSTOR_ERR_RPC) on a short message. */
int vstor_rpc_decode_header(GBytes *msg, vstor_message_header *ret_hdr, gsize *ret_offset,
                            GError **err);
/* Decodes the payload of @msg (after @offset) into @ret_body with @proc; on success the caller
 * releases it with xdr_free(@proc, @ret_body). Fails (VSTOR_ERR_RPC) on a malformed payload;
 * nothing is left to free then. */
int vstor_rpc_decode_body(GBytes *msg, gsize offset, xdrproc_t proc, void *ret_body, GError **err);

/* Incremental reader of messages from a byte stream. */
typedef struct _VstorRpcReader VstorRpcReader;

/* A reader accepting messages of at most @max_len bytes (length word included). */
VstorRpcReader *vstor_rpc_reader_new(guint32 max_len);
void vstor_rpc_reader_free(VstorRpcReader *rd);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VstorRpcReader, vstor_rpc_reader_free)
/* Consumes bytes from @data; returns how many, and sets *ret_msg to a complete message
 * (length word included) when one ends within them (then stops there; call again with the
 * rest). Returns -1 (VSTOR_ERR_RPC) when a length word is below the header size or above the
 * limit: the stream cannot be resynchronised and the peer must be dropped. */
gssize vstor_rpc_reader_feed(VstorRpcReader *rd, const guint8 *data, gsize len, GBytes **ret_msg,
                             GError **err);
