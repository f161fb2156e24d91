#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh FUZZ_DIR LIBFUZZER_OPTION... -- TARGET...
#
# Run each libFuzzer target (built as FUZZ_DIR/TARGET) at once, one process
# per target, from its committed seeds (fuzz/corpus/TARGET, only read) and
# its working corpus (FUZZ_DIR/corpus/TARGET, where new inputs go). Crash,
# leak and timeout inputs go to FUZZ_DIR/artifacts/, logs to FUZZ_DIR/logs/.
# One line per target (executions, exec/s, coverage), then the last line
# "N passed, N failed": a target passes if libFuzzer found nothing.
set -u

dir=$1
shift
opts=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
	opts+=("$1")
	shift
done
shift
here=$(cd "$(dirname "$0")" && pwd)

mkdir -p "$dir/artifacts" "$dir/logs"
declare -A pid
for t in "$@"; do
	mkdir -p "$dir/corpus/$t"
	extra=()
	[ -f "$here/$t.dict" ] && extra+=("-dict=$here/$t.dict")
	[ -f "$here/$t.options" ] && read -r -a more < "$here/$t.options" && extra+=("${more[@]}")
	"$dir/$t" "${opts[@]}" "${extra[@]}" -print_final_stats=1 \
		-artifact_prefix="$dir/artifacts/$t-" \
		"$dir/corpus/$t" "$here/corpus/$t" > "$dir/logs/$t.log" 2>&1 &
	pid[$t]=$!
done

passed=0
failed=0
for t in "$@"; do
	wait "${pid[$t]}"
	rc=$?
	log=$dir/logs/$t.log
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	cov=$(grep -E '^#[0-9]+' "$log" | tail -1 | grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9a-zA-Z]+')
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
		echo "PASS $t: ${runs:-?} execs, ${speed:-?} exec/s, ${cov:-?}"
	else
		failed=$((failed + 1))
		echo "FAIL $t: libFuzzer exit $rc after ${runs:-?} execs; see $log"
		grep -E '^(==[0-9]+==ERROR|SUMMARY:|artifact_prefix|Test unit written)' "$log" | head -5 | sed 's/^/    /'
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
