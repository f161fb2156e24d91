#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install the .debs on this host, let DKMS build the module, purge them; then
# the same with `make dkms-install` / `make dkms-uninstall`.
#
#   tests/packaging/host_install.sh DEBDIR [KERNEL]
#
# Runs in a private mount namespace with a tmpfs on /lib/modules, so the
# host's module tree is never written: first with only an empty directory for
# the running kernel (a host without its headers: the postinst must succeed
# and leave the module "added"), then with KERNEL's cached header tree as
# /lib/modules/<kver>/build, as if linux-headers-<kver> were installed.
# The packages themselves are really installed (dpkg's database is not
# namespaced) and purged at the end, also when a step fails. Needs root.
set -euo pipefail
# shellcheck source=tests/packaging/lib.sh source-path=SCRIPTDIR/../..
. "$(dirname "$0")/lib.sh"

debdir=${1:?usage: host_install.sh DEBDIR [KERNEL]}
k=${2:-}
pkgs=(tcpconn-dkms tcpconn-stat)

# installed PKG...: any of them installed, or removed but not purged
installed() {
	local s
	s=$(dpkg-query -W -f='${db:Status-Status}\n' "$@" 2>/dev/null) || true
	[ -n "$s" ] && grep -qvx 'not-installed' <<<"$s"
}

# dkms_installed KVER: dkms reports tcpconn/<version> installed for KVER
dkms_installed() {
	local s
	s=$(dkms status -m tcpconn -v "$version" -k "$1" 2>/dev/null) || true
	[[ $s == *": installed" ]]
}

if [ -z "${TCPCONN_PKG_NS:-}" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		not_ok "deb: install on the host: needs root"
		totals
		exit
	fi
	# Someone's real installation: not ours to purge.
	if installed "${pkgs[@]}" || [ -e /var/lib/dkms/tcpconn ]; then
		not_ok "deb: install on the host: cannot test, tcpconn is already installed here and is not ours to purge (a leftover of a killed run? apt-get purge tcpconn-dkms tcpconn-stat; make dkms-uninstall)"
		totals
		exit
	fi
	TCPCONN_PKG_NS=1 exec unshare --mount --propagation private "$0" "$@"
fi

tmp=$(mktemp -d)
apt_opts=(-y -q --no-install-recommends -o DPkg::Lock::Timeout=300)
cleanup() {
	if installed "${pkgs[@]}"; then
		apt-get "${apt_opts[@]}" purge "${pkgs[@]}" >>"$log" 2>&1 || true
	fi
	if [ -e "/usr/src/tcpconn-$version" ] && ! installed tcpconn-dkms; then
		make -C "$top" dkms-uninstall >>"$log" 2>&1 || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

mount -t tmpfs tcpconn-test /lib/modules
mkdir "/lib/modules/$(uname -r)"
# dkms signs with its MOK pair, creating /var/lib/dkms/mok.* on first use;
# the environment points it at a throwaway pair instead.
export mok_signing_key=$tmp/mok.key mok_certificate=$tmp/mok.pub

# gone WHAT: nothing of tcpconn is left on the host (WHAT names the step)
gone() {
	local left=()
	installed "${pkgs[@]}" && left+=("packages")
	[ -e "/usr/src/tcpconn-$version" ] && left+=("/usr/src/tcpconn-$version")
	[ -e /var/lib/dkms/tcpconn ] && left+=("/var/lib/dkms/tcpconn")
	mapfile -t -O "${#left[@]}" left < <(find /lib/modules -name 'tcpconn.ko*')
	if [ ${#left[@]} -eq 0 ]; then
		ok "$1 leaves nothing behind"
	else
		not_ok "$1 left ${left[*]}"
	fi
}

debs=("$debdir"/tcpconn-dkms_"$version"_all.deb
	"$debdir"/tcpconn-stat_"$version"_"$(dpkg --print-architecture)".deb)
check "deb: apt-get install (no headers for the running kernel $(uname -r))" \
	apt-get "${apt_opts[@]}" install "${debs[@]}" || { totals; exit; }
status=$(dkms status -m tcpconn 2>>"$log")
if [ "$status" = "tcpconn/$version: added" ]; then
	ok "deb: without headers the module is only added to DKMS ($status)"
else
	not_ok "deb: dkms status after install: '$status'"
fi
out=$(/usr/sbin/tcpconn-stat --version 2>&1) || true
if [[ $out == "tcpconn-stat $version "* ]]; then
	ok "deb: /usr/sbin/tcpconn-stat --version says $version"
else
	not_ok "deb: /usr/sbin/tcpconn-stat --version: $out"
fi

if [ -n "$k" ] && kernel_env "$k"; then
	mkdir -p "/lib/modules/$KVER"
	ln -s "$KDIR" "/lib/modules/$KVER/build"
	# dkms compresses like the kernel's own modules (it reads modules.dep).
	cp "$MODDIR/modules.dep" "/lib/modules/$KVER/"
	# What the linux-headers-<kver> postinst hook runs.
	if check "deb: dkms autoinstall -k $KVER (headers now present)" \
		dkms autoinstall -k "$KVER" -j 1; then
		ko=$(find "/lib/modules/$KVER/updates/dkms" -name 'tcpconn.ko*' -print -quit 2>/dev/null) || true
		want="vermagic '$KVER' version '$version' signer 'DKMS module signing key'"
		got=$(ko_info "$ko")
		if [ "$got" = "$want" ] && dkms_installed "$KVER"; then
			ok "deb: DKMS installed ${ko#/lib/modules/"$KVER"/}: $want"
		else
			not_ok "deb: after autoinstall: '$ko' $got; $(dkms status -m tcpconn 2>&1 | tr '\n' ' ')"
		fi
	fi
elif [ -n "$k" ]; then
	not_ok "deb: kernel $k not available, see ${log#"$top"/}"
fi

# make dkms-install must not take the package's tree from under dpkg.
if make -C "$top" dkms-install DKMS_KVER="${KVER:-$(uname -r)}" >>"$log" 2>&1; then
	not_ok "make dkms-install ran over the installed tcpconn-dkms package"
elif dpkg --verify tcpconn-dkms >>"$log" 2>&1 && [ -n "$(dkms status -m tcpconn 2>/dev/null)" ]; then
	ok "make dkms-install refuses while tcpconn-dkms is installed"
else
	not_ok "make dkms-install failed but changed the package's files or DKMS state"
fi

check "deb: apt-get purge" apt-get "${apt_opts[@]}" purge "${pkgs[@]}" || true
gone "deb: purge"

[ -n "${KVER:-}" ] || { totals; exit; }
if check "make dkms-install DKMS_KVER=$KVER" make -C "$top" dkms-install DKMS_KVER="$KVER"; then
	if dkms_installed "$KVER" &&
	   [ -n "$(find "/lib/modules/$KVER/updates/dkms" -name 'tcpconn.ko*')" ]; then
		ok "make dkms-install: tcpconn/$version installed for $KVER"
	else
		not_ok "make dkms-install: $(dkms status -m tcpconn 2>&1 | tr '\n' ' ')"
	fi
fi
check "make dkms-uninstall" make -C "$top" dkms-uninstall || true
gone "make dkms-uninstall"
totals
