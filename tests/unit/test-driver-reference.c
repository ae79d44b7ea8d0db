/* test-driver-reference.c: behaviours found by comparing virsh against Debian's libvirtd
 * (tests/integration/test_virsh_reference.py), each pinned here on a dir pool. */
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backends/backend.h"
#include "conf/pool_caps.h"
#include "driver-fixture.h"

/* pool-capabilities says supported='yes' exactly for the types vstor has a backend for. */
static void
test_caps_supported_is_backend(void)
{
    for (int t = 0; t < VSTOR_POOL_TYPE_LAST; t++) {
        const VstorPoolCaps *caps = vstor_pool_caps(t);

        if (caps->supported != (vstor_backend_for_type(t) != NULL))
            g_error("pool type %s: supported=%d but backend %s", caps->name, caps->supported,
                    vstor_backend_for_type(t) ? "present" : "missing");
    }
}

/* libvirt 9.0 lists no volume format values for rbd, although it parses them. */
static void
test_caps_rbd_lists_no_formats(void)
{
    g_autofree char *caps = vstor_pool_caps_format();

    g_assert_nonnull(strstr(caps, "  <pool type='rbd' supported='no'>\n    <volOptions>\n"
                                  "      <defaultFormat type='raw'/>\n"
                                  "      <enum name='targetFormatType'>\n      </enum>\n"));
    g_assert_nonnull(strstr(caps, "  <pool type='dir' supported='yes'>\n    <volOptions>\n"
                                  "      <defaultFormat type='raw'/>\n"
                                  "      <enum name='targetFormatType'>\n"
                                  "        <value>none</value>\n"));
}

static void
create_vol(Fixture *f, VstorPoolId *pool, const char *xml, VstorVolId *ret)
{
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(vstor_driver_vol_create(f->drv, pool, xml, 0, ret, &err), ==, 0);
    g_assert_no_error(err);
}

static off_t
allocated(Fixture *f, const char *name)
{
    g_autofree char *path = g_build_filename(f->pooldir, name, NULL);
    struct stat st;

    g_assert_cmpint(stat(path, &st), ==, 0);
    return (off_t)st.st_blocks * 512;
}

/* A backing file's permissions and timestamps are shown, as libvirt shows them. */
static void
test_backing_store_perms(Fixture *f, gconstpointer data)
{
    g_auto(VstorPoolId) pool = {0};
    g_auto(VstorVolId) base = {0};
    g_auto(VstorVolId) ov = {0};
    g_autoptr(GError) err = NULL;
    g_autofree char *base_path = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *got = NULL;
    g_autofree char *want = NULL;
    const char *bs;

    make_active_pool(f, &pool);
    create_vol(f, &pool,
               "<volume><name>base.raw</name><capacity>1048576</capacity>"
               "<target><permissions><mode>0640</mode></permissions></target></volume>",
               &base);
    base_path = g_build_filename(f->pooldir, "base.raw", NULL);
    xml = g_strdup_printf("<volume><name>ov.qcow2</name><capacity>2097152</capacity>"
                          "<target><format type='qcow2'/></target><backingStore><path>%s</path>"
                          "<format type='raw'/></backingStore></volume>",
                          base_path);
    create_vol(f, &pool, xml, &ov);
    g_assert_cmpint(vstor_driver_pool_refresh(f->drv, &pool, 0, &err), ==, 0);
    got = vstor_driver_vol_get_xml(f->drv, &ov, 0, &err);
    g_assert_no_error(err);
    bs = strstr(got, "<backingStore>");
    g_assert_nonnull(bs);
    want = g_strdup_printf("<backingStore>\n    <path>%s</path>\n    <format type='raw'/>\n"
                           "    <permissions>\n      <mode>0640</mode>\n      <owner>%u</owner>\n"
                           "      <group>%u</group>\n    </permissions>\n    <timestamps>\n"
                           "      <atime>",
                           base_path, (unsigned)getuid(), (unsigned)getgid());
    if (strncmp(bs, want, strlen(want)) != 0)
        g_error("backing store is\n%s\nwanted it to start with\n%s", bs, want);
}

/* A clone reserves its allocation unless it asks for less than the input's capacity. */
static void
test_clone_allocation(Fixture *f, gconstpointer data)
{
    g_auto(VstorPoolId) pool = {0};
    g_auto(VstorVolId) src = {0};
    g_auto(VstorVolId) full = {0};
    g_auto(VstorVolId) thin = {0};
    g_autoptr(GError) err = NULL;

    make_active_pool(f, &pool);
    /* a sparse input: what the filesystem does with copied unwritten extents cannot
     * blur the result */
    create_vol(f, &pool,
               "<volume><name>src.raw</name><capacity>1048576</capacity>"
               "<allocation>0</allocation></volume>",
               &src);
    g_assert_cmpint(allocated(f, "src.raw"), <, 1048576);
    g_assert_cmpint(vstor_driver_vol_create_from(f->drv, &pool,
                                                 "<volume><name>full.raw</name><capacity>"
                                                 "1048576</capacity><allocation>1048576"
                                                 "</allocation></volume>",
                                                 &src, 0, &full, &err),
                    ==, 0);
    g_assert_no_error(err);
    g_assert_cmpint(allocated(f, "full.raw"), >=, 1048576);
    g_assert_cmpint(vstor_driver_vol_create_from(f->drv, &pool,
                                                 "<volume><name>thin.raw</name><capacity>"
                                                 "1048576</capacity><allocation>0"
                                                 "</allocation></volume>",
                                                 &src, 0, &thin, &err),
                    ==, 0);
    g_assert_no_error(err);
    g_assert_cmpint(allocated(f, "thin.raw"), <, 1048576);
}

