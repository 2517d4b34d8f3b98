// SPDX-License-Identifier: GPL-2.0
/*
 * Coverage-guided fuzzers (libFuzzer, ASan, UBSan) for the kvm-xsave
 * reader's parsers, built by tests/fuzz/parsers once per target with
 * -DKXP_FUZZ_TARGET=<n>:
 *
 *   info, stats, vcpus, events   the debugfs file parsers (userspace/debugfs.c)
 *   vcpu_dir                     a <vm>/vcpu<N>/ directory, one file per
 *                                '|'-separated piece of the input
 *   json                         the JSON reader (userspace/jsonp.c) and
 *                                compat's use of a document
 *
 * Besides memory errors, each checks what its parser promises: what a debugfs
 * parser accepted, the JSON writer renders as valid JSON; events come out in
 * rising seq order; a JSON document written back by the writer parses to the
 * same tree. A broken promise aborts, and libFuzzer keeps the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../userspace/kxp.h"

#define T_INFO		1
#define T_STATS		2
#define T_VCPUS		3
#define T_EVENTS	4
#define T_VCPU_DIR	5
#define T_JSON		6

#ifndef KXP_FUZZ_TARGET
#error "build with -DKXP_FUZZ_TARGET=1..6 (tests/fuzz/parsers)"
#endif

static void fail(const char *what, const char *text)
{
	fprintf(stderr, "parsers_fuzz: %s\n%s\n", what, text ? text : "");
	abort();
}

/* The input as a NUL-terminated buffer, as kxp_read_path() gives it. */
static __attribute((unused)) struct kxp_buf buf_of(const uint8_t *data, size_t size)
{
	struct kxp_buf b = { malloc(size + 1), size };

	if (!b.data)
		abort();
	memcpy(b.data, data, size);
	b.data[size] = '\0';
	return b;
}

/* A JSON writer on memory, and the check that its text parses. */
struct mem {
	char *text;
	size_t len;
	FILE *f;
	struct jw w;
};

static void mem_open(struct mem *m)
{
	m->text = NULL;
	m->f = open_memstream(&m->text, &m->len);
	if (!m->f)
		abort();
	jw_init(&m->w, m->f, 1);
	jw_obj(&m->w, NULL);
}

static void mem_check(struct mem *m, struct jv *out)
{
	struct jv v;
	char err[256];

	jw_obj_end(&m->w);
	fclose(m->f);
	if (jv_parse(m->text, m->len, &v, err, sizeof(err)))
		fail(err, m->text);
	if (out)
		*out = v;
	else
		jv_free(&v);
	free(m->text);
}

#if KXP_FUZZ_TARGET == T_JSON
/* Writes @v back with the writer: the same tree must come out. */
static void write_jv(struct jw *w, const char *key, const struct jv *v)
{
	size_t i;

	switch (v->type) {
	case JV_NULL:
		jw_null(w, key);
		break;
	case JV_BOOL:
		jw_bool(w, key, v->b);
		break;
	case JV_NUM:
		/* Written as a string: the writer has no raw number. */
		jw_str(w, key, v->s);
		break;
	case JV_STR:
		jw_str(w, key, v->s);
		break;
	case JV_ARR:
		jw_arr(w, key);
		for (i = 0; i < v->n; i++)
			write_jv(w, NULL, &v->items[i]);
		jw_arr_end(w);
		break;
	case JV_OBJ:
		jw_obj(w, key);
		for (i = 0; i < v->n; i++)
			write_jv(w, v->items[i].key, &v->items[i]);
		jw_obj_end(w);
		break;
	}
}

static int same(const struct jv *a, const struct jv *b)
{
	size_t i;

	if (a->type == JV_NUM)
		return b->type == JV_STR && !strcmp(a->s, b->s);
	if (a->type != b->type || a->n != b->n)
		return 0;
	if (a->type == JV_BOOL)
		return a->b == b->b;
	if (a->type == JV_STR)
		return !strcmp(a->s, b->s);
	for (i = 0; i < a->n; i++)
		if ((a->type == JV_OBJ &&
		     strcmp(a->items[i].key, b->items[i].key)) ||
		    !same(&a->items[i], &b->items[i]))
			return 0;
	return 1;
}

/* Is @s valid UTF-8 (what the writer keeps as it is)? */
static int valid_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		unsigned int n, cp, i;

		if (*p < 0x80) {
			p++;
			continue;
		}
		n = *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : *p >= 0xc2 ? 2 : 0;
		if (!n || *p > 0xf4)
			return 0;
		cp = *p & (0x7f >> n);
		for (i = 1; i < n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
			return 0;
		p += n;
	}
	return 1;
}

/*
 * Can the writer give this tree back unchanged: all text valid UTF-8 and
 * within its nesting depth?
 */
static int writable(const struct jv *v, int depth)
{
	size_t i;

	if (depth >= JW_MAX_DEPTH - 2)
		return 0;
	if ((v->type == JV_STR || v->type == JV_NUM) && !valid_utf8(v->s))
		return 0;
	for (i = 0; i < v->n; i++)
		if ((v->type == JV_OBJ && !valid_utf8(v->items[i].key)) ||
		    !writable(&v->items[i], depth + 1))
			return 0;
	return 1;
}

