/* probe_header.c: the pure part of the prober — recognise a format from the first bytes of an
 * image (and its last sector, for dmg) and read size, backing store, features and encryption. */
#include "volfmt/probe.h"
#include "volfmt/probe_priv.h"

#include <string.h>

#include "util/error.h"

/* A header field position; every read goes through have() first, so a lying header can
 * only make us refuse it, never read outside the buffer. */
typedef struct {
    const guint8 *buf;
    gsize len;
    unsigned long long file_size;
    const char *name; /* for messages */
    const guint8 *tail; /* the file's last tail_len bytes (dmg's trailer), or NULL */
    gsize tail_len;
} Header;

static gboolean
have(const Header *h, gsize offset, gsize n)
{
    return offset <= h->len && n <= h->len - offset;
}

static guint16
be16(const Header *h, gsize off)
{
    guint16 v;

    memcpy(&v, h->buf + off, sizeof(v));
    return GUINT16_FROM_BE(v);
}

static guint32
be32(const Header *h, gsize off)
{
    guint32 v;

    memcpy(&v, h->buf + off, sizeof(v));
    return GUINT32_FROM_BE(v);
}

static guint64
be64(const Header *h, gsize off)
{
    guint64 v;

    memcpy(&v, h->buf + off, sizeof(v));
    return GUINT64_FROM_BE(v);
}

static guint32
le32(const Header *h, gsize off)
{
    guint32 v;

    memcpy(&v, h->buf + off, sizeof(v));
    return GUINT32_FROM_LE(v);
}

static guint64
le64(const Header *h, gsize off)
{
    guint64 v;

    memcpy(&v, h->buf + off, sizeof(v));
    return GUINT64_FROM_LE(v);
}

static const char *
fmt_name(VstorVolFormat format)
{
    return vstor_enum_to_string(vstor_vol_format_names, format);
}

static int corrupt(const Header *h, VstorVolFormat format, GError **err, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);

static int
corrupt(const Header *h, VstorVolFormat format, GError **err, const char *fmt, ...)
{
    g_autofree char *detail = NULL;
    va_list ap;

    va_start(ap, fmt);
    detail = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR, "%s header of '%s' is corrupt: %s",
                    fmt_name(format), h->name ? h->name : "(image)", detail);
    return -1;
}

static int
need(const Header *h, VstorVolFormat format, gsize bytes, GError **err)
{
    if (have(h, 0, bytes))
        return 0;
    return corrupt(h, format, err, "truncated at %zu bytes, the header needs %zu", h->len, bytes);
}

/* ---- format recognition ------------------------------------------------------------------ */

typedef enum {
    VERSION_NONE, /* unversioned: the magic alone decides */
    VERSION_BE32,
    VERSION_LE32,
} VersionKind;

typedef struct Spec Spec;
typedef int (*ReadExtra)(const Header *h, const Spec *spec, VstorImageInfo *info, GError **err);

/* One row per format libvirt recognises by magic, in libvirt's probing order (the enum
 * order): the first row whose magic and version both match wins. */
struct Spec {
    VstorVolFormat format;
    gsize magic_offset;
    const char *magic;
    gsize magic_len;
    VersionKind version_kind;
    gsize version_offset;
    guint32 versions[3]; /* zero-terminated */
    gboolean size_big_endian;
    gssize size_offset; /* -1: the file size is the capacity */
    unsigned int size_multiplier;
    ReadExtra extra; /* backing store, cluster size, features, encryption */
    gboolean (*also)(const Header *h); /* more of the magic (read from the same place), or NULL */
    gboolean in_tail; /* magic and version lie in the file's last sector, not its first bytes */
};

static int read_cow(const Header *h, const Spec *spec, VstorImageInfo *info, GError **err);
static int read_qcow(const Header *h, const Spec *spec, VstorImageInfo *info, GError **err);
static int read_qed(const Header *h, const Spec *spec, VstorImageInfo *info, GError **err);
static int read_vmdk(const Header *h, const Spec *spec, VstorImageInfo *info, GError **err);
static int read_bochs(const Header *h, const Spec *spec, VstorImageInfo *info, GError **err);
static int read_cloop(const Header *h, const Spec *spec, VstorImageInfo *info, GError **err);
static int read_dmg(const Header *h, const Spec *spec, VstorImageInfo *info, GError **err);
static gboolean bochs_types(const Header *h);
static gboolean dmg_header_size(const Header *t);

