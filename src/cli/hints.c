/* hints.c: the "hint:" line vstor prints after a failed command's error lines, saying what
 * to run next. One table maps (command, error code, message pattern) to a hint. */
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "util/error.h"

/* One row: the first row that fits a failure gives its hint. A pattern's named groups and
 * the command's option values fill the {placeholders} of the text; a row whose text names
 * something neither provides does not fit. */
typedef struct {
    const char *cmds; /* command names, space-separated; NULL: any command */
    int code; /* a VstorErrorCode; -1: any */
    const char *pattern; /* a regular expression searched in the message; NULL: any */
    const char *text;
} CliHintRule;

#define ANY (-1)
#define POOL_Q "pool '(?<name>[^'\\n]*)'"

static const CliHintRule hint_rules[] = {
    /* Access. */
    {NULL, VSTOR_ERR_OPERATION_DENIED, "read only access",
     "this connection is read-only; run "
     "the command without -r to change "
     "things"},
    {NULL, VSTOR_ERR_ACCESS_DENIED, "needs '(?<level>[a-z]+)' on " POOL_Q,
     "vstord's pool access rules do not give you '{level}' on pool '{name}': ask its "
     "administrator to add you to the '{level}' list of a [pool:...] section that matches it "
     "(vstord.conf)"},
    {NULL, VSTOR_ERR_ACCESS_DENIED, "group '(?<group>[^'\\n]*)'",
     "run as root or as a member of group '{group}' (usermod -aG {group} USER, then log in "
     "again); reading works for everyone with -r"},
    {NULL, VSTOR_ERR_ACCESS_DENIED, NULL, "run as root; reading works for everyone with -r"},
    {NULL, ANY,
     "failed to connect to the hypervisor[^\\n]*\\n[^\\n]*'(?<sock>[^'\\n]*)': Permission "
     "denied",
     "the daemon's socket refused you: run as root or as a member of group '{sockgroup}', "
     "which may use {sock}; reading works for everyone with -r"},
    {NULL, ANY, "failed to connect to the hypervisor[^\\n]*\\n[^\\n]*Permission denied",
     "the daemon's socket refused you: run as root or as a member of the group that owns it "
     "(unix_sock_group in vstord.conf); reading works for everyone with -r"},
    {NULL, ANY,
     "failed to connect to the hypervisor[^\\n]*\\n[^\\n]*(No such file|Connection "
     "refused)",
     "is vstord running? Start it (systemctl start vstord), or work without a daemon on a "
     "state directory: vstor -c 'vstor:///embed?root=DIR' ..."},

    /* A pool in the wrong state. */
    {"pool-build pool-delete pool-undefine pool-edit", VSTOR_ERR_OPERATION_INVALID,
     POOL_Q " is (still|already) active", "stop it first with 'vstor pool-destroy {name}'"},
    {"pool-start pool-create", VSTOR_ERR_OPERATION_INVALID, POOL_Q " is already active",
     "it is running already; 'vstor pool-info {name}' shows it"},
    {NULL, ANY, POOL_Q " is not active", "start it first with 'vstor pool-start {name}'"},
    {NULL, ANY, POOL_Q " has asynchronous jobs running",
     "a long job (build, clone, upload, wipe ...) is running in it; wait for it to finish, or "
     "cancel it with Ctrl-C in the vstor that started it"},
    {NULL, ANY, POOL_Q " is starting up", "it is being started; try again in a moment"},
    {"pool-start pool-create pool-create-as", VSTOR_ERR_SYSTEM_ERROR,
     "cannot open directory[^\\n]*No such file or directory",
     "its target directory does not exist yet; create it with 'vstor pool-build {pool}'"},
    {"pool-delete", VSTOR_ERR_SYSTEM_ERROR, "Directory not empty",
     "it still holds volumes or other files: start it, delete them ('vstor vol-list {pool}', "
     "'vstor vol-delete VOL --pool {pool}'), stop it, then delete it"},

    /* Not found. */
    {NULL, ANY, "^failed to get pool ", "'vstor pool-list --all' lists the pools there are"},
    {NULL, VSTOR_ERR_NO_STORAGE_POOL, NULL, "'vstor pool-list --all' lists the pools there are"},
    {NULL, VSTOR_ERR_NO_STORAGE_VOL, NULL,
     "'vstor vol-list {pool}' lists the volumes of pool {pool}"},
    {NULL, VSTOR_ERR_NO_STORAGE_VOL, NULL,
     "name the volume's pool with --pool, or give its path; 'vstor vol-list POOL' lists a "
     "pool's volumes, 'vstor pool-list' the pools"},

    /* Secrets. */
    {NULL, ANY, "^failed to get secret ", "'vstor secret-list' lists the secrets there are"},
    {"secret-get-value", VSTOR_ERR_INVALID_SECRET, "secret is private",
     "the secret is private: its value never leaves the daemon; define it with "
     "private='no' to read it back"},
    {"secret-get-value", VSTOR_ERR_NO_SECRET, "does not have a value",
     "set one first with 'vstor secret-set-value {secret} --file FILE'"},
    {NULL, VSTOR_ERR_NO_SECRET, NULL, "'vstor secret-list' lists the secrets there are"},

    /* Volumes. */
    {NULL, VSTOR_ERR_STORAGE_VOL_EXIST, "volume '(?<vname>[^'\\n]*)'",
     "pick another name, or delete the old one first with 'vstor vol-delete {vname} --pool "
     "{pool}'"},
    {NULL, VSTOR_ERR_STORAGE_VOL_EXIST, "volume '(?<vname>[^'\\n]*)'",
     "pick another name, or delete the old one first with 'vstor vol-delete {vname} --pool "
     "POOL'"},
    {NULL, ANY, "can't shrink capacity below existing allocation",
     "the volume holds more data than the new size; a smaller size would cut it off, so "
     "choose one at least its allocation ('vstor vol-info' shows it)"},
    {NULL, ANY, "(Can't shrink capacity below current capacity|negative size requires)",
     "making a volume smaller loses the data past the new end; add --shrink if that is meant"},
    {NULL, ANY, "volume '[^'\\n]*' is still (being allocated|in use)",
     "a job is using the volume; wait for it to finish, or cancel it with Ctrl-C in the vstor "
     "that started it"},
};

