// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-xsave report: a bug-report bundle. Everything is gathered first, so
 * the report can start with what is missing and why; every part that can
 * be collected without the module is.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "kxp.h"
#include "verdict.h"

#define MAX_MISSING	16
#define MAX_KMSG_LINES	400
#define NR_KVM_MODS	4

/* KVM's modules and this project's own. */
static const char *const kvm_mods[NR_KVM_MODS] = {
	"kvm", "kvm_amd", "kvm_intel", "kvm_xsave_probe",
};

struct param {
	char name[128];
	char value[256];
};

struct modparams {
	int loaded;
	size_t n;
	struct param *p;
};

struct kmsg {
	const char *source;
	char err[256];
	size_t n;		/* lines kept, the last MAX_KMSG_LINES */
	size_t total;
	char *lines[MAX_KMSG_LINES];
};

struct report {
	char generated[64];
	struct utsname uts;
	char cmdline[4096];
	struct kxp_tainted tainted;
	struct kxp_host *host;
	struct modparams params[NR_KVM_MODS];
	int module_ok;		/* info read and format known */
	struct kxp_err module_err;
	struct kxp_info info;
	struct kxp_stats stats;
	struct kxp_vcpus vcpus;
	struct kxp_events events;
	struct kxp_vmms vmms;
	struct kxp_buf raw[4];
	struct kxp_err raw_err[4];
	struct kmsg kmsg;
	size_t nr_missing;
	char missing[MAX_MISSING][1200];
};

static const char *const raw_files[4] = { "info", "stats", "vcpus", "events" };

static void add_missing(struct report *r, const char *what, const char *why)
{
	char *m;
	size_t n;

	if (r->nr_missing >= MAX_MISSING)
		return;
	m = r->missing[r->nr_missing++];
	kxp_strlcpy(m, what, sizeof(r->missing[0]));
	n = strlen(m);
	if (n + 3 < sizeof(r->missing[0])) {
		memcpy(m + n, ": ", 3);
		kxp_strlcpy(m + n + 2, why, sizeof(r->missing[0]) - n - 2);
	}
}

/* ---- gathering ---- */

static int param_cmp(const void *a, const void *b)
{
	return strcmp(((const struct param *)a)->name,
		      ((const struct param *)b)->name);
}

static void read_params(struct report *r, unsigned int m)
{
	struct modparams *mp = &r->params[m];
	char dir[256], path[512];
	struct dirent *de;
	DIR *d;

	snprintf(dir, sizeof(dir), "/sys/module/%s", kvm_mods[m]);
	if (access(dir, F_OK))
		return;
	mp->loaded = 1;
	snprintf(dir, sizeof(dir), "/sys/module/%s/parameters", kvm_mods[m]);
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		struct param *p;
		struct kxp_buf b;
		int ret;

		if (de->d_name[0] == '.')
			continue;
		p = realloc(mp->p, (mp->n + 1) * sizeof(*p));
		if (!p)
			break;
		mp->p = p;
		p = &mp->p[mp->n++];
		kxp_strlcpy(p->name, de->d_name, sizeof(p->name));
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		ret = kxp_read_path(path, &b);
		if (ret) {
			snprintf(p->value, sizeof(p->value), "(unreadable: %s)",
				 ret == -EACCES || ret == -EPERM ?
				 "permission denied, run as root" :
				 strerror(-ret));
			continue;
		}
		kxp_strlcpy(p->value, kxp_trim(b.data), sizeof(p->value));
		kxp_buf_free(&b);
	}
	closedir(d);
	if (mp->n > 1)
		qsort(mp->p, mp->n, sizeof(mp->p[0]), param_cmp);
}

static int kmsg_wanted(const char *msg)
{
	return strcasestr(msg, "kvm") || strcasestr(msg, "xsave") ||
	       strcasestr(msg, "fpu");
}

static void kmsg_keep(struct kmsg *k, const char *line)
{
	char *copy = strdup(line);

	if (!copy)
		return;
	if (k->n == MAX_KMSG_LINES) {
		free(k->lines[0]);
		memmove(k->lines, k->lines + 1,
			(MAX_KMSG_LINES - 1) * sizeof(k->lines[0]));
		k->n--;
	}
	k->lines[k->n++] = copy;
	k->total++;
}

