"""test_virsh_reference.py: stock virsh against vstord equals stock virsh against Debian's
libvirtd 9.0.0. One sequence of pool-*, vol-* and secret-* commands (error cases included)
runs against each daemon, each on a private state root, with its pools on a tmpfs of its own
(so file allocations and pool sizes are the same figures on both sides); every command is
one test case comparing exit status, stdout and stderr line by line after the few
normalisations listed in NORMALISE."""
import concurrent.futures
import difflib
import hashlib
import os
import pathlib
import re
import shutil
import subprocess
import tempfile

import pytest

REF_SCRIPT = pathlib.Path(os.environ.get("VSTOR_LIBVIRTD_REF",
                                         "/work/shared/scripts/libvirtd-ref"))
ENV = dict(os.environ, LC_ALL="C", LANG="C")
for var in ("VIRSH_DEFAULT_CONNECT_URI", "LIBVIRT_DEFAULT_URI", "VSTOR_DEFAULT_URI"):
    ENV.pop(var, None)

MiB = 1024 * 1024
POOLS_FS_SIZE = "64m"
# UUIDs the sequence gives itself: they stay as they are.
POOL_UUID = "1b9a8f6e-58b1-4a1c-9f1e-3c2d7e5a6b01"
SECRET_UUID = "5c3d2b1a-9e8f-4a7b-8c6d-0e1f2a3b4c5d"

POOL_XML = f"""<pool type='dir'>
  <name>pb</name>
  <uuid>{POOL_UUID}</uuid>
  <target>
    <path>{{B}}/pools/pb</path>
    <permissions>
      <mode>0750</mode>
    </permissions>
  </target>
</pool>
"""
VOL_XML = """<volume>
  <name>x.raw</name>
  <capacity unit='KiB'>3072</capacity>
  <target>
    <format type='raw'/>
    <permissions>
      <mode>0640</mode>
    </permissions>
  </target>
</volume>
"""
VOL_FROM_XML = """<volume>
  <name>from.raw</name>
  <capacity unit='M'>2</capacity>
  <target>
    <format type='raw'/>
  </target>
</volume>
"""
SECRET_XML = f"""<secret ephemeral='no' private='no'>
  <uuid>{SECRET_UUID}</uuid>
  <description>reference test</description>
  <usage type='ceph'>
    <name>client.ref secret</name>
  </usage>
</secret>
"""
SECRET2_XML = """<secret ephemeral='no' private='no'>
  <usage type='volume'>
    <volume>{B}/pools/pa/enc.img</volume>
  </usage>
</secret>
"""
SECRET_DUP_XML = """<secret ephemeral='no' private='no'>
  <usage type='ceph'>
    <name>client.ref secret</name>
  </usage>
</secret>
"""
FILES = {  # written under {B}/files before the sequence runs
    "pb.xml": POOL_XML,
    "bad-pool.xml": "<pool type='dir'>\n  <name>broken</name>\n  <target>\n</pool>\n",
    "nameless-pool.xml": "<pool type='dir'>\n  <target><path>/tmp</path></target>\n</pool>\n",
    "vol.xml": VOL_XML,
    "vol-from.xml": VOL_FROM_XML,
    "badfmt-vol.xml": "<volume><name>f.raw</name><capacity>1024</capacity>"
                      "<target><format type='nonsense'/></target></volume>\n",
    "bad-vol.xml": "<volume><name>b.raw</name><capacity>1x</capacity></volume>\n",
    "secret.xml": SECRET_XML,
    "secret2.xml": SECRET2_XML,
    "secret-dup.xml": SECRET_DUP_XML,
    "bad-secret.xml": "<secret><usage type='ceph'></secret>\n",
    "value.b64": "cmVmZXJlbmNlLXZhbHVl\n",  # "reference-value"
    "pc.xml": "<pool type='dir'>\n  <name>pc</name>\n  <target>\n"
              "    <path>{B}/pools/pc</path>\n  </target>\n</pool>\n",
}
UPLOAD = bytes(range(256)) * 4000 + b"tail"  # under 1 MiB, not a multiple of a block


def sparse_image():
    """4 MiB with data at 1 MiB and in the last 4 KiB, holes elsewhere."""
    data = bytearray(4 * MiB)
    data[MiB:MiB + 11] = b"sparse data"
    data[-4096:] = b"\xab" * 4096
    return bytes(data)


