#!/usr/bin/env bash
# record.sh: re-records the real parted output that tests/unit/test-disk-cmd.c parses. Needs root,
# loop devices with partitions (losetup -P) and parted; leaves no loop device or file behind.
# usage: tests/data/disk/record.sh [OUTDIR]   (default: the directory of this script)
set -euo pipefail
out=${1:-$(cd "$(dirname "$0")" && pwd)}
work=$(mktemp -d)
loops=()
cleanup() {
  for l in "${loops[@]}"; do losetup -d "$l" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
export LC_ALL=C

# new_disk NAME SIZE: a sparse image attached to a free loop device, path in $dev.
new_disk() {
  truncate -s "$2" "$work/$1.img"
  dev=$(losetup -fP --show "$work/$1.img")
  loops+=("$dev")
}

# run CMD...: runs one command of a scenario and notes it in NAME.cmds (what produced the state).
run() {
  echo "$*" >>"$out/$name.cmds"
  "$@" >/dev/null 2>&1
}

# capture: the two read-outs the disk backend parses, stdout / stderr / exit status kept apart.
capture() {
  local rc=0
  echo "LC_ALL=C parted -s $dev unit B print free" >>"$out/$name.cmds"
  parted -s "$dev" unit B print free >"$out/$name.print-free.out" 2>"$out/$name.print-free.err" || rc=$?
  echo "$rc" >"$out/$name.print-free.rc"
  rc=0
  echo "LC_ALL=C parted -s -m $dev unit chs print" >>"$out/$name.cmds"
  parted -s -m "$dev" unit chs print >"$out/$name.geometry.out" 2>"$out/$name.geometry.err" || rc=$?
  echo "$rc" >"$out/$name.geometry.rc"
  [ -s "$out/$name.print-free.err" ] || rm -f "$out/$name.print-free.err"
  [ -s "$out/$name.geometry.err" ] || rm -f "$out/$name.geometry.err"
}

scenario() {
  name=$1
  rm -f "$out/$name".*
  new_disk "$name" "$2"
  echo "# $(parted --version | head -1); image of $2 on a loop device" >"$out/$name.cmds"
}

# dos label: two primaries, an extended partition holding two logicals with gaps, free space.
scenario msdos-logical 64M
run parted "$dev" mklabel --script msdos
run parted "$dev" mkpart --script primary ext2 1048576B 9437183B
run parted "$dev" mkpart --script primary linux-swap 9437184B 17825791B
run parted "$dev" mkpart --script extended 17825792B 62914559B
run parted "$dev" mkpart --script logical ext2 18874368B 27262975B
run parted "$dev" mkpart --script logical fat32 31457280B 39845887B
capture

# msdos-logical again, then a logical and a primary partition where libvirt's placement rules
# put them for 2 MiB and 1 MiB (test-disk-cmd.c computes the same numbers): parted keeps them.
scenario msdos-placed 64M
run parted "$dev" mklabel --script msdos
run parted "$dev" mkpart --script primary ext2 1048576B 9437183B
run parted "$dev" mkpart --script primary linux-swap 9437184B 17825791B
run parted "$dev" mkpart --script extended 17825792B 62914559B
run parted "$dev" mkpart --script logical ext2 18874368B 27262975B
run parted "$dev" mkpart --script logical fat32 31457280B 39845887B
run parted "$dev" mkpart --script logical ext2 27263488B 29506559B
run parted "$dev" mkpart --script primary ext2 62914560B 63974399B
capture

# dos label with all four primary slots used.
scenario msdos-full 32M
run parted "$dev" mklabel --script msdos
run parted "$dev" mkpart --script primary ext2 1048576B 5242879B
run parted "$dev" mkpart --script primary ext2 5242880B 9437183B
run parted "$dev" mkpart --script primary fat16 9437184B 13631487B
run parted "$dev" mkpart --script primary ext2 13631488B 17825791B
capture

# gpt label: three partitions with gaps, one named with a blank, one removed again.
scenario gpt 64M
run parted "$dev" mklabel --script gpt
run parted "$dev" mkpart --script primary 1048576B 9437183B
run parted "$dev" mkpart --script "'my data'" 9437184B 17825791B
run parted "$dev" mkpart --script primary 25165824B 33554431B
run parted "$dev" mkpart --script primary 41943040B 50331647B
run parted "$dev" rm --script 3
capture

# labels without partitions.
scenario msdos-empty 16M
run parted "$dev" mklabel --script msdos
capture
scenario gpt-empty 16M
run parted "$dev" mklabel --script gpt
capture

# no label at all, and a filesystem on the whole device (parted calls that label "loop").
scenario blank 16M
capture
scenario whole-ext4 16M
run mkfs.ext4 -q -F "$dev"
capture
