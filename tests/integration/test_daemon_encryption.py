"""test_daemon_encryption.py: LUKS-encrypted volumes whose passphrase comes from a secret —
create, clone into a plain volume, resize, the default secret found by the volume's path after a
refresh, and the refusals (no secret, wrong usage type, no value) — run with virsh against
vstord and, as the reference, against Debian's libvirtd 9.0.0: the same assertions hold for
both. No passphrase file is left behind."""
import json
import pathlib
import subprocess

import pytest

pytest.importorskip("libvirt")

HERE = pathlib.Path(__file__).resolve().parent
REF = HERE.parents[1].parent / "shared" / "scripts" / "libvirtd-ref"
SECRET_UUID = "8f0bd2a4-1a7c-4f6e-9a34-5b8e7c2d1f90"
CEPH_UUID = "b1f4c7d2-52a8-4a57-9d5e-3c0a6f1e2b77"
PASSPHRASE = "correct horse battery staple"


def virsh(uri, *args, check=True):
    out = subprocess.run(["virsh", "-c", uri, *[str(a) for a in args]], capture_output=True,
                         text=True, timeout=120, check=False)
    if check:
        assert out.returncode == 0, f"virsh {args}: {out.stderr}"
    return out


@pytest.fixture(params=["vstord", "libvirtd"])
def server(request, tmp_path, start_vstord):
    """(uri, run_dir) of a fresh daemon of each kind."""
    if request.param == "vstord":
        d = start_vstord(tmp_path / "root")
        yield d.uri, tmp_path / "root" / "run"
        return
    if not REF.exists():
        pytest.skip(f"no libvirtd reference script at {REF}")
    ref = tmp_path / "ref"
    out = subprocess.run([str(REF), "start", str(ref)], capture_output=True, text=True,
                         timeout=300, check=False)
    if out.returncode != 0:
        pytest.skip(f"libvirtd reference did not start: {out.stderr.strip()}")
    try:
        yield out.stdout.strip().splitlines()[-1], ref / "run"
    finally:
        subprocess.run([str(REF), "stop", str(ref)], check=False, timeout=60)


def secret_xml(uuid, usage):
    return (f"<secret ephemeral='no' private='yes'><uuid>{uuid}</uuid>"
            f"<usage type='volume'><volume>{usage}</volume></usage></secret>")


def luks_xml(name, capacity, secret=None):
    sec = f"<secret type='passphrase' uuid='{secret}'/>" if secret else ""
    return (f"<volume><name>{name}</name><capacity>{capacity}</capacity>"
            f"<target><format type='raw'/><encryption format='luks'>{sec}</encryption>"
            "</target></volume>")


def qemu_info(path, passphrase=None):
    args = ["qemu-img", "info", "--output=json"]
    if passphrase:
        args += ["--object", f"secret,id=s0,data={passphrase}", "--image-opts",
                 f"driver=luks,key-secret=s0,file.filename={path}"]
    else:
        args.append(str(path))
    out = subprocess.run(args, capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_luks_volume_lifecycle(server, tmp_path):
    uri, run_dir = server
    target = tmp_path / "pool"
    virsh(uri, "pool-define-as", "enc", "dir", "--target", target)
    virsh(uri, "pool-build", "enc")
    virsh(uri, "pool-start", "enc")
    path = target / "secure.img"

    sfile = tmp_path / "secret.xml"
    sfile.write_text(secret_xml(SECRET_UUID, path))
    virsh(uri, "secret-define", sfile)

    vfile = tmp_path / "vol.xml"
    vfile.write_text(luks_xml("secure.img", 64 * 1024 * 1024, SECRET_UUID))
    # The secret has no value yet.
    r = virsh(uri, "vol-create", "enc", vfile, check=False)
    assert r.returncode == 1 and "does not have a value" in r.stderr, r.stderr
    assert not path.exists()

    virsh(uri, "secret-set-value", SECRET_UUID, "--file", _plain(tmp_path, PASSPHRASE),
          "--plain")
    virsh(uri, "vol-create", "enc", vfile)
    info = qemu_info(path)
    assert info["format"] == "luks"
    opened = qemu_info(path, PASSPHRASE)
    assert opened["virtual-size"] == 64 * 1024 * 1024
    xml = virsh(uri, "vol-dumpxml", "secure.img", "--pool", "enc").stdout
    assert "<encryption format='luks'>" in xml
    assert f"<secret type='passphrase' uuid='{SECRET_UUID}'/>" in xml

    # After a refresh (and so after a restart) the secret is found again by the path.
    virsh(uri, "pool-refresh", "enc")
    xml = virsh(uri, "vol-dumpxml", "secure.img", "--pool", "enc").stdout
    assert f"<secret type='passphrase' uuid='{SECRET_UUID}'/>" in xml

    # Resize needs the passphrase too.
    virsh(uri, "vol-resize", "secure.img", "96M", "--pool", "enc")
    assert qemu_info(path, PASSPHRASE)["virtual-size"] == 96 * 1024 * 1024

    # Clone into a plain raw volume: decrypted on the way.
    plain = tmp_path / "plain.xml"
    plain.write_text("<volume><name>plain.img</name><capacity>100663296</capacity>"
                     "<target><format type='raw'/></target></volume>")
    virsh(uri, "vol-create-from", "enc", plain, "secure.img", "--inputpool", "enc")
    assert qemu_info(target / "plain.img")["format"] == "raw"

    # No passphrase file stays anywhere under the daemon's run directory.
    assert not [p for p in run_dir.rglob("*secret*") if p.is_file()]


def _plain(tmp_path, text):
    p = tmp_path / "pass.txt"
    p.write_text(text)
    return p


def test_luks_refusals(server, tmp_path):
    uri, _ = server
    target = tmp_path / "pool"
    virsh(uri, "pool-define-as", "enc2", "dir", "--target", target)
    virsh(uri, "pool-build", "enc2")
    virsh(uri, "pool-start", "enc2")
    vfile = tmp_path / "vol.xml"

    # No secret named.
    vfile.write_text(luks_xml("nosecret.img", 1048576))
    r = virsh(uri, "vol-create", "enc2", vfile, check=False)
    assert r.returncode == 1
    assert "A single <secret type='passphrase'...> element is expected" in r.stderr, r.stderr
    # A secret that does not exist.
    vfile.write_text(luks_xml("unknown.img", 1048576, SECRET_UUID))
    r = virsh(uri, "vol-create", "enc2", vfile, check=False)
    assert r.returncode == 1 and f"no secret with matching uuid '{SECRET_UUID}'" in r.stderr, \
        r.stderr
    # A secret for something else than a volume.
    sfile = tmp_path / "ceph.xml"
    sfile.write_text(f"<secret ephemeral='no' private='no'><uuid>{CEPH_UUID}</uuid>"
                     "<usage type='ceph'><name>client.admin</name></usage></secret>")
    virsh(uri, "secret-define", sfile)
    virsh(uri, "secret-set-value", CEPH_UUID, "--file", _plain(tmp_path, "x"), "--plain")
    vfile.write_text(luks_xml("ceph.img", 1048576, CEPH_UUID))
    r = virsh(uri, "vol-create", "enc2", vfile, check=False)
    assert r.returncode == 1
    assert f"secret with uuid {CEPH_UUID} is of type 'ceph' not expected 'volume' type" in \
        r.stderr, r.stderr
    assert sorted(p.name for p in target.iterdir()) == []