/* One /dev/kmsg record: "prio,seq,usec,flags;message\n[ continuation]" */
static void kmsg_record(struct kmsg *k, char *rec)
{
	char *semi = strchr(rec, ';'), *nl, line[1200];
	unsigned long long usec = 0;

	if (!semi)
		return;
	nl = strchr(semi + 1, '\n');
	if (nl)
		*nl = '\0';
	if (sscanf(rec, "%*u,%*u,%llu", &usec) != 1)
		usec = 0;
	if (!kmsg_wanted(semi + 1))
		return;
	snprintf(line, sizeof(line), "[%5llu.%06llu] %s", usec / 1000000,
		 usec % 1000000, semi + 1);
	kmsg_keep(k, line);
}

static int read_kmsg_dev(struct kmsg *k)
{
	char rec[8192];
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	k->source = "/dev/kmsg";
	for (;;) {
		ssize_t n = read(fd, rec, sizeof(rec) - 1);

		if (n < 0) {
			if (errno == EPIPE || errno == EINTR)
				continue;	/* overwritten: go on */
			if (errno == EAGAIN)
				break;		/* the end of the log */
			close(fd);
			return -errno;
		}
		if (!n)
			break;
		rec[n] = '\0';
		kmsg_record(k, rec);
	}
	close(fd);
	return 0;
}

static int read_klogctl(struct kmsg *k)
{
	int size = klogctl(10, NULL, 0);	/* SYSLOG_ACTION_SIZE_BUFFER */
	struct kxp_buf b;
	struct kxp_lines it;
	char *line;
	int n;

	if (size <= 0)
		return size < 0 ? -errno : -ENODATA;
	b.data = malloc(size + 2);
	if (!b.data)
		return -ENOMEM;
	n = klogctl(3, b.data, size);		/* SYSLOG_ACTION_READ_ALL */
	if (n < 0) {
		n = -errno;
		free(b.data);
		return n;
	}
	if (n && b.data[n - 1] != '\n')
		b.data[n++] = '\n';
	b.len = n;
	b.data[n] = '\0';
	k->source = "klogctl";
	kxp_lines_init(&it, &b);
	while ((line = kxp_lines_next(&it))) {
		if (line[0] == '<' && strchr(line, '>'))
			line = strchr(line, '>') + 1;
		if (kmsg_wanted(line))
			kmsg_keep(k, line);
	}
	kxp_buf_free(&b);
	return 0;
}

static void read_kmsg(struct report *r)
{
	struct kmsg *k = &r->kmsg;
	int e1 = read_kmsg_dev(k), e2;

	if (!e1)
		return;
	e2 = read_klogctl(k);
	if (!e2)
		return;
	snprintf(k->err, sizeof(k->err),
		 "/dev/kmsg: %s; klogctl: %s%s", strerror(-e1), strerror(-e2),
		 e1 == -EPERM || e2 == -EPERM || e1 == -EACCES ?
		 " (kernel.dmesg_restrict is set: run as root)" : "");
	add_missing(r, "kernel log", k->err);
}

static void read_module(struct report *r)
{
	unsigned int i;
	char why[1100];

	if (kxp_module_check(&r->info, &r->module_err)) {
		snprintf(why, sizeof(why), "%s", r->module_err.msg);
		add_missing(r, "kvm_xsave_probe data", why);
		if (r->module_err.code != KXP_EXIT_FORMAT)
			return;
		/* Unknown format: the raw files still help a bug report. */
	} else if (kxp_read_stats(&r->stats, &r->module_err) ||
		   kxp_read_vcpus(&r->vcpus, &r->module_err) ||
		   kxp_read_events(&r->events, &r->module_err)) {
		add_missing(r, "kvm_xsave_probe data", r->module_err.msg);
	} else {
		r->module_ok = 1;
		kxp_vmms_gather(&r->vmms, &r->vcpus, &r->events);
	}
	for (i = 0; i < KXP_ARRAY_SIZE(raw_files); i++)
		if (kxp_read_module_file(raw_files[i], &r->raw[i],
					 &r->raw_err[i]))
			r->raw[i].data = NULL;
}

