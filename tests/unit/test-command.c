/* test-command.c: the command runner — real runs (true, false, echo, stdin, environment,
 * signals, missing programs), libvirt's fixture formatting, and the recording runner. */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "testutil.h"
#include "util/command.h"
#include "util/error.h"

static void
test_run_true_false(void)
{
    g_autoptr(VstorCommand) t = vstor_command_new("true");
    g_autoptr(VstorCommand) f = vstor_command_new("false");
    g_autoptr(GError) err = NULL;
    int status = -1;

    g_assert_cmpint(vstor_command_run(t, NULL, NULL, NULL, &err), ==, 0);
    g_assert_no_error(err);

    /* Asking for the status makes a failure a result, not an error. */
    g_assert_cmpint(vstor_command_run(f, &status, NULL, NULL, &err), ==, 0);
    g_assert_cmpint(status, ==, 1);

    g_assert_cmpint(vstor_command_run(f, NULL, NULL, NULL, &err), ==, -1);
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_INTERNAL_ERROR);
    g_assert_true(g_str_has_prefix(err->message, "internal error: Child process (/"));
    g_assert_true(g_str_has_suffix(err->message, "false) unexpected exit status 1"));
}

static void
test_run_output(void)
{
    g_autoptr(VstorCommand) cmd = vstor_command_new("echo");
    g_autoptr(GError) err = NULL;
    g_autofree char *out = NULL;
    g_autofree char *errtext = NULL;

    vstor_command_add_args(cmd, "hello", "a b", NULL);
    vstor_command_add_argf(cmd, "%d-%s", 42, "x");
    g_assert_cmpint(vstor_command_run(cmd, NULL, &out, &errtext, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpstr(out, ==, "hello a b 42-x\n");
    g_assert_cmpstr(errtext, ==, "");
}

static void
test_run_stderr_in_message(void)
{
    const char *argv[] = {"sh", "-c", "echo 'it broke' >&2; exit 3", NULL};
    g_autoptr(VstorCommand) cmd = vstor_command_new_argv(argv);
    g_autoptr(GError) err = NULL;
    g_autofree char *out = NULL;

    g_assert_cmpint(vstor_command_run(cmd, NULL, &out, NULL, &err), ==, -1);
    g_assert_null(out);
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_INTERNAL_ERROR);
    g_assert_nonnull(strstr(err->message, "/sh -c 'echo '\\''it broke'\\'' >&2; exit 3')"));
    g_assert_true(g_str_has_suffix(err->message, "unexpected exit status 3: it broke"));
}

static void
test_run_signal(void)
{
    const char *argv[] = {"sh", "-c", "kill -TERM $$", NULL};
    g_autoptr(VstorCommand) cmd = vstor_command_new_argv(argv);
    g_autoptr(GError) err = NULL;
    int status = -1;

    /* Death by a signal is an error even when the caller takes the exit status. */
    g_assert_cmpint(vstor_command_run(cmd, &status, NULL, NULL, &err), ==, -1);
    g_assert_cmpint(status, ==, -1);
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_INTERNAL_ERROR);
    g_assert_true(g_str_has_suffix(err->message, "unexpected fatal signal 15"));
}

static void
test_run_stdin(void)
{
    g_autoptr(VstorCommand) cmd = vstor_command_new("cat");
    g_autoptr(VstorCommand) nostdin = vstor_command_new("cat");
    g_autoptr(GError) err = NULL;
    g_autofree char *out = NULL;
    g_autofree char *out2 = NULL;

    vstor_command_set_stdin(cmd, "line one\nline two\n");
    g_assert_cmpint(vstor_command_run(cmd, NULL, &out, NULL, &err), ==, 0);
    g_assert_cmpstr(out, ==, "line one\nline two\n");

    /* A child that exits without reading a large input is no error (no EPIPE, no SIGPIPE). */
    {
        g_autoptr(VstorCommand) ignore = vstor_command_new("true");
        g_autofree char *big = g_strnfill(4 << 20, 'x');

        vstor_command_set_stdin(ignore, big);
        g_assert_cmpint(vstor_command_run(ignore, NULL, NULL, NULL, &err), ==, 0);
        g_assert_no_error(err);
    }

    /* Without stdin text the child reads /dev/null, so it cannot hang on our stdin. */
    g_assert_cmpint(vstor_command_run(nostdin, NULL, &out2, NULL, &err), ==, 0);
    g_assert_cmpstr(out2, ==, "");
}

