"""test_cli_embedded.py: vstor's pool and volume commands run for real on an embedded root
(`vstor -c vstor:///embed?root=DIR`): output and exit codes per command, then transcripts of
the same actions compared with virsh against the reference libvirtd 9.0.0 on a dir pool."""
import json
import os
import re
import shutil
import subprocess
import uuid as uuidlib

import pytest

ENV = dict(os.environ, LC_ALL="C", LANG="C")
for var in ("VIRSH_DEFAULT_CONNECT_URI", "VSTOR_DEFAULT_URI", "VSTOR_DEFAULT_CONNECT_URI"):
    ENV.pop(var, None)
LIBVIRTD_REF = "/work/shared/scripts/libvirtd-ref"
UUID_RE = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# vstor's own "hint:" lines after virsh's error lines (docs/libvirt-differences.md): every
# comparison with virsh's text leaves them out, and tests check them on their own.
HINT_RE = re.compile(rb"^hint: [^\n]*\n", re.M)


def without_hints(stderr):
    """@stderr (bytes or str) without vstor's hint lines: what virsh would print."""
    if isinstance(stderr, str):
        return HINT_RE.sub(b"", stderr.encode()).decode()
    return HINT_RE.sub(b"", stderr)


def hints(stderr):
    """The hint lines of @stderr (str), without their "hint: " prefix."""
    return [line[6:] for line in stderr.splitlines() if line.startswith("hint: ")]


@pytest.fixture(scope="module")
def vstor(build_dir):
    for candidate in (build_dir / "vstor", build_dir / "src" / "cli" / "vstor"):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    pytest.fail(f"no vstor binary under {build_dir} (set VSTOR_BUILD_DIR)")


class Embedded:
    """One embedded root and a pool directory beside it; call it with a command's words."""

    def __init__(self, vstor, tmp):
        self.vstor, self.tmp = vstor, tmp
        self.root, self.pooldir = tmp / "root", tmp / "pool"
        self.uri = f"vstor:///embed?root={self.root}"

    def __call__(self, *args, quiet=False, env=None):
        argv = [str(self.vstor), *(["-q"] if quiet else []), "-c", self.uri, *map(str, args)]
        return subprocess.run(argv, capture_output=True, env=env or ENV, timeout=120, check=False)

    def ok(self, *args, **kw):
        r = self(*args, **kw)
        assert r.returncode == 0, f"{args}: {r.stderr.decode()}"
        return r.stdout.decode()

    def fail(self, *args, **kw):
        """Runs a command that must fail; returns virsh's error lines (hints in .hints)."""
        r = self(*args, **kw)
        assert r.returncode == 1, f"{args} should fail: {r.stdout.decode()}"
        self.hints = hints(r.stderr.decode())
        return without_hints(r.stderr.decode())

    def running_pool(self, name="p"):
        self.ok("pool-define-as", name, "dir", "--target", self.pooldir)
        self.ok("pool-build", name)
        self.ok("pool-start", name)
        return name


@pytest.fixture
def emb(vstor, tmp_path):
    return Embedded(vstor, tmp_path)


# --- pools -------------------------------------------------------------------------------

def test_pool_life_messages(emb):
    assert emb.ok("pool-define-as", "p", "dir", "--target", emb.pooldir) == "Pool p defined\n\n"
    assert emb.ok("pool-build", "p") == "Pool p built\n\n"
    assert emb.pooldir.is_dir()
    assert emb.ok("pool-start", "p") == "Pool p started\n\n"
    assert emb.ok("pool-autostart", "p") == "Pool p marked as autostarted\n\n"
    assert emb.ok("pool-autostart", "p", "--disable") == "Pool p unmarked as autostarted\n\n"
    assert emb.ok("pool-refresh", "p") == "Pool p refreshed\n\n"
    assert emb.ok("pool-destroy", "p") == "Pool p destroyed\n\n"
    assert emb.ok("pool-delete", "p") == "Pool p deleted\n\n"
    assert not emb.pooldir.exists()
    assert emb.ok("pool-undefine", "p") == "Pool p has been undefined\n\n"
    assert emb.ok("pool-list", "--all") == (" Name   State   Autostart\n"
                                            "---------------------------\n\n")


def test_pool_stop_alias(emb):
    emb.running_pool()
    assert emb.ok("pool-stop", "p") == "Pool p stopped\n\n"
    assert "State:          inactive" in emb.ok("pool-info", "p")
    assert "pool-stop" in emb.ok("help", "pool")


def test_pool_quiet_and_uuid_lookup(emb):
    assert emb.ok("pool-define-as", "p", "dir", "--target", emb.pooldir, quiet=True) == ""
    uuid = emb.ok("pool-uuid", "p").strip()
    assert uuidlib.UUID(uuid)
    assert emb.ok("pool-name", uuid) == "p\n\n"
    assert emb.ok("pool-build", uuid) == f"Pool {uuid} built\n\n"
    err = emb.fail("pool-name", "p")
    # By UUID only, and "p" is no UUID: virsh has no library error to add either.
    assert err == "error: failed to get pool 'p'\n"


