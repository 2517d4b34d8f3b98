// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of kvm-xsave: the parsers, the JSON writer and parser, the
 * compat logic and error diagnosis, then the built binary run against the
 * fixture trees in tests/userspace/fixtures (KXP_DEBUGFS). No VM needed.
 *
 * Usage: kxp-test KVM-XSAVE-BINARY FIXTURES-DIR
 * Prints "ok N - what" / "not ok N - what", then "N passed, N failed".
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test_kxp.h"
#include "../verdict.h"

static int nr_test, nr_pass, nr_fail, nr_skip;
static const char *bin;
static const char *fixtures;
static int have_jq;

__printf(2, 3) int check(int cond, const char *fmt, ...)
{
	va_list ap;

	nr_test++;
	if (cond)
		nr_pass++;
	else
		nr_fail++;
	printf("%sok %d - ", cond ? "" : "not ", nr_test);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	return cond;
}

/* A check that cannot run here, and why. */
static __printf(2, 3) void skip(const char *what, const char *fmt, ...)
{
	va_list ap;

	nr_test++;
	nr_skip++;
	printf("ok %d - %s # SKIP ", nr_test, what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static struct kxp_buf buf_of(const char *text)
{
	struct kxp_buf b = { strdup(text), strlen(text) };

	return b;
}

static void reset_malformed(void)
{
	memset(kxp_malformed, 0, sizeof(kxp_malformed));
}

/* ---- running the binary ---- */

struct run {
	int status;		/* exit code, or 128 + signal */
	char *out;
	char *err;
};

static char *slurp_fd(int fd)
{
	struct kxp_buf b;

	lseek(fd, 0, SEEK_SET);
	if (kxp_read_fd(fd, &b))
		return strdup("");
	return b.data;
}

static int tmpfile_fd(void)
{
	char path[] = "/tmp/kxp-test.XXXXXX";
	int fd = mkstemp(path);

	if (fd >= 0)
		unlink(path);
	return fd;
}

/* Starts argv with KXP_DEBUGFS=<fixtures>/<fx>/kvm_xsave_probe. */
static pid_t start(char *const argv[], const char *dir, int in, int out,
		   int err)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	if (dir)
		setenv("KXP_DEBUGFS", dir, 1);
	unsetenv("NO_COLOR");
	alarm(60);	/* a hung kvm-xsave fails its test (exit 142) */
	if (in >= 0)
		dup2(in, 0);
	dup2(out, 1);
	dup2(err, 2);
	execvp(argv[0], argv);
	_exit(127);
}

static int finish(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void run_in(struct run *r, const char *fx, const char *input,
		   char *const argv[])
{
	char dir[1024];
	int in = -1, out = tmpfile_fd(), err = tmpfile_fd();

	snprintf(dir, sizeof(dir), "%s/%s/kvm_xsave_probe", fixtures,
		 fx ? fx : "good");
	if (input) {
		in = tmpfile_fd();
		if (write(in, input, strlen(input)) < 0)
			perror("write");
		lseek(in, 0, SEEK_SET);
	}
	r->status = finish(start(argv, dir, in, out, err));
	r->out = slurp_fd(out);
	r->err = slurp_fd(err);
	close(out);
	close(err);
	if (in >= 0)
		close(in);
}

#define RUN(r, fx, ...) \
	run_in(r, fx, NULL, (char *const[]){ (char *)bin, __VA_ARGS__, NULL })

/* argv with KXP_DEBUGFS=@dir, a module directory made by the test. */
static void run_at(struct run *r, const char *dir, char *const argv[])
{
	int out = tmpfile_fd(), err = tmpfile_fd();

	r->status = finish(start(argv, dir, -1, out, err));
	r->out = slurp_fd(out);
	r->err = slurp_fd(err);
	close(out);
	close(err);
}

/* Like RUN, with standard output on /dev/full: every write fails. */
static void run_full(struct run *r, const char *fx, char *const argv[])
{
	char dir[1024];
	int out = open("/dev/full", O_WRONLY), err = tmpfile_fd();

	snprintf(dir, sizeof(dir), "%s/%s/kvm_xsave_probe", fixtures, fx);
	r->status = finish(start(argv, dir, -1, out, err));
	r->out = strdup("");
	r->err = slurp_fd(err);
	close(out);
	close(err);
}

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle))) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

/*
 * Our own parser always; when jq is installed, also jq -e with the
 * conditions (a NULL-terminated list, joined with "and").
 */
static int json_ok(const char *text, ...)
{
	char filter[2048] = ".", *argv[4] = { "jq", "-e", filter, NULL };
	const char *cond;
	size_t used = 0;
	struct jv v;
	struct run r;
	va_list ap;
	char err[256];
	int ok;

	va_start(ap, text);
	while ((cond = va_arg(ap, const char *)))
		used += snprintf(filter + used, sizeof(filter) - used,
				 "%s(%s)", used ? " and " : "", cond);
	va_end(ap);

	if (jv_parse(text, strlen(text), &v, err, sizeof(err))) {
		printf("# own parser: %s\n", err);
		return 0;
	}
	jv_free(&v);
	if (!have_jq)
		return 1;
	run_in(&r, NULL, text, argv);
	ok = r.status == 0;
	if (!ok)
		printf("# jq '%s': exit %d %s\n", filter, r.status, r.err);
	run_free(&r);
	return ok;
}

/* ---- unit tests ---- */

static void test_names(void)
{
	char buf[256];
	u64 m;

	check(!strcmp(kxp_mask_str(0x207, ",", buf, sizeof(buf)),
		      "fp,sse,ymm,pkru"), "mask 0x207 decodes to fp,sse,ymm,pkru");
	check(!strcmp(kxp_mask_str(0, ",", buf, sizeof(buf)), "-"),
	      "an empty mask decodes to -");
	check(!strcmp(kxp_mask_str(0x6000ULL | 1ULL << 40, ",", buf,
				   sizeof(buf)), "bit13,bit14,bit40"),
	      "unnamed bits decode to bitN");
	check(!strcmp(kxp_mask_str(0x60000, "+", buf, sizeof(buf)),
		      "xtile_cfg+xtile_data"), "AMX bits with a + separator");
	check(kxp_feature_bit("xtile_data") == 18 &&
	      kxp_feature_bit("bit13") == 13 && kxp_feature_bit("apx") == 19 &&
	      kxp_feature_bit("bogus") == -1 && kxp_feature_bit("bit64") == -1,
	      "feature names map back to bits");
	check(!kxp_names_to_mask("opmask+zmm_hi256+hi16_zmm", '+', &m) &&
	      m == 0xe0, "names_to_mask(opmask+zmm_hi256+hi16_zmm) = 0xe0");
	check(kxp_names_to_mask("fp,newthing", ',', &m) == 1 && m == 1,
	      "names_to_mask counts unknown names");
}

static void test_numbers(void)
{
	u64 v;
	s64 s;

	check(!kxp_parse_u64("0x1f", 16, &v) && v == 31, "hex 0x1f");
	check(kxp_parse_u64("1f", 16, &v) && kxp_parse_u64("0x", 16, &v) &&
	      kxp_parse_u64("12x", 10, &v) && kxp_parse_u64("", 10, &v) &&
	      kxp_parse_u64("-1", 10, &v) && kxp_parse_u64(" 1", 10, &v),
	      "bad numbers are refused");
	check(kxp_parse_u64("0x10000000000000000", 16, &v) == -ERANGE,
	      "u64 overflow is refused");
	check(!kxp_parse_s64("-22", &s) && s == -22, "signed -22");
}

static void test_lines(void)
{
	struct kxp_buf b = buf_of("one\ntwo\r\n\nthr");
	struct kxp_lines it;
	char *l1, *l2, *l3, *l4;

	kxp_lines_init(&it, &b);
	l1 = kxp_lines_next(&it);
	l2 = kxp_lines_next(&it);
	l3 = kxp_lines_next(&it);
	l4 = kxp_lines_next(&it);
	check(l1 && !strcmp(l1, "one") && l2 && !strcmp(l2, "two") && l3 &&
	      !*l3 && !l4 && it.partial == 1,
	      "lines: CRLF trimmed, a last line without newline is dropped");
	kxp_buf_free(&b);
}

static void test_info(void)
{
	struct kxp_buf b = buf_of("version: 0.1.0\n"
		"format: 1\n"
		"garbage line\n"
		"kernel: 6.1.0\n"
		"probe.kvm_arch_vcpu_ioctl: armed nmissed=3\n"
		"probe.fpu_copy_uabi_to_guest_fpstate: failed(-2) nmissed=0\n"
		"trait.fpu_guest_perm: yes\n"
		"trait.bad: maybe\n"
		"host_xcr0: 0x2e7 fp,sse,ymm,opmask,zmm_hi256,hi16_zmm,pkru\n"
		"host_xss: 0x0\n"
		"kvm_supported_xcr0: unknown\n"
		"mxcsr_feature_mask: 0xffff\n"
		"xfeature.ymm: size=256 offset=576\n"
		"xfeature.newfeat: size=8 offset=9000\n"
		"a_new_key: whatever\n"
		"ring_size: 1024\n"
		"log_all: 1\n"
		"ring_si");
	struct kxp_info in;

	reset_malformed();
	kxp_info_parse(&b, &in);
	check(in.have_format && in.format == 1 &&
	      !strcmp(in.version, "0.1.0") && !strcmp(in.kernel, "6.1.0"),
	      "info: version, format, kernel");
	check(in.nr_probes == 2 && in.probes[0].nmissed == 3 &&
	      !strcmp(in.probes[1].state, "failed(-2)"),
	      "info: probes with state and nmissed");
	check(in.nr_traits == 1 && in.traits[0].yes, "info: traits");
	check(in.have_host_xcr0 && in.host_xcr0 == 0x2e7 &&
	      in.have_host_xss && !in.host_xss, "info: host masks");
	check(!in.have_kvm_xcr0, "info: kvm_supported_xcr0 unknown");
	check(in.nr_xfeat == 2 && in.xfeat[0].bit == 2 &&
	      in.xfeat[0].offset == 576 && in.xfeat[1].bit == -1,
	      "info: xfeatures, unknown names kept with bit -1");
	check(in.have_ring_size && in.ring_size == 1024 && in.log_all == 1,
	      "info: ring_size and log_all");
	check(kxp_malformed[KXP_SRC_INFO] == 2,
	      "info: 2 malformed lines counted, unknown key and cut line not");
	kxp_buf_free(&b);
	b = buf_of("trait.a: yes\ntrait.b: no\ntrait.a: no\n");
	kxp_info_parse(&b, &in);
	check(in.nr_traits == 2 && !strcmp(in.traits[0].name, "a") &&
	      !in.traits[0].yes,
	      "info: a repeated trait replaces the first (unique JSON names)");
	kxp_buf_free(&b);
}

static void test_stats(void)
{
	struct kxp_buf b = buf_of("events_total: 10\nnew_counter: 4\n"
				  "events_dropped: x\nseq_next: 12\n"
				  "probe_missed: 2\nresets: 1");
	struct kxp_stats st;

	reset_malformed();
	kxp_stats_parse(&b, &st);
	check(st.have[KXP_ST_EVENTS_TOTAL] && st.v[KXP_ST_EVENTS_TOTAL] == 10 &&
	      st.v[KXP_ST_SEQ_NEXT] == 12 && st.v[KXP_ST_PROBE_MISSED] == 2,
	      "stats: values");
	check(!st.have[KXP_ST_EVENTS_DROPPED] && !st.have[KXP_ST_RESETS] &&
	      kxp_malformed[KXP_SRC_STATS] == 1,
	      "stats: bad value skipped, cut last line ignored");
	kxp_buf_free(&b);
}

static void test_vcpus(void)
{
	static const char text[] =
		"vm vcpu extra pid comm guest_supported_xcr0 xcr0 user_xfeatures xfd set_xsave rejected_loads get_xsave trimmed_gets stripped_bits set_xcrs rejected_xcrs problems\n"
		"812-11 1 z 812 qemu 0x207 0x207 0x207 0x0 14 3 220 0 0x40000 2 0 rejected=opmask+zmm_hi256;stripped=xtile_data\n"
		"812-11 2 z 812 qemu 0x207\n"
		"812-11 3 z 812 qemu 0x207 0x207 0x207 0x0 14 3 220 0 nothex 2 0 -\n"
		"930-12 0 z 930 qemu 0x7 0x7 0x7 0x0 1 0 1 0 0x0 0 0 -\n"
		"930-12 1 z 930 qe";
	struct kxp_buf b = buf_of(text);
	struct kxp_vcpus vs = { 0 };
	struct kxp_problem p;
	const char *cur;

	reset_malformed();
	kxp_vcpus_parse(&b, &vs);
	check(vs.n == 2 && kxp_malformed[KXP_SRC_VCPUS] == 2,
	      "vcpus: 2 rows, 2 malformed, cut last row ignored");
	check(vs.n == 2 && vs.v[0].vcpu == 1 && vs.v[0].pid == 812 &&
	      vs.v[0].rejected_loads == 3 && vs.v[0].stripped_bits == 0x40000,
	      "vcpus: columns found by header name, extra column ignored");
	cur = vs.n ? vs.v[0].problems : "-";
	check(kxp_problem_next(&cur, &p) && !strcmp(p.kind, "rejected") &&
	      p.mask == 0x60 && !strcmp(p.names, "opmask,zmm_hi256") &&
	      kxp_problem_next(&cur, &p) && !strcmp(p.kind, "stripped") &&
	      p.mask == 1ULL << 18 && !kxp_problem_next(&cur, &p),
	      "vcpus: problems column parsed");
	cur = "rejected=compacted";
	check(kxp_problem_next(&cur, &p) && !strcmp(p.reason, "compacted") &&
	      !p.mask, "problems: rejected=<reason>");
	cur = "cr4=osxsave+pke;cr4=other";
	check(kxp_problem_next(&cur, &p) && !strcmp(p.kind, "cr4") &&
	      p.mask == (1ULL << 18 | 1ULL << 22) &&
	      !strcmp(p.names, "osxsave,pke") && kxp_problem_next(&cur, &p) &&
	      !strcmp(p.reason, "other") && !p.mask,
	      "problems: cr4=<CR4 names> decoded as CR4 bits, cr4=<reason>");
	kxp_vcpus_free(&vs);
	kxp_buf_free(&b);
	b = buf_of("vm vcpu pid comm problems set_sregs rejected_sregs\n"
		   "1-2 0 1 q cr4=pke 5 1\n");
	kxp_vcpus_parse(&b, &vs);
	check(vs.n == 1 && vs.v[0].set_sregs == 5 &&
	      vs.v[0].rejected_sregs == 1 &&
	      (vs.v[0].have & 1U << KXP_VC_REJECTED_SREGS),
	      "vcpus: set_sregs, rejected_sregs columns");
	kxp_vcpus_free(&vs);
	kxp_buf_free(&b);
}

