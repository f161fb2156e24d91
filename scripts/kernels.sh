#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Fetch the Debian kernels tcpconn is tested on into a cache outside the
# clone, and describe each one in a shell env file (see scripts/CONTRACT.md).
#
#   scripts/kernels.sh list             print the kernel names
#   scripts/kernels.sh fetch NAME       make sure NAME is cached; print the
#                                       path of its kernel.env on stdout
#
# Progress goes to stderr so that `env=$(scripts/kernels.sh fetch sid)` works.
# A cached kernel is a no-op that touches no network; set
# TCPCONN_KERNEL_REFRESH=1 to re-resolve against the archive (it rebuilds only
# when the archive now has other packages).
#
# Layout of $TCPCONN_CACHE/kernels/NAME:
#   root/          the .debs extracted with dpkg-deb -x (never installed:
#                  the host kernel is not what we test, and installing a
#                  kernel would run initramfs and bootloader hooks)
#   packages.txt   the exact name=version set that was fetched
#   config.diff    (sid) where the KDIR config differs from Debian's
#   kernel.env     written last: its presence means the entry is complete
set -euo pipefail

CACHE=${TCPCONN_CACHE:-/var/cache/tcpconn}
KROOT=$CACHE/kernels
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MIRROR=${TCPCONN_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${TCPCONN_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
NAMES=(deb61 deb612 sid debug)

log() { printf 'kernels: [%3ds] %s\n' "$SECONDS" "$*" >&2; }
die() { printf 'kernels: error: %s\n' "$*" >&2; exit 1; }

usage() {
	echo "usage: $0 list | fetch {$(IFS='|'; echo "${NAMES[*]}")}" >&2
	exit 2
}

# What each name means. The version is never written down here: the archive
# drops old point releases, so we follow a metapackage's dependency at fetch
# time (the DESIGN's "resolve versions at run time").
#   SUITE     private apt root to resolve in
#   META      metapackage whose linux-image-<abi> dependency picks the kernel
#   KDIR_FROM headers: Debian's linux-headers + linux-kbuild run on bookworm
#             source:  sid's kbuild binaries need glibc >= 2.38, so the build
#                      tree is prepared from linux-source (see prepare_source)
spec() {
	case $1 in
	deb61)
		# The generic flavour, not cloud-amd64: bookworm's cloud config
		# has "# CONFIG_NET_9P is not set", and the VM harness mounts
		# the host root over 9p. Same source and version as cloud.
		SUITE=bookworm META=linux-image-amd64 KDIR_FROM=headers ;;
	deb612)
		SUITE=bookworm META=linux-image-6.12-amd64 KDIR_FROM=headers ;;
	sid)
		# Generic flavour again: sid's cloud-amd64 lacks 9p too.
		SUITE=sid META=linux-image-amd64 KDIR_FROM=source ;;
	*) die "unknown kernel '$1' (known: ${NAMES[*]})" ;;
	esac
}

# ---------------------------------------------------------------------------
# Private apt roots. Sid must never reach /etc/apt (it would offer sid
# packages to the host's apt-get upgrade), and resolving bookworm in its own
# root too keeps the result independent of when the host last ran apt-get
# update. The host's apt.conf.d is still read, for proxies and the like.

apt_root() {
	APTDIR=$CACHE/apt/$1
	mkdir -p "$APTDIR"/{lists/partial,cache/archives/partial,sources.list.d,preferences.d}
	: >>"$APTDIR/status"
	{
		case $1 in
		bookworm)
			# Kernel updates land in bookworm-security between
			# point releases; the point release then copies them.
			echo "deb [signed-by=$KEYRING] $MIRROR bookworm main"
			echo "deb [signed-by=$KEYRING] $SECURITY_MIRROR bookworm-security main"
			;;
		sid) echo "deb [signed-by=$KEYRING] $MIRROR sid main" ;;
		esac
	} >"$APTDIR/sources.list"
	# Command-line -o wins over the host's apt.conf.d, which here sets
	# Dir::Cache::pkgcache "" (docker-clean) and would make every
	# apt-cache call re-parse sid's Packages file (2 s each).
	APTOPTS=(
		-o "Dir::Etc::sourcelist=$APTDIR/sources.list"
		-o "Dir::Etc::sourceparts=$APTDIR/sources.list.d"
		-o "Dir::Etc::preferences=$APTDIR/preferences"
		-o "Dir::Etc::preferencesparts=$APTDIR/preferences.d"
		-o "Dir::State::Lists=$APTDIR/lists"
		-o "Dir::State::status=$APTDIR/status"
		-o "Dir::Cache=$APTDIR/cache"
		-o "Dir::Cache::archives=$APTDIR/cache/archives"
		-o "Dir::Cache::pkgcache=$APTDIR/cache/pkgcache.bin"
		-o "Dir::Cache::srcpkgcache=$APTDIR/cache/srcpkgcache.bin"
		-o "Acquire::Languages=none"
		-o "Acquire::PDiffs=false"
		-o "Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled=false"
		-o "Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false"
		-o "Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled=false"
		-o "Acquire::IndexTargets::deb::DEP-11-icons-small::DefaultEnabled=false"
		# apt drops to _apt for downloads, which cannot write into our
		# root-owned directories; we only fetch signed, hashed files.
		-o "APT::Sandbox::User=$(id -un)"
	)
}

