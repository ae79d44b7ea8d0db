/* cli.h: what vstor's command files share — command and option tables (the single source of
 * each command's help), the parsed command, the session state, and virsh-style reporting. */
#pragma once

#include <glib.h>

#include "vstor/vstor.h"

typedef enum {
    CLI_OPT_BOOL, /* --name, no value */
    CLI_OPT_STRING, /* --name VALUE, or positional after the required ones */
    CLI_OPT_DATA, /* like STRING; the synopsis shows it as <name> (virsh's DATA) */
    CLI_OPT_INT, /* like STRING; help and errors call the value <number> */
} CliOptType;

typedef enum {
    CLI_OPT_REQUIRED = 1 << 0,
    CLI_OPT_NAMED = 1 << 1, /* only as --name VALUE: bare words never fill it */
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
    const CliCmdDef *const *cmds; /* in listing order, NULL-terminated */
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
    char *connect_uri; /* -c, or VSTOR_DEFAULT_URI; NULL for the default */
    VstorConnect *conn; /* opened by the first command that needs it */
    gboolean readonly; /* -r */
    gboolean quiet; /* -q: no informational output */
    gboolean timing; /* -t */
    char *hint; /* what the failing command wants said after its error; see cli_hint_set() */
};

/* The command groups in listing order (defined next to main()). */
extern const CliCmdGroup cli_groups[];

/* The commands, one definition each, in the files of their groups. cmd-pool.c: */
extern const CliCmdDef cli_cmd_pool_create_as, cli_cmd_pool_create, cli_cmd_pool_define_as,
    cli_cmd_pool_define;
/* cmd-pool-life.c */
extern const CliCmdDef cli_cmd_pool_autostart, cli_cmd_pool_build, cli_cmd_pool_delete,
    cli_cmd_pool_destroy, cli_cmd_pool_stop, cli_cmd_pool_refresh, cli_cmd_pool_start,
    cli_cmd_pool_undefine;
/* cmd-pool-info.c */
extern const CliCmdDef cli_cmd_pool_dumpxml, cli_cmd_pool_info, cli_cmd_pool_list,
    cli_cmd_pool_name, cli_cmd_pool_uuid;
/* cmd-vol.c */
extern const CliCmdDef cli_cmd_vol_clone, cli_cmd_vol_create_as, cli_cmd_vol_create,
    cli_cmd_vol_create_from;
/* cmd-vol-life.c */
extern const CliCmdDef cli_cmd_vol_delete, cli_cmd_vol_download, cli_cmd_vol_resize,
    cli_cmd_vol_upload, cli_cmd_vol_wipe;
/* cmd-vol-info.c */
extern const CliCmdDef cli_cmd_vol_dumpxml, cli_cmd_vol_info, cli_cmd_vol_key, cli_cmd_vol_list,
    cli_cmd_vol_name, cli_cmd_vol_path, cli_cmd_vol_pool;
/* cmd-pool-extra.c */
extern const CliCmdDef cli_cmd_pool_capabilities, cli_cmd_find_sources, cli_cmd_find_sources_as,
    cli_cmd_pool_event;
/* cmd-edit.c */
extern const CliCmdDef cli_cmd_pool_edit, cli_cmd_vol_edit;
/* cmd-secret.c */
extern const CliCmdDef cli_cmd_secret_define, cli_cmd_secret_dumpxml, cli_cmd_secret_event,
    cli_cmd_secret_get_value, cli_cmd_secret_list, cli_cmd_secret_set_value,
    cli_cmd_secret_undefine;

/* cmd-pool-extra.c: waiting for events as virsh's *-event commands do (--loop, --timeout,
 * --timestamp, SIGINT), shared by pool-event and secret-event. Reference counted: register the
 * callback with a reference and cli_event_wait_unref as its destroy notify, so that a callback
 * still running on another thread when the wait ends keeps it alive until it returns. */
typedef struct {
    gint refs;
    GMutex lock;
    GMainLoop *loop;
    int event_id; /* the command's choice of --event, for the callback */
    gboolean keep_going; /* --loop */
    gboolean timestamp;
    guint timeout; /* seconds; 0: none */
    gboolean timed_out, interrupted;
    int count;
} CliEventWait;

