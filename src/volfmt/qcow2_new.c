/* qcow2_new.c: writes new, empty qcow2 images (version 2 or 3) in the layout qemu-img create
 * gives them — header, refcount table, one refcount block, the L1 table — from the qcow2 spec. */
#include "volfmt/qcow2_new.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "util/error.h"

#define QCOW2_MAGIC 0x514649fbu
#define EXT_BACKING_FORMAT 0xe2792acau
#define EXT_FEATURE_TABLE 0x6803f857u
#define V2_HEADER_LEN 72
#define V3_HEADER_LEN 112
#define REFCOUNT_ORDER 4 /* 16-bit refcounts, qemu's default */

/* The feature name table a version 3 header carries: (type, bit, name) as qemu writes it. */
static const struct {
    guint8 type, bit;
    const char *name;
} features[] = {
    {0, 0, "dirty bit"},        {0, 1, "corrupt bit"},         {0, 2, "external data file"},
    {0, 3, "compression type"}, {0, 4, "extended L2 entries"}, {1, 0, "lazy refcounts"},
    {2, 0, "bitmaps"},          {2, 1, "raw external data"},
};
#define FEATURE_ENTRY_LEN 48

static gboolean
parse_k_size(const char *s, guint64 *ret)
{
    guint64 k;
    char *end;

    if (!g_ascii_isdigit(*s))
        return FALSE;
    errno = 0;
    k = g_ascii_strtoull(s, &end, 10);
    if (errno || g_strcmp0(end, "K") != 0 || k > G_MAXUINT64 / 1024 / 2)
        return FALSE;
    *ret = k * 1024;
    return TRUE;
}

/* Applies one -o option; FALSE for any option this writer does not reproduce. */
static gboolean
take_option(const char *opt, VstorQcow2New *img)
{
    const char *val = strchr(opt, '=');

    if (strcmp(opt, "lazy_refcounts") == 0 || strcmp(opt, "lazy_refcounts=on") == 0) {
        img->lazy_refcounts = TRUE;
        return TRUE;
    }
    if (!val)
        return FALSE;
    val++;
    if (g_str_has_prefix(opt, "compat=")) {
        if (strcmp(val, "0.10") == 0)
            img->version = 2;
        else if (strcmp(val, "1.1") == 0)
            img->version = 3;
        else
            return FALSE;
        return TRUE;
    }
    if (g_str_has_prefix(opt, "backing_fmt="))
        return *val && g_strlcpy(img->backing_format, val, sizeof(img->backing_format)) <
                           sizeof(img->backing_format);
    if (g_str_has_prefix(opt, "cluster_size=")) {
        char *end;
        guint64 cs = g_ascii_strtoull(val, &end, 10);

        /* Below 8 KiB qemu lays the header out differently (no feature table): leave those. */
        if (*end || cs < 8192 || cs > 2 * 1024 * 1024 || (cs & (cs - 1)))
            return FALSE;
        img->cluster_bits = (guint)g_bit_nth_lsf(cs, -1);
        return TRUE;
    }
    return FALSE;
}

gboolean
vstor_qcow2_new_from_argv(const char *const *argv, VstorQcow2New *ret)
{
    VstorQcow2New img = {.version = 3, .cluster_bits = 16};
    guint n = argv ? g_strv_length((char **)argv) : 0;
    guint i = 4;
    g_auto(GStrv) opts = NULL;

    if (n < 6 || strcmp(argv[1], "create") != 0 || strcmp(argv[2], "-f") != 0 ||
        strcmp(argv[3], "qcow2") != 0)
        return FALSE;
    if (strcmp(argv[i], "-b") == 0) {
        img.backing_file = argv[i + 1];
        i += 2;
    }
    if (i + 4 != n || strcmp(argv[i], "-o") != 0 || strstr(argv[i + 1], ",,"))
        return FALSE;
    opts = g_strsplit(argv[i + 1], ",", -1);
    for (char **o = opts; *o; o++)
        if (!take_option(*o, &img))
            return FALSE;
    img.path = argv[i + 2];
    if (!parse_k_size(argv[i + 3], &img.size))
        return FALSE;
    /* Metadata past one refcount block is laid out by qemu's own allocator: leave it. */
    {
        guint64 cs = G_GUINT64_CONSTANT(1) << img.cluster_bits;
        guint64 l1_size = (img.size + cs * (cs / 8) - 1) / (cs * (cs / 8));

        if (3 + (l1_size * 8 + cs - 1) / cs > cs * 8 / (1u << REFCOUNT_ORDER))
            return FALSE;
    }
    /* qemu refuses these itself; leave them to it so the error is its own. */
    if ((img.lazy_refcounts && img.version < 3) || (!img.backing_file) != (!*img.backing_format) ||
        (img.backing_file && !*img.backing_file))
        return FALSE;
    *ret = img;
    return TRUE;
}

static void
put32(guint8 *p, guint32 v)
{
    v = GUINT32_TO_BE(v);
    memcpy(p, &v, 4);
}

static void
put64(guint8 *p, guint64 v)
{
    v = GUINT64_TO_BE(v);
    memcpy(p, &v, 8);
}

