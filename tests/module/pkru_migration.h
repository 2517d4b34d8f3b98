/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A migration between two emulated hosts: the source (-cpu max) saves a
 * vCPU's XSAVE state with PKRU in use into KXP_STATE_FILE; the destination
 * (-cpu max,-pku) loads it. Two test programs, one per boot.
 */
#ifndef PKRU_MIGRATION_H
#define PKRU_MIGRATION_H

#include <stdlib.h>

#define PKRU_VALUE 0x55555554u
#define PKRU_OFFSET 2688	/* CPUID.(0xD,9).EBX on x86 */

static inline const char *pkru_state_file(void)
{
	return getenv("KXP_STATE_FILE");
}

#endif /* PKRU_MIGRATION_H */
