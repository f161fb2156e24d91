#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a test kernel under QEMU (TCG) and run one command in it, chrooted into
# the host's root filesystem.  See scripts/CONTRACT.md; modelled on the
# kernel's tools/testing/selftests/wireguard/qemu (explicit success marker),
# but with busybox-static and the host root shared into the guest instead of
# a purpose-built userland.
#
#   scripts/vm-run.sh NAME OUTDIR [options] -- CMD [ARGS...]
#
#   NAME        kernel name for `scripts/kernels.sh fetch` (deb61, deb612, sid,
#               debug); TCPCONN_KERNEL_ENV=/path/kernel.env bypasses the lookup
#   OUTDIR      host directory, writable in the guest at the same path;
#               receives console.log, guest.log, guest-rc, dmesg.log,
#               kmemleak.log (debug kernels)
#   --mem MB       guest RAM (default 2048)
#   --smp N        guest CPUs (default 2)
#   --timeout S    wall-clock limit for the whole VM (default 900)
#   --append STR   extra kernel command line
#   -q, --quiet    do not stream the console; show its tail on failure
#
# In the guest CMD runs as root with cwd = the host cwd and OUT, KNAME, KVER,
# PATH, HOME=/tmp in its environment (plus any TCPCONN_* variables set on the
# host).  Its stdin is /dev/null; stdout+stderr go to the console and
# OUTDIR/guest.log.  The host root is read-only; /tmp, /run, /var/tmp are
# empty tmpfs (except the repo, the cwd and OUTDIR, which stay visible);
# lo is up; the kernel's module autoloading works (via the host's kmod).
#
# Environment: TCPCONN_KERNEL_ENV (see NAME), TCPCONN_CACHE (default
# /var/cache/tcpconn), TCPCONN_VM_QUIET=1 (= -q), TCPCONN_VM_TRANSPORT=9p|
# virtiofs (default: 9p if the kernel has it), TCPCONN_VM_PVH=0 (boot the
# bzImage as is), TCPCONN_VM_KMEMLEAK=0 (skip the final kmemleak scans,
# ~15 s per GB of guest RAM on the debug kernel), TCPCONN_QEMU,
# TCPCONN_VIRTIOFSD (alternative binaries).
#
# Exit status: CMD's, unless the harness saw a problem:
#   123  the kernel log shows WARNING:/BUG:/Oops/panic/lockdep/KASAN/kmemleak/...
#   124  timeout
#   125  no result: boot or setup failure, QEMU error, missing guest-rc/marker
# and one line on stderr naming the console log.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)

usage() {
	sed -n '/^#   scripts\/vm-run.sh/,/^# and one line/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
	exit 2
}
fail() { # code message
	echo "vm-run: $2" >&2
	exit "$1"
}

MEM=2048
SMP=2
TIMEOUT=900
APPEND=
QUIET=${TCPCONN_VM_QUIET:-0}
pos=()
while [ $# -gt 0 ]; do
	case $1 in
	--mem) MEM=${2:?--mem needs MB}; shift 2 ;;
	--smp) SMP=${2:?--smp needs N}; shift 2 ;;
	--timeout) TIMEOUT=${2:?--timeout needs seconds}; shift 2 ;;
	--append) APPEND=${2?--append needs a string}; shift 2 ;;
	-q | --quiet) QUIET=1; shift ;;
	-h | --help) usage ;;
	--) shift; break ;;
	-*) echo "vm-run: unknown option $1" >&2; usage ;;
	*) pos+=("$1"); shift ;;
	esac