def test_pool_create_as_transient_with_build(emb):
    assert emb.ok("pool-create-as", "t", "dir", "--target", emb.pooldir, "--build") == \
        "Pool t created\n\n"
    assert emb.pooldir.is_dir()
    info = emb.ok("pool-info", "t")
    assert "Persistent:     no" in info and "State:          running" in info
    assert emb.ok("pool-list", "--transient", "--name") == "t                   \n\n"
    assert emb.ok("pool-list", "--persistent", "--name") == "\n"
    err = emb.fail("pool-create-as", "x", "dir", "--overwrite", "--no-overwrite")
    assert err == "error: Options --overwrite and --no-overwrite are mutually exclusive\n"


def test_pool_define_and_create_from_file(emb, tmp_path):
    xml = emb.ok("pool-define-as", "f", "dir", "--target", emb.pooldir, "--print-xml")
    (tmp_path / "f.xml").write_text(xml)
    out = emb.ok("pool-define", tmp_path / "f.xml")
    assert out == f"Pool f defined from {tmp_path / 'f.xml'}\n\n"
    emb.ok("pool-build", "f")
    emb.ok("pool-undefine", "f")
    out = emb.ok("pool-create", tmp_path / "f.xml")
    assert out == f"Pool f created from {tmp_path / 'f.xml'}\n\n"
    err = emb.fail("pool-define", tmp_path / "missing.xml")
    assert err == (f"error: Failed to open file '{tmp_path / 'missing.xml'}': "
                   "No such file or directory\n")


def test_pool_info_and_list(emb):
    emb.ok("pool-define-as", "b", "dir", "--target", emb.tmp / "b")
    emb.running_pool("A")
    emb.ok("pool-autostart", "A")
    info = emb.ok("pool-info", "A").splitlines()
    assert [line[:16] for line in info[:8]] == [
        "Name:           ", "UUID:           ", "State:          ", "Persistent:     ",
        "Autostart:      ", "Capacity:       ", "Allocation:     ", "Available:      "]
    assert info[2].endswith("running") and info[4].endswith("yes")
    assert re.fullmatch(r"Capacity:\s+\d+\.\d\d [KMGTPE]?i?B", info[5])
    assert re.fullmatch(r"Capacity:\s+\d+", emb.ok("pool-info", "A", "--bytes").splitlines()[5])
    assert emb.ok("pool-info", "b").splitlines()[2:] == [
        "State:          inactive", "Persistent:     yes", "Autostart:      no", ""]
    # Case-insensitive order, as virsh sorts.
    out = emb.ok("pool-list", "--all")
    assert out == (" Name   State      Autostart\n"
                   "------------------------------\n"
                   " A      active     yes\n"
                   " b      inactive   no\n\n")
    assert emb.ok("pool-list") .count("\n") == 4
    assert emb.ok("pool-list", "--inactive", "--name") == "b                   \n\n"
    assert emb.ok("pool-list", "--all", "--autostart", "--name") == "A                   \n\n"
    assert emb.ok("pool-list", "--all", "--no-autostart", "--name") == "b                   \n\n"
    assert emb.ok("pool-list", "--all", "--type", "fs,netfs", "--name") == "\n"
    assert emb.ok("pool-list", "--all", "--type", "dir", "--name").count("\n") == 3
    uuids = emb.ok("pool-list", "--all", "--uuid", "--name").splitlines()
    assert uuids[0].endswith(" A                   ") and len(uuids[0]) == 36 + 1 + 20
    details = emb.ok("pool-list", "--all", "--details").splitlines()
    assert details[0].split() == ["Name", "State", "Autostart", "Persistent", "Capacity",
                                  "Allocation", "Available"]
    assert details[3].split() == ["b", "inactive", "no", "yes", "-", "-", "-"]
    assert emb.fail("pool-list", "--type", "bogus") == "error: Invalid pool type 'bogus'\n"
    assert emb.fail("pool-list", "--all", "--inactive") == \
        "error: Options --all and --inactive are mutually exclusive\n"
    assert emb.fail("pool-list", "--details", "--uuid") == \
        "error: Options --details and --uuid are mutually exclusive\n"
    quiet = emb.ok("pool-list", "--all", quiet=True)
    assert quiet == " A   active     yes\n b   inactive   no\n"


def test_pool_json(emb):
    emb.running_pool("j")
    emb.ok("pool-define-as", "k", "dir", "--target", emb.tmp / "k")
    pools = json.loads(emb.ok("pool-list", "--all", "--json"))
    assert [p["name"] for p in pools] == ["j", "k"]
    assert pools[0]["state"] == "running" and pools[0]["active"] is True
    assert isinstance(pools[0]["capacity"], int) and pools[1]["capacity"] is None
    info = json.loads(emb.ok("pool-info", "j", "--json"))
    assert set(info) == {"name", "uuid", "state", "persistent", "autostart", "capacity",
                         "allocation", "available"}
    assert info["uuid"] == emb.ok("pool-uuid", "j").strip()
    assert "--json" in emb.ok("pool-list", "--help")


