"""test_print_xml.py: `vstor pool-define-as|pool-create-as|vol-create-as ... --print-xml` against
virsh 9.0.0 (test driver, no daemon): same stdout byte for byte, same exit code, same errors."""
import os
import pathlib
import re
import shlex
import shutil
import tempfile

import pytest

URI = "test:///default"
ENV = dict(os.environ, LC_ALL="C", LANG="C")
ENV.pop("VIRSH_DEFAULT_CONNECT_URI", None)
ENV.pop("VSTOR_DEFAULT_CONNECT_URI", None)

pytestmark = pytest.mark.skipif(shutil.which("virsh") is None,
                                reason="virsh (libvirt-clients) is not installed")


@pytest.fixture(scope="module")
def vstor(build_dir):
    for candidate in (build_dir / "vstor", build_dir / "src" / "cli" / "vstor"):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    pytest.fail(f"no vstor binary under {build_dir} (set VSTOR_BUILD_DIR)")


def P(*args, id):  # noqa: N802 - short for the long tables below
    return pytest.param(list(args), id=id)


WWNN, WWPN = "20000000c9831b4b", "10000000c9831b4b"
PWWNN, PWWPN = "2000000012345678", "1000000012345678"
UUID = "2ec115d7-3a88-3ceb-bc12-0ac909a6fd87"

