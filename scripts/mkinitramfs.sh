#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build, or reuse from the cache, the busybox initramfs that vm-run.sh boots.
#
#   scripts/mkinitramfs.sh KVER MODDIR [KDIR]
#
# Prints the directory that holds:
#   initramfs.cpio   newc archive: busybox-static, /init (guest-init.sh), and
#                    the modules needed to reach the host's file shares
#   initramfs.env    TRANSPORT=9p|virtiofs, which vm-run.sh must match with
#                    the QEMU devices it creates
#
# The initramfs only has to reach the shared host root; everything else (ss,
# ip, nft, python3, the repo) comes from the host over that share, so the
# image stays a few MB and never needs updating when tests change.
#
# Transport: 9p when the kernel has 9p + 9pnet_virtio (built in or as
# modules), else virtiofs.  Debian's cloud-amd64 flavour has no 9p at all
# (CONFIG_NET_9P is not set) but has CONFIG_VIRTIO_FS=m, so it needs virtiofs.
# TCPCONN_VM_TRANSPORT=9p|virtiofs forces one.
#
# Cached under ${TCPCONN_CACHE:-/var/cache/tcpconn}/initramfs/ with a key over
# everything that goes in (KVER, transport, the scripts, busybox, the module
# files), so a rebuilt debug kernel with the same KVER still gets a fresh one.
set -euo pipefail

die() { echo "mkinitramfs: $*" >&2; exit 1; }

