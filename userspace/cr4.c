// SPDX-License-Identifier: GPL-2.0
/*
 * CR4 bit names for the set_sregs op (module/kxp_names.h's kxp_cr4_names):
 * the module names the offending bits, the reader names the others.
 */
#include <stdio.h>
#include <string.h>

#include "kxp.h"
#include "../module/kxp_names.h"

const char *kxp_cr4_name(unsigned int bit, char *buf, size_t len)
{
	if (kxp_cr4_is_named(bit))
		return kxp_cr4_names[bit];
	snprintf(buf, len, "bit%u", bit);
	return buf;
}

static int cr4_bit(const char *name)
{
	unsigned int i;
	u64 v;

	for (i = 0; i < KXP_NR_CR4_NAMES; i++)
		if (kxp_cr4_is_named(i) && !strcmp(name, kxp_cr4_names[i]))
			return i;
	if (!strncmp(name, "bit", 3) && name[3] >= '0' && name[3] <= '9' &&
	    !kxp_parse_u64(name + 3, 10, &v) && v < 64)
		return (int)v;
	return -1;
}

/* "-" or CR4 names joined by @sep; returns the number of unknown names. */
int kxp_cr4_names_to_mask(const char *names, char sep, u64 *mask)
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
			bit = cr4_bit(name);
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

/* "key": "0x440600", "key_names": ["osfxsr", "osxmmexcpt", "osxsave", "pke"] */
void jw_cr4(struct jw *w, const char *key, u64 v)
{
	char nkey[96], tmp[16];
	unsigned int bit;

	jw_hex(w, key, v);
	snprintf(nkey, sizeof(nkey), "%s_names", key);
	jw_arr_inline(w, nkey);
	for (bit = 0; bit < 64; bit++)
		if (v & (1ULL << bit))
			jw_str(w, NULL, kxp_cr4_name(bit, tmp, sizeof(tmp)));
	jw_arr_end(w);
}
