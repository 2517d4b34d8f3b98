/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvm-xsave: userspace reader of the kvm_xsave_probe debugfs files.
 *
 * Declarations shared by the command files. The debugfs format this code
 * parses is specified in docs/debugfs.md; the JSON it writes in
 * docs/json.md.
 */
#ifndef KXP_H
#define KXP_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

typedef unsigned long long u64;
typedef unsigned int u32;
typedef long long s64;

#define KXP_DEFAULT_DIR		"/sys/kernel/debug/kvm_xsave_probe"
#define KXP_LOCKDOWN_FILE	"/sys/kernel/security/lockdown"
#define KXP_JSON_SCHEMA		1
#define KXP_FP_SSE		0x3ULL

#define KXP_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* printf format checking; __attribute is GCC's and clang's other spelling. */
#ifndef __printf
#define __printf(a, b)		__attribute((__format__(__printf__, a, b)))
#endif

/* Exit codes; documented in kvm-xsave(1) and `kvm-xsave --help`. */
enum kxp_exit {
	KXP_EXIT_OK = 0,
	KXP_EXIT_FAIL = 1,		/* failure; compat: incompatible */
	KXP_EXIT_USAGE = 2,		/* bad usage or invalid input */
	KXP_EXIT_NO_MODULE = 3,		/* kvm_xsave_probe not loaded */
	KXP_EXIT_NO_DEBUGFS = 4,	/* debugfs not mounted */
	KXP_EXIT_ACCESS = 5,		/* permission denied (not root) */
	KXP_EXIT_LOCKDOWN = 6,		/* EPERM: kernel lockdown or LSM */
	KXP_EXIT_FORMAT = 7,		/* unknown debugfs format version */
	KXP_EXIT_NO_KVM = 8,		/* /dev/kvm unusable (host) */
};

/* An error to report: exit code, a stable id for JSON, a message. */
struct kxp_err {
	int code;
	const char *id;
	char msg[1024];
};

/* --vm, --pid, --problems (status, events). */
struct kxp_filter {
	const char *vm;
	int have_pid;
	long pid;
	int problems;
};

/* Global options. */
struct kxp_opts {
	struct kxp_filter filter;
	int json;
	int color;
	int follow;
	int have_since;
	u64 since;
	const char *output;
	int redact;
};

extern const char *kxp_prog;
extern char kxp_invocation[512];	/* "kvm-xsave events -f": for hints */
extern const char *kxp_version;

/* ---- util.c ---- */

/*
 * A bit's name in @names[@nr] (indexed by bit, NULL: unnamed), else
 * "bitN" in @buf; and back: the bit of a name or of "bitN", else -1.
 */
const char *kxp_bit_name(const char *const *names, unsigned int nr,
			 unsigned int bit, char *buf, size_t len);
int kxp_name_bit(const char *const *names, unsigned int nr, const char *name);
/* "-" or names joined by @sep; returns the number of unknown names. */
int kxp_names_to_bits(const char *names, char sep,
		      const char *const *table, unsigned int nr, u64 *mask);
const char *kxp_feature_name(unsigned int bit, char *buf, size_t len);
int kxp_feature_bit(const char *name);
const char *kxp_mask_str(u64 mask, const char *sep, char *buf, size_t len);
int kxp_names_to_mask(const char *names, char sep, u64 *mask);
const char *kxp_op_name(unsigned int op);
const char *kxp_reason_name(unsigned int reason);	/* NULL past the last */
int kxp_is_reason(const char *s);

/* ---- guest.c ---- */

/* QEMU's -name of process @pid (/proc/PID/cmdline); -1 when unknown. */
int kxp_guest_name(long pid, char *out, size_t len);

/* ---- dpkg.c: the package owning a file, asked of dpkg-query ---- */

struct kxp_pkg {
	char name[160];		/* "qemu-system-x86", or "name:arch" */
	char listed_as[4096];	/* the path as the package lists it */
	char version[160];
	char err[512];		/* why not, when a lookup fails */
};

int kxp_dpkg_owner(const char *path, struct kxp_pkg *p);
int kxp_dpkg_version(struct kxp_pkg *p);

/* ---- binver.c: the version string embedded in a binary ---- */

#define KXP_BINVER_CHUNK	(1024 * 1024)
#define KXP_BINVER_CAP		(64 * 1024 * 1024)	/* bytes read at most */
#define KXP_BINVER_MAX		128		/* a version's length */

