#!/usr/bin/python3
"""bench.py: the side-by-side benchmark. Starts a private vstord and, as the reference, Debian's
libvirtd 9.0.0 on a private root, runs the same workload through the same client
(libvirt-python) against both, and prints a table — workload, libvirtd seconds, vstord seconds,
ratio — and writes it as JSON. Neither daemon touches the host's own pools.

How it keeps the comparison fair on a shared, noisy machine:
- both daemons run at once and go through the workload together: the calls of a many-call
  row (creates, info, XML, deletes) are cut into rounds that alternate between them (and
  which one goes first), so a busy moment of the machine lands on both alike;
- the pools of the many-call rows live side by side on a file system made for the run (ext4
  on a loop device doing direct I/O to its image, when run as root), so neither daemon
  inherits what the other, or anything else on the machine, did to the host's file system
  (ext4 searches past recently freed inodes when it makes new ones: a pool made right after
  another deleted thousands of files pays for it); the rows that move data use pools on the
  host's file system, where the disk, not a loop device, sets the pace; clone and convert run
  once more on XFS made with reflink (a loop device), where vstord shares the input's blocks;
- the whole workload runs --runs times, each on new daemons and a new file system, which
  daemon goes first in every row swapping from one run to the next, and the table shows the
  median of each value;
- resident memory is VmRSS of each daemon's process, read the same way for both.

usage: bench.py [--build DIR] [--work DIR] [--json FILE] [--quick] [--runs N] [--calls-only]
                [--pool-dir DIR]
  --quick       smaller counts and sizes (a smoke run, not numbers to publish)
  --runs N      whole workloads to take the median of (default 3)
  --calls-only  only the rows made of many small calls (and memory): no data transfers
  --pool-dir D  keep the many-call rows' pools under D instead of a file system made for the run
"""
import argparse
import hashlib
import json
import os
import pathlib
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

import libvirt

REPO = pathlib.Path(__file__).resolve().parents[1]
REF = REPO.parent / "shared" / "scripts" / "libvirtd-ref"
MiB = 1024 * 1024
GiB = 1024 * MiB
NAMES = ("libvirtd", "vstord")
ROUNDS = 10  # rounds a many-call row is cut into
LIST_CALLS = 9  # list-all calls per daemon; the row is their median


# Issue 6's targets, vstord ÷ libvirtd, by the start of the workload's name (counts and sizes
# vary with --quick); every other workload must at least beat libvirtd (below 1). Rows that
# are no workload (a count, a share derived from another row) have none.
TARGETS = (("idle RSS (KiB)", 0.2), ("refresh after", 0.1),
           ("list-all volumes", 0.5), ("info on each", 0.5), ("clone empty", 0.01),
           ("clone", 0.7), ("convert", 0.7), ("wipe", 0.1), ("upload", 0.6),
           ("download", 0.6), ("delete every", 0.5))
NO_TARGET = ("volumes listed", "list-all, beyond the client's CPU")


def target_of(workload):
    """The ratio @workload must stay at or under, 1 (exclusive) for the rest, None for none."""
    if workload in NO_TARGET:
        return None
    if workload.startswith("create"):
        return 0.1 if "qcow2" in workload else 0.5
    for prefix, target in TARGETS:
        if workload.startswith(prefix):
            return target
    return 1.0


def meets(ratio, target):
    return ratio < 1.0 if target == 1.0 else ratio <= target