def test_pool_dumpxml(emb):
    emb.running_pool()
    xml = emb.ok("pool-dumpxml", "p")
    assert xml.startswith("<pool type='dir'>\n  <name>p</name>\n")
    assert "<capacity unit='bytes'>" in xml
    inactive = emb.ok("pool-dumpxml", "p", "--inactive")
    assert "<capacity unit='bytes'>" in inactive  # a running pool's own definition, as libvirtd's


def test_pool_state_errors(emb):
    emb.running_pool()
    err = emb.fail("pool-start", "p")
    assert err.startswith("error: Failed to start pool p\nerror: Requested operation is not valid")
    err = emb.fail("pool-undefine", "nope")
    assert err.startswith("error: failed to get pool 'nope'\nerror: Storage pool not found")


def test_connection_errors(vstor, tmp_path):
    r = subprocess.run([vstor, "-c", "bogus:///x", "pool-list"], capture_output=True, env=ENV)
    assert r.returncode == 1
    assert r.stderr.startswith(b"error: failed to connect to the hypervisor\nerror: ")
    env = dict(ENV, VSTOR_DEFAULT_URI=f"vstor:///embed?root={tmp_path}")
    r = subprocess.run([vstor, "pool-list", "--all"], capture_output=True, env=env)
    assert r.returncode == 0 and r.stdout.startswith(b" Name")


# --- volumes -----------------------------------------------------------------------------

def test_vol_create_list_info(emb):
    emb.running_pool()
    assert emb.ok("vol-create-as", "p", "a.img", "10M") == "Vol a.img created\n\n"
    assert emb.ok("vol-create-as", "p", "B.qcow2", "1G", "--format", "qcow2") == \
        "Vol B.qcow2 created\n\n"
    assert emb.ok("vol-create-as", "p", "c.qcow2", "2G", "--format", "qcow2",
                  "--backing-vol", "B.qcow2", "--backing-vol-format", "qcow2") == \
        "Vol c.qcow2 created\n\n"
    dumped = emb.ok("vol-dumpxml", "c.qcow2", "--pool", "p")
    assert f"<path>{emb.pooldir}/B.qcow2</path>" in dumped
    a = emb.pooldir / "a.img"
    assert emb.ok("vol-list", "p") == (
        " Name      Path\n" + "-" * (10 + len(str(emb.pooldir)) + 11) + "\n"
        f" a.img     {a}\n B.qcow2   {emb.pooldir}/B.qcow2\n c.qcow2   {emb.pooldir}/c.qcow2\n\n")
    details = emb.ok("vol-list", "p", "--details").splitlines()
    assert details[2].split() == ["a.img", str(a), "file", "10.00", "MiB", "10.00", "MiB"]
    assert details[3].split()[2:5] == ["file", "1.00", "GiB"]
    assert emb.ok("vol-info", "a.img", "--pool", "p") == (
        "Name:           a.img\nType:           file\n"
        "Capacity:       10.00 MiB\nAllocation:     10.00 MiB\n\n")
    assert emb.ok("vol-info", a, "--bytes") == (
        "Name:           a.img\nType:           file\n"
        "Capacity:       10485760 bytes\nAllocation:     10485760 bytes\n\n")
    assert "Physical:       10.00 MiB" in emb.ok("vol-info", a, "--physical")
    info = json.loads(emb.ok("vol-info", a, "--json"))
    assert info == {"name": "a.img", "type": "file", "capacity": 10485760,
                    "allocation": 10485760}
    vols = json.loads(emb.ok("vol-list", "p", "--json"))
    assert [v["name"] for v in vols] == ["a.img", "B.qcow2", "c.qcow2"]
    assert vols[0]["path"] == str(a)


def test_vol_names_keys_paths(emb):
    emb.running_pool()
    emb.ok("vol-create-as", "p", "a.img", "1M")
    a = str(emb.pooldir / "a.img")
    assert emb.ok("vol-path", "a.img", "--pool", "p") == f"{a}\n\n"
    assert emb.ok("vol-key", "a.img", "--pool", "p") == f"{a}\n\n"
    assert emb.ok("vol-name", a) == "a.img\n\n"
    assert emb.ok("vol-pool", a) == "p\n\n"
    assert emb.ok("vol-pool", a, "--uuid") == emb.ok("pool-uuid", "p")
    assert emb.fail("vol-name", "a.img") == (
        "error: failed to get vol 'a.img'\n"
        "error: Storage volume not found: no storage vol with matching path 'a.img'\n")
    assert emb.fail("vol-path", "nope") == (
        "error: failed to get vol 'nope', specifying --pool might help\n"
        "error: Storage volume not found: no storage vol with matching path 'nope'\n")
    emb.ok("pool-define-as", "q", "dir", "--target", emb.tmp / "q")
    assert emb.fail("vol-path", "a.img", "--pool", "q") == "error: pool 'q' is not active\n"


