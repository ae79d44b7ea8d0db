"""test_bad_input.py: issue 7's catalogue of hostile input, end to end against one vstord.

One row per bad input, sent by libvirt-python (XML and API level) or by hand over the socket
(wire level, tests/integration/wire.py). After every row: the answer carries the libvirt
error code libvirtd 9.0.0 gives (checked against the reference daemon when the row was
written; where vstor deliberately answers otherwise the row says so in `note`) and a message
naming the problem, no message echoes a file the input pointed at, the daemon is up (a fresh
connection answers, the module's old one too), and nothing changed: pools, their XML, their
volumes, secrets, the files of the pool directory, of the state root's etc/ and of a directory
outside the pool are what they were before the row.

A second table places qcow2 images whose header lies in the pool by hand and runs every
volume operation on them: each one works on the file as it is or fails with a clear error,
and the daemon stays up."""
import dataclasses
import hashlib
import os
import re
import socket
import struct
import time
from typing import Callable, Optional

import pytest

import wire
from conftest import stretch
from wire import (CONTINUE, ERROR, OK, REPLY, STREAM, Hangup, RawClient, decode_error, frame,
                  opt_string, pool_ref, string, u32, u64, vol_ref)

libvirt = pytest.importorskip("libvirt")

POOL = "bi"
SECRET_TEXT = b"root:x:0:0:OUTSIDE-SECRET-CONTENT:/root:/bin/bash\n"
MIB = 1 << 20

# libvirt's error codes (virErrorNumber) and domains (virErrorDomain) the rows expect
ERR_INTERNAL, ERR_NO_SUPPORT, ERR_INVALID_ARG, ERR_OPERATION_FAILED = 1, 3, 8, 9
ERR_XML, ERR_XML_DETAIL, ERR_SYSTEM, ERR_RPC = 27, 35, 38, 39
ERR_NO_POOL, ERR_NO_VOL, ERR_OPERATION_INVALID, ERR_NO_SECRET = 49, 50, 55, 66
ERR_CONFIG_UNSUPPORTED, ERR_OVERFLOW = 67, 82
FROM_RPC, FROM_STORAGE, FROM_SECRET = 7, 18, 30

# What a row may end in besides an error code.
SUCCESS = "success"  # the call worked (a row that checks something else, e.g. backing files)
IGNORED = "ignored"  # no answer at all, and the connection still serves calls
HANGUP = "hangup"  # the daemon closed the connection without an answer


@dataclasses.dataclass
class Outcome:
    code: object  # an error code, or SUCCESS / IGNORED / HANGUP
    message: str = ""
    domain: Optional[int] = None


@dataclasses.dataclass
class Row:
    id: str
    act: Callable  # act(env) -> Outcome
    code: object
    word: str = ""  # a word the message must hold (case-insensitive)
    domain: Optional[int] = None
    note: str = ""  # how and why libvirtd 9.0.0 answers otherwise

    def __str__(self):
        return self.id


@dataclasses.dataclass
class Env:
    daemon: object
    conn: object
    pool: object
    pooldir: object
    outside: object

    @property
    def uri(self):
        return self.daemon.uri

    def raw(self):
        """A raw connection, opened."""
        return RawClient(self.daemon.sock, timeout=stretch(5)).open()

    def pool_wire(self):
        return pool_ref(POOL, self.pool.UUID())


@pytest.fixture(scope="module")
def env(start_vstord_module, tmp_path_factory):
    libvirt.registerErrorHandler(lambda *a: None, None)
    root = tmp_path_factory.mktemp("vstord")
    d = start_vstord_module(root)
    pooldir = root / "pools" / POOL
    pooldir.mkdir(parents=True)
    outside = root / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(SECRET_TEXT * 64)
    conn = libvirt.open(d.uri)
    pool = conn.storagePoolDefineXML(
        f"<pool type='dir'><name>{POOL}</name><target><path>{pooldir}</path></target></pool>")
    pool.create(0)
    pool.setAutostart(1)
    # keep.img: fully allocated, what resize rows aim at; data.img: sparse with data in it.
    pool.createXML(vol_xml("keep.img", MIB), 0)
    pool.createXML("<volume><name>data.img</name><capacity>1048576</capacity>"
                   "<allocation>0</allocation></volume>", 0)
    with open(pooldir / "data.img", "r+b") as f:
        f.write(b"DATA" * 1024)
    pool.refresh(0)
    yield Env(d, conn, pool, pooldir, outside)
    conn.close()


def vol_xml(name, capacity=MIB, unit=None, extra=""):
    u = f" unit='{unit}'" if unit else ""
    return f"<volume><name>{name}</name><capacity{u}>{capacity}</capacity>{extra}</volume>"


def pool_xml(name, env_or_path="/nonexistent/bad-input-pool"):
    return (f"<pool type='dir'><name>{name}</name>"
            f"<target><path>{env_or_path}</path></target></pool>")


def secret_xml(usage="/x/vol.img", uuid=None):
    u = f"<uuid>{uuid}</uuid>" if uuid is not None else ""
    return f"<secret>{u}<usage type='volume'><volume>{usage}</volume></usage></secret>"


# --- outcomes ---

def api(fn):
    """An act running fn(env) through libvirt-python."""
    def act(env):
        try:
            fn(env)
        except libvirt.libvirtError as e:
            return Outcome(e.get_error_code(), e.get_error_message() or "",
                           e.get_error_domain())
        return Outcome(SUCCESS)
    return act


