/* probe.h: what an image's header says (format, virtual size, backing store, cluster size,
 * qcow2 compat and features, encryption), read the way libvirt 9.0.0 reads it, but hardened. */
#pragma once

#include <glib.h>
#include <sys/stat.h>

#include "conf/encryption.h"
#include "conf/pool_caps.h"
#include "conf/vol_conf.h"

/* How much of an image is read: libvirt's header window, which reaches the ISO 9660 volume
 * descriptor at byte 32769, and the last VSTOR_VOLFMT_TAIL_SIZE bytes, where a dmg keeps its
 * "koly" trailer. Nothing else is ever looked at. */
#define VSTOR_VOLFMT_HEADER_MAX 0x8200
#define VSTOR_VOLFMT_TAIL_SIZE 512

/* Values of VstorImageInfo.backing_format when the header does not name the format
 * (libvirt's AUTO and AUTO_SAFE): the backing file has to be probed to know it. */
#define VSTOR_VOLFMT_BACKING_PROBE (-1)
/* qed without its "no probe" flag: probing is allowed, but the backing file must not be
 * trusted to name further backing files of its own. */
#define VSTOR_VOLFMT_BACKING_PROBE_SAFE (-2)

/* The backing chain walk stops (with an error) past this many links unless told otherwise. */
#define VSTOR_VOLFMT_CHAIN_MAX_DEPTH 200

typedef struct {
    char *path; /* what the image was probed as (for messages); may be NULL */
    VstorVolFormat format; /* RAW when nothing is recognised, as libvirt does */
    /* A format libvirt 9.0.0 does not probe but whose magic was seen ("vhdx"); the image is
     * still reported as raw, as libvirt would. Static string, or NULL. */
    const char *format_hint;
    gboolean encrypted;
    VstorEncryptionFormat encryption_format; /* QCOW or LUKS when encrypted, else DEFAULT */
    /* LUKS on raw: bytes of LUKS header before the payload (already taken off capacity). */
    unsigned long long payload_offset;
    /* Virtual size. Raw, directories, and headers that hold 0: the file's size (libvirt's
     * rule, so a qcow2 of size 0 reports its file size). */
    unsigned long long capacity;
    unsigned long long allocation; /* regular file: st_blocks * 512; block device: its size */
    unsigned long long physical; /* regular file: st_size; block device: its size */
    unsigned long long cluster_size; /* qcow2 only (as libvirt); 0: not known */
    char *backing_path; /* exactly as the header writes it (maybe relative); NULL: none */
    /* VstorVolFormat named by the header, VSTOR_VOLFMT_BACKING_PROBE(_SAFE) when it names
     * none, VSTOR_VOL_FORMAT_NONE when there is no backing store. */
    int backing_format;
    /* qcow2: "0.10" (version 2) or "1.1" (version 3); NULL for other formats. libvirt 9.0.0
     * shows <compat> and <features> only for version 3, i.e. when has_features is set. */
    char *compat;
    gboolean has_features; /* qcow2 version 3: the features below were read */
    guint features; /* bits 1 << VstorVolFeature (lazy_refcounts, extended_l2) */
    gboolean dirty; /* qcow2 v3 incompatible bit 0: refcounts need a repair */
    gboolean corrupt; /* qcow2 v3 incompatible bit 1: qemu refuses writes */
    struct stat st; /* of the file probed (root.hds for a ploop directory) */
} VstorImageInfo;

void vstor_image_info_clear(VstorImageInfo *info); /* frees the fields, keeps @info; NULL ok */
void vstor_image_info_free(VstorImageInfo *info); /* accepts NULL */
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(VstorImageInfo, vstor_image_info_clear)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VstorImageInfo, vstor_image_info_free)

/* Probes the open file @fd (regular file, block device or directory) with fstat and pread of
 * at most VSTOR_VOLFMT_HEADER_MAX bytes from offset 0 and of the last VSTOR_VOLFMT_TAIL_SIZE
 * bytes (files of at least that size); the file offset is not used.
 * @path_for_messages names it in errors. Fills *ret_info only on success. Fails with
 * VSTOR_ERR_SYSTEM_ERROR when stat or read fails, VSTOR_ERR_INTERNAL_ERROR for another kind
 * of file (FIFO, socket, character device) and for a header that lies: truncated, a size of
 * 2^63 bytes or more, a backing name outside the header or longer than 1023 bytes, cluster
 * bits qemu refuses, a LUKS payload past the end of the file, bochs/cloop/dmg tables or
 * block sizes qemu refuses. */
int vstor_volfmt_probe(int fd, const char *path_for_messages, VstorImageInfo *ret_info,
                       GError **err);

/* Opens @path (read-only, O_CLOEXEC, never blocking on a FIFO) and probes it. Fails as
 * vstor_volfmt_probe does, and with VSTOR_ERR_NO_STORAGE_VOL when @path does not exist or
 * VSTOR_ERR_SYSTEM_ERROR when it cannot be opened. */
int vstor_volfmt_probe_path(const char *path, VstorImageInfo *ret_info, GError **err);

/* The pure core: probes the first @len bytes of an image (at most VSTOR_VOLFMT_HEADER_MAX are
 * looked at) whose size is @file_size, and its last @tail_len bytes @tail (of which the last
 * VSTOR_VOLFMT_TAIL_SIZE are looked at; NULL and 0 when not read: no dmg is then seen).
 * Sets format, encryption, capacity, cluster size, backing store, compat and features;
 * allocation = physical = @file_size; st is zeroed. Fails with VSTOR_ERR_INTERNAL_ERROR for a
 * header that lies, as above. */
int vstor_volfmt_probe_header(const guint8 *buf, gsize len, const guint8 *tail, gsize tail_len,
                              unsigned long long file_size, const char *path_for_messages,
                              VstorImageInfo *ret_info, GError **err);

/* TRUE when a backing string names a local file, FALSE when it looks like a protocol
 * ("nbd:...", "rbd:...", "json:{...}", "gluster://..."): a ':' before any '/'. */
gboolean vstor_volfmt_backing_is_file(const char *backing);

/* The path a backing string means for the image at @image_path: absolute names as they are,
 * relative ones joined to the image's directory (not canonicalised: "../x" stays). NULL when
 * @backing is not a local file (see vstor_volfmt_backing_is_file). */
char *vstor_volfmt_backing_resolve(const char *image_path, const char *backing);

/* Probes @path and then each backing file in turn, returning a GPtrArray of VstorImageInfo *
 * (element 0 is @path; each info's path is the resolved file name). The walk stops at a link
 * without backing store, at a non-file backing string, and after a link whose format had to
 * be probed and which names a backing file of its own (that name is reported, not followed,
 * as libvirt refuses to trust it). A backing file declared raw is reported as raw whatever
 * its content. Fails with VSTOR_ERR_INTERNAL_ERROR when a file reappears in its own chain
 * or the chain is longer than @max_depth (0: VSTOR_VOLFMT_CHAIN_MAX_DEPTH) links, when a
 * backing file is not of the format its parent declares, and as vstor_volfmt_probe_path
 * does for each file. */
GPtrArray *vstor_volfmt_probe_chain(const char *path, guint max_depth, GError **err);