def test_vol_resize_wipe_delete(emb):
    emb.running_pool()
    emb.ok("vol-create-as", "p", "a.img", "1M")
    assert emb.ok("vol-resize", "a.img", "2M", "--pool", "p") == \
        "Size of volume 'a.img' successfully changed to 2M\n\n"
    assert (emb.pooldir / "a.img").stat().st_size == 2 << 20
    assert emb.ok("vol-resize", "a.img", "1M", "--pool", "p", "--delta") == \
        "Size of volume 'a.img' successfully changed by 1M\n\n"
    assert emb.fail("vol-resize", "a.img", "-1M", "--pool", "p") == \
        "error: negative size requires --shrink\n"
    assert emb.ok("vol-resize", "a.img", "-1M", "--pool", "p", "--shrink") == \
        "Size of volume 'a.img' successfully changed by 1M\n\n"
    assert (emb.pooldir / "a.img").stat().st_size == 2 << 20
    assert emb.fail("vol-resize", "a.img", "1X", "--pool", "p").startswith(
        "error: Malformed size 1X\n")
    (emb.pooldir / "a.img").write_bytes(b"\xff" * 4096)
    emb.ok("pool-refresh", "p")
    assert emb.ok("vol-wipe", "a.img", "--pool", "p") == "Vol a.img wiped\n\n"
    assert (emb.pooldir / "a.img").read_bytes() == b"\0" * 4096
    assert emb.fail("vol-wipe", "a.img", "--pool", "p", "--algorithm", "bogus") == \
        "error: Unsupported algorithm 'bogus'\n"
    assert emb.ok("vol-delete", "a.img", "--pool", "p") == "Vol a.img deleted\n\n"
    assert not (emb.pooldir / "a.img").exists()


def test_vol_create_from_file_clone_create_from(emb, tmp_path):
    emb.running_pool()
    emb.ok("vol-create-as", "p", "src.img", "1M")
    (emb.pooldir / "src.img").write_bytes(b"abc" * 1000)
    emb.ok("pool-refresh", "p")
    xml = emb.ok("vol-create-as", "p", "f.img", "64K", "--print-xml").rstrip("\n") + "\n"
    (tmp_path / "v.xml").write_text(xml)
    assert emb.ok("vol-create", "p", tmp_path / "v.xml") == \
        f"Vol f.img created from {tmp_path / 'v.xml'}\n\n"
    printed = emb.ok("vol-clone", "src.img", "copy.img", "--pool", "p", "--print-xml")
    assert "<name>copy.img</name>" in printed and printed.endswith("</volume>\n")
    assert emb.ok("vol-clone", "src.img", "copy.img", "--pool", "p") == \
        "Vol copy.img cloned from src.img\n\n"
    assert (emb.pooldir / "copy.img").read_bytes()[:3000] == b"abc" * 1000
    (tmp_path / "n.xml").write_text("<volume><name>new.img</name>"
                                    "<capacity>1048576</capacity></volume>\n")
    assert emb.ok("vol-create-from", "p", tmp_path / "n.xml", "src.img", "--inputpool", "p") == \
        "Vol new.img created from input vol src.img\n\n"
    assert emb.fail("vol-create-as", "p", "f.img", "1M").startswith(
        "error: Failed to create vol f.img\nerror: ")


def test_vol_upload_download(emb, tmp_path):
    emb.running_pool()
    emb.ok("vol-create-as", "p", "d.img", "1M")
    data = os.urandom(4096) + b"\0" * 65536 + os.urandom(4096)
    (tmp_path / "in").write_bytes(data)
    assert emb.ok("vol-upload", "d.img", tmp_path / "in", "--pool", "p") == "\n"
    assert emb.ok("vol-download", "d.img", tmp_path / "out", "--pool", "p",
                  "--length", len(data)) == "\n"
    assert (tmp_path / "out").read_bytes() == data
    emb.ok("vol-upload", "d.img", tmp_path / "in", "--pool", "p", "--offset", 8192, "--sparse")
    emb.ok("vol-download", "d.img", tmp_path / "out2", "--pool", "p", "--offset", 8192,
           "--length", 100, "--sparse")
    assert (tmp_path / "out2").read_bytes() == data[:100]
    assert emb.fail("vol-upload", "d.img", tmp_path / "none", "--pool", "p") == \
        f"error: cannot read {tmp_path / 'none'}\n"
    assert emb.fail("vol-upload", "d.img", tmp_path / "in", "--pool", "p",
                    "--offset", "-1") == \
        "error: Numeric value '-1' for <offset> option is malformed or out of range\n"
    assert emb.fail("vol-download", "d.img", tmp_path / "no" / "such", "--pool", "p") == \
        f"error: cannot create {tmp_path / 'no' / 'such'}\n"


def test_vol_help_uses_number(emb):
    out = emb.ok("vol-upload", "--help")
    assert "[--offset <number>]" in out and "--length <number>" in out


# --- sizes the way people write them -----------------------------------------------------

def vol_bytes(emb, name):
    out = emb.ok("vol-info", name, "--pool", "p", "--bytes")
    return int(re.search(r"Capacity:\s+(\d+) bytes", out).group(1))


