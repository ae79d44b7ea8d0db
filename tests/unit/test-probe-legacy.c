/* test-probe-legacy.c: the prober on bochs, cloop and dmg images made here by hand (sizes
 * compared with qemu-img info -f FMT), their hostile variants, and how they sit among others. */
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "util/error.h"
#include "volfmt/probe.h"
#include "testutil.h"

/* ---- helpers ----------------------------------------------------------------------------- */

static void
put_be32(guint8 *b, gsize off, guint32 v)
{
    v = GUINT32_TO_BE(v);
    memcpy(b + off, &v, 4);
}

static void
put_be64(guint8 *b, gsize off, guint64 v)
{
    v = GUINT64_TO_BE(v);
    memcpy(b + off, &v, 8);
}

static void
put_le32(guint8 *b, gsize off, guint32 v)
{
    v = GUINT32_TO_LE(v);
    memcpy(b + off, &v, 4);
}

static void
put_le64(guint8 *b, gsize off, guint64 v)
{
    v = GUINT64_TO_LE(v);
    memcpy(b + off, &v, 8);
}

/* qemu-img info --output=json -f @format @path; NULL (test failed) when it cannot. */
static char *
qemu_info(const char *path, const char *format)
{
    const char *argv[] = {"qemu-img", "info", "--output=json", "-U", "-f", format, path, NULL};
    g_autofree char *errout = NULL;
    g_autoptr(GError) err = NULL;
    char *out = NULL;
    int status = 0;

    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &errout,
                      &status, &err) ||
        !g_spawn_check_wait_status(status, NULL)) {
        g_test_fail_printf("qemu-img info -f %s %s failed: %s", format, path,
                           errout ? errout : err->message);
        g_free(out);
        return NULL;
    }
    return out;
}

/* A top-level number from qemu-img's JSON (4-space indent). */
static guint64
json_number(const char *json, const char *key)
{
    g_autofree char *pattern = g_strdup_printf("^    \"%s\": ([0-9]+),?$", key);
    g_autoptr(GRegex) re = g_regex_new(pattern, G_REGEX_MULTILINE, 0, NULL);
    g_autoptr(GMatchInfo) match = NULL;
    g_autofree char *digits = NULL;
    guint64 n = 0;

    g_assert_true(g_regex_match(re, json, 0, &match));
    digits = g_match_info_fetch(match, 1);
    g_assert_true(g_ascii_string_to_unsigned(digits, 10, 0, G_MAXUINT64, &n, NULL));
    return n;
}

/* ---- the three formats, made by hand ----------------------------------------------------- */

#define CLOOP_MAGIC                                                                                \
    "#!/bin/sh\n#V2.0 Format\nmodprobe cloop file=$0 && mount -r -t iso9660 /dev/cloop $1\n"

/* A bochs "growing" redolog: 512-byte header, then @catalog empty catalog entries. */
static GBytes *
bochs_image(guint32 version, guint64 disk, guint32 catalog, guint32 extent)
{
    gsize len = 512 + (gsize)catalog * 4;
    guint8 *b = g_malloc0(len);

    memcpy(b, "Bochs Virtual HD Image", 23);
    memcpy(b + 32, "Redolog", 8);
    memcpy(b + 48, "Growing", 8);
    put_le32(b, 64, version);
    put_le32(b, 68, 512);
    put_le32(b, 72, catalog);
    put_le32(b, 76, 512);
    put_le32(b, 80, extent);
    put_le64(b, version == 0x00010000 ? 84 : 88, disk);
    memset(b + 512, 0xff, (gsize)catalog * 4);
    return g_bytes_new_take(b, len);
}

/* A cloop 2.0 image of @blocks empty blocks: preamble, sizes, offsets all at the end. */
static GBytes *
cloop_image(guint32 block, guint32 blocks)
{
    gsize len = 136 + ((gsize)blocks + 1) * 8;
    guint8 *b = g_malloc0(len);

    memcpy(b, CLOOP_MAGIC, strlen(CLOOP_MAGIC));
    put_be32(b, 128, block);
    put_be32(b, 132, blocks);
    for (gsize i = 0; i <= blocks; i++)
        put_be64(b, 136 + i * 8, len);
    return g_bytes_new_take(b, len);
}

