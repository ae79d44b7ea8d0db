/* test-probe.c: the image prober on real images made by qemu-img (compared with qemu-img info),
 * an ISO from genisoimage, hand-made hostile headers, backing chains with loops, fuzz finds. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "testutil.h"
#include "util/error.h"
#include "volfmt/probe.h"

/* ---- helpers ----------------------------------------------------------------------------- */

/* Runs @cmdline (words split on blanks) in @dir; fails the test with its stderr on error. */
static char *
run_in(const char *dir, const char *cmdline)
{
    g_auto(GStrv) argv = g_strsplit(cmdline, " ", -1);
    g_autoptr(GError) err = NULL;
    g_autofree char *errout = NULL;
    g_autofree char *program = g_find_program_in_path(argv[0]);
    char *out = NULL;
    int status = 0;

    if (!program) {
        g_test_fail_printf("%s is not installed (tools/deps test installs it)", argv[0]);
        return NULL;
    }
    /* qemu's LUKS key benchmark sometimes gives up on a loaded machine: retry that only. */
    for (int attempt = 0;; attempt++) {
        g_clear_pointer(&out, g_free);
        g_clear_pointer(&errout, g_free);
        g_clear_error(&err);
        if (g_spawn_sync(dir, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &errout, &status,
                         &err) &&
            g_spawn_check_wait_status(status, NULL))
            return out;
        if (attempt < 4 && errout && strstr(errout, "Unable to get accurate CPU usage"))
            continue;
        g_test_fail_printf("'%s' failed: %s", cmdline, errout ? errout : err->message);
        g_free(out);
        return NULL;
    }
}

/* A value from qemu-img's pretty JSON: top level (4-space indent) or, with @nested, the
 * first occurrence at any depth. NULL when absent. Strings come back without quotes. */
static char *
json_value(const char *json, const char *key, gboolean nested)
{
    g_autofree char *pattern =
        g_strdup_printf("^%s\"%s\": \"?([^\",\\n]*)\"?,?$", nested ? " +" : "    ", key);
    g_autoptr(GRegex) re = g_regex_new(pattern, G_REGEX_MULTILINE, 0, NULL);
    g_autoptr(GMatchInfo) match = NULL;

    if (!g_regex_match(re, json, 0, &match))
        return NULL;
    return g_match_info_fetch(match, 1);
}

static gboolean
json_true(const char *json, const char *key, gboolean nested)
{
    g_autofree char *v = json_value(json, key, nested);

    return g_strcmp0(v, "true") == 0;
}

static unsigned long long
json_ull(const char *json, const char *key)
{
    g_autofree char *v = json_value(json, key, FALSE);
    guint64 n = 0;

    g_assert_nonnull(v);
    g_assert_true(g_ascii_string_to_unsigned(v, 10, 0, G_MAXUINT64, &n, NULL));
    return n;
}

static const char *
format_name(int format)
{
    return vstor_enum_to_string(vstor_vol_format_names, format);
}

/* ---- real images ------------------------------------------------------------------------- */

typedef struct {
    const char *file;
    const char *create; /* the qemu-img arguments that make it, run in the test directory */
    const char *pre; /* arguments that make the backing file it needs first, or NULL */
    VstorVolFormat format; /* what libvirt's rules make of it */
    const char *qemu_format; /* what qemu-img info says */
    int backing_format; /* as the header names it (NONE: no backing store) */
} RealImage;

#define SECRET "--object secret,id=sec0,data=abc"
/* iter-time keeps the key derivation short; libvirt leaves qemu's 2 s default. */
#define KEY "key-secret=sec0,iter-time=10"

