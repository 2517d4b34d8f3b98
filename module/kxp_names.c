// SPDX-License-Identifier: GPL-2.0
/*
 * The name tables of kxp_names.h, defined once. Plain C: the module links
 * this file, the reader and the tests compile it too.
 */
#include "kxp_names.h"

#define KXP_NAME_AT(index, name)	\
	[index] = name,
#define KXP_OP_NAME(id, name)		\
	[KXP_OP_##id] = name,
#define KXP_REASON_NAME(id, name)	\
	[KXP_REASON_##id] = name,

const char *const kxp_xfeature_names[KXP_NR_NAMED_XFEATURES] = {
	KXP_XFEATURES(KXP_NAME_AT)
};

const char *const kxp_op_names[KXP_NR_OPS] = {
	KXP_OPS(KXP_OP_NAME, KXP_OP_NAME)
};

const char *const kxp_reason_names[KXP_NR_REASONS] = {
	KXP_REASONS(KXP_REASON_NAME, KXP_REASON_NAME)
};

const char *const kxp_cr4_names[KXP_NR_CR4_NAMES] = {
	KXP_CR4_BITS(KXP_NAME_AT)
};
