/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Names shared by the kernel module and the userspace reader: xfeature
 * bits, operations and reasons. Plain C only: this header is compiled in
 * both worlds, so it must not include anything.
 *
 * The strings are ABI: they appear in debugfs, events, tracepoints and
 * JSON. Append only; never rename.
 */
#ifndef KXP_NAMES_H
#define KXP_NAMES_H

/* The kernel's XFEATURE_* names in lower case, indexed by bit number. */
#define KXP_NR_NAMED_XFEATURES 20
static const char *const kxp_xfeature_names[KXP_NR_NAMED_XFEATURES] = {
	"fp", "sse", "ymm", "bndregs", "bndcsr", "opmask", "zmm_hi256",
	"hi16_zmm", "pt", "pkru", "pasid", "cet_user", "cet_kernel",
	"bit13", "bit14", "lbr", "bit16", "xtile_cfg", "xtile_data", "apx",
};

/* Bits 13, 14 and 16 have no XFEATURE_* name: they print as bitN. */
static inline int kxp_xfeature_is_named(unsigned int bit)
{
	return bit < KXP_NR_NAMED_XFEATURES && bit != 13 && bit != 14 &&
	       bit != 16;
}

enum kxp_op {
	KXP_OP_SET_XSAVE,
	KXP_OP_GET_XSAVE,
	KXP_OP_GET_XSAVE2,
	KXP_OP_SET_XCRS,
	KXP_OP_SET_CPUID,
	KXP_OP_SET_SREGS,		/* KVM_SET_SREGS2 (SET_SREGS: unseen) */
	KXP_NR_OPS,
};

static const char *const kxp_op_names[KXP_NR_OPS] = {
	"set_xsave", "get_xsave", "get_xsave2", "set_xcrs", "set_cpuid",
	"set_sregs",
};

enum kxp_reason {
	KXP_REASON_OK,			/* accepted (logged with log_all=1) */
	KXP_REASON_UNSUPPORTED,		/* XSTATE_BV outside KVM's mask */
	KXP_REASON_NOT_PERMITTED,	/* outside fpstate user_xfeatures */
	KXP_REASON_COMPACTED,		/* XCOMP_BV != 0 */
	KXP_REASON_RESERVED_HEADER,	/* header bytes 528..575 not zero */
	KXP_REASON_MXCSR,		/* reserved MXCSR bits set */
	KXP_REASON_FAULT,		/* -EFAULT copying the buffer */
	KXP_REASON_SIZE,		/* buffer size (GET_XSAVE with AMX) */
	KXP_REASON_OTHER,		/* KVM failed and no check explains it */
	KXP_REASON_TRIMMED,		/* GET dropped non-init state */
	KXP_REASON_XFD_STRIPPED,	/* SET cleared XSTATE_BV bits in XFD */
	KXP_REASON_XCR0_UNSUPPORTED,	/* XCR0 outside guest-supported */
	KXP_REASON_XCR0_INVALID,	/* XCR0 breaks a dependency rule */
	KXP_REASON_XCRS_FORMAT,		/* nr_xcrs or flags */
	KXP_REASON_CHANGED,		/* SET_CPUID changed the masks */
	KXP_REASON_REJECTED,		/* SET_CPUID refused by KVM */
	KXP_REASON_PROTECTED_STATE,	/* SEV-ES/SNP/TDX: KVM keeps out */
	KXP_REASON_CR4_RESERVED,	/* SET_SREGS: CR4 bits this CPUID reserves */
	KXP_NR_REASONS,
};

static const char *const kxp_reason_names[KXP_NR_REASONS] = {
	"ok", "unsupported", "not_permitted", "compacted", "reserved_header",
	"mxcsr", "fault", "size", "other", "trimmed", "xfd_stripped",
	"xcr0_unsupported", "xcr0_invalid", "xcrs_format", "changed",
	"rejected", "protected_state", "cr4_reserved",
};

/*
 * The kernel's X86_CR4_* names in lower case, indexed by bit number, for
 * the CR4 bits of set_sregs events (as in Linux 6.1's uapi
 * asm/processor-flags.h). Unnamed bits print as bitN.
 */
#define KXP_NR_CR4_NAMES 24
static const char *const kxp_cr4_names[KXP_NR_CR4_NAMES] = {
	"vme", "pvi", "tsd", "de", "pse", "pae", "mce", "pge", "pce",
	"osfxsr", "osxmmexcpt", "umip", "la57", "vmxe", "smxe", "bit15",
	"fsgsbase", "pcide", "osxsave", "bit19", "smep", "smap", "pke", "cet",
};

static inline int kxp_cr4_is_named(unsigned int bit)
{
	return bit < KXP_NR_CR4_NAMES && bit != 15 && bit != 19;
}

/*
 * Version of the debugfs text format. The reader refuses a module whose
 * format it does not know instead of misreading it.
 */
#define KXP_FORMAT_VERSION 1

#endif /* KXP_NAMES_H */