done
[ ${#pos[@]} -eq 2 ] && [ $# -ge 1 ] || usage
NAME=${pos[0]}
OUTDIR=${pos[1]}
for v in "$MEM" "$SMP" "$TIMEOUT"; do
	[[ $v =~ ^[1-9][0-9]*$ ]] || fail 2 "not a positive number: $v"
done

# ---- kernel ----------------------------------------------------------------
if [ -n "${TCPCONN_KERNEL_ENV:-}" ]; then
	envfile=$TCPCONN_KERNEL_ENV
else
	[ -x "$HERE/kernels.sh" ] || fail 125 "no scripts/kernels.sh (set TCPCONN_KERNEL_ENV=/path/kernel.env)"
	# kernels.sh prints the env file path last; its progress goes to stderr.
	envfile=$("$HERE/kernels.sh" fetch "$NAME" | tail -n1) ||
		fail 125 "scripts/kernels.sh fetch $NAME failed"
fi
[ -f "$envfile" ] || fail 125 "kernel env file '$envfile' not found"
KNAME='' KVER='' VMLINUZ='' MODDIR='' KDIR='' KAPPEND=''
# shellcheck source=/dev/null
. "$envfile"
KNAME=${KNAME:-$NAME}
# Optional, not in the contract: extra kernel command line this kernel needs.
KAPPEND=${KAPPEND:-}
[ -n "$KVER" ] || fail 125 "$envfile: KVER not set"
[ -f "$VMLINUZ" ] || fail 125 "$envfile: VMLINUZ '$VMLINUZ' not found"
if [ -n "$MODDIR" ]; then
	[ -d "$MODDIR" ] || fail 125 "$envfile: MODDIR '$MODDIR' not found"
	MODDIR=$(realpath "$MODDIR")
fi

QEMU=${TCPCONN_QEMU:-qemu-system-x86_64}
command -v "$QEMU" >/dev/null || fail 125 "$QEMU not found (run scripts/deps.sh)"

# Boot the kernel as an uncompressed ELF through its PVH entry when we can.
# Under TCG the bzImage's own decompressor is slow: Debian's generic
# kernels are XZ-compressed and spend ~6-8 s (of a ~15 s run) unpacking
# themselves; xz on the host takes ~2 s once, then the ELF is cached.  Needs
# CONFIG_PVH (Debian has it); anything unexpected falls back to the bzImage.
# TCPCONN_VM_PVH=0 disables this.
pvh_kernel() { # bzImage -> prints the path to boot
	local bz=$1 dir sum setup po pl off tmp
	[ "${TCPCONN_VM_PVH:-1}" != 0 ] && command -v readelf >/dev/null || { echo "$bz"; return; }
	dir=${TCPCONN_CACHE:-/var/cache/tcpconn}/vmlinux
	sum=$(sha256sum <"$bz" | cut -c1-32)
	if [ -f "$dir/$sum.elf" ]; then
		touch "$dir/$sum.elf" # mtime = last use, for pruning
		echo "$dir/$sum.elf"
		return
	fi
	if [ -f "$dir/$sum.none" ]; then # known not to work: don't retry
		echo "$bz"
		return
	fi
	mkdir -p "$dir"
	# ~70 MB each: drop those unused for a week (and killed extractions)
	find "$dir" -mindepth 1 -maxdepth 1 -type f \
		\( -name '.elf.*' -mmin +60 -o -name '*.elf' -mtime +7 \) \
		-delete 2>/dev/null || true
	# x86 boot protocol: payload_offset/payload_length at 0x248/0x24c,
	# relative to the protected-mode code after (setup_sects + 1) sectors.
	setup=$(od -An -tu1 -j $((0x1f1)) -N1 "$bz" | tr -d ' ')
	[ "$setup" != 0 ] || setup=4
	read -r po pl < <(od -An -tu4 -j $((0x248)) -N8 "$bz")
	off=$(((setup + 1) * 512 + po))
	tmp=$(mktemp "$dir/.elf.XXXXXX")
	# The payload ends with the 4-byte uncompressed size, which the
	# decompressors call trailing garbage; the ELF checks below decide.
	case $(od -An -tx1 -j "$off" -N6 "$bz" | tr -d ' ') in
	fd377a585a00) tail -c +$((off + 1)) "$bz" | head -c "$pl" | xz -dc --single-stream >"$tmp" 2>/dev/null || true ;;
	28b52ffd*) tail -c +$((off + 1)) "$bz" | head -c "$pl" | zstd -qdc >"$tmp" 2>/dev/null || true ;;
	1f8b*) tail -c +$((off + 1)) "$bz" | head -c "$pl" | gzip -dc >"$tmp" 2>/dev/null || true ;;
	*) : >"$tmp" ;;
	esac
	# XEN_ELFNOTE_PHYS32_ENTRY (0x12) is what QEMU needs for a PVH boot.
	# (no "readelf | grep -q": under pipefail readelf's SIGPIPE fails it)
	if readelf -h "$tmp" >/dev/null 2>&1 &&
		[[ $(readelf -n "$tmp" 2>/dev/null) == *'(0x00000012)'* ]]; then
		chmod 644 "$tmp"
		mv "$tmp" "$dir/$sum.elf"
		echo "$dir/$sum.elf"
	else
		rm -f "$tmp"
		: >"$dir/$sum.none"
		echo "$bz"
	fi
}
BOOTKERNEL=$(pvh_kernel "$VMLINUZ")

