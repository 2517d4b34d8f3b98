// SPDX-License-Identifier: GPL-2.0
/*
 * CR4 bit names for the set_sregs op (module/kxp_names.h's KXP_CR4_BITS):
 * the module names the offending bits, the reader names the others.
 */
#include <stdio.h>

#include "kxp.h"
#include "../module/kxp_names.h"

const char *kxp_cr4_name(unsigned int bit, char *buf, size_t len)
{
	return kxp_bit_name(kxp_cr4_names, KXP_NR_CR4_NAMES, bit, buf, len);
}

/* "-" or CR4 names joined by @sep; returns the number of unknown names. */
int kxp_cr4_names_to_mask(const char *names, char sep, u64 *mask)
{
	return kxp_names_to_bits(names, sep, kxp_cr4_names, KXP_NR_CR4_NAMES,
				 mask);
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
