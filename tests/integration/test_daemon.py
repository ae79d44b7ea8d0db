"""test_daemon.py: vstord served to stock clients — virsh and libvirt-python over
vstor+unix:///system?socket=PATH — through the pool and volume lifecycle, streams, events,
errors, the read-only socket, misbehaving clients, many clients at once, and against
Debian's libvirtd 9.0.0 where its output is cheap to compare."""
import concurrent.futures
import os
import pathlib
import re
import shutil
import socket
import struct
import subprocess
import sys
import time

import pytest

from wire import call

libvirt = pytest.importorskip("libvirt")

LIBVIRT_SRC = pathlib.Path(os.environ.get("VSTOR_LIBVIRT_SRC",
                                          "/root/.cache/vstor-libvirt-src/libvirt"))
REF_SCRIPT = pathlib.Path("/work/shared/scripts/libvirtd-ref")


@pytest.fixture(scope="module")
def daemon(start_vstord_module, tmp_path_factory):
    """One vstord (--verbose) the module's tests share; conftest stops it and checks that
    it exits 0 on SIGTERM."""
    return start_vstord_module(tmp_path_factory.mktemp("vstord"), ["--verbose"])


def virsh(uri, *args, check=True, timeout=60):
    out = subprocess.run(["virsh", "-c", uri, *[str(a) for a in args]], capture_output=True,
                         text=True, timeout=timeout, check=False)
    if check:
        assert out.returncode == 0, f"virsh {args}: {out.stderr}"
    return out


def make_pool(daemon, name):
    target = daemon.root / "pools" / name
    target.mkdir(parents=True, exist_ok=True)
    virsh(daemon.uri, "pool-define-as", name, "dir", "--target", target)
    virsh(daemon.uri, "pool-build", name)
    virsh(daemon.uri, "pool-start", name)
    return target


def test_connect_procedures(daemon):
    out = virsh(daemon.uri, "version").stdout
    assert "Using API: storage 9.0.0" in out
    assert "Running hypervisor: storage 0.1.0" in out
    assert virsh(daemon.uri, "hostname").stdout.strip() == socket.gethostname()
    conn = libvirt.open(daemon.uri)
    try:
        assert conn.getType() == "storage"
        assert conn.getLibVersion() == 9000000
        assert conn.isSecure() == 1 and conn.isAlive() == 1 and conn.isEncrypted() == 0
    finally:
        conn.close()


def test_pool_lifecycle_with_virsh(daemon, tmp_path):
    uri = daemon.uri
    target = make_pool(daemon, "life")
    out = virsh(uri, "pool-list", "--all").stdout
    assert re.search(r"^ life\s+active\s+no\s*$", out, re.M), out
    info = virsh(uri, "pool-info", "life").stdout
    assert re.search(r"^State:\s+running$", info, re.M) and "Persistent:     yes" in info
    xml = virsh(uri, "pool-dumpxml", "life").stdout
    assert f"<path>{target}</path>" in xml and "<pool type='dir'>" in xml
    virsh(uri, "pool-autostart", "life")
    assert "Autostart:      yes" in virsh(uri, "pool-info", "life").stdout
    virsh(uri, "pool-autostart", "life", "--disable")
    virsh(uri, "pool-refresh", "life")

    virsh(uri, "vol-create-as", "life", "a.img", "4M")
    out = virsh(uri, "vol-list", "life", "--details").stdout
    assert re.search(r"^ a\.img\s+\S+/a\.img\s+file\s+4\.00 MiB\s+", out, re.M), out
    assert "Capacity:       4.00 MiB" in virsh(uri, "vol-info", "--pool", "life", "a.img").stdout
    assert "<name>a.img</name>" in virsh(uri, "vol-dumpxml", "--pool", "life", "a.img").stdout

    data = os.urandom(3 * 1024 * 1024 + 123)
    src = tmp_path / "up.bin"
    src.write_bytes(data)
    virsh(uri, "vol-upload", "--pool", "life", "a.img", src)
    down = tmp_path / "down.bin"
    virsh(uri, "vol-download", "--pool", "life", "a.img", down)
    got = down.read_bytes()
    assert len(got) == 4 * 1024 * 1024 and got[:len(data)] == data
    assert got[len(data):] == b"\0" * (len(got) - len(data))

    virsh(uri, "vol-clone", "--pool", "life", "a.img", "b.img")
    assert (target / "b.img").read_bytes()[:len(data)] == data
    virsh(uri, "vol-resize", "--pool", "life", "b.img", "8M")
    assert "Capacity:       8.00 MiB" in virsh(uri, "vol-info", "--pool", "life", "b.img").stdout
    virsh(uri, "vol-wipe", "--pool", "life", "b.img")
    assert (target / "b.img").read_bytes()[:4096] == b"\0" * 4096
    for vol in ("a.img", "b.img"):
        virsh(uri, "vol-delete", "--pool", "life", vol)
    assert not (target / "a.img").exists()
    virsh(uri, "pool-destroy", "life")
    assert re.search(r"^ life\s+inactive", virsh(uri, "pool-list", "--all").stdout, re.M)
    virsh(uri, "pool-undefine", "life")
    assert "life" not in virsh(uri, "pool-list", "--all").stdout


