# SPDX-License-Identifier: GPL-2.0
#
#   make            build kmod/ip_vs_nc.ko and build/bin/{ncadm,ncprobe}
#   make deps       install the Debian packages everything needs (as root)
#   make check      deps + build + all tests (host unit tests, VM scenarios)
#   make demo       deps + build + boot the VM and show who served whom
#   make install    install the module (updates/, depmod) and ncadm
#
# KVER/KDIR select the kernel the module is built for; by default the
# newest Debian kernel image installed with its headers (tests/vm boots it).

KVER ?= $(shell tests/vm/kernel-version)
KDIR ?= /usr/src/linux-headers-$(KVER)
BUILD ?= build
DESTDIR ?=
PREFIX ?= /usr/local
CTEST_ARGS ?=

all: kmod userland

kmod:
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kmod modules

# Test-only module: provokes a kernel WARNING for the harness self-test.
test-kmods:
	$(MAKE) -C $(KDIR) M=$(CURDIR)/tests/vm/kwarn modules

userland:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD) -j$$(nproc)

deps:
	packaging/install-deps

check:
	$(MAKE) deps
	$(MAKE) all test-kmods
	cd $(BUILD) && ctest --output-on-failure $(CTEST_ARGS)

demo:
	$(MAKE) deps
	$(MAKE) all
	tests/vm/run --timeout 900 -- tests/vm/demo.sh

install: all
	install -D -m 644 kmod/ip_vs_nc.ko $(DESTDIR)/lib/modules/$(KVER)/updates/ip_vs_nc.ko
	install -D -m 755 $(BUILD)/bin/ncadm $(DESTDIR)$(PREFIX)/sbin/ncadm
	install -D -m 644 packaging/ncadm.8 $(DESTDIR)$(PREFIX)/share/man/man8/ncadm.8
	install -D -m 644 packaging/ncadm.bash-completion $(DESTDIR)$(PREFIX)/share/bash-completion/completions/ncadm
	[ -n "$(DESTDIR)" ] || depmod -a $(KVER)

uninstall:
	rm -f $(DESTDIR)/lib/modules/$(KVER)/updates/ip_vs_nc.ko $(DESTDIR)$(PREFIX)/sbin/ncadm \
		$(DESTDIR)$(PREFIX)/share/man/man8/ncadm.8 $(DESTDIR)$(PREFIX)/share/bash-completion/completions/ncadm
	[ -n "$(DESTDIR)" ] || depmod -a $(KVER)

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR)/kmod clean
	-$(MAKE) -C $(KDIR) M=$(CURDIR)/tests/vm/kwarn clean
	rm -rf $(BUILD)

.PHONY: all kmod test-kmods userland deps check demo install uninstall clean
