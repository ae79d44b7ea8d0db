#!/usr/bin/python3
"""scale.py: the scaling run — 1k, 10k and 100k volumes in one dir pool: start (a full scan),
refresh with nothing changed (right after the start, and again 3 s later), list-all (median of
five), and look-up by name — against vstord and, up to --libvirtd-max volumes, Debian's
libvirtd 9.0.0 as the reference. Writes a JSON file and a
PNG plot (log-log) for docs/performance.md.

usage: scale.py [--build DIR] [--counts 1000,10000,100000] [--libvirtd-max N]
                [--json FILE] [--png FILE]
"""
import argparse
import json
import pathlib
import random
import shutil
import statistics
import sys
import tempfile
import time

import libvirt

from bench import REPO, start_libvirtd, start_vstord

LOOKUPS = 1000
LISTS = 5  # list-all calls; the row is their median (one call is at the noise's mercy)


def measure(d, work, count):
    conn = libvirt.open(d.uri)
    pooldir = work / "pool"
    pooldir.mkdir()
    for i in range(count):
        with open(pooldir / f"v{i:06d}.img", "wb") as f:
            f.truncate(1 << 20)
    pool = conn.storagePoolDefineXML(
        f"<pool type='dir'><name>scale</name><target><path>{pooldir}</path></target></pool>", 0)
    r = {}
    t0 = time.monotonic()
    pool.create(0)
    r["start (full scan)"] = time.monotonic() - t0
    t0 = time.monotonic()
    pool.refresh(0)
    r["refresh, nothing changed"] = time.monotonic() - t0
    # vstord marks the files in the background after a scan or a refresh that had to look
    # (change marks): a refresh a moment later looks only at what changed since.
    time.sleep(3)
    t0 = time.monotonic()
    pool.refresh(0)
    r["refresh again, 3 s later"] = time.monotonic() - t0
    # libvirt's wire carries at most 16,384 volumes in one list (REMOTE_STORAGE_VOL_LIST_MAX),
    # for libvirtd as for vstord: past that, list-all is refused and not timed.
    if count <= 16384:
        times = []
        for _ in range(LISTS):
            t0 = time.monotonic()
            vols = pool.listAllVolumes(0)
            times.append(time.monotonic() - t0)
            assert len(vols) == count, f"{len(vols)} volumes listed, {count} expected"
            del vols  # its objects are freed here, not inside the next call's timing
        r["list-all"] = statistics.median(times)
    else:
        try:
            pool.listAllVolumes(0)
            raise AssertionError("a list past the protocol limit was not refused")
        except libvirt.libvirtError as e:
            assert "Too many storage volumes" in str(e), e
        r["list-all"] = None
    names = [f"v{random.randrange(count):06d}.img" for _ in range(LOOKUPS)]
    t0 = time.monotonic()
    for n in names:
        pool.storageVolLookupByName(n)
    r["lookup by name (each)"] = (time.monotonic() - t0) / LOOKUPS
    pool.destroy()
    pool.undefine()
    conn.close()
    return r


def plot(results, counts, png):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = list(next(iter(results["vstord"].values())).keys())
    fig, axes = plt.subplots(1, len(metrics), figsize=(4 * len(metrics), 3.6))
    for ax, metric in zip(axes, metrics):
        for daemon, style in (("libvirtd", "o--"), ("vstord", "s-")):
            xs = [c for c in counts if str(c) in results[daemon]]
            xs = [c for c in xs if results[daemon][str(c)][metric] is not None]
            ys = [results[daemon][str(c)][metric] for c in xs]
            if xs:
                ax.plot(xs, ys, style, label=daemon)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(metric, fontsize=10)
        ax.set_xlabel("volumes in the pool")
        ax.set_ylabel("seconds")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(png, dpi=90)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=str(REPO / "build"))
    ap.add_argument("--counts", default="1000,10000,100000")
    ap.add_argument("--libvirtd-max", type=int, default=10000,
                    help="largest pool to time libvirtd on (its scans take minutes beyond)")
    ap.add_argument("--json", default=str(REPO / "bench" / "results" / "scale.json"))
    ap.add_argument("--png", default=str(REPO / "docs" / "performance-scale.png"))
    args = ap.parse_args()
    counts = [int(c) for c in args.counts.split(",")]

    results = {"libvirtd": {}, "vstord": {}}
    work = pathlib.Path(tempfile.mkdtemp(prefix="vstor-scale-"))
    try:
        for count in counts:
            for name in ("libvirtd", "vstord"):
                if name == "libvirtd" and count > args.libvirtd_max:
                    continue
                w = work / f"{name}-{count}"
                w.mkdir()
                print(f"{count} volumes, {name} …", file=sys.stderr, flush=True)
                d = (start_libvirtd(w / "root") if name == "libvirtd"
                     else start_vstord(pathlib.Path(args.build), w / "root"))
                try:
                    results[name][str(count)] = measure(d, w, count)
                finally:
                    d.stop()
                shutil.rmtree(w, ignore_errors=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    metrics = list(results["vstord"][str(counts[0])].keys())
    print(f"{'volumes':>8}  {'workload':<26}  {'libvirtd':>10}  {'vstord':>10}  {'ratio':>7}")
    for count in counts:
        for m in metrics:
            lv = results["libvirtd"].get(str(count), {}).get(m)
            vs = results["vstord"][str(count)][m]
            ratio = f"{vs / lv:.3f}" if lv and vs is not None else "-"
            lvs = f"{lv:.4f}" if lv is not None else "-"
            vss = f"{vs:.4f}" if vs is not None else "-"
            print(f"{count:>8}  {m:<26}  {lvs:>10}  {vss:>10}  {ratio:>7}")
    out = pathlib.Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
                               "counts": counts, "results": results}, indent=2) + "\n")
    plot(results, counts, args.png)
    print(f"written to {out} and {args.png}", file=sys.stderr)


if __name__ == "__main__":
    main()