def test_sparse_upload_download(daemon, tmp_path):
    make_pool(daemon, "sparse")
    virsh(daemon.uri, "vol-create-as", "sparse", "s.img", "16M")
    src = tmp_path / "s.bin"
    with open(src, "wb") as f:
        f.truncate(16 * 1024 * 1024)
        f.seek(5 * 1024 * 1024)
        f.write(b"hello sparse world")
    virsh(daemon.uri, "vol-upload", "--sparse", "--pool", "sparse", "s.img", src)
    out = tmp_path / "s.out"
    virsh(daemon.uri, "vol-download", "--sparse", "--pool", "sparse", "s.img", out)
    assert out.read_bytes() == src.read_bytes()
    # Holes travel as holes: the copy takes (nearly) no space.
    assert os.stat(out).st_blocks * 512 < 1024 * 1024


def test_python_storage_api(daemon):
    make_pool(daemon, "py")
    conn = libvirt.open(daemon.uri)
    try:
        pool = conn.storagePoolLookupByName("py")
        assert pool.isActive() == 1 and pool.isPersistent() == 1 and pool.autostart() == 0
        assert conn.storagePoolLookupByUUIDString(pool.UUIDString()).name() == "py"
        assert "py" in [p.name() for p in conn.listAllStoragePools(
            libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE)]
        assert "py" not in [p.name() for p in conn.listAllStoragePools(
            libvirt.VIR_CONNECT_LIST_STORAGE_POOLS_INACTIVE)]
        assert "py" in conn.listStoragePools() and "py" not in conn.listDefinedStoragePools()
        assert conn.numOfStoragePools() >= 1
        state, capacity, allocation, available = pool.info()
        assert state == libvirt.VIR_STORAGE_POOL_RUNNING and capacity >= available
        vol_xml = ("<volume><name>v.raw</name><capacity unit='M'>2</capacity>"
                   "<target><format type='raw'/></target></volume>")
        vol = pool.createXML(vol_xml, 0)
        clone = pool.createXMLFrom(vol_xml.replace("v.raw", "c.raw"), vol, 0)
        assert sorted(pool.listVolumes()) == ["c.raw", "v.raw"] and pool.numOfVolumes() == 2
        assert sorted(v.name() for v in pool.listAllVolumes()) == ["c.raw", "v.raw"]
        assert vol.info()[1] == 2 * 1024 * 1024
        assert conn.storageVolLookupByPath(vol.path()).name() == "v.raw"
        assert conn.storageVolLookupByKey(vol.key()).name() == "v.raw"
        assert vol.storagePoolLookupByVolume().name() == "py"
        assert conn.storagePoolLookupByTargetPath(str(daemon.root / "pools" / "py")).name() == "py"
        clone.wipePattern(libvirt.VIR_STORAGE_VOL_WIPE_ALG_ZERO, 0)
        clone.delete(0)
        vol.delete(0)
        pool.setAutostart(1)
        assert pool.autostart() == 1
    finally:
        conn.close()


