#!/bin/sh
# check-oracle.sh: checks the golden files here against libvirt 9.0.0 itself (virsh's
# test:///default driver, which runs the same pool parser), so every expectation is libvirt's.
#
#   bad/NAME.xml + NAME.err         pool-define fails with that message
#   source-bad/TYPE--NAME.xml + .err find-storage-pool-sources TYPE fails with that message
#   good/NAME.xml + NAME.out        pool-define + pool-dumpxml prints NAME.out
#
# What the test driver cannot show is skipped, with the reason:
#   - .err files holding only a code: vstor refuses DTDs outright (util/xml.c) and words that
#     itself; the test checks only the code;
#   - bad/ns-*: the test driver registers no backend namespaces (fs:, rbd:), so it accepts
#     those; their texts come from storage_backend_fs.c / storage_backend_rbd.c;
#   - in good/, capacity figures (the test driver invents 100 GiB) and namespace elements
#     (same reason) are normalised away before comparing.
# Usage: tests/data/pool/check-oracle.sh   (needs virsh; exits 1 on any difference)
set -u
here=$(cd "$(dirname "$0")" && pwd)
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The message virsh printed for the failing command: the second "error:" line onwards,
# without the blank lines virsh ends with.
virsh_message() {
    sed -n '2,$p' | sed '1s/^error: //' |
        awk '{ l[NR] = $0 } END { n = NR; while (n > 0 && l[n] == "") n--; for (i = 1; i <= n; i++) print l[i] }'
}

check_error() { # file, expected .err, virsh command...
    file=$1 err=$2
    shift 2
    if [ "$(wc -l <"$err")" -le 1 ]; then
        echo "skip $file (code only: vstor's own wording)"
        return
    fi
    tail -n +2 "$err" >"$tmp/expected"
    virsh -c test:///default "$@" 2>&1 | virsh_message >"$tmp/actual"
    if cmp -s "$tmp/expected" "$tmp/actual"; then
        echo "ok   $file"
    else
        echo "DIFF $file"
        diff "$tmp/expected" "$tmp/actual"
        fail=1
    fi
}

for f in "$here"/bad/*.xml; do
    n=$(basename "$f" .xml)
    case $n in
    ns-*) echo "skip bad/$n (no namespaces in the test driver)"; continue ;;
    esac
    check_error "bad/$n" "${f%.xml}.err" pool-define "$f"
done

for f in "$here"/source-bad/*.xml; do
    n=$(basename "$f" .xml)
    check_error "source-bad/$n" "${f%.xml}.err" find-storage-pool-sources "${n%%--*}" "$f"
done

normalise() {
    sed -e "s|<capacity unit='bytes'>[0-9]*<|<capacity unit='bytes'>0<|" \
        -e "s|<allocation unit='bytes'>[0-9]*<|<allocation unit='bytes'>0<|" \
        -e "s|<available unit='bytes'>[0-9]*<|<available unit='bytes'>0<|" \
        -e "s| xmlns:[a-z]*='[^']*'||" -e '/<\/*\(fs\|rbd\):/d'
}

for f in "$here"/good/*.xml; do
    n=$(basename "$f" .xml)
    uuid=$(sed -n 's|.*<uuid>\(.*\)</uuid>.*|\1|p' "${f%.xml}.out")
    normalise <"${f%.xml}.out" >"$tmp/expected"
    virsh -q -c test:///default "pool-define $f; pool-dumpxml $uuid" 2>&1 |
        sed '/^Pool .* defined from /d' | sed '${/^$/d}' | normalise >"$tmp/actual"
    if cmp -s "$tmp/expected" "$tmp/actual"; then
        echo "ok   good/$n"
    else
        echo "DIFF good/$n"
        diff "$tmp/expected" "$tmp/actual"
        fail=1
    fi
done
exit $fail
