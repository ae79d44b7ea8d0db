/* options.c: command lines read the way virsh reads them — `--opt value`, `--opt=value`,
 * positional values in table order, `--`, quoting in one-string mode — with virsh's errors. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "util/error.h"
#include "util/units.h"

typedef enum {
    TK_ERROR,
    TK_ARG,
    TK_CMD_END, /* ';' or a newline: the next token starts a new command */
    TK_END,
} Token;

/* Hands out a command line's words, from an argv array or from one string. */
typedef struct {
    char **argv;
    int argc;
    int argi;
    const char *pos; /* string mode when non-NULL */
} Tokenizer;

void
cli_cmd_free(CliCmd *cmd)
{
    while (cmd) {
        CliCmd *next = cmd->next;
        size_t n = 0;

        for (const CliOptDef *o = cmd->def->opts; o && o->name; o++)
            n++;
        for (size_t i = 0; i < n; i++)
            g_free(cmd->values[i]);
        g_free(cmd->values);
        g_free(cmd);
        cmd = next;
    }
}

void
cli_set_error(GError **err, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error_literal(err, VSTOR_ERROR, VSTOR_ERR_INVALID_ARG, msg);
}

/* Errors of one parse pile up: virsh prints each missing required option. */
static void add_error(GString *errors, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void
add_error(GString *errors, const char *fmt, ...)
{
    va_list ap;

    if (errors->len)
        g_string_append(errors, "\nerror: ");
    va_start(ap, fmt);
    g_string_append_vprintf(errors, fmt, ap);
    va_end(ap);
}

static Token
next_string_token(Tokenizer *t, char **ret_word, GString *errors)
{
    const char *p = t->pos;
    g_autoptr(GString) word = g_string_new(NULL);
    gboolean single_quote = FALSE, double_quote = FALSE;

    while (*p == ' ' || *p == '\t' || (*p == '\\' && p[1] == '\n'))
        p += 1 + (*p == '\\');
    if (*p == '\0') {
        t->pos = p;
        return TK_END;
    }
    if (*p == ';' || *p == '\n') {
        t->pos = p + 1;
        return TK_CMD_END;
    }
    if (*p == '#') {
        /* A word starting with '#' comments out the rest of the line. */
        while (*p && *p != '\n')
            p++;
        t->pos = p + (*p != '\0');
        return TK_CMD_END;
    }
    while (*p) {
        if (!single_quote && !double_quote && (*p == ' ' || *p == '\t' || *p == ';' || *p == '\n'))
            break;
        if (!double_quote && *p == '\'') {
            single_quote = !single_quote;
            p++;
            continue;
        }
        if (!single_quote && *p == '"') {
            double_quote = !double_quote;
            p++;
            continue;
        }
        if (!single_quote && *p == '\\') {
            /* As in a shell: backslash escapes outside single quotes only. */
            p++;
            if (*p == '\0') {
                add_error(errors, "dangling \\");
                return TK_ERROR;
            }
            if (*p == '\n') {
                p++;
                continue;
            }
        }
        g_string_append_c(word, *p++);
    }
    if (double_quote) {
        add_error(errors, "missing \"");
        return TK_ERROR;
    }
    t->pos = p;
    *ret_word = g_string_free(g_steal_pointer(&word), FALSE);
    return TK_ARG;
}

static Token
next_token(Tokenizer *t, char **ret_word, GString *errors)
{
    *ret_word = NULL;
    if (t->pos)
        return next_string_token(t, ret_word, errors);
    if (t->argi >= t->argc)
        return TK_END;
    *ret_word = g_strdup(t->argv[t->argi++]);
    return TK_ARG;
}

const CliCmdDef *
cli_find_cmd(const CliCmdGroup *groups, const char *name)
{
    for (const CliCmdGroup *g = groups; g->name; g++)
        for (const CliCmdDef *const *c = g->cmds; *c; c++)
            if (strcmp((*c)->name, name) == 0)
                return *c;
    return NULL;
}

static int
opt_index(const CliCmdDef *def, const char *name)
{
    for (int i = 0; def->opts && def->opts[i].name; i++)
        if (strcmp(def->opts[i].name, name) == 0)
            return i;
    return -1;
}

static guint
opt_count(const CliCmdDef *def)
{
    guint n = 0;

    while (def->opts && def->opts[n].name)
        n++;
    return n;
}

/* The state of one command while its words are read. */
typedef struct {
    CliCmd *cmd;
    guint64 seen; /* options given, by name or by position */
    guint64 need_data; /* options that a bare word may still fill, lowest index first */
    guint64 required;
    gboolean help; /* --help was given */
    gboolean data_only; /* after "--", every word is a value */
} CmdState;

static void
state_start(CmdState *st, const CliCmdDef *def)
{
    guint n = opt_count(def);

    /* A bitmap per command, as virsh has: commands stay far below 64 options. */
    g_assert(n < 64);
    memset(st, 0, sizeof(*st));
    st->cmd = g_new0(CliCmd, 1);
    st->cmd->def = def;
    st->cmd->values = g_new0(char *, n + 1);
    for (guint i = 0; i < n; i++) {
        if (def->opts[i].type == CLI_OPT_BOOL)
            continue;
        if (!(def->opts[i].flags & CLI_OPT_NAMED))
            st->need_data |= 1ULL << i;
        if (def->opts[i].flags & CLI_OPT_REQUIRED)
            st->required |= 1ULL << i;
    }
}

static gboolean
is_help_cmd(const CmdState *st)
{
    return strcmp(st->cmd->def->name, "help") == 0;
}

/* Reads "--name[=value]" (and its value when it takes one). FALSE on a syntax error. */
static gboolean
read_option(CmdState *st, Tokenizer *t, char *word, GString *errors)
{
    const CliCmdDef *def = st->cmd->def;
    char *name = word + 2;
    char *eq = strchr(name, '=');
    g_autofree char *value = NULL;
    int i;

    if (eq) {
        *eq = '\0';
        value = g_strdup(eq + 1);
    }
    if (strcmp(name, "help") == 0) {
        if (value) {
            add_error(errors, "invalid '=' after option --help");
            return FALSE;
        }
        st->help = TRUE;
        return TRUE;
    }
    if ((i = opt_index(def, name)) < 0) {
        /* `help` shrugs off options it does not know. */
        if (is_help_cmd(st))
            return TRUE;
        add_error(errors, "command '%s' doesn't support option --%s", def->name, name);
        return FALSE;
    }
    if (st->seen & (1ULL << i)) {
        add_error(errors, "option --%s already seen", name);
        return FALSE;
    }
    st->seen |= 1ULL << i;

    if (def->opts[i].type == CLI_OPT_BOOL) {
        if (value) {
            add_error(errors, "invalid '=' after option --%s", name);
            return FALSE;
        }
        st->cmd->values[i] = g_strdup("");
        return TRUE;
    }
    if (!value) {
        /* The next word is the value whatever it looks like, even "--print-xml". */
        Token tk = next_token(t, &value, errors);

        if (tk == TK_ERROR)
            return FALSE;
        if (tk != TK_ARG) {
            add_error(errors, "expected syntax: --%s <%s>", name,
                      def->opts[i].type == CLI_OPT_INT ? "number" : "string");
            return FALSE;
        }
    }
    st->need_data &= ~(1ULL << i);
    st->cmd->values[i] = g_steal_pointer(&value);
    return TRUE;
}

/* Gives a bare word to the first option still waiting for one. */
static gboolean
read_data(CmdState *st, char *word, GString *errors)
{
    int i;

    if (!st->need_data) {
        if (is_help_cmd(st))
            return TRUE;
        add_error(errors, "unexpected data '%s'", word);
        return FALSE;
    }
    i = __builtin_ctzll(st->need_data);
    st->need_data &= ~(1ULL << i);
    st->seen |= 1ULL << i;
    st->cmd->values[i] = g_strdup(word);
    return TRUE;
}

/* Ends a command: --help turns it into `help NAME`; required options are checked. */
static CliCmd *
state_finish(CmdState *st, const CliCmdGroup *groups, GString *errors)
{
    g_autoptr(CliCmd) cmd = g_steal_pointer(&st->cmd);
    guint64 missing;

    if (st->help) {
        const CliCmdDef *help = cli_find_cmd(groups, "help");
        CliCmd *h = g_new0(CliCmd, 1);

        h->def = help;
        h->values = g_new0(char *, opt_count(help) + 1);
        h->values[0] = g_strdup(cmd->def->name);
        return h;
    }
    missing = st->required & ~st->seen;
    for (int i = 0; missing && cmd->def->opts[i].name; i++)
        if (missing & (1ULL << i))
            add_error(errors, "command '%s' requires <%s> option", cmd->def->name,
                      cmd->def->opts[i].name);
    if (missing)
        return NULL;
    return g_steal_pointer(&cmd);
}

static int
parse(const CliCmdGroup *groups, Tokenizer *t, CliCmd **ret_cmds, GError **err)
{
    g_autoptr(GString) errors = g_string_new(NULL);
    g_autoptr(CliCmd) first = NULL;
    CliCmd *last = NULL;
    Token tk;

    do {
        CmdState st = {0};

        for (;;) {
            g_autofree char *word = NULL;

            tk = next_token(t, &word, errors);
            if (tk == TK_ERROR)
                goto syntax_error;
            if (tk != TK_ARG)
                break;
            if (!st.cmd) {
                const CliCmdDef *def;

                if (word[0] == '#') {
                    /* A comment where a command would start ends the command. */
                    do {
                        g_clear_pointer(&word, g_free);
                        tk = next_token(t, &word, errors);
                    } while (tk == TK_ARG);
                    break;
                }
                if (!(def = cli_find_cmd(groups, word))) {
                    add_error(errors, "unknown command: '%s'", word);
                    goto syntax_error;
                }
                state_start(&st, def);
            } else if (!st.data_only && word[0] == '-' && word[1] == '-' &&
                       g_ascii_isalnum(word[2])) {
                if (!read_option(&st, t, word, errors))
                    goto syntax_error;
            } else if (!st.data_only && strcmp(word, "--") == 0) {
                st.data_only = TRUE;
            } else if (!read_data(&st, word, errors)) {
                goto syntax_error;
            }
        }
        if (st.cmd) {
            CliCmd *cmd = state_finish(&st, groups, errors);

            if (!cmd)
                goto syntax_error;
            if (last)
                last->next = cmd;
            else
                first = cmd;
            last = cmd;
        }
        continue;

    syntax_error:
        cli_cmd_free(st.cmd);
        g_set_error_literal(err, VSTOR_ERROR, VSTOR_ERR_INVALID_ARG, errors->str);
        return -1;
    } while (tk != TK_END);

    *ret_cmds = g_steal_pointer(&first);
    return 0;
}

int
cli_parse_argv(const CliCmdGroup *groups, int argc, char **argv, CliCmd **ret_cmds, GError **err)
{
    Tokenizer t = {.argv = argv, .argc = argc};

    return parse(groups, &t, ret_cmds, err);
}

int
cli_parse_string(const CliCmdGroup *groups, const char *line, CliCmd **ret_cmds, GError **err)
{
    Tokenizer t = {.pos = line};

    return parse(groups, &t, ret_cmds, err);
}

static int
opt_index_checked(const CliCmd *cmd, const char *name)
{
    int i = opt_index(cmd->def, name);

    /* Asking for an option the command does not have is a bug in the handler. */
    g_assert(i >= 0);
    return i;
}

gboolean
cli_opt_given(const CliCmd *cmd, const char *name)
{
    return cmd->values[opt_index_checked(cmd, name)] != NULL;
}

int
cli_opt_string(const CliCmd *cmd, const char *name, const char **ret_value, GError **err)
{
    const char *v = cmd->values[opt_index_checked(cmd, name)];

    if (v && !*v) {
        cli_set_error(err, "Failed to get option '%s': Option argument is empty", name);
        return -1;
    }
    *ret_value = v;
    return 0;
}

const char *
cli_opt_string_quiet(const CliCmd *cmd, const char *name)
{
    const char *v = cmd->values[opt_index_checked(cmd, name)];

    return v && *v ? v : NULL;
}

int
cli_opt_ull(const CliCmd *cmd, const char *name, gboolean wrap, guint64 *ret_value, GError **err)
{
    const char *v = cmd->values[opt_index_checked(cmd, name)];
    const char *p = v;
    char *end = NULL;
    guint64 value;

    if (!v)
        return 0;
    while (g_ascii_isspace(*p))
        p++;
    errno = 0;
    value = g_ascii_strtoull(v, &end, 10);
    /* As virsh: the whole word is the number; only the wrapping variant takes a sign. */
    if (end == v || *end || errno != 0 || (!wrap && *p == '-')) {
        cli_set_error(err, "Numeric value '%s' for <%s> option is malformed or out of range", v,
                      name);
        return -1;
    }
    *ret_value = value;
    return 0;
}

/* TRUE when @value starts (after blanks and one '+') with a number strtoull takes: where
 * virsh's size parsing fails only at the unit, and so has a reason to print. */
static gboolean
number_then_unit(const char *value)
{
    unsigned long long ignored;

    while (*value && strchr(" \t\n\v\f\r", *value))
        value++;
    if (*value == '+')
        value++;
    return g_ascii_isdigit(*value) && vstor_parse_ull_prefix(value, &ignored, NULL);
}

int
cli_parse_size(CliCtl *ctl, const char *name, const char *value, CliSizeStyle style,
               guint64 *ret_bytes, GError **err)
{
    g_autoptr(GError) cause = NULL;
    unsigned long long bytes;

    g_return_val_if_fail(value != NULL, -1);

    if (vstor_parse_size(value, 1, TRUE, &bytes, &cause) == 0) {
        *ret_bytes = bytes;
        return 0;
    }
    if (style == CLI_SIZE_NUMERIC)
        cli_set_error(err, "Numeric value '%s' for <%s> option is malformed or out of range", value,
                      name);
    else if (number_then_unit(value))
        g_set_error(err, VSTOR_ERROR, cause->code, "Malformed size %s\nerror: %s", value,
                    cause->message);
    else
        g_set_error(err, VSTOR_ERROR, cause->code, "Malformed size %s", value);
    cli_hint_set(ctl,
                 "--%s takes a size such as 10G, 512MiB, 1.5T or 4096 (bytes); K, M, G ... "
                 "and KiB, MiB ... count in 1024s, KB, MB ... in 1000s",
                 name);
    return -1;
}

int
cli_opt_size(CliCtl *ctl, const CliCmd *cmd, const char *name, gboolean wrap, guint64 *ret_value,
             GError **err)
{
    const char *v = cmd->values[opt_index_checked(cmd, name)];
    const char *p = v;

    if (!v)
        return 0;
    while (g_ascii_isspace(*p))
        p++;
    /* virsh's "Wrap" reading: -1 and other negative whole numbers count modulo 2^64. */
    if (wrap && *p == '-') {
        if (cli_opt_ull(cmd, name, TRUE, ret_value, err) < 0) {
            cli_hint_set(ctl,
                         "--%s takes a number of bytes such as 4096, 1M or 1.5G, or -1 "
                         "for everything",
                         name);
            return -1;
        }
        return 0;
    }
    return cli_parse_size(ctl, name, v, CLI_SIZE_NUMERIC, ret_value, err);
}

int
cli_opts_exclusive(const CliCmd *cmd, const char *a, const char *b, GError **err)
{
    if (cli_opt_given(cmd, a) && cli_opt_given(cmd, b)) {
        cli_set_error(err, "Options --%s and --%s are mutually exclusive", a, b);
        return -1;
    }
    return 0;
}

void
cli_print_error(const char *message)
{
    /* stdout first, so that `vstor ... 2>&1` keeps the order the output was made in. */
    fflush(stdout);
    fprintf(stderr, "error: %s\n", message ? message : "unknown error");
    fflush(stderr);
}