#define MAGIC(s) s, sizeof(s) - 1
/* qemu's cloop magic: the whole shell preamble of a version 2.0 image. */
#define CLOOP_MAGIC                                                                                \
    "#!/bin/sh\n#V2.0 Format\nmodprobe cloop file=$0 && mount -r -t iso9660 /dev/cloop $1\n"

/* Columns: format, magic offset and bytes, version kind, offset and values, size endianness
 * (big?), offset and multiplier, reader of the rest, more magic, magic in the last sector? */
/* clang-format off */
static const Spec specs[] = {
    {VSTOR_VOL_FORMAT_ISO, 32769, MAGIC("CD001"), VERSION_NONE, 0, {0}, FALSE, -1, 1, NULL},
    {VSTOR_VOL_FORMAT_VPC, 0, MAGIC("conectix"), VERSION_BE32, 12, {0x10000}, TRUE, 40, 1, NULL},
    {VSTOR_VOL_FORMAT_VDI, 64, MAGIC("\x7f\x10\xda\xbe"), VERSION_LE32, 68, {0x00010001},
     FALSE, 368, 1, NULL},
    {VSTOR_VOL_FORMAT_PLOOP, 0, MAGIC("WithouFreSpacExt"), VERSION_NONE, 0, {0}, FALSE, 36, 512,
     NULL},
    {VSTOR_VOL_FORMAT_COW, 0, MAGIC("OOOM"), VERSION_BE32, 4, {2}, TRUE, 1036, 1, read_cow},
    {VSTOR_VOL_FORMAT_QCOW, 0, MAGIC("QFI"), VERSION_BE32, 4, {1}, TRUE, 24, 1, read_qcow},
    {VSTOR_VOL_FORMAT_QCOW2, 0, MAGIC("QFI"), VERSION_BE32, 4, {2, 3}, TRUE, 24, 1, read_qcow},
    {VSTOR_VOL_FORMAT_QED, 0, MAGIC("QED"), VERSION_NONE, 0, {0}, FALSE, 48, 1, read_qed},
    {VSTOR_VOL_FORMAT_VMDK, 0, MAGIC("KDMV"), VERSION_LE32, 4, {1, 2, 3}, FALSE, 12, 512,
     read_vmdk},
    /* libvirt 9.0.0 has no magic for these three (it reports them as raw); they come after
     * every format it does recognise, so no image it recognises changes its format. */
    {VSTOR_VOL_FORMAT_BOCHS, 0, MAGIC("Bochs Virtual HD Image\0"), VERSION_LE32, 64,
     {0x00020000, 0x00010000}, FALSE, -1, 1, read_bochs, bochs_types, FALSE},
    {VSTOR_VOL_FORMAT_CLOOP, 0, MAGIC(CLOOP_MAGIC), VERSION_NONE, 0, {0}, TRUE, -1, 1, read_cloop,
     NULL, FALSE},
    {VSTOR_VOL_FORMAT_DMG, 0, MAGIC("koly"), VERSION_BE32, 4, {4}, TRUE, -1, 1, read_dmg,
     dmg_header_size, TRUE},
};
/* clang-format on */

static gboolean is_luks1(const Header *h);

/* Where @spec's magic is looked for: the first bytes, or the last sector (dmg's trailer). A
 * LUKS volume stays LUKS whatever its last sector holds: it has no trailer to look at. */
static Header
spec_view(const Header *h, const Spec *spec)
{
    Header t = *h;

    if (spec->in_tail) {
        t.buf = h->tail;
        t.len = h->tail && !is_luks1(h) ? h->tail_len : 0;
    }
    return t;
}

static gboolean
magic_matches(const Header *h, const Spec *spec)
{
    return have(h, spec->magic_offset, spec->magic_len) &&
           memcmp(h->buf + spec->magic_offset, spec->magic, spec->magic_len) == 0 &&
           (!spec->also || spec->also(h));
}

