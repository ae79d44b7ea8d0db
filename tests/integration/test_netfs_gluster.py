"""test_netfs_gluster.py: a netfs pool of source format glusterfs, mounted through FUSE by the
embedded vstor CLI against a private glusterd on loopback, through its whole life."""
import json
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import time

import pytest

ENV = dict(os.environ, LC_ALL="C", LANG="C")
for var in ("VIRSH_DEFAULT_CONNECT_URI", "VSTOR_DEFAULT_URI", "VSTOR_DEFAULT_CONNECT_URI"):
    ENV.pop(var, None)
# The gluster CLI refuses bricks on "127.0.0.1" or "localhost", and a brick process fetches
# its volfile from its brick's host: glusterd, its brick and the FUSE clients all use another
# loopback address, so nothing listens beyond lo and nothing clashes with a glusterd on :24007
# of 127.0.0.1.
HOST = "127.0.0.2"
VOL = "V"
GLUSTER_PROCS = ("glusterd", "glusterfs", "glusterfsd")
# What the Debian packages install: none of it may change while the test runs.
HOST_STATE = ("/var/lib/glusterd", "/var/log/glusterfs", "/run/gluster", "/run/glusterd.socket")
FS_NS = "http://libvirt.org/schemas/storagepool/fs/1.0"


def run(*argv, check=True, timeout=60, **kw):
    r = subprocess.run([str(a) for a in argv], capture_output=True, text=True, env=ENV,
                       timeout=timeout, check=False, **kw)
    if check:
        assert r.returncode == 0, f"{argv}: {r.stdout}{r.stderr}"
    return r


def mounts(pid="self"):
    """(source, target, type) of every mount process @pid sees, from the kernel's own list."""
    out = []
    for line in pathlib.Path(f"/proc/{pid}/mounts").read_text().splitlines():
        f = line.split()
        out.append((f[0], f[1].replace("\\040", " "), f[2]))
    return out


def gluster_pids(tmp):
    """Live gluster processes whose command line names @tmp (zombies have none)."""
    pids = []
    for d in pathlib.Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            comm = (d / "comm").read_text().strip()
            cmdline = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if comm in GLUSTER_PROCS and str(tmp) in cmdline:
            pids.append(int(d.name))
    return pids


def host_state():
    """Every path under the host's gluster directories, with its size for files."""
    seen = {}
    for top in HOST_STATE:
        p = pathlib.Path(top)
        if not p.exists():
            continue
        seen[top] = None
        for root, dirs, files in os.walk(top):
            for n in dirs:
                seen[os.path.join(root, n)] = None
            for n in files:
                seen[os.path.join(root, n)] = os.lstat(os.path.join(root, n)).st_size
    return seen