int kxp_binary_version(const char *path, size_t cap, char *out, size_t len,
		       char *err, size_t errlen);

/* ---- redact.c: report --redact ---- */

#define KXP_REDACTED_HOST	"[redacted-host]"
#define KXP_REDACTED_CMDLINE	"[redacted-cmdline]"

extern int kxp_redact;
void kxp_redact_init(void);
void kxp_redact_host(const char *nodename);
char *kxp_redact_str(const char *s);

/* ---- cr4.c ---- */

const char *kxp_cr4_name(unsigned int bit, char *buf, size_t len);
int kxp_cr4_names_to_mask(const char *names, char sep, u64 *mask);
int kxp_format_version(void);

int kxp_parse_u64(const char *s, int base, u64 *out);
int kxp_parse_s64(const char *s, s64 *out);
char *kxp_trim(char *s);
void kxp_strlcpy(char *dst, const char *src, size_t len);
const char *kxp_errno_name(int err);
__printf(4, 5) int kxp_set_err(struct kxp_err *e, int code, const char *id,
			       const char *fmt, ...);
__printf(1, 2) void kxp_error(const char *fmt, ...);
__printf(1, 2) void kxp_warn(const char *fmt, ...);

/* A whole file read into memory, NUL-terminated. */
struct kxp_buf {
	char *data;
	size_t len;
};

int kxp_read_fd(int fd, struct kxp_buf *b);
int kxp_read_path(const char *path, struct kxp_buf *b);
void kxp_buf_free(struct kxp_buf *b);

/*
 * Iterates over the complete lines of a buffer, modifying it in place.
 * A last line without its newline is a read cut short: it is skipped and
 * counted in @partial.
 */
struct kxp_lines {
	char *p;
	char *end;
	unsigned int lineno;
	unsigned int partial;
};

void kxp_lines_init(struct kxp_lines *it, struct kxp_buf *b);
char *kxp_lines_next(struct kxp_lines *it);

/* Sources of malformed lines, warned about once each. */
enum kxp_src {
	KXP_SRC_INFO,
	KXP_SRC_STATS,
	KXP_SRC_VCPUS,
	KXP_SRC_EVENTS,
	KXP_SRC_VCPU_DIR,
	KXP_NR_SRC,
};

extern unsigned long kxp_malformed[KXP_NR_SRC];
extern const char *const kxp_src_names[KXP_NR_SRC];
void kxp_note_malformed(enum kxp_src src, unsigned int lineno);
void kxp_note_malformed_at(enum kxp_src src, const char *path,
			   unsigned int lineno);

/* Terminal colours (enabled by --color). */
enum kxp_color { KXP_C_RESET, KXP_C_BOLD, KXP_C_RED, KXP_C_YELLOW,
		 KXP_C_GREEN, KXP_C_DIM, KXP_NR_COLORS };

extern int kxp_use_color;
const char *kxp_c(enum kxp_color c);

/* ---- output.c: checking what was written ---- */

void kxp_flush(FILE *f);
int kxp_output_check(FILE *f, const char *what);
int kxp_output_close(FILE *f, const char *what);

/* Prints "label" then @text wrapped at 78 columns, continuation indented. */
void kxp_wrap(FILE *f, int indent, const char *label, const char *text);

/* ---- json.c: a small streaming JSON writer ---- */

#define JW_MAX_DEPTH 32

struct jw {
	FILE *f;
	int pretty;
	int depth;
	int count[JW_MAX_DEPTH];
	int inline_from;
};

extern int kxp_json_compact;
void jw_init(struct jw *w, FILE *f, int pretty);
void jw_obj(struct jw *w, const char *key);
void jw_obj_end(struct jw *w);
void jw_arr(struct jw *w, const char *key);
void jw_arr_inline(struct jw *w, const char *key);
void jw_arr_end(struct jw *w);
void jw_str(struct jw *w, const char *key, const char *s);
void jw_u64(struct jw *w, const char *key, u64 v);
void jw_s64(struct jw *w, const char *key, s64 v);
void jw_bool(struct jw *w, const char *key, int v);
void jw_null(struct jw *w, const char *key);
void jw_hex(struct jw *w, const char *key, u64 v);
void jw_bits(struct jw *w, const char *key, u64 v, const char *const *names,
	     unsigned int nr);
