#!/usr/bin/python3
"""count-results.py: counts test cases (not programs) from meson's testlog.json (TAP
output of each GTest program) and pytest's JUnit XML, and prints one summary line each."""
import json
import re
import sys
import xml.etree.ElementTree as ET


def count_meson(path):
    passed = failed = skipped = 0
    failures = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            rec = json.loads(line)
            out = rec.get("stdout") or rec.get("stdo") or ""
            p = f_ = s = 0
            for tap in out.splitlines():
                m = re.match(r"^(not ok|ok)\b(.*)$", tap)
                if not m:
                    continue
                if "# SKIP" in m.group(2):
                    s += 1
                elif m.group(1) == "ok":
                    p += 1
                else:
                    f_ += 1
                    failures.append(f"{rec['name']}: {tap}")
            # A program that crashed or bailed out counts as one more failure.
            if rec.get("result") not in ("OK", "SKIP", "EXPECTEDFAIL") and f_ == 0:
                f_ += 1
                failures.append(f"{rec['name']}: program result {rec.get('result')}")
            passed, failed, skipped = passed + p, failed + f_, skipped + s
    return passed, failed, skipped, failures


def count_junit(path):
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    passed = failed = skipped = 0
    failures = []
    for suite in suites:
        for case in suite.iter("testcase"):
            name = f"{case.get('classname')}::{case.get('name')}"
            if case.find("failure") is not None or case.find("error") is not None:
                failed += 1
                failures.append(name)
            elif case.find("skipped") is not None:
                skipped += 1
            else:
                passed += 1
    return passed, failed, skipped, failures


def main():
    kind, path, label = sys.argv[1], sys.argv[2], sys.argv[3]
    try:
        p, f, s, failures = (count_meson if kind == "meson" else count_junit)(path)
    except (OSError, ValueError, ET.ParseError) as e:
        print(f"{label}: cannot read results from {path}: {e}")
        p, f, s, failures = 0, 1, 0, [f"{label}: no results"]
    for name in failures:
        print(f"  FAILED {name}")
    print(f"{label}: {p} passed, {f} failed, {s} skipped")
    # machine-readable tail for check-all
    print(f"@@counts {p} {f} {s}")


if __name__ == "__main__":
    main()