static void
test_run_env(void)
{
    const char *argv[] = {"sh", "-c", "printf '%s|%s' \"$VSTOR_T1\" \"$HOME\"", NULL};
    g_autoptr(VstorCommand) cmd = vstor_command_new_argv(argv);
    g_autoptr(GError) err = NULL;
    g_autofree char *out = NULL;
    g_autofree char *expect = g_strdup_printf("v a l|%s", g_getenv("HOME"));
    g_autofree char *str = NULL;

    vstor_command_add_env(cmd, "VSTOR_T1", "v a l");
    g_assert_cmpint(vstor_command_run(cmd, NULL, &out, NULL, &err), ==, 0);
    /* Additions come on top of the inherited environment. */
    g_assert_cmpstr(out, ==, expect);

    str = vstor_command_to_string_full(cmd, 0);
    g_assert_cmpstr(str, ==,
                    "VSTOR_T1='v a l' sh -c 'printf '\\''%s|%s'\\'' \"$VSTOR_T1\" \"$HOME\"'");
}

static void
test_run_missing(void)
{
    g_autoptr(VstorCommand) cmd = vstor_command_new("vstor-no-such-program");
    g_autoptr(VstorCommand) abs = vstor_command_new("/nonexistent/prog");
    g_autoptr(GError) err = NULL;

    g_assert_cmpint(vstor_command_run(cmd, NULL, NULL, NULL, &err), ==, -1);
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_SYSTEM_ERROR);
    g_assert_cmpstr(err->message, ==,
                    "Cannot find 'vstor-no-such-program' in path: No such file or directory");
    g_clear_error(&err);
    g_assert_cmpint(vstor_command_run(abs, NULL, NULL, NULL, &err), ==, -1);
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_SYSTEM_ERROR);
}

static gpointer
cancel_soon(gpointer job)
{
    g_usleep(100 * 1000);
    vstor_job_cancel(job);
    return NULL;
}

static void
test_run_cancel(void)
{
    g_autoptr(VstorCommand) cmd = vstor_command_new("sleep");
    g_autoptr(VstorJob) job = vstor_job_new(1, VSTOR_JOB_VOL_WIPE, "p", "v");
    g_autoptr(GError) err = NULL;
    GThread *thread;
    gint64 start = g_get_monotonic_time();

    vstor_command_add_arg(cmd, "30");
    vstor_command_set_job(cmd, job);
    thread = g_thread_new("cancel", cancel_soon, job);
    g_assert_cmpint(vstor_command_run(cmd, NULL, NULL, NULL, &err), ==, -1);
    g_thread_join(thread);
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_OPERATION_ABORTED);
    g_assert_cmpint(g_get_monotonic_time() - start, <, 10 * G_USEC_PER_SEC);
}

/* A job cancelled before the run: the program never starts (its side effect is missing). */
static void
test_run_cancelled_before(void)
{
    g_autofree char *dir = g_dir_make_tmp("vstor-cmd-XXXXXX", NULL);
    g_autofree char *mark = g_build_filename(dir, "ran", NULL);
    g_autoptr(VstorCommand) cmd = vstor_command_new("touch");
    g_autoptr(VstorJob) job = vstor_job_new(1, VSTOR_JOB_VOL_WIPE, "p", "v");
    g_autoptr(GError) err = NULL;

    vstor_command_add_arg(cmd, mark);
    vstor_command_set_job(cmd, job);
    vstor_job_cancel(job);
    g_assert_cmpint(vstor_command_run(cmd, NULL, NULL, NULL, &err), ==, -1);
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_OPERATION_ABORTED);
    g_assert_false(g_file_test(mark, G_FILE_TEST_EXISTS));
    g_rmdir(dir);
}

/* The child's output is read while it runs, not once it ends: more than a pipe holds (64 KiB)
 * on both stdout and stderr at once must not block the child. */
static void
test_run_large_output(void)
{
    const char *argv[] = {"sh", "-c",
                          "head -c 300000 /dev/zero | tr '\\0' a; "
                          "head -c 200000 /dev/zero | tr '\\0' b >&2; exit 3",
                          NULL};
    g_autoptr(VstorCommand) cmd = vstor_command_new_argv(argv);
    g_autoptr(GError) err = NULL;
    g_autofree char *out = NULL;
    g_autofree char *errs = NULL;
    int status = -1;

    g_assert_cmpint(vstor_command_run(cmd, &status, &out, &errs, &err), ==, 0);
    g_assert_cmpint(status, ==, 3);
    g_assert_cmpuint(strlen(out), ==, 300000);
    g_assert_cmpuint(strspn(out, "a"), ==, 300000);
    g_assert_cmpuint(strlen(errs), ==, 200000);
}

