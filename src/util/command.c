/* command.c: building, printing and running external commands through GSubprocess (never a
 * shell), and the recording runner that lets tests check what would run without running it. */
#include "util/command.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util/error.h"

struct _VstorCommand {
    GPtrArray *argv; /* NULL-terminated */
    GPtrArray *env; /* NAME=value, NULL-terminated */
    char *stdin_text;
    GCancellable *cancellable;
    GArray *fds; /* of int: the child gets fds[i] as descriptor VSTOR_COMMAND_FD_FIRST + i */
};

VstorCommand *
vstor_command_new(const char *prog)
{
    VstorCommand *cmd;

    g_return_val_if_fail(prog && *prog, NULL);
    cmd = g_new0(VstorCommand, 1);
    cmd->argv = g_ptr_array_new_with_free_func(g_free);
    cmd->env = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(cmd->argv, g_strdup(prog));
    g_ptr_array_add(cmd->argv, NULL);
    g_ptr_array_add(cmd->env, NULL);
    return cmd;
}

VstorCommand *
vstor_command_new_argv(const char *const *argv)
{
    VstorCommand *cmd;

    g_return_val_if_fail(argv && argv[0], NULL);
    cmd = vstor_command_new(argv[0]);
    for (guint i = 1; argv[i]; i++)
        vstor_command_add_arg(cmd, argv[i]);
    return cmd;
}

void
vstor_command_free(VstorCommand *cmd)
{
    if (!cmd)
        return;
    g_ptr_array_unref(cmd->argv);
    g_ptr_array_unref(cmd->env);
    g_free(cmd->stdin_text);
    g_clear_object(&cmd->cancellable);
    if (cmd->fds) {
        for (guint i = 0; i < cmd->fds->len; i++)
            close(g_array_index(cmd->fds, int, i));
        g_array_unref(cmd->fds);
    }
    g_free(cmd);
}

/* Both arrays keep a trailing NULL so they can be handed out as argv/envp as they are. */
static void
append_terminated(GPtrArray *array, char *item)
{
    g_ptr_array_index(array, array->len - 1) = item;
    g_ptr_array_add(array, NULL);
}

void
vstor_command_add_arg(VstorCommand *cmd, const char *arg)
{
    g_return_if_fail(cmd && arg);
    append_terminated(cmd->argv, g_strdup(arg));
}

void
vstor_command_add_argf(VstorCommand *cmd, const char *fmt, ...)
{
    va_list ap;

    g_return_if_fail(cmd && fmt);
    va_start(ap, fmt);
    append_terminated(cmd->argv, g_strdup_vprintf(fmt, ap));
    va_end(ap);
}

void
vstor_command_add_args(VstorCommand *cmd, ...)
{
    va_list ap;
    const char *arg;

    g_return_if_fail(cmd);
    va_start(ap, cmd);
    while ((arg = va_arg(ap, const char *)))
        append_terminated(cmd->argv, g_strdup(arg));
    va_end(ap);
}

void
vstor_command_add_env(VstorCommand *cmd, const char *name, const char *value)
{
    g_return_if_fail(cmd && name && *name && !strchr(name, '=') && value);
    append_terminated(cmd->env, g_strconcat(name, "=", value, NULL));
}

void
vstor_command_set_stdin(VstorCommand *cmd, const char *text)
{
    g_return_if_fail(cmd);
    g_free(cmd->stdin_text);
    cmd->stdin_text = g_strdup(text);
}

void
vstor_command_set_cancellable(VstorCommand *cmd, GCancellable *cancellable)
{
    g_return_if_fail(cmd);
    g_clear_object(&cmd->cancellable);
    if (cancellable)
        cmd->cancellable = g_object_ref(cancellable);
}

int
vstor_command_pass_fd(VstorCommand *cmd, int fd, GError **err)
{
    int own = fcntl(fd, F_DUPFD_CLOEXEC, 3);

    if (own < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "cannot duplicate descriptor %d",
                              fd);
        return -1;
    }
    if (!cmd->fds)
        cmd->fds = g_array_new(FALSE, FALSE, sizeof(int));
    g_array_append_val(cmd->fds, own);
    return VSTOR_COMMAND_FD_FIRST + (int)cmd->fds->len - 1;
}

