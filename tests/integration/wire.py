"""wire.py: libvirt's remote protocol by hand, for tests that must send what no stock client
would — raw frames (length word, six header words, XDR payload), XDR encoders for the few
argument layouts tests need, a decoder for remote_error, and RawClient, a socket that sends
frames and reads whole messages back (or notices the daemon hung up)."""
import socket
import struct
import time

REMOTE_PROGRAM = 0x20008086
KEEPALIVE_PROGRAM = 0x6B656570
VERSION = 1

# message types and statuses (virNetMessageType, virNetMessageStatus)
CALL, REPLY, MESSAGE, STREAM, STREAM_HOLE = 0, 1, 2, 3, 6
OK, ERROR, CONTINUE = 0, 1, 2

# procedures (libvirt's numbers)
PROC_CONNECT_OPEN = 1
PROC_POOL_LOOKUP_BY_NAME = 84
PROC_VOL_CREATE_XML = 93
PROC_VOL_DELETE = 94
PROC_VOL_LOOKUP_BY_NAME = 95
PROC_VOL_UPLOAD = 208
PROC_VOL_DOWNLOAD = 209
PROC_VOL_RESIZE = 260
PROC_POOL_DEFINE_XML = 77

HEADER = struct.Struct(">IIIiIII")  # length, prog, vers, proc, type, serial, status
MAX_MESSAGE = 32 << 20  # libvirt's and vstord's default limit, length word included


def frame(proc, serial, body=b"", prog=REMOTE_PROGRAM, vers=VERSION, mtype=CALL, status=OK):
    """One whole message: the length word counts itself, the header and @body."""
    return HEADER.pack(HEADER.size + len(body), prog, vers, proc, mtype, serial, status) + body


def call(proc, serial, body=b"", prog=REMOTE_PROGRAM, mtype=CALL):
    return frame(proc, serial, body, prog=prog, mtype=mtype)


# --- XDR encoders ---

def u32(v):
    return struct.pack(">I", v)


def u64(v):
    return struct.pack(">Q", v)


def string(s):
    """An XDR string: length, bytes, zero padding to 4. @s may be str or bytes (NULs kept)."""
    b = s.encode() if isinstance(s, str) else s
    return u32(len(b)) + b + b"\0" * (-len(b) % 4)


def opt_string(s):
    return u32(0) if s is None else u32(1) + string(s)


def pool_ref(name, uuid_bytes):
    """remote_nonnull_storage_pool: name and 16-byte UUID."""
    return string(name) + uuid_bytes


def vol_ref(pool, name, key):
    return string(pool) + string(name) + string(key)


# --- decoding ---

def decode_error(body):
    """(code, domain, message) of a remote_error payload."""
    code, domain, has_msg = struct.unpack(">iiI", body[:12])
    message = None
    if has_msg:
        (n,) = struct.unpack(">I", body[12:16])
        message = body[16:16 + n].decode(errors="replace")
    return code, domain, message


def decode_string(body, off=0):
    """(text, next offset) of the XDR string at @off."""
    (n,) = struct.unpack(">I", body[off:off + 4])
    return body[off + 4:off + 4 + n].decode(errors="replace"), off + 4 + n + (-n % 4)


class Hangup(Exception):
    """The daemon closed the connection."""


class RawClient:
    """A Unix-socket connection speaking frames. recv() returns (header tuple, body) for
    one whole message, None when nothing arrives within the timeout, and raises Hangup when
    the daemon closed the socket."""

    def __init__(self, path, timeout=5.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(str(path))
        self.timeout = timeout
        self.buf = b""
        self.serial = 100

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self, want, deadline):
        while len(self.buf) < want:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return False
            except ConnectionResetError as e:
                raise Hangup() from e
            if not chunk:
                raise Hangup()
            self.buf += chunk
        return True

    def recv(self, timeout=None):
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        if not self._fill(4, deadline):
            return None
        (length,) = struct.unpack(">I", self.buf[:4])
        if not self._fill(length, deadline):
            return None
        msg, self.buf = self.buf[:length], self.buf[length:]
        return HEADER.unpack(msg[:HEADER.size]), msg[HEADER.size:]

    def hung_up(self, timeout=None):
        """True when the daemon closes the connection within the timeout (messages it sends
        before are skipped)."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        try:
            while time.monotonic() < deadline:
                if self.recv(max(deadline - time.monotonic(), 0.01)) is None:
                    return False
        except Hangup:
            return True
        return False

    def call(self, proc, body=b"", prog=REMOTE_PROGRAM, vers=VERSION, serial=None):
        """Sends a call and returns (header, body) of its reply (other messages skipped)."""
        if serial is None:
            self.serial += 1
            serial = self.serial
        self.send(frame(proc, serial, body, prog=prog, vers=vers))
        deadline = time.monotonic() + self.timeout
        while True:
            got = self.recv(max(deadline - time.monotonic(), 0.01))
            if got is None:
                raise TimeoutError(f"no reply to procedure {proc} serial {serial}")
            hdr, payload = got
            if hdr[4] == REPLY and hdr[5] == serial:
                return hdr, payload

    def open(self, name=None):
        """connect-open; fails the caller (AssertionError) when the daemon refuses."""
        hdr, body = self.call(PROC_CONNECT_OPEN, opt_string(name) + u32(0))
        assert hdr[6] == OK, decode_error(body)
        return self
