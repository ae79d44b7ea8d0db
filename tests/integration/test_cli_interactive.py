"""test_cli_interactive.py: vstor's interactive shell driven through a pty (prompt, history,
completion, quit) and from a pipe; the progress line and Ctrl-C on long jobs, on embedded roots."""
import os
import pty
import re
import select
import signal
import subprocess
import time

import pytest

from conftest import stretch_cli, valgrind_cli_wanted

ENV = dict(os.environ, LC_ALL="C", LANG="C", TERM="xterm", INPUTRC="/dev/null")
for var in ("VIRSH_DEFAULT_CONNECT_URI", "VSTOR_DEFAULT_URI", "VSTOR_DEFAULT_CONNECT_URI"):
    ENV.pop(var, None)
PROGRESS = r"%s: +\d{1,3}%%  [\d.]+ [KMGT]?i?B / 1\.00 GiB  [\d.]+ [KMGT]?i?B/s"
MIB = 1 << 20
# Under valgrind (VSTOR_VALGRIND=all) the CLI's threads take turns: an in-process clone of
# 4 GiB still ran to its end before the first progress line or Ctrl-C got a turn.
MID_COPY = pytest.mark.skipif(valgrind_cli_wanted(), reason="needs the CLI's progress line and "
                              "Ctrl-C in the middle of a copy: valgrind runs them after it")


@pytest.fixture(scope="module")
def vstor(build_dir):
    path = build_dir / "vstor"
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(f"no vstor binary under {build_dir} (set VSTOR_BUILD_DIR)")
    return str(path)


class Pty:
    """A process whose stdin, stdout and stderr are a pty (its controlling terminal)."""

    def __init__(self, argv, env):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            try:
                os.execve(argv[0], argv, env)
            finally:
                os._exit(127)
        self.out = b""

    def read_until(self, pattern, timeout=60):
        """Reads until @pattern (a bytes regex) matches what came since the last match."""
        deadline = time.monotonic() + timeout
        while True:
            m = re.search(pattern, self.out)
            if m:
                seen, self.out = self.out[:m.end()], self.out[m.end():]
                return seen
            left = deadline - time.monotonic()
            assert left > 0, f"no {pattern!r} in {self.out[-2000:]!r}"
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                try:
                    data = os.read(self.fd, 65536)
                except OSError:
                    data = b""
                assert data, f"EOF before {pattern!r}; got {self.out[-2000:]!r}"
                self.out += data

    def send(self, data):
        os.write(self.fd, data)

    def finish(self, timeout=60):
        """Reads to EOF; returns (everything unread, exit status)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.fd], [], [], deadline - time.monotonic())
            try:
                data = os.read(self.fd, 65536) if ready else b""
            except OSError:
                data = b""
            if not data:
                break
            self.out += data
        _, status = os.waitpid(self.pid, 0)
        os.close(self.fd)
        return self.out, os.waitstatus_to_exitcode(status)


@pytest.fixture
def root(tmp_path, vstor):
    """An embedded root with a running dir pool p."""
    uri = f"vstor:///embed?root={tmp_path / 'root'}"
    (tmp_path / "p").mkdir()
    env = dict(ENV, HOME=str(tmp_path), XDG_CACHE_HOME=str(tmp_path / "cache"))

    def run(*args, **kw):
        return subprocess.run([vstor, "-c", uri, *map(str, args)], capture_output=True,
                              env=env, timeout=120, check=False, **kw)

    r = run("pool-create-as", "p", "dir", "--target", tmp_path / "p")
    assert r.returncode == 0, r.stderr
    return uri, env, run, tmp_path


def make_full_vol(run, name, size="256M"):
    r = run("vol-create-as", "p", name, size, "--allocation", size)
    assert r.returncode == 0, r.stderr


def make_data_vol(run, tmp, name, mib):
    """A volume holding @mib MiB of real data, out of the page cache: a clone of it has to
    read every byte from the disk (a preallocated volume holds only unwritten extents, which
    a clone skips like holes, in no time)."""
    make_full_vol(run, name, f"{mib}M")
    chunk = bytes(range(256)) * 4096
    fd = os.open(tmp / "p" / name, os.O_WRONLY)
    try:
        for i in range(mib):
            os.pwrite(fd, chunk, i * MIB)
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def assert_progress_moved(out, kind):
    """@kind's progress lines in @out show a value between 0 and 100 %, and only rise."""
    shown = [int(v) for v in re.findall(kind + rb": +(\d{1,3})%", out)]
    assert any(0 < v < 100 for v in shown), out
    assert shown == sorted(shown), out


