/* json.c: the indented JSON writer behind the --json output of the dumpxml-style commands:
 * objects and arrays nest, members are written in order, commas and escapes come for free. */
#include "cli/json.h"

struct CliJson {
    GString *out;
    guint depth;
    /* Per open level: whether a member was written (so the next one needs a comma). */
    gboolean used[CLI_JSON_MAX_DEPTH + 1];
};

CliJson *
cli_json_new(void)
{
    CliJson *j = g_new0(CliJson, 1);

    j->out = g_string_new(NULL);
    return j;
}

void
cli_json_free(CliJson *j)
{
    if (!j)
        return;
    if (j->out)
        g_string_free(j->out, TRUE);
    g_free(j);
}

/* @s as a JSON string literal, quotes included (control characters as \u escapes). */
static void
append_string(GString *out, const char *s)
{
    g_string_append_c(out, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': g_string_append(out, "\\\""); break;
        case '\\': g_string_append(out, "\\\\"); break;
        case '\n': g_string_append(out, "\\n"); break;
        case '\t': g_string_append(out, "\\t"); break;
        case '\r': g_string_append(out, "\\r"); break;
        default:
            if (*p < 0x20)
                g_string_append_printf(out, "\\u%04x", *p);
            else
                g_string_append_c(out, (char)*p);
        }
    }
    g_string_append_c(out, '"');
}

/* Starts a member: comma, newline and indent, then "key": when @key is set. */
static void
member(CliJson *j, const char *key)
{
    if (j->depth > 0) {
        g_string_append(j->out, j->used[j->depth] ? ",\n" : "\n");
        for (guint i = 0; i < j->depth; i++)
            g_string_append(j->out, "  ");
    }
    j->used[j->depth] = TRUE;
    if (key) {
        append_string(j->out, key);
        g_string_append(j->out, ": ");
    }
}

static void
open_level(CliJson *j, const char *key, char bracket)
{
    g_return_if_fail(j->depth < CLI_JSON_MAX_DEPTH);
    member(j, key);
    g_string_append_c(j->out, bracket);
    j->depth++;
    j->used[j->depth] = FALSE;
}

static void
close_level(CliJson *j, char bracket)
{
    g_return_if_fail(j->depth > 0);
    if (j->used[j->depth]) {
        g_string_append_c(j->out, '\n');
        for (guint i = 1; i < j->depth; i++)
            g_string_append(j->out, "  ");
    }
    j->depth--;
    g_string_append_c(j->out, bracket);
}

void
cli_json_object(CliJson *j, const char *key)
{
    open_level(j, key, '{');
}

void
cli_json_object_end(CliJson *j)
{
    close_level(j, '}');
}

void
cli_json_array(CliJson *j, const char *key)
{
    open_level(j, key, '[');
}

void
cli_json_array_end(CliJson *j)
{
    close_level(j, ']');
}

void
cli_json_str(CliJson *j, const char *key, const char *value)
{
    member(j, key);
    if (value)
        append_string(j->out, value);
    else
        g_string_append(j->out, "null");
}

void
cli_json_uint(CliJson *j, const char *key, guint64 value)
{
    member(j, key);
    g_string_append_printf(j->out, "%" G_GUINT64_FORMAT, value);
}

void
cli_json_int(CliJson *j, const char *key, gint64 value)
{
    member(j, key);
    g_string_append_printf(j->out, "%" G_GINT64_FORMAT, value);
}

void
cli_json_bool(CliJson *j, const char *key, gboolean value)
{
    member(j, key);
    g_string_append(j->out, value ? "true" : "false");
}

void
cli_json_null(CliJson *j, const char *key)
{
    member(j, key);
    g_string_append(j->out, "null");
}

char *
cli_json_finish(CliJson *j)
{
    g_return_val_if_fail(j->depth == 0, NULL);
    g_string_append_c(j->out, '\n');
    return g_string_free(g_steal_pointer(&j->out), FALSE);
}
