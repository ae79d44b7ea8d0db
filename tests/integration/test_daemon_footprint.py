"""test_daemon_footprint.py: what a running vstord has loaded. Libraries it never calls cost
resident memory in every vstord (their relocations and start-up code touch their pages), so
the ones kept out on purpose must stay out: GIO and what it brings (GObject, libffi, libmount,
SELinux), and Kerberos (libtirpc's RPCSEC_GSS half; the sanitizer builds link libtirpc's shared
library, which has it). A qemu-img run, which used to go through GIO, works without it (the
cancel of a running child: test_cli_interactive.py's wipe under scrub)."""
import pathlib
import subprocess

import pytest

from conftest import asan_wanted

libvirt = pytest.importorskip("libvirt")

MiB = 1024 * 1024

KEPT_OUT = ("libgio-2.0", "libgobject-2.0", "libffi", "libmount", "libselinux")
KEPT_OUT_UNLESS_SANITIZED = ("libkrb5", "libgssapi_krb5", "libk5crypto")


def mapped_libraries(pid):
    names = set()
    for line in pathlib.Path(f"/proc/{pid}/maps").read_text().splitlines():
        fields = line.split(None, 5)
        if len(fields) == 6 and ".so" in fields[5]:
            names.add(pathlib.Path(fields[5].strip()).name)
    return names


def test_no_unused_libraries_loaded(tmp_path, start_vstord):
    d = start_vstord(tmp_path / "root")
    pooldir = tmp_path / "pool"
    pooldir.mkdir()
    conn = libvirt.open(d.uri)
    pool = conn.storagePoolCreateXML(
        f"<pool type='dir'><name>p</name><target><path>{pooldir}</path></target></pool>", 0)
    # A qcow2 conversion runs qemu-img: the command runner is loaded and used.
    src = pool.createXML("<volume><name>a.raw</name><capacity>4194304</capacity>"
                         "<target><format type='raw'/></target></volume>", 0)
    conv = pool.createXMLFrom("<volume><name>b.qcow2</name><capacity>4194304</capacity>"
                              "<target><format type='qcow2'/></target></volume>", src, 0)
    assert "qcow2" in conv.XMLDesc(0)
    check = subprocess.run(["qemu-img", "check", str(pooldir / "b.qcow2")],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    libs = mapped_libraries(d.pid)
    assert any(n.startswith("libglib-2.0") for n in libs), libs  # the check sees libraries
    banned = KEPT_OUT + (() if asan_wanted() else KEPT_OUT_UNLESS_SANITIZED)
    loaded = sorted(n for n in libs if n.startswith(banned))
    assert loaded == [], f"vstord has {loaded} loaded: {sorted(libs)}"
    conn.close()