POOL_CASES = [
    # dir
    P("pool-define-as", "d1", "dir", "--print-xml", id="dir-minimal"),
    P("pool-define-as", "d2", "dir", "--target", "/var/lib/images", "--print-xml", id="dir-target"),
    P("pool-create-as", "d3", "dir", "--target=/srv/img", "--print-xml", "--build", id="dir-create-build"),
    P("pool-create-as", "d4", "dir", "--target", "/srv", "--build", "--overwrite", "--print-xml", id="dir-create-overwrite"),
    P("pool-define-as", "--print-xml", "--type", "dir", "--name", "d5", id="dir-named-any-order"),
    P("pool-define-as", "d6", "dir", "-", "-", "-", "-", "/target", "--print-xml", id="dir-positional-target"),
    P("pool-define-as", "d7", "dir", "--print-xml", "--", "--host-looking", id="dir-double-dash"),
    P("pool-define-as", "d8", "dir", "-x", "--print-xml", id="dir-single-dash-is-data"),
    P("pool-define-as", "sp ace", "dir", "--target", "/a b/c", "--print-xml", id="dir-spaces"),
    P("pool-define-as", "amp&<x>", "dir", "--target", "/it's", "--print-xml", id="dir-unescaped-specials"),
    P("pool-define-as", "d9", "dir", "--source-protocol-ver", "4", "--print-xml", id="dir-protover-alone-no-source"),
    # fs
    P("pool-define-as", "f1", "fs", "--source-dev", "/dev/sdb1", "--target", "/mnt/f1", "--print-xml", id="fs"),
    P("pool-define-as", "f2", "fs", "--source-dev", "/dev/vdb", "--source-format", "ext4", "--target", "/mnt/f2", "--print-xml", id="fs-ext4"),
    P("pool-create-as", "f3", "fs", "--source-dev=/dev/loop0", "--source-format=xfs", "--target=/mnt/f3", "--no-overwrite", "--build", "--print-xml", id="fs-create-xfs"),
    # netfs
    P("pool-define-as", "n1", "netfs", "--source-host", "nfs.example.com", "--source-path", "/export", "--target", "/mnt/n1", "--print-xml", id="netfs-auto"),
    P("pool-define-as", "n2", "netfs", "--source-host", "10.0.0.5", "--source-path", "/exp", "--source-format", "nfs", "--source-protocol-ver", "4", "--target", "/mnt/n2", "--print-xml", id="netfs-nfs-v4"),
    P("pool-define-as", "n3", "netfs", "--source-host", "nfs:2049", "--source-path", "/exp", "--source-format", "nfs", "--source-protocol-ver", "3", "--target", "/mnt/n3", "--print-xml", id="netfs-nfs-host-port"),
    P("pool-define-as", "n4", "netfs", "--source-host", "smb.example.com", "--source-name", "share", "--source-format", "cifs", "--target", "/mnt/n4", "--print-xml", id="netfs-cifs"),
    P("pool-define-as", "n5", "netfs", "--source-host", "gl1", "--source-path", "/vol0", "--source-format", "glusterfs", "--target", "/mnt/n5", "--print-xml", id="netfs-glusterfs"),
    P("pool-define-as", "n6", "netfs", "nfshost", "/export", "-", "-", "/mnt/n6", "nfs", "--print-xml", id="netfs-positional"),
    # logical
    P("pool-define-as", "l1", "logical", "--source-name", "vg0", "--target", "/dev/vg0", "--print-xml", id="logical"),
    P("pool-define-as", "l2", "logical", "--source-dev", "/dev/sdc", "--source-name", "vg1", "--source-format", "lvm2", "--target", "/dev/vg1", "--print-xml", id="logical-dev-lvm2"),
    # disk
    P("pool-define-as", "k1", "disk", "--source-dev", "/dev/sdd", "--source-format", "gpt", "--target", "/dev", "--print-xml", id="disk-gpt"),
    P("pool-create-as", "k2", "disk", "--source-dev", "/dev/sde", "--source-format", "dos", "--target", "/dev", "--print-xml", id="disk-dos-create"),
    # iscsi
    P("pool-define-as", "i1", "iscsi", "--source-host", "iscsi.example.com", "--source-dev", "iqn.2013-06.com.example:iscsi-pool", "--target", "/dev/disk/by-path", "--print-xml", id="iscsi"),
    P("pool-define-as", "i2", "iscsi", "--source-host", "10.1.1.1:3260", "--source-dev", "iqn.2013-06.com.example:t", "--source-initiator", "iqn.2013-06.com.example:host", "--target", "/dev/disk/by-path", "--print-xml", id="iscsi-initiator-port"),
    P("pool-define-as", "i3", "iscsi", "--source-host", "h", "--source-dev", "iqn.x:t", "--auth-type", "chap", "--auth-username", "chapuser", "--secret-usage", "libvirtiscsi", "--target", "/dev/disk/by-path", "--print-xml", id="iscsi-chap-usage"),
    P("pool-define-as", "i4", "iscsi", "--source-host", "h", "--source-dev", "iqn.x:t", "--auth-type", "chap", "--auth-username", "u", "--secret-uuid", UUID, "--print-xml", id="iscsi-chap-uuid"),
    P("pool-define-as", "i5", "iscsi", "--source-host", "h", "--auth-type", "chap", "--auth-username", "u", "--print-xml", id="iscsi-auth-no-secret-dropped"),
    P("pool-define-as", "i6", "iscsi", "--source-host", "h", "--auth-username", "u", "--secret-usage", "s", "--print-xml", id="iscsi-auth-no-type-dropped"),
    P("pool-define-as", "i7", "iscsi", "--auth-type", "chap", "--auth-username", "u", "--secret-usage", "s", "--print-xml", id="iscsi-auth-alone-no-source"),
    # iscsi-direct
    P("pool-define-as", "id1", "iscsi-direct", "--source-host", "iscsi.example.com", "--source-dev", "iqn.2013-06.com.example:iscsi-pool", "--source-initiator", "iqn.2013-06.com.example:iscsi-initiator", "--print-xml", id="iscsi-direct"),
    P("pool-define-as", "id2", "iscsi-direct", "--source-host", "h:3260", "--source-dev", "iqn.x:t", "--source-initiator", "iqn.y:i", "--auth-type", "chap", "--auth-username", "u", "--secret-usage", "s", "--print-xml", id="iscsi-direct-chap"),
    # scsi adapters
    P("pool-define-as", "s1", "scsi", "--adapter-name", "scsi_host2", "--target", "/dev/disk/by-path", "--print-xml", id="scsi-host"),
    P("pool-define-as", "s2", "scsi", "--adapter-wwnn", WWNN, "--adapter-wwpn", WWPN, "--target", "/dev/disk/by-path", "--print-xml", id="scsi-fc"),
    P("pool-define-as", "s3", "scsi", "--adapter-wwnn", WWNN, "--adapter-wwpn", WWPN, "--adapter-parent", "scsi_host5", "--print-xml", id="scsi-fc-parent"),
    P("pool-define-as", "s4", "scsi", "--adapter-wwnn", WWNN, "--adapter-wwpn", WWPN, "--adapter-parent-wwnn", PWWNN, "--adapter-parent-wwpn", PWWPN, "--print-xml", id="scsi-fc-parent-wwn"),
    P("pool-define-as", "s5", "scsi", "--adapter-wwnn", WWNN, "--adapter-wwpn", WWPN, "--adapter-parent-fabric-wwn", "2000000033445566", "--print-xml", id="scsi-fc-fabric"),
    P("pool-define-as", "s6", "scsi", "--adapter-wwnn", WWNN, "--adapter-wwpn", WWPN, "--adapter-parent", "scsi_host5", "--adapter-parent-wwnn", PWWNN, "--adapter-parent-wwpn", PWWPN, "--adapter-parent-fabric-wwn", "20", "--print-xml", id="scsi-fc-parent-wins"),
    P("pool-define-as", "s7", "scsi", "--adapter-wwnn", WWNN, "--adapter-wwpn", WWPN, "--adapter-parent-wwnn", PWWNN, "--adapter-parent-fabric-wwn", "20", "--print-xml", id="scsi-fc-half-parent-wwn"),
    P("pool-define-as", "s8", "scsi", "--adapter-wwnn", WWNN, "--adapter-name", "scsi_host1", "--print-xml", id="scsi-fc-incomplete-falls-back"),
    P("pool-define-as", "s9", "scsi", "--adapter-wwpn", WWPN, "--adapter-parent", "scsi_host1", "--print-xml", id="scsi-fc-incomplete-no-source"),
    # mpath
    P("pool-define-as", "m1", "mpath", "--target", "/dev/mapper", "--print-xml", id="mpath"),
    # rbd
    P("pool-define-as", "r1", "rbd", "--source-host", "mon1.example.com", "--source-name", "rbdpool", "--print-xml", id="rbd"),
    P("pool-define-as", "r2", "rbd", "--source-host", "mon1:6789", "--source-name", "rbdpool", "--auth-type", "ceph", "--auth-username", "admin", "--secret-uuid", UUID, "--print-xml", id="rbd-ceph-uuid-port"),
    P("pool-define-as", "r3", "rbd", "--source-host", "10.0.0.1:3300", "--source-name", "pool", "--auth-type", "ceph", "--auth-username", "libvirt", "--secret-usage", "client.libvirt secret", "--print-xml", id="rbd-ceph-usage"),
    P("pool-create-as", "r4", "rbd", "--source-host", "[2001:db8::1]:6789", "--source-name", "p", "--print-xml", id="rbd-ipv6-host"),
    P("pool-define-as", "r5", "rbd", "--source-host", "mon1,mon2,mon3", "--source-name", "p", "--print-xml", id="rbd-host-list-not-split"),
    # gluster
    P("pool-define-as", "g1", "gluster", "--source-host", "gluster.example.com", "--source-name", "gv0", "--source-path", "/", "--print-xml", id="gluster"),
    P("pool-define-as", "g2", "gluster", "--source-host", "g:24007", "--source-name", "gv0", "--source-path", "/dir", "--print-xml", id="gluster-port"),
    # zfs
    P("pool-define-as", "z1", "zfs", "--source-name", "tank", "--print-xml", id="zfs"),
    P("pool-define-as", "z2", "zfs", "--source-name", "tank", "--source-dev", "/dev/sdf", "--print-xml", id="zfs-dev"),
    # vstorage
    P("pool-define-as", "v1", "vstorage", "--source-name", "cluster1", "--target", "/mnt/vstorage", "--print-xml", id="vstorage"),
    # sheepdog is gone from libvirt, but virsh does not check types: neither do we
    P("pool-define-as", "x1", "no-such-type", "--source-name", "x", "--print-xml", id="unknown-type-passes"),
    # everything at once
    P("pool-define-as", "all", "iscsi", "--source-host", "h", "--source-path", "/p", "--source-dev", "/d", "--source-name", "n", "--target", "/t", "--source-format", "f", "--auth-type", "chap", "--auth-username", "u", "--secret-usage", "s", "--adapter-name", "scsi_host1", "--source-protocol-ver", "4", "--source-initiator", "iqn.i", "--print-xml", id="every-option"),
]

