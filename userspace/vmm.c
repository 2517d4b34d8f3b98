// SPDX-License-Identifier: GPL-2.0
/*
 * The VMM processes behind the module's vCPUs and events, for the report:
 * their executable, its version (dpkg-query, else the version string in
 * the binary), the guest name and the command line. The rest is read from
 * /proc and files.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kxp.h"

static void add_pid(struct kxp_vmms *vs, long pid, const char *comm)
{
	struct kxp_vmm *v;
	size_t i;

	if (pid <= 0)
		return;
	for (i = 0; i < vs->n; i++)
		if (vs->v[i].pid == pid)
			return;
	v = realloc(vs->v, (vs->n + 1) * sizeof(*v));
	if (!v)
		return;
	vs->v = v;
	v = &vs->v[vs->n++];
	memset(v, 0, sizeof(*v));
	v->pid = pid;
	kxp_strlcpy(v->comm, strcmp(comm, "-") ? comm : "", sizeof(v->comm));
}

static int pid_cmp(const void *a, const void *b)
{
	long x = ((const struct kxp_vmm *)a)->pid;
	long y = ((const struct kxp_vmm *)b)->pid;

	return (x > y) - (x < y);
}

static const char *why(int err)
{
	return err == EACCES || err == EPERM ?
	       "permission denied (run as root)" : strerror(err);
}

/* Is the process still there, and still the one the module saw? */
static void read_state(struct kxp_vmm *v)
{
	char path[64];
	struct kxp_buf b;
	int ret;

	snprintf(path, sizeof(path), "/proc/%ld/comm", v->pid);
	ret = kxp_read_path(path, &b);
	if (ret) {
		v->state = ret == -ENOENT || ret == -ESRCH ? KXP_VMM_GONE :
							      KXP_VMM_RUNNING;
		return;
	}
	kxp_strlcpy(v->comm_now, kxp_trim(b.data), sizeof(v->comm_now));
	kxp_buf_free(&b);
	/* A comm is 15 bytes (TASK_COMM_LEN): another one is another process. */
	v->state = v->comm[0] && strncmp(v->comm, v->comm_now, 15) ?
		   KXP_VMM_OTHER : KXP_VMM_RUNNING;
}

#define DELETED " (deleted)"

static void read_exe(struct kxp_vmm *v)
{
	char path[64];
	ssize_t n;
	size_t dl = strlen(DELETED);

	snprintf(path, sizeof(path), "/proc/%ld/exe", v->pid);
	n = readlink(path, v->exe, sizeof(v->exe) - 1);
	if (n < 0) {
		snprintf(v->exe_err, sizeof(v->exe_err), "%s: %s", path,
			 errno == ENOENT ? "no executable (a zombie?)" :
			 why(errno));
		v->exe[0] = '\0';
		return;
	}
	v->exe[n] = '\0';
	/* The file was replaced or removed since the process started it. */
	if ((size_t)n > dl && !strcmp(v->exe + n - dl, DELETED)) {
		v->exe[n - dl] = '\0';
		v->exe_deleted = 1;
	}
}

static void read_version(struct kxp_vmm *v, const struct kxp_vmms *vs)
{
	char path[64], berr[512];
	size_t i;

	/* The same executable as an earlier VMM's: the same answer. */
	for (i = 0; v->exe[0] && &vs->v[i] != v; i++) {
		const struct kxp_vmm *o = &vs->v[i];

		if (o->state == KXP_VMM_RUNNING && !o->exe_deleted &&
		    !v->exe_deleted && !strcmp(o->exe, v->exe)) {
			kxp_strlcpy(v->version, o->version, sizeof(v->version));
			v->version_source = o->version_source;
			v->pkg = o->pkg;
			kxp_strlcpy(v->version_err, o->version_err,
				    sizeof(v->version_err));
			return;
		}
	}
	if (!v->exe[0]) {
		snprintf(v->version_err, sizeof(v->version_err),
			 "the executable is unknown");
		return;
	}
	/* A replaced binary: the package's version is not the one running. */
	if (v->exe_deleted)
		snprintf(v->pkg.err, sizeof(v->pkg.err),
			 "not asked: the running executable was replaced or removed");
	else if (!kxp_dpkg_owner(v->exe, &v->pkg) && !kxp_dpkg_version(&v->pkg)) {
		kxp_strlcpy(v->version, v->pkg.version, sizeof(v->version));
		v->version_source = "dpkg";
		return;
	}
	/* /proc/PID/exe: the file the process runs, even when replaced. */
	snprintf(path, sizeof(path), "/proc/%ld/exe", v->pid);
	if (!kxp_binary_version(path, KXP_BINVER_CAP, v->version,
				sizeof(v->version), berr, sizeof(berr))) {
		v->version_source = "binary";
		/* Why dpkg did not answer, kept beside the version. */
		snprintf(v->version_err, sizeof(v->version_err), "dpkg: %s",
			 v->pkg.err);
		return;
	}
	snprintf(v->version_err, sizeof(v->version_err), "dpkg: %s; binary: %s",
		 v->pkg.err, berr);
}

