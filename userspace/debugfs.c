// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-xsave: finding and parsing the kvm_xsave_probe debugfs files
 * (docs/debugfs.md).
 *
 * Parsing is tolerant: unknown keys and columns are ignored, a last line
 * without its newline (a read cut short) is dropped, malformed lines are
 * skipped and counted. Errors opening the files are turned into a
 * diagnosis: module not loaded, debugfs not mounted, not root, lockdown.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "kxp.h"
#include "verdict.h"

#ifndef DEBUGFS_MAGIC
#define DEBUGFS_MAGIC 0x64626720
#endif

const struct kxp_stat_def kxp_stat_defs[KXP_NR_STATS] = {
	[KXP_ST_EVENTS_TOTAL] = { "events_total", "events_total", 0,
		"Events recorded, including those later overwritten." },
	[KXP_ST_EVENTS_DROPPED] = { "events_dropped", "events_dropped_total",
		0, "Events overwritten because the event ring was full." },
	[KXP_ST_EVENTS_BUFFERED] = { "events_buffered", "events_buffered", 1,
		"Events currently in the event ring." },
	[KXP_ST_SEQ_NEXT] = { "seq_next", "seq_next", 1,
		"Sequence number the next event gets." },
	[KXP_ST_VCPUS_TRACKED] = { "vcpus_tracked", "vcpus_tracked", 1,
		"vCPUs with a live record." },
	[KXP_ST_VMS_TRACKED] = { "vms_tracked", "vms_tracked", 1,
		"VMs with a live record." },
	[KXP_ST_VCPUS_MAX] = { "vcpus_max", "vcpus_max", 1,
		"Module parameter max_vcpus." },
	[KXP_ST_TRACK_FAILURES] = { "track_failures", "track_failures_total",
		0, "vCPU records that could not be started (max_vcpus or memory)." },
	[KXP_ST_UNTRACKED_IOCTLS] = { "untracked_ioctls",
		"untracked_ioctls_total", 0,
		"Watched ioctls on untracked vCPUs." },
	[KXP_ST_SET_XSAVE] = { "set_xsave", "set_xsave_total", 0,
		"KVM_SET_XSAVE calls." },
	[KXP_ST_REJECTED_LOADS] = { "rejected_loads", "rejected_loads_total",
		0, "KVM_SET_XSAVE calls that KVM rejected." },
	[KXP_ST_STRIPPED_LOADS] = { "stripped_loads", "stripped_loads_total",
		0, "Accepted loads that lost bits to the XFD strip." },
	[KXP_ST_GET_XSAVE] = { "get_xsave", "get_xsave_total", 0,
		"KVM_GET_XSAVE and KVM_GET_XSAVE2 calls." },
	[KXP_ST_TRIMMED_GETS] = { "trimmed_gets", "trimmed_gets_total", 0,
		"GETs that did not return non-init state." },
	[KXP_ST_SET_XCRS] = { "set_xcrs", "set_xcrs_total", 0,
		"KVM_SET_XCRS calls." },
	[KXP_ST_REJECTED_XCRS] = { "rejected_xcrs", "rejected_xcrs_total", 0,
		"KVM_SET_XCRS calls that KVM rejected." },
	[KXP_ST_SET_CPUID] = { "set_cpuid", "set_cpuid_total", 0,
		"KVM_SET_CPUID and KVM_SET_CPUID2 calls." },
	[KXP_ST_REJECTED_CPUID] = { "rejected_cpuid", "rejected_cpuid_total",
		0, "KVM_SET_CPUID{,2} calls that failed." },
	[KXP_ST_CPUID_CHANGES] = { "cpuid_changes", "cpuid_changes_total", 0,
		"KVM_SET_CPUID{,2} calls that changed guest-supported XCR0." },
	[KXP_ST_PROBE_MISSED] = { "probe_missed", "probe_missed_total", 0,
		"Probe hits missed (sum of nmissed): calls that went unseen." },
	[KXP_ST_RAW_HEADER_UNAVAILABLE] = { "raw_header_unavailable",
		"raw_header_unavailable_total", 0,
		"SET/GET calls whose user header could not be read." },
	[KXP_ST_CLASSIFY_MISMATCH] = { "classify_mismatch",
		"classify_mismatch_total", 0,
		"Loads the module classified differently from KVM (bug)." },
	[KXP_ST_MEMORY_BYTES] = { "memory_bytes", "memory_bytes", 1,
		"Memory held by the module: records and the event ring." },
	[KXP_ST_DEBUGFS_ENTRIES] = { "debugfs_entries", "debugfs_entries", 1,
		"debugfs directories and files made for VMs and vCPUs." },
	[KXP_ST_RESETS] = { "resets", "resets_total", 0,
		"Writes to the reset file." },
	[KXP_ST_SET_SREGS] = { "set_sregs", "set_sregs_total", 0,
		"KVM_SET_SREGS2 calls." },
	[KXP_ST_REJECTED_SREGS] = { "rejected_sregs", "rejected_sregs_total",
		0, "KVM_SET_SREGS2 calls that KVM rejected." },
	[KXP_ST_POOL_EMPTY] = { "pool_empty", "pool_empty_total", 0,
		"Record requests that found the preallocated pool empty." },
	[KXP_ST_DEBUGFS_FAILURES] = { "debugfs_failures",
		"debugfs_failures_total", 0,
		"debugfs directories or files that could not be created." },
	[KXP_ST_DUPLICATE_VCPU_IDS] = { "duplicate_vcpu_ids",
		"duplicate_vcpu_ids_total", 0,
		"KVM_CREATE_VCPU calls with an id already in use (KVM refuses them)." },
	[KXP_ST_STALE_RECORDS] = { "stale_records", "stale_records_total", 0,
		"Records dropped because their vCPU's destroy went unseen." },
	[KXP_ST_STALE_VMS] = { "stale_vms", "stale_vms_total", 0,
		"VM records replaced because their VM's destroy went unseen." },
};

