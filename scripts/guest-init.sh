#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the tcpconn test VM.  Installed into the initramfs by
# mkinitramfs.sh and run by the kernel as PID 1; vm-run.sh is the host side.
#
# This is busybox ash, not bash (the initramfs holds nothing else), so no
# "set -euo pipefail": a failing command in PID 1 would panic the kernel
# with a useless message.  Every step that matters checks its status and
# calls die(), which prints a marker the host looks for and powers off.
#
# Protocol with the host (see vm-run.sh):
#   share "hostroot"  host /, read-only        -> /mnt/root, then chroot
#   share "out"       host OUTDIR, writable    -> /mnt/out, then at OUTDIR
#   /mnt/out/.vm-run/config   OUTDIR, MODDIR, KMEMLEAK (shell assignments)
#   /mnt/out/.vm-run/keep     host paths under /tmp,/run,/var/tmp to keep
#   OUTDIR/.vm-run/cmd.sh     bash script: env, cd, exec CMD (host quoting)
# Results written to the out share: guest.log, guest-rc, dmesg.log and
# kmemleak.log; the console gets "TCPCONN-GUEST-DONE rc=N" last.

set -u
PATH=/bin:/sbin
export PATH
R=/mnt/root
O=/mnt/out

log() { echo "tcpconn-vm: $*"; }

poweroff_now() {
	sync
	# A reboot, not a power-off: QEMU runs with -no-reboot, so this ends it,
	# and unlike poweroff it works without ACPI (a kernel lacking it just
	# halts, and QEMU would wait for the timeout).  Fallbacks: sysrq 'b'
	# (reboot), then 'o'.
	reboot -f
	echo b >/proc/sysrq-trigger
	echo o >/proc/sysrq-trigger
	sleep 10
}

die() {
	# No guest-rc is written: the host must never mistake this for success.
	echo "TCPCONN-GUEST-SETUP-FAILED: $*"
	poweroff_now
}

mount -t proc proc /proc || die "mount /proc"
mount -t sysfs sysfs /sys || die "mount /sys"
mount -t devtmpfs devtmpfs /dev || die "mount devtmpfs"
# Re-open the console now that /dev is populated, in case the initramfs had
# no /dev/console node (built without root).
exec </dev/console >/dev/console 2>&1
# devtmpfs lacks these; bash's <(...) and scripts using /dev/stdin need them.
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr

. /etc/initramfs.env

# Modules needed to reach the shares, in dependency order (mkinitramfs.sh).
while read -r mod req; do
	if ! insmod "/lib/modules/$mod"; then
		[ "$req" = 1 ] && die "insmod $mod failed"
		log "optional module $mod failed to load"
	fi
done </etc/modules.load

# The virtio devices appear once virtio_pci and the driver have probed; on
# most kernels that is synchronous, but retry briefly rather than rely on it.
mount_share() { # tag dir options
	n=0
	while :; do
		case $TRANSPORT in
		9p) mount -t 9p -o "trans=virtio,version=9p2000.L,$3" "$1" "$2" && return 0 ;;
		virtiofs) mount -t virtiofs -o "$3" "$1" "$2" && return 0 ;;
		esac
		n=$((n + 1))
		[ $n -ge 50 ] && return 1
		usleep 100000
	done
}
# hostroot: cache=loose because the host tree does not change under a run
# and re-reading every binary and library over 9p is what makes it slow.
# out: no caching, so a partial guest.log survives a crash.  msize: 9p's
# default 8 KiB is painfully slow; the kernel clamps it to what virtio
# supports.
case $TRANSPORT in
9p)
	mount_share hostroot $R ro,cache=loose,msize=512000 || die "mount hostroot (9p)"
	mount_share out $O rw,msize=512000 || die "mount out (9p)"
	;;
virtiofs)
	mount_share hostroot $R ro || die "mount hostroot (virtiofs)"
	mount_share out $O rw || die "mount out (virtiofs)"
	;;
esac

[ -f $O/.vm-run/config ] || die "no .vm-run/config on the out share"
OUTDIR='' MODDIR='' KMEMLEAK=1
. $O/.vm-run/config
[ -n "$OUTDIR" ] || die "OUTDIR not set in config"

# Host paths that must survive the tmpfs mounts below (the kernel's MODDIR
# and the cwd/repo if they live under /tmp): bind them aside first.
nkeep=0
if [ -n "$MODDIR" ]; then
	mkdir -p /keep/moddir
	mount --bind "$R$MODDIR" /keep/moddir || die "MODDIR $MODDIR not visible in the guest"
fi
if [ -f $O/.vm-run/keep ]; then
	while IFS= read -r p; do
		[ -n "$p" ] || continue
		nkeep=$((nkeep + 1))
		mkdir -p /keep/$nkeep
		mount --bind "$R$p" /keep/$nkeep || die "cannot keep $p"
	done <$O/.vm-run/keep
fi

for d in tmp run var/tmp; do
	mount -t tmpfs -o mode=1777 tmpfs "$R/$d" || die "tmpfs on /$d"
done
chmod 755 "$R/run"

