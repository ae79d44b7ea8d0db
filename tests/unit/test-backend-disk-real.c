/* test-backend-disk-real.c: disk pools for real on loop devices (root): gpt and dos labels built,
 * partitions made, listed, streamed, wiped, deleted and renumbered, the driver restarted. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backends/fs_cmd.h"
#include "disk-fixture.h"

static char *
part_name(Fixture *f, int number)
{
    g_autofree char *base = g_path_get_basename(f->dev);

    return g_strdup_printf("%sp%d", base, number);
}

static char *
part_node(Fixture *f, int number)
{
    return g_strdup_printf("%sp%d", f->dev, number);
}

/* The first <extent> of a volume's XML. */
static void
vol_extent(const char *xml, unsigned long long *ret_start, unsigned long long *ret_end)
{
    const char *at = strstr(xml, "<extent start='");
    char *rest = NULL;

    g_assert_nonnull(at);
    *ret_start = g_ascii_strtoull(at + strlen("<extent start='"), &rest, 10);
    g_assert_true(g_str_has_prefix(rest, "' end='"));
    *ret_end = g_ascii_strtoull(rest + strlen("' end='"), NULL, 10);
}

/* What blkid finds on the pool's device: "gpt", "dos", or "" for nothing. */
static char *
found_label(Fixture *f)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(VstorDeviceContent) c = vstor_device_probe(f->dev, &err);

    g_assert_no_error(err);
    return g_strdup(c->pt_type ? c->pt_type : "");
}

static void
fill_pattern(guint8 *buf, gsize len, guint8 seed)
{
    for (gsize i = 0; i < len; i++)
        buf[i] = (guint8)(seed + i * 7);
}

/* Downloads the first @len bytes of @vol and checks they are the pattern of upload_pattern. */
static void
download_compare(Fixture *f, const VstorVolId *vol, gsize len)
{
    g_autofree guint8 *data = g_malloc(len);
    g_autofree guint8 *back = g_malloc0(len);
    g_autoptr(GError) err = NULL;
    VstorVolStream *st = vstor_driver_vol_download(f->drv, vol, 0, len, 0, &err);
    gsize got = 0;

    g_assert_no_error(err);
    while (got < len) {
        guint64 hole = 0;
        gssize n = vstor_vol_stream_read(st, back + got, len - got, &hole, &err);

        g_assert_no_error(err);
        g_assert_cmpint(n, >, 0);
        got += (gsize)n;
    }
    ASSERT_OK(vstor_vol_stream_finish(st, err_));
    fill_pattern(data, len, 0x5a);
    g_assert_cmpmem(back, len, data, len);
}

/* Uploads @len bytes of a pattern into @vol, downloads them back and compares. */
static void
upload_download(Fixture *f, const VstorVolId *vol, gsize len)
{
    g_autofree guint8 *data = g_malloc(len);
    g_autoptr(GError) err = NULL;
    VstorVolStream *st;

    fill_pattern(data, len, 0x5a);
    st = vstor_driver_vol_upload(f->drv, vol, 0, len, 0, &err);
    g_assert_no_error(err);
    ASSERT_OK(vstor_vol_stream_write(st, data, len, err_));
    ASSERT_OK(vstor_vol_stream_finish(st, err_));
    download_compare(f, vol, len);
}

/* Reads the whole partition node and checks that every byte is zero. */
static void
assert_zeroed(const char *node, unsigned long long size)
{
    g_autofree guint8 *buf = g_malloc(MIB);
    int fd = open(node, O_RDONLY | O_CLOEXEC);
    unsigned long long pos = 0;

    g_assert_cmpint(fd, >=, 0);
    while (pos < size) {
        ssize_t n = pread(fd, buf, MIN(MIB, size - pos), (off_t)pos);

        g_assert_cmpint(n, >, 0);
        for (ssize_t i = 0; i < n; i++)
            if (buf[i])
                g_error("%s: byte %llu is %u, not zero", node, pos + (unsigned long long)i, buf[i]);
        pos += (unsigned long long)n;
    }
    close(fd);
}

