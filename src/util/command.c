/* command.c: building, printing and running external commands with g_spawn (never a shell),
 * and the recording runner that lets tests check what would run without running it. */
#include "util/command.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/error.h"

struct _VstorCommand {
    GPtrArray *argv; /* NULL-terminated */
    GPtrArray *env; /* NAME=value, NULL-terminated */
    char *stdin_text;
    VstorJob *job; /* cancels the run, or NULL */
    VstorCommandOutputFunc output_func; /* sees stdout as it comes, or NULL */
    gpointer output_data;
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
    vstor_job_unref(cmd->job);
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
vstor_command_set_job(VstorCommand *cmd, VstorJob *job)
{
    g_return_if_fail(cmd);
    vstor_job_unref(cmd->job);
    cmd->job = job ? vstor_job_ref(job) : NULL;
}

void
vstor_command_set_output_func(VstorCommand *cmd, VstorCommandOutputFunc func, gpointer user_data)
{
    g_return_if_fail(cmd);
    cmd->output_func = func;
    cmd->output_data = user_data;
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

/* In the child, before exec: it dies with the daemon, so a qemu-img left running by a killed
 * vstord never writes into a volume the next vstord serves. */
static void
die_with_parent(gpointer parent)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != GPOINTER_TO_INT(parent))
        _exit(127); /* the daemon died before the line above */
}

/* A child being run: its pid (not reaped yet), a pidfd when the kernel has them, and the read
 * ends of its stdout (-1 when not captured) and stderr. */
typedef struct {
    GPid pid;
    int pidfd;
    int out_fd;
    int err_fd;
} Child;

static void
child_close(Child *child)
{
    int *fds[] = {&child->pidfd, &child->out_fd, &child->err_fd};

    for (guint i = 0; i < G_N_ELEMENTS(fds); i++)
        if (*fds[i] >= 0) {
            close(*fds[i]);
            *fds[i] = -1;
        }
}

/* Reads one chunk of @fd into @buf, and shows it to @cmd's output function when @fd is
 * stdout; at the end (or on an error) closes it and sets it to -1. */
static void
drain_once(VstorCommand *cmd, int *fd, gboolean is_stdout, GString *buf)
{
    char chunk[16384];
    ssize_t n = read(*fd, chunk, sizeof(chunk));

    if (n > 0) {
        g_string_append_len(buf, chunk, n);
        if (is_stdout && cmd->output_func)
            cmd->output_func(chunk, (gsize)n, cmd->output_data);
    } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        close(*fd);
        *fd = -1;
    }
}

/* Collects the child's output until both pipes end and the child has exited, or until
 * @cancel_fd turns readable (returns FALSE: the caller kills and reaps). Without a pidfd the
 * exit is waited for by waitpid() after the pipes end, and a cancel is not seen then. */
static gboolean
communicate(VstorCommand *cmd, Child *child, int cancel_fd, GString *out, GString *errs)
{
    gboolean exited = child->pidfd < 0; /* nothing to poll for it: waitpid() will wait */

    for (;;) {
        struct pollfd pfd[4];
        nfds_t n = 0;
        int at_out = -1, at_err = -1, at_pid = -1, at_cancel = -1;

        if (child->out_fd >= 0) {
            at_out = (int)n;
            pfd[n++] = (struct pollfd){.fd = child->out_fd, .events = POLLIN};
        }
        if (child->err_fd >= 0) {
            at_err = (int)n;
            pfd[n++] = (struct pollfd){.fd = child->err_fd, .events = POLLIN};
        }
        if (!exited) {
            at_pid = (int)n;
            pfd[n++] = (struct pollfd){.fd = child->pidfd, .events = POLLIN};
        }
        if (n == 0)
            return TRUE;
        if (cancel_fd >= 0) {
            at_cancel = (int)n;
            pfd[n++] = (struct pollfd){.fd = cancel_fd, .events = POLLIN};
        }
        if (poll(pfd, n, -1) < 0)
            continue; /* EINTR; nothing else can fail with descriptors we own */
        if (at_cancel >= 0 && pfd[at_cancel].revents)
            return FALSE;
        if (at_out >= 0 && pfd[at_out].revents)
            drain_once(cmd, &child->out_fd, TRUE, out);
        if (at_err >= 0 && pfd[at_err].revents)
            drain_once(cmd, &child->err_fd, FALSE, errs);
        if (at_pid >= 0 && pfd[at_pid].revents)
            exited = TRUE;
    }
}

static int
reap(GPid pid)
{
    int status = 0;

    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return status;
}