# The sequence: (id, virsh words). {B} is the side's base directory. Ids are unique and
# name the test case. Order matters: later steps see what earlier ones did.
STEPS = [
    ("pool-list-empty", ["pool-list", "--all"]),
    ("pool-define-as-pa", ["pool-define-as", "pa", "dir", "--target", "{B}/pools/pa"]),
    ("pool-define-as-dup", ["pool-define-as", "pa", "dir", "--target", "{B}/pools/other"]),
    ("pool-define-xml", ["pool-define", "{B}/files/pb.xml"]),
    ("pool-define-bad-xml", ["pool-define", "{B}/files/bad-pool.xml"]),
    ("pool-define-nameless", ["pool-define", "{B}/files/nameless-pool.xml"]),
    ("pool-define-missing-file", ["pool-define", "{B}/files/no-such.xml"]),
    ("pool-define-as-fs", ["pool-define-as", "pfs", "fs", "--source-dev", "/dev/vstor-ref-none",
                           "--target", "{B}/mnt/pfs"]),
    ("pool-define-as-netfs", ["pool-define-as", "pnfs", "netfs", "--source-host", "127.0.0.1",
                              "--source-path", "/export", "--target", "{B}/mnt/pnfs"]),
    ("pool-define-as-bad-type", ["pool-define-as", "pz", "nosuchtype", "--target", "{B}/z"]),
    # a type neither daemon has a backend for here (Debian's rbd module is not installed)
    ("pool-define-as-rbd", ["pool-define-as", "prbd", "rbd", "--source-host", "127.0.0.9",
                            "--source-name", "rbdpool"]),
    ("pool-undefine-rbd", ["pool-undefine", "prbd"]),
    ("pool-start-unbuilt", ["pool-start", "pa"]),
    ("pool-build-pa", ["pool-build", "pa"]),
    ("pool-build-pb", ["pool-build", "pb"]),
    ("pool-start-pa", ["pool-start", "pa"]),
    ("pool-start-active", ["pool-start", "pa"]),
    ("pool-start-pb", ["pool-start", "pb"]),
    ("pool-build-active", ["pool-build", "pb"]),
    ("pool-start-fs-no-device", ["pool-start", "pfs"]),
    ("pool-start-unknown", ["pool-start", "nosuch"]),
    ("pool-create-as-transient", ["pool-create-as", "pt", "dir", "--target", "{B}/pools/pt",
                                  "--build"]),
    ("pool-create-as-dup", ["pool-create-as", "pt", "dir", "--target", "{B}/pools/pt2"]),
    ("pool-create-xml", ["pool-create", "{B}/files/pc.xml", "--build"]),
    ("pool-destroy-created", ["pool-destroy", "pc"]),
    ("pool-info-created-gone", ["pool-info", "pc"]),
    ("pool-autostart-pa", ["pool-autostart", "pa"]),
    ("pool-autostart-pb", ["pool-autostart", "pb"]),
    ("pool-autostart-disable-pb", ["pool-autostart", "pb", "--disable"]),
    ("pool-autostart-transient", ["pool-autostart", "pt"]),
    ("pool-list", ["pool-list"]),
    ("pool-list-all", ["pool-list", "--all"]),
    ("pool-list-inactive", ["pool-list", "--inactive"]),
    ("pool-list-transient", ["pool-list", "--transient"]),
    ("pool-list-persistent", ["pool-list", "--persistent"]),
    ("pool-list-autostart", ["pool-list", "--autostart"]),
    ("pool-list-no-autostart", ["pool-list", "--no-autostart"]),
    ("pool-list-all-no-autostart", ["pool-list", "--all", "--no-autostart"]),
    ("pool-list-type-dir", ["pool-list", "--type", "dir"]),
    ("pool-list-all-type-fs-netfs", ["pool-list", "--all", "--type", "fs,netfs"]),
    ("pool-list-details", ["pool-list", "--details"]),
    ("pool-list-all-details", ["pool-list", "--all", "--details"]),
    ("pool-list-name", ["pool-list", "--name"]),
    ("pool-list-all-name", ["pool-list", "--all", "--name"]),
    ("pool-list-uuid", ["pool-list", "--uuid"]),
    ("pool-list-all-uuid", ["pool-list", "--all", "--uuid"]),
    ("pool-info-pa", ["pool-info", "pa"]),
    ("pool-info-bytes", ["pool-info", "pa", "--bytes"]),
    ("pool-info-transient", ["pool-info", "pt"]),
    ("pool-info-inactive", ["pool-info", "pfs"]),
    ("pool-info-unknown", ["pool-info", "nosuch"]),
    ("pool-dumpxml-pa", ["pool-dumpxml", "pa"]),
    ("pool-dumpxml-inactive-flag", ["pool-dumpxml", "--inactive", "pa"]),
    ("pool-dumpxml-pb", ["pool-dumpxml", "pb"]),
    ("pool-dumpxml-fs", ["pool-dumpxml", "pfs"]),
    ("pool-dumpxml-netfs", ["pool-dumpxml", "pnfs"]),
    ("pool-dumpxml-transient", ["pool-dumpxml", "pt"]),
    ("pool-name", ["pool-name", POOL_UUID]),
    ("pool-name-unknown", ["pool-name", "00000000-0000-0000-0000-000000000001"]),
    ("pool-uuid-pb", ["pool-uuid", "pb"]),
    ("pool-uuid-pa", ["pool-uuid", "pa"]),
    ("pool-uuid-by-uuid", ["pool-uuid", POOL_UUID]),
    ("pool-refresh", ["pool-refresh", "pa"]),
    ("pool-refresh-inactive", ["pool-refresh", "pfs"]),
    ("pool-capabilities", ["pool-capabilities"]),
    ("find-sources-dir", ["find-storage-pool-sources-as", "dir"]),
    ("find-sources-netfs-no-host", ["find-storage-pool-sources-as", "netfs"]),
    ("find-sources-bad-type", ["find-storage-pool-sources-as", "nosuchtype"]),
    # volumes
    ("vol-list-empty", ["vol-list", "pa"]),
    ("vol-list-inactive-pool", ["vol-list", "pfs"]),
    ("vol-create-as-raw", ["vol-create-as", "pa", "r.raw", "1M", "--format", "raw"]),
    ("vol-create-as-dup", ["vol-create-as", "pa", "r.raw", "1M", "--format", "raw"]),
    ("vol-create-as-default-format", ["vol-create-as", "pa", "d.img", "512K"]),
    ("vol-create-as-qcow2", ["vol-create-as", "pa", "base.qcow2", "4M", "--format", "qcow2"]),
    ("vol-create-as-backing", ["vol-create-as", "pa", "ov.qcow2", "8M", "--format", "qcow2",
                               "--backing-vol", "base.qcow2", "--backing-vol-format", "qcow2"]),
    ("vol-create-as-backing-path", ["vol-create-as", "pa", "ov3.qcow2", "4M", "--format",
                                    "qcow2", "--backing-vol", "{B}/pools/pa/base.qcow2"]),
    ("vol-create-as-backing-unknown", ["vol-create-as", "pa", "ov2.qcow2", "8M", "--format",
                                       "qcow2", "--backing-vol", "nosuch.qcow2"]),
    ("vol-create-as-allocation", ["vol-create-as", "pa", "al.raw", "2M", "--allocation", "1M",
                                  "--format", "raw"]),
    ("vol-create-as-prealloc", ["vol-create-as", "pa", "pm.qcow2", "2M", "--format", "qcow2",
                                "--prealloc-metadata"]),
    ("vol-create-as-vmdk", ["vol-create-as", "pa", "v.vmdk", "1M", "--format", "vmdk"]),
    ("vol-create-as-qed", ["vol-create-as", "pa", "v.qed", "1M", "--format", "qed"]),
    ("vol-create-as-prealloc-raw", ["vol-create-as", "pa", "pr.raw", "1M", "--format", "raw",
                                    "--prealloc-metadata"]),
    ("vol-create-as-zero", ["vol-create-as", "pa", "zero.raw", "0"]),
    ("vol-create-as-bad-size", ["vol-create-as", "pa", "bad.raw", "10Q"]),
    ("vol-create-as-bad-format", ["vol-create-as", "pa", "bad.raw", "1M", "--format", "nope"]),
    ("vol-create-as-inactive-pool", ["vol-create-as", "pfs", "a.raw", "1M"]),
    ("vol-create-as-unknown-pool", ["vol-create-as", "nosuch", "a.raw", "1M"]),
    ("vol-create-xml", ["vol-create", "pa", "{B}/files/vol.xml"]),
    ("vol-create-bad-xml", ["vol-create", "pa", "{B}/files/bad-vol.xml"]),
    ("vol-create-bad-format-xml", ["vol-create", "pa", "{B}/files/badfmt-vol.xml"]),
    ("vol-create-inactive-pool", ["vol-create", "pfs", "{B}/files/vol.xml"]),
    ("vol-create-from-no-inputpool", ["vol-create-from", "pa", "{B}/files/vol-from.xml",
                                      "r.raw"]),
    ("vol-create-from", ["vol-create-from", "pa", "{B}/files/vol-from.xml", "r.raw",
                         "--inputpool", "pa"]),
    ("vol-clone", ["vol-clone", "--pool", "pa", "r.raw", "cl.raw"]),
    ("vol-clone-dup", ["vol-clone", "--pool", "pa", "r.raw", "cl.raw"]),
    ("vol-create-from-other-pool", ["vol-create-from", "pb", "{B}/files/vol-from.xml",
                                    "r.raw", "--inputpool", "pa"]),
    ("vol-list-pb", ["vol-list", "pb", "--details"]),
    ("vol-delete-pb", ["vol-delete", "--pool", "pb", "from.raw"]),
    ("vol-list", ["vol-list", "pa"]),
    ("vol-list-details", ["vol-list", "pa", "--details"]),
    ("vol-info", ["vol-info", "--pool", "pa", "r.raw"]),
    ("vol-info-bytes", ["vol-info", "--pool", "pa", "r.raw", "--bytes"]),
    ("vol-info-physical", ["vol-info", "--pool", "pa", "ov.qcow2", "--physical"]),
    ("vol-info-physical-bytes", ["vol-info", "--pool", "pa", "pm.qcow2", "--physical",
                                 "--bytes"]),
    ("vol-info-by-path", ["vol-info", "{B}/pools/pa/al.raw"]),
    ("vol-info-unknown", ["vol-info", "--pool", "pa", "nosuch.raw"]),
    ("vol-info-unknown-pool", ["vol-info", "--pool", "nosuch", "r.raw"]),
    ("vol-dumpxml-raw", ["vol-dumpxml", "--pool", "pa", "r.raw"]),
    ("vol-dumpxml-xml", ["vol-dumpxml", "--pool", "pa", "x.raw"]),
    ("vol-dumpxml-backing", ["vol-dumpxml", "--pool", "pa", "ov.qcow2"]),
    ("vol-dumpxml-prealloc", ["vol-dumpxml", "--pool", "pa", "pm.qcow2"]),
    ("vol-dumpxml-allocation", ["vol-dumpxml", "--pool", "pa", "al.raw"]),
    ("vol-dumpxml-qcow2", ["vol-dumpxml", "--pool", "pa", "base.qcow2"]),
    ("vol-dumpxml-backing-path", ["vol-dumpxml", "--pool", "pa", "ov3.qcow2"]),
    ("vol-info-qcow2", ["vol-info", "--pool", "pa", "base.qcow2"]),
    ("vol-name", ["vol-name", "{B}/pools/pa/r.raw"]),
    ("vol-name-unknown", ["vol-name", "{B}/pools/pa/nosuch.raw"]),
    ("vol-key", ["vol-key", "--pool", "pa", "r.raw"]),
    ("vol-path", ["vol-path", "--pool", "pa", "r.raw"]),
    ("vol-path-by-key", ["vol-path", "{B}/pools/pa/x.raw"]),
    ("vol-pool", ["vol-pool", "{B}/pools/pa/r.raw"]),
    ("vol-pool-uuid", ["vol-pool", "--uuid", "{B}/pools/pa/r.raw"]),
    ("vol-resize-grow", ["vol-resize", "--pool", "pa", "r.raw", "2M"]),
    ("vol-resize-delta", ["vol-resize", "--pool", "pa", "r.raw", "1M", "--delta"]),
    ("vol-info-after-grow", ["vol-info", "--pool", "pa", "r.raw", "--bytes"]),
    ("vol-resize-shrink-refused", ["vol-resize", "--pool", "pa", "r.raw", "1M"]),
    ("vol-resize-shrink", ["vol-resize", "--pool", "pa", "r.raw", "1M", "--shrink"]),
    ("vol-info-after-shrink", ["vol-info", "--pool", "pa", "r.raw", "--bytes"]),
    ("vol-resize-bad-size", ["vol-resize", "--pool", "pa", "r.raw", "lots"]),
    ("vol-resize-qcow2", ["vol-resize", "--pool", "pa", "base.qcow2", "6M"]),
    ("vol-info-qcow2-resized", ["vol-info", "--pool", "pa", "base.qcow2", "--bytes"]),
    ("vol-resize-qcow2-shrink", ["vol-resize", "--pool", "pa", "base.qcow2", "5M",
                                 "--shrink"]),
    ("vol-resize-allocate", ["vol-resize", "--pool", "pa", "al.raw", "3M", "--allocate"]),
    ("vol-info-allocated", ["vol-info", "--pool", "pa", "al.raw", "--bytes"]),
    ("vol-upload", ["vol-upload", "--pool", "pa", "r.raw", "{B}/files/up.bin"]),
    ("vol-download", ["vol-download", "--pool", "pa", "r.raw", "{B}/files/down.bin"]),
    ("vol-download-range", ["vol-download", "--pool", "pa", "r.raw", "{B}/files/range.bin",
                            "--offset", "1000", "--length", "100"]),
    ("vol-download-past-end", ["vol-download", "--pool", "pa", "r.raw",
                               "{B}/files/past.bin", "--offset", "99999999"]),
    ("vol-upload-offset", ["vol-upload", "--pool", "pa", "x.raw", "{B}/files/value.b64",
                           "--offset", "4096"]),
    ("vol-download-offset", ["vol-download", "--pool", "pa", "x.raw", "{B}/files/x.bin",
                             "--offset", "4090", "--length", "40"]),
    ("vol-upload-too-big", ["vol-upload", "--pool", "pa", "d.img", "{B}/files/sparse.bin"]),
    ("vol-create-as-sparse", ["vol-create-as", "pa", "sp.raw", "4M", "--format", "raw"]),
    ("vol-upload-sparse", ["vol-upload", "--sparse", "--pool", "pa", "sp.raw",
                           "{B}/files/sparse.bin"]),
    ("vol-download-sparse", ["vol-download", "--sparse", "--pool", "pa", "sp.raw",
                             "{B}/files/sparse-down.bin"]),
    ("vol-info-sparse", ["vol-info", "--pool", "pa", "sp.raw", "--bytes"]),
    ("vol-delete-sparse", ["vol-delete", "--pool", "pa", "sp.raw"]),
    ("vol-create-as-holes", ["vol-create-as", "pa", "ho.raw", "2M"]),
    ("vol-upload-ones", ["vol-upload", "--pool", "pa", "ho.raw", "{B}/files/ones.bin"]),
    ("vol-upload-sparse-over-data", ["vol-upload", "--sparse", "--pool", "pa", "ho.raw",
                                     "{B}/files/holey.bin"]),
    ("vol-download-over-data", ["vol-download", "--pool", "pa", "ho.raw",
                                "{B}/files/ho-down.bin"]),
    ("vol-delete-holes", ["vol-delete", "--pool", "pa", "ho.raw"]),
    ("vol-wipe", ["vol-wipe", "--pool", "pa", "cl.raw"]),
    ("vol-wipe-zero", ["vol-wipe", "--pool", "pa", "r.raw", "--algorithm", "zero"]),
    ("vol-download-wiped", ["vol-download", "--pool", "pa", "r.raw", "{B}/files/wiped.bin"]),
    ("vol-wipe-bad-algorithm", ["vol-wipe", "--pool", "pa", "r.raw", "--algorithm", "nope"]),
    ("vol-wipe-scrub", ["vol-wipe", "--pool", "pa", "d.img", "--algorithm", "random"]),
    ("vol-dumpxml-vmdk", ["vol-dumpxml", "--pool", "pa", "v.vmdk"]),
    ("vol-dumpxml-qed", ["vol-dumpxml", "--pool", "pa", "v.qed"]),
    ("vol-info-zero", ["vol-info", "--pool", "pa", "zero.raw", "--bytes"]),
    ("vol-upload-missing-file", ["vol-upload", "--pool", "pa", "r.raw", "{B}/files/nope"]),
    # Steps whose results differ on purpose work on volumes deleted right after them, so
    # the difference does not reach later listings and pool sizes.
    ("vol-create-as-trim", ["vol-create-as", "pa", "tr.raw", "1M"]),
    ("vol-wipe-trim", ["vol-wipe", "--pool", "pa", "tr.raw", "--algorithm", "trim"]),
    ("vol-delete-trim", ["vol-delete", "--pool", "pa", "tr.raw"]),
    ("vol-wipe-qcow2", ["vol-wipe", "--pool", "pa", "ov3.qcow2"]),
    ("vol-dumpxml-wiped-qcow2", ["vol-dumpxml", "--pool", "pa", "ov3.qcow2"]),
    ("vol-delete-wiped-qcow2", ["vol-delete", "--pool", "pa", "ov3.qcow2"]),
    ("vol-list-details-after", ["vol-list", "pa", "--details"]),
    # files made behind the daemons' backs, then found by a refresh
    ("make-external-files", lambda base: make_external_files(base / "pools" / "pa")),
    ("pool-refresh-external", ["pool-refresh", "pa"]),
    ("vol-list-external", ["vol-list", "pa", "--details"]),
    ("vol-dumpxml-dir", ["vol-dumpxml", "--pool", "pa", "sub"]),
    ("vol-info-dir", ["vol-info", "--pool", "pa", "sub"]),
    ("vol-dumpxml-iso", ["vol-dumpxml", "--pool", "pa", "ext.iso"]),
    ("vol-dumpxml-relative-backing", ["vol-dumpxml", "--pool", "pa", "ext.qcow2"]),
    ("vol-dumpxml-owner", ["vol-dumpxml", "--pool", "pa", "owned.raw"]),
    ("vol-info-symlink", ["vol-info", "--pool", "pa", "link.raw"]),
    ("vol-wipe-dir", ["vol-wipe", "--pool", "pa", "sub"]),
    ("vol-delete-dir", ["vol-delete", "--pool", "pa", "sub"]),
    ("vol-delete-external", ["vol-delete", "--pool", "pa", "ext.qcow2"]),
    ("vol-delete", ["vol-delete", "--pool", "pa", "cl.raw"]),
    ("vol-delete-again", ["vol-delete", "--pool", "pa", "cl.raw"]),
    ("vol-delete-by-path", ["vol-delete", "{B}/pools/pa/from.raw"]),
    ("pool-info-after-volumes", ["pool-info", "pa", "--bytes"]),
    # pool teardown
    ("pool-delete-active", ["pool-delete", "pb"]),
    ("pool-undefine-active-transient", ["pool-undefine", "pt"]),
    ("pool-destroy-pb", ["pool-destroy", "pb"]),
    ("pool-destroy-again", ["pool-destroy", "pb"]),
    ("pool-delete-pb", ["pool-delete", "pb"]),
    ("pool-destroy-pa", ["pool-destroy", "pa"]),
    ("pool-delete-not-empty", ["pool-delete", "pa"]),
    ("pool-undefine-pa", ["pool-undefine", "pa"]),
    ("pool-undefine-again", ["pool-undefine", "pa"]),
    ("pool-destroy-transient", ["pool-destroy", "pt"]),
    ("pool-list-all-after", ["pool-list", "--all", "--details"]),
    ("pool-undefine-rest", ["pool-undefine", "pb"]),
    ("pool-undefine-fs", ["pool-undefine", "pfs"]),
    ("pool-undefine-netfs", ["pool-undefine", "pnfs"]),
    ("pool-list-end", ["pool-list", "--all"]),
    # secrets
    ("secret-list-empty", ["secret-list"]),
    ("secret-define", ["secret-define", "{B}/files/secret.xml"]),
    ("secret-define-generated-uuid", ["secret-define", "{B}/files/secret2.xml"]),
    ("secret-define-dup-usage", ["secret-define", "{B}/files/secret-dup.xml"]),
    ("secret-define-bad-xml", ["secret-define", "{B}/files/bad-secret.xml"]),
    ("secret-list", ["secret-list"]),
    ("secret-dumpxml", ["secret-dumpxml", SECRET_UUID]),
    ("secret-dumpxml-unknown", ["secret-dumpxml", "00000000-0000-0000-0000-000000000002"]),
    ("secret-get-value-unset", ["secret-get-value", SECRET_UUID]),
    ("secret-set-value-file", ["secret-set-value", SECRET_UUID, "--file",
                               "{B}/files/value.b64"]),
    ("secret-get-value", ["secret-get-value", SECRET_UUID]),
    ("secret-set-value-base64", ["secret-set-value", SECRET_UUID, "--base64", "b3RoZXI="]),
    ("secret-get-value-again", ["secret-get-value", SECRET_UUID]),
    ("secret-set-value-bad-base64", ["secret-set-value", SECRET_UUID, "--base64", "!!!"]),
    ("secret-undefine", ["secret-undefine", SECRET_UUID]),
    ("secret-undefine-again", ["secret-undefine", SECRET_UUID]),
    ("secret-get-value-unknown", ["secret-get-value", SECRET_UUID]),
    ("secret-list-after", ["secret-list"]),
]