const char *kxp_dir(void)
{
	const char *d = getenv("KXP_DEBUGFS");

	return d && *d ? d : KXP_DEFAULT_DIR;
}

static const char *lockdown_file(void)
{
	const char *f = getenv("KXP_LOCKDOWN");

	return f && *f ? f : KXP_LOCKDOWN_FILE;
}

/* The active mode, the bracketed word of "none [integrity] ...". */
static int lockdown_mode(char *mode, size_t len)
{
	struct kxp_buf b;
	char *open, *close;

	if (kxp_read_path(lockdown_file(), &b))
		return -1;
	open = strchr(b.data, '[');
	close = open ? strchr(open, ']') : NULL;
	if (!close) {
		kxp_buf_free(&b);
		return -1;
	}
	*close = '\0';
	kxp_strlcpy(mode, open + 1, len);
	kxp_buf_free(&b);
	return 0;
}

static void parent_of(const char *path, char *out, size_t len)
{
	char *slash;

	kxp_strlcpy(out, path, len);
	while (strlen(out) > 1 && out[strlen(out) - 1] == '/')
		out[strlen(out) - 1] = '\0';
	slash = strrchr(out, '/');
	if (!slash)
		kxp_strlcpy(out, ".", len);
	else if (slash == out)
		out[1] = '\0';
	else
		*slash = '\0';
}

static int mounted_in_proc(const char *dir)
{
	struct kxp_buf b;
	struct kxp_lines it;
	char *line;
	int found = 0;

	if (kxp_read_path("/proc/self/mounts", &b))
		return 0;
	kxp_lines_init(&it, &b);
	while (!found && (line = kxp_lines_next(&it))) {
		char dev[256], mnt[512], type[64];

		if (sscanf(line, "%255s %511s %63s", dev, mnt, type) == 3 &&
		    !strcmp(mnt, dir) && !strcmp(type, "debugfs"))
			found = 1;
	}
	kxp_buf_free(&b);
	return found;
}

/* An unmounted mount point is normally an empty directory. */
static int dir_has_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int found = 0;

	if (!d)
		return 0;
	while (!found && (de = readdir(d)))
		if (de->d_name[0] != '.')
			found = 1;
	closedir(d);
	return found;
}

static int debugfs_mounted(const char *parent)
{
	struct statfs sfs;

	if (!statfs(parent, &sfs) && (unsigned long)sfs.f_type ==
	    (unsigned long)DEBUGFS_MAGIC)
		return 1;
	if (mounted_in_proc(parent))
		return 1;
	/* A fixture tree (KXP_DEBUGFS) stands in for a mounted debugfs. */
	return strcmp(kxp_dir(), KXP_DEFAULT_DIR) && dir_has_entries(parent);
}

static int diag_eperm(const char *path, struct kxp_err *e)
{
	char mode[32];

	if (!lockdown_mode(mode, sizeof(mode)) && strcmp(mode, "none"))
		return kxp_set_err(e, KXP_EXIT_LOCKDOWN, "lockdown",
			"kernel lockdown is active (mode \"%s\" in %s) and blocks access to %s.\n"
			"  debugfs is restricted under lockdown; boot with lockdown=none\n"
			"  (where Secure Boot policy allows it) to use kvm_xsave_probe,\n"
			"  or collect `kvm-xsave host` / `kvm-xsave report` without it.",
			mode, lockdown_file(), path);
	return kxp_set_err(e, KXP_EXIT_LOCKDOWN, "lockdown",
		"operation not permitted (EPERM) opening %s, although kernel lockdown is not active (%s).\n"
		"  A security module (SELinux, AppArmor) or a container seccomp/device\n"
		"  policy probably denies debugfs; check its audit log.",
		path, lockdown_file());
}

/*
 * Turns an errno from opening or reading @path into a diagnosis. Returns
 * -1 with @e filled in.
 */
