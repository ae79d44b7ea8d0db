/* vstord.c: the daemon's entry point — options, the state root, the definition check, and
 * serving libvirt's remote protocol on the root's sockets until SIGTERM. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>

#include "conf/pool_conf.h"
#include "daemon/daemon.h"

typedef struct {
    char *root;
    char *config;
    gboolean daemonize;
    gboolean verbose;
    gboolean version;
    gboolean check;
} DaemonOptions;

static void
daemon_options_clear(DaemonOptions *opts)
{
    g_free(opts->root);
    g_free(opts->config);
}

/* The configuration directory: DIR/etc under --root, /etc/vstor otherwise. */
static char *
etc_dir(const DaemonOptions *opts)
{
    return opts->root ? g_build_filename(opts->root, "etc", NULL) : g_strdup("/etc/vstor");
}

/* Parses every persistent pool definition under <etc>/storage and reports each problem.
 * Returns the number of definitions that failed. */
static int
check_definitions(const DaemonOptions *opts)
{
    g_autofree char *etc = etc_dir(opts);
    g_autofree char *dir = g_build_filename(etc, "storage", NULL);
    g_autoptr(GError) err = NULL;
    g_autoptr(GDir) d = g_dir_open(dir, 0, &err);
    const char *ent;
    int bad = 0, good = 0;

    if (!d) {
        if (g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
            printf("%s: no pool definitions\n", dir);
            return 0;
        }
        fprintf(stderr, "vstord: cannot read %s: %s\n", dir, err->message);
        return 1;
    }
    while ((ent = g_dir_read_name(d))) {
        g_autofree char *path = NULL;
        g_autofree char *text = NULL;
        g_autofree char *expect = NULL;
        g_autoptr(GError) perr = NULL;
        g_autoptr(VstorPoolDef) def = NULL;

        if (!g_str_has_suffix(ent, ".xml"))
            continue;
        path = g_build_filename(dir, ent, NULL);
        if (!g_file_get_contents(path, &text, NULL, &perr) ||
            !(def = vstor_pool_def_parse(text, 0, &perr))) {
            fprintf(stderr, "%s: %s\n", path, perr->message);
            bad++;
            continue;
        }
        /* A definition is found by its file name, so the two must agree. */
        expect = g_strdup_printf("%s.xml", def->name);
        if (strcmp(expect, ent) != 0) {
            fprintf(stderr, "%s: defines pool '%s'; rename the file to %s\n", path, def->name,
                    expect);
            bad++;
            continue;
        }
        if (opts->verbose)
            printf("%s: pool '%s' (%s) ok\n", path, def->name,
                   vstor_pool_type_to_string(def->type));
        good++;
    }
    printf("%d definition(s) ok, %d with problems\n", good, bad);
    return bad;
}

/* What systemd handed over in the environment, read once before any thread starts. */
typedef struct {
    char *notify_socket; /* NOTIFY_SOCKET, or NULL */
    int listen_fd[2]; /* LISTEN_FDS: read-write, read-only; -1 when not socket-activated */
} SystemdEnv;

/* Whether the socket @fd is bound to a path ending in "-ro". */
static gboolean
socket_is_readonly(int fd)
{
    struct sockaddr_un addr = {0};
    socklen_t len = sizeof(addr);
    g_autofree char *path = NULL;

    if (getsockname(fd, (struct sockaddr *)&addr, &len) < 0 || addr.sun_family != AF_UNIX)
        return FALSE;
    path = g_strndup(addr.sun_path, sizeof(addr.sun_path));
    return g_str_has_suffix(path, "-ro");
}

/* Takes NOTIFY_SOCKET and LISTEN_PID/LISTEN_FDS out of the environment (so nothing we spawn
 * sees them). Socket activation passes fds 3 and 4 in the order vstord.socket and
 * vstord-ro.socket list them; a read-only socket named first is recognised by its path. */
static int
systemd_env_take(SystemdEnv *env, GError **err)
{
    const char *pid = g_getenv("LISTEN_PID");
    const char *fds = g_getenv("LISTEN_FDS");
    guint64 p = 0, n = 0;

    env->notify_socket = g_strdup(g_getenv("NOTIFY_SOCKET"));
    env->listen_fd[0] = env->listen_fd[1] = -1;
    if (pid && fds && g_ascii_string_to_unsigned(pid, 10, 1, G_MAXINT, &p, NULL) &&
        (pid_t)p == getpid()) {
        if (!g_ascii_string_to_unsigned(fds, 10, 0, 64, &n, NULL) || n != 2) {
            vstor_error_set(err, VSTOR_ERR_INVALID_ARG,
                            "socket activation passed LISTEN_FDS=%s; vstord needs 2 sockets "
                            "(vstord.socket, then vstord-ro.socket)",
                            fds);
            return -1;
        }
        env->listen_fd[0] = 3;
        env->listen_fd[1] = 4;
        if (socket_is_readonly(3) && !socket_is_readonly(4)) {
            env->listen_fd[0] = 4;
            env->listen_fd[1] = 3;
        }
    }
    g_unsetenv("NOTIFY_SOCKET");
    g_unsetenv("LISTEN_PID");
    g_unsetenv("LISTEN_FDS");
    g_unsetenv("LISTEN_FDNAMES");
    return 0;
}

