# SPDX-License-Identifier: GPL-2.0
#
# Thin wrapper. The module is built by the kernel's Kbuild (see ./Kbuild);
# KDIR selects the kernel tree (default: the running kernel's headers).
#
#   make                 module for KDIR + userspace client
#   make check           everything, on every supported kernel, in QEMU
#   make demo            boot Debian 6.12 in QEMU and show --listeners
#   make bench           tcpconn vs ss, /proc/net/tcp, netstat at 10k-250k
#                        connections, in QEMU; BENCH_N, BENCH_REPS,
#                        BENCH_KERNELS (see bench/README.md)
#   make style           checkpatch --strict and sparse on module/ kunit/
#   make reliability-long  the long reliability run (1M fuzzed messages, 10 min
#                        of churn per kernel; KERNELS="deb612 debug")
#
#   make install         install-module + install-client (below)
#   make install-module  tcpconn.ko into $(INSTALL_MOD_PATH)/lib/modules/<kver>/updates
#                        via Kbuild's modules_install, then depmod
#   make install-client  tcpconn-stat, its man page and bash completion
#                        into $(DESTDIR)$(PREFIX) (PREFIX=/usr/local)
#   make dkms-install    the module source into /usr/src/tcpconn-<version>,
#                        then dkms add, build, install for DKMS_KVER
#   make dkms-uninstall  dkms remove --all, and the /usr/src copy
#   make deb             tcpconn-dkms and tcpconn-stat .debs into build/deb/

KDIR ?= /lib/modules/$(shell uname -r)/build

# ./VERSION is the one place the package version is kept.
TCPCONN_VERSION := $(shell cat $(CURDIR)/VERSION)

PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
# Kbuild's own name for DESTDIR; set either.
INSTALL_MOD_PATH ?= $(DESTDIR)
INSTALL ?= install
DEPMOD ?= /sbin/depmod
DKMS ?= dkms
DKMS_KVER ?= $(shell uname -r)
DKMS_SRC = /usr/src/tcpconn-$(TCPCONN_VERSION)

# What DKMS needs to rebuild the module: the Kbuild file, VERSION and the
# sources (kunit/ too: Kbuild builds it on kernels with CONFIG_KUNIT).
DKMS_FILES := Kbuild VERSION $(sort $(wildcard module/*.[ch] kunit/*.[ch] \
	include/uapi/linux/*.h))

.PHONY: all module userspace check demo bench style clean install \
	install-module install-client dkms-source dkms-install dkms-uninstall \
	deb reliability-long
export BENCH_N BENCH_REPS BENCH_KERNELS BENCH_MEM BENCH_APPEND BENCH_PERF \
	BENCH_LOCK BENCH_RESULTS BENCH_OUT

all: module userspace

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

userspace:
	$(MAKE) -C userspace

check:
	scripts/check.sh

# issue 5's long run: 1M fuzzed messages, 10 min churn (KERNELS="deb612 debug")
reliability-long:
	scripts/reliability-long.sh $(KERNELS)

demo:
	scripts/demo.sh

bench:
	bench/run.sh

style:
	scripts/style.sh

install: install-module install-client

# Debian's header packages carry no System.map, so Kbuild's modules_install
# skips depmod ("missing 'System.map'"); we run it when the target tree holds
# that kernel (its modules.order). A staging tree for a package does not,
# and must not get modules.dep & co. (they belong to the kernel's package).
install-module: module
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(INSTALL_MOD_PATH) modules_install
	@kver=$$(cat $(KDIR)/include/config/kernel.release) && \
	if [ -e $(INSTALL_MOD_PATH)/lib/modules/$$kver/modules.order ]; then \
		set -x; $(DEPMOD) -a $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) $$kver; \
	else \
		echo "install-module: $(INSTALL_MOD_PATH)/lib/modules/$$kver has no kernel (no modules.order): not running depmod"; \
	fi

# The man page and the completion are written in Documentation/man/ and
# userspace/completion/; installed unconditionally, a missing one is an error.
install-client: userspace
	$(INSTALL) -D -m 0755 userspace/tcpconn-stat $(DESTDIR)$(SBINDIR)/tcpconn-stat
	$(INSTALL) -D -m 0644 Documentation/man/tcpconn-stat.8 \
		$(DESTDIR)$(MANDIR)/man8/tcpconn-stat.8
	$(INSTALL) -D -m 0644 userspace/completion/tcpconn-stat.bash \
		$(DESTDIR)$(BASHCOMPDIR)/tcpconn-stat

# The DKMS source tree, with dkms.conf's version filled in (dh_dkms -V does
# the same for the package). Also used by debian/rules with a DESTDIR.
dkms-source:
	for f in $(DKMS_FILES); do \
		$(INSTALL) -D -m 0644 $$f $(DESTDIR)$(DKMS_SRC)/$$f || exit 1; \
	done
	sed 's/#MODULE_VERSION#/$(TCPCONN_VERSION)/' dkms.conf \
		>$(DESTDIR)$(DKMS_SRC)/dkms.conf

# Idempotent: a tcpconn/<version> already in the DKMS tree is removed first.
dkms-install: dkms-uninstall
	$(MAKE) dkms-source DESTDIR=
	$(DKMS) add -m tcpconn -v $(TCPCONN_VERSION)
	$(DKMS) build -m tcpconn -v $(TCPCONN_VERSION) -k $(DKMS_KVER)
	$(DKMS) install -m tcpconn -v $(TCPCONN_VERSION) -k $(DKMS_KVER)

# Never under the tcpconn-dkms package's feet: its files are dpkg's.
dkms-uninstall:
	@if dpkg-query -S $(DKMS_SRC)/dkms.conf >/dev/null 2>&1; then \
		echo "$(DKMS_SRC) belongs to the tcpconn-dkms package: use apt-get remove tcpconn-dkms" >&2; \
		exit 1; \
	fi
	if [ -n "$$($(DKMS) status -m tcpconn -v $(TCPCONN_VERSION))" ]; then \
		$(DKMS) remove -m tcpconn -v $(TCPCONN_VERSION) --all; \
	fi
	rm -rf $(DKMS_SRC)

deb:
	scripts/build-deb.sh

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null
	$(MAKE) -C userspace clean
	$(MAKE) -C tests/reliability clean
	rm -rf build