ONES = b"\x11" * (2 * MiB)
HOLEY = b"\0" * MiB + b"\x22" * MiB  # written with a hole for its first MiB

# Files a step leaves whose contents are checked on both sides: step id -> (file, expected
# from vstord[, expected from libvirtd when that differs on purpose]).
CONTENTS = {
    # docs/libvirt-differences.md, Storage driver: a hole in a sparse upload into a file.
    # libvirtd seeks over the hole, so what the volume held there stays.
    "vol-download-over-data": ("ho-down.bin", HOLEY, ONES[:MiB] + HOLEY[MiB:]),
    "vol-download": ("down.bin", UPLOAD + b"\0" * (MiB - len(UPLOAD))),
    "vol-download-sparse": ("sparse-down.bin", sparse_image()),
    "vol-download-wiped": ("wiped.bin", b"\0" * MiB),
    "vol-download-range": ("range.bin", UPLOAD[1000:1100]),
    "vol-download-offset": ("x.bin", b"\0" * 6 + FILES["value.b64"].encode() +
                            b"\0" * (40 - 6 - len(FILES["value.b64"]))),
}

# Pool types vstor has no backend for yet: its pool-capabilities says supported='no' where
# libvirtd says 'yes' when its backend module is installed (docs/libvirt-differences.md,
# "Storage driver", pool types without a backend). test-driver-reference.c ties the list to backends.c.
NO_BACKEND_YET = ("logical", "iscsi", "iscsi-direct", "scsi", "mpath", "rbd", "gluster", "zfs",
                  "vstorage")