static void
collect_output(const char *data, gsize len, gpointer seen)
{
    g_string_append_len(seen, data, (gssize)len);
}

/* The output function sees stdout as it comes, all of it, whether stdout is also returned
 * or not; a recorded run hands it the expectation's stdout. */
static void
test_run_output_func(void)
{
    const char *argv[] = {"sh", "-c", "printf 'one\\r'; sleep 0.1; printf 'two\\r'; echo err >&2",
                          NULL};
    g_autoptr(VstorCommand) cmd = vstor_command_new_argv(argv);
    g_autoptr(VstorCommand) quiet = vstor_command_new_argv(argv);
    g_autoptr(VstorCommand) rec = vstor_command_new("qemu-img");
    g_autoptr(VstorCommandRunner) runner = vstor_runner_new_recording();
    g_autoptr(GString) seen = g_string_new(NULL);
    g_autoptr(GError) err = NULL;
    g_autofree char *out = NULL;

    vstor_command_set_output_func(cmd, collect_output, seen);
    g_assert_cmpint(vstor_command_run(cmd, NULL, &out, NULL, &err), ==, 0);
    g_assert_cmpstr(out, ==, "one\rtwo\r");
    g_assert_cmpstr(seen->str, ==, out);
    g_string_truncate(seen, 0);
    vstor_command_set_output_func(quiet, collect_output, seen);
    g_assert_cmpint(vstor_command_run(quiet, NULL, NULL, NULL, &err), ==, 0);
    g_assert_cmpstr(seen->str, ==, "one\rtwo\r");

    g_string_truncate(seen, 0);
    vstor_runner_expect(runner, "qemu-img", 0, "    (50.00/100%)\r");
    vstor_command_set_output_func(rec, collect_output, seen);
    g_assert_cmpint(vstor_runner_run(runner, rec, NULL, NULL, NULL, &err), ==, 0);
    g_assert_cmpstr(seen->str, ==, "    (50.00/100%)\r");
}

static int
open_high(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int high = fcntl(fd, F_DUPFD_CLOEXEC, 20);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(high, >=, 20);
    close(fd);
    return high;
}

/* Descriptors handed to the child arrive under the numbers pass_fd returned, also when the
 * copies' own numbers cross the targets (the copy for 3 is 4 and the one for 4 is 3). */
static void
test_run_pass_fd(void)
{
    g_autofree char *dir = g_dir_make_tmp("vstor-cmd-XXXXXX", NULL);
    g_autofree char *fa = g_build_filename(dir, "a", NULL);
    g_autofree char *fb = g_build_filename(dir, "b", NULL);
    const char *argv[] = {"sh", "-c", "cat <&3; cat <&4", NULL};
    g_autoptr(VstorCommand) cmd = vstor_command_new_argv(argv);
    g_autoptr(GError) err = NULL;
    g_autofree char *out = NULL;
    int a, b, hold;

    g_assert_true(g_file_set_contents(fa, "first,", -1, NULL));
    g_assert_true(g_file_set_contents(fb, "second", -1, NULL));
    /* The files away from the low numbers, so the copies can take 3 and 4. */
    a = open_high(fa);
    b = open_high(fb);
    if (fcntl(3, F_GETFD) >= 0 || fcntl(4, F_GETFD) >= 0) {
        g_test_skip("descriptors 3 and 4 are in use");
        return;
    }
    /* With 3 held, a's copy becomes 4; once 3 is free again, b's copy becomes 3. */
    hold = fcntl(0, F_DUPFD_CLOEXEC, 3);
    g_assert_cmpint(hold, ==, 3);
    g_assert_cmpint(vstor_command_pass_fd(cmd, a, &err), ==, VSTOR_COMMAND_FD_FIRST);
    close(hold);
    g_assert_cmpint(fcntl(4, F_GETFD), >=, 0);
    g_assert_cmpint(vstor_command_pass_fd(cmd, b, &err), ==, VSTOR_COMMAND_FD_FIRST + 1);
    g_assert_cmpint(fcntl(3, F_GETFD), >=, 0);
    g_assert_cmpint(vstor_command_run(cmd, NULL, &out, NULL, &err), ==, 0);
    g_assert_no_error(err);
    g_assert_cmpstr(out, ==, "first,second");
    close(a);
    close(b);
    g_unlink(fa);
    g_unlink(fb);
    g_rmdir(dir);
}