/* Wiping with zeros keeps a fully allocated file allocated; a sparse one stays sparse. */
static void
test_wipe_zero_allocation(Fixture *f, gconstpointer data)
{
    g_auto(VstorPoolId) pool = {0};
    g_auto(VstorVolId) full = {0};
    g_auto(VstorVolId) thin = {0};
    g_autoptr(GError) err = NULL;
    g_autofree char *path = NULL;
    g_autofree char *contents = NULL;
    gsize len = 0;
    int fd;

    make_active_pool(f, &pool);
    create_vol(f, &pool, "<volume><name>full.raw</name><capacity>1048576</capacity></volume>",
               &full);
    create_vol(f, &pool,
               "<volume><name>thin.raw</name><capacity>1048576</capacity>"
               "<allocation>0</allocation></volume>",
               &thin);
    path = g_build_filename(f->pooldir, "full.raw", NULL);
    fd = open(path, O_WRONLY | O_CLOEXEC);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(pwrite(fd, "data", 4, 4096), ==, 4);
    close(fd);

    g_assert_cmpint(vstor_driver_vol_wipe(f->drv, &full, 0, 0, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpint(allocated(f, "full.raw"), >=, 1048576);
    g_assert_true(g_file_get_contents(path, &contents, &len, NULL));
    g_assert_cmpuint(len, ==, 1048576);
    for (gsize i = 0; i < len; i++)
        g_assert_cmpint(contents[i], ==, 0);

    g_assert_cmpint(vstor_driver_vol_wipe(f->drv, &thin, 0, 0, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpint(allocated(f, "thin.raw"), ==, 0);
}

/* Wiping a directory volume fails as libvirt's does: the open for writing fails. */
static void
test_wipe_directory(Fixture *f, gconstpointer data)
{
    g_auto(VstorPoolId) pool = {0};
    g_auto(VstorVolId) dir = {0};
    g_autoptr(GError) err = NULL;
    g_autofree char *path = NULL;
    g_autofree char *want = NULL;

    make_active_pool(f, &pool);
    path = g_build_filename(f->pooldir, "sub", NULL);
    g_assert_cmpint(g_mkdir(path, 0755), ==, 0);
    g_assert_cmpint(vstor_driver_pool_refresh(f->drv, &pool, 0, &err), ==, 0);
    g_assert_cmpint(vstor_driver_vol_lookup_by_name(f->drv, &pool, "sub", &dir, &err), ==, 0);
    want = g_strdup_printf("Failed to open storage volume with path '%s': Is a directory", path);
    ASSERT_FAILS(vstor_driver_vol_wipe(f->drv, &dir, 0, 0, err_), VSTOR_ERR_SYSTEM_ERROR, want);
}

/* Metadata preallocation of a raw volume is refused as a configuration libvirt does not
 * support (VIR_ERR_CONFIG_UNSUPPORTED), not as an unsupported operation. */
static void
test_prealloc_metadata_raw(Fixture *f, gconstpointer data)
{
    g_auto(VstorPoolId) pool = {0};
    g_auto(VstorVolId) vol = {0};

    make_active_pool(f, &pool);
    ASSERT_FAILS(vstor_driver_vol_create(f->drv, &pool,
                                         "<volume><name>p.raw</name><capacity>1024</capacity>"
                                         "<target><format type='raw'/></target></volume>",
                                         VSTOR_VOL_CREATE_PREALLOC_METADATA, &vol, err_),
                 VSTOR_ERR_CONFIG_UNSUPPORTED,
                 "metadata preallocation is not supported for raw volumes");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/reference/caps-supported-is-backend", test_caps_supported_is_backend);
    g_test_add_func("/reference/caps-rbd-no-formats", test_caps_rbd_lists_no_formats);
    g_test_add("/reference/backing-store-perms", Fixture, NULL, fixture_setup,
               test_backing_store_perms, fixture_teardown);
    g_test_add("/reference/clone-allocation", Fixture, NULL, fixture_setup, test_clone_allocation,
               fixture_teardown);
    g_test_add("/reference/wipe-zero-allocation", Fixture, NULL, fixture_setup,
               test_wipe_zero_allocation, fixture_teardown);
    g_test_add("/reference/wipe-directory", Fixture, NULL, fixture_setup, test_wipe_directory,
               fixture_teardown);
    g_test_add("/reference/prealloc-metadata-raw", Fixture, NULL, fixture_setup,
               test_prealloc_metadata_raw, fixture_teardown);
    return g_test_run();
}
