/* server.c: vstord's server object — the driver, the two listening Unix sockets, the list of
 * clients, the worker pool that runs procedure calls, and the main loop with its signals. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
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
#include "util/workers.h"

/* How long the worker that just answered a call keeps watching for the next one before it
 * sleeps: a client's calls in a row (a script deleting volumes, say) then skip a thread's
 * wake-up, 15-20 % of each such call on a VM, for at most this much CPU per call. */
#define WORKER_SPIN_US 200
/* The same for the main loop, before it blocks in poll: the next call of a client that calls
 * in a row (look-ups, info, XML, answered on the loop itself) is read without a wake-up. */
#define MAIN_SPIN_US 100

static gint
main_poll(GPollFD *fds, guint nfds, gint timeout)
{
    static gsize spin_us; /* the budget plus one, worked out once (g_once needs non-zero) */

    if (g_once_init_enter(&spin_us))
        g_once_init_leave(&spin_us, vstor_spin_budget(MAIN_SPIN_US) + 1);
    return vstor_spin_poll(fds, nfds, timeout, (guint)spin_us - 1);
}

enum { SOCK_RW, SOCK_RO, SOCK_COUNT };

struct _VstorServer {
    VstorServerConfig cfg;
    VstorDaemonConfig *conf; /* as last loaded (main thread) */
    VstorLogger *log;
    char *run_dir;
    char *config_path; /* re-read on SIGHUP */
    gboolean activated; /* sockets from systemd: not ours to chmod or unlink */
    /* Live limits, read from any thread. */
    gint max_clients, max_client_requests, max_message, ka_interval, ka_count;
    VstorDriver *drv;
    GMainContext *ctx;
    GMainLoop *loop;
    VstorWorkers *workers;
    guint event_sub;
    guint secret_event_sub;
    guint signal_src[3];
    int listen_fd[SOCK_COUNT];
    guint listen_src[SOCK_COUNT];
    char *sock_path[SOCK_COUNT];
    GMutex lock; /* clients, next_callback_id, access */
    VstorAccessRules *access; /* the pool access rules in force */
    GList *clients;
    int n_clients;
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

    va_start(ap, fmt);
    vstor_logger_logv(srv ? srv->log : NULL, debug ? VSTOR_LOG_DEBUG : VSTOR_LOG_INFO, fmt, ap);
    va_end(ap);
}

void
vstor_log_at(VstorServer *srv, int level, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vstor_logger_logv(srv ? srv->log : NULL, level, fmt, ap);
    va_end(ap);
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
    return (guint32)g_atomic_int_get(&srv->max_message);
}

guint
vstor_server_max_client_requests(VstorServer *srv)
{
    return (guint)g_atomic_int_get(&srv->max_client_requests);
}

const char *
vstor_server_run_dir(VstorServer *srv)
{
    return srv->run_dir;
}

void
vstor_server_start_keepalive(VstorServer *srv, VstorClient *client)
{
    int interval = g_atomic_int_get(&srv->ka_interval);

    if (interval > 0)
        vstor_client_start_keepalive(client, interval, g_atomic_int_get(&srv->ka_count));
}

VstorAccessRules *
vstor_server_access_rules(VstorServer *srv)
{
    VstorAccessRules *rules;

    g_mutex_lock(&srv->lock);
    rules = vstor_access_rules_ref(srv->access);
    g_mutex_unlock(&srv->lock);
    return rules;
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
    vstor_workers_push(srv->workers, job); /* never lost: runs here when no thread can be made */
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
    if (l) {
        srv->clients = g_list_delete_link(srv->clients, l);
        srv->n_clients--;
    }
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

/* Whether @uid (primary group @gid) belongs to group @want, supplementary groups included. */
static gboolean
user_in_group(uid_t uid, gid_t gid, gid_t want)
{
    struct passwd pw, *res = NULL;
    char buf[4096];
    gid_t groups[256];
    int n = G_N_ELEMENTS(groups);

    if (gid == want)
        return TRUE;
    if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) != 0 || !res)
        return FALSE;
    if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &n) < 0)
        n = G_N_ELEMENTS(groups); /* more groups than we look at: check the first ones */
    for (int i = 0; i < n; i++) {
        if (groups[i] == want)
            return TRUE;
    }
    return FALSE;
}

