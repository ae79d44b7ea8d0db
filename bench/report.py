#!/usr/bin/python3
"""report.py: writes the measured tables into docs/performance.md — the side-by-side table from
bench/results/latest.json and the scaling table from bench/results/scale.json — between the
<!-- bench:... --> markers, so the document always shows numbers a run printed.

usage: report.py [--latest FILE] [--scale FILE] [--doc FILE]
"""
import argparse
import json
import pathlib
import re

from bench import fmt_met, fmt_target, fmt_value, meets, target_of

REPO = pathlib.Path(__file__).resolve().parents[1]


def fmt(workload, v):
    """bench.py's way of printing a value, with seconds marked."""
    text = fmt_value(workload, v)
    return text if v is None or "KiB" in workload or workload == "volumes listed" else text + " s"


def latest_table(data):
    runs = data.get("runs", 1)
    what = (f"Medians of {runs} runs (the ratio: the median of the runs' ratios)" if runs > 1
            else "One run")
    lines = [f"{what}, {data['date']}{' (--quick)' if data.get('quick') else ''}"
             f"{' (--calls-only)' if data.get('calls_only') else ''}.", "",
             "| workload | libvirtd | vstord | vstord ÷ libvirtd | target | | ratio in each run |",
             "|---|---:|---:|---:|---:|---|---|"]
    for row in data["rows"]:
        ratio = f"{row['ratio']:.3f}" if row["ratio"] is not None else "-"
        each = " ".join(f"{x:.2f}" for x in row.get("ratios") or [])
        target = target_of(row["workload"]) if row["ratio"] is not None else None
        met = fmt_met(meets(row["ratio"], target) if target is not None else None)
        shown = f"**{met}**" if met == "NOT MET" else met
        lines.append(f"| {row['workload']} | {fmt(row['workload'], row['libvirtd'])} | "
                     f"{fmt(row['workload'], row['vstord'])} | {ratio} | {fmt_target(target)} | "
                     f"{shown} | {each} |")
    return "\n".join(lines)


def scale_table(data):
    lines = [f"Run of {data['date']}.", "",
             "| volumes | workload | libvirtd | vstord | vstord ÷ libvirtd |",
             "|---:|---|---:|---:|---:|"]
    res = data["results"]
    for count in data["counts"]:
        for metric, vs in res["vstord"][str(count)].items():
            lv = res["libvirtd"].get(str(count), {}).get(metric)
            ratio = f"{vs / lv:.3f}" if lv and vs is not None else "-"
            lvs = f"{lv:.4f} s" if lv is not None else "not run"
            vss = f"{vs:.4f} s" if vs is not None else "refused (over the protocol's 16,384)"
            lines.append(f"| {count} | {metric} | {lvs} | {vss} | {ratio} |")
    return "\n".join(lines)


def splice(doc, name, text):
    pat = re.compile(rf"(<!-- bench:{name} -->\n).*?(\n<!-- /bench:{name} -->)", re.S)
    if not pat.search(doc):
        raise SystemExit(f"no <!-- bench:{name} --> markers in the document")
    return pat.sub(lambda m: m.group(1) + text + m.group(2), doc)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--latest", default=str(REPO / "bench" / "results" / "latest.json"))
    ap.add_argument("--scale", default=str(REPO / "bench" / "results" / "scale.json"))
    ap.add_argument("--doc", default=str(REPO / "docs" / "performance.md"))
    args = ap.parse_args()
    doc_path = pathlib.Path(args.doc)
    doc = doc_path.read_text()
    if pathlib.Path(args.latest).exists():
        doc = splice(doc, "latest", latest_table(json.loads(pathlib.Path(args.latest).read_text())))
    if pathlib.Path(args.scale).exists():
        doc = splice(doc, "scale", scale_table(json.loads(pathlib.Path(args.scale).read_text())))
    doc_path.write_text(doc)


if __name__ == "__main__":
    main()
