// SPDX-License-Identifier: GPL-2.0
/*
 * report --redact: the host name out of everything the report writes, for
 * public bug trackers. The name is uname's nodename up to its first dot,
 * matched as uname spells it where it stands as a word of its own (no
 * letter, digit, '-' or '_' right before or after it), together with any
 * domain that follows (".example.org"). The JSON writer applies it to
 * every string value; the text report to its whole text. VMM command lines
 * are left out by their printers (vmm.c), not here.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "kxp.h"

int kxp_redact;
static char host[65];	/* the nodename's first label; "" redacts nothing */

void kxp_redact_host(const char *nodename)
{
	size_t n = strcspn(nodename, ".");

	if (n >= sizeof(host))
		n = sizeof(host) - 1;
	memcpy(host, nodename, n);
	host[n] = '\0';
	/* The kernel's name for "not set" names no host. */
	if (!strcmp(nodename, "(none)"))
		host[0] = '\0';
}

void kxp_redact_init(void)
{
	struct utsname u;

	kxp_redact = 1;
	kxp_redact_host(uname(&u) ? "" : u.nodename);
}

static int word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_';
}

static int label_char(char c)
{
	return word_char(c) && c != '_';
}

/* Length of the host name (and its domain) at @p, or 0. */
static size_t host_at(const char *start, const char *p, size_t hl)
{
	size_t n = hl;

	if (strncmp(p, host, hl) || (p > start && word_char(p[-1])) ||
	    word_char(p[hl]))
		return 0;
	while (p[n] == '.' && label_char(p[n + 1])) {
		n++;
		while (label_char(p[n]))
			n++;
	}
	return n;
}

char *kxp_redact_str(const char *s)
{
	size_t hl = strlen(host), ml = strlen(KXP_REDACTED_HOST), len = 0;
	const char *p;
	char *out;

	/* The length first, then the copy. */
	for (p = s; *p; ) {
		size_t n = hl ? host_at(s, p, hl) : 0;

		len += n ? ml : 1;
		p += n ? n : 1;
	}
	out = malloc(len + 1);
	if (!out)
		return NULL;
	len = 0;
	for (p = s; *p; ) {
		size_t n = hl ? host_at(s, p, hl) : 0;

		if (n) {
			memcpy(out + len, KXP_REDACTED_HOST, ml);
			len += ml;
			p += n;
		} else {
			out[len++] = *p++;
		}
	}
	out[len] = '\0';
	return out;
}
