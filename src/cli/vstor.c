/* vstor.c: the vstor command line's entry point — global options, the command groups, and
 * running the parsed commands with virsh's output framing and exit codes. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"

/* The libvirt release whose virsh storage commands vstor mirrors. */
#define VSTOR_VIRSH_COMPAT "9.0.0"

/* In virsh's listing order; vstor's own additions after virsh's commands. */
static const CliCmdDef *const pool_cmds[] = {
    &cli_cmd_find_sources_as,
    &cli_cmd_find_sources,
    &cli_cmd_pool_autostart,
    &cli_cmd_pool_build,
    &cli_cmd_pool_create_as,
    &cli_cmd_pool_create,
    &cli_cmd_pool_define_as,
    &cli_cmd_pool_define,
    &cli_cmd_pool_delete,
    &cli_cmd_pool_destroy,
    &cli_cmd_pool_dumpxml,
    &cli_cmd_pool_edit,
    &cli_cmd_pool_info,
    &cli_cmd_pool_list,
    &cli_cmd_pool_name,
    &cli_cmd_pool_refresh,
    &cli_cmd_pool_start,
    &cli_cmd_pool_undefine,
    &cli_cmd_pool_uuid,
    &cli_cmd_pool_event,
    &cli_cmd_pool_capabilities,
    &cli_cmd_pool_stop,
    NULL,
};

static const CliCmdDef *const vol_cmds[] = {
    &cli_cmd_vol_clone,
    &cli_cmd_vol_create_as,
    &cli_cmd_vol_create,
    &cli_cmd_vol_create_from,
    &cli_cmd_vol_delete,
    &cli_cmd_vol_download,
    &cli_cmd_vol_dumpxml,
    &cli_cmd_vol_info,
    &cli_cmd_vol_key,
    &cli_cmd_vol_list,
    &cli_cmd_vol_name,
    &cli_cmd_vol_path,
    &cli_cmd_vol_pool,
    &cli_cmd_vol_resize,
    &cli_cmd_vol_upload,
    &cli_cmd_vol_wipe,
    NULL,
};

static const CliCmdDef *const secret_cmds[] = {
    &cli_cmd_secret_define,   &cli_cmd_secret_dumpxml,
    &cli_cmd_secret_event,    &cli_cmd_secret_get_value,
    &cli_cmd_secret_list,     &cli_cmd_secret_set_value,
    &cli_cmd_secret_undefine, NULL,
};

/* vol-edit is vstor's addition but lives here, so `help volume` stays virsh's listing. */
static const CliCmdDef *const vstor_cmds[] = {
    &cli_cmd_help,
    &cli_cmd_vol_edit,
    NULL,
};

const CliCmdGroup cli_groups[] = {
    {"Storage Pool", "pool", pool_cmds},
    {"Storage Volume", "volume", vol_cmds},
    {"Secret", "secret", secret_cmds},
    {"Vstor itself", "vstor", vstor_cmds},
    {NULL},
};

