"""test_daemon_quick.py: the calls vstord answers on its main loop thread (look-ups, volume
info, XML and path, connection facts). They answer what the worker path answers (a second
vstord with VSTOR_QUICK_CALLS=0 over the same directory), stay fresh when files change behind
the daemon's back, and keep answering while a stalled filesystem holds the only worker — and
the driver's lock."""
import concurrent.futures
import os
import shutil
import subprocess
import time
import uuid

import pytest

libvirt = pytest.importorskip("libvirt")

MiB = 1024 * 1024
PHYSICAL = 1  # VIR_STORAGE_VOL_GET_PHYSICAL


def vol_xml(name, capacity, fmt="raw", allocation=0, backing=None):
    back = (f"<backingStore><path>{backing}</path><format type='raw'/></backingStore>"
            if backing else "")
    return (f"<volume><name>{name}</name><capacity>{capacity}</capacity>"
            f"<allocation>{allocation}</allocation><target><format type='{fmt}'/></target>"
            f"{back}</volume>")


def start_pool(conn, name, path, pool_uuid=None):
    u = f"<uuid>{pool_uuid}</uuid>" if pool_uuid else ""
    pool = conn.storagePoolDefineXML(
        f"<pool type='dir'><name>{name}</name>{u}<target><path>{path}</path></target></pool>", 0)
    pool.create(0)
    return pool


def answers(conn, pool_name, names, missing=True):
    """Everything a quick call answers, per volume, and (@missing) the error for a name that
    is no volume, which the worker path gives (it looks at the directory first)."""
    pool = conn.storagePoolLookupByName(pool_name)
    out = {"pool": (pool.name(), pool.UUIDString()),
           "by-uuid": conn.storagePoolLookupByUUIDString(pool.UUIDString()).name(),
           # (libvirt's client answers getURI itself)
           "facts": (conn.getType(), conn.getVersion(), conn.getLibVersion(),
                     conn.getHostname(), conn.isSecure(), conn.isEncrypted())}
    for name in names:
        vol = pool.storageVolLookupByName(name)
        out[name] = (vol.name(), vol.key(), vol.path(), vol.info(), vol.infoFlags(PHYSICAL),
                     vol.XMLDesc(0))
    try:
        if missing:
            pool.storageVolLookupByName("missing.img")
    except libvirt.libvirtError as e:
        out["missing"] = (e.get_error_code(), e.get_error_domain(), e.get_error_message())
    return out


def test_quick_answers_equal_worker_answers(start_vstord, tmp_path):
    pooldir = tmp_path / "pool"
    pooldir.mkdir()
    quick = start_vstord(tmp_path / "quick")
    slow = start_vstord(tmp_path / "slow", env={**os.environ, "VSTOR_QUICK_CALLS": "0"})
    qconn, sconn = libvirt.open(quick.uri), libvirt.open(slow.uri)
    pool_uuid = str(uuid.uuid4())
    qpool = start_pool(qconn, "q", pooldir, pool_uuid)
    qpool.createXML(vol_xml("sparse.img", 64 * MiB), 0)
    qpool.createXML(vol_xml("full.img", 4 * MiB, allocation=4 * MiB), 0)
    qpool.createXML(vol_xml("disk.qcow2", 1024 * MiB, "qcow2"), 0)
    qpool.createXML(vol_xml("over.qcow2", 64 * MiB, "qcow2", backing=pooldir / "sparse.img"), 0)
    with open(pooldir / "outside.img", "wb") as f:
        f.write(os.urandom(MiB))
    start_pool(sconn, "q", pooldir, pool_uuid)
    names = ["sparse.img", "full.img", "disk.qcow2", "over.qcow2"]
    deadline = time.time() + 5  # the file made outside shows up through inotify
    while time.time() < deadline and "outside.img" not in qpool.listVolumes():
        time.sleep(0.05)
    names.append("outside.img")
    assert answers(qconn, "q", names) == answers(sconn, "q", names)

    # Changed behind both daemons' backs: grown, written while held open, removed.
    os.truncate(pooldir / "sparse.img", 128 * MiB)
    with open(pooldir / "full.img", "r+b") as held:
        held.write(os.urandom(MiB))
        held.flush()
        os.fsync(held.fileno())
        got = answers(qconn, "q", names)
        assert got == answers(sconn, "q", names)
        assert got["sparse.img"][3][1] == 128 * MiB
    gone = qconn.storagePoolLookupByName("q").storageVolLookupByName("outside.img")
    (pooldir / "outside.img").unlink()
    with pytest.raises(libvirt.libvirtError) as e:
        gone.info()
    assert e.value.get_error_code() == libvirt.VIR_ERR_NO_STORAGE_VOL
    qconn.close()
    sconn.close()