VOL_CASES = [
    P("vol-create-as", "default-pool", "v1", "1G", "--print-xml", id="vol-1G"),
    P("vol-create-as", "default-pool", "v2", "4096", "--print-xml", id="vol-bytes"),
    P("vol-create-as", "default-pool", "v3", "10G", "--format", "qcow2", "--print-xml", id="vol-qcow2"),
    P("vol-create-as", "default-pool", "v4", "10GiB", "--allocation", "0", "--format", "raw", "--print-xml", id="vol-alloc-0-raw"),
    P("vol-create-as", "default-pool", "v5", "5GB", "--allocation", "512MB", "--print-xml", id="vol-decimal-units"),
    P("vol-create-as", "default-pool", "v6", "1T", "--allocation=1k", "--format=vmdk", "--print-xml", id="vol-tib-vmdk"),
    P("vol-create-as", "default-pool", "v7", "15E", "--print-xml", id="vol-15E"),
    P("vol-create-as", "default-pool", "v8", "18446744073709551615", "--print-xml", id="vol-max"),
    P("vol-create-as", "default-pool", "v9", "+5k", "--allocation", " 7", "--print-xml", id="vol-plus-and-blank"),
    P("vol-create-as", "default-pool", "v10", "5bytes", "--allocation", "3b", "--print-xml", id="vol-byte-units"),
    P("vol-create-as", "default-pool", "v11", "1m", "--allocation", "", "--print-xml", id="vol-empty-allocation-ignored"),
    P("vol-create-as", "default-pool", "v12", "1G", "--format", "qed", "--prealloc-metadata", "--print-xml", id="vol-prealloc-not-in-xml"),
    P("vol-create-as", "default-pool", "v13", "2G", "--backing-vol-format", "raw", "--print-xml", id="vol-backing-format-alone"),
    P("vol-create-as", "default-pool", "v14", "1M", "512k", "qcow", "--print-xml", id="vol-positional"),
    P("vol-create-as", "--print-xml", "--capacity", "2P", "--name", "v15", "--pool", "default-pool", id="vol-named"),
    P("vol-create-as", "default-pool", "v<16>", "1G", "--format", "a&b", "--print-xml", id="vol-unescaped"),
]

