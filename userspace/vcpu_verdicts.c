// SPDX-License-Identifier: GPL-2.0
/*
 * The verdicts of a vCPU and of an event: the module's per-vCPU failure
 * tallies (the vcpus file's `failures` column), trimmed and stripped bits,
 * and each event's own facts, turned into verdicts (verdict.c).
 */
#include <stdlib.h>
#include <string.h>

#include "verdict.h"

int kxp_verbose;
int kxp_show_all;
int kxp_verdict_local;
int kxp_verdict_brief;

static const struct kxp_info *verdict_info;

void kxp_set_verdict_info(const struct kxp_info *in)
{
	verdict_info = in;
	kxp_verdict_local = 1;
}

const struct kxp_info *kxp_verdict_info(void)
{
	static const struct kxp_info none;

	return verdict_info ? verdict_info : &none;
}

static void base_facts(const struct kxp_info *in, struct kxp_vfacts *f)
{
	memset(f, 0, sizeof(*f));
	f->have_kvm_xcr0 = in->have_kvm_xcr0;
	f->kvm_xcr0 = in->kvm_xcr0;
	kxp_contract_of(in, &f->contract);
}

static struct kxp_vcpu_verdict *add(struct kxp_vcpu_verdicts *out,
				    const struct kxp_vfacts *f, u64 count)
{
	struct kxp_vcpu_verdict *vv;

	if (out->n == KXP_MAX_VCPU_VERDICTS)
		return NULL;
	vv = &out->item[out->n++];
	memset(vv, 0, sizeof(*vv));
	kxp_verdict_of(f, &vv->v);
	vv->count = count;
	vv->bits = f->bits;
	kxp_strlcpy(vv->reason, f->reason, sizeof(vv->reason));
	kxp_strlcpy(vv->op, f->op, sizeof(vv->op));
	return vv;
}

/* Next "op:reason:count:0xbits" item of a failures column; 0 at the end. */
static int failure_next(const char **cur, char *op, size_t oplen,
			char *reason, size_t rlen, u64 *count, u64 *bits)
{
	char item[160], *f[4], *save = NULL;
	const char *s = *cur;
	size_t n;
	int i;

	for (;;) {
		while (*s == ';')
			s++;
		if (!*s || !strcmp(s, "-"))
			return 0;
		n = strcspn(s, ";");
		*cur = s + n;
		if (n >= sizeof(item) || *s == '+') {
			s += n;
			continue;	/* the overflow count: kxp_vcpu_verdicts */
		}
		memcpy(item, s, n);
		item[n] = '\0';
		f[0] = strtok_r(item, ":", &save);
		for (i = 1; i < 4; i++)
			f[i] = strtok_r(NULL, ":", &save);
		if (f[3] && !kxp_parse_u64(f[2], 10, count) &&
		    !kxp_parse_u64(f[3], 16, bits)) {
			kxp_strlcpy(op, f[0], oplen);
			kxp_strlcpy(reason, f[1], rlen);
			return 1;
		}
		kxp_note_malformed(KXP_SRC_VCPUS, 0);
		s += n;
	}
}

static const char *what_of(const char *op, const char *reason, u64 count,
			   char *buf, size_t len)
{
	const char *call = "call";

	if (!strcmp(op, "set_xsave"))
		call = "rejected load";
	else if (!strcmp(op, "set_xcrs"))
		call = "rejected SET_XCRS";
	else if (!strcmp(op, "set_cpuid"))
		call = "rejected SET_CPUID";
	else if (!strncmp(op, "get_xsave", 9))
		call = "failed GET";
	else if (!strcmp(op, "set_sregs"))
		call = "rejected SET_SREGS";
	snprintf(buf, len, "%s x%llu (%s)", call, count, reason);
	return buf;
}

/* Before the failures column: what the problems column tells. */
static void from_problems(const struct kxp_vcpu *v, struct kxp_vfacts *f,
			  struct kxp_vcpu_verdicts *out)
{
	const char *cur = v->problems ? v->problems : "-";
	struct kxp_vcpu_verdict *vv;
	struct kxp_problem p;