static void test_events(void)
{
	static const char text[] =
		"seq=5 ts=1.5 pid=1 tid=2 comm=q vm=1-2 vcpu=0 op=set_xsave ret=-22 reason=unsupported xstate_bv=0x2e7 mask=0x207 bits=0xe0 names=opmask,zmm_hi256,hi16_zmm\n"
		"seq=6 ts=1.6 pid=1 tid=2 comm=q vm=1-2 vcpu=0 op=set_xsave ret=0 new=1 reason=ok xstate_bv=0x7 mask=0x207 bits=0x0 names=-\n"
		"seq=7 ts=1.7 op=set_xsave xstate_bv=zz\n"
		"ts=1.8 op=get_xsave\n"
		"seq=6 ts=1.9 op=get_xsave\n"
		"no equals here\n"
		"seq=9 ts=2.0 pid=1 tid=2 comm=q vm=1-2 vcpu=-1 op=set_cpuid ret=0 reason=changed xstate_bv=0x7 mask=0x3 bits=0x4 names=ymm\n"
		"seq=10 ts=2.1 op=get";
	struct kxp_buf b = buf_of(text);
	struct kxp_events evs = { 0 };

	reset_malformed();
	kxp_events_parse(&b, &evs);
	check(evs.n == 4 && kxp_malformed[KXP_SRC_EVENTS] == 4,
	      "events: 4 kept (one as a seq-only placeholder), 4 malformed");
	check(evs.n == 4 && evs.v[0].seq == 5 && evs.v[0].ret == -22 &&
	      evs.v[0].bits == 0xe0 &&
	      !strcmp(evs.v[0].reason, "unsupported") &&
	      !strcmp(evs.v[0].vm, "1-2"), "events: fields");
	check(evs.n == 4 && evs.v[1].seq == 6 && !evs.v[1].malformed,
	      "events: an unknown key is ignored");
	check(evs.n == 4 && evs.v[2].seq == 7 && evs.v[2].malformed,
	      "events: a bad line with a seq keeps its place (no fake gap)");
	check(evs.n == 4 && evs.v[3].seq == 9 && evs.v[3].vcpu == -1,
	      "events: vcpu=-1 accepted");
	kxp_events_free(&evs);
	kxp_buf_free(&b);
}

static void test_event_without_header(void)
{
	char line[] = "seq=11 ts=2.2 pid=1 tid=2 comm=q vm=1-2 vcpu=0 op=set_xsave ret=-14 reason=fault xstate_bv=- mask=0x207 bits=0x0 names=-";
	struct kxp_event ev;

	check(!kxp_event_parse_line(line, &ev) && !ev.malformed &&
	      ev.xstate_bv == 0 && ev.ret == -14 &&
	      !strcmp(ev.reason, "fault"),
	      "events: xstate_bv=- (no header read) parses, as 0");
}

static void test_json_writer(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct jw w;
	struct jv v;
	const struct jv *x;
	char err[256];
	u64 n;

	jw_init(&w, f, 1);
	jw_obj(&w, NULL);
	jw_header(&w, "test");
	jw_mask(&w, "xcr0", 0x207);
	jw_str(&w, "weird", "q\"b\\s\n\t\x01\xff\xc3\xa9");
	jw_null(&w, "nothing");
	jw_s64(&w, "neg", -22);
	jw_arr(&w, "list");
	jw_obj(&w, NULL);
	jw_bool(&w, "t", 1);
	jw_obj_end(&w);
	jw_arr_end(&w);
	jw_names(&w, "empty", "-", ',');
	jw_obj_end(&w);
	jw_finish(&w);
	fclose(f);
	check(strstr(text, "\"xcr0\": \"0x207\"") &&
	      strstr(text, "\"xcr0_names\": [\"fp\", \"sse\", \"ymm\", \"pkru\"]"),
	      "json: a mask is a hex string plus a name array");
	check(!jv_parse(text, len, &v, err, sizeof(err)),
	      "json: writer output parses (%s)", err);
	x = jv_get(&v, "weird");
	check(x && x->type == JV_STR &&
	      !strcmp(x->s, "q\"b\\s\n\t\x01\xef\xbf\xbd\xc3\xa9"),
	      "json: escapes round-trip, invalid UTF-8 becomes U+FFFD");
	check(!jv_u64(jv_get(&v, "schema"), &n) && n == KXP_JSON_SCHEMA &&
	      jv_get(&v, "nothing")->type == JV_NULL &&
	      jv_get(&v, "empty")->type == JV_ARR &&
	      !jv_get(&v, "empty")->n, "json: schema, null, empty array");
	check(json_ok(text,
		      ".xcr0_names == [\"fp\",\"sse\",\"ymm\",\"pkru\"]",
		      NULL),
	      "json: writer output accepted by jq%s",
	      have_jq ? "" : " (jq not installed: own parser only)");
	jv_free(&v);
	free(text);
}

static void test_json_parser(void)
{
	static const char *const bad[] = {
		"", "{", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "\"\\x\"", "01",
		"1.", "-", "tru", "[1] x", "{\"a\":1,\"a\":2}", "\"\\ud800\"",
		"\"a\tb\"", "{1:2}", "[\"unterminated]", "1e", "nul",
	};
	const char *good =
		"\xef\xbb\xbf {\"a\" : [1, -2.5e3, true, false, null, \"\\u00e9\\ud83d\\ude00\\/\"],\r\n"
		"\"b\":{}}\n";
	char deep[300], err[256], big[512];
	struct jv v;
	unsigned int i, rejected = 0;

	for (i = 0; i < KXP_ARRAY_SIZE(bad); i++) {
		if (jv_parse(bad[i], strlen(bad[i]), &v, err, sizeof(err)))
			rejected++;
		else
			printf("# accepted bad JSON: %s\n", bad[i]);
	}
	check(rejected == KXP_ARRAY_SIZE(bad),
	      "jsonp: %u malformed documents rejected", rejected);
	check(jv_parse("{\"a\":\n  [1,,2]}", 14, &v, err, sizeof(err)) &&
	      strstr(err, "line 2, column 6"),
	      "jsonp: errors give line and column (%s)", err);
	check(jv_parse("[1,\0]", 5, &v, err, sizeof(err)),
	      "jsonp: a NUL byte is rejected");
	/* Past 16 members, duplicates are found by sorting the names. */
	big[0] = '{';
	big[1] = '\0';
	for (i = 0; i < 40; i++)
		snprintf(big + strlen(big), sizeof(big) - strlen(big),
			 "%s\"k%u\":%u", i ? "," : "", i, i);
	strcat(big, "}");
	check(!jv_parse(big, strlen(big), &v, err, sizeof(err)) &&
	      v.n == 40 && jv_get(&v, "k39")->type == JV_NUM,
	      "jsonp: an object of 40 distinct members");
	jv_free(&v);
	strcpy(strrchr(big, '}'), ",\"k7\":1}");
	check(jv_parse(big, strlen(big), &v, err, sizeof(err)) &&
	      strstr(err, "duplicate"),
	      "jsonp: a duplicate 41st member is refused (%s)", err);
	memset(deep, '[', 150);
	memset(deep + 150, ']', 150);
	check(jv_parse(deep, 300, &v, err, sizeof(err)) &&
	      strstr(err, "too deep"), "jsonp: nesting depth is limited");
	check(!jv_parse(good, strlen(good), &v, err, sizeof(err)) &&
	      jv_get(&v, "a")->n == 6 &&
	      !strcmp(jv_get(&v, "a")->items[5].s,
		      "\xc3\xa9\xf0\x9f\x98\x80/"),
	      "jsonp: BOM, whitespace, escapes and surrogate pairs");
	jv_free(&v);
}

/* The verdict of @reason with @bits on a host whose KVM loads 0x207. */
static const struct kxp_verdict *verdict(const char *op, const char *reason,
					 u64 bits, int have_req, u64 req,
					 int get_trims)
{
	static struct kxp_verdict v;
	struct kxp_vfacts f = {
		.op = op, .reason = reason, .bits = bits,
		.have_requested = have_req, .requested_xcr0 = req,
		.have_kvm_xcr0 = 1, .kvm_xcr0 = 0x207,
		.contract = { .get_trims = get_trims, .strips_xfd = -1,
			      .protected_refused = -1 },
	};

	kxp_verdict_of(&f, &v);
	return &v;
}

static int verdict_is(const struct kxp_verdict *v, const char *id,
		      enum kxp_severity sev, enum kxp_exposed exp)
{
	return !strcmp(v->def->id, id) && v->def->severity == sev &&
	       v->exposed == exp && *v->summary && *v->cause && *v->remedy &&
	       !strchr(v->summary, '%') && !strchr(v->remedy, '%');
}

static void test_verdicts(void)
{
	const struct kxp_verdict *v;
	size_t i, j;
	int dup = 0;

	for (i = 0; i < kxp_nr_verdict_defs; i++)
		for (j = i + 1; j < kxp_nr_verdict_defs; j++)
			dup |= !strcmp(kxp_verdict_def_at(i)->id,
				       kxp_verdict_def_at(j)->id);
	check(!dup && kxp_nr_verdict_defs == 24, "verdicts: 24, ids unique");
	for (i = 0, j = 0; kxp_reason_name(i); i++) {
		v = verdict("set_xsave", kxp_reason_name(i), 0x200, 1, 0x7, 1);
		j += !strcmp(v->def->id, "unexplained") &&
		     strcmp(kxp_reason_name(i), "other");
	}
	check(!j, "verdicts: every module reason but other has its own");
	check(verdict_is(verdict("set_xsave", "unsupported", 0x200, 1, 0x207, 1),
			 "host_lacks_requested_feature", KXP_SEV_ERROR,
			 KXP_EXPOSED_YES),
	      "verdict: refused bits the CPUID asks for: the host lacks them");
	check(verdict_is(verdict("set_xsave", "unsupported", 0x200, 1, 0x7, 1),
			 "state_for_unexposed_feature", KXP_SEV_WARNING,
			 KXP_EXPOSED_UNKNOWN),
	      "verdict: refused bits the CPUID does not ask for: undecidable here");
	check(verdict_is(verdict("set_xsave", "unsupported", 0x200, 0, 0, 1),
			 "host_lacks_feature_cpuid_unknown", KXP_SEV_ERROR,
			 KXP_EXPOSED_UNKNOWN),
	      "verdict: CPUID unknown gives exposed null, no guess");
	v = verdict("set_xsave", "not_permitted", 0x4, 1, 0x3, 0);
	check(verdict_is(v, "known_regression_not_permitted", KXP_SEV_ERROR,
			 KXP_EXPOSED_NO) && strstr(v->cause, "8647c52e9504") &&
	      strstr(v->remedy, "6.1.60"),
	      "verdict: not_permitted before the 2023 fix is the known regression, with its fix");
	check(verdict_is(verdict("set_xsave", "not_permitted", 0x60000, 1,
				 0x602e7, 1),
			 "dynamic_feature_not_permitted", KXP_SEV_ERROR,
			 KXP_EXPOSED_UNKNOWN),
	      "verdict: not_permitted with the fix: a dynamic feature without permission");
	check(verdict_is(verdict("get_xsave", "size", 0, 1, 0x602e7, 1),
			 "needs_xsave2", KXP_SEV_ERROR, KXP_EXPOSED_UNKNOWN),
	      "verdict: GET_XSAVE of AMX state needs KVM_GET_XSAVE2");
	check(verdict_is(verdict("set_xsave", "xfd_stripped", 0x40000, 1,
				 0x602e7, 1),
			 "xfd_stripped", KXP_SEV_INFO, KXP_EXPOSED_NO),
	      "verdict: an XFD strip is informational");
	check(verdict_is(verdict("set_xsave", "protected_state", 0, 1, 0x7, 1),
			 "protected_state", KXP_SEV_INFO, KXP_EXPOSED_UNKNOWN),
	      "verdict: a protected-state vCPU is informational, not a mismatch");
	v = verdict("get_xsave2", "trimmed", 0x200, 1, 0x207, 1);
	check(verdict_is(v, "trimmed_by_contract", KXP_SEV_INFO, KXP_EXPOSED_NO) &&
	      strstr(v->cause, "Configuration note"),
	      "verdict: a trim of requested bits the host lacks adds a configuration note");
	v = verdict("set_xsave", "unsupported", 0xe0, 1, 0x2e7, 1);
	check(strstr(v->remedy, "-cpu MODEL,-avx512f") &&
	      strstr(v->remedy, "<feature policy='disable' name='avx512f'/>"),
	      "verdict: AVX-512 state maps to avx512f, in QEMU's and libvirt's terms");
	v = verdict("set_sregs", "cr4_reserved", 1ULL << 22, 1, 0x7, 1);
	check(verdict_is(v, "cr4_gate_not_exposed", KXP_SEV_ERROR,
			 KXP_EXPOSED_YES),
	      "verdict: CR4.PKE refused is the PKRU gate");
}

