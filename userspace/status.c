// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-xsave status: the host line, one row per vCPU, problems named.
 * Also the JSON renderings of info, stats and vcpus shared with report.
 */
#include <stdlib.h>
#include <string.h>

#include "kxp.h"
#include "verdict.h"

/* ---- JSON ---- */

void kxp_info_json(struct jw *w, const char *key, const struct kxp_info *in)
{
	size_t i;

	jw_obj(w, key);
	jw_str(w, "version", *in->version ? in->version : NULL);
	jw_s64(w, "format", in->format);
	jw_str(w, "kernel", *in->kernel ? in->kernel : NULL);
	jw_arr(w, "probes");
	for (i = 0; i < in->nr_probes; i++) {
		const struct kxp_probe *p = &in->probes[i];

		jw_obj(w, NULL);
		jw_str(w, "symbol", p->symbol);
		jw_str(w, "state", p->state);
		if (p->have_nmissed)
			jw_u64(w, "nmissed", p->nmissed);
		else
			jw_null(w, "nmissed");
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj(w, "traits");
	for (i = 0; i < in->nr_traits; i++)
		jw_bool(w, in->traits[i].name, in->traits[i].yes);
	jw_obj_end(w);
	jw_obj(w, "contract");
	for (i = 0; i < in->nr_contract; i++) {
		if (in->contract[i].value < 0)
			jw_null(w, in->contract[i].name);
		else
			jw_bool(w, in->contract[i].name, in->contract[i].value);
	}
	jw_obj_end(w);
	jw_mask_or_null(w, "host_xcr0", in->have_host_xcr0, in->host_xcr0);
	jw_mask_or_null(w, "host_xss", in->have_host_xss, in->host_xss);
	jw_mask_or_null(w, "kvm_supported_xcr0", in->have_kvm_xcr0,
			in->kvm_xcr0);
	if (in->have_mxcsr)
		jw_hex(w, "mxcsr_feature_mask", in->mxcsr_mask);
	else
		jw_null(w, "mxcsr_feature_mask");
	jw_arr(w, "xfeatures");
	for (i = 0; i < in->nr_xfeat; i++) {
		const struct kxp_xfeat *x = &in->xfeat[i];

		jw_obj(w, NULL);
		jw_str(w, "name", x->name);
		if (x->bit >= 0)
			jw_u64(w, "bit", x->bit);
		else
			jw_null(w, "bit");
		jw_u64(w, "size", x->size);
		jw_u64(w, "offset", x->offset);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	if (in->have_ring_size)
		jw_u64(w, "ring_size", in->ring_size);
	else
		jw_null(w, "ring_size");
	if (in->log_all >= 0)
		jw_bool(w, "log_all", in->log_all);
	else
		jw_null(w, "log_all");
	jw_obj_end(w);
}

void kxp_stats_json(struct jw *w, const char *key, const struct kxp_stats *st)
{
	unsigned int i;

	jw_obj(w, key);
	for (i = 0; i < KXP_NR_STATS; i++) {
		if (st->have[i])
			jw_u64(w, kxp_stat_defs[i].key, st->v[i]);
		else
			jw_null(w, kxp_stat_defs[i].key);
	}
	jw_obj_end(w);
}

/* The verdict that explains a problems item: the first of its kind. */
static const struct kxp_verdict *problem_verdict(const struct kxp_problem *p,
						 const struct kxp_vcpu_verdicts *vv)
{
	const char *op = NULL, *reason = NULL;
	size_t i;

	if (!strcmp(p->kind, "rejected"))
		op = "set_xsave";
	else if (!strcmp(p->kind, "xcr0"))
		op = "set_xcrs";
	else if (!strcmp(p->kind, "trimmed"))
		reason = "trimmed";
	else if (!strcmp(p->kind, "stripped"))
		reason = "xfd_stripped";
	for (i = 0; i < vv->n; i++) {
		const struct kxp_vcpu_verdict *it = &vv->item[i];

		if (op && !strcmp(it->op, op) &&
		    strcmp(it->reason, "xfd_stripped"))
			return &it->v;
		if (reason && !strcmp(it->reason, reason))
			return &it->v;
	}
	return NULL;
}

static void problems_json(struct jw *w, const char *problems,
			  const struct kxp_vcpu_verdicts *vv)
{
	const struct kxp_verdict *v;
	struct kxp_problem p;
	const char *cur = problems;

	jw_arr(w, "problems");
	while (kxp_problem_next(&cur, &p)) {
		jw_obj(w, NULL);
		jw_str(w, "kind", p.kind);
		if (*p.reason) {
			jw_str(w, "reason", p.reason);
			jw_null(w, "bits");
			jw_null(w, "bits_names");
		} else {
			jw_null(w, "reason");
			jw_hex(w, "bits", p.mask);
			jw_names(w, "bits_names", p.names, ',');
		}
		v = problem_verdict(&p, vv);
		if (v)
			kxp_verdict_json(w, "verdict", v);
		else
			jw_null(w, "verdict");
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

static void verdicts_json(struct jw *w, const struct kxp_vcpu_verdicts *vv)
{
	size_t i;

	jw_arr(w, "verdicts");
	for (i = 0; i < vv->n; i++) {
		const struct kxp_vcpu_verdict *it = &vv->item[i];

		jw_obj(w, NULL);
		jw_str(w, "what", it->what);
		jw_str(w, "op", it->op);
		jw_str(w, "reason", it->reason);
		jw_u64(w, "count", it->count);
		jw_mask(w, "bits", it->bits);
		kxp_verdict_json(w, "verdict", &it->v);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

static void vcpu_json(struct jw *w, const struct kxp_vcpu *v)
{
	char guest[64];

#define HAVE(c) (v->have & (1U << (c)))
	struct kxp_vcpu_verdicts vv;

	jw_obj(w, NULL);
	jw_str(w, "vm", v->vm);
	jw_u64(w, "vcpu", v->vcpu);
	if (HAVE(KXP_VC_PID))
		jw_s64(w, "pid", v->pid);
	else
		jw_null(w, "pid");
	jw_str(w, "comm", HAVE(KXP_VC_COMM) ? v->comm : NULL);
	if (HAVE(KXP_VC_TID))
		jw_s64(w, "tid", v->tid);
	else
		jw_null(w, "tid");
	jw_str(w, "thread_comm",
	       HAVE(KXP_VC_THREAD_COMM) ? v->thread_comm : NULL);
	jw_str(w, "guest", HAVE(KXP_VC_PID) &&
	       !kxp_guest_name(v->pid, guest, sizeof(guest)) ? guest : NULL);
	jw_mask_or_null(w, "guest_supported_xcr0", HAVE(KXP_VC_GUEST_XCR0),
			v->guest_xcr0);
	jw_mask_or_null(w, "xcr0", HAVE(KXP_VC_XCR0), v->xcr0);
	jw_mask_or_null(w, "user_xfeatures", HAVE(KXP_VC_USER_XFEATURES),
			v->user_xfeatures);
	jw_mask_or_null(w, "xfd", HAVE(KXP_VC_XFD), v->xfd);
	if (HAVE(KXP_VC_SET_XSAVE))
		jw_u64(w, "set_xsave", v->set_xsave);
	else
		jw_null(w, "set_xsave");
	if (HAVE(KXP_VC_REJECTED_LOADS))
		jw_u64(w, "rejected_loads", v->rejected_loads);
	else
		jw_null(w, "rejected_loads");
	if (HAVE(KXP_VC_GET_XSAVE))
		jw_u64(w, "get_xsave", v->get_xsave);
	else
		jw_null(w, "get_xsave");
	if (HAVE(KXP_VC_TRIMMED_GETS))
		jw_u64(w, "trimmed_gets", v->trimmed_gets);
	else
		jw_null(w, "trimmed_gets");
	jw_mask_or_null(w, "stripped_bits", HAVE(KXP_VC_STRIPPED_BITS),
			v->stripped_bits);
	if (HAVE(KXP_VC_SET_XCRS))
		jw_u64(w, "set_xcrs", v->set_xcrs);
	else
		jw_null(w, "set_xcrs");
	if (HAVE(KXP_VC_REJECTED_XCRS))
		jw_u64(w, "rejected_xcrs", v->rejected_xcrs);
	else
		jw_null(w, "rejected_xcrs");
	jw_mask_or_null(w, "requested_xcr0", HAVE(KXP_VC_REQUESTED_XCR0),
			v->requested_xcr0);
	jw_mask_or_null(w, "last_returned_xstate_bv",
			HAVE(KXP_VC_RETURNED_XSTATE_BV), v->returned_xstate_bv);
	kxp_vcpu_verdicts(v, kxp_verdict_info(), &vv);
	problems_json(w, v->problems ? v->problems : "-", &vv);
	verdicts_json(w, &vv);
	jw_bool(w, "has_problem", kxp_vcpu_has_problem(v));
	jw_str(w, "last_xcrs_reason",
	       HAVE(KXP_VC_LAST_XCRS_REASON) ? v->last_xcrs_reason : NULL);
	if (HAVE(KXP_VC_SET_SREGS))
		jw_u64(w, "set_sregs", v->set_sregs);
	else
		jw_null(w, "set_sregs");
	if (HAVE(KXP_VC_REJECTED_SREGS))
		jw_u64(w, "rejected_sregs", v->rejected_sregs);
	else
		jw_null(w, "rejected_sregs");
	if (HAVE(KXP_VC_FAILED_LOADS))
		jw_names(w, "failed_loads", v->failed_loads, '+');
	else
		jw_null(w, "failed_loads");
	if (HAVE(KXP_VC_EXITS_AFTER_FAILED_LOAD)) {
		jw_u64(w, "exits_after_failed_load", v->exits_after_failed_load);
		jw_bool(w, "ran_after_failed_load",
			v->exits_after_failed_load > 0);
	} else {
		jw_null(w, "exits_after_failed_load");
		jw_null(w, "ran_after_failed_load");
	}
	jw_obj_end(w);
#undef HAVE
}

void kxp_vcpus_json(struct jw *w, const char *key, const struct kxp_vcpus *vs)
{
	size_t i;

	jw_arr(w, key);
	for (i = 0; i < vs->n; i++)
		vcpu_json(w, &vs->v[i]);
	jw_arr_end(w);
}

void kxp_parse_warnings_json(struct jw *w)
{
	static const char *const keys[KXP_NR_SRC] = {
		"info", "stats", "vcpus", "events", "vcpu_dirs",
	};
	unsigned int i;

	jw_obj(w, "malformed_lines");
	for (i = 0; i < KXP_NR_SRC; i++)
		jw_u64(w, keys[i], kxp_malformed[i]);
	jw_obj_end(w);
}

void kxp_error_json(const char *command, const struct kxp_err *e)
{
	struct jw w;

	jw_init(&w, stdout, 1);
	jw_obj(&w, NULL);
	jw_header(&w, command);
	jw_obj(&w, "error");
	jw_str(&w, "id", e->id);
	jw_u64(&w, "exit_code", e->code);
	jw_str(&w, "message", e->msg);
	jw_obj_end(&w);
	jw_obj_end(&w);
	jw_finish(&w);
}

/* ---- text ---- */

/*
 * A vCPU's verdicts, one line each: errors and warnings always, the
 * informational ones with --all. Returns how many it left out.
 */
static size_t print_verdicts(FILE *f, const struct kxp_vcpu *v,
			     const struct kxp_info *in)
{
	struct kxp_vcpu_verdicts vv;
	char label[160];
	size_t i, hidden = 0;

	kxp_vcpu_verdicts(v, in, &vv);
	for (i = 0; i < vv.n; i++) {
		const struct kxp_vcpu_verdict *it = &vv.item[i];

		if (it->v.def->severity == KXP_SEV_INFO && !kxp_show_all) {
			hidden++;
			continue;
		}
		snprintf(label, sizeof(label), "%s [%s]", it->what,
			 it->v.def->id);
		fprintf(f, "      %s%s\n",
			it->v.def->severity == KXP_SEV_INFO ? "(info) " : "",
			label);
		kxp_wrap(f, 8, "", it->v.summary);
		if (kxp_show_all || kxp_verbose)
			kxp_wrap(f, 8, "what to do: ", it->v.remedy);
	}
	return hidden;
}

static void hex_or_dash(char *buf, size_t len, int have, u64 v)
{
	if (have)
		snprintf(buf, len, "0x%llx", v);
	else
		kxp_strlcpy(buf, "?", len);
}

enum {
	COL_VM, COL_VCPU, COL_VMM, COL_GX, COL_X, COL_REJ, COL_TRIM, COL_STRIP,
	NR_COLS
};

static const char *const col_head[NR_COLS] = {
	"VM", "VCPU", "VMM", "GUEST-XCR0", "XCR0", "REJ", "TRIM", "STRIPPED",
};

/* The row's cells, in @buf; the comm and pid whole, however long. */
static void vcpu_cells(const struct kxp_vcpu *v, char buf[NR_COLS][96],
		       const char *cells[NR_COLS])
{
	unsigned int c;

	snprintf(buf[COL_VM], sizeof(buf[0]), "%s", v->vm);
	snprintf(buf[COL_VCPU], sizeof(buf[0]), "%lu", v->vcpu);
	if (v->have & (1U << KXP_VC_PID) && v->pid > 0)
		snprintf(buf[COL_VMM], sizeof(buf[0]), "%s %ld", v->comm,
			 v->pid);
	else
		kxp_strlcpy(buf[COL_VMM], "-", sizeof(buf[0]));
	hex_or_dash(buf[COL_GX], sizeof(buf[0]),
		    v->have & (1U << KXP_VC_GUEST_XCR0), v->guest_xcr0);
	hex_or_dash(buf[COL_X], sizeof(buf[0]), v->have & (1U << KXP_VC_XCR0),
		    v->xcr0);
	snprintf(buf[COL_REJ], sizeof(buf[0]), "%llu", v->rejected_loads);
	snprintf(buf[COL_TRIM], sizeof(buf[0]), "%llu", v->trimmed_gets);
	if (v->stripped_bits)
		snprintf(buf[COL_STRIP], sizeof(buf[0]), "0x%llx",
			 v->stripped_bits);
	else
		kxp_strlcpy(buf[COL_STRIP], "-", sizeof(buf[0]));
	for (c = 0; c < NR_COLS; c++)
		cells[c] = buf[c];
}

/* One row and its verdicts; returns the informational ones left out. */
static size_t print_vcpu(FILE *f, const struct kxp_table *t,
			 const struct kxp_vcpu *v, const struct kxp_info *in)
{
	char buf[NR_COLS][96], guest[64];
	const char *cells[NR_COLS];
	int bad = kxp_vcpu_has_problem(v);

	vcpu_cells(v, buf, cells);
	fputs(bad ? kxp_c(KXP_C_RED) : "", f);
	kxp_table_row(f, t, bad ? "! " : "  ", cells);
	fputs(bad ? kxp_c(KXP_C_RESET) : "", f);
	if (v->have & (1U << KXP_VC_PID) &&
	    !kxp_guest_name(v->pid, guest, sizeof(guest)))
		fprintf(f, "      guest %s\n", guest);
	return print_verdicts(f, v, in);
}

static size_t print_table(FILE *f, const struct kxp_vcpus *vs,
			  const struct kxp_info *in)
{
	char buf[NR_COLS][96];
	const char *cells[NR_COLS];
	struct kxp_table t;
	size_t i, hidden = 0;

	kxp_table_init(&t, NR_COLS, col_head, "lrlllrrl");
	for (i = 0; i < vs->n; i++) {
		vcpu_cells(&vs->v[i], buf, cells);
		kxp_table_fit(&t, cells);
	}
	fputs(kxp_c(KXP_C_BOLD), f);
	kxp_table_head(f, &t, "  ");
	fputs(kxp_c(KXP_C_RESET), f);
	for (i = 0; i < vs->n; i++)
		hidden += print_vcpu(f, &t, &vs->v[i], in);
	return hidden;
}

static void print_legend(FILE *f, const struct kxp_vcpus *vs)
{
	u64 seen[16];
	size_t nseen = 0, i, j, k;
	char names[512], label[32];

	for (i = 0; i < vs->n; i++) {
		u64 m[2] = { vs->v[i].guest_xcr0, vs->v[i].xcr0 };

		for (k = 0; k < 2; k++) {
			for (j = 0; j < nseen && seen[j] != m[k]; j++)
				;
			if (m[k] && j == nseen &&
			    nseen < KXP_ARRAY_SIZE(seen))
				seen[nseen++] = m[k];
		}
	}
	if (!nseen)
		return;
	fprintf(f, "\nMasks:\n");
	for (j = 0; j < nseen; j++) {
		snprintf(label, sizeof(label), "0x%llx = ", seen[j]);
		kxp_wrap(f, 2, label,
			 kxp_mask_str(seen[j], ",", names, sizeof(names)));
	}
}

static void warnline(FILE *f, const char *text)
{
	fprintf(f, "%s", kxp_c(KXP_C_YELLOW));
	kxp_wrap(f, 0, "warning: ", text);
	fprintf(f, "%s", kxp_c(KXP_C_RESET));
}

static void print_warnings(FILE *f, const struct kxp_info *in,
			   const struct kxp_stats *st)
{
	char buf[512];
	size_t i;

	for (i = 0; i < in->nr_probes; i++) {
		const struct kxp_probe *p = &in->probes[i];
		const char *why;

		if (!strcmp(p->state, "armed"))
			continue;
		if (!strcmp(p->state, "waiting"))
			why = "kvm is not loaded yet; it arms when kvm loads";
		else if (!strcmp(p->state, "gone"))
			why = "kvm was unloaded; calls are not seen";
		else if (!strncmp(p->state, "failed", 6))
			why = "registering the kprobe failed; see dmesg";
		else
			why = "unknown state";
		snprintf(buf, sizeof(buf), "probe %s: %s: %s.", p->symbol,
			 p->state, why);
		warnline(f, buf);
	}
	if (st->v[KXP_ST_PROBE_MISSED]) {
		snprintf(buf, sizeof(buf),
			 "probe_missed=%llu: some watched calls went unseen (kprobe nmissed), the counters are low.",
			 st->v[KXP_ST_PROBE_MISSED]);
		warnline(f, buf);
	}
	if (st->v[KXP_ST_CLASSIFY_MISMATCH]) {
		snprintf(buf, sizeof(buf),
			 "classify_mismatch=%llu: the module's prediction disagreed with KVM's result; please send `kvm-xsave report`.",
			 st->v[KXP_ST_CLASSIFY_MISMATCH]);
		warnline(f, buf);
	}
	if (st->v[KXP_ST_TRACK_FAILURES]) {
		snprintf(buf, sizeof(buf),
			 "%llu vCPU record%s could not be started (max_vcpus=%llu); %llu ioctls were only counted.",
			 st->v[KXP_ST_TRACK_FAILURES],
			 st->v[KXP_ST_TRACK_FAILURES] == 1 ? "" : "s",
			 st->v[KXP_ST_VCPUS_MAX],
			 st->v[KXP_ST_UNTRACKED_IOCTLS]);
		warnline(f, buf);
	}
	if (st->v[KXP_ST_DEBUGFS_FAILURES]) {
		snprintf(buf, sizeof(buf),
			 "debugfs_failures=%llu: some VM or vCPU directories are missing or incomplete; the vcpus table and the events have everything.",
			 st->v[KXP_ST_DEBUGFS_FAILURES]);
		warnline(f, buf);
	}
	if (st->v[KXP_ST_STALE_RECORDS] || st->v[KXP_ST_STALE_VMS]) {
		snprintf(buf, sizeof(buf),
			 "stale_records=%llu stale_vms=%llu: vCPUs or VMs were destroyed unseen (kprobes switched off, or a missed probe); rows of gone vCPUs may still be listed.",
			 st->v[KXP_ST_STALE_RECORDS], st->v[KXP_ST_STALE_VMS]);
		warnline(f, buf);
	}
	if (st->v[KXP_ST_RAW_HEADER_UNAVAILABLE]) {
		snprintf(buf, sizeof(buf),
			 "raw_header_unavailable=%llu: some loads' XFD strip could not be measured.",
			 st->v[KXP_ST_RAW_HEADER_UNAVAILABLE]);
		warnline(f, buf);
	}
	if (st->v[KXP_ST_EVENTS_DROPPED]) {
		snprintf(buf, sizeof(buf),
			 "%llu %s overwritten (ring_size %llu); follow them with `kvm-xsave events -f` or raise ring_size.",
			 st->v[KXP_ST_EVENTS_DROPPED],
			 st->v[KXP_ST_EVENTS_DROPPED] == 1 ? "event was" :
			 "events were", in->ring_size);
		warnline(f, buf);
	}
}

void kxp_status_print(FILE *f, const struct kxp_info *in,
		      const struct kxp_stats *st, const struct kxp_vcpus *vs)
{
	char names[512], line[768];
	size_t i, armed = 0, bad = 0, info = 0;

	snprintf(line, sizeof(line), "kernel %s, KVM-supported XCR0 ",
		 *in->kernel ? in->kernel : "?");
	if (in->have_kvm_xcr0)
		snprintf(line + strlen(line), sizeof(line) - strlen(line),
			 "0x%llx = %s", in->kvm_xcr0,
			 kxp_mask_str(in->kvm_xcr0, ",", names, sizeof(names)));
	else
		snprintf(line + strlen(line), sizeof(line) - strlen(line),
			 "unknown (learned at the first KVM_SET_XSAVE; `kvm-xsave host` asks /dev/kvm)");
	fprintf(f, "%s", kxp_c(KXP_C_BOLD));
	kxp_wrap(f, 0, "Host: ", line);
	fprintf(f, "%s", kxp_c(KXP_C_RESET));
	for (i = 0; i < in->nr_probes; i++)
		armed += !strcmp(in->probes[i].state, "armed");
	fprintf(f,
		"Module: kvm_xsave_probe %s (format %ld), %zu of %zu probes armed\n",
		*in->version ? in->version : "?", in->format, armed,
		in->nr_probes);
	fprintf(f,
		"Events: %llu buffered (ring of %llu), %llu dropped, next seq %llu\n",
		st->v[KXP_ST_EVENTS_BUFFERED], in->ring_size,
		st->v[KXP_ST_EVENTS_DROPPED], st->v[KXP_ST_SEQ_NEXT]);
	fprintf(f,
		"Calls:  SET_XSAVE %llu (%llu rejected, %llu stripped), GET_XSAVE %llu (%llu trimmed)\n",
		st->v[KXP_ST_SET_XSAVE], st->v[KXP_ST_REJECTED_LOADS],
		st->v[KXP_ST_STRIPPED_LOADS], st->v[KXP_ST_GET_XSAVE],
		st->v[KXP_ST_TRIMMED_GETS]);
	fprintf(f,
		"        SET_XCRS %llu (%llu rejected), SET_CPUID %llu (%llu rejected, %llu changed)\n",
		st->v[KXP_ST_SET_XCRS], st->v[KXP_ST_REJECTED_XCRS],
		st->v[KXP_ST_SET_CPUID], st->v[KXP_ST_REJECTED_CPUID],
		st->v[KXP_ST_CPUID_CHANGES]);
	fputc('\n', f);
	if (!vs->n && vs->filtered_out) {
		fprintf(f, "No vCPU matches the filter (%zu tracked).\n",
			vs->filtered_out);
	} else if (!vs->n) {
		kxp_wrap(f, 0, "",
			 "No vCPUs tracked. vCPUs appear when created, or at their first watched ioctl if the VM predates the module.");
	} else {
		info = print_table(f, vs, in);
		for (i = 0; i < vs->n; i++)
			bad += kxp_vcpu_has_problem(&vs->v[i]);
		print_legend(f, vs);
		fprintf(f, "\n%zu vCPU%s, %zu with problems (marked !)%s\n",
			vs->n, vs->n == 1 ? "" : "s", bad,
			vs->from_dirs ? "; read from vCPU directories" : "");
		if (info)
			fprintf(f,
				"%zu informational finding%s not shown (trims the contract requires, XFD strips, protected state); --all shows them\n",
				info, info == 1 ? "" : "s");
	}
	print_warnings(f, in, st);
}

int kxp_cmd_status(const struct kxp_opts *o)
{
	struct kxp_info in;
	struct kxp_stats st;
	struct kxp_vcpus vs = { 0 };
	struct kxp_err e;
	struct jw w;
	size_t total;

	if (kxp_module_check(&in, &e) || kxp_read_stats(&st, &e) ||
	    kxp_read_vcpus(&vs, &e)) {
		kxp_error("%s", e.msg);
		if (o->json)
			kxp_error_json("status", &e);
		kxp_vcpus_free(&vs);
		return e.code;
	}
	total = vs.n;
	kxp_filter_vcpus(&o->filter, &vs);
	if (o->json) {
		jw_init(&w, stdout, 1);
		jw_obj(&w, NULL);
		jw_header(&w, "status");
		jw_str(&w, "debugfs", kxp_dir());
		kxp_info_json(&w, "module", &in);
		kxp_stats_json(&w, "stats", &st);
		jw_bool(&w, "vcpus_from_directories", vs.from_dirs);
		kxp_filter_json(&w, &o->filter);
		kxp_vcpus_json(&w, "vcpus", &vs);
		kxp_parse_warnings_json(&w);
		jw_obj_end(&w);
		jw_finish(&w);
	} else {
		kxp_status_print(stdout, &in, &st, &vs);
		if (kxp_filter_active(&o->filter))
			printf("Filtered: %zu of %zu vCPU%s shown.\n", vs.n, total,
			       total == 1 ? "" : "s");
	}
	kxp_vcpus_free(&vs);
	return kxp_output_check(stdout, "standard output") ? KXP_EXIT_FAIL :
							     KXP_EXIT_OK;
}
