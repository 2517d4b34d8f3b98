/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place where kernel differences are absorbed. The KXP_HAVE_*
 * answers come from module/gen-compat.sh; nothing here tests a version.
 */
#ifndef KXP_COMPAT_H
#define KXP_COMPAT_H

#include "kxp_compat_gen.h"

#ifdef KXP_HAVE_RDMSRQ
#define kxp_rdmsr_safe(msr, val) rdmsrq_safe(msr, val)
#else
#define kxp_rdmsr_safe(msr, val) rdmsrl_safe(msr, val)
#endif

#endif /* KXP_COMPAT_H */