static void test_compat(void)
{
	struct kxp_hostcap src = { .have_xcr0 = 1, .xcr0 = 0x207,
				   .have_size = 1, .size = 4096 };
	struct kxp_hostcap dst = { .have_xcr0 = 1, .xcr0 = 0x7,
				   .have_size = 1, .size = 4096 };
	struct kxp_compat r;

	kxp_compat_eval(&src, &dst, &r);
	check(r.refused == 0x200 && r.incompatible,
	      "compat: 0x207 -> 0x7 refuses pkru");
	kxp_compat_eval(&dst, &src, &r);
	check(!r.refused && !r.incompatible, "compat: 0x7 -> 0x207 is fine");
	dst.xcr0 = 0x207;
	dst.size = 2600;
	src.feat[9] = (struct kxp_feat_layout){ 1, 8, 2688, 0 };
	dst.feat[9] = (struct kxp_feat_layout){ 1, 8, 2592, 0 };
	kxp_compat_eval(&src, &dst, &r);
	check(!r.refused && r.trimmed == 0x200 && r.bigger &&
	      r.layout == 0x200 && r.incompatible,
	      "compat: state beyond DST's XSAVE2 size is trimmed");
}

static void test_diagnose(void)
{
	struct kxp_err e;
	char dir[1024], lock[1024];

	snprintf(dir, sizeof(dir), "%s/good/kvm_xsave_probe", fixtures);
	setenv("KXP_DEBUGFS", dir, 1);
	kxp_diagnose(EACCES, "x/info", &e);
	check(e.code == KXP_EXIT_ACCESS && strstr(e.msg, "root"),
	      "diagnose: EACCES means not root");
	snprintf(lock, sizeof(lock), "%s/lockdown/integrity", fixtures);
	setenv("KXP_LOCKDOWN", lock, 1);
	kxp_diagnose(EPERM, "x/info", &e);
	check(e.code == KXP_EXIT_LOCKDOWN && strstr(e.msg, "lockdown") &&
	      strstr(e.msg, "\"integrity\""),
	      "diagnose: EPERM under lockdown names the mode");
	snprintf(lock, sizeof(lock), "%s/lockdown/none", fixtures);
	setenv("KXP_LOCKDOWN", lock, 1);
	kxp_diagnose(EPERM, "x/info", &e);
	check(e.code == KXP_EXIT_LOCKDOWN && strstr(e.msg, "not active"),
	      "diagnose: EPERM without lockdown points elsewhere");
	kxp_diagnose(EIO, "x/info", &e);
	check(e.code == KXP_EXIT_FAIL && strstr(e.msg, "EIO"),
	      "diagnose: EIO explained");
	snprintf(dir, sizeof(dir), "%s/nomodule/kvm_xsave_probe", fixtures);
	setenv("KXP_DEBUGFS", dir, 1);
	kxp_diagnose(ENOENT, dir, &e);
	check(e.code == KXP_EXIT_NO_MODULE && strstr(e.msg, "modprobe"),
	      "diagnose: missing directory means module not loaded");
	snprintf(dir, sizeof(dir), "%s/unmounted/kvm_xsave_probe", fixtures);
	setenv("KXP_DEBUGFS", dir, 1);
	kxp_diagnose(ENOENT, dir, &e);
	check(e.code == KXP_EXIT_NO_DEBUGFS && strstr(e.msg, "mount -t"),
	      "diagnose: empty mount point means debugfs not mounted");
	unsetenv("KXP_DEBUGFS");
	unsetenv("KXP_LOCKDOWN");
}

/* ---- the binary against the fixtures ---- */

static void test_status(void)
{
	struct run r;

	RUN(&r, "good", "status");
	check(r.status == 0 && strstr(r.out, "KVM-supported XCR0 0x207") &&
	      strstr(r.out, "! 812-11") &&
	      strstr(r.out, "opmask, zmm_hi256, hi16_zmm") &&
	      strstr(r.out, "rejected load x3 (unsupported) [state_for_unexposed_feature]") &&
	      strstr(r.out, "rejected load x1 (compacted) [malformed_buffer]") &&
	      strstr(r.out, "[xcr0_outside_cpuid]") &&
	      !strstr(r.out, "trimmed GET") &&
	      strstr(r.out, "1 informational finding not shown") &&
	      !*r.err, "status: good fixture, verdicts named, the trim counted only");
	run_free(&r);
	RUN(&r, "good", "status", "--all");
	check(r.status == 0 &&
	      strstr(r.out, "(info) trimmed GET x2 [trimmed_by_contract]") &&
	      strstr(r.out, "what to do: ") &&
	      !strstr(r.out, "informational finding"),
	      "status --all: informational verdicts in full");
	run_free(&r);
	RUN(&r, "trim_only", "status");
	check(r.status == 0 && strstr(r.out, "0 with problems") &&
	      !strstr(r.out, "! 930-12"),
	      "status: a vCPU with only a trim the contract requires is not marked");
	check(!strchr(r.out, '\033'), "status: no colour when not a terminal");
	run_free(&r);
	RUN(&r, "good", "--color=always");
	check(r.status == 0 && strchr(r.out, '\033'),
	      "status: --color=always colours");
	run_free(&r);
	RUN(&r, "good", "--color");
	check(r.status == 0 && strchr(r.out, '\033'),
	      "status: bare --color means always");
	run_free(&r);
	RUN(&r, "good", "status", "--json");
	check(r.status == 0 &&
	      json_ok(r.out,
		      ".schema == 1",
		      "(.vcpus | length) == 4",
		      ".vcpus[1].problems[0].bits_names == [\"opmask\",\"zmm_hi256\",\"hi16_zmm\"]",
		      NULL),
	      "status --json: valid, 4 vCPUs, problem names");
	run_free(&r);
	RUN(&r, "malformed", "status");
	check(r.status == 0 && count(r.err, "warning: info") == 1 &&
	      count(r.err, "warning: stats") == 1 &&
	      count(r.err, "warning: vcpus") == 1 &&
	      strstr(r.out, "812-11"),
	      "status: malformed lines skipped, one warning per file");
	run_free(&r);
	RUN(&r, "truncated", "--json");
	check(r.status == 0 && !*r.err &&
	      json_ok(r.out,
		      "(.vcpus | length) == 4",
		      ".stats.resets == 0",
		      ".module.log_all == null",
		      NULL),
	      "status: truncated last lines ignored silently");
	run_free(&r);
	RUN(&r, "unknown_keys", "--json");
	check(r.status == 0 && !*r.err &&
	      json_ok(r.out,
		      "(.vcpus | length) == 4",
		      ".vcpus[2].user_xfeatures == \"0x207\"",
		      ".vcpus[2].pid == 930",
		      NULL),
	      "status: unknown keys and columns ignored");
	run_free(&r);
	RUN(&r, "dirs_only", "status");
	check(r.status == 0 && !*r.err && strstr(r.out, "4 vCPUs") &&
	      strstr(r.out, "vCPU directories") &&
	      strstr(r.out, "rejected load (compacted) [malformed_buffer]"),
	      "status: no vcpus table, directories walked, vanished one skipped");
	run_free(&r);
	RUN(&r, "amx", "status", "--all");
	check(r.status == 0 &&
	      strstr(r.out, "(info) stripped by XFD [xfd_stripped]") &&
	      strstr(r.out, "rejected load x2 (mxcsr) [malformed_buffer]") &&
	      strstr(r.out, "[dynamic_feature_not_permitted]") &&
	      strstr(r.out, "failed GET x1 (size) [needs_xsave2]") &&
	      strstr(r.out, "xtile_cfg, xtile_data") &&
	      strstr(r.out, "0x40000") &&
	      strstr(r.out, "kvm_arch_vcpu_destroy: failed(-2)") &&
	      strstr(r.out, "probe_missed=2") &&
	      strstr(r.out, "classify_mismatch=1"),
	      "status: XFD strip, reason-only reject, probe warnings");
	run_free(&r);
	RUN(&r, "amx", "--json");
	check(r.status == 0 &&
	      json_ok(r.out,
		      ".vcpus[0].problems[0] | (.kind == \"rejected\" and .reason == \"mxcsr\" and .bits == null and .bits_names == null and .verdict.id == \"malformed_buffer\" and .verdict.severity == \"error\" and .verdict.exposed == null)",
		      ".vcpus[0].problems[1].verdict.id == \"xfd_stripped\"",
		      ".vcpus[1].verdicts | map(.verdict.id) == [\"dynamic_feature_not_permitted\", \"needs_xsave2\", \"cpuid_refused\"]",
		      ".vcpus[0].problems[1].bits_names == [\"xtile_data\"]",
		      ".vcpus[0].xfd_names == [\"xtile_data\"]",
		      NULL),
	      "status --json: reason-only and stripped problems");
	run_free(&r);
	RUN(&r, "amx", "events", "--json");
	check(r.status == 0 &&
	      json_ok(r.out,
		      ".events | map(.verdict.id) == [\"xfd_stripped\", \"malformed_buffer\", \"dynamic_feature_not_permitted\", \"needs_xsave2\", \"cpuid_refused\", \"protected_state\"]",
		      ".events[5] | .ret == 0 and .verdict.severity == \"info\" and .requested_xcr0 == \"0x602e7\"",
		      ".events[0].requested_xcr0 == null",
		      NULL),
	      "events --json: a verdict on every event, requested_xcr0 where the module gave it");
	run_free(&r);
	RUN(&r, "good", "events", "-v");
	check(r.status == 0 &&
	      strstr(r.out, "unsupported [state_for_unexposed_feature]: ") &&
	      strstr(r.out, "    what to do: Decide it on the source") &&
	      strstr(r.out, "<feature policy='disable' name='avx512f'/>"),
	      "events -v: the verdict's summary and remedy under each event");
	run_free(&r);
	RUN(&r, "good", "prom");
	check(r.status == 0 &&
	      strstr(r.out, "kvm_xsave_vcpu_rejected_loads_by_verdict_total{vm=\"812-11\",vcpu=\"1\",comm=\"qemu-system-x86\",op=\"set_xsave\",reason=\"unsupported\",verdict=\"state_for_unexposed_feature\",severity=\"warning\"} 3") &&
	      strstr(r.out, "kvm_xsave_vcpu_verdict{vm=\"930-12\",vcpu=\"0\",comm=\"qemu-kvm\",op=\"get_xsave2\",reason=\"trimmed\",verdict=\"trimmed_by_contract\",severity=\"info\"} 1") &&
	      strstr(r.out, "kvm_xsave_vcpu_problem{vm=\"812-11\",vcpu=\"0\",comm=\"qemu-system-x86\"} 0"),
	      "prom: failed calls by verdict and severity, one gauge per verdict");
	run_free(&r);
	RUN(&r, "good", "report");
	check(r.status == 0 &&
	      strstr(r.out, "==== Diagnosis ====\nxcr0_outside_cpuid [error, exposed]") &&
	      strstr(r.out, "state_for_unexposed_feature [warning, exposed: unknown]") &&
	      strstr(r.out, "Affects: 812-11 vCPU 1") &&
	      strstr(r.out, "trimmed_by_contract [info, not exposed]"),
	      "report: a Diagnosis first, errors before warnings before info");
	run_free(&r);
	RUN(&r, "amx", "events");
	check(r.status == 0 &&
	      strstr(r.out, "XFD 0x40000 stripped state") &&
	      strstr(r.out, "reserved MXCSR bits 0xffff0000") &&
	      strstr(r.out, "outside user_xfeatures 0x2e7") &&
	      strstr(r.out, "get_xsave -E2BIG size") &&
	      strstr(r.out, "KVM refused the CPUID"),
	      "events: XFD strip, mxcsr, not_permitted, size, CPUID decoded");
	run_free(&r);
	RUN(&r, "empty", "status");
	check(r.status == 0 && strstr(r.out, "No vCPUs tracked") &&
	      strstr(r.out, "unknown"), "status: module with nothing seen");
	run_free(&r);
}

static void test_errors(void)
{
	struct run r;

	RUN(&r, "newer_format", "status");
	check(r.status == KXP_EXIT_FORMAT &&
	      strstr(r.err, "writes debugfs format 2, newer than format 1, the only one this kvm-xsave"),
	      "newer format version refused, exit 7, compares formats, not versions");
	run_free(&r);
	RUN(&r, "nomodule", "status");
	check(r.status == KXP_EXIT_NO_MODULE &&
	      strstr(r.err, "modprobe kvm_xsave_probe") &&
	      strstr(r.err, "insmod"),
	      "module not loaded: exit 3, says modprobe");
	run_free(&r);
	RUN(&r, "nomodule", "events", "--json");
	check(r.status == KXP_EXIT_NO_MODULE &&
	      json_ok(r.out,
		      ".error.id == \"module_not_loaded\"",
		      ".error.exit_code == 3",
		      NULL),
	      "module not loaded: --json gives an error document");
	run_free(&r);
	RUN(&r, "unmounted", "status");
	check(r.status == KXP_EXIT_NO_DEBUGFS &&
	      strstr(r.err, "mount -t debugfs none"),
	      "debugfs not mounted: exit 4, says mount");
	run_free(&r);
}

