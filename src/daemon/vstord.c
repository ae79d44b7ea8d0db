/* vstord.c: the daemon's entry point — options, the state root, the definition check, and
 * serving libvirt's remote protocol on the root's sockets until SIGTERM. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Runs the server in the foreground until a stop signal; 0 on a clean stop. */
static int
serve(const DaemonOptions *opts)
{
    VstorServerConfig cfg = {
        .root = opts->root,
        .verbose = opts->verbose,
        .max_message = VSTOR_MESSAGE_MAX,
        .max_workers = 64,
    };
    g_autoptr(GError) err = NULL;
    g_autoptr(VstorServer) srv = NULL;

    if (opts->daemonize) {
        fprintf(stderr, "vstord: --daemon is not supported yet; run it under a supervisor\n");
        return 1;
    }
    srv = vstor_server_new(&cfg, &err);
    if (!srv) {
        vstor_log(NULL, FALSE, "cannot start: %s", err->message);
        return 1;
    }
    vstor_server_run(srv);
    vstor_log(srv, FALSE, "stopped");
    return 0;
}

int
main(int argc, char **argv)
{
    DaemonOptions opts = {0};
    g_autoptr(GOptionContext) ctx = NULL;
    g_autoptr(GError) err = NULL;
    int ret;
    GOptionEntry entries[] = {
        {"root", 'R', 0, G_OPTION_ARG_FILENAME, &opts.root,
         "keep all state under DIR (DIR/etc, DIR/run, DIR/lib) instead of the system paths", "DIR"},
        {"config", 'f', 0, G_OPTION_ARG_FILENAME, &opts.config, "configuration file", "FILE"},
        {"daemon", 'd', 0, G_OPTION_ARG_NONE, &opts.daemonize, "run in the background", NULL},
        {"verbose", 'v', 0, G_OPTION_ARG_NONE, &opts.verbose, "log more", NULL},
        {"check", 0, 0, G_OPTION_ARG_NONE, &opts.check,
         "parse every pool definition under the root, report problems, and exit", NULL},
        {"version", 'V', 0, G_OPTION_ARG_NONE, &opts.version, "print the version and exit", NULL},
        {NULL},
    };

    ctx = g_option_context_new("- the vstor storage daemon");
    g_option_context_set_summary(
        ctx, "vstord manages storage pools and volumes and serves libvirt's remote protocol\n"
             "on <run>/vstord-sock (read-write) and <run>/vstord-sock-ro (read-only).");
    g_option_context_set_description(ctx, "See vstord(8) for the files it keeps and its "
                                          "configuration.\n");
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
    ret = serve(&opts);
    daemon_options_clear(&opts);
    return ret;
}
