"""test_cli_remote.py: the vstor CLI over libvstor's remote connection to a real vstord on a
private --root (`vstor -c vstor+unix:///system?socket=PATH`): a seed workflow whose output must
equal the same commands on an embedded root, uploads and downloads checked byte for byte,
clones, pool-event, -r refusing writes with libvirt's error, and VSTOR_DEFAULT_URI."""
import os
import pathlib
import re
import signal
import subprocess
import time

import pytest

from conftest import Vstord, find_vstord

ROOT = pathlib.Path(__file__).resolve().parents[2]
ENV = dict(os.environ, LC_ALL="C", LANG="C")
for var in ("VIRSH_DEFAULT_CONNECT_URI", "VSTOR_DEFAULT_URI", "VSTOR_DEFAULT_CONNECT_URI"):
    ENV.pop(var, None)
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
HINT_RE = re.compile(r"^hint: [^\n]*\n", re.M)
# Free space of the file system both pools live on moves between two commands.
FS_SPACE_RE = re.compile(r"(<(?:allocation|available) unit='bytes'>)\d+")


def build_dir():
    return pathlib.Path(os.environ.get("VSTOR_BUILD_DIR", ROOT / "build"))


def binary(name):
    path = build_dir() / name
    if not path.exists():
        pytest.fail(f"no {name} under {build_dir()} (set VSTOR_BUILD_DIR)")
    return path


class Daemon(Vstord):
    """vstord --root @root (conftest's Vstord: ASan or valgrind when asked), with @config as
    its vstord.conf; stop() sends SIGTERM and returns the exit status."""

    def __init__(self, root, config=None):
        root = pathlib.Path(root)
        if config is not None:
            (root / "etc").mkdir(parents=True, exist_ok=True)
            (root / "etc" / "vstord.conf").write_text(config)
        super().__init__(find_vstord(), root)


@pytest.fixture
def daemon(tmp_path):
    d = Daemon(tmp_path / "droot")
    yield d
    assert d.stop() == 0, d.report()


class Cli:
    """The vstor CLI on one URI, with a pool directory of its own."""

    def __init__(self, uri, pooldir):
        self.uri, self.pooldir = uri, pathlib.Path(pooldir)

    def __call__(self, *args, opts=(), env=None, uri=True):
        argv = [str(binary("vstor")), *opts, *(["-c", self.uri] if uri else []),
                *map(str, args)]
        return subprocess.run(argv, capture_output=True, text=True, env=env or ENV,
                              timeout=120, check=False)

    def ok(self, *args, **kw):
        r = self(*args, **kw)
        assert r.returncode == 0, f"{args}: {r.stderr}"
        return r.stdout

    def norm(self, text):
        """@text with this side's pool directory and UUIDs made neutral."""
        text = FS_SPACE_RE.sub(r"\1N", text.replace(str(self.pooldir), "POOLDIR"))
        return UUID_RE.sub("UUID", text)


def sparse_file(path, size, chunks):
    """A file of @size bytes with data @chunks [(offset, bytes)] and holes between."""
    with open(path, "wb") as f:
        f.truncate(size)
        for off, data in chunks:
            f.seek(off)
            f.write(data)


SEED = [
    ("pool-define-as", "seed", "dir", "--target", "{pooldir}"),
    ("pool-build", "seed"),
    ("pool-start", "seed"),
    ("pool-autostart", "seed"),
    ("vol-create-as", "seed", "disk1", "8M"),
    ("vol-create-as", "seed", "disk2", "1M", "--format", "qcow2"),
    ("vol-create-as", "seed", "disk1", "8M"),  # an error: the volume exists
    ("vol-list", "seed", "--details"),
    ("vol-info", "disk1", "--pool", "seed"),
    ("vol-path", "disk2", "--pool", "seed"),
    ("vol-key", "disk1", "--pool", "seed"),
    ("vol-pool", "{pooldir}/disk1"),
    ("pool-list", "--all"),
    ("pool-list", "--all", "--persistent", "--autostart"),
    ("pool-info", "nosuchpool"),  # an error
    ("pool-dumpxml", "seed", "--inactive"),
    ("vol-clone", "disk1", "disk1-copy", "--pool", "seed"),
    ("vol-resize", "disk1-copy", "16M", "--pool", "seed"),
    ("vol-info", "disk1-copy", "--pool", "seed"),
    ("vol-wipe", "disk1-copy", "--pool", "seed"),
    ("vol-delete", "disk1-copy", "--pool", "seed"),
    ("vol-list", "seed"),
    ("pool-destroy", "seed"),
    ("vol-list", "seed"),  # an error: the pool is inactive
    ("pool-delete", "seed"),
    ("pool-undefine", "seed"),
    ("pool-list", "--all"),
]