/* Sends @msg to systemd's notification socket (a datagram socket; '@' is abstract). */
static int
systemd_notify(const char *sock, const char *msg, GError **err)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    gsize len = strlen(sock);
    int fd;
    ssize_t n;

    if (len == 0 || len >= sizeof(addr.sun_path) || (sock[0] != '/' && sock[0] != '@')) {
        vstor_error_set(err, VSTOR_ERR_INVALID_ARG, "bad NOTIFY_SOCKET '%s'", sock);
        return -1;
    }
    memcpy(addr.sun_path, sock, len);
    if (addr.sun_path[0] == '@')
        addr.sun_path[0] = '\0';
    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "%s",
                              "cannot make a socket to notify systemd");
        return -1;
    }
    n = sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&addr,
               offsetof(struct sockaddr_un, sun_path) + len);
    if (n < 0) {
        int e = errno;

        close(fd);
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, e, "cannot notify %s", sock);
        return -1;
    }
    close(fd);
    return 0;
}

/* Forks into the background. The parent waits for the child to say it is serving (one byte
 * on a pipe) and returns 1 with *ret_status 0, or the child's status when it fails to start,
 * for the caller to return from main (so its cleanup runs: valgrind would count what it holds
 * as lost at an _exit); returns 0 in the child, with *ret_ready the write end of that pipe;
 * -1 when the pipe, the fork or setsid fails. */
static int
daemonize(int *ret_ready, int *ret_status)
{
    int fds[2];
    pid_t pid;
    char byte;
    ssize_t n;
    int status = 0;

    if (pipe2(fds, O_CLOEXEC) < 0) {
        fprintf(stderr, "vstord: pipe: %s\n", g_strerror(errno));
        return -1;
    }
    fflush(NULL); /* nothing buffered before the fork is written twice */
    pid = fork();
    if (pid < 0) {
        fprintf(stderr, "vstord: fork: %s\n", g_strerror(errno));
        return -1;
    }
    if (pid > 0) {
        close(fds[1]);
        do {
            n = read(fds[0], &byte, 1);
        } while (n < 0 && errno == EINTR);
        close(fds[0]);
        if (n == 1)
            *ret_status = 0;
        else if (waitpid(pid, &status, 0) == pid && WIFEXITED(status))
            *ret_status = WEXITSTATUS(status) ? WEXITSTATUS(status) : 1;
        else
            *ret_status = 1;
        return 1;
    }
    close(fds[0]);
    if (setsid() < 0) {
        fprintf(stderr, "vstord: setsid: %s\n", g_strerror(errno));
        return -1;
    }
    *ret_ready = fds[1];
    return 0;
}

/* Background mode once serving: the pid file, stdio to /dev/null, and the parent released. */
static int
daemon_ready(VstorServer *srv, const char *pidfile, int ready_fd)
{
    g_autofree char *text = g_strdup_printf("%d\n", (int)getpid());
    g_autoptr(GError) err = NULL;
    int null_fd;

    if (!g_file_set_contents_full(pidfile, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, &err)) {
        vstor_log(srv, FALSE, "cannot write the pid file: %s", err->message);
        return -1;
    }
    null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null_fd >= 0) {
        dup2(null_fd, STDIN_FILENO);
        dup2(null_fd, STDOUT_FILENO);
        dup2(null_fd, STDERR_FILENO);
        close(null_fd);
    }
    if (write(ready_fd, "", 1) != 1)
        vstor_log(srv, TRUE, "the parent is gone: %s", g_strerror(errno));
    close(ready_fd);
    return 0;
}