def has_children(pid):
    """Whether process @pid has started a child (any of its threads)."""
    for task in os.scandir(f"/proc/{pid}/task"):
        try:
            with open(f"{task.path}/children") as f:
                if f.read().strip():
                    return True
        except OSError:
            pass
    return False


def vol_names(run):
    r = run("-q", "vol-list", "p")
    assert r.returncode == 0, r.stderr
    return [line.split()[0] for line in r.stdout.decode().splitlines() if line.strip()]


def test_shell_on_a_terminal(vstor, root):
    uri, env, run, tmp = root
    make_full_vol(run, "a")
    sh = Pty([vstor, "-c", uri], env)
    sh.read_until(rb"Welcome to vstor, the storage interactive terminal\.")
    sh.read_until(rb"vstor # ")
    sh.send(b"vol-list p\r")
    out = sh.read_until(rb"vstor # ")
    assert re.search(rb" a +" + re.escape(str(tmp / "p" / "a").encode()), out), out
    # Up-arrow recalls the last line, which runs again.
    sh.send(b"\x1b[A")
    sh.read_until(rb"vol-list p")
    sh.send(b"\r")
    out = sh.read_until(rb"vstor # ")
    assert b" Name " in out and b" a " in out, out
    # Tab completes a command name from the command tables.
    sh.send(b"pool-li\t")
    sh.read_until(rb"pool-list ")
    sh.send(b"\r")
    out = sh.read_until(rb"vstor # ")
    assert re.search(rb" p +active +no", out), out
    # An error leaves the shell running.
    sh.send(b"pool-info nope\r")
    sh.read_until(rb"failed to get pool 'nope'")
    sh.read_until(rb"vstor # ")
    sh.send(b"quit\r")
    _, status = sh.finish()
    assert status == 0
    history = (tmp / "cache" / "vstor" / "history").read_text()
    assert "vol-list p" in history and "pool-list" in history


def test_shell_from_a_pipe(vstor, root):
    uri, env, run, tmp = root
    r = run(input=b"pool-list\nbogus\npool-info nope\nexit\npool-list\n")
    out, err = r.stdout.decode(), r.stderr.decode()
    assert r.returncode == 0
    assert out.startswith("Welcome to vstor, the storage interactive terminal.\n\n"
                          "Type:  'help' for help with commands\n       'quit' to quit\n\n")
    assert "vstor # pool-list\n Name   State    Autostart\n" in out
    assert out.count("vstor # pool-list") == 1  # nothing after exit runs
    assert "error: unknown command: 'bogus'" in err
    assert "error: failed to get pool 'nope'" in err
    # End of input ends the shell too, after one newline (as virsh).
    r = run("-q", input=b"pool-list --name\n")
    out = r.stdout.decode()
    assert r.returncode == 0 and out.startswith("vstor # pool-list --name\np")
    assert out.endswith("\nvstor # \n") and "Welcome" not in out


@MID_COPY
def test_progress_on_a_terminal_for_upload_and_clone(vstor, root):
    uri, env, run, tmp = root
    make_full_vol(run, "a")
    # An upload of 256 MiB may end before the first line (200 ms): 1 GiB takes long enough.
    make_full_vol(run, "u", "1G")
    data = tmp / "data.bin"
    chunk = os.urandom(MIB)
    with open(data, "wb") as f:
        for i in range(1024):
            f.write(chunk[i:] + chunk[:i])
    p = Pty([vstor, "-c", uri, "vol-upload", "u", str(data), "--pool", "p"], env)
    out, status = p.finish(timeout=120)
    assert status == 0, out
    assert re.search((PROGRESS % "vol-upload").encode(), out), out
    with open(data, "rb") as f:
        head = f.read(256 * MIB)
    # A clone of 256 MiB may end before the first line: this one takes long enough.
    make_data_vol(run, tmp, "big", 1024)
    p = Pty([vstor, "-c", uri, "vol-clone", "big", "b", "--pool", "p"], env)
    out, status = p.finish(timeout=120)
    assert status == 0, out
    assert re.search((PROGRESS % "vol-clone").encode() + rb"  ETA \d+:\d\d", out), out
    assert b"Vol b cloned from big" in out
    # With stderr a pipe, nothing extra: the transcript stays virsh's.
    r = run("vol-clone", "a", "c", "--pool", "p")
    assert r.returncode == 0 and r.stderr == b""
    assert r.stdout == b"Vol c cloned from a\n\n"
    r = run("vol-download", "a", tmp / "back.bin", "--pool", "p")
    assert r.returncode == 0 and r.stderr == b"" and r.stdout == b"\n"
    assert (tmp / "back.bin").read_bytes() == (tmp / "p" / "a").read_bytes()
    r = run("vol-download", "u", tmp / "back.bin", "--pool", "p", "--length", str(256 * MIB))
    assert r.returncode == 0 and (tmp / "back.bin").read_bytes() == head