static void test_events_cmd(void)
{
	struct run r;

	RUN(&r, "good", "events");
	check(r.status == 0 && count(r.out, "\n#") + (r.out[0] == '#') == 8 &&
	      strstr(r.out, "set_xsave -EINVAL unsupported") &&
	      !strstr(r.out, "dropped"), "events: 8 decoded, no gap");
	run_free(&r);
	RUN(&r, "ring_gap", "events");
	check(r.status == 0 && strstr(r.out, "3 events dropped"),
	      "events: a seq gap is reported as 3 events dropped");
	run_free(&r);
	RUN(&r, "ring_gap", "events", "--since", "15");
	check(r.status == 0 && strstr(r.out, "5 events dropped (seq 15..19"),
	      "events --since: lost events before the ring count as dropped");
	run_free(&r);
	RUN(&r, "ring_gap", "events", "--json");
	check(r.status == 0 &&
	      json_ok(r.out,
		      ".gaps == [{\"from_seq\":22,\"to_seq\":24,\"dropped\":3}]",
		      "(.events | length) == 4",
		      NULL),
	      "events --json: gaps listed");
	run_free(&r);
	RUN(&r, "malformed", "events", "--json");
	check(r.status == 0 && count(r.err, "warning: events") == 1 &&
	      json_ok(r.out,
		      "(.events | map(.seq)) == [10,11,12,14,15,16,17]",
		      ".gaps == []",
		      ".malformed_lines.events == 3",
		      NULL),
	      "events: malformed lines skipped without fake gaps");
	run_free(&r);
	RUN(&r, "truncated", "events", "--json");
	check(r.status == 0 && !*r.err &&
	      json_ok(r.out, "(.events | length) == 8", NULL),
	      "events: a cut last event is ignored");
	run_free(&r);
	RUN(&r, "unknown_keys", "events", "--json");
	check(r.status == 0 && !*r.err &&
	      json_ok(r.out,
		      "(.events | length) == 8",
		      ".events[2].bits_names == [\"opmask\",\"zmm_hi256\",\"hi16_zmm\"]",
		      NULL),
	      "events: unknown keys ignored");
	run_free(&r);
}

static int copy_file(const char *from, const char *to)
{
	struct kxp_buf b;
	FILE *f;

	if (kxp_read_path(from, &b))
		return -1;
	f = fopen(to, "w");
	if (!f) {
		kxp_buf_free(&b);
		return -1;
	}
	fwrite(b.data, 1, b.len, f);
	kxp_buf_free(&b);
	return fclose(f);
}

static void put_file(const char *path, const char *text)
{
	char tmp[1100];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.new", path);
	f = fopen(tmp, "w");
	if (!f)
		return;
	fputs(text, f);
	fclose(f);
	rename(tmp, path);
}

