// SPDX-License-Identifier: GPL-2.0
/*
 * compat, per live VM: from a source `status --json` or `report --json`,
 * what the destination will do with each vCPU's state. The module on the
 * source saw every KVM_GET_XSAVE{2}: the vCPU's guest-supported XCR0 and
 * the XSTATE_BV it returned, which is what the migration carries.
 *
 *   returned & ~dst KVM-supported XCR0 (beyond x87/SSE) = refused bits:
 *     within guest-supported XCR0  host_lacks_exposed_feature (the guest
 *                                  could use them: the refusal is right)
 *     outside it                   superfluous_state_refused (a source
 *                                  that does not trim)
 */
#include <stdlib.h>
#include <string.h>

#include "verdict.h"

/* The vCPUs of a status (top level) or report (module.vcpus) document. */
const struct jv *kxp_doc_vcpus(const struct jv *doc)
{
	const struct jv *v = jv_get(doc, "vcpus");

	if (!v || v->type != JV_ARR)
		v = jv_get(jv_get(doc, "module"), "vcpus");
	return v && v->type == JV_ARR ? v : NULL;
}

static void str_to(char *out, size_t len, const struct jv *v, int *have)
{
	*have = v && v->type == JV_STR;
	kxp_strlcpy(out, *have ? v->s : "", len);
}

/*
 * The source's vCPUs, kept small: a full-ring report is tens of MB, and
 * only these few members of each vCPU matter here.
 */
int kxp_src_vms_load(const struct jv *doc, struct kxp_src_vms *out)
{
	const struct jv *vcpus = kxp_doc_vcpus(doc);
	size_t i;

	memset(out, 0, sizeof(*out));
	if (!vcpus)
		return -1;
	out->v = calloc(vcpus->n ? vcpus->n : 1, sizeof(*out->v));
	if (!out->v)
		return -1;
	for (i = 0; i < vcpus->n; i++) {
		const struct jv *vc = &vcpus->items[i];
		struct kxp_src_vcpu *s = &out->v[out->n++];
		int have;

		str_to(s->vm, sizeof(s->vm), jv_get(vc, "vm"), &have);
		str_to(s->guest, sizeof(s->guest), jv_get(vc, "guest"),
		       &s->have_guest);
		jv_u64(jv_get(vc, "vcpu"), &s->vcpu);
		s->have_gs = !jv_hex(jv_get(vc, "guest_supported_xcr0"),
				     &s->gs);
		s->have_returned = !jv_hex(jv_get(vc, "last_returned_xstate_bv"),
					   &s->returned);
		jv_u64(jv_get(vc, "get_xsave"), &s->gets);
	}
	return 0;
}

void kxp_src_vms_free(struct kxp_src_vms *vms)
{
	free(vms->v);
	memset(vms, 0, sizeof(*vms));
}

/* One source vCPU against the destination; 1 when it has a verdict. */
static int judge(const struct kxp_src_vcpu *vc, const struct kxp_hostcap *dst,
		 struct kxp_verdict *out, u64 *bits, const char **why_not)
{
	struct kxp_vfacts f;

	*why_not = NULL;
	if (!vc->have_gs) {
		*why_not = "no guest_supported_xcr0";
		return 0;
	}
	if (!vc->have_returned) {
		*why_not = "no last_returned_xstate_bv (a kvm_xsave_probe older than this reader)";
		return 0;
	}
	if (!vc->gets) {
		*why_not = "no KVM_GET_XSAVE seen yet: its state is unknown";
		return 0;
	}
	*bits = vc->returned & ~dst->xcr0 & ~KXP_FP_SSE;
	if (!*bits)
		return 0;
	memset(&f, 0, sizeof(f));
	f.op = "set_xsave";
	f.reason = "dst_refuses";
	f.bits = *bits;
	f.have_requested = 1;	/* the source's guest-supported XCR0 */
	f.requested_xcr0 = vc->gs;
	f.have_kvm_xcr0 = 1;
	f.kvm_xcr0 = dst->xcr0;
	f.contract.get_trims = -1;
	f.contract.strips_xfd = -1;
	f.contract.protected_refused = -1;
	kxp_verdict_of(&f, out);
	return 1;
}

int kxp_compat_vms(const struct kxp_src_vms *vms, const struct kxp_hostcap *dst,
		   struct jw *w)
{
	char label[160];
	size_t i;
	int refused = 0;

	if (!vms->v)
		return -1;
	if (w)
		jw_arr(w, "vms");
	else
		printf("\nVMs on SRC (from its kvm_xsave_probe; %zu vCPU%s):\n",
		       vms->n, vms->n == 1 ? "" : "s");
	for (i = 0; i < vms->n; i++) {
		const struct kxp_src_vcpu *vc = &vms->v[i];
		const char *why_not;
		struct kxp_verdict v;
		u64 bits = 0;
		int has;

		has = judge(vc, dst, &v, &bits, &why_not);
		refused += has && v.def->severity != KXP_SEV_INFO;
		if (w) {
			jw_obj(w, NULL);
			jw_str(w, "vm", vc->vm);
			jw_str(w, "guest", vc->have_guest ? vc->guest : NULL);
			jw_u64(w, "vcpu", vc->vcpu);
			jw_mask(w, "refused", bits);
			if (has)
				kxp_verdict_json(w, "verdict", &v);
			else
				jw_null(w, "verdict");
			jw_str(w, "unknown_because", why_not);
			jw_obj_end(w);
			continue;
		}
		snprintf(label, sizeof(label), "VM %s%s%s%s vCPU %llu: ",
			 vc->vm, vc->have_guest ? " (" : "",
			 vc->have_guest ? vc->guest : "",
			 vc->have_guest ? ")" : "", vc->vcpu);
		if (has) {
			printf("%s", kxp_c(KXP_C_RED));
			snprintf(label + strlen(label),
				 sizeof(label) - strlen(label), "[%s] ",
				 v.def->id);
			kxp_wrap(stdout, 4, label, v.summary);
			printf("%s", kxp_c(KXP_C_RESET));
			kxp_wrap(stdout, 6, "what to do: ", v.remedy);
		} else {
			kxp_wrap(stdout, 4, label, why_not ? why_not :
				 "its state loads on DST");
		}
	}
	if (w)
		jw_arr_end(w);
	return refused;
}