const char *const *
vstor_command_argv(const VstorCommand *cmd)
{
    return (const char *const *)cmd->argv->pdata;
}

const char *const *
vstor_command_env(const VstorCommand *cmd)
{
    return (const char *const *)cmd->env->pdata;
}

const char *
vstor_command_stdin(const VstorCommand *cmd)
{
    return cmd->stdin_text;
}

/* Quotes as a POSIX shell reads it back, and only when needed, so plain arguments stay
 * readable and the text equals libvirt's fixtures. */
static void
append_shell_quoted(GString *out, const char *str)
{
    if (!*str) {
        g_string_append(out, "''");
        return;
    }
    if (!strpbrk(str, "\r\t\n !\"#$&'()*;<>?[\\]^`{|}~")) {
        g_string_append(out, str);
        return;
    }
    g_string_append_c(out, '\'');
    for (const char *p = str; *p; p++) {
        if (*p == '\'')
            g_string_append(out, "'\\'");
        g_string_append_c(out, *p);
    }
    g_string_append_c(out, '\'');
}

static char *
format_command(const char *const *env, const char *const *argv, unsigned int flags)
{
    gboolean breaks = flags & VSTOR_COMMAND_STRING_LINEBREAKS;
    GString *out = g_string_new(NULL);
    g_autofree char *base = NULL;
    gboolean had_option = FALSE;
    int last_option = -1;

    for (guint i = 0; env[i]; i++) {
        const char *eq = strchr(env[i], '=');

        g_string_append_len(out, env[i], eq - env[i] + 1);
        append_shell_quoted(out, eq + 1);
        g_string_append(out, breaks ? " \\\n" : " ");
    }

    if (flags & VSTOR_COMMAND_STRING_STRIP_PATH)
        base = g_path_get_basename(argv[0]);
    append_shell_quoted(out, base ? base : argv[0]);

    for (int i = 1; argv[i]; i++)
        if (argv[i][0] == '-')
            last_option = i;

    for (int i = 1; argv[i]; i++) {
        /* An argument stays on its option's line when an option precedes it directly or
         * more options follow: "-o opts -t type" are pairs, trailing operands get own lines. */
        gboolean newline = TRUE;

        if (argv[i][0] == '-')
            had_option = TRUE;
        else if (had_option && last_option >= i - 1)
            newline = FALSE;
        g_string_append_c(out, ' ');
        if (breaks && newline)
            g_string_append(out, "\\\n");
        append_shell_quoted(out, argv[i]);
    }
    return g_string_free(out, FALSE);
}

char *
vstor_command_to_string_full(const VstorCommand *cmd, unsigned int flags)
{
    g_return_val_if_fail(cmd, NULL);
    return format_command(vstor_command_env(cmd), vstor_command_argv(cmd), flags);
}

char *
vstor_command_to_string(const VstorCommand *cmd)
{
    return vstor_command_to_string_full(cmd, VSTOR_COMMAND_STRING_LINEBREAKS |
                                                 VSTOR_COMMAND_STRING_STRIP_PATH);
}

static char *
executable_or_null(char *path)
{
    if (path && g_file_test(path, G_FILE_TEST_IS_EXECUTABLE) &&
        !g_file_test(path, G_FILE_TEST_IS_DIR))
        return path;
    g_free(path);
    return NULL;
}

char *
vstor_command_find_program(const char *name)
{
    static const char *const sbin_dirs[] = {"/usr/sbin", "/sbin"};
    g_autofree char *found = NULL;

    g_return_val_if_fail(name, NULL);
    if (!*name)
        return NULL;
    if (strchr(name, '/'))
        return executable_or_null(g_canonicalize_filename(name, NULL));

    /* g_find_program_in_path returns relative paths for relative $PATH entries. */
    if ((found = g_find_program_in_path(name)))
        return g_canonicalize_filename(found, NULL);
    for (guint i = 0; i < G_N_ELEMENTS(sbin_dirs); i++) {
        char *path = executable_or_null(g_build_filename(sbin_dirs[i], name, NULL));

        if (path)
            return path;
    }
    return NULL;
}

