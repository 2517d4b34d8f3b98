// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-xsave: a small JSON parser (RFC 8259) for reading back our own
 * documents in `compat`. It builds a tree, rejects anything malformed with
 * the line and column of the problem, and limits nesting depth.
 *
 * Linear in time and memory, for a report of a full 65536-event ring (tens
 * of MB): every node and string lives in one pool of big chunks, freed at
 * once; a container's members are gathered on a stack and copied to the
 * pool, exactly sized, when it closes; duplicate member names of a big
 * object are found by sorting, not by comparing all pairs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kxp.h"

/*
 * Under AddressSanitizer (the fuzzers) the pool's free space is poisoned
 * and each allocation unpoisoned to its exact size, so that an overrun
 * inside a chunk is caught as one past a malloc would be.
 */
#if defined(__SANITIZE_ADDRESS__)
#define KXP_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KXP_ASAN 1
#endif
#endif
#ifdef KXP_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n)	ASAN_POISON_MEMORY_REGION(p, n)
#define UNPOISON(p, n)	ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define POISON(p, n)	((void)(p), (void)(n))
#define UNPOISON(p, n)	((void)(p), (void)(n))
#endif

#define JP_MAX_DEPTH 64
#define POOL_CHUNK (1024 * 1024)
/* Up to this many members, a duplicate name is looked for at once. */
#define DUP_SCAN_MAX 16

struct jv_chunk {
	struct jv_chunk *next;
	size_t used, size;
	char data[];
};

struct jv_pool {
	struct jv_chunk *chunks;
};

struct jp {
	const char *s;
	const char *end;
	const char *p;
	int depth;
	char *err;
	size_t errlen;
	int failed;
	struct jv_pool *pool;
	struct jv *stack;	/* members of the open containers */
	size_t sp, cap;
};

static void *pool_alloc(struct jv_pool *pool, size_t n)
{
	struct jv_chunk *c = pool->chunks;
	size_t size, want = n;

	n = (n + 7) & ~(size_t)7;
	if (!c || c->size - c->used < n) {
		size = n > POOL_CHUNK / 4 ? n : POOL_CHUNK;
		c = malloc(sizeof(*c) + size);
		if (!c)
			return NULL;
		c->size = size;
		c->used = 0;
		POISON(c->data, size);
		/* A big block goes behind the current chunk, not in its place. */
		if (size != POOL_CHUNK && pool->chunks) {
			c->next = pool->chunks->next;
			pool->chunks->next = c;
		} else {
			c->next = pool->chunks;
			pool->chunks = c;
		}
	}
	c->used += n;
	UNPOISON(c->data + c->used - n, want);
	return c->data + c->used - n;
}

static void pool_free(struct jv_pool *pool)
{
	struct jv_chunk *c, *next;

	if (!pool)
		return;
	for (c = pool->chunks; c; c = next) {
		next = c->next;
		UNPOISON(c->data, c->size);
		free(c);
	}
	free(pool);
}

