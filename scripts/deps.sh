#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install every host package tcpconn needs to build, test and demo.
# Idempotent and quiet when everything is already there.
#   scripts/deps.sh          make check, make demo
#   scripts/deps.sh bench    what make bench needs on top
set -euo pipefail

PKGS=(
	# build: module and client
	build-essential bc bison flex libelf-dev libssl-dev dwarves kmod cpio
	xz-utils zstd rsync pkg-config libmnl-dev libcmocka-dev libjson-c-dev
	sparse
	# client tests: make -C userspace valgrind; fuzz-check (libFuzzer)
	valgrind clang libclang-rt-14-dev
	# make -C userspace host-extra-check, and the guest's --prometheus
	# test (it sees the host's /usr/bin/promtool over 9p). promtool ships
	# only in the server package; its prometheus.service gets enabled.
	prometheus man-db groff-base
	# kernels from the archive (kernels.sh: private apt roots are
	# verified with the archive keyring; Debian's 6.x headers call gcc-12)
	dpkg-dev debian-archive-keyring gcc-12
	# debug kernel source (tarball in /usr/src; build-debug-kernel.sh), and
	# the kernel's YNL tooling and spec schemas (scripts/ynl.sh extracts
	# tools/net/ynl from it), which need python3-yaml and python3-jsonschema
	linux-source-6.12 python3-yaml python3-jsonschema
	# packaging: make deb, make dkms-install, tests/packaging
	debhelper dh-dkms dkms lintian
	# guest
	qemu-system-x86 busybox-static iproute2 nftables procps python3
)
if [ "${1:-}" = bench ]; then
	# the guest runs the host's binaries: netstat and perf are compared
	# with and profile there; the plot is drawn on the host
	PKGS=(net-tools linux-perf util-linux python3-matplotlib)
fi

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: need root to install: ${missing[*]}" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