@pytest.mark.parametrize("size,expect", [
    ("100", 100), ("4096b", 4096), ("3K", 3072), ("2KB", 2000), ("1.5M", 3 << 19),
    ("0.5MiB", 1 << 19), (".5k", 512), ("1.5", 2), ("0.1K", 102), ("+7", 7), ("1g", 1 << 30),
])
def test_vol_create_as_sizes(emb, size, expect):
    emb.running_pool()
    emb.ok("vol-create-as", "p", "v.img", size, "--allocation", "0")
    assert vol_bytes(emb, "v.img") == expect


@pytest.mark.parametrize("size,reason", [
    ("-1", None),
    ("1.5.3G", "error: invalid argument: unknown suffix '.5.3G'"),
    ("1X", "error: invalid argument: unknown suffix 'X'"),
    ("10 G", "error: invalid argument: unknown suffix ' G'"),
    ("20E", "error: numerical overflow: value too large: 20E"),
    ("16EiB", "error: numerical overflow: value too large: 16EiB"),
    ("18446744073709551616", None),
    ("G", None),
])
def test_vol_create_as_bad_sizes(emb, size, reason):
    emb.running_pool()
    err = emb.fail("vol-create-as", "p", "v.img", size)
    # virsh's lines (the same as virsh's wherever virsh refuses the value too) ...
    assert err == f"error: Malformed size {size}\n" + (f"{reason}\n" if reason else "")
    # ... then a hint naming the option, with good values.
    assert len(emb.hints) == 1 and emb.hints[0].startswith("--capacity takes a size such as 10G")
    assert json.loads(emb.ok("vol-list", "p", "--json")) == []  # nothing created
    err = emb.fail("vol-create-as", "p", "v.img", "1M", "--allocation", size)
    assert err.startswith(f"error: Malformed size {size}\n")
    assert emb.hints[0].startswith("--allocation takes a size")
    assert json.loads(emb.ok("vol-list", "p", "--json")) == []


def test_vol_resize_and_streams_take_sizes(emb, tmp_path):
    emb.running_pool()
    emb.ok("vol-create-as", "p", "a.img", "1M")
    assert emb.ok("vol-resize", "a.img", "1.5M", "--pool", "p") == \
        "Size of volume 'a.img' successfully changed to 1.5M\n\n"
    assert vol_bytes(emb, "a.img") == 3 << 19
    emb.ok("vol-resize", "a.img", "-0.5M", "--pool", "p", "--shrink", "--delta")
    assert vol_bytes(emb, "a.img") == 1 << 20
    assert emb.fail("vol-resize", "a.img", "1.5.3G", "--pool", "p").startswith(
        "error: Malformed size 1.5.3G\n")
    assert emb.hints[0].startswith("--capacity takes a size")
    data = os.urandom(3000)
    (tmp_path / "in").write_bytes(data)
    emb.ok("vol-upload", "a.img", tmp_path / "in", "--pool", "p", "--offset", "0.5K")
    emb.ok("vol-download", "a.img", tmp_path / "out", "--pool", "p", "--offset", "0.5KiB",
           "--length", "1.5k")
    assert (tmp_path / "out").read_bytes() == data[:1536]
    emb.ok("vol-download", "a.img", tmp_path / "all", "--pool", "p", "--length", "-1")
    assert (tmp_path / "all").stat().st_size == 1 << 20
    assert emb.fail("vol-upload", "a.img", tmp_path / "in", "--pool", "p",
                    "--offset", "1x") == \
        "error: Numeric value '1x' for <offset> option is malformed or out of range\n"
    assert emb.hints[0].startswith("--offset takes a size such as 10G")
    assert emb.fail("vol-download", "a.img", tmp_path / "o", "--pool", "p",
                    "--length", "-1K") == \
        "error: Numeric value '-1K' for <length> option is malformed or out of range\n"
    assert emb.hints[0].startswith("--length takes a number of bytes")


# --- hints after the error lines ---------------------------------------------------------