int kxp_diagnose(int err, const char *path, struct kxp_err *e)
{
	char mode[32];
	char parent[512];
	const char *dir = kxp_dir();

	if (err < 0)
		err = -err;
	parent_of(dir, parent, sizeof(parent));
	switch (err) {
	case ENOENT:
	case ENOTDIR:
		if (access(dir, F_OK)) {
			if (access(parent, F_OK) || !debugfs_mounted(parent))
				return kxp_set_err(e, KXP_EXIT_NO_DEBUGFS,
					"debugfs_not_mounted",
					"debugfs is not mounted at %s.\n"
					"  Mount it with: mount -t debugfs none %s\n"
					"  (if that fails, check for debugfs=off on the kernel command line)",
					parent, parent);
			if (!lockdown_mode(mode, sizeof(mode)) &&
			    strcmp(mode, "none"))
				return kxp_set_err(e, KXP_EXIT_NO_MODULE,
					"module_not_loaded",
					"kvm_xsave_probe is not loaded: %s does not exist.\n"
					"  Kernel lockdown is active (mode \"%s\"): an unsigned module cannot\n"
					"  be loaded. Sign it with a key the kernel trusts, or use the\n"
					"  module-free bpftrace script xsave-nomod.bt (lockdown=integrity only).",
					dir, mode);
			return kxp_set_err(e, KXP_EXIT_NO_MODULE,
				"module_not_loaded",
				"kvm_xsave_probe is not loaded: %s does not exist.\n"
				"  Load it with: modprobe kvm_xsave_probe\n"
				"  (or from a build tree: insmod module/kvm_xsave_probe.ko)",
				dir);
		}
		return kxp_set_err(e, KXP_EXIT_NO_MODULE, "module_not_loaded",
			"%s is missing: kvm_xsave_probe is being unloaded, or it is not the module this kvm-xsave knows.\n"
			"  Reload it with: modprobe kvm_xsave_probe",
			path);
	case EACCES:
		return kxp_set_err(e, KXP_EXIT_ACCESS, "permission_denied",
			"permission denied reading %s: debugfs and kvm_xsave_probe's files are readable by root only.\n"
			"  Run as root, e.g.: sudo %s",
			path, kxp_invocation);
	case EPERM:
		return diag_eperm(path, e);
	case EIO:
		return kxp_set_err(e, KXP_EXIT_FAIL, "io_error",
			"input/output error (EIO) reading %s: the file went away while it was read (module unloading?); try again",
			path);
	default:
		return kxp_set_err(e, KXP_EXIT_FAIL, "io_error",
			"cannot read %s: %s (%s)", path, strerror(err),
			kxp_errno_name(err) ? kxp_errno_name(err) : "?");
	}
}

int kxp_read_module_file(const char *name, struct kxp_buf *b,
			 struct kxp_err *e)
{
	char path[1024];
	int ret;

	snprintf(path, sizeof(path), "%s/%s", kxp_dir(), name);
	ret = kxp_read_path(path, b);
	if (ret)
		return kxp_diagnose(ret, path, e);
	return 0;
}

/* ---- info ---- */

static int split_kv(char *line, char **key, char **val)
{
	char *colon = strchr(line, ':');

	if (!colon || colon == line)
		return -1;
	*colon = '\0';
	*key = kxp_trim(line);
	*val = kxp_trim(colon + 1);
	return **key ? 0 : -1;
}

/* "0x2e7 fp,sse,..." -> 0x2e7 */
static int first_hex(const char *val, u64 *out)
{
	char tok[32];
	size_t n = strcspn(val, " \t");

	if (!n || n >= sizeof(tok))
		return -1;
	memcpy(tok, val, n);
	tok[n] = '\0';
	return kxp_parse_u64(tok, 16, out);
}

static int parse_probe(struct kxp_info *in, const char *sym, char *val)
{
	struct kxp_probe *p;
	char *sp, *nm;

	if (in->nr_probes >= KXP_MAX_PROBES || !*sym)
		return 0;
	p = &in->probes[in->nr_probes];
	memset(p, 0, sizeof(*p));
	sp = strchr(val, ' ');
	if (sp)
		*sp = '\0';
	if (!*val)
		return -1;
	kxp_strlcpy(p->symbol, sym, sizeof(p->symbol));
	kxp_strlcpy(p->state, val, sizeof(p->state));
	nm = sp ? strstr(sp + 1, "nmissed=") : NULL;
	if (nm && !kxp_parse_u64(kxp_trim(nm + 8), 10, &p->nmissed))
		p->have_nmissed = 1;
	in->nr_probes++;
	return 0;
}

static int parse_xfeature(struct kxp_info *in, const char *name, char *val)
{
	struct kxp_xfeat *x;
	char *sz = strstr(val, "size="), *off = strstr(val, "offset=");
	u64 s, o;

	if (!sz || !off)
		return -1;
	sz[5 + strcspn(sz + 5, " ")] = '\0';
	off[7 + strcspn(off + 7, " ")] = '\0';
	if (kxp_parse_u64(sz + 5, 10, &s) || kxp_parse_u64(off + 7, 10, &o))
		return -1;
	if (in->nr_xfeat >= KXP_MAX_XFEAT)
		return 0;
	x = &in->xfeat[in->nr_xfeat++];
	kxp_strlcpy(x->name, name, sizeof(x->name));
	x->bit = kxp_feature_bit(name);
	x->size = s;
	x->offset = o;
	return 0;
}

/* A repeated trait replaces the first: JSON member names are unique. */
static int parse_trait(struct kxp_info *in, const char *name, int yes)
{
	struct kxp_trait *t = NULL;
	size_t i;

	for (i = 0; i < in->nr_traits && !t; i++)
		if (!strncmp(in->traits[i].name, name, sizeof(t->name) - 1))
			t = &in->traits[i];
	if (!t && in->nr_traits < KXP_MAX_TRAITS) {
		t = &in->traits[in->nr_traits++];
		kxp_strlcpy(t->name, name, sizeof(t->name));
	}
	if (t)
		t->yes = yes;
	return 0;
}

/* A contract.NAME line; a repeated one updates, like a trait. */
static int parse_contract(struct kxp_info *in, const char *name, int value)
{
	struct kxp_contract_item *c = NULL;
	size_t i;

	for (i = 0; i < in->nr_contract && !c; i++)
		if (!strncmp(in->contract[i].name, name, sizeof(c->name) - 1))
			c = &in->contract[i];
	if (!c && in->nr_contract < KXP_MAX_TRAITS) {
		c = &in->contract[in->nr_contract++];
		kxp_strlcpy(c->name, name, sizeof(c->name));
	}
	if (c)
		c->value = value;
	return 0;
}

