#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make deb`: build the tcpconn-dkms and tcpconn-stat packages into build/deb/.
#
# dpkg-buildpackage writes its results next to the source tree, i.e. into
# the parent of the clone, and runs debian/rules clean in the tree itself.
# So we build in a copy at build/deb/tcpconn-<version>/ (what .gitignore
# ignores is left out, as in a release tarball): the .debs land in build/deb/
# and the clone is never cleaned or written to outside build/.
# Extra arguments go to dpkg-buildpackage (e.g. -d to skip the build-deps check).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
version=$(cat "$top/VERSION")
out=$top/build/deb
src=$out/tcpconn-$version

rm -rf "$out"
mkdir -p "$src"
rsync -a --exclude=/.git --exclude=/build --filter=':- .gitignore' "$top/" "$src/"
(cd "$src" && dpkg-buildpackage -us -uc -b "$@")
rm -rf "$src"
ls "$out"/*.deb
