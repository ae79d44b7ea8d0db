/* test-api-extra.c: the public API beyond the pool's life, embedded and remote — pool events,
 * jobs (list, cancel a running upload), secrets and their events, read-only connections, calls
 * from many threads at once, and (remote) the daemon going away under a connection. */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "test-api-fixture.h"
#include "util/error.h"

static VstorStoragePool *
define_pool(ApiFixture *f, const char *name, gboolean start)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *dir = g_build_filename(f->pooldir, name, NULL);
    g_autofree char *xml = g_strdup_printf("<pool type='dir'><name>%s</name><target><path>%s"
                                           "</path></target></pool>",
                                           name, dir);
    VstorStoragePool *pool = vstor_storage_pool_define_xml(f->conn, xml, 0, &err);

    g_assert_no_error(err);
    g_assert_cmpint(vstor_storage_pool_build(pool, 0, &err), ==, 0);
    if (start)
        g_assert_cmpint(vstor_storage_pool_create(pool, 0, &err), ==, 0);
    g_assert_no_error(err);
    return pool;
}

/* --- events --- */

typedef struct {
    GMutex lock;
    GCond cond;
    GArray *seen; /* VstorStoragePoolEventType */
    GPtrArray *names;
    int active_seen; /* what is-active answered inside the callback (remote: a nested call) */
    gint destroyed; /* atomic */
} EventLog;

static void
on_event(VstorConnect *conn, VstorStoragePool *pool, VstorStoragePoolEventType event, gpointer p)
{
    EventLog *log = p;
    /* A callback may call back into the library. */
    int active = vstor_storage_pool_is_active(pool, NULL);

    g_mutex_lock(&log->lock);
    g_array_append_val(log->seen, event);
    g_ptr_array_add(log->names, g_strdup(vstor_storage_pool_get_name(pool)));
    log->active_seen = active;
    g_cond_broadcast(&log->cond);
    g_mutex_unlock(&log->lock);
}

static void
on_destroy(gpointer p)
{
    g_atomic_int_set(&((EventLog *)p)->destroyed, TRUE);
}

/* A callback's destroy function may run a moment after its deregistration, once an event
 * being delivered lets go of it (as in libvirt): waits five seconds at most. */
static gboolean
wait_destroyed(EventLog *log)
{
    gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

    while (!g_atomic_int_get(&log->destroyed) && g_get_monotonic_time() < deadline)
        g_usleep(1000);
    return g_atomic_int_get(&log->destroyed);
}

/* Waits (five seconds at most) until @n events arrived. */
static void
wait_events(EventLog *log, guint n)
{
    gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

    g_mutex_lock(&log->lock);
    while (log->seen->len < n && g_cond_wait_until(&log->cond, &log->lock, deadline))
        ;
    g_assert_cmpuint(log->seen->len, ==, n);
    g_mutex_unlock(&log->lock);
}