/* Why the peer on @fd may not use the read-write socket, or NULL when it may: root, the
 * daemon's own user and members of unix_sock_group may. */
static char *
rw_denied_reason(VstorServer *srv, int fd)
{
    struct ucred cr;
    socklen_t len = sizeof(cr);

    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0)
        return g_strdup_printf("cannot read the peer's credentials: %s", g_strerror(errno));
    if (cr.uid == 0 || cr.uid == geteuid())
        return NULL;
    if (srv->conf->sock_group && user_in_group(cr.uid, cr.gid, srv->conf->sock_gid))
        return NULL;
    if (srv->conf->sock_group)
        return g_strdup_printf("uid %u (pid %d) is neither root nor in group '%s'; "
                               "use the read-only socket",
                               (unsigned)cr.uid, (int)cr.pid, srv->conf->sock_group);
    return g_strdup_printf("uid %u (pid %d) is not root; use the read-only socket",
                           (unsigned)cr.uid, (int)cr.pid);
}

static gboolean
on_accept(int fd, GIOCondition cond, gpointer data)
{
    VstorServer *srv = data;
    gboolean readonly = fd == srv->listen_fd[SOCK_RO];

    /* Drain the backlog: many clients may connect at once. */
    for (;;) {
        int cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        int max = g_atomic_int_get(&srv->max_clients);
        gboolean full;
        char *denied = NULL;
        VstorClient *client;

        if (cfd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                vstor_log(srv, FALSE, "accept failed: %s", g_strerror(errno));
            break;
        }
        g_mutex_lock(&srv->lock);
        full = srv->n_clients >= max;
        g_mutex_unlock(&srv->lock);
        if (full) {
            vstor_log_at(srv, VSTOR_LOG_WARNING,
                         "refusing a client on the %s socket: max_clients (%d) reached",
                         readonly ? "read-only" : "read-write", max);
            close(cfd);
            continue;
        }
        if (!readonly && (denied = rw_denied_reason(srv, cfd)))
            vstor_log_at(srv, VSTOR_LOG_WARNING, "client on the read-write socket denied: %s",
                         denied);
        client = vstor_client_new(srv, cfd, readonly, denied);
        g_mutex_lock(&srv->lock);
        srv->clients = g_list_prepend(srv->clients, client);
        srv->n_clients++;
        g_mutex_unlock(&srv->lock);
        vstor_log(srv, TRUE, "client %p connected on the %s socket", (void *)client,
                  readonly ? "read-only" : "read-write");
    }
    return G_SOURCE_CONTINUE;
}

static int
listen_on(const char *path, mode_t mode, gid_t gid, int *ret_fd, GError **err)
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
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
        (gid != (gid_t)-1 && chown(path, (uid_t)-1, gid) < 0) || chmod(path, mode) < 0 ||
        listen(fd, 512) < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot listen on %s", path);
        close(fd);
        return -1;
    }
    *ret_fd = fd;
    return 0;
}

/* Takes a socket systemd passed: non-blocking, and its path for the log. */
static int
adopt_socket(int fd, char **ret_path, GError **err)
{
    struct sockaddr_un addr = {0};
    socklen_t len = sizeof(addr);
    int flags = fcntl(fd, F_GETFL);

    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 ||
        fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 || getsockname(fd, (struct sockaddr *)&addr, &len) < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno,
                              "socket activation: fd %d is not a usable socket", fd);
        return -1;
    }
    if (addr.sun_family != AF_UNIX) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG, "socket activation: fd %d is not a Unix socket",
                        fd);
        return -1;
    }
    *ret_path = g_strndup(addr.sun_path, sizeof(addr.sun_path));
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

static gboolean
on_sighup(gpointer data)
{
    vstor_server_reload(data);
    return G_SOURCE_CONTINUE;
}

/* Publishes the live limits of @conf to the threads that read them. */
static void
apply_limits(VstorServer *srv, const VstorDaemonConfig *conf)
{
    g_atomic_int_set(&srv->max_clients, conf->max_clients);
    g_atomic_int_set(&srv->max_client_requests, conf->max_client_requests);
    g_atomic_int_set(&srv->max_message, conf->max_message_size);
    g_atomic_int_set(&srv->ka_interval, conf->keepalive_interval);
    g_atomic_int_set(&srv->ka_count, conf->keepalive_count);
}