INITRD_DIR=$("$HERE/mkinitramfs.sh" "$KVER" "$MODDIR" "$KDIR") ||
	fail 125 "building the initramfs failed"
TRANSPORT=''
. "$INITRD_DIR/initramfs.env"

# ---- OUTDIR ----------------------------------------------------------------
mkdir -p "$OUTDIR"
OUTDIR=$(realpath "$OUTDIR")
[ "$OUTDIR" != / ] || fail 2 "OUTDIR must not be /"
CONSOLE=$OUTDIR/console.log
# Stale results from an earlier run must never be read as this run's.
rm -rf "$OUTDIR/.vm-run"
rm -f "$CONSOLE" "$OUTDIR"/{guest.log,guest-rc,dmesg.log,kmemleak.log}
mkdir -p "$OUTDIR/.vm-run"

# The guest mounts a tmpfs over /lib/modules (resolved: bookworm's /lib is a
# symlink to usr/lib) to hold MODDIR; a mount point must exist on the
# read-only share, and a host without any kernel installed (a container)
# has none.  An empty directory is harmless on the host.
libmod=$(readlink -f /lib/modules)
[ -d "$libmod" ] || mkdir -p "$libmod" 2>/dev/null ||
	fail 125 "$libmod does not exist and cannot be created (needed as a mount point in the guest)"

sq() { # quote for busybox ash
	printf "'%s'" "${1//\'/\'\\\'\'}"
}
{
	echo "OUTDIR=$(sq "$OUTDIR")"
	echo "MODDIR=$(sq "$MODDIR")"
	echo "KMEMLEAK=$(sq "${TCPCONN_VM_KMEMLEAK:-1}")"
} >"$OUTDIR/.vm-run/config"