static void
ctl_clear(CliCtl *ctl)
{
    g_clear_pointer(&ctl->conn, vstor_connect_close);
    g_clear_pointer(&ctl->connect_uri, g_free);
    g_clear_pointer(&ctl->hint, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(CliCtl, ctl_clear)

static void
print_long_version(void)
{
    printf("vstor command line tool %s\n"
           "Takes the storage commands of virsh from libvirt %s with the same syntax.\n",
           VSTOR_VERSION, VSTOR_VIRSH_COMPAT);
}

/* Returns 0 to go on with the commands at argv[*ret_next], 1 when the option asked for
 * nothing more (help, version), -1 after printing why the options are wrong. */
static int
parse_global_options(CliCtl *ctl, int argc, char **argv, int *ret_next)
{
    static const struct option opts[] = {
        {"connect", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {"quiet", no_argument, NULL, 'q'},
        {"readonly", no_argument, NULL, 'r'},
        {"timing", no_argument, NULL, 't'},
        {"version", optional_argument, NULL, 'v'},
        {NULL, 0, NULL, 0},
    };
    int c;

    /* '+': options end at the command, whose own options are not ours. ':': report missing
     * arguments ourselves, in virsh's words. */
    while ((c = getopt_long(argc, argv, "+:c:hqrtvV", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            g_free(ctl->connect_uri);
            ctl->connect_uri = g_strdup(optarg);
            break;
        case 'h': cli_print_usage(ctl->groups); return 1;
        case 'q': ctl->quiet = TRUE; break;
        case 'r': ctl->readonly = TRUE; break;
        case 't': ctl->timing = TRUE; break;
        case 'v':
            if (g_strcmp0(optarg, "long") != 0) {
                puts(VSTOR_VERSION);
                return 1;
            }
            print_long_version();
            return 1;
        case 'V': print_long_version(); return 1;
        case ':': {
            g_autofree char *msg = NULL;

            for (const struct option *o = opts; o->name; o++)
                if (o->val == optopt)
                    msg = g_strdup_printf("option '-%c'/'--%s' requires an argument", optopt,
                                          o->name);
            if (!msg)
                msg = g_strdup_printf("option '-%c' requires an argument", optopt);
            cli_print_error(msg);
            return -1;
        }
        default: {
            g_autofree char *msg = NULL;

            if (optopt)
                msg = g_strdup_printf("unsupported option '-%c'. See --help.", optopt);
            else
                msg = g_strdup_printf("unsupported option '%s'. See --help.", argv[optind - 1]);
            cli_print_error(msg);
            return -1;
        }
        }
    }
    *ret_next = optind;
    return 0;
}

gboolean
cli_run_commands(CliCtl *ctl, const CliCmd *cmds)
{
    gboolean ok = TRUE;

    for (const CliCmd *c = cmds; c; c = c->next) {
        g_autoptr(GError) err = NULL;
        gint64 before = g_get_monotonic_time();

        ok = c->def->handler(ctl, c, &err);
        if (!ok && err) {
            cli_print_error(err->message);
            cli_print_hint(ctl, c, err);
        }
        g_clear_pointer(&ctl->hint, g_free);
        if (ctl->timing)
            printf("\n(Time: %.3f ms)\n\n", (double)(g_get_monotonic_time() - before) / 1000.0);
        else if (!ctl->quiet)
            putchar('\n');
        fflush(stdout);
    }
    return ok;
}

int
main(int argc, char **argv)
{
    g_auto(CliCtl) ctl = {.groups = cli_groups};
    g_autoptr(CliCmd) cmds = NULL;
    g_autoptr(GError) err = NULL;
    gboolean ok;
    int next = 0;
    int rc;

    if ((rc = parse_global_options(&ctl, argc, argv, &next)) != 0)
        return rc > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
    /* VSTOR_DEFAULT_CONNECT_URI is the older spelling, kept for scripts that use it. */
    if (!ctl.connect_uri)
        ctl.connect_uri = g_strdup(g_getenv("VSTOR_DEFAULT_URI"));
    if (!ctl.connect_uri)
        ctl.connect_uri = g_strdup(g_getenv("VSTOR_DEFAULT_CONNECT_URI"));

    /* Hidden helpers for the build (man page) and bash completion. */
    if (next < argc && g_str_equal(argv[next], "_dump-man"))
        return cli_dump_man(ctl.groups, next + 1 < argc ? argv[next + 1] : NULL);
    if (next < argc && g_str_equal(argv[next], "_complete"))
        return cli_complete(&ctl, argc - next - 1, argv + next + 1);

    if (next == argc)
        return cli_shell(&ctl);
    /* One word is a whole command line, possibly several commands; more are one command. */
    if (argc - next == 1) {
        rc = *argv[next] ? cli_parse_string(ctl.groups, argv[next], &cmds, &err) : -1;
    } else {
        rc = cli_parse_argv(ctl.groups, argc - next, argv + next, &cmds, &err);
    }
    if (rc < 0) {
        if (err)
            cli_print_error(err->message);
        return EXIT_FAILURE;
    }

    ok = cli_run_commands(&ctl, cmds);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_print_error("failed to write the output");
        return EXIT_FAILURE;
    }
    return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
