// SPDX-License-Identifier: GPL-2.0
/*
 * kxp_require(): a test program skips as a whole when the machine lacks
 * what it needs (kxp_test.h, KXP_REQUIRE). Apart from kxp_test.c, which
 * programs without the kselftest headers link too.
 */
#include <stdlib.h>

#include "kselftest.h"
#include "kxp_test.h"

void kxp_require(unsigned int needs)
{
	if ((needs & KXP_NEED_KVM) && !kxp_path_exists("/dev/kvm"))
		ksft_exit_skip("no /dev/kvm in this machine\n");
	if ((needs & KXP_NEED_KO) && !getenv("KXP_MODULE"))
		ksft_exit_skip("KXP_MODULE does not name kvm_xsave_probe.ko\n");
	if ((needs & KXP_NEED_MODULE) && !kxp_module_loaded())
		ksft_exit_skip("kvm_xsave_probe is not loaded\n");
}