ERROR_CASES = [
    P("pool-define-as", id="pool-missing-both"),
    P("pool-define-as", "p", id="pool-missing-type"),
    P("pool-create-as", "--type", "dir", id="pool-create-missing-name"),
    P("pool-define-as", "p", "dir", "--bogus", id="pool-unknown-option"),
    P("pool-define-as", "p", "dir", "--source-host", id="pool-option-without-value"),
    P("pool-define-as", "p", "dir", "--print-xml=yes", id="pool-bool-with-value"),
    P("pool-define-as", "p", "dir", "--source-host", "a", "--source-host", "b", "--print-xml", id="pool-host-twice"),
    P("pool-define-as", "p", "dir", "--print-xml", "--print-xml", id="pool-flag-twice"),
    P("pool-define-as", "p", "--name", "q", "dir", id="pool-name-twice"),
    P("pool-define-as", "", "dir", "--print-xml", id="pool-empty-name"),
    P("pool-define-as", "p", "dir", "--source-host=", "--print-xml", id="pool-empty-host"),
    P("pool-define-as", "p", "dir", "--target", "", "--source-format", "", "--print-xml", id="pool-empty-order"),
    P("pool-define-as", "p", "dir", "--secret-usage", "a", "--secret-uuid", "b", "--print-xml", id="pool-secret-exclusive"),
    P("pool-define-as", "p", "dir", "--secret-usage", "", "--secret-uuid", "b", "--print-xml", id="pool-secret-exclusive-empty"),
    P("pool-create-as", "p", "dir", "--overwrite", "--no-overwrite", "--print-xml", id="pool-overwrite-exclusive"),
    P("pool-define-as", "p", "dir", *["x"] * 20, id="pool-unexpected-data"),
    P("pool-define-as", "p", "dir", "--build", id="pool-define-has-no-build"),
    P("no-such-command", "x", id="unknown-command"),
    P("vol-create-as", "default-pool", id="vol-missing-two"),
    P("vol-create-as", "default-pool", "v", id="vol-missing-capacity"),
    P("vol-create-as", "default-pool", "v", "1X", "--print-xml", id="vol-bad-suffix"),
    P("vol-create-as", "default-pool", "v", "1 G", "--print-xml", id="vol-blank-before-unit"),
    P("vol-create-as", "default-pool", "v", "1.5.3G", "--print-xml", id="vol-two-points"),
    P("vol-create-as", "default-pool", "v", "-1", "--print-xml", id="vol-negative"),
    P("vol-create-as", "default-pool", "v", "G", "--print-xml", id="vol-no-number"),
    P("vol-create-as", "default-pool", "v", "16E", "--print-xml", id="vol-overflow-unit"),
    P("vol-create-as", "default-pool", "v", "18446744073709551616", "--print-xml", id="vol-overflow-number"),
    P("vol-create-as", "default-pool", "v", "1G", "--allocation", "2Q", "--print-xml", id="vol-bad-allocation"),
    P("vol-create-as", "default-pool", "v", "", "--print-xml", id="vol-empty-capacity"),
    P("vol-create-as", "", "v", "1G", "--print-xml", id="vol-empty-pool"),
    P("vol-create-as", "default-pool", "", "1G", "--print-xml", id="vol-empty-name"),
    P("vol-create-as", "default-pool", "v", "1G", "--format", "", "--print-xml", id="vol-empty-format"),
    P("vol-create-as", "default-pool", "v", "1G", "--backing-vol", "", "--print-xml", id="vol-empty-backing"),
]

