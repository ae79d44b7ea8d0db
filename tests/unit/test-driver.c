/* test-driver.c: the storage driver's state rules, persistence and dir-pool volumes, run
 * on a temporary state root with real files (no daemon, no devices). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "driver-fixture.h"

static void
test_pool_lifecycle(Fixture *f, gconstpointer data)
{
    g_auto(VstorPoolId) id = {0};
    g_auto(VstorPoolId) found = {0};
    g_autoptr(GError) err = NULL;
    g_autofree char *xml = pool_xml("p1", f->pooldir);
    g_autofree char *config = g_build_filename(f->root, "etc", "storage", "p1.xml", NULL);
    VstorPoolInfo info;

    g_assert_cmpint(vstor_driver_pool_define(f->drv, xml, 0, &id, &err), ==, 0);
    g_assert_true(g_file_test(config, G_FILE_TEST_IS_REGULAR));
    g_assert_cmpint(vstor_driver_pool_is_active(f->drv, &id, &err), ==, 0);
    g_assert_cmpint(vstor_driver_pool_is_persistent(f->drv, &id, &err), ==, 1);
    g_assert_cmpint(vstor_driver_pool_lookup_by_name(f->drv, "p1", &found, &err), ==, 0);
    g_assert_cmpmem(found.uuid, 16, id.uuid, 16);

    /* the directory does not exist yet: start fails and the pool stays inactive */
    ASSERT_FAILS(vstor_driver_pool_start(f->drv, &id, 0, err_), VSTOR_ERR_SYSTEM_ERROR,
                 "cannot open directory");
    g_assert_cmpint(vstor_driver_pool_is_active(f->drv, &id, &err), ==, 0);
    ASSERT_FAILS(vstor_driver_pool_refresh(f->drv, &id, 0, err_), VSTOR_ERR_OPERATION_INVALID,
                 "storage pool 'p1' is not active");
    ASSERT_FAILS(vstor_driver_pool_destroy(f->drv, &id, err_), VSTOR_ERR_OPERATION_INVALID,
                 "is not active");

    g_assert_cmpint(vstor_driver_pool_build(f->drv, &id, 0, &err), ==, 0);
    g_assert_true(g_file_test(f->pooldir, G_FILE_TEST_IS_DIR));
    g_assert_cmpint(vstor_driver_pool_start(f->drv, &id, 0, &err), ==, 0);
    g_assert_no_error(err);
    ASSERT_FAILS(vstor_driver_pool_start(f->drv, &id, 0, err_), VSTOR_ERR_OPERATION_INVALID,
                 "storage pool 'p1' is already active");
    ASSERT_FAILS(vstor_driver_pool_build(f->drv, &id, 0, err_), VSTOR_ERR_OPERATION_INVALID,
                 "already active");
    ASSERT_FAILS(vstor_driver_pool_undefine(f->drv, &id, err_), VSTOR_ERR_OPERATION_INVALID,
                 "storage pool 'p1' is still active");
    ASSERT_FAILS(vstor_driver_pool_delete(f->drv, &id, 0, err_), VSTOR_ERR_OPERATION_INVALID,
                 "still active");

    g_assert_cmpint(vstor_driver_pool_get_info(f->drv, &id, &info, &err), ==, 0);
    g_assert_cmpint(info.state, ==, VSTOR_POOL_STATE_RUNNING);
    g_assert_cmpuint(info.capacity, >, 0);
    g_assert_cmpuint(info.capacity, ==, info.allocation + info.available);

    g_assert_cmpint(vstor_driver_pool_destroy(f->drv, &id, &err), ==, 0);
    g_assert_cmpint(vstor_driver_pool_get_info(f->drv, &id, &info, &err), ==, 0);
    g_assert_cmpint(info.state, ==, VSTOR_POOL_STATE_INACTIVE);
    g_assert_cmpint(vstor_driver_pool_delete(f->drv, &id, 0, &err), ==, 0);
    g_assert_false(g_file_test(f->pooldir, G_FILE_TEST_EXISTS));
    g_assert_cmpint(vstor_driver_pool_undefine(f->drv, &id, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_false(g_file_test(config, G_FILE_TEST_EXISTS));
    ASSERT_FAILS(vstor_driver_pool_lookup_by_name(f->drv, "p1", &found, err_),
                 VSTOR_ERR_NO_STORAGE_POOL, "no storage pool with matching name 'p1'");
    ASSERT_FAILS(vstor_driver_pool_start(f->drv, &id, 0, err_), VSTOR_ERR_NO_STORAGE_POOL,
                 "no storage pool with matching uuid");
}

static void
test_define_rules(Fixture *f, gconstpointer data)
{
    g_auto(VstorPoolId) id = {0};
    g_auto(VstorPoolId) id2 = {0};
    g_autoptr(GError) err = NULL;
    g_autofree char *xml = pool_xml("p1", f->pooldir);
    g_autofree char *other = g_build_filename(f->tmp, "other", NULL);
    g_autofree char *same_name = pool_xml("p1", other);
    g_autofree char *same_path = pool_xml("p2", f->pooldir);
    g_autofree char *xml_uuid = NULL;
    g_autofree char *renamed = NULL;
    char uuid[VSTOR_UUID_STRING_LEN];

    g_assert_cmpint(vstor_driver_pool_define(f->drv, xml, 0, &id, &err), ==, 0);
    vstor_uuid_format(id.uuid, uuid);
    /* same name, new uuid */
    ASSERT_FAILS(vstor_driver_pool_define(f->drv, same_name, 0, &id2, err_),
                 VSTOR_ERR_OPERATION_FAILED, "pool 'p1' already exists with uuid");
    /* same storage under another name */
    ASSERT_FAILS(vstor_driver_pool_define(f->drv, same_path, 0, &id2, err_),
                 VSTOR_ERR_OPERATION_FAILED, "Storage source conflict with pool: 'p1'");
    /* same uuid under another name */
    renamed = g_strdup_printf("<pool type='dir'><name>p9</name><uuid>%s</uuid><target><path>%s"
                              "</path></target></pool>",
                              uuid, other);
    ASSERT_FAILS(vstor_driver_pool_define(f->drv, renamed, 0, &id2, err_),
                 VSTOR_ERR_OPERATION_FAILED, "pool 'p1' is already defined with uuid");
    /* the same pool defined again (same uuid) replaces the definition */
    xml_uuid = g_strdup_printf("<pool type='dir'><name>p1</name><uuid>%s</uuid><target><path>%s"
                               "</path></target></pool>",
                               uuid, other);
    g_assert_cmpint(vstor_driver_pool_define(f->drv, xml_uuid, 0, &id2, &err), ==, 0);
    g_assert_no_error(err);
    {
        g_autofree char *dump = vstor_driver_pool_get_xml(f->drv, &id, 0, &err);

        g_assert_nonnull(strstr(dump, other));
    }
    ASSERT_FAILS(vstor_driver_pool_define(f->drv,
                                          "<pool type='dir'><name>a/b</name>"
                                          "<target><path>/x</path></target></pool>",
                                          0, &id2, err_),
                 VSTOR_ERR_XML_ERROR, "name");
    ASSERT_FAILS(vstor_driver_pool_define(f->drv, xml, 0x100, &id2, err_), VSTOR_ERR_INVALID_ARG,
                 "unsupported flags (0x100)");
    ASSERT_FAILS(vstor_driver_pool_define(f->drv,
                                          "<pool type='iscsi'><name>i</name><source><host "
                                          "name='h'/><device path='iqn.x'/></source><target>"
                                          "<path>/dev/disk/by-path</path></target></pool>",
                                          0, &id2, err_),
                 VSTOR_ERR_NO_SUPPORT, "no backend for pool type 'iscsi'");
}

static void
test_transient(Fixture *f, gconstpointer data)
{
    g_auto(VstorPoolId) id = {0};
    g_autoptr(GError) err = NULL;
    g_autofree char *xml = pool_xml("t1", f->pooldir);
    g_autoptr(GPtrArray) list = NULL;

    g_assert_cmpint(vstor_driver_pool_create(f->drv, xml, VSTOR_POOL_CREATE_WITH_BUILD, &id, &err),
                    ==, 0);
    g_assert_no_error(err);
    g_assert_cmpint(vstor_driver_pool_is_persistent(f->drv, &id, &err), ==, 0);
    ASSERT_FAILS(vstor_driver_pool_set_autostart(f->drv, &id, TRUE, err_), VSTOR_ERR_INTERNAL_ERROR,
                 "pool has no config file");
    /* survives a restart while active */
    reopen(f);
    g_assert_cmpint(vstor_driver_pool_is_active(f->drv, &id, &err), ==, 1);
    g_assert_no_error(err);
    list = vstor_driver_pool_list(f->drv, VSTOR_LIST_POOLS_TRANSIENT, &err);
    g_assert_cmpuint(list->len, ==, 1);
    /* gone once stopped */
    g_assert_cmpint(vstor_driver_pool_destroy(f->drv, &id, &err), ==, 0);
    ASSERT_FAILS(vstor_driver_pool_is_active(f->drv, &id, err_), VSTOR_ERR_NO_STORAGE_POOL,
                 "no storage pool");
}

static void
test_restart_keeps_state(Fixture *f, gconstpointer data)
{
    g_auto(VstorPoolId) id = {0};
    g_auto(VstorPoolId) id2 = {0};
    g_autoptr(GError) err = NULL;
    g_autofree char *dir2 = g_build_filename(f->tmp, "pools", "p2", NULL);
    g_autofree char *xml2 = pool_xml("p2", dir2);
    gboolean autostart = FALSE;
    g_autoptr(GPtrArray) list = NULL;

    make_active_pool(f, &id);
    g_assert_cmpint(vstor_driver_pool_define(f->drv, xml2, 0, &id2, &err), ==, 0);
    g_assert_cmpint(vstor_driver_pool_build(f->drv, &id2, 0, &err), ==, 0);
    g_assert_cmpint(vstor_driver_pool_set_autostart(f->drv, &id2, TRUE, &err), ==, 0);
    g_assert_no_error(err);

    /* a second owner of the root is refused */
    {
        g_autoptr(GError) e = NULL;
        VstorDriver *second = vstor_driver_open(f->root, 0, &e);

        g_assert_null(second);
        g_assert_error(e, VSTOR_ERROR, VSTOR_ERR_OPERATION_INVALID);
    }

    /* a restart without a reboot: p1 stays active, p2 is not autostarted again */
    reopen(f);
    g_assert_cmpint(vstor_driver_pool_is_active(f->drv, &id, &err), ==, 1);
    g_assert_cmpint(vstor_driver_pool_is_active(f->drv, &id2, &err), ==, 0);
    /* after a reboot autostart runs again */
    forget_autostart(f);
    reopen(f);
    g_assert_cmpint(vstor_driver_pool_is_active(f->drv, &id, &err), ==, 1);
    g_assert_cmpint(vstor_driver_pool_is_active(f->drv, &id2, &err), ==, 1); /* autostarted */
    g_assert_cmpint(vstor_driver_pool_get_autostart(f->drv, &id2, &autostart, &err), ==, 0);
    g_assert_true(autostart);
    list = vstor_driver_pool_list(f->drv, VSTOR_LIST_POOLS_AUTOSTART, &err);
    g_assert_cmpuint(list->len, ==, 1);
    g_clear_pointer(&list, g_ptr_array_unref);
    list = vstor_driver_pool_list(f->drv, VSTOR_LIST_POOLS_ACTIVE | VSTOR_LIST_POOLS_DIR, &err);
    g_assert_cmpuint(list->len, ==, 2);
    g_clear_pointer(&list, g_ptr_array_unref);
    list = vstor_driver_pool_list(f->drv, VSTOR_LIST_POOLS_INACTIVE, &err);
    g_assert_cmpuint(list->len, ==, 0);
    g_clear_pointer(&list, g_ptr_array_unref);
    list = vstor_driver_pool_list(f->drv, VSTOR_LIST_POOLS_FS, &err);
    g_assert_cmpuint(list->len, ==, 0);

    /* a pool whose directory vanished while vstor was down comes back inactive */
    vstor_driver_pool_destroy(f->drv, &id2, &err);
    g_assert_cmpint(vstor_driver_pool_start(f->drv, &id2, 0, &err), ==, 0);
    vstor_driver_close(f->drv);
    f->drv = NULL;
    g_assert_cmpint(rmdir(dir2), ==, 0);
    f->drv = vstor_driver_open(f->root, 0, &err);
    g_assert_no_error(err);
    g_assert_cmpint(vstor_driver_pool_is_active(f->drv, &id2, &err), ==, 0);
}

static void
test_redefine_while_active(Fixture *f, gconstpointer data)
{
    g_auto(VstorPoolId) id = {0};
    g_auto(VstorPoolId) id2 = {0};
    g_autoptr(GError) err = NULL;
    g_autofree char *other = g_build_filename(f->tmp, "other", NULL);
    g_autofree char *xml = NULL;
    g_autofree char *live = NULL;
    g_autofree char *inactive = NULL;
    char uuid[VSTOR_UUID_STRING_LEN];

    make_active_pool(f, &id);
    vstor_uuid_format(id.uuid, uuid);
    xml = g_strdup_printf("<pool type='dir'><name>p1</name><uuid>%s</uuid><target><path>%s"
                          "</path></target></pool>",
                          uuid, other);
    g_assert_cmpint(vstor_driver_pool_define(f->drv, xml, 0, &id2, &err), ==, 0);
    live = vstor_driver_pool_get_xml(f->drv, &id, 0, &err);
    inactive = vstor_driver_pool_get_xml(f->drv, &id, VSTOR_POOL_XML_INACTIVE, &err);
    g_assert_nonnull(strstr(live, f->pooldir));
    g_assert_nonnull(strstr(inactive, other));
    /* the new definition applies once the pool stops */
    g_assert_cmpint(vstor_driver_pool_destroy(f->drv, &id, &err), ==, 0);
    g_clear_pointer(&live, g_free);
    live = vstor_driver_pool_get_xml(f->drv, &id, 0, &err);
    g_assert_nonnull(strstr(live, other));
}

static void
write_file(const char *path, const char *data, gsize len)
{
    g_autoptr(GError) err = NULL;

    g_assert_true(g_file_set_contents(path, data, (gssize)len, &err));
}

static void
test_volumes(Fixture *f, gconstpointer data)
{
    g_auto(VstorPoolId) id = {0};
    g_auto(VstorVolId) vol = {0};
    g_auto(VstorVolId) clone = {0};
    g_auto(VstorVolId) found = {0};
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) vols = NULL;
    g_autofree char *path = NULL;
    g_autofree char *dump = NULL;
    g_autofree char *outside = g_build_filename(f->tmp, "outside.img", NULL);
    g_autofree char *link = NULL;
    VstorVolInfo info;
    struct stat st;

    make_active_pool(f, &id);
    /* sparse raw volume */
    g_assert_cmpint(vstor_driver_vol_create(f->drv, &id,
                                            "<volume><name>a.img</name><capacity unit='M'>64"
                                            "</capacity><allocation>0</allocation></volume>",
                                            0, &vol, &err),
                    ==, 0);
    g_assert_no_error(err);
    path = g_build_filename(f->pooldir, "a.img", NULL);
    g_assert_cmpstr(vol.key, ==, path);
    g_assert_cmpint(stat(path, &st), ==, 0);
    g_assert_cmpint(st.st_size, ==, 64 << 20);
    g_assert_cmpint(st.st_blocks, ==, 0);
    g_assert_cmpint(st.st_mode & 0777, ==, 0600);
    g_assert_cmpint(vstor_driver_vol_get_info(f->drv, &vol, 0, &info, &err), ==, 0);
    g_assert_cmpint(info.type, ==, VSTOR_VOL_FILE);
    g_assert_cmpuint(info.capacity, ==, 64 << 20);
    g_assert_cmpuint(info.allocation, ==, 0);

    /* duplicate name */
    ASSERT_FAILS(vstor_driver_vol_create(f->drv, &id,
                                         "<volume><name>a.img</name><capacity>1</capacity>"
                                         "</volume>",
                                         0, &found, err_),
                 VSTOR_ERR_STORAGE_VOL_EXIST, "storage volume 'a.img' exists already");
    /* names that would leave the pool */
    ASSERT_FAILS(vstor_driver_vol_create(f->drv, &id,
                                         "<volume><name>../x</name><capacity>1</capacity>"
                                         "</volume>",
                                         0, &found, err_),
                 VSTOR_ERR_OPERATION_INVALID, "cannot contain '/'");
    ASSERT_FAILS(vstor_driver_vol_create(f->drv, &id,
                                         "<volume><name>..</name><capacity>1</capacity>"
                                         "</volume>",
                                         0, &found, err_),
                 VSTOR_ERR_OPERATION_INVALID, "not allowed");

    /* fully allocated when <allocation> is absent (libvirt's rule) */
    g_assert_cmpint(vstor_driver_vol_create(f->drv, &id,
                                            "<volume><name>full.img</name><capacity unit='K'>"
                                            "512</capacity></volume>",
                                            0, &found, &err),
                    ==, 0);
    g_assert_cmpint(vstor_driver_vol_get_info(f->drv, &found, 0, &info, &err), ==, 0);
    g_assert_cmpuint(info.allocation, >=, 512 * 1024);
    vstor_vol_id_clear(&found);

    /* data written behind the driver's back, then cloned: content equal, holes kept */
    {
        int fd = open(path, O_WRONLY | O_CLOEXEC);

        g_assert_cmpint(fd, >=, 0);
        g_assert_cmpint(pwrite(fd, "hello", 5, 4096), ==, 5);
        g_assert_cmpint(pwrite(fd, "world", 5, 32 << 20), ==, 5);
        close(fd);
    }
    g_assert_cmpint(vstor_driver_vol_create_from(f->drv, &id,
                                                 "<volume><name>b.img</name><capacity>0"
                                                 "</capacity><allocation>0</allocation>"
                                                 "</volume>",
                                                 &vol, 0, &clone, &err),
                    ==, 0);
    g_assert_no_error(err);
    {
        g_autofree char *cpath = g_build_filename(f->pooldir, "b.img", NULL);
        g_autofree char *a = NULL, *b = NULL;
        gsize alen, blen;

        g_assert_true(g_file_get_contents(path, &a, &alen, NULL));
        g_assert_true(g_file_get_contents(cpath, &b, &blen, NULL));
        g_assert_cmpmem(a, alen, b, blen);
        g_assert_cmpint(stat(cpath, &st), ==, 0);
        g_assert_cmpint(st.st_blocks * 512, <, 1 << 20); /* holes stayed holes */
    }

    /* resize: grow, refuse to shrink without the flag, shrink with it */
    g_assert_cmpint(vstor_driver_vol_resize(f->drv, &clone, 128 << 20, 0, &err), ==, 0);
    g_assert_cmpint(vstor_driver_vol_get_info(f->drv, &clone, 0, &info, &err), ==, 0);
    g_assert_cmpuint(info.capacity, ==, 128 << 20);
    ASSERT_FAILS(vstor_driver_vol_resize(f->drv, &clone, 1 << 20, 0, err_), VSTOR_ERR_INVALID_ARG,
                 "Can't shrink capacity below current capacity");
    g_assert_cmpint(vstor_driver_vol_resize(f->drv, &clone, 1 << 20,
                                            VSTOR_VOL_RESIZE_DELTA | VSTOR_VOL_RESIZE_SHRINK, &err),
                    ==, 0);
    g_assert_cmpint(vstor_driver_vol_get_info(f->drv, &clone, 0, &info, &err), ==, 0);
    g_assert_cmpuint(info.capacity, ==, 127 << 20);

    /* wipe (zero): data gone, size kept */
    g_assert_cmpint(vstor_driver_vol_wipe(f->drv, &vol, 0, 0, &err), ==, 0);
    {
        g_autofree char *a = NULL;
        gsize alen;

        g_assert_true(g_file_get_contents(path, &a, &alen, NULL));
        g_assert_cmpuint(alen, ==, 64 << 20);
        g_assert_null(memmem(a, alen, "hello", 5));
        g_assert_null(memmem(a, alen, "world", 5));
    }
    ASSERT_FAILS(vstor_driver_vol_wipe(f->drv, &vol, 99, 0, err_), VSTOR_ERR_INVALID_ARG,
                 "wiping algorithm 99 not supported");

    /* lookups by key and path; XML */
    g_assert_cmpint(vstor_driver_vol_lookup_by_path(f->drv, path, &found, &err), ==, 0);
    g_assert_cmpstr(found.name, ==, "a.img");
    vstor_vol_id_clear(&found);
    g_assert_cmpint(vstor_driver_vol_lookup_by_key(f->drv, path, &found, &err), ==, 0);
    vstor_vol_id_clear(&found);
    dump = vstor_driver_vol_get_xml(f->drv, &vol, 0, &err);
    g_assert_nonnull(strstr(dump, "<format type='raw'/>"));
    g_assert_nonnull(strstr(dump, "<capacity unit='bytes'>67108864</capacity>"));

    /* files appearing behind the daemon's back show up on refresh; a symlink out of the
     * pool does not */
    write_file(outside, "secret", 6);
    link = g_build_filename(f->pooldir, "evil", NULL);
    g_assert_cmpint(symlink(outside, link), ==, 0);
    {
        g_autofree char *p = g_build_filename(f->pooldir, "new.iso", NULL);

        write_file(p, "data", 4);
    }
    g_assert_cmpint(vstor_driver_pool_refresh(f->drv, &id, 0, &err), ==, 0);
    vols = vstor_driver_vol_list(f->drv, &id, 0, &err);
    g_assert_cmpuint(vols->len, ==, 4);
    g_assert_cmpstr(((VstorVolId *)vols->pdata[0])->name, ==, "a.img");
    g_assert_cmpstr(((VstorVolId *)vols->pdata[3])->name, ==, "new.iso");
    ASSERT_FAILS(vstor_driver_vol_lookup_by_name(f->drv, &id, "evil", &found, err_),
                 VSTOR_ERR_NO_STORAGE_VOL, "no storage vol with matching name 'evil'");

    /* delete; a pool with volumes can be stopped, and its volumes are gone while stopped */
    g_assert_cmpint(vstor_driver_vol_delete(f->drv, &vol, 0, &err), ==, 0);
    g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
    ASSERT_FAILS(vstor_driver_vol_get_info(f->drv, &vol, 0, &info, err_), VSTOR_ERR_NO_STORAGE_VOL,
                 "no storage vol with matching name 'a.img'");
    g_assert_cmpint(vstor_driver_pool_destroy(f->drv, &id, &err), ==, 0);
    ASSERT_FAILS(vstor_driver_vol_get_info(f->drv, &clone, 0, &info, err_),
                 VSTOR_ERR_OPERATION_INVALID, "storage pool 'p1' is not active");
}