def reply_outcome(hdr, body):
    if hdr[6] == OK:
        return Outcome(SUCCESS)
    code, domain, message = decode_error(body)
    return Outcome(code, message or "", domain)


def wire_call(proc, body_fn, **kw):
    """An act sending procedure @proc with body_fn(env) on a fresh opened connection."""
    def act(env):
        with env.raw() as c:
            return reply_outcome(*c.call(proc, body_fn(env), **kw))
    return act


def wire_frame(frame_fn, opened=True):
    """An act sending frame_fn(env) as is; the outcome is the reply, or IGNORED when none comes
    and the connection still answers a call, or HANGUP when the daemon closes it."""
    def act(env):
        c = env.raw() if opened else RawClient(env.daemon.sock, timeout=stretch(5))
        with c:
            c.send(frame_fn(env))
            try:
                got = c.recv(timeout=stretch(0.5))
            except Hangup:
                return Outcome(HANGUP)
            if got is not None:
                return reply_outcome(*got)
            if opened:
                # the connection still works
                hdr, body = c.call(wire.PROC_POOL_LOOKUP_BY_NAME, string(POOL))
                assert hdr[6] == OK, decode_error(body)
            return Outcome(IGNORED)
    return act


# --- rows: names ---

LONG = "n" * 10000

NAME_ROWS = [
    Row("pool-name/slash", api(lambda e: e.conn.storagePoolDefineXML(pool_xml("a/b"))),
        ERR_XML, "cannot contain '/'", FROM_STORAGE),
    Row("pool-name/dotdot-slash", api(lambda e: e.conn.storagePoolDefineXML(pool_xml("../x"))),
        ERR_XML, "cannot contain '/'", FROM_STORAGE),
    Row("pool-name/create-slash", api(lambda e: e.conn.storagePoolCreateXML(pool_xml("a/b"), 0)),
        ERR_XML, "cannot contain '/'", FROM_STORAGE),
    Row("pool-name/newline", api(lambda e: e.conn.storagePoolDefineXML(pool_xml("a\nb"))),
        ERR_XML_DETAIL, "invalid char in name",
        note="libvirtd reports it from VIR_FROM_XML (5); vstor from VIR_FROM_STORAGE"),
    Row("pool-name/control-char", api(lambda e: e.conn.storagePoolDefineXML(pool_xml("a\x01b"))),
        ERR_XML_DETAIL, "invalid Char value 1", FROM_STORAGE),
    Row("pool-name/nul-over-wire",
        wire_call(wire.PROC_POOL_DEFINE_XML,
                  lambda e: string(pool_xml("a\0b")) + u32(0)),
        ERR_XML_DETAIL, "Premature end of data", FROM_STORAGE),
    Row("pool-name/10000-bytes", api(lambda e: e.conn.storagePoolDefineXML(
        pool_xml(LONG, "/nonexistent/long"))), ERR_SYSTEM, "File name too long", FROM_STORAGE,
        note="libvirtd: VIR_FROM_NONE (0)"),
    Row("pool-name/10000-bytes-transient", api(lambda e: e.conn.storagePoolCreateXML(
        pool_xml(LONG, str(e.pooldir)), 0)), ERR_OPERATION_FAILED, "conflict",
        note="the target is the test pool's own directory: refused before the name matters"),
    Row("pool-lookup/10000-bytes", api(lambda e: e.conn.storagePoolLookupByName(LONG)),
        ERR_NO_POOL, "no storage pool with matching name", FROM_STORAGE),
    Row("pool-lookup/nul-over-wire",
        wire_call(wire.PROC_POOL_LOOKUP_BY_NAME, lambda e: string("nosuch\0/../../etc")),
        ERR_NO_POOL, "'nosuch'", FROM_STORAGE,
        note="as in libvirtd, the XDR string is a C string: the name ends at the NUL"),
    Row("vol-name/slash", api(lambda e: e.pool.createXML(vol_xml("a/b"), 0)),
        ERR_OPERATION_INVALID, "cannot contain '/'", FROM_STORAGE),
    Row("vol-name/dotdot-slash", api(lambda e: e.pool.createXML(vol_xml("../x"), 0)),
        ERR_OPERATION_INVALID, "cannot contain '/'", FROM_STORAGE),
    Row("vol-name/dotdot-outside",
        api(lambda e: e.pool.createXML(vol_xml("../../outside/secret.txt"), 0)),
        ERR_OPERATION_INVALID, "cannot contain '/'", FROM_STORAGE),
    Row("vol-name/dotdot", api(lambda e: e.pool.createXML(vol_xml(".."), 0)),
        ERR_OPERATION_INVALID, "'..'", FROM_STORAGE,
        note="libvirtd: 'volume target path .../.. already exists'; vstor names the name"),
    Row("vol-name/dot", api(lambda e: e.pool.createXML(vol_xml("."), 0)),
        ERR_OPERATION_INVALID, "'.'", FROM_STORAGE, note="as vol-name/dotdot"),
    Row("vol-name/control-char", api(lambda e: e.pool.createXML(vol_xml("a\x01b"), 0)),
        ERR_XML_DETAIL, "invalid Char value 1", FROM_STORAGE),
    Row("vol-name/newline", api(lambda e: e.pool.createXML(vol_xml("a\nb"), 0)),
        ERR_XML_DETAIL, "invalid char in name", FROM_STORAGE,
        note="libvirtd creates 'a\\nb'; vstor refuses control characters in volume names, "
             "which its directory scan would not list"),
    Row("vol-name/tab", api(lambda e: e.pool.createXML(vol_xml("a\tb"), 0)),
        ERR_XML_DETAIL, "invalid char in name", FROM_STORAGE, note="as vol-name/newline"),
    Row("vol-name/del", api(lambda e: e.pool.createXML(vol_xml("a\x7fb"), 0)),
        ERR_XML_DETAIL, "invalid char in name", FROM_STORAGE, note="as vol-name/newline"),
    Row("vol-name/nul-over-wire",
        wire_call(wire.PROC_VOL_CREATE_XML,
                  lambda e: e.pool_wire() + string(vol_xml("a\0b")) + u32(0)),
        ERR_XML_DETAIL, "Premature end of data", FROM_STORAGE),
    Row("vol-name/10000-bytes", api(lambda e: e.pool.createXML(vol_xml(LONG), 0)),
        ERR_SYSTEM, "File name too long", FROM_STORAGE),
    Row("vol-name/clone-dotdot-slash", api(lambda e: e.pool.createXMLFrom(
        vol_xml("../x"), e.pool.storageVolLookupByName("keep.img"), 0)),
        ERR_OPERATION_INVALID, "cannot contain '/'", FROM_STORAGE),
    Row("vol-lookup/dotdot-outside", api(lambda e: e.pool.storageVolLookupByName(
        "../outside/secret.txt")), ERR_NO_VOL, "no storage vol with matching name",
        FROM_STORAGE),
    Row("vol-lookup/nul-over-wire",
        wire_call(wire.PROC_VOL_LOOKUP_BY_NAME,
                  lambda e: e.pool_wire() + string("nosuch\0/../../etc/passwd")),
        ERR_NO_VOL, "'nosuch'", FROM_STORAGE, note="the name ends at the NUL, as in libvirtd"),
    Row("vol-lookup/by-path-outside", api(lambda e: e.conn.storageVolLookupByPath(
        str(e.outside / "secret.txt"))), ERR_NO_VOL, "no storage vol with matching path",
        FROM_STORAGE),
    Row("vol-lookup/by-path-dotdot", api(lambda e: e.conn.storageVolLookupByPath(
        f"{e.pooldir}/../../outside/secret.txt")), ERR_NO_VOL,
        "no storage vol with matching path", FROM_STORAGE),
    Row("vol-delete/dotdot-over-wire",
        wire_call(wire.PROC_VOL_DELETE, lambda e: vol_ref(
            POOL, "../../outside/secret.txt", str(e.outside / "secret.txt")) + u32(0)),
        ERR_NO_VOL, "no storage vol with matching name", FROM_STORAGE),
    Row("vol-delete/absolute-over-wire",
        wire_call(wire.PROC_VOL_DELETE, lambda e: vol_ref(
            POOL, str(e.outside / "secret.txt"), str(e.outside / "secret.txt")) + u32(0)),
        ERR_NO_VOL, "no storage vol with matching name", FROM_STORAGE),
    Row("secret-uuid/dotdot", api(lambda e: e.conn.secretDefineXML(
        secret_xml(uuid="../../etc/passwd"))), ERR_INTERNAL, "malformed uuid", FROM_SECRET),
    Row("secret-uuid/10000-bytes", api(lambda e: e.conn.secretDefineXML(
        secret_xml(uuid="1" * 10000))), ERR_INTERNAL, "malformed uuid", FROM_SECRET),
    Row("secret-usage/control-char", api(lambda e: e.conn.secretDefineXML(
        secret_xml(usage="/a\x01b"))), ERR_XML_DETAIL, "invalid Char value 1", FROM_SECRET),
    Row("secret-usage/type-dotdot", api(lambda e: e.conn.secretDefineXML(
        "<secret><usage type='../x'><volume>/x</volume></usage></secret>")),
        ERR_CONFIG_UNSUPPORTED, "unknown secret usage type", FROM_SECRET),
    Row("secret-lookup/usage-dotdot", api(lambda e: e.conn.secretLookupByUsage(
        libvirt.VIR_SECRET_USAGE_TYPE_VOLUME, "../../etc/passwd")),
        ERR_NO_SECRET, "no secret with matching usage", FROM_SECRET),
]