/* @value as a word a shell reads back as itself. */
static char *
shell_word(const char *value)
{
    GString *out;

    if (*value && strspn(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                "0123456789._/:@%+=,-") == strlen(value))
        return g_strdup(value);
    out = g_string_new("\"");
    for (const char *p = value; *p; p++) {
        if (strchr("\"\\$`", *p))
            g_string_append_c(out, '\\');
        g_string_append_c(out, *p);
    }
    g_string_append_c(out, '"');
    return g_string_free(out, FALSE);
}

/* The group that may use the socket @path: its group when that has read-write access and is
 * not root's, else NULL. */
static char *
socket_group(const char *path)
{
    struct stat st;
    struct group *gr;

    if (!path || stat(path, &st) < 0 || st.st_gid == 0 || (st.st_mode & 0060) != 0060)
        return NULL;
    if (!(gr = getgrgid(st.st_gid)))
        return g_strdup_printf("%u", (unsigned int)st.st_gid);
    return g_strdup(gr->gr_name);
}

/* The value of placeholder @key: a named group of @match, else the command's option;
 * {sockgroup} is the group that may use the socket named by the group "sock". */
static char *
placeholder(const char *key, GMatchInfo *match, const CliCmd *cmd)
{
    g_autofree char *group = match ? g_match_info_fetch_named(match, key) : NULL;

    if (g_str_equal(key, "sockgroup")) {
        g_autofree char *sock = match ? g_match_info_fetch_named(match, "sock") : NULL;
        g_autofree char *name = socket_group(sock);

        return name ? shell_word(name) : NULL;
    }

    if (group && *group)
        return shell_word(group);
    for (guint i = 0; cmd->def->opts[i].name; i++)
        if (g_str_equal(cmd->def->opts[i].name, key) && cmd->values[i] && *cmd->values[i])
            return shell_word(cmd->values[i]);
    return NULL;
}

/* @text with its {placeholders} filled in, or NULL when one has no value. */
static char *
expand(const char *text, GMatchInfo *match, const CliCmd *cmd)
{
    g_autoptr(GString) out = g_string_new(NULL);
    const char *p = text;

    while (*p) {
        const char *open = strchr(p, '{');
        const char *close = open ? strchr(open, '}') : NULL;
        g_autofree char *key = NULL;
        g_autofree char *value = NULL;

        if (!close) {
            g_string_append(out, p);
            break;
        }
        g_string_append_len(out, p, open - p);
        key = g_strndup(open + 1, close - open - 1);
        if (!(value = placeholder(key, match, cmd)))
            return NULL;
        g_string_append(out, value);
        p = close + 1;
    }
    return g_string_free(g_steal_pointer(&out), FALSE);
}

static gboolean
rule_names_cmd(const CliHintRule *rule, const char *name)
{
    g_auto(GStrv) words = NULL;

    if (!rule->cmds)
        return TRUE;
    words = g_strsplit(rule->cmds, " ", -1);
    return g_strv_contains((const char *const *)words, name);
}

char *
cli_hint_for(const CliCmd *cmd, const GError *err)
{
    g_return_val_if_fail(cmd != NULL && err != NULL, NULL);

    for (guint i = 0; i < G_N_ELEMENTS(hint_rules); i++) {
        const CliHintRule *rule = &hint_rules[i];
        g_autoptr(GRegex) re = NULL;
        g_autoptr(GMatchInfo) match = NULL;
        char *text;

        if (!rule_names_cmd(rule, cmd->def->name))
            continue;
        if (rule->code != ANY && (err->domain != VSTOR_ERROR || err->code != rule->code))
            continue;
        if (rule->pattern) {
            re = g_regex_new(rule->pattern, G_REGEX_MULTILINE, 0, NULL);
            g_assert(re != NULL); /* the table is ours */
            if (!g_regex_match(re, err->message, 0, &match))
                continue;
        }
        if ((text = expand(rule->text, match, cmd)))
            return text;
    }
    return NULL;
}

void
cli_hint_set(CliCtl *ctl, const char *fmt, ...)
{
    va_list ap;

    g_free(ctl->hint);
    va_start(ap, fmt);
    ctl->hint = g_strdup_vprintf(fmt, ap);
    va_end(ap);
}

void
cli_print_hint(CliCtl *ctl, const CliCmd *cmd, const GError *err)
{
    g_autofree char *pending = g_steal_pointer(&ctl->hint);
    g_autofree char *text = NULL;

    if (!err || g_getenv("VSTOR_NO_HINTS"))
        return;
    text = pending ? g_steal_pointer(&pending) : cli_hint_for(cmd, err);
    if (!text)
        return;
    fflush(stdout);
    fprintf(stderr, "hint: %s\n", text);
    fflush(stderr);
}
