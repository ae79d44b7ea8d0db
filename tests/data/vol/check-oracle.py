#!/usr/bin/python3
"""check-oracle.py: runs every flags-0 case of tests/data/vol/*.cases through libvirt's test
driver (test:///default, the same volume parser and formatter as libvirt 9.0.0) and compares
the result with vstor's *.expected file.

Usage: /usr/bin/python3 tests/data/vol/check-oracle.py [GROUP ...]   (needs python3-libvirt)

The driver fills in key and target path itself, so both sides are compared without the
<key> line and the <path> line right under <target>. Cases with flags are skipped: the
test driver always parses with flags 0.
"""
import pathlib
import re
import sys

import libvirt

HERE = pathlib.Path(__file__).resolve().parent

# Pools created for types other than the driver's own dir pool ("default-pool").
POOLS = {
    "disk": "<pool type='disk'><name>p</name><source><device path='/dev/sdz'/>"
            "<format type='gpt'/></source><target><path>/dev</path></target></pool>",
    "logical": "<pool type='logical'><name>p</name><source><name>vg</name></source>"
               "<target><path>/dev/vg</path></target></pool>",
    "rbd": "<pool type='rbd'><name>p</name><source><host name='mon'/><name>rbd</name>"
           "</source></pool>",
    "gluster": "<pool type='gluster'><name>p</name><source><host name='h'/><name>v</name>"
               "</source></pool>",
}


def error_names():
    names = {}
    for attr in dir(libvirt):
        if attr.startswith("VIR_ERR_"):
            names.setdefault(getattr(libvirt, attr), attr[len("VIR_ERR_"):])
    # VIR_ERR_NONE/WARNING/ERROR are error levels sharing the first three numbers.
    names.update({0: "OK", 1: "INTERNAL_ERROR", 2: "NO_MEMORY"})
    return names


def read_sections(path):
    sections, current = {}, None
    for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
        if line.startswith("### "):
            current = line[4:].strip()
            sections[current] = ""
        elif current is not None:
            sections[current] += line
        # anything before the first header is commentary
    return sections


def normalize(text):
    lines, after_target = [], False
    for line in text.splitlines():
        if re.match(r"\s*<key>.*</key>$", line):
            continue
        if after_target and re.match(r"\s*<path>.*</path>$", line):
            after_target = False
            continue
        after_target = line.strip() == "<target>"
        lines.append(line)
    return "\n".join(lines).strip() + "\n"


def run_case(pool_type, xml, names):
    libvirt.registerErrorHandler(lambda *_: None, None)
    conn = libvirt.open("test:///default")
    try:
        if pool_type == "dir":
            pool = conn.storagePoolLookupByName("default-pool")
        else:
            pool = conn.storagePoolCreateXML(POOLS[pool_type], 0)
        try:
            vol = pool.createXML(xml, 0)
        except libvirt.libvirtError as e:
            return "error %s: %s\n" % (names.get(e.get_error_code(), "?"), e.get_error_message())
        return vol.XMLDesc(0)
    finally:
        conn.close()


def main():
    names = error_names()
    groups = sys.argv[1:] or sorted(p.stem for p in HERE.glob("*.cases"))
    agree = differ = skipped = 0
    for group in groups:
        cases = read_sections(HERE / (group + ".cases"))
        expected = read_sections(HERE / (group + ".expected"))
        for header, xml in cases.items():
            fields = header.split()
            if len(fields) > 2 and fields[2] != "0":
                skipped += 1
                continue
            got = run_case(fields[0], xml, names)
            want = expected.get(header, "(no expected result)\n")
            if normalize(got) == normalize(want):
                agree += 1
            else:
                differ += 1
                print("=== %s: %s\n--- vstor\n%s--- libvirt\n%s" % (group, header, want, got))
    print("%d agree, %d differ, %d skipped (flags)" % (agree, differ, skipped))
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