# --- rows: sizes ---


def resize_wire(capacity, flags=0, name="keep.img"):
    """vol-resize over the wire (libvirt-python cannot send a capacity of 2^63 or more)."""
    return wire_call(wire.PROC_VOL_RESIZE, lambda e: vol_ref(
        POOL, name, str(e.pooldir / name)) + u64(capacity) + u32(flags))


def recv_all(st, limit=None):
    """What stream @st delivers until its end, or its first @limit bytes (the stream is not
    finished here)."""
    data = b""
    while limit is None or len(data) < limit:
        chunk = st.recv(65536 if limit is None else min(65536, limit - len(data)))
        if not chunk:
            break
        data += chunk
    return data


def download_far(e):
    st = e.conn.newStream(0)
    e.pool.storageVolLookupByName("keep.img").download(st, 2 ** 62, 0, 0)
    assert st.recv(4096) == b""
    st.finish()


def upload_far(e):
    st = e.conn.newStream(0)
    e.pool.storageVolLookupByName("keep.img").upload(st, 2 ** 62, 0, 0)
    try:
        st.send(b"x" * 4096)
        st.finish()
    except libvirt.libvirtError:
        st.abort()
        raise


SIZE_ROWS = [
    Row("capacity/2^64", api(lambda e: e.pool.createXML(vol_xml("c.img", 2 ** 64), 0)),
        ERR_XML, "malformed capacity element", FROM_STORAGE),
    Row("capacity/2^64-1-KiB", api(lambda e: e.pool.createXML(
        vol_xml("c.img", 2 ** 64 - 1, "KiB"), 0)), ERR_OVERFLOW, "too large",
        note="libvirtd reports it from VIR_FROM_NONE (0)"),
    Row("capacity/2^63", api(lambda e: e.pool.createXML(vol_xml("c.img", 2 ** 63), 0)),
        ERR_OVERFLOW, "too large", note="as capacity/2^64-1-KiB"),
    Row("capacity/negative", api(lambda e: e.pool.createXML(vol_xml("c.img", -1), 0)),
        ERR_XML, "malformed capacity element", FROM_STORAGE),
    Row("capacity/hex", api(lambda e: e.pool.createXML(vol_xml("c.img", "0x10"), 0)),
        ERR_XML, "malformed capacity element", FROM_STORAGE),
    Row("capacity/empty", api(lambda e: e.pool.createXML(vol_xml("c.img", ""), 0)),
        ERR_XML, "missing capacity element", FROM_STORAGE),
    Row("unit/ZiB", api(lambda e: e.pool.createXML(vol_xml("c.img", 1, "ZiB"), 0)),
        ERR_INVALID_ARG, "unknown suffix 'ZiB'", note="libvirtd: VIR_FROM_NONE (0)"),
    Row("unit/garbage", api(lambda e: e.pool.createXML(vol_xml("c.img", 1, "../x"), 0)),
        ERR_INVALID_ARG, "unknown suffix", note="libvirtd: VIR_FROM_NONE (0)"),
    Row("unit/16-EiB", api(lambda e: e.pool.createXML(vol_xml("c.img", 16, "EiB"), 0)),
        ERR_OVERFLOW, "too large", note="libvirtd: VIR_FROM_NONE (0)"),
    Row("allocation/16-EiB", api(lambda e: e.pool.createXML(vol_xml(
        "c.img", 1, None, "<allocation unit='EiB'>16</allocation>"), 0)),
        ERR_OVERFLOW, "too large", note="libvirtd: VIR_FROM_NONE (0)"),
    Row("resize/2^64-1", resize_wire(2 ** 64 - 1), ERR_SYSTEM, "truncate", FROM_STORAGE,
        note="libvirtd: VIR_FROM_NONE (0)"),
    Row("resize/2^63", resize_wire(2 ** 63), ERR_SYSTEM, "truncate", FROM_STORAGE,
        note="libvirtd: VIR_FROM_NONE (0)"),
    Row("resize/2^63-1-api", api(lambda e: e.pool.storageVolLookupByName("keep.img").resize(
        2 ** 63 - 1, 0)), ERR_SYSTEM, "too large", FROM_STORAGE,
        note="libvirtd: VIR_FROM_NONE (0)"),
    Row("resize/2^64-1-allocate", resize_wire(2 ** 64 - 1, libvirt.VIR_STORAGE_VOL_RESIZE_ALLOCATE),
        ERR_OPERATION_FAILED, "Not enough space", FROM_STORAGE),
    Row("resize/delta-overflow", resize_wire(2 ** 64 - 1, libvirt.VIR_STORAGE_VOL_RESIZE_DELTA),
        ERR_OVERFLOW, "would overflow", FROM_STORAGE,
        note="libvirtd adds without checking, wraps round and answers VIR_ERR_INVALID_ARG "
             "\"can't shrink capacity below existing allocation\""),
    Row("resize/shrink-below-allocation", api(
        lambda e: e.pool.storageVolLookupByName("keep.img").resize(
            4096, libvirt.VIR_STORAGE_VOL_RESIZE_SHRINK)),
        ERR_INVALID_ARG, "below existing allocation", FROM_STORAGE),
    Row("resize/unknown-flag", resize_wire(2 * MIB, 1 << 20), ERR_INVALID_ARG,
        "unsupported flags", FROM_STORAGE),
    Row("wipe/unknown-algorithm", api(lambda e: e.pool.storageVolLookupByName(
        "keep.img").wipePattern(99, 0)), ERR_INVALID_ARG, "wiping algorithm", FROM_STORAGE),
    Row("download/offset-2^62", api(download_far), SUCCESS,
        note="libvirtd fails the call: VIR_ERR_SYSTEM_ERROR 'Unable to seek ... Invalid "
             "argument' (VIR_FROM_STREAMS); vstor reads past the end: an empty stream"),
    Row("upload/offset-2^62", api(upload_far), ERR_SYSTEM, "File too large", FROM_STORAGE,
        note="libvirtd fails the call itself ('Unable to seek', VIR_FROM_STREAMS); vstor fails "
             "the stream at the first write"),
]