static const RealImage real_images[] = {
    {"raw.img", "create -q -f raw raw.img 10M", NULL, VSTOR_VOL_FORMAT_RAW, "raw", 0},
    {"v2.qcow2", "create -q -f qcow2 -o compat=0.10 v2.qcow2 10M", NULL, VSTOR_VOL_FORMAT_QCOW2,
     "qcow2", 0},
    {"v3.qcow2", "create -q -f qcow2 -o compat=1.1 v3.qcow2 12M", NULL, VSTOR_VOL_FORMAT_QCOW2,
     "qcow2", 0},
    {"lazy.qcow2", "create -q -f qcow2 -o compat=1.1,lazy_refcounts=on lazy.qcow2 1G", NULL,
     VSTOR_VOL_FORMAT_QCOW2, "qcow2", 0},
    {"l2.qcow2", "create -q -f qcow2 -o extended_l2=on,cluster_size=128k l2.qcow2 20M", NULL,
     VSTOR_VOL_FORMAT_QCOW2, "qcow2", 0},
    {"small.qcow2", "create -q -f qcow2 -o cluster_size=4096 small.qcow2 3M", NULL,
     VSTOR_VOL_FORMAT_QCOW2, "qcow2", 0},
    {"over.qcow2", "create -q -f qcow2 -b v2.qcow2 -F qcow2 over.qcow2",
     "create -q -f qcow2 -o compat=0.10 v2.qcow2 10M", VSTOR_VOL_FORMAT_QCOW2, "qcow2",
     VSTOR_VOL_FORMAT_QCOW2},
    {"over-raw.qcow2", "create -q -f qcow2 -o compat=0.10 -b raw.img -F raw over-raw.qcow2 20M",
     "create -q -f raw raw.img 10M", VSTOR_VOL_FORMAT_QCOW2, "qcow2", VSTOR_VOL_FORMAT_RAW},
    {"v1.qcow", "create -q -f qcow v1.qcow 10M", NULL, VSTOR_VOL_FORMAT_QCOW, "qcow", 0},
    {"over.qcow", "create -q -f qcow -b v1.qcow -F qcow over.qcow 10M",
     "create -q -f qcow v1.qcow 10M", VSTOR_VOL_FORMAT_QCOW, "qcow", VSTOR_VOLFMT_BACKING_PROBE},
    {"plain.qed", "create -q -f qed plain.qed 30M", NULL, VSTOR_VOL_FORMAT_QED, "qed", 0},
    {"over-raw.qed", "create -q -f qed -b raw.img -F raw over-raw.qed",
     "create -q -f raw raw.img 10M", VSTOR_VOL_FORMAT_QED, "qed", VSTOR_VOL_FORMAT_RAW},
    {"over.qed", "create -q -f qed -b v3.qcow2 -F qcow2 over.qed",
     "create -q -f qcow2 -o compat=1.1 v3.qcow2 12M", VSTOR_VOL_FORMAT_QED, "qed",
     VSTOR_VOLFMT_BACKING_PROBE_SAFE},
    {"plain.vmdk", "create -q -f vmdk plain.vmdk 20M", NULL, VSTOR_VOL_FORMAT_VMDK, "vmdk", 0},
    {"over.vmdk", "create -q -f vmdk -b plain.vmdk -F vmdk over.vmdk",
     "create -q -f vmdk plain.vmdk 20M", VSTOR_VOL_FORMAT_VMDK, "vmdk", VSTOR_VOLFMT_BACKING_PROBE},
    {"disk.vpc", "create -q -f vpc disk.vpc 10M", NULL, VSTOR_VOL_FORMAT_VPC, "vpc", 0},
    {"disk.vdi", "create -q -f vdi disk.vdi 10M", NULL, VSTOR_VOL_FORMAT_VDI, "vdi", 0},
    {"disk.vhdx", "create -q -f vhdx disk.vhdx 10M", NULL, VSTOR_VOL_FORMAT_RAW, "vhdx", 0},
    {"disk.luks", "create -q " SECRET " -f luks -o " KEY " disk.luks 10M", NULL,
     VSTOR_VOL_FORMAT_RAW, "luks", 0},
    {"luks.qcow2",
     "create -q " SECRET " -f qcow2 -o encrypt.format=luks,encrypt.key-secret=sec0,"
     "encrypt.iter-time=10 luks.qcow2 10M",
     NULL, VSTOR_VOL_FORMAT_QCOW2, "qcow2", 0},
    {"zero.qcow2", "create -q -f qcow2 zero.qcow2 0", NULL, VSTOR_VOL_FORMAT_QCOW2, "qcow2", 0},
};