VstorServer *
vstor_server_new(const VstorServerConfig *cfg, VstorDaemonConfig *conf, GError **err)
{
    g_autoptr(VstorServer) srv = g_new0(VstorServer, 1);
    const char *names[SOCK_COUNT] = {"vstord-sock", "vstord-sock-ro"};

    srv->cfg = *cfg;
    srv->cfg.root = g_strdup(cfg->root);
    srv->config_path = g_strdup(cfg->config_path);
    srv->cfg.config_path = srv->config_path;
    srv->conf = conf;
    srv->access = vstor_access_rules_ref(conf->access);
    srv->listen_fd[SOCK_RW] = srv->listen_fd[SOCK_RO] = -1;
    srv->next_callback_id = 1;
    g_mutex_init(&srv->lock);
    srv->ctx = g_main_context_ref(g_main_context_default());
    g_main_context_set_poll_func(srv->ctx, main_poll);
    srv->loop = g_main_loop_new(srv->ctx, FALSE);
    apply_limits(srv, conf);
    srv->log = vstor_logger_new(conf->log_level, conf->outputs, cfg->verbose, err);
    if (!srv->log)
        return NULL;

    srv->drv = vstor_driver_open(cfg->root, 0, err);
    if (!srv->drv)
        return NULL;
    srv->event_sub = vstor_driver_event_subscribe(srv->drv, vstor_events_relay, srv, NULL);
    srv->secret_event_sub = vstor_secret_store_subscribe(vstor_driver_secrets(srv->drv),
                                                         vstor_events_relay_secret, srv);

    srv->run_dir = cfg->root ? g_build_filename(cfg->root, "run", NULL) : g_strdup("/run/vstor");
    if (g_mkdir_with_parents(srv->run_dir, 0755) < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot create %s", srv->run_dir);
        return NULL;
    }
    srv->activated = cfg->listen_fd[SOCK_RW] >= 0;
    for (int i = 0; i < SOCK_COUNT; i++) {
        const mode_t mode = i == SOCK_RW ? conf->rw_perms : conf->ro_perms;

        if (srv->activated) {
            if (adopt_socket(cfg->listen_fd[i], &srv->sock_path[i], err) < 0)
                return NULL;
            srv->listen_fd[i] = cfg->listen_fd[i];
        } else {
            srv->sock_path[i] = g_build_filename(srv->run_dir, names[i], NULL);
            if (listen_on(srv->sock_path[i], mode, conf->sock_gid, &srv->listen_fd[i], err) < 0)
                return NULL;
        }
        srv->listen_src[i] = g_unix_fd_add(srv->listen_fd[i], G_IO_IN, on_accept, srv);
    }
    if (g_strcmp0(g_getenv("VSTOR_QUICK_CALLS"), "0") == 0)
        vstor_dispatch_set_quick(FALSE);
    srv->workers = vstor_workers_new("vstor-worker", worker_run, srv, conf->max_workers,
                                     vstor_spin_budget(WORKER_SPIN_US));
    srv->signal_src[0] = g_unix_signal_add(SIGTERM, on_signal, srv);
    srv->signal_src[1] = g_unix_signal_add(SIGINT, on_signal, srv);
    srv->signal_src[2] = g_unix_signal_add(SIGHUP, on_sighup, srv);
    vstor_log(srv, FALSE, "listening on %s and %s%s", srv->sock_path[SOCK_RW],
              srv->sock_path[SOCK_RO], srv->activated ? " (socket activation)" : "");
    if (vstor_access_rules_count(srv->access))
        vstor_log(srv, FALSE, "pool access rules: %u section(s)",
                  vstor_access_rules_count(srv->access));
    return g_steal_pointer(&srv);
}

