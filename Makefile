# SPDX-License-Identifier: GPL-2.0
# kvm-xsave-probe: the user's entry point. The kernel's is Kbuild.
#
#   make                 module for the running kernel + the kvm-xsave reader
#   make install         both, plus the bpftrace scripts (root)
#   make dkms-add        the module's sources to /usr/src, dkms add (root)
#   make deb             the Debian packages in build/deb/ (docs/packaging.md)
#   make demo            a real QEMU migrating a guest between two emulated
#                        hosts in the bundled QEMU guest (KERNEL=prefix...)
#   make demo-ioctl      the same story with bare KVM ioctls
#   make check           the whole test suite in the bundled QEMU guest
#   make style / sparse  checkpatch and sparse, both must be clean
#   make fuzz-classify   libFuzzer on the module's classification code (no guest)
#   make fuzz-parsers    libFuzzer on the reader's parsers (no guest)

# The running kernel; where it has no headers (a build machine whose own
# kernel runs no modules), the newest installed Debian 6.1 kernel.
KERNELRELEASE ?= $(shell r=$$(uname -r); [ -d /lib/modules/$$r/build ] || \
	r=$$(ls -d /lib/modules/6.1.*/build 2>/dev/null | sort -V | \
	     tail -n 1 | cut -d/ -f4); echo $$r)
KDIR ?= /lib/modules/$(KERNELRELEASE)/build
BUILD ?= $(CURDIR)/build
PREFIX ?= /usr/local
DESTDIR ?=

export KXP_VERSION := $(shell $(CURDIR)/module/version.sh $(CURDIR))

CHECKPATCH = $(BUILD)/linux-src/scripts/checkpatch.pl
C_SOURCES = $(filter-out module/kxp_compat_gen.h, \
	$(wildcard module/*.c module/*.h userspace/*.c userspace/*.h))

all: module userspace

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

userspace:
	$(MAKE) -C userspace VERSION=$(KXP_VERSION)

# The kselftest programs, built on the host; they run inside the guest.
tests: userspace
	$(MAKE) -f tests/tests.mk BUILD=$(BUILD)

# The guest kernels: all (6.1, 6.12, 7.2 and rt, what CI runs, ~60 min) or a
# list such as KERNELS=6.1 (~15 min). docs/kernels.md. JOBS=2 (the
# default) runs each kernel's stages in two lanes, two guests at a time;
# JOBS=1 one after the other, about half as long again (tests/check).
KERNELS ?= all
JOBS ?= 2
check:
	KERNELS="$(KERNELS)" KXP_JOBS="$(JOBS)" tests/check

demo:
	KERNEL="$(KERNEL)" tests/demo/run

demo-ioctl:
	KERNEL="$(KERNEL)" tests/demo/ioctl

# The long runs of the reliability tests (docs/reliability.md).
KXP_VM = tests/vm/run --kernel $(KERNELRELEASE)
KXP_MOD_ENV = KXP_MODULE=$(BUILD)/module/$(KERNELRELEASE)/kvm_xsave_probe.ko

stress: tests
	$(KXP_MOD_ENV) KXP_STRESS_SECONDS=60 KXP_STRESS_CYCLES=100 \
		$(KXP_VM) --timeout 1800 \
		-- tests/run-suite $(BUILD)/tests/stress_test

fuzz: tests
	$(KXP_MOD_ENV) KXP_FUZZ_ITERS=200000 $(KXP_VM) \
		-- tests/run-suite $(BUILD)/tests/fuzz_test

# libFuzzer on the module's classification code, on this machine.
fuzz-classify:
	tests/fuzz/run 20000000

# libFuzzer on the reader's parsers, 120 s each (make check: 3 s each).
fuzz-parsers:
	tests/fuzz/parsers 120

# Latency, scale and memory benchmark (docs/performance.md): one boot of
# the QEMU guest; HOST=1 runs the same driver on this machine's own KVM.
bench:
	KERNELRELEASE=$(KERNELRELEASE) BUILD=$(BUILD) HOST=$(HOST) tests/bench/run

# The reader on its biggest input (compat on a report of a full ring), on
# this machine (docs/performance.md, "The reader").
bench-reader:
	tests/bench/reader

install: all
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=extra modules_install
	depmod -a $(KERNELRELEASE)
	$(MAKE) -C userspace install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX) \
		VERSION=$(KXP_VERSION)
	for f in userspace/bpftrace/*.bt; do \
		[ -e "$$f" ] || continue; \
		install -D -m 0755 "$$f" \
		  $(DESTDIR)$(PREFIX)/share/kvm-xsave-probe/bpftrace/$$(basename $$f); \
	done

# `dkms add .` would copy this whole directory, build/ included (gigabytes
# after make check): give dkms the module's sources only.
DKMS_VERSION = $(shell cat VERSION)
DKMS_SRC = $(DESTDIR)/usr/src/kvm-xsave-probe-$(DKMS_VERSION)
dkms-add: dkms-src
	dkms add kvm-xsave-probe/$(DKMS_VERSION)

# The same files, without dkms add: what debian/rules packages.
dkms-src:
	install -d $(DKMS_SRC)/module
	install -m 0644 Kbuild dkms.conf VERSION $(DKMS_SRC)/
	install -m 0644 $(filter-out module/kxp_compat_gen.h, \
		$(wildcard module/*.c module/*.h)) $(DKMS_SRC)/module/
	install -m 0755 module/*.sh $(DKMS_SRC)/module/

# Both Debian packages into build/deb/, lintian-clean (docs/packaging.md).
deb:
	packaging/make-deb

$(CHECKPATCH):
	tests/vm/kselftest-headers >/dev/null

CHECKPATCH_FLAGS = --no-tree --strict --quiet --show-types
# The name lists (KXP_OPS(X, L)...) and the TRACE_DEFINE_ENUM(...); lines
# made from them are the kernel's X-macro idiom (as in its trace/events
# headers): checkpatch takes them for statement macros. Only these files
# skip those checks.
XMACRO_SOURCES = module/kxp_names.h module/kxp_trace.h
XMACRO_IGNORE = COMPLEX_MACRO,MACRO_ARG_REUSE,TRAILING_SEMICOLON

style: $(CHECKPATCH)
	@grep -qx 'PACKAGE_VERSION="$(shell cat VERSION)"' dkms.conf || \
		{ echo "dkms.conf: PACKAGE_VERSION differs from VERSION" >&2; exit 1; }
	@[ "$$(sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' debian/changelog)" = "$(shell cat VERSION)" ] || \
		{ echo "debian/changelog: its version differs from VERSION" >&2; exit 1; }
	$(CHECKPATCH) $(CHECKPATCH_FLAGS) --ignore FILE_PATH_CHANGES \
		-f $(filter-out $(XMACRO_SOURCES),$(C_SOURCES))
	$(CHECKPATCH) $(CHECKPATCH_FLAGS) \
		--ignore FILE_PATH_CHANGES,$(XMACRO_IGNORE) -f $(XMACRO_SOURCES)

sparse:
	mkdir -p $(BUILD)
	$(MAKE) -C $(KDIR) M=$(CURDIR) C=2 CHECK=sparse modules \
		>$(BUILD)/sparse.log 2>&1; rc=$$?; cat $(BUILD)/sparse.log; [ $$rc = 0 ]
	@! grep -Ei '(warning|error):' $(BUILD)/sparse.log

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean || true
	$(MAKE) -C userspace clean
	rm -rf $(BUILD)/tests

.PHONY: all module userspace tests check demo demo-ioctl stress fuzz fuzz-classify fuzz-parsers bench bench-reader \
	install dkms-add dkms-src style sparse clean deb
