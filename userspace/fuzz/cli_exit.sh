#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# cli_exit.sh [TCPCONN_STAT] - the exit statuses of the real binary that
# need no module: every invalid command line exits 2 with the usage text on
# stderr and nothing on stdout; -h and -V exit 0; and, when tcpconn.ko is
# not loaded on this host, every view exits 3 saying so.
#
# The invalid lines are a fixed list (bad values, missing arguments,
# unknown options, two views) plus the whole matrix of "an option the view
# does not apply", from the table below (README.md: "Every option a view
# does not apply is exit 2"). Last line: "N passed, N failed".
set -u

bin=${1:-./tcpconn-stat}
passed=0
failed=0
out=$(mktemp)
err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

# matches PATTERN FILE: FILE is empty if PATTERN is, else has a line matching it.
matches() {
	if [ -z "$1" ]; then
		[ ! -s "$2" ]
	else
		grep -q -- "$1" "$2"
	fi
}

# expect STATUS STDOUT_PATTERN STDERR_PATTERN ARG... (pattern "": nothing printed)
expect() {
	local want=$1 opat=$2 epat=$3 rc
	shift 3
	"$bin" "$@" >"$out" 2>"$err" </dev/null
	rc=$?
	if [ "$rc" -eq "$want" ] && matches "$opat" "$out" &&
	   matches "$epat" "$err"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAIL: tcpconn-stat $* -> exit $rc (want $want)" >&2
		head -3 "$err" | sed 's/^/    stderr: /' >&2
	fi
}

usage_error() {
	expect 2 "" "^Usage: tcpconn-stat VIEW" "$@"
}

views=(listeners summary sockets timewait orphans remotes ports limits prometheus)

# Options with a valid value, and the views that apply each (main.c views[]).
declare -A opt_views=(
	["-4"]="listeners sockets timewait orphans remotes ports"
	["-6"]="listeners sockets timewait orphans remotes ports"
	["--port 80"]="listeners"
	["--state established"]="sockets orphans remotes ports"
	["--src 10.0.0.1"]="sockets timewait orphans remotes ports"
	["--dst 10.0.0.0/8"]="sockets timewait orphans remotes ports"
	["--sport 22"]="sockets timewait orphans remotes ports"
	["--dport 443"]="sockets timewait orphans remotes ports"
	["--uid 0"]="sockets timewait orphans remotes ports"
	["-p"]="sockets"
	["--top 5"]="remotes ports limits"
	["-i 1"]="summary"
)
for i in "${!views[@]}"; do
	v=${views[$i]}
	for o in "${!opt_views[@]}"; do
		# $o is an option and its value: split on purpose
		# shellcheck disable=SC2086
		case " ${opt_views[$o]} " in
		*" $v "*) ;;
		*) usage_error "--$v" $o ;;
		esac
	done
	# two views, and options that need others
	usage_error "--$v" "--${views[$(( (i + 1) % ${#views[@]} ))]}"
	usage_error "--$v" -c 2
	usage_error "--$v" stray
	usage_error "--$v" --bogus
	usage_error "--$v" -x
done
usage_error --listeners --sockets
usage_error --summary --limits
usage_error --prometheus -j
usage_error --prometheus /tmp/x.prom

# Bad values and missing arguments.
for a in 0 65536 70000 abc "" -1 +80 " 80" 80x 0x50 99999999999999999999; do
	usage_error --listeners --port "$a"
	usage_error --sockets --sport "$a"
	usage_error --sockets --dport "$a"
done
for a in -1 x "" 4294967295 99999999999; do
	usage_error --sockets --uid "$a"
done
for a in x -1 "" 1e3; do
	usage_error --remotes --top "$a"
done
for a in bogus "" "," "established," ",listen" "established,,listen" \
	 "a-very-long-state-name-indeed"; do
	usage_error --sockets --state "$a"
done
for a in "" 10.0.0.0/33 ::1/129 10.0.0.1/ 10.0.0.1/-1 "10.0.0.1:80" \
	 "[10.0.0.1]" "[::1" host.example 300.1.1.1; do
	usage_error --sockets --src "$a"
	usage_error --sockets --dst "$a"
done
usage_error --sockets -4 --src ::1
usage_error --sockets -4 --dst 2001:db8::/32
usage_error --listeners -4 -6
for a in 0 0.0 -1 abc "" . 1e3 inf nan 0x10 " 1" 0.05 86400.5 5s; do
	usage_error --summary -i "$a"
done
usage_error --summary -i 1 -c 0
usage_error --summary -i 1 -c x
for o in --port --state --src --dst --sport --dport --uid --top -i -c; do
	usage_error --sockets "$o"
done
usage_error
usage_error -n
usage_error -j -4
usage_error --po 80 --listeners	# ambiguous: --port, --ports

# Help and version.
expect 0 "^Usage: tcpconn-stat VIEW" "" -h
expect 0 "^Usage: tcpconn-stat VIEW" "" --help
expect 0 "^tcpconn-stat .*protocol" "" -V
expect 0 "^tcpconn-stat .*protocol" "" --version

# No module: exit 3 and how to load it (skipped where tcpconn.ko is loaded).
if [ -e /sys/module/tcpconn ]; then
	echo "cli_exit: tcpconn.ko is loaded here; exit 3 not checked" >&2
else
	for v in "${views[@]}"; do
		expect 3 "" "kernel module is not loaded.*insmod tcpconn.ko" "--$v"
	done
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