static gboolean
spec_matches(const Header *head, const Spec *spec)
{
    Header view = spec_view(head, spec);
    const Header *h = &view;
    guint32 version;

    if (!magic_matches(h, spec))
        return FALSE;
    switch (spec->version_kind) {
    case VERSION_NONE: return TRUE;
    case VERSION_BE32:
    case VERSION_LE32:
        if (!have(h, spec->version_offset, 4))
            return FALSE;
        version = spec->version_kind == VERSION_BE32 ? be32(h, spec->version_offset)
                                                     : le32(h, spec->version_offset);
        break;
    default: return FALSE;
    }
    for (gsize i = 0; i < G_N_ELEMENTS(spec->versions) && spec->versions[i]; i++)
        if (version == spec->versions[i])
            return TRUE;
    return FALSE;
}

/* A known magic with an unknown version: libvirt goes on and settles for raw. */
static void
note_unknown_version(const Header *h)
{
    for (gsize i = 0; i < G_N_ELEMENTS(specs); i++) {
        Header view = spec_view(h, &specs[i]);

        if (magic_matches(&view, &specs[i])) {
            g_debug("'%s' has %s magic but a version vstor does not know; taken as raw",
                    h->name ? h->name : "(image)", fmt_name(specs[i].format));
            return;
        }
    }
}

static const Spec *
spec_for(VstorVolFormat format)
{
    for (gsize i = 0; i < G_N_ELEMENTS(specs); i++)
        if (specs[i].format == format)
            return &specs[i];
    return NULL;
}

/* ---- per-format readers ------------------------------------------------------------------ */

/* Copies a backing name of @size bytes at @offset, refusing one that does not lie wholly
 * inside what was read. A NUL inside ends the name, as it does for qemu's C strings. */
static int
take_backing_name(const Header *h, VstorVolFormat format, guint64 offset, guint64 size,
                  VstorImageInfo *info, GError **err)
{
    if (offset > h->len || size > h->len - offset) {
        if (offset > h->file_size || size > h->file_size - offset)
            return corrupt(h, format, err,
                           "backing file name (%" G_GUINT64_FORMAT
                           " bytes at offset %" G_GUINT64_FORMAT
                           ") lies past the end of the file (%llu bytes)",
                           size, offset, h->file_size);
        return corrupt(h, format, err,
                       "backing file name (%" G_GUINT64_FORMAT " bytes at offset %" G_GUINT64_FORMAT
                       ") lies outside the first %zu bytes, where it must be",
                       size, offset, h->len);
    }
    info->backing_path = g_strndup((const char *)h->buf + offset, (gsize)size);
    if (!info->backing_path[0])
        g_clear_pointer(&info->backing_path, g_free);
    return 0;
}

static int
read_cow(const Header *h, const Spec *spec, VstorImageInfo *info, GError **err)
{
    /* The backing name is a fixed 1024-byte field after magic and version. */
    if (need(h, spec->format, 8 + 1024, err) < 0)
        return -1;
    info->backing_format = VSTOR_VOLFMT_BACKING_PROBE;
    return take_backing_name(h, spec->format, 8, 1024, info, err);
}

enum {
    QCOW_BACKING_OFFSET = 8,
    QCOW_BACKING_SIZE = 16,
    QCOW2_CLUSTER_BITS = 20,
    QCOW1_CRYPT = 36,
    QCOW2_CRYPT = 32,
    QCOW2_V2_HEADER_LEN = 72,
    QCOW2_INCOMPATIBLE = 72,
    QCOW2_COMPATIBLE = 80,
    QCOW2_V3_HEADER_LENGTH = 100,
    QCOW2_V3_HEADER_LEN = 104,
    QCOW_BACKING_NAME_MAX = 1023,
    QCOW2_EXT_END = 0,
};
#define QCOW2_EXT_BACKING_FORMAT 0xE2792ACAu

/* qemu's cluster-size limits: 512 bytes to 2 MiB. */
#define QCOW2_MIN_CLUSTER_BITS 9
#define QCOW2_MAX_CLUSTER_BITS 21

static int
backing_format_from_name(const char *name)
{
    int value = vstor_enum_from_string(vstor_vol_format_names, name);

    /* A name libvirt does not know ("luks", "vhdx", "none"): libvirt then drops the whole
     * backing store; the path is worth more than that, so it is kept with a probed format. */
    if (value <= VSTOR_VOL_FORMAT_NONE) {
        g_debug("unknown backing format '%s' in a qcow2 header extension", name);
        return VSTOR_VOLFMT_BACKING_PROBE;
    }
    return value;
}

/* Walks the header extensions of a qcow2 image between the end of the header and the
 * backing file name (where qemu puts them), looking for the backing format. */
