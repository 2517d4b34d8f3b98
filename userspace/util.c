// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-xsave: names, number parsing, file reading, messages.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kxp.h"
#include "version.h"
#include "../module/kxp_names.h"

#ifndef KXP_VERSION
#define KXP_VERSION "unknown"
#endif

const char *kxp_prog = "kvm-xsave";
char kxp_invocation[512] = "kvm-xsave";
const char *kxp_version = KXP_VERSION;
int kxp_use_color;
unsigned long kxp_malformed[KXP_NR_SRC];

const char *const kxp_src_names[KXP_NR_SRC] = {
	"info", "stats", "vcpus", "events", "vcpu directory",
};

const char *kxp_bit_name(const char *const *names, unsigned int nr,
			 unsigned int bit, char *buf, size_t len)
{
	if (bit < nr && names[bit])
		return names[bit];
	snprintf(buf, len, "bit%u", bit);
	return buf;
}

int kxp_name_bit(const char *const *names, unsigned int nr, const char *name)
{
	unsigned int i;
	u64 v;

	for (i = 0; i < nr; i++)
		if (names[i] && !strcmp(name, names[i]))
			return i;
	if (!strncmp(name, "bit", 3) && name[3] >= '0' && name[3] <= '9' &&
	    !kxp_parse_u64(name + 3, 10, &v) && v < 64)
		return (int)v;
	return -1;
}

const char *kxp_feature_name(unsigned int bit, char *buf, size_t len)
{
	return kxp_bit_name(kxp_xfeature_names, KXP_NR_NAMED_XFEATURES, bit,
			    buf, len);
}

int kxp_feature_bit(const char *name)
{
	return kxp_name_bit(kxp_xfeature_names, KXP_NR_NAMED_XFEATURES, name);
}

const char *kxp_mask_str(u64 mask, const char *sep, char *buf, size_t len)
{
	size_t used = 0;
	unsigned int bit;
	char tmp[16];

	if (!len)
		return buf;
	buf[0] = '\0';
	if (!mask) {
		kxp_strlcpy(buf, "-", len);
		return buf;
	}
	for (bit = 0; bit < 64; bit++) {
		const char *name;
		int n;

		if (!(mask & (1ULL << bit)))
			continue;
		name = kxp_feature_name(bit, tmp, sizeof(tmp));
		n = snprintf(buf + used, len - used, "%s%s",
			     used ? sep : "", name);
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += n;
	}
	return buf;
}

int kxp_names_to_bits(const char *names, char sep,
		      const char *const *table, unsigned int nr, u64 *mask)
{
	char name[64];
	int unknown = 0;
	const char *p = names;

	*mask = 0;
	if (!strcmp(names, "-") || !*names)
		return 0;
	while (*p) {
		size_t n = strcspn(p, (char[]){ sep, '\0' });
		int bit = -1;

		if (n < sizeof(name)) {
			memcpy(name, p, n);
			name[n] = '\0';
			bit = kxp_name_bit(table, nr, name);
		}
		if (bit >= 0)
			*mask |= 1ULL << bit;
		else
			unknown++;
		p += n;
		if (*p)
			p++;
	}
	return unknown;
}

int kxp_names_to_mask(const char *names, char sep, u64 *mask)
{
	return kxp_names_to_bits(names, sep, kxp_xfeature_names,
				 KXP_NR_NAMED_XFEATURES, mask);
}

const char *kxp_op_name(unsigned int op)
{
	return op < KXP_NR_OPS ? kxp_op_names[op] : NULL;
}

const char *kxp_reason_name(unsigned int reason)
{
	return reason < KXP_NR_REASONS ? kxp_reason_names[reason] : NULL;
}

int kxp_is_reason(const char *s)
{
	unsigned int i;

	for (i = 0; i < KXP_NR_REASONS; i++)
		if (!strcmp(s, kxp_reason_names[i]))
			return 1;
	return 0;
}

int kxp_format_version(void)
{
	return KXP_FORMAT_VERSION;
}

/* Whole-string number parsing: 0 or -EINVAL/-ERANGE. */
int kxp_parse_u64(const char *s, int base, u64 *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	if (base == 16 && (s[0] != '0' || (s[1] != 'x' && s[1] != 'X')))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno)
		return -ERANGE;
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

