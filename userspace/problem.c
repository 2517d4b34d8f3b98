// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-xsave: the one rule for "this vCPU has a problem", used by status's
 * '!' rows, the JSON problems array, prom's kvm_xsave_vcpu_problem and the
 * --problems filter, so that they can never disagree.
 */
#include <string.h>

#include "kxp.h"

/* For now: the module's problems column (or its vCPU-directory twin). */
int kxp_vcpu_has_problem(const struct kxp_vcpu *v)
{
	return v->problems && *v->problems && strcmp(v->problems, "-");
}