void jw_mask(struct jw *w, const char *key, u64 v);
void jw_mask_or_null(struct jw *w, const char *key, int have, u64 v);
void jw_cr4(struct jw *w, const char *key, u64 v);
void jw_names(struct jw *w, const char *key, const char *list, char sep);
void jw_finish(struct jw *w);
void jw_header(struct jw *w, const char *command);

/* ---- jsonp.c: a small JSON parser ---- */

enum jv_type { JV_NULL, JV_BOOL, JV_NUM, JV_STR, JV_ARR, JV_OBJ };

struct jv_pool;

/* 32 bytes a node: a report of a full event ring has millions of them. */
struct jv {
	unsigned char type;	/* enum jv_type */
	unsigned char b;	/* JV_BOOL value */
	u32 n;			/* JV_ARR/JV_OBJ members */
	char *s;		/* JV_STR text, or JV_NUM as written */
	struct jv *items;
	union {
		const char *key;	/* a member's name in its object */
		struct jv_pool *pool;	/* the document (root): its memory */
	};
};

int jv_parse(const char *text, size_t len, struct jv *out,
	     char *err, size_t errlen);
void jv_free(struct jv *v);		/* a document from jv_parse only */
const struct jv *jv_get(const struct jv *obj, const char *key);
int jv_u64(const struct jv *v, u64 *out);
int jv_hex(const struct jv *v, u64 *out);

/* ---- debugfs.c: the module's files ---- */

#define KXP_MAX_PROBES	32
#define KXP_MAX_TRAITS	64
#define KXP_MAX_XFEAT	64

struct kxp_probe {
	char symbol[96];
	char state[48];
	int have_nmissed;
	u64 nmissed;
};

struct kxp_trait {
	char name[64];
	int yes;
};

/* contract.NAME of the info file: -1 unknown, 0 no, 1 yes. */
struct kxp_contract_item {
	char name[64];
	int value;
};

struct kxp_xfeat {
	char name[32];
	int bit;		/* -1: a name this reader does not know */
	u32 size;
	u32 offset;
};

struct kxp_info {
	char version[128];
	int have_format;
	long format;
	char kernel[128];
	size_t nr_probes;
	struct kxp_probe probes[KXP_MAX_PROBES];
	size_t nr_traits;
	struct kxp_trait traits[KXP_MAX_TRAITS];
	size_t nr_contract;
	struct kxp_contract_item contract[KXP_MAX_TRAITS];
	int have_host_xcr0;
	u64 host_xcr0;
	int have_host_xss;
	u64 host_xss;
	int have_kvm_xcr0;	/* 0: "unknown" or missing */
	u64 kvm_xcr0;
	int have_mxcsr;
	u64 mxcsr_mask;
	size_t nr_xfeat;
	struct kxp_xfeat xfeat[KXP_MAX_XFEAT];
	int have_ring_size;
	u64 ring_size;
	int log_all;		/* -1: not reported */
};

enum kxp_stat {
	KXP_ST_EVENTS_TOTAL,
	KXP_ST_EVENTS_DROPPED,
	KXP_ST_EVENTS_BUFFERED,
	KXP_ST_SEQ_NEXT,
	KXP_ST_VCPUS_TRACKED,
	KXP_ST_VMS_TRACKED,
	KXP_ST_VCPUS_MAX,
	KXP_ST_TRACK_FAILURES,
	KXP_ST_UNTRACKED_IOCTLS,
	KXP_ST_SET_XSAVE,
	KXP_ST_REJECTED_LOADS,
	KXP_ST_STRIPPED_LOADS,
	KXP_ST_GET_XSAVE,
	KXP_ST_TRIMMED_GETS,
	KXP_ST_SET_XCRS,
	KXP_ST_REJECTED_XCRS,
	KXP_ST_SET_CPUID,
	KXP_ST_REJECTED_CPUID,
	KXP_ST_CPUID_CHANGES,
	KXP_ST_PROBE_MISSED,
	KXP_ST_RAW_HEADER_UNAVAILABLE,
	KXP_ST_CLASSIFY_MISMATCH,
	KXP_ST_MEMORY_BYTES,
	KXP_ST_DEBUGFS_ENTRIES,
	KXP_ST_RESETS,
	KXP_ST_SET_SREGS,
	KXP_ST_REJECTED_SREGS,
	KXP_ST_POOL_EMPTY,
	KXP_ST_DEBUGFS_FAILURES,
	KXP_ST_DUPLICATE_VCPU_IDS,
	KXP_ST_STALE_RECORDS,
	KXP_ST_STALE_VMS,
	KXP_NR_STATS,
};