static void gather(struct report *r)
{
	struct kxp_buf b;
	time_t now = time(NULL);
	struct tm tm;
	unsigned int i;
	int ret;

	gmtime_r(&now, &tm);
	strftime(r->generated, sizeof(r->generated), "%Y-%m-%dT%H:%M:%SZ",
		 &tm);
	if (uname(&r->uts))
		memset(&r->uts, 0, sizeof(r->uts));
	ret = kxp_read_path("/proc/cmdline", &b);
	if (ret) {
		snprintf(r->cmdline, sizeof(r->cmdline), "(unreadable: %s)",
			 strerror(-ret));
		add_missing(r, "kernel command line", r->cmdline);
	} else {
		kxp_strlcpy(r->cmdline, kxp_trim(b.data), sizeof(r->cmdline));
		kxp_buf_free(&b);
	}
	if (kxp_read_tainted(&r->tainted))
		add_missing(r, "kernel taint", r->tainted.err);
	kxp_host_probe(r->host);
	if (r->host->cpuinfo_err[0])
		add_missing(r, "CPU model and flags", r->host->cpuinfo_err);
	if (!r->host->kvm_ok)
		add_missing(r, "KVM's supported CPUID and KVM_CAP_XSAVE2",
			    r->host->kvm_err);
	for (i = 0; i < NR_KVM_MODS; i++)
		read_params(r, i);
	read_module(r);
	/* The pair event wall times came from (or now, without events). */
	if (!kxp_read_clock.have)
		kxp_clock_sample(&kxp_read_clock);
	read_kmsg(r);
}

static void release(struct report *r)
{
	unsigned int i;

	for (i = 0; i < NR_KVM_MODS; i++)
		free(r->params[i].p);
	for (i = 0; i < KXP_ARRAY_SIZE(raw_files); i++)
		kxp_buf_free(&r->raw[i]);
	for (i = 0; i < r->kmsg.n; i++)
		free(r->kmsg.lines[i]);
	kxp_vcpus_free(&r->vcpus);
	kxp_events_free(&r->events);
	kxp_vmms_free(&r->vmms);
	free(r->host);
}

/* ---- text ---- */

static void section(FILE *f, const char *title)
{
	fprintf(f, "\n==== %s ====\n", title);
}

static void print_params(FILE *f, const struct report *r)
{
	unsigned int m;
	size_t i;

	for (m = 0; m < NR_KVM_MODS; m++) {
		const struct modparams *mp = &r->params[m];

		if (!mp->loaded) {
			fprintf(f, "%s: not loaded\n", kvm_mods[m]);
			continue;
		}
		if (!mp->n)
			fprintf(f, "%s: loaded, no parameters\n", kvm_mods[m]);
		for (i = 0; i < mp->n; i++)
			fprintf(f, "%s.%s=%s\n", kvm_mods[m], mp->p[i].name,
				mp->p[i].value);
	}
}

static void print_tainted(FILE *f, const struct kxp_tainted *t)
{
	if (t->have)
		fprintf(f, "tainted: %llu%s%s%s\n", t->value,
			t->value ? " (" : "", t->flags, t->value ? ")" : "");
	else
		fprintf(f, "tainted: unknown (%s)\n", t->err);
}

static void print_clock(FILE *f, const struct kxp_clock *c)
{
	char mono[32], real[32];

	if (!c->have)
		return;
	kxp_fmt_ns(mono, sizeof(mono), c->mono_ns);
	kxp_fmt_ns(real, sizeof(real), c->real_ns);
	fprintf(f, "clock:   CLOCK_MONOTONIC %s, CLOCK_REALTIME %s\n", mono,
		real);
	fprintf(f, "         (events' wall times are reconstructed from this pair)\n");
}

static void print_raw(FILE *f, const struct report *r)
{
	unsigned int i;
	char title[64];

	for (i = 0; i < KXP_ARRAY_SIZE(raw_files); i++) {
		snprintf(title, sizeof(title), "kvm_xsave_probe %s (raw)",
			 raw_files[i]);
		section(f, title);
		if (!r->raw[i].data) {
			fprintf(f, "not available: %s\n",
				r->raw_err[i].msg[0] ? r->raw_err[i].msg :
				"the module could not be read (see Missing)");
			continue;
		}
		fputs(r->raw[i].data, f);
		if (r->raw[i].len && r->raw[i].data[r->raw[i].len - 1] != '\n')
			fputs("\n[last line cut short]\n", f);
	}
}

