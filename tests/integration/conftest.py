"""conftest.py: what the integration tests share — the repository root, the build directory
(env VSTOR_BUILD_DIR, default <repo>/build), run(), which runs a command and keeps bytes, and
vstord on a private --root: the binary (vstord_bin), the Vstord process wrapper, and the
start_vstord / start_vstord_module factories that stop every daemon they started, check it
stopped cleanly, and clean up when a start fails.

Env: VSTOR_ASAN=1 runs the daemon from the ASan+UBSan build (VSTOR_ASAN_BUILD_DIR, default
<repo>/build-asan) with leak detection on; a sanitizer report then fails the test.
VSTOR_VALGRIND=1 runs every vstord (the factories' daemons and vstord commands given to run())
under valgrind's memcheck with tests/valgrind.supp, one log per process; an error or a
definite leak in a log fails the test with the log's excerpt. The fixtures' waits for the
daemon stretch by VSTOR_VALGRIND_SLOWDOWN (default 20) then; a test's own waits use
stretch(seconds). VSTOR_VALGRIND=all runs the vstor CLI under valgrind too (VSTOR_BUILD_DIR
then names a directory of links with a vstor script); waits for the CLI use stretch_cli()."""
import itertools
import os
import pathlib
import re
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]

# What a sanitizer prints when it finds something; any of these in a daemon's log fails it.
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")

VALGRIND_SUPP = ROOT / "tests" / "valgrind.supp"
VALGRIND_EXIT = 97  # valgrind's exit status when it found an error (--error-exitcode)
VALGRIND_SUMMARY = re.compile(r"^==\d+== ERROR SUMMARY: (\d+) errors", re.M)
_valgrind_seq = itertools.count()


def valgrind_wanted():
    return os.environ.get("VSTOR_VALGRIND", "") not in ("", "0", "no")


def valgrind_cli_wanted():
    """VSTOR_VALGRIND=all: the vstor CLI too, wherever a test runs it from the build dir."""
    return os.environ.get("VSTOR_VALGRIND", "") == "all"


def slowdown():
    """How many times slower the processes under test run: 1, or under valgrind
    VSTOR_VALGRIND_SLOWDOWN (default 20; memcheck runs vstord 10-30 times slower)."""
    if not valgrind_wanted():
        return 1.0
    return float(os.environ.get("VSTOR_VALGRIND_SLOWDOWN", "20"))


def stretch(seconds):
    """@seconds, a wait for the daemon, made long enough for the slowest way it runs."""
    return seconds * slowdown()


def stretch_cli(seconds):
    """@seconds, a wait for the vstor CLI, stretched when the CLI runs under valgrind."""
    return stretch(seconds) if valgrind_cli_wanted() else seconds


