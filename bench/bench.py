#!/usr/bin/python3
"""bench.py: the side-by-side benchmark. Starts a private vstord and, as the reference, Debian's
libvirtd 9.0.0 on a private root, runs the same workload through the same client
(libvirt-python) against each, and prints a table — workload, libvirtd seconds, vstord seconds,
ratio — and writes it as JSON. Neither daemon touches the host's own pools.

usage: bench.py [--build DIR] [--work DIR] [--json FILE] [--quick]
  --quick   smaller counts and sizes (a smoke run, not numbers to publish)
"""
import argparse
import hashlib
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import libvirt

REPO = pathlib.Path(__file__).resolve().parents[1]
REF = REPO.parent / "shared" / "scripts" / "libvirtd-ref"
MiB = 1024 * 1024
GiB = 1024 * MiB


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Daemon:
    """A running daemon: its URI, pid and how to stop it."""

    def __init__(self, name, uri, pid, stop):
        self.name, self.uri, self.pid, self._stop = name, uri, pid, stop

    def stop(self):
        self._stop()


def start_vstord(build, root):
    root.mkdir(parents=True)
    log = open(root / "vstord.log", "wb")
    proc = subprocess.Popen([str(build / "vstord"), "--root", str(root)], stdout=log,
                            stderr=subprocess.STDOUT)
    sock = root / "run" / "vstord-sock"
    for _ in range(200):
        if (root / "run" / "vstord-sock-ro").exists():
            break
        if proc.poll() is not None:
            sys.exit(f"vstord did not start: {(root / 'vstord.log').read_text()}")
        time.sleep(0.05)

    def stop():
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        log.close()
    return Daemon("vstord", f"vstor+unix:///system?socket={sock}", proc.pid, stop)


def start_libvirtd(root):
    out = subprocess.run([str(REF), "start", str(root)], capture_output=True, text=True,
                         check=False)
    if out.returncode != 0:
        sys.exit(f"the reference libvirtd did not start: {out.stderr}")
    uri = out.stdout.strip().splitlines()[-1]
    pid = int((root / "run" / "libvirtd.pid").read_text())

    def stop():
        subprocess.run([str(REF), "stop", str(root)], check=False)
        for _ in range(100):
            if not os.path.exists(f"/proc/{pid}"):
                break
            time.sleep(0.1)
    return Daemon("libvirtd", uri, pid, stop)


def timed(results, name, fn):
    t0 = time.monotonic()
    fn()
    results[name] = time.monotonic() - t0


def vol_xml(name, capacity, fmt="raw", allocation=0):
    return (f"<volume><name>{name}</name><capacity>{capacity}</capacity>"
            f"<allocation>{allocation}</allocation>"
            f"<target><format type='{fmt}'/></target></volume>")