HELP_CASES = [
    P("pool-define-as", "--help", id="help-pool-define-as"),
    P("pool-create-as", "--help", id="help-pool-create-as"),
    P("help", "pool-define-as", id="help-cmd-pool-define-as"),
    P("pool-define-as", "--help", "--name", "x", "extra", id="help-wins-over-args"),
    P("help", "help", id="help-help"),
    P("help", "--bogus", "pool-create-as", "extra", id="help-ignores-unknown"),
]


def run_both(run, vstor, args, quiet=False):
    q = ["-q"] if quiet else []
    return (run(["virsh", *q, "-c", URI, *args], env=ENV),
            run([vstor, *q, "-c", URI, *args], env=ENV))


def assert_same(virsh, ours, stderr=True):
    """Same output, status and (unless told) errors — leaving out vstor's own "hint:" lines
    after an error (docs/libvirt-differences.md), which virsh does not print."""
    assert ours.stdout == virsh.stdout, (
        f"stdout differs\n--- virsh:\n{virsh.stdout.decode()}\n--- vstor:\n{ours.stdout.decode()}")
    assert ours.returncode == virsh.returncode
    if stderr:
        assert re.sub(rb"(?m)^hint: [^\n]*\n", b"", ours.stderr) == virsh.stderr


@pytest.mark.parametrize("args", POOL_CASES)
def test_pool_print_xml(run, vstor, args):
    virsh, ours = run_both(run, vstor, args)
    assert virsh.returncode == 0, virsh.stderr.decode()
    assert_same(virsh, ours)


@pytest.mark.parametrize("args", VOL_CASES)
def test_vol_print_xml(run, vstor, args):
    virsh, ours = run_both(run, vstor, args)
    assert virsh.returncode == 0, virsh.stderr.decode()
    assert_same(virsh, ours)