apt_update() {
	log "apt-get update ($1)"
	apt-get "${APTOPTS[@]}" -q update >&2 ||
		die "apt-get update failed for the private $1 root ($APTDIR)"
}

# Field of the candidate version's record; empty when there is none.
pkg_field() {
	apt-cache "${APTOPTS[@]}" show --no-all-versions "$1" 2>/dev/null |
		sed -n "s/^$2: //p" | head -n1
}
pkg_ver() { pkg_field "$1" Version; }

# Names in the candidate's Depends, one per line, alternatives included.
pkg_deps() {
	pkg_field "$1" Depends |
		sed -e 's/[,|]/\n/g' | sed -e 's/([^)]*)//g' -e 's/:any//' -e 's/[[:space:]]//g' -e '/^$/d'
}

# First of the given packages whose candidate has version $1.
pick_version() {
	local want=$1 p
	shift
	for p in "$@"; do
		[ "$(pkg_ver "$p")" = "$want" ] && { echo "$p"; return; }
	done
	die "none of $* is at version $want in $SUITE (archive mid-transition?)"
}

# Sets ABI, DEBVER and WANT (name=version for apt-get download).
resolve() {
	local hdr img d p v mm
	ABI=$(pkg_deps "$META" | sed -n 's/^linux-image-\([0-9].*\)$/\1/p' | head -n1)
	[ -n "$ABI" ] || die "$META in $SUITE depends on no linux-image-<abi>"
	hdr=linux-headers-$ABI
	DEBVER=$(pkg_ver "$hdr")
	[ -n "$DEBVER" ] || die "$hdr is not in $SUITE"

	# Image and headers must be one build. The signed image (the one the
	# metapackage names) normally has the headers' version; when the
	# signing lags, its -unsigned twin from the same source build does.
	img=$(pick_version "$DEBVER" "linux-image-$ABI" "linux-image-$ABI-unsigned")
	WANT=("$img=$DEBVER" "$hdr=$DEBVER")
	# In sid (7.x) the image is a metapackage over linux-binary-<abi>
	# (vmlinuz), linux-modules-<abi> and linux-base-<abi> (config,
	# System.map); bookworm's depends on none. Take every dependency
	# that carries the ABI.
	for d in $(pkg_deps "$img"); do
		[[ $d == *-"$ABI" ]] || continue
		p=$(pick_version "$DEBVER" "$d" "${d/#linux-binary-/linux-binary-unsigned-}")
		WANT+=("$p=$DEBVER")
	done

	case $KDIR_FROM in
	headers)
		# -common (arch-independent headers, top Makefile) and
		# linux-kbuild-* (fixdep, modpost, objtool, scripts/).
		for d in $(pkg_deps "$hdr" | grep -E '^linux-(headers|kbuild)-' || true); do
			v=$(pkg_ver "$d")
			if [ -z "$v" ] || dpkg --compare-versions "$v" lt "$DEBVER"; then
				die "$hdr needs $d >= $DEBVER; $SUITE has '${v:-none}'"
			fi
			WANT+=("$d=$v")
		done
		;;
	source)
		mm=$(sed -E 's/^([0-9]+\.[0-9]+).*/\1/' <<<"$ABI")
		v=$(pkg_ver "linux-source-$mm")
		[ "$v" = "$DEBVER" ] ||
			die "linux-source-$mm in $SUITE is '${v:-none}', kernel is $DEBVER"
		WANT+=("linux-source-$mm=$v")
		;;
	esac
}

# ---------------------------------------------------------------------------
# Build trees