def valgrind_argv(log_pattern, follow_forks=False):
    """valgrind's argv (to put in front of a program) writing to @log_pattern (%p: the pid).
    Without @follow_forks a forked child (g_spawn's, before it execs qemu-img or mkfs)
    is silent; with it (vstord --daemon) the child gets a log of its own."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        pytest.fail("VSTOR_VALGRIND is set but valgrind is not installed (tools/deps valgrind)")
    return [valgrind, f"--error-exitcode={VALGRIND_EXIT}", "--leak-check=full",
            "--errors-for-leak-kinds=definite", "--show-leak-kinds=definite",
            "--track-fds=no", "--num-callers=40", "--fair-sched=yes",
            "--gen-suppressions=all", f"--suppressions={VALGRIND_SUPP}",
            f"--child-silent-after-fork={'no' if follow_forks else 'yes'}",
            f"--log-file={log_pattern}"]


def valgrind_env(env):
    """GLib allocating with plain malloc, and clearing what it frees, so valgrind sees every
    block as its own allocation (GLib's slice magazines would otherwise hide leaks)."""
    env = dict(env)
    env["G_SLICE"] = "always-malloc"
    env["G_DEBUG"] = "gc-friendly"
    return env


# Every valgrind log with a summary that was looked at: path -> (errors, bytes definitely lost).
_valgrind_seen = {}
VALGRIND_DEFINITE = re.compile(r"^==\d+== +definitely lost: ([\d,]+) bytes", re.M)


def valgrind_report(logs):
    """The first valgrind log of @logs that reports an error or a definite leak, as text:
    its path and the reports (the banner dropped), or None. A log without a summary (a
    process that execed something else, or one still running) reports nothing."""
    for path in sorted(logs):
        text = pathlib.Path(path).read_text(errors="replace")
        m = VALGRIND_SUMMARY.search(text)
        if m is not None:
            lost = VALGRIND_DEFINITE.search(text)
            _valgrind_seen[str(path)] = (int(m.group(1)),
                                         int(lost.group(1).replace(",", "")) if lost else 0)
        if m is None or m.group(1) == "0":
            continue
        lines = text.splitlines()
        body = [ln for ln in lines[6:] if ln.strip("=0123456789 ")]  # after the banner
        return f"valgrind log {path}:\n" + "\n".join(body)[:12000]
    return None


# Under VSTOR_VALGRIND=all: the directory of the vstor CLI's valgrind logs.
_cli_logdir = None
_cli_reported = set()


def _wrap_cli_under_valgrind():
    """Points VSTOR_BUILD_DIR at a directory of links to the build's files in which vstor is
    a script that runs the real one under valgrind, so that every test that runs the CLI
    from the build dir (each file finds it its own way) runs it under valgrind. Logs go to a
    directory anyone may write to (some tests run the CLI as nobody)."""
    global _cli_logdir
    real = _build_dir().resolve()
    wrap = pathlib.Path(tempfile.mkdtemp(prefix="vstor-valgrind-cli-"))
    wrap.chmod(0o755)
    _cli_logdir = wrap / "logs"
    _cli_logdir.mkdir()
    _cli_logdir.chmod(0o1777)
    for entry in real.iterdir():
        if entry.name != "vstor":
            (wrap / entry.name).symlink_to(entry)
    argv = " ".join(f"'{a}'" for a in valgrind_argv(_cli_logdir / "vstor.%p.log"))
    script = wrap / "vstor"
    script.write_text("#!/bin/sh\n# vstor under valgrind (tests/integration/conftest.py)\n"
                      "export G_SLICE=always-malloc G_DEBUG=gc-friendly\n"
                      f"exec {argv} '{real / 'vstor'}' \"$@\"\n")
    script.chmod(0o755)
    os.environ["VSTOR_BUILD_DIR"] = str(wrap)


def pytest_configure(config):
    if valgrind_cli_wanted() and _cli_logdir is None:
        _wrap_cli_under_valgrind()


def pytest_terminal_summary(terminalreporter):
    """Under valgrind: how many processes' logs were checked, and what they found."""
    if not valgrind_wanted():
        return
    cli = sum(1 for path in _valgrind_seen if "/vstor." in path)
    errors = sum(e for e, _ in _valgrind_seen.values())
    lost = sum(b for _, b in _valgrind_seen.values())
    terminalreporter.write_line(
        f"valgrind: {len(_valgrind_seen)} process logs checked ({len(_valgrind_seen) - cli} "
        f"vstord, {cli} vstor): {errors} errors, {lost} bytes definitely lost")


def pytest_unconfigure(config):
    """Removes the CLI wrapper directory unless a log in it reported something."""
    if _cli_logdir is not None and valgrind_report(_cli_logdir.glob("*.log")) is None:
        shutil.rmtree(_cli_logdir.parent, ignore_errors=True)


@pytest.fixture(autouse=True)
def _cli_valgrind_check():
    """Under VSTOR_VALGRIND=all: fails a test when a vstor it ran had a valgrind error."""
    yield
    if _cli_logdir is None:
        return
    # Only the logs of CLIs that ended: one still running is looked at after a later test.
    logs = [p for p in _cli_logdir.glob("*.log") if p not in _cli_reported
            and VALGRIND_SUMMARY.search(p.read_text(errors="replace"))]
    report = valgrind_report(logs)
    _cli_reported.update(logs)
    if report:
        pytest.fail("the vstor CLI under valgrind: " + report)


@pytest.fixture(scope="session")
def repo_root():
    return ROOT


def _build_dir():
    return pathlib.Path(os.environ.get("VSTOR_BUILD_DIR", ROOT / "build"))


@pytest.fixture(scope="session")
def build_dir():
    return _build_dir()


def _run(cmd, env=None, timeout=60):
    """Runs argv list @cmd; returns the CompletedProcess with stdout/stderr as bytes."""
    return subprocess.run([str(c) for c in cmd], capture_output=True, env=env,
                          timeout=timeout, check=False)


class _Runner:
    """run(cmd, env=None, timeout=60) as _run, except that under valgrind a vstord command
    runs under it (the timeout stretched, forks followed, logs in a directory of this test's)
    and its logs are checked at the end of the test (not at once: a test that started a
    vstord --daemon must get to stopping it)."""

    def __init__(self):
        self.logdir = None
        self.reported = False

    def __call__(self, cmd, env=None, timeout=60):
        cmd = [str(c) for c in cmd]
        if not (valgrind_wanted() and os.path.basename(cmd[0]) == "vstord"):
            return _run(cmd, env, timeout)
        if self.logdir is None:
            self.logdir = pathlib.Path(tempfile.mkdtemp(prefix="vstor-valgrind-"))
        cmd = [*valgrind_argv(self.logdir / "valgrind.%p.log", follow_forks=True), *cmd]
        return _run(cmd, valgrind_env(os.environ if env is None else env), stretch(timeout))

    def check(self):
        report = None if self.logdir is None else valgrind_report(self.logdir.glob("*.log"))
        if report and not self.reported:
            self.reported = True
            pytest.fail(report)

    def finish(self):
        try:
            self.check()
        finally:
            if self.logdir is not None and not self.reported:
                shutil.rmtree(self.logdir, ignore_errors=True)


@pytest.fixture
def run():
    """run(argv, env=None, timeout=60) -> CompletedProcess (bytes); see _Runner."""
    runner = _Runner()
    yield runner
    runner.finish()


def asan_wanted():
    return os.environ.get("VSTOR_ASAN", "") not in ("", "0", "no")


def find_vstord():
    """The vstord to test: the ASan build's when VSTOR_ASAN is set, else VSTOR_BUILD_DIR's.
    Fails the test (not skips) when it is missing: a missing binary is a broken build."""
    if asan_wanted() and valgrind_wanted():
        pytest.fail("VSTOR_ASAN and VSTOR_VALGRIND exclude each other")
    if asan_wanted():
        build = pathlib.Path(os.environ.get("VSTOR_ASAN_BUILD_DIR", ROOT / "build-asan"))
    else:
        build = _build_dir()
    for cand in (build / "vstord", build / "src" / "daemon" / "vstord"):
        if cand.exists():
            return cand
    pytest.fail(f"no vstord under {build} (set VSTOR_BUILD_DIR or VSTOR_ASAN_BUILD_DIR)")


@pytest.fixture(scope="session")
def vstord_bin():
    return find_vstord()


def _daemon_env(env):
    env = dict(os.environ if env is None else env)
    if asan_wanted():
        # Reports go to the log; a leak or error makes the exit status non-zero.
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0:exitcode=86")
        env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1:exitcode=87")
    if valgrind_wanted():
        env = valgrind_env(env)
    return env


class Vstord:
    """A vstord on @root with extra @args, its output in root/vstord.log (appended, so a
    restart on the same root keeps the first run's lines). @launcher is argv put in front
    (a wrapper that execs the rest); @ready is "socket" (wait for the read-only socket) or
    a text to wait for in the log; @timeout (seconds) is stretched under valgrind, whose log
    goes to root/valgrind-N.PID.log. A failed start stops the process and fails the test."""

    def __init__(self, binary, root, args=(), env=None, launcher=None, ready="socket",
                 timeout=10.0):
        self.root = pathlib.Path(root)
        self.sock = self.root / "run" / "vstord-sock"
        self.sock_ro = self.root / "run" / "vstord-sock-ro"
        self.uri = f"vstor+unix:///system?socket={self.sock}"
        self.uri_ro = f"vstor+unix:///system?socket={self.sock_ro}"
        self.logpath = self.root / "vstord.log"
        self.root.mkdir(parents=True, exist_ok=True)
        self.log = open(self.logpath, "ab")
        argv = [str(binary), "--root", str(self.root), *[str(a) for a in args]]
        self.valgrind_logs = None
        self.status = None  # the exit status, once stop() has seen it
        if valgrind_wanted():
            self.valgrind_logs = f"valgrind-{next(_valgrind_seq)}.*.log"
            argv = [*valgrind_argv(self.root / self.valgrind_logs.replace("*", "%p")), *argv]
        self.proc = subprocess.Popen([*[str(a) for a in (launcher or [])], *argv],
                                     stdout=self.log, stderr=subprocess.STDOUT,
                                     env=_daemon_env(env))
        self.pid = self.proc.pid
        if ready == "socket":
            is_ready = self.sock_ro.exists
        else:
            is_ready = lambda: ready in self.text()  # noqa: E731
        deadline = time.time() + stretch(timeout)
        try:
            while self.proc.poll() is None and not is_ready() and time.time() < deadline:
                time.sleep(0.05)
        except BaseException:
            self.stop()  # an interrupted start leaves no process behind
            raise
        if self.proc.poll() is not None or not is_ready():
            self.stop()
            vg = ""
            for path in sorted(self.root.glob(self.valgrind_logs or "-")):
                vg += f"\n{path}:\n" + path.read_text(errors="replace")[-4000:]
            pytest.fail(f"vstord did not start (status {self.proc.returncode}): "
                        f"{self.logpath.read_text(errors='replace')}{vg}")

    def text(self):
        self.log.flush()
        return self.logpath.read_text(errors="replace")

    def alive(self):
        return self.proc.poll() is None

    def sanitizer_report(self):
        """The first sanitizer complaint in the log, or valgrind's report, or None."""
        text = self.text() if not self.log.closed else self.logpath.read_text(errors="replace")
        for mark in SANITIZER_MARKS:
            if mark in text:
                return text[text.index(mark):][:4000]
        if self.valgrind_logs:
            return valgrind_report(self.root.glob(self.valgrind_logs))
        return None

    def report(self):
        """What went wrong, for an assertion message: a sanitizer's or valgrind's report,
        else the end of the daemon's log."""
        return self.sanitizer_report() or self.logpath.read_text(errors="replace")[-4000:]

    def stop(self):
        """SIGTERM, then SIGKILL after 20 s (stretched); returns the exit status (again on a
        second call). A sanitizer's or valgrind's report turns it into -1000 so a clean-stop
        check catches it (sanitizer_report() says what it was)."""
        if self.status is not None:
            return self.status  # its root may be gone by now
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=stretch(20))
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if not self.log.closed:
            self.log.close()
        self.status = self.proc.returncode
        if self.status in (0, VALGRIND_EXIT) and self.sanitizer_report():
            self.status = -1000
        return self.status


