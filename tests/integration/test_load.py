"""test_load.py: 64 libvirt-python clients running a mixed workload against one vstord for
VSTOR_LOAD_SECONDS (10 in the normal suite, 60 under `make check-long`), alongside a long clone
and an upload: no client sees an error, nothing deadlocks, keepalive pings are answered all
along, and the daemon's memory is flat afterwards. Prints the throughput."""
import os
import random
import socket
import struct
import threading
import time

import pytest

from conftest import valgrind_wanted

libvirt = pytest.importorskip("libvirt")

CLIENTS = 64
SECONDS = float(os.environ.get("VSTOR_LOAD_SECONDS", "10"))
MiB = 1 << 20
KEEPALIVE = 0x6B656570


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def ping_forever(sock_path, stop, worst):
    """Sends keepalive pings every 0.2 s on a raw connection; keeps the slowest answer."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(str(sock_path))
    s.settimeout(10)
    try:
        while not stop.is_set():
            t0 = time.monotonic()
            s.sendall(struct.pack(">IIIiIII", 28, KEEPALIVE, 1, 1, 2, 0, 0))
            reply = b""
            while len(reply) < 28:
                chunk = s.recv(28 - len(reply))
                assert chunk, "the daemon closed the keepalive connection"
                reply += chunk
            assert struct.unpack(">IIIiIII", reply)[3] == 2, "not a pong"
            worst[0] = max(worst[0], time.monotonic() - t0)
            time.sleep(0.2)
    finally:
        s.close()


def test_mixed_load(start_vstord, tmp_path):
    d = start_vstord(tmp_path / "root")
    conn = libvirt.open(d.uri)
    target = tmp_path / "pool"
    pool = conn.storagePoolCreateXML(
        f"<pool type='dir'><name>load</name><target><path>{target}</path></target></pool>",
        libvirt.VIR_STORAGE_POOL_CREATE_WITH_BUILD)
    # A source for the long clone: real data, so the copy takes a while.
    src = pool.createXML(f"<volume><name>big.img</name><capacity>{256 * MiB}</capacity>"
                         "<allocation>0</allocation></volume>", 0)
    with open(target / "big.img", "r+b") as f:
        chunk = bytes(range(256)) * 4096
        for i in range(256):
            f.write(chunk)
    pool.createXML(f"<volume><name>up.img</name><capacity>{128 * MiB}</capacity></volume>", 0)
    pool.refresh(0)

    stop = threading.Event()
    errors, ops = [], [0] * CLIENTS
    worst_ping = [0.0]

    def client(n):
        rnd = random.Random(n)
        c = libvirt.open(d.uri)
        try:
            p = c.storagePoolLookupByName("load")
            mine = []
            while not stop.is_set():
                action = rnd.random()
                if action < 0.3 or not mine:
                    name = f"c{n}-{ops[n]}.img"
                    fmt = "qcow2" if rnd.random() < 0.3 else "raw"
                    mine.append(p.createXML(
                        f"<volume><name>{name}</name><capacity>{MiB}</capacity>"
                        f"<target><format type='{fmt}'/></target></volume>", 0))
                elif action < 0.5:
                    v = mine.pop(rnd.randrange(len(mine)))
                    v.delete(0)
                elif action < 0.7:
                    p.listAllVolumes(0)
                elif action < 0.85:
                    rnd.choice(mine).info()
                elif action < 0.95:
                    rnd.choice(mine).XMLDesc(0)
                else:
                    p.info()
                    p.refresh(0)
                ops[n] += 1
            for v in mine:
                v.delete(0)
        except libvirt.libvirtError as e:
            errors.append(f"client {n}: {e}")
        finally:
            c.close()

    def long_jobs():
        c = libvirt.open(d.uri)
        try:
            p = c.storagePoolLookupByName("load")
            k = 0
            while not stop.is_set():
                clone = p.createXMLFrom(f"<volume><name>clone{k}.img</name><capacity>0</capacity>"
                                        "</volume>", src, 0)
                clone.delete(0)
                st = c.newStream(0)
                p.storageVolLookupByName("up.img").upload(st, 0, 0, 0)
                data = os.urandom(MiB)
                for _ in range(64):
                    st.send(data)
                st.finish()
                k += 1
        except libvirt.libvirtError as e:
            errors.append(f"long jobs: {e}")
        finally:
            c.close()

    pinger = threading.Thread(target=ping_forever, args=(d.sock, stop, worst_ping))
    pinger.start()
    # Warm up (threads, caches), then take the memory baseline.
    time.sleep(1)
    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    threads.append(threading.Thread(target=long_jobs))
    t0 = time.monotonic()
    for t in threads:
        t.start()
    time.sleep(min(2.0, SECONDS / 4))
    rss_warm = rss_kib(d.pid)
    time.sleep(max(0.0, SECONDS - (time.monotonic() - t0)))
    stop.set()
    for t in threads:
        t.join(timeout=120)
        assert not t.is_alive(), "a client is stuck: deadlock?"
    pinger.join(timeout=30)
    elapsed = time.monotonic() - t0

    assert not errors, "\n".join(errors[:10])
    assert d.alive()
    assert worst_ping[0] < 2.0, f"a keepalive ping waited {worst_ping[0]:.2f} s"
    # Every client cleaned up after itself: only the two fixed volumes are left.
    pool.refresh(0)
    assert sorted(pool.listVolumes()) == ["big.img", "up.img"]
    # Memory flat: after the load the daemon holds no more than it did warmed up, plus slack
    # for allocator caching.
    time.sleep(1)
    rss_after = rss_kib(d.pid)
    # Under valgrind RSS is mostly valgrind's (shadow memory, the freed blocks it holds back to
    # catch late uses); its leak check at the daemon's stop stands in for this bound there.
    if not valgrind_wanted():
        assert rss_after < rss_warm + 32 * 1024, f"RSS grew from {rss_warm} to {rss_after} KiB"
    total = sum(ops)
    print(f"\nload: {CLIENTS} clients, {elapsed:.1f} s, {total} calls, {total / elapsed:.0f} "
          f"calls/s; slowest keepalive answer {worst_ping[0] * 1000:.0f} ms; RSS {rss_warm} -> "
          f"{rss_after} KiB")
    conn.close()