static void
read_qcow2_extensions(const Header *h, guint32 version, guint64 end, VstorImageInfo *info)
{
    guint64 offset;

    /* Version 3 headers say how long they are (checked by read_qcow2_features). */
    offset = version == 2 ? QCOW2_V2_HEADER_LEN : be32(h, QCOW2_V3_HEADER_LENGTH);
    if (end > h->len)
        end = h->len;
    /* Each round moves on by at least 8 bytes, so a hostile chain of empty extensions ends. */
    while (offset + 8 <= end) {
        guint32 magic = be32(h, (gsize)offset);
        guint32 size = be32(h, (gsize)offset + 4);
        guint64 padded = ((guint64)size + 7) & ~(guint64)7;

        offset += 8;
        if (magic == QCOW2_EXT_END)
            break;
        if (size > end - offset) {
            g_debug("qcow2 header extension 0x%x of '%s' runs past the backing name", magic,
                    h->name ? h->name : "(image)");
            break;
        }
        if (magic == QCOW2_EXT_BACKING_FORMAT) {
            g_autofree char *name = g_strndup((const char *)h->buf + offset, size);

            info->backing_format = backing_format_from_name(name);
        }
        offset += padded;
    }
}

static int
read_qcow2_features(const Header *h, guint32 version, VstorImageInfo *info, GError **err)
{
    guint64 incompatible, compatible;

    if (version == 2) {
        info->compat = g_strdup("0.10");
        return 0;
    }
    if (need(h, VSTOR_VOL_FORMAT_QCOW2, QCOW2_V3_HEADER_LEN, err) < 0)
        return -1;
    if (be32(h, QCOW2_V3_HEADER_LENGTH) < QCOW2_V3_HEADER_LEN)
        return corrupt(h, VSTOR_VOL_FORMAT_QCOW2, err,
                       "header length %u is below the %d bytes of version 3",
                       be32(h, QCOW2_V3_HEADER_LENGTH), QCOW2_V3_HEADER_LEN);
    incompatible = be64(h, QCOW2_INCOMPATIBLE);
    compatible = be64(h, QCOW2_COMPATIBLE);
    info->compat = g_strdup("1.1");
    info->has_features = TRUE;
    if (compatible & (1u << 0))
        info->features |= 1u << VSTOR_VOL_FEATURE_LAZY_REFCOUNTS;
    if (incompatible & (1u << 4))
        info->features |= 1u << VSTOR_VOL_FEATURE_EXTENDED_L2;
    info->dirty = (incompatible & (1u << 0)) != 0;
    info->corrupt = (incompatible & (1u << 1)) != 0;
    return 0;
}

static int
read_qcow(const Header *h, const Spec *spec, VstorImageInfo *info, GError **err)
{
    guint32 version = be32(h, 4);
    gboolean v2 = spec->format == VSTOR_VOL_FORMAT_QCOW2;
    guint64 offset;
    guint32 size;
    guint32 crypt;

    /* qcow1's header is 48 bytes; qcow2's fixed part 72 (version 3 more, checked below). */
    if (need(h, spec->format, v2 ? QCOW2_V2_HEADER_LEN : 48, err) < 0)
        return -1;

    crypt = be32(h, v2 ? QCOW2_CRYPT : QCOW1_CRYPT);
    if (crypt == 1 || (v2 && crypt == 2)) {
        info->encrypted = TRUE;
        info->encryption_format =
            crypt == 1 ? VSTOR_ENCRYPTION_FORMAT_QCOW : VSTOR_ENCRYPTION_FORMAT_LUKS;
    }

    if (v2) {
        guint32 bits = be32(h, QCOW2_CLUSTER_BITS);

        if (bits < QCOW2_MIN_CLUSTER_BITS || bits > QCOW2_MAX_CLUSTER_BITS)
            return corrupt(h, spec->format, err, "cluster bits %u outside %d..%d", bits,
                           QCOW2_MIN_CLUSTER_BITS, QCOW2_MAX_CLUSTER_BITS);
        info->cluster_size = 1ull << bits;
        if (read_qcow2_features(h, version, info, err) < 0)
            return -1;
    }

    offset = be64(h, QCOW_BACKING_OFFSET);
    size = be32(h, QCOW_BACKING_SIZE);
    if (offset == 0 || size == 0)
        return 0;
    if (size > QCOW_BACKING_NAME_MAX)
        return corrupt(h, spec->format, err, "backing file name length %u exceeds %d", size,
                       QCOW_BACKING_NAME_MAX);
    info->backing_format = VSTOR_VOLFMT_BACKING_PROBE;
    if (take_backing_name(h, spec->format, offset, size, info, err) < 0)
        return -1;
    if (v2)
        read_qcow2_extensions(h, version, offset, info);
    return 0;
}