/*
 * Probe, trait and contract names are C identifiers in the module; anything
 * else is a damaged line (two different bad names could print as the same
 * JSON key).
 */
static int ident_ok(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '_'))
			return 0;
	return 1;
}

static int info_line(struct kxp_info *in, char *key, char *val)
{
	u64 v;
	s64 sv;

	if (!strcmp(key, "version")) {
		kxp_strlcpy(in->version, val, sizeof(in->version));
	} else if (!strcmp(key, "format")) {
		if (kxp_parse_s64(val, &sv))
			return -1;
		in->format = sv;
		in->have_format = 1;
	} else if (!strcmp(key, "kernel")) {
		kxp_strlcpy(in->kernel, val, sizeof(in->kernel));
	} else if (!strncmp(key, "probe.", 6)) {
		if (!ident_ok(key + 6))
			return -1;
		return parse_probe(in, key + 6, val);
	} else if (!strncmp(key, "trait.", 6)) {
		if (!ident_ok(key + 6) || (strcmp(val, "yes") && strcmp(val, "no")))
			return -1;
		return parse_trait(in, key + 6, !strcmp(val, "yes"));
	} else if (!strncmp(key, "contract.", 9)) {
		if (!ident_ok(key + 9))
			return -1;
		if (strcmp(val, "yes") && strcmp(val, "no") &&
		    strcmp(val, "unknown"))
			return -1;
		return parse_contract(in, key + 9, !strcmp(val, "yes") ? 1 :
						    !strcmp(val, "no") ? 0 : -1);
	} else if (!strcmp(key, "host_xcr0")) {
		if (first_hex(val, &in->host_xcr0))
			return -1;
		in->have_host_xcr0 = 1;
	} else if (!strcmp(key, "host_xss")) {
		if (first_hex(val, &in->host_xss))
			return -1;
		in->have_host_xss = 1;
	} else if (!strcmp(key, "kvm_supported_xcr0")) {
		if (!strcmp(val, "unknown"))
			return 0;
		if (first_hex(val, &in->kvm_xcr0))
			return -1;
		in->have_kvm_xcr0 = 1;
	} else if (!strcmp(key, "mxcsr_feature_mask")) {
		if (first_hex(val, &in->mxcsr_mask) &&
		    kxp_parse_u64(val, 10, &in->mxcsr_mask))
			return -1;
		in->have_mxcsr = 1;
	} else if (!strncmp(key, "xfeature.", 9)) {
		return parse_xfeature(in, key + 9, val);
	} else if (!strcmp(key, "ring_size")) {
		if (kxp_parse_u64(val, 10, &in->ring_size))
			return -1;
		in->have_ring_size = 1;
	} else if (!strcmp(key, "log_all")) {
		if (kxp_parse_u64(val, 10, &v) || v > 1)
			return -1;
		in->log_all = v;
	}
	return 0;
}

void kxp_info_parse(struct kxp_buf *b, struct kxp_info *in)
{
	struct kxp_lines it;
	char *line, *key, *val;

	memset(in, 0, sizeof(*in));
	in->log_all = -1;
	kxp_lines_init(&it, b);
	while ((line = kxp_lines_next(&it))) {
		if (!*kxp_trim(line))
			continue;
		if (split_kv(line, &key, &val) || info_line(in, key, val))
			kxp_note_malformed(KXP_SRC_INFO, it.lineno);
	}
}

/* Reads `info` and refuses a format this reader does not know. */
int kxp_module_check(struct kxp_info *in, struct kxp_err *e)
{
	struct kxp_buf b;
	char path[1024];

	if (kxp_read_module_file("info", &b, e))
		return -1;
	kxp_info_parse(&b, in);
	kxp_buf_free(&b);
	snprintf(path, sizeof(path), "%s/info", kxp_dir());
	if (!in->have_format)
		return kxp_set_err(e, KXP_EXIT_FORMAT, "format_unknown",
			"%s has no valid \"format:\" line, so its debugfs format is unknown; this kvm-xsave reads format %d.\n"
			"  Use the kvm-xsave built together with the loaded module.",
			path, kxp_format_version());
	if (in->format != kxp_format_version())
		return kxp_set_err(e, KXP_EXIT_FORMAT, "format_mismatch",
			"the loaded kvm_xsave_probe (version %s) writes debugfs format %ld, %s than format %d, the only one this kvm-xsave (version %s) reads.\n"
			"  Use the kvm-xsave built together with the loaded module.",
			*in->version ? in->version : "unknown", in->format,
			in->format > kxp_format_version() ? "newer" : "older",
			kxp_format_version(), kxp_version);
	kxp_set_verdict_info(in);
	return 0;
}

/* ---- stats ---- */

void kxp_stats_parse(struct kxp_buf *b, struct kxp_stats *st)
{
	struct kxp_lines it;
	char *line, *key, *val;
	unsigned int i;

	memset(st, 0, sizeof(*st));
	kxp_lines_init(&it, b);
	while ((line = kxp_lines_next(&it))) {
		u64 v;

		if (!*kxp_trim(line))
			continue;
		if (split_kv(line, &key, &val) ||
		    kxp_parse_u64(val, 10, &v)) {
			kxp_note_malformed(KXP_SRC_STATS, it.lineno);
			continue;
		}
		for (i = 0; i < KXP_NR_STATS; i++) {
			if (!strcmp(key, kxp_stat_defs[i].key)) {
				st->v[i] = v;
				st->have[i] = 1;
				break;
			}
		}
	}
}