# Debian's headers work with the host gcc-12 on bookworm kernels, but they
# expect to live in /usr/src: the flavour Makefile includes the -common one by
# absolute path, and lib/modules/<abi>/{build,source} are absolute links.
# Point them into our root instead.
fixup_headers() {
	local l t
	sed -i "s#^include /usr/src/#include $ROOT/usr/src/#" "$KDIR/Makefile"
	while IFS= read -r -d '' l; do
		t=$(readlink "$l")
		ln -sfn "$ROOT$t" "$l"
	done < <(find "$ROOT" -type l -lname '/*' -print0)
	[ -x "$KDIR/scripts/basic/fixdep" ] ||
		die "$KDIR/scripts does not resolve into linux-kbuild"
}

# Sid's linux-kbuild binaries (modpost, genksyms, objtool, ...) need glibc
# 2.38 and bookworm has 2.36, and Debian's generated headers assume gcc-16
# (-fmin-function-alignment, __counted_by, asm goto outputs...). So we prepare
# a tree from the very same linux-source with Debian's .config, let olddefconfig
# re-evaluate the compiler-dependent options for gcc-12, run modules_prepare
# with Debian's KERNELRELEASE, and add Debian's Module.symvers. The options that
# change are compiler capabilities (code generation only) and Rust; they are
# saved in config.diff. No struct layout changes, and 7.x has no MODVERSIONS,
# so there are no CRCs to disagree. A debootstrapped sid chroot would give the
# exact compiler, but `make -C $KDIR` would then only work inside the chroot,
# which breaks the contract for every caller.
# Finally install-extmod-build (what Debian itself uses for linux-headers)
# copies just what external modules need, so the 1.8 GB source can go.
prepare_source() {
	local work=$DIR/work src deb hdrdir n
	src=$work/src
	hdrdir=$work/deb/usr/src/linux-headers-$ABI
	mkdir -p "$src" "$work/deb"
	dpkg-deb -x "$DEBS"/linux-headers-"$ABI"_*.deb "$work/deb"
	if [ ! -f "$hdrdir/.config" ] || [ ! -f "$hdrdir/Module.symvers" ]; then
		die "linux-headers-$ABI lacks .config or Module.symvers"
	fi

	deb=$(echo "$DEBS"/linux-source-*.deb)
	log "unpacking $(basename "$deb")"
	dpkg-deb --fsys-tarfile "$deb" |
		tar -xO --wildcards './usr/src/linux-source-*.tar.*' |
		tar -xJ -C "$src" --strip-components=1
	rm -f "$deb"

	cp "$hdrdir/.config" "$src/.config"
	# RUSTC=false: a host rustc must not turn CONFIG_RUST back on (it would
	# make modules_prepare build the Rust core with whatever rustc is here).
	n=$(nproc)
	local kmake=(make -C "$src" -j"$n" KERNELRELEASE="$ABI" RUSTC=false BINDGEN=false)
	log "olddefconfig + modules_prepare (log: $DIR/prepare.log)"
	if ! { "${kmake[@]}" olddefconfig && "${kmake[@]}" modules_prepare; } \
		>"$DIR/prepare.log" 2>&1; then
		tail -n 30 "$DIR/prepare.log" >&2
		die "modules_prepare failed"
	fi
	[ "$(cat "$src/include/config/kernel.release")" = "$ABI" ] ||
		die "prepared kernel.release is not $ABI"
	diff <(grep '^CONFIG_' "$hdrdir/.config" | sort) \
		<(grep '^CONFIG_' "$src/.config" | sort) >"$DIR/config.diff" || true
	cp "$hdrdir/Module.symvers" "$src/Module.symvers"

	if [ -x "$src/scripts/package/install-extmod-build" ]; then
		# run-command exports srctree, SRCARCH, CC, HOSTCC, MAKE for it.
		"${kmake[@]}" run-command KBUILD_RUN_COMMAND="\$(srctree)/scripts/package/install-extmod-build $KDIR" \
			>>"$DIR/prepare.log" 2>&1 || die "install-extmod-build failed"
		cp "$src/.config" "$KDIR/.config"
		rm -rf "$work"
	else
		# A source without the helper: keep the whole tree.
		mkdir -p "$(dirname "$KDIR")"
		mv "$src" "$KDIR"
		rm -rf "$work"
	fi
}