/* What we read must agree with qemu-img info wherever libvirt's rules do not differ. */
static void
compare_with_qemu(const char *dir, const RealImage *img, const VstorImageInfo *info)
{
    g_autofree char *cmd = g_strdup_printf("qemu-img info --output=json %s", img->file);
    g_autofree char *json = run_in(dir, cmd);
    g_autofree char *qformat = NULL;
    g_autofree char *backing = NULL;
    g_autofree char *bformat = NULL;
    unsigned long long vsize;

    if (!json)
        return;
    qformat = json_value(json, "format", FALSE);
    g_assert_cmpstr(qformat, ==, img->qemu_format);
    g_assert_cmpstr(format_name(info->format), ==, format_name(img->format));
    g_assert_cmpuint(info->allocation, ==, json_ull(json, "actual-size"));
    g_assert_cmpint(info->encrypted, ==, json_true(json, "encrypted", FALSE));
    g_assert_cmpint(info->dirty, ==, json_true(json, "dirty-flag", FALSE));

    vsize = json_ull(json, "virtual-size");
    if (strcmp(img->qemu_format, "vhdx") == 0) {
        /* libvirt has no vhdx prober: raw, sized as the file, with a hint for us. */
        g_assert_cmpstr(info->format_hint, ==, "vhdx");
        g_assert_cmpuint(info->capacity, ==, info->physical);
    } else if (vsize == 0) {
        /* libvirt's rule: a header that says 0 leaves the file size in place. */
        g_assert_cmpuint(info->capacity, ==, info->physical);
    } else {
        g_assert_cmpuint(info->capacity, ==, vsize);
    }

    backing = json_value(json, "backing-filename", FALSE);
    g_assert_cmpstr(info->backing_path, ==, backing);
    bformat = json_value(json, "backing-filename-format", FALSE);
    if (info->backing_format >= 0 && info->backing_path)
        g_assert_cmpstr(format_name(info->backing_format), ==, bformat);
    g_assert_cmpint(info->backing_format, ==, img->backing_format);

    if (info->format == VSTOR_VOL_FORMAT_QCOW2) {
        g_autofree char *compat = json_value(json, "compat", TRUE);

        g_assert_cmpuint(info->cluster_size, ==, json_ull(json, "cluster-size"));
        g_assert_cmpstr(info->compat, ==, compat);
        g_assert_cmpint(info->has_features, ==, strcmp(compat, "1.1") == 0);
        g_assert_cmpint(!!(info->features & (1u << VSTOR_VOL_FEATURE_LAZY_REFCOUNTS)), ==,
                        json_true(json, "lazy-refcounts", TRUE));
        g_assert_cmpint(!!(info->features & (1u << VSTOR_VOL_FEATURE_EXTENDED_L2)), ==,
                        json_true(json, "extended-l2", TRUE));
        g_assert_cmpint(info->corrupt, ==, json_true(json, "corrupt", TRUE));
    } else {
        g_assert_cmpuint(info->cluster_size, ==, 0);
        g_assert_null(info->compat);
    }
    if (strcmp(img->qemu_format, "luks") == 0 || strcmp(img->file, "luks.qcow2") == 0) {
        g_assert_true(info->encrypted);
        g_assert_cmpint(info->encryption_format, ==, VSTOR_ENCRYPTION_FORMAT_LUKS);
    }
}

