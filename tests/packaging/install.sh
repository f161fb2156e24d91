#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make install` with DESTDIR/PREFIX and INSTALL_MOD_PATH, built against a
# cached Debian header tree, from a scratch copy of the tree.
#
#   tests/packaging/install.sh [KERNEL]     (default: deb612: its modules are
#                                            xz-compressed, so is ours)
set -euo pipefail
# shellcheck source=tests/packaging/lib.sh source-path=SCRIPTDIR/../..
. "$(dirname "$0")/lib.sh"

k=${1:-deb612}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
src=$tmp/src
copy_tree "$src"

if ! kernel_env "$k"; then
	not_ok "make install: $k: kernel not available, see ${log#"$top"/}"
	totals
	exit
fi

# A package's staging tree: everything under /usr, no depmod output.
stage=$tmp/stage
check "make install KDIR=<$k> DESTDIR=... PREFIX=/usr" \
	make -C "$src" install KDIR="$KDIR" DESTDIR="$stage" PREFIX=/usr ||
	{ totals; exit; }

mod=$stage/lib/modules/$KVER
ko=$(find "$mod/updates" -name 'tcpconn.ko*' -print -quit 2>/dev/null) || true
got=$(ko_info "$ko")
if [[ $got == "vermagic '$KVER' version '$version' "* ]]; then
	ok "make install: ${ko#"$stage"} is the $KVER module, version $version"
else
	not_ok "make install: module under $mod/updates: '$ko' $got"
fi
missing=()
for f in usr/sbin/tcpconn-stat usr/share/man/man8/tcpconn-stat.8 \
	usr/share/bash-completion/completions/tcpconn-stat; do
	[ -f "$stage/$f" ] || missing+=("/$f")
done
if [ ${#missing[@]} -eq 0 ]; then
	ok "make install: client, man page and bash completion under /usr"
else
	not_ok "make install: missing ${missing[*]}"
fi
out=$("$stage/usr/sbin/tcpconn-stat" --version 2>&1) || true
if [[ $out == "tcpconn-stat $version "* ]]; then
	ok "make install: installed tcpconn-stat --version says $version"
else
	not_ok "make install: tcpconn-stat --version: $out"
fi
if ls "$mod"/modules.* >/dev/null 2>&1; then
	not_ok "make install: depmod wrote into a staging tree: $(echo "$mod"/modules.*)"
else
	ok "make install: no depmod output in a staging tree"
fi

# A tree that holds the kernel (its modules.order and builtin lists, as an
# installed linux-image has): install-module runs depmod on it.
root=$tmp/root
mkdir -p "$root/lib/modules/$KVER"
cp "$MODDIR"/modules.order "$MODDIR"/modules.builtin* "$root/lib/modules/$KVER/"
if check "make install-module INSTALL_MOD_PATH=<a tree with $KVER>" \
	make -C "$src" install-module KDIR="$KDIR" INSTALL_MOD_PATH="$root"; then
	dep=$(grep -o '^updates/tcpconn\.ko[^:]*' "$root/lib/modules/$KVER/modules.dep" 2>/dev/null) || true
	if [ -n "$dep" ]; then
		ok "make install-module: depmod ran, modules.dep lists $dep"
	else
		not_ok "make install-module: modules.dep does not list updates/tcpconn.ko*"
	fi
fi

# Defaults: PREFIX=/usr/local, client in sbin.
if check "make install-client DESTDIR=... (default PREFIX)" \
	make -C "$src" install-client DESTDIR="$tmp/local"; then
	if [ -x "$tmp/local/usr/local/sbin/tcpconn-stat" ] &&
	   [ -f "$tmp/local/usr/local/share/man/man8/tcpconn-stat.8" ] &&
	   [ -f "$tmp/local/usr/local/share/bash-completion/completions/tcpconn-stat" ]; then
		ok "make install-client: PREFIX defaults to /usr/local"
	else
		not_ok "make install-client: not under /usr/local: $(cd "$tmp/local" && find . -type f | tr '\n' ' ')"
	fi
fi
totals