# Build a trivial module against KDIR and compare its vermagic with one of the
# kernel's own modules: catches a wrong KERNELRELEASE, a missing
# Module.symvers or host tools that do not run, at fetch time rather than in
# the middle of a test run.
selftest() {
	local t ref got
	t=$(mktemp -d)
	cat >"$t/hello.c" <<-'EOF'
	// SPDX-License-Identifier: GPL-2.0
	#include <linux/module.h>
	#include <net/net_namespace.h>
	static int __init hello_init(void)
	{
		pr_info("hello %p\n", &init_net);
		return 0;
	}
	static void __exit hello_exit(void) { }
	module_init(hello_init);
	module_exit(hello_exit);
	MODULE_LICENSE("GPL");
	MODULE_DESCRIPTION("kernels.sh self-test");
	EOF
	echo 'obj-m := hello.o' >"$t/Kbuild"
	if ! make -C "$KDIR" M="$t" modules >"$t/log" 2>&1; then
		tail -n 30 "$t/log" >&2
		rm -rf "$t"
		die "self-test module does not build against $KDIR"
	fi
	if grep -q 'WARNING: modpost' "$t/log"; then
		grep 'WARNING: modpost' "$t/log" >&2
		rm -rf "$t"
		die "modpost warnings in the self-test build"
	fi
	ref=$(find "$MODDIR/kernel" -name '*.ko*' -print -quit)
	got=$(modinfo -F vermagic "$t/hello.ko")
	rm -rf "$t"
	[ "$got" = "$(modinfo -F vermagic "$ref")" ] ||
		die "vermagic '$got' != '$(modinfo -F vermagic "$ref")' ($ref)"
}

# The version string a bzImage carries (boot protocol: header field at 0x20e
# holds an offset from 0x200), to check the image really is $ABI.
bzimage_version() {
	local off
	off=$(od -An -tu2 -j526 -N2 "$1" | tr -d ' ')
	dd if="$1" bs=1 skip=$((off + 512)) count=200 status=none |
		tr '\0' '\n' | head -n1 | cut -d' ' -f1
}

module_compression() {
	find "$1" -name '*.ko*' | sed -E 's/.*\.ko//' | sort | uniq -c | sort -rn |
		awk 'NR == 1 { print ($2 == "" ? "none" : substr($2, 2)) }'
}

# ---------------------------------------------------------------------------

cached_ok() {
	[ -f "$ENV" ] || return 1
	(
		set +u
		# shellcheck disable=SC1090
		. "$ENV"
		[ -f "$VMLINUZ" ] && [ -f "$MODDIR/modules.dep" ] &&
			[ -f "$KDIR/Makefile" ] && [ -f "$KDIR/Module.symvers" ]
	)
}