static void
test_real_gpt(Fixture *f, gconstpointer data)
{
    g_auto(VstorPoolId) id = {0};
    g_auto(VstorVolId) vol = {0};
    g_autofree char *p1 = NULL;
    g_autofree char *p2 = NULL;
    g_autofree char *node1 = NULL;
    g_autofree char *node2 = NULL;
    g_autofree char *node3 = NULL;
    g_autofree char *expect = NULL;
    g_autofree char *text = NULL;
    VstorVolInfo info;
    VstorPoolInfo pinfo;
    struct stat st;

    if (f->loop_fd < 0)
        return; /* skipped */
    p1 = part_name(f, 1);
    p2 = part_name(f, 2);
    node1 = part_node(f, 1);
    node2 = part_node(f, 2);
    node3 = part_node(f, 3);
    define_pool(f, "gpt", &id);
    ASSERT_FAILS(vstor_driver_pool_start(f->drv, &id, 0, err_), VSTOR_ERR_STORAGE_PROBE_FAILED,
                 "is unrecognized, requires build");
    ASSERT_OK(vstor_driver_pool_build(f->drv, &id, 0, err_));
    text = found_label(f);
    g_assert_cmpstr(text, ==, "gpt");
    ASSERT_FAILS(vstor_driver_pool_build(f->drv, &id, 0, err_), VSTOR_ERR_STORAGE_POOL_BUILT,
                 "already formatted using 'gpt'");
    /* find-storage-pool-sources: the labelled device, asked about by name or found by a scan */
    {
        g_autofree char *hint = g_strdup_printf("<source><device path='%s'/></source>", f->dev);
        g_autofree char *want =
            g_strdup_printf("    <device path='%s'/>\n    <format type='gpt'/>\n", f->dev);
        g_autofree char *one = vstor_driver_find_pool_sources(f->drv, "disk", hint, 0, NULL);
        g_autofree char *all = vstor_driver_find_pool_sources(f->drv, "disk", NULL, 0, NULL);

        g_assert_nonnull(one);
        g_assert_nonnull(strstr(one, want));
        g_assert_nonnull(all);
        g_assert_nonnull(strstr(all, want));
    }
    ASSERT_OK(vstor_driver_pool_start(f->drv, &id, 0, err_));
    ASSERT_OK(vstor_driver_pool_get_info(f->drv, &id, &pinfo, err_));
    g_assert_cmpuint(pinfo.allocation, ==, 0);
    g_assert_cmpuint(pinfo.available, >, 60 * MIB);

    create_vol(f, &id, p1, 8 * MIB, "linux");
    create_vol(f, &id, p2, 4 * MIB, "linux-swap");
    g_assert_cmpint(stat(node1, &st), ==, 0);
    g_assert_true(S_ISBLK(st.st_mode));
    ASSERT_FAILS(try_create(f, &id, "wrong", MIB, "linux", err_), VSTOR_ERR_INVALID_ARG,
                 "expected '");
    g_assert_false(g_file_test(node3, G_FILE_TEST_EXISTS));
    g_free(text);
    text = vol_names(f, &id);
    expect = g_strdup_printf("%s %s", p1, p2);
    g_assert_cmpstr(text, ==, expect);

    lookup_vol(f, &id, p1, &vol);
    g_assert_cmpstr(vol.key, ==, node1);
    ASSERT_OK(vstor_driver_vol_get_info(f->drv, &vol, 0, &info, err_));
    g_assert_cmpint(info.type, ==, VSTOR_VOL_BLOCK);
    g_assert_cmpuint(info.capacity, ==, 8 * MIB);
    g_free(text);
    text = vstor_driver_vol_get_xml(f->drv, &vol, 0, NULL);
    g_assert_nonnull(strstr(text, "<extent start='17408' end='8406016'/>"));
    g_free(text);
    text = vstor_driver_pool_get_xml(f->drv, &id, 0, NULL);
    g_assert_nonnull(strstr(text, "<freeExtent start='12600320' end='67091968'/>"));
    ASSERT_OK(vstor_driver_pool_get_info(f->drv, &id, &pinfo, err_));
    g_assert_cmpuint(pinfo.allocation, ==, 12 * MIB);

    /* data in and out through streams, copied into a new partition, then wiped to zeros */
    upload_download(f, &vol, 3 * MIB + 17);
    {
        g_autofree char *p3 = part_name(f, 3);
        g_autofree char *xml = vol_xml(p3, MIB, "linux");
        g_auto(VstorVolId) copy = {0};

        ASSERT_OK(vstor_driver_vol_create_from(f->drv, &id, xml, &vol, 0, &copy, err_));
        ASSERT_OK(vstor_driver_vol_get_info(f->drv, &copy, 0, &info, err_));
        g_assert_cmpuint(info.capacity, ==, 8 * MIB); /* never smaller than its source */
        download_compare(f, &copy, 3 * MIB + 17);
        ASSERT_OK(vstor_driver_vol_delete(f->drv, &copy, 0, err_));
    }
    ASSERT_OK(vstor_driver_vol_wipe(f->drv, &vol, 0, 0, err_));
    assert_zeroed(node1, 8 * MIB);

    lookup_vol(f, &id, p2, &vol);
    ASSERT_OK(vstor_driver_vol_delete(f->drv, &vol, 0, err_));
    g_assert_false(g_file_test(node2, G_FILE_TEST_EXISTS));

    /* a restart keeps the pool active with its volume, without starting it again */
    reopen(f);
    g_assert_cmpint(vstor_driver_pool_is_active(f->drv, &id, NULL), ==, 1);
    g_free(text);
    text = vol_names(f, &id);
    g_assert_cmpstr(text, ==, p1);

    /* another label on top needs OVERWRITE, and the refusal says what is there */
    ASSERT_OK(vstor_driver_pool_destroy(f->drv, &id, err_));
    define_pool(f, "dos", &id);
    ASSERT_FAILS(vstor_driver_pool_build(f->drv, &id, 0, err_), VSTOR_ERR_STORAGE_POOL_BUILT,
                 "(found partition table 'gpt')");
    ASSERT_FAILS(vstor_driver_pool_start(f->drv, &id, 0, err_), VSTOR_ERR_OPERATION_INVALID,
                 "does not match the expected format 'dos'");
    ASSERT_OK(vstor_driver_pool_build(f->drv, &id, VSTOR_POOL_BUILD_OVERWRITE, err_));
    g_assert_false(g_file_test(node1, G_FILE_TEST_EXISTS));
    g_free(text);
    text = found_label(f);
    g_assert_cmpstr(text, ==, "dos");

    /* deleting the pool erases the label */
    ASSERT_OK(vstor_driver_pool_delete(f->drv, &id, 0, err_));
    g_free(text);
    text = found_label(f);
    g_assert_cmpstr(text, ==, "");
}