static void
test_events(ApiFixture *f, gconstpointer data)
{
    EventLog log = {.seen = g_array_new(FALSE, FALSE, sizeof(int)),
                    .names = g_ptr_array_new_with_free_func(g_free)};
    g_autoptr(GError) err = NULL;
    g_autoptr(VstorStoragePool) pool = NULL;
    g_autoptr(VstorStoragePool) other = NULL;
    /* Building is libvirt's "created". */
    const int want[] = {VSTOR_STORAGE_POOL_EVENT_DEFINED, VSTOR_STORAGE_POOL_EVENT_CREATED,
                        VSTOR_STORAGE_POOL_EVENT_STARTED, VSTOR_STORAGE_POOL_EVENT_REFRESH,
                        VSTOR_STORAGE_POOL_EVENT_STOPPED};
    int id, id_one;

    g_mutex_init(&log.lock);
    g_cond_init(&log.cond);
    id = vstor_connect_storage_pool_event_register(f->conn, NULL, on_event, &log, on_destroy, &err);
    g_assert_no_error(err);
    g_assert_cmpint(id, >, 0);
    pool = define_pool(f, "evpool", FALSE);
    g_assert_cmpint(vstor_storage_pool_create(pool, 0, &err), ==, 0);
    g_assert_cmpint(vstor_storage_pool_refresh(pool, 0, &err), ==, 0);
    wait_events(&log, 4);
    g_assert_cmpint(log.active_seen, ==, 1);
    g_assert_cmpint(vstor_storage_pool_destroy(pool, &err), ==, 0);
    g_assert_no_error(err);
    wait_events(&log, 5);
    for (guint i = 0; i < G_N_ELEMENTS(want); i++) {
        g_assert_cmpint(g_array_index(log.seen, int, i), ==, want[i]);
        g_assert_cmpstr(log.names->pdata[i], ==, "evpool");
    }

    /* A registration for one pool ignores the others. */
    g_assert_cmpint(vstor_connect_storage_pool_event_deregister(f->conn, id, &err), ==, 0);
    g_assert_true(wait_destroyed(&log));
    g_assert_cmpint(vstor_connect_storage_pool_event_deregister(f->conn, id, &err), ==, -1);
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_INVALID_ARG);
    g_clear_error(&err);
    g_array_set_size(log.seen, 0);
    g_ptr_array_set_size(log.names, 0);
    id_one = vstor_connect_storage_pool_event_register(f->conn, pool, on_event, &log, NULL, &err);
    g_assert_no_error(err);
    other = define_pool(f, "otherpool", TRUE);
    g_assert_cmpint(vstor_storage_pool_create(pool, 0, &err), ==, 0);
    wait_events(&log, 1);
    g_assert_cmpint(g_array_index(log.seen, int, 0), ==, VSTOR_STORAGE_POOL_EVENT_STARTED);
    g_assert_cmpint(vstor_connect_storage_pool_event_deregister(f->conn, id_one, &err), ==, 0);

    g_array_unref(log.seen);
    g_ptr_array_unref(log.names);
    g_mutex_clear(&log.lock);
    g_cond_clear(&log.cond);
}

/* --- jobs --- */

typedef struct {
    VstorStorageVol *vol;
    int fd;
    GError *error;
    int rc;
    gint done;
} UploadRun;

static gpointer
upload_thread(gpointer p)
{
    UploadRun *run = p;

    run->rc = vstor_storage_vol_upload_from_fd(run->vol, run->fd, 0, 0, 0, &run->error);
    g_atomic_int_set(&run->done, 1);
    return NULL;
}

static void
test_jobs(ApiFixture *f, gconstpointer data)
{
    g_autoptr(VstorStoragePool) pool = define_pool(f, "jobpool", TRUE);
    g_autoptr(VstorStorageVol) vol = NULL;
    g_autoptr(GPtrArray) jobs = NULL;
    g_autoptr(GError) err = NULL;
    static char chunk[65536];
    UploadRun run = {0};
    GThread *thread;
    guint64 job_id = 0;
    int pipefd[2];

    jobs = vstor_connect_list_jobs(f->conn, NULL, 0, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(jobs->len, ==, 0);
    g_clear_pointer(&jobs, g_ptr_array_unref);
    g_assert_cmpint(vstor_connect_cancel_job(f->conn, 4242, 0, &err), ==, -1);
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_INVALID_ARG);
    g_clear_error(&err);
    g_assert_null(vstor_connect_list_jobs(f->conn, NULL, 0x10, &err));
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_INVALID_ARG);
    g_clear_error(&err);

    /* An upload from a pipe runs as long as the pipe stays open: it is listed, and cancelled
     * from here while another thread waits in the call. */
    vol = vstor_storage_vol_create_xml(pool,
                                       "<volume><name>up.img</name><capacity unit='M'>64"
                                       "</capacity><allocation>0</allocation></volume>",
                                       0, &err);
    g_assert_no_error(err);
    g_assert_cmpint(pipe2(pipefd, O_CLOEXEC), ==, 0);
    g_assert_cmpint(fcntl(pipefd[1], F_SETFL, O_NONBLOCK), ==, 0);
    run.vol = vol;
    run.fd = pipefd[0];
    thread = g_thread_new("upload", upload_thread, &run);
    g_assert_cmpint(write(pipefd[1], chunk, sizeof(chunk)), ==, sizeof(chunk));
    for (int i = 0; i < 5000 && !job_id; i++) {
        jobs = vstor_connect_list_jobs(f->conn, pool, 0, &err);
        g_assert_no_error(err);
        for (guint j = 0; j < jobs->len; j++) {
            VstorStorageJobInfo *info = jobs->pdata[j];

            if (g_str_equal(info->kind, "vol-upload")) {
                g_assert_cmpstr(info->pool, ==, "jobpool");
                g_assert_cmpstr(info->vol, ==, "up.img");
                job_id = info->id;
            }
        }
        g_clear_pointer(&jobs, g_ptr_array_unref);
        if (!job_id)
            g_usleep(1000);
    }
    g_assert_cmpuint(job_id, >, 0);
    g_assert_cmpint(vstor_connect_cancel_job(f->conn, job_id, 0, &err), ==, 0);
    g_assert_no_error(err);
    /* The job notices at its next write: keep feeding it until the call returns. */
    for (int i = 0; i < 10000 && !g_atomic_int_get(&run.done); i++) {
        (void)!write(pipefd[1], chunk, sizeof(chunk));
        g_usleep(1000);
    }
    close(pipefd[1]);
    g_thread_join(thread);
    close(pipefd[0]);
    g_assert_cmpint(run.rc, ==, -1);
    g_assert_error(run.error, VSTOR_ERROR, VSTOR_ERR_OPERATION_ABORTED);
    g_clear_error(&run.error);
}