/* A UDIF image: a resource fork holding one "mish" block with one all-zero chunk of
 * @sectors, then the 512-byte "koly" trailer. */
static GBytes *
dmg_image(guint64 sectors)
{
    guint8 *b = g_malloc0(1024);
    guint8 *koly = b + 512;

    put_be32(b, 0, 0x100); /* resource data offset */
    put_be32(b, 8, 4 + 244); /* resource data length: one resource */
    put_be32(b, 0x100, 244);
    memcpy(b + 0x104, "mish", 4);
    put_be32(b, 0x104 + 204, 0); /* chunk type UDZE: zeroes */
    put_be64(b, 0x104 + 204 + 16, sectors);
    memcpy(koly, "koly", 4);
    put_be32(koly, 4, 4);
    put_be32(koly, 8, 512);
    put_be64(koly, 0x28, 0);
    put_be64(koly, 0x30, 512);
    put_be64(koly, 0x1ec, sectors);
    return g_bytes_new_take(b, 1024);
}

/* ---- sound images, checked against qemu-img ---------------------------------------------- */

typedef struct {
    const char *name;
    const char *qemu_format;
    VstorVolFormat format;
    GBytes *(*make)(void);
    guint64 capacity; /* what vstor must report */
} LegacyImage;

static GBytes *
bochs_v2(void)
{
    return bochs_image(0x00020000, 10 << 20, 160, 65536);
}

static GBytes *
bochs_v1(void)
{
    return bochs_image(0x00010000, 3 << 20, 48, 65536);
}

/* qemu counts whole sectors: the 100 odd bytes are not part of the disk. */
static GBytes *
bochs_odd(void)
{
    return bochs_image(0x00020000, (10 << 20) + 100, 161, 65536);
}

static GBytes *
cloop_small(void)
{
    return cloop_image(65536, 20);
}

static GBytes *
cloop_many(void)
{
    return cloop_image(512 * 1024, 5000); /* an offset table reaching past the header window */
}

static GBytes *
dmg_small(void)
{
    return dmg_image(2048);
}

static GBytes *
dmg_big(void)
{
    return dmg_image(G_GUINT64_CONSTANT(1) << 33); /* 4 TiB */
}

static const LegacyImage legacy_images[] = {
    {"v2.bochs", "bochs", VSTOR_VOL_FORMAT_BOCHS, bochs_v2, 10 << 20},
    {"v1.bochs", "bochs", VSTOR_VOL_FORMAT_BOCHS, bochs_v1, 3 << 20},
    {"odd.bochs", "bochs", VSTOR_VOL_FORMAT_BOCHS, bochs_odd, 10 << 20},
    {"small.cloop", "cloop", VSTOR_VOL_FORMAT_CLOOP, cloop_small, 20 * 65536},
    {"many.cloop", "cloop", VSTOR_VOL_FORMAT_CLOOP, cloop_many, 5000ull * 512 * 1024},
    {"small.dmg", "dmg", VSTOR_VOL_FORMAT_DMG, dmg_small, 2048 * 512},
    {"big.dmg", "dmg", VSTOR_VOL_FORMAT_DMG, dmg_big, G_GUINT64_CONSTANT(1) << 42},
};