struct kxp_stat_def {
	const char *key;
	const char *prom;	/* metric name without the kvm_xsave_ prefix */
	int gauge;
	const char *help;
};

extern const struct kxp_stat_def kxp_stat_defs[KXP_NR_STATS];

struct kxp_stats {
	u64 v[KXP_NR_STATS];
	unsigned char have[KXP_NR_STATS];
};

/* Column bits of struct kxp_vcpu.have */
enum kxp_vcol {
	KXP_VC_PID, KXP_VC_COMM, KXP_VC_GUEST_XCR0, KXP_VC_XCR0,
	KXP_VC_USER_XFEATURES, KXP_VC_XFD, KXP_VC_SET_XSAVE,
	KXP_VC_REJECTED_LOADS, KXP_VC_GET_XSAVE, KXP_VC_TRIMMED_GETS,
	KXP_VC_STRIPPED_BITS, KXP_VC_SET_XCRS, KXP_VC_REJECTED_XCRS,
	KXP_VC_PROBLEMS, KXP_VC_REQUESTED_XCR0, KXP_VC_FAILURES,
	KXP_VC_RETURNED_XSTATE_BV, KXP_VC_LAST_XCRS_REASON, KXP_VC_SET_SREGS,
	KXP_VC_REJECTED_SREGS, KXP_VC_FAILED_LOADS,
	KXP_VC_EXITS_AFTER_FAILED_LOAD, KXP_VC_TID, KXP_VC_THREAD_COMM,
	KXP_NR_VCOLS,
};

struct kxp_vcpu {
	char vm[40];
	unsigned long vcpu;
	long pid;
	char comm[40];		/* the process */
	long tid;		/* the thread that last called */
	char thread_comm[40];
	u64 guest_xcr0;
	u64 xcr0;
	u64 user_xfeatures;
	u64 xfd;
	u64 set_xsave;
	u64 rejected_loads;
	u64 get_xsave;
	u64 trimmed_gets;
	u64 stripped_bits;
	u64 set_xcrs;
	u64 rejected_xcrs;
	u64 set_sregs;		/* KVM_SET_SREGS2 */
	u64 rejected_sregs;
	/*
	 * Refused loads with no accepted one of the same kind since ('+'-
	 * joined ops, "-" none), and the guest's VM exits after the last.
	 */
	char failed_loads[64];
	u64 exits_after_failed_load;
	char *problems;		/* "-" or the module's ';'-joined list */
	u64 requested_xcr0;	/* have: the VMM's CPUID.(0xD,0) is known */
	char *failures;		/* "op:reason:count:0xbits;..." or "-" */
	u64 returned_xstate_bv;	/* of the last KVM_GET_XSAVE{2} */
	char last_xcrs_reason[32];	/* reason name, "-" before the first */
	unsigned int have;	/* 1 << enum kxp_vcol */
};

struct kxp_vcpus {
	struct kxp_vcpu *v;
	size_t n;
	size_t cap;
	int from_dirs;		/* no vcpus file: built from <vm>/vcpu<N>/ */
	size_t filtered_out;	/* by --vm, --pid, --problems */
};

struct kxp_event {
	int malformed;		/* only seq is valid: skip it, without a gap */
	u64 seq;
	char ts[40];
	long pid;
	long tid;
	char comm[40];		/* the process */
	char thread_comm[40];	/* the calling thread ("" when not reported) */
	char vm[40];
	long vcpu;
	char op[24];
	long ret;
	char reason[32];
	u64 xstate_bv;
	u64 mask;
	u64 bits;
	char names[384];
	int have_requested_xcr0;
	u64 requested_xcr0;
};

struct kxp_events {
	struct kxp_event *v;
	size_t n;
	size_t cap;
};

/* One parsed problem item of the vcpus `problems` column. */
struct kxp_problem {
	char kind[16];		/* rejected, trimmed, stripped, xcr0 */
	char reason[32];	/* rejected=<reason>, else "" */
	u64 mask;
	char names[256];	/* ','-joined */
};

const char *kxp_dir(void);
int kxp_diagnose(int err, const char *path, struct kxp_err *e);
int kxp_module_check(struct kxp_info *info, struct kxp_err *e);
int kxp_read_module_file(const char *name, struct kxp_buf *b,
			 struct kxp_err *e);