/* --- secrets --- */

static void
test_secrets(ApiFixture *f, gconstpointer data)
{
    static const char xml[] = "<secret ephemeral='no' private='no'>"
                              "<uuid>0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f</uuid>"
                              "<usage type='ceph'><name>client.admin</name></usage></secret>";
    g_autoptr(VstorStorageSecret) secret = NULL;
    g_autoptr(VstorStorageSecret) by_uuid = NULL;
    g_autoptr(VstorStorageSecret) by_usage = NULL;
    g_autoptr(GPtrArray) all = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *dump = NULL;
    g_autofree guint8 *value = NULL;
    gsize len = 0;

    secret = vstor_storage_secret_define_xml(f->conn, xml, 0, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(vstor_storage_secret_get_uuid_string(secret), ==,
                    "0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f");
    g_assert_cmpint(vstor_storage_secret_get_usage_type(secret), ==,
                    VSTOR_STORAGE_SECRET_USAGE_CEPH);
    g_assert_cmpstr(vstor_storage_secret_get_usage_id(secret), ==, "client.admin");

    by_uuid = vstor_storage_secret_lookup_by_uuid_string(
        f->conn, "0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f", &err);
    g_assert_no_error(err);
    by_usage = vstor_storage_secret_lookup_by_usage(f->conn, VSTOR_STORAGE_SECRET_USAGE_CEPH,
                                                    "client.admin", &err);
    g_assert_no_error(err);
    g_assert_cmpstr(vstor_storage_secret_get_uuid_string(by_usage), ==,
                    vstor_storage_secret_get_uuid_string(by_uuid));
    all = vstor_connect_list_all_secrets(f->conn, 0, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(all->len, ==, 1);
    dump = vstor_storage_secret_get_xml_desc(secret, 0, &err);
    g_assert_no_error(err);
    g_assert_nonnull(strstr(dump, "<name>client.admin</name>"));

    /* No value yet; then one with a NUL inside survives the trip. */
    g_assert_null(vstor_storage_secret_get_value(secret, &len, 0, &err));
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_NO_SECRET);
    g_clear_error(&err);
    g_assert_cmpint(vstor_storage_secret_set_value(secret, (const guint8 *)"s3\0cret", 7, 0, &err),
                    ==, 0);
    g_assert_no_error(err);
    value = vstor_storage_secret_get_value(by_uuid, &len, 0, &err);
    g_assert_no_error(err);
    g_assert_cmpmem(value, len, "s3\0cret", 7);

    g_assert_null(vstor_storage_secret_lookup_by_uuid_string(f->conn, "not-a-uuid", &err));
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_INVALID_ARG);
    g_clear_error(&err);
    g_assert_cmpint(vstor_storage_secret_undefine(secret, &err), ==, 0);
    g_assert_cmpint(vstor_storage_secret_undefine(by_uuid, &err), ==, -1);
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_NO_SECRET);
    g_clear_error(&err);
    g_assert_null(vstor_storage_secret_lookup_by_usage(f->conn, VSTOR_STORAGE_SECRET_USAGE_CEPH,
                                                       "client.admin", &err));
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_NO_SECRET);
}