/* The verdict on a finished child, shared by real and recorded runs so both fail alike. */
static int
check_status(const char *const *env, const char *const *argv, gboolean exited, int status,
             const char *stderr_text, gboolean want_status, GError **err)
{
    g_autofree char *line = NULL;
    g_autofree char *what = NULL;
    g_autofree char *errtext = g_strchomp(g_strdup(stderr_text ? stderr_text : ""));

    if (exited && (want_status || status == 0))
        return 0;

    line = format_command(env, argv, 0);
    what = exited ? g_strdup_printf("exit status %d", status)
                  : g_strdup_printf("fatal signal %d", status);
    vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR, "Child process (%s) unexpected %s%s%s", line,
                    what, *errtext ? ": " : "", errtext);
    return -1;
}

/* Stdin text goes through an in-memory file, not a pipe: a child that exits without reading it
 * cannot make our write fail with EPIPE or kill the whole process with SIGPIPE. */
static int
stdin_memfd(const char *text, GError **err)
{
    size_t len = strlen(text);
    size_t done = 0;
    int fd = memfd_create("vstor-command-stdin", MFD_CLOEXEC);

    if (fd < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "%s",
                              "cannot create a file for a command's input");
        return -1;
    }
    while (done < len) {
        ssize_t n = write(fd, text + done, len - done);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "%s",
                                  "cannot write a command's input");
            close(fd);
            return -1;
        }
        done += (size_t)n;
    }
    if (lseek(fd, 0, SEEK_SET) < 0) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno, "%s",
                              "cannot rewind a command's input");
        close(fd);
        return -1;
    }
    return fd;
}

static char *
bytes_to_string(GBytes *bytes)
{
    gsize len = 0;
    const char *data = bytes ? g_bytes_get_data(bytes, &len) : NULL;
    char *str = g_malloc(len + 1);

    if (len)
        memcpy(str, data, len);
    str[len] = '\0';
    return str;
}

/* In the child, before exec: it dies with the daemon, so a qemu-img left running by a killed
 * vstord never writes into a volume the next vstord serves. */
static void
die_with_parent(gpointer parent)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != GPOINTER_TO_INT(parent))
        _exit(127); /* the daemon died before the line above */
}

int
vstor_command_run(VstorCommand *cmd, int *ret_exit_status, char **ret_stdout, char **ret_stderr,
                  GError **err)
{
    g_autoptr(GSubprocessLauncher) launcher = NULL;
    g_autoptr(GSubprocess) proc = NULL;
    g_autoptr(GBytes) out = NULL;
    g_autoptr(GBytes) errb = NULL;
    g_autoptr(GError) gerr = NULL;
    g_autofree char *program = NULL;
    g_autofree char *line = NULL;
    g_autofree char *out_text = NULL;
    g_autofree char *err_text = NULL;
    g_autofree const char **argv = NULL;
    const char *const *env = vstor_command_env(cmd);
    GSubprocessFlags flags = G_SUBPROCESS_FLAGS_STDERR_PIPE;
    gboolean exited;
    int status;

    g_return_val_if_fail(cmd, -1);
    if (!(program = vstor_command_find_program(cmd->argv->pdata[0]))) {
        vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, ENOENT, "Cannot find '%s' in path",
                              (const char *)cmd->argv->pdata[0]);
        return -1;
    }
    argv = g_memdup2(cmd->argv->pdata, cmd->argv->len * sizeof(char *));
    argv[0] = program;

    line = format_command(env, argv, 0);
    g_debug("running %s", line);

    flags |= ret_stdout ? G_SUBPROCESS_FLAGS_STDOUT_PIPE : G_SUBPROCESS_FLAGS_STDOUT_SILENCE;
    launcher = g_subprocess_launcher_new(flags);
    g_subprocess_launcher_set_child_setup(launcher, die_with_parent, GINT_TO_POINTER(getpid()),
                                          NULL);
    if (cmd->stdin_text) {
        int fd = stdin_memfd(cmd->stdin_text, err);

        if (fd < 0)
            return -1;
        g_subprocess_launcher_take_stdin_fd(launcher, fd);
    }
    for (guint i = 0; env[i]; i++) {
        g_autofree char *name = g_strndup(env[i], strchr(env[i], '=') - env[i]);

        g_subprocess_launcher_setenv(launcher, name, strchr(env[i], '=') + 1, TRUE);
    }
    for (guint i = 0; cmd->fds && i < cmd->fds->len; i++) {
        int fd = fcntl(g_array_index(cmd->fds, int, i), F_DUPFD_CLOEXEC, 3);

        if (fd < 0) {
            vstor_error_set_errno(err, VSTOR_ERR_SYSTEM_ERROR, errno,
                                  "cannot pass a descriptor to %s", program);
            return -1;
        }
        g_subprocess_launcher_take_fd(launcher, fd, VSTOR_COMMAND_FD_FIRST + (int)i);
    }

    if (!(proc = g_subprocess_launcher_spawnv(launcher, argv, &gerr))) {
        vstor_error_set(err, VSTOR_ERR_SYSTEM_ERROR, "cannot execute binary %s: %s", program,
                        gerr->message);
        return -1;
    }
    if (!g_subprocess_communicate(proc, NULL, cmd->cancellable, &out, &errb, &gerr)) {
        /* Cancelled or failed reading: never leave the child behind. */
        g_subprocess_force_exit(proc);
        g_subprocess_wait(proc, NULL, NULL);
        if (g_error_matches(gerr, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            vstor_error_set(err, VSTOR_ERR_OPERATION_ABORTED, "%s was cancelled", line);
        else
            vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR,
                            "Error while processing command's IO: %s", gerr->message);
        return -1;
    }

    exited = g_subprocess_get_if_exited(proc);
    status = exited ? g_subprocess_get_exit_status(proc) : g_subprocess_get_term_sig(proc);
    out_text = bytes_to_string(out);
    err_text = bytes_to_string(errb);
    g_debug("%s: %s %d, stdout '%s', stderr '%s'", program, exited ? "exit" : "signal", status,
            ret_stdout ? out_text : "(not captured)", err_text);

    if (check_status(env, argv, exited, status, err_text, ret_exit_status != NULL, err) < 0)
        return -1;
    if (ret_exit_status)
        *ret_exit_status = status;
    if (ret_stdout)
        *ret_stdout = g_steal_pointer(&out_text);
    if (ret_stderr)
        *ret_stderr = g_steal_pointer(&err_text);
    return 0;
}

