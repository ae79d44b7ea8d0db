/* command.h: the one way vstor runs external tools (mount, mkfs, parted, ...): an argv array,
 * never a shell, logged at debug level, and a runner that can record instead of running. */
#pragma once

#include <glib.h>

#include "util/job.h"

/* A command line being built: program, arguments, extra environment, optional stdin text. */
typedef struct _VstorCommand VstorCommand;

/* Starts a command for @prog: a bare name ("mount") is looked up when the command runs (see
 * vstor_command_find_program); a path is used as it is. */
VstorCommand *vstor_command_new(const char *prog);
/* Starts a command from the NULL-terminated @argv (argv[0] is the program). */
VstorCommand *vstor_command_new_argv(const char *const *argv);
void vstor_command_free(VstorCommand *cmd); /* accepts NULL */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VstorCommand, vstor_command_free)

void vstor_command_add_arg(VstorCommand *cmd, const char *arg);
void vstor_command_add_argf(VstorCommand *cmd, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* Appends every argument up to the terminating NULL. */
void vstor_command_add_args(VstorCommand *cmd, ...) G_GNUC_NULL_TERMINATED;

/* Sets NAME=@value in the child's environment, on top of the inherited one. */
void vstor_command_add_env(VstorCommand *cmd, const char *name, const char *value);
/* Text the child reads on stdin, handed over in an in-memory file so that a child which does
 * not read it all is no error. Without it the child's stdin is /dev/null. */
void vstor_command_set_stdin(VstorCommand *cmd, const char *text);
/* Cancelling @job (vstor_job_cancel) kills the running child and makes the run fail with
 * VSTOR_ERR_OPERATION_ABORTED; a job cancelled already fails the run before it starts. NULL
 * (the default): the run cannot be cancelled. @cmd keeps a reference. */
void vstor_command_set_job(VstorCommand *cmd, VstorJob *job);

/* @func gets each piece of the child's stdout as it arrives (pieces as read, not lines), on
 * the thread running the command: a tool's progress read while it works. The run still
 * returns the whole stdout when asked for it. A recorded run hands it the expectation's
 * stdout in one piece. */
typedef void (*VstorCommandOutputFunc)(const char *data, gsize len, gpointer user_data);
void vstor_command_set_output_func(VstorCommand *cmd, VstorCommandOutputFunc func,
                                   gpointer user_data);

/* Hands the child a copy of the open descriptor @fd: the child finds it as the returned
 * number (VSTOR_COMMAND_FD_FIRST, then counting up), e.g. for a tool told to open
 * /proc/self/fd/N — the file already opened and checked, not a path that may have changed
 * since. Fails (VSTOR_ERR_SYSTEM_ERROR) only when @fd cannot be duplicated. */
#define VSTOR_COMMAND_FD_FIRST 3
int vstor_command_pass_fd(VstorCommand *cmd, int fd, GError **err);

/* The argv (NULL-terminated, argv[0] as given to vstor_command_new), owned by @cmd. */
const char *const *vstor_command_argv(const VstorCommand *cmd);
/* The environment additions as NAME=value strings (NULL-terminated), owned by @cmd. */
const char *const *vstor_command_env(const VstorCommand *cmd);
/* The stdin text, or NULL. */
const char *vstor_command_stdin(const VstorCommand *cmd);

typedef enum {
    /* Break the line (" \" + newline) before each argument except where an option's value
     * follows it, as libvirt's test fixtures (*.argv) are written. */
    VSTOR_COMMAND_STRING_LINEBREAKS = 1 << 0,
    /* Show the program's base name only ("mount", not "/usr/bin/mount"). */
    VSTOR_COMMAND_STRING_STRIP_PATH = 1 << 1,
} VstorCommandStringFlags;

/* The command as one shell-pasteable string, quoted as libvirt quotes (single quotes only
 * around arguments with shell metacharacters, '' for an empty one), environment additions
 * first. @flags: VstorCommandStringFlags. */
char *vstor_command_to_string_full(const VstorCommand *cmd, unsigned int flags);
/* The command in the exact form of libvirt's .argv fixture files (line breaks, program base
 * name, no final newline), so a fixture compares directly. */
char *vstor_command_to_string(const VstorCommand *cmd);

/* The absolute path of the program @name: a name with a '/' must itself be executable;
 * otherwise $PATH is searched, then /usr/sbin and /sbin (where mount, mkfs.* and parted live
 * and where root's $PATH may not reach). NULL when there is none. */
char *vstor_command_find_program(const char *name);

/* Runs @cmd for real and waits for it. With @ret_exit_status the caller gets the exit status
 * and a non-zero one is not an error; without it, anything but exit 0 fails with
 * VSTOR_ERR_INTERNAL_ERROR "Child process (ARGV) unexpected exit status N: STDERR" (libvirt's
 * wording). Death by a signal always fails ("unexpected fatal signal N"). Stdout is captured
 * only when @ret_stdout is given, stderr always (for the message). Fails with
 * VSTOR_ERR_SYSTEM_ERROR when the program cannot be found or started, and
 * VSTOR_ERR_OPERATION_ABORTED when cancelled. Outputs are written only on success. */
int vstor_command_run(VstorCommand *cmd, int *ret_exit_status, char **ret_stdout, char **ret_stderr,
                      GError **err);

/* Where commands go: a real runner runs them; a recording runner (for tests) notes each one and
 * answers with canned results. Backends take a runner so tests see exactly what would run.
 * A recording runner serialises its callers with a lock; a real one keeps no state. */
typedef struct _VstorCommandRunner VstorCommandRunner;

VstorCommandRunner *vstor_runner_new(void);
VstorCommandRunner *vstor_runner_new_recording(void);
void vstor_runner_free(VstorCommandRunner *runner); /* accepts NULL */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(VstorCommandRunner, vstor_runner_free)

gboolean vstor_runner_is_recording(const VstorCommandRunner *runner);

/* Queues the answer of a recording runner to the next command: it must be @argv_string
 * (vstor_command_to_string_full with STRIP_PATH, or the fixture form: line breaks are
 * ignored), and it "exits" with @exit_status printing @stdout_text (NULL: nothing). */
void vstor_runner_expect(VstorCommandRunner *runner, const char *argv_string, int exit_status,
                         const char *stdout_text);
/* The same, with canned stderr too. */
void vstor_runner_expect_full(VstorCommandRunner *runner, const char *argv_string, int exit_status,
                              const char *stdout_text, const char *stderr_text);

/* Runs @cmd through @runner (NULL: for real), with the contract of vstor_command_run. A
 * recording runner logs the command, then answers with the next queued expectation (failing
 * with VSTOR_ERR_INTERNAL_ERROR "unexpected command" when the command is not the expected
 * one) or, when nothing is queued, with exit 0 and no output. */
int vstor_runner_run(VstorCommandRunner *runner, VstorCommand *cmd, int *ret_exit_status,
                     char **ret_stdout, char **ret_stderr, GError **err);

/* Every command a recording runner has seen, each in fixture form followed by a newline (as
 * libvirt's dry-run buffer), and forgets them. "" when none. */
char *vstor_runner_take_log(VstorCommandRunner *runner);
/* The stdin text given to the @index-th recorded command still in the log, or NULL. */
const char *vstor_runner_logged_stdin(VstorCommandRunner *runner, guint index);
/* How many queued expectations have not been used. */
guint vstor_runner_pending(VstorCommandRunner *runner);
