// SPDX-License-Identifier: GPL-2.0
/*
 * CR4 bit names for the set_sregs op (module/kxp_names.h's KXP_CR4_BITS):
 * the module names the offending bits, the reader names the others.
 */
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
	jw_bits(w, key, v, kxp_cr4_names, KXP_NR_CR4_NAMES);
}