static void
test_find_program(void)
{
    g_autofree char *sh = vstor_command_find_program("sh");
    g_autofree char *mount = NULL;
    g_autofree char *none = vstor_command_find_program("vstor-no-such-program");
    g_autofree char *dir = vstor_command_find_program("/usr");
    const char *saved = g_getenv("PATH");
    g_autofree char *path = g_strdup(saved);

    g_assert_true(sh && g_path_is_absolute(sh));
    g_assert_null(none);
    g_assert_null(dir);

    /* With a $PATH lacking the sbin directories, they are still searched. */
    g_setenv("PATH", "/nonexistent", TRUE);
    mount = vstor_command_find_program("losetup");
    g_setenv("PATH", path, TRUE);
    if (g_file_test("/usr/sbin/losetup", G_FILE_TEST_IS_EXECUTABLE))
        g_assert_cmpstr(mount, ==, "/usr/sbin/losetup");
    else if (g_file_test("/sbin/losetup", G_FILE_TEST_IS_EXECUTABLE))
        g_assert_cmpstr(mount, ==, "/sbin/losetup");
}

typedef struct {
    const char *const *argv;
    const char *fixture;
} StringCase;

static void
test_to_string(void)
{
    static const char *const mount[] = {
        "/usr/bin/mount", "-o", "nodev,nosuid,noexec", "-t", "ext3", "/dev/sda6", "/mnt", NULL};
    static const char *const vg[] = {"/usr/sbin/vgchange", "-aly", "HostVG", NULL};
    static const char *const plain[] = {"parted", "/dev/sda", "mklabel", "--script", "msdos", NULL};
    static const char *const quoting[] = {"prog", "", "a'b", "$x", "tab\there", "ok-1,2", NULL};
    static const StringCase cases[] = {
        {mount, "mount \\\n-o nodev,nosuid,noexec \\\n-t ext3 \\\n/dev/sda6 \\\n/mnt"},
        {vg, "vgchange \\\n-aly HostVG"},
        {plain, "parted \\\n/dev/sda \\\nmklabel \\\n--script msdos"},
        {quoting, "prog \\\n'' \\\n'a'\\''b' \\\n'$x' \\\n'tab\there' \\\nok-1,2"},
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(VstorCommand) cmd = vstor_command_new_argv((const char **)cases[i].argv);
        g_autofree char *fixture = vstor_command_to_string(cmd);
        g_autofree char *line = vstor_command_to_string_full(cmd, 0);
        g_autofree char *joined = g_strjoinv(" ", (char **)cases[i].argv);

        g_assert_cmpstr(fixture, ==, cases[i].fixture);
        if (i < 3)
            g_assert_cmpstr(line, ==, joined);
    }
}

static void
test_to_string_env(void)
{
    g_autoptr(VstorCommand) cmd = vstor_command_new("/usr/sbin/parted");
    g_autofree char *fixture = NULL;

    vstor_command_add_env(cmd, "LC_ALL", "C");
    vstor_command_add_args(cmd, "-s", "/dev/loop0", "unit", "B", "print", "free", NULL);
    fixture = vstor_command_to_string(cmd);
    g_assert_cmpstr(fixture, ==,
                    "LC_ALL=C \\\nparted \\\n-s /dev/loop0 \\\nunit \\\nB \\\nprint "
                    "\\\nfree");
}

