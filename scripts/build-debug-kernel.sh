#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (or find in the cache) the tcpconn "debug" kernel: Debian's
# linux-source-6.12 configured as allnoconfig + scripts/debug-kernel.config
# (KUnit, KASAN, lockdep, PROVE_RCU, kmemleak, 9p/virtio/serial built in).
#
# Usage: scripts/build-debug-kernel.sh
#   Progress goes to stderr; the last line on stdout is the path of the env
#   file $TCPCONN_CACHE/kernels/debug/kernel.env (format: scripts/CONTRACT.md).
#
# Environment:
#   TCPCONN_CACHE        cache root (default /var/cache/tcpconn)
#   TCPCONN_REBUILD=1    throw away the cached build for the current key first
#
# Cache layout, outside the clone so it survives it:
#   kernels/debug/<key>/src    extracted source (never touched after extraction)
#   kernels/debug/<key>/build  O= build tree; this is KDIR
#   kernels/debug/<key>/root   modules_install output; MODDIR is in there
#   kernels/debug/kernel.env   points at the newest complete <key>
# <key> = source package version + sha256 of the config fragment, so the kernel
# is rebuilt exactly when Debian ships a new linux-source-6.12 (installed on the
# host) or someone edits the fragment. After a successful build the previous
# kernel (a VM may still be running it) is kept and older ones are deleted.
#
# KVER is <version>-tcpconn-debug-<tag>, <tag> = 8 hex digits of the key: every
# rebuild gets a new release string, so a tcpconn.ko built against an older
# debug tree fails to load with a vermagic error instead of loading into a
# kernel whose struct layouts changed under it.
set -euo pipefail

SRCPKG=linux-source-6.12
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
frag_in=$here/debug-kernel.config
cache=${TCPCONN_CACHE:-/var/cache/tcpconn}
base=$cache/kernels/debug
envfile=$base/kernel.env

log() { echo "build-debug-kernel: $*" >&2; }
die() { log "error: $*"; exit 1; }

# Anything inherited from a calling make (M=, KDIR=, -j, ...) or a cross/
# LOCALVERSION setting would silently change what we build or its release
# string; the kernel build must only depend on the source and the fragment.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES ARCH SRCARCH CROSS_COMPILE \
	LOCALVERSION KBUILD_OUTPUT KCONFIG_CONFIG KCONFIG_ALLCONFIG \
	INSTALL_MOD_PATH O M KDIR CC LD || true

[ -r "$frag_in" ] || die "missing $frag_in"

pkg_version() {
	dpkg-query -W -f='${db:Status-Abbrev} ${Version}\n' "$SRCPKG" 2>/dev/null |
		awk '$1 == "ii" { print $2 }'
}

# The source comes from the installed host package (it only drops a tarball
# into /usr/src); deps.sh installs it together with the toolchain.
srcver=$(pkg_version)
if [ -z "$srcver" ]; then
	log "$SRCPKG not installed; running scripts/deps.sh"
	bash "$here/deps.sh" >&2
	srcver=$(pkg_version)
	[ -n "$srcver" ] || die "$SRCPKG still not installed"
fi
tarball=/usr/src/$SRCPKG.tar.xz
[ -r "$tarball" ] || die "$tarball missing; reinstall $SRCPKG"

mkdir -p "$base"
# One builder at a time per cache; a second caller waits and then finds the
# result cached. Taken before the fragment is read, so a caller that waited
# keys on the fragment as it is now, not as it was when it started (else it
# would point kernel.env back at an older build).
exec 9>"$base/.lock"
flock 9

fragsha=$(sha256sum <"$frag_in" | cut -c1-16)
# Debian versions contain '~' and ':' which are awkward in paths.
key=$(printf '%s_%s' "$srcver" "$fragsha" | tr -c 'A-Za-z0-9.+_\n-' '_')
tag=$(printf '%s\n' "$key" | sha256sum | cut -c1-8)
kdir=$base/$key
src=$kdir/src
obj=$kdir/build
root=$kdir/root

write_env() {
	local kver tmp
	kver=$(cat "$kdir/kernelrelease")
	tmp=$(mktemp "$base/.kernel.env.XXXXXX")
	{
		echo "# written by scripts/build-debug-kernel.sh:" \
			"$SRCPKG $srcver, debug-kernel.config sha256 $fragsha..."
		printf 'KNAME=%s\n' debug
		printf 'KVER=%q\n' "$kver"
		printf 'VMLINUZ=%q\n' "$obj/arch/x86/boot/bzImage"
		printf 'MODDIR=%q\n' "$root/lib/modules/$kver"
		printf 'KDIR=%q\n' "$obj"
		# Under TCG the KASAN+lockdep kernel runs the DSDT's _PRT AML
		# into ACPICA's loop timeout and virtio loses its IRQs; route
		# PCI interrupts from the MP table instead (scripts/vm-run.sh).
		# debug-kernel.config also builds this into CONFIG_CMDLINE.
		printf 'KAPPEND=%q\n' "pci=noacpi"
	} >"$tmp"
	chmod 644 "$tmp"
	# rename(2) so a concurrent reader never sees a half-written file
	mv -f "$tmp" "$envfile"
}

is_complete() {
	[ -f "$kdir/.complete" ] && [ -f "$kdir/kernelrelease" ] &&
		[ -f "$obj/arch/x86/boot/bzImage" ] && [ -f "$obj/Module.symvers" ] &&
		[ -d "$root/lib/modules/$(cat "$kdir/kernelrelease")" ]
}

if [ "${TCPCONN_REBUILD:-0}" = 1 ]; then
	log "TCPCONN_REBUILD=1: removing $kdir"
	rm -rf "$kdir"