# --- rows: XML attacks ---

BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE volume [<!ENTITY a "aaaaaaaaaa">'
    + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
    + ']><volume><name>&i;</name><capacity>1024</capacity></volume>')


def xxe(root, inner, path):
    return (f'<?xml version="1.0"?><!DOCTYPE {root} [<!ENTITY x SYSTEM "file://{path}">]>'
            + inner)


XML_ROWS = [
    Row("xml/billion-laughs", api(lambda e: e.pool.createXML(BILLION_LAUGHS, 0)), ERR_XML,
        "DOCTYPE", FROM_STORAGE,
        note="libvirtd lets libxml2 expand entities up to its amplification limit (this one "
             "fails with VIR_ERR_XML_DETAIL 'entity reference loop', smaller ones pass); vstor "
             "refuses any DTD"),
    Row("xml/external-entity-volume", api(lambda e: e.pool.createXML(xxe(
        "volume", "<volume><name>&x;</name><capacity>1024</capacity></volume>",
        e.outside / "secret.txt"), 0)), ERR_XML, "DOCTYPE", FROM_STORAGE,
        note="libvirtd does not load the entity either but answers 'missing volume name'"),
    Row("xml/external-entity-pool", api(lambda e: e.conn.storagePoolDefineXML(xxe(
        "pool", "<pool type='dir'><name>&x;</name><target><path>/x</path></target></pool>",
        e.outside / "secret.txt"))), ERR_XML, "DOCTYPE", FROM_STORAGE),
    Row("xml/external-entity-secret", api(lambda e: e.conn.secretDefineXML(xxe(
        "secret", "<secret><description>&x;</description>"
                  "<usage type='ceph'><name>xxe</name></usage></secret>",
        e.outside / "secret.txt"))), ERR_XML, "DOCTYPE", FROM_SECRET,
        note="libvirtd defines the secret with an empty description"),
    Row("xml/external-dtd", api(lambda e: e.pool.createXML(
        f"<?xml version='1.0'?><!DOCTYPE volume SYSTEM 'file://{e.outside}/secret.txt'>"
        + vol_xml("dtd.img"), 0)), ERR_XML, "DOCTYPE", FROM_STORAGE,
        note="libvirtd ignores the DTD and creates the volume"),
    Row("xml/xinclude", api(lambda e: e.pool.createXML(
        "<volume xmlns:xi='http://www.w3.org/2001/XInclude'><name>"
        f"<xi:include href='file://{e.outside}/secret.txt' parse='text'/></name>"
        "<capacity>1024</capacity></volume>", 0)), ERR_XML, "missing volume name",
        FROM_STORAGE),
    Row("xml/not-xml", api(lambda e: e.pool.createXML("\xff garbage <<<", 0)),
        ERR_XML_DETAIL, "", FROM_STORAGE),
]

