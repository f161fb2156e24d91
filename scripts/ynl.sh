#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The kernel's YNL tooling (tools/net/ynl: cli.py, ynl-gen-c.py, lib/) and
# the netlink spec schemas (Documentation/netlink/*.yaml), extracted on
# demand from Debian's linux-source tarball (scripts/deps.sh installs
# linux-source-6.12) into build/ynl, outside git. Python deps: python3-yaml,
# python3-jsonschema.
#
#   scripts/ynl.sh [dir]        extract if needed; print the tree's path
#   scripts/ynl.sh cli ARGS...  the YNL CLI on tcpconn's spec, e.g.
#                               scripts/ynl.sh cli --dump listeners-get
#   scripts/ynl.sh gen ARGS...  ynl-gen-c on tcpconn's spec, e.g.
#                               scripts/ynl.sh gen --mode uapi --header
#   scripts/ynl.sh check        host checks of the spec (tests/ynl/check_spec.py)
#
# TCPCONN_LINUX_SOURCE=/usr/src/linux-source-X.tar.xz picks another tarball
# (both the 6.12 layout, tools/net/ynl/cli.py, and the 6.13+ one,
# tools/net/ynl/pyynl/cli.py, work).
#
# Layout of build/ynl: tools/net/ynl/, Documentation/netlink/ and MAINTAINERS
# of the tarball (ynl-gen-c finds the tree's root by MAINTAINERS), plus
# Documentation/netlink/specs/tcpconn.yaml, a symlink to our spec: ynl-gen-c
# has no --schema option and takes the schema from the spec's location
# (../genetlink-legacy.yaml). .source records the tarball it came from.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
src=${TCPCONN_LINUX_SOURCE:-/usr/src/linux-source-6.12.tar.xz}
root=$top/build/ynl
spec=$top/Documentation/netlink/specs/tcpconn.yaml
py=/usr/bin/python3

die() { echo "ynl: $*" >&2; exit 1; }

extract() {
	local stamp tmp base
	[ -f "$src" ] || die "$src not found: install linux-source-6.12 (scripts/deps.sh) or set TCPCONN_LINUX_SOURCE"
	stamp="$src $(stat -c '%s %Y' "$src")"
	if [ -f "$root/.source" ] && [ "$(cat "$root/.source")" = "$stamp" ]; then
		return 0
	fi
	echo "ynl: extracting tools/net/ynl and Documentation/netlink from $src" >&2
	base=$(basename "$src" .tar.xz)
	mkdir -p "$top/build"
	tmp=$(mktemp -d "$top/build/ynl.tmp.XXXXXX")
	# one pass over the tarball; --wildcards so the directories match whole
	if ! nice -n 19 tar -xJf "$src" -C "$tmp" --strip-components=1 --wildcards \
		"$base/tools/net/ynl/*" "$base/Documentation/netlink/*" \
		"$base/MAINTAINERS"; then
		rm -rf "$tmp"
		die "cannot extract the YNL tree from $src"
	fi
	echo "$stamp" >"$tmp/.source"
	chmod 755 "$tmp"	# mktemp's 0700; the tree is read in guests too
	rm -rf "$root"
	mv "$tmp" "$root"
}

# Where cli.py and ynl-gen-c live: 6.12 keeps them next to lib/, 6.13+ in
# pyynl/ (with ynl_gen_c.py).
tool() {
	local t
	for t in "$@"; do
		[ -f "$root/tools/net/ynl/$t" ] && { echo "$root/tools/net/ynl/$t"; return; }
	done
	die "none of $* in $root/tools/net/ynl"
}

prepare() {
	extract
	ln -sfn "$spec" "$root/Documentation/netlink/specs/tcpconn.yaml"
}

cmd=${1:-dir}
[ $# -gt 0 ] && shift
case $cmd in
dir)
	prepare
	echo "$root" ;;
cli)
	prepare
	exec "$py" "$(tool cli.py pyynl/cli.py)" --spec "$spec" \
		--schema "$root/Documentation/netlink/genetlink-legacy.yaml" "$@" ;;
gen)
	prepare
	exec "$py" "$(tool ynl-gen-c.py pyynl/ynl_gen_c.py)" \
		--spec "$root/Documentation/netlink/specs/tcpconn.yaml" "$@" ;;
check)
	prepare
	exec "$py" "$top/tests/ynl/check_spec.py" --ynl "$root" "$@" ;;
*)
	sed -n '3,/^set /s/^# \{0,1\}//p' "$0" >&2
	exit 2 ;;
esac