static gboolean
have_qemu_img(void)
{
    g_autofree char *p = g_find_program_in_path("qemu-img");

    return p != NULL;
}

static void
test_qcow2_volumes(Fixture *f, gconstpointer data)
{
    g_auto(VstorPoolId) id = {0};
    g_auto(VstorVolId) vol = {0};
    g_auto(VstorVolId) conv = {0};
    g_autoptr(GError) err = NULL;
    g_autofree char *dump = NULL;
    VstorVolInfo info;

    if (!have_qemu_img()) {
        g_test_fail_printf("qemu-img is not installed (make check installs qemu-utils)");
        return;
    }
    make_active_pool(f, &id);
    g_assert_cmpint(vstor_driver_vol_create(f->drv, &id,
                                            "<volume><name>q.qcow2</name><capacity unit='G'>1"
                                            "</capacity><target><format type='qcow2'/><compat>"
                                            "1.1</compat><features><lazy_refcounts/></features>"
                                            "</target></volume>",
                                            0, &vol, &err),
                    ==, 0);
    g_assert_no_error(err);
    g_assert_cmpint(vstor_driver_vol_get_info(f->drv, &vol, 0, &info, &err), ==, 0);
    g_assert_cmpuint(info.capacity, ==, 1ULL << 30);
    g_assert_cmpuint(info.allocation, <, 1 << 20);
    dump = vstor_driver_vol_get_xml(f->drv, &vol, 0, &err);
    g_assert_nonnull(strstr(dump, "<format type='qcow2'/>"));
    g_assert_nonnull(strstr(dump, "<lazy_refcounts/>"));

    /* convert to raw through create-from */
    g_assert_cmpint(vstor_driver_vol_create_from(f->drv, &id,
                                                 "<volume><name>r.img</name><capacity>0"
                                                 "</capacity><target><format type='raw'/>"
                                                 "</target></volume>",
                                                 &vol, 0, &conv, &err),
                    ==, 0);
    g_assert_no_error(err);
    g_assert_cmpint(vstor_driver_vol_get_info(f->drv, &conv, 0, &info, &err), ==, 0);
    g_assert_cmpuint(info.capacity, ==, 1ULL << 30);

    /* a backing file that does not exist is refused before anything is made */
    ASSERT_FAILS(vstor_driver_vol_create(f->drv, &id,
                                         "<volume><name>bad.qcow2</name><capacity>1"
                                         "</capacity><target><format type='qcow2'/></target>"
                                         "<backingStore><path>/nonexistent/base</path>"
                                         "</backingStore></volume>",
                                         0, &conv, err_),
                 VSTOR_ERR_SYSTEM_ERROR, "inaccessible backing store volume /nonexistent/base");
    {
        g_autofree char *bad = g_build_filename(f->pooldir, "bad.qcow2", NULL);

        g_assert_false(g_file_test(bad, G_FILE_TEST_EXISTS));
    }
}