# --- rows: the wire ---

MAX = wire.MAX_MESSAGE
VSTOR_PROGRAM = 0x76737472


def open_body(e):
    return opt_string(None) + u32(0)


def truncated_then_closed(e):
    """Half a message, then the client closes its side: the daemon hangs up."""
    with RawClient(e.daemon.sock, timeout=stretch(5)) as c:
        c.send(frame(1, 1, open_body(e))[:20])
        c.sock.shutdown(socket.SHUT_WR)
        return Outcome(HANGUP) if c.hung_up() else Outcome("no hangup")


def truncated_then_gone(e):
    """Half a header and the client is gone for good: nothing to answer, nothing to leak."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(str(e.daemon.sock))
    s.sendall(struct.pack(">I", 400) + b"\0" * 10)
    s.close()
    return Outcome(IGNORED)


def stream_to_wrong_serial(e):
    """An upload in progress; stream packets with a serial no stream has, and with the
    stream's serial but another procedure, are dropped; the real stream's data arrives."""
    e.pool.createXML("<volume><name>stream.img</name><capacity>65536</capacity>"
                     "<allocation>0</allocation></volume>", 0)
    try:
        with e.raw() as c:
            hdr, body = c.call(wire.PROC_VOL_UPLOAD, vol_ref(
                POOL, "stream.img", str(e.pooldir / "stream.img")) + u64(0) + u64(0) + u32(0))
            assert hdr[6] == OK, decode_error(body)
            serial = hdr[5]
            c.send(frame(wire.PROC_VOL_UPLOAD, serial + 1000, b"EVIL" * 1024, mtype=STREAM,
                         status=CONTINUE))
            c.send(frame(wire.PROC_VOL_DOWNLOAD, serial, b"EVIL" * 1024, mtype=STREAM,
                         status=CONTINUE))
            c.send(frame(wire.PROC_VOL_UPLOAD, serial, b"GOOD" * 1024, mtype=STREAM,
                         status=CONTINUE))
            c.send(frame(wire.PROC_VOL_UPLOAD, serial, b"", mtype=STREAM, status=OK))
            while True:  # the finish is acknowledged on the stream's serial
                got = c.recv()
                assert got is not None, "no answer to the stream's finish"
                if got[0][5] == serial:
                    assert got[0][4] == STREAM and got[0][6] == OK, got
                    break
        st = e.conn.newStream(0)
        e.pool.storageVolLookupByName("stream.img").download(st, 0, 8192, 0)
        data = recv_all(st, 8192)
        st.finish()
        assert data == b"GOOD" * 1024 + b"\0" * 4096
    finally:
        e.pool.storageVolLookupByName("stream.img").delete(0)
    return Outcome(IGNORED)


def stream_abandoned(upload):
    """An upload (download) abandoned after a few packets by a client that goes away: the
    volume is not left in use; a later upload and the delete work."""
    def act(e):
        e.pool.createXML("<volume><name>gone.img</name><capacity>8388608</capacity>"
                         "<allocation>0</allocation></volume>", 0)
        with open(e.pooldir / "gone.img", "r+b") as f:
            f.write(os.urandom(8 << 20))  # data, so that a download has packets to send
        c = e.raw()
        hdr, body = c.call(wire.PROC_VOL_UPLOAD if upload else wire.PROC_VOL_DOWNLOAD, vol_ref(
            POOL, "gone.img", str(e.pooldir / "gone.img")) + u64(0) + u64(0) + u32(0))
        assert hdr[6] == OK, decode_error(body)
        for _ in range(3):
            if upload:
                c.send(frame(wire.PROC_VOL_UPLOAD, hdr[5], b"x" * 65536, mtype=STREAM,
                             status=CONTINUE))
            else:
                got = c.recv()
                assert got is not None and got[0][4] == STREAM, got
        c.close()
        return stream_released(e)
    return act


def stream_released(e):
    """Waits until gone.img takes an upload again (its abandoned stream let go), deletes it."""
    vol = e.pool.storageVolLookupByName("gone.img")
    deadline = time.monotonic() + stretch(10)
    while True:
        try:
            st = e.conn.newStream(0)
            vol.upload(st, 0, 4, 0)
            st.send(b"done")
            st.finish()
            break
        except libvirt.libvirtError as err:
            if time.monotonic() > deadline:
                raise AssertionError(f"volume still in use after the client left: {err}")
            time.sleep(0.05)
    vol.delete(0)
    return Outcome(SUCCESS)


WIRE_ROWS = [
    Row("wire/wrong-program", wire_frame(lambda e: frame(1, 5, prog=0x12345678)), ERR_RPC,
        "Cannot find program 305419896 version 1", FROM_RPC),
    Row("wire/wrong-version", wire_frame(lambda e: frame(1, 6, vers=2)), ERR_RPC,
        "Cannot find program 536903814 version 2", FROM_RPC),
    Row("wire/unknown-procedure", wire_frame(lambda e: frame(99999, 7)), ERR_RPC,
        "unknown procedure: 99999", FROM_RPC),
    Row("wire/negative-procedure", wire_frame(lambda e: frame(-1, 8)), ERR_RPC,
        "unknown procedure: -1", FROM_RPC),
    Row("wire/call-with-error-status", wire_frame(
        lambda e: frame(wire.PROC_POOL_LOOKUP_BY_NAME, 9, string(POOL), status=ERROR)),
        ERR_RPC, "Unexpected message status 1", FROM_RPC),
    Row("wire/payload-does-not-decode", wire_frame(
        lambda e: frame(wire.PROC_POOL_LOOKUP_BY_NAME, 10, u32(0xFFFFFFFF))), ERR_RPC,
        "decode message payload", FROM_RPC),
    Row("wire/string-past-the-payload", wire_frame(
        lambda e: frame(wire.PROC_POOL_LOOKUP_BY_NAME, 11, u32(4096) + b"bi")), ERR_RPC,
        "decode message payload", FROM_RPC),
    Row("wire/call-before-open", wire_frame(
        lambda e: frame(wire.PROC_POOL_LOOKUP_BY_NAME, 12, string(POOL)), opened=False),
        ERR_INTERNAL, "not open",
        note="libvirtd: 'connection not open' from VIR_FROM_RPC (7); vstor: 'hypervisor "
             "connection not open' from the procedure's domain"),
    Row("wire/vstor-program-unknown-procedure", wire_frame(
        lambda e: frame(77, 15, prog=VSTOR_PROGRAM)), ERR_RPC, "unknown procedure: 77", FROM_RPC,
        note="vstor's own program (jobs); libvirtd has no such program: 'Cannot find program'"),
    Row("wire/keepalive-unknown-procedure", wire_frame(
        lambda e: frame(99, 16, prog=wire.KEEPALIVE_PROGRAM, mtype=wire.MESSAGE)), IGNORED),
    Row("wire/reply-sent-by-client", wire_frame(lambda e: frame(4, 13, mtype=REPLY)), IGNORED),
    Row("wire/unknown-message-type", wire_frame(lambda e: frame(4, 14, mtype=9)), IGNORED),
    Row("wire/stream-packet-without-stream", wire_frame(lambda e: frame(
        wire.PROC_VOL_UPLOAD, 4242, b"EVIL" * 1024, mtype=STREAM, status=CONTINUE)), IGNORED),
    Row("wire/stream-packet-to-wrong-serial", stream_to_wrong_serial, IGNORED),
    Row("wire/upload-abandoned-halfway", stream_abandoned(True), SUCCESS),
    Row("wire/download-abandoned-halfway", stream_abandoned(False), SUCCESS),
    Row("wire/truncated-then-closed", truncated_then_closed, HANGUP),
    Row("wire/truncated-then-gone", truncated_then_gone, IGNORED),
    Row("wire/length-past-max", wire_frame(
        lambda e: struct.pack(">I", MAX + 5) + b"\0" * 4096, opened=False), HANGUP),
    Row("wire/length-0xffffffff", wire_frame(
        lambda e: struct.pack(">I", 0xFFFFFFFF) + b"\0" * 4096, opened=False), HANGUP),
    Row("wire/length-below-header", wire_frame(
        lambda e: struct.pack(">I", 27) + b"\0" * 64, opened=False), HANGUP),
    Row("wire/length-zero", wire_frame(lambda e: struct.pack(">I", 0) + b"\0" * 64,
                                       opened=False), HANGUP),
    Row("wire/garbage", wire_frame(lambda e: b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
                                   opened=False), HANGUP),
]

# --- rows: backing stores outside the pool ---


def backing_outside(path_fn, fmt="raw"):
    """A qcow2 volume whose backing store is outside the pool: libvirtd creates it (a base
    image in another directory is ordinary) and so does vstor; the backing file is neither
    read into the answer nor changed; the volume is deleted again."""
    def act(e):
        path = path_fn(e)
        fmt_xml = f"<format type='{fmt}'/>" if fmt else ""
        try:
            vol = e.pool.createXML(
                "<volume><name>bk.qcow2</name><capacity>1048576</capacity>"
                "<target><format type='qcow2'/></target>"
                f"<backingStore><path>{path}</path>{fmt_xml}</backingStore></volume>", 0)
        except libvirt.libvirtError as err:
            return Outcome(err.get_error_code(), err.get_error_message(),
                           err.get_error_domain())
        try:
            xml = vol.XMLDesc(0)
            assert "<backingStore>" in xml and SECRET_TEXT[:20].decode() not in xml
            with open(e.pooldir / "bk.qcow2", "rb") as f:
                assert SECRET_TEXT[:20] not in f.read()
            st = e.conn.newStream(0)
            vol.download(st, 0, 65536, 0)
            data = recv_all(st)
            st.finish()
            assert data.startswith(b"QFI\xfb") and SECRET_TEXT[:20] not in data
        finally:
            vol.delete(0)
        return Outcome(SUCCESS)
    return act


BACKING_ROWS = [
    Row("backing/absolute-outside", backing_outside(lambda e: e.outside / "secret.txt"),
        SUCCESS),
    Row("backing/etc-passwd", backing_outside(lambda e: "/etc/passwd"), SUCCESS),
    Row("backing/dotdot-outside", backing_outside(
        lambda e: "../../outside/secret.txt"), SUCCESS),
    Row("backing/no-format", backing_outside(lambda e: e.outside / "secret.txt", None),
        SUCCESS),
    Row("backing/missing", backing_outside(lambda e: "../nothing-here.img"), ERR_SYSTEM,
        "inaccessible backing store", FROM_STORAGE),
    Row("backing/on-raw", api(lambda e: e.pool.createXML(
        "<volume><name>bkr.img</name><capacity>1048576</capacity><backingStore>"
        f"<path>{e.outside}/secret.txt</path></backingStore></volume>", 0)),
        ERR_NO_SUPPORT, "backing storage not supported", FROM_STORAGE),
]

ROWS = NAME_ROWS + SIZE_ROWS + XML_ROWS + WIRE_ROWS + BACKING_ROWS


# --- the checks around every row ---

def tree(path):
    """{relative path: what it is} for everything under @path, links not followed."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(path):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            rel = os.path.relpath(p, path)
            if os.path.islink(p):
                out[rel] = ("link", os.readlink(p))
            elif os.path.isdir(p):
                out[rel] = ("dir", st.st_mode)
            else:
                with open(p, "rb") as f:
                    digest = hashlib.sha256(f.read()).hexdigest()
                out[rel] = ("file", st.st_mode, st.st_size, st.st_mtime_ns, digest)
    return out