#define P(i) names[(i)-1]

static void
test_real_dos(Fixture *f, gconstpointer data)
{
    const unsigned long long cylinder = 255 * 2 * 512; /* parted's geometry of a 64 MiB loop */
    g_auto(VstorPoolId) id = {0};
    g_auto(VstorVolId) vol = {0};
    g_auto(GStrv) names = g_new0(char *, 7); /* names[i - 1]: partition i */
    g_autofree char *text = NULL;
    g_autofree char *expect = NULL;
    unsigned long long cap[7] = {0}, start[7] = {0}, end[7] = {0};
    VstorVolInfo info;

    if (f->loop_fd < 0)
        return; /* skipped */
    for (int i = 1; i <= 6; i++)
        names[i - 1] = part_name(f, i);
    define_pool(f, "dos", &id);
    ASSERT_OK(vstor_driver_pool_build(f->drv, &id, 0, err_));
    ASSERT_OK(vstor_driver_pool_start(f->drv, &id, 0, err_));

    create_vol(f, &id, P(1), 8 * MIB, "linux");
    create_vol(f, &id, P(2), 4 * MIB, "linux-swap");
    create_vol(f, &id, P(3), 40 * MIB, "extended");
    create_vol(f, &id, P(4), 2 * MIB, "linux");
    create_vol(f, &id, P(5), 4 * MIB, "linux"); /* four slots taken: logical */
    create_vol(f, &id, P(6), 3 * MIB, "fat32");
    ASSERT_FAILS(try_create(f, &id, "x", MIB, "extended", err_), VSTOR_ERR_INTERNAL_ERROR,
                 "extended partition already exists");
    for (int i = 1; i <= 6; i++) {
        lookup_vol(f, &id, P(i), &vol);
        ASSERT_OK(vstor_driver_vol_get_info(f->drv, &vol, 0, &info, err_));
        cap[i] = info.capacity;
        g_free(text);
        text = vstor_driver_vol_get_xml(f->drv, &vol, 0, NULL);
        vol_extent(text, &start[i], &end[i]);
        /* libvirt's dos placement: every partition ends on a cylinder boundary */
        g_assert_cmpuint(end[i] % cylinder, ==, 0);
        g_assert_cmpuint(end[i] - start[i], ==, cap[i]);
    }
    g_assert_cmpuint(cap[1], >=, 8 * MIB);
    g_assert_cmpuint(cap[2], >=, 4 * MIB);
    g_assert_cmpuint(cap[4], >=, 2 * MIB);
    g_assert_cmpuint(cap[5], >=, 4 * MIB);
    g_assert_cmpuint(cap[6], >=, 3 * MIB);
    /* logical partitions lie inside the extended one */
    for (int i = 5; i <= 6; i++) {
        g_assert_cmpuint(start[i], >, start[3]);
        g_assert_cmpuint(end[i], <=, end[3]);
    }
    lookup_vol(f, &id, P(3), &vol);
    ASSERT_OK(vstor_driver_vol_get_info(f->drv, &vol, 0, &info, err_));
    g_assert_cmpuint(info.allocation, ==, cap[5] + cap[6]);
    ASSERT_FAILS(vstor_driver_vol_delete(f->drv, &vol, 0, err_), VSTOR_ERR_OPERATION_INVALID,
                 "still holds logical partitions");
    ASSERT_FAILS(vstor_driver_vol_wipe(f->drv, &vol, 0, 0, err_), VSTOR_ERR_NO_SUPPORT,
                 "cannot wipe extended partition");

    /* after a restart the partition types are read back from the table */
    reopen(f);
    lookup_vol(f, &id, P(2), &vol);
    g_free(text);
    text = vstor_driver_vol_get_xml(f->drv, &vol, 0, NULL);
    g_assert_nonnull(strstr(text, "<format type='linux-swap'/>"));
    lookup_vol(f, &id, P(6), &vol);
    g_free(text);
    text = vstor_driver_vol_get_xml(f->drv, &vol, 0, NULL);
    g_assert_nonnull(strstr(text, "<format type='fat32'/>"));
    upload_download(f, &vol, MIB);

    /* removing logical 5 renumbers 6 to 5 (parted, kernel): a refresh shows the new names */
    lookup_vol(f, &id, P(5), &vol);
    ASSERT_OK(vstor_driver_vol_delete(f->drv, &vol, 0, err_));
    ASSERT_OK(vstor_driver_pool_refresh(f->drv, &id, 0, err_));
    g_free(text);
    text = vol_names(f, &id);
    expect = g_strdup_printf("%s %s %s %s %s", P(1), P(2), P(3), P(4), P(5));
    g_assert_cmpstr(text, ==, expect);
    lookup_vol(f, &id, P(5), &vol);
    ASSERT_OK(vstor_driver_vol_get_info(f->drv, &vol, 0, &info, err_));
    g_assert_cmpuint(info.capacity, ==, cap[6]);
    ASSERT_OK(vstor_driver_vol_delete(f->drv, &vol, 0, err_));
    lookup_vol(f, &id, P(3), &vol);
    ASSERT_OK(vstor_driver_vol_delete(f->drv, &vol, 0, err_));
    ASSERT_OK(vstor_driver_pool_destroy(f->drv, &id, err_));
}