@MID_COPY
def test_progress_of_a_conversion(vstor, root):
    """A conversion runs qemu-img: its progress line moves while qemu-img works (read from
    `qemu-img convert -p` as it prints it), instead of staying at 0 % until the end."""
    uri, env, run, tmp = root
    make_data_vol(run, tmp, "big", 1024)
    xml = tmp / "conv.xml"
    xml.write_text("<volume><name>conv.qcow2</name><capacity unit='G'>1</capacity>"
                   "<target><format type='qcow2'/></target></volume>")
    p = Pty([vstor, "-c", uri, "vol-create-from", "p", str(xml), "big", "--inputpool", "p"], env)
    out, status = p.finish(timeout=120)
    assert status == 0, out
    assert b"Vol conv.qcow2 created from input vol big" in out, out
    assert_progress_moved(out, b"vol-clone")
    r = subprocess.run(["qemu-img", "compare", "-f", "raw", "-F", "qcow2", tmp / "p" / "big",
                        tmp / "p" / "conv.qcow2"], capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stdout + r.stderr


@MID_COPY
def test_progress_of_a_scrub_wipe(vstor, root):
    """A multi-pass wipe runs scrub: its progress line follows scrub's bars pass by pass
    instead of staying at 0 % until the last one."""
    uri, env, run, tmp = root
    make_full_vol(run, "w")
    p = Pty([vstor, "-c", uri, "vol-wipe", "w", "--pool", "p", "--algorithm", "dod"], env)
    out, status = p.finish(timeout=120)
    assert status == 0, out
    assert b"Vol w wiped" in out, out
    assert_progress_moved(out, b"vol-wipe")


@MID_COPY
def test_ctrl_c_cancels_a_clone(vstor, root):
    uri, env, run, tmp = root
    make_data_vol(run, tmp, "a", 1024)  # big enough to be still copying at the first line
    p = Pty([vstor, "-c", uri, "vol-clone", "a", "b", "--pool", "p"], env)
    p.read_until(rb"vol-clone: +\d+%")
    p.send(b"\x03")  # the terminal's Ctrl-C: SIGINT to the foreground group
    out, status = p.finish()
    assert status == 1, out
    assert b"error: Failed to clone vol from a" in out
    assert re.search(rb"error: operation aborted: vol-clone of 'p/b' was cancelled", out), out
    assert vol_names(run) == ["a"]
    assert os.path.getsize(tmp / "p" / "a") == 1024 * MIB
    assert not (tmp / "p" / "b").exists()


def test_ctrl_c_cancels_a_wipe_without_a_terminal(vstor, root):
    uri, env, run, tmp = root
    make_full_vol(run, "a")
    proc = subprocess.Popen([vstor, "-c", uri, "vol-wipe", "a", "--pool", "p", "--algorithm",
                             "gutmann"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    time.sleep(1.5)
    # A CLI under valgrind starts slower: Ctrl-C once scrub runs, not before its handler is set.
    deadline = time.monotonic() + stretch_cli(1.5)
    while not has_children(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert proc.poll() is None, "the wipe ended too soon to be cancelled"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert out == b"\n"  # virsh's blank line after a command, and nothing else
    err = err.decode()
    assert err.startswith("error: Failed to wipe vol a\nerror: operation aborted: "), err
    assert err.rstrip().endswith("was cancelled"), err
    assert "\r" not in err  # no progress line without a terminal
    assert vol_names(run) == ["a"]


@MID_COPY
def test_ctrl_c_in_the_shell_cancels_the_job_and_the_shell_goes_on(vstor, root):
    uri, env, run, tmp = root
    make_data_vol(run, tmp, "a", 1024)
    sh = Pty([vstor, "-c", uri], env)
    sh.read_until(rb"vstor # ")
    sh.send(b"vol-clone a b --pool p\r")
    sh.read_until(rb"vol-clone: +\d+%")
    sh.send(b"\x03")
    out = sh.read_until(rb"vstor # ")
    assert b"error: operation aborted: vol-clone of 'p/b' was cancelled" in out, out
    sh.send(b"vol-list p\r")
    out = sh.read_until(rb"vstor # ")
    assert b" a " in out and b" b " not in out, out
    sh.send(b"exit\r")
    _, status = sh.finish()
    assert status == 0
