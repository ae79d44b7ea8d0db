"""test_daemon_load.py: two hundred libvirt-python clients connecting to vstord at once and
working, while other clients send garbage and drop out in the middle of streams: the daemon
stays up and none of the two hundred sees an error."""
import concurrent.futures
import os
import socket
import subprocess
import sys
import threading

import pytest

libvirt = pytest.importorskip("libvirt")

CLIENTS = 200

# Starts an upload or a download and dies without finishing or aborting it.
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


def garbage(sock_path, payload):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(str(sock_path))
    try:
        s.sendall(payload)
        while s.recv(65536):
            pass
    except (socket.timeout, OSError):
        pass
    finally:
        s.close()


def test_two_hundred_clients_with_misbehaving_ones(start_vstord, tmp_path):
    d = start_vstord(tmp_path / "root", ["--verbose"])
    conn = libvirt.open(d.uri)
    target = tmp_path / "pool"
    target.mkdir()
    pool = conn.storagePoolDefineXML(
        f"<pool type='dir'><name>load</name><target><path>{target}</path></target></pool>", 0)
    pool.create(0)
    for name in ("up.img", "down.img"):
        pool.createXML(f"<volume><name>{name}</name><capacity>67108864</capacity></volume>", 0)

    barrier = threading.Barrier(CLIENTS, timeout=120)

    def work(i):
        c = libvirt.open(d.uri)  # every client holds its connection open through the barrier
        try:
            barrier.wait()
            p = c.storagePoolLookupByName("load")
            vol = p.createXML(f"<volume><name>c{i}</name><capacity>1048576</capacity>"
                              "</volume>", 0)
            names = [v.name() for v in p.listAllVolumes(0)]
            info = vol.info()
            xml = vol.XMLDesc(0)
            vol.delete(0)
            return f"c{i}" in names and info[1] == 1048576 and f"<name>c{i}</name>" in xml
        finally:
            c.close()

    def misbehave():
        for _ in range(5):
            garbage(d.sock, os.urandom(2048))
            garbage(d.sock, (0x7FFFFFFF).to_bytes(4, "big") + b"x" * 64)
        for direction, vol in (("upload", "up.img"), ("download", "down.img")):
            out = subprocess.run([sys.executable, "-c", CLIENT_GONE, d.uri, "load", vol,
                                  direction], capture_output=True, text=True, timeout=120)
            assert out.returncode == 0, out.stderr

    with concurrent.futures.ThreadPoolExecutor(max_workers=CLIENTS + 1) as ex:
        bad = ex.submit(misbehave)
        results = list(ex.map(work, range(CLIENTS)))
        bad.result()
    assert results.count(True) == CLIENTS
    assert d.alive()
    assert sorted(pool.listVolumes()) == ["down.img", "up.img"]
    conn.close()
