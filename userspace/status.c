// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-xsave status: the host line, one row per vCPU, problems named.
 * Also the JSON renderings of info, stats and vcpus shared with report.
 */
#include <stdlib.h>
#include <string.h>

#include "kxp.h"

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

static void problems_json(struct jw *w, const char *problems)
{
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
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

static void vcpu_json(struct jw *w, const struct kxp_vcpu *v)
{
	char guest[64];

#define HAVE(c) (v->have & (1U << (c)))
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
	problems_json(w, v->problems ? v->problems : "-");
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

static int vcpu_has_problem(const struct kxp_vcpu *v)
{
	return (v->problems && strcmp(v->problems, "-")) ||
	       v->rejected_loads || v->rejected_xcrs || v->rejected_sregs ||
	       v->exits_after_failed_load ||
	       v->trimmed_gets ||
	       v->stripped_bits;
}

static const char *problem_label(const struct kxp_problem *p,
				 const struct kxp_vcpu *v, char *buf,
				 size_t len)
{
	if (!strcmp(p->kind, "rejected"))
		snprintf(buf, len, "rejected load (%llu of %llu): ",
			 v->rejected_loads, v->set_xsave);
	else if (!strcmp(p->kind, "trimmed"))
		snprintf(buf, len, "trimmed GET (%llu of %llu): ",
			 v->trimmed_gets, v->get_xsave);
	else if (!strcmp(p->kind, "stripped"))
		snprintf(buf, len, "stripped by XFD: ");
	else if (!strcmp(p->kind, "xcr0"))
		snprintf(buf, len, "rejected XCR0 (%llu of %llu SET_XCRS): ",
			 v->rejected_xcrs, v->set_xcrs);
	else if (!strcmp(p->kind, "cr4"))
		snprintf(buf, len, "rejected CR4 (%llu of %llu SET_SREGS2): ",
			 v->rejected_sregs, v->set_sregs);
	else
		snprintf(buf, len, "%s: ", p->kind);
	return buf;
}

static void names_spaced(const char *names, char *out, size_t len)
{
	size_t o = 0;

	for (; *names && o + 3 < len; names++) {
		out[o++] = *names;
		if (*names == ',')
			out[o++] = ' ';
	}
	out[o] = '\0';
}

static void print_problems(FILE *f, const struct kxp_vcpu *v)
{
	struct kxp_problem p;
	const char *cur = v->problems ? v->problems : "-";
	char label[96], text[600];
	int shown = 0;

	if (v->exits_after_failed_load) {
		snprintf(text, sizeof(text),
			 "%llu guest exits since the last refused %s",
			 v->exits_after_failed_load, v->failed_loads);
		kxp_wrap(f, 6, "ran after a failed load: ", text);
	}
	while (kxp_problem_next(&cur, &p)) {
		problem_label(&p, v, label, sizeof(label));
		if (*p.reason)
			snprintf(text, sizeof(text), "%s", p.reason);
		else
			names_spaced(p.names, text, sizeof(text));
		kxp_wrap(f, 6, label, text);
		shown = 1;
	}
	if (shown)
		return;
	/* No problems column (or it lags): say what the counters show. */
	if (v->rejected_loads)
		fprintf(f, "      %llu of %llu loads rejected\n",
			v->rejected_loads, v->set_xsave);
	if (v->trimmed_gets)
		fprintf(f, "      %llu of %llu GETs trimmed\n",
			v->trimmed_gets, v->get_xsave);
	if (v->rejected_xcrs)
		fprintf(f, "      %llu of %llu SET_XCRS rejected\n",
			v->rejected_xcrs, v->set_xcrs);
	if (v->rejected_sregs)
		fprintf(f, "      %llu of %llu SET_SREGS2 rejected\n",
			v->rejected_sregs, v->set_sregs);
	if (v->stripped_bits) {
		kxp_mask_str(v->stripped_bits, ", ", text, sizeof(text));
		kxp_wrap(f, 6, "stripped by XFD: ", text);
	}
}

static void hex_or_dash(char *buf, size_t len, int have, u64 v)
{
	if (have)
		snprintf(buf, len, "0x%llx", v);
	else
		kxp_strlcpy(buf, "?", len);
}

static void print_vcpu(FILE *f, const struct kxp_vcpu *v)
{
	char vmm[64], gx[24], x[24], strip[24], comm[40], guest[64];
	int bad = vcpu_has_problem(v);
	int pidlen;

	if (v->have & (1U << KXP_VC_PID) && v->pid > 0) {
		pidlen = snprintf(vmm, sizeof(vmm), "%ld", v->pid);
		kxp_strlcpy(comm, v->comm, sizeof(comm));
		if (pidlen < 18 && (int)strlen(comm) > 18 - pidlen)
			comm[18 - pidlen] = '\0';
		snprintf(vmm, sizeof(vmm), "%s %ld", comm, v->pid);
	} else {
		kxp_strlcpy(vmm, "-", sizeof(vmm));
	}
	hex_or_dash(gx, sizeof(gx), v->have & (1U << KXP_VC_GUEST_XCR0),
		    v->guest_xcr0);
	hex_or_dash(x, sizeof(x), v->have & (1U << KXP_VC_XCR0), v->xcr0);
	if (v->stripped_bits)
		snprintf(strip, sizeof(strip), "0x%llx", v->stripped_bits);
	else
		kxp_strlcpy(strip, "-", sizeof(strip));
	fprintf(f, "%s%c %-10s %4lu %-19s %-10s %-10s %4llu %5llu %s%s\n",
		bad ? kxp_c(KXP_C_RED) : "", bad ? '!' : ' ', v->vm, v->vcpu,
		vmm, gx, x, v->rejected_loads, v->trimmed_gets, strip,
		bad ? kxp_c(KXP_C_RESET) : "");
	if (v->have & (1U << KXP_VC_PID) &&
	    !kxp_guest_name(v->pid, guest, sizeof(guest)))
		fprintf(f, "      guest %s\n", guest);
	if (bad)
		print_problems(f, v);
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
			 "%llu vCPU records could not be started (max_vcpus=%llu); %llu ioctls were only counted.",
			 st->v[KXP_ST_TRACK_FAILURES],
			 st->v[KXP_ST_VCPUS_MAX],
			 st->v[KXP_ST_UNTRACKED_IOCTLS]);
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
			 "%llu events were overwritten (ring_size %llu); follow them with `kvm-xsave events -f` or raise ring_size.",
			 st->v[KXP_ST_EVENTS_DROPPED], in->ring_size);
		warnline(f, buf);
	}
}

