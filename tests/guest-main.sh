#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the QEMU guest (scripts/vm-run.sh), as root, cwd = the repo.
#   tests/guest-main.sh BUILD_DIR
# Appends one "ok - NAME" / "not ok - NAME: why" line per check to
# $OUT/results.txt; scripts/check.sh counts them on the host.
B=${1:?usage: guest-main.sh BUILD_DIR}
STAT=userspace/tcpconn-stat
RES=$OUT/results.txt
: >"$RES"

result() {	# result ok|not ok NAME [why]
	line="$1 - $KNAME: $2${3:+: $3}"
	echo "$line" >>"$RES"
	echo "$line"
}

check_not_loaded() {	# the client must say the module is missing, exit 3
	msg=$($STAT --listeners 2>&1)
	rc=$?
	if [ $rc -eq 3 ] && echo "$msg" | grep -q insmod; then
		result ok "client without module ($1): exit 3 with load hint"
	else
		result "not ok" "client without module ($1)" "rc=$rc msg=$msg"
	fi
}

echo "guest: $(uname -r), $(nproc) cpus"
check_not_loaded "before insmod"

if insmod "$B/tcpconn.ko"; then
	result ok "insmod tcpconn.ko"
else
	result "not ok" "insmod tcpconn.ko" "see console.log"
	exit 1
fi

# -v: the tests' notes (figures seen, timings) land in guest.log.
# TCPCONN_DEBUG_EXCLUDE (default sockets_65k): integration tests left out on
# the debug kernel, each reported by a "# not run" line and counted nowhere.
# Building sockets_65k's 66,000 connections costs ~7 ms each under KASAN,
# kmemleak, debugobjects and lockdep (measured linear, not growing with the
# table: ~29 s per 4,096), so the test took 1,197 s there, the largest item
# of the check; it runs on the three Debian kernels, and on debug with
# TCPCONN_DEBUG_EXCLUDE= (empty).
xopt=
if [ "$KNAME" = debug ]; then
	xopt=${TCPCONN_DEBUG_EXCLUDE-sockets_65k}
	[ -n "$xopt" ] && xopt="-x $xopt"
fi
# shellcheck disable=SC2086 # xopt is "" or "-x NAMES"
/usr/bin/python3 tests/integration/run.py --stat "$STAT" -v $xopt 2>&1 |
	sed "s/^\(\(not \)\{0,1\}ok\) - /\1 - $KNAME: /" | tee -a "$RES"

# Reliability: hostile netlink input, churn, namespaces, privilege,
# load/unload (tests/reliability/README.md), ~3.5 min per Debian kernel,
# ~12 on debug. make check runs them on the kernels in
# TCPCONN_RELIABILITY_KERNELS (default all four); `make reliability-long
# KERNELS=...` runs the long version. nl_fuzz (the C sender,
# tests/reliability/nlfuzz, built on the host) sends TCPCONN_FUZZ_N
# messages (default 50,000: ~35 s on a Debian guest at ~1,500/s, ~5.3 min on
# debug at ~160/s).
case " ${TCPCONN_RELIABILITY_KERNELS:-deb61 deb612 sid debug} " in
*" $KNAME "*)
	TCPCONN_FUZZ_N=${TCPCONN_FUZZ_N:-50000} TCPCONN_KO="$B/tcpconn.ko" \
		/usr/bin/python3 tests/reliability/run.py -v 2>&1 |
		sed "s/^\(\(not \)\{0,1\}ok\) - /\1 - $KNAME: /" |
		tee -a "$RES"
	;;
*)
	# not a result: nothing is counted for tests that did not run
	echo "# reliability tests not run on $KNAME in this check" \
		"(TCPCONN_RELIABILITY_KERNELS)"
	;;
esac

if [ "$KNAME" = debug ]; then
	# KUnit: socket tests run in a throwaway netns held by this sleeper.
	unshare -n sh -c 'ip link set lo up; exec sleep 600' &
	holder=$!
	sleep 1
	if [ -f "$B/tcpconn_kunit.ko" ] &&
	   insmod "$B/tcpconn_kunit.ko" netns_pid=$holder; then
		dmesg | /usr/bin/python3 tests/ktap.py tcpconn_ |
			sed "s/^\(\(not \)\{0,1\}ok\) - /\1 - $KNAME: /" |
			tee -a "$RES"
		rmmod tcpconn_kunit || result "not ok" "rmmod tcpconn_kunit"
	else
		result "not ok" "kunit: tcpconn_kunit.ko missing or failed to load"
	fi
	kill $holder 2>/dev/null
fi

if rmmod tcpconn; then
	result ok "rmmod tcpconn"
	check_not_loaded "after rmmod"
	/usr/bin/python3 tests/integration/run.py --stat "$STAT" --not-loaded \
		-v 2>&1 | sed "s/^\(\(not \)\{0,1\}ok\) - /\1 - $KNAME: /" |
		tee -a "$RES"
else
	result "not ok" "rmmod tcpconn"
fi
exit 0