/* A disk attached without partition scanning: starting the pool has the kernel read the table,
 * so the partition gets its node and is listed. */
static void
test_real_unscanned(Fixture *f, gconstpointer data)
{
    g_auto(VstorPoolId) id = {0};
    g_autofree char *p1 = NULL;
    g_autofree char *node1 = NULL;
    g_autofree char *names = NULL;
    struct stat st;

    if (f->loop_fd < 0)
        return; /* skipped */
    p1 = part_name(f, 1);
    node1 = part_node(f, 1);
    g_assert_false(g_file_test(node1, G_FILE_TEST_EXISTS));
    define_pool(f, "gpt", &id);
    ASSERT_OK(vstor_driver_pool_start(f->drv, &id, 0, err_));
    names = vol_names(f, &id);
    g_assert_cmpstr(names, ==, p1);
    g_assert_cmpint(stat(node1, &st), ==, 0);
    g_assert_true(S_ISBLK(st.st_mode));
    ASSERT_OK(vstor_driver_pool_destroy(f->drv, &id, err_));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) g_test_add(name, Fixture, NULL, real_setup, fn, teardown)
    ADD("/backend-disk/real/gpt", test_real_gpt);
    ADD("/backend-disk/real/dos", test_real_dos);
    g_test_add("/backend-disk/real/unscanned", Fixture, "unscanned", real_setup,
               test_real_unscanned, teardown);
    return g_test_run();
}