static void
test_legacy_image(gconstpointer data)
{
    const LegacyImage *img = data;
    g_autofree char *dir = g_dir_make_tmp("vstor-probe-legacy-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, img->name, NULL);
    g_autoptr(GBytes) bytes = img->make();
    g_autofree char *json = NULL;
    g_auto(VstorImageInfo) info = {0};
    g_autoptr(GError) err = NULL;
    gsize len;
    const char *content = g_bytes_get_data(bytes, &len);

    g_assert_true(g_file_set_contents(path, content, (gssize)len, NULL));
    json = qemu_info(path, img->qemu_format);
    if (!json)
        goto out;
    g_assert_cmpuint(json_number(json, "virtual-size"), ==, img->capacity);

    g_assert_cmpint(vstor_volfmt_probe_path(path, &info, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpstr(vstor_enum_to_string(vstor_vol_format_names, info.format), ==,
                    img->qemu_format);
    g_assert_cmpint(info.format, ==, img->format);
    g_assert_cmpuint(info.capacity, ==, img->capacity);
    g_assert_cmpuint(info.physical, ==, len);
    g_assert_null(info.backing_path);
    g_assert_cmpint(info.backing_format, ==, VSTOR_VOL_FORMAT_NONE);
    g_assert_false(info.encrypted);
    g_assert_cmpuint(info.cluster_size, ==, 0);
    g_assert_null(info.compat);
    g_assert_null(info.format_hint);
out:
    test_rm_rf(dir);
}

/* ---- hostile variants -------------------------------------------------------------------- */

/* Probes @bytes as a whole file: the head window, the last 512 bytes as the tail. */
static int
probe_bytes(GBytes *bytes, VstorImageInfo *info, GError **err)
{
    gsize len;
    const guint8 *b = g_bytes_get_data(bytes, &len);
    gsize tail = MIN(len, (gsize)VSTOR_VOLFMT_TAIL_SIZE);

    return vstor_volfmt_probe_header(b, len, len >= 512 ? b + len - tail : NULL,
                                     len >= 512 ? tail : 0, len, "hostile.img", info, err);
}

/* Refused with VSTOR_ERR_INTERNAL_ERROR, "@fmt header of 'hostile.img' is corrupt: …@words…",
 * both by the pure prober and from a file. Takes @bytes. */
static void
expect_corrupt(GBytes *bytes, const char *fmt, const char *words)
{
    g_autoptr(GBytes) owned = bytes;
    g_auto(VstorImageInfo) info = {0};
    g_autoptr(GError) err = NULL;
    g_autofree char *dir = g_dir_make_tmp("vstor-probe-legacy-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "hostile.img", NULL);
    g_autofree char *start = g_strdup_printf("%s header of 'hostile.img' is corrupt: ", fmt);
    gsize len;
    const char *content = g_bytes_get_data(owned, &len);

    g_assert_cmpint(probe_bytes(owned, &info, &err), ==, -1);
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_INTERNAL_ERROR);
    if (!strstr(err->message, start) || !strstr(err->message, words))
        g_test_fail_printf("'%s' does not say '%s...%s'", err->message, start, words);
    g_clear_error(&err);

    g_assert_true(g_file_set_contents(path, content, (gssize)len, NULL));
    g_assert_cmpint(vstor_volfmt_probe_path(path, &info, &err), ==, -1);
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_INTERNAL_ERROR);
    g_assert_nonnull(strstr(err->message, words));
    test_rm_rf(dir);
}

/* Not refused, and taken as @format of @capacity. Takes @bytes. */
static void
expect_format(GBytes *bytes, VstorVolFormat format, guint64 capacity)
{
    g_autoptr(GBytes) owned = bytes;
    g_auto(VstorImageInfo) info = {0};
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(probe_bytes(owned, &info, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpint(info.format, ==, format);
    g_assert_cmpuint(info.capacity, ==, capacity);
}

/* A copy of @bytes (taken) cut to @len bytes, or with @n bytes of @patch at @off. */
static GBytes *
patched(GBytes *bytes, gsize len, gsize off, const void *patch, gsize n)
{
    g_autoptr(GBytes) owned = bytes;
    gsize old;
    const guint8 *src = g_bytes_get_data(owned, &old);
    guint8 *b = g_malloc0(MAX(len, 1));

    memcpy(b, src, MIN(len, old));
    if (patch) {
        g_assert_cmpuint(off + n, <=, len);
        memcpy(b + off, patch, n);
    }
    return g_bytes_new_take(b, len);
}

static GBytes *
with_le32(GBytes *bytes, gsize off, guint32 v)
{
    v = GUINT32_TO_LE(v);
    return patched(bytes, g_bytes_get_size(bytes), off, &v, 4);
}

static GBytes *
with_be32(GBytes *bytes, gsize off, guint32 v)
{
    v = GUINT32_TO_BE(v);
    return patched(bytes, g_bytes_get_size(bytes), off, &v, 4);
}

static GBytes *
with_be64(GBytes *bytes, gsize off, guint64 v)
{
    v = GUINT64_TO_BE(v);
    return patched(bytes, g_bytes_get_size(bytes), off, &v, 8);
}

static void
test_hostile_bochs(void)
{
    guint8 big[8];

    expect_corrupt(patched(bochs_v2(), 300, 0, NULL, 0), "bochs", "truncated at 300 bytes");
    put_le64(big, 0, G_GUINT64_CONSTANT(1) << 63);
    expect_corrupt(patched(bochs_v2(), 1152, 88, big, 8), "bochs", "2^63 or more");
    put_le64(big, 0, G_MAXUINT64);
    expect_corrupt(patched(bochs_v1(), 704, 84, big, 8), "bochs", "2^63 or more");
    expect_corrupt(with_le32(bochs_v2(), 72, 0x100001), "bochs", "catalog of 1048577 entries");
    expect_corrupt(with_le32(bochs_v2(), 72, G_MAXUINT32), "bochs", "catalog of 4294967295");
    expect_corrupt(with_le32(bochs_v2(), 80, 1000), "bochs", "extent size 1000");
    expect_corrupt(with_le32(bochs_v2(), 80, 256), "bochs", "extent size 256");
    expect_corrupt(with_le32(bochs_v2(), 80, 0), "bochs", "extent size 0");
    expect_corrupt(with_le32(bochs_v2(), 80, 16 << 20), "bochs", "extent size 16777216");
    /* 2^40 bytes in 8 MiB extents need 131072 entries, not 160. */
    put_le64(big, 0, G_GUINT64_CONSTANT(1) << 40);
    expect_corrupt(with_le32(patched(bochs_v2(), 1152, 88, big, 8), 80, 8 << 20), "bochs",
                   "cannot hold 1099511627776 bytes");
    expect_corrupt(with_le32(bochs_v2(), 72, 159), "bochs", "cannot hold");
    expect_corrupt(patched(bochs_v2(), 1000, 0, NULL, 0), "bochs", "past the end of the file");
    expect_corrupt(with_le32(bochs_v2(), 68, G_MAXUINT32), "bochs", "past the end of the file");

    /* Not bochs at all, as qemu sees it: raw, sized as the file. */
    expect_format(with_le32(bochs_v2(), 64, 0x00030000), VSTOR_VOL_FORMAT_RAW, 1152);
    expect_format(patched(bochs_v2(), 1152, 48, "Undoable", 8), VSTOR_VOL_FORMAT_RAW, 1152);
    expect_format(patched(bochs_v2(), 1152, 22, "!", 1), VSTOR_VOL_FORMAT_RAW, 1152);
    /* A disk of 0 bytes keeps the file size, libvirt's rule for every format. */
    expect_format(bochs_image(0x00020000, 0, 0, 4096), VSTOR_VOL_FORMAT_BOCHS, 512);
}

static void
test_hostile_cloop(void)
{
    guint8 offsets[16];

    expect_corrupt(patched(cloop_small(), 130, 0, NULL, 0), "cloop", "truncated at 130 bytes");
    expect_corrupt(with_be32(cloop_small(), 128, 0), "cloop", "block size 0");
    expect_corrupt(with_be32(cloop_small(), 128, 1000), "cloop", "block size 1000");
    expect_corrupt(with_be32(cloop_small(), 128, 128 << 20), "cloop", "block size 134217728");
    /* Block counts whose offset table overflows 32 bits or passes qemu's 512 MiB. */
    expect_corrupt(with_be32(cloop_small(), 132, G_MAXUINT32), "cloop", "more than 536870912");
    expect_corrupt(with_be32(cloop_small(), 132, 0x1fffffff), "cloop", "more than 536870912");
    expect_corrupt(with_be32(cloop_small(), 132, 67108864), "cloop", "more than 536870912");
    expect_corrupt(with_be32(cloop_small(), 132, 21), "cloop", "past the end of the file");
    put_be64(offsets, 0, 400);
    put_be64(offsets, 8, 300);
    expect_corrupt(patched(cloop_small(), 304, 144, offsets, 16), "cloop",
                   "block 1 runs from 400 to 300");
    put_be64(offsets, 0, 400);
    put_be64(offsets, 8, 400 + (G_GUINT64_CONSTANT(128) << 20) + 1);
    expect_corrupt(patched(cloop_small(), 304, 144, offsets, 16), "cloop", "block 1 runs");

    /* A preamble qemu does not take for cloop's: raw. */
    expect_format(patched(cloop_small(), 304, 11, "V3", 2), VSTOR_VOL_FORMAT_RAW, 304);
    expect_format(patched(cloop_small(), 40, 0, NULL, 0), VSTOR_VOL_FORMAT_RAW, 40);
    expect_format(cloop_image(65536, 0), VSTOR_VOL_FORMAT_CLOOP, 144); /* empty: file size */
}

static void
test_hostile_dmg(void)
{
    expect_corrupt(with_be64(dmg_small(), 512 + 0x1ec, G_GUINT64_CONSTANT(1) << 54), "dmg",
                   "2^63 or more");
    expect_corrupt(with_be64(dmg_small(), 512 + 0x1ec, G_MAXUINT64), "dmg", "2^63 or more");
    expect_corrupt(with_be64(dmg_small(), 512 + 0x18, 513), "dmg", "data fork offset 513");
    expect_corrupt(with_be64(dmg_small(), 512 + 0x28, 512), "dmg", "resource fork");
    expect_corrupt(with_be64(dmg_small(), 512 + 0x30, 513), "dmg", "resource fork (513 bytes");
    /* An offset plus length that wraps around 2^64 must not pass for "before the trailer". */
    expect_corrupt(with_be64(with_be64(dmg_small(), 512 + 0x28, 1), 512 + 0x30, G_MAXUINT64), "dmg",
                   "does not lie before the trailer");
    expect_corrupt(with_be64(dmg_small(), 512 + 0xd8, G_MAXUINT64), "dmg", "property list");
    expect_corrupt(with_be64(dmg_small(), 512 + 0x30, 0), "dmg", "no resource fork");
    expect_corrupt(with_be64(with_be64(dmg_small(), 512 + 0x30, 0), 512 + 0xe0, 513), "dmg",
                   "property list (513 bytes");

    /* A trailer of another version or size, or none: raw, as qemu's probe would say. */
    expect_format(with_be32(dmg_small(), 512 + 4, 5), VSTOR_VOL_FORMAT_RAW, 1024);
    expect_format(with_be32(dmg_small(), 512 + 8, 1024), VSTOR_VOL_FORMAT_RAW, 1024);
    expect_format(patched(dmg_small(), 1024, 512, "KOLY", 4), VSTOR_VOL_FORMAT_RAW, 1024);
    expect_format(patched(dmg_small(), 1100, 0, NULL, 0), VSTOR_VOL_FORMAT_RAW, 1100);
    expect_format(with_be64(dmg_small(), 512 + 0x1ec, 0), VSTOR_VOL_FORMAT_DMG, 1024);
    /* A property list instead of a resource fork is as good. */
    expect_format(with_be64(with_be64(dmg_small(), 512 + 0x30, 0), 512 + 0xe0, 512),
                  VSTOR_VOL_FORMAT_DMG, 2048 * 512);
}

/* The pure prober with a tail shorter than the trailer, or a file smaller than it. */
static void
test_short_tail(void)
{
    g_autoptr(GBytes) dmg = dmg_small();
    const guint8 *koly = (const guint8 *)g_bytes_get_data(dmg, NULL) + 512;
    guint8 head[16] = {0};
    g_auto(VstorImageInfo) info = {0};
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(vstor_volfmt_probe_header(head, 16, koly, 100, 1024, "t", &info, &err), ==, -1);
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_INTERNAL_ERROR);
    g_assert_nonnull(strstr(err->message, "dmg header of 't' is corrupt: the 512-byte trailer"));
    g_clear_error(&err);
    g_assert_cmpint(vstor_volfmt_probe_header(head, 16, koly, 512, 300, "t", &info, &err), ==, -1);
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_INTERNAL_ERROR);
    g_clear_error(&err);
    /* A longer tail: only its last 512 bytes are the trailer. */
    g_assert_cmpint(vstor_volfmt_probe_header(head, 16, g_bytes_get_data(dmg, NULL), 1024, 1024,
                                              "t", &info, &err),
                    ==, 0);
    g_assert_cmpint(info.format, ==, VSTOR_VOL_FORMAT_DMG);
    g_assert_cmpuint(info.capacity, ==, 2048 * 512);
}

/* ---- order among the formats libvirt knows ---------------------------------------------- */

static void
test_order(void)
{
    g_autoptr(GBytes) dmg = dmg_small();
    guint8 *b = g_malloc0(2048);
    g_autoptr(GBytes) qcow2 = NULL;
    g_autoptr(GBytes) luks = NULL;

    /* A qcow2 whose last sector happens to hold a dmg trailer stays qcow2. */
    memcpy(b, "QFI\xfb", 4);
    put_be32(b, 4, 3);
    put_be32(b, 20, 16);
    put_be64(b, 24, 1 << 20);
    put_be32(b, 100, 104);
    memcpy(b + 1536, (const guint8 *)g_bytes_get_data(dmg, NULL) + 512, 512);
    qcow2 = g_bytes_new(b, 2048);
    expect_format(g_bytes_ref(qcow2), VSTOR_VOL_FORMAT_QCOW2, 1 << 20);

    /* So does a LUKS volume: raw with its payload offset taken off. */
    memset(b, 0, 1536);
    memcpy(b, "LUKS\xba\xbe\x00\x01", 8);
    put_be32(b, 104, 2);
    luks = g_bytes_new_take(b, 2048);
    expect_format(g_bytes_ref(luks), VSTOR_VOL_FORMAT_RAW, 2048 - 1024);
}

/* A qcow2 declaring its backing file bochs: the chain reads the bochs header; a declared
 * dmg that is not one is refused, as for every declared format. */
static void
test_declared_backing(void)
{
    g_autofree char *dir = g_dir_make_tmp("vstor-probe-legacy-XXXXXX", NULL);
    g_autofree char *base = g_build_filename(dir, "base.bochs", NULL);
    g_autofree char *top = g_build_filename(dir, "top.qcow2", NULL);
    g_autoptr(GBytes) bochs = bochs_v2();
    g_autoptr(GPtrArray) chain = NULL;
    g_autoptr(GError) err = NULL;
    const char *argv[] = {"qemu-img", "create", "-q", "-f", "qcow2", "-u", "-b",
                          base,       "-F",     NULL, top,  "1M",    NULL};
    int status = 0;

    g_assert_true(g_file_set_contents(base, g_bytes_get_data(bochs, NULL),
                                      (gssize)g_bytes_get_size(bochs), NULL));
    argv[9] = "bochs";
    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                               NULL, &status, NULL));
    g_assert_true(g_spawn_check_wait_status(status, NULL));
    chain = vstor_volfmt_probe_chain(top, 0, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(chain->len, ==, 2);
    g_assert_cmpint(((VstorImageInfo *)chain->pdata[0])->backing_format, ==,
                    VSTOR_VOL_FORMAT_BOCHS);
    g_assert_cmpint(((VstorImageInfo *)chain->pdata[1])->format, ==, VSTOR_VOL_FORMAT_BOCHS);
    g_assert_cmpuint(((VstorImageInfo *)chain->pdata[1])->capacity, ==, 10 << 20);
    g_clear_pointer(&chain, g_ptr_array_unref);

    argv[9] = "dmg";
    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                               NULL, &status, NULL));
    g_assert_true(g_spawn_check_wait_status(status, NULL));
    chain = vstor_volfmt_probe_chain(top, 0, &err);
    g_assert_null(chain);
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_INTERNAL_ERROR);
    g_assert_nonnull(strstr(err->message, "no dmg header (the content looks bochs)"));
    test_rm_rf(dir);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (gsize i = 0; i < G_N_ELEMENTS(legacy_images); i++) {
        g_autofree char *name = g_strdup_printf("/probe-legacy/real/%s", legacy_images[i].name);

        g_test_add_data_func(name, &legacy_images[i], test_legacy_image);
    }
    g_test_add_func("/probe-legacy/hostile/bochs", test_hostile_bochs);
    g_test_add_func("/probe-legacy/hostile/cloop", test_hostile_cloop);
    g_test_add_func("/probe-legacy/hostile/dmg", test_hostile_dmg);
    g_test_add_func("/probe-legacy/short-tail", test_short_tail);
    g_test_add_func("/probe-legacy/order", test_order);
    g_test_add_func("/probe-legacy/declared-backing", test_declared_backing);
    return g_test_run();
}