fi

if is_complete; then
	write_env
	echo "$envfile"
	exit 0
fi

# Toolchain (gcc, make, bison, flex, libelf for objtool, bc, kmod...).
bash "$here/deps.sh" >&2

start=$(date +%s)
rm -f "$kdir/.complete"
mkdir -p "$kdir"
buildlog=$kdir/build.log
: >"$buildlog"
log "building $SRCPKG $srcver + debug-kernel.config ($fragsha) in $kdir"
log "full log: $buildlog"

# run STEP CMD...: run CMD with output into the build log; on failure show
# its tail, since that is where the compiler error is.
run() {
	local step=$1
	shift
	log "$step"
	echo "=== $step: $*" >>"$buildlog"
	if ! "$@" >>"$buildlog" 2>&1; then
		tail -n 40 "$buildlog" >&2
		die "$step failed (full log: $buildlog)"
	fi
}

# Source: extract into a temporary directory and rename, so an interrupted
# extraction is never mistaken for a complete tree.
if [ ! -f "$src/Makefile" ]; then
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	run "extract $tarball" tar -xf "$tarball" -C "$src.tmp" --strip-components=1
	mv "$src.tmp" "$src"
fi

# Freeze the fragment we hashed: the build uses this copy even if the repo's
# file is edited meanwhile.
frag=$kdir/debug-kernel.config
cp -f "$frag_in" "$frag"
[ "$(sha256sum <"$frag" | cut -c1-16)" = "$fragsha" ] ||
	die "debug-kernel.config changed while starting; run again"

# Check that every line of the fragment made it into .config. Kconfig drops
# an option without complaint when one of its dependencies is off.
verify_config() {
	local config=$1 line sym bad=()
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*)
			grep -qxF -- "$line" "$config" || bad+=("$line (got: $(
				grep -E "^(# )?${line%%=*}[= ]" "$config" || echo absent))")
			;;
		"# CONFIG_"*" is not set")
			sym=${line#\# }
			sym=${sym%% *}
			# absent (invisible, e.g. BTF without DEBUG_INFO) counts as off
			! grep -q "^$sym=" "$config" ||
				bad+=("$line (got: $(grep "^$sym=" "$config"))")
			;;
		esac
	done <"$frag"
	if [ ${#bad[@]} -ne 0 ]; then
		log "these options of debug-kernel.config did not survive Kconfig" \
			"(missing dependency? add it to the fragment):"
		printf '  %s\n' "${bad[@]}" >&2
		return 1
	fi
}

# Configure only once per key: a re-run after a failed compile continues the
# incremental build instead of touching .config.
if [ ! -f "$obj/.config-verified" ]; then
	rm -rf "$obj"
	mkdir -p "$obj"
	# merge_config.sh -n = allnoconfig with the fragment as KCONFIG_ALLCONFIG:
	# everything not asked for is off (minimal, fast), and 64BIT comes from the
	# fragment so no ARCH= is needed now or later for `make M=` builds.
	# It writes a temporary file in the cwd, hence the subshell in $src.
	# shellcheck disable=SC2016 # expanded by the inner bash
	run "configure: allnoconfig + debug-kernel.config" \
		bash -c 'cd "$1" && scripts/kconfig/merge_config.sh -n -O "$2" "$3"' \
		_ "$src" "$obj" "$frag"
	run "configure: olddefconfig" make -C "$src" O="$obj" olddefconfig
	verify_config "$obj/.config" || die "config check failed ($obj/.config)"
	# Make the release string unique per key (see the top of this file).
	lv=$(sed -n 's/^CONFIG_LOCALVERSION="\(.*\)"$/\1/p' "$obj/.config")
	run "configure: LOCALVERSION=$lv-$tag" \
		"$src/scripts/config" --file "$obj/.config" --set-str LOCALVERSION "$lv-$tag"
	run "configure: olddefconfig" make -C "$src" O="$obj" olddefconfig
	grep -qxF "CONFIG_LOCALVERSION=\"$lv-$tag\"" "$obj/.config" ||
		die "could not set CONFIG_LOCALVERSION"
	touch "$obj/.config-verified"
fi

jobs=$(nproc)
# `all` = vmlinux + bzImage + modules, and leaves the tree prepared for
# external modules (Module.symvers, scripts/mod, generated headers).
run "compile (make -j$jobs, a few minutes)" nice -n 10 make -C "$obj" -j"$jobs" all
kver=$(make -s -C "$obj" kernelrelease)
[ -n "$kver" ] || die "empty kernelrelease"
echo "$kver" >"$kdir/kernelrelease"

# modules_install even with (almost) no modules: it gives lib/modules/$KVER
# with modules.dep/modules.builtin, which modprobe inside the guest wants.
rm -rf "$root"
run "modules_install" make -C "$obj" modules_install INSTALL_MOD_PATH="$root"
[ -f "$root/lib/modules/$kver/modules.dep" ] ||
	die "modules_install left no $root/lib/modules/$kver/modules.dep"

touch "$kdir/.complete"
# The kernel the env file pointed at until now: keep it, a VM may be using it.
prev=
[ -f "$envfile" ] && prev=$(sed -n 's|^KDIR=\(.*\)/build$|\1|p' "$envfile")
write_env

# Drop older builds (each is ~2 GiB).
for old in "$base"/*/; do
	old=${old%/}
	[ "$old" = "$kdir" ] || [ "$old" = "$prev" ] && continue
	[ -f "$old/debug-kernel.config" ] || continue # not one of ours
	log "removing stale build $old"
	rm -rf "$old"
done

log "done: $kver in $(($(date +%s) - start)) s, $(du -sh "$kdir" | cut -f1) on disk"
echo "$envfile"