def snapshot(e):
    """What a row must leave as it was."""
    conn = libvirt.open(e.uri)
    try:
        pools = []
        for p in sorted(conn.listAllStoragePools(0), key=lambda p: p.name()):
            # free space moves with everything else on the machine
            xml = re.sub(r"<(allocation|available)[^>]*>\d+</\1>", "", p.XMLDesc(0))
            vols = (sorted((v.name(), v.key(), tuple(v.info())) for v in p.listAllVolumes(0))
                    if p.isActive() else None)
            pools.append((p.name(), p.isActive(), p.isPersistent(), p.autostart(), xml, vols))
        secrets = sorted((s.UUIDString(), s.usageType(), s.usageID())
                         for s in conn.listAllSecrets(0))
    finally:
        conn.close()
    root = e.daemon.root
    return {"pools": pools, "secrets": secrets, "pooldir": tree(e.pooldir),
            "etc": tree(root / "etc"), "outside": tree(e.outside)}


def check_daemon_up(e):
    assert e.daemon.alive(), e.daemon.text()[-3000:]
    conn = libvirt.open(e.uri)
    try:
        assert conn.getLibVersion() == 9000000
        assert POOL in [p.name() for p in conn.listAllStoragePools(0)]
    finally:
        conn.close()
    e.conn.getLibVersion()  # the connection opened before every row still works