void kxp_info_parse(struct kxp_buf *b, struct kxp_info *info);
void kxp_stats_parse(struct kxp_buf *b, struct kxp_stats *st);
void kxp_vcpus_parse(struct kxp_buf *b, struct kxp_vcpus *vs);
void kxp_events_parse(struct kxp_buf *b, struct kxp_events *evs);
int kxp_event_parse_line(char *line, struct kxp_event *ev);
int kxp_problem_next(const char **cursor, struct kxp_problem *p);

int kxp_read_stats(struct kxp_stats *st, struct kxp_err *e);
int kxp_read_vcpus(struct kxp_vcpus *vs, struct kxp_err *e);
int kxp_read_events(struct kxp_events *evs, struct kxp_err *e);
void kxp_vcpus_free(struct kxp_vcpus *vs);
void kxp_events_free(struct kxp_events *evs);

/* ---- problem.c, filter.c: which vCPUs and events are shown ---- */

int kxp_vcpu_has_problem(const struct kxp_vcpu *v);
int kxp_vm_matches(const char *name, const char *vm, long pid);
int kxp_filter_active(const struct kxp_filter *f);
int kxp_filter_vcpu(const struct kxp_filter *f, const struct kxp_vcpu *v);
void kxp_filter_vcpus(const struct kxp_filter *f, struct kxp_vcpus *vs);
int kxp_filter_events(const struct kxp_filter *f, struct kxp_events *evs,
		      struct kxp_err *e);
void kxp_filter_json(struct jw *w, const struct kxp_filter *f);

/* ---- timefmt.c: event times, wall clock reconstructed ---- */

enum kxp_time { KXP_TIME_WALL, KXP_TIME_MONO, KXP_TIME_ISO };

/* CLOCK_MONOTONIC and CLOCK_REALTIME, sampled together. */
struct kxp_clock {
	int have;
	s64 mono_ns;
	s64 real_ns;
};

extern enum kxp_time kxp_time_mode;
extern struct kxp_clock kxp_read_clock;	/* at the last read of events */
void kxp_clock_sample(struct kxp_clock *c);
int kxp_ts_parse(const char *ts, s64 *ns);
void kxp_fmt_ns(char *buf, size_t len, s64 ns);
const char *kxp_ts_iso(const char *ts, char *buf, size_t len);
const char *kxp_ts_show(const char *ts, char *buf, size_t len);
int kxp_time_mode_parse(const char *s);
void kxp_clock_json(struct jw *w, const char *key, const struct kxp_clock *c);

/* ---- taint.c ---- */

struct kxp_tainted {
	int have;
	u64 value;
	char flags[256];	/* "O E": the letters of the set bits */
	char err[256];
};

int kxp_read_tainted(struct kxp_tainted *t);

/* ---- table.c: text tables sized to their content ---- */

#define KXP_TABLE_MAX_COLS 16

struct kxp_table {
	unsigned int ncols;
	const char *const *head;
	const char *align;	/* 'l' or 'r' per column */
	size_t width[KXP_TABLE_MAX_COLS];
};

void kxp_table_init(struct kxp_table *t, unsigned int ncols,
		    const char *const *head, const char *align);
void kxp_table_fit(struct kxp_table *t, const char *const *cells);
void kxp_table_head(FILE *f, const struct kxp_table *t, const char *lead);
void kxp_table_row(FILE *f, const struct kxp_table *t, const char *lead,
		   const char *const *cells);

/* ---- JSON renderings of the module data (status.c, events.c) ---- */

void kxp_info_json(struct jw *w, const char *key, const struct kxp_info *in);
void kxp_stats_json(struct jw *w, const char *key,
		    const struct kxp_stats *st);
void kxp_vcpus_json(struct jw *w, const char *key,
		    const struct kxp_vcpus *vs);
void kxp_event_json(struct jw *w, const char *key,
		    const struct kxp_event *ev);
void kxp_parse_warnings_json(struct jw *w);
void kxp_event_print(FILE *f, const struct kxp_event *ev);
void kxp_status_print(FILE *f, const struct kxp_info *in,
		      const struct kxp_stats *st,
		      const struct kxp_vcpus *vs);
void kxp_error_json(const char *command, const struct kxp_err *e);

/* ---- host.c ---- */

struct kxp_regs {
	u32 eax, ebx, ecx, edx;
};

struct kxp_leaf {
	u32 subleaf;
	struct kxp_regs r;
};

