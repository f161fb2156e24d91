#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `dkms build` of the tree that `make dkms-source` lays out, against the
# cached Debian header trees (scripts/kernels.sh), as the tcpconn-dkms package
# would build it on a host with those headers installed.
#
#   tests/packaging/dkms_build.sh [KERNEL...]     (default: deb61 deb612)
#
# Nothing is installed on the host: the headers stay in the cache
# (--kernelsourcedir), the source and DKMS trees are private (--sourcetree,
# --dkmstree) and so are the module signing key and certificate, and the
# test checks that the host's DKMS state is the same afterwards.
set -euo pipefail
# shellcheck source=tests/packaging/lib.sh source-path=SCRIPTDIR/../..
. "$(dirname "$0")/lib.sh"

kernels=("$@")
[ $# -gt 0 ] || kernels=(deb61 deb612)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

host_state() {
	{ find /var/lib/dkms /usr/src /lib/modules -maxdepth 3 2>/dev/null || true; } | sort
}
before=$(host_state)

check "dkms: make dkms-source lays out /usr/src/tcpconn-$version" \
	make -s -C "$top" dkms-source DESTDIR="$tmp/stage" || { totals; exit; }
src=$tmp/stage/usr/src
mkdir -p "$tmp/dkms"

for k in "${kernels[@]}"; do
	if ! kernel_env "$k"; then
		not_ok "dkms build: $k: kernel not available, see ${log#"$top"/}"
		continue
	fi
	# sign_file and the MOK pair are dkms' own settings (framework.conf
	# or the environment). Debian's dkms looks for sign-file in the
	# installed linux-kbuild package; ours is in the cached tree.
	check "dkms build: $k ($KVER)" \
		env sign_file="$KDIR/scripts/sign-file" \
		mok_signing_key="$tmp/mok.key" mok_certificate="$tmp/mok.pub" \
		dkms build -m tcpconn -v "$version" -k "$KVER" -j 1 \
		--kernelsourcedir "$KDIR" --sourcetree "$src" --dkmstree "$tmp/dkms" ||
		continue

	mlog=$(find "$tmp/dkms/tcpconn/$version/$KVER" -name make.log -print -quit) || true
	if [ -z "$mlog" ]; then
		not_ok "dkms build: $k: no make.log in the DKMS tree"
	elif grep -qiE 'warning|error' "$mlog"; then
		not_ok "dkms build: $k: warnings in make.log: $(grep -iE -m1 'warning|error' "$mlog")"
	else
		ok "dkms build: $k: no compiler or modpost warnings"
	fi
	ko=$(find "$tmp/dkms/tcpconn/$version/$KVER" -name 'tcpconn.ko*' -print -quit) || true
	got=$(ko_info "$ko")
	want="vermagic '$KVER' version '$version' signer 'DKMS module signing key'"
	if [ "$got" = "$want" ]; then
		ok "dkms build: $k: tcpconn.ko has $want"
	else
		not_ok "dkms build: $k: tcpconn.ko has $got, want $want"
	fi
done

if [ "$(host_state)" = "$before" ]; then
	ok "dkms build: the host's /var/lib/dkms, /usr/src, /lib/modules unchanged"
else
	not_ok "dkms build: changed the host: $(diff <(echo "$before") <(host_state) | grep '^[<>]' | head -n 5 | tr '\n' ' ')"
fi
totals
