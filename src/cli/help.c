/* help.c: `vstor help`, `vstor help CMD|GROUP`, `CMD --help` and `vstor -h`, all printed from
 * the command tables in virsh's layout, so a command's table is the one source of its help. */
#include <stdio.h>

#include "cli/cli.h"

void
cli_print_cmd_help(const CliCmdDef *def)
{
    const CliOptDef *opt;

    printf("  NAME\n    %s - %s\n", def->name, def->summary);
    printf("\n  SYNOPSIS\n    %s", def->name);
    for (opt = def->opts; opt && opt->name; opt++) {
        switch (opt->type) {
        case CLI_OPT_BOOL: printf(" [--%s]", opt->name); break;
        case CLI_OPT_STRING: printf(" [--%s <string>]", opt->name); break;
        case CLI_OPT_INT:
            printf((opt->flags & CLI_OPT_REQUIRED) ? " <%s>" : " [--%s <number>]", opt->name);
            break;
        case CLI_OPT_DATA:
            printf((opt->flags & CLI_OPT_REQUIRED) ? " <%s>" : " [<%s>]", opt->name);
            break;
        }
    }
    putchar('\n');
    if (def->desc && *def->desc)
        printf("\n  DESCRIPTION\n    %s\n", def->desc);
    if (def->opts && def->opts->name) {
        printf("\n  OPTIONS\n");
        for (opt = def->opts; opt->name; opt++) {
            g_autofree char *left = NULL;

            switch (opt->type) {
            case CLI_OPT_BOOL: left = g_strdup_printf("--%s", opt->name); break;
            case CLI_OPT_STRING: left = g_strdup_printf("--%s <string>", opt->name); break;
            case CLI_OPT_INT:
                left = g_strdup_printf((opt->flags & CLI_OPT_REQUIRED) ? "[--%s] <number>"
                                                                       : "--%s <number>",
                                       opt->name);
                break;
            case CLI_OPT_DATA: left = g_strdup_printf("[--%s] <string>", opt->name); break;
            }
            printf("    %-15s  %s\n", left, opt->help);
        }
    }
    putchar('\n');
}

void
cli_print_group_help(const CliCmdGroup *group)
{
    printf(" %s (help keyword '%s'):\n", group->name, group->keyword);
    for (const CliCmdDef *const *c = group->cmds; *c; c++)
        printf("    %-30s %s\n", (*c)->name, (*c)->summary);
}

void
cli_print_usage(const CliCmdGroup *groups)
{
    printf("\n"
           "vstor [options]... [<command_string>]\n"
           "vstor [options]... <command> [args...]\n"
           "\n"
           "  options:\n"
           "    -c | --connect=URI      connection URI (vstor:///embed?root=DIR runs in-process)\n"
           "    -h | --help             this help\n"
           "    -q | --quiet            quiet mode\n"
           "    -r | --readonly         connect readonly\n"
           "    -t | --timing           print timing information\n"
           "    -v                      short version\n"
           "    -V                      long version\n"
           "         --version[=TYPE]   version, TYPE is short or long (default short)\n"
           "  commands (non interactive mode):\n\n");
    for (const CliCmdGroup *g = groups; g->name; g++) {
        printf(" %s (help keyword '%s')\n", g->name, g->keyword);
        for (const CliCmdDef *const *c = g->cmds; *c; c++)
            printf("    %-30s %s\n", (*c)->name, (*c)->summary);
        printf("\n");
    }
    printf("\n  (specify help <group> for details about the commands in the group)\n");
    printf("\n  (specify help <command> for details about the command)\n\n");
}

static gboolean
cmd_help(CliCtl *ctl, const CliCmd *cmd, GError **err)
{
    const char *name = cli_opt_string_quiet(cmd, "command");
    const CliCmdDef *def;

    if (!name) {
        printf("Grouped commands:\n\n");
        for (const CliCmdGroup *g = ctl->groups; g->name; g++) {
            cli_print_group_help(g);
            printf("\n");
        }
        return TRUE;
    }
    if ((def = cli_find_cmd(ctl->groups, name))) {
        cli_print_cmd_help(def);
        return TRUE;
    }
    for (const CliCmdGroup *g = ctl->groups; g->name; g++) {
        if (g_str_equal(g->name, name) || g_str_equal(g->keyword, name)) {
            cli_print_group_help(g);
            return TRUE;
        }
    }
    cli_set_error(err, "command or command group '%s' doesn't exist", name);
    return FALSE;
}

static const CliOptDef help_opts[] = {
    {"command", CLI_OPT_STRING, 0,
     "Prints global help, command specific help, or help for a group of related commands"},
    {NULL},
};

const CliCmdDef cli_cmd_help = {
    "help", "print help",
    "Prints global help, command specific help, or help for a\n    group of related commands",
    help_opts, cmd_help};