enum {
    QED_FEATURES = 16,
    QED_BACKING_OFFSET = 56,
    QED_BACKING_SIZE = 60,
    QED_HEADER_LEN = 64,
    QED_F_BACKING_FILE = 0x01,
    QED_F_BACKING_FORMAT_NO_PROBE = 0x04,
};

static int
read_qed(const Header *h, const Spec *spec, VstorImageInfo *info, GError **err)
{
    guint64 features;

    if (need(h, spec->format, QED_HEADER_LEN, err) < 0)
        return -1;
    features = le64(h, QED_FEATURES);
    if (!(features & QED_F_BACKING_FILE))
        return 0;
    if (take_backing_name(h, spec->format, le32(h, QED_BACKING_OFFSET), le32(h, QED_BACKING_SIZE),
                          info, err) < 0)
        return -1;
    if (info->backing_path)
        info->backing_format = (features & QED_F_BACKING_FORMAT_NO_PROBE)
                                   ? VSTOR_VOL_FORMAT_RAW
                                   : VSTOR_VOLFMT_BACKING_PROBE_SAFE;
    return 0;
}

#define VMDK_DESCRIPTOR_OFFSET 0x200
#define VMDK_PARENT_HINT "parentFileNameHint=\""

static int
read_vmdk(const Header *h, const Spec *spec, VstorImageInfo *info, GError **err)
{
    g_autofree char *desc = NULL;
    const char *start, *end;

    /* The embedded descriptor qemu writes starts at sector 1; a file that stops before it
     * has none, and so no parent. */
    if (h->len <= VMDK_DESCRIPTOR_OFFSET)
        return 0;
    desc =
        g_strndup((const char *)h->buf + VMDK_DESCRIPTOR_OFFSET, h->len - VMDK_DESCRIPTOR_OFFSET);
    if (!(start = strstr(desc, VMDK_PARENT_HINT)))
        return 0;
    start += strlen(VMDK_PARENT_HINT);
    if (!(end = strchr(start, '"')))
        return corrupt(h, spec->format, err, "parentFileNameHint has no closing quote");
    if (end == start)
        return 0;
    info->backing_path = g_strndup(start, end - start);
    /* VMDK names no format for its parent; qemu probes it, and so must the reader. */
    info->backing_format = VSTOR_VOLFMT_BACKING_PROBE;
    return 0;
}

/* ---- formats libvirt reports as raw: bochs, cloop, dmg ---------------------------------- */

enum {
    BOCHS_HEADER_SIZE = 512,
    BOCHS_TYPE = 32, /* "Redolog" */
    BOCHS_SUBTYPE = 48, /* "Growing" */
    BOCHS_VERSION = 64,
    BOCHS_HEADER_LEN = 68, /* where the catalog starts */
    BOCHS_CATALOG = 72, /* entries */
    BOCHS_EXTENT = 80, /* bytes per extent */
    BOCHS_V1_DISK = 84,
    BOCHS_V2_DISK = 88, /* a reserved word comes first in version 2 */
    BOCHS_V1 = 0x00010000,
    BOCHS_CATALOG_MAX = 0x100000, /* qemu's limits */
    BOCHS_EXTENT_MAX = 0x800000,
};

/* qemu compares these as C strings, so the NUL is part of the match. */
static gboolean
bochs_types(const Header *h)
{
    return have(h, BOCHS_SUBTYPE, 8) && memcmp(h->buf + BOCHS_TYPE, "Redolog", 8) == 0 &&
           memcmp(h->buf + BOCHS_SUBTYPE, "Growing", 8) == 0;
}