def caps_without_backends(text):
    for t in NO_BACKEND_YET:
        text = text.replace(f"<pool type='{t}' supported='yes'>",
                            f"<pool type='{t}' supported='no'>")
    return text


def mask_allocation(text):
    return re.sub(r"^(Allocation: +)\d+ bytes$", r"\1N bytes", text, flags=re.M)


# Where vstor differs on purpose: step id -> (the row of docs/libvirt-differences.md that says
# so, how, what). How is "ref" (what turns libvirtd's stdout into what vstor documents; the
# rest of the case is compared as usual), "both" (what masks the documented part in both
# sides' stdout) or "check" (what(vstord's, libvirtd's) checks both for the documented
# behaviour: each is (exit status, stdout, stderr)).
DIFF_DOC = "docs/libvirt-differences.md, Storage driver: "
EXPECTED_DIFFERENCES = {
    "pool-capabilities": (DIFF_DOC + "pool types without a backend", "ref",
                          caps_without_backends),
    "vol-info-sparse": (DIFF_DOC + "a hole in a sparse upload into a file", "both",
                        mask_allocation),
    "vol-dumpxml-relative-backing": (DIFF_DOC + "<clusterSize> of an image a pool refresh "
                                     "found", "ref", lambda text: re.sub(
                                         r"\n *<clusterSize unit='B'>\d+</clusterSize>", "",
                                         text)),
    "pool-define-as-rbd": (DIFF_DOC + "pool types without a backend", "check",
                           lambda m, r: m[0] == r[0] == 1 and
                           "missing backend for pool type 9 (rbd)" in r[2] and
                           "vstor has no backend for pool type 'rbd' yet" in m[2]),
    "vol-wipe-trim": (DIFF_DOC + "vol-wipe --algorithm trim on file volumes", "check",
                      lambda m, r: r[0] == 1 and "'trim' algorithm not supported" in r[2] and
                      m[:3] == (0, "Vol tr.raw wiped\n\n", "")),
    "vol-dumpxml-wiped-qcow2": (DIFF_DOC + "vol-wipe of a file whose allocation is larger than "
                                "its size", "check",
                                lambda m, r: m[0] == r[0] == 0 and "<backingStore>" in r[1] and
                                "<format type='raw'/>" in m[1] and "<backingStore>" not in m[1]),
    "pool-start-fs-no-device": (DIFF_DOC + "fs/netfs pool-start when the target directory is "
                                "missing", "check",
                                lambda m, r: m[0] == r[0] == 1 and
                                "mount point does not exist" in r[2] and
                                "special device /dev/vstor-ref-none does not exist" in m[2]),
}