static int jp_fail(struct jp *jp, const char *what)
{
	const char *q;
	unsigned int line = 1, col = 1;

	if (jp->failed)
		return -1;
	for (q = jp->s; q < jp->p && q < jp->end; q++) {
		if (*q == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	snprintf(jp->err, jp->errlen, "line %u, column %u: %s", line, col,
		 what);
	jp->failed = 1;
	return -1;
}

static void skip_ws(struct jp *jp)
{
	while (jp->p < jp->end && (*jp->p == ' ' || *jp->p == '\t' ||
				   *jp->p == '\n' || *jp->p == '\r'))
		jp->p++;
}

static int hex4(struct jp *jp, unsigned int *out)
{
	unsigned int v = 0;
	int i;

	if (jp->end - jp->p < 4)
		return jp_fail(jp, "truncated \\u escape");
	for (i = 0; i < 4; i++) {
		char c = jp->p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return jp_fail(jp, "invalid \\u escape");
	}
	jp->p += 4;
	*out = v;
	return 0;
}

static size_t put_utf8(char *o, unsigned int cp)
{
	if (cp < 0x80) {
		o[0] = cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = 0xc0 | cp >> 6;
		o[1] = 0x80 | (cp & 0x3f);
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = 0xe0 | cp >> 12;
		o[1] = 0x80 | ((cp >> 6) & 0x3f);
		o[2] = 0x80 | (cp & 0x3f);
		return 3;
	}
	o[0] = 0xf0 | cp >> 18;
	o[1] = 0x80 | ((cp >> 12) & 0x3f);
	o[2] = 0x80 | ((cp >> 6) & 0x3f);
	o[3] = 0x80 | (cp & 0x3f);
	return 4;
}

/*
 * Bytes up to the closing quote (or the end), skipping escaped characters:
 * the decoded string is never longer, so that is all it allocates. Each
 * byte is looked at twice, whatever the input: linear.
 */
static size_t raw_string_len(const char *p, const char *end)
{
	const char *q = p;

	while (q < end && *q != '"')
		q += *q == '\\' && q + 1 < end ? 2 : 1;
	return q - p;
}

/* At the opening quote. */
static int parse_string(struct jp *jp, char **out)
{
	const char *start = ++jp->p;
	char *buf, *o;

	buf = pool_alloc(jp->pool, raw_string_len(start, jp->end) + 1);
	if (!buf)
		return jp_fail(jp, "out of memory");
	o = buf;
	for (;;) {
		unsigned char c;

		if (jp->p >= jp->end)
			return jp_fail(jp, "unterminated string");
		c = *jp->p++;
		if (c == '"')
			break;
		if (c < 0x20) {
			jp->p--;
			return jp_fail(jp, "control character in string");
		}
		if (c != '\\') {
			*o++ = c;
			continue;
		}
		if (jp->p >= jp->end)
			return jp_fail(jp, "unterminated string");
		c = *jp->p++;
		switch (c) {
		case '"':
		case '\\':
		case '/':
			*o++ = c;
			break;
		case 'b':
			*o++ = '\b';
			break;
		case 'f':
			*o++ = '\f';
			break;
		case 'n':
			*o++ = '\n';
			break;
		case 'r':
			*o++ = '\r';
			break;
		case 't':
			*o++ = '\t';
			break;
		case 'u': {
			unsigned int cp, lo;

			if (hex4(jp, &cp))
				goto bad;
			if (cp >= 0xdc00 && cp <= 0xdfff) {
				jp_fail(jp, "unpaired low surrogate");
				goto bad;
			}
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (jp->end - jp->p < 2 || jp->p[0] != '\\' ||
				    jp->p[1] != 'u') {
					jp_fail(jp, "unpaired high surrogate");
					goto bad;
				}
				jp->p += 2;
				if (hex4(jp, &lo))
					goto bad;
				if (lo < 0xdc00 || lo > 0xdfff) {
					jp_fail(jp, "invalid surrogate pair");
					goto bad;
				}
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				     (lo - 0xdc00);
			}
			if (!cp) {
				jp_fail(jp, "\\u0000 in string");
				goto bad;
			}
			o += put_utf8(o, cp);
			break;
		}
		default:
			jp->p--;
			jp_fail(jp, "invalid escape in string");
			goto bad;
		}
	}
	*o = '\0';
	*out = buf;
	return 0;
bad:
	return -1;	/* the pool goes with the whole parse */
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int parse_number(struct jp *jp, struct jv *v)
{
	const char *start = jp->p;

	if (jp->p < jp->end && *jp->p == '-')
		jp->p++;
	if (jp->p >= jp->end || !is_digit(*jp->p))
		return jp_fail(jp, "invalid number");
	if (*jp->p == '0') {
		jp->p++;
	} else {
		while (jp->p < jp->end && is_digit(*jp->p))
			jp->p++;
	}
	if (jp->p < jp->end && *jp->p == '.') {
		jp->p++;
		if (jp->p >= jp->end || !is_digit(*jp->p))
			return jp_fail(jp, "invalid number: digit expected");
		while (jp->p < jp->end && is_digit(*jp->p))
			jp->p++;
	}
	if (jp->p < jp->end && (*jp->p == 'e' || *jp->p == 'E')) {
		jp->p++;
		if (jp->p < jp->end && (*jp->p == '+' || *jp->p == '-'))
			jp->p++;
		if (jp->p >= jp->end || !is_digit(*jp->p))
			return jp_fail(jp, "invalid number: exponent expected");
		while (jp->p < jp->end && is_digit(*jp->p))
			jp->p++;
	}
	v->type = JV_NUM;
	v->s = pool_alloc(jp->pool, jp->p - start + 1);
	if (!v->s)
		return jp_fail(jp, "out of memory");
	memcpy(v->s, start, jp->p - start);
	v->s[jp->p - start] = '\0';
	return 0;
}

static int literal(struct jp *jp, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(jp->end - jp->p) < n || memcmp(jp->p, word, n))
		return jp_fail(jp, "unexpected character");
	jp->p += n;
	return 0;
}

/* A new zeroed slot on the member stack; its index (the stack moves). */
static int push(struct jp *jp, size_t *slot)
{
	if (jp->sp == jp->cap) {
		size_t cap = jp->cap ? jp->cap * 2 : 256;
		struct jv *st = realloc(jp->stack, cap * sizeof(*st));

		if (!st)
			return jp_fail(jp, "out of memory");
		jp->stack = st;
		jp->cap = cap;
	}
	memset(&jp->stack[jp->sp], 0, sizeof(jp->stack[0]));
	*slot = jp->sp++;
	return 0;
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Duplicate names of a big object: sorted, neighbours compared. */
static int check_dups(struct jp *jp, const struct jv *m, size_t n)
{
	const char **keys = malloc(n * sizeof(*keys));
	size_t i;
	int dup = 0;

	if (!keys)
		return jp_fail(jp, "out of memory");
	for (i = 0; i < n; i++)
		keys[i] = m[i].key;
	qsort(keys, n, sizeof(*keys), key_cmp);
	for (i = 1; i < n && !dup; i++)
		dup = !strcmp(keys[i - 1], keys[i]);
	free(keys);
	return dup ? jp_fail(jp, "duplicate member name") : 0;
}

/* Moves the members above @base from the stack into @v, exactly sized. */
static int close_container(struct jp *jp, size_t slot, size_t base)
{
	size_t n = jp->sp - base;
	struct jv *items = NULL;

	if (n > 0xffffffffU)
		return jp_fail(jp, "too many members");
	if (n && jp->stack[slot].type == JV_OBJ && n > DUP_SCAN_MAX &&
	    check_dups(jp, &jp->stack[base], n))
		return -1;
	if (n) {
		items = pool_alloc(jp->pool, n * sizeof(*items));
		if (!items)
			return jp_fail(jp, "out of memory");
		memcpy(items, &jp->stack[base], n * sizeof(*items));
	}
	jp->sp = base;
	jp->stack[slot].items = items;
	jp->stack[slot].n = n;
	return 0;
}

static int parse_value(struct jp *jp, size_t slot);

static int parse_array(struct jp *jp, size_t slot)
{
	size_t base = jp->sp, m;

	jp->stack[slot].type = JV_ARR;
	jp->p++;
	skip_ws(jp);
	if (jp->p < jp->end && *jp->p == ']') {
		jp->p++;
		return 0;
	}
	for (;;) {
		if (push(jp, &m) || parse_value(jp, m))
			return -1;
		skip_ws(jp);
		if (jp->p >= jp->end)
			return jp_fail(jp, "unterminated array");
		if (*jp->p == ']') {
			jp->p++;
			return close_container(jp, slot, base);
		}
		if (*jp->p != ',')
			return jp_fail(jp, "expected ',' or ']' in array");
		jp->p++;
	}
}

static int parse_object(struct jp *jp, size_t slot)
{
	size_t base = jp->sp, m, i;
	char *key;

	jp->stack[slot].type = JV_OBJ;
	jp->p++;
	skip_ws(jp);
	if (jp->p < jp->end && *jp->p == '}') {
		jp->p++;
		return 0;
	}
	for (;;) {
		skip_ws(jp);
		if (jp->p >= jp->end || *jp->p != '"')
			return jp_fail(jp, "expected a string as member name");
		if (parse_string(jp, &key))
			return -1;
		if (jp->sp - base < DUP_SCAN_MAX)
			for (i = base; i < jp->sp; i++)
				if (!strcmp(jp->stack[i].key, key))
					return jp_fail(jp, "duplicate member name");
		if (push(jp, &m))
			return -1;
		jp->stack[m].key = key;
		skip_ws(jp);
		if (jp->p >= jp->end || *jp->p != ':')
			return jp_fail(jp, "expected ':' after member name");
		jp->p++;
		if (parse_value(jp, m))
			return -1;
		skip_ws(jp);
		if (jp->p >= jp->end)
			return jp_fail(jp, "unterminated object");
		if (*jp->p == '}') {
			jp->p++;
			return close_container(jp, slot, base);
		}
		if (*jp->p != ',')
			return jp_fail(jp, "expected ',' or '}' in object");
		jp->p++;
	}
}

/* Parses one value into stack slot @slot (its key, if any, is kept). */
static int parse_value(struct jp *jp, size_t slot)
{
	struct jv *v;
	int ret;

	skip_ws(jp);
	if (jp->p >= jp->end)
		return jp_fail(jp, "unexpected end of input");
	v = &jp->stack[slot];
	switch (*jp->p) {
	case '{':
	case '[':
		if (++jp->depth > JP_MAX_DEPTH)
			return jp_fail(jp, "nesting too deep");
		ret = *jp->p == '{' ? parse_object(jp, slot) :
				      parse_array(jp, slot);
		jp->depth--;
		return ret;
	case '"':
		v->type = JV_STR;
		return parse_string(jp, &v->s);
	case 't':
		v->type = JV_BOOL;
		v->b = 1;
		return literal(jp, "true");
	case 'f':
		v->type = JV_BOOL;
		return literal(jp, "false");
	case 'n':
		v->type = JV_NULL;
		return literal(jp, "null");
	default:
		if (*jp->p == '-' || is_digit(*jp->p))
			return parse_number(jp, v);
		return jp_fail(jp, "unexpected character");
	}
}

int jv_parse(const char *text, size_t len, struct jv *out,
	     char *err, size_t errlen)
{
	struct jp jp = {
		.s = text, .end = text + len, .p = text,
		.err = err, .errlen = errlen,
	};
	size_t root;

	memset(out, 0, sizeof(*out));
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		jp.p += 3;
	if (memchr(text, '\0', len)) {
		jp.p = memchr(text, '\0', len);
		jp_fail(&jp, "NUL byte in input");
		return -EINVAL;
	}
	jp.pool = calloc(1, sizeof(*jp.pool));
	if (!jp.pool || push(&jp, &root) || parse_value(&jp, root))
		goto fail;
	skip_ws(&jp);
	if (jp.p != jp.end) {
		jp_fail(&jp, "trailing characters after the document");
		goto fail;
	}
	*out = jp.stack[root];
	out->pool = jp.pool;
	free(jp.stack);
	return 0;
fail:
	if (!jp.pool)
		jp_fail(&jp, "out of memory");
	pool_free(jp.pool);
	free(jp.stack);
	return -EINVAL;
}

/* Only a document (the root) owns memory: its pool. */
void jv_free(struct jv *v)
{
	pool_free(v->pool);
	memset(v, 0, sizeof(*v));
}

const struct jv *jv_get(const struct jv *obj, const char *key)
{
	size_t i;

	if (!obj || obj->type != JV_OBJ)
		return NULL;
	for (i = 0; i < obj->n; i++)
		if (!strcmp(obj->items[i].key, key))
			return &obj->items[i];
	return NULL;
}

/* A non-negative integer number. */
int jv_u64(const struct jv *v, u64 *out)
{
	if (!v || v->type != JV_NUM)
		return -EINVAL;
	return kxp_parse_u64(v->s, 10, out);
}

/* A "0x..." string, as the writer puts masks. */
int jv_hex(const struct jv *v, u64 *out)
{
	if (!v || v->type != JV_STR)
		return -EINVAL;
	return kxp_parse_u64(v->s, 16, out);
}