@pytest.mark.parametrize("row", ROWS, ids=str)
def test_bad_input(env, row):
    before = snapshot(env)
    got = row.act(env)
    assert got.code == row.code, f"{row.id}: expected {row.code}, got {got}"
    if row.word:
        assert row.word.lower() in got.message.lower(), f"{row.id}: {got.message!r}"
    if row.domain is not None:
        assert got.domain == row.domain, f"{row.id}: domain {got.domain}: {got.message!r}"
    assert "OUTSIDE-SECRET" not in got.message and "root:x:0:0" not in got.message
    check_daemon_up(env)
    assert snapshot(env) == before


def test_rows_are_unique():
    ids = [r.id for r in ROWS]
    assert len(ids) == len(set(ids))


# --- qcow2 images whose header lies ---

def qcow2_header(size=MIB, cluster_bits=16, l1_offset=0x30000, l1_size=1, backing_offset=0,
                 backing_size=0, tail=b"", total=0x40000):
    """A version 3 qcow2 image: header (104 bytes), then @tail, zeros up to @total bytes."""
    h = b"QFI\xfb" + struct.pack(">IQIIQIIQQIIQ", 3, backing_offset, backing_size, cluster_bits,
                                 size, 0, l1_size, l1_offset, 0x10000, 1, 0, 0)
    h += struct.pack(">QQQII", 0, 0, 0, 4, 104) + tail
    return h + b"\0" * (total - len(h))


