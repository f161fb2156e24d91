#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Kernel style gates for module/, kunit/, the UAPI header and the
# benchmark's module (bench/bare_walk.c):
# checkpatch.pl --strict (from the debug kernel's Debian source tree) and
# sparse via Kbuild's C=2 against the debug kernel. One ok/not ok line each.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
kname=${TCPCONN_STYLE_KERNEL:-debug}

env_file=$(scripts/kernels.sh fetch "$kname") || {
	echo "not ok - style: kernel $kname unavailable"
	exit 1
}
# shellcheck source=/dev/null
. "$env_file"
checkpatch=$KDIR/source/scripts/checkpatch.pl
[ -x "$checkpatch" ] || checkpatch=$(readlink -f "$KDIR/source")/scripts/checkpatch.pl

rc=0
for f in module/*.[ch] kunit/*.[ch] include/uapi/linux/tcpconn.h bench/bare_walk.c; do
	if out=$(perl "$checkpatch" --strict --no-tree --terse --show-types \
		--ignore FILE_PATH_CHANGES -f "$f" 2>&1) &&
	   ! echo "$out" | grep -qE '(ERROR|WARNING|CHECK):'; then
		echo "ok - checkpatch --strict $f"
	else
		echo "not ok - checkpatch --strict $f"
		echo "$out" | grep -E '(ERROR|WARNING|CHECK):' | sed 's/^/    /' >&2
		rc=1
	fi
done

# sparse_result NAME STATUS LOG: one ok/not ok line for a C=2 build
sparse_result() {
	local warnings
	warnings=$(echo "$3" | grep -E '(warning|error):' | grep -v '^make')
	if [ "$2" -eq 0 ] && [ -z "$warnings" ]; then
		echo "ok - sparse C=2 $1($kname)"
	else
		echo "not ok - sparse C=2 $1($kname)"
		echo "$3" | tail -n 30 | sed 's/^/    /' >&2
		rc=1
	fi
}

# C=2 re-checks every file whether or not it needs rebuilding.
log=$(scripts/build-module.sh "$kname" C=2 2>&1 >/dev/null)
sparse_result "" $? "$log"

# The benchmark's module, built apart (never part of tcpconn.ko).
bw=$top/build/$kname-bench
mkdir -p "$bw"
rsync -a bench/Kbuild bench/bare_walk.c "$bw/"
log=$(make -s -C "$KDIR" M="$bw" C=2 modules 2>&1 >/dev/null)
sparse_result "bench/bare_walk.c " $? "$log"
exit $rc
