// SPDX-License-Identifier: GPL-2.0
/*
 * The report's Diagnosis: one paragraph per distinct verdict (its id and
 * summary, which names the features), the VMs and vCPUs it affects, what
 * happened, why and what to do; errors first. It draws on the vCPUs' own
 * tallies and, for vCPUs gone since, on the event log. Plain notices
 * (CPUID set, accepted calls) are no findings and stay out.
 */
#include <stdlib.h>
#include <string.h>

#include "verdict.h"

#define MAX_FINDINGS 64
#define MAX_WHERE 512

struct finding {
	struct kxp_verdict v;
	char where[MAX_WHERE];	/* "812-11 vCPU 1, 930-12 vCPU 0" */
	size_t nwhere;
	u64 count;
};

struct diagnosis {
	size_t n;
	size_t dropped;		/* findings beyond MAX_FINDINGS */
	struct finding f[MAX_FINDINGS];
};

static int is_notice(const struct kxp_verdict *v)
{
	return !strcmp(v->def->id, "accepted") ||
	       !strcmp(v->def->id, "cpuid_changed");
}

static void note(struct diagnosis *d, const struct kxp_verdict *v,
		 const char *vm, long vcpu, u64 count)
{
	char here[64];
	struct finding *f;
	size_t i, len;

	if (is_notice(v))
		return;
	for (i = 0; i < d->n; i++)
		if (d->f[i].v.def == v->def &&
		    !strcmp(d->f[i].v.summary, v->summary))
			break;
	if (i == d->n) {
		if (d->n == MAX_FINDINGS) {
			d->dropped++;
			return;
		}
		f = &d->f[d->n++];
		memset(f, 0, sizeof(*f));
		f->v = *v;
	}
	f = &d->f[i];
	f->count += count;
	snprintf(here, sizeof(here), "%s vCPU %ld", vm, vcpu);
	if (strstr(f->where, here))
		return;
	len = strlen(f->where);
	if (len + strlen(here) + 3 < sizeof(f->where))
		snprintf(f->where + len, sizeof(f->where) - len, "%s%s",
			 len ? ", " : "", here);
	f->nwhere++;
}

static int vcpu_known(const struct kxp_vcpus *vs, const struct kxp_event *e)
{
	size_t i;

	for (i = 0; i < vs->n; i++)
		if (!strcmp(vs->v[i].vm, e->vm) && (long)vs->v[i].vcpu == e->vcpu)
			return 1;
	return 0;
}

static int by_severity(const void *a, const void *b)
{
	const struct finding *x = a, *y = b;

	return (int)y->v.def->severity - (int)x->v.def->severity;
}

static void collect(struct diagnosis *d, const struct kxp_info *in,
		    const struct kxp_vcpus *vs, const struct kxp_events *evs)
{
	struct kxp_vcpu_verdicts vv;
	struct kxp_verdict v;
	size_t i, j;

	memset(d, 0, sizeof(*d));
	for (i = 0; i < vs->n; i++) {
		kxp_vcpu_verdicts(&vs->v[i], in, &vv);
		for (j = 0; j < vv.n; j++)
			note(d, &vv.item[j].v, vs->v[i].vm, vs->v[i].vcpu,
			     vv.item[j].count);
	}
	for (i = 0; evs && i < evs->n; i++) {
		const struct kxp_event *e = &evs->v[i];

		if (e->malformed || vcpu_known(vs, e))
			continue;
		kxp_event_verdict(e, in, &v);
		note(d, &v, e->vm, e->vcpu, 1);
	}
	qsort(d->f, d->n, sizeof(d->f[0]), by_severity);
}

void kxp_diagnosis_print(FILE *f, const struct kxp_info *in,
			 const struct kxp_vcpus *vs,
			 const struct kxp_events *evs)
{
	struct diagnosis *d = malloc(sizeof(*d));
	char head[160];
	size_t i;

	if (!d) {
		fprintf(f, "not available: out of memory\n");
		return;
	}
	collect(d, in, vs, evs);
	if (!d->n)
		fprintf(f, "Nothing to diagnose: no refused, trimmed or stripped state seen.\n");
	for (i = 0; i < d->n; i++) {
		const struct finding *x = &d->f[i];

		snprintf(head, sizeof(head), "%s%s [%s, %s]",
			 i ? "\n" : "", x->v.def->id,
			 kxp_severity_name(x->v.def->severity),
			 x->v.exposed == KXP_EXPOSED_UNKNOWN ? "exposed: unknown" :
			 x->v.exposed == KXP_EXPOSED_YES ? "exposed" :
							   "not exposed");
		fprintf(f, "%s\n", head);
		kxp_wrap(f, 2, "", x->v.summary);
		kxp_wrap(f, 2, "Affects: ", x->where);
		kxp_wrap(f, 2, "Why: ", x->v.cause);
		kxp_wrap(f, 2, "What to do: ", x->v.remedy);
	}
	if (d->dropped)
		fprintf(f, "\n%zu further findings not shown: see the vCPUs below.\n",
			d->dropped);
	free(d);
}

void kxp_diagnosis_json(struct jw *w, const char *key,
			const struct kxp_info *in, const struct kxp_vcpus *vs,
			const struct kxp_events *evs)
{
	struct diagnosis *d = malloc(sizeof(*d));
	size_t i;

	jw_arr(w, key);
	if (d) {
		collect(d, in, vs, evs);
		for (i = 0; i < d->n; i++) {
			jw_obj(w, NULL);
			kxp_verdict_json(w, "verdict", &d->f[i].v);
			jw_str(w, "affects", d->f[i].where);
			jw_u64(w, "calls", d->f[i].count);
			jw_obj_end(w);
		}
		free(d);
	}
	jw_arr_end(w);
}