int kxp_read_stats(struct kxp_stats *st, struct kxp_err *e)
{
	struct kxp_buf b;

	if (kxp_read_module_file("stats", &b, e))
		return -1;
	kxp_stats_parse(&b, st);
	kxp_buf_free(&b);
	return 0;
}

/* ---- vcpus ---- */

static const char *const vcol_names[KXP_NR_VCOLS] = {
	"pid", "comm", "guest_supported_xcr0", "xcr0", "user_xfeatures",
	"xfd", "set_xsave", "rejected_loads", "get_xsave", "trimmed_gets",
	"stripped_bits", "set_xcrs", "rejected_xcrs", "problems",
	"requested_xcr0", "failures", "last_returned_xstate_bv",
	"last_xcrs_reason", "set_sregs", "rejected_sregs", "failed_loads",
	"exits_after_failed_load", "tid", "thread_comm",
};

/* Hex columns; the rest but comm and problems are decimal. */
static int vcol_is_hex(int c)
{
	return c == KXP_VC_GUEST_XCR0 || c == KXP_VC_XCR0 ||
	       c == KXP_VC_USER_XFEATURES || c == KXP_VC_XFD ||
	       c == KXP_VC_STRIPPED_BITS || c == KXP_VC_REQUESTED_XCR0 ||
	       c == KXP_VC_RETURNED_XSTATE_BV;
}

static u64 *vcol_u64(struct kxp_vcpu *v, int c)
{
	switch (c) {
	case KXP_VC_GUEST_XCR0: return &v->guest_xcr0;
	case KXP_VC_XCR0: return &v->xcr0;
	case KXP_VC_USER_XFEATURES: return &v->user_xfeatures;
	case KXP_VC_XFD: return &v->xfd;
	case KXP_VC_SET_XSAVE: return &v->set_xsave;
	case KXP_VC_REJECTED_LOADS: return &v->rejected_loads;
	case KXP_VC_GET_XSAVE: return &v->get_xsave;
	case KXP_VC_TRIMMED_GETS: return &v->trimmed_gets;
	case KXP_VC_STRIPPED_BITS: return &v->stripped_bits;
	case KXP_VC_SET_XCRS: return &v->set_xcrs;
	case KXP_VC_REJECTED_XCRS: return &v->rejected_xcrs;
	case KXP_VC_REQUESTED_XCR0: return &v->requested_xcr0;
	case KXP_VC_RETURNED_XSTATE_BV: return &v->returned_xstate_bv;
	case KXP_VC_SET_SREGS: return &v->set_sregs;
	case KXP_VC_REJECTED_SREGS: return &v->rejected_sregs;
	case KXP_VC_EXITS_AFTER_FAILED_LOAD: return &v->exits_after_failed_load;
	default: return NULL;
	}
}

static int vcol_set(struct kxp_vcpu *v, int c, const char *tok)
{
	u64 *p = vcol_u64(v, c);
	s64 sv;

	if (c == KXP_VC_REQUESTED_XCR0 && !strcmp(tok, "unknown"))
		return 1;	/* not known: no value, not malformed */
	if (p)
		return kxp_parse_u64(tok, vcol_is_hex(c) ? 16 : 10, p);
	switch (c) {
	case KXP_VC_PID:
		if (kxp_parse_s64(tok, &sv) || sv < 0)
			return -1;
		v->pid = sv;
		return 0;
	case KXP_VC_COMM:
		kxp_strlcpy(v->comm, tok, sizeof(v->comm));
		return 0;
	case KXP_VC_FAILED_LOADS:
		kxp_strlcpy(v->failed_loads, tok, sizeof(v->failed_loads));
		return 0;
	case KXP_VC_TID:
		if (kxp_parse_s64(tok, &sv) || sv < 0)
			return -1;
		v->tid = sv;
		return 0;
	case KXP_VC_THREAD_COMM:
		kxp_strlcpy(v->thread_comm, tok, sizeof(v->thread_comm));
		return 0;
	case KXP_VC_PROBLEMS:
		free(v->problems);
		v->problems = strdup(tok);
		return v->problems ? 0 : -1;
	case KXP_VC_FAILURES:
		free(v->failures);
		v->failures = strdup(tok);
		return v->failures ? 0 : -1;
	case KXP_VC_LAST_XCRS_REASON:
		kxp_strlcpy(v->last_xcrs_reason, tok,
			    sizeof(v->last_xcrs_reason));
		return 0;
	}
	return 0;
}

static struct kxp_vcpu *vcpus_add(struct kxp_vcpus *vs)
{
	struct kxp_vcpu *v;

	if (vs->n == vs->cap) {
		size_t cap = vs->cap ? vs->cap * 2 : 16;

		v = realloc(vs->v, cap * sizeof(*v));
		if (!v)
			return NULL;
		vs->v = v;
		vs->cap = cap;
	}
	v = &vs->v[vs->n];
	memset(v, 0, sizeof(*v));
	return v;
}

#define VCPUS_MAX_COLS 64

/* Splits at runs of blanks; returns the number of tokens. */
static int tokenize(char *line, char **tok, int max)
{
	int n = 0;

	while (*line) {
		while (*line == ' ' || *line == '\t')
			*line++ = '\0';
		if (!*line)
			break;
		if (n == max)
			return max + 1;
		tok[n++] = line;
		line += strcspn(line, " \t");
	}
	return n;
}

