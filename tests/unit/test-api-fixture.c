/* test-api-fixture.c: starts and stops a real vstord on a temporary root for the remote mode
 * of the public API tests, so the same test bodies run against both kinds of connection. */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test-api-fixture.h"
#include "util/error.h"

static void
start_daemon(ApiFixture *f)
{
    const char *vstord = g_getenv("VSTOR_VSTORD");
    g_autoptr(GError) err = NULL;
    const char *argv[] = {vstord, "--root", f->root, NULL};

    if (!vstord)
        g_error("VSTOR_VSTORD is not set: run the tests through meson");
    g_spawn_async(NULL, (char **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDERR_TO_DEV_NULL,
                  NULL, NULL, &f->daemon, &err);
    g_assert_no_error(err);
}

/* Opens @uri, retrying while the daemon is still starting (up to ten seconds). */
static VstorConnect *
open_retry(const char *uri, unsigned int flags)
{
    g_autoptr(GError) err = NULL;

    for (int i = 0; i < 1000; i++) {
        VstorConnect *conn;

        g_clear_error(&err);
        if ((conn = vstor_connect_open(uri, flags, &err)))
            return conn;
        if (!g_error_matches(err, VSTOR_ERROR, VSTOR_ERR_SYSTEM_ERROR))
            break;
        g_usleep(10000);
    }
    g_error("cannot open %s: %s", uri, err->message);
    return NULL;
}

void
api_fixture_stop_daemon(ApiFixture *f)
{
    int status;

    if (!f->daemon)
        return;
    kill(f->daemon, SIGTERM);
    g_assert_cmpint(waitpid(f->daemon, &status, 0), ==, f->daemon);
    /* A clean stop (under ASan: no leak or error report either). */
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 0);
    g_spawn_close_pid(f->daemon);
    f->daemon = 0;
}

void
api_fixture_setup(ApiFixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;

    f->remote = g_str_equal(data, API_REMOTE);
    f->tmp = g_dir_make_tmp("vstor-api-XXXXXX", &err);
    g_assert_no_error(err);
    f->root = g_build_filename(f->tmp, "root", NULL);
    f->pooldir = g_build_filename(f->tmp, "images", NULL);
    if (f->remote) {
        f->uri = g_strdup_printf("vstor+unix:///system?socket=%s/run/vstord-sock", f->root);
        start_daemon(f);
        f->conn = open_retry(f->uri, 0);
    } else {
        f->uri = g_strdup_printf("vstor:///embed?root=%s", f->root);
        f->conn = vstor_connect_open(f->uri, 0, &err);
        g_assert_no_error(err);
    }
}

void
api_fixture_teardown(ApiFixture *f, gconstpointer data)
{
    const char *argv[] = {"rm", "-rf", f->tmp, NULL};

    vstor_connect_close(f->conn);
    api_fixture_stop_daemon(f);
    g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL,
                 NULL);
    g_free(f->tmp);
    g_free(f->root);
    g_free(f->pooldir);
    g_free(f->uri);
}

void
api_fixture_restart(ApiFixture *f)
{
    g_autoptr(GError) err = NULL;

    g_clear_pointer(&f->conn, vstor_connect_close);
    if (f->remote) {
        api_fixture_stop_daemon(f);
        start_daemon(f);
        f->conn = open_retry(f->uri, 0);
    } else {
        f->conn = vstor_connect_open(f->uri, 0, &err);
        g_assert_no_error(err);
    }
}

VstorConnect *
api_fixture_open_readonly(ApiFixture *f)
{
    g_autofree char *uri = NULL;
    g_autoptr(GError) err = NULL;
    VstorConnect *conn;

    /* Remote: the read-only socket, named explicitly (?socket= is used as given). */
    if (f->remote)
        uri = g_strdup_printf("vstor+unix:///system?socket=%s/run/vstord-sock-ro", f->root);
    else
        uri = g_strdup(f->uri);
    if (f->remote)
        return open_retry(uri, VSTOR_CONNECT_RO);
    /* An embedded root has one owner: the read-only view replaces the fixture's connection. */
    g_clear_pointer(&f->conn, vstor_connect_close);
    conn = vstor_connect_open(uri, VSTOR_CONNECT_RO, &err);
    g_assert_no_error(err);
    return conn;
}

void
api_test_add(const char *name, void (*func)(ApiFixture *, gconstpointer))
{
    static const char *const modes[] = {API_EMBEDDED, API_REMOTE};

    for (guint i = 0; i < G_N_ELEMENTS(modes); i++) {
        g_autofree char *path = g_strdup_printf("/api/%s/%s", modes[i], name);

        g_test_add(path, ApiFixture, modes[i], api_fixture_setup, func, api_fixture_teardown);
    }
}