struct kxp_feat_layout {
	int have;
	u32 size;
	u32 offset;
	u32 ecx;
};

struct kxp_host {
	char kernel[128];
	char hostname[128];
	char vendor[32];
	char model[128];
	char microcode[32];
	char family[16];
	char cpu_model[16];
	char stepping[16];
	char flags[2048];	/* the XSAVE-related ones */
	char all_flags[4096];	/* every flag of /proc/cpuinfo */
	char cpuinfo_err[256];
	int is_x86;
	int have_leaf_d;
	int osxsave;
	int have_xcr0;
	u64 xcr0;
	u64 xss_supported;
	size_t nr_leaf_d;
	struct kxp_leaf leaf_d[64];
	struct kxp_feat_layout feat[64];

	int kvm_ok;
	int kvm_code;
	char kvm_err[512];
	int api_version;
	int cap_xsave;
	int have_xsave2;
	long xsave2_size;
	int have_guest_supp;
	u64 guest_supp;
	char perm_note[256];
	int have_kvm_xcr0;
	u64 kvm_xcr0;
	u64 kvm_xss;
	size_t nr_kvm_leaf_d;
	struct kxp_leaf kvm_leaf_d[64];
	struct kxp_feat_layout kvm_feat[64];
};

void kxp_host_probe(struct kxp_host *h);
void kxp_host_print(FILE *f, const struct kxp_host *h, int verbose);
void kxp_host_json(struct jw *w, const char *key, const struct kxp_host *h);

/* ---- compat.c ---- */

struct kxp_hostcap {
	char label[256];
	int have_xcr0;
	u64 xcr0;
	const char *xcr0_from;
	int have_size;
	u64 size;
	struct kxp_feat_layout feat[64];
};

struct kxp_compat {
	u64 refused;
	u64 trimmed;
	u64 layout;		/* shared features at another offset/size */
	int bigger;		/* SRC XSAVE2 size > DST's */
	int incompatible;
};

int kxp_hostcap_from_json(const struct jv *doc, struct kxp_hostcap *hc,
			  char *err, size_t errlen);
void kxp_compat_eval(const struct kxp_hostcap *src,
		     const struct kxp_hostcap *dst, struct kxp_compat *r);
int kxp_compat_load(const char *path, struct jv *doc, struct kxp_hostcap *hc);

/* ---- vmm.c: the VMM processes the module has seen (report) ---- */

#define KXP_CMDLINE_CAP		(256 * 1024)	/* bytes of a command line */

enum kxp_vmm_state { KXP_VMM_RUNNING, KXP_VMM_GONE, KXP_VMM_OTHER };

struct kxp_vmm {
	long pid;
	char comm[40];		/* as the module saw it */
	int state;		/* enum kxp_vmm_state */
	char comm_now[40];	/* /proc/PID/comm now */
	int have_guest;
	char guest[128];
	char exe[4096];
	char exe_err[160];
	int exe_deleted;	/* " (deleted)": replaced since it started */
	char version[160];
	const char *version_source;	/* "dpkg", "binary" or NULL */
	struct kxp_pkg pkg;
	char version_err[1100];
	char *args;		/* the arguments, each NUL-terminated */
	size_t args_len;
	size_t argc;
	int args_truncated;
	char cmdline_err[160];
};

struct kxp_vmms {
	struct kxp_vmm *v;
	size_t n;
};

void kxp_vmms_gather(struct kxp_vmms *vs, const struct kxp_vcpus *vc,
		     const struct kxp_events *ev);
void kxp_vmms_free(struct kxp_vmms *vs);
void kxp_vmms_print(FILE *f, const struct kxp_vmms *vs);
void kxp_vmms_json(struct jw *w, const char *key, const struct kxp_vmms *vs);
void kxp_quote_arg(FILE *f, const char *a);

/* ---- commands ---- */

int kxp_cmd_status(const struct kxp_opts *o);
int kxp_cmd_events(const struct kxp_opts *o);
int kxp_cmd_report(const struct kxp_opts *o);
int kxp_cmd_host(const struct kxp_opts *o);
int kxp_cmd_compat(const struct kxp_opts *o, const char *src,
		   const char *dst);
int kxp_cmd_prom(const struct kxp_opts *o);
int kxp_cmd_host_nfd(const char *path);
int kxp_cmd_compat_matrix(const struct kxp_opts *o, char *const *paths,
			  size_t n);

#endif /* KXP_H */