static void print_text(FILE *f, struct report *r)
{
	size_t i;
	int save = kxp_use_color;

	kxp_use_color = 0;
	fprintf(f, "kvm-xsave report, generated %s\n", r->generated);
	if (kxp_redact)
		fprintf(f, "Redacted (--redact): VMM command lines (" KXP_REDACTED_CMDLINE
			"), the host name wherever it appears (" KXP_REDACTED_HOST ")\n");
	section(f, "Diagnosis");
	if (r->module_ok)
		kxp_diagnosis_print(f, &r->info, &r->vcpus, &r->events);
	else
		kxp_wrap(f, 0, "not available: ", r->module_err.msg);
	section(f, "Versions");
	fprintf(f, "kvm-xsave:       %s (reads debugfs format %d)\n",
		kxp_version, kxp_format_version());
	if (r->info.version[0])
		fprintf(f, "kvm_xsave_probe: %s (debugfs format %ld)\n",
			r->info.version, r->info.format);
	else
		fprintf(f, "kvm_xsave_probe: not available (see Missing)\n");
	section(f, "Missing");
	if (!r->nr_missing)
		fprintf(f, "nothing: every section was collected\n");
	for (i = 0; i < r->nr_missing; i++)
		kxp_wrap(f, 0, "- ", r->missing[i]);
	section(f, "Kernel");
	fprintf(f, "release: %s\nversion: %s\nmachine: %s\ncmdline: %s\n",
		r->uts.release, r->uts.version, r->uts.machine, r->cmdline);
	print_tainted(f, &r->tainted);
	print_clock(f, &kxp_read_clock);
	section(f, "Host CPU, XSAVE and KVM");
	kxp_host_print(f, r->host, 1);
	section(f, "Module parameters (kvm, kvm_amd, kvm_intel, kvm_xsave_probe)");
	print_params(f, r);
	section(f, "kvm_xsave_probe status");
	if (r->module_ok)
		kxp_status_print(f, &r->info, &r->stats, &r->vcpus);
	else
		kxp_wrap(f, 0, "not available: ", r->module_err.msg);
	section(f, "VMM processes (seen by kvm_xsave_probe)");
	if (r->module_ok)
		kxp_vmms_print(f, &r->vmms);
	else
		kxp_wrap(f, 0, "not available: ", r->module_err.msg);
	print_raw(f, r);
	section(f, "Kernel log (kvm, xsave, fpu)");
	if (r->kmsg.err[0]) {
		kxp_wrap(f, 0, "not available: ", r->kmsg.err);
	} else {
		fprintf(f, "%zu matching lines from %s%s\n", r->kmsg.total,
			r->kmsg.source, r->kmsg.total > r->kmsg.n ?
			", the last ones shown" : "");
		for (i = 0; i < r->kmsg.n; i++)
			fprintf(f, "%s\n", r->kmsg.lines[i]);
	}
	kxp_use_color = save;
}

/* ---- JSON ---- */

