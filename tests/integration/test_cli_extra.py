"""test_cli_extra.py: vstor's pool-capabilities, find-storage-pool-sources[-as], pool-event,
pool-edit and vol-edit on an embedded root, the generated man pages and bash completion;
pool-capabilities, pool-event and error lines compared with virsh on the reference libvirtd."""
import os
import pathlib
import re
import shutil
import subprocess
import tempfile
import threading
import time

import pytest

from conftest import stretch_cli

ENV = dict(os.environ, LC_ALL="C", LANG="C")
for var in ("VIRSH_DEFAULT_CONNECT_URI", "VSTOR_DEFAULT_URI", "VSTOR_DEFAULT_CONNECT_URI",
            "VISUAL", "EDITOR"):
    ENV.pop(var, None)
LIBVIRTD_REF = "/work/shared/scripts/libvirtd-ref"
STAMP = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\+0000"


@pytest.fixture(scope="module")
def vstor(build_dir):
    path = build_dir / "vstor"
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(f"no vstor binary under {build_dir} (set VSTOR_BUILD_DIR)")
    return path


class Embedded:
    """One embedded root; call it with a command's words (and optionally an editor)."""

    def __init__(self, vstor, tmp):
        self.vstor, self.tmp = vstor, tmp
        self.root = tmp / "root"
        self.uri = f"vstor:///embed?root={self.root}"

    def __call__(self, *args, editor=None, timeout=60):
        env = dict(ENV, TMPDIR=str(self.tmp))
        if editor:
            env["EDITOR"] = editor
        return subprocess.run([str(self.vstor), "-c", self.uri, *map(str, args)],
                              capture_output=True, env=env, timeout=timeout, check=False,
                              stdin=subprocess.DEVNULL)

    def ok(self, *args, **kw):
        r = self(*args, **kw)
        assert r.returncode == 0, f"{args}: {r.stderr.decode()}"
        return r.stdout.decode()

    def fail(self, *args, **kw):
        r = self(*args, **kw)
        assert r.returncode == 1, f"{args} should fail: {r.stdout.decode()}"
        return r.stderr.decode()

    def editor(self, name, sed):
        """An $EDITOR script that applies the sed expression @sed to the file."""
        path = self.tmp / name
        path.write_text(f"#!/bin/sh\nsed -i '{sed}' \"$1\"\n")
        path.chmod(0o755)
        return str(path)


@pytest.fixture
def emb(vstor, tmp_path):
    return Embedded(vstor, tmp_path)


@pytest.fixture(scope="module")
def ref_uri(tmp_path_factory):
    if shutil.which("virsh") is None or not os.path.exists(LIBVIRTD_REF):
        pytest.skip("virsh or the libvirtd-ref script is missing")
    state = tmp_path_factory.mktemp("libvirtd-ref-extra")
    r = subprocess.run([LIBVIRTD_REF, "start", state], capture_output=True, timeout=300)
    if r.returncode != 0:
        pytest.skip(f"the reference libvirtd did not start: {r.stderr.decode().strip()}")
    yield r.stdout.decode().strip()
    subprocess.run([LIBVIRTD_REF, "stop", state], capture_output=True, timeout=60)


def virsh(uri, *args):
    return subprocess.run(["virsh", "-c", uri, *map(str, args)], capture_output=True, env=ENV,
                          timeout=60, check=False, stdin=subprocess.DEVNULL)


# --- pool-capabilities ----------------------------------------------------------------------

def normalise_caps(text):
    """What differs by build, not by format: which backends the libvirtd was built with, and
    the (empty) format list libvirt prints for rbd without its backend."""
    text = re.sub(r"supported='(yes|no)'", "supported=''", text)
    return re.sub(r"(<pool type='rbd'.*?</pool>)", "<pool type='rbd'/>", text, flags=re.S)


def test_pool_capabilities(emb):
    out = emb.ok("pool-capabilities")
    assert out.startswith("<storagepoolCapabilities>\n  <pool type='dir' supported='yes'>\n")
    # The document ends in a newline, virsh adds one and its command separator another.
    assert out.endswith("</storagepoolCapabilities>\n\n\n")
    assert "<pool type='sheepdog' supported='no'>" in out