	while (kxp_problem_next(&cur, &p)) {
		if (strcmp(p.kind, "rejected") && strcmp(p.kind, "xcr0"))
			continue;	/* trimmed, stripped: from the counters */
		f->op = strcmp(p.kind, "xcr0") ? "set_xsave" : "set_xcrs";
		f->reason = *p.reason ? p.reason : "not_reported";
		f->bits = p.mask;
		vv = add(out, f, strcmp(p.kind, "xcr0") ? v->rejected_loads :
						       v->rejected_xcrs);
		if (vv)
			snprintf(vv->what, sizeof(vv->what), "%s (%s)",
				 strcmp(p.kind, "xcr0") ? "rejected load" :
							  "rejected SET_XCRS",
				 f->reason);
	}
}

/* The bits of the problems column's item of this kind (trimmed=...). */
static u64 problem_mask(const struct kxp_vcpu *v, const char *kind)
{
	const char *cur = v->problems ? v->problems : "-";
	struct kxp_problem p;

	while (kxp_problem_next(&cur, &p))
		if (!strcmp(p.kind, kind))
			return p.mask;
	return 0;
}

void kxp_vcpu_verdicts(const struct kxp_vcpu *v, const struct kxp_info *in,
		       struct kxp_vcpu_verdicts *out)
{
	char op[24], reason[32];
	struct kxp_vcpu_verdict *vv;
	struct kxp_vfacts f;
	const char *cur;
	u64 count, bits;

	out->n = 0;
	base_facts(in, &f);
	f.have_requested = !!(v->have & (1U << KXP_VC_REQUESTED_XCR0));
	f.requested_xcr0 = v->requested_xcr0;
	if (v->have & (1U << KXP_VC_FAILURES)) {
		cur = v->failures ? v->failures : "-";
		while (failure_next(&cur, op, sizeof(op), reason,
				    sizeof(reason), &count, &bits)) {
			f.op = op;
			f.reason = reason;
			f.bits = bits;
			vv = add(out, &f, count);
			if (vv)
				what_of(op, reason, count, vv->what,
					sizeof(vv->what));
		}
		if (v->failures && strchr(v->failures, '+')) {
			f.op = "-";
			f.reason = "other";
			f.bits = 0;
			vv = add(out, &f, strtoull(strchr(v->failures, '+') + 1,
						   NULL, 10));
			if (vv)
				snprintf(vv->what, sizeof(vv->what),
					 "failed calls of further kinds x%llu (not itemised)",
					 vv->count);
		}
	} else {
		from_problems(v, &f, out);
	}
	if (v->exits_after_failed_load) {
		f.op = "ran_after_failed_load";
		f.reason = v->failed_loads;	/* "set_xsave", ... */
		f.bits = v->exits_after_failed_load;
		vv = add(out, &f, v->exits_after_failed_load);
		if (vv) {
			snprintf(vv->what, sizeof(vv->what),
				 "ran after a failed %s (%llu VM exits since)",
				 v->failed_loads, v->exits_after_failed_load);
		}
	}
	if (v->trimmed_gets) {
		f.op = "get_xsave2";
		f.reason = "trimmed";
		f.bits = problem_mask(v, "trimmed");
		vv = add(out, &f, v->trimmed_gets);
		if (vv)
			snprintf(vv->what, sizeof(vv->what), "trimmed GET x%llu",
				 v->trimmed_gets);
	}
	if (v->stripped_bits) {
		f.op = "set_xsave";
		f.reason = "xfd_stripped";
		f.bits = v->stripped_bits;
		vv = add(out, &f, 1);
		if (vv)
			snprintf(vv->what, sizeof(vv->what), "stripped by XFD");
	}
}

void kxp_event_verdict(const struct kxp_event *ev, const struct kxp_info *in,
		       struct kxp_verdict *out)
{
	struct kxp_vfacts f;

	base_facts(in, &f);
	f.op = ev->op;
	f.reason = ev->reason;
	f.bits = ev->bits;
	f.have_requested = ev->have_requested_xcr0;
	f.requested_xcr0 = ev->requested_xcr0;
	/* A set_cpuid event's bits are the change; its news is the mask. */
	if (!strcmp(ev->reason, "changed"))
		f.bits = ev->xstate_bv;
	kxp_verdict_of(&f, out);
}