static void print_json(FILE *f, struct report *r)
{
	struct jw w;
	unsigned int m;
	size_t i;

	jw_init(&w, f, 1);
	jw_obj(&w, NULL);
	jw_header(&w, "report");
	jw_str(&w, "generated_at", r->generated);
	jw_bool(&w, "redacted", kxp_redact);
	if (r->module_ok)
		kxp_diagnosis_json(&w, "diagnosis", &r->info, &r->vcpus,
				   &r->events);
	else
		jw_null(&w, "diagnosis");
	jw_arr(&w, "missing");
	for (i = 0; i < r->nr_missing; i++)
		jw_str(&w, NULL, r->missing[i]);
	jw_arr_end(&w);
	jw_str(&w, "kernel_release", r->uts.release);
	jw_str(&w, "kernel_version", r->uts.version);
	jw_str(&w, "kernel_cmdline", r->cmdline);
	if (r->tainted.have)
		jw_u64(&w, "kernel_tainted", r->tainted.value);
	else
		jw_null(&w, "kernel_tainted");
	jw_names(&w, "kernel_tainted_flags", r->tainted.flags, ' ');
	kxp_clock_json(&w, "clock", &kxp_read_clock);
	kxp_host_json(&w, "host", r->host);
	jw_obj(&w, "kvm_module_parameters");
	for (m = 0; m < NR_KVM_MODS; m++) {
		if (!r->params[m].loaded) {
			jw_null(&w, kvm_mods[m]);
			continue;
		}
		jw_obj(&w, kvm_mods[m]);
		for (i = 0; i < r->params[m].n; i++)
			jw_str(&w, r->params[m].p[i].name,
			       r->params[m].p[i].value);
		jw_obj_end(&w);
	}
	jw_obj_end(&w);
	if (r->module_ok)
		kxp_vmms_json(&w, "vmms", &r->vmms);
	else
		jw_null(&w, "vmms");
	jw_obj(&w, "module");
	jw_bool(&w, "available", r->module_ok);
	if (r->module_ok) {
		jw_null(&w, "error");
		kxp_info_json(&w, "info", &r->info);
		kxp_stats_json(&w, "stats", &r->stats);
		kxp_vcpus_json(&w, "vcpus", &r->vcpus);
		jw_arr(&w, "events");
		kxp_verdict_brief = 1;	/* the diagnosis has the full ones */
		for (i = 0; i < r->events.n; i++)
			if (!r->events.v[i].malformed)
				kxp_event_json(&w, NULL, &r->events.v[i]);
		kxp_verdict_brief = 0;
		jw_arr_end(&w);
	} else {
		jw_obj(&w, "error");
		jw_str(&w, "id", r->module_err.id);
		jw_u64(&w, "exit_code", r->module_err.code);
		jw_str(&w, "message", r->module_err.msg);
		jw_obj_end(&w);
		jw_null(&w, "info");
		jw_null(&w, "stats");
		jw_null(&w, "vcpus");
		jw_null(&w, "events");
	}
	jw_obj(&w, "raw");
	for (i = 0; i < KXP_ARRAY_SIZE(raw_files); i++)
		jw_str(&w, raw_files[i], r->raw[i].data);
	jw_obj_end(&w);
	jw_obj_end(&w);
	jw_obj(&w, "kernel_log");
	jw_str(&w, "source", r->kmsg.source);
	jw_str(&w, "error", r->kmsg.err[0] ? r->kmsg.err : NULL);
	jw_u64(&w, "matching_lines", r->kmsg.total);
	jw_arr(&w, "lines");
	for (i = 0; i < r->kmsg.n; i++)
		jw_str(&w, NULL, r->kmsg.lines[i]);
	jw_arr_end(&w);
	jw_obj_end(&w);
	kxp_parse_warnings_json(&w);
	jw_obj_end(&w);
	jw_finish(&w);
}

/*
 * The text through a memory stream, so that the host name is taken out of
 * all of it (redact.c) before a byte is written.
 */
static int print_redacted(FILE *f, struct report *r)
{
	char *text = NULL, *out = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);

	if (m) {
		print_text(m, r);
		if (!fclose(m))
			out = kxp_redact_str(text);
	}
	free(text);
	if (!out) {
		kxp_error("cannot redact the report: out of memory");
		return -1;
	}
	fputs(out, f);
	free(out);
	return 0;
}

int kxp_cmd_report(const struct kxp_opts *o)
{
	struct report *r = calloc(1, sizeof(*r));
	FILE *f = stdout;
	int ret = KXP_EXIT_OK;

	if (r)
		r->host = calloc(1, sizeof(*r->host));
	if (!r || !r->host) {
		kxp_error("out of memory");
		free(r);
		return KXP_EXIT_FAIL;
	}
	if (o->output) {
		f = fopen(o->output, "w");
		if (!f) {
			kxp_error("cannot create %s: %s", o->output,
				  strerror(errno));
			release(r);
			free(r);
			return KXP_EXIT_FAIL;
		}
	}
	gather(r);
	if (!r->module_ok)
		kxp_warn("the report has no kvm_xsave_probe data: %s",
			 r->module_err.msg);
	if (o->redact)
		kxp_redact_init();
	if (o->json)
		print_json(f, r);
	else if (o->redact && print_redacted(f, r))
		ret = KXP_EXIT_FAIL;
	else if (!o->redact)
		print_text(f, r);
	if (f == stdout ? kxp_output_check(f, "standard output") :
			  kxp_output_close(f, o->output))
		ret = KXP_EXIT_FAIL;
	if (!ret && o->output)
		fprintf(stderr, "%s: report written to %s%s\n", kxp_prog,
			o->output, r->nr_missing ?
			" (some parts are missing, see its Missing section)" :
			"");
	release(r);
	free(r);
	return ret;
}