def test_pool_capabilities_as_virsh(emb, ref_uri):
    ref = virsh(ref_uri, "pool-capabilities")
    assert ref.returncode == 0
    assert normalise_caps(emb.ok("pool-capabilities")) == normalise_caps(ref.stdout.decode())


# --- find-storage-pool-sources ---------------------------------------------------------------

def test_find_sources_errors_as_virsh(emb, ref_uri, tmp_path):
    spec = tmp_path / "spec.xml"
    spec.write_text("<source><host name='localhost'/></source>\n")
    for args in (["find-storage-pool-sources", "dir"],
                 ["find-storage-pool-sources-as", "netfs"],
                 ["find-storage-pool-sources-as", "dir", "localhost", "2049"],
                 ["find-storage-pool-sources", "dir", spec]):
        ours, ref = emb(*args), virsh(ref_uri, *args)
        assert (ours.returncode, ours.stdout, ours.stderr) == \
            (ref.returncode, ref.stdout, ref.stderr), args


def test_find_sources_missing_spec_file(emb, tmp_path):
    err = emb.fail("find-storage-pool-sources", "fs", tmp_path / "nope.xml")
    assert err.startswith(f"error: Failed to open file '{tmp_path / 'nope.xml'}'")


def test_find_sources_fs_lists_sources(emb):
    # The fs backend scans block devices (blkid); whatever it finds, the answer is a
    # <sources> document.
    r = emb("find-storage-pool-sources", "fs")
    if r.returncode == 0:
        assert r.stdout.decode().lstrip().startswith("<sources")
    else:
        assert r.stderr.decode().startswith("error: Failed to find any fs pool sources\n")


# --- pool-event ------------------------------------------------------------------------------

def test_pool_event_list_and_errors(emb):
    assert emb.ok("pool-event", "--list") == "lifecycle\nrefresh\n\n"
    assert emb.fail("pool-event") == "error: either --list or --event <type> is required\n"
    assert emb.fail("pool-event", "--event", "foo") == "error: unknown event type foo\n"
    assert emb.fail("pool-event", "--event", "lifecycle", "--timeout", "0") == \
        "error: Numeric value '0' for <timeout> option is malformed or out of range\n"
    r = emb("pool-event", "--event", "lifecycle", "--timeout", "1")
    assert (r.returncode, r.stdout) == (1, b"event loop timed out\nevents received: 0\n\n")
    err = emb.fail("pool-event", "nosuch", "--event", "refresh", "--timeout", "1")
    assert err.startswith("error: failed to get pool 'nosuch'\n")


def test_pool_event_errors_as_virsh(emb, ref_uri):
    for args in (["pool-event"], ["pool-event", "--list"], ["pool-event", "--event", "x"],
                 ["pool-event", "--event", "refresh", "--timeout", "0"],
                 ["pool-event", "--event", "refresh", "--timeout", "1"]):
        ours, ref = emb(*args), virsh(ref_uri, *args)
        assert (ours.returncode, ours.stdout, ours.stderr) == \
            (ref.returncode, ref.stdout, ref.stderr), args


def autostart_pending_pool(emb, name):
    """A persistent autostart pool whose directory is missing, on a root that autostarts again
    at its next open (as after a reboot): the driver retries it with backoff, and starts it
    once the directory exists, sending 'Started' from its retry thread."""
    target = emb.tmp / name
    emb.ok("pool-define-as", name, "dir", "--target", target)
    emb.ok("pool-autostart", name)
    (emb.root / "run" / "storage" / "autostarted").unlink(missing_ok=True)
    return target


def run_later(delay, func):
    t = threading.Timer(delay, func)
    t.start()
    return t


