# SPDX-License-Identifier: GPL-2.0
#
#   make            build kmod/ip_vs_nc.ko and build/bin/{ncadm,ncprobe}
#   make deps       install the Debian packages everything needs (as root)
#   make deps-director  only what a director needs to build and install the
#                   module and ncadm (packaging/director-deps.txt); then
#                   make NC_BUILD_TESTS=OFF install: no test stack
#   make check      deps + build + all tests (host unit tests, VM scenarios)
#   make demo       deps + build + boot the VM and show who served whom
#   make install    install the module (updates/, depmod) and ncadm
#   make bench      benchmarks against the stock schedulers -> docs/benchmarks.md
#   make dkms-install / dkms-uninstall   the module under DKMS (as root)
#   make deb        Debian packages ip-vs-nc-dkms and ncadm -> build/deb/
#   make check-kernels  the kernel matrix: the module built with -Werror for
#                   the current kernel of Debian 11, 12, 13 and unstable, and
#                   VM scenarios on each (KERNELS="trixie sid", SCENARIOS=...)
#   make check-debug  the VM scenarios on a debug kernel (KASAN, lockdep,
#                   kmemleak) built from linux-source-6.1 (slow; not in check;
#                   SCENARIOS="nc_unload nc_churn" runs only those)
#
# KVER/KDIR select the kernel the module is built for; by default the
# newest Debian kernel image installed with its headers (tests/vm boots it).

KVER ?= $(shell tests/vm/kernel-version)
KDIR ?= /usr/src/linux-headers-$(KVER)
BUILD ?= build
DESTDIR ?=
PREFIX ?= /usr/local
CTEST_ARGS ?=
# OFF: ncadm only, without the tests and their tools (needs no GoogleTest).
NC_BUILD_TESTS ?= ON
# make check runs two tests at a time; VM guests then get one vCPU each.
CTEST_JOBS ?= 2
NC_VM_SMP ?= 1
# make check-kernels also builds and tests the userland on these suites.
USERLAND_SUITES ?= trixie
VERSION := $(shell sed -n 's/^project.ip_vs_nc VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
DKMS_SRC := $(DESTDIR)/usr/src/ip-vs-nc-$(VERSION)

all: kmod userland

kmod:
	$(MAKE) -C $(KDIR) M=$(CURDIR)/kmod modules

# Test-only module: provokes a kernel WARNING for the harness self-test.
test-kmods:
	$(MAKE) -C $(KDIR) M=$(CURDIR)/tests/vm/kwarn modules

userland:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNC_BUILD_TESTS=$(NC_BUILD_TESTS)
	cmake --build $(BUILD) -j$$(nproc)

deps:
	packaging/install-deps

deps-director:
	packaging/install-deps packaging/director-deps.txt

# tests/check-run writes $(BUILD)/check-summary.txt: wall time, test count.
check:
	mkdir -p $(BUILD) && date +%s > $(BUILD)/check-start
	$(MAKE) deps
	$(MAKE) all test-kmods NC_BUILD_TESTS=ON
	NC_VM_SMP=$(NC_VM_SMP) tests/check-run $(BUILD) "$$(cat $(BUILD)/check-start)" -j$(CTEST_JOBS) $(CTEST_ARGS)

bench:
	$(MAKE) deps
	packaging/install-deps packaging/bench-deps.txt
	$(MAKE) all NC_BUILD_TESTS=ON
	tests/bench/bench

demo:
	$(MAKE) deps
	$(MAKE) all NC_BUILD_TESTS=ON
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

# The source tree DKMS expects: dkms.conf, kmod/ and the shared include/.
dkms-src:
	install -d $(DKMS_SRC)/kmod $(DKMS_SRC)/include
	install -d $(DKMS_SRC)/kmod/selftest
	install -m 644 kmod/Kbuild kmod/nc_*.c kmod/nc*.h $(DKMS_SRC)/kmod/
	install -m 644 kmod/selftest/*.c $(DKMS_SRC)/kmod/selftest/
	install -m 644 include/*.h $(DKMS_SRC)/include/
	sed 's/@VERSION@/$(VERSION)/' packaging/dkms.conf > $(DKMS_SRC)/dkms.conf

dkms-install: dkms-src
	dkms add ip-vs-nc/$(VERSION)
	dkms build ip-vs-nc/$(VERSION) -k $(KVER)
	dkms install ip-vs-nc/$(VERSION) -k $(KVER)

dkms-uninstall:
	-dkms remove ip-vs-nc/$(VERSION) --all
	rm -rf $(DKMS_SRC)

deb:
	packaging/build-deb $(BUILD)/deb

check-kernels:
	$(MAKE) deps
	$(MAKE) userland
	tests/kernels/matrix $(if $(SCENARIOS),--scenarios "$(SCENARIOS)") $(KERNELS)
	for s in $(USERLAND_SUITES); do tests/kernels/userland $$s || exit 1; done

check-debug:
	$(MAKE) deps
	packaging/install-deps packaging/debug-deps.txt
	$(MAKE) userland
	tests/debug-kernel/check $(SCENARIOS)

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR)/kmod clean
	-$(MAKE) -C $(KDIR) M=$(CURDIR)/tests/vm/kwarn clean
	rm -rf $(BUILD)

.PHONY: all kmod test-kmods userland deps deps-director check bench demo install uninstall dkms-src dkms-install dkms-uninstall deb check-kernels check-debug clean