@pytest.mark.parametrize("backing,fmt", [
    ("/default-pool/base", None),
    ("/default-pool/base", "raw"),
    ("/default-pool/base", "qcow2"),
])
def test_vol_backing(run, vstor, backing, fmt):
    """virsh looks the backing volume up, so it runs after creating it in the same session;
    vstor takes the absolute path as it is. -q keeps virsh's setup command quiet."""
    cmd = ["vol-create-as", "default-pool", "snap", "20G", "--format", "qcow2",
           "--backing-vol", backing, "--print-xml"]
    if fmt:
        cmd += ["--backing-vol-format", fmt]
    line = shlex.join(cmd)
    virsh = run(["virsh", "-q", "-c", URI, "vol-create-as default-pool base 1G; " + line], env=ENV)
    ours = run([vstor, "-q", "-c", URI, line], env=ENV)
    assert virsh.returncode == 0, virsh.stderr.decode()
    assert b"<path>/default-pool/base</path>" in virsh.stdout
    assert_same(virsh, ours)


def test_vol_backing_by_name_needs_driver(run, vstor):
    ours = run([vstor, "vol-create-as", "default-pool", "v", "1G", "--backing-vol", "base",
                "--print-xml"], env=ENV)
    assert ours.returncode == 1
    assert ours.stderr.startswith(b"error: failed to get vol 'base'\nerror: ")
    assert b"storage driver" in ours.stderr and b"absolute path" in ours.stderr


@pytest.mark.parametrize("args", ERROR_CASES)
def test_errors(run, vstor, args):
    virsh, ours = run_both(run, vstor, args)
    assert virsh.returncode == 1
    assert ours.returncode == 1
    assert ours.stderr.startswith(b"error: ")
    # Every one of these fails before virsh would need the driver: same words exactly.
    assert_same(virsh, ours)


def test_fraction_is_an_extension(run, vstor):
    """virsh refuses 1.5G; vstor takes it (rounded to whole bytes), as README says."""
    virsh, ours = run_both(run, vstor, ("vol-create-as", "default-pool", "v", "1.5G",
                                        "--print-xml"))
    assert virsh.returncode == 1
    assert ours.returncode == 0, ours.stderr.decode()
    assert b"<capacity>1610612736</capacity>" in ours.stdout


@pytest.mark.parametrize("args", ERROR_CASES[:6] + ERROR_CASES[20:24])
def test_errors_quiet(run, vstor, args):
    virsh, ours = run_both(run, vstor, args, quiet=True)
    assert_same(virsh, ours)


@pytest.mark.parametrize("args", HELP_CASES)
def test_help_matches(run, vstor, args):
    virsh, ours = run_both(run, vstor, args)
    assert_same(virsh, ours)


@pytest.mark.parametrize("line", [
    "pool-define-as a dir --print-xml; pool-define-as b netfs --source-host h "
    "--source-path /e --target /m --print-xml",
    "pool-define-as 'with space' dir --target \"/q\\\"uoted\" --print-xml",
    "pool-define-as c dir --print-xml # trailing comment",
    "vol-create-as default-pool v 1G --print-xml\nvol-create-as default-pool w 2G --print-xml",
    "pool-define-as x dir --bogus; pool-define-as y dir --print-xml",
    "pool-define-as 'unterminated dir --print-xml",
    "pool-define-as a dir --print-xml \\",
    "vol-create-as default-pool v 1X --print-xml; pool-define-as a dir --print-xml",
    "pool-define-as a dir --print-xml; vol-create-as default-pool v 1X --print-xml",
])
def test_command_string(run, vstor, line):
    """One argument is a whole command line: quoting, ';', newlines and comments."""
    virsh, ours = run_both(run, vstor, [line])
    assert_same(virsh, ours)


@pytest.mark.parametrize("cmd", [
    ["pool-define-as", "p", "dir", "--target", "/t"],
    ["pool-create-as", "p", "dir", "--target", "/t"],
    ["vol-create-as", "default-pool", "v", "1G"],
])
def test_without_print_xml_connects(run, vstor, cmd):
    """Without --print-xml the command needs a connection; test:///default is libvirt's test
    driver, which vstor does not serve, so it fails the way virsh fails to connect."""
    ours = run([vstor, "-c", URI, *cmd], env=ENV)
    assert ours.returncode == 1
    lines = ours.stderr.decode().splitlines()
    assert lines[0] == "error: failed to connect to the hypervisor"
    assert "test:///default" in lines[1]


