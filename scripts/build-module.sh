#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build tcpconn.ko (and tcpconn_kunit.ko where the kernel has KUnit) for
# kernel NAME into build/NAME/, from a copy of the sources, so that builds
# for different kernels never share object files.
#   scripts/build-module.sh NAME [extra make args, e.g. C=2]
set -euo pipefail

name=${1:?usage: build-module.sh NAME [make args]}
shift
top=$(cd "$(dirname "$0")/.." && pwd)
env_file=$("$top/scripts/kernels.sh" fetch "$name")
# shellcheck source=/dev/null
. "$env_file"

out=$top/build/$name
mkdir -p "$out"
rsync -a --delete --exclude '*.o' --exclude '*.ko' --exclude '.*.cmd' \
	"$top/Kbuild" "$top/VERSION" "$top/module" "$top/kunit" "$top/include" "$out/" >/dev/null
# --delete drops sources removed from the repo; excluded build products are
# protected from it, so Kbuild's dependency tracking keeps rebuilds short.
make -s -C "$KDIR" M="$out" "$@" modules >&2
echo "$out"
