#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make bench`: tcpconn-stat and /proc/net/tcpconn against ss, /proc/net/tcp
# and netstat at scale, one QEMU guest boot per (kernel, N); see
# bench/README.md. Writes bench/results/KERNEL-DATE.{md,csv,png}.
#
#   BENCH_KERNELS  kernels (scripts/kernels.sh names)   default: deb612
#   BENCH_N        established connections per boot   default: 10000 100000 250000
#   BENCH_REPS     timed rounds per boot (>= 5 for the committed tables)
#                                                      default: 5
#   BENCH_MEM      guest MiB        default: 8192, more for N > 400000
#   BENCH_APPEND   extra kernel command line (e.g. thash_entries=524288)
#   BENCH_PERF     commands to profile with perf in the guest after timing,
#                  comma separated names from bench/guest.py (perf-*.txt)
#   BENCH_LOCK     run each guest under flock on this file (shared QEMU host)
#   BENCH_RESULTS  where the tables go                 default: bench/results
#   BENCH_OUT      raw per-boot results                default: build/bench
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
kernels=${BENCH_KERNELS:-deb612}
ns=${BENCH_N:-10000 100000 250000}
reps=${BENCH_REPS:-5}
results=${BENCH_RESULTS:-$top/bench/results}
outroot=${BENCH_OUT:-$top/build/bench}
start=$SECONDS

for n in $ns; do
	[[ $n =~ ^[1-9][0-9]*$ ]] || { echo "bench: BENCH_N: not a number: $n" >&2; exit 2; }
done
[[ $reps =~ ^[1-9][0-9]*$ ]] || { echo "bench: BENCH_REPS: not a number: $reps" >&2; exit 2; }

scripts/deps.sh
scripts/deps.sh bench
make -s -C userspace
mkdir -p "$outroot"
gcc -O2 -Wall -Wextra -pthread -o "$outroot/loadgen" bench/loadgen.c

rc=0
for k in $kernels; do
	bdir=$(scripts/build-module.sh "$k")
	env_file=$(scripts/kernels.sh fetch "$k")
	# shellcheck source=/dev/null
	kdir=$(. "$env_file" && echo "$KDIR")
	wdir=$top/build/$k-bench
	mkdir -p "$wdir"
	rsync -a bench/Kbuild bench/bare_walk.c "$wdir/"
	make -s -C "$kdir" M="$wdir" modules >&2
	runs=()
	for n in $ns; do
		out=$outroot/$k-$n
		rm -rf "$out"
		mkdir -p "$out"
		# ~4 KB per socket, 2.2 sockets per connection, plus fds
		mem=${BENCH_MEM:-$((n > 400000 ? 4096 + n * 12 / 1000 : 8192))}
		# building 250k connections and timing ss -tan and netstat on
		# 550k sockets take most of an hour under TCG
		timeout=$((1200 + n / 60 * reps / 5))
		echo "bench: $k, N=$n, $reps rounds, ${mem} MiB (log: $out/vm.log)" >&2
		vm=(scripts/vm-run.sh "$k" "$out" -q --mem "$mem" --smp 2
			--timeout "$timeout")
		[ -z "${BENCH_APPEND:-}" ] || vm+=(--append "$BENCH_APPEND")
		[ -z "${BENCH_LOCK:-}" ] || vm=(flock "$BENCH_LOCK" "${vm[@]}")
		t0=$SECONDS
		if "${vm[@]}" -- /usr/bin/python3 bench/guest.py --n "$n" \
			--reps "$reps" --stat userspace/tcpconn-stat \
			--module "$bdir/tcpconn.ko" \
			--bare "$wdir/tcpconn_bare_walk.ko" \
			--loadgen "$outroot/loadgen" \
			${BENCH_PERF:+--perf "$BENCH_PERF"} >"$out/vm.log" 2>&1; then
			echo "bench: $k, N=$n: done in $((SECONDS - t0)) s" >&2
			runs+=("$out")
		else
			echo "bench: $k, N=$n: FAILED, see $out/vm.log and $out/guest.log" >&2
			tail -n 20 "$out/vm.log" >&2
			rc=1
		fi
	done
	if [ ${#runs[@]} -gt 0 ]; then
		md=$(/usr/bin/python3 bench/report.py --results "$results" "${runs[@]}")
		echo "bench: $k: $md" >&2
		# the raw results beside the tables, so that anyone can check
		# or regenerate them: bench/report.py --results DIR raw/X/*
		for r in "${runs[@]}"; do
			raw=$results/raw/$(basename "$md" .md)/$(basename "$r")
			mkdir -p "$raw"
			cp "$r/raw.csv" "$r/meta.json" "$raw/"
		done
		sed -n '/^## Targets/,/^## Times/p' "$md" | sed '$d'
	fi
done
echo "bench: total $((SECONDS - start)) s" >&2
exit $rc