def test_list_all_volumes_at_the_protocol_limit(daemon):
    """libvirt's protocol carries at most 16,384 volumes in one list: a pool of that many lists
    them all (the reply written straight from the driver's table), one more is an error that
    says what to do instead, and the count still answers."""
    target = make_pool(daemon, "many")
    limit = 16384
    for i in range(limit):
        (target / f"v{i:05d}").touch()
    conn = libvirt.open(daemon.uri)
    try:
        pool = conn.storagePoolLookupByName("many")
        pool.refresh(0)
        vols = pool.listAllVolumes(0)
        assert [v.name() for v in vols] == sorted(f"v{i:05d}" for i in range(limit))
        assert {v.key() for v in vols} == {str(target / f"v{i:05d}") for i in range(limit)}
        assert all(v.storagePoolLookupByVolume().name() == "many" for v in vols[:3])
        (target / "w").touch()
        pool.refresh(0)
        with pytest.raises(libvirt.libvirtError) as e:
            pool.listAllVolumes(0)
        assert e.value.get_error_code() == libvirt.VIR_ERR_INTERNAL_ERROR
        assert "Too many storage volumes '16385' for limit '16384'" in e.value.get_error_message()
        assert "look volumes up by name or path" in e.value.get_error_message()
        assert pool.numOfVolumes() == limit + 1
        pool.destroy()
        pool.undefine()
    finally:
        conn.close()
    shutil.rmtree(target)


def test_errors_carry_libvirt_codes(daemon):
    conn = libvirt.open(daemon.uri)
    try:
        with pytest.raises(libvirt.libvirtError) as e:
            conn.storagePoolLookupByName("no-such-pool")
        assert e.value.get_error_code() == libvirt.VIR_ERR_NO_STORAGE_POOL
        assert e.value.get_error_domain() == libvirt.VIR_FROM_STORAGE
        with pytest.raises(libvirt.libvirtError) as e:
            conn.findStoragePoolSources("dir", None, 0)
        assert e.value.get_error_code() == libvirt.VIR_ERR_NO_SUPPORT
        with pytest.raises(libvirt.libvirtError) as e:
            conn.findStoragePoolSources("netfs", None, 0)
        assert e.value.get_error_code() == libvirt.VIR_ERR_INVALID_ARG
        assert "hostname must be specified for netfs sources" in str(e.value)
    finally:
        conn.close()
    out = virsh(daemon.uri, "pool-info", "no-such-pool", check=False)
    assert out.returncode == 1
    assert ("error: Storage pool not found: no storage pool with matching name 'no-such-pool'"
            in out.stderr)


def test_read_only_socket(daemon):
    assert oct(os.stat(daemon.sock).st_mode & 0o777) == "0o600"
    assert oct(os.stat(daemon.sock_ro).st_mode & 0o777) == "0o666"
    conn = libvirt.open(daemon.uri_ro)
    try:
        conn.listAllStoragePools(0)
        with pytest.raises(libvirt.libvirtError) as e:
            conn.storagePoolDefineXML("<pool type='dir'><name>ro</name>"
                                      "<target><path>/tmp/ro</path></target></pool>", 0)
        assert e.value.get_error_code() == libvirt.VIR_ERR_OPERATION_DENIED
        assert "read only access prevents virStoragePoolDefineXML" in str(e.value)
    finally:
        conn.close()
    out = virsh(daemon.uri_ro, "pool-define-as", "ro2", "dir", "--target", "/tmp/ro2",
                check=False)
    assert out.returncode == 1 and "operation forbidden" in out.stderr


