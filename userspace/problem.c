// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-xsave: the one rule for "this vCPU has a problem", used by status's
 * '!' rows, the JSON problems array and has_problem, prom's
 * kvm_xsave_vcpu_problem and the --problems filter, so that they can never
 * disagree.
 */
#include "verdict.h"

/*
 * An error or warning verdict (docs/verdicts.md): a trim the contract
 * requires, an XFD strip or a protected-state vCPU is information, not a
 * problem. The verdicts are those of the module read by this command.
 */
int kxp_vcpu_has_problem(const struct kxp_vcpu *v)
{
	struct kxp_vcpu_verdicts vv;
	size_t i;

	kxp_vcpu_verdicts(v, kxp_verdict_info(), &vv);
	for (i = 0; i < vv.n; i++)
		if (vv.item[i].v.def->severity != KXP_SEV_INFO)
			return 1;
	return 0;
}