/* A module older than the reader (format 0): refused, and said so. */
static void test_older_format(void)
{
	char top[] = "/tmp/kxp-older.XXXXXX", path[512];
	struct kxp_info in;
	struct kxp_err e;

	if (!mkdtemp(top)) {
		check(0, "older format: cannot make a temporary directory");
		return;
	}
	snprintf(path, sizeof(path), "%s/info", top);
	put_file(path, "version: 0.0.1\nformat: 0\n");
	setenv("KXP_DEBUGFS", top, 1);
	check(kxp_module_check(&in, &e) && e.code == KXP_EXIT_FORMAT &&
	      strstr(e.msg, "writes debugfs format 0, older than format 1"),
	      "older format version refused, exit 7, says older");
	unsetenv("KXP_DEBUGFS");
	unlink(path);
	rmdir(top);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static void test_follow(void)
{
	char top[] = "/tmp/kxp-follow.XXXXXX", dir[256], from[1024], to[512];
	static const char *const files[] = { "info", "stats", "events" };
	char *argv[4] = { (char *)bin, "events", "-f", NULL };
	int out = tmpfile_fd(), err = tmpfile_fd(), status;
	unsigned int i;
	char *text, *errs;
	pid_t pid;

	if (!mkdtemp(top)) {
		check(0, "events -f: cannot make a temporary directory");
		return;
	}
	snprintf(dir, sizeof(dir), "%s/kvm_xsave_probe", top);
	mkdir(dir, 0700);
	for (i = 0; i < KXP_ARRAY_SIZE(files); i++) {
		snprintf(from, sizeof(from), "%s/good/kvm_xsave_probe/%s",
			 fixtures, files[i]);
		snprintf(to, sizeof(to), "%s/%s", dir, files[i]);
		copy_file(from, to);
	}
	pid = start(argv, dir, -1, out, err);
	sleep_ms(500);
	/* The ring wrapped: 17 is followed by 21, 22 (18..20 overwritten). */
	snprintf(to, sizeof(to), "%s/events", dir);
	put_file(to,
		 "seq=21 ts=2000.0 pid=812 tid=815 comm=qemu-system-x86 vm=812-11 vcpu=1 op=set_xsave ret=-22 reason=unsupported xstate_bv=0x2e7 mask=0x207 bits=0xe0 names=opmask,zmm_hi256,hi16_zmm\n"
		 "seq=22 ts=2001.0 pid=812 tid=815 comm=qemu-system-x86 vm=812-11 vcpu=1 op=set_xcrs ret=-22 reason=xcr0_unsupported xstate_bv=0x2e7 mask=0x207 bits=0xe0 names=opmask,zmm_hi256,hi16_zmm\n");
	snprintf(to, sizeof(to), "%s/stats", dir);
	put_file(to, "seq_next: 23\nevents_dropped: 3\n");
	sleep_ms(700);
	kill(pid, SIGINT);
	status = finish(pid);
	text = slurp_fd(out);
	errs = slurp_fd(err);
	check(status == 0, "events -f: SIGINT ends it cleanly (exit %d)",
	      status);
	check(strstr(text, "#17 ") && strstr(text, "#21 ") &&
	      strstr(text, "#22 ") &&
	      strstr(text, "3 events dropped (seq 18..20"),
	      "events -f: new events printed, the wrap reported as dropped");
	check(count(text, "#17 ") == 1, "events -f: nothing printed twice");
	if (*errs)
		printf("# stderr: %s\n", errs);
	free(text);
	free(errs);
	close(out);
	close(err);
	for (i = 0; i < KXP_ARRAY_SIZE(files); i++) {
		snprintf(to, sizeof(to), "%s/%s", dir, files[i]);
		unlink(to);
	}
	rmdir(dir);
	rmdir(top);
}

/* @text into a new temporary file, whose name goes to @path. */
static void write_tmp(char *path, size_t len, const char *text)
{
	int fd;

	snprintf(path, len, "/tmp/kvm-xsave-test.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		perror("write_tmp");
	if (fd >= 0)
		close(fd);
}

static void test_compat_cmd(void)
{
	char s[1024], d[1024], st[1024];
	struct run r;

#define HOST(buf, name) \
	snprintf(buf, sizeof(buf), "%s/hosts/%s", fixtures, name)
	HOST(s, "max.json");
	HOST(d, "max-nopku.json");
	RUN(&r, NULL, "compat", s, d);
	check(r.status == 1 && strstr(r.out, "refused by DST: 0x200 = pkru") &&
	      strstr(r.out, "verdict: incompatible"),
	      "compat: -cpu max (0x207) -> max,-pku (0x7): pkru refused, exit 1");
	run_free(&r);
	RUN(&r, NULL, "compat", d, s);
	check(r.status == 0 && strstr(r.out, "verdict: compatible"),
	      "compat: the other way is compatible, exit 0");
	run_free(&r);
	RUN(&r, NULL, "compat", "--json", s, d);
	check(r.status == 1 &&
	      json_ok(r.out,
		      ".verdict == \"incompatible\"",
		      ".refused_names == [\"pkru\"]",
		      NULL),
	      "compat --json: verdict and refused names");
	run_free(&r);
	/* A source status document, as the reader writes it: per live VM. */
	RUN(&r, "good", "status", "--json");
	write_tmp(st, sizeof(st), r.out);
	run_free(&r);
	RUN(&r, NULL, "compat", "--json", st, d);
	check(r.status == 1 &&
	      json_ok(r.out,
		      ".vms | length == 4",
		      ".vms[0] | .vm == \"812-11\" and .refused_names == [\"pkru\"] and .verdict.id == \"host_lacks_exposed_feature\" and .verdict.exposed == true",
		      ".vms[2] | .vm == \"930-12\" and .verdict.id == \"superfluous_state_refused\" and .verdict.exposed == false and .verdict.severity == \"warning\"",
		      ".vms[3] | .verdict == null and .unknown_because == null",
		      ".src.kvm_supported_xcr0 == null and .verdict == null",
		      NULL),
	      "compat status.json: per VM, exposed vs superfluous, exit 1");
	run_free(&r);
	RUN(&r, NULL, "compat", st, s);
	check(r.status == 0 && strstr(r.out, "0 VM vCPUs would be refused"),
	      "compat status.json -> a host with pkru: nothing refused, exit 0");
	run_free(&r);
	unlink(st);
	HOST(d, "max-reordered.json");
	RUN(&r, NULL, "compat", s, d);
	check(r.status == 0, "compat: key order and whitespace do not matter");
	run_free(&r);
	HOST(d, "max-moved.json");
	RUN(&r, NULL, "compat", s, d);
	check(r.status == 0 && strstr(r.out, "with warnings") &&
	      strstr(r.out, "must translate"),
	      "compat: a moved feature and a smaller size warn");
	run_free(&r);
	HOST(d, "report-module.json");
	RUN(&r, NULL, "compat", s, d);
	check(r.status == 1 && strstr(r.out, "module.info"),
	      "compat: a report without /dev/kvm uses the module's mask");
	run_free(&r);
	HOST(d, "malformed.json");
	RUN(&r, NULL, "compat", s, d);
	check(r.status == 2 && strstr(r.err, "not valid JSON: line 1"),
	      "compat: malformed JSON is an error, exit 2");
	run_free(&r);
	HOST(d, "newer-schema.json");
	RUN(&r, NULL, "compat", s, d);
	check(r.status == 2 && strstr(r.err, "schema 99"),
	      "compat: a newer schema is an error");
	run_free(&r);
	HOST(d, "nokvm.json");
	RUN(&r, NULL, "compat", s, d);
	check(r.status == 2 && strstr(r.err, "KVM was not usable"),
	      "compat: a host without KVM data is an error");
	run_free(&r);
	HOST(d, "not-hex.json");
	RUN(&r, NULL, "compat", s, d);
	check(r.status == 2 && strstr(r.err, "hex string"),
	      "compat: a number instead of a hex string is an error");
	run_free(&r);
	HOST(d, "does-not-exist.json");
	RUN(&r, NULL, "compat", s, d);
	check(r.status == 2 && strstr(r.err, "cannot read"),
	      "compat: a missing file is an error");
	run_free(&r);
	RUN(&r, NULL, "compat", s);
	check(r.status == 2, "compat: one file is a usage error");
	run_free(&r);
#undef HOST
}

/* Every sample line: name{labels} value */
static int prom_valid(char *text)
{
	char *line, *save = NULL;

	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		const char *p = line;

		if (!strncmp(line, "# HELP kvm_xsave_", 17) ||
		    !strncmp(line, "# TYPE kvm_xsave_", 17))
			continue;
		if (strncmp(p, "kvm_xsave_", 10))
			return 0;
		p += strspn(p, "abcdefghijklmnopqrstuvwxyz_0123456789");
		if (*p == '{') {
			p = strstr(p, "} ");
			if (!p)
				return 0;
			p++;
		}
		if (*p != ' ' || strspn(p + 1, "0123456789") != strlen(p + 1))
			return 0;
	}
	return 1;
}

static const char *const prom_want[] = {
	"kvm_xsave_vcpu_rejected_loads_total{vm=\"812-11\",vcpu=\"1\",comm=\"qemu-system-x86\"} 3\n",
	"# TYPE kvm_xsave_events_dropped_total counter\n",
	"kvm_xsave_classify_mismatch_total 0\n",
	"kvm_xsave_up 1\n",
};

static void test_prom(void)
{
	char path[] = "/tmp/kxp-prom.XXXXXX", file[64];
	unsigned int i;
	int found = 1;
	struct kxp_buf b = { 0 };	/* freed even when not read */
	struct run r;

	RUN(&r, "good", "prom");
	for (i = 0; i < KXP_ARRAY_SIZE(prom_want); i++)
		if (!strstr(r.out, prom_want[i])) {
			printf("# missing: %s", prom_want[i]);
			found = 0;
		}
	check(r.status == 0 && found, "prom: per-vCPU and global counters");
	check(prom_valid(r.out), "prom: every line is HELP, TYPE or a sample");
	run_free(&r);
	if (!mkdtemp(path)) {
		check(0, "prom -o: no temporary directory");
		return;
	}
	snprintf(file, sizeof(file), "%s/kvm_xsave.prom", path);
	RUN(&r, "nomodule", "prom", "-o", file);
	check(r.status == KXP_EXIT_NO_MODULE && !kxp_read_path(file, &b) &&
	      strstr(b.data, "kvm_xsave_up 0\n") &&
	      strstr(b.data, "reason=\"module_not_loaded\""),
	      "prom -o: module missing still writes kvm_xsave_up 0, exit 3");
	kxp_buf_free(&b);
	run_free(&r);
	unlink(file);
	rmdir(path);
}

static void test_cli(void)
{
	static const char *const cmds[] = {
		"status", "events", "report", "host", "compat", "prom",
	};
	struct run r, h;
	unsigned int i;
	char want[64];

	for (i = 0; i < KXP_ARRAY_SIZE(cmds); i++) {
		RUN(&r, NULL, (char *)cmds[i], "--help");
		RUN(&h, NULL, "help", (char *)cmds[i]);
		snprintf(want, sizeof(want), "Usage: kvm-xsave %s", cmds[i]);
		if (i == 0)
			kxp_strlcpy(want, "Usage: kvm-xsave [status]",
				    sizeof(want));
		check(r.status == 0 && strstr(r.out, want) &&
		      !strcmp(r.out, h.out),
		      "%s --help and help %s agree", cmds[i], cmds[i]);
		run_free(&r);
		run_free(&h);
	}
	RUN(&r, NULL, "--help");
	check(r.status == 0 && strstr(r.out, "Exit status") &&
	      strstr(r.out, "--color[=WHEN]") &&
	      strstr(r.out, "bare --color"), "--help");
	run_free(&r);
	RUN(&r, NULL, "host", "--help");
	check(r.status == 0 && strstr(r.out, "Exit status") &&
	      strstr(r.out, "8 KVM unusable") &&
	      strstr(r.out, "5 permission denied"),
	      "host --help gives its exit codes");
	run_free(&r);
	RUN(&r, NULL, "--version");
	check(r.status == 0 && !strncmp(r.out, "kvm-xsave ", 10) &&
	      strstr(r.out, kxp_version), "--version prints %s", kxp_version);
	run_free(&r);
	RUN(&r, NULL, "frobnicate");
	check(r.status == 2 && strstr(r.err, "no such command"),
	      "an unknown command is a usage error");
	run_free(&r);
	RUN(&r, NULL, "--bogus");
	check(r.status == 2, "an unknown option is a usage error");
	run_free(&r);
	RUN(&r, "good", "status", "-f");
	check(r.status == 2 && strstr(r.err, "does not apply"),
	      "-f with status is a usage error");
	run_free(&r);
	RUN(&r, "good", "prom", "--json");
	check(r.status == 2, "--json with prom is a usage error");
	run_free(&r);
	RUN(&r, "good", "--color=sometimes");
	check(r.status == 2, "--color=sometimes is a usage error");
	run_free(&r);
	RUN(&r, "good", "events", "--since", "x");
	check(r.status == 2, "--since needs a number");
	run_free(&r);
}

static void test_report_host(void)
{
	struct run r;

	RUN(&r, "good", "report");
	check(r.status == 0 && strstr(r.out, "==== Versions ====") &&
	      strstr(r.out, "kvm_xsave_probe: 0.1.0") &&
	      strstr(r.out, "==== kvm_xsave_probe events (raw) ====") &&
	      !strstr(r.out, "==== CPUID") &&
	      strstr(r.out, "CPUID leaf 0xD") &&
	      strstr(r.out, "==== Kernel log"), "report: sections present");
	run_free(&r);
	RUN(&r, "nomodule", "report");
	check(r.status == 0 && strstr(r.out, "==== Missing ====") &&
	      strstr(r.out, "kvm_xsave_probe data: kvm_xsave_probe is not loaded"),
	      "report: without the module it says what is missing and why");
	run_free(&r);
	RUN(&r, "good", "report", "--json");
	check(r.status == 0 &&
	      json_ok(r.out,
		      ".schema == 1",
		      ".module.available",
		      "(.module.vcpus | length) == 4",
		      "(.host | has(\"kvm_supported_xcr0\"))",
		      NULL),
	      "report --json: valid");
	run_free(&r);
	RUN(&r, NULL, "host", "--json");
	check((r.status == 0 || r.status == KXP_EXIT_NO_KVM ||
	       r.status == KXP_EXIT_ACCESS) &&
	      json_ok(r.out,
		      ".command == \"host\"",
		      "(.host.kvm_available | type) == \"boolean\"",
		      NULL),
	      "host --json: valid (exit %d on this host)", r.status);
	run_free(&r);
}

/* A module directory like the good fixture, with a full ring of @n events. */
static int make_full_ring(const char *dir, unsigned int n)
{
	static const char *const files[] = { "info", "stats", "vcpus" };
	char from[1024], to[1024];
	unsigned int i;
	FILE *f;

	if (mkdir(dir, 0700))
		return -1;
	for (i = 0; i < KXP_ARRAY_SIZE(files); i++) {
		snprintf(from, sizeof(from), "%s/good/kvm_xsave_probe/%s",
			 fixtures, files[i]);
		snprintf(to, sizeof(to), "%s/%s", dir, files[i]);
		if (copy_file(from, to))
			return -1;
	}
	snprintf(to, sizeof(to), "%s/events", dir);
	f = fopen(to, "w");
	if (!f)
		return -1;
	for (i = 0; i < n; i++)
		fprintf(f, "seq=%u ts=%u.%09u pid=812 tid=815 comm=qemu-system-x86 vm=812-11 vcpu=%u op=set_xsave ret=-22 reason=unsupported xstate_bv=0x2e7 mask=0x207 bits=0xe0 names=opmask,zmm_hi256,hi16_zmm\n",
			100 + i, 1000 + i, i * 7, i % 4);
	return fclose(f);
}

/*
 * compat on a `report --json` of a full 65536-event ring (the module's
 * largest ring_size). The targets, 1 s and 256 MB, are `make bench-reader`'s
 * to measure; this asserts the memory and a CPU time five times the target,
 * which a quadratic parser (20 s and 2.7 GB at a quarter of this) misses.
 */
static void test_compat_full_ring(void)
{
	static const char *const files[] = { "info", "stats", "vcpus", "events" };
	char top[] = "/tmp/kxp-ring.XXXXXX", dir[256], json[320];
	char *rep[4] = { (char *)bin, "report", "--json", NULL };
	char *cmp[5] = { (char *)bin, "compat", json, json, NULL };
	struct rusage ru;
	struct kxp_buf b = { 0 };
	struct jv doc;
	const struct jv *evs;
	char err[256];
	unsigned int i;
	double cpu;
	int out, st = -1, devnull = open("/dev/null", O_WRONLY);
	pid_t pid;

	if (!mkdtemp(top)) {
		check(0, "full ring: no temporary directory");
		return;
	}
	snprintf(dir, sizeof(dir), "%s/kvm_xsave_probe", top);
	snprintf(json, sizeof(json), "%s/report.json", top);
	out = open(json, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (make_full_ring(dir, 65536) || out < 0) {
		check(0, "full ring: cannot write the fixture in %s", top);
		return;
	}
	st = finish(start(rep, dir, -1, out, devnull));
	close(out);
	evs = NULL;
	if (!st && !kxp_read_path(json, &b) &&
	    !jv_parse(b.data, b.len, &doc, err, sizeof(err))) {
		evs = jv_get(jv_get(&doc, "module"), "events");
		check(evs && evs->n == 65536 && b.len > 40000000,
		      "full ring: report --json has the 65536 events (%zu MB)",
		      b.len >> 20);
		jv_free(&doc);
	} else {
		check(0, "full ring: report --json exit %d, parsed: %s", st, err);
	}
	kxp_buf_free(&b);
	pid = start(cmp, NULL, -1, devnull, devnull);
	if (pid > 0 && wait4(pid, &st, 0, &ru) == pid) {
		cpu = ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
		      (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
		/* 0 or 1: its VMs against this host's KVM, not an error. */
		check(WIFEXITED(st) && WEXITSTATUS(st) <= 1 && cpu < 5.0 &&
		      ru.ru_maxrss < 256 * 1024,
		      "full ring: compat answers in %.2f s CPU (bound 5), %ld MB RSS (bound 256)",
		      cpu, ru.ru_maxrss >> 10);
	} else {
		check(0, "full ring: compat did not run");
	}
	close(devnull);
	unlink(json);
	for (i = 0; i < KXP_ARRAY_SIZE(files); i++) {
		snprintf(json, sizeof(json), "%s/%s", dir, files[i]);
		unlink(json);
	}
	rmdir(dir);
	rmdir(top);
}

/* A copy of the good fixture with its own vcpus file, in @top. */
static int fixture_with_vcpus(char *top, const char *vcpus)
{
	static const char *const files[] = { "info", "stats", "events" };
	char from[1024], to[1024], dir[256];
	unsigned int i;

	if (!mkdtemp(top))
		return -1;
	snprintf(dir, sizeof(dir), "%s/kvm_xsave_probe", top);
	if (mkdir(dir, 0700))
		return -1;
	for (i = 0; i < KXP_ARRAY_SIZE(files); i++) {
		snprintf(from, sizeof(from), "%s/good/kvm_xsave_probe/%s",
			 fixtures, files[i]);
		snprintf(to, sizeof(to), "%s/%s", dir, files[i]);
		if (copy_file(from, to))
			return -1;
	}
	snprintf(to, sizeof(to), "%s/vcpus", dir);
	put_file(to, vcpus);
	return 0;
}

static void remove_fixture(const char *top)
{
	static const char *const files[] = { "info", "stats", "events", "vcpus" };
	char path[1024];
	unsigned int i;

	for (i = 0; i < KXP_ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "%s/kvm_xsave_probe/%s", top,
			 files[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/kvm_xsave_probe", top);
	rmdir(path);
	rmdir(top);
}

#define VCPUS_HEAD "vm vcpu pid comm guest_supported_xcr0 xcr0 user_xfeatures xfd set_xsave rejected_loads get_xsave trimmed_gets stripped_bits set_xcrs rejected_xcrs problems\n"

/* Column @col of the line holding @needle starts where the header's does. */
static int aligned(const char *out, const char *head, const char *needle,
		   const char *col_head, const char *cell)
{
	const char *h = strstr(out, head), *row = strstr(out, needle);
	const char *hc, *rc, *eol;

	if (!h || !row)
		return 0;
	while (row > out && row[-1] != '\n')
		row--;
	hc = strstr(h, col_head);
	eol = strchr(row, '\n');
	rc = strstr(row, cell);
	return hc && rc && eol && rc < eol && hc - h == rc - row;
}

/*
 * Tables grow to fit: a 7-digit pid (pid_max 4194304) and a long comm are
 * printed whole and the columns stay aligned. One rule for a problem:
 * counters without a problems entry are not one, in text, JSON and prom.
 */
static void test_table_and_problem_rule(void)
{
	char top[] = "/tmp/kxp-table.XXXXXX", dir[256];
	char *st[3] = { (char *)bin, "status", NULL };
	char *js[4] = { (char *)bin, "status", "--json", NULL };
	char *pr[3] = { (char *)bin, "prom", NULL };
	struct run r;

	if (fixture_with_vcpus(top, VCPUS_HEAD
		"4194303-11 0 4194303 qemu-system-x86 0x207 0x207 0x207 0x0 14 3 220 2 0x40000 2 1 -\n"
		"812-11 17 812 q 0x7 0x7 0x7 0x0 1 0 1 0 0x0 0 0 rejected=pkru\n")) {
		check(0, "table: cannot write the fixture");
		return;
	}
	snprintf(dir, sizeof(dir), "%s/kvm_xsave_probe", top);
	run_at(&r, dir, st);
	check(r.status == 0 && strstr(r.out, " qemu-system-x86 4194303 ") &&
	      aligned(r.out, "  VM ", "4194303-11", "GUEST-XCR0", "0x207") &&
	      aligned(r.out, "  VM ", "812-11 ", "GUEST-XCR0", "0x7") &&
	      aligned(r.out, "  VM ", "4194303-11", "STRIPPED", "0x40000"),
	      "table: a 7-digit pid and its comm whole, columns aligned");
	check(strstr(r.out, "  4194303-11 ") && strstr(r.out, "! 812-11 ") &&
	      strstr(r.out, "2 vCPUs, 1 with problems"),
	      "problem rule: counters alone are no '!', a problems entry is");
	run_free(&r);
	run_at(&r, dir, js);
	check(r.status == 0 &&
	      json_ok(r.out, ".vcpus[1].problems == []",
		      ".vcpus[0].problems[0].bits_names == [\"pkru\"]", NULL),
	      "problem rule: JSON problems follow the same rule");
	run_free(&r);
	run_at(&r, dir, pr);
	check(r.status == 0 &&
	      strstr(r.out, "kvm_xsave_vcpu_problem{vm=\"4194303-11\",vcpu=\"0\",comm=\"qemu-system-x86\"} 0\n") &&
	      strstr(r.out, "kvm_xsave_vcpu_problem{vm=\"812-11\",vcpu=\"17\",comm=\"q\"} 1\n"),
	      "problem rule: prom's kvm_xsave_vcpu_problem too");
	run_free(&r);
	remove_fixture(top);
}

static void test_filters(void)
{
	struct run r;

	RUN(&r, "good", "status", "--vm", "930-12");
	check(r.status == 0 && strstr(r.out, "! 930-12 ") &&
	      !strstr(r.out, "812-11 ") && !strstr(r.out, "1044-9 ") &&
	      strstr(r.out, "1 vCPU, 1 with problems") &&
	      strstr(r.out, "Filtered: 1 of 4 vCPUs shown"),
	      "status --vm: only that VM's vCPUs");
	run_free(&r);
	RUN(&r, "good", "status", "--pid", "812", "--json");
	check(r.status == 0 &&
	      json_ok(r.out, "(.vcpus | map(.vm)) == [\"812-11\",\"812-11\"]",
		      ".filter == {\"vm\":null,\"pid\":812,\"problems\":false}",
		      ".stats.vcpus_tracked == 4", NULL),
	      "status --pid --json: only that process, filter said, stats whole");
	run_free(&r);
	RUN(&r, "good", "status", "--problems", "--json");
	check(r.status == 0 &&
	      json_ok(r.out, "(.vcpus | length) == 3",
		      "(.vcpus | map(.problems | length > 0) | all)", NULL),
	      "status --problems --json: the 3 vCPUs with a problem");
	run_free(&r);
	RUN(&r, "good", "status", "--problems", "--pid", "812");
	check(r.status == 0 && strstr(r.out, "! 812-11    1 ") &&
	      !strstr(r.out, "812-11    0 "),
	      "status: filters given together must all match");
	run_free(&r);
	RUN(&r, "good", "status", "--vm", "1-2");
	check(r.status == 0 && strstr(r.out, "No vCPU matches the filter (4 tracked)") &&
	      !strstr(r.out, "No vCPUs tracked"),
	      "status --vm of no VM: says the filter matched nothing");
	run_free(&r);
	RUN(&r, "good", "events", "--vm", "1044-9", "--json");
	check(r.status == 0 &&
	      json_ok(r.out, "(.events | map(.seq)) == [16]", ".gaps == []",
		      ".filter.vm == \"1044-9\"", NULL),
	      "events --vm --json: one event, the others leave no gap");
	run_free(&r);
	RUN(&r, "good", "events", "--problems");
	check(r.status == 0 && !strstr(r.out, "#10 ") &&
	      strstr(r.out, "#11 ") && strstr(r.out, "#16 ") &&
	      !strstr(r.out, "dropped"),
	      "events --problems: events of vCPUs with a problem, no fake gap");
	run_free(&r);
	RUN(&r, "good", "events", "--pid", "99");
	check(r.status == 0 &&
	      strstr(r.out, "No event matches the filter (8 buffered)"),
	      "events --pid of no process: says the filter matched nothing");
	run_free(&r);
	RUN(&r, "good", "events", "--pid", "930");
	check(r.status == 0 && count(r.out, "qemu-kvm 930 (thread") == 4 &&
	      count(r.out, "\n#") + (r.out[0] == '#') == 4,
	      "events --pid: that process's 4 events");
	run_free(&r);
	RUN(&r, "good", "host", "--problems");
	check(r.status == 2 && strstr(r.err, "--problems does not apply to host"),
	      "--problems with host: a usage error that names the command");
	run_free(&r);
	RUN(&r, "good", "status", "--pid", "x");
	check(r.status == 2 && strstr(r.err, "--pid needs a process id"),
	      "--pid needs a number");
	run_free(&r);
}

/*
 * Wall time = realtime - (monotonic - ts), from the pair KXP_CLOCK fixes:
 * event 12 (ts 1234.567890123) with the pair 2000 / 1700000000 happened at
 * 1699999234.567890123, 2023-11-14 22:00:34.567890123 UTC.
 */
static void test_time(void)
{
	struct run r;

	setenv("KXP_CLOCK", "2000.000000000 1700000000.000000000", 1);
	setenv("TZ", "UTC", 1);
	RUN(&r, "good", "events");
	check(r.status == 0 &&
	      strstr(r.out, "#12 2023-11-14 22:00:34.567890 qemu-system-x86 812 (thread - 815)"),
	      "events: wall-clock time by default");
	run_free(&r);
	RUN(&r, "good", "events", "--time=mono");
	check(r.status == 0 && strstr(r.out, "#12 1234.567890123 qemu"),
	      "events --time=mono: the module's CLOCK_MONOTONIC stamp");
	run_free(&r);
	RUN(&r, "good", "events", "--time=iso");
	check(r.status == 0 &&
	      strstr(r.out, "#12 2023-11-14T22:00:34.567890123+00:00 qemu"),
	      "events --time=iso: ISO 8601, nanoseconds, UTC offset");
	run_free(&r);
	setenv("TZ", "Europe/Paris", 1);
	RUN(&r, "good", "events", "--json");
	check(r.status == 0 &&
	      json_ok(r.out,
		      ".events[2].ts == \"1234.567890123\"",
		      ".events[2].wall == \"2023-11-14T23:00:34.567890123+01:00\"",
		      ".clock == {\"monotonic\":\"2000.000000000\",\"realtime\":\"1700000000.000000000\"}",
		      NULL),
	      "events --json: ts kept, wall with the zone's offset, the clock pair");
	run_free(&r);
	RUN(&r, "good", "report", "--json");
	check(r.status == 0 &&
	      json_ok(r.out,
		      ".clock.realtime == \"1700000000.000000000\"",
		      ".module.events[2].wall == \"2023-11-14T23:00:34.567890123+01:00\"",
		      NULL),
	      "report --json: records the pair, events have wall");
	run_free(&r);
	unsetenv("TZ");
	unsetenv("KXP_CLOCK");
	RUN(&r, "good", "events", "--json");
	check(r.status == 0 &&
	      json_ok(r.out, ".clock.monotonic | test(\"^[0-9]+\\\\.[0-9]{9}$\")",
		      ".events[0].wall | test(\"^20[0-9-]{8}T[0-9:]{8}\\\\.[0-9]{9}[+-][0-9]{2}:[0-9]{2}$\")",
		      NULL),
	      "events --json: the real clocks give an ISO wall time");
	run_free(&r);
	RUN(&r, "good", "events", "--time=later");
	check(r.status == 2 && strstr(r.err, "wall, mono or iso"),
	      "--time=later is a usage error");
	run_free(&r);
}

/*
 * A terminal on standard output (a pty), for --color=auto: the output
 * read back from its master side.
 */
static void run_tty(struct run *r, const char *no_color)
{
	char dir[1024], *argv[3] = { (char *)bin, "status", NULL };
	int m = posix_openpt(O_RDWR | O_NOCTTY), s, err = tmpfile_fd();
	char buf[65536];
	ssize_t n, got = 0;

	r->out = strdup("");
	r->err = strdup("");
	r->status = -1;
	if (m < 0 || grantpt(m) || unlockpt(m))
		return;
	s = open(ptsname(m), O_RDWR | O_NOCTTY);
	if (s < 0)
		return;
	snprintf(dir, sizeof(dir), "%s/good/kvm_xsave_probe", fixtures);
	if (no_color)
		setenv("NO_COLOR", no_color, 1);
	else
		unsetenv("NO_COLOR");
	setenv("TERM", "xterm", 1);
	{
		pid_t pid = fork();

		if (!pid) {
			setenv("KXP_DEBUGFS", dir, 1);
			dup2(s, 1);
			dup2(err, 2);
			execv(bin, argv);
			_exit(127);
		}
		close(s);
		while (got < (ssize_t)sizeof(buf) - 1 &&
		       (n = read(m, buf + got, sizeof(buf) - 1 - got)) > 0)
			got += n;	/* EIO once the child closed its side */
		buf[got] = '\0';
		r->status = finish(pid);
	}
	unsetenv("NO_COLOR");
	close(m);
	close(err);
	free(r->out);
	r->out = strdup(buf);
}

/* Items of issue 17's small things: each message as it should read. */
static void test_messages(void)
{
	char top[] = "/tmp/kxp-msg.XXXXXX", dir[256], path[512];
	char *st[3] = { (char *)bin, "status", NULL };
	struct kxp_err e;
	struct run r;

	run_tty(&r, NULL);
	check(r.status == 0 && strchr(r.out, '\033'),
	      "--color=auto on a terminal colours");
	run_free(&r);
	run_tty(&r, "");
	check(r.status == 0 && strchr(r.out, '\033'),
	      "an empty NO_COLOR= does not turn colour off (no-color.org)");
	run_free(&r);
	run_tty(&r, "1");
	check(r.status == 0 && r.out[0] && !strchr(r.out, '\033'),
	      "NO_COLOR=1 turns colour off");
	run_free(&r);
	RUN(&r, "malformed", "status");
	snprintf(path, sizeof(path),
		 "warning: info (%s/malformed/kvm_xsave_probe/info): line ",
		 fixtures);
	check(strstr(r.err, path) != NULL,
	      "a malformed line names its file");
	run_free(&r);
	kxp_strlcpy(kxp_invocation, "kvm-xsave events -f",
		    sizeof(kxp_invocation));
	kxp_diagnose(EACCES, "x/info", &e);
	check(strstr(e.msg, "sudo kvm-xsave events -f") != NULL,
	      "the root hint keeps the subcommand and its options");
	kxp_strlcpy(kxp_invocation, "kvm-xsave", sizeof(kxp_invocation));
	RUN(&r, NULL, "--help");
	check(r.status == 0 && strstr(r.out, "\n  3  module not loaded\n") &&
	      strstr(r.out, "\n  8  KVM unavailable (host)\n"),
	      "--help: one exit code a line");
	run_free(&r);
	if (fixture_with_vcpus(top, VCPUS_HEAD)) {
		check(0, "messages: cannot write the fixture");
		return;
	}
	snprintf(dir, sizeof(dir), "%s/kvm_xsave_probe", top);
	snprintf(path, sizeof(path), "%s/stats", dir);
	put_file(path, "track_failures: 1\nevents_dropped: 1\nvcpus_max: 4\nuntracked_ioctls: 2\nseq_next: 18\n");
	run_at(&r, dir, st);
	check(r.status == 0 &&
	      strstr(r.out, "1 vCPU record could not be started") &&
	      strstr(r.out, "1 event was overwritten"),
	      "singular: 1 vCPU record, 1 event was");
	run_free(&r);
	remove_fixture(top);
}

/* What report adds for a bug report: taint, clocks, all CPU flags, ... */
static void test_report_more(void)
{
	struct run r;

	RUN(&r, "good", "report");
	check(r.status == 0 && strstr(r.out, "\ntainted: ") &&
	      strstr(r.out, "\nclock:   CLOCK_MONOTONIC ") &&
	      strstr(r.out, "kvm_xsave_probe) ====") &&
	      (strstr(r.out, "kvm_xsave_probe: not loaded") ||
	       strstr(r.out, "kvm_xsave_probe.")),
	      "report: taint, clock pair, kvm_xsave_probe's parameters");
	run_free(&r);
	RUN(&r, "good", "report", "--json");
	check(r.status == 0 &&
	      json_ok(r.out, "(.kernel_tainted | type) == \"number\"",
		      "(.kernel_tainted_flags | type) == \"array\"",
		      "(.clock.monotonic | type) == \"string\"",
		      "(.kvm_module_parameters | has(\"kvm_xsave_probe\"))",
		      "(.host.cpu.flags | length) >= (.host.cpu.xsave_flags | length)",
		      "(.host.cpu.flags | length) > 0",
		      NULL),
	      "report --json: kernel_tainted, clock, all CPU flags, own parameters");
	run_free(&r);
}

/* make install puts the docs where the installed man page says. */
static void test_install(void)
{
	char top[] = "/tmp/kxp-install.XXXXXX", dest[128], src[1024];
	char *argv[8] = { "make", "-s", "-C", src, "install", dest,
			  "PREFIX=/opt/kx", NULL };
	char path[512];
	struct kxp_buf b = { 0 };
	struct run r;

	kxp_strlcpy(src, bin, sizeof(src));
	*strrchr(src, '/') = '\0';
	if (!mkdtemp(top)) {
		check(0, "install: no temporary directory");
		return;
	}
	snprintf(dest, sizeof(dest), "DESTDIR=%s", top);
	run_in(&r, NULL, NULL, argv);
	snprintf(path, sizeof(path),
		 "%s/opt/kx/share/man/man1/kvm-xsave.1", top);
	check(r.status == 0 && !kxp_read_path(path, &b) &&
	      strstr(b.data, ".IR /opt/kx/share/doc/kvm\\-xsave\\-probe/json.md") &&
	      !strstr(b.data, "/usr/local/share/doc"),
	      "install: the man page points at $(PREFIX)/share/doc/kvm-xsave-probe");
	kxp_buf_free(&b);
	snprintf(path, sizeof(path),
		 "%s/opt/kx/share/doc/kvm-xsave-probe/json.md", top);
	snprintf(src, sizeof(src),
		 "%s/opt/kx/share/doc/kvm-xsave-probe/debugfs.md", top);
	check(!access(path, R_OK) && !access(src, R_OK),
	      "install: docs/*.md in $(PREFIX)/share/doc/kvm-xsave-probe/");
	run_free(&r);
	run_in(&r, NULL, NULL, (char *const[]){ "rm", "-rf", top, NULL });
	run_free(&r);
}

/* -j is --json; -p (bpftool's pretty) too; --compact the same on one line. */
static void test_json_options(void)
{
	struct run a, b, c, d;

	RUN(&a, "good", "status", "--json");
	RUN(&b, "good", "-j");
	RUN(&c, "good", "status", "-p");
	RUN(&d, "good", "status", "--compact");
	check(a.status == 0 && !strcmp(a.out, b.out) && !strcmp(a.out, c.out) &&
	      count(a.out, "\n") > 50,
	      "-j and -p print what --json prints (indented)");
	check(d.status == 0 && count(d.out, "\n") == 1 &&
	      json_ok(d.out, "(.vcpus | length) == 4", NULL),
	      "--compact: the same document on one line");
	run_free(&a);
	run_free(&b);
	run_free(&c);
	run_free(&d);
	RUN(&a, "good", "prom", "-j");
	check(a.status == 2 && strstr(a.err, "does not apply to prom"),
	      "-j with prom is a usage error");
	run_free(&a);
}

/*
 * A write that fails is one message and exit 1 (compat: 2, as 1 means
 * incompatible), for every command and output mode.
 */
static void test_write_errors(void)
{
	static const char *const cmds[][4] = {
		{ "status" }, { "status", "--json" }, { "events" },
		{ "events", "--json" }, { "report" }, { "report", "--json" },
		{ "host" }, { "host", "--json" }, { "prom" }, { "--help" },
		{ "--version" }, { "help", "events" }, { "compat", "S", "D" },
		{ "compat", "--json", "S", "D" }, { "report", "-o", "/dev/full" },
		{ "report", "--json", "-o", "/dev/full" }, { "events", "-f" },
	};
	char s[1024], d[1024];
	unsigned int i, j;
	struct run r;

	snprintf(s, sizeof(s), "%s/hosts/max.json", fixtures);
	snprintf(d, sizeof(d), "%s/hosts/max-nopku.json", fixtures);
	for (i = 0; i < KXP_ARRAY_SIZE(cmds); i++) {
		char *argv[6] = { (char *)bin };
		char line[128] = "";
		int compat = !strcmp(cmds[i][0], "compat");

		for (j = 0; j < 4 && cmds[i][j]; j++) {
			argv[j + 1] = !strcmp(cmds[i][j], "S") ? s :
				      !strcmp(cmds[i][j], "D") ? d :
				      (char *)cmds[i][j];
			snprintf(line + strlen(line), sizeof(line) - strlen(line),
				 " %s", cmds[i][j]);
		}
		run_full(&r, "good", argv);
		check(r.status == (compat ? KXP_EXIT_USAGE : KXP_EXIT_FAIL) &&
		      count(r.err, "error: ") == 1 &&
		      count(r.err, "error: cannot write ") == 1 &&
		      strstr(r.err, "No space left on device"),
		      "write error:%s >/dev/full exits %d, one message (exit %d)",
		      line, compat ? KXP_EXIT_USAGE : KXP_EXIT_FAIL, r.status);
		if (count(r.err, "error: ") != 1)
			printf("# stderr: %s\n", r.err);
		run_free(&r);
	}
}

/*
 * PROMETHEUS lists "global counters ... and gauges ... each present": every
 * metric of kxp_stat_defs must be in the list of its type.
 */
static int man_metrics_typed(const char *man)
{
	const char *c = strstr(man, "\nglobal counters\n");
	const char *g = c ? strstr(c, "\nand gauges\n") : NULL;
	const char *end = g ? strstr(g, "each present when") : NULL;
	char name[96];
	unsigned int i;
	int ok = !!end;

	for (i = 0; ok && i < KXP_NR_STATS; i++) {
		const char *lo = kxp_stat_defs[i].gauge ? g : c;
		const char *hi = kxp_stat_defs[i].gauge ? end : g;
		const char *at;

		snprintf(name, sizeof(name), " kvm_xsave_%s",
			 kxp_stat_defs[i].prom);
		at = strstr(lo, name);
		/* " ,\n" or "\n": the whole name, not a prefix of another */
		if (!at || at > hi || (at[strlen(name)] != ' ' &&
				       at[strlen(name)] != '\n')) {
			printf("# man page: %s is not among the %s\n", name + 1,
			       kxp_stat_defs[i].gauge ? "gauges" : "counters");
			ok = 0;
		}
	}
	return ok;
}

/* The man page documents each command and exit code. */
/* A child whose command line carries ARGS, as a VMM's would. */
static pid_t spawn_named(const char *name_arg)
{
	pid_t pid = fork();

	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", "sleep 10", "-name", name_arg,
		      (char *)NULL);
		_exit(127);
	}
	usleep(200000);		/* until the exec is done */
	return pid;
}

static void test_guest_name(void)
{
	char name[64];
	pid_t pid;
	int r;

	pid = spawn_named("guest=web-1,debug-threads=on");
	r = kxp_guest_name(pid, name, sizeof(name));
	check(!r && !strcmp(name, "web-1"),
	      "guest name from -name guest=NAME,debug-threads=on");
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	pid = spawn_named("db2,process=x");
	r = kxp_guest_name(pid, name, sizeof(name));
	check(!r && !strcmp(name, "db2"), "guest name from -name NAME,...");
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	check(kxp_guest_name(getpid(), name, sizeof(name)) == -1,
	      "no -name: no guest name");
}

/* ---- report's VMM section: dpkg, embedded versions, --redact ---- */

/* What @argv prints, NUL-terminated, trailing newline cut; "" on failure. */
static void output_of(char *const argv[], char *out, size_t len)
{
	struct run r;

	out[0] = '\0';
	run_in(&r, NULL, NULL, argv);
	if (r.status == 0)
		kxp_strlcpy(out, kxp_trim(r.out), len);
	run_free(&r);
}

/* A dpkg database dpkg-query refuses (an invalid Status), in @dir. */
static int broken_dpkg_db(char *dir)
{
	char path[1024];
	FILE *f;

	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/info", dir);
	if (mkdir(path, 0755))
		return -1;
	snprintf(path, sizeof(path), "%s/status", dir);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fputs("Package: kxp-broken\nStatus: bogus\n\n", f);
	return fclose(f);
}

static void test_dpkg(void)
{
	char dir[1024], want[160], broken[] = "/tmp/kxp-dpkg.XXXXXX";
	struct kxp_pkg p;
	int merged = !access("/usr/bin/dash", X_OK) &&
		     !access("/bin/dash", X_OK) && !access("/bin/cat", X_OK);
	int r;

	/* A database of its own: dpkg-query reads it through DPKG_ADMINDIR. */
	snprintf(dir, sizeof(dir), "%s/dpkg", fixtures);
	setenv("DPKG_ADMINDIR", dir, 1);
	if (merged) {
		r = kxp_dpkg_owner("/usr/bin/dash", &p);
		check(!r && !strcmp(p.name, "kxp-fake-vmm:amd64") &&
		      !strcmp(p.listed_as, "/bin/dash"),
		      "dpkg: /usr/bin/dash found as /bin/dash of kxp-fake-vmm:amd64 (%s)",
		      r ? p.err : p.listed_as);
		r = kxp_dpkg_owner("/bin/cat", &p);
		check(!r && !strcmp(p.listed_as, "/usr/bin/cat"),
		      "dpkg: /bin/cat found as /usr/bin/cat: /usr-merge both ways (%s)",
		      r ? p.err : p.listed_as);
		r = kxp_dpkg_version(&p);
		check(!r && !strcmp(p.version, "1:9.9+kxp-1"),
		      "dpkg: the installed amd64 instance's version, not the i386 one (%s)",
		      r ? p.err : p.version);
	} else {
		skip("dpkg: /usr-merge both ways", "this system is not /usr-merged");
	}
	kxp_strlcpy(p.name, "kxp-removed-vmm", sizeof(p.name));
	r = kxp_dpkg_version(&p);
	check(r && !strcmp(p.err, "kxp-removed-vmm is not installed (config-files)"),
	      "dpkg: a removed package's kept version is not taken (%s)",
	      r ? p.err : p.version);
	r = kxp_dpkg_owner("/nonexistent/kxp-vmm", &p);
	check(r && !strcmp(p.err, "no installed package lists /nonexistent/kxp-vmm"),
	      "dpkg: a file no package lists: says so (%s)", p.err);
	r = kxp_dpkg_owner("/usr/bin/qemu-system-*", &p);
	check(r && strstr(p.err, "not an absolute path dpkg-query -S matches literally"),
	      "dpkg: a path dpkg-query would take as a pattern is not searched (%s)",
	      p.err);
	if (broken_dpkg_db(broken)) {
		check(0, "dpkg: cannot write a broken database in %s", broken);
	} else {
		setenv("DPKG_ADMINDIR", broken, 1);
		r = kxp_dpkg_owner("/usr/bin/dash", &p);
		check(r && strstr(p.err, "-S /usr/bin/dash: exit 2: dpkg-query: error: parsing file") &&
		      strstr(p.err, "'Status' field"),
		      "dpkg: a database dpkg-query refuses: its exit status and its error, on one line (%s)",
		      p.err);
		snprintf(dir, sizeof(dir), "%s/status", broken);
		unlink(dir);
		snprintf(dir, sizeof(dir), "%s/info", broken);
		rmdir(dir);
		rmdir(broken);
	}
	unsetenv("DPKG_ADMINDIR");

	/* This machine's own database, against dpkg-query. */
	output_of((char *const[]){ "dpkg-query", "-W", "-f", "${Version}",
				   "dash", NULL }, want, sizeof(want));
	if (!want[0] || access("/usr/bin/dash", X_OK)) {
		skip("dpkg: this machine's database", "no dpkg-query or no dash here");
		return;
	}
	r = kxp_dpkg_owner("/usr/bin/dash", &p) || kxp_dpkg_version(&p);
	check(!r && !strcmp(p.name, "dash") && !strcmp(p.version, want),
	      "dpkg: /usr/bin/dash is dash %s, as dpkg-query -W says (%s)",
	      p.version, r ? p.err : want);
}

/* A file of @size zero bytes with @text written at @at. */
static int file_with(char *path, off_t size, off_t at, const char *text,
		     size_t len)
{
	int fd = mkstemp(path);

	if (fd < 0)
		return -1;
	if (ftruncate(fd, size) || pwrite(fd, text, len, at) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static void test_binver(void)
{
	static const char qemu[] = "QEMU emulator version 9.8.7 (kxp test)";
	char path[256], v[160], err[512], want[160], *argv[6];
	off_t chunk = KXP_BINVER_CHUNK;
	int r;

	/* The marker ends 10 bytes before a chunk ends, the version after it. */
	strcpy(path, "/tmp/kxp-binver.XXXXXX");
	if (file_with(path, 3 * chunk, chunk - 12, qemu, sizeof(qemu))) {
		check(0, "binver: cannot write %s", path);
		return;
	}
	r = kxp_binary_version(path, KXP_BINVER_CAP, v, sizeof(v), err,
			       sizeof(err));
	check(!r && !strcmp(v, "9.8.7 (kxp test)"),
	      "binver: a version string across a chunk boundary (%s)", r ? err : v);
	/* A cap of 1 MiB cuts it: the version lies past it. */
	r = kxp_binary_version(path, chunk, v, sizeof(v), err, sizeof(err));
	check(r && strstr(err, "no known version string in the first 1 MiB of"),
	      "binver: not found past the cap, and the cap said (%s)", err);
	unlink(path);

	/* At the very end of the file, without a NUL after it. */
	strcpy(path, "/tmp/kxp-binver.XXXXXX");
	if (file_with(path, chunk + 100, chunk + 100 - (sizeof(qemu) - 1),
		      qemu, sizeof(qemu) - 1)) {
		check(0, "binver: cannot write %s", path);
		return;
	}
	r = kxp_binary_version(path, KXP_BINVER_CAP, v, sizeof(v), err,
			       sizeof(err));
	check(!r && !strcmp(v, "9.8.7 (kxp test)"),
	      "binver: a version string at the end of the file (%s)", r ? err : v);
	unlink(path);

	strcpy(path, "/tmp/kxp-binver.XXXXXX");
	if (!file_with(path, 2 * chunk, 0, "QEMU v7", 7)) {
		r = kxp_binary_version(path, KXP_BINVER_CAP, v, sizeof(v),
				       err, sizeof(err));
		check(r && strstr(err, "no known version string in /tmp/kxp-binver."),
		      "binver: no marker: unknown, said why (%s)", err);
		unlink(path);
	}

	/* Debian's QEMU names its package version in its own string. */
	argv[0] = "dpkg-query";
	argv[1] = "-W";
	argv[2] = "-f";
	argv[3] = "${Version}";
	argv[4] = "qemu-system-x86";
	argv[5] = NULL;
	output_of(argv, want, sizeof(want));
	if (!want[0] || access("/usr/bin/qemu-system-x86_64", R_OK)) {
		skip("binver: Debian's qemu-system-x86_64",
		     "qemu-system-x86 is not installed");
		return;
	}
	r = kxp_binary_version("/usr/bin/qemu-system-x86_64", KXP_BINVER_CAP,
			       v, sizeof(v), err, sizeof(err));
	snprintf(path, sizeof(path), "(Debian %s)", want);
	check(!r && strstr(v, path),
	      "binver: qemu-system-x86_64's embedded version names dpkg's %s (%s)",
	      want, r ? err : v);
}

static void test_redact(void)
{
	static const char *const cases[][2] = {
		{ "myhost", KXP_REDACTED_HOST },
		{ "ssh myhost.example.org:22.", "ssh " KXP_REDACTED_HOST ":22." },
		{ "(myhost) myhost.", "(" KXP_REDACTED_HOST ") " KXP_REDACTED_HOST "." },
		{ "notmyhost myhost-2 myhost_x xmyhost", "notmyhost myhost-2 myhost_x xmyhost" },
		{ "MyHost", "MyHost" },
	};
	unsigned int i;
	char *out;

	kxp_redact_host("myhost.example.org");
	for (i = 0; i < KXP_ARRAY_SIZE(cases); i++) {
		out = kxp_redact_str(cases[i][0]);
		check(out && !strcmp(out, cases[i][1]),
		      "redact: \"%s\" -> \"%s\" (got \"%s\")", cases[i][0],
		      cases[i][1], out ? out : "(null)");
		free(out);
	}
	kxp_redact_host("(none)");
	out = kxp_redact_str("(none) none");
	check(out && !strcmp(out, "(none) none"),
	      "redact: the kernel's unset nodename (none) redacts nothing");
	free(out);
	kxp_redact_host("");
}

/* The unit tests' VMM: its -name and a command-line argument to find. */
#define FAKE_GUEST	"kxp-redact-host.example.org"
#define FAKE_SECRET	"kxp-secret-arg"
#define FAKE_HOST	"kxp-redact-host"

static pid_t spawn_vmm(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", "sleep 30; :", "-name",
		      "guest=" FAKE_GUEST ",debug-threads=on", FAKE_SECRET,
		      "it's", (char *)NULL);
		_exit(127);
	}
	usleep(200000);
	return pid;
}

/*
 * A VMM that no package owns and whose executable names its version: a
 * copy of sleep with QEMU's version string appended (ELF ignores it), in
 * @dir. Its path in @exe; -1 when it cannot be made or run.
 */
static pid_t spawn_unpackaged_vmm(const char *dir, char *exe, size_t len)
{
	static const char marker[] = "QEMU emulator version 9.8.7 (kxp unpackaged)";
	FILE *f;
	pid_t pid;
	int bad;

	snprintf(exe, len, "%s/kxp-fake-qemu", dir);
	if (copy_file("/bin/sleep", exe) || chmod(exe, 0755))
		return -1;
	f = fopen(exe, "a");
	if (!f)
		return -1;
	bad = fwrite(marker, 1, sizeof(marker), f) != sizeof(marker);
	if (fclose(f) || bad)
		return -1;
	pid = fork();
	if (pid == 0) {
		execl(exe, "kxp-fake-qemu", "30", (char *)NULL);
		_exit(127);
	}
	usleep(200000);
	/* Exited already: exec failed (a noexec mount, say). */
	if (pid > 0 && waitpid(pid, NULL, WNOHANG) == pid)
		return -1;
	return pid;
}

/*
 * @argv in a UTS namespace of its own whose host name is FAKE_HOST; exit
 * 77 when no namespace can be made here (not root).
 */
static void run_uts(struct run *r, const char *dir, char *const argv[])
{
	int out = tmpfile_fd(), err = tmpfile_fd();
	pid_t pid = fork();

	if (pid == 0) {
		if (unshare(CLONE_NEWUTS) ||
		    sethostname(FAKE_HOST, strlen(FAKE_HOST)))
			_exit(77);
		setenv("KXP_DEBUGFS", dir, 1);
		dup2(out, 1);
		dup2(err, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	r->status = finish(pid);
	r->out = slurp_fd(out);
	r->err = slurp_fd(err);
	close(out);
	close(err);
}

static void test_vmm_report(void)
{
	char top[] = "/tmp/kxp-vmm.XXXXXX", dir[256], vcpus[2048], path[1024];
	char dash[160], line[512], exe[PATH_MAX], cond[512], evline[512];
	char bintmp[] = "kxp-vmm-bin.XXXXXX", bindir[PATH_MAX], binexe[PATH_MAX + 32];
	char want[PATH_MAX + 544];
	pid_t pid = spawn_vmm(), bpid = -1;
	struct run r;
	FILE *f;

	if (!realpath("/bin/sh", exe))
		exe[0] = '\0';
	/* Here, not in /tmp: the build tree runs programs, /tmp may not. */
	if (mkdtemp(bintmp) && realpath(bintmp, bindir))
		bpid = spawn_unpackaged_vmm(bindir, binexe, sizeof(binexe));
	output_of((char *const[]){ "dpkg-query", "-W", "-f", "${Version}",
				   "dash", NULL }, dash, sizeof(dash));
	snprintf(vcpus, sizeof(vcpus), VCPUS_HEAD
		 "812-11 0 812 qemu-system-x86 0x207 0x207 0x207 0x0 14 3 220 2 0x0 2 0 -\n"
		 "%d-11 0 %d sh 0x207 0x207 0x207 0x0 1 0 1 0 0x0 0 0 -\n"
		 "%d-12 0 %d kxp-fake-qemu 0x207 0x207 0x207 0x0 1 0 1 0 0x0 0 0 -\n",
		 pid, pid, bpid, bpid);
	if (pid < 0 || bpid < 0 || fixture_with_vcpus(top, vcpus)) {
		check(0, "vmm: cannot start the VMMs or write the fixture");
		return;
	}
	snprintf(dir, sizeof(dir), "%s/kvm_xsave_probe", top);
	/* One more event, of the fake VMM, for events --vm GUEST. */
	snprintf(path, sizeof(path), "%s/events", dir);
	snprintf(evline, sizeof(evline),
		 "seq=18 ts=1500.000000000 pid=%d tid=%d comm=sh vm=%d-11 vcpu=0 op=set_xsave ret=0 reason=ok xstate_bv=0x7 mask=0x207 bits=0x0 names=-\n",
		 pid, pid, pid);
	f = fopen(path, "a");
	if (!f || fputs(evline, f) < 0 || fclose(f)) {
		check(0, "vmm: cannot append to %s", path);
		remove_fixture(top);
		return;
	}

	run_at(&r, dir, (char *const[]){ (char *)bin, "report", NULL });
	snprintf(line, sizeof(line), "pid %d (sh): running\n  guest:   " FAKE_GUEST
		 "\n  exe:     %s\n", pid, exe);
	check(r.status == 0 && strstr(r.out, "==== VMM processes") &&
	      strstr(r.out, line),
	      "report: VMM section: pid, comm, running, guest name, exe %s", exe);
	snprintf(line, sizeof(line), "  version: %s (dpkg: package dash, which lists /bin/dash)\n",
		 dash);
	if (dash[0] && !strcmp(exe, "/usr/bin/dash"))
		check(strstr(r.out, line) != NULL,
		      "report: VMM version %s from dpkg, package dash", dash);
	else
		skip("report: VMM version from dpkg", "no dpkg or /bin/sh is not a merged dash");
	check(strstr(r.out, "  cmdline: sh -c 'sleep 30; :' -name guest=" FAKE_GUEST
		     ",debug-threads=on " FAKE_SECRET " 'it'\\''s'\n") != NULL,
	      "report: VMM command line, every argument shell-quoted");
	check(strstr(r.out, "pid 812 (qemu-system-x86): gone: ") != NULL,
	      "report: a VMM that is gone says so");
	/* Wrapped at 80 columns, so the reason in pieces. */
	check(strstr(r.out, "  version: 9.8.7 (kxp unpackaged) (binary: its embedded version string; dpkg:") &&
	      strstr(r.out, "no installed package lists") && strstr(r.out, binexe),
	      "report: an unpackaged VMM's version from its binary, and why not dpkg's");
	run_free(&r);

	run_at(&r, dir, (char *const[]){ (char *)bin, "report", "--json", NULL });
	snprintf(cond, sizeof(cond),
		 "(.vmms | map(select(.pid == %d))[0] | [.process, .guest, .comm, .cmdline, .cmdline_redacted]) == "
		 "[\"running\", \"" FAKE_GUEST "\", \"sh\", [\"sh\", \"-c\", \"sleep 30; :\", \"-name\", \"guest=" FAKE_GUEST
		 ",debug-threads=on\", \"" FAKE_SECRET "\", \"it's\"], false]", pid);
	check(r.status == 0 &&
	      json_ok(r.out, cond, ".redacted == false",
		      "(.vmms | map(select(.pid == 812))[0].process) != \"running\"",
		      "(.vmms | map(select(.version_source == \"dpkg\")) | map(.package)) - [\"dash\"] == []",
		      NULL),
	      "report --json: vmms[]: the VMM's guest, comm and argv; 812 not running");
	snprintf(want, sizeof(want),
		 "(.vmms | map(select(.pid == %d))[0] | [.version, .version_source, .package, "
		 "(.version_error | startswith(\"dpkg: no installed package lists %s\"))]) == "
		 "[\"9.8.7 (kxp unpackaged)\", \"binary\", null, true]", bpid, binexe);
	check(r.status == 0 && json_ok(r.out, want, NULL),
	      "report --json: an unpackaged VMM: version from its binary, version_error says why not dpkg's");
	snprintf(cond, sizeof(cond),
		 "(.vmms | map(select(.pid == %d))[0].version_error) == null", pid);
	if (dash[0] && !strcmp(exe, "/usr/bin/dash"))
		check(json_ok(r.out, cond, NULL),
		      "report --json: version_error null where dpkg answered");
	else
		skip("report --json: version_error null where dpkg answered",
		     "no dpkg or /bin/sh is not a merged dash");
	run_free(&r);

	run_at(&r, dir, (char *const[]){ (char *)bin, "report", "--redact", NULL });
	check(r.status == 0 && !strstr(r.out, FAKE_SECRET) &&
	      !strstr(r.out, "sleep 30") &&
	      strstr(r.out, "  cmdline: " KXP_REDACTED_CMDLINE "\n") &&
	      strstr(r.out, "Redacted (--redact): "),
	      "report --redact: no command line left, the marker instead, said at the top");
	run_free(&r);
	run_at(&r, dir, (char *const[]){ (char *)bin, "report", "--redact", "--json", NULL });
	snprintf(cond, sizeof(cond),
		 "(.vmms | map(select(.pid == %d))[0] | [.cmdline, .cmdline_redacted]) == [null, true]", pid);
	check(r.status == 0 && !strstr(r.out, FAKE_SECRET) &&
	      json_ok(r.out, cond, ".redacted == true", NULL),
	      "report --redact --json: cmdline null, cmdline_redacted, redacted");
	run_free(&r);

	/* The host name, in a UTS namespace where it is FAKE_HOST. */
	run_uts(&r, dir, (char *const[]){ (char *)bin, "report", NULL });
	if (r.status == 77) {
		skip("report --redact: the host name", "cannot unshare(CLONE_NEWUTS) here (not root)");
	} else {
		check(r.status == 0 && strstr(r.out, "(" FAKE_HOST ")"),
		      "report: the host name %s is in the report (host section)", FAKE_HOST);
		run_free(&r);
		run_uts(&r, dir, (char *const[]){ (char *)bin, "report", "--redact", NULL });
		check(r.status == 0 && !strstr(r.out, FAKE_HOST) &&
		      strstr(r.out, "(" KXP_REDACTED_HOST ")") &&
		      strstr(r.out, "  guest:   " KXP_REDACTED_HOST "\n"),
		      "report --redact: no trace of the host name, also not in the guest name that holds it");
		run_free(&r);
		run_uts(&r, dir, (char *const[]){ (char *)bin, "report", "--redact", "--json", NULL });
		check(r.status == 0 && !strstr(r.out, FAKE_HOST) &&
		      json_ok(r.out, ".host.hostname == \"" KXP_REDACTED_HOST "\"",
			      "(.vmms | map(.guest) | index(\"" KXP_REDACTED_HOST "\")) != null",
			      NULL),
		      "report --redact --json: no trace of the host name, valid JSON");
	}
	run_free(&r);

	/* --vm GUEST: the guest name of the VMM, as the guest column has it. */
	run_at(&r, dir, (char *const[]){ (char *)bin, "status", "--vm", FAKE_GUEST, "--json", NULL });
	snprintf(cond, sizeof(cond), "(.vcpus | map(.pid)) == [%d]", pid);
	check(r.status == 0 && json_ok(r.out, cond, ".filter.vm == \"" FAKE_GUEST "\"", NULL),
	      "status --vm GUEST-NAME: that VMM's vCPU only");
	run_free(&r);
	run_at(&r, dir, (char *const[]){ (char *)bin, "events", "--vm", FAKE_GUEST, "--json", NULL });
	check(r.status == 0 && json_ok(r.out, "(.events | map(.seq)) == [18]", ".gaps == []", NULL),
	      "events --vm GUEST-NAME: that VMM's event only, no gap");
	run_free(&r);
	run_at(&r, dir, (char *const[]){ (char *)bin, "status", "--vm", "kxp-redact-host", NULL });
	check(r.status == 0 && strstr(r.out, "No vCPU matches the filter"),
	      "status --vm: a name that is not the whole guest name matches nothing");
	run_free(&r);

	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	kill(bpid, SIGKILL);
	waitpid(bpid, NULL, 0);
	unlink(binexe);
	rmdir(bindir);
	remove_fixture(top);
}

static void test_manpage(void)
{
	static const char *const words[] = {
		"status", "events", "report", "host", "compat", "prom",
		"KXP_DEBUGFS", "\\-\\-json", "\\-\\-since", "\\-\\-color",
		"textfile", "timers.target", "\\-\\-redact", "DPKG_ADMINDIR",
		"[redacted\\-cmdline]", "[redacted\\-host]",
	};
	char path[1024];
	struct kxp_buf b;
	unsigned int i, missing = 0, code;

	snprintf(path, sizeof(path), "%s/../../../docs/kvm-xsave.1",
		 fixtures);
	if (kxp_read_path(path, &b)) {
		check(0, "man page %s readable", path);
		return;
	}
	for (i = 0; i < KXP_ARRAY_SIZE(words); i++) {
		if (!strstr(b.data, words[i])) {
			printf("# man page lacks %s\n", words[i]);
			missing++;
		}
	}
	for (code = 0; code <= KXP_EXIT_NO_KVM; code++) {
		char ip[16];

		snprintf(ip, sizeof(ip), ".IP %u\n", code);
		if (!strstr(b.data, ip)) {
			printf("# man page lacks exit code %u\n", code);
			missing++;
		}
	}
	check(!missing, "man page covers commands, options, exit codes");
	check(man_metrics_typed(b.data),
	      "man page lists each global metric with the type prom gives it");
	kxp_buf_free(&b);
}

int main(int argc, char **argv)
{
	int saved_err, devnull;
	struct run r;

	if (argc != 3) {
		fprintf(stderr, "usage: %s KVM-XSAVE FIXTURES-DIR\n", argv[0]);
		return 2;
	}
	bin = argv[1];
	fixtures = argv[2];
	run_in(&r, NULL, "1", (char *const[]){ "jq", "-e", ".", NULL });
	have_jq = r.status == 0;
	run_free(&r);
	if (!have_jq)
		printf("# jq not found: JSON checked by our parser only\n");

	/* The parsers warn about the malformed input they are fed. */
	fflush(stderr);
	saved_err = dup(2);
	devnull = open("/dev/null", O_WRONLY);
	dup2(devnull, 2);
	test_names();
	test_frozen_names();
	test_bpftrace_names(bin);
	test_numbers();
	test_lines();
	test_info();
	test_stats();
	test_vcpus();
	test_events();
	test_event_without_header();
	test_guest_name();
	dup2(saved_err, 2);
	close(saved_err);
	close(devnull);
	test_json_writer();
	test_json_parser();
	test_compat();
	test_diagnose();
	test_status();
	test_errors();
	test_events_cmd();
	test_older_format();
	test_follow();
	test_compat_cmd();
	test_verdicts();
	test_compat_full_ring();
	test_table_and_problem_rule();
	test_filters();
	test_prom();
	test_cli();
	test_report_host();
	test_write_errors();
	test_json_options();
	test_time();
	test_messages();
	test_report_more();
	test_install();
	test_dpkg();
	test_binver();
	test_redact();
	test_vmm_report();
	test_manpage();

	printf("%d passed, %d failed, %d skipped\n", nr_pass, nr_fail, nr_skip);
	return nr_fail ? 1 : 0;
}