def rss_kib(pid, field="VmRSS"):
    """VmRSS of @pid: resident pages of the process, shared library pages included (or
    RssAnon: only its anonymous pages — heap, stacks, written data)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
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


class PoolFs:
    """A file system the daemons keep pools on: @fstype (ext4, or xfs with reflink) made for the
    run on a loop device (as root, with its mkfs), or a directory as it is."""

    MKFS = {"ext4": ["mkfs.ext4", "-q", "-F", "-N", "65536", "-E",
                     # Inode tables written now, not by a background thread during the run.
                     "lazy_itable_init=0,lazy_journal_init=0"],
            "xfs": ["mkfs.xfs", "-q", "-f", "-m", "reflink=1"]}

    def __init__(self, work, size, pool_dir=None, fstype="ext4"):
        self.image = self.device = None
        if pool_dir:
            self.path = pathlib.Path(pool_dir)
            self.path.mkdir(parents=True, exist_ok=True)
            return
        name = "fs" if fstype == "ext4" else fstype
        self.path = work / name
        self.path.mkdir()
        if os.geteuid() != 0 or not shutil.which(self.MKFS[fstype][0]):
            print(f"not root or no {self.MKFS[fstype][0]}: pools on the work directory's file "
                  "system", file=sys.stderr)
            return
        self.image = work / f"{name}.img"
        with open(self.image, "wb") as f:
            f.truncate(size)
        subprocess.run(self.MKFS[fstype] + [str(self.image)], check=True,
                       stdout=subprocess.DEVNULL)
        # Direct I/O to the image: without it every fsync would also write out whatever the
        # other daemon left dirty in the image file's own page cache (a flush of the loop
        # device is an fsync of its whole backing file), which a real disk does not do.
        out = subprocess.run(["losetup", "--direct-io=on", "--find", "--show", str(self.image)],
                             capture_output=True, text=True, check=False)
        self.device = out.stdout.strip() if out.returncode == 0 else None
        if self.device:
            subprocess.run(["mount", self.device, str(self.path)], check=True)
        else:
            print("no direct-I/O loop device: a plain one", file=sys.stderr)
            subprocess.run(["mount", "-o", "loop", str(self.image), str(self.path)], check=True)

    def close(self):
        if self.image:
            subprocess.run(["umount", str(self.path)], check=False)
            if self.device:
                subprocess.run(["losetup", "-d", self.device], check=False)
            self.image.unlink(missing_ok=True)


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


def ready_buffer(size):
    """@size bytes of memory with every page faulted in: on this kind of VM the first touch of
    512 MiB costs the client about 2 s, the same for both daemons, and a download row that
    included it would measure the client (it did until the sixth session)."""
    buf = bytearray(size)
    for i in range(0, size, 4096):
        buf[i] = 1
    return buf


def download(conn, vol, buf):
    """The volume's contents, received into @buf (from ready_buffer, made before the timing
    starts); returns how many bytes came. The SHA-256 is taken afterwards, untimed: not
    written to a file, nor hashed as it arrives, for the same reason as above."""
    view = memoryview(buf)
    pos = [0]

    def put(_st, data, _opaque):
        view[pos[0]:pos[0] + len(data)] = data
        pos[0] += len(data)
    st = conn.newStream(0)
    vol.download(st, 0, 0, 0)
    st.recvAll(put, None)
    st.finish()
    return pos[0]


def dir_pool(conn, name, path):
    path.mkdir()
    pool = conn.storagePoolDefineXML(
        f"<pool type='dir'><name>{name}</name><target><path>{path}</path></target></pool>", 0)
    pool.create(0)
    return pool


class Side:
    """One daemon's half of the workload: its connection, pool and results."""

    def __init__(self, daemon, pooldir):
        self.d = daemon
        self.conn = libvirt.open(daemon.uri)
        self.pooldir = pooldir
        self.pool = dir_pool(self.conn, "bench", pooldir)
        self.r = {}
        self.vols = []

    def add(self, key, seconds):
        self.r[key] = self.r.get(key, 0.0) + seconds