@pytest.mark.parametrize("stamp", [False, True])
def test_pool_event_lifecycle_line(emb, stamp):
    target = autostart_pending_pool(emb, "q")
    delay = stretch_cli(1.5)  # a CLI under valgrind opens its root later
    t = run_later(delay, target.mkdir)  # after the attempt at open fails
    args = ["pool-event", "--event", "lifecycle", "--timeout", str(round(20 + delay))]
    r = emb(*args, *(["--timestamp"] if stamp else []))
    t.join()
    out = r.stdout.decode()
    assert r.returncode == 0, r.stderr.decode()
    line = "event 'lifecycle' for storage pool q: Started\nevents received: 1\n\n"
    if stamp:
        assert re.fullmatch(STAMP + ": " + re.escape(line), out), out
    else:
        assert out == line
    assert "State:          running" in emb.ok("pool-info", "q")


def test_pool_event_filters_by_pool(emb):
    target = autostart_pending_pool(emb, "q")
    emb.ok("pool-define-as", "other", "dir", "--target", emb.tmp / "other")
    t = run_later(1.5, target.mkdir)  # after the attempt at open fails
    r = emb("pool-event", "other", "--event", "lifecycle", "--timeout", "4")
    t.join()
    assert (r.returncode, r.stdout) == (1, b"event loop timed out\nevents received: 0\n\n")


def test_pool_event_lines_as_virsh(ref_uri, tmp_path):
    """The format vstor prints is virsh's: checked on the reference daemon's events."""
    (tmp_path / "d").mkdir()
    virsh(ref_uri, "pool-define-as", "evx", "dir", "--target", tmp_path / "d")
    proc = subprocess.Popen(["virsh", "-c", ref_uri, "pool-event", "--event", "lifecycle",
                             "--timeout", "5"], stdout=subprocess.PIPE, env=ENV)
    time.sleep(1)
    virsh(ref_uri, "pool-start", "evx")
    out = proc.communicate(timeout=30)[0].decode()
    virsh(ref_uri, "pool-destroy", "evx")
    virsh(ref_uri, "pool-undefine", "evx")
    assert out == "event 'lifecycle' for storage pool evx: Started\nevents received: 1\n\n"


# --- pool-edit / vol-edit ----------------------------------------------------------------------

def test_pool_edit(emb):
    emb.ok("pool-define-as", "p", "dir", "--target", emb.tmp / "a")
    nop = emb.editor("nop.sh", "")
    assert emb.ok("pool-edit", "p", editor=nop) == "Pool p XML configuration not changed.\n\n"
    good = emb.editor("good.sh", f"s|{emb.tmp}/a<|{emb.tmp}/b<|")
    assert emb.ok("pool-edit", "p", editor=good) == "Pool p XML configuration edited.\n\n"
    assert f"<path>{emb.tmp}/b</path>" in emb.ok("pool-dumpxml", "p")
    # An editor word with options runs through sh -c, as in virsh.
    emb.ok("pool-edit", "p", editor=f"sed -i 's|{emb.tmp}/b<|{emb.tmp}/c<|'")
    assert f"<path>{emb.tmp}/c</path>" in emb.ok("pool-dumpxml", "p")
    assert not list(emb.tmp.glob("vstor*.xml")), "temporary files left behind"


def test_pool_edit_bad_xml_without_terminal(emb):
    emb.ok("pool-define-as", "p", "dir", "--target", emb.tmp / "a")
    bad = emb.editor("bad.sh", "s/<pool type=.dir.>/<pool type=\"bogus\">/")
    err = emb.fail("pool-edit", "p", editor=bad)
    assert err.startswith("error: Failed.\nerror: XML error: ")
    assert "<pool type='dir'>" in emb.ok("pool-dumpxml", "p")
    err = emb.fail("pool-edit", "p", editor="false")
    assert err.startswith("error: Child process (false ")
    assert emb.fail("pool-edit", "nosuch", editor="true").startswith(
        "error: failed to get pool 'nosuch'")


