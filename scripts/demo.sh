#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make demo`: install, build, boot Debian 6.12 in QEMU, load tcpconn.ko,
# create a workload with a held SYN queue, a full accept queue, TIME_WAIT,
# CLOSE_WAIT and orphans, and show tcpconn-stat --listeners and --summary
# next to ss and /proc/net/sockstat.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
kname=${TCPCONN_DEMO_KERNEL:-deb612}

scripts/deps.sh
make -s -C userspace
bdir=$(scripts/build-module.sh "$kname")
out=$top/build/demo
rm -rf "$out"
mkdir -p "$out"
echo "demo: booting $kname in QEMU (TCG), this takes a few seconds..." >&2
rc=0
scripts/vm-run.sh "$kname" "$out" -- sh -c \
	"insmod $bdir/tcpconn.ko && /usr/bin/python3 scripts/demo-workload.py userspace/tcpconn-stat" \
	>"$out/vm.log" 2>&1 || rc=$?
sed -n '/^\$ tcpconn-stat/,$p' "$out/guest.log" 2>/dev/null ||
	true
if [ $rc -ne 0 ]; then
	echo "demo: guest run failed (rc=$rc); see $out/console.log" >&2
	tail -n 30 "$out/vm.log" >&2
fi
exit $rc
