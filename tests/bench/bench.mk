# SPDX-License-Identifier: GPL-2.0
# Builds the benchmark driver of `make bench` (docs/performance.md):
#   make -f tests/bench/bench.mk [BUILD=build]  ->  $(BUILD)/bench/kxp_bench
# Plain C and the test helpers of tests/lib; no kselftest header needed.

BUILD ?= build
OUT := $(BUILD)/bench
CFLAGS := -O2 -g -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare -D_GNU_SOURCE \
	  -Itests/lib -pthread
SRC := tests/bench/bench.c tests/lib/kxp_test.c

all: $(OUT)/kxp_bench

$(OUT)/kxp_bench: $(SRC) tests/lib/kxp_test.h tests/bench/bench.mk
	@mkdir -p $(OUT)
	$(CC) $(CFLAGS) -o $@ $(SRC) -lm

.PHONY: all