class VstordFactory:
    """start(root, ...) starts a Vstord (see its arguments) and remembers it; finish() stops
    every one still running and fails when any did not exit cleanly."""

    def __init__(self, binary):
        self.binary = binary
        self.daemons = []

    def __call__(self, root, args=(), **kw):
        d = Vstord(self.binary, root, args, **kw)  # stops itself when its start fails
        self.daemons.append(d)
        return d

    def finish(self):
        bad = []
        for d in self.daemons:
            code = d.stop()
            if code != 0:
                bad.append(f"vstord on {d.root} exited {code}:\n{d.report()}")
        self.daemons.clear()
        if bad:
            pytest.fail("vstord did not stop cleanly on SIGTERM:\n" + "\n".join(bad))


@pytest.fixture
def start_vstord(vstord_bin):
    """A factory: start_vstord(root, args=(), env=, launcher=, ready=) -> Vstord. Every daemon
    is stopped at the end of the test, and must exit 0 (under ASan or valgrind: with no
    report)."""
    factory = VstordFactory(vstord_bin)
    yield factory
    factory.finish()


@pytest.fixture(scope="module")
def start_vstord_module(vstord_bin):
    """start_vstord for daemons a whole module shares."""
    factory = VstordFactory(vstord_bin)
    yield factory
    factory.finish()
