/* shell.c: `vstor` with no command — virsh's interactive shell over GNU readline: a prompt,
 * history kept across sessions, completion from the command tables, quit/exit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "cli/cli.h"

#define SHELL_PROMPT "vstor # "
#define HISTORY_LINES 500

/* Readline's completion hook takes no user data: the one session it completes for. */
static CliCtl *completion_ctl;

/* The words of the current command (after the last ';') up to the cursor, the last one being
 * the word completed (empty after a space). */
static GStrv
line_words(const char *line, int point)
{
    g_autofree char *upto = g_strndup(line, (gsize)point);
    const char *start = strrchr(upto, ';');
    g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
    g_auto(GStrv) parts = g_strsplit_set(start ? start + 1 : upto, " \t", -1);
    gboolean last_empty = TRUE;

    for (char **p = parts; *p; p++) {
        if (**p)
            g_strv_builder_add(builder, *p);
        last_empty = **p == '\0';
    }
    if (last_empty)
        g_strv_builder_add(builder, "");
    return g_strv_builder_end(builder);
}

/* Readline's matches for @text: the common prefix first, then each candidate (malloc'd, as
 * readline frees them). */
static char **
shell_complete(const char *text, int start, int end)
{
    g_auto(GStrv) words = line_words(rl_line_buffer, end);
    g_autoptr(GPtrArray) candidates = NULL;
    g_autoptr(GPtrArray) found = g_ptr_array_new();
    size_t common = 0;
    char **matches;

    (void)start;
    rl_attempted_completion_over = 1; /* never fall back to file names */
    candidates = cli_complete_list(completion_ctl, (int)g_strv_length(words), words);
    for (guint i = 0; i < candidates->len; i++)
        if (g_str_has_prefix(candidates->pdata[i], text))
            g_ptr_array_add(found, candidates->pdata[i]);
    if (found->len == 0)
        return NULL;
    common = strlen(found->pdata[0]);
    for (guint i = 1; i < found->len; i++) {
        const char *a = found->pdata[0], *b = found->pdata[i];
        size_t k = 0;

        while (k < common && a[k] == b[k])
            k++;
        common = k;
    }
    matches = calloc(found->len + 2, sizeof(*matches));
    if (!matches)
        return NULL;
    matches[0] = strndup(found->pdata[0], found->len == 1 ? strlen(found->pdata[0]) : common);
    for (guint i = 0; found->len > 1 && i < found->len; i++)
        matches[i + 1] = strdup(found->pdata[i]);
    return matches;
}

static char *
history_path(void)
{
    return g_build_filename(g_get_user_cache_dir(), "vstor", "history", NULL);
}

/* TRUE when @line is `quit` or `exit` (as virsh, nothing else on the line counts). */
static gboolean
is_quit(const char *line)
{
    g_autofree char *word = g_strstrip(g_strdup(line));

    return g_str_equal(word, "quit") || g_str_equal(word, "exit");
}

/* Runs one line read at the prompt, with virsh's error reporting. */
static void
shell_run_line(CliCtl *ctl, const char *line)
{
    g_autoptr(CliCmd) cmds = NULL;
    g_autoptr(GError) err = NULL;

    if (cli_parse_string(ctl->groups, line, &cmds, &err) < 0) {
        if (err)
            cli_print_error(err->message);
        return;
    }
    if (cmds)
        cli_run_commands(ctl, cmds);
}

int
cli_shell(CliCtl *ctl)
{
    gboolean interactive = isatty(STDIN_FILENO);
    g_autofree char *history = history_path();

    completion_ctl = ctl;
    rl_readline_name = "vstor";
    rl_attempted_completion_function = shell_complete;
    /* Only spaces and ';' end a word: option names keep their dashes. */
    rl_basic_word_break_characters = " \t;";
    if (interactive) {
        stifle_history(HISTORY_LINES);
        read_history(history);
    }
    if (!ctl->quiet)
        printf("Welcome to vstor, the storage interactive terminal.\n\n"
               "Type:  'help' for help with commands\n"
               "       'quit' to quit\n\n");
    fflush(stdout);
    for (;;) {
        char *line = readline(SHELL_PROMPT);

        if (!line) {
            putchar('\n');
            break;
        }
        if (*line && interactive)
            add_history(line);
        if (is_quit(line)) {
            free(line);
            break;
        }
        shell_run_line(ctl, line);
        free(line);
        fflush(stdout);
    }
    if (interactive) {
        g_autofree char *dir = g_path_get_dirname(history);

        if (g_mkdir_with_parents(dir, 0700) == 0)
            write_history(history);
    }
    fflush(stdout);
    completion_ctl = NULL;
    return EXIT_SUCCESS;
}