def test_hints_name_object_and_fix(emb):
    emb.ok("pool-define-as", "p", "dir", "--target", emb.pooldir)
    err = emb.fail("pool-start", "p")
    assert err.startswith("error: Failed to start pool p\nerror: cannot open directory")
    assert emb.hints == ["its target directory does not exist yet; create it with "
                         "'vstor pool-build p'"]
    emb.ok("pool-build", "p")
    assert emb.fail("vol-list", "p").startswith("error: Failed to list volumes\n")
    assert emb.hints == ["start it first with 'vstor pool-start p'"]
    emb.ok("pool-start", "p")
    assert emb.fail("pool-undefine", "p") == (
        "error: Failed to undefine pool p\n"
        "error: Requested operation is not valid: storage pool 'p' is still active\n")
    assert emb.hints == ["stop it first with 'vstor pool-destroy p'"]
    emb.fail("pool-delete", "p")
    assert emb.hints == ["stop it first with 'vstor pool-destroy p'"]
    emb.fail("pool-info", "nope")
    assert emb.hints == ["'vstor pool-list --all' lists the pools there are"]
    emb.fail("vol-info", "nope", "--pool", "p")
    assert emb.hints == ["'vstor vol-list p' lists the volumes of pool p"]
    emb.fail("vol-info", "nope")
    assert "'vstor vol-list POOL'" in emb.hints[0] and "--pool" in emb.hints[0]
    # sparse: a fully allocated volume is refused shrinking below its allocation first
    emb.ok("vol-create-as", "p", "a b.img", "1M", "--allocation", "0")
    emb.fail("vol-create-as", "p", "a b.img", "1M")
    assert emb.hints == ["pick another name, or delete the old one first with "
                         "'vstor vol-delete \"a b.img\" --pool p'"]
    emb.fail("vol-resize", "a b.img", "1K", "--pool", "p")
    assert "add --shrink" in emb.hints[0]
    r = emb("-r", "pool-destroy", "p")
    assert r.returncode == 1 and b"hint: this connection is read-only" in r.stderr
    emb.ok("pool-destroy", "p")
    emb.fail("pool-delete", "p")
    assert emb.hints[0].startswith("it still holds volumes or other files")
    # Only on vstor's own stderr, and never with VSTOR_NO_HINTS.
    r = emb("pool-info", "nope", env=dict(ENV, VSTOR_NO_HINTS="1"))
    assert r.returncode == 1 and b"hint:" not in r.stderr and r.stdout == b"\n"


# --- --json on the dumpxml-style commands ---------------------------------------------------

def test_dumpxml_json(emb):
    emb.running_pool()
    emb.ok("vol-create-as", "p", "b.img", "1M")
    emb.ok("vol-create-as", "p", "c.qcow2", "1G", "--format", "qcow2", "--backing-vol", "b.img",
           "--backing-vol-format", "raw")
    pool = json.loads(emb.ok("pool-dumpxml", "p", "--json"))
    assert list(pool) == ["name", "uuid", "type", "capacity", "allocation", "available",
                          "source", "free_extents", "target", "cow", "refresh_allocation",
                          "options_namespace", "options"]
    assert pool["name"] == "p" and pool["type"] == "dir"
    assert pool["uuid"] == emb.ok("pool-uuid", "p").strip()
    assert pool["target"]["path"] == str(emb.pooldir)
    assert pool["target"]["permissions"]["mode"] == "0711"
    assert isinstance(pool["capacity"], int) and pool["capacity"] > 0
    assert pool["source"]["hosts"] == [] and pool["source"]["format"] is None
    inactive = json.loads(emb.ok("pool-dumpxml", "p", "--inactive", "--json"))
    assert inactive["name"] == "p"

    vol = json.loads(emb.ok("vol-dumpxml", "c.qcow2", "--pool", "p", "--json"))
    assert list(vol) == ["name", "key", "type", "pool", "capacity", "allocation", "physical",
                         "extents", "target", "backing_store"]
    assert vol["name"] == "c.qcow2" and vol["type"] == "file" and vol["pool"] == "p"
    assert vol["capacity"] == 1 << 30 and vol["key"] == str(emb.pooldir / "c.qcow2")
    assert vol["target"]["format"] == "qcow2"
    assert set(vol["target"]) == {"path", "format", "permissions", "timestamps", "encryption",
                                  "compat", "cluster_size", "features"}
    assert re.fullmatch(r"\d+(\.\d+)?", vol["target"]["timestamps"]["mtime"])
    assert vol["backing_store"]["path"] == str(emb.pooldir / "b.img")
    assert vol["backing_store"]["format"] == "raw"
    assert set(vol["backing_store"]) == {"path", "format", "permissions"}
    raw = json.loads(emb.ok("vol-dumpxml", emb.pooldir / "b.img", "--json"))
    assert raw["target"]["format"] == "raw" and raw["backing_store"] is None

    caps = json.loads(emb.ok("pool-capabilities", "--json"))
    by_type = {c["type"]: c for c in caps}
    assert by_type["dir"]["supported"] is True and by_type["dir"]["pool_options"] is None
    assert by_type["dir"]["vol_options"]["default_format"] == "raw"
    assert "qcow2" in by_type["dir"]["vol_options"]["formats"]
    assert by_type["fs"]["pool_options"]["default_format"] == "auto"
    for words in (["pool-dumpxml", "--help"], ["vol-dumpxml", "--help"],
                  ["pool-capabilities", "--help"]):
        assert "--json" in emb.ok(*words)


# --- transcripts against the reference libvirtd -------------------------------------------

@pytest.fixture(scope="session")
def libvirtd_uri(tmp_path_factory):
    if shutil.which("virsh") is None or not os.path.exists(LIBVIRTD_REF):
        pytest.skip("virsh or the libvirtd-ref script is missing")
    state = tmp_path_factory.mktemp("libvirtd-ref")
    r = subprocess.run([LIBVIRTD_REF, "start", state], capture_output=True, timeout=300)
    if r.returncode != 0:
        pytest.skip(f"the reference libvirtd did not start: {r.stderr.decode().strip()}")
    yield r.stdout.decode().strip()
    subprocess.run([LIBVIRTD_REF, "stop", state], capture_output=True, timeout=60)