void kxp_vcpus_parse(struct kxp_buf *b, struct kxp_vcpus *vs)
{
	int colmap[VCPUS_MAX_COLS];
	char *tok[VCPUS_MAX_COLS];
	struct kxp_lines it;
	int ncols = 0, vm_col = -1, vcpu_col = -1, i, c, ret;
	char *line;

	kxp_lines_init(&it, b);
	while ((line = kxp_lines_next(&it))) {
		struct kxp_vcpu *v;
		int n;
		u64 id;

		n = tokenize(line, tok, VCPUS_MAX_COLS);
		if (!n)
			continue;
		if (!ncols) {
			/* The header names the columns, in any order. */
			for (i = 0; i < n && i < VCPUS_MAX_COLS; i++) {
				colmap[i] = -1;
				if (!strcmp(tok[i], "vm"))
					vm_col = i;
				if (!strcmp(tok[i], "vcpu"))
					vcpu_col = i;
				for (c = 0; c < KXP_NR_VCOLS; c++)
					if (!strcmp(tok[i], vcol_names[c]))
						colmap[i] = c;
			}
			if (n > VCPUS_MAX_COLS || vm_col < 0 ||
			    vcpu_col < 0) {
				kxp_note_malformed(KXP_SRC_VCPUS, it.lineno);
				vm_col = -1;
				vcpu_col = -1;
				continue;
			}
			ncols = n;
			continue;
		}
		if (n != ncols || kxp_parse_u64(tok[vcpu_col], 10, &id))
			goto bad;
		v = vcpus_add(vs);
		if (!v)
			return;
		kxp_strlcpy(v->vm, tok[vm_col], sizeof(v->vm));
		v->vcpu = id;
		for (i = 0; i < n; i++) {
			if (colmap[i] < 0)
				continue;
			ret = vcol_set(v, colmap[i], tok[i]);
			if (ret < 0) {
				free(v->problems);
				free(v->failures);
				goto bad;
			}
			if (!ret)
				v->have |= 1U << colmap[i];
		}
		vs->n++;
		continue;
bad:
		kxp_note_malformed(KXP_SRC_VCPUS, it.lineno);
	}
}

/* One value file of <vm>/vcpu<N>/; -errno when it cannot be read. */
static int read_value(const char *dir, const char *name, char *out,
		      size_t len)
{
	struct kxp_buf b;
	char path[1024];
	struct kxp_lines it;
	char *line;
	int ret;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ret = kxp_read_path(path, &b);
	if (ret)
		return ret;
	kxp_lines_init(&it, &b);
	line = kxp_lines_next(&it);
	if (line)
		kxp_strlcpy(out, kxp_trim(line), len);
	kxp_buf_free(&b);
	return line ? 0 : -ENODATA;
}

/*
 * Problems as the vcpus table would show them, for the directory walk.
 */
static char *dir_problems(const char *dir, const struct kxp_vcpu *v)
{
	char reason[64], val[64], names[512], out[2048] = "";
	size_t used = 0;
	u64 bits = 0;

	if (v->rejected_loads &&
	    !read_value(dir, "last_reject_reason", reason, sizeof(reason))) {
		if (!read_value(dir, "last_rejected_bits", val, sizeof(val)) &&
		    kxp_parse_u64(val, 16, &bits))
			bits = 0;
		if (bits && strcmp(reason, "mxcsr") &&
		    strcmp(reason, "compacted"))
			kxp_mask_str(bits, "+", names, sizeof(names));
		else
			kxp_strlcpy(names, reason, sizeof(names));
		used += snprintf(out + used, sizeof(out) - used,
				 "rejected=%s", names);
	}
	if (!read_value(dir, "trimmed_bits", val, sizeof(val)) &&
	    !kxp_parse_u64(val, 16, &bits) && bits && used < sizeof(out))
		used += snprintf(out + used, sizeof(out) - used,
				 "%strimmed=%s", used ? ";" : "",
				 kxp_mask_str(bits, "+", names,
					      sizeof(names)));
	if (v->stripped_bits && used < sizeof(out))
		used += snprintf(out + used, sizeof(out) - used,
				 "%sstripped=%s", used ? ";" : "",
				 kxp_mask_str(v->stripped_bits, "+", names,
					      sizeof(names)));
	if (v->rejected_xcrs && used < sizeof(out) &&
	    !read_value(dir, "last_rejected_xcr0", val, sizeof(val)) &&
	    !kxp_parse_u64(val, 16, &bits))
		snprintf(out + used, sizeof(out) - used, "%sxcr0=%s",
			 used ? ";" : "",
			 kxp_mask_str(bits, "+", names, sizeof(names)));
	return strdup(*out ? out : "-");
}

/* Fills @v from a vcpu directory; -1 when it vanished meanwhile. */
static int read_vcpu_dir(const char *dir, struct kxp_vcpu *v)
{
	static const int cols[] = {
		KXP_VC_GUEST_XCR0, KXP_VC_XCR0, KXP_VC_USER_XFEATURES,
		KXP_VC_XFD, KXP_VC_SET_XSAVE, KXP_VC_REJECTED_LOADS,
		KXP_VC_GET_XSAVE, KXP_VC_TRIMMED_GETS, KXP_VC_STRIPPED_BITS,
		KXP_VC_SET_XCRS, KXP_VC_REJECTED_XCRS,
	};
	char val[64];
	unsigned int i;
	int ret;

	for (i = 0; i < KXP_ARRAY_SIZE(cols); i++) {
		ret = read_value(dir, vcol_names[cols[i]], val, sizeof(val));
		if (ret == -ENOENT || ret == -EIO || ret == -ENODEV)
			return -1;	/* the vCPU went away */
		if (ret || vcol_set(v, cols[i], val)) {
			char path[1400];

			snprintf(path, sizeof(path), "%s/%s", dir,
				 vcol_names[cols[i]]);
			kxp_note_malformed_at(KXP_SRC_VCPU_DIR, path, 1);
			continue;
		}
		v->have |= 1U << cols[i];
	}
	v->problems = dir_problems(dir, v);
	if (v->problems)
		v->have |= 1U << KXP_VC_PROBLEMS;
	kxp_strlcpy(v->comm, "-", sizeof(v->comm));
	return 0;
}

