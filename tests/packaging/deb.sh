#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make deb` from a scratch copy of the tree, lintian on the results, then
# install/purge on this host (host_install.sh).
#
#   tests/packaging/deb.sh [KERNEL]    KERNEL: header tree for the DKMS build
#                                      after install (none: skip that part)
set -euo pipefail
# shellcheck source=tests/packaging/lib.sh source-path=SCRIPTDIR/../..
. "$(dirname "$0")/lib.sh"

k=${1:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# apt-get reads local .debs as _apt when it can; mktemp -d is 0700.
chmod 755 "$tmp"
src=$tmp/src
copy_tree "$src"
debdir=$src/build/deb
arch=$(dpkg --print-architecture)
dkms_deb=$debdir/tcpconn-dkms_${version}_all.deb
stat_deb=$debdir/tcpconn-stat_${version}_$arch.deb

check "deb: make deb builds tcpconn-dkms and tcpconn-stat $version" \
	make -C "$src" deb || { totals; exit; }
for f in "$dkms_deb" "$stat_deb"; do
	[ -f "$f" ] || { not_ok "deb: no ${f#"$src"/}: $(echo "$debdir"/*)"; totals; exit; }
done

# What dh_dkms and dh_shlibdeps should have produced.
conf=$(dpkg-deb --fsys-tarfile "$dkms_deb" | tar -xO "./usr/src/tcpconn-$version/dkms.conf" 2>/dev/null) || true
if grep -qx "PACKAGE_VERSION=\"$version\"" <<<"$conf" &&
   [[ " $(dpkg-deb -f "$dkms_deb" Depends) " == *" dkms "* ]]; then
	ok "deb: tcpconn-dkms has /usr/src/tcpconn-$version/dkms.conf for $version and depends on dkms"
else
	not_ok "deb: tcpconn-dkms: dkms.conf version or Depends wrong: $(dpkg-deb -f "$dkms_deb" Depends)"
fi
deps=$(dpkg-deb -f "$stat_deb" Depends)
if [[ $deps == *libmnl0* && $deps == *libjson-c5* && $deps != *dkms* ]]; then
	ok "deb: tcpconn-stat depends on $deps"
else
	not_ok "deb: tcpconn-stat Depends: $deps"
fi

# On the .changes: both packages, the -dbgsym one and the .buildinfo.
# Errors fail; warnings and pedantic/info tags are listed as comments.
changes=$debdir/tcpconn_${version}_$arch.changes
# Exit status 2 means tags at the fail-on level (errors), 1 a failed run.
rc=0
tags=$(lintian --allow-root -EIL +pedantic "$changes" 2>>"$log") || rc=$?
printf '### lintian %s\n%s\n' "$changes" "$tags" >>"$log"
if [ -n "$tags" ]; then
	mapfile -t lines <<<"$tags"
	printf '# lintian: %s\n' "${lines[@]}"
fi
errors=$(grep -c '^E: ' <<<"$tags" || true)
warnings=$(grep -c '^W: ' <<<"$tags" || true)
if [ "$errors" -eq 0 ] && [ "$rc" -ne 0 ]; then
	not_ok "deb: lintian failed (status $rc), see ${log#"$top"/}"
elif [ "$errors" -eq 0 ]; then
	ok "deb: lintian $(basename "$changes"): no errors ($warnings warnings)"
else
	not_ok "deb: lintian $(basename "$changes"): $errors errors ($warnings warnings)"
fi

# In a private mount namespace, with its own log.
merge host_install.sh "$debdir" "$k"
totals
