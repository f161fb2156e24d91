# SPDX-License-Identifier: GPL-2.0
#
# Thin wrapper. The module is built by the kernel's Kbuild (see ./Kbuild);
# KDIR selects the kernel tree (default: the running kernel's headers).
#
#   make                 module for KDIR + userspace client
#   make check           everything, on every supported kernel, in QEMU
#   make demo            boot Debian 6.12 in QEMU and show --listeners
#   make style           checkpatch --strict and sparse on module/ kunit/

KDIR ?= /lib/modules/$(shell uname -r)/build

.PHONY: all module userspace check demo style clean

all: module userspace

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

userspace:
	$(MAKE) -C userspace

check:
	scripts/check.sh

demo:
	scripts/demo.sh

style:
	scripts/style.sh

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null
	$(MAKE) -C userspace clean
	rm -rf build