/* Logs and counts one changed setting. */
#define RELOAD_INT(field)                                                                          \
    do {                                                                                           \
        if (old->field != conf->field) {                                                           \
            vstor_log(srv, FALSE, "reload: " #field " %d -> %d", old->field, conf->field);         \
            changes++;                                                                             \
        }                                                                                          \
    } while (0)

void
vstor_server_reload(VstorServer *srv)
{
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) err = NULL;
    g_autoptr(VstorDaemonConfig) conf = NULL;
    VstorDaemonConfig *old = srv->conf;
    const char *path = srv->config_path;
    int changes = 0;

    if (!path) {
        vstor_log_at(srv, VSTOR_LOG_WARNING, "reload: no configuration file to read");
        return;
    }
    vstor_log(srv, FALSE, "reload: reading %s", path);
    conf = vstor_daemon_config_load(path, srv->cfg.config_missing_ok, warnings, &err);
    if (!conf) {
        vstor_log_at(srv, VSTOR_LOG_ERROR, "reload: %s; keeping the running configuration",
                     err->message);
        return;
    }
    if (!conf->path)
        conf->path = g_strdup(path);
    for (guint i = 0; i < warnings->len; i++)
        vstor_log_at(srv, VSTOR_LOG_WARNING, "%s", (char *)warnings->pdata[i]);
    if (old->log_level != conf->log_level || g_strcmp0(old->log_outputs, conf->log_outputs) != 0) {
        if (vstor_logger_reconfigure(srv->log, conf->log_level, conf->outputs, &err) < 0) {
            vstor_log_at(srv, VSTOR_LOG_ERROR, "reload: %s; keeping the running configuration",
                         err->message);
            return;
        }
        vstor_log(srv, FALSE, "reload: log_level %d -> %d, log_outputs \"%s\" -> \"%s\"",
                  old->log_level, conf->log_level, old->log_outputs ? old->log_outputs : "",
                  conf->log_outputs ? conf->log_outputs : "");
        changes++;
    }
    RELOAD_INT(max_clients);
    RELOAD_INT(max_workers);
    RELOAD_INT(max_client_requests);
    RELOAD_INT(max_message_size);
    RELOAD_INT(keepalive_interval);
    RELOAD_INT(keepalive_count);
    if (old->max_workers != conf->max_workers)
        vstor_workers_set_max(srv->workers, conf->max_workers);
    if (g_strcmp0(old->sock_group, conf->sock_group) != 0 || old->rw_perms != conf->rw_perms ||
        old->ro_perms != conf->ro_perms)
        vstor_log_at(srv, VSTOR_LOG_WARNING,
                     "reload: unix_sock_group and unix_sock_*_perms "
                     "take effect at the next start");
    /* The socket group decides access on the read-write socket: it stays what the sockets
     * were made with until the next start. */
    g_free(conf->sock_group);
    conf->sock_group = g_strdup(old->sock_group);
    conf->sock_gid = old->sock_gid;
    conf->rw_perms = old->rw_perms;
    conf->ro_perms = old->ro_perms;
    if (!vstor_access_rules_equal(old->access, conf->access)) {
        vstor_log(srv, FALSE, "reload: pool access rules: %u -> %u section(s)",
                  vstor_access_rules_count(old->access), vstor_access_rules_count(conf->access));
        changes++;
    }
    g_mutex_lock(&srv->lock);
    vstor_access_rules_unref(srv->access);
    srv->access = vstor_access_rules_ref(conf->access);
    g_mutex_unlock(&srv->lock);
    apply_limits(srv, conf);
    srv->conf = g_steal_pointer(&conf);
    vstor_daemon_config_free(old);
    vstor_log(srv, FALSE, "reload: done, %d setting(s) changed", changes);
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
            /* Sockets systemd made stay for its next activation. */
            if (!srv->activated)
                unlink(srv->sock_path[i]);
        }
        g_free(srv->sock_path[i]);
    }
    /* Closing wakes workers waiting on a client, so the pool can drain. */
    clients = vstor_server_clients(srv);
    for (guint i = 0; i < clients->len; i++)
        vstor_client_close(clients->pdata[i]);
    vstor_workers_free(g_steal_pointer(&srv->workers));
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
        if (srv->secret_event_sub)
            vstor_secret_store_unsubscribe(vstor_driver_secrets(srv->drv), srv->secret_event_sub);
        vstor_driver_close(srv->drv);
    }
    g_main_loop_unref(srv->loop);
    g_main_context_unref(srv->ctx);
    g_mutex_clear(&srv->lock);
    vstor_logger_free(srv->log);
    vstor_daemon_config_free(srv->conf);
    vstor_access_rules_unref(srv->access);
    g_free(srv->run_dir);
    g_free(srv->config_path);
    g_free(srv->cfg.root);
    g_free(srv);
}
