# SPDX-License-Identifier: GPL-2.0
# Builds the kselftest-style test programs into $(BUILD)/tests. The
# harness headers come from Debian's linux-source package at build time.

BUILD ?= build
SELFTESTS := $(BUILD)/linux-src/tools/testing/selftests
OUT := $(BUILD)/tests
CFLAGS := -O2 -g -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare -D_GNU_SOURCE \
	  -I$(SELFTESTS) -Itests/lib -Imodule -pthread

SOURCES := $(wildcard tests/module/*_test.c tests/reliability/*_test.c)
TESTS := $(addprefix $(OUT)/,$(basename $(notdir $(SOURCES)))) $(OUT)/migrate \
	 $(OUT)/verdict_scenario
LIB := tests/lib/kxp_test.c tests/lib/kxp_timeout.c tests/lib/kxp_require.c \
       module/kxp_names.c
# The harness's per-test timeouts scale with KXP_TIMEOUT_FACTOR (kxp_timeout.c).
LDFLAGS := -Wl,--wrap=alarm
HEADERS := $(wildcard tests/lib/*.h tests/module/*.h module/kxp_names.h)

vpath %.c tests/module tests/reliability tests/demo tests/userspace

# The tiny guest a real QEMU runs (tests/qemu/): two firmware ROMs (-bios)
# and a QMP client.
QEMU_OUT := $(OUT)/qemu
QEMU_GUEST := $(QEMU_OUT)/guest-pke.rom $(QEMU_OUT)/guest-nopke.rom
QEMU_PROGS := $(QEMU_GUEST) $(QEMU_OUT)/kxp-qmp

all: $(TESTS) $(QEMU_PROGS)

$(SELFTESTS)/kselftest_harness.h:
	tests/vm/kselftest-headers >/dev/null

$(OUT)/%: %.c $(LIB) $(HEADERS) $(SELFTESTS)/kselftest_harness.h
	@mkdir -p $(OUT)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB)

$(QEMU_OUT)/guest-%.o: tests/qemu/guest/guest.S
	@mkdir -p $(QEMU_OUT)
	$(CC) -m32 -c -DKEEP_PKE=$(if $(filter pke,$*),1,0) -o $@ $<

$(QEMU_OUT)/guest-%.rom: $(QEMU_OUT)/guest-%.o tests/qemu/guest/guest.ld
	$(LD) -m elf_i386 -T tests/qemu/guest/guest.ld -o $@ $<

$(QEMU_OUT)/kxp-qmp: tests/qemu/kxp-qmp.c
	@mkdir -p $(QEMU_OUT)
	$(CC) -O2 -g -Wall -Wextra -o $@ $<

.PHONY: all