static void read_cmdline(struct kxp_vmm *v)
{
	char path[64];
	size_t cap = KXP_CMDLINE_CAP, i;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/cmdline", v->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	v->args = fd < 0 ? NULL : malloc(cap + 1);
	if (!v->args) {
		snprintf(v->cmdline_err, sizeof(v->cmdline_err), "%s: %s", path,
			 fd < 0 ? why(errno) : "out of memory");
		if (fd >= 0)
			close(fd);
		return;
	}
	while (v->args_len < cap &&
	       (n = read(fd, v->args + v->args_len, cap - v->args_len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			snprintf(v->cmdline_err, sizeof(v->cmdline_err),
				 "%s: %s", path, why(errno));
			break;
		}
		v->args_len += n;
	}
	if (v->args_len == cap && read(fd, path, 1) > 0)
		v->args_truncated = 1;
	close(fd);
	/* A last argument without its NUL (cut, or argv rewritten): end it. */
	if (v->args_len && v->args[v->args_len - 1])
		v->args[v->args_len++] = '\0';
	for (i = 0; i < v->args_len; i++)
		v->argc += !v->args[i];
	if (!v->args_len && !v->cmdline_err[0])
		snprintf(v->cmdline_err, sizeof(v->cmdline_err),
			 "empty (a zombie, or the process cleared it)");
}

void kxp_vmms_gather(struct kxp_vmms *vs, const struct kxp_vcpus *vc,
		     const struct kxp_events *ev)
{
	size_t i;

	for (i = 0; i < vc->n; i++)
		if (vc->v[i].have & (1U << KXP_VC_PID))
			add_pid(vs, vc->v[i].pid, vc->v[i].comm);
	for (i = 0; i < ev->n; i++)
		if (!ev->v[i].malformed)
			add_pid(vs, ev->v[i].pid, ev->v[i].comm);
	if (vs->n > 1)
		qsort(vs->v, vs->n, sizeof(vs->v[0]), pid_cmp);
	for (i = 0; i < vs->n; i++) {
		struct kxp_vmm *v = &vs->v[i];

		read_state(v);
		if (v->state != KXP_VMM_RUNNING)
			continue;
		v->have_guest = !kxp_guest_name(v->pid, v->guest,
						sizeof(v->guest));
		read_exe(v);
		read_version(v, vs);
		read_cmdline(v);
	}
}

void kxp_vmms_free(struct kxp_vmms *vs)
{
	size_t i;

	for (i = 0; i < vs->n; i++)
		free(vs->v[i].args);
	free(vs->v);
	vs->v = NULL;
	vs->n = 0;
}

/* ---- output ---- */

/* Bytes a shell takes as they are. */
static const char plain[] =
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=./,:+@%";

/*
 * One argument as a shell would read it back: as is, in '...', or in
 * $'...' with escapes when it holds a control or non-ASCII byte.
 */
void kxp_quote_arg(FILE *f, const char *a)
{
	const unsigned char *p;
	int printable = 1;

	if (a[0] && !a[strspn(a, plain)]) {
		fputs(a, f);
		return;
	}
	for (p = (const unsigned char *)a; *p; p++)
		if (*p < 0x20 || *p >= 0x7f)
			printable = 0;
	if (printable) {
		fputc('\'', f);
		for (p = (const unsigned char *)a; *p; p++) {
			if (*p == '\'')
				fputs("'\\''", f);
			else
				fputc(*p, f);
		}
		fputc('\'', f);
		return;
	}
	fputs("$'", f);
	for (p = (const unsigned char *)a; *p; p++) {
		if (*p == '\\' || *p == '\'')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", f);
		else if (*p == '\t')
			fputs("\\t", f);
		else if (*p < 0x20 || *p >= 0x7f)
			fprintf(f, "\\x%02x", *p);
		else
			fputc(*p, f);
	}
	fputc('\'', f);
}

static const char *const state_text[] = {
	[KXP_VMM_RUNNING] = "running",
	[KXP_VMM_GONE] = "gone: the process has exited",
	[KXP_VMM_OTHER] = "gone: the pid now belongs to another process",
};

static const char *const state_id[] = {
	[KXP_VMM_RUNNING] = "running",
	[KXP_VMM_GONE] = "gone",
	[KXP_VMM_OTHER] = "pid_reused",
};

static void print_one(FILE *f, const struct kxp_vmm *v)
{
	size_t i;

	fprintf(f, "pid %ld (%s): %s", v->pid, v->comm[0] ? v->comm : "-",
		state_text[v->state]);
	if (v->state == KXP_VMM_OTHER)
		fprintf(f, " (comm now %s)", v->comm_now);
	fputc('\n', f);
	if (v->state != KXP_VMM_RUNNING)
		return;
	fprintf(f, "  guest:   %s\n", v->have_guest ? v->guest :
		"(none: no -name on its command line)");
	if (v->exe[0])
		fprintf(f, "  exe:     %s%s\n", v->exe, v->exe_deleted ?
			" (replaced or removed since it started)" : "");
	else
		fprintf(f, "  exe:     unknown (%s)\n", v->exe_err);
	if (!v->version_source) {
		kxp_wrap(f, 2, "version: unknown: ", v->version_err);
	} else if (!strcmp(v->version_source, "dpkg")) {
		fprintf(f, "  version: %s (dpkg: package %s, which lists %s)\n",
			v->version, v->pkg.name, v->pkg.listed_as);
	} else {
		char why[sizeof(v->version) + sizeof(v->version_err) + 64];

		snprintf(why, sizeof(why),
			 "%s (binary: its embedded version string; %s)",
			 v->version, v->version_err);
		kxp_wrap(f, 2, "version: ", why);
	}
	fputs("  cmdline: ", f);
	if (kxp_redact) {
		fputs(KXP_REDACTED_CMDLINE "\n", f);
		return;
	}
	if (!v->argc) {
		fprintf(f, "unknown (%s)\n", v->cmdline_err);
		return;
	}
	for (i = 0; i < v->args_len; i += strlen(v->args + i) + 1) {
		if (i)
			fputc(' ', f);
		kxp_quote_arg(f, v->args + i);
	}
	fputc('\n', f);
	if (v->args_truncated)
		fprintf(f, "  (command line cut at %d KiB)\n",
			KXP_CMDLINE_CAP >> 10);
}

void kxp_vmms_print(FILE *f, const struct kxp_vmms *vs)
{
	size_t i;

	if (!vs->n)
		fprintf(f, "none: no vCPU row or event names a process\n");
	for (i = 0; i < vs->n; i++)
		print_one(f, &vs->v[i]);
}

static void json_one(struct jw *w, const struct kxp_vmm *v)
{
	int run = v->state == KXP_VMM_RUNNING;
	size_t i;

	jw_obj(w, NULL);
	jw_s64(w, "pid", v->pid);
	jw_str(w, "comm", v->comm[0] ? v->comm : NULL);
	jw_str(w, "process", state_id[v->state]);
	jw_str(w, "comm_now", v->comm_now[0] ? v->comm_now : NULL);
	jw_str(w, "guest", run && v->have_guest ? v->guest : NULL);
	jw_str(w, "exe", run && v->exe[0] ? v->exe : NULL);
	jw_bool(w, "exe_replaced", v->exe_deleted);
	jw_str(w, "exe_error", run && v->exe_err[0] ? v->exe_err : NULL);
	jw_str(w, "version", v->version_source ? v->version : NULL);
	jw_str(w, "version_source", v->version_source);
	jw_str(w, "package", v->version_source &&
	       !strcmp(v->version_source, "dpkg") ? v->pkg.name : NULL);
	jw_str(w, "version_error", run && v->version_err[0] ?
	       v->version_err : NULL);
	if (!run || kxp_redact || !v->argc) {
		jw_null(w, "cmdline");
	} else {
		jw_arr(w, "cmdline");
		for (i = 0; i < v->args_len; i += strlen(v->args + i) + 1)
			jw_str(w, NULL, v->args + i);
		jw_arr_end(w);
	}
	jw_bool(w, "cmdline_truncated", !kxp_redact && v->args_truncated);
	jw_bool(w, "cmdline_redacted", run && kxp_redact);
	jw_str(w, "cmdline_error", run && !kxp_redact && !v->argc ?
	       v->cmdline_err : NULL);
	jw_obj_end(w);
}

void kxp_vmms_json(struct jw *w, const char *key, const struct kxp_vmms *vs)
{
	size_t i;

	jw_arr(w, key);
	for (i = 0; i < vs->n; i++)
		json_one(w, &vs->v[i]);
	jw_arr_end(w);
}