/* --- secret events --- */

#define SECRET_A "1b8ad1a4-4b4e-4c9e-9d2a-6a1f0e6d3c01"
#define SECRET_B "1b8ad1a4-4b4e-4c9e-9d2a-6a1f0e6d3c02"

/* Logs "UUID EVENT"; the callback also calls back into the library. */
static void
on_secret_event(VstorConnect *conn, VstorStorageSecret *secret, VstorStorageSecretEventType event,
                gpointer p)
{
    EventLog *log = p;
    g_autoptr(GPtrArray) all = vstor_connect_list_all_secrets(conn, 0, NULL);
    int n = (int)event;

    g_assert_nonnull(all);
    g_mutex_lock(&log->lock);
    g_array_append_val(log->seen, n);
    g_ptr_array_add(log->names,
                    g_strdup_printf("%s %d", vstor_storage_secret_get_uuid_string(secret), n));
    g_cond_broadcast(&log->cond);
    g_mutex_unlock(&log->lock);
}

static void
on_secret_noop(VstorConnect *conn, VstorStorageSecret *secret, VstorStorageSecretEventType event,
               gpointer p)
{
}

static VstorStorageSecret *
define_secret(ApiFixture *f, const char *uuid)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *xml = g_strdup_printf(
        "<secret ephemeral='no' private='no'><uuid>%s</uuid><usage type='ceph'><name>%s</name>"
        "</usage></secret>",
        uuid, uuid);
    VstorStorageSecret *secret = vstor_storage_secret_define_xml(f->conn, xml, 0, &err);

    g_assert_no_error(err);
    return secret;
}

static void
set_secret_value(VstorStorageSecret *secret)
{
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(vstor_storage_secret_set_value(secret, (const guint8 *)"v", 1, 0, &err), ==, 0);
    g_assert_no_error(err);
}

static void
undefine_secret(VstorStorageSecret *secret)
{
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(vstor_storage_secret_undefine(secret, &err), ==, 0);
    g_assert_no_error(err);
}

static void
assert_log(EventLog *log, const char *const *want, guint n)
{
    wait_events(log, n);
    for (guint i = 0; i < n; i++)
        g_assert_cmpstr(log->names->pdata[i], ==, want[i]);
    g_array_set_size(log->seen, 0);
    g_ptr_array_set_size(log->names, 0);
}