# The guest has fresh tmpfs on /tmp, /run and /var/tmp; the cwd and the repo
# must stay visible there even if they live under one of those.
under_masked() {
	case $1 in
	/tmp | /tmp/* | /run | /run/* | /var/tmp | /var/tmp/*) return 0 ;;
	esac
	return 1
}
CWD=$(pwd -P)
: >"$OUTDIR/.vm-run/keep"
kept=()
for p in "$(realpath "$REPO")" "$CWD"; do
	under_masked "$p" || continue
	# already visible through OUTDIR or an earlier kept parent
	for k in "$OUTDIR" "${kept[@]}"; do
		case $p/ in "$k"/*) continue 2 ;; esac
	done
	kept+=("$p")
	echo "$p" >>"$OUTDIR/.vm-run/keep"
done

# CMD travels in a file, not on the kernel command line, so any quoting
# survives; printf %q output is for bash, which the host root has.
{
	echo '#!/bin/bash'
	printf 'export OUT=%q KNAME=%q KVER=%q\n' "$OUTDIR" "$KNAME" "$KVER"
	while IFS= read -r v; do
		printf 'export %s=%q\n' "$v" "${!v}"
	done < <(compgen -e | grep '^TCPCONN_' || true)
	printf 'cd -- %q || { echo "vm-run: cannot cd to %q in the guest" >&2; exit 125; }\n' "$CWD" "$CWD"
	printf 'exec'
	printf ' %q' "$@"
	echo
} >"$OUTDIR/.vm-run/cmd.sh"

# ---- QEMU ------------------------------------------------------------------
# loglevel=5, not 4: WARN() splats, lockdep and RCU reports are printed at
# KERN_WARNING (4) and would otherwise be dropped from the console.
# printk.time=1: the host only scans timestamped (kernel) lines, so CMD
# printing "WARNING:" itself does not fail the run.
CMDLINE="console=ttyS0 panic_on_warn=1 oops=panic panic=-1 loglevel=5 printk.time=1"
# KAPPEND: what the kernel needs on top (build-debug-kernel.sh sets
# pci=noacpi: under TCG the KASAN+lockdep kernel's ACPI _PRT evaluation hits
# ACPICA's 30 s loop timeout per virtio device, leaving them without IRQs;
# not global, since Debian's cloud 6.1 then WARNs in pci_msi_setup_msi_irqs).
[ -z "$KAPPEND" ] || CMDLINE+=" $KAPPEND"
[ -z "$APPEND" ] || CMDLINE+=" $APPEND"

qargs=(
	-accel tcg -cpu max -smp "$SMP" -m "$MEM"
	-machine pc -nographic -nodefaults -no-reboot -no-user-config
	-kernel "$BOOTKERNEL" -initrd "$INITRD_DIR/initramfs.cpio" -append "$CMDLINE"
	-serial stdio
	# entropy for the guest; harmless if the kernel lacks virtio-rng
	-device virtio-rng-pci
)

RUNDIR=$(mktemp -d "${TMPDIR:-/tmp}/vm-run.XXXXXX")
vfs_pids=()
qemu_pid=
tail_pid=
cleanup() {
	local p
	for p in $qemu_pid $tail_pid "${vfs_pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	rm -rf "$RUNDIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

case $TRANSPORT in
9p)
	# Host root read-only: the guest cannot damage the host.  multidevs=remap
	# keeps inode numbers unique across the host's mounts.
	qargs+=(
		-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
		-virtfs "local,path=${OUTDIR//,/,,},mount_tag=out,security_model=none,multidevs=remap"
	)
	;;
virtiofs)
	# For kernels without 9p (Debian cloud-amd64).  QEMU 7.2 (bookworm)
	# still ships the C virtiofsd; sandbox=chroot because namespaces may be
	# unavailable in containers.  The root share is only mounted read-only
	# by the guest (virtiofsd 7.2 has no read-only mode).  vhost-user needs
	# guest RAM in a shared memfd.
	VIRTIOFSD=${TCPCONN_VIRTIOFSD:-/usr/lib/qemu/virtiofsd}
	[ -x "$VIRTIOFSD" ] || fail 125 "kernel $KVER needs virtiofs but $VIRTIOFSD is missing"
	start_vfsd() { # tag dir cache
		"$VIRTIOFSD" --socket-path="$RUNDIR/$1.sock" -o source="${2//,/\\,}" \
			-o sandbox=chroot -o cache="$3" -o announce_submounts \
			-o xattr -o no_posix_lock -o log_level=warn \
			</dev/null >>"$OUTDIR/.vm-run/virtiofsd-$1.log" 2>&1 &
		vfs_pids+=($!)
	}
	start_vfsd hostroot / always
	start_vfsd out "$OUTDIR" none
	for t in hostroot out; do
		n=0
		until [ -S "$RUNDIR/$t.sock" ]; do
			n=$((n + 1))
			[ $n -lt 100 ] || fail 125 "virtiofsd for '$t' did not start, see $OUTDIR/.vm-run/virtiofsd-$t.log"
			sleep 0.05
		done
	done
	qargs+=(
		-object "memory-backend-memfd,id=mem,size=${MEM}M,share=on"
		-machine memory-backend=mem
		-chardev "socket,id=vfs0,path=$RUNDIR/hostroot.sock"
		-device "vhost-user-fs-pci,chardev=vfs0,tag=hostroot"
		-chardev "socket,id=vfs1,path=$RUNDIR/out.sock"
		-device "vhost-user-fs-pci,chardev=vfs1,tag=out"
	)
	;;
*) fail 125 "unknown transport '$TRANSPORT' in $INITRD_DIR/initramfs.env" ;;
esac

t0=$(date +%s.%N)
# QEMU writes the console to a file; streaming is a tail that ends with
# QEMU.  Both run in the background so that the EXIT trap can stop them
# when we are killed (timeout(1) passes TERM on to QEMU).
timeout -k 10 "$TIMEOUT" "$QEMU" "${qargs[@]}" </dev/null >"$CONSOLE" 2>&1 &
qemu_pid=$!
if [ "$QUIET" != 1 ]; then
	tail -n +1 -f --pid="$qemu_pid" "$CONSOLE" &
	tail_pid=$!
fi
# Poll rather than wait: a guest that printed its DONE marker but fails to
# reboot (a hang in the kernel's shutdown path) must not cost the whole
# --timeout; its results are complete, so stop QEMU and judge them.
stuck=0
done_at=
while kill -0 "$qemu_pid" 2>/dev/null; do
	sleep 0.25
	if [ -z "$done_at" ]; then
		if tail -c 4096 "$CONSOLE" 2>/dev/null | grep -qa '^TCPCONN-GUEST-DONE'; then
			done_at=$SECONDS
		fi
	elif [ $((SECONDS - done_at)) -ge 30 ]; then
		stuck=1
		kill "$qemu_pid" 2>/dev/null || true
		break
	fi
done
qrc=0
wait "$qemu_pid" || qrc=$?
qemu_pid=
if [ $stuck = 1 ]; then
	echo "vm-run: guest printed its DONE marker but did not reboot within 30 s; stopped QEMU" >&2
	qrc=0
fi
if [ -n "$tail_pid" ]; then
	wait "$tail_pid" || true
	tail_pid=
fi
t1=$(date +%s.%N)
total=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')

# ---- verdict ---------------------------------------------------------------
show_console() {
	[ "$QUIET" = 1 ] || return 0
	echo "---- $CONSOLE (last 80 lines) ----" >&2
	tail -n 80 "$CONSOLE" | tr -d '\r' >&2
	echo "----" >&2
}
verdict() { # code message
	show_console
	echo "vm-run: $KNAME: FAIL: $2 (console: $CONSOLE)" >&2
	exit "$1"
}

# Kernel reports we never accept.  Matched only on kernel lines (console
# lines carrying a printk timestamp, and the guest's dmesg dump) so CMD's
# own output cannot trip it; the command line is excluded because --append
# may contain anything.
# Beyond the usual list: "kernel BUG at" (BUG() has no "BUG:") and RCU
# stalls (a walker holding rcu_read_lock too long).  kmemleak is judged by
# the "unreferenced object" entries of kmemleak.log, read after the second
# scan: it lists only objects still unreferenced then, while the first
# scan's "N new suspected memory leaks" line may count transient ones.
BAD='WARNING:|BUG:|kernel BUG at|Oops|Kernel panic|KASAN|self-detected stall|detected stalls on CPUs|unreferenced object|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|sleeping function called from invalid context|INFO: task .* blocked|general protection fault|UBSAN'
bad=$({
	tr -d '\r' <"$CONSOLE" | grep -E "\[ *[0-9]+\.[0-9]+\] .*($BAD)" || true
	[ ! -f "$OUTDIR/dmesg.log" ] || grep -E "$BAD" "$OUTDIR/dmesg.log" || true
	[ ! -f "$OUTDIR/kmemleak.log" ] || grep -E "$BAD" "$OUTDIR/kmemleak.log" || true
} | { grep -v 'Command line:' || true; } | head -n1)

[ "$qrc" -ne 124 ] && [ "$qrc" -ne 137 ] ||
	verdict 124 "timeout after ${TIMEOUT}s${bad:+; kernel reported: $bad}"
[ -z "$bad" ] || verdict 123 "kernel reported: $bad"
setup=$(tr -d '\r' <"$CONSOLE" | grep -m1 '^TCPCONN-GUEST-SETUP-FAILED' || true)
[ -z "$setup" ] || verdict 125 "guest setup failed: ${setup#*: }"
[ "$qrc" -eq 0 ] || verdict 125 "QEMU exited with status $qrc"
[ -f "$OUTDIR/guest-rc" ] || verdict 125 "guest left no guest-rc"
rc=$(cat "$OUTDIR/guest-rc")
[[ $rc =~ ^[0-9]+$ ]] || verdict 125 "garbled guest-rc '$rc'"
# Not anchored at the line's end: a kernel line can still be glued to it.
tr -d '\r' <"$CONSOLE" | grep -qaE "^TCPCONN-GUEST-DONE rc=$rc([^0-9]|\$)" ||
	verdict 125 "no 'TCPCONN-GUEST-DONE rc=$rc' marker on the console"

start=$(tr -d '\r' <"$CONSOLE" | sed -n 's/^tcpconn-vm: running CMD (uptime \([0-9.]*\)s)$/\1/p' | head -n1)
echo "vm-run: $KNAME ($KVER, $TRANSPORT): rc=$rc, CMD started ${start:-?}s after boot, ${total}s total" >&2
exit "$rc"