def wait_for(what, probe, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if probe():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


class Gluster:
    """A glusterd whose whole state lives under @tmp: it runs in its own mount namespace
    where /var/lib/glusterd, /var/log/glusterfs and /run are bind mounts of directories in
    @tmp; the gluster CLI reaches it through nsenter. One volume VOL with one brick."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.brick = tmp / "brick"
        self.logs = tmp / "client-logs"  # of FUSE clients; they run outside the namespace
        self.proc = None

    def start(self):
        t = self.tmp
        for d in ("lib", "log", "run/gluster", "etc", "brick", "client-logs"):
            (t / d).mkdir(parents=True, exist_ok=True)
        # glusterd wants its hooks and groups in its working directory.
        shutil.copytree("/var/lib/glusterd", t / "lib", dirs_exist_ok=True, symlinks=True)
        vol = pathlib.Path("/etc/glusterfs/glusterd.vol").read_text().replace(
            "    option transport.socket.listen-port 24007\n",
            "    option transport.socket.listen-port 24007\n"
            f"    option transport.socket.bind-address {HOST}\n")
        assert f"bind-address {HOST}" in vol, "unexpected /etc/glusterfs/glusterd.vol"
        (t / "etc" / "glusterd.vol").write_text(vol)
        script = (f"mount --bind '{t}/lib' /var/lib/glusterd && "
                  f"mount --bind '{t}/log' /var/log/glusterfs && "
                  f"mount --bind '{t}/run' /run && "
                  f"exec glusterd -N -f '{t}/etc/glusterd.vol' -p '{t}/run/glusterd.pid'")
        self.out = open(t / "glusterd.out", "wb")
        # unshare and sh exec: the child is glusterd itself.
        self.proc = subprocess.Popen(["unshare", "-m", "--propagation", "private",
                                      "sh", "-c", script], stdout=self.out,
                                     stderr=subprocess.STDOUT, env=ENV)
        # Its socket shows up in tmp once the namespace is set up: not before, or nsenter
        # would run the CLI among the host's files.
        wait_for("glusterd", lambda: self.proc.poll() is not None or (
            (t / "run" / "glusterd.socket").exists() and self.cli(
                "volume", "list", check=False).returncode == 0))
        assert self.proc.poll() is None, (t / "glusterd.out").read_text()
        self.cli("volume", "create", VOL, f"{HOST}:{self.brick}", "force")
        self.cli("volume", "start", VOL)
        wait_for("the brick", lambda: "<status>1</status>" in self.cli(
            "--xml", "volume", "status", VOL, check=False).stdout)

    def cli(self, *args, check=True):
        return run("nsenter", "-t", self.proc.pid, "-m", "gluster", "--mode=script", *args,
                   check=check)

    def mount(self, target):
        """A FUSE client of our own, beside the pool's, with its log under tmp."""
        target.mkdir(parents=True, exist_ok=True)
        run("mount", "-t", "glusterfs", f"{HOST}:/{VOL}", target, "-o",
            f"log-file={self.logs / (target.name + '.log')}")

    def stop(self):
        """Unmounts every mount under tmp, stops the volume and glusterd, and kills what
        remains; safe to call on a half-started instance."""
        for _, target, _ in reversed(mounts()):
            if target.startswith(str(self.tmp.parent) + "/"):
                if run("umount", target, check=False).returncode != 0:
                    run("umount", "-l", target, check=False)
        if self.proc and self.proc.poll() is None:
            self.cli("volume", "stop", VOL, check=False)
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        deadline = time.time() + 10
        while gluster_pids(self.tmp.parent) and time.time() < deadline:
            time.sleep(0.2)
        for pid in gluster_pids(self.tmp.parent):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.proc:
            self.out.close()


def gluster_missing():
    if os.geteuid() != 0:
        return "needs root (mount, FUSE, mount namespaces)"
    for tool in ("glusterd", "gluster", "glusterfs", "unshare", "nsenter", "qemu-img"):
        if not shutil.which(tool):
            return f"{tool} not installed (tools/deps test)"
    if not os.path.exists("/sbin/mount.glusterfs") or not os.path.exists("/dev/fuse"):
        return "no mount.glusterfs or /dev/fuse"
    with socket.socket() as s:
        # as glusterd does, so that connections of an earlier run in TIME_WAIT do not count
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((HOST, 24007))
        except OSError as e:
            return f"cannot listen on {HOST}:24007: {e}"
    return None


@pytest.fixture
def gluster(tmp_path, request):
    """A running glusterd and volume for one test; everything the test makes goes under
    tmp_path too, so that teardown finds every mount and process by that path."""
    why = gluster_missing()
    if why:
        pytest.skip(why)
    before = host_state()
    g = Gluster(tmp_path / "gluster")

    def finish():
        g.stop()
        left = [m for m in mounts() if str(tmp_path) in m[1]]
        assert not left, f"mounts left behind: {left}"
        assert not gluster_pids(tmp_path), "gluster processes left behind"
        after = host_state()
        assert after == before, f"host state changed: {set(after) ^ set(before)}"

    request.addfinalizer(finish)
    g.start()
    return g


@pytest.fixture
def vstor_bin():
    build = pathlib.Path(os.environ.get(
        "VSTOR_BUILD_DIR", pathlib.Path(__file__).resolve().parents[2] / "build"))
    return build


class Embedded:
    """The vstor CLI on an embedded root; call it with a command's words."""

    def __init__(self, build, root):
        self.vstor = build / "vstor"
        if not os.access(self.vstor, os.X_OK):
            pytest.fail(f"no vstor binary under {build} (set VSTOR_BUILD_DIR)")
        self.uri = f"vstor:///embed?root={root}"

    def __call__(self, *args):
        return run(self.vstor, "-c", self.uri, *args, check=False, timeout=120)

    def ok(self, *args):
        r = self(*args)
        assert r.returncode == 0, f"{args}: {r.stderr}"
        return r.stdout

    def fail(self, *args):
        r = self(*args)
        assert r.returncode == 1, f"{args} should fail: {r.stdout}"
        return r.stderr


def fuse_mounts_on(target):
    return [m for m in mounts() if m[1] == str(target)]


def qemu_info(path):
    return json.loads(run("qemu-img", "info", "--output=json", path).stdout)


def gluster_pool(emb, gluster, tmp, name="g", path=f"/{VOL}"):
    """Defines @name with pool-define-as, then again from its XML with the FUSE client's log
    sent to tmp (mount.glusterfs would write /var/log/glusterfs/<target>.log otherwise)."""
    mnt = tmp / f"mnt-{name}"
    assert emb.ok("pool-define-as", name, "netfs", "--source-host", HOST, "--source-path",
                  path, "--source-format", "glusterfs", "--target", mnt) == \
        f"Pool {name} defined\n\n"
    xml = emb.ok("pool-dumpxml", name, "--inactive")
    log = gluster.logs / f"{name}.log"
    xml = xml.replace("<pool type='netfs'>", f"<pool type='netfs' xmlns:fs='{FS_NS}'>", 1)
    xml = xml.replace("</pool>", f"  <fs:mount_opts>\n    <fs:option name='log-file={log}'/>\n"
                      "  </fs:mount_opts>\n</pool>")
    (tmp / f"{name}.xml").write_text(xml)
    emb.ok("pool-define", tmp / f"{name}.xml")
    assert f"<fs:option name='log-file={log}'/>" in emb.ok("pool-dumpxml", name)
    return mnt


def vol_names(emb, pool):
    return [v["name"] for v in json.loads(emb.ok("vol-list", pool, "--json"))]


def test_gluster_pool_life(gluster, vstor_bin, tmp_path):
    emb = Embedded(vstor_bin, tmp_path / "root")
    mnt = gluster_pool(emb, gluster, tmp_path)
    src = f"{HOST}:/{VOL}"

    assert emb.ok("pool-build", "g") == "Pool g built\n\n"
    assert mnt.is_dir() and not fuse_mounts_on(mnt)
    assert emb.ok("pool-start", "g") == "Pool g started\n\n"
    assert fuse_mounts_on(mnt) == [(src, str(mnt), "fuse.glusterfs")]
    info = emb.ok("pool-info", "g")
    assert "State:          running" in info
    # the volume's filesystem, not the directory underneath
    st = os.statvfs(gluster.brick)
    assert json.loads(emb.ok("pool-info", "g", "--json"))["capacity"] == \
        pytest.approx(st.f_blocks * st.f_frsize, rel=0.01)

    # volumes, verified through the mount and on the brick
    assert emb.ok("vol-create-as", "g", "a.raw", "16M", "--format", "raw") == \
        "Vol a.raw created\n\n"
    assert emb.ok("vol-create-as", "g", "b.qcow2", "1G", "--format", "qcow2") == \
        "Vol b.qcow2 created\n\n"
    a, b = qemu_info(mnt / "a.raw"), qemu_info(mnt / "b.qcow2")
    assert (a["format"], a["virtual-size"]) == ("raw", 16 << 20)
    assert (b["format"], b["virtual-size"]) == ("qcow2", 1 << 30)
    run("qemu-img", "check", mnt / "b.qcow2")
    assert (gluster.brick / "a.raw").stat().st_size == 16 << 20
    assert qemu_info(gluster.brick / "b.qcow2")["format"] == "qcow2"

    data = os.urandom(65536) + b"\0" * (1 << 20) + os.urandom(4096)
    (tmp_path / "in").write_bytes(data)
    assert emb.ok("vol-upload", "a.raw", tmp_path / "in", "--pool", "g") == "\n"
    assert emb.ok("vol-download", "a.raw", tmp_path / "out", "--pool", "g", "--length",
                  len(data)) == "\n"
    assert (tmp_path / "out").read_bytes() == data
    assert (gluster.brick / "a.raw").read_bytes()[:len(data)] == data

    details = emb.ok("vol-list", "g", "--details").splitlines()
    assert details[0].split() == ["Name", "Path", "Type", "Capacity", "Allocation"]
    assert details[2].split()[:5] == ["a.raw", str(mnt / "a.raw"), "file", "16.00", "MiB"]
    assert details[3].split()[:5] == ["b.qcow2", str(mnt / "b.qcow2"), "file", "1.00", "GiB"]

    # another client writes into the volume: a refresh sees it
    other = tmp_path / "other"
    gluster.mount(other)
    run("qemu-img", "create", "-q", "-f", "qcow2", other / "c.qcow2", "32M")
    assert emb.ok("pool-refresh", "g") == "Pool g refreshed\n\n"
    assert vol_names(emb, "g") == ["a.raw", "b.qcow2", "c.qcow2"]
    c = emb.ok("vol-dumpxml", "c.qcow2", "--pool", "g")
    assert "<format type='qcow2'/>" in c and "<capacity unit='bytes'>33554432</capacity>" in c

    assert emb.ok("vol-delete", "a.raw", "--pool", "g") == "Vol a.raw deleted\n\n"
    assert not (other / "a.raw").exists() and not (gluster.brick / "a.raw").exists()
    assert vol_names(emb, "g") == ["b.qcow2", "c.qcow2"]

    # stop unmounts; start mounts again and finds the volumes
    assert emb.ok("pool-destroy", "g") == "Pool g destroyed\n\n"
    assert not fuse_mounts_on(mnt) and not any(mnt.iterdir())
    assert emb.ok("pool-start", "g") == "Pool g started\n\n"
    assert fuse_mounts_on(mnt) == [(src, str(mnt), "fuse.glusterfs")]
    assert vol_names(emb, "g") == ["b.qcow2", "c.qcow2"]
    assert qemu_info(mnt / "b.qcow2")["virtual-size"] == 1 << 30

    # unmounted behind vstor's back: the next embedded driver finds the pool stopped
    run("umount", mnt)
    assert "is not active" in emb.fail("vol-create-as", "g", "d.raw", "1M")
    assert "State:          inactive" in emb.ok("pool-info", "g")
    assert not any(mnt.iterdir())
    assert emb.ok("pool-start", "g") == "Pool g started\n\n"
    assert vol_names(emb, "g") == ["b.qcow2", "c.qcow2"]
    assert emb.ok("pool-destroy", "g") == "Pool g destroyed\n\n"
    assert not fuse_mounts_on(mnt)
    assert emb.ok("pool-undefine", "g") == "Pool g has been undefined\n\n"
    assert sorted(p.name for p in gluster.logs.iterdir()) == ["g.log", "other.log"]


def start_in_namespace(start_vstord, root):
    """vstord on its own root, for what only the remote API offers, in a mount namespace of
    its own: the gluster CLI that its source discovery runs (as libvirt's does) creates
    /var/lib/glusterd/geo-replication/gsyncd_template.conf, so /var/lib/glusterd and
    /var/log/glusterfs are bind mounts of directories in @root there. Its FUSE mounts are
    only seen in that namespace: mounts(d.pid) (unshare and sh exec, so d.pid is vstord)."""
    for d in ("cli-lib", "cli-log"):
        (root / d).mkdir(parents=True, exist_ok=True)
    script = (f"mount --bind '{root}/cli-lib' /var/lib/glusterd && "
              f"mount --bind '{root}/cli-log' /var/log/glusterfs && "
              'exec "$@"')
    return start_vstord(root, env=ENV, launcher=["unshare", "-m", "--propagation", "private",
                                                 "sh", "-c", script, "sh"])


def unmount_all(d, under):
    """Unmounts, in vstord @d's namespace, whatever is mounted below @under."""
    for _, target, _ in reversed(mounts(d.pid)):
        if target.startswith(f"{under}/"):
            run("nsenter", "-t", d.pid, "-m", "umount", target, check=False)


def test_through_vstord(gluster, vstor_bin, start_vstord, tmp_path):
    """What needs a long-lived driver: find-storage-pool-sources (the vstor CLI has no
    find-storage-pool-sources-as yet: stock virsh asks vstord), and a mount that goes away
    under a running pool."""
    if not shutil.which("virsh"):
        pytest.skip("virsh not installed")
    emb = Embedded(vstor_bin, tmp_path / "root")
    mnt = gluster_pool(emb, gluster, tmp_path)
    d = start_in_namespace(start_vstord, tmp_path / "vstord")
    try:
        out = run("virsh", "-c", d.uri, "find-storage-pool-sources-as", "netfs", HOST).stdout
        run("virsh", "-c", d.uri, "pool-create", tmp_path / "g.xml")
        assert [m for m in mounts(d.pid) if m[1] == str(mnt)] == \
            [(f"{HOST}:/{VOL}", str(mnt), "fuse.glusterfs")]
        run("virsh", "-c", d.uri, "vol-create-as", "g", "a.raw", "1M")
        run("nsenter", "-t", d.pid, "-m", "umount", mnt)
        r = run("virsh", "-c", d.uri, "vol-create-as", "g", "b.raw", "1M", check=False)
        assert r.returncode == 1 and "is inaccessible: nothing is mounted on" in r.stderr
        assert not any(mnt.iterdir())
        run("virsh", "-c", d.uri, "pool-destroy", "g")
    finally:
        unmount_all(d, tmp_path)
        assert d.stop() == 0
    assert (gluster.brick / "a.raw").exists() and not (gluster.brick / "b.raw").exists()
    assert (f"<source>\n    <host name='{HOST}'/>\n    <dir path='{VOL}'/>\n"
            "    <format type='glusterfs'/>\n  </source>") in out, out


def test_volume_name_without_slash(gluster, vstor_bin, tmp_path):
    # <dir path='V'/>: mount.glusterfs takes "HOST:V" too, and the kernel then lists the
    # mount under that very name, which the mount check compares with.
    emb = Embedded(vstor_bin, tmp_path / "root")
    mnt = gluster_pool(emb, gluster, tmp_path, name="n", path=VOL)
    emb.ok("pool-build", "n")
    assert emb.ok("pool-start", "n") == "Pool n started\n\n"
    assert fuse_mounts_on(mnt) == [(f"{HOST}:{VOL}", str(mnt), "fuse.glusterfs")]
    assert "State:          running" in emb.ok("pool-info", "n")
    assert emb.ok("vol-create-as", "n", "x.raw", "1M") == "Vol x.raw created\n\n"
    assert (gluster.brick / "x.raw").exists()
    assert emb.ok("pool-destroy", "n") == "Pool n destroyed\n\n"
    assert not fuse_mounts_on(mnt)
