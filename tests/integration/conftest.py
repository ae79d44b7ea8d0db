"""conftest.py: what the integration tests share — the repository root, the build directory
(env VSTOR_BUILD_DIR, default <repo>/build), run(), which runs a command and keeps bytes, and
vstord on a private --root: the binary (vstord_bin), the Vstord process wrapper, and the
start_vstord / start_vstord_module factories that stop every daemon they started, check it
stopped cleanly, and clean up when a start fails.

Env: VSTOR_ASAN=1 runs the daemon from the ASan+UBSan build (VSTOR_ASAN_BUILD_DIR, default
<repo>/build-asan) with leak detection on; a sanitizer report then fails the test."""
import os
import pathlib
import signal
import subprocess
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]

# What a sanitizer prints when it finds something; any of these in a daemon's log fails it.
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")


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


@pytest.fixture(scope="session")
def run():
    return _run


def asan_wanted():
    return os.environ.get("VSTOR_ASAN", "") not in ("", "0", "no")


def find_vstord():
    """The vstord to test: the ASan build's when VSTOR_ASAN is set, else VSTOR_BUILD_DIR's.
    Fails the test (not skips) when it is missing: a missing binary is a broken build."""
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
    return env


class Vstord:
    """A vstord on @root with extra @args, its output in root/vstord.log (appended, so a
    restart on the same root keeps the first run's lines). @launcher is argv put in front
    (a wrapper that execs the rest); @ready is "socket" (wait for the read-only socket) or
    a text to wait for in the log. A failed start stops the process and fails the test."""

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
        self.proc = subprocess.Popen([*[str(a) for a in (launcher or [])], *argv],
                                     stdout=self.log, stderr=subprocess.STDOUT,
                                     env=_daemon_env(env))
        self.pid = self.proc.pid
        if ready == "socket":
            is_ready = self.sock_ro.exists
        else:
            is_ready = lambda: ready in self.text()  # noqa: E731
        deadline = time.time() + timeout
        try:
            while self.proc.poll() is None and not is_ready() and time.time() < deadline:
                time.sleep(0.05)
        except BaseException:
            self.stop()  # an interrupted start leaves no process behind
            raise
        if self.proc.poll() is not None or not is_ready():
            self.stop()
            pytest.fail(f"vstord did not start (status {self.proc.returncode}): "
                        f"{self.logpath.read_text(errors='replace')}")

    def text(self):
        self.log.flush()
        return self.logpath.read_text(errors="replace")

    def alive(self):
        return self.proc.poll() is None

    def sanitizer_report(self):
        """The first sanitizer complaint in the log, or None."""
        text = self.text() if not self.log.closed else self.logpath.read_text(errors="replace")
        for mark in SANITIZER_MARKS:
            if mark in text:
                return text[text.index(mark):][:4000]
        return None

    def stop(self):
        """SIGTERM, then SIGKILL after 20 s; returns the exit status (again on a second call).
        Under ASan a sanitizer report turns a 0 into -1000 so a clean-stop check catches it."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if not self.log.closed:
            self.log.close()
        if self.proc.returncode == 0 and self.sanitizer_report():
            return -1000
        return self.proc.returncode


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
                report = d.sanitizer_report() or d.logpath.read_text(errors="replace")[-4000:]
                bad.append(f"vstord on {d.root} exited {code}:\n{report}")
        self.daemons.clear()
        if bad:
            pytest.fail("vstord did not stop cleanly on SIGTERM:\n" + "\n".join(bad))


@pytest.fixture
def start_vstord(vstord_bin):
    """A factory: start_vstord(root, args=(), env=, launcher=, ready=) -> Vstord. Every daemon
    is stopped at the end of the test, and must exit 0 (under ASan: with no report)."""
    factory = VstordFactory(vstord_bin)
    yield factory
    factory.finish()


@pytest.fixture(scope="module")
def start_vstord_module(vstord_bin):
    """start_vstord for daemons a whole module shares."""
    factory = VstordFactory(vstord_bin)
    yield factory
    factory.finish()