def test_seed_workflow_matches_embedded(daemon, tmp_path):
    remote = Cli(daemon.uri, tmp_path / "rpool")
    embedded = Cli(f"vstor:///embed?root={tmp_path / 'eroot'}", tmp_path / "epool")
    for step in SEED:
        results = []
        for cli in (remote, embedded):
            args = [a.format(pooldir=cli.pooldir) for a in step]
            r = cli(*args)
            results.append((r.returncode, cli.norm(r.stdout), cli.norm(HINT_RE.sub("", r.stderr))))
        assert results[0] == results[1], f"{step}: remote {results[0]} != embedded {results[1]}"
    # The steps above did what they say (not just the same on both sides).
    assert "disk1" not in remote.ok("pool-list", "--all")


def test_upload_download_clone(daemon, tmp_path):
    cli = Cli(daemon.uri, tmp_path / "pool")
    cli.ok("pool-define-as", "p", "dir", "--target", cli.pooldir)
    cli.ok("pool-build", "p")
    cli.ok("pool-start", "p")
    cli.ok("vol-create-as", "p", "v", "32M")
    src = tmp_path / "src.bin"
    payload = os.urandom(3 << 20)
    sparse_file(src, 32 << 20, [(0, b"first"), (5 << 20, payload), ((32 << 20) - 5, b"last!")])
    for sparse in ([], ["--sparse"]):
        cli.ok("vol-upload", "v", src, "--pool", "p", *sparse)
        out = tmp_path / f"out{len(sparse)}.bin"
        cli.ok("vol-download", "v", out, "--pool", "p", *sparse)
        assert out.read_bytes() == src.read_bytes()
        if sparse:  # holes came back as holes
            assert out.stat().st_blocks * 512 < 8 << 20
    # An offset and a length.
    part = tmp_path / "part.bin"
    cli.ok("vol-download", "v", part, "--pool", "p", "--offset", str(5 << 20),
           "--length", "4096")
    assert part.read_bytes() == payload[:4096]
    # A clone made by the daemon has the same bytes.
    cli.ok("vol-clone", "v", "v2", "--pool", "p")
    out = tmp_path / "clone.bin"
    cli.ok("vol-download", "v2", out, "--pool", "p")
    assert out.read_bytes() == src.read_bytes()
    assert (cli.pooldir / "v2").read_bytes() == src.read_bytes()


def test_pool_event(daemon, tmp_path):
    cli = Cli(daemon.uri, tmp_path / "pool")
    cli.ok("pool-define-as", "ev", "dir", "--target", cli.pooldir)
    cli.ok("pool-build", "ev")
    argv = [str(binary("vstor")), "-c", daemon.uri, "pool-event", "--event", "lifecycle",
            "--loop", "--timeout", "5"]
    waiter = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=ENV)
    time.sleep(1)  # registered by then
    cli.ok("pool-start", "ev")
    cli.ok("pool-destroy", "ev")
    out, err = waiter.communicate(timeout=30)
    assert waiter.returncode == 0, err
    assert out.splitlines()[:2] == ["event 'lifecycle' for storage pool ev: Started",
                                    "event 'lifecycle' for storage pool ev: Stopped"]
    assert "events received: 2" in out


def test_readonly_refuses_writes(daemon, tmp_path):
    cli = Cli(daemon.uri, tmp_path / "pool")
    cli.ok("pool-define-as", "ro", "dir", "--target", cli.pooldir)
    ro_sock = Cli(f"vstor:///system?socket={daemon.sock_ro}", cli.pooldir)
    # -r on the read-write socket (the connection is opened read-only), and the read-only
    # socket itself with and without -r: reads work, writes get libvirt's refusal.
    for side, opts in ((cli, ["-r"]), (ro_sock, ["-r"]), (ro_sock, [])):
        assert "ro" in side.ok("pool-list", "--all", opts=opts)
        r = side("pool-start", "ro", opts=opts)
        assert r.returncode == 1
        assert ("error: operation forbidden: read only access prevents virStoragePoolCreate"
                in r.stderr), r.stderr
    assert "inactive" in cli.ok("pool-info", "ro")


