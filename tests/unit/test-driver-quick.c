/* test-driver-quick.c: the driver's quick mode (vstord's main-loop answers) — answers equal
 * the full calls', and every case that would have to wait gives up instead of waiting. */
#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "driver-fixture.h"
#include "storage/driver_priv.h"

#define RAW_XML(name, cap)                                                                         \
    "<volume><name>" name "</name><capacity>" cap "</capacity><allocation>0</allocation>"          \
    "<target><format type='raw'/></target></volume>"

static void
make_vol(Fixture *f, const VstorPoolId *pool, const char *xml, VstorVolId *ret_id)
{
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(vstor_driver_vol_create(f->drv, pool, xml, 0, ret_id, &err), ==, 0);
    g_assert_no_error(err);
}

/* vol info in quick mode: 1 answered, 0 gave up (and whatever it returned is dropped). */
static int
quick_info(Fixture *f, const VstorVolId *id, unsigned int flags, VstorVolInfo *ret_info)
{
    g_autoptr(GError) err = NULL;
    int rc;

    vstor_driver_quick_begin();
    rc = vstor_driver_vol_get_info(f->drv, id, flags, ret_info, &err);
    if (vstor_driver_quick_end())
        return 0;
    g_assert_no_error(err);
    g_assert_cmpint(rc, ==, 0);
    return 1;
}

/* Whether the quick stat can answer for files in the pool directory at all: not when the
 * scratch directory is on a filesystem it does not trust (overlayfs in a container, NFS). */
static gboolean
quick_capable(Fixture *f)
{
    struct stat st;
    gboolean ok;

    g_assert_cmpint(driver_lstat(f->tmp, &st), ==, 0);
    vstor_driver_quick_begin();
    ok = driver_lstat(f->tmp, &st) == 0;
    vstor_driver_quick_end();
    if (!ok)
        g_test_skip("the scratch directory is not on a filesystem quick mode trusts");
    return ok;
}

static void
full_info(Fixture *f, const VstorVolId *id, unsigned int flags, VstorVolInfo *ret_info)
{
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(vstor_driver_vol_get_info(f->drv, id, flags, ret_info, &err), ==, 0);
    g_assert_no_error(err);
}

static void
assert_same_info(const VstorVolInfo *a, const VstorVolInfo *b)
{
    g_assert_cmpint(a->type, ==, b->type);
    g_assert_cmpuint(a->capacity, ==, b->capacity);
    g_assert_cmpuint(a->allocation, ==, b->allocation);
    g_assert_cmpint(a->building, ==, b->building);
}

/* The full call (which may wait) learns the volume's filesystem; after it the quick one
 * answers the same, for info with and without the physical flag, XML, path and look-ups. */
static void
test_same_answers(Fixture *f, gconstpointer data)
{
    g_auto(VstorPoolId) pool = {0};
    g_auto(VstorVolId) id = {0};
    g_auto(VstorVolId) found = {0};
    g_auto(VstorPoolId) by_name = {0};
    g_auto(VstorPoolId) by_uuid = {0};
    g_autoptr(GError) err = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *quick_xml = NULL;
    g_autofree char *path = NULL;
    g_autofree char *quick_path = NULL;
    VstorVolInfo full, quick;

    if (!quick_capable(f))
        return;
    make_active_pool(f, &pool);
    make_vol(f, &pool, RAW_XML("a.img", "1048576"), &id);
    for (unsigned int flags = 0; flags <= VSTOR_VOL_INFO_PHYSICAL; flags++) {
        full_info(f, &id, flags, &full);
        g_assert_cmpint(quick_info(f, &id, flags, &quick), ==, 1);
        assert_same_info(&full, &quick);
    }
    xml = vstor_driver_vol_get_xml(f->drv, &id, 0, &err);
    g_assert_no_error(err);
    vstor_driver_quick_begin();
    quick_xml = vstor_driver_vol_get_xml(f->drv, &id, 0, &err);
    g_assert_false(vstor_driver_quick_end());
    g_assert_no_error(err);
    g_assert_cmpstr(quick_xml, ==, xml);
    path = vstor_driver_vol_get_path(f->drv, &id, &err);
    vstor_driver_quick_begin();
    quick_path = vstor_driver_vol_get_path(f->drv, &id, &err);
    g_assert_false(vstor_driver_quick_end());
    g_assert_no_error(err);
    g_assert_cmpstr(quick_path, ==, path);

    vstor_driver_quick_begin();
    g_assert_cmpint(vstor_driver_vol_lookup_by_name(f->drv, &pool, "a.img", &found, &err), ==, 0);
    g_assert_cmpint(vstor_driver_pool_lookup_by_name(f->drv, "p1", &by_name, &err), ==, 0);
    g_assert_cmpint(vstor_driver_pool_lookup_by_uuid(f->drv, pool.uuid, &by_uuid, &err), ==, 0);
    g_assert_false(vstor_driver_quick_end());
    g_assert_no_error(err);
    g_assert_cmpstr(found.key, ==, id.key);
    g_assert_cmpstr(by_name.name, ==, "p1");
    g_assert_cmpstr(by_uuid.name, ==, "p1");

    /* Errors that need no filesystem are answered too, with the full call's words. */
    vstor_driver_quick_begin();
    ASSERT_FAILS(vstor_driver_pool_lookup_by_name(f->drv, "nope", &by_name, err_),
                 VSTOR_ERR_NO_STORAGE_POOL, "no storage pool with matching name 'nope'");
    g_assert_false(vstor_driver_quick_end());
}

