// SPDX-License-Identifier: GPL-2.0
/*
 * Why this host lacks a feature: the kernel command line turned it off,
 * the CPU (or the hypervisor below) does not offer it, or the CPU has it
 * and this kernel's KVM does not. Read from /proc/cmdline and the flags of
 * /proc/cpuinfo, for the verdicts of the host the reader runs on.
 */
#include <string.h>

#include "verdict.h"

/* Does the space-separated list @list contain the word @w? */
static int has_word(const char *list, const char *w)
{
	size_t n = strlen(w);
	const char *p = list;

	while ((p = strstr(p, w))) {
		if ((p == list || p[-1] == ' ' || p[-1] == '\t') &&
		    (p[n] == ' ' || p[n] == '\t' || p[n] == '\n' || !p[n]))
			return 1;
		p += n;
	}
	return 0;
}

/* The first line of @path starting with @prefix, into @out. */
static int first_line(const char *path, const char *prefix, char *out,
		      size_t len)
{
	struct kxp_buf b;
	struct kxp_lines it;
	char *line;
	int found = 0;

	if (kxp_read_path(path, &b))
		return 0;
	kxp_lines_init(&it, &b);
	while ((line = kxp_lines_next(&it)))
		if (!strncmp(line, prefix, strlen(prefix))) {
			kxp_strlcpy(out, line, len);
			found = 1;
			break;
		}
	kxp_buf_free(&b);
	return found;
}

void kxp_host_why(u64 bits, char *out, size_t len)
{
	static char flags[8192], cmdline[4096];
	static int have_flags = -1, have_cmdline;
	const char *seen[8];
	size_t o = 0, nseen = 0, j;
	unsigned int bit;

	out[0] = '\0';
	if (have_flags < 0) {
		have_flags = first_line("/proc/cpuinfo", "flags", flags,
					sizeof(flags));
		have_cmdline = first_line("/proc/cmdline", "", cmdline,
					  sizeof(cmdline));
	}
	for (bit = 0; bit < 64; bit++) {
		const char *fl = (bits >> bit) & 1 ? kxp_feature_flag(bit, 1) : NULL;
		char off[64];

		if (!fl)
			continue;
		for (j = 0; j < nseen && strcmp(seen[j], fl); j++)
			;
		if (j < nseen || nseen == KXP_ARRAY_SIZE(seen))
			continue;
		seen[nseen++] = fl;
		snprintf(off, sizeof(off), "no%s", fl);
		if (have_cmdline && (has_word(cmdline, off) ||
				     has_word(cmdline, "noxsave")))
			o += snprintf(out + o, o < len ? len - o : 0,
				      " On this host the kernel command line turns %s off (%s).",
				      fl, has_word(cmdline, off) ? off : "noxsave");
		else if (have_cmdline && strstr(cmdline, "clearcpuid="))
			o += snprintf(out + o, o < len ? len - o : 0,
				      " On this host the kernel command line has clearcpuid=, which may clear %s: check it.",
				      fl);
		else if (have_flags && !has_word(flags, fl))
			o += snprintf(out + o, o < len ? len - o : 0,
				      " On this host the CPU, or the hypervisor below, does not offer %s (not in /proc/cpuinfo).",
				      fl);
		else if (have_flags)
			o += snprintf(out + o, o < len ? len - o : 0,
				      " On this host the CPU offers %s (/proc/cpuinfo), but this kernel's KVM does not support it for guests.",
				      fl);
	}
}
