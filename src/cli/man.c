/* man.c: the hidden helpers `vstor _dump-man` (the man page vstor(1) from the command tables,
 * after a hand-written header) and `vstor _complete` (what bash completion offers). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

/* @text as troff body text: backslashes escaped, a leading '.' or '\'' defused, '-' as \-. */
static void
man_text(const char *text)
{
    gboolean line_start = TRUE;

    for (const char *p = text; *p; p++) {
        if (line_start && (*p == '.' || *p == '\''))
            fputs("\\&", stdout);
        line_start = *p == '\n';
        if (*p == '\\')
            fputs("\\e", stdout);
        else if (*p == '-')
            fputs("\\-", stdout);
        else if (*p == '\n') {
            /* The tables indent continuation lines for the terminal; troff fills them. */
            putchar('\n');
            while (p[1] == ' ')
                p++;
        } else
            putchar(*p);
    }
}

static void
man_synopsis(const CliCmdDef *def)
{
    printf(".B ");
    man_text(def->name);
    for (const CliOptDef *o = def->opts; o && o->name; o++) {
        gboolean req = (o->flags & CLI_OPT_REQUIRED) != 0;

        putchar(' ');
        switch (o->type) {
        case CLI_OPT_BOOL: printf("[\\fB\\-\\-"); break;
        case CLI_OPT_STRING: printf("[\\fB\\-\\-"); break;
        case CLI_OPT_INT: printf(req ? "\\fI" : "[\\fB\\-\\-"); break;
        case CLI_OPT_DATA: printf(req ? "\\fI" : "[\\fI"); break;
        }
        man_text(o->name);
        switch (o->type) {
        case CLI_OPT_BOOL: printf("\\fR]"); break;
        case CLI_OPT_STRING: printf("\\fR \\fIstring\\fR]"); break;
        case CLI_OPT_INT: printf(req ? "\\fR" : "\\fR \\fInumber\\fR]"); break;
        case CLI_OPT_DATA: printf(req ? "\\fR" : "\\fR]"); break;
        }
    }
    putchar('\n');
}

static void
man_command(const CliCmdDef *def)
{
    printf(".SS %s\n", def->name);
    man_synopsis(def);
    printf(".PP\n");
    man_text(def->desc && *def->desc ? def->desc : def->summary);
    putchar('\n');
    for (const CliOptDef *o = def->opts; o && o->name; o++) {
        printf(".TP\n\\fB\\-\\-");
        man_text(o->name);
        printf("\\fR%s\n", o->type == CLI_OPT_BOOL ? "" : " \\fIvalue\\fR");
        man_text(o->help);
        putchar('\n');
    }
}

int
cli_dump_man(const CliCmdGroup *groups, const char *head_file)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *head = NULL;

    if (head_file && !g_file_get_contents(head_file, &head, NULL, &err)) {
        cli_print_error(err->message);
        return 1;
    }
    if (head)
        fputs(head, stdout);
    printf(".SH COMMANDS\n");
    for (const CliCmdGroup *g = groups; g->name; g++) {
        printf(".PP\n.I %s\ncommands (help keyword \\fB%s\\fR):\n", g->name, g->keyword);
        for (const CliCmdDef *const *c = g->cmds; *c; c++)
            man_command(*c);
    }
    return 0;
}

/* --- completion --- */

static void
complete_pools(CliCtl *ctl, GPtrArray *out)
{
    g_autoptr(GPtrArray) pools = NULL;
    VstorConnect *conn = cli_conn(ctl, NULL);

    if (!conn || !(pools = vstor_connect_list_all_storage_pools(conn, 0, NULL)))
        return;
    for (guint i = 0; i < pools->len; i++)
        g_ptr_array_add(out, g_strdup(vstor_storage_pool_get_name(pools->pdata[i])));
}

static void
complete_vols(CliCtl *ctl, const char *pool_name, GPtrArray *out)
{
    g_autoptr(VstorStoragePool) pool = NULL;
    g_autoptr(GPtrArray) vols = NULL;
    VstorConnect *conn;

    if (!pool_name || !(conn = cli_conn(ctl, NULL)) ||
        !(pool = vstor_storage_pool_lookup_by_name(conn, pool_name, NULL)) ||
        !(vols = vstor_storage_pool_list_all_volumes(pool, 0, NULL)))
        return;
    for (guint i = 0; i < vols->len; i++)
        g_ptr_array_add(out, g_strdup(vstor_storage_vol_get_name(vols->pdata[i])));
}

