# SPDX-License-Identifier: GPL-2.0
# Builds the KVM workload of tests/bpftrace/bpftrace_test.sh:
#   make -f tests/bpftrace/bpftrace.mk [BUILD=build]
# -> $(BUILD)/tests/bpftrace_scenario. Same flags as tests/tests.mk; it
# needs no kselftest header.

BUILD ?= build
OUT := $(BUILD)/tests
CFLAGS := -O2 -g -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare -D_GNU_SOURCE \
	  -Itests/lib -Imodule -pthread

BPFTRACE_SCENARIO := $(OUT)/bpftrace_scenario

all: $(BPFTRACE_SCENARIO)

$(BPFTRACE_SCENARIO): tests/bpftrace/scenario.c tests/lib/kxp_test.c tests/lib/kxp_test.h
	@mkdir -p $(OUT)
	$(CC) $(CFLAGS) -o $@ tests/bpftrace/scenario.c tests/lib/kxp_test.c

.PHONY: all