/* Reads --loop, --timestamp and --timeout (virsh's range check); NULL with @err. */
CliEventWait *cli_event_wait_new(const CliCmd *cmd, int event_id, GError **err);
CliEventWait *cli_event_wait_ref(CliEventWait *w);
void cli_event_wait_unref(gpointer w);
/* From any thread: prints one event line (timestamped with --timestamp) and counts it, unless
 * a one-shot wait has had its event; a one-shot wait then ends. */
void cli_event_wait_report(CliEventWait *w, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* Runs until a one-shot wait's event, the timeout or SIGINT. */
void cli_event_wait_run(CliEventWait *w);
/* Prints how the wait ended and the count; TRUE when an event was received. */
gboolean cli_event_wait_summary(CliEventWait *w);
/* The --event choice: the index of its name in the NULL-ended @names, or -1 with virsh's
 * errors; with --list, prints @names, sets *ret_listed and returns 0. */
int cli_event_choice(const CliCmd *cmd, const char *const *names, gboolean *ret_listed,
                     GError **err);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CliEventWait, cli_event_wait_unref)

/* help.c */
extern const CliCmdDef cli_cmd_help;

/* man.c: hidden helpers for the build and the shell, reached through `vstor _dump-man` and
 * `vstor _complete`. Both return an exit status. */
/* Prints the man page vstor(1): the hand-written header @head_file, then one entry per
 * command from the same tables `--help` prints. */
int cli_dump_man(const CliCmdGroup *groups, const char *head_file);
/* Prints the candidates for the last word of @words (the words after the command name, the
 * last one being completed, possibly empty), one a line: command names, a command's
 * options, pool and volume names over the connection. @words[0] is the command. */
int cli_complete(CliCtl *ctl, int n_words, char **words);

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

/* The value of integer option @name in *ret_value (left alone when absent), with virsh's
 * "Numeric value ... is malformed or out of range" on a bad one. With @wrap, a negative
 * value is taken modulo 2^64 (virsh's "Wrap" variant, where -1 means "everything"). */
int cli_opt_ull(const CliCmd *cmd, const char *name, gboolean wrap, guint64 *ret_value,
                GError **err);

/* How a size's bad value is reported: as virsh reports it for that option. */
typedef enum {
    CLI_SIZE_MALFORMED, /* "Malformed size X" and the reason (vol-create-as, vol-resize) */
    CLI_SIZE_NUMERIC, /* "Numeric value 'X' for <name> option is malformed or out of range" */
} CliSizeStyle;

/* Parses @value, the value of size option @name: what virsh takes (a whole number of bytes
 * or one with a unit: 10G, 512MiB, 1000KB), and decimal fractions (1.5T, 0.5GiB) rounded to
 * the nearest byte. A bad value fails with virsh's message in @style, and sets a hint naming
 * --@name with examples of good values; *ret_bytes is set only on success. */
int cli_parse_size(CliCtl *ctl, const char *name, const char *value, CliSizeStyle style,
                   guint64 *ret_bytes, GError **err);

/* Size option @name read by cli_parse_size() (left alone when absent), for options virsh
 * reads as plain numbers: its numeric message on a bad value. With @wrap, a negative whole
 * number counts modulo 2^64 as in virsh (-1: everything). */
int cli_opt_size(CliCtl *ctl, const CliCmd *cmd, const char *name, gboolean wrap,
                 guint64 *ret_value, GError **err);

/* Fails with virsh's "Options --a and --b are mutually exclusive" when both are given. */
int cli_opts_exclusive(const CliCmd *cmd, const char *a, const char *b, GError **err);