@pytest.mark.parametrize("args,expect", [
    (["-v"], b"0.1.0\n"),
    (["--version"], b"0.1.0\n"),
    (["--version=short"], b"0.1.0\n"),
])
def test_version(run, vstor, args, expect):
    ours = run([vstor, *args], env=ENV)
    assert ours.returncode == 0
    assert ours.stdout == expect


def test_long_version_and_usage(run, vstor):
    for args in (["-V"], ["--version=long"]):
        out = run([vstor, *args], env=ENV)
        assert out.returncode == 0 and b"9.0.0" in out.stdout
    out = run([vstor, "-h"], env=ENV)
    assert out.returncode == 0
    for word in (b"--connect", b"--readonly", b"pool-define-as", b"vol-create-as"):
        assert word in out.stdout


@pytest.mark.parametrize("args", [["-x"], ["--bogus"], ["-c"], ["--connect"]])
def test_global_option_errors(run, vstor, args):
    virsh = run(["virsh", *args], env=ENV)
    ours = run([vstor, *args], env=ENV)
    assert_same(virsh, ours)


def test_help_listing(run, vstor):
    out = run([vstor, "help"], env=ENV)
    assert out.returncode == 0
    assert out.stdout.startswith(b"Grouped commands:\n\n Storage Pool (help keyword 'pool'):\n")
    for name in (b"pool-define-as", b"pool-create-as", b"vol-create-as", b"help"):
        assert b"    " + name + b" " in out.stdout
    grp_v, grp_o = run_both(run, vstor, ["help", "volume"])
    assert_same(grp_v, grp_o)
    bad_v, bad_o = run_both(run, vstor, ["help", "nosuch"])
    assert_same(bad_v, bad_o)


def test_readonly_and_timing(run, vstor):
    ro = run([vstor, "-r", "pool-define-as", "p", "dir", "--print-xml"], env=ENV)
    assert ro.returncode == 0 and ro.stdout.startswith(b"<pool type='dir'>")
    timed = run([vstor, "-t", "pool-define-as", "p", "dir", "--print-xml"], env=ENV)
    assert timed.returncode == 0 and b"\n(Time: " in timed.stdout


@pytest.fixture
def world_dir():
    """A directory every user can reach (pytest's own are root's only)."""
    top = pathlib.Path(tempfile.mkdtemp(prefix="vstor-ro-"))
    os.chmod(top, 0o755)
    yield top
    shutil.rmtree(top, ignore_errors=True)


def test_print_xml_backing_by_name_honours_readonly(run, vstor, world_dir, start_vstord):
    """The backing volume's lookup goes through the session's connection, with -r and -c as
    given: a user who may only use the read-only socket gets the XML (the lookup once opened
    a read-write connection of its own), and an explicit read-write socket is used as given,
    as libvirt does, so it refuses that user."""
    if not shutil.which("setpriv"):
        pytest.skip("setpriv missing")
    d = start_vstord(world_dir / "root")
    pooldir = world_dir / "pool"
    pooldir.mkdir()
    setup = run([vstor, "-c", d.uri, f"pool-create-as ro-pool dir --target {pooldir}; "
                 "vol-create-as ro-pool base 1M"], env=ENV)
    assert setup.returncode == 0, setup.stderr.decode()
    nobody = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", str(vstor)]
    args = ["-r", "vol-create-as", "ro-pool", "snap", "1G", "--format", "qcow2",
            "--backing-vol", "base", "--print-xml"]
    ours = run(nobody + ["-c", d.uri_ro] + args, env=ENV)
    assert ours.returncode == 0, ours.stderr.decode()
    assert f"<path>{pooldir}/base</path>".encode() in ours.stdout
    denied = run(nobody + ["-c", d.uri] + args, env=ENV)
    assert denied.returncode == 1
    assert b"Permission denied" in denied.stderr