static void
test_real_image(gconstpointer data)
{
    const RealImage *img = data;
    g_autofree char *dir = g_dir_make_tmp("vstor-probe-XXXXXX", NULL);
    g_autofree char *pre = img->pre ? g_strdup_printf("qemu-img %s", img->pre) : NULL;
    g_autofree char *cmd = g_strdup_printf("qemu-img %s", img->create);
    g_autofree char *path = g_build_filename(dir, img->file, NULL);
    g_auto(VstorImageInfo) info = {0};
    g_autoptr(GError) err = NULL;

    if (pre)
        g_free(run_in(dir, pre));
    if (!g_test_failed())
        g_free(run_in(dir, cmd));
    if (g_test_failed())
        goto out;
    g_assert_cmpint(vstor_volfmt_probe_path(path, &info, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpstr(info.path, ==, path);
    compare_with_qemu(dir, img, &info);
out:
    test_rm_rf(dir);
}

/* A qcow2 whose backing-format extension is gone: the format must then be probed. */
static void
test_backing_without_format(void)
{
    g_autofree char *dir = g_dir_make_tmp("vstor-probe-XXXXXX", NULL);
    g_autofree char *out = run_in(dir, "qemu-img create -q -f qcow2 -u -b ../base -F raw top 1M");
    g_autofree char *path = g_build_filename(dir, "top", NULL);
    g_autofree char *data = NULL;
    g_autofree char *json = NULL;
    g_auto(VstorImageInfo) info = {0};
    g_autoptr(GError) err = NULL;
    gsize len;
    const guint8 ext[] = {0xE2, 0x79, 0x2A, 0xCA};
    guint8 *at;

    if (g_test_failed())
        goto out;
    g_assert_true(g_file_get_contents(path, &data, &len, NULL));
    at = memmem(data, MIN(len, 4096), ext, sizeof(ext));
    g_assert_nonnull(at);
    memcpy(at, "\x12\x34\x56\x78", 4); /* an extension nobody knows: qemu skips it too */
    g_assert_true(g_file_set_contents(path, data, (gssize)len, NULL));
    json = run_in(dir, "qemu-img info --output=json -U top");
    g_assert_null(json_value(json, "backing-filename-format", FALSE));
    g_assert_cmpint(vstor_volfmt_probe_path(path, &info, &err), ==, 0);
    g_assert_cmpstr(info.backing_path, ==, "../base");
    g_assert_cmpint(info.backing_format, ==, VSTOR_VOLFMT_BACKING_PROBE);
    g_assert_cmpint(info.format, ==, VSTOR_VOL_FORMAT_QCOW2);
out:
    test_rm_rf(dir);
}

static void
test_iso(void)
{
    g_autofree char *dir = g_dir_make_tmp("vstor-probe-XXXXXX", NULL);
    g_autofree char *content = g_build_filename(dir, "content", NULL);
    g_autofree char *file = g_build_filename(content, "hello.txt", NULL);
    g_autofree char *iso = g_build_filename(dir, "cd.iso", NULL);
    g_autofree char *out = NULL;
    g_auto(VstorImageInfo) info = {0};
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(g_mkdir(content, 0700), ==, 0);
    g_assert_true(g_file_set_contents(file, "hello", 5, NULL));
    out = run_in(dir, "genisoimage -quiet -o cd.iso content");
    if (g_test_failed())
        goto out;
    g_assert_cmpint(vstor_volfmt_probe_path(iso, &info, &err), ==, 0);
    g_assert_cmpint(info.format, ==, VSTOR_VOL_FORMAT_ISO);
    g_assert_cmpuint(info.capacity, ==, info.physical);
    g_assert_cmpuint(info.physical, ==, (unsigned long long)info.st.st_size);
out:
    test_rm_rf(dir);
}

/* ---- hand-made hostile headers ---------------------------------------------------------- */

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

/* A sound qcow2 header of @version (2 or 3), 64 KiB clusters, 1 MiB, in a zeroed buffer. */
static guint8 *
qcow2_header(guint32 version, gsize len)
{
    guint8 *b = g_malloc0(len);

    memcpy(b, "QFI\xfb", 4);
    put_be32(b, 4, version);
    put_be32(b, 20, 16);
    put_be64(b, 24, 1 << 20);
    if (version == 3)
        put_be32(b, 100, 104);
    return b;
}

static void
probe_buf(const guint8 *buf, gsize len, unsigned long long file_size, VstorImageInfo *ret_info,
          GError **err)
{
    vstor_volfmt_probe_header(buf, len, NULL, 0, file_size, "hostile.img", ret_info, err);
}

/* The header must be refused with VSTOR_ERR_INTERNAL_ERROR and a message saying @words. */
static void
expect_corrupt(const guint8 *buf, gsize len, unsigned long long file_size, const char *words)
{
    g_auto(VstorImageInfo) info = {0};
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(
        vstor_volfmt_probe_header(buf, len, NULL, 0, file_size, "hostile.img", &info, &err), ==,
        -1);
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_INTERNAL_ERROR);
    g_assert_nonnull(strstr(err->message, "hostile.img"));
    if (!strstr(err->message, words))
        g_test_fail_printf("'%s' does not say '%s'", err->message, words);
    g_assert_null(info.path); /* nothing written on failure */
}

static void
test_hostile_qcow2(void)
{
    g_autofree guint8 *v2 = qcow2_header(2, 4096);
    g_autofree guint8 *v3 = qcow2_header(3, 4096);
    g_auto(VstorImageInfo) info = {0};
    g_autoptr(GError) err = NULL;

    expect_corrupt(v2, 20, 20, "truncated");
    expect_corrupt(v3, 80, 80, "truncated");
    put_be64(v2, 24, 1ull << 63);
    expect_corrupt(v2, 4096, 4096, "2^63");
    put_be64(v2, 24, G_MAXINT64);
    probe_buf(v2, 4096, 4096, &info, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(info.capacity, ==, G_MAXINT64);
    vstor_image_info_clear(&info);

    put_be64(v2, 8, 1000); /* backing name offset past the end of a 512-byte file */
    put_be32(v2, 16, 10);
    expect_corrupt(v2, 512, 512, "past the end of the file");
    put_be64(v2, 8, 0x9000); /* inside the file, beyond what is read */
    expect_corrupt(v2, 4096, 1 << 20, "outside the first 4096 bytes");
    put_be64(v2, 8, G_MAXUINT64 - 3); /* offset + size wraps around */
    expect_corrupt(v2, 4096, 1 << 20, "past the end");
    put_be64(v2, 8, 512);
    put_be32(v2, 16, 5000);
    expect_corrupt(v2, 4096, 4096, "exceeds 1023");
    put_be32(v2, 16, 0); /* size 0: no backing store at all */
    probe_buf(v2, 4096, 4096, &info, &err);
    g_assert_no_error(err);
    g_assert_null(info.backing_path);
    g_assert_cmpint(info.backing_format, ==, VSTOR_VOL_FORMAT_NONE);
    vstor_image_info_clear(&info);
    memcpy(v2 + 512, "ab\0cd", 5); /* a NUL ends the name, as in qemu */
    put_be32(v2, 16, 5);
    probe_buf(v2, 4096, 4096, &info, &err);
    g_assert_cmpstr(info.backing_path, ==, "ab");
    vstor_image_info_clear(&info);

    put_be32(v2, 20, 200);
    expect_corrupt(v2, 4096, 4096, "cluster bits 200");
    put_be32(v2, 20, 0);
    expect_corrupt(v2, 4096, 4096, "cluster bits 0");
    put_be32(v3, 100, 50);
    expect_corrupt(v3, 4096, 4096, "header length 50");

    put_be32(v3, 100, 104);
    put_be64(v3, 72, (1u << 0) | (1u << 1) | (1u << 4)); /* dirty, corrupt, extended L2 */
    put_be64(v3, 80, 1u << 0);
    probe_buf(v3, 4096, 4096, &info, &err);
    g_assert_no_error(err);
    g_assert_true(info.dirty && info.corrupt && info.has_features);
    g_assert_cmpuint(info.features, ==, 3);
    vstor_image_info_clear(&info);

    put_be32(v3, 32, 1);
    probe_buf(v3, 4096, 4096, &info, &err);
    g_assert_cmpint(info.encryption_format, ==, VSTOR_ENCRYPTION_FORMAT_QCOW);
    vstor_image_info_clear(&info);
    put_be32(v3, 4, 4); /* a version libvirt does not know: raw, as libvirt says */
    probe_buf(v3, 4096, 4096, &info, &err);
    g_assert_cmpint(info.format, ==, VSTOR_VOL_FORMAT_RAW);
    g_assert_false(info.encrypted);
}

/* Header extensions: long runs of empty ones end, lying lengths stop the walk. */
static void
test_hostile_extensions(void)
{
    gsize len = 0x8200;
    g_autofree guint8 *b = qcow2_header(3, len);
    gsize off = 104;
    g_auto(VstorImageInfo) info = {0};
    g_autoptr(GError) err = NULL;

    for (int i = 0; i < 900; i++, off += 8)
        put_be32(b, off, 0x1234); /* unknown magic, length 0 */
    put_be32(b, off, 0xE2792ACA);
    put_be32(b, off + 4, 5);
    memcpy(b + off + 8, "qcow2", 5);
    off += 16;
    memcpy(b + off + 8, "base.qcow2", 10);
    put_be64(b, 8, off + 8);
    put_be32(b, 16, 10);
    probe_buf(b, len, len, &info, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(info.backing_path, ==, "base.qcow2");
    g_assert_cmpint(info.backing_format, ==, VSTOR_VOL_FORMAT_QCOW2);
    vstor_image_info_clear(&info);

    put_be32(b, 104, 0xE2792ACA); /* the first extension claims 4 GiB */
    put_be32(b, 108, G_MAXUINT32);
    probe_buf(b, len, len, &info, &err);
    g_assert_no_error(err);
    g_assert_cmpint(info.backing_format, ==, VSTOR_VOLFMT_BACKING_PROBE);
    vstor_image_info_clear(&info);

    put_be32(b, 108, 4); /* a backing format libvirt does not know, then the end mark */
    memcpy(b + 112, "vhdx", 4);
    put_be32(b, 120, 0);
    probe_buf(b, len, len, &info, &err);
    g_assert_cmpstr(info.backing_path, ==, "base.qcow2");
    g_assert_cmpint(info.backing_format, ==, VSTOR_VOLFMT_BACKING_PROBE);
}

static void
test_hostile_others(void)
{
    g_autofree guint8 *b = g_malloc0(0x8200);
    g_auto(VstorImageInfo) info = {0};
    g_autoptr(GError) err = NULL;

    /* QED: backing flag with a name past the end, a huge size, an empty name */
    memcpy(b, "QED\0", 4);
    put_le64(b, 48, 1 << 30);
    put_le64(b, 16, 0x01);
    put_le32(b, 56, 4000);
    put_le32(b, 60, 8);
    expect_corrupt(b, 512, 512, "past the end of the file");
    put_le64(b, 48, G_MAXUINT64);
    expect_corrupt(b, 512, 512, "2^63");
    put_le64(b, 48, 1 << 30);
    put_le32(b, 60, 0);
    put_le32(b, 56, 100);
    probe_buf(b, 512, 512, &info, &err);
    g_assert_no_error(err);
    g_assert_null(info.backing_path);
    g_assert_cmpuint(info.capacity, ==, 1 << 30);
    vstor_image_info_clear(&info);
    expect_corrupt(b, 40, 40, "truncated");

    /* VMDK: sectors that overflow, a parent hint without its closing quote */
    memset(b, 0, 0x8200);
    memcpy(b, "KDMV", 4);
    put_le32(b, 4, 1);
    put_le64(b, 12, 1ull << 55);
    expect_corrupt(b, 2048, 2048, "2^63");
    put_le64(b, 12, 2048);
    memcpy(b + 0x200, "parentFileNameHint=\"never-ends", 30);
    expect_corrupt(b, 2048, 2048, "closing quote");
    memcpy(b + 0x200, "parentFileNameHint=\"\"", 21);
    probe_buf(b, 2048, 2048, &info, &err);
    g_assert_no_error(err);
    g_assert_null(info.backing_path);
    g_assert_cmpuint(info.capacity, ==, 2048 * 512);
    vstor_image_info_clear(&info);

    /* LUKS: truncated, payload past the end; LUKS2 stays raw as in libvirt 9.0.0 */
    memset(b, 0, 0x8200);
    memcpy(b, "LUKS\xba\xbe\0\x01", 8);
    expect_corrupt(b, 50, 50, "truncated");
    put_be32(b, 104, 4096);
    expect_corrupt(b, 4096, 4096, "past the end of the file");
    put_be32(b, 104, 4);
    probe_buf(b, 4096, 4096, &info, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(info.capacity, ==, 4096 - 2048);
    g_assert_cmpuint(info.payload_offset, ==, 2048);
    vstor_image_info_clear(&info);
    b[7] = 2;
    probe_buf(b, 4096, 4096, &info, &err);
    g_assert_false(info.encrypted);
    g_assert_cmpuint(info.capacity, ==, 4096);
    vstor_image_info_clear(&info);

    /* COW: truncated, then a sound one with a backing name */
    memset(b, 0, 0x8200);
    memcpy(b, "OOOM", 4);
    put_be32(b, 4, 2);
    expect_corrupt(b, 600, 600, "truncated");
    memcpy(b + 8, "base.img", 8);
    put_be64(b, 1036, 12345);
    probe_buf(b, 2048, 2048, &info, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(info.backing_path, ==, "base.img");
    g_assert_cmpuint(info.capacity, ==, 12345);
    vstor_image_info_clear(&info);

    /* ISO: the magic at 32769 counts only when all of it was read */
    memset(b, 0, 0x8200);
    memcpy(b + 32769, "CD001", 5);
    probe_buf(b, 0x8200, 1 << 20, &info, &err);
    g_assert_cmpint(info.format, ==, VSTOR_VOL_FORMAT_ISO);
    vstor_image_info_clear(&info);
    probe_buf(b, 32770, 32770, &info, &err);
    g_assert_cmpint(info.format, ==, VSTOR_VOL_FORMAT_RAW);
    vstor_image_info_clear(&info);

    /* ploop: sizes are in sectors */
    memset(b, 0, 0x8200);
    memcpy(b, "WithouFreSpacExt", 16);
    put_le64(b, 36, 100);
    probe_buf(b, 64, 64, &info, &err);
    g_assert_cmpint(info.format, ==, VSTOR_VOL_FORMAT_PLOOP);
    g_assert_cmpuint(info.capacity, ==, 51200);
    vstor_image_info_clear(&info);

    probe_buf(b, 0, 0, &info, &err); /* an empty file */
    g_assert_no_error(err);
    g_assert_cmpint(info.format, ==, VSTOR_VOL_FORMAT_RAW);
    g_assert_cmpuint(info.capacity, ==, 0);
}

/* ---- special files and chains ------------------------------------------------------------ */

static void
test_special_files(void)
{
    g_autofree char *dir = g_dir_make_tmp("vstor-probe-XXXXXX", NULL);
    g_autofree char *fifo = g_build_filename(dir, "fifo", NULL);
    g_autofree char *ploop = g_build_filename(dir, "vm.ploop", NULL);
    g_autofree char *root = g_build_filename(ploop, "root.hds", NULL);
    g_autofree char *desc = g_build_filename(ploop, "DiskDescriptor.xml", NULL);
    g_autofree char *missing = g_build_filename(dir, "missing", NULL);
    g_autofree guint8 *hds = g_malloc0(512);
    g_auto(VstorImageInfo) info = {0};
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
    g_assert_cmpint(vstor_volfmt_probe_path(fifo, &info, &err), ==, -1);
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_INTERNAL_ERROR);
    g_clear_error(&err);
    g_assert_cmpint(vstor_volfmt_probe_path(missing, &info, &err), ==, -1);
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_NO_STORAGE_VOL);
    g_clear_error(&err);

    g_assert_cmpint(vstor_volfmt_probe_path(dir, &info, &err), ==, 0);
    g_assert_cmpint(info.format, ==, VSTOR_VOL_FORMAT_DIR);
    g_assert_cmpuint(info.capacity + info.allocation + info.physical, ==, 0);
    vstor_image_info_clear(&info);

    memcpy(hds, "WithouFreSpacExt", 16);
    put_le64(hds, 36, 2048);
    g_assert_cmpint(g_mkdir(ploop, 0700), ==, 0);
    g_assert_true(g_file_set_contents(root, (const char *)hds, 512, NULL));
    g_assert_true(g_file_set_contents(desc, "<Parallels_disk_image/>", -1, NULL));
    g_assert_cmpint(vstor_volfmt_probe_path(ploop, &info, &err), ==, 0);
    g_assert_cmpint(info.format, ==, VSTOR_VOL_FORMAT_PLOOP);
    g_assert_cmpuint(info.capacity, ==, 2048 * 512);
    g_assert_cmpuint(info.physical, ==, 512);
    g_assert_cmpstr(info.path, ==, ploop);
    test_rm_rf(dir);
}

static void
test_backing_names(void)
{
    g_autofree char *rel = vstor_volfmt_backing_resolve("/pool/a.qcow2", "b.qcow2");
    g_autofree char *up = vstor_volfmt_backing_resolve("/pool/a.qcow2", "../base/b.qcow2");
    g_autofree char *abs = vstor_volfmt_backing_resolve("/pool/a.qcow2", "/other/b");
    g_autofree char *colon = vstor_volfmt_backing_resolve("/pool/a", "./x:y");

    g_assert_cmpstr(rel, ==, "/pool/b.qcow2");
    g_assert_cmpstr(up, ==, "/pool/../base/b.qcow2");
    g_assert_cmpstr(abs, ==, "/other/b");
    g_assert_cmpstr(colon, ==, "/pool/./x:y");
    g_assert_null(vstor_volfmt_backing_resolve("/pool/a", "nbd:host:10809"));
    g_assert_null(vstor_volfmt_backing_resolve("/pool/a", "json:{\"file\":{}}"));
    g_assert_null(vstor_volfmt_backing_resolve("/pool/a", "gluster://h/v/f"));
    g_assert_false(vstor_volfmt_backing_is_file(NULL));
    g_assert_true(vstor_volfmt_backing_is_file("/a:b"));
}

static GPtrArray *
chain_of(const char *dir, const char *file, guint max_depth, GError **err)
{
    g_autofree char *path = g_build_filename(dir, file, NULL);

    return vstor_volfmt_probe_chain(path, max_depth, err);
}

static void
expect_chain_error(const char *dir, const char *file, guint max_depth, int code, const char *words)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) chain = chain_of(dir, file, max_depth, &err);

    g_assert_null(chain);
    g_assert_error(err, VSTOR_ERROR, code);
    if (!strstr(err->message, words))
        g_test_fail_printf("'%s' does not say '%s'", err->message, words);
}

static void
test_chains(void)
{
    g_autofree char *dir = g_dir_make_tmp("vstor-probe-XXXXXX", NULL);
    const char *setup[] = {
        "qemu-img create -q -f raw base.raw 1M",
        "qemu-img create -q -f qcow2 -b base.raw -F raw mid.qcow2",
        "qemu-img create -q -f qcow2 -b mid.qcow2 -F qcow2 top.qcow2",
        "qemu-img create -q -f qcow2 x.qcow2 1M",
        "qemu-img create -q -f qcow2 -b x.qcow2 -F qcow2 y.qcow2",
        "qemu-img rebase -q -u -b y.qcow2 -F qcow2 x.qcow2",
        "qemu-img create -q -f qcow2 self.qcow2 1M",
        "qemu-img rebase -q -u -b self.qcow2 -F qcow2 self.qcow2",
        "qemu-img create -q -f qcow2 -b /etc/passwd -F raw evil.qcow2 1M",
        "qemu-img create -q -f qcow2 -u -b evil.qcow2 -F raw victim.qcow2 1M",
        "qemu-img create -q -f qcow2 -u -b base.raw -F qcow2 liar.qcow2 1M",
        "qemu-img create -q -f qcow2 -u -b gone.qcow2 -F qcow2 orphan.qcow2 1M",
        "qemu-img create -q -f qcow2 -u -b nbd:localhost:10809 -F raw net.qcow2 1M",
    };
    g_autoptr(GPtrArray) chain = NULL;
    g_autoptr(GError) err = NULL;
    const VstorImageInfo *link;

    for (gsize i = 0; i < G_N_ELEMENTS(setup) && !g_test_failed(); i++)
        g_free(run_in(dir, setup[i]));
    if (g_test_failed())
        goto out;

    chain = chain_of(dir, "top.qcow2", 0, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(chain->len, ==, 3);
    link = g_ptr_array_index(chain, 2);
    g_assert_cmpint(link->format, ==, VSTOR_VOL_FORMAT_RAW);
    g_assert_true(g_str_has_suffix(link->path, "/base.raw"));
    g_clear_pointer(&chain, g_ptr_array_unref);

    expect_chain_error(dir, "x.qcow2", 0, VSTOR_ERR_INTERNAL_ERROR, "self-referential");
    expect_chain_error(dir, "self.qcow2", 0, VSTOR_ERR_INTERNAL_ERROR, "self-referential");
    expect_chain_error(dir, "top.qcow2", 2, VSTOR_ERR_INTERNAL_ERROR, "too deeply nested");
    expect_chain_error(dir, "liar.qcow2", 0, VSTOR_ERR_INTERNAL_ERROR, "no qcow2 header");
    expect_chain_error(dir, "orphan.qcow2", 0, VSTOR_ERR_NO_STORAGE_VOL, "backing file of");

    /* declared raw: the qcow2 inside is data, its backing name is never followed */
    chain = chain_of(dir, "victim.qcow2", 0, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(chain->len, ==, 2);
    link = g_ptr_array_index(chain, 1);
    g_assert_cmpint(link->format, ==, VSTOR_VOL_FORMAT_RAW);
    g_assert_null(link->backing_path);
    g_clear_pointer(&chain, g_ptr_array_unref);

    chain = chain_of(dir, "net.qcow2", 0, &err); /* a protocol backing ends the walk */
    g_assert_no_error(err);
    g_assert_cmpuint(chain->len, ==, 1);
    link = g_ptr_array_index(chain, 0);
    g_assert_cmpstr(link->backing_path, ==, "nbd:localhost:10809");
out:
    test_rm_rf(dir);
}

/* Every input the fuzzer once broke us with, probed again from a memfd. */
static void
test_fuzz_regressions(void)
{
    g_autofree char *dir =
        g_build_filename(test_source_root(), "fuzz", "regressions", "probe", NULL);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *ent;

    while (d && (ent = g_dir_read_name(d))) {
        g_autofree char *path = g_build_filename(dir, ent, NULL);
        g_autofree char *data = NULL;
        g_auto(VstorImageInfo) info = {0};
        g_autoptr(GError) err = NULL;
        gsize len;
        int fd;

        g_assert_true(g_file_get_contents(path, &data, &len, NULL));
        fd = memfd_create("probe-regression", MFD_CLOEXEC);
        g_assert_cmpint(fd, >=, 0);
        g_assert_cmpint(write(fd, data, len), ==, (gssize)len);
        if (vstor_volfmt_probe(fd, ent, &info, &err) < 0)
            g_assert_true(err && err->message[0]);
        close(fd);
    }
}

/* A block device (a read-only loop device over a qcow2 file) is sized by ioctl, not stat. */
static void
test_block_device(void)
{
    g_autofree char *dir = NULL;
    g_autofree char *dev = NULL;
    g_auto(VstorImageInfo) info = {0};
    g_autoptr(GError) err = NULL;

    if (getuid() != 0) {
        g_test_skip("loop devices need root");
        return;
    }
    dir = g_dir_make_tmp("vstor-probe-XXXXXX", NULL);
    g_free(run_in(dir, "qemu-img create -q -f qcow2 img.qcow2 7M"));
    g_free(run_in(dir, "truncate -s 1M img.qcow2"));
    if (!g_test_failed() && (dev = run_in(dir, "losetup -r -f --show img.qcow2"))) {
        g_autofree char *detach = g_strdup_printf("losetup -d %s", g_strstrip(dev));

        g_assert_cmpint(vstor_volfmt_probe_path(dev, &info, &err), ==, 0);
        g_free(run_in(dir, detach));
        g_assert_no_error(err);
        g_assert_true(S_ISBLK(info.st.st_mode));
        g_assert_cmpint(info.format, ==, VSTOR_VOL_FORMAT_QCOW2);
        g_assert_cmpuint(info.capacity, ==, 7 << 20);
        g_assert_cmpuint(info.physical, ==, 1 << 20);
        g_assert_cmpuint(info.allocation, ==, 1 << 20);
    }
    test_rm_rf(dir);
}

static void
add_hostile_tests(void)
{
    g_test_add_func("/probe/hostile/qcow2", test_hostile_qcow2);
    g_test_add_func("/probe/hostile/extensions", test_hostile_extensions);
    g_test_add_func("/probe/hostile/others", test_hostile_others);
    g_test_add_func("/probe/special-files", test_special_files);
    g_test_add_func("/probe/block-device", test_block_device);
    g_test_add_func("/probe/backing-names", test_backing_names);
    g_test_add_func("/probe/chains", test_chains);
    g_test_add_func("/probe/fuzz-regressions", test_fuzz_regressions);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (gsize i = 0; i < G_N_ELEMENTS(real_images); i++) {
        g_autofree char *name = g_strdup_printf("/probe/real/%s", real_images[i].file);

        g_test_add_data_func(name, &real_images[i], test_real_image);
    }
    g_test_add_func("/probe/backing-without-format", test_backing_without_format);
    g_test_add_func("/probe/iso", test_iso);
    add_hostile_tests();
    return g_test_run();
}