/* Sets *err to a CLI-level message (no libvirt prefix), as virsh's own error lines. */
void cli_set_error(GError **err, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* Prints "error: @message" on stderr, after flushing stdout. */
void cli_print_error(const char *message);

/* session.c: the connection, finding pools and volumes the way virsh does, and errors. */

/* The connection, opened on first use; fails with virsh's "failed to connect to the
 * hypervisor" and the library's reason. */
VstorConnect *cli_conn(CliCtl *ctl, GError **err);

/* Sets *err to @lib's message, after virsh's own context line when @fmt is non-NULL (the two
 * joined by "\nerror: ", as virsh prints its message and then the library's). */
void cli_set_lib_error(GError **err, const GError *lib, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

/* How a pool or volume argument may be taken (virsh's VIRSH_BYUUID / VIRSH_BYNAME). */
enum {
    CLI_BY_UUID = 1 << 0, /* a pool's UUID; a volume's key or path */
    CLI_BY_NAME = 1 << 1,
};

/* The pool option @opt names (by UUID, then by name), with *ret_name set to the word given.
 * Fails with "failed to get pool 'X'" and the library's reason. */
VstorStoragePool *cli_pool_arg(CliCtl *ctl, const CliCmd *cmd, const char *opt, unsigned int by,
                               const char **ret_name, GError **err);

/* The volume option @opt names: by name in the pool of option @pool_opt when that is given,
 * else by key, then by path; checked to be in that pool. @pool_opt may be NULL. */
VstorStorageVol *cli_vol_arg(CliCtl *ctl, const CliCmd *cmd, const char *opt, const char *pool_opt,
                             unsigned int by, const char **ret_name, GError **err);

/* The whole file @path (an XML document), with libvirt's "Failed to open file" errors. */
char *cli_read_file(const char *path, GError **err);

/* @bytes as virsh's pretty capacity: "%.2f" and B, KiB ... EiB ("1.00 GiB"). */
char *cli_pretty_size(guint64 bytes);

/* "running", "inactive" ... as virsh names pool states; "file", "block" ... volume types. */
const char *cli_pool_state_name(int state);
const char *cli_vol_type_name(int type);

/* @s as a JSON string literal, quotes included. */
char *cli_json_string(const char *s);

/* table.c: virsh's tables (vsh-table): a header, a dashed line, left-aligned columns. */
typedef struct CliTable CliTable;

/* A table whose header row is the NULL-terminated column names. */
CliTable *cli_table_new(const char *first, ...) G_GNUC_NULL_TERMINATED;
/* Appends a row of as many cells as the header has (NULL-terminated). */
void cli_table_add(CliTable *table, const char *first, ...) G_GNUC_NULL_TERMINATED;
/* Prints the table on stdout; @header FALSE leaves out header and line (virsh's -q). */
void cli_table_print(CliTable *table, gboolean header);
void cli_table_free(CliTable *table);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(CliTable, cli_table_free)

/* progress.c: a long library call (@func, returning -1 with *error set on failure) run on a
 * worker thread. The main thread draws a progress line on stderr when that is a terminal,
 * from the job of kind @kind (on volume @vol when non-NULL) that appears meanwhile, with
 * @total_hint as the size when the job does not know its own; SIGINT cancels the job, and
 * the call then fails with the library's "was cancelled" error. */
typedef int (*CliJobFunc)(gpointer data, GError **error);
int cli_run_job(CliCtl *ctl, const char *kind, const char *vol, guint64 total_hint, CliJobFunc func,
                gpointer data, GError **error);

/* hints.c: the "hint:" line after a failed command's error lines (never part of virsh's
 * lines, which stay as virsh prints them). */
/* Sets the hint for the error the running command is about to return, in place of the
 * table's (for errors only the command can explain, such as which option was malformed). */
void cli_hint_set(CliCtl *ctl, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* The table's hint for @err from command @cmd, filled in with the names the message and the
 * command's options give, or NULL when no row fits. */
char *cli_hint_for(const CliCmd *cmd, const GError *err);
/* Prints "hint: ..." on stderr for command @cmd that failed with @err: the hint the command
 * set, else the table's; nothing when none fits or VSTOR_NO_HINTS is set. Clears the hint. */
void cli_print_hint(CliCtl *ctl, const CliCmd *cmd, const GError *err);

/* vstor.c: runs the commands one after the other, as virsh does: each failure is reported and
 * the next command still runs; the last command's result is returned. */
gboolean cli_run_commands(CliCtl *ctl, const CliCmd *cmds);

/* shell.c: the interactive shell (`vstor` with no command): reads command lines from the
 * terminal with history and completion, or line by line when stdin is not a terminal.
 * Returns the exit status. */
int cli_shell(CliCtl *ctl);
/* man.c: the candidates cli_complete() prints, as an array of strings. */
GPtrArray *cli_complete_list(CliCtl *ctl, int n_words, char **words);

/* help.c: virsh's help layouts. */
void cli_print_cmd_help(const CliCmdDef *def);
void cli_print_group_help(const CliCmdGroup *group);
void cli_print_usage(const CliCmdGroup *groups);