static void
complete_secrets(CliCtl *ctl, GPtrArray *out)
{
    g_autoptr(GPtrArray) secrets = NULL;
    VstorConnect *conn = cli_conn(ctl, NULL);

    if (!conn || !(secrets = vstor_connect_list_all_secrets(conn, 0, NULL)))
        return;
    for (guint i = 0; i < secrets->len; i++)
        g_ptr_array_add(out, g_strdup(vstor_storage_secret_get_uuid_string(secrets->pdata[i])));
}

static const CliOptDef *
find_opt(const CliCmdDef *def, const char *name)
{
    for (const CliOptDef *o = def->opts; o && o->name; o++)
        if (g_str_equal(o->name, name))
            return o;
    return NULL;
}

/* Values for option @opt: pools, volumes (of the pool the line names), secret UUIDs, event
 * and command names. */
static void
complete_value(CliCtl *ctl, const CliCmdDef *def, const CliOptDef *opt, const char *pool,
               GPtrArray *out)
{
    const CliCmdGroup *groups = ctl->groups;

    if (g_str_equal(opt->name, "pool"))
        complete_pools(ctl, out);
    else if (g_str_equal(opt->name, "vol"))
        complete_vols(ctl, pool, out);
    else if (g_str_equal(opt->name, "secret"))
        complete_secrets(ctl, out);
    else if (g_str_equal(opt->name, "event")) {
        g_ptr_array_add(out, g_strdup("lifecycle"));
        g_ptr_array_add(
            out, g_strdup(g_str_equal(def->name, "secret-event") ? "value-changed" : "refresh"));
    } else if (g_str_equal(opt->name, "command"))
        for (const CliCmdGroup *g = groups; g->name; g++)
            for (const CliCmdDef *const *c = g->cmds; *c; c++)
                g_ptr_array_add(out, g_strdup((*c)->name));
}

static void
complete_words(CliCtl *ctl, int n_words, char **words, GPtrArray *out)
{
    const CliCmdDef *def;
    const char *pool = NULL;
    guint64 given = 0;

    if (n_words <= 1) {
        for (const CliCmdGroup *g = ctl->groups; g->name; g++)
            for (const CliCmdDef *const *c = g->cmds; *c; c++)
                g_ptr_array_add(out, g_strdup((*c)->name));
        return;
    }
    if (!(def = cli_find_cmd(ctl->groups, words[0])))
        return;
    /* Walk the words before the last: named options (and their values), positional ones. */
    for (int i = 1; i < n_words - 1; i++) {
        const CliOptDef *o = NULL;

        if (g_str_has_prefix(words[i], "--") && (o = find_opt(def, words[i] + 2))) {
            given |= 1ULL << (o - def->opts);
            if (o->type != CLI_OPT_BOOL && i + 1 < n_words - 1) {
                if (g_str_equal(o->name, "pool"))
                    pool = words[i + 1];
                i++;
            } else if (o->type != CLI_OPT_BOOL) {
                /* The word being completed is this option's value. */
                complete_value(ctl, def, o, pool, out);
                return;
            }
            continue;
        }
        /* The bare word fills the first positional option not given yet. */
        for (int k = 0; def->opts && def->opts[k].name; k++) {
            const CliOptDef *d = &def->opts[k];

            if (d->type == CLI_OPT_BOOL || (d->flags & CLI_OPT_NAMED) || (given & (1ULL << k)))
                continue;
            given |= 1ULL << k;
            if (g_str_equal(d->name, "pool"))
                pool = words[i];
            break;
        }
    }
    if (g_str_has_prefix(words[n_words - 1], "-")) {
        for (const CliOptDef *o = def->opts; o && o->name; o++)
            if (!(given & (1ULL << (o - def->opts))))
                g_ptr_array_add(out, g_strconcat("--", o->name, NULL));
        return;
    }
    /* A bare word: the next positional option's values, else the options left. */
    for (int k = 0; def->opts && def->opts[k].name; k++) {
        const CliOptDef *d = &def->opts[k];

        if (d->type == CLI_OPT_BOOL || (d->flags & CLI_OPT_NAMED) || (given & (1ULL << k)))
            continue;
        complete_value(ctl, def, d, pool, out);
        break;
    }
}

GPtrArray *
cli_complete_list(CliCtl *ctl, int n_words, char **words)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

    complete_words(ctl, n_words, words, out);
    return out;
}

int
cli_complete(CliCtl *ctl, int n_words, char **words)
{
    g_autoptr(GPtrArray) out = cli_complete_list(ctl, n_words, words);

    for (guint i = 0; i < out->len; i++)
        printf("%s\n", (const char *)out->pdata[i]);
    return 0;
}
