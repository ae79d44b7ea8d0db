/* test-driver-watch.c: live pools — files created, grown, renamed and removed behind the
 * driver's back appear, change and go by themselves, with refresh events; look-ups of an
 * unseen file check it at once; an explicit refresh sees a file grown while held open, and
 * looks only at files that changed since the last one. */
#include <fcntl.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "driver-fixture.h"
#include "storage/driver_priv.h"

static gboolean
has_vol(Fixture *f, const VstorPoolId *pool, const char *name)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) vols = vstor_driver_vol_list(f->drv, pool, 0, &err);

    g_assert_no_error(err);
    for (guint i = 0; i < vols->len; i++)
        if (g_strcmp0(((VstorVolId *)vols->pdata[i])->name, name) == 0)
            return TRUE;
    return FALSE;
}

static unsigned long long
capacity_of(Fixture *f, const VstorPoolId *pool, const char *name)
{
    g_autoptr(GError) err = NULL;
    VstorVolId id = {.pool = pool->name, .name = (char *)name};
    VstorVolInfo info;

    g_assert_cmpint(vstor_driver_vol_get_info(f->drv, &id, 0, &info, &err), ==, 0);
    return info.capacity;
}

/* Waits (up to 5 s) for @cond to hold. */
#define WAIT_FOR(cond)                                                                             \
    do {                                                                                           \
        gint64 end_ = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;                                 \
        while (!(cond) && g_get_monotonic_time() < end_)                                           \
            g_usleep(10000);                                                                       \
        g_assert_true(cond);                                                                       \
    } while (0)

static void
write_file(const char *dir, const char *name, gsize size)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(ftruncate(fd, (off_t)size), ==, 0);
    close(fd);
}

static void
count_refresh(const VstorPoolId *pool, VstorPoolEventType event, gpointer data)
{
    if (event == VSTOR_POOL_EVENT_REFRESH)
        g_atomic_int_inc((gint *)data);
}

static void
test_files_behind_the_back(Fixture *f, gconstpointer data)
{
    g_auto(VstorPoolId) pool = {0};
    g_autofree char *a = NULL;
    g_autofree char *b = NULL;
    gint refreshes = 0;
    guint sub;

    make_active_pool(f, &pool);
    sub = vstor_driver_event_subscribe(f->drv, count_refresh, &refreshes, NULL);
    write_file(f->pooldir, "new.img", 1 << 20);
    WAIT_FOR(has_vol(f, &pool, "new.img"));
    g_assert_cmpuint(capacity_of(f, &pool, "new.img"), ==, 1 << 20);
    WAIT_FOR(g_atomic_int_get(&refreshes) > 0);

    /* grown (written and closed) */
    write_file(f->pooldir, "new.img", 3 << 20);
    WAIT_FOR(capacity_of(f, &pool, "new.img") == 3 << 20);

    /* renamed */
    a = g_build_filename(f->pooldir, "new.img", NULL);
    b = g_build_filename(f->pooldir, "moved.img", NULL);
    g_assert_cmpint(g_rename(a, b), ==, 0);
    WAIT_FOR(has_vol(f, &pool, "moved.img") && !has_vol(f, &pool, "new.img"));

    /* removed */
    g_assert_cmpint(g_unlink(b), ==, 0);
    WAIT_FOR(!has_vol(f, &pool, "moved.img"));

    /* not volumes: a name with a control character, a dangling symlink */
    write_file(f->pooldir, "bad\tname", 4096);
    {
        g_autofree char *link = g_build_filename(f->pooldir, "dangling", NULL);

        g_assert_cmpint(symlink("/nonexistent/target", link), ==, 0);
    }
    write_file(f->pooldir, "marker.img", 4096);
    WAIT_FOR(has_vol(f, &pool, "marker.img"));
    g_assert_false(has_vol(f, &pool, "bad\tname"));
    g_assert_false(has_vol(f, &pool, "dangling"));
    vstor_driver_event_unsubscribe(f->drv, sub);
}

