/* cli.h: what vstor's command files share — command and option tables (the single source of
 * each command's help), the parsed command, the session state, and virsh-style reporting. */
#pragma once

#include <glib.h>

typedef enum {
    CLI_OPT_BOOL, /* --name, no value */
    CLI_OPT_STRING, /* --name VALUE, or positional after the required ones */
    CLI_OPT_DATA, /* like STRING; the synopsis shows it as <name> (virsh's DATA) */
} CliOptType;

typedef enum {
    CLI_OPT_REQUIRED = 1 << 0,
} CliOptFlags;

typedef struct {
    const char *name;
    CliOptType type;
    unsigned int flags; /* CliOptFlags */
    const char *help;
} CliOptDef;

typedef struct CliCtl CliCtl;
typedef struct CliCmd CliCmd;

/* Runs one parsed command. Returns FALSE with *err set when it failed. The message is what
 * follows virsh's first "error: ": where virsh prints its own context and then the library's
 * error, the two are joined by "\nerror: " (values may hold newlines, so no splitting on
 * them later). Output goes to stdout directly. */
typedef gboolean (*CliHandler)(CliCtl *ctl, const CliCmd *cmd, GError **err);

typedef struct {
    const char *name;
    const char *summary; /* one line, for listings and NAME */
    const char *desc; /* DESCRIPTION */
    const CliOptDef *opts; /* terminated by an entry with a NULL name */
    CliHandler handler;
} CliCmdDef;

typedef struct {
    const char *name; /* "Storage Pool" */
    const char *keyword; /* "pool", as in `vstor help pool` */
    const CliCmdDef *cmds; /* terminated by an entry with a NULL name */
} CliCmdGroup;

/* One command of a command line, with its option values. */
struct CliCmd {
    const CliCmdDef *def;
    /* One slot per entry of def->opts: NULL when absent, the value when given ("" for a
     * boolean that was given). */
    char **values;
    CliCmd *next;
};

void cli_cmd_free(CliCmd *cmd);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CliCmd, cli_cmd_free)

/* The session: global options and the command groups. */
struct CliCtl {
    const CliCmdGroup *groups;
    char *connect_uri; /* -c, or VSTOR_DEFAULT_CONNECT_URI; NULL for the default */
    gboolean readonly; /* -r */
    gboolean quiet; /* -q: no informational output */
    gboolean timing; /* -t */
};

/* The command groups in listing order (defined next to main()). */
extern const CliCmdGroup cli_groups[];

/* The commands of each group. */
extern const CliCmdDef cli_pool_cmds[];
extern const CliCmdDef cli_vol_cmds[];
extern const CliCmdDef cli_vstor_cmds[];

/* options.c: parsing virsh's way. Both return 0 with the commands (NULL when the line holds
 * only comments) in *ret_cmds, or -1 with *err holding every message virsh would print. */
int cli_parse_argv(const CliCmdGroup *groups, int argc, char **argv, CliCmd **ret_cmds,
                   GError **err);
/* One string holding a whole command line: quotes, backslashes, ';' between commands and
 * '#' comments as virsh reads them. */
int cli_parse_string(const CliCmdGroup *groups, const char *line, CliCmd **ret_cmds, GError **err);

/* The command called @name in @groups, or NULL. */
const CliCmdDef *cli_find_cmd(const CliCmdGroup *groups, const char *name);

/* TRUE when option @name was given (for any type). */
gboolean cli_opt_given(const CliCmd *cmd, const char *name);

/* The value of option @name in *ret_value (NULL when absent). Fails when it was given
 * empty, with virsh's "Failed to get option ..." message. */
int cli_opt_string(const CliCmd *cmd, const char *name, const char **ret_value, GError **err);

/* The value of option @name, or NULL when absent or empty (virsh's quiet variant, for
 * options where an empty value means "not given"). */
const char *cli_opt_string_quiet(const CliCmd *cmd, const char *name);

/* Fails with virsh's "Options --a and --b are mutually exclusive" when both are given. */
int cli_opts_exclusive(const CliCmd *cmd, const char *a, const char *b, GError **err);

/* Sets *err to a CLI-level message (no libvirt prefix), as virsh's own error lines. */
void cli_set_error(GError **err, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* The error for commands that need the storage driver, which does not exist yet:
 * @context as virsh's first error, then why. */
void cli_set_no_driver(GError **err, const char *context);

/* Prints "error: @message" on stderr, after flushing stdout. */
void cli_print_error(const char *message);

/* help.c: virsh's help layouts. */
void cli_print_cmd_help(const CliCmdDef *def);
void cli_print_group_help(const CliCmdGroup *group);
void cli_print_usage(const CliCmdGroup *groups);
