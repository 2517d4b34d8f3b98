// SPDX-License-Identifier: GPL-2.0
/*
 * kselftest_harness.h arms every test's timeout (30 s unless the test
 * names one) with alarm(). On a slow kernel, the KASAN and lockdep build
 * under TCG, KXP_TIMEOUT_FACTOR stretches them all: tests/tests.mk links
 * the test programs with --wrap=alarm, so the harness's calls land here.
 */
#include <stdlib.h>

#include "kxp_test.h"

unsigned int __real_alarm(unsigned int seconds);

unsigned int kxp_timeout_factor(void)
{
	const char *s = getenv("KXP_TIMEOUT_FACTOR");
	unsigned long f = s ? strtoul(s, NULL, 10) : 1;

	return f > 1 ? f : 1;
}

unsigned int __wrap_alarm(unsigned int seconds)
{
	return __real_alarm(seconds * kxp_timeout_factor());
}