# Each step: words, and what to normalise besides paths and UUIDs ("sizes": a pool's
# capacity/allocation/available, which move with the filesystem between runs).
STEPS = [
    (["pool-define-as", "T", "dir", "--target", "{pool}"], None),
    (["pool-list", "--all"], None),
    (["pool-list", "--all", "--details"], None),
    (["pool-info", "T"], None),
    (["pool-build", "T"], None),
    (["pool-start", "T"], None),
    (["pool-start", "T"], None),
    (["pool-autostart", "T"], None),
    (["pool-list"], None),
    (["pool-list", "--all", "--details"], "sizes"),
    (["pool-list", "--name"], None),
    (["pool-list", "--uuid"], None),
    (["pool-list", "--uuid", "--name"], None),
    (["pool-list", "--all", "--transient"], None),
    (["pool-list", "--all", "--persistent"], None),
    (["pool-list", "--all", "--no-autostart"], None),
    (["pool-list", "--type", "dir"], None),
    (["pool-list", "--type", "fs,logical"], None),
    (["pool-list", "--type", "nosuch"], None),
    (["pool-info", "T"], "sizes"),
    (["pool-info", "T", "--bytes"], "sizes"),
    (["pool-uuid", "T"], None),
    (["pool-name", "{uuid}"], None),
    (["vol-create-as", "T", "a.img", "10M"], None),
    (["vol-create-as", "T", "b.qcow2", "1G", "--format", "qcow2"], None),
    (["vol-create-as", "T", "c.qcow2", "2G", "--format", "qcow2", "--backing-vol", "b.qcow2",
      "--backing-vol-format", "qcow2"], None),
    (["vol-list", "T"], None),
    (["vol-list", "T", "--details"], None),
    (["vol-info", "a.img", "--pool", "T"], None),
    (["vol-info", "{pool}/b.qcow2", "--bytes"], None),
    (["vol-info", "{pool}/b.qcow2", "--physical"], None),
    (["vol-path", "a.img", "--pool", "T"], None),
    (["vol-key", "{pool}/a.img"], None),
    (["vol-name", "{pool}/a.img"], None),
    (["vol-pool", "{pool}/a.img"], None),
    (["vol-resize", "a.img", "20M", "--pool", "T"], None),
    (["vol-resize", "a.img", "-5M", "--pool", "T"], None),
    (["vol-info", "a.img", "--pool", "T"], None),
    (["vol-info", "nope", "--pool", "T"], None),
    (["vol-info", "nope"], None),
    (["vol-delete", "c.qcow2", "--pool", "T"], None),
    (["vol-list", "T", "--details"], None),
    (["vol-wipe", "a.img", "--pool", "T"], None),
    (["vol-wipe", "a.img", "--pool", "T", "--algorithm", "nosuch"], None),
    (["pool-info", "nope"], None),
    (["pool-autostart", "T", "--disable"], None),
    (["pool-destroy", "T"], None),
    (["pool-list", "--all", "--details"], None),
    (["vol-list", "T"], None),
    (["pool-undefine", "T"], None),
    (["pool-list", "--all"], None),
]

SIZE_RE = re.compile(rb"\d+(\.\d\d [KMGTPE]?i?B)?")


def normalise(out, pooldir, sizes):
    out = without_hints(out).replace(str(pooldir).encode(), b"<POOL>")
    out = UUID_RE.sub(b"<UUID>", out)
    if sizes:
        lines = []
        for line in out.split(b"\n"):
            if re.match(rb"(Capacity|Allocation|Available):", line) or b"running" in line:
                line = re.sub(rb"\s+", b" ", SIZE_RE.sub(b"<N>", line))
            lines.append(line)
        out = b"\n".join(lines)
    return out


def run_transcript(argv_prefix, pooldir, uuid_of):
    transcript = []
    for words, norm in STEPS:
        uuid = uuid_of() if "{uuid}" in words else ""
        args = [w.replace("{pool}", str(pooldir)).replace("{uuid}", uuid) for w in words]
        r = subprocess.run([*argv_prefix, *args], capture_output=True, env=ENV, timeout=120)
        transcript.append((" ".join(words), r.returncode,
                           normalise(r.stdout, pooldir, norm).decode(errors="replace"),
                           normalise(r.stderr, pooldir, norm).decode(errors="replace")))
    return transcript