static void
test_failed_build_cleans_up(Fixture *f, gconstpointer data)
{
    g_auto(VstorPoolId) id = {0};
    g_auto(VstorVolId) vol = {0};
    g_autoptr(GPtrArray) vols = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *path = NULL;

    make_active_pool(f, &id);
    /* 1 EiB is past every local filesystem's file size limit: the file is created, then
     * sizing it fails, and neither the file nor the volume may stay behind. */
    ASSERT_FAILS(vstor_driver_vol_create(f->drv, &id,
                                         "<volume><name>huge.img</name><capacity unit='E'>1"
                                         "</capacity><allocation>0</allocation></volume>",
                                         0, &vol, err_),
                 VSTOR_ERR_SYSTEM_ERROR, "cannot size");
    path = g_build_filename(f->pooldir, "huge.img", NULL);
    g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
    vols = vstor_driver_vol_list(f->drv, &id, 0, &err);
    g_assert_cmpuint(vols->len, ==, 0);
}

static void
test_wipe_algorithms(Fixture *f, gconstpointer data)
{
    g_auto(VstorPoolId) id = {0};
    g_auto(VstorVolId) vol = {0};
    g_autoptr(GError) err = NULL;
    g_autofree char *path = NULL;
    g_autofree char *content = NULL;
    gsize len;
    struct stat st;
    int fd;

    make_active_pool(f, &id);
    g_assert_cmpint(vstor_driver_vol_create(f->drv, &id,
                                            "<volume><name>w</name><capacity unit='K'>256"
                                            "</capacity></volume>",
                                            0, &vol, &err),
                    ==, 0);
    path = g_build_filename(f->pooldir, "w", NULL);
    fd = open(path, O_WRONLY | O_CLOEXEC);
    g_assert_cmpint(pwrite(fd, "secret-data", 11, 1000), ==, 11);
    close(fd);

    /* a multi-pass algorithm through scrub: the data is overwritten, the size kept */
    g_assert_cmpint(vstor_driver_vol_wipe(f->drv, &vol, VSTOR_WIPE_NNSA, 0, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_true(g_file_get_contents(path, &content, &len, NULL));
    g_assert_cmpuint(len, ==, 256 * 1024);
    g_assert_null(memmem(content, len, "secret-data", 11));
    g_clear_pointer(&content, g_free);

    /* trim: everything discarded, reads back as zeros */
    g_assert_cmpint(vstor_driver_vol_wipe(f->drv, &vol, VSTOR_WIPE_TRIM, 0, &err), ==, 0);
    g_assert_true(g_file_get_contents(path, &content, &len, NULL));
    for (gsize i = 0; i < len; i++)
        g_assert_cmpint(content[i], ==, 0);
    g_assert_cmpint(stat(path, &st), ==, 0);
    g_assert_cmpint(st.st_blocks, ==, 0);
}

/* An autostart pool whose storage is missing at start-up is retried with backoff, says why
 * meanwhile, and comes up by itself once the storage appears. */
static void
test_autostart_retry(Fixture *f, gconstpointer data)
{
    g_auto(VstorPoolId) id = {0};
    g_autoptr(GError) err = NULL;
    g_autofree char *xml = pool_xml("p1", f->pooldir);
    g_autofree char *reason = NULL;
    int active = 0;

    g_assert_cmpint(vstor_driver_pool_define(f->drv, xml, 0, &id, &err), ==, 0);
    g_assert_cmpint(vstor_driver_pool_set_autostart(f->drv, &id, TRUE, &err), ==, 0);
    forget_autostart(f);
    reopen(f);
    g_assert_cmpint(vstor_driver_pool_is_active(f->drv, &id, &err), ==, 0);
    g_assert_cmpint(vstor_driver_pool_get_state_reason(f->drv, &id, &reason, &err), ==, 0);
    g_assert_nonnull(reason);
    g_assert_nonnull(strstr(reason, "autostart failed: cannot open directory"));
    g_assert_nonnull(strstr(reason, "trying again in"));
    g_clear_pointer(&reason, g_free);

    g_assert_cmpint(g_mkdir_with_parents(f->pooldir, 0755), ==, 0);
    for (int i = 0; i < 200 && active != 1; i++) {
        g_usleep(50 * 1000);
        active = vstor_driver_pool_is_active(f->drv, &id, &err);
    }
    g_assert_cmpint(active, ==, 1);
    g_assert_cmpint(vstor_driver_pool_get_state_reason(f->drv, &id, &reason, &err), ==, 0);
    g_assert_null(reason);
    g_assert_no_error(err);
}

/* create-from across pools: the source in one active pool, the copy in another. */
static void
test_clone_across_pools(Fixture *f, gconstpointer data)
{
    g_auto(VstorPoolId) id = {0};
    g_auto(VstorPoolId) id2 = {0};
    g_auto(VstorVolId) src = {0};
    g_auto(VstorVolId) copy = {0};
    g_autoptr(GError) err = NULL;
    g_autofree char *dir2 = g_build_filename(f->tmp, "pools", "p2", NULL);
    g_autofree char *xml2 = pool_xml("p2", dir2);
    g_autofree char *a = NULL, *b = NULL;
    g_autofree char *src_path = NULL, *copy_path = NULL;
    gsize alen, blen;
    int fd;

    make_active_pool(f, &id);
    g_assert_cmpint(
        vstor_driver_pool_create(f->drv, xml2, VSTOR_POOL_CREATE_WITH_BUILD, &id2, &err), ==, 0);
    g_assert_cmpint(vstor_driver_vol_create(f->drv, &id,
                                            "<volume><name>s.img</name><capacity unit='M'>4"
                                            "</capacity><allocation>0</allocation></volume>",
                                            0, &src, &err),
                    ==, 0);
    src_path = g_build_filename(f->pooldir, "s.img", NULL);
    fd = open(src_path, O_WRONLY | O_CLOEXEC);
    g_assert_cmpint(pwrite(fd, "across", 6, 12345), ==, 6);
    close(fd);
    g_assert_cmpint(vstor_driver_vol_create_from(f->drv, &id2,
                                                 "<volume><name>c.img</name><capacity>0"
                                                 "</capacity></volume>",
                                                 &src, 0, &copy, &err),
                    ==, 0);
    g_assert_no_error(err);
    g_assert_cmpstr(copy.pool, ==, "p2");
    copy_path = g_build_filename(dir2, "c.img", NULL);
    g_assert_true(g_file_get_contents(src_path, &a, &alen, NULL));
    g_assert_true(g_file_get_contents(copy_path, &b, &blen, NULL));
    g_assert_cmpmem(a, alen, b, blen);
    /* with no job left, both pools stop */
    g_assert_cmpint(vstor_driver_pool_destroy(f->drv, &id2, &err), ==, 0);
    g_assert_cmpint(vstor_driver_pool_destroy(f->drv, &id, &err), ==, 0);
    g_assert_no_error(err);
}

static void
collect_vol(const char *pool, const char *name, const char *key, gpointer data)
{
    g_ptr_array_add(data, g_strdup_printf("%s|%s|%s", pool, name, key));
}

/* Both ways of listing pool p1 give exactly the names in @expect, in name order. */
static GPtrArray *
check_list(Fixture *f, const VstorPoolId *id, GHashTable *expect)
{
    g_autoptr(GError) err = NULL;
    GPtrArray *vols = vstor_driver_vol_list(f->drv, id, 0, &err);
    g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func(g_free);

    g_assert_no_error(err);
    g_assert_cmpuint(vols->len, ==, g_hash_table_size(expect));
    g_assert_cmpint(vstor_driver_vol_foreach(f->drv, id, 0, collect_vol, seen, &err), ==,
                    (int)vols->len);
    for (guint i = 0; i < vols->len; i++) {
        const VstorVolId *v = vols->pdata[i];
        g_autofree char *key = g_build_filename(f->pooldir, v->name, NULL);
        g_autofree char *line = g_strdup_printf("p1|%s|%s", v->name, key);

        g_assert_true(g_hash_table_contains(expect, v->name));
        g_assert_cmpstr(v->key, ==, key);
        g_assert_cmpstr(seen->pdata[i], ==, line);
        if (i > 0)
            g_assert_cmpint(strcmp(((VstorVolId *)vols->pdata[i - 1])->name, v->name), <, 0);
    }
    return vols;
}

/* Lists are complete and in name order however volumes came and went (removal moves the last
 * volume into the freed slot; the sorted list is rebuilt after each change), and both ways of
 * listing agree. */
static void
test_list_order(Fixture *f, gconstpointer data)
{
    g_auto(VstorPoolId) id = {0};
    g_autoptr(GError) err = NULL;
    g_autoptr(GHashTable) expect = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(GRand) rnd = g_rand_new_with_seed(7);
    GHashTableIter it;
    gpointer name;

    make_active_pool(f, &id);
    for (int i = 0; i < 300; i++) {
        g_autofree char *vname = g_strdup_printf("v%05u.img", g_rand_int_range(rnd, 0, 100000));
        g_autofree char *p = g_build_filename(f->pooldir, vname, NULL);

        write_file(p, "x", 1);
        g_hash_table_add(expect, g_steal_pointer(&vname));
    }
    g_assert_cmpint(vstor_driver_pool_refresh(f->drv, &id, 0, &err), ==, 0);
    for (int round = 0; round < 4; round++) {
        g_autoptr(GPtrArray) vols = check_list(f, &id, expect);
        g_autoptr(GPtrArray) after = NULL;
        g_autoptr(GPtrArray) last = NULL;
        g_autofree char *extra = g_strdup_printf("w%d.img", round);
        g_auto(VstorVolId) made = {0};
        g_autofree char *xml = g_strdup_printf("<volume><name>%s</name><capacity>1</capacity>"
                                               "</volume>",
                                               extra);

        /* delete every third (from the middle of the table), list, then add one */
        for (guint i = round; i < vols->len; i += 3) {
            const VstorVolId *v = vols->pdata[i];

            g_assert_cmpint(vstor_driver_vol_delete(f->drv, v, 0, &err), ==, 0);
            g_assert_true(g_hash_table_remove(expect, v->name));
        }
        after = check_list(f, &id, expect);
        g_assert_cmpint(vstor_driver_vol_create(f->drv, &id, xml, 0, &made, &err), ==, 0);
        g_assert_no_error(err);
        g_hash_table_add(expect, g_steal_pointer(&extra));
        last = check_list(f, &id, expect);
    }
    /* every volume left is still found by name */
    g_hash_table_iter_init(&it, expect);
    while (g_hash_table_iter_next(&it, &name, NULL)) {
        g_auto(VstorVolId) found = {0};

        g_assert_cmpint(vstor_driver_vol_lookup_by_name(f->drv, &id, name, &found, &err), ==, 0);
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) g_test_add(name, Fixture, NULL, fixture_setup, fn, fixture_teardown)
    ADD("/driver/pool/lifecycle", test_pool_lifecycle);
    ADD("/driver/pool/define-rules", test_define_rules);
    ADD("/driver/pool/transient", test_transient);
    ADD("/driver/pool/restart", test_restart_keeps_state);
    ADD("/driver/pool/redefine-active", test_redefine_while_active);
    ADD("/driver/pool/autostart-retry", test_autostart_retry);
    ADD("/driver/vol/dir", test_volumes);
    ADD("/driver/vol/qcow2", test_qcow2_volumes);
    ADD("/driver/vol/failed-build", test_failed_build_cleans_up);
    ADD("/driver/vol/wipe-algorithms", test_wipe_algorithms);
    ADD("/driver/vol/clone-across-pools", test_clone_across_pools);
    ADD("/driver/vol/list-order", test_list_order);
    return g_test_run();
}
