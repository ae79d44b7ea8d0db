"""test_daemon_secrets.py: secrets through vstord with stock clients — virsh's secret-* commands
and libvirt-python's secret API — plus read-only refusals, private values, restart persistence,
file modes, and that a value never reaches the daemon's log."""
import base64
import os
import re
import stat

import pytest

from test_daemon import virsh

libvirt = pytest.importorskip("libvirt")

VIR_FROM_SECRET = 30
VIR_ERR_OPERATION_DENIED = 29
VIR_ERR_INVALID_SECRET = 65
VIR_ERR_NO_SECRET = 66

# Values distinctive enough that finding them anywhere in the log would be no accident.
VALUE = b"vstor-canary-7f3a9c\x00\xffraw"
VALUE2 = b"second-canary-51d2e8"

CEPH_XML = """<secret ephemeral='no' private='no'>
  <uuid>{uuid}</uuid>
  <description>ceph admin</description>
  <usage type='ceph'>
    <name>client.admin secret</name>
  </usage>
</secret>
"""
UUID1 = "f52a81b2-424e-490c-823d-6bd4235bc573"
UUID2 = "0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f"


@pytest.fixture
def daemon(start_vstord, tmp_path):
    return start_vstord(tmp_path, ["--verbose"])


def log_bytes(daemon):
    if not daemon.log.closed:
        daemon.log.flush()
    return daemon.logpath.read_bytes()


def assert_value_not_logged(daemon, *values):
    log = log_bytes(daemon)
    for v in values:
        for form in (v, base64.b64encode(v), v.hex().encode()):
            assert form not in log, f"secret value in the daemon log: {form!r}"


def secrets_dir(daemon):
    return daemon.root / "etc" / "secrets"


def test_virsh_secret_commands(daemon, tmp_path):
    uri = daemon.uri
    xml = tmp_path / "s.xml"
    xml.write_text(CEPH_XML.format(uuid=UUID1))
    out = virsh(uri, "secret-define", xml).stdout
    assert out.strip() == f"Secret {UUID1} created"

    out = virsh(uri, "secret-list").stdout
    assert re.search(rf"^ {UUID1}\s+ceph client\.admin secret\s*$", out, re.M), out
    assert virsh(uri, "secret-dumpxml", UUID1).stdout == CEPH_XML.format(uuid=UUID1) + "\n"

    # No value yet.
    r = virsh(uri, "secret-get-value", UUID1, check=False)
    assert r.returncode != 0
    assert f"secret '{UUID1}' does not have a value" in r.stderr

    # --base64 on the command line: virsh warns but sets it.
    b64 = base64.b64encode(VALUE).decode()
    r = virsh(uri, "secret-set-value", UUID1, "--base64", b64, check=False)
    assert "Secret value set" in r.stdout, r.stderr
    assert virsh(uri, "secret-get-value", UUID1).stdout.strip() == b64

    # --file holding base64, then --file --plain holding raw bytes.
    f = tmp_path / "value.b64"
    f.write_text(base64.b64encode(VALUE2).decode())
    assert "Secret value set" in virsh(uri, "secret-set-value", UUID1, "--file", f).stdout
    assert base64.b64decode(virsh(uri, "secret-get-value", UUID1).stdout.strip()) == VALUE2
    raw = tmp_path / "value.raw"
    raw.write_bytes(b"plain-canary-93ab")
    virsh(uri, "secret-set-value", UUID1, "--file", raw, "--plain")
    assert base64.b64decode(virsh(uri, "secret-get-value", UUID1).stdout.strip()) == \
        b"plain-canary-93ab"

    # Files: both 0600, in a 0700 directory, the value stored as base64.
    d = secrets_dir(daemon)
    assert stat.S_IMODE(d.stat().st_mode) == 0o700
    for suffix in (".xml", ".base64"):
        assert stat.S_IMODE((d / (UUID1 + suffix)).stat().st_mode) == 0o600
    assert (d / (UUID1 + ".xml")).read_text() == CEPH_XML.format(uuid=UUID1)

    # Same usage under another uuid is refused, as libvirt does.
    xml2 = tmp_path / "s2.xml"
    xml2.write_text(CEPH_XML.format(uuid=UUID2))
    r = virsh(uri, "secret-define", xml2, check=False)
    assert r.returncode != 0
    assert (f"a secret with UUID {UUID1} already defined for use with client.admin secret"
            in r.stderr)

    out = virsh(uri, "secret-undefine", UUID1).stdout
    assert out.strip() == f"Secret {UUID1} deleted"
    assert not (d / (UUID1 + ".xml")).exists() and not (d / (UUID1 + ".base64")).exists()
    r = virsh(uri, "secret-dumpxml", UUID1, check=False)
    assert r.returncode != 0 and "Secret not found" in r.stderr
    assert_value_not_logged(daemon, VALUE, VALUE2, b"plain-canary-93ab")


