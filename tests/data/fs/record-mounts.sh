#!/usr/bin/env bash
# record-mounts.sh: re-records mounts.txt, the /proc/self/mounts text test-fs-cmd.c parses, after
# running vstor's mkfs and mount command lines (tests/data/fs/fs-ext4.*.argv shape) for real on a
# loop device mounted on a directory whose name has a blank. Needs root; cleans up after itself.
# usage: tests/data/fs/record-mounts.sh [OUTDIR]   (default: the directory of this script)
set -euo pipefail
out=${1:-$(cd "$(dirname "$0")" && pwd)}
work=$(mktemp -d /tmp/vstor-mounts-XXXXXX)
dev=
cleanup() {
  umount "$work/pool target" 2>/dev/null || true
  [ -n "$dev" ] && losetup -d "$dev" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

truncate -s 32M "$work/fs.img"
dev=$(losetup -f --show "$work/fs.img")
mkdir "$work/pool target"
mkfs -t ext4 -F "$dev" >/dev/null 2>&1
mount -o nodev,nosuid,noexec -t ext4 "$dev" "$work/pool target"
# The sandbox this was recorded in adds a mount of its own tooling: left out.
grep -v sandboxing /proc/self/mounts >"$out/mounts.txt"