# Differences that belong to another part of vstor: step id -> (who fixes it, what masks the
# difference in both sides' stdout; None: the whole case). The rest of the case is compared
# as usual; an xfail means only the masked part differs. Once it is equal the case fails:
# the entry then has to go.
KNOWN_BUGS = {}


def make_external_files(pool):
    """What an administrator might leave in a pool directory: a directory, an ISO image, a
    qcow2 image with a relative backing name, a file of another owner, a symlink."""
    (pool / "sub").mkdir()
    iso = bytearray(64 * 1024)
    iso[0x8001:0x8006] = b"CD001"
    (pool / "ext.iso").write_bytes(bytes(iso))
    subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-b", "base.qcow2", "-F",
                    "qcow2", str(pool / "ext.qcow2")], check=True, cwd=pool)
    owned = pool / "owned.raw"
    owned.write_bytes(b"x" * 8192)
    os.chown(owned, 1234, 4321)
    owned.chmod(0o604)
    (pool / "link.raw").symlink_to("al.raw")


# --- normalisation ------------------------------------------------------------------------
# Only what must differ between the two daemons. Each entry: (what, why).
NORMALISE = [
    ("the side's base directory -> {B}",
     "each side works under its own temp directory, with the same layout below it"),
    ("a UUID either daemon generated -> UUID-n, numbered by first appearance on that side",
     "generated UUIDs are random; numbering keeps 'the same pool' visible"),
    ("<atime>, <mtime>, <ctime>, <btime> contents -> T",
     "file timestamps"),
    ("secret-list: the rows below the header sorted by their text after the above",
     "virsh sorts secrets by UUID, and a generated UUID lands anywhere in that order"),
]
UUID_RE = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
FIXED_UUIDS = {POOL_UUID, SECRET_UUID, "00000000-0000-0000-0000-000000000001",
               "00000000-0000-0000-0000-000000000002"}