static int is_vcpu_name(const char *name, u64 *id)
{
	return !strncmp(name, "vcpu", 4) && name[4] >= '0' &&
	       name[4] <= '9' && !kxp_parse_u64(name + 4, 10, id);
}

/*
 * Fallback when there is no vcpus table (modules older than the table):
 * walk <vm>/vcpu<N>/. Today's module always has the table, and makes
 * those directories only with vcpu_files=1.
 */
static int walk_vcpu_dirs(struct kxp_vcpus *vs, struct kxp_err *e)
{
	const char *top = kxp_dir();
	DIR *d = opendir(top), *vd;
	struct dirent *de, *ve;
	char vmdir[1024], vdir[1280];

	if (!d)
		return kxp_diagnose(errno, top, e);
	vs->from_dirs = 1;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || !strchr(de->d_name, '-'))
			continue;
		snprintf(vmdir, sizeof(vmdir), "%s/%s", top, de->d_name);
		vd = opendir(vmdir);
		if (!vd)
			continue;	/* the VM went away */
		while ((ve = readdir(vd))) {
			struct kxp_vcpu *v;
			u64 id;

			if (!is_vcpu_name(ve->d_name, &id))
				continue;
			v = vcpus_add(vs);
			if (!v)
				break;
			snprintf(vdir, sizeof(vdir), "%s/%s", vmdir,
				 ve->d_name);
			kxp_strlcpy(v->vm, de->d_name, sizeof(v->vm));
			v->vcpu = id;
			if (read_vcpu_dir(vdir, v)) {
				free(v->problems);
				continue;
			}
			vs->n++;
		}
		closedir(vd);
	}
	closedir(d);
	return 0;
}

/* "<pid>-<fd>" names sort by pid, then fd; anything else by name. */
static int vm_cmp(const char *a, const char *b)
{
	unsigned long pa, fa, pb, fb;

	if (sscanf(a, "%lu-%lu", &pa, &fa) == 2 &&
	    sscanf(b, "%lu-%lu", &pb, &fb) == 2 && (pa != pb || fa != fb)) {
		if (pa != pb)
			return pa < pb ? -1 : 1;
		return fa < fb ? -1 : 1;
	}
	return strcmp(a, b);
}

static int vcpu_cmp(const void *a, const void *b)
{
	const struct kxp_vcpu *x = a, *y = b;
	int c = vm_cmp(x->vm, y->vm);

	if (c)
		return c;
	return x->vcpu < y->vcpu ? -1 : x->vcpu > y->vcpu;
}

int kxp_read_vcpus(struct kxp_vcpus *vs, struct kxp_err *e)
{
	struct kxp_buf b;
	char path[1024];
	int ret;

	memset(vs, 0, sizeof(*vs));
	snprintf(path, sizeof(path), "%s/vcpus", kxp_dir());
	ret = kxp_read_path(path, &b);
	if (ret && (ret != -ENOENT || access(kxp_dir(), F_OK)))
		return kxp_diagnose(ret, path, e);
	if (ret) {
		ret = walk_vcpu_dirs(vs, e);	/* no vcpus table */
	} else {
		kxp_vcpus_parse(&b, vs);
		kxp_buf_free(&b);
	}
	if (vs->n > 1)
		qsort(vs->v, vs->n, sizeof(vs->v[0]), vcpu_cmp);
	return ret;
}

void kxp_vcpus_free(struct kxp_vcpus *vs)
{
	size_t i;

	for (i = 0; i < vs->n; i++) {
		free(vs->v[i].problems);
		free(vs->v[i].failures);
	}
	free(vs->v);
	memset(vs, 0, sizeof(*vs));
}

/* Next item of a problems column; 0 at the end. */
int kxp_problem_next(const char **cursor, struct kxp_problem *p)
{
	const char *s = *cursor, *eq;
	char item[512], *val;
	size_t n;

	while (*s == ';')
		s++;
	if (!*s || !strcmp(s, "-"))
		return 0;
	n = strcspn(s, ";");
	*cursor = s + n;
	if (n >= sizeof(item))
		n = sizeof(item) - 1;
	memcpy(item, s, n);
	item[n] = '\0';
	memset(p, 0, sizeof(*p));
	eq = strchr(item, '=');
	if (!eq) {
		kxp_strlcpy(p->kind, "other", sizeof(p->kind));
		val = item;
	} else {
		item[eq - item] = '\0';
		kxp_strlcpy(p->kind, item, sizeof(p->kind));
		val = item + (eq - item) + 1;
	}
	if (kxp_is_reason(val)) {
		kxp_strlcpy(p->reason, val, sizeof(p->reason));
		return 1;
	}
	if (!strcmp(p->kind, "cr4"))
		kxp_cr4_names_to_mask(val, '+', &p->mask);
	else
		kxp_names_to_mask(val, '+', &p->mask);
	kxp_strlcpy(p->names, val, sizeof(p->names));
	for (val = p->names; *val; val++)
		if (*val == '+')
			*val = ',';
	return 1;
}

