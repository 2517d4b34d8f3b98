/* SPDX-License-Identifier: GPL-2.0 */
/* What the unit test files of kxp-test share (test_kxp.c runs them). */
#ifndef KXP_TEST_KXP_H
#define KXP_TEST_KXP_H

#include "../kxp.h"

/* Prints "ok N - ..." or "not ok N - ..." and counts it; returns @cond. */
__printf(2, 3) int check(int cond, const char *fmt, ...);

/* test_names.c */
void test_frozen_names(void);
/* The bpftrace scripts beside @reader (userspace/kvm-xsave). */
void test_bpftrace_names(const char *reader);

#endif /* KXP_TEST_KXP_H */
