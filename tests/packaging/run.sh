#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# All packaging tests; the "host: packaging" stage of scripts/check.sh.
#
#   tests/packaging/run.sh [KERNEL...]    Debian kernels to build against
#                                         (scripts/kernels.sh names)
#
# dkms_build.sh on every KERNEL; install.sh and the DKMS build after the
# package install on the last one (deb612 when both are given: its modules
# are compressed). With no KERNEL only the package build, lintian and the
# install/purge without headers run. Logs: build/packaging/ (or
# $TCPCONN_PKG_LOGDIR). Prints ok/not ok lines and "N passed, N failed".
set -euo pipefail
# shellcheck source=tests/packaging/lib.sh source-path=SCRIPTDIR/../..
. "$(dirname "$0")/lib.sh"

last=
if [ $# -gt 0 ]; then
	last=${!#}
	merge dkms_build.sh "$@"
	merge install.sh "$last"
else
	echo "# no Debian kernel given: dkms build and make install not tested"
fi
merge deb.sh ${last:+"$last"}
totals