typedef struct {
    VstorDriver *drv;
    GMutex *held; /* locked by the test while the holder runs */
    gint holding;
} Holder;

static gpointer
hold_lock(gpointer data)
{
    Holder *h = data;

    g_mutex_lock(&h->drv->lock);
    g_atomic_int_set(&h->holding, 1);
    /* As a deletion on a stalled filesystem would: hold the driver's lock until released. */
    g_mutex_lock(h->held);
    g_mutex_unlock(h->held);
    g_mutex_unlock(&h->drv->lock);
    return NULL;
}

/* With the driver's lock held elsewhere (say, across an unlink on a frozen filesystem), a
 * quick call gives up at once instead of waiting; the full call then gets the answer. */
static void
test_lock_held(Fixture *f, gconstpointer data)
{
    g_auto(VstorPoolId) pool = {0};
    g_auto(VstorVolId) id = {0};
    g_auto(VstorPoolId) by_name = {0};
    g_autoptr(GError) err = NULL;
    GMutex held;
    Holder h = {f->drv, &held, 0};
    GThread *t;
    VstorVolInfo info;
    gint64 t0;

    if (!quick_capable(f))
        return;
    make_active_pool(f, &pool);
    make_vol(f, &pool, RAW_XML("a.img", "1048576"), &id);
    full_info(f, &id, 0, &info);
    g_mutex_init(&held);
    g_mutex_lock(&held);
    t = g_thread_new("holder", hold_lock, &h);
    while (!g_atomic_int_get(&h.holding))
        g_usleep(1000);
    t0 = g_get_monotonic_time();
    g_assert_cmpint(quick_info(f, &id, 0, &info), ==, 0);
    vstor_driver_quick_begin();
    g_assert_cmpint(vstor_driver_pool_lookup_by_name(f->drv, "p1", &by_name, &err), <, 0);
    g_assert_true(vstor_driver_quick_end());
    g_clear_error(&err);
    g_assert_cmpint(g_get_monotonic_time() - t0, <, G_USEC_PER_SEC);
    g_mutex_unlock(&held);
    g_thread_join(t);
    g_mutex_clear(&held);
    g_assert_cmpint(quick_info(f, &id, 0, &info), ==, 1);
}

/* A file changed behind the driver's back (grown by truncate; written while held open, which
 * inotify does not report) is never answered from memory: the quick call gives up, the full
 * one reads the file again, and from then on the quick one answers the new values. */
static void
test_changed_file(Fixture *f, gconstpointer data)
{
    g_auto(VstorPoolId) pool = {0};
    g_auto(VstorVolId) id = {0};
    g_autofree char *file = NULL;
    g_autofree char *block = g_malloc(1 << 20);
    VstorVolInfo before, quick, after;
    int fd;

    if (!quick_capable(f))
        return;
    make_active_pool(f, &pool);
    make_vol(f, &pool, RAW_XML("a.img", "1048576"), &id);
    file = g_build_filename(f->pooldir, "a.img", NULL);
    full_info(f, &id, 0, &before);
    g_assert_cmpint(quick_info(f, &id, 0, &quick), ==, 1);

    g_assert_cmpint(truncate(file, 8 << 20), ==, 0);
    g_assert_cmpint(quick_info(f, &id, 0, &quick), ==, 0);
    full_info(f, &id, 0, &after);
    g_assert_cmpuint(after.capacity, ==, 8 << 20);
    g_assert_cmpint(quick_info(f, &id, 0, &quick), ==, 1);
    assert_same_info(&after, &quick);

    memset(block, 0x5a, 1 << 20);
    fd = open(file, O_WRONLY | O_CLOEXEC);
    g_assert_cmpint(fd, >=, 0);
    g_usleep(20000); /* a timestamp that differs even on coarse clocks */
    g_assert_cmpint(pwrite(fd, block, 1 << 20, 0), ==, 1 << 20);
    g_assert_cmpint(fsync(fd), ==, 0);
    g_assert_cmpint(quick_info(f, &id, 0, &quick), ==, 0);
    full_info(f, &id, 0, &after);
    g_assert_cmpuint(after.allocation, >=, 1 << 20);
    g_assert_cmpint(quick_info(f, &id, 0, &quick), ==, 1);
    assert_same_info(&after, &quick);
    close(fd);
}