static int
read_bochs(const Header *h, const Spec *spec, VstorImageInfo *info, GError **err)
{
    guint64 disk, sectors, per_extent, catalog_end;
    guint32 catalog, extent;

    if (need(h, spec->format, BOCHS_HEADER_SIZE, err) < 0)
        return -1;
    disk = le64(h, le32(h, BOCHS_VERSION) == BOCHS_V1 ? BOCHS_V1_DISK : BOCHS_V2_DISK);
    catalog = le32(h, BOCHS_CATALOG);
    extent = le32(h, BOCHS_EXTENT);
    if (disk > (guint64)G_MAXINT64)
        return corrupt(h, spec->format, err,
                       "virtual size %" G_GUINT64_FORMAT " bytes is 2^63 or more", disk);
    if (catalog > BOCHS_CATALOG_MAX)
        return corrupt(h, spec->format, err, "catalog of %u entries is more than %u", catalog,
                       BOCHS_CATALOG_MAX);
    if (extent < 512 || extent > BOCHS_EXTENT_MAX || (extent & (extent - 1)))
        return corrupt(h, spec->format, err,
                       "extent size %u is not a power of two from 512 to %u bytes", extent,
                       BOCHS_EXTENT_MAX);
    /* qemu counts whole sectors: a size that is not a multiple of 512 is rounded down. */
    sectors = disk / 512;
    per_extent = extent / 512;
    if (catalog < (sectors + per_extent - 1) / per_extent)
        return corrupt(h, spec->format, err,
                       "catalog of %u entries of %u bytes cannot hold %" G_GUINT64_FORMAT " bytes",
                       catalog, extent, disk);
    catalog_end = (guint64)le32(h, BOCHS_HEADER_LEN) + (guint64)catalog * 4;
    if (catalog_end > h->file_size)
        return corrupt(h, spec->format, err,
                       "catalog ends at byte %" G_GUINT64_FORMAT
                       ", past the end of the file (%llu bytes)",
                       catalog_end, h->file_size);
    if (sectors)
        info->capacity = sectors * 512;
    return 0;
}

enum {
    CLOOP_BLOCK_SIZE = 128,
    CLOOP_BLOCKS = 132,
    CLOOP_OFFSETS = 136, /* blocks + 1 big-endian 64-bit offsets */
};
/* qemu's limits: 64 MiB blocks, a 512 MiB offset table, compressed blocks of twice a block. */
#define CLOOP_BLOCK_MAX (64u * 1024 * 1024)
#define CLOOP_OFFSETS_MAX (512ull * 1024 * 1024)

static int
read_cloop(const Header *h, const Spec *spec, VstorImageInfo *info, GError **err)
{
    guint32 block, blocks;
    guint64 table, size;

    if (need(h, spec->format, CLOOP_OFFSETS, err) < 0)
        return -1;
    block = be32(h, CLOOP_BLOCK_SIZE);
    blocks = be32(h, CLOOP_BLOCKS);
    if (block == 0 || block % 512 || block > CLOOP_BLOCK_MAX)
        return corrupt(h, spec->format, err,
                       "block size %u is not a multiple of 512 from 512 to %u bytes", block,
                       CLOOP_BLOCK_MAX);
    table = ((guint64)blocks + 1) * 8;
    if (table > CLOOP_OFFSETS_MAX)
        return corrupt(h, spec->format, err,
                       "%u blocks need an offset table of %" G_GUINT64_FORMAT
                       " bytes, more than %llu",
                       blocks, table, CLOOP_OFFSETS_MAX);
    if (CLOOP_OFFSETS + table > h->file_size)
        return corrupt(h, spec->format, err,
                       "offset table of %u blocks ends past the end of the file (%llu bytes)",
                       blocks, h->file_size);
    /* The offsets qemu refuses, as far as the header window reaches. */
    for (gsize at = CLOOP_OFFSETS + 8; at < CLOOP_OFFSETS + table && have(h, at, 8); at += 8) {
        guint64 prev = be64(h, at - 8), cur = be64(h, at);

        if (cur < prev || cur - prev > 2ull * CLOOP_BLOCK_MAX)
            return corrupt(h, spec->format, err,
                           "block %zu runs from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT,
                           (at - CLOOP_OFFSETS) / 8 - 1, prev, cur);
    }
    /* At most 2^26 blocks of 2^26 bytes: the product cannot overflow nor reach 2^63. */
    size = (guint64)blocks * block;
    if (size)
        info->capacity = size;
    return 0;
}