# /lib/modules/$KVER: a tmpfs over the modules directory (resolved inside
# the chroot, since bookworm's /lib is a symlink to usr/lib) hides the host
# kernel's modules and holds the bind of MODDIR, so the host's modprobe
# finds this kernel's modules.  vm-run.sh makes sure the directory exists.
libmod=$(chroot $R /bin/readlink -f /lib/modules) || die "resolve /lib/modules"
mount -t tmpfs -o mode=755 tmpfs "$R$libmod" || die "tmpfs on $libmod"
if [ -n "$MODDIR" ]; then
	mkdir -p "$R$libmod/$KVER"
	mount --bind /keep/moddir "$R$libmod/$KVER" || die "bind MODDIR"
	umount /keep/moddir
fi

i=0
if [ -f $O/.vm-run/keep ]; then
	while IFS= read -r p; do
		[ -n "$p" ] || continue
		i=$((i + 1))
		mkdir -p "$R$p"
		mount --bind /keep/$i "$R$p" || die "re-bind $p"
		umount /keep/$i
	done <$O/.vm-run/keep
fi

# OUTDIR last, so it wins over any kept parent; vm-run.sh created it on the
# host, so it exists on the read-only share unless it is under a tmpfs.
mkdir -p "$R$OUTDIR" 2>/dev/null
mount --bind $O "$R$OUTDIR" || die "bind OUTDIR at $OUTDIR"

mount -t proc proc $R/proc || die "chroot /proc"
mount -t sysfs sysfs $R/sys || die "chroot /sys"
mount -t devtmpfs devtmpfs $R/dev || die "chroot /dev"
mkdir -p $R/dev/pts $R/dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts $R/dev/pts || die "devpts"
mount -t tmpfs -o mode=1777 tmpfs $R/dev/shm || die "/dev/shm"
# Optional kernel interfaces: present only on some configs.
mount -t debugfs debugfs $R/sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs $R/sys/kernel/tracing 2>/dev/null
mount -t cgroup2 cgroup2 $R/sys/fs/cgroup 2>/dev/null
mount -t bpf bpf $R/sys/fs/bpf 2>/dev/null
mkdir -p /sys/kernel/debug
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null

# The kernel's request_module() (rtnl "type veth", nft expressions, netlink
# families...) runs /sbin/modprobe in PID 1's root, i.e. this initramfs,
# not the chroot.  Forward it to the host's kmod in the chroot, which sees
# MODDIR at /lib/modules/$KVER and handles .ko.xz/.ko.zst.
cat >/sbin/modprobe <<EOF
#!/bin/sh
exec /bin/chroot $R /sbin/modprobe "\$@"
EOF
chmod 755 /sbin/modprobe

hostname tcpconn-vm
# A fresh kernel leaves lo down in the initial netns; tests use loopback.
ip link set lo up || die "lo up"

read -r up _ </proc/uptime
log "running CMD (uptime ${up}s)"

# CMD's output goes to the console and guest.log through tee.  A fifo (not
# a plain pipe) so we can stop waiting for tee when stray background
# processes of CMD still hold the write end after CMD exited.
mkfifo /tmp/out.fifo
tee $O/guest.log </tmp/out.fifo &
teepid=$!
env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	HOME=/tmp TERM=dumb LANG=C.UTF-8 \
	chroot $R /bin/bash "$OUTDIR/.vm-run/cmd.sh" </dev/null >/tmp/out.fifo 2>&1
rc=$?
read -r up _ </proc/uptime
n=0
while kill -0 $teepid 2>/dev/null && [ $n -lt 20 ]; do
	usleep 100000
	n=$((n + 1))
done
if kill -0 $teepid 2>/dev/null; then
	log "CMD left processes behind; killing them"
fi
# Nothing of CMD may run on while we collect results and power off.
kill -KILL -1 2>/dev/null
wait $teepid 2>/dev/null

echo "$rc" >$O/guest-rc
log "CMD exited rc=$rc (uptime ${up}s)"

# kmemleak reports only objects that were at least 5 s old when a scan
# started; two scans (as the kernel docs advise) cut transient false
# positives, and the second starts >= 6 s after CMD ended so that leaks from
# CMD's last seconds are old enough.  A scan takes ~15 s under TCG+KASAN.
if [ "$KMEMLEAK" != 0 ] && [ -e /sys/kernel/debug/kmemleak ]; then
	log "kmemleak scan"
	end=${up%.*}
	echo scan >/sys/kernel/debug/kmemleak
	read -r now _ </proc/uptime
	now=${now%.*}
	[ $((now - end)) -ge 6 ] || sleep $((6 - (now - end)))
	echo scan >/sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak >$O/kmemleak.log
	cat $O/kmemleak.log
	read -r now _ </proc/uptime
	log "kmemleak done (uptime ${now}s)"
fi
# The whole ring buffer, all levels: the console only shows loglevel < 5.
dmesg >$O/dmesg.log

sync
umount $O 2>/dev/null
# The serial console drains our writes asynchronously while printk writes
# synchronously, so a kernel line (9p teardown, reboot) can land inside
# the marker. dmesg.log above holds every kernel message up to here; from
# now on the console shows only emergencies.
echo 1 >/proc/sys/kernel/printk 2>/dev/null
echo "TCPCONN-GUEST-DONE rc=$rc"
poweroff_now