/* Runs the server until a stop signal; 0 on a clean stop, 1 when it cannot start. */
static int
serve(const DaemonOptions *opts, const char *config_path, gboolean missing_ok)
{
    VstorServerConfig cfg = {
        .root = opts->root,
        .verbose = opts->verbose,
        .config_path = config_path,
        .config_missing_ok = missing_ok,
    };
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) err = NULL;
    g_autoptr(VstorServer) srv = NULL;
    g_autoptr(VstorDaemonConfig) conf = NULL;
    g_autofree char *pidfile = NULL;
    SystemdEnv env = {0};
    int ready_fd = -1;

    /* A bad configuration stops us before any socket is touched. */
    conf = vstor_daemon_config_load(config_path, missing_ok, warnings, &err);
    if (!conf) {
        fprintf(stderr, "vstord: %s\n", err->message);
        return 2;
    }
    if (systemd_env_take(&env, &err) < 0) {
        fprintf(stderr, "vstord: %s\n", err->message);
        return 2;
    }
    cfg.listen_fd[0] = env.listen_fd[0];
    cfg.listen_fd[1] = env.listen_fd[1];
    if (opts->daemonize) {
        int status = 1;
        int forked = daemonize(&ready_fd, &status);

        if (forked != 0 || chdir("/") < 0) {
            g_free(env.notify_socket);
            return forked > 0 ? status : 1; /* the parent, or a failure */
        }
    }
    srv = vstor_server_new(&cfg, g_steal_pointer(&conf), &err);
    if (!srv) {
        vstor_log(NULL, FALSE, "cannot start: %s", err->message);
        g_free(env.notify_socket);
        return 1;
    }
    for (guint i = 0; i < warnings->len; i++)
        vstor_log_at(srv, VSTOR_LOG_WARNING, "%s", (char *)warnings->pdata[i]);
    if (opts->daemonize) {
        pidfile = g_build_filename(vstor_server_run_dir(srv), "vstord.pid", NULL);
        if (daemon_ready(srv, pidfile, ready_fd) < 0) {
            g_free(env.notify_socket);
            return 1;
        }
    }
    if (env.notify_socket) {
        g_autofree char *msg = g_strdup_printf("READY=1\nMAINPID=%d\n", (int)getpid());

        if (systemd_notify(env.notify_socket, msg, &err) < 0)
            vstor_log_at(srv, VSTOR_LOG_WARNING, "%s", err->message);
        g_clear_error(&err);
    }
    vstor_server_run(srv);
    if (env.notify_socket)
        systemd_notify(env.notify_socket, "STOPPING=1\n", NULL);
    if (pidfile)
        unlink(pidfile);
    vstor_log(srv, FALSE, "stopped");
    g_free(env.notify_socket);
    return 0;
}

int
main(int argc, char **argv)
{
    DaemonOptions opts = {0};
    g_autoptr(GOptionContext) ctx = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *config = NULL;
    int ret;
    GOptionEntry entries[] = {
        {"root", 'R', 0, G_OPTION_ARG_FILENAME, &opts.root,
         "keep all state under DIR (DIR/etc, DIR/run, DIR/lib) instead of the system paths", "DIR"},
        {"config", 'f', 0, G_OPTION_ARG_FILENAME, &opts.config,
         "configuration file (default <etc>/vstord.conf: DIR/etc/vstord.conf under --root, "
         "/etc/vstor/vstord.conf otherwise; a missing default file means the defaults)",
         "FILE"},
        {"daemon", 'd', 0, G_OPTION_ARG_NONE, &opts.daemonize,
         "run in the background (fork, new session, pid file <run>/vstord.pid, stdio to "
         "/dev/null); returns once the sockets are ready",
         NULL},
        {"verbose", 'v', 0, G_OPTION_ARG_NONE, &opts.verbose,
         "log everything (debug lines included), whatever log_level says", NULL},
        {"check", 0, 0, G_OPTION_ARG_NONE, &opts.check,
         "parse every pool definition under the root, report problems, and exit", NULL},
        {"version", 'V', 0, G_OPTION_ARG_NONE, &opts.version, "print the version and exit", NULL},
        {NULL},
    };

    ctx = g_option_context_new("- the vstor storage daemon");
    g_option_context_set_summary(
        ctx, "vstord manages storage pools and volumes and serves libvirt's remote protocol\n"
             "on <run>/vstord-sock (read-write) and <run>/vstord-sock-ro (read-only).");
    g_option_context_set_description(
        ctx,
        "Configuration: a [vstord] key file (see data/vstord.conf); bad values stop vstord\n"
        "with exit status 2 before any socket is touched. Signals: SIGTERM or SIGINT stop\n"
        "(active pools stay active), SIGHUP re-reads the file and applies log_level,\n"
        "log_outputs and the limits. Under systemd: NOTIFY_SOCKET gets READY=1 once serving;\n"
        "with LISTEN_FDS=2 (socket activation) fds 3 and 4 are the read-write and read-only\n"
        "sockets. Exit status: 0 clean stop, 1 cannot start, 2 bad options or configuration.\n");
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
        fprintf(stderr, "vstord: %s (try --help)\n", err->message);
        daemon_options_clear(&opts);
        return 2;
    }
    if (opts.version) {
        printf("vstord %s\n", VSTOR_VERSION);
        daemon_options_clear(&opts);
        return 0;
    }
    if (opts.check) {
        ret = check_definitions(&opts) == 0 ? 0 : 1;
        daemon_options_clear(&opts);
        return ret;
    }
    /* Paths stay valid after a background daemon changes to /. */
    if (opts.root && !g_path_is_absolute(opts.root)) {
        char *abs = g_canonicalize_filename(opts.root, NULL);

        g_free(opts.root);
        opts.root = abs;
    }
    if (opts.config) {
        config = g_canonicalize_filename(opts.config, NULL);
    } else {
        g_autofree char *etc = etc_dir(&opts);

        config = g_build_filename(etc, "vstord.conf", NULL);
    }
    ret = serve(&opts, config, opts.config == NULL);
    daemon_options_clear(&opts);
    return ret;
}
