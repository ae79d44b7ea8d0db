/* server.c: vstord's server object — the driver, the two listening Unix sockets, the list of
 * clients, the worker pool that runs procedure calls, and the main loop with its signals. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib-unix.h>

#include "daemon/daemon.h"
#include "util/error.h"

enum { SOCK_RW, SOCK_RO, SOCK_COUNT };

struct _VstorServer {
    VstorServerConfig cfg;
    VstorDriver *drv;
    GMainContext *ctx;
    GMainLoop *loop;
    GThreadPool *workers;
    guint event_sub;
    guint signal_src[2];
    int listen_fd[SOCK_COUNT];
    guint listen_src[SOCK_COUNT];
    char *sock_path[SOCK_COUNT];
    GMutex lock; /* clients, next_callback_id */
    GList *clients;
    int next_callback_id;
};

typedef struct {
    VstorClient *client;
    GBytes *msg; /* a call, or NULL for work */
    GFunc func;
    gpointer data;
} Job;

void
vstor_log(VstorServer *srv, gboolean debug, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *line = NULL;
    g_autoptr(GDateTime) now = g_date_time_new_now_utc();
    g_autofree char *stamp = g_date_time_format(now, "%Y-%m-%d %H:%M:%S");

    if (debug && !(srv && srv->cfg.verbose))
        return;
    va_start(ap, fmt);
    line = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s vstord[%d]: %s%s\n", stamp, (int)getpid(), debug ? "debug: " : "", line);
}

VstorDriver *
vstor_server_driver(VstorServer *srv)
{
    return srv->drv;
}

GMainContext *
vstor_server_context(VstorServer *srv)
{
    return srv->ctx;
}

guint32
vstor_server_max_message(VstorServer *srv)
{
    return srv->cfg.max_message;
}

int
vstor_server_next_callback_id(VstorServer *srv)
{
    int id;

    g_mutex_lock(&srv->lock);
    id = srv->next_callback_id++;
    g_mutex_unlock(&srv->lock);
    return id;
}

static void
worker_run(gpointer data, gpointer user_data)
{
    Job *job = data;

    if (job->msg) {
        vstor_dispatch_call(job->client, job->msg);
        vstor_client_job_done(job->client);
        g_bytes_unref(job->msg);
    } else {
        job->func(job->client, job->data);
    }
    vstor_client_unref(job->client);
    g_free(job);
}

static void
push_job(VstorServer *srv, Job *job)
{
    g_autoptr(GError) err = NULL;

    /* Pushing only fails when no thread can be made at all; the call then runs here rather
     * than being lost, which at worst delays this client's loop. */
    if (!g_thread_pool_push(srv->workers, job, &err)) {
        vstor_log(srv, FALSE, "cannot queue a call: %s", err->message);
        worker_run(job, srv);
    }
}

void
vstor_server_push_call(VstorServer *srv, VstorClient *client, GBytes *msg)
{
    Job *job = g_new0(Job, 1);

    job->client = vstor_client_ref(client);
    job->msg = g_bytes_ref(msg);
    push_job(srv, job);
}

void
vstor_server_push_work(VstorServer *srv, VstorClient *client, GFunc func, gpointer data)
{
    Job *job = g_new0(Job, 1);

    job->client = vstor_client_ref(client);
    job->func = func;
    job->data = data;
    push_job(srv, job);
}

void
vstor_server_client_gone(VstorServer *srv, VstorClient *client)
{
    GList *l;

    g_mutex_lock(&srv->lock);
    l = g_list_find(srv->clients, client);
    if (l)
        srv->clients = g_list_delete_link(srv->clients, l);
    g_mutex_unlock(&srv->lock);
    if (l)
        vstor_client_unref(client);
}

GPtrArray *
vstor_server_clients(VstorServer *srv)
{
    GPtrArray *all = g_ptr_array_new_with_free_func((GDestroyNotify)vstor_client_unref);

    g_mutex_lock(&srv->lock);
    for (GList *l = srv->clients; l; l = l->next)
        g_ptr_array_add(all, vstor_client_ref(l->data));
    g_mutex_unlock(&srv->lock);
    return all;
}

static gboolean
on_accept(int fd, GIOCondition cond, gpointer data)
{
    VstorServer *srv = data;
    gboolean readonly = fd == srv->listen_fd[SOCK_RO];

    /* Drain the backlog: many clients may connect at once. */
    for (;;) {
        int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        VstorClient *client;

        if (cfd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                vstor_log(srv, FALSE, "accept failed: %s", g_strerror(errno));
            break;
        }
        client = vstor_client_new(srv, cfd, readonly);
        g_mutex_lock(&srv->lock);
        srv->clients = g_list_prepend(srv->clients, client);
        g_mutex_unlock(&srv->lock);
        vstor_log(srv, TRUE, "client %p connected on the %s socket", (void *)client,
                  readonly ? "read-only" : "read-write");
    }
    return G_SOURCE_CONTINUE;
}