def _have(*tools):
    return os.geteuid() == 0 and all(shutil.which(t) for t in tools)


@pytest.fixture
def frozen_fs(tmp_path):
    """An ext4 file system on a loop device, and freeze()/thaw() for it (always thawed and
    unmounted at the end)."""
    if not _have("mkfs.ext4", "mount", "umount", "fsfreeze"):
        pytest.skip("needs root, mkfs.ext4, mount and fsfreeze")
    img, mnt = tmp_path / "fs.img", tmp_path / "mnt"
    mnt.mkdir()
    if (subprocess.run(["mkfs.ext4", "-q", "-F", str(img), "64M"],
                       stdout=subprocess.DEVNULL).returncode != 0 or
            subprocess.run(["mount", "-o", "loop", str(img), str(mnt)]).returncode != 0):
        pytest.skip("cannot mount a loop device here")
    state = {"frozen": False}

    class Fs:
        path = mnt

        @staticmethod
        def freeze():
            subprocess.run(["fsfreeze", "-f", str(mnt)], check=True)
            state["frozen"] = True

        @staticmethod
        def thaw():
            if state["frozen"]:
                subprocess.run(["fsfreeze", "-u", str(mnt)], check=True)
                state["frozen"] = False
    try:
        yield Fs
    finally:
        Fs.thaw()
        subprocess.run(["umount", "-l", str(mnt)])


def timed(ex, fn, limit=10):
    """fn() on another thread: its value and how long it took (failing after @limit seconds
    rather than hanging with the file system frozen)."""
    t0 = time.monotonic()
    value = ex.submit(fn).result(timeout=limit)
    return value, time.monotonic() - t0


def test_stalled_filesystem_stalls_no_cheap_call(start_vstord, tmp_path, frozen_fs):
    """Two workers only, both stuck on a frozen file system. First two wipes hold them (the
    driver's lock stays free): look-ups, info, XML and path of another pool's volumes go on
    being answered, promptly, which only the main loop can do. Then a wipe and a deletion,
    which waits with the driver's lock held: the connection facts are still answered, and
    a volume's info (it needs the lock) waits and completes after the thaw with the same
    answer as before."""
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "vstord.conf").write_text("[vstord]\nmax_workers = 2\n")
    d = start_vstord(root)
    other = tmp_path / "other"
    other.mkdir()
    conns = [libvirt.open(d.uri) for _ in range(5)]
    c0, c1, c2, c3, c4 = conns
    frozen = start_pool(c0, "frozen", frozen_fs.path)
    w1, w2, w3 = (frozen.createXML(vol_xml(f"w{i}.img", 8 * MiB, allocation=8 * MiB), 0)
                  for i in range(3))
    doomed = frozen.createXML(vol_xml("doomed.img", MiB), 0)
    start_pool(c0, "other", other).createXML(vol_xml("a.img", 16 * MiB), 0)
    before = answers(c1, "other", ["a.img"], missing=False)

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as ex:
        frozen_fs.freeze()
        try:
            wipes = [ex.submit(w.wipe, 0) for w in (w1, w2)]
            time.sleep(0.5)
            assert not any(w.done() for w in wipes)
            got, took = timed(ex, lambda: answers(c1, "other", ["a.img"], missing=False))
            assert got == before
            assert took < 2, f"quick calls took {took:.2f} s with both workers stuck"
        finally:
            frozen_fs.thaw()
        assert [w.result(timeout=30) for w in wipes] == [0, 0]

        frozen_fs.freeze()
        try:
            wipe = ex.submit(w3.wipe, 0)
            delete = ex.submit(doomed.delete, 0)
            time.sleep(0.5)
            assert not wipe.done() and not delete.done()
            info = ex.submit(lambda: c2.storagePoolLookupByName("other")
                             .storageVolLookupByName("a.img").info())
            version, took = timed(ex, c3.getLibVersion)
            assert version == before["facts"][2]
            assert took < 2, f"getLibVersion took {took:.2f} s while the lock was held"
            assert timed(ex, c4.getHostname)[0] == before["facts"][3]
        finally:
            frozen_fs.thaw()
        assert wipe.result(timeout=30) == 0
        assert delete.result(timeout=30) == 0
        assert info.result(timeout=30) == before["a.img"][3]
    assert answers(c1, "other", ["a.img"], missing=False) == before
    assert "doomed.img" not in frozen.listVolumes()
    for c in conns:
        c.close()