static void
test_recording(void)
{
    g_autoptr(VstorCommandRunner) runner = vstor_runner_new_recording();
    g_autoptr(VstorCommand) a = vstor_command_new("/usr/bin/mount");
    g_autoptr(VstorCommand) b = vstor_command_new("umount");
    g_autoptr(VstorCommand) c = vstor_command_new("blkid");
    g_autoptr(GError) err = NULL;
    g_autofree char *out = NULL;
    g_autofree char *log = NULL;
    int status = -1;

    g_assert_true(vstor_runner_is_recording(runner));
    vstor_command_add_args(a, "-t", "ext4", "/dev/x", "/mnt", NULL);
    vstor_command_set_stdin(a, "input");
    vstor_command_add_arg(b, "/mnt");

    /* The fixture form is accepted as an expectation. */
    vstor_runner_expect(runner, "mount \\\n-t ext4 \\\n/dev/x \\\n/mnt\n", 0, "mounted\n");
    vstor_runner_expect_full(runner, "umount /mnt", 32, NULL, "umount: /mnt: not mounted.\n");
    g_assert_cmpuint(vstor_runner_pending(runner), ==, 2);

    g_assert_cmpint(vstor_runner_run(runner, a, NULL, &out, NULL, &err), ==, 0);
    g_assert_cmpstr(out, ==, "mounted\n");
    g_assert_cmpint(vstor_runner_run(runner, b, NULL, NULL, NULL, &err), ==, -1);
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_INTERNAL_ERROR);
    g_assert_cmpstr(err->message, ==,
                    "internal error: Child process (umount /mnt) unexpected exit status 32: "
                    "umount: /mnt: not mounted.");
    g_clear_error(&err);
    g_assert_cmpuint(vstor_runner_pending(runner), ==, 0);

    /* Nothing queued: success with no output, still logged. */
    g_assert_cmpint(vstor_runner_run(runner, c, &status, NULL, NULL, &err), ==, 0);
    g_assert_cmpint(status, ==, 0);

    g_assert_cmpstr(vstor_runner_logged_stdin(runner, 0), ==, "input");
    g_assert_null(vstor_runner_logged_stdin(runner, 1));
    log = vstor_runner_take_log(runner);
    g_assert_cmpstr(log, ==, "mount \\\n-t ext4 \\\n/dev/x \\\n/mnt\numount \\\n/mnt\nblkid\n");
    g_free(log);
    log = vstor_runner_take_log(runner);
    g_assert_cmpstr(log, ==, "");
}

static void
test_recording_mismatch(void)
{
    g_autoptr(VstorCommandRunner) runner = vstor_runner_new_recording();
    g_autoptr(VstorCommand) cmd = vstor_command_new("mkfs");
    g_autoptr(GError) err = NULL;
    int status = -1;

    vstor_command_add_args(cmd, "-t", "xfs", "-f", "/dev/sdb", NULL);
    vstor_runner_expect(runner, "mkfs -t ext4 -F /dev/sdb", 0, NULL);
    g_assert_cmpint(vstor_runner_run(runner, cmd, &status, NULL, NULL, &err), ==, -1);
    g_assert_error(err, VSTOR_ERROR, VSTOR_ERR_INTERNAL_ERROR);
    g_assert_cmpstr(err->message, ==,
                    "internal error: unexpected command 'mkfs -t xfs -f /dev/sdb', expected "
                    "'mkfs -t ext4 -F /dev/sdb'");
    g_assert_cmpint(status, ==, -1);
}

static void
test_real_runner(void)
{
    g_autoptr(VstorCommandRunner) runner = vstor_runner_new();
    g_autoptr(VstorCommand) cmd = vstor_command_new("echo");
    g_autoptr(GError) err = NULL;
    g_autofree char *out = NULL;
    g_autofree char *out2 = NULL;

    vstor_command_add_arg(cmd, "real");
    g_assert_false(vstor_runner_is_recording(runner));
    g_assert_cmpint(vstor_runner_run(runner, cmd, NULL, &out, NULL, &err), ==, 0);
    g_assert_cmpstr(out, ==, "real\n");
    /* A NULL runner runs for real too. */
    g_assert_cmpint(vstor_runner_run(NULL, cmd, NULL, &out2, NULL, &err), ==, 0);
    g_assert_cmpstr(out2, ==, "real\n");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/command/run/true-false", test_run_true_false);
    g_test_add_func("/command/run/output", test_run_output);
    g_test_add_func("/command/run/stderr-in-message", test_run_stderr_in_message);
    g_test_add_func("/command/run/signal", test_run_signal);
    g_test_add_func("/command/run/stdin", test_run_stdin);
    g_test_add_func("/command/run/env", test_run_env);
    g_test_add_func("/command/run/missing", test_run_missing);
    g_test_add_func("/command/run/cancel", test_run_cancel);
    g_test_add_func("/command/run/cancelled-before", test_run_cancelled_before);
    g_test_add_func("/command/run/large-output", test_run_large_output);
    g_test_add_func("/command/run/pass-fd", test_run_pass_fd);
    g_test_add_func("/command/run/output-func", test_run_output_func);
    g_test_add_func("/command/find-program", test_find_program);
    g_test_add_func("/command/to-string/fixture", test_to_string);
    g_test_add_func("/command/to-string/env", test_to_string_env);
    g_test_add_func("/command/runner/recording", test_recording);
    g_test_add_func("/command/runner/mismatch", test_recording_mismatch);
    g_test_add_func("/command/runner/real", test_real_runner);
    return g_test_run();
}