enum {
    KOLY_SIZE = 512, /* the UDIF trailer, the file's last 512 bytes */
    KOLY_HEADER_SIZE = 8,
    KOLY_DATA_FORK = 0x18,
    KOLY_RSRC_FORK = 0x28, /* offset, then length */
    KOLY_XML = 0xd8, /* offset, then length */
    KOLY_SECTORS = 0x1ec,
};
#define DMG_XML_MAX (16ull * 1024 * 1024) /* qemu's limit on the property list */

static gboolean
dmg_header_size(const Header *t)
{
    return have(t, KOLY_HEADER_SIZE, 4) && be32(t, KOLY_HEADER_SIZE) == KOLY_SIZE;
}

/* A part of the file at @offset of @length bytes must lie before the trailer at @koly. */
static int
dmg_before_trailer(const Header *t, guint64 offset, guint64 length, guint64 koly, const char *what,
                   GError **err)
{
    if (offset < koly && length <= koly - offset)
        return 0;
    return corrupt(t, VSTOR_VOL_FORMAT_DMG, err,
                   "%s (%" G_GUINT64_FORMAT " bytes at offset %" G_GUINT64_FORMAT
                   ") does not lie before the trailer at %" G_GUINT64_FORMAT,
                   what, length, offset, koly);
}

static int
read_dmg(const Header *h, const Spec *spec, VstorImageInfo *info, GError **err)
{
    Header view = spec_view(h, spec);
    const Header *t = &view;
    guint64 koly, rsrc_len, xml_len, sectors;

    if (!have(t, 0, KOLY_SIZE) || h->file_size < KOLY_SIZE)
        return corrupt(h, spec->format, err, "the %d-byte trailer is truncated at %zu bytes",
                       KOLY_SIZE, t->len);
    koly = h->file_size - KOLY_SIZE;
    if (be64(t, KOLY_DATA_FORK) > koly)
        return corrupt(h, spec->format, err,
                       "data fork offset %" G_GUINT64_FORMAT
                       " is past the trailer at %" G_GUINT64_FORMAT,
                       be64(t, KOLY_DATA_FORK), koly);
    rsrc_len = be64(t, KOLY_RSRC_FORK + 8);
    xml_len = be64(t, KOLY_XML + 8);
    if (dmg_before_trailer(t, be64(t, KOLY_RSRC_FORK), rsrc_len, koly, "resource fork", err) < 0 ||
        dmg_before_trailer(t, be64(t, KOLY_XML), xml_len, koly, "property list", err) < 0)
        return -1;
    if (rsrc_len == 0 && (xml_len == 0 || xml_len > DMG_XML_MAX))
        return corrupt(h, spec->format, err,
                       "no resource fork, and a property list of %" G_GUINT64_FORMAT
                       " bytes (qemu needs 1 to %llu)",
                       xml_len, DMG_XML_MAX);
    sectors = be64(t, KOLY_SECTORS);
    if (sectors > (guint64)G_MAXINT64 / 512)
        return corrupt(h, spec->format, err,
                       "virtual size %" G_GUINT64_FORMAT " x 512 bytes is 2^63 or more", sectors);
    if (sectors)
        info->capacity = sectors * 512;
    return 0;
}

/* ---- raw: LUKS and hints ----------------------------------------------------------------- */

#define LUKS_MAGIC "LUKS\xba\xbe"
enum {
    LUKS_VERSION = 6,
    LUKS_PAYLOAD_OFFSET = 104, /* magic, version, cipher name, cipher mode, hash spec */
};

/* libvirt 9.0.0 knows LUKS version 1 only; a LUKS2 header stays plain raw. */
static gboolean
is_luks1(const Header *h)
{
    return have(h, 0, LUKS_VERSION + 2) && memcmp(h->buf, LUKS_MAGIC, 6) == 0 &&
           be16(h, LUKS_VERSION) == 1;
}

static int
read_raw(const Header *h, VstorImageInfo *info, GError **err)
{
    unsigned long long payload;

    if (have(h, 0, 8) && memcmp(h->buf, "vhdxfile", 8) == 0)
        info->format_hint = "vhdx";
    if (!is_luks1(h))
        return 0;
    if (!have(h, LUKS_PAYLOAD_OFFSET, 4))
        return corrupt(h, VSTOR_VOL_FORMAT_RAW, err, "LUKS header truncated at %zu bytes", h->len);
    payload = (unsigned long long)be32(h, LUKS_PAYLOAD_OFFSET) * 512;
    if (payload > info->capacity)
        return corrupt(h, VSTOR_VOL_FORMAT_RAW, err,
                       "LUKS payload offset %llu is past the end of the file (%llu bytes)", payload,
                       info->capacity);
    info->encrypted = TRUE;
    info->encryption_format = VSTOR_ENCRYPTION_FORMAT_LUKS;
    info->payload_offset = payload;
    info->capacity -= payload;
    return 0;
}