def test_python_api(daemon):
    conn = libvirt.open(daemon.uri)
    try:
        assert conn.numOfSecrets() == 0
        s = conn.secretDefineXML(
            "<secret ephemeral='no' private='no'><description>iscsi chap</description>"
            "<usage type='iscsi'><target>libvirtiscsi</target></usage></secret>")
        assert s.usageType() == libvirt.VIR_SECRET_USAGE_TYPE_ISCSI
        assert s.usageID() == "libvirtiscsi"
        s.setValue(VALUE)
        assert s.value() == VALUE
        found = conn.secretLookupByUsage(libvirt.VIR_SECRET_USAGE_TYPE_ISCSI, "libvirtiscsi")
        assert found.UUIDString() == s.UUIDString()
        assert conn.secretLookupByUUIDString(s.UUIDString()).usageID() == "libvirtiscsi"
        with pytest.raises(libvirt.libvirtError) as e:
            conn.secretLookupByUsage(libvirt.VIR_SECRET_USAGE_TYPE_CEPH, "libvirtiscsi")
        assert e.value.get_error_code() == VIR_ERR_NO_SECRET
        assert e.value.get_error_domain() == VIR_FROM_SECRET
        assert "no secret with matching usage 'libvirtiscsi'" in str(e.value)

        eph = conn.secretDefineXML(
            "<secret ephemeral='yes' private='yes'><usage type='tls'><name>tls0</name></usage>"
            "</secret>")
        eph.setValue(VALUE2)
        # A private secret's value never leaves the daemon.
        with pytest.raises(libvirt.libvirtError) as e:
            eph.value()
        assert e.value.get_error_code() == VIR_ERR_INVALID_SECRET
        assert e.value.get_error_domain() == VIR_FROM_SECRET
        assert "secret is private" in str(e.value)
        assert not (secrets_dir(daemon) / (eph.UUIDString() + ".xml")).exists()
        assert not (secrets_dir(daemon) / (eph.UUIDString() + ".base64")).exists()

        assert conn.numOfSecrets() == 2
        assert sorted(conn.listSecrets()) == sorted([s.UUIDString(), eph.UUIDString()])
        F = libvirt
        for flags, want in [
            (0, {s.UUIDString(), eph.UUIDString()}),
            (F.VIR_CONNECT_LIST_SECRETS_EPHEMERAL, {eph.UUIDString()}),
            (F.VIR_CONNECT_LIST_SECRETS_NO_EPHEMERAL, {s.UUIDString()}),
            (F.VIR_CONNECT_LIST_SECRETS_PRIVATE, {eph.UUIDString()}),
            (F.VIR_CONNECT_LIST_SECRETS_NO_PRIVATE, {s.UUIDString()}),
            (F.VIR_CONNECT_LIST_SECRETS_PRIVATE | F.VIR_CONNECT_LIST_SECRETS_NO_EPHEMERAL, set()),
        ]:
            assert {x.UUIDString() for x in conn.listAllSecrets(flags)} == want, flags
        with pytest.raises(libvirt.libvirtError) as e:
            conn.listAllSecrets(1 << 7)
        assert e.value.get_error_code() == libvirt.VIR_ERR_INVALID_ARG

        # Redefining with another usage or dropping private is refused.
        with pytest.raises(libvirt.libvirtError) as e:
            conn.secretDefineXML(f"<secret private='no' ephemeral='yes'>"
                                 f"<uuid>{eph.UUIDString()}</uuid><usage type='tls'>"
                                 f"<name>tls0</name></usage></secret>")
        assert "cannot change private flag on existing secret" in str(e.value)
        with pytest.raises(libvirt.libvirtError) as e:
            conn.secretDefineXML("<secret><usage type='nfs'/></secret>")
        assert e.value.get_error_code() == libvirt.VIR_ERR_CONFIG_UNSUPPORTED
        with pytest.raises(libvirt.libvirtError) as e:
            conn.secretDefineXML("<secret ephemeral='maybe'/>")
        assert e.value.get_error_code() == libvirt.VIR_ERR_XML_ERROR

        eph.undefine()
        s.undefine()
        assert conn.numOfSecrets() == 0
        with pytest.raises(libvirt.libvirtError) as e:
            s.value()
        assert e.value.get_error_code() == VIR_ERR_NO_SECRET
    finally:
        conn.close()
    assert_value_not_logged(daemon, VALUE, VALUE2)