[ $# -ge 2 ] && [ $# -le 3 ] || die "usage: $0 KVER MODDIR [KDIR]"
KVER=$1
MODDIR=$2
KDIR=${3:-}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
INIT=$HERE/guest-init.sh
CACHE=${TCPCONN_CACHE:-/var/cache/tcpconn}/initramfs
BUSYBOX=${TCPCONN_BUSYBOX:-/bin/busybox}

[ -f "$INIT" ] || die "missing $INIT"
# busybox must be static: the initramfs has no libc, and the host's libc is
# only reachable after the share is mounted.
[ -x "$BUSYBOX" ] || die "no $BUSYBOX (apt-get install busybox-static)"
if ldd "$BUSYBOX" >/dev/null 2>&1; then
	die "$BUSYBOX is dynamically linked; install busybox-static"
fi
for t in cpio sha256sum; do
	command -v "$t" >/dev/null || die "missing $t (scripts/deps.sh)"
done

# ---- module database ------------------------------------------------------
# name (with '-' folded to '_', as the kernel does) -> path relative to MODDIR
declare -A MODPATH=() DEPS=() BUILTIN=()
have_moddb=0
if [ -n "$MODDIR" ] && [ -f "$MODDIR/modules.dep" ]; then
	have_moddb=1
	while IFS= read -r line; do
		p=${line%%:*}
		n=${p##*/}
		n=${n%%.ko*}
		MODPATH[${n//-/_}]=$p
		DEPS[$p]=${line#*:}
	done <"$MODDIR/modules.dep"
elif [ -n "$MODDIR" ] && [ -d "$MODDIR/kernel" ]; then
	# Debian ships no modules.dep in the package (postinst runs depmod);
	# without it neither we nor the guest's modprobe can resolve modules.
	die "$MODDIR has modules but no modules.dep: run 'depmod -b ROOT $KVER' when unpacking the kernel"
fi
if [ -n "$MODDIR" ] && [ -f "$MODDIR/modules.builtin" ]; then
	while IFS= read -r p; do
		n=${p##*/}
		n=${n%%.ko*}
		BUILTIN[${n//-/_}]=1
	done <"$MODDIR/modules.builtin"
elif [ -n "$KDIR" ] && [ -f "$KDIR/modules.builtin" ]; then
	while IFS= read -r p; do
		n=${p##*/}
		n=${n%%.ko*}
		BUILTIN[${n//-/_}]=1
	done <"$KDIR/modules.builtin"
fi

# where NAME: prints "mod", "builtin" or "none"
where() {
	local n=${1//-/_}
	if [ -n "${MODPATH[$n]:-}" ]; then
		echo mod
	elif [ -n "${BUILTIN[$n]:-}" ]; then
		echo builtin
	elif [ -n "$KDIR" ] && [ -f "$KDIR/.config" ] && [ -n "${2:-}" ] &&
		grep -qx "$2=y" "$KDIR/.config"; then
		# no modules.builtin (CONFIG_MODULES=n or not installed): ask .config
		echo builtin
	else
		echo none
	fi
}

has9p() {
	[ "$(where 9p CONFIG_9P_FS)" != none ] &&
		[ "$(where 9pnet_virtio CONFIG_NET_9P_VIRTIO)" != none ]
}
hasvfs() { [ "$(where virtiofs CONFIG_VIRTIO_FS)" != none ]; }

TRANSPORT=${TCPCONN_VM_TRANSPORT:-}
if [ -z "$TRANSPORT" ]; then
	if has9p; then
		TRANSPORT=9p
	elif hasvfs; then
		TRANSPORT=virtiofs
	else
		die "kernel $KVER has neither 9p+9pnet_virtio nor virtiofs (checked $MODDIR${KDIR:+ and $KDIR/.config})"
	fi
fi
case $TRANSPORT in
9p) want=(virtio_pci 9pnet_virtio 9p) ;;
virtiofs) want=(virtio_pci virtiofs) ;;
*) die "TCPCONN_VM_TRANSPORT must be 9p or virtiofs, not '$TRANSPORT'" ;;
esac
# virtio-rng avoids entropy stalls for early getrandom() users; optional.
optional=(virtio_rng)

# Resolve load order: depth-first over modules.dep so every dependency is
# inserted before its user (busybox insmod does no dependency handling).
declare -A SEEN=()
ORDER=()
add() {
	local p=$1 d
	[ -n "${SEEN[$p]:-}" ] && return 0
	SEEN[$p]=1
	for d in ${DEPS[$p]}; do
		add "$d"
	done
	ORDER+=("$p")
}
for m in "${want[@]}"; do
	case $(where "$m") in
	mod) add "${MODPATH[${m//-/_}]}" ;;
	builtin) ;;
	none)
		# virtio_pci may be missing only on a kernel whose config we cannot
		# see; the mount in the guest then fails with a clear message.
		[ $have_moddb = 0 ] || [ "$m" = virtio_pci ] ||
			die "module $m not found in $MODDIR"
		;;
	esac
done
OPTIONAL_ORDER_START=${#ORDER[@]}
for m in "${optional[@]}"; do
	[ "$(where "$m")" = mod ] && add "${MODPATH[${m//-/_}]}"
done

# ---- cache key -------------------------------------------------------------
key=$({
	echo "KVER=$KVER TRANSPORT=$TRANSPORT"
	sha256sum "$HERE/mkinitramfs.sh" "$INIT" "$BUSYBOX" | cut -d' ' -f1
	for p in "${ORDER[@]}"; do
		echo "$p"
		sha256sum <"$MODDIR/$p" | cut -d' ' -f1
	done
} | sha256sum | cut -c1-16)
dest=$CACHE/$KVER-$key
if [ -f "$dest/initramfs.cpio" ] && [ -f "$dest/initramfs.env" ]; then
	touch "$dest" # mtime = last use, for the pruning below
	echo "$dest"
	exit 0
fi
# Every script edit makes a new key; drop images unused for a week and
# builds left over by killed runs.
if [ -d "$CACHE" ]; then
	find "$CACHE" -mindepth 1 -maxdepth 1 -type d \
		\( -name '.build.*' -mmin +60 -o ! -name '.build.*' -mtime +7 \) \
		-exec rm -rf {} + 2>/dev/null || true
fi

# ---- build -----------------------------------------------------------------
mkdir -p "$CACHE"
work=$(mktemp -d "$CACHE/.build.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,etc,lib/modules,mnt/root,mnt/out,keep}
cp "$BUSYBOX" "$root/bin/busybox"
# Applet symlinks at build time: no --install step in /init, and a stable
# PATH for the init script.
for a in $("$BUSYBOX" --list); do
	[ "$a" = busybox ] || ln -s busybox "$root/bin/$a"
done
install -m 0755 "$INIT" "$root/init"
# The kernel opens /dev/console for init's stdio before /init can mount
# devtmpfs; without the node init starts with no fds.  Needs root to mknod;
# /init re-opens the console after mounting devtmpfs anyway.
mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || true

: >"$root/etc/modules.load"
i=0
for p in "${ORDER[@]}"; do
	n=${p##*/}
	n=${n%%.ko*}.ko
	# Decompress here: busybox insmod uses init_module() on the raw bytes,
	# and not every kernel has CONFIG_MODULE_DECOMPRESS.
	case $p in
	*.ko.xz) xz -dc "$MODDIR/$p" >"$root/lib/modules/$n" ;;
	*.ko.zst) zstd -qdc "$MODDIR/$p" >"$root/lib/modules/$n" ;;
	*.ko.gz) gzip -dc "$MODDIR/$p" >"$root/lib/modules/$n" ;;
	*.ko) cp "$MODDIR/$p" "$root/lib/modules/$n" ;;
	*) die "unexpected module file $p" ;;
	esac
	# second field: 1 = required (its insmod failing is fatal in /init)
	req=1
	[ $i -lt "$OPTIONAL_ORDER_START" ] || req=0
	echo "$n $req" >>"$root/etc/modules.load"
	i=$((i + 1))
done
{
	echo "TRANSPORT=$TRANSPORT"
	echo "KVER=$KVER"
} >"$root/etc/initramfs.env"

(cd "$root" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --quiet -R 0:0) >"$work/initramfs.cpio"
echo "TRANSPORT=$TRANSPORT" >"$work/initramfs.env"
rm -rf "$root"
chmod 755 "$work" # mktemp made it 0700
# Atomic publish: concurrent runs may build the same key; the loser's copy
# is simply dropped.
if mv -T "$work" "$dest" 2>/dev/null; then
	trap - EXIT
else
	[ -f "$dest/initramfs.cpio" ] || die "could not publish $dest"
fi
echo "$dest"