/* ---- entry points ------------------------------------------------------------------------ */

static int
read_size(const Header *h, const Spec *spec, VstorImageInfo *info, GError **err)
{
    guint64 value;

    if (spec->size_offset < 0)
        return 0;
    if (need(h, spec->format, (gsize)spec->size_offset + 8, err) < 0)
        return -1;
    value = spec->size_big_endian ? be64(h, spec->size_offset) : le64(h, spec->size_offset);
    if (value > (guint64)G_MAXINT64 / spec->size_multiplier)
        return corrupt(h, spec->format, err,
                       "virtual size %" G_GUINT64_FORMAT " x %u bytes is 2^63 or more", value,
                       spec->size_multiplier);
    /* A header that says 0 leaves the file size in place, as libvirt does. */
    if (value)
        info->capacity = value * spec->size_multiplier;
    return 0;
}

int
vstor_volfmt_probe_header_as(const guint8 *buf, gsize len, const guint8 *tail, gsize tail_len,
                             unsigned long long file_size, const char *name, int forced,
                             VstorImageInfo *ret_info, GError **err)
{
    Header h = {buf, MIN(len, (gsize)VSTOR_VOLFMT_HEADER_MAX), file_size, name, tail, tail_len};
    g_auto(VstorImageInfo) info = {0};
    const Spec *spec = NULL;

    g_return_val_if_fail(buf != NULL || len == 0, -1);
    g_return_val_if_fail(tail != NULL || tail_len == 0, -1);
    g_return_val_if_fail(ret_info != NULL, -1);

    /* Only the last VSTOR_VOLFMT_TAIL_SIZE bytes are the trailer. */
    if (tail_len > VSTOR_VOLFMT_TAIL_SIZE) {
        h.tail = tail + (tail_len - VSTOR_VOLFMT_TAIL_SIZE);
        h.tail_len = VSTOR_VOLFMT_TAIL_SIZE;
    }
    for (gsize i = 0; i < G_N_ELEMENTS(specs) && !spec; i++)
        if (spec_matches(&h, &specs[i]))
            spec = &specs[i];
    if (!spec)
        note_unknown_version(&h);

    info.path = g_strdup(name);
    info.format = spec ? spec->format : VSTOR_VOL_FORMAT_RAW;
    info.capacity = file_size;
    info.allocation = file_size;
    info.physical = file_size;
    info.backing_format = VSTOR_VOL_FORMAT_NONE;

    if (forced >= 0 && (VstorVolFormat)forced != info.format) {
        const Spec *want = spec_for((VstorVolFormat)forced);

        /* Declared raw (or a format without magic): the content is data, whatever it says. */
        if (want)
            return corrupt(&h, (VstorVolFormat)forced, err, "no %s header (the content looks %s)",
                           fmt_name((VstorVolFormat)forced), fmt_name(info.format));
        spec = NULL;
        info.format = (VstorVolFormat)forced;
    }

    if (spec) {
        if (read_size(&h, spec, &info, err) < 0)
            return -1;
        if (spec->extra && spec->extra(&h, spec, &info, err) < 0)
            return -1;
    } else if (info.format == VSTOR_VOL_FORMAT_RAW && read_raw(&h, &info, err) < 0) {
        return -1;
    }
    if (!info.backing_path)
        info.backing_format = VSTOR_VOL_FORMAT_NONE;

    *ret_info = info;
    memset(&info, 0, sizeof(info));
    return 0;
}

int
vstor_volfmt_probe_header(const guint8 *buf, gsize len, const guint8 *tail, gsize tail_len,
                          unsigned long long file_size, const char *path_for_messages,
                          VstorImageInfo *ret_info, GError **err)
{
    return vstor_volfmt_probe_header_as(buf, len, tail, tail_len, file_size, path_for_messages, -1,
                                        ret_info, err);
}