/* Look-ups and creation check the one path at once, without waiting for the watch. */
static void
test_lookup_checks_the_path(Fixture *f, gconstpointer data)
{
    g_auto(VstorPoolId) pool = {0};
    g_auto(VstorVolId) id = {0};
    g_autoptr(GError) err = NULL;
    g_autofree char *path = NULL;
    g_autofree char *xml = g_strdup("<volume><name>late2.img</name><capacity>1024</capacity>"
                                    "</volume>");

    make_active_pool(f, &pool);
    write_file(f->pooldir, "late.img", 8192);
    g_assert_cmpint(vstor_driver_vol_lookup_by_name(f->drv, &pool, "late.img", &id, &err), ==, 0);
    g_assert_no_error(err);
    vstor_vol_id_clear(&id);

    write_file(f->pooldir, "late1.img", 8192);
    path = g_build_filename(f->pooldir, "late1.img", NULL);
    g_assert_cmpint(vstor_driver_vol_lookup_by_path(f->drv, path, &id, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpstr(id.name, ==, "late1.img");

    /* A file of that name exists: creating the volume must not overwrite it. */
    write_file(f->pooldir, "late2.img", 8192);
    ASSERT_FAILS(vstor_driver_vol_create(f->drv, &pool, xml, 0, NULL, err_),
                 VSTOR_ERR_STORAGE_VOL_EXIST, "late2.img");
    g_assert_cmpuint(capacity_of(f, &pool, "late2.img"), ==, 8192);

    /* Names that cannot be in the directory are still just missing. */
    ASSERT_FAILS(vstor_driver_vol_lookup_by_name(f->drv, &pool, "../etc", &id, err_),
                 VSTOR_ERR_NO_STORAGE_VOL, "../etc");
}

/* A file written while held open fires no event until closed; an explicit refresh sees it,
 * and stays cheap (only that volume is read again). */
static void
test_refresh_sees_open_writes(Fixture *f, gconstpointer data)
{
    g_auto(VstorPoolId) pool = {0};
    g_autoptr(GError) err = NULL;
    g_autofree char *path = NULL;
    int fd;

    make_active_pool(f, &pool);
    write_file(f->pooldir, "busy.img", 1 << 20);
    WAIT_FOR(has_vol(f, &pool, "busy.img"));
    path = g_build_filename(f->pooldir, "busy.img", NULL);
    fd = open(path, O_WRONLY);
    g_assert_cmpint(fd, >=, 0);
    g_usleep(20000); /* a new mtime even on coarse clocks */
    g_assert_cmpint(ftruncate(fd, 5 << 20), ==, 0);
    g_assert_cmpint(vstor_driver_pool_refresh(f->drv, &pool, 0, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(capacity_of(f, &pool, "busy.img"), ==, 5 << 20);
    close(fd);
}

static guint
vol_count(Fixture *f, const VstorPoolId *pool)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) vols = vstor_driver_vol_list(f->drv, pool, 0, &err);

    g_assert_no_error(err);
    return vols->len;
}

/* Explicit refresh, then how many volumes it looked at. */
static guint
refresh_looked(Fixture *f, const VstorPoolId *pool)
{
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(vstor_driver_pool_refresh(f->drv, pool, 0, &err), ==, 0);
    g_assert_no_error(err);
    return f->drv->watch_looked;
}

/* An explicit refresh looks only at files that changed since the last one (their change
 * marks fired), whatever changed them: a write or truncation through a descriptor held open
 * (no event on the directory), a chmod, a write through a hard link outside the pool. Marks
 * are armed by the watch thread after a refresh that had to look, hence the waits. Two names
 * of one file cannot both be marked: the second is looked at every time. */
static void
test_refresh_follows_changes(Fixture *f, gconstpointer data)
{
    g_auto(VstorPoolId) pool = {0};
    g_autofree char *busy = NULL;
    g_autofree char *outside = g_build_filename(f->tmp, "outside-link", NULL);
    g_autofree char *linked = NULL;
    g_autofree char *twin_a = NULL;
    g_autofree char *twin_b = NULL;
    int fd;

    make_active_pool(f, &pool);
    for (guint i = 0; i < 200; i++) {
        g_autofree char *name = g_strdup_printf("v%03u.img", i);

        write_file(f->pooldir, name, 1 << 20);
    }
    WAIT_FOR(vol_count(f, &pool) == 200);
    g_assert_cmpuint(refresh_looked(f, &pool), ==, 200); /* none marked yet */
    WAIT_FOR(refresh_looked(f, &pool) == 0);
    g_assert_cmpuint(refresh_looked(f, &pool), ==, 0);

    /* grown through a descriptor held open: no event on the directory, the mark fires */
    busy = g_build_filename(f->pooldir, "v007.img", NULL);
    fd = open(busy, O_WRONLY);
    g_assert_cmpint(fd, >=, 0);
    g_usleep(20000); /* a new mtime even on coarse clocks */
    g_assert_cmpint(ftruncate(fd, 5 << 20), ==, 0);
    g_assert_cmpuint(refresh_looked(f, &pool), ==, 1);
    g_assert_cmpuint(capacity_of(f, &pool, "v007.img"), ==, 5 << 20);
    WAIT_FOR(refresh_looked(f, &pool) == 0); /* marked again */
    g_assert_cmpint(pwrite(fd, "x", 1, 100), ==, 1); /* written again, still open */
    g_assert_cmpuint(refresh_looked(f, &pool), ==, 1);
    WAIT_FOR(refresh_looked(f, &pool) == 0);
    close(fd);

    /* chmod */
    g_assert_cmpint(chmod(busy, 0640), ==, 0);
    g_assert_cmpuint(refresh_looked(f, &pool), ==, 1);
    WAIT_FOR(refresh_looked(f, &pool) == 0);

    /* written through another name, outside the pool's directory */
    linked = g_build_filename(f->pooldir, "v042.img", NULL);
    g_assert_cmpint(link(linked, outside), ==, 0); /* itself a change: the link count */
    g_assert_cmpuint(refresh_looked(f, &pool), ==, 1);
    WAIT_FOR(refresh_looked(f, &pool) == 0);
    fd = open(outside, O_WRONLY);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(ftruncate(fd, 3 << 20), ==, 0);
    close(fd);
    g_assert_cmpuint(refresh_looked(f, &pool), ==, 1);
    g_assert_cmpuint(capacity_of(f, &pool, "v042.img"), ==, 3 << 20);
    WAIT_FOR(refresh_looked(f, &pool) == 0);

    /* two names of one file in the pool: one is marked, the other looked at each time */
    twin_a = g_build_filename(f->pooldir, "twin-a.img", NULL);
    twin_b = g_build_filename(f->pooldir, "twin-b.img", NULL);
    write_file(f->pooldir, "twin-a.img", 1 << 20);
    g_assert_cmpint(link(twin_a, twin_b), ==, 0);
    WAIT_FOR(vol_count(f, &pool) == 202);
    WAIT_FOR(refresh_looked(f, &pool) == 1);
    fd = open(twin_b, O_WRONLY);
    g_assert_cmpint(ftruncate(fd, 2 << 20), ==, 0);
    g_assert_cmpuint(refresh_looked(f, &pool), >=, 1);
    g_assert_cmpuint(capacity_of(f, &pool, "twin-a.img"), ==, 2 << 20);
    g_assert_cmpuint(capacity_of(f, &pool, "twin-b.img"), ==, 2 << 20);
    close(fd);
}

static guint
marks_of(Fixture *f, const char *pool)
{
    guint n;

    g_mutex_lock(&f->drv->lock);
    n = g_hash_table_size(driver_find_pool_by_name(f->drv, pool)->marks);
    g_mutex_unlock(&f->drv->lock);
    return n;
}

/* A pool's start marks its volumes in the background: the first refresh after that looks at
 * none. */
static void
test_marks_after_start(Fixture *f, gconstpointer data)
{
    g_auto(VstorPoolId) pool = {0};
    g_autoptr(GError) err = NULL;

    make_active_pool(f, &pool);
    for (guint i = 0; i < 300; i++) {
        g_autofree char *name = g_strdup_printf("s%03u.img", i);

        write_file(f->pooldir, name, 4096);
    }
    g_assert_cmpint(vstor_driver_pool_destroy(f->drv, &pool, &err), ==, 0);
    g_assert_cmpint(vstor_driver_pool_start(f->drv, &pool, 0, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(vol_count(f, &pool), ==, 300);
    WAIT_FOR(marks_of(f, "p1") == 300);
    g_assert_cmpuint(refresh_looked(f, &pool), ==, 0);
}

/* A burst of files, many times what the watch applies per turn of the lock: all of them show
 * up without a refresh; and a refresh right after another burst lists every file of it, what
 * the watch had applied and what it had not yet. */
static void
test_bursts(Fixture *f, gconstpointer data)
{
    g_auto(VstorPoolId) pool = {0};
    g_autoptr(GError) err = NULL;
    guint before;

    make_active_pool(f, &pool);
    before = vol_count(f, &pool);
    for (guint i = 0; i < 1500; i++) {
        g_autofree char *name = g_strdup_printf("burst-%04u.img", i);

        write_file(f->pooldir, name, 65536);
    }
    WAIT_FOR(vol_count(f, &pool) == before + 1500);
    g_assert_true(has_vol(f, &pool, "burst-0000.img"));
    g_assert_true(has_vol(f, &pool, "burst-1499.img"));
    g_assert_cmpuint(capacity_of(f, &pool, "burst-0777.img"), ==, 65536);

    for (guint i = 0; i < 1000; i++) {
        g_autofree char *name = g_strdup_printf("second-%04u.img", i);

        write_file(f->pooldir, name, 4096);
    }
    g_assert_cmpint(vstor_driver_pool_refresh(f->drv, &pool, 0, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpuint(vol_count(f, &pool), ==, before + 2500);
    g_assert_cmpuint(capacity_of(f, &pool, "second-0999.img"), ==, 4096);
}

/* Stopped pools are not watched; a restarted one is again. */
static void
test_stop_and_restart(Fixture *f, gconstpointer data)
{
    g_auto(VstorPoolId) pool = {0};
    g_autoptr(GError) err = NULL;

    make_active_pool(f, &pool);
    g_assert_cmpint(vstor_driver_pool_destroy(f->drv, &pool, &err), ==, 0);
    write_file(f->pooldir, "while-stopped.img", 4096);
    g_assert_cmpint(vstor_driver_pool_start(f->drv, &pool, 0, &err), ==, 0);
    g_assert_true(has_vol(f, &pool, "while-stopped.img"));
    write_file(f->pooldir, "after.img", 4096);
    WAIT_FOR(has_vol(f, &pool, "after.img"));
    reopen(f);
    write_file(f->pooldir, "after-restart.img", 4096);
    WAIT_FOR(has_vol(f, &pool, "after-restart.img"));
}

/* Volumes deleted while the watch thread marks the rest (a deletion moves the last volume into
 * the freed slot) make it skip none: every one left ends up marked, with no refresh to start
 * another pass. */
static void
test_marks_while_deleting(Fixture *f, gconstpointer data)
{
    g_auto(VstorPoolId) pool = {0};
    g_autoptr(GError) err = NULL;
    guint left = 0;

    make_active_pool(f, &pool);
    for (guint i = 0; i < 3000; i++) {
        g_autofree char *name = g_strdup_printf("d%04u.img", i);

        write_file(f->pooldir, name, 4096);
    }
    g_assert_cmpint(vstor_driver_pool_destroy(f->drv, &pool, &err), ==, 0);
    g_assert_cmpint(vstor_driver_pool_start(f->drv, &pool, 0, &err), ==, 0);
    for (guint i = 0; i < 3000; i++) {
        g_autofree char *name = g_strdup_printf("d%04u.img", i);
        VstorVolId id = {.pool = pool.name, .name = name};

        if (i % 7 == 3)
            g_assert_cmpint(vstor_driver_vol_delete(f->drv, &id, 0, &err), ==, 0);
        else
            left++;
    }
    g_assert_no_error(err);
    WAIT_FOR(marks_of(f, "p1") == left);
    g_assert_cmpuint(refresh_looked(f, &pool), ==, 0);
}

/* vstor's own deletions cost the watch thread no look: the volume has left the table by the
 * time its file's removal is reported, and a name gone that is no volume changes nothing. */
static void
test_own_deletions(Fixture *f, gconstpointer data)
{
    g_auto(VstorPoolId) pool = {0};
    g_autoptr(GError) err = NULL;
    g_autofree char *gone = g_build_filename(f->pooldir, "o01.img", NULL);
    guint missed;

    make_active_pool(f, &pool);
    for (guint i = 0; i < 40; i++) {
        g_autofree char *name = g_strdup_printf("o%02u.img", i);

        write_file(f->pooldir, name, 4096);
    }
    g_assert_cmpint(vstor_driver_pool_refresh(f->drv, &pool, 0, &err), ==, 0);
    for (guint i = 0; i < 40; i += 2) {
        g_autofree char *name = g_strdup_printf("o%02u.img", i);
        VstorVolId id = {.pool = pool.name, .name = name};

        g_assert_cmpint(vstor_driver_vol_delete(f->drv, &id, 0, &err), ==, 0);
    }
    /* Reported after the deletions: once it is listed, they have been through the thread. */
    write_file(f->pooldir, "sentinel.img", 4096);
    WAIT_FOR(has_vol(f, &pool, "sentinel.img"));
    g_mutex_lock(&f->drv->lock);
    missed = f->drv->watch_missed;
    g_mutex_unlock(&f->drv->lock);
    g_assert_cmpuint(missed, ==, 0);
    /* A file removed behind the driver's back still takes its volume with it. */
    g_assert_cmpint(g_unlink(gone), ==, 0);
    WAIT_FOR(!has_vol(f, &pool, "o01.img"));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
    ADD("/watch/files-behind-the-back", test_files_behind_the_back);
    ADD("/watch/lookup-checks-the-path", test_lookup_checks_the_path);
    ADD("/watch/refresh-sees-open-writes", test_refresh_sees_open_writes);
    ADD("/watch/stop-and-restart", test_stop_and_restart);
    ADD("/watch/bursts", test_bursts);
    ADD("/watch/refresh-follows-changes", test_refresh_follows_changes);
    ADD("/watch/marks-after-start", test_marks_after_start);
    ADD("/watch/marks-while-deleting", test_marks_while_deleting);
    ADD("/watch/own-deletions", test_own_deletions);
#undef ADD
    return g_test_run();
}
