# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Shared by tests/packaging/*.sh (sourced, not run): ok/not ok lines, a log
# per script, and a scratch copy of the tree to build from.

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck disable=SC2034 # used by the scripts that source this
version=$(cat "$top/VERSION")
logdir=${TCPCONN_PKG_LOGDIR:-$top/build/packaging}
mkdir -p "$logdir"
log=$logdir/$(basename "$0" .sh).log
: >"$log"
pass=0
fail=0

ok() { echo "ok - $*"; pass=$((pass + 1)); }
not_ok() { echo "not ok - $*"; fail=$((fail + 1)); }

# check NAME CMD...: one line for CMD's status; its output goes to the log
check() {
	local name=$1
	shift
	echo "### $name: $*" >>"$log"
	if "$@" >>"$log" 2>&1; then
		ok "$name"
	else
		not_ok "$name: see ${log#"$top"/}"
		return 1
	fi
}

# The final line check.sh and people read.
totals() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}

# kernel_env NAME: source NAME's kernel.env (KVER, KDIR, MODDIR); fetches
# into the cache when missing, a no-op when cached (scripts/kernels.sh).
kernel_env() {
	local env_file
	env_file=$("$top/scripts/kernels.sh" fetch "$1" 2>>"$log") || return 1
	# shellcheck source=/dev/null
	. "$env_file"
}

# copy_tree DEST: the tree as a release tarball has it (what .gitignore
# ignores left out), so builds here never write into the clone. The man page
# and the bash completion come from another series: until they are merged,
# stand-ins keep `make install` and the package build testable.
copy_tree() {
	rsync -a --exclude=/.git --exclude=/build --filter=':- .gitignore' "$top/" "$1/"
	local f
	for f in Documentation/man/tcpconn-stat.8 userspace/completion/tcpconn-stat.bash; do
		[ -e "$1/$f" ] && continue
		echo "# $f is not in the tree yet: testing with a stand-in" >>"$log"
		mkdir -p "$(dirname "$1/$f")"
		case $f in
		*.8) printf '.TH TCPCONN-STAT 8\n.SH NAME\ntcpconn-stat \\- TCP connection-table diagnostics\n' ;;
		*) echo 'complete -F _longopt tcpconn-stat' ;;
		esac >"$1/$f"
	done
}

# ko_info KO: what a module says about itself, in the form the tests compare
ko_info() {
	local vermagic
	vermagic=$(modinfo -F vermagic "$1" 2>/dev/null) || true
	echo "vermagic '${vermagic%% *}' version '$(modinfo -F version "$1" 2>/dev/null || true)'" \
		"signer '$(modinfo -F signer "$1" 2>/dev/null || true)'"
}

# merge SCRIPT ARGS...: run another of these scripts, print its lines, add
# its counts to ours; a script that ends without its totals line fails.
merge() {
	local out
	out=$("$top/tests/packaging/$1" "${@:2}" 2>&1) || true
	grep -v '^[0-9]* passed, [0-9]* failed$' <<<"$out" || true
	pass=$((pass + $(grep -c '^ok - ' <<<"$out" || true)))
	fail=$((fail + $(grep -c '^not ok - ' <<<"$out" || true)))
	grep -q '^[0-9]* passed, [0-9]* failed$' <<<"$out" ||
		not_ok "$1 ended early, see ${logdir#"$top"/}/${1%.sh}.log"
}