static int
listen_on(const char *path, mode_t mode, int *ret_fd, GError **err)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    int fd;

    if (strlen(path) >= sizeof(addr.sun_path)) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG, "socket path %s is too long", path);
        return -1;
    }
    g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot create socket");
        return -1;
    }
    /* The root lock (taken by the driver) makes us the only owner, so a socket file left
     * behind is stale. */
    if (unlink(path) < 0 && errno != ENOENT) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot remove %s", path);
        close(fd);
        return -1;
    }
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || chmod(path, mode) < 0 ||
        listen(fd, 512) < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot listen on %s", path);
        close(fd);
        return -1;
    }
    *ret_fd = fd;
    return 0;
}

static gboolean
on_signal(gpointer data)
{
    VstorServer *srv = data;

    vstor_log(srv, FALSE, "signal received, stopping");
    g_main_loop_quit(srv->loop);
    return G_SOURCE_CONTINUE;
}

VstorServer *
vstor_server_new(const VstorServerConfig *cfg, GError **err)
{
    g_autoptr(VstorServer) srv = g_new0(VstorServer, 1);
    g_autofree char *run = NULL;
    const mode_t modes[SOCK_COUNT] = {0600, 0666};
    const char *names[SOCK_COUNT] = {"vstord-sock", "vstord-sock-ro"};

    srv->cfg = *cfg;
    srv->cfg.root = g_strdup(cfg->root);
    srv->listen_fd[SOCK_RW] = srv->listen_fd[SOCK_RO] = -1;
    srv->next_callback_id = 1;
    g_mutex_init(&srv->lock);
    srv->ctx = g_main_context_ref(g_main_context_default());
    srv->loop = g_main_loop_new(srv->ctx, FALSE);

    srv->drv = vstor_driver_open(cfg->root, 0, err);
    if (!srv->drv)
        return NULL;
    srv->event_sub = vstor_driver_event_subscribe(srv->drv, vstor_events_relay, srv, NULL);

    run = cfg->root ? g_build_filename(cfg->root, "run", NULL) : g_strdup("/run/vstor");
    if (g_mkdir_with_parents(run, 0755) < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot create %s", run);
        return NULL;
    }
    for (int i = 0; i < SOCK_COUNT; i++) {
        srv->sock_path[i] = g_build_filename(run, names[i], NULL);
        if (listen_on(srv->sock_path[i], modes[i], &srv->listen_fd[i], err) < 0)
            return NULL;
        srv->listen_src[i] = g_unix_fd_add(srv->listen_fd[i], G_IO_IN, on_accept, srv);
    }
    srv->workers = g_thread_pool_new(worker_run, srv, cfg->max_workers, FALSE, err);
    if (!srv->workers)
        return NULL;
    srv->signal_src[0] = g_unix_signal_add(SIGTERM, on_signal, srv);
    srv->signal_src[1] = g_unix_signal_add(SIGINT, on_signal, srv);
    vstor_log(srv, FALSE, "listening on %s and %s", srv->sock_path[SOCK_RW],
              srv->sock_path[SOCK_RO]);
    return g_steal_pointer(&srv);
}

void
vstor_server_run(VstorServer *srv)
{
    /* Writes to a vanished client must fail with EPIPE, not kill the daemon. */
    signal(SIGPIPE, SIG_IGN);
    g_main_loop_run(srv->loop);
}

void
vstor_server_free(VstorServer *srv)
{
    g_autoptr(GPtrArray) clients = NULL;

    if (!srv)
        return;
    for (gsize i = 0; i < G_N_ELEMENTS(srv->signal_src); i++) {
        if (srv->signal_src[i])
            g_source_remove(srv->signal_src[i]);
    }
    for (int i = 0; i < SOCK_COUNT; i++) {
        if (srv->listen_src[i])
            g_source_remove(srv->listen_src[i]);
        if (srv->listen_fd[i] >= 0) {
            close(srv->listen_fd[i]);
            unlink(srv->sock_path[i]);
        }
        g_free(srv->sock_path[i]);
    }
    /* Closing wakes workers waiting on a client, so the pool can drain. */
    clients = vstor_server_clients(srv);
    for (guint i = 0; i < clients->len; i++)
        vstor_client_close(clients->pdata[i]);
    if (srv->workers)
        g_thread_pool_free(srv->workers, FALSE, TRUE);
    /* Let the closed clients' sources finish on the loop they belong to. */
    while (g_main_context_iteration(srv->ctx, FALSE))
        ;
    g_ptr_array_set_size(clients, 0);
    g_mutex_lock(&srv->lock);
    g_list_free_full(g_steal_pointer(&srv->clients), (GDestroyNotify)vstor_client_unref);
    g_mutex_unlock(&srv->lock);
    if (srv->drv) {
        if (srv->event_sub)
            vstor_driver_event_unsubscribe(srv->drv, srv->event_sub);
        vstor_driver_close(srv->drv);
    }
    g_main_loop_unref(srv->loop);
    g_main_context_unref(srv->ctx);
    g_mutex_clear(&srv->lock);
    g_free(srv->cfg.root);
    g_free(srv);
}