TIME_RE = re.compile(r"<(atime|mtime|ctime|btime)>[0-9.]+</")


class Normaliser:
    """One side's normalisation state (its base and the UUIDs it has seen so far)."""

    def __init__(self, base):
        self.base = str(base)
        self.uuids = {}

    def _uuid(self, m):
        u = m.group(0)
        if u in FIXED_UUIDS:
            return u
        return self.uuids.setdefault(u, f"UUID-{len(self.uuids) + 1}")

    def __call__(self, text, words=()):
        text = text.replace(self.base, "{B}")
        text = UUID_RE.sub(self._uuid, text)
        text = TIME_RE.sub(lambda m: f"<{m.group(1)}>T</", text)
        if words[:1] == ["secret-list"]:
            lines = text.split("\n")
            text = "\n".join(lines[:2] + sorted(x for x in lines[2:] if x.strip()) +
                              [x for x in lines[2:] if not x.strip()])
        return text


# --- the two daemons -----------------------------------------------------------------------

def make_base(prefix):
    """A base directory (same name length on both sides, so table widths match) with its
    pools on a tmpfs of fixed size; skips the module when tmpfs cannot be mounted."""
    base = pathlib.Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    (base / "pools").mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={POOLS_FS_SIZE},mode=0755",
                        "vstor-ref", str(base / "pools")], capture_output=True, text=True,
                       check=False)
    if r.returncode != 0:
        shutil.rmtree(base, ignore_errors=True)
        pytest.skip(f"cannot mount a tmpfs for the pools: {r.stderr.strip()}")
    files = base / "files"
    files.mkdir()
    for name, text in FILES.items():
        (files / name).write_text(text.replace("{B}", str(base)))
    (files / "up.bin").write_bytes(UPLOAD)
    (files / "ones.bin").write_bytes(ONES)
    with open(files / "holey.bin", "wb") as f:
        f.truncate(len(HOLEY))
        f.seek(MiB)
        f.write(HOLEY[MiB:])
    with open(files / "sparse.bin", "wb") as f:
        img = sparse_image()
        f.truncate(len(img))
        f.seek(MiB)
        f.write(img[MiB:MiB + 11])
        f.seek(len(img) - 4096)
        f.write(img[-4096:])
    return base