static void
test_secret_events(ApiFixture *f, gconstpointer data)
{
    EventLog log = {.seen = g_array_new(FALSE, FALSE, sizeof(int)),
                    .names = g_ptr_array_new_with_free_func(g_free)};
    EventLog marker = {.seen = g_array_new(FALSE, FALSE, sizeof(int)),
                       .names = g_ptr_array_new_with_free_func(g_free)};
    static const char *const all_want[] = {SECRET_A " 0", SECRET_A " 2", SECRET_B " 0",
                                           SECRET_A " 1"};
    static const char *const one_want[] = {SECRET_B " 2", SECRET_B " 1"};
    g_autoptr(VstorStorageSecret) a = NULL;
    g_autoptr(VstorStorageSecret) b = NULL;
    g_autoptr(GError) err = NULL;
    int life, value, id;

    g_mutex_init(&log.lock);
    g_cond_init(&log.cond);
    g_mutex_init(&marker.lock);
    g_cond_init(&marker.cond);
    g_assert_cmpint(
        vstor_connect_secret_event_register(f->conn, NULL, 7, on_secret_event, &log, NULL, &err),
        ==, -1);
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_INVALID_ARG);
    g_clear_error(&err);

    /* Every secret: lifecycle and value-changed, in the order they happened. */
    life =
        vstor_connect_secret_event_register(f->conn, NULL, VSTOR_STORAGE_SECRET_EVENT_ID_LIFECYCLE,
                                            on_secret_event, &log, on_destroy, &err);
    g_assert_no_error(err);
    value = vstor_connect_secret_event_register(f->conn, NULL,
                                                VSTOR_STORAGE_SECRET_EVENT_ID_VALUE_CHANGED,
                                                on_secret_event, &log, NULL, &err);
    g_assert_no_error(err);
    g_assert_cmpint(life, >, 0);
    g_assert_cmpint(value, >, life);
    a = define_secret(f, SECRET_A);
    set_secret_value(a);
    b = define_secret(f, SECRET_B);
    undefine_secret(a);
    g_clear_pointer(&a, vstor_storage_secret_free);
    assert_log(&log, all_want, G_N_ELEMENTS(all_want));
    g_assert_cmpint(vstor_connect_secret_event_deregister(f->conn, life, &err), ==, 0);
    g_assert_true(wait_destroyed(&log));
    g_assert_cmpint(vstor_connect_secret_event_deregister(f->conn, value, &err), ==, 0);
    g_assert_cmpint(vstor_connect_secret_event_deregister(f->conn, value, &err), ==, -1);
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_INVALID_ARG);
    g_clear_error(&err);

    /* One secret: the other's events are not seen. */
    life = vstor_connect_secret_event_register(f->conn, b, VSTOR_STORAGE_SECRET_EVENT_ID_LIFECYCLE,
                                               on_secret_event, &log, NULL, &err);
    g_assert_no_error(err);
    value = vstor_connect_secret_event_register(
        f->conn, b, VSTOR_STORAGE_SECRET_EVENT_ID_VALUE_CHANGED, on_secret_event, &log, NULL, &err);
    g_assert_no_error(err);
    a = define_secret(f, SECRET_A);
    set_secret_value(a);
    set_secret_value(b);
    undefine_secret(b);
    undefine_secret(a);
    assert_log(&log, one_want, G_N_ELEMENTS(one_want));
    g_assert_cmpint(vstor_connect_secret_event_deregister(f->conn, life, &err), ==, 0);
    g_assert_cmpint(vstor_connect_secret_event_deregister(f->conn, value, &err), ==, 0);
    g_clear_pointer(&a, vstor_storage_secret_free);
    g_clear_pointer(&b, vstor_storage_secret_free);

    /* Deregistered: nothing more arrives, though a later registration sees what follows (and
     * remote events come in order, so anything owed to @log would have come first). */
    b = define_secret(f, SECRET_B);
    id = vstor_connect_secret_event_register(f->conn, NULL, VSTOR_STORAGE_SECRET_EVENT_ID_LIFECYCLE,
                                             on_secret_event, &marker, NULL, &err);
    g_assert_no_error(err);
    undefine_secret(b);
    wait_events(&marker, 1);
    g_assert_cmpstr(marker.names->pdata[0], ==, SECRET_B " 1");
    g_assert_cmpuint(log.seen->len, ==, 0);
    g_assert_cmpint(vstor_connect_secret_event_deregister(f->conn, id, &err), ==, 0);
    /* Left registered: closing the connection frees its data (a leak under ASan otherwise). */
    g_assert_cmpint(vstor_connect_secret_event_register(
                        f->conn, NULL, VSTOR_STORAGE_SECRET_EVENT_ID_VALUE_CHANGED, on_secret_noop,
                        g_strdup("left"), g_free, &err),
                    >, 0);
    g_assert_no_error(err);

    g_array_unref(marker.seen);
    g_ptr_array_unref(marker.names);
    g_mutex_clear(&marker.lock);
    g_cond_clear(&marker.cond);
    g_array_unref(log.seen);
    g_ptr_array_unref(log.names);
    g_mutex_clear(&log.lock);
    g_cond_clear(&log.cond);
}

