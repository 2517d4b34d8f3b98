// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-xsave prom: the counters in the Prometheus text exposition format,
 * for node_exporter's textfile collector. With -o the file is written
 * atomically (temporary file, then rename), as the collector requires.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kxp.h"
#include "verdict.h"

#define P "kvm_xsave_"

static void label_value(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void head(FILE *f, const char *name, const char *type,
		 const char *help)
{
	fprintf(f, "# HELP " P "%s %s\n# TYPE " P "%s %s\n", name, help, name,
		type);
}

static void vcpu_labels(FILE *f, const struct kxp_vcpu *v)
{
	fputs("{vm=", f);
	label_value(f, v->vm);
	fprintf(f, ",vcpu=\"%lu\",comm=", v->vcpu);
	label_value(f, strcmp(v->comm, "-") ? v->comm : "");
	fputc('}', f);
}

struct vmetric {
	const char *name;
	const char *type;
	const char *help;
	size_t off;
	int col;
};

#define VM(n, t, h, field, c) { n, t, h, offsetof(struct kxp_vcpu, field), c }

static const struct vmetric vmetrics[] = {
	VM("vcpu_set_xsave_total", "counter", "KVM_SET_XSAVE calls.",
	   set_xsave, KXP_VC_SET_XSAVE),
	VM("vcpu_rejected_loads_total", "counter",
	   "KVM_SET_XSAVE calls that KVM rejected.", rejected_loads,
	   KXP_VC_REJECTED_LOADS),
	VM("vcpu_get_xsave_total", "counter",
	   "KVM_GET_XSAVE and KVM_GET_XSAVE2 calls.", get_xsave,
	   KXP_VC_GET_XSAVE),
	VM("vcpu_trimmed_gets_total", "counter",
	   "GETs that did not return non-init state.", trimmed_gets,
	   KXP_VC_TRIMMED_GETS),
	VM("vcpu_set_xcrs_total", "counter", "KVM_SET_XCRS calls.", set_xcrs,
	   KXP_VC_SET_XCRS),
	VM("vcpu_rejected_xcrs_total", "counter",
	   "KVM_SET_XCRS calls that KVM rejected.", rejected_xcrs,
	   KXP_VC_REJECTED_XCRS),
	VM("vcpu_exits_after_failed_load", "gauge",
	   "VM exits since a refused state load not followed by an accepted one of the same kind (0: none, or the guest has not run since).",
	   exits_after_failed_load, KXP_VC_EXITS_AFTER_FAILED_LOAD),
	VM("vcpu_set_sregs_total", "counter",
	   "KVM_SET_SREGS2 calls.", set_sregs,
	   KXP_VC_SET_SREGS),
	VM("vcpu_rejected_sregs_total", "counter",
	   "KVM_SET_SREGS2 calls that KVM rejected.", rejected_sregs,
	   KXP_VC_REJECTED_SREGS),
	VM("vcpu_xcr0", "gauge", "The vCPU's XCR0 (a bit mask).", xcr0,
	   KXP_VC_XCR0),
	VM("vcpu_guest_supported_xcr0", "gauge",
	   "Guest-supported XCR0: CPUID 0xD and KVM-supported (a bit mask).",
	   guest_xcr0, KXP_VC_GUEST_XCR0),
	VM("vcpu_stripped_bits", "gauge",
	   "Bits ever lost to the XFD strip on load (a bit mask).",
	   stripped_bits, KXP_VC_STRIPPED_BITS),
};

/* A vCPU's labels with the verdict's own, for the verdict metrics. */
static void verdict_labels(FILE *f, const struct kxp_vcpu *v,
			   const struct kxp_vcpu_verdict *it)
{
	fputs("{vm=", f);
	label_value(f, v->vm);
	fprintf(f, ",vcpu=\"%lu\",comm=", v->vcpu);
	label_value(f, strcmp(v->comm, "-") ? v->comm : "");
	fputs(",op=", f);
	label_value(f, it->op);
	fputs(",reason=", f);
	label_value(f, it->reason);
	fputs(",verdict=", f);
	label_value(f, it->v.def->id);
	fputs(",severity=", f);
	label_value(f, kxp_severity_name(it->v.def->severity));
	fputc('}', f);
}

/*
 * Failed calls by verdict (a counter: the module's per-vCPU tallies only
 * grow until `reset`), and one gauge per current verdict, so that an alert
 * can fire on severity="error" alone.
 */
static void print_verdicts(FILE *f, const struct kxp_info *in,
			   const struct kxp_vcpus *vs)
{
	struct kxp_vcpu_verdicts vv;
	size_t i, j;

	head(f, "vcpu_rejected_loads_by_verdict_total", "counter",
	     "Failed calls of this vCPU by op, reason and verdict.");
	for (j = 0; j < vs->n; j++) {
		kxp_vcpu_verdicts(&vs->v[j], in, &vv);
		for (i = 0; i < vv.n; i++) {
			if (!strcmp(vv.item[i].reason, "trimmed") ||
			    !strcmp(vv.item[i].reason, "xfd_stripped"))
				continue;
			fputs(P "vcpu_rejected_loads_by_verdict_total", f);
			verdict_labels(f, &vs->v[j], &vv.item[i]);
			fprintf(f, " %llu\n", vv.item[i].count);
		}
	}
	head(f, "vcpu_verdict", "gauge",
	     "1 for each verdict a vCPU has now (all severities).");
	for (j = 0; j < vs->n; j++) {
		kxp_vcpu_verdicts(&vs->v[j], in, &vv);
		for (i = 0; i < vv.n; i++) {
			fputs(P "vcpu_verdict", f);
			verdict_labels(f, &vs->v[j], &vv.item[i]);
			fputs(" 1\n", f);
		}
	}
}

static void print_module(FILE *f, const struct kxp_info *in,
			 const struct kxp_stats *st,
			 const struct kxp_vcpus *vs)
{
	unsigned int i;
	size_t j;

	head(f, "module_info", "gauge",
	     "Loaded kvm_xsave_probe: version, debugfs format, kernel.");
	fputs(P "module_info{version=", f);
	label_value(f, in->version);
	fprintf(f, ",format=\"%ld\",kernel=", in->format);
	label_value(f, in->kernel);
	fputs("} 1\n", f);
	if (in->have_kvm_xcr0) {
		head(f, "kvm_supported_xcr0", "gauge",
		     "KVM-supported XCR0 learned by the module (a bit mask).");
		fprintf(f, P "kvm_supported_xcr0 %llu\n", in->kvm_xcr0);
	}
	head(f, "probe_armed", "gauge",
	     "1 if the kprobe is armed, else 0 (see the state label).");
	for (j = 0; j < in->nr_probes; j++) {
		fputs(P "probe_armed{symbol=", f);
		label_value(f, in->probes[j].symbol);
		fputs(",state=", f);
		label_value(f, in->probes[j].state);
		fprintf(f, "} %d\n", !strcmp(in->probes[j].state, "armed"));
	}
	head(f, "probe_nmissed_total", "counter",
	     "Hits of this kprobe that were missed.");
	for (j = 0; j < in->nr_probes; j++) {
		if (!in->probes[j].have_nmissed)
			continue;
		fputs(P "probe_nmissed_total{symbol=", f);
		label_value(f, in->probes[j].symbol);
		fprintf(f, "} %llu\n", in->probes[j].nmissed);
	}
	for (i = 0; i < KXP_NR_STATS; i++) {
		const struct kxp_stat_def *d = &kxp_stat_defs[i];

		if (!st->have[i])
			continue;
		head(f, d->prom, d->gauge ? "gauge" : "counter", d->help);
		fprintf(f, P "%s %llu\n", d->prom, st->v[i]);
	}
	for (i = 0; i < KXP_ARRAY_SIZE(vmetrics); i++) {
		const struct vmetric *m = &vmetrics[i];

		head(f, m->name, m->type, m->help);
		for (j = 0; j < vs->n; j++) {
			const struct kxp_vcpu *v = &vs->v[j];

			if (!(v->have & (1U << m->col)))
				continue;
			fputs(P, f);
			fputs(m->name, f);
			vcpu_labels(f, v);
			fprintf(f, " %llu\n",
				*(const u64 *)((const char *)v + m->off));
		}
	}
	head(f, "vcpu_problem", "gauge",
	     "1 if the vCPU has an error or warning verdict (docs/verdicts.md).");
	for (j = 0; j < vs->n; j++) {
		const struct kxp_vcpu *v = &vs->v[j];

		fputs(P "vcpu_problem", f);
		vcpu_labels(f, v);
		fprintf(f, " %d\n", kxp_vcpu_has_problem(v));
	}
	print_verdicts(f, in, vs);
}

static void print_all(FILE *f, int up, const struct kxp_err *e,
		      const struct kxp_info *in, const struct kxp_stats *st,
		      const struct kxp_vcpus *vs)
{
	unsigned int i;

	head(f, "up", "gauge",
	     "1 if kvm_xsave_probe's debugfs files could be read.");
	fprintf(f, P "up %d\n", up);
	if (!up) {
		head(f, "scrape_error", "gauge",
		     "Why the module could not be read (the reason label).");
		fputs(P "scrape_error{reason=", f);
		label_value(f, e->id);
		fputs("} 1\n", f);
		return;
	}
	print_module(f, in, st, vs);
	head(f, "malformed_lines_total", "counter",
	     "Lines of the module's files that kvm-xsave could not parse.");
	for (i = 0; i < KXP_NR_SRC; i++) {
		fputs(P "malformed_lines_total{file=", f);
		label_value(f, kxp_src_names[i]);
		fprintf(f, "} %lu\n", kxp_malformed[i]);
	}
}

static int write_atomic(const char *path, int up, const struct kxp_err *e,
			const struct kxp_info *in, const struct kxp_stats *st,
			const struct kxp_vcpus *vs)
{
	char tmp[4096];
	FILE *f;
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		kxp_error("cannot create a temporary file next to %s: %s",
			  path, strerror(errno));
		return -1;
	}
	fchmod(fd, 0644);
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(tmp);
		kxp_error("cannot write %s: %s", tmp, strerror(errno));
		return -1;
	}
	print_all(f, up, e, in, st, vs);
	if (kxp_output_check(f, tmp)) {
		fclose(f);
		unlink(tmp);
		return -1;
	}
	if (fsync(fd)) {
		kxp_error("cannot write %s: %s", tmp, strerror(errno));
		fclose(f);
		unlink(tmp);
		return -1;
	}
	if (kxp_output_close(f, tmp)) {
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path)) {
		kxp_error("cannot rename %s to %s: %s", tmp, path,
			  strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

int kxp_cmd_prom(const struct kxp_opts *o)
{
	struct kxp_info in;
	struct kxp_stats st;
	struct kxp_vcpus vs = { 0 };
	struct kxp_err e = { .code = 0, .id = "" };
	int up = 1, ret;

	if (kxp_module_check(&in, &e) || kxp_read_stats(&st, &e) ||
	    kxp_read_vcpus(&vs, &e)) {
		kxp_error("%s", e.msg);
		up = 0;
	}
	if (o->output) {
		ret = write_atomic(o->output, up, &e, &in, &st, &vs);
	} else {
		print_all(stdout, up, &e, &in, &st, &vs);
		ret = kxp_output_check(stdout, "standard output");
	}
	kxp_vcpus_free(&vs);
	if (ret)
		return KXP_EXIT_FAIL;
	return up ? KXP_EXIT_OK : e.code;
}