def drop_base(base):
    subprocess.run(["umount", "-l", str(base / "pools")], capture_output=True, check=False)
    shutil.rmtree(base, ignore_errors=True)


def virsh(uri, words):
    r = subprocess.run(["virsh", "-c", uri, *words], capture_output=True, text=True,
                       env=ENV, timeout=120, check=False)
    return r.returncode, r.stdout, r.stderr


def run_sequence(uri, base):
    """Runs STEPS against @uri; returns {step id: (status, stdout, stderr, contents)}."""
    norm = Normaliser(base)
    results = {}
    for sid, words in STEPS:
        if callable(words):  # a step that is no virsh command
            words(base)
            continue
        words = [w.replace("{B}", str(base)) for w in words]
        rc, out, err = virsh(uri, words)
        contents = None
        if sid in CONTENTS:
            path = base / "files" / CONTENTS[sid][0]
            contents = path.read_bytes() if path.exists() else None
        results[sid] = (rc, norm(out, words), norm(err, words), contents)
    return results


@pytest.fixture(scope="module")
def transcripts(start_vstord_module, tmp_path_factory):
    if not shutil.which("virsh"):
        pytest.skip("virsh not installed")
    if not REF_SCRIPT.exists():
        pytest.skip(f"{REF_SCRIPT} not found: no reference libvirtd")
    if os.geteuid() != 0:
        pytest.skip("the reference libvirtd and the pools' tmpfs need root")
    bases = []
    ref_state = pathlib.Path(tempfile.mkdtemp(prefix="vstor-libvirtd-", dir="/tmp"))
    try:
        # Mounted before libvirtd starts: its private mount namespace copies the mounts then.
        for prefix in ("vref-ours-", "vref-ref--"):  # same length: same table widths
            bases.append(make_base(prefix))
        ours, theirs = bases
        r = subprocess.run([str(REF_SCRIPT), "start", str(ref_state)], capture_output=True,
                           text=True, timeout=300, check=False)
        if r.returncode != 0:
            pytest.skip(f"the reference libvirtd did not start: {r.stderr.strip()}")
        ref_uri = r.stdout.strip().splitlines()[-1]
        d = start_vstord_module(tmp_path_factory.mktemp("vstord-ref"))
        with concurrent.futures.ThreadPoolExecutor(2) as ex:
            mine = ex.submit(run_sequence, d.uri, ours)
            ref = ex.submit(run_sequence, ref_uri, theirs)
            mine, ref = mine.result(), ref.result()
        if os.environ.get("VSTOR_REF_TRANSCRIPTS"):  # for a person reading both side by side
            out = pathlib.Path(os.environ["VSTOR_REF_TRANSCRIPTS"])
            out.mkdir(parents=True, exist_ok=True)
            for name, res in (("vstord", mine), ("libvirtd", ref)):
                lines = [f"### virsh {' '.join(w)}  [{sid}]\n" +
                         "\n".join(show(name, *res[sid][:3])) for sid, w in VIRSH_STEPS]
                (out / f"{name}.txt").write_text("\n".join(lines) + "\n")
        yield mine, ref
    finally:
        subprocess.run([str(REF_SCRIPT), "stop", str(ref_state)], capture_output=True,
                       timeout=60, check=False)
        for b in bases:
            drop_base(b)
        shutil.rmtree(ref_state, ignore_errors=True)