fetch() {
	local name=$1 t0 p
	spec "$name"
	DIR=$KROOT/$name
	ENV=$DIR/kernel.env
	if [ "${TCPCONN_KERNEL_REFRESH:-0}" != 1 ] && cached_ok; then
		echo "$ENV"
		return
	fi

	[ "$(dpkg --print-architecture)" = amd64 ] || die "amd64 hosts only"
	mkdir -p "$KROOT" || die "cannot create $KROOT (set TCPCONN_CACHE?)"
	# One fetch per kernel at a time; the runner may start several.
	exec 9>"$KROOT/.$name.lock"
	flock 9
	# Whoever held the lock may just have fetched it.
	if [ "${TCPCONN_KERNEL_REFRESH:-0}" != 1 ] && cached_ok; then
		echo "$ENV"
		return
	fi
	t0=$SECONDS

	apt_root "$SUITE"
	# deb61 and deb612 share the bookworm root: serialise update+resolve+
	# download (apt's own lists lock fails instead of waiting).
	exec 8>"$APTDIR/.lock"
	flock 8
	apt_update "$SUITE"
	resolve
	if [ "${TCPCONN_KERNEL_REFRESH:-0}" = 1 ] && cached_ok &&
		[ "$(printf '%s\n' "${WANT[@]}")" = "$(cat "$DIR/packages.txt" 2>/dev/null)" ]; then
		log "$name: $ABI $DEBVER is current"
		echo "$ENV"
		return
	fi
	log "$name: $ABI ($DEBVER): ${WANT[*]%%=*}"

	rm -rf "$DIR"
	# A failed fetch keeps its logs but not the GBs of source and .debs;
	# without kernel.env the next fetch starts over anyway.
	trap '[ -f "$ENV" ] || rm -rf "$DIR/work" "$DIR/debs"' EXIT
	ROOT=$DIR/root
	DEBS=$DIR/debs
	mkdir -p "$ROOT" "$DEBS"
	(cd "$DEBS" && apt-get "${APTOPTS[@]}" -q download "${WANT[@]}") >&2 ||
		die "apt-get download failed"
	flock -u 8

	for p in "$DEBS"/*.deb; do
		case $p in
		*/linux-source-*) continue ;;
		*/linux-headers-*) [ "$KDIR_FROM" = headers ] || continue ;;
		esac
		dpkg-deb -x "$p" "$ROOT"
	done

	# Sid is merged-/usr (usr/lib/modules); bookworm packages ship
	# lib/modules. depmod 30 only looks under <base>/lib/modules.
	[ -e "$ROOT/lib" ] || ln -s usr/lib "$ROOT/lib"
	for MODDIR in "$ROOT/usr/lib/modules/$ABI" "$ROOT/lib/modules/$ABI"; do
		[ -d "$MODDIR/kernel" ] && break
	done
	[ -d "$MODDIR/kernel" ] || die "no modules for $ABI in the packages"
	for VMLINUZ in "$ROOT/boot/vmlinuz-$ABI" "$MODDIR/vmlinuz"; do
		[ -f "$VMLINUZ" ] && break
	done
	[ -f "$VMLINUZ" ] || die "no vmlinuz for $ABI in the packages"
	for KCONFIG in "$ROOT/boot/config-$ABI" "$MODDIR/config"; do
		[ -f "$KCONFIG" ] && break
	done
	[ -f "$KCONFIG" ] || die "no config for $ABI in the packages"
	[ "$(bzimage_version "$VMLINUZ")" = "$ABI" ] ||
		die "$VMLINUZ reports version '$(bzimage_version "$VMLINUZ")', not $ABI"

	# depmod reads every (compressed) module: ~12 s for the 6.12 set.
	# Nothing below needs it until the env file, so overlap it with the
	# build-tree work.
	log "depmod $ABI (background)"
	depmod -b "$ROOT" "$ABI" &
	local depmod_pid=$!

	KDIR=$ROOT/usr/src/linux-headers-$ABI
	case $KDIR_FROM in
	headers) fixup_headers ;;
	source) prepare_source ;;
	esac
	[ -f "$KDIR/Module.symvers" ] || die "$KDIR has no Module.symvers"
	rm -rf "$DEBS"

	# The guest sees the host root at the same paths, so absolute links
	# into the cache make /lib/modules/$KVER/build usable there too.
	ln -sfn "$KDIR" "$MODDIR/build"
	if [ "$KDIR_FROM" = headers ]; then
		p=$(find "$ROOT/usr/src" -maxdepth 1 -name "linux-headers-*-common*" | head -n1)
		ln -sfn "${p:-$KDIR}" "$MODDIR/source"
	else
		ln -sfn "$KDIR" "$MODDIR/source"
	fi

	log "self-test: hello module against $KDIR"
	selftest

	wait "$depmod_pid" || die "depmod -b $ROOT $ABI failed"
	[ -s "$MODDIR/modules.dep" ] || die "depmod wrote no modules.dep"

	printf '%s\n' "${WANT[@]}" >"$DIR/packages.txt"
	{
		echo "# generated by scripts/kernels.sh fetch $name; see scripts/CONTRACT.md"
		printf 'KNAME=%q\n' "$name"
		printf 'KVER=%q\n' "$ABI"
		printf 'VMLINUZ=%q\n' "$VMLINUZ"
		printf 'MODDIR=%q\n' "$MODDIR"
		printf 'KDIR=%q\n' "$KDIR"
		echo "# extras (not in the contract; the debug kernel may lack them)"
		printf 'KCONFIG=%q\n' "$KCONFIG"
		printf 'KDEBVER=%q\n' "$DEBVER"
		printf 'KMODCOMP=%q\n' "$(module_compression "$MODDIR/kernel")"
	} >"$ENV.tmp"
	mv "$ENV.tmp" "$ENV"
	log "$name ready in $((SECONDS - t0)) s, $(du -sh "$DIR" | cut -f1)"
	echo "$ENV"
}

case ${1:-} in
list)
	[ $# -eq 1 ] || usage
	printf '%s\n' "${NAMES[@]}"
	;;
fetch)
	[ $# -ge 2 ] || usage
	if [ "$2" = debug ]; then
		# Built, not fetched, by its own script; same env-file format.
		export TCPCONN_CACHE=$CACHE
		[ -x "$HERE/build-debug-kernel.sh" ] ||
			die "$HERE/build-debug-kernel.sh is missing"
		exec "$HERE/build-debug-kernel.sh" "${@:3}"
	fi
	[ $# -eq 2 ] || usage
	fetch "$2"
	;;
*) usage ;;
esac