/* A name the driver has no volume for may be a file that just appeared: looking needs the
 * filesystem, so the quick call gives up rather than answer "no such volume". */
static void
test_unknown_name(Fixture *f, gconstpointer data)
{
    g_auto(VstorPoolId) pool = {0};
    g_auto(VstorVolId) found = {0};
    g_autoptr(GError) err = NULL;

    make_active_pool(f, &pool);
    vstor_driver_quick_begin();
    g_assert_cmpint(vstor_driver_vol_lookup_by_name(f->drv, &pool, "later.img", &found, &err), <,
                    0);
    g_assert_true(vstor_driver_quick_end());
    g_clear_error(&err);
    ASSERT_FAILS(vstor_driver_vol_lookup_by_name(f->drv, &pool, "later.img", &found, err_),
                 VSTOR_ERR_NO_STORAGE_VOL, "no storage vol with matching name 'later.img'");
}

static gboolean
run_ok(const char **argv)
{
    int status = -1;

    return g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                        NULL, NULL, NULL, NULL, &status, NULL) &&
           g_spawn_check_wait_status(status, NULL);
}

/* The quick stat answers only from caches, on filesystems known to be local: procfs (not in
 * the list) and a path never looked up (a file system mounted after its files were made) make
 * it give up with EAGAIN; the plain stat answers both. */
static void
test_quick_stat(Fixture *f, gconstpointer data)
{
    g_autofree char *img = g_build_filename(f->tmp, "fs.img", NULL);
    g_autofree char *seed = g_build_filename(f->tmp, "seed", NULL);
    g_autofree char *seed_dir = g_build_filename(seed, "deep", NULL);
    g_autofree char *seed_file = g_build_filename(seed_dir, "file.img", NULL);
    g_autofree char *mnt = g_build_filename(f->tmp, "mnt", NULL);
    g_autofree char *inside = g_build_filename(mnt, "deep", "file.img", NULL);
    const char *mkfs[] = {"mkfs.ext4", "-q", "-F", "-d", seed, img, "8M", NULL};
    const char *mount[] = {"mount", "-o", "loop", img, mnt, NULL};
    struct stat st;

    g_assert_cmpint(driver_lstat("/proc/self/status", &st), ==, 0);
    vstor_driver_quick_begin();
    g_assert_cmpint(driver_lstat("/proc/self/status", &st), <, 0);
    g_assert_cmpint(errno, ==, EAGAIN);
    g_assert_true(vstor_driver_quick_end());

    if (geteuid() != 0) {
        g_test_skip("needs root to mount a file system");
        return;
    }
    g_assert_cmpint(g_mkdir_with_parents(mnt, 0700), ==, 0);
    g_assert_cmpint(g_mkdir_with_parents(seed_dir, 0700), ==, 0);
    g_assert_true(g_file_set_contents(seed_file, "x", 1, NULL));
    if (!run_ok(mkfs) || !run_ok(mount)) {
        g_test_skip("cannot make and mount an ext4 image here");
        return;
    }
    /* Learn the mount (a stat that may wait) on another file, so only the cache decides. */
    g_assert_cmpint(driver_lstat(mnt, &st), ==, 0);
    vstor_driver_quick_begin();
    g_assert_cmpint(driver_lstat(inside, &st), <, 0);
    g_assert_cmpint(errno, ==, EAGAIN);
    g_assert_true(vstor_driver_quick_end());
    g_assert_cmpint(driver_lstat(inside, &st), ==, 0);
    g_assert_cmpint(st.st_size, ==, 1);
    vstor_driver_quick_begin();
    g_assert_cmpint(driver_lstat(inside, &st), ==, 0);
    g_assert_false(vstor_driver_quick_end());
    g_assert_cmpint(st.st_size, ==, 1);
    g_assert_cmpint(umount(mnt), ==, 0);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add("/driver-quick/same-answers", Fixture, NULL, fixture_setup, test_same_answers,
               fixture_teardown);
    g_test_add("/driver-quick/lock-held", Fixture, NULL, fixture_setup, test_lock_held,
               fixture_teardown);
    g_test_add("/driver-quick/changed-file", Fixture, NULL, fixture_setup, test_changed_file,
               fixture_teardown);
    g_test_add("/driver-quick/unknown-name", Fixture, NULL, fixture_setup, test_unknown_name,
               fixture_teardown);
    g_test_add("/driver-quick/quick-stat", Fixture, NULL, fixture_setup, test_quick_stat,
               fixture_teardown);
    return g_test_run();
}
