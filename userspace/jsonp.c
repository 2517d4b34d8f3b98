// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-xsave: a small JSON parser (RFC 8259) for reading back our own
 * documents in `compat`. It builds a tree, rejects anything malformed with
 * the line and column of the problem, and limits nesting depth.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kxp.h"

#define JP_MAX_DEPTH 64

struct jp {
	const char *s;
	const char *end;
	const char *p;
	int depth;
	char *err;
	size_t errlen;
	int failed;
};

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

static int parse_value(struct jp *jp, struct jv *v);

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

/* At the opening quote; the decoded string is never longer than the raw. */
static int parse_string(struct jp *jp, char **out)
{
	const char *start = ++jp->p;
	char *buf, *o;

	buf = malloc(jp->end - start + 1);
	if (!buf)
		return jp_fail(jp, "out of memory");
	o = buf;
	for (;;) {
		unsigned char c;

		if (jp->p >= jp->end) {
			free(buf);
			return jp_fail(jp, "unterminated string");
		}
		c = *jp->p++;
		if (c == '"')
			break;
		if (c < 0x20) {
			jp->p--;
			free(buf);
			return jp_fail(jp, "control character in string");
		}
		if (c != '\\') {
			*o++ = c;
			continue;
		}
		if (jp->p >= jp->end) {
			free(buf);
			return jp_fail(jp, "unterminated string");
		}
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
	free(buf);
	return -1;
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
	v->s = strndup(start, jp->p - start);
	if (!v->s)
		return jp_fail(jp, "out of memory");
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

static int grow(struct jv *v, size_t *cap, int with_keys)
{
	struct jv *items;
	char **keys;
	size_t ncap;

	if (v->n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 8;
	items = realloc(v->items, ncap * sizeof(*items));
	if (!items)
		return -1;
	v->items = items;
	if (with_keys) {
		keys = realloc(v->keys, ncap * sizeof(*keys));
		if (!keys)
			return -1;
		v->keys = keys;
	}
	*cap = ncap;
	return 0;
}

static int parse_array(struct jp *jp, struct jv *v)
{
	size_t cap = 0;

	v->type = JV_ARR;
	jp->p++;
	skip_ws(jp);
	if (jp->p < jp->end && *jp->p == ']') {
		jp->p++;
		return 0;
	}
	for (;;) {
		if (grow(v, &cap, 0))
			return jp_fail(jp, "out of memory");
		memset(&v->items[v->n], 0, sizeof(v->items[0]));
		v->n++;
		if (parse_value(jp, &v->items[v->n - 1]))
			return -1;
		skip_ws(jp);
		if (jp->p >= jp->end)
			return jp_fail(jp, "unterminated array");
		if (*jp->p == ']') {
			jp->p++;
			return 0;
		}
		if (*jp->p != ',')
			return jp_fail(jp, "expected ',' or ']' in array");
		jp->p++;
	}
}

static int parse_object(struct jp *jp, struct jv *v)
{
	size_t cap = 0, i;
	char *key;

	v->type = JV_OBJ;
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
		if (grow(v, &cap, 1))
			return jp_fail(jp, "out of memory");
		if (parse_string(jp, &key))
			return -1;
		for (i = 0; i < v->n; i++) {
			if (!strcmp(v->keys[i], key)) {
				free(key);
				return jp_fail(jp, "duplicate member name");
			}
		}
		v->keys[v->n] = key;
		memset(&v->items[v->n], 0, sizeof(v->items[0]));
		v->n++;
		skip_ws(jp);
		if (jp->p >= jp->end || *jp->p != ':')
			return jp_fail(jp, "expected ':' after member name");
		jp->p++;
		if (parse_value(jp, &v->items[v->n - 1]))
			return -1;
		skip_ws(jp);
		if (jp->p >= jp->end)
			return jp_fail(jp, "unterminated object");
		if (*jp->p == '}') {
			jp->p++;
			return 0;
		}
		if (*jp->p != ',')
			return jp_fail(jp, "expected ',' or '}' in object");
		jp->p++;
	}
}

static int parse_value(struct jp *jp, struct jv *v)
{
	int ret;

	skip_ws(jp);
	if (jp->p >= jp->end)
		return jp_fail(jp, "unexpected end of input");
	switch (*jp->p) {
	case '{':
	case '[':
		if (++jp->depth > JP_MAX_DEPTH)
			return jp_fail(jp, "nesting too deep");
		ret = *jp->p == '{' ? parse_object(jp, v) :
				      parse_array(jp, v);
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

	memset(out, 0, sizeof(*out));
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		jp.p += 3;
	if (memchr(text, '\0', len)) {
		jp.p = memchr(text, '\0', len);
		jp_fail(&jp, "NUL byte in input");
		return -EINVAL;
	}
	if (parse_value(&jp, out))
		goto fail;
	skip_ws(&jp);
	if (jp.p != jp.end) {
		jp_fail(&jp, "trailing characters after the document");
		goto fail;
	}
	return 0;
fail:
	jv_free(out);
	return -EINVAL;
}

void jv_free(struct jv *v)
{
	size_t i;

	for (i = 0; i < v->n; i++) {
		jv_free(&v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->s);
	memset(v, 0, sizeof(*v));
}

const struct jv *jv_get(const struct jv *obj, const char *key)
{
	size_t i;

	if (!obj || obj->type != JV_OBJ)
		return NULL;
	for (i = 0; i < obj->n; i++)
		if (!strcmp(obj->keys[i], key))
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