/* --- read-only --- */

static void
test_readonly(ApiFixture *f, gconstpointer data)
{
    g_autoptr(VstorStoragePool) pool = define_pool(f, "ropool", TRUE);
    g_autoptr(VstorConnect) ro = NULL;
    g_autoptr(VstorStoragePool) ro_pool = NULL;
    g_autoptr(GPtrArray) jobs = NULL;
    g_autoptr(GError) err = NULL;

    g_clear_pointer(&pool, vstor_storage_pool_free); /* embedded: its connection goes */
    ro = api_fixture_open_readonly(f);
    ro_pool = vstor_storage_pool_lookup_by_name(ro, "ropool", &err);
    g_assert_no_error(err);
    g_assert_cmpint(vstor_storage_pool_is_active(ro_pool, &err), ==, 1);
    g_assert_cmpint(vstor_storage_pool_destroy(ro_pool, &err), ==, -1);
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_OPERATION_DENIED);
    g_assert_nonnull(strstr(err->message, "virStoragePoolDestroy"));
    g_clear_error(&err);
    g_assert_null(vstor_storage_vol_create_xml(
        ro_pool, "<volume><name>x</name><capacity>1</capacity></volume>", 0, &err));
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_OPERATION_DENIED);
    g_clear_error(&err);
    jobs = vstor_connect_list_jobs(ro, NULL, 0, &err);
    g_assert_no_error(err);
    g_assert_cmpint(vstor_connect_cancel_job(ro, 1, 0, &err), ==, -1);
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_OPERATION_DENIED);
    g_clear_error(&err);
    g_assert_cmpint(vstor_storage_pool_is_active(ro_pool, &err), ==, 1);
}

/* --- many threads, one connection --- */

typedef struct {
    VstorConnect *conn;
    int index;
    gint failures;
} ThreadRun;

static gpointer
lookup_thread(gpointer p)
{
    ThreadRun *run = p;

    for (int i = 0; i < 100; i++) {
        g_autofree char *name = g_strdup_printf("p%d", (run->index + i) % 4);
        g_autoptr(GError) err = NULL;
        g_autoptr(VstorStoragePool) pool = vstor_storage_pool_lookup_by_name(run->conn, name, &err);
        g_autoptr(VstorStoragePool) missing =
            vstor_storage_pool_lookup_by_name(run->conn, "nope", NULL);

        if (!pool || g_strcmp0(vstor_storage_pool_get_name(pool), name) != 0 || missing)
            g_atomic_int_inc(&run->failures);
    }
    return NULL;
}

static void
test_threads(ApiFixture *f, gconstpointer data)
{
    ThreadRun runs[8];
    GThread *threads[8];
    g_autoptr(GError) err = NULL;

    for (int i = 0; i < 4; i++) {
        g_autofree char *name = g_strdup_printf("p%d", i);
        g_autoptr(VstorStoragePool) pool = define_pool(f, name, FALSE);
    }
    for (int i = 0; i < 8; i++) {
        runs[i] = (ThreadRun){f->conn, i, 0};
        threads[i] = g_thread_new("lookup", lookup_thread, &runs[i]);
    }
    for (int i = 0; i < 8; i++) {
        g_thread_join(threads[i]);
        g_assert_cmpint(runs[i].failures, ==, 0);
    }
}

/* --- the daemon goes away --- */

static void
test_daemon_gone(ApiFixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) pools = NULL;

    if (!f->remote) {
        g_test_skip("remote only");
        return;
    }
    api_fixture_stop_daemon(f);
    pools = vstor_connect_list_all_storage_pools(f->conn, 0, &err);
    g_assert_null(pools);
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_RPC);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    api_test_add("events", test_events);
    api_test_add("jobs", test_jobs);
    api_test_add("secrets", test_secrets);
    api_test_add("secret-events", test_secret_events);
    api_test_add("readonly", test_readonly);
    api_test_add("threads", test_threads);
    api_test_add("daemon-gone", test_daemon_gone);
    return g_test_run();
}