def test_pool_edit_retry_prompt_on_terminal(emb, tmp_path):
    """On a terminal a failed redefine asks virsh's question; 'y' edits again."""
    pty = pytest.importorskip("pty")
    emb.ok("pool-define-as", "p", "dir", "--target", tmp_path / "a")
    # First run breaks the XML; the second (after 'y') fixes it and changes the path.
    script = tmp_path / "twice.sh"
    script.write_text(
        "#!/bin/sh\n"
        f"if [ -e {tmp_path}/once ]; then\n"
        f"  sed -i -e 's/bogus/dir/' -e 's|{tmp_path}/a<|{tmp_path}/z<|' \"$1\"\n"
        f"else touch {tmp_path}/once; sed -i \"s/type='dir'/type='bogus'/\" \"$1\"; fi\n")
    script.chmod(0o755)
    pid, fd = pty.fork()
    if pid == 0:
        env = dict(ENV, EDITOR=str(script), TMPDIR=str(tmp_path))
        os.execve(str(emb.vstor), [str(emb.vstor), "-c", emb.uri, "pool-edit", "p"], env)
    out = b""
    deadline = time.time() + 30
    while b"Try again?" not in out and time.time() < deadline:
        out += os.read(fd, 4096)
    os.write(fd, b"y")
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    _, status = os.waitpid(pid, 0)
    text = out.decode()
    assert "Failed. Try again? [y,n,f,?]: " in text
    assert "Pool p XML configuration edited." in text
    assert os.waitstatus_to_exitcode(status) == 0
    assert f"<path>{tmp_path}/z</path>" in emb.ok("pool-dumpxml", "p")


def test_vol_edit_capacity(emb):
    emb.ok("pool-define-as", "p", "dir", "--target", emb.tmp / "a")
    emb.ok("pool-build", "p")
    emb.ok("pool-start", "p")
    emb.ok("vol-create-as", "p", "v", "1M")
    grow = emb.editor("grow.sh", "/<capacity/s/1048576/2097152/")
    assert emb.ok("vol-edit", "v", "p", editor=grow) == "Volume v XML configuration edited.\n\n"
    assert "Capacity:       2097152 bytes" in emb.ok("vol-info", "v", "p", "--bytes")
    rename = emb.editor("rename.sh", "s|<name>v</name>|<name>w</name>|")
    err = emb.fail("vol-edit", "v", "--pool", "p", editor=rename)
    assert err.startswith("error: Failed.\nerror: Requested operation is not valid: only "
                          "<capacity>")
    nop = emb.editor("nop.sh", "")
    assert emb.ok("vol-edit", "v", "p", editor=nop) == \
        "Volume v XML configuration not changed.\n\n"


# --- help, man pages, completion -----------------------------------------------------------

NEW = ["pool-capabilities", "find-storage-pool-sources", "find-storage-pool-sources-as",
       "pool-event", "pool-edit", "vol-edit"]


def test_new_commands_in_help(emb):
    listing = emb.ok("help")
    for name in NEW:
        assert f"    {name} " in listing
    assert "find-storage-pool-sources-as <type> [--host <string>] [--port <string>] " \
        "[--initiator <string>]" in emb.ok("help", "find-storage-pool-sources-as")


def test_help_matches_virsh_synopsis(emb):
    if shutil.which("virsh") is None:
        pytest.skip("no virsh")
    for name in NEW[:-1]:
        ours = emb.ok("help", name)
        ref = subprocess.run(["virsh", "help", name], capture_output=True, env=ENV).stdout
        syn = lambda t: t.split("SYNOPSIS")[1].split("\n\n")[0].strip()  # noqa: E731
        # --json is vstor's own addition (pool-capabilities --json).
        assert syn(ours).replace(" [--json]", "") == syn(ref.decode()), name