def test_readonly_error_code_is_libvirts(daemon, tmp_path):
    """The refusal the CLI prints is VIR_ERR_OPERATION_DENIED (29), as libvirt's own client
    sees it on the same socket."""
    libvirt = pytest.importorskip("libvirt")
    cli = Cli(daemon.uri, tmp_path / "pool")
    cli.ok("pool-define-as", "ro", "dir", "--target", cli.pooldir)
    conn = libvirt.openReadOnly(f"vstor+unix:///system?socket={daemon.sock_ro}")
    try:
        with pytest.raises(libvirt.libvirtError) as exc:
            conn.storagePoolLookupByName("ro").create()
        assert exc.value.get_error_code() == libvirt.VIR_ERR_OPERATION_DENIED == 29
        r = cli("pool-start", "ro", opts=["-r"])
        assert exc.value.get_error_message() in r.stderr
    finally:
        conn.close()


def test_default_uri_from_environment(daemon, tmp_path):
    cli = Cli(daemon.uri, tmp_path / "pool")
    cli.ok("pool-define-as", "envpool", "dir", "--target", cli.pooldir)
    env = dict(ENV, VSTOR_DEFAULT_URI=daemon.uri)
    r = cli("pool-list", "--all", env=env, uri=False)
    assert r.returncode == 0, r.stderr
    assert "envpool" in r.stdout
    # -c wins over the environment.
    r = cli("pool-list", "--all", env=dict(ENV, VSTOR_DEFAULT_URI="vstor:///nowhere"))
    assert "envpool" in r.stdout
    # Without either, the system daemon's socket is tried (and named in the error).
    if not pathlib.Path("/run/vstor/vstord-sock").exists():
        r = cli("pool-list", uri=False)
        assert r.returncode == 1
        assert "/run/vstor/vstord-sock" in r.stderr


def test_daemon_restart_keeps_state(tmp_path):
    d = Daemon(tmp_path / "root")
    cli = Cli(d.uri, tmp_path / "pool")
    try:
        cli.ok("pool-define-as", "keep", "dir", "--target", cli.pooldir)
        cli.ok("pool-build", "keep")
        cli.ok("pool-start", "keep")
        cli.ok("vol-create-as", "keep", "v", "1M")
    finally:
        assert d.stop() == 0, d.report()
    d = Daemon(tmp_path / "root")
    try:
        assert "v " in cli.ok("vol-list", "keep")
    finally:
        assert d.stop() == 0, d.report()
    # A CLI whose daemon went away says so and fails, without hanging.
    r = cli("pool-list")
    assert r.returncode == 1
    assert "failed to connect" in r.stderr

def test_ctrl_c_cancels_remote_upload(daemon, tmp_path):
    """Ctrl-C while an upload waits on a slow source: the CLI cancels the job over the vstor
    program from its main thread while its worker thread is inside the upload call."""
    cli = Cli(daemon.uri, tmp_path / "pool")
    cli.ok("pool-define-as", "p", "dir", "--target", cli.pooldir)
    cli.ok("pool-build", "p")
    cli.ok("pool-start", "p")
    cli.ok("vol-create-as", "p", "v", "64M")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    argv = [str(binary("vstor")), "-c", daemon.uri, "vol-upload", "v", str(fifo), "--pool", "p"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=ENV)
    with open(fifo, "wb", buffering=0) as feed:
        feed.write(b"\0" * 65536)
        time.sleep(0.5)
        # Before the job is listed the CLI keeps the wish and cancels when it finds it.
        proc.send_signal(signal.SIGINT)
        deadline = time.time() + 20
        try:
            while proc.poll() is None and time.time() < deadline:
                feed.write(b"\0" * 65536)
                time.sleep(0.05)
        except BrokenPipeError:
            pass
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 1, err
    assert "operation aborted" in err and "cancelled" in err, err
    # The pool has no job left: it stops.
    cli.ok("pool-destroy", "p")


def test_keepalive_keeps_an_idle_connection(tmp_path):
    """vstord pings a silent client every second and drops it after two unanswered pings;
    a pool-event that waits four seconds still gets its event: libvstor answered."""
    d = Daemon(tmp_path / "root", config="keepalive_interval = 1\nkeepalive_count = 2\n")
    cli = Cli(d.uri, tmp_path / "pool")
    try:
        cli.ok("pool-define-as", "ka", "dir", "--target", cli.pooldir)
        cli.ok("pool-build", "ka")
        argv = [str(binary("vstor")), "-c", d.uri, "pool-event", "--event", "lifecycle",
                "--timeout", "15"]
        waiter = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, env=ENV)
        time.sleep(4)
        cli.ok("pool-start", "ka")
        out, err = waiter.communicate(timeout=30)
        assert waiter.returncode == 0, err
        assert "event 'lifecycle' for storage pool ka: Started" in out
        cli.ok("pool-destroy", "ka")
    finally:
        assert d.stop() == 0, d.report()