# name, image, what vstor lists it as (format, capacity; None: the file's size)
LYING = [
    ("size-2^63", qcow2_header(size=2 ** 63), "raw", None),
    ("size-2^64-1", qcow2_header(size=2 ** 64 - 1), "raw", None),
    ("l1-table-past-eof", qcow2_header(l1_offset=1 << 40, l1_size=1000), "qcow2", MIB),
    ("backing-name-past-eof", qcow2_header(backing_offset=1 << 40, backing_size=100),
     "raw", None),
    ("backing-name-4GiB", qcow2_header(backing_offset=200, backing_size=0xFFFFFFFF),
     "raw", None),
    ("cluster-bits-40", qcow2_header(cluster_bits=40), "raw", None),
    ("cluster-bits-0", qcow2_header(cluster_bits=0), "raw", None),
    ("header-truncated", qcow2_header()[:50], "raw", None),
    ("backing-outside", qcow2_header(backing_offset=200, backing_size=0, tail=b""),
     "qcow2", MIB),
]
LYING_NOTE = ("libvirtd lists every one of these as qcow2 with the header's size (2^63, 2^64-1) "
              "and a truncated header makes its refresh fail and stop the pool; vstor refuses "
              "headers that lie and lists such a file as raw, its size the file's")


def settle(e, name, present=True):
    """Waits until the live pool lists (or no longer lists) @name."""
    deadline = time.monotonic() + stretch(5)
    while True:
        e.pool.refresh(0)
        names = [v.name() for v in e.pool.listAllVolumes(0)]
        if (name in names) == present or time.monotonic() > deadline:
            return names
        time.sleep(0.05)


def expect_clean(fn, what):
    """Runs @fn: it works, or fails with a libvirt error whose message says something."""
    try:
        fn()
        return None
    except libvirt.libvirtError as err:
        assert err.get_error_code() in (ERR_INTERNAL, ERR_SYSTEM, ERR_OPERATION_FAILED,
                                        ERR_INVALID_ARG, ERR_OPERATION_INVALID, ERR_NO_VOL), \
            f"{what}: {err.get_error_code()} {err.get_error_message()}"
        assert len(err.get_error_message() or "") > 10, what
        return err.get_error_message()


@pytest.mark.parametrize("name,image,fmt,capacity", LYING, ids=[c[0] for c in LYING])
def test_lying_qcow2_header(env, name, image, fmt, capacity):
    if name == "backing-outside":
        target = str(env.outside / "secret.txt").encode()
        image = qcow2_header(backing_offset=200, backing_size=len(target),
                             tail=b"\0" * (200 - 104) + target)
    before = snapshot(env)
    outside_before = tree(env.outside)
    fname = f"lie-{name}.qcow2"
    path = env.pooldir / fname
    path.write_bytes(image)
    try:
        assert fname in settle(env, fname), f"{fname} not listed ({LYING_NOTE})"
        vol = env.pool.storageVolLookupByName(fname)
        info = vol.info()
        assert info[1] == (len(image) if capacity is None else capacity), info
        xml = vol.XMLDesc(0)
        assert f"<format type='{fmt}'/>" in xml, xml
        assert "OUTSIDE-SECRET" not in xml
        # The first 4 KiB come back as the file holds them (never the backing file's bytes).
        st = env.conn.newStream(0)
        if expect_clean(lambda: vol.download(st, 0, 4096, 0), "download") is None:
            got = recv_all(st, 4096)
            st.finish()
            assert got == image[:4096]
        expect_clean(lambda: vol.resize(4 * MIB, 0), "resize")
        expect_clean(lambda: vol.wipe(0), "wipe")

        def upload():
            s = env.conn.newStream(0)
            vol.upload(s, 0, 4, 0)
            s.send(b"\0\0\0\0")
            s.finish()
        expect_clean(upload, "upload")
        expect_clean(lambda: vol.info(), "info")
        expect_clean(lambda: vol.XMLDesc(0), "dumpxml")
        vol.delete(0)
        assert not path.exists()
    finally:
        if path.exists():
            path.unlink()
        settle(env, fname, present=False)
    check_daemon_up(env)
    assert tree(env.outside) == outside_before
    assert snapshot(env) == before