def show(side, rc, out, err):
    return [f"{side} exit {rc}"] + [f"{side} out| {x}" for x in out.splitlines()] + \
        [f"{side} err| {x}" for x in err.splitlines()]


VIRSH_STEPS = [(sid, words) for sid, words in STEPS if not callable(words)]


@pytest.mark.parametrize("sid", [sid for sid, _ in VIRSH_STEPS])
def test_same_as_libvirtd(transcripts, sid):
    mine, ref = transcripts
    m, r = mine[sid], ref[sid]
    if sid in CONTENTS:
        _, expected, *ref_expected = CONTENTS[sid]
        assert r[3] == (ref_expected or [expected])[0], \
            "libvirtd's download has other contents than the test expects"
        assert m[3] is not None and hashlib.sha256(m[3]).hexdigest() == \
            hashlib.sha256(expected).hexdigest(), "vstord's download has the wrong contents"
    if sid in EXPECTED_DIFFERENCES:
        doc, how, what = EXPECTED_DIFFERENCES[sid]
        if how == "check":
            assert what(m, r), f"not what {doc} says:\nvstord: {m[:3]}\nlibvirtd: {r[:3]}"
            return
        r = (r[0], what(r[1]), r[2], r[3])
        if how == "both":
            m = (m[0], what(m[1]), m[2], m[3])
    if m[:3] != r[:3]:
        if sid in KNOWN_BUGS:
            why, mask = KNOWN_BUGS[sid]
            if mask:
                m = (m[0], mask(m[1]), m[2], m[3])
                r = (r[0], mask(r[1]), r[2], r[3])
            if not mask or m[:3] == r[:3]:
                pytest.xfail(why)
        diff = difflib.unified_diff(show("libvirtd", *r[:3]), show("vstord", *m[:3]),
                                    "libvirtd", "vstord", lineterm="", n=20)
        pytest.fail(f"virsh {sid} differs:\n" + "\n".join(diff))
    assert sid not in KNOWN_BUGS, f"{sid} is fixed now: remove it from KNOWN_BUGS"