def test_transcript_matches_virsh(libvirtd_uri, vstor, tmp_path):
    # Directories of the same length, so that table columns come out the same width.
    ref_pool, our_pool = tmp_path / "refs" / "pool", tmp_path / "ours" / "pool"
    ref_prefix = ["virsh", "-c", libvirtd_uri]
    our_prefix = [str(vstor), "-c", f"vstor:///embed?root={tmp_path / 'ours' / 'root'}"]

    def uuid_getter(prefix):
        return lambda: subprocess.run([*prefix, "pool-uuid", "T"], capture_output=True,
                                      env=ENV).stdout.decode().strip()

    ref = run_transcript(ref_prefix, ref_pool, uuid_getter(ref_prefix))
    ours = run_transcript(our_prefix, our_pool, uuid_getter(our_prefix))
    diffs = [f"$ {r[0]}\n--- virsh (rc {r[1]}):\n{r[2]}{r[3]}--- vstor (rc {o[1]}):\n{o[2]}{o[3]}"
             for r, o in zip(ref, ours) if r != o]
    assert not diffs, "\n".join(diffs)


def _dumpxml_pair(libvirtd_uri, vstor, tmp_path, words):
    outs = []
    for side, prefix in (("refs", ["virsh", "-c", libvirtd_uri]),
                         ("ours", [str(vstor), "-c",
                                   f"vstor:///embed?root={tmp_path / 'ours' / 'root'}"])):
        pooldir = tmp_path / side / "pool"
        for step in (["pool-define-as", "X", "dir", "--target", pooldir], ["pool-build", "X"],
                     ["pool-start", "X"], ["vol-create-as", "X", "q.qcow2", "1G", "--format",
                                           "qcow2"]):
            subprocess.run([*prefix, *map(str, step)], capture_output=True, env=ENV, check=True)
        r = subprocess.run([*prefix, *words], capture_output=True, env=ENV)
        subprocess.run([*prefix, "pool-destroy", "X"], capture_output=True, env=ENV)
        subprocess.run([*prefix, "pool-undefine", "X"], capture_output=True, env=ENV)
        out = normalise(r.stdout, pooldir, False)
        out = re.sub(rb"<(atime|mtime|ctime|btime)>[0-9.]+</", rb"<\1>T</", out)
        out = re.sub(rb"<(capacity|allocation|available) unit='bytes'>\d+</", rb"<\1>N</", out) \
            if words[0] == "pool-dumpxml" else out
        outs.append((r.returncode, out.decode()))
    return outs


def test_transcript_pool_dumpxml(libvirtd_uri, vstor, tmp_path):
    ref, ours = _dumpxml_pair(libvirtd_uri, vstor, tmp_path, ["pool-dumpxml", "X"])
    assert ours == ref


def test_transcript_vol_dumpxml(libvirtd_uri, vstor, tmp_path):
    ref, ours = _dumpxml_pair(libvirtd_uri, vstor, tmp_path,
                              ["vol-dumpxml", "q.qcow2", "--pool", "X"])
    assert ours == ref


def test_transcript_pool_dumpxml_inactive(libvirtd_uri, vstor, tmp_path):
    ref, ours = _dumpxml_pair(libvirtd_uri, vstor, tmp_path,
                              ["pool-dumpxml", "X", "--inactive"])
    assert ours == ref


def _both(libvirtd_uri, vstor, tmp_path, steps):
    """Runs @steps on both sides; returns the (rc, stdout, stderr) of each, normalised."""
    outs = []
    for side, prefix in (("refs", ["virsh", "-c", libvirtd_uri]),
                         ("ours", [str(vstor), "-c",
                                   f"vstor:///embed?root={tmp_path / 'ours' / 'root'}"])):
        pooldir = tmp_path / side / "pool"
        res = []
        for step in steps:
            r = subprocess.run([*prefix, *[str(w).replace("{pool}", str(pooldir))
                                           for w in step]], capture_output=True, env=ENV)
            res.append((r.returncode, normalise(r.stdout, pooldir, False),
                        normalise(r.stderr, pooldir, False)))
        for step in (["pool-destroy", "Y"], ["pool-undefine", "Y"]):
            subprocess.run([*prefix, *step], capture_output=True, env=ENV)
        outs.append(res)
    return outs


SETUP_Y = [["pool-define-as", "Y", "dir", "--target", "{pool}"], ["pool-build", "Y"],
           ["pool-start", "Y"]]


def test_transcript_vol_exists(libvirtd_uri, vstor, tmp_path):
    ref, ours = _both(libvirtd_uri, vstor, tmp_path, SETUP_Y + [
        ["vol-create-as", "Y", "a.img", "1M"], ["vol-create-as", "Y", "a.img", "1M"]])
    assert ours == ref


def test_transcript_wipe_allocation(libvirtd_uri, vstor, tmp_path):
    ref, ours = _both(libvirtd_uri, vstor, tmp_path, SETUP_Y + [
        ["vol-create-as", "Y", "a.img", "10M"], ["vol-resize", "a.img", "20M", "--pool", "Y"],
        ["vol-wipe", "a.img", "--pool", "Y"],
        ["vol-info", "a.img", "--pool", "Y"]])
    assert ours == ref


def test_transcript_destroy_autostart_pool(libvirtd_uri, vstor, tmp_path):
    ref, ours = _both(libvirtd_uri, vstor, tmp_path, SETUP_Y + [
        ["pool-autostart", "Y"], ["pool-destroy", "Y"], ["pool-list", "--all"]])
    assert ours == ref