/* ---- runners ---- */

typedef struct {
    char *argv_string; /* one line, program base name */
    int exit_status;
    char *stdout_text;
    char *stderr_text;
} Expectation;

typedef struct {
    char *line; /* fixture form */
    char *stdin_text;
} LogEntry;

struct _VstorCommandRunner {
    gboolean recording;
    GMutex lock;
    GQueue expectations; /* of Expectation * */
    GPtrArray *log; /* of LogEntry * */
};

static void
expectation_free(gpointer data)
{
    Expectation *e = data;

    g_free(e->argv_string);
    g_free(e->stdout_text);
    g_free(e->stderr_text);
    g_free(e);
}

static void
log_entry_free(gpointer data)
{
    LogEntry *e = data;

    g_free(e->line);
    g_free(e->stdin_text);
    g_free(e);
}

static VstorCommandRunner *
runner_new(gboolean recording)
{
    VstorCommandRunner *runner = g_new0(VstorCommandRunner, 1);

    runner->recording = recording;
    g_mutex_init(&runner->lock);
    g_queue_init(&runner->expectations);
    runner->log = g_ptr_array_new_with_free_func(log_entry_free);
    return runner;
}

VstorCommandRunner *
vstor_runner_new(void)
{
    return runner_new(FALSE);
}

VstorCommandRunner *
vstor_runner_new_recording(void)
{
    return runner_new(TRUE);
}

void
vstor_runner_free(VstorCommandRunner *runner)
{
    if (!runner)
        return;
    g_queue_clear_full(&runner->expectations, expectation_free);
    g_ptr_array_unref(runner->log);
    g_mutex_clear(&runner->lock);
    g_free(runner);
}

gboolean
vstor_runner_is_recording(const VstorCommandRunner *runner)
{
    return runner && runner->recording;
}

/* Expectations may be pasted from fixture files: drop their " \"-newline breaks. */
static char *
unbreak(const char *text)
{
    g_autofree char *copy = g_strdup(text);
    g_auto(GStrv) parts = g_strsplit(g_strchomp(copy), "\\\n", -1);

    return g_strjoinv("", parts);
}

