#!/usr/bin/env bash
# record-showmount.sh: re-records showmount.out and showmount-no-mountd.err, the output
# test-backend-fs.c parses, from a real NFS server: nfs-ganesha (userspace, no kernel nfsd)
# exporting three directories (one with a blank, two with client lists) behind rpcbind.
# Needs root and nfs-common, nfs-ganesha, nfs-ganesha-vfs; stops what it started, removes its files.
# usage: tests/data/netfs/record-showmount.sh [OUTDIR]   (default: the directory of this script)
set -euo pipefail
out=${1:-$(cd "$(dirname "$0")" && pwd)}
work=/tmp/vstor-ganesha
rpcbind_pid=
ganesha_pid=
cleanup() {
  [ -n "$ganesha_pid" ] && kill "$ganesha_pid" 2>/dev/null || true
  [ -n "$rpcbind_pid" ] && kill "$rpcbind_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/exp1" "$work/exp two" "$work/exp3"
cat >"$work/ganesha.conf" <<CONF
NFS_CORE_PARAM { Protocols = 3, 4; }
NFSV4 { Graceless = true; }
EXPORT { Export_Id = 1; Path = $work/exp1; Pseudo = /exp1; Access_Type = RW;
  Squash = No_Root_Squash; FSAL { Name = VFS; } }
EXPORT { Export_Id = 2; Path = "$work/exp two"; Pseudo = "/exp two"; Access_Type = None;
  FSAL { Name = VFS; }
  CLIENT { Clients = 127.0.0.1, 10.0.0.0/8, localhost; Access_Type = RW; } }
EXPORT { Export_Id = 3; Path = $work/exp3; Pseudo = /exp3; Access_Type = None;
  FSAL { Name = VFS; }
  CLIENT { Clients = 192.168.1.0/24, 127.0.0.1; Access_Type = RO; } }
CONF
if ! pgrep -x rpcbind >/dev/null; then
  /usr/sbin/rpcbind -w
  rpcbind_pid=$(pgrep -nx rpcbind)
fi
/usr/bin/ganesha.nfsd -f "$work/ganesha.conf" -L "$work/ganesha.log" -p "$work/ganesha.pid" -N NIV_EVENT
sleep 4
ganesha_pid=$(cat "$work/ganesha.pid")
showmount --no-headers --exports localhost >"$out/showmount.out"
kill "$ganesha_pid"
ganesha_pid=
sleep 3
# mountd gone: what showmount says then (exit status 1)
showmount --no-headers --exports localhost 2>"$out/showmount-no-mountd.err" || true