static void fuzz(const uint8_t *data, size_t size)
{
	struct kxp_hostcap hc;
	struct jv doc, back;
	struct mem m;
	char err[512];

	if (jv_parse((const char *)data, size, &doc, err, sizeof(err))) {
		if (strncmp(err, "line ", 5))
			fail("an error without its line and column", err);
		return;
	}
	/* compat's reading of a document: any answer, no crash. */
	kxp_hostcap_from_json(&doc, &hc, err, sizeof(err));
	if (writable(&doc, 0)) {
		mem_open(&m);
		write_jv(&m.w, "doc", &doc);
		mem_check(&m, &back);
		if (back.n != 1 || !same(&doc, &back.items[0]))
			fail("written back and read again, the document changed",
			     NULL);
		jv_free(&back);
	}
	jv_free(&doc);
}
#elif KXP_FUZZ_TARGET == T_VCPU_DIR
/* The files of a vCPU directory that debugfs.c reads, in input order. */
static const char *const files[] = {
	"guest_supported_xcr0", "xcr0", "user_xfeatures", "xfd", "set_xsave",
	"rejected_loads", "get_xsave", "trimmed_gets", "stripped_bits",
	"set_xcrs", "rejected_xcrs", "last_reject_reason",
	"last_rejected_bits", "trimmed_bits", "last_rejected_xcr0",
};

static char top[64];

/* The directory goes when libFuzzer exits (a crash leaves it to look at). */
static void remove_top(void)
{
	char path[256];
	unsigned int i;

	for (i = 0; i < KXP_ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "%s/1-2/vcpu0/%s", top, files[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/1-2/vcpu0", top);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/1-2", top);
	rmdir(path);
	rmdir(top);
}

static void fuzz(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	char vdir[160], path[256];
	struct kxp_vcpus vs;
	struct kxp_err e;
	struct mem m;
	unsigned int i;

	if (!top[0]) {
		snprintf(top, sizeof(top), "/dev/shm/kxp-fuzz.%d", getpid());
		mkdir(top, 0700);
		snprintf(vdir, sizeof(vdir), "%s/1-2", top);
		mkdir(vdir, 0700);
		setenv("KXP_DEBUGFS", top, 1);
		atexit(remove_top);
	}
	snprintf(vdir, sizeof(vdir), "%s/1-2/vcpu0", top);
	mkdir(vdir, 0700);
	for (i = 0; i < KXP_ARRAY_SIZE(files); i++) {
		const char *bar = memchr(p, '|', end - p);
		size_t n = bar ? (size_t)(bar - p) : (size_t)(end - p);
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", vdir, files[i]);
		/* Past the input's pieces a file is missing, as in a race. */
		if (p >= end && i) {
			unlink(path);
			continue;
		}
		f = fopen(path, "w");
		if (!f)
			abort();
		fwrite(p, 1, n, f);
		fclose(f);
		p += n + !!bar;
	}
	if (kxp_read_vcpus(&vs, &e))
		fail("reading the directory failed", e.msg);
	mem_open(&m);
	kxp_vcpus_json(&m.w, "vcpus", &vs);
	mem_check(&m, NULL);
	kxp_vcpus_free(&vs);
}
#else
static void fuzz(const uint8_t *data, size_t size)
{
	struct kxp_buf b = buf_of(data, size);
	struct mem m;
#if KXP_FUZZ_TARGET == T_INFO
	struct kxp_info in;

	kxp_info_parse(&b, &in);
	if (in.nr_probes > KXP_MAX_PROBES || in.nr_xfeat > KXP_MAX_XFEAT ||
	    in.nr_traits > KXP_MAX_TRAITS)
		fail("info: a table overflowed", NULL);
	mem_open(&m);
	kxp_info_json(&m.w, "module", &in);
	mem_check(&m, NULL);
#elif KXP_FUZZ_TARGET == T_STATS
	struct kxp_stats st;

	kxp_stats_parse(&b, &st);
	mem_open(&m);
	kxp_stats_json(&m.w, "stats", &st);
	mem_check(&m, NULL);
#elif KXP_FUZZ_TARGET == T_VCPUS
	struct kxp_vcpus vs = { 0 };

	kxp_vcpus_parse(&b, &vs);
	mem_open(&m);
	kxp_vcpus_json(&m.w, "vcpus", &vs);
	mem_check(&m, NULL);
	kxp_vcpus_free(&vs);
#elif KXP_FUZZ_TARGET == T_EVENTS
	struct kxp_events evs = { 0 };
	size_t i;

	kxp_events_parse(&b, &evs);
	mem_open(&m);
	jw_arr(&m.w, "events");
	for (i = 0; i < evs.n; i++) {
		if (i && evs.v[i].seq <= evs.v[i - 1].seq)
			fail("events: seq does not rise", NULL);
		if (!evs.v[i].malformed)
			kxp_event_json(&m.w, NULL, &evs.v[i]);
	}
	jw_arr_end(&m.w);
	mem_check(&m, NULL);
	kxp_events_free(&evs);
#endif
	kxp_buf_free(&b);
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz(data, size);
	return 0;
}