def file_sha(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(4 * MiB):
            h.update(chunk)
    return h.hexdigest()


def upload(conn, vol, path):
    st = conn.newStream(0)
    vol.upload(st, 0, 0, 0)
    with open(path, "rb") as f:
        st.sendAll(lambda s, n, fh: fh.read(n), f)
    st.finish()


def download(conn, vol, path):
    st = conn.newStream(0)
    vol.download(st, 0, 0, 0)
    with open(path, "wb") as f:
        st.recvAll(lambda s, data, fh: fh.write(data), f)
    st.finish()


def run_workload(d, work, sizes, data_file):
    """The whole workload against one daemon; returns {workload: seconds or KiB}."""
    r = {}
    conn = libvirt.open(d.uri)
    pooldir = work / "pool"
    pooldir.mkdir()
    pool = conn.storagePoolDefineXML(
        f"<pool type='dir'><name>bench</name><target><path>{pooldir}</path></target></pool>", 0)
    pool.create(0)
    time.sleep(1)
    r["idle RSS (KiB)"] = rss_kib(d.pid)

    timed(r, f"create {sizes['raw']} raw sparse volumes", lambda: [
        pool.createXML(vol_xml(f"raw{i}.img", 64 * MiB), 0) for i in range(sizes["raw"])])
    timed(r, f"create {sizes['qcow2']} qcow2 volumes", lambda: [
        pool.createXML(vol_xml(f"q{i}.qcow2", 1 * GiB, "qcow2"), 0)
        for i in range(sizes["qcow2"])])

    for i in range(sizes["files"]):
        with open(pooldir / f"file{i:05d}.img", "wb") as f:
            f.truncate(MiB)
    timed(r, f"refresh after {sizes['files']} new files", lambda: pool.refresh(0))

    vols = []
    timed(r, "list-all volumes", lambda: vols.extend(pool.listAllVolumes(0)))
    r["volumes listed"] = len(vols)
    timed(r, "info on each volume", lambda: [v.info() for v in vols])
    timed(r, f"XML of {sizes['xml']} volumes", lambda: [v.XMLDesc(0)
                                                        for v in vols[:sizes["xml"]]])
    r["RSS with all volumes (KiB)"] = rss_kib(d.pid)

    empty = pool.createXML(vol_xml("empty.img", sizes["empty"]), 0)
    timed(r, f"clone empty {sizes['empty'] // GiB} GiB volume",
          lambda: pool.createXMLFrom(vol_xml("empty-clone.img", sizes["empty"]), empty, 0))

    data = pool.createXML(vol_xml("data.img", sizes["data"]), 0)
    timed(r, f"upload {sizes['data'] // MiB} MiB", lambda: upload(conn, data, data_file))
    assert file_sha(pooldir / "data.img") == file_sha(data_file), "upload contents differ"
    back = work / "download.bin"
    timed(r, f"download {sizes['data'] // MiB} MiB", lambda: download(conn, data, back))
    assert file_sha(back) == file_sha(data_file), "download contents differ"
    back.unlink()

    timed(r, f"clone {sizes['data'] // MiB} MiB of data",
          lambda: pool.createXMLFrom(vol_xml("data-clone.img", sizes["data"]), data, 0))
    timed(r, f"convert {sizes['data'] // MiB} MiB raw to qcow2",
          lambda: pool.createXMLFrom(vol_xml("data.qcow2", sizes["data"], "qcow2"), data, 0))
    clone = pool.storageVolLookupByName("data-clone.img")
    timed(r, f"wipe {sizes['data'] // MiB} MiB (zero)", lambda: clone.wipe(0))
    with open(pooldir / "data-clone.img", "rb") as f:
        assert not f.read(MiB).strip(b"\0"), "wiped volume still holds data"

    pool.refresh(0)
    timed(r, "delete every volume", lambda: [v.delete(0) for v in pool.listAllVolumes(0)])
    pool.destroy()
    pool.undefine()
    conn.close()
    return r


def fmt_value(name, v):
    if v is None:
        return "-"
    if "KiB" in name:
        return f"{v / 1024:.1f} MiB"
    if name == "volumes listed":
        return str(v)
    return f"{v:.3f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=str(REPO / "build"))
    ap.add_argument("--work", default=None, help="scratch directory (default: a temp dir)")
    ap.add_argument("--json", default=str(REPO / "bench" / "results" / "latest.json"))
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()

    sizes = dict(raw=500, qcow2=200, files=5000, xml=1000, empty=4 * GiB, data=512 * MiB)
    if args.quick:
        sizes = dict(raw=50, qcow2=20, files=500, xml=100, empty=1 * GiB, data=32 * MiB)
    work = pathlib.Path(args.work or tempfile.mkdtemp(prefix="vstor-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    data_file = work / "random.bin"
    with open(data_file, "wb") as f:
        for _ in range(sizes["data"] // MiB):
            f.write(os.urandom(MiB))

    results = {}
    try:
        for name, start in (("libvirtd", lambda w: start_libvirtd(w / "root")),
                            ("vstord", lambda w: start_vstord(pathlib.Path(args.build),
                                                              w / "root"))):
            w = work / name
            w.mkdir()
            print(f"running the workload against {name} …", file=sys.stderr, flush=True)
            d = start(w)
            try:
                results[name] = run_workload(d, w, sizes, data_file)
            finally:
                d.stop()
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)

    rows = []
    for key in results["libvirtd"]:
        lv, vs = results["libvirtd"][key], results["vstord"].get(key)
        ratio = vs / lv if lv and vs is not None and key != "volumes listed" else None
        rows.append({"workload": key, "libvirtd": lv, "vstord": vs, "ratio": ratio})
    w0 = max(len(r["workload"]) for r in rows)
    print(f"{'workload':<{w0}}  {'libvirtd':>12}  {'vstord':>12}  {'ratio':>7}")
    for row in rows:
        ratio = f"{row['ratio']:.3f}" if row["ratio"] is not None else "-"
        print(f"{row['workload']:<{w0}}  {fmt_value(row['workload'], row['libvirtd']):>12}  "
              f"{fmt_value(row['workload'], row['vstord']):>12}  {ratio:>7}")
    out = pathlib.Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
                               "quick": args.quick, "sizes": sizes, "rows": rows}, indent=2)
                   + "\n")
    print(f"written to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