static int
write_at(int fd, const guint8 *buf, gsize len, guint64 off, GError **err)
{
    while (len > 0) {
        ssize_t n = pwrite(fd, buf, len, (off_t)off);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno,
                                  "cannot write the qcow2 metadata");
            return -1;
        }
        buf += n;
        len -= (gsize)n;
        off += (guint64)n;
    }
    return 0;
}

/* Builds cluster 0: the header, its extensions, the end marker and the backing file name. */
static guint8 *
build_header(const VstorQcow2New *img, guint64 cs, guint64 l1_size, guint64 l1_offset,
             gsize *ret_len, GError **err)
{
    gsize hlen = img->version == 2 ? V2_HEADER_LEN : V3_HEADER_LEN;
    gsize fmt_len = strlen(img->backing_format);
    gsize file_len = img->backing_file ? strlen(img->backing_file) : 0;
    gsize off = hlen, need;
    g_autofree guint8 *h = NULL;

    need = hlen + (fmt_len ? 8 + ((fmt_len + 7) & ~(gsize)7) : 0) +
           (img->version == 3 ? 8 + G_N_ELEMENTS(features) * FEATURE_ENTRY_LEN : 0) + 8 + file_len;
    if (need > cs || fmt_len > 1023 || file_len > 1023) {
        vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR,
                        "the qcow2 header of '%s' does not fit one cluster", img->path);
        return NULL;
    }
    h = g_malloc0(need);
    put32(h, QCOW2_MAGIC);
    put32(h + 4, (guint32)img->version);
    put32(h + 20, img->cluster_bits);
    put64(h + 24, img->size);
    put32(h + 36, (guint32)l1_size);
    put64(h + 40, l1_offset);
    put64(h + 48, cs); /* refcount table: cluster 1 */
    put32(h + 56, 1);
    if (img->version == 3) {
        put64(h + 80, img->lazy_refcounts ? 1 : 0);
        put32(h + 96, REFCOUNT_ORDER);
        put32(h + 100, V3_HEADER_LEN);
    }
    if (fmt_len) {
        put32(h + off, EXT_BACKING_FORMAT);
        put32(h + off + 4, (guint32)fmt_len);
        memcpy(h + off + 8, img->backing_format, fmt_len);
        off += 8 + ((fmt_len + 7) & ~(gsize)7);
    }
    if (img->version == 3) {
        put32(h + off, EXT_FEATURE_TABLE);
        put32(h + off + 4, G_N_ELEMENTS(features) * FEATURE_ENTRY_LEN);
        off += 8;
        for (gsize i = 0; i < G_N_ELEMENTS(features); i++, off += FEATURE_ENTRY_LEN) {
            h[off] = features[i].type;
            h[off + 1] = features[i].bit;
            memcpy(h + off + 2, features[i].name, strlen(features[i].name));
        }
    }
    off += 8; /* end of extensions: zero magic and length */
    if (file_len) {
        put64(h + 8, off);
        put32(h + 16, (guint32)file_len);
        memcpy(h + off, img->backing_file, file_len);
        off += file_len;
    }
    *ret_len = off;
    return g_steal_pointer(&h);
}

int
vstor_qcow2_new_write(int fd, const VstorQcow2New *img, GError **err)
{
    guint64 cs = G_GUINT64_CONSTANT(1) << img->cluster_bits;
    guint64 per_l1 = cs * (cs / 8); /* bytes one L2 table maps */
    guint64 l1_size = (img->size + per_l1 - 1) / per_l1;
    guint64 l1_clusters = (l1_size * 8 + cs - 1) / cs;
    guint64 clusters = 3 + l1_clusters;
    guint64 l1_offset = l1_size ? 3 * cs : 0;
    guint64 end = l1_size ? l1_offset + l1_size * 8 : 3 * cs;
    g_autofree guint8 *header = NULL;
    g_autofree guint8 *meta = NULL;
    gsize hlen;

    if (img->cluster_bits < 13 || img->cluster_bits > 21 || l1_size > G_MAXINT32 ||
        clusters > cs * 8 / (1u << REFCOUNT_ORDER)) {
        vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR,
                        "the qcow2 metadata of '%s' does not fit one refcount block", img->path);
        return -1;
    }
    if (!(header = build_header(img, cs, l1_size, l1_offset, &hlen, err)))
        return -1;
    /* Every byte up to the end is written, zeros included, so the file is as allocated as
     * qemu-img leaves it (allocation figures match too): header cluster, refcount table
     * cluster, refcount block cluster, then the L1 table. */
    meta = g_malloc0(end);
    memcpy(meta, header, hlen);
    put64(meta + cs, 2 * cs); /* the one refcount block: cluster 2 */
    for (guint64 i = 0; i < clusters; i++)
        meta[2 * cs + 2 * i + 1] = 1;
    if (write_at(fd, meta, end, 0, err) < 0)
        return -1;
    if (ftruncate(fd, (off_t)end) < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno,
                              "cannot size the qcow2 image '%s'", img->path);
        return -1;
    }
    return 0;
}