def test_read_only_socket(daemon, tmp_path):
    conn = libvirt.open(daemon.uri)
    s = conn.secretDefineXML(CEPH_XML.format(uuid=UUID1))
    s.setValue(VALUE)
    conn.close()

    ro = libvirt.open(daemon.uri_ro)
    try:
        # Reads are allowed.
        assert ro.numOfSecrets() == 1
        assert [x.UUIDString() for x in ro.listAllSecrets()] == [UUID1]
        rs = ro.secretLookupByUsage(libvirt.VIR_SECRET_USAGE_TYPE_CEPH, "client.admin secret")
        assert rs.XMLDesc() == CEPH_XML.format(uuid=UUID1)
        # Everything that changes state, and the value itself, is refused.
        for api, call in [
            ("virSecretDefineXML", lambda: ro.secretDefineXML(CEPH_XML.format(uuid=UUID2))),
            ("virSecretSetValue", lambda: rs.setValue(b"x")),
            ("virSecretGetValue", rs.value),
            ("virSecretUndefine", rs.undefine),
        ]:
            with pytest.raises(libvirt.libvirtError) as e:
                call()
            assert e.value.get_error_code() == VIR_ERR_OPERATION_DENIED, api
            assert e.value.get_error_domain() == VIR_FROM_SECRET, api
            assert f"read only access prevents {api}" in str(e.value)
    finally:
        ro.close()
    # virsh on the read-only socket says the same.
    r = virsh(daemon.uri_ro, "secret-get-value", UUID1, check=False)
    assert r.returncode != 0 and "read only access prevents virSecretGetValue" in r.stderr
    xml = tmp_path / "s.xml"
    xml.write_text(CEPH_XML.format(uuid=UUID2))
    r = virsh(daemon.uri_ro, "secret-define", xml, check=False)
    assert r.returncode != 0 and "read only access prevents virSecretDefineXML" in r.stderr
    assert "ceph client.admin secret" in virsh(daemon.uri_ro, "secret-list").stdout
    # Nothing changed.
    conn = libvirt.open(daemon.uri)
    assert conn.secretLookupByUUIDString(UUID1).value() == VALUE
    assert conn.numOfSecrets() == 1
    conn.close()
    assert_value_not_logged(daemon, VALUE)


def test_restart_persistence(start_vstord, tmp_path):
    d = start_vstord(tmp_path, ["--verbose"])
    conn = libvirt.open(d.uri)
    persistent = conn.secretDefineXML(CEPH_XML.format(uuid=UUID1))
    persistent.setValue(VALUE)
    private = conn.secretDefineXML(
        f"<secret private='yes'><uuid>{UUID2}</uuid><usage type='volume'>"
        f"<volume>/var/lib/images/a.img</volume></usage></secret>")
    private.setValue(VALUE2)
    eph = conn.secretDefineXML("<secret ephemeral='yes'><usage type='vtpm'><name>vm1</name>"
                               "</usage></secret>")
    eph.setValue(b"gone-after-restart")
    conn.close()
    assert_value_not_logged(d, VALUE, VALUE2, b"gone-after-restart")
    assert d.stop() == 0

    d = start_vstord(tmp_path, ["--verbose"])
    conn = libvirt.open(d.uri)
    assert sorted(conn.listSecrets()) == sorted([UUID1, UUID2])
    assert conn.secretLookupByUUIDString(UUID1).value() == VALUE
    assert conn.secretLookupByUUIDString(UUID1).XMLDesc() == CEPH_XML.format(uuid=UUID1)
    p = conn.secretLookupByUsage(libvirt.VIR_SECRET_USAGE_TYPE_VOLUME,
                                 "/var/lib/images/a.img")
    assert p.UUIDString() == UUID2
    with pytest.raises(libvirt.libvirtError) as e:
        p.value()
    assert e.value.get_error_code() == VIR_ERR_INVALID_SECRET
    with pytest.raises(libvirt.libvirtError):
        conn.secretLookupByUsage(libvirt.VIR_SECRET_USAGE_TYPE_VTPM, "vm1")
    conn.close()
    for name in os.listdir(secrets_dir(d)):
        mode = stat.S_IMODE((secrets_dir(d) / name).stat().st_mode)
        assert mode == 0o600, (name, oct(mode))
    # The value is on disk only as base64, in files nobody else can read.
    assert base64.b64decode((secrets_dir(d) / (UUID2 + ".base64")).read_text()) == VALUE2
    assert_value_not_logged(d, VALUE, VALUE2)
    assert d.stop() == 0