int kxp_parse_s64(const char *s, s64 *out)
{
	char *end;
	long long v;

	if (!s || !*s || *s == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno)
		return -ERANGE;
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

char *kxp_trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
		     s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

void kxp_strlcpy(char *dst, const char *src, size_t len)
{
	size_t n;

	if (!len)
		return;
	n = strlen(src);
	if (n >= len)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static const struct {
	int err;
	const char *name;
} errno_names[] = {
	{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { ESRCH, "ESRCH" },
	{ EINTR, "EINTR" }, { EIO, "EIO" }, { ENXIO, "ENXIO" },
	{ E2BIG, "E2BIG" }, { EBADF, "EBADF" }, { EAGAIN, "EAGAIN" },
	{ ENOMEM, "ENOMEM" }, { EACCES, "EACCES" }, { EFAULT, "EFAULT" },
	{ EBUSY, "EBUSY" }, { EEXIST, "EEXIST" }, { ENODEV, "ENODEV" },
	{ ENOTDIR, "ENOTDIR" }, { EISDIR, "EISDIR" }, { EINVAL, "EINVAL" },
	{ ENOSPC, "ENOSPC" }, { ERANGE, "ERANGE" }, { ENOTTY, "ENOTTY" },
	{ EOPNOTSUPP, "EOPNOTSUPP" }, { ETIMEDOUT, "ETIMEDOUT" },
	{ EOVERFLOW, "EOVERFLOW" }, { EROFS, "EROFS" },
};

const char *kxp_errno_name(int err)
{
	unsigned int i;

	if (err < 0)
		err = -err;
	for (i = 0; i < KXP_ARRAY_SIZE(errno_names); i++)
		if (errno_names[i].err == err)
			return errno_names[i].name;
	return NULL;
}

/* Fills in @e; returns -1 so callers can `return kxp_set_err(...)`. */
int kxp_set_err(struct kxp_err *e, int code, const char *id,
		const char *fmt, ...)
{
	va_list ap;

	e->code = code;
	e->id = id;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

static void vmessage(const char *what, enum kxp_color c, const char *fmt,
		     va_list ap)
{
	int color = kxp_use_color && isatty(STDERR_FILENO);

	kxp_flush(stdout);
	fprintf(stderr, "%s: %s%s%s", kxp_prog, color ? kxp_c(c) : "", what,
		color ? kxp_c(KXP_C_RESET) : "");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void kxp_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage("error: ", KXP_C_RED, fmt, ap);
	va_end(ap);
}

void kxp_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage("warning: ", KXP_C_YELLOW, fmt, ap);
	va_end(ap);
}

/* A line of @path (a module file, or a vCPU directory's value file). */
void kxp_note_malformed_at(enum kxp_src src, const char *path,
			   unsigned int lineno)
{
	if (!kxp_malformed[src]++)
		kxp_warn("%s (%s): line %u is malformed and was skipped (%s)",
			 kxp_src_names[src], path, lineno,
			 "further malformed lines are skipped and counted silently");
}

void kxp_note_malformed(enum kxp_src src, unsigned int lineno)
{
	char path[1100];

	snprintf(path, sizeof(path), "%s/%s", kxp_dir(), kxp_src_names[src]);
	kxp_note_malformed_at(src, path, lineno);
}

static const char *const colors[KXP_NR_COLORS] = {
	"\033[0m", "\033[1m", "\033[1;31m", "\033[33m", "\033[32m",
	"\033[2m",
};

const char *kxp_c(enum kxp_color c)
{
	return kxp_use_color ? colors[c] : "";
}

/*
 * Words are separated by blanks; a newline in @text starts a new
 * (continuation) line.
 */
void kxp_wrap(FILE *f, int indent, const char *label, const char *text)
{
	int col = indent + (int)strlen(label), fresh = 1;
	const char *p = text;

	fprintf(f, "%*s%s", indent, "", label);
	while (*p) {
		size_t n;

		if (*p == ' ') {
			p++;
			continue;
		}
		if (*p == '\n') {
			fprintf(f, "\n%*s", indent + 2, "");
			col = indent + 2;
			fresh = 1;
			p++;
			continue;
		}
		n = strcspn(p, "\n ");
		if (!fresh && col + 1 + (int)n > 78) {
			fprintf(f, "\n%*s", indent + 2, "");
			col = indent + 2;
			fresh = 1;
		}
		if (!fresh) {
			fputc(' ', f);
			col++;
		}
		fwrite(p, 1, n, f);
		col += n;
		fresh = 0;
		p += n;
	}
	fputc('\n', f);
}

int kxp_read_fd(int fd, struct kxp_buf *b)
{
	size_t cap = 4096;

	b->len = 0;
	b->data = malloc(cap);
	if (!b->data)
		return -ENOMEM;
	for (;;) {
		ssize_t n;

		if (b->len + 1 >= cap) {
			char *p = realloc(b->data, cap * 2);

			if (!p)
				goto nomem;
			b->data = p;
			cap *= 2;
		}
		n = read(fd, b->data + b->len, cap - 1 - b->len);
		if (n < 0) {
			int err = errno;

			if (err == EINTR)
				continue;
			kxp_buf_free(b);
			return -err;
		}
		if (!n)
			break;
		b->len += n;
	}
	b->data[b->len] = '\0';
	return 0;
nomem:
	kxp_buf_free(b);
	return -ENOMEM;
}

int kxp_read_path(const char *path, struct kxp_buf *b)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int ret;

	b->data = NULL;
	b->len = 0;
	if (fd < 0)
		return -errno;
	ret = kxp_read_fd(fd, b);
	close(fd);
	return ret;
}

void kxp_buf_free(struct kxp_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
}

void kxp_lines_init(struct kxp_lines *it, struct kxp_buf *b)
{
	it->p = b->data;
	it->end = b->data ? b->data + b->len : NULL;
	it->lineno = 0;
	it->partial = 0;
}

char *kxp_lines_next(struct kxp_lines *it)
{
	char *line, *nl;

	if (!it->p || it->p >= it->end)
		return NULL;
	line = it->p;
	nl = memchr(line, '\n', it->end - line);
	if (!nl) {
		it->partial++;
		it->p = it->end;
		return NULL;
	}
	*nl = '\0';
	if (nl > line && nl[-1] == '\r')
		nl[-1] = '\0';
	it->p = nl + 1;
	it->lineno++;
	return line;
}
