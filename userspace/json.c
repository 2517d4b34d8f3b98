// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-xsave: a small streaming JSON writer.
 *
 * Values are written as they come; the writer only tracks nesting to place
 * commas and indentation. Strings are escaped and invalid UTF-8 becomes
 * U+FFFD, so the output is always valid JSON.
 */
#include <stdlib.h>
#include <string.h>

#include "kxp.h"
#include "../module/kxp_names.h"

/* --compact: every document on one line, as JSON Lines are anyway. */
int kxp_json_compact;

void jw_init(struct jw *w, FILE *f, int pretty)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
	w->pretty = pretty && !kxp_json_compact;
	w->inline_from = -1;
}

static int is_inline(const struct jw *w)
{
	return !w->pretty || (w->inline_from >= 0 &&
			      w->depth >= w->inline_from);
}

static void newline(struct jw *w)
{
	if (is_inline(w))
		return;
	fprintf(w->f, "\n%*s", 2 * w->depth, "");
}

/* Length of a valid UTF-8 sequence at @s, or 0. */
static int utf8_len(const unsigned char *s)
{
	int n, i;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	cp = s[0] & (0x7f >> n);
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

static void put_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	while (*p) {
		int n;

		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f) {
				fprintf(f, "\\u%04x", *p);
				break;
			}
			n = utf8_len(p);
			if (!n) {
				fputs("\\ufffd", f);
				break;
			}
			fwrite(p, 1, n, f);
			p += n;
			continue;
		}
		p++;
	}
	fputc('"', f);
}

/* Comma, newline and key before a value. */
static void begin_value(struct jw *w, const char *key)
{
	if (w->depth > 0) {
		if (w->count[w->depth - 1]++)
			fputc(',', w->f);
		if (is_inline(w) && w->pretty && w->count[w->depth - 1] > 1)
			fputc(' ', w->f);
		newline(w);
	}
	if (key) {
		put_string(w->f, key);
		fputs(w->pretty ? ": " : ":", w->f);
	}
}

static void open_(struct jw *w, const char *key, char c, int inl)
{
	begin_value(w, key);
	fputc(c, w->f);
	if (inl && w->inline_from < 0)
		w->inline_from = w->depth + 1;
	if (w->depth < JW_MAX_DEPTH - 1)
		w->depth++;
	w->count[w->depth - 1] = 0;
}

static void close_(struct jw *w, char c)
{
	int had = w->depth > 0 && w->count[w->depth - 1];
	int inl = is_inline(w);

	if (w->depth > 0)
		w->depth--;
	if (had && !inl)
		newline(w);
	fputc(c, w->f);
	if (w->inline_from > w->depth)
		w->inline_from = -1;
}

void jw_obj(struct jw *w, const char *key)
{
	open_(w, key, '{', 0);
}

void jw_obj_end(struct jw *w)
{
	close_(w, '}');
}

void jw_arr(struct jw *w, const char *key)
{
	open_(w, key, '[', 0);
}

void jw_arr_inline(struct jw *w, const char *key)
{
	open_(w, key, '[', 1);
}

void jw_arr_end(struct jw *w)
{
	close_(w, ']');
}

void jw_str(struct jw *w, const char *key, const char *s)
{
	char *r;

	begin_value(w, key);
	if (!s) {
		fputs("null", w->f);
	} else if (kxp_redact) {	/* values only: keys name no host */
		r = kxp_redact_str(s);
		put_string(w->f, r ? r : KXP_REDACTED_HOST);
		free(r);
	} else {
		put_string(w->f, s);
	}
}

void jw_u64(struct jw *w, const char *key, u64 v)
{
	begin_value(w, key);
	fprintf(w->f, "%llu", v);
}

void jw_s64(struct jw *w, const char *key, s64 v)
{
	begin_value(w, key);
	fprintf(w->f, "%lld", v);
}

void jw_bool(struct jw *w, const char *key, int v)
{
	begin_value(w, key);
	fputs(v ? "true" : "false", w->f);
}

void jw_null(struct jw *w, const char *key)
{
	begin_value(w, key);
	fputs("null", w->f);
}

void jw_hex(struct jw *w, const char *key, u64 v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%llx", v);
	jw_str(w, key, buf);
}

/* "key": "0x207", "key_names": [...]: each bit named by @names[@nr]. */
void jw_bits(struct jw *w, const char *key, u64 v, const char *const *names,
	     unsigned int nr)
{
	char nkey[96], tmp[16];
	unsigned int bit;

	jw_hex(w, key, v);
	snprintf(nkey, sizeof(nkey), "%s_names", key);
	jw_arr_inline(w, nkey);
	for (bit = 0; bit < 64; bit++)
		if (v & (1ULL << bit))
			jw_str(w, NULL,
			       kxp_bit_name(names, nr, bit, tmp, sizeof(tmp)));
	jw_arr_end(w);
}

/* "key": "0x207", "key_names": ["fp", "sse", "ymm", "pkru"] */
void jw_mask(struct jw *w, const char *key, u64 v)
{
	jw_bits(w, key, v, kxp_xfeature_names, KXP_NR_NAMED_XFEATURES);
}

/* A mask, or null for both "key" and "key_names" when it is unknown. */
void jw_mask_or_null(struct jw *w, const char *key, int have, u64 v)
{
	char nkey[96];

	if (have) {
		jw_mask(w, key, v);
		return;
	}
	snprintf(nkey, sizeof(nkey), "%s_names", key);
	jw_null(w, key);
	jw_null(w, nkey);
}

/* An array from a @sep-joined list; "-" and "" give []. */
void jw_names(struct jw *w, const char *key, const char *list, char sep)
{
	char name[128];
	const char *p = list;

	jw_arr_inline(w, key);
	if (strcmp(list, "-")) {
		while (*p) {
			size_t n = strcspn(p, (char[]){ sep, '\0' });

			if (n >= sizeof(name))
				n = sizeof(name) - 1;
			memcpy(name, p, n);
			name[n] = '\0';
			if (n)
				jw_str(w, NULL, name);
			p += strcspn(p, (char[]){ sep, '\0' });
			if (*p)
				p++;
		}
	}
	jw_arr_end(w);
}

void jw_finish(struct jw *w)
{
	fputc('\n', w->f);
	kxp_flush(w->f);
}

/* The fields every document starts with. */
void jw_header(struct jw *w, const char *command)
{
	jw_u64(w, "schema", KXP_JSON_SCHEMA);
	jw_str(w, "tool", "kvm-xsave");
	jw_str(w, "tool_version", kxp_version);
	jw_str(w, "command", command);
}