def interleaved(sides, key, count, call):
    """@count calls of call(side, i), cut into ROUNDS rounds; in each round every side makes
    its share, the first side alternating. Each side's row is the sum of its own rounds."""
    bounds = [count * k // ROUNDS for k in range(ROUNDS + 1)]
    for k in range(ROUNDS):
        for side in (sides if k % 2 == 0 else sides[::-1]):
            t0 = time.monotonic()
            for i in range(bounds[k], bounds[k + 1]):
                call(side, i)
            side.add(key, time.monotonic() - t0)


def each(sides, key, fn, turn=0, prepare=None):
    """fn(side) once per side, timed; @turn decides which side goes first. Each starts with
    nothing left to write back (a sync, not timed): otherwise one daemon's operation would run
    while the kernel still writes out what the one before left behind (libvirtd's clone of an
    empty volume, for one, leaves gigabytes of written zeros)."""
    for side in (sides if turn % 2 == 0 else sides[::-1]):
        os.sync()
        if prepare:
            prepare(side)
        t0 = time.monotonic()
        fn(side)
        side.add(key, time.monotonic() - t0)


def run_workload(sides, sizes, data_file, work, calls_only, xfs=None):
    """The whole workload against both daemons at once; fills each side's results."""
    time.sleep(1)
    for s in sides:
        s.r["idle RSS (KiB)"] = rss_kib(s.d.pid)
        s.r["idle RSS, anonymous part (KiB)"] = rss_kib(s.d.pid, "RssAnon")

    # The floor of every row made of calls: a round trip that asks the server for nothing.
    interleaved(sides, f"empty call (getLibVersion) x {sizes['empty_calls']}", sizes["empty_calls"],
                lambda s, i: s.conn.getLibVersion())
    interleaved(sides, f"create {sizes['raw']} raw sparse volumes", sizes["raw"],
                lambda s, i: s.pool.createXML(vol_xml(f"raw{i}.img", 64 * MiB), 0))
    interleaved(sides, f"create {sizes['qcow2']} qcow2 volumes", sizes["qcow2"],
                lambda s, i: s.pool.createXML(vol_xml(f"q{i}.qcow2", 1 * GiB, "qcow2"), 0))

    def files_then_refresh(side):
        for i in range(sizes["files"]):
            with open(side.pooldir / f"file{i:05d}.img", "wb") as f:
                f.truncate(MiB)
        t0 = time.monotonic()
        side.pool.refresh(0)
        side.add(f"refresh after {sizes['files']} new files", time.monotonic() - t0)
    for s in sides:
        files_then_refresh(s)

    # Besides the call's time, the client's own CPU in it (libvirt-python decoding the reply and
    # building an object per volume, on this thread): what is left is the daemon's share.
    lists = {s.d.name: [] for s in sides}
    beyond = {s.d.name: [] for s in sides}
    for k in range(LIST_CALLS):
        for s in (sides if k % 2 == 0 else sides[::-1]):
            c0 = time.thread_time()
            t0 = time.monotonic()
            vols = s.pool.listAllVolumes(0)
            wall = time.monotonic() - t0
            lists[s.d.name].append(wall)
            beyond[s.d.name].append(max(0.0, wall - (time.thread_time() - c0)))
            # The previous list's 5,700 objects are freed here, untimed: until the eighth
            # session `s.vols = listAllVolumes()` freed them inside the timing (4-10 ms of
            # the client's, for either daemon).
            s.vols = vols
    for s in sides:
        s.r["list-all volumes"] = statistics.median(lists[s.d.name])
        s.r["list-all, beyond the client's CPU"] = statistics.median(beyond[s.d.name])
        s.r["volumes listed"] = len(s.vols)
    count = min(len(s.vols) for s in sides)
    interleaved(sides, "info on each volume", count, lambda s, i: s.vols[i].info())
    interleaved(sides, "XML of each volume", count, lambda s, i: s.vols[i].XMLDesc(0))
    for s in sides:
        s.r["RSS with all volumes (KiB)"] = rss_kib(s.d.pid)

    if not calls_only:
        data_rows(sides, sizes, data_file, work)
        if xfs:
            reflink_rows(sides, sizes, data_file, xfs)
    for s in sides:
        s.pool.refresh(0)
        s.vols = s.pool.listAllVolumes(0)
    count = min(len(s.vols) for s in sides)
    interleaved(sides, "delete every volume", count, lambda s, i: s.vols[i].delete(0))
    for s in sides:
        s.pool.destroy()
        s.pool.undefine()
        s.conn.close()


def data_rows(sides, sizes, data_file, work):
    """The rows that move data: one operation each, the order of the daemons alternating. Their
    pools are on the work directory's file system, the host's own: a loop device in between
    would make its throughput, not the daemons', what they measure."""
    empty = f"clone empty {sizes['empty'] // GiB} GiB volume"
    for s in sides:
        s.ddir = work / f"{s.d.name}-data"
        s.dpool = dir_pool(s.conn, "bench-data", s.ddir)
        s.empty = s.dpool.createXML(vol_xml("empty.img", sizes["empty"]), 0)
        s.data = s.dpool.createXML(vol_xml("data.img", sizes["data"]), 0)
    each(sides, empty, lambda s: s.dpool.createXMLFrom(
        vol_xml("empty-clone.img", sizes["empty"]), s.empty, 0), 0)
    mib = sizes["data"] // MiB
    each(sides, f"upload {mib} MiB", lambda s: upload(s.conn, s.data, data_file), 1)
    for s in sides:
        assert file_sha(s.ddir / "data.img") == file_sha(data_file), "upload contents differ"

    for s in sides:
        s.downloaded = ready_buffer(sizes["data"])

    def down(s):
        s.got = download(s.conn, s.data, s.downloaded)

    def uncached(s):
        """The volume's data out of the page cache, as for a volume written some time ago:
        vstord's upload leaves none of it there (write-behind drops what it wrote), libvirtd's
        all of it, and the row would compare the two uploads' side effects, not downloads."""
        fd = os.open(s.ddir / "data.img", os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)
    each(sides, f"download {mib} MiB", down, 0, uncached)
    for s in sides:
        assert s.got == sizes["data"], f"download of {s.got} bytes"
        assert hashlib.sha256(s.downloaded).hexdigest() == file_sha(data_file), \
            "download contents differ"
        s.downloaded = None
    def cached(s):
        """The volume's data in the page cache for both daemons, as it was before the
        download row: libvirtd's download leaves it there, vstord's (read behind, since the ninth
        session) does not, and the rows that read it would compare the two downloads' side
        effects."""
        with open(s.ddir / "data.img", "rb") as f:
            while f.read(8 * MiB):
                pass
    each(sides, f"clone {mib} MiB of data", lambda s: s.dpool.createXMLFrom(
        vol_xml("data-clone.img", sizes["data"]), s.data, 0), 1, cached)
    convert_key = f"convert {mib} MiB raw to qcow2"

    def convert_then_flush(s):
        """The conversion (its own row), then an fdatasync of the image it made: the second
        row is the time until the image is on disk. libvirtd's qemu-img runs with
        cache=unsafe and returns with the image still in the page cache; vstord's is on disk
        when the call returns, and the fdatasync finds nothing to write."""
        t0 = time.monotonic()
        s.dpool.createXMLFrom(vol_xml("data.qcow2", sizes["data"], "qcow2"), s.data, 0)
        s.add(convert_key, time.monotonic() - t0)
        fd = os.open(s.ddir / "data.qcow2", os.O_RDONLY)
        try:
            os.fdatasync(fd)
        finally:
            os.close(fd)
    each(sides, f"{convert_key}, until on disk", convert_then_flush, 0, cached)
    each(sides, f"wipe {mib} MiB (zero)",
         lambda s: s.dpool.storageVolLookupByName("data-clone.img").wipe(0), 1)
    for s in sides:
        with open(s.ddir / "data-clone.img", "rb") as f:
            assert not f.read(MiB).strip(b"\0"), "wiped volume still holds data"
        for vol in s.dpool.listAllVolumes(0):
            vol.delete(0)
        s.dpool.destroy()
        s.dpool.undefine()


def reflink_fs(run_dir, sizes, calls_only):
    """The XFS (with reflink) of reflink_rows, made before the daemons start (libvirtd would
    not see a mount made later), or None without root or mkfs.xfs, or with --calls-only."""
    if calls_only:
        return None
    if os.geteuid() != 0 or not shutil.which("mkfs.xfs"):
        print("not root or no mkfs.xfs: no rows on XFS", file=sys.stderr)
        return None
    return PoolFs(run_dir, 4 * sizes["data"] + GiB, fstype="xfs")


def reflink_rows(sides, sizes, data_file, xfs):
    """Clone and convert again on @xfs, a file system that shares extents (XFS made with
    reflink, on a loop device): the same calls; libvirtd copies the data as before, while
    vstord's new volume shares the input's blocks (FICLONE; qemu-img -C)."""
    mib = sizes["data"] // MiB
    for s in sides:
        s.xdir = xfs.path / f"{s.d.name}-pool"
        s.xpool = dir_pool(s.conn, "bench-xfs", s.xdir)
        shutil.copyfile(data_file, s.xdir / "data.img")
        os.sync()
        s.xpool.refresh(0)
        s.xdata = s.xpool.storageVolLookupByName("data.img")
    each(sides, f"clone {mib} MiB of data, XFS with reflink", lambda s: s.xpool.createXMLFrom(
        vol_xml("data-clone.img", sizes["data"]), s.xdata, 0), 0)
    each(sides, f"convert {mib} MiB raw to qcow2, XFS with reflink",
         lambda s: s.xpool.createXMLFrom(vol_xml("data.qcow2", sizes["data"], "qcow2"),
                                         s.xdata, 0), 1)
    for s in sides:
        assert file_sha(s.xdir / "data-clone.img") == file_sha(data_file), "clone on XFS differs"
        subprocess.run(["qemu-img", "compare", "-q", "-f", "raw", "-F", "qcow2", str(data_file),
                        str(s.xdir / "data.qcow2")], check=True)
        for vol in s.xpool.listAllVolumes(0):
            vol.delete(0)
        s.xpool.destroy()
        s.xpool.undefine()


def one_run(args, sizes, data_file, run_dir, flip=False):
    """One whole workload on new daemons and a new file system: {daemon: {workload: value}}.
    @flip swaps which daemon goes first in every row (runs alternate it: a data row is one
    operation per daemon, and the second may find the disk still busy with the first)."""
    run_dir.mkdir(parents=True)
    fs = PoolFs(run_dir, 12 * GiB, args.pool_dir and pathlib.Path(args.pool_dir) / run_dir.name)
    xfs = None
    daemons = []
    try:
        xfs = reflink_fs(run_dir, sizes, args.calls_only)
        daemons.append(start_libvirtd(run_dir / "libvirtd-root"))
        daemons.append(start_vstord(pathlib.Path(args.build), run_dir / "vstord-root"))
        sides = [Side(d, fs.path / f"{d.name}-pool") for d in daemons]
        if flip:
            sides.reverse()
        run_workload(sides, sizes, data_file, run_dir, args.calls_only, xfs)
        return {s.d.name: s.r for s in sides}
    finally:
        for d in daemons:
            d.stop()
        if xfs:
            xfs.close()
        fs.close()


def fmt_value(name, v):
    if v is None:
        return "-"
    if "KiB" in name:
        return f"{v / 1024:.1f} MiB"
    if name == "volumes listed":
        return str(v)
    return f"{v:.3f}"


def fmt_target(target):
    if target is None:
        return "-"
    return "< 1" if target == 1.0 else f"≤ {target:g}"


def fmt_met(met):
    return "" if met is None else ("met" if met else "NOT MET")


def summarize(runs):
    """Rows of medians over @runs, each with every run's ratio. The ratio shown is the median of
    the runs' ratios: each run compares the daemons at the same moments, runs do not."""
    rows = []
    for key in runs[0]["libvirtd"]:
        lvs = [r["libvirtd"][key] for r in runs]
        vss = [r["vstord"].get(key) for r in runs]
        counted = key != "volumes listed"
        median = statistics.median if counted else statistics.median_low
        lv = median(lvs)
        vs = median(vss) if None not in vss else None
        each_ratio = ([v / l for l, v in zip(lvs, vss)]
                      if counted and vs is not None and all(lvs) else None)
        ratio = statistics.median(each_ratio) if each_ratio else None
        target = target_of(key) if ratio is not None else None
        rows.append({"workload": key, "libvirtd": lv, "vstord": vs, "ratio": ratio,
                     "ratios": each_ratio, "target": target,
                     "met": meets(ratio, target) if target is not None else None})
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=str(REPO / "build"))
    ap.add_argument("--work", default=None, help="scratch directory (default: a temp dir)")
    ap.add_argument("--json", default=str(REPO / "bench" / "results" / "latest.json"))
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--calls-only", action="store_true")
    ap.add_argument("--pool-dir", default=None)
    args = ap.parse_args()

    sizes = dict(empty_calls=1000, raw=500, qcow2=200, files=5000, empty=4 * GiB, data=512 * MiB)
    if args.quick:
        sizes = dict(empty_calls=100, raw=50, qcow2=20, files=500, empty=1 * GiB, data=32 * MiB)
    work = pathlib.Path(args.work or tempfile.mkdtemp(prefix="vstor-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    data_file = work / "random.bin"
    if not args.calls_only:
        with open(data_file, "wb") as f:
            for _ in range(sizes["data"] // MiB):
                f.write(os.urandom(MiB))

    runs = []
    try:
        for n in range(args.runs):
            print(f"run {n + 1} of {args.runs}: both daemons …", file=sys.stderr, flush=True)
            runs.append(one_run(args, sizes, data_file, work / f"run{n + 1}", flip=n % 2 == 1))
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)

    rows = summarize(runs)
    w0 = max(len(r["workload"]) for r in rows)
    print(f"median of {len(runs)} run(s)")
    print(f"{'workload':<{w0}}  {'libvirtd':>12}  {'vstord':>12}  {'ratio':>7}  "
          f"{'target':>7}  {'':7}  runs")
    for row in rows:
        ratio = f"{row['ratio']:.3f}" if row["ratio"] is not None else "-"
        spread = " ".join(f"{x:.2f}" for x in row["ratios"]) if row["ratios"] else ""
        print(f"{row['workload']:<{w0}}  {fmt_value(row['workload'], row['libvirtd']):>12}  "
              f"{fmt_value(row['workload'], row['vstord']):>12}  {ratio:>7}  "
              f"{fmt_target(row.get('target')):>7}  {fmt_met(row.get('met')):7}  {spread}")
    judged = [r for r in rows if r.get("met") is not None]
    missed = [r["workload"] for r in judged if not r["met"]]
    print(f"targets met: {len(judged) - len(missed)} of {len(judged)}"
          + (f"; not met: {', '.join(missed)}" if missed else "")
          + (" (--quick: sizes too small for the targets to mean anything)" if args.quick
             else ""))
    out = pathlib.Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
                               "quick": args.quick, "runs": len(runs),
                               "calls_only": args.calls_only, "sizes": sizes, "rows": rows,
                               "each_run": runs}, indent=2) + "\n")
    print(f"written to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
