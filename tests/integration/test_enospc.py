"""test_enospc.py: a full disk — an fs pool on a tiny ext4 loop device behind vstord. Creating,
cloning, uploading and resizing past the free space fail with a clear error, leave no partial
volume behind, and the daemon and the pool keep working."""
import os
import shutil
import subprocess

import pytest

libvirt = pytest.importorskip("libvirt")

MiB = 1 << 20


def sh(*args):
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, check=False)


@pytest.fixture
def loopdev(tmp_path):
    if not shutil.which("losetup") or not shutil.which("mkfs.ext4"):
        pytest.skip("losetup or mkfs.ext4 missing")
    image = tmp_path / "tiny.img"
    with open(image, "wb") as f:
        f.truncate(24 * MiB)
    out = sh("losetup", "-f", "--show", image)
    if out.returncode != 0:
        pytest.skip(f"no loop device: {out.stderr.strip()}")
    dev = out.stdout.strip()
    try:
        mk = sh("mkfs.ext4", "-q", "-F", "-m", "0", dev)
        assert mk.returncode == 0, mk.stderr
        yield dev
    finally:
        sh("umount", "-l", tmp_path / "mnt")
        sh("losetup", "-d", dev)


def vol_names(pool):
    pool.refresh(0)
    return sorted(pool.listVolumes())


def expect_error(fn, *codes):
    with pytest.raises(libvirt.libvirtError) as e:
        fn()
    assert e.value.get_error_code() in codes, (e.value.get_error_code(), str(e.value))
    return str(e.value)


def test_full_disk(start_vstord, tmp_path, loopdev):
    d = start_vstord(tmp_path / "root")
    conn = libvirt.open(d.uri)
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    pool = conn.storagePoolDefineXML(
        f"<pool type='fs'><name>tiny</name><source><device path='{loopdev}'/>"
        f"<format type='ext4'/></source><target><path>{mnt}</path></target></pool>", 0)
    pool.create(0)
    try:
        base = set(vol_names(pool))  # lost+found
        free = pool.info()[3]
        assert free < 24 * MiB

        # Create: a fully allocated volume larger than the free space.
        msg = expect_error(lambda: pool.createXML(
            f"<volume><name>big.img</name><capacity>{64 * MiB}</capacity>"
            f"<allocation>{64 * MiB}</allocation></volume>", 0),
            libvirt.VIR_ERR_INTERNAL_ERROR, libvirt.VIR_ERR_SYSTEM_ERROR)
        assert "No space left on device" in msg or "space" in msg.lower(), msg
        assert set(vol_names(pool)) == base
        assert not (mnt / "big.img").exists()

        # Upload: more data than fits into a sparse volume.
        vol = pool.createXML(f"<volume><name>up.img</name><capacity>{64 * MiB}</capacity>"
                             "<allocation>0</allocation></volume>", 0)
        st = conn.newStream(0)
        vol.upload(st, 0, 0, 0)
        chunk = os.urandom(MiB)

        def push():
            for _ in range(40):
                st.send(chunk)
            st.finish()
        msg = expect_error(push, libvirt.VIR_ERR_SYSTEM_ERROR, libvirt.VIR_ERR_INTERNAL_ERROR,
                           libvirt.VIR_ERR_RPC)
        try:
            st.abort()
        except libvirt.libvirtError:
            pass

        # Clone: the source now fills most of the disk, a copy cannot fit.
        msg = expect_error(lambda: pool.createXMLFrom(
            "<volume><name>copy.img</name><capacity>0</capacity></volume>",
            pool.storageVolLookupByName("up.img"), 0),
            libvirt.VIR_ERR_INTERNAL_ERROR, libvirt.VIR_ERR_SYSTEM_ERROR)
        assert "copy.img" not in vol_names(pool)
        assert not (mnt / "copy.img").exists()

        # Resize with allocation past the free space: refused, the volume as it was.
        pool.storageVolLookupByName("up.img").delete(0)
        small = pool.createXML(f"<volume><name>small.img</name><capacity>{MiB}</capacity>"
                               "</volume>", 0)
        before = small.info()
        expect_error(lambda: small.resize(64 * MiB, libvirt.VIR_STORAGE_VOL_RESIZE_ALLOCATE),
                     libvirt.VIR_ERR_INTERNAL_ERROR, libvirt.VIR_ERR_SYSTEM_ERROR,
                     libvirt.VIR_ERR_OPERATION_FAILED)
        assert small.info()[1] == before[1]

        # The daemon and the pool still work.
        assert d.alive()
        ok = pool.createXML(f"<volume><name>ok.img</name><capacity>{MiB}</capacity>"
                            f"<allocation>{MiB}</allocation></volume>", 0)
        assert ok.info()[1] == MiB
        assert sorted(set(vol_names(pool)) - base) == ["ok.img", "small.img"]
    finally:
        try:
            pool.destroy()
        except libvirt.libvirtError:
            pass
        conn.close()