void kxp_status_print(FILE *f, const struct kxp_info *in,
		      const struct kxp_stats *st, const struct kxp_vcpus *vs)
{
	char names[512], line[768];
	size_t i, armed = 0, bad = 0;

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
	if (!vs->n) {
		kxp_wrap(f, 0, "",
			 "No vCPUs tracked. vCPUs appear when created, or at their first watched ioctl if the VM predates the module.");
	} else {
		fprintf(f, "%s  %-10s %4s %-19s %-10s %-10s %4s %5s %s%s\n",
			kxp_c(KXP_C_BOLD), "VM", "VCPU", "VMM", "GUEST-XCR0",
			"XCR0", "REJ", "TRIM", "STRIPPED", kxp_c(KXP_C_RESET));
		for (i = 0; i < vs->n; i++) {
			print_vcpu(f, &vs->v[i]);
			bad += vcpu_has_problem(&vs->v[i]);
		}
		print_legend(f, vs);
		fprintf(f, "\n%zu vCPUs, %zu with problems (marked !)%s\n",
			vs->n, bad,
			vs->from_dirs ? "; read from vCPU directories" : "");
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

	if (kxp_module_check(&in, &e) || kxp_read_stats(&st, &e) ||
	    kxp_read_vcpus(&vs, &e)) {
		kxp_error("%s", e.msg);
		if (o->json)
			kxp_error_json("status", &e);
		kxp_vcpus_free(&vs);
		return e.code;
	}
	if (o->json) {
		jw_init(&w, stdout, 1);
		jw_obj(&w, NULL);
		jw_header(&w, "status");
		jw_str(&w, "debugfs", kxp_dir());
		kxp_info_json(&w, "module", &in);
		kxp_stats_json(&w, "stats", &st);
		jw_bool(&w, "vcpus_from_directories", vs.from_dirs);
		kxp_vcpus_json(&w, "vcpus", &vs);
		kxp_parse_warnings_json(&w);
		jw_obj_end(&w);
		jw_finish(&w);
	} else {
		kxp_status_print(stdout, &in, &st, &vs);
	}
	kxp_vcpus_free(&vs);
	return fflush(stdout) ? KXP_EXIT_FAIL : KXP_EXIT_OK;
}