/* The child's environment: ours with @cmd's additions on top. */
static char **
child_environ(VstorCommand *cmd)
{
    char **envp = g_get_environ();
    const char *const *add = vstor_command_env(cmd);

    for (guint i = 0; add[i]; i++) {
        g_autofree char *name = g_strndup(add[i], strchr(add[i], '=') - add[i]);

        envp = g_environ_setenv(envp, name, strchr(add[i], '=') + 1, TRUE);
    }
    return envp;
}

static int
spawn(VstorCommand *cmd, const char *const *argv, gboolean want_stdout, Child *child, GError **err)
{
    g_auto(GStrv) envp = child_environ(cmd);
    g_autoptr(GError) gerr = NULL;
    g_autoptr(GArray) targets = g_array_new(FALSE, FALSE, sizeof(int));
    GSpawnFlags flags = G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_CLOEXEC_PIPES;
    int stdin_fd = -1;
    gboolean ok;

    if (!want_stdout)
        flags |= G_SPAWN_STDOUT_TO_DEV_NULL;
    if (cmd->stdin_text && (stdin_fd = stdin_memfd(cmd->stdin_text, err)) < 0)
        return -1;
    if (!cmd->stdin_text)
        flags |= G_SPAWN_STDIN_FROM_DEV_NULL;
    for (guint i = 0; cmd->fds && i < cmd->fds->len; i++) {
        int target = VSTOR_COMMAND_FD_FIRST + (int)i;

        g_array_append_val(targets, target);
    }
    ok = g_spawn_async_with_pipes_and_fds(
        NULL, argv, (const char *const *)envp, flags, die_with_parent, GINT_TO_POINTER(getpid()),
        stdin_fd, -1, -1, cmd->fds ? (const int *)cmd->fds->data : NULL, (const int *)targets->data,
        targets->len, &child->pid, NULL, want_stdout ? &child->out_fd : NULL, &child->err_fd,
        &gerr);
    if (stdin_fd >= 0)
        close(stdin_fd);
    if (!ok) {
        vstor_error_set(err, VSTOR_ERR_SYSTEM_ERROR, "cannot execute binary %s: %s", argv[0],
                        gerr->message);
        return -1;
    }
    child->pidfd = pidfd_open(child->pid, 0); /* -1 on kernels without: waitpid() then */
    return 0;
}

int
vstor_command_run(VstorCommand *cmd, int *ret_exit_status, char **ret_stdout, char **ret_stderr,
                  GError **err)
{
    g_autoptr(GString) out = g_string_new(NULL);
    g_autoptr(GString) errs = g_string_new(NULL);
    g_autofree char *program = NULL;
    g_autofree char *line = NULL;
    g_autofree const char **argv = NULL;
    const char *const *env = vstor_command_env(cmd);
    Child child = {.pid = 0, .pidfd = -1, .out_fd = -1, .err_fd = -1};
    int cancel_fd = -1;
    gboolean finished;
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
    if (cmd->job && ((cancel_fd = vstor_job_cancel_fd(cmd->job, err)) < 0))
        return -1;
    if (vstor_job_is_cancelled(cmd->job)) {
        vstor_error_set(err, VSTOR_ERR_OPERATION_ABORTED, "%s was cancelled", line);
        return -1;
    }
    g_debug("running %s", line);
    if (spawn(cmd, argv, ret_stdout || cmd->output_func, &child, err) < 0)
        return -1;

    finished = communicate(cmd, &child, cancel_fd, out, errs);
    if (!finished)
        kill(child.pid, SIGKILL); /* cancelled: never leave the child behind */
    child_close(&child);
    status = reap(child.pid);
    g_spawn_close_pid(child.pid);
    if (!finished) {
        vstor_error_set(err, VSTOR_ERR_OPERATION_ABORTED, "%s was cancelled", line);
        return -1;
    }

    exited = WIFEXITED(status);
    status = exited ? WEXITSTATUS(status) : WTERMSIG(status);
    g_debug("%s: %s %d, stdout '%s', stderr '%s'", program, exited ? "exit" : "signal", status,
            ret_stdout ? out->str : "(not captured)", errs->str);

    if (check_status(env, argv, exited, status, errs->str, ret_exit_status != NULL, err) < 0)
        return -1;
    if (ret_exit_status)
        *ret_exit_status = status;
    if (ret_stdout)
        *ret_stdout = g_string_free(g_steal_pointer(&out), FALSE);
    if (ret_stderr)
        *ret_stderr = g_string_free(g_steal_pointer(&errs), FALSE);
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
    if (e && cmd->output_func && *e->stdout_text)
        cmd->output_func(e->stdout_text, strlen(e->stdout_text), cmd->output_data);
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