void
vstor_runner_expect_full(VstorCommandRunner *runner, const char *argv_string, int exit_status,
                         const char *stdout_text, const char *stderr_text)
{
    Expectation *e;

    g_return_if_fail(vstor_runner_is_recording(runner) && argv_string);
    e = g_new0(Expectation, 1);
    e->argv_string = unbreak(argv_string);
    e->exit_status = exit_status;
    e->stdout_text = g_strdup(stdout_text ? stdout_text : "");
    e->stderr_text = g_strdup(stderr_text ? stderr_text : "");
    g_mutex_lock(&runner->lock);
    g_queue_push_tail(&runner->expectations, e);
    g_mutex_unlock(&runner->lock);
}

void
vstor_runner_expect(VstorCommandRunner *runner, const char *argv_string, int exit_status,
                    const char *stdout_text)
{
    vstor_runner_expect_full(runner, argv_string, exit_status, stdout_text, NULL);
}

static int
run_recorded(VstorCommandRunner *runner, VstorCommand *cmd, int *ret_exit_status, char **ret_stdout,
             char **ret_stderr, GError **err)
{
    g_autofree char *line = vstor_command_to_string_full(cmd, VSTOR_COMMAND_STRING_STRIP_PATH);
    LogEntry *entry = g_new0(LogEntry, 1);
    Expectation *e;
    int rc;

    g_debug("recording %s", line);
    entry->line = vstor_command_to_string(cmd);
    entry->stdin_text = g_strdup(cmd->stdin_text);

    g_mutex_lock(&runner->lock);
    g_ptr_array_add(runner->log, entry);
    e = g_queue_pop_head(&runner->expectations);
    g_mutex_unlock(&runner->lock);

    if (e && strcmp(e->argv_string, line) != 0) {
        vstor_error_set(err, VSTOR_ERR_INTERNAL_ERROR, "unexpected command '%s', expected '%s'",
                        line, e->argv_string);
        expectation_free(e);
        return -1;
    }
    rc = check_status(vstor_command_env(cmd), vstor_command_argv(cmd), TRUE, e ? e->exit_status : 0,
                      e ? e->stderr_text : NULL, ret_exit_status != NULL, err);
    if (rc == 0) {
        if (ret_exit_status)
            *ret_exit_status = e ? e->exit_status : 0;
        if (ret_stdout)
            *ret_stdout = g_strdup(e ? e->stdout_text : "");
        if (ret_stderr)
            *ret_stderr = g_strdup(e ? e->stderr_text : "");
    }
    if (e)
        expectation_free(e);
    return rc;
}

int
vstor_runner_run(VstorCommandRunner *runner, VstorCommand *cmd, int *ret_exit_status,
                 char **ret_stdout, char **ret_stderr, GError **err)
{
    g_return_val_if_fail(cmd, -1);
    if (vstor_runner_is_recording(runner))
        return run_recorded(runner, cmd, ret_exit_status, ret_stdout, ret_stderr, err);
    return vstor_command_run(cmd, ret_exit_status, ret_stdout, ret_stderr, err);
}

char *
vstor_runner_take_log(VstorCommandRunner *runner)
{
    GString *out = g_string_new(NULL);

    g_return_val_if_fail(runner, NULL);
    g_mutex_lock(&runner->lock);
    for (guint i = 0; i < runner->log->len; i++) {
        const LogEntry *e = g_ptr_array_index(runner->log, i);

        g_string_append(out, e->line);
        g_string_append_c(out, '\n');
    }
    g_ptr_array_set_size(runner->log, 0);
    g_mutex_unlock(&runner->lock);
    return g_string_free(out, FALSE);
}

const char *
vstor_runner_logged_stdin(VstorCommandRunner *runner, guint index)
{
    const char *text = NULL;

    g_return_val_if_fail(runner, NULL);
    g_mutex_lock(&runner->lock);
    if (index < runner->log->len)
        text = ((const LogEntry *)g_ptr_array_index(runner->log, index))->stdin_text;
    g_mutex_unlock(&runner->lock);
    return text;
}

guint
vstor_runner_pending(VstorCommandRunner *runner)
{
    guint n;

    g_return_val_if_fail(runner, 0);
    g_mutex_lock(&runner->lock);
    n = g_queue_get_length(&runner->expectations);
    g_mutex_unlock(&runner->lock);
    return n;
}