@pytest.mark.parametrize("group", [None, "daemon"])
def test_hint_on_daemon_socket_permission(vstor, start_vstord, group):
    """Someone who may not use vstord's read-write socket is told how to get in: with the
    socket's group when the configuration gives it one."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv")
    # Outside pytest's private (0700) temp tree, so that only the socket keeps nobody out.
    root = pathlib.Path(tempfile.mkdtemp(prefix="vstor-hint-"))
    root.chmod(0o755)
    if group:
        (root / "etc").mkdir()
        (root / "etc" / "vstord.conf").write_text(
            f"[vstord]\nunix_sock_group = {group}\nunix_sock_rw_perms = 0660\n")
    daemon = start_vstord(root)
    try:
        sock = daemon.sock
        (root / "run").chmod(0o755)
        as_nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", str(vstor)]
        r = subprocess.run([*as_nobody, "-c", f"vstor:///system?socket={sock}", "pool-list"],
                           capture_output=True, env=ENV, timeout=60)
        err = r.stderr.decode()
        assert r.returncode == 1 and "Permission denied" in err, err
        wanted = f"group '{group}', which may use {sock}" if group else "the group that owns it"
        assert err.splitlines()[-1].startswith("hint: the daemon's socket refused you: run as "
                                               f"root or as a member of {wanted}"), err
    finally:
        code = daemon.stop()  # before its root goes
        report = daemon.report() if code else ""
        shutil.rmtree(root, ignore_errors=True)
    assert code == 0, report


def test_man_pages(build_dir):
    if shutil.which("man") is None:
        pytest.skip("no man")
    page = build_dir / "vstor.1"
    assert page.is_file()
    env = dict(ENV, MANWIDTH="200")
    r = subprocess.run(["man", "--warnings", "-l", str(page)], capture_output=True, env=env)
    assert r.returncode == 0 and r.stderr == b"", r.stderr.decode()
    text = r.stdout.decode()
    for name in NEW + ["pool-define-as", "vol-create-as", "pool-stop"]:
        assert f"\n   {name}\n" in text, name
    assert "pool-event [--pool string] [--event string] [--loop] [--timeout number]" in text
    assert "filter by storage pool name or uuid" in text
    r = subprocess.run(["man", "--warnings", "-l", str(build_dir / "vstord.8")],
                       capture_output=True, env=env)
    assert r.returncode == 0 and r.stderr == b"" and b"vstord - the vstor storage daemon" \
        in r.stdout


def complete(repo_root, build_dir, line):
    script = (f"source {repo_root}/data/completion/vstor\n"
              'COMP_LINE="$1"; COMP_POINT=${#1}; _vstor_complete\n'
              'printf "%s\\n" "${COMPREPLY[@]}"\n')
    env = dict(ENV, PATH=f"{build_dir}:{os.environ['PATH']}")
    r = subprocess.run(["bash", "-c", script, "x", line], capture_output=True, env=env,
                       timeout=60)
    assert r.returncode == 0, r.stderr.decode()
    return [w for w in r.stdout.decode().split("\n") if w]


def test_completion(emb, repo_root, build_dir):
    emb.ok("pool-define-as", "alpha", "dir", "--target", emb.tmp / "a")
    emb.ok("pool-build", "alpha")
    emb.ok("pool-start", "alpha")
    emb.ok("pool-define-as", "beta", "dir", "--target", emb.tmp / "b")
    emb.ok("vol-create-as", "alpha", "disk1", "1M")
    emb.ok("vol-create-as", "alpha", "disk2", "1M")
    c = f"vstor -c {emb.uri} "
    assert complete(repo_root, build_dir, "vstor pool-ca") == ["pool-capabilities"]
    assert complete(repo_root, build_dir, "vstor pool-e") == ["pool-edit", "pool-event"]
    assert complete(repo_root, build_dir, "vstor --rea") == ["--readonly"]
    assert complete(repo_root, build_dir, c + "pool-list --d") == ["--details"]
    assert complete(repo_root, build_dir, c + "pool-info ") == ["alpha", "beta"]
    assert complete(repo_root, build_dir, c + "pool-start b") == ["beta"]
    assert complete(repo_root, build_dir, c + "vol-info --pool alpha ") == ["disk1", "disk2"]
    assert complete(repo_root, build_dir, c + "vol-info d --pool ") == ["alpha", "beta"]
    assert complete(repo_root, build_dir, c + "vol-delete disk2 --") == ["--pool",
                                                                          "--delete-snapshots"]
    assert complete(repo_root, build_dir, c + "pool-event --event ") == ["lifecycle",
                                                                          "refresh"]
    assert complete(repo_root, build_dir, c + "help vol-e") == ["vol-edit"]