/* ---- events ---- */

static int event_key(struct kxp_event *ev, const char *key, char *val,
		     unsigned int *seen)
{
	s64 sv;

	if (!strcmp(key, "seq")) {
		if (kxp_parse_u64(val, 10, &ev->seq))
			return -1;
		*seen |= 1;
	} else if (!strcmp(key, "ts")) {
		kxp_strlcpy(ev->ts, val, sizeof(ev->ts));
	} else if (!strcmp(key, "pid")) {
		if (kxp_parse_s64(val, &sv))
			return -1;
		ev->pid = sv;
	} else if (!strcmp(key, "tid")) {
		if (kxp_parse_s64(val, &sv))
			return -1;
		ev->tid = sv;
	} else if (!strcmp(key, "comm")) {
		kxp_strlcpy(ev->comm, val, sizeof(ev->comm));
	} else if (!strcmp(key, "thread_comm")) {
		kxp_strlcpy(ev->thread_comm, val, sizeof(ev->thread_comm));
	} else if (!strcmp(key, "vm")) {
		kxp_strlcpy(ev->vm, val, sizeof(ev->vm));
	} else if (!strcmp(key, "vcpu")) {
		if (!strcmp(val, "-"))
			return 0;
		if (kxp_parse_s64(val, &sv))
			return -1;
		ev->vcpu = sv < 0 ? -1 : sv;
	} else if (!strcmp(key, "op")) {
		kxp_strlcpy(ev->op, val, sizeof(ev->op));
		*seen |= 2;
	} else if (!strcmp(key, "ret")) {
		if (kxp_parse_s64(val, &sv))
			return -1;
		ev->ret = sv;
	} else if (!strcmp(key, "reason")) {
		kxp_strlcpy(ev->reason, val, sizeof(ev->reason));
	} else if (!strcmp(key, "xstate_bv")) {
		/* "-": the module could read no header; stays 0. */
		if (!strcmp(val, "-"))
			return 0;
		return kxp_parse_u64(val, 16, &ev->xstate_bv);
	} else if (!strcmp(key, "mask")) {
		return kxp_parse_u64(val, 16, &ev->mask);
	} else if (!strcmp(key, "bits")) {
		return kxp_parse_u64(val, 16, &ev->bits);
	} else if (!strcmp(key, "names")) {
		kxp_strlcpy(ev->names, val, sizeof(ev->names));
	} else if (!strcmp(key, "requested_xcr0")) {
		if (!strcmp(val, "unknown"))
			return 0;
		ev->have_requested_xcr0 = 1;
		return kxp_parse_u64(val, 16, &ev->requested_xcr0);
	}
	return 0;
}

/* 0, or -1 when the line is malformed (it needs at least seq and op). */
int kxp_event_parse_line(char *line, struct kxp_event *ev)
{
	unsigned int seen = 0;
	char *tok, *save = NULL, *eq;

	memset(ev, 0, sizeof(*ev));
	ev->vcpu = -1;
	kxp_strlcpy(ev->names, "-", sizeof(ev->names));
	kxp_strlcpy(ev->comm, "-", sizeof(ev->comm));
	kxp_strlcpy(ev->vm, "-", sizeof(ev->vm));
	kxp_strlcpy(ev->reason, "-", sizeof(ev->reason));
	for (tok = strtok_r(line, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		eq = strchr(tok, '=');
		if (!eq || eq == tok)
			goto bad;
		*eq = '\0';
		if (event_key(ev, tok, eq + 1, &seen))
			goto bad;
	}
	if (seen == 3)
		return 0;
bad:
	/* With its seq known, a bad line is skipped without faking a gap. */
	ev->malformed = seen & 1;
	return -1;
}

void kxp_events_parse(struct kxp_buf *b, struct kxp_events *evs)
{
	struct kxp_event *ev;
	struct kxp_lines it;
	char *line;

	kxp_lines_init(&it, b);
	while ((line = kxp_lines_next(&it))) {
		if (!*kxp_trim(line))
			continue;
		if (evs->n == evs->cap) {
			size_t cap = evs->cap ? evs->cap * 2 : 64;
			struct kxp_event *v = realloc(evs->v,
						      cap * sizeof(*v));

			if (!v)
				return;
			evs->v = v;
			evs->cap = cap;
		}
		ev = &evs->v[evs->n];
		if (kxp_event_parse_line(line, ev)) {
			kxp_note_malformed(KXP_SRC_EVENTS, it.lineno);
			if (!ev->malformed)
				continue;	/* not even a seq */
		}
		if (evs->n && ev->seq <= evs->v[evs->n - 1].seq) {
			if (!ev->malformed)
				kxp_note_malformed(KXP_SRC_EVENTS, it.lineno);
			continue;
		}
		evs->n++;
	}
}

int kxp_read_events(struct kxp_events *evs, struct kxp_err *e)
{
	struct kxp_buf b;

	memset(evs, 0, sizeof(*evs));
	if (kxp_read_module_file("events", &b, e))
		return -1;
	kxp_clock_sample(&kxp_read_clock);	/* for wall-clock times */
	kxp_events_parse(&b, evs);
	kxp_buf_free(&b);
	return 0;
}

void kxp_events_free(struct kxp_events *evs)
{
	free(evs->v);
	memset(evs, 0, sizeof(*evs));
}
