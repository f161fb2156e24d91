#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The long reliability run (issue 5): `make reliability-long`.
#   scripts/reliability-long.sh [KERNEL...]     (default: deb612 debug)
# Per kernel, one guest runs tests/reliability/run.py with
# TCPCONN_FUZZ_N (default 1000000 messages; on the debug kernel
# TCPCONN_FUZZ_N_DEBUG, also 1000000 by default: KASAN and lockdep make
# each message ~6x dearer, ~1 h 45 min there) and TCPCONN_CHURN_SECS
# (default 600 s); the harness fails the run on any kernel warning, KASAN,
# lockdep or kmemleak report. On the host, the client's libFuzzer targets run
# FUZZ_LONG_RUNS (default 1000000) executions each. Prints ok/not ok lines
# and "N passed, N failed"; logs in build/reliability-long/.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
kernels=("$@")
[ ${#kernels[@]} -eq 0 ] && kernels=(deb612 debug)
fuzz_n=${TCPCONN_FUZZ_N:-1000000}
fuzz_n_debug=${TCPCONN_FUZZ_N_DEBUG:-1000000}
export TCPCONN_CHURN_SECS=${TCPCONN_CHURN_SECS:-600}
logs=$top/build/reliability-long
mkdir -p "$logs"
pass=0
fail=0
res() {	# res ok|"not ok" TEXT
	echo "$1 - $2"
	if [ "$1" = ok ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
}

scripts/deps.sh || exit 1
make -s -C userspace >/dev/null || exit 1
make -s -C tests/reliability >/dev/null || exit 1	# nlfuzz, for the guests
start=$SECONDS
if make -s -C userspace fuzz-long >"$logs/fuzz-long.log" 2>&1; then
	res ok "host: fuzz-long: $(grep -h '^PASS' "$logs/fuzz-long.log" | tr '\n' ' ')"
else
	res "not ok" "host: fuzz-long: see $logs/fuzz-long.log"
fi

for k in "${kernels[@]}"; do
	t0=$SECONDS
	if ! bdir=$(scripts/build-module.sh "$k" 2>"$logs/$k-build.log"); then
		res "not ok" "$k: build tcpconn.ko: see $logs/$k-build.log"
		continue
	fi
	out=$logs/$k-guest
	mkdir -p "$out"
	# nlfuzz (the C sender): ~1,500 messages/s on a Debian guest, ~160/s
	# on debug (the kernel's dumps of the 605-socket netns are most of
	# it): a long time limit; TCPCONN_* reach the guest (scripts/vm-run.sh)
	n=$fuzz_n
	[ "$k" = debug ] && n=$fuzz_n_debug
	if TCPCONN_FUZZ_N=$n TCPCONN_KO=$bdir/tcpconn.ko scripts/vm-run.sh "$k" "$out" -q \
		--mem 2048 --timeout "${TCPCONN_LONG_TIMEOUT:-36000}" -- sh -c \
		"insmod $bdir/tcpconn.ko && /usr/bin/python3 tests/reliability/run.py -v >\$OUT/results.txt 2>&1; rc=\$?; rmmod tcpconn || rc=1; exit \$rc" \
		>"$logs/$k-vm.log" 2>&1; then
		res ok "$k: guest clean, $(tail -n 1 "$out/results.txt") ($((SECONDS - t0))s)"
	else
		res "not ok" "$k: $(tail -n 1 "$logs/$k-vm.log"); see $out/results.txt"
	fi
	grep '^\(not \)\{0,1\}ok - ' "$out/results.txt" 2>/dev/null | sed "s/^/  $k: /"
	grep '^# \(duration\|dumps\|/proc reads\|sent\|messages\|[0-9]* cycles\)' \
		"$out/results.txt" 2>/dev/null | sed "s/^/  $k: /"
done
echo "# total $((SECONDS - start))s"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