def test_pool_events(daemon):
    libvirt.virEventRegisterDefaultImpl()
    seen = []
    conn = libvirt.open(daemon.uri)
    other = libvirt.open(daemon.uri)
    try:
        conn.storagePoolEventRegisterAny(
            None, libvirt.VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE,
            lambda c, p, ev, detail, o: seen.append(("lifecycle", p.name(), ev)), None)
        cb = conn.storagePoolEventRegisterAny(
            None, libvirt.VIR_STORAGE_POOL_EVENT_ID_REFRESH,
            lambda c, p, o: seen.append(("refresh", p.name())), None)
        target = daemon.root / "pools" / "ev"
        target.mkdir(parents=True, exist_ok=True)
        pool = other.storagePoolDefineXML(
            f"<pool type='dir'><name>ev</name><target><path>{target}</path></target></pool>", 0)
        pool.create(0)
        pool.refresh(0)
        pool.destroy()
        pool.undefine()
        deadline = time.time() + 5
        while len(seen) < 5 and time.time() < deadline:
            libvirt.virEventRunDefaultImpl()
        conn.storagePoolEventDeregisterAny(cb)
    finally:
        other.close()
        conn.close()
    L = libvirt
    assert seen == [("lifecycle", "ev", L.VIR_STORAGE_POOL_EVENT_DEFINED),
                    ("lifecycle", "ev", L.VIR_STORAGE_POOL_EVENT_STARTED),
                    ("refresh", "ev"),
                    ("lifecycle", "ev", L.VIR_STORAGE_POOL_EVENT_STOPPED),
                    ("lifecycle", "ev", L.VIR_STORAGE_POOL_EVENT_UNDEFINED)]


def test_pool_capabilities_validate(daemon, tmp_path):
    caps = virsh(daemon.uri, "pool-capabilities").stdout
    assert "<pool type='dir' supported='yes'>" in caps
    rng = LIBVIRT_SRC / "src" / "conf" / "schemas" / "storagepoolcaps.rng"
    if not rng.exists() or not shutil.which("xmllint"):
        pytest.skip("libvirt schema or xmllint missing")
    path = tmp_path / "caps.xml"
    path.write_text(caps)
    out = subprocess.run(["xmllint", "--noout", "--relaxng", str(rng), str(path)],
                         capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr


def raw_client(daemon, payload):
    """Connects, sends @payload, returns what the daemon answers before closing or 1 s."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(1)
    s.connect(str(daemon.sock))
    s.sendall(payload)
    got = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
    except socket.timeout:
        pass
    s.close()
    return got


def test_garbage_and_oversized_clients_are_dropped(daemon):
    conn = libvirt.open(daemon.uri)
    try:
        # A length above the 32 MiB limit, a length below the header size, random bytes.
        assert raw_client(daemon, struct.pack(">I", 0x7FFFFFFF) + b"x" * 100) == b""
        assert raw_client(daemon, struct.pack(">I", 4) + b"zzzz") == b""
        raw_client(daemon, os.urandom(4096))
        # A well-framed call with a payload that does not decode gets an RPC error.
        reply = raw_client(daemon, call(84, 7, b"\xff\xff\xff\xff"))
        assert len(reply) >= 28 and struct.unpack(">IIIiIII", reply[:28])[6] == 1
        # An unknown procedure is an error reply, not a drop.
        reply = raw_client(daemon, call(9999, 8))
        assert struct.unpack(">IIIiIII", reply[:28])[5:] == (8, 1)
        assert daemon.alive()
        conn.listAllStoragePools(0)  # the connection opened before is unharmed
    finally:
        conn.close()
    virsh(daemon.uri, "pool-list", "--all")


def test_keepalive_ping_is_answered(daemon):
    ping = call(1, 0, prog=0x6B656570, mtype=2)
    reply = raw_client(daemon, ping)
    assert struct.unpack(">IIIiIII", reply[:28]) == (28, 0x6B656570, 1, 2, 2, 0, 0)


CLIENT_GONE = r"""
import libvirt, os, sys
conn = libvirt.open(sys.argv[1])
vol = conn.storagePoolLookupByName(sys.argv[2]).storageVolLookupByName(sys.argv[3])
st = conn.newStream(0)
if sys.argv[4] == "upload":
    vol.upload(st, 0, 0, 0)
    st.send(b"x" * 262144)
else:
    vol.download(st, 0, 0, 0)
    st.recv(262144)
os._exit(0)
"""


@pytest.mark.parametrize("direction", ["upload", "download"])
def test_client_gone_mid_stream(daemon, direction):
    make_pool(daemon, f"gone-{direction}")
    virsh(daemon.uri, "vol-create-as", f"gone-{direction}", "big.img", "64M")
    out = subprocess.run([sys.executable, "-c", CLIENT_GONE, daemon.uri, f"gone-{direction}",
                          "big.img", direction], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert daemon.alive()
    # The stream was aborted, so the volume is no longer in use and can go.
    deadline = time.time() + 10
    while True:
        res = virsh(daemon.uri, "vol-delete", "--pool", f"gone-{direction}", "big.img",
                    check=False)
        if res.returncode == 0 or time.time() > deadline:
            break
        time.sleep(0.2)
    assert res.returncode == 0, res.stderr


def test_fifty_concurrent_clients(daemon):
    make_pool(daemon, "busy")

    def work(i):
        conn = libvirt.open(daemon.uri)
        try:
            pool = conn.storagePoolLookupByName("busy")
            vol = pool.createXML(f"<volume><name>v{i}</name><capacity>1048576</capacity>"
                                 "</volume>", 0)
            names = [p.name() for p in conn.listAllStoragePools(0)]
            info = vol.info()
            vol.delete(0)
            return "busy" in names and info[1] == 1048576
        finally:
            conn.close()

    with concurrent.futures.ThreadPoolExecutor(max_workers=50) as ex:
        results = list(ex.map(work, range(50)))
    assert all(results)
    assert daemon.alive()


def test_sigterm_keeps_active_pools(start_vstord, tmp_path):
    d = start_vstord(tmp_path, ["--verbose"])
    make_pool(d, "keep")
    assert d.stop() == 0
    assert not d.sock.exists()
    d = start_vstord(tmp_path, ["--verbose"])
    assert re.search(r"^ keep\s+active", virsh(d.uri, "pool-list", "--all").stdout, re.M)
    assert d.stop() == 0


# --- against Debian's libvirtd 9.0.0 ---

@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    if not REF_SCRIPT.exists() or not shutil.which("libvirtd"):
        pytest.skip("no reference libvirtd")
    root = tmp_path_factory.mktemp("libvirtd-ref")
    out = subprocess.run([str(REF_SCRIPT), "start", str(root)], capture_output=True, text=True,
                         timeout=120, check=False)
    if out.returncode != 0:
        pytest.skip(f"reference libvirtd did not start: {out.stderr}")
    yield root, out.stdout.strip().splitlines()[-1]
    subprocess.run([str(REF_SCRIPT), "stop", str(root)], capture_output=True, timeout=60,
                   check=False)


def mask(text):
    """Masks what must differ between two daemons: UUIDs, sizes, and the column widths
    they make (paths differ in length)."""
    text = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "UUID", text)
    text = re.sub(r"\d+(\.\d+)? (B|KiB|MiB|GiB|TiB|bytes)", "SIZE", text)
    return re.sub(r"-{2,}", "-", re.sub(r" {2,}", "  ", text))


def test_same_output_as_libvirtd(daemon, reference):
    ref_root, ref_uri = reference
    outputs = []
    for uri, base in ((daemon.uri, daemon.root), (ref_uri, ref_root)):
        target = pathlib.Path(base) / "cmp-pool"
        target.mkdir(exist_ok=True)
        virsh(uri, "pool-define-as", "cmp", "dir", "--target", target)
        virsh(uri, "pool-build", "cmp")
        virsh(uri, "pool-start", "cmp")
        virsh(uri, "vol-create-as", "cmp", "v.img", "1M")
        res = [mask(virsh(uri, "pool-info", "cmp").stdout),
               mask(virsh(uri, "vol-list", "cmp", "--details").stdout.replace(str(target), "T")),
               virsh(uri, "pool-info", "no-such", check=False).stderr,
               virsh(uri, "vol-info", "--pool", "cmp", "nope", check=False).stderr]
        virsh(uri, "vol-delete", "--pool", "cmp", "v.img")
        virsh(uri, "pool-destroy", "cmp")
        virsh(uri, "pool-undefine", "cmp")
        outputs.append(res)
    assert outputs[0] == outputs[1]
