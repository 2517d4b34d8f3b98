/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Names shared by the kernel module, the userspace reader and the
 * tracepoints: xfeature bits, operations, reasons, CR4 bits. Plain C only:
 * this header is compiled in both worlds, so it must not include anything.
 *
 * Each table is one X-macro list; the enums here, the string arrays of
 * kxp_names.c and the tracepoints' symbol lists (kxp_trace.h) are made
 * from it. The strings and the enum values are ABI: they appear in
 * debugfs, events, tracepoints and JSON. Append only; never rename.
 */
#ifndef KXP_NAMES_H
#define KXP_NAMES_H

/*
 * X(bit, name): the kernel's XFEATURE_* names in lower case. Bits 13, 14
 * and 16 have no XFEATURE_* name: they, and bits past the table, print as
 * bitN.
 */
#define KXP_XFEATURES(X)						\
	X(0, "fp") X(1, "sse") X(2, "ymm") X(3, "bndregs")		\
	X(4, "bndcsr") X(5, "opmask") X(6, "zmm_hi256")			\
	X(7, "hi16_zmm") X(8, "pt") X(9, "pkru") X(10, "pasid")		\
	X(11, "cet_user") X(12, "cet_kernel") X(15, "lbr")		\
	X(17, "xtile_cfg") X(18, "xtile_data") X(19, "apx")

/* The highest bit above plus one (the compiler checks the bound). */
#define KXP_NR_NAMED_XFEATURES 20

/*
 * X(KXP_OP_ suffix, name), in value order; L for the last one, so that a
 * list with separators needs none after it (the tracepoints' symbols).
 */
#define KXP_OPS(X, L)							\
	X(SET_XSAVE, "set_xsave")					\
	X(GET_XSAVE, "get_xsave")					\
	X(GET_XSAVE2, "get_xsave2")					\
	X(SET_XCRS, "set_xcrs")						\
	X(SET_CPUID, "set_cpuid")					\
	/* KVM_SET_SREGS2 (SET_SREGS: unseen) */			\
	L(SET_SREGS, "set_sregs")

/* X(KXP_REASON_ suffix, name), in value order; L for the last one. */
#define KXP_REASONS(X, L)						\
	/* accepted (logged with log_all=1) */				\
	X(OK, "ok")							\
	/* XSTATE_BV outside KVM's mask */				\
	X(UNSUPPORTED, "unsupported")					\
	/* outside fpstate user_xfeatures */				\
	X(NOT_PERMITTED, "not_permitted")				\
	/* XCOMP_BV != 0 */						\
	X(COMPACTED, "compacted")					\
	/* header bytes 528..575 not zero */				\
	X(RESERVED_HEADER, "reserved_header")				\
	/* reserved MXCSR bits set */					\
	X(MXCSR, "mxcsr")						\
	/* -EFAULT copying the buffer */				\
	X(FAULT, "fault")						\
	/* buffer size (GET_XSAVE with AMX) */				\
	X(SIZE, "size")							\
	/* KVM failed and no check explains it */			\
	X(OTHER, "other")						\
	/* GET dropped non-init state */				\
	X(TRIMMED, "trimmed")						\
	/* SET cleared XSTATE_BV bits in XFD */				\
	X(XFD_STRIPPED, "xfd_stripped")					\
	/* XCR0 outside guest-supported */				\
	X(XCR0_UNSUPPORTED, "xcr0_unsupported")				\
	/* XCR0 breaks a dependency rule */				\
	X(XCR0_INVALID, "xcr0_invalid")					\
	/* nr_xcrs or flags */						\
	X(XCRS_FORMAT, "xcrs_format")					\
	/* SET_CPUID changed the masks */				\
	X(CHANGED, "changed")						\
	/* SET_CPUID refused by KVM */					\
	X(REJECTED, "rejected")						\
	/* SEV-ES/SNP/TDX: KVM keeps out */				\
	X(PROTECTED_STATE, "protected_state")				\
	/* SET_SREGS: CR4 bits this CPUID reserves */			\
	L(CR4_RESERVED, "cr4_reserved")

/*
 * X(bit, name): the kernel's X86_CR4_* names in lower case, for the CR4
 * bits of set_sregs events (as in Linux 6.1's uapi
 * asm/processor-flags.h). Bits 15 and 19, and bits past the table, print
 * as bitN.
 */
#define KXP_CR4_BITS(X)							\
	X(0, "vme") X(1, "pvi") X(2, "tsd") X(3, "de") X(4, "pse")	\
	X(5, "pae") X(6, "mce") X(7, "pge") X(8, "pce")			\
	X(9, "osfxsr") X(10, "osxmmexcpt") X(11, "umip") X(12, "la57")	\
	X(13, "vmxe") X(14, "smxe") X(16, "fsgsbase") X(17, "pcide")	\
	X(18, "osxsave") X(20, "smep") X(21, "smap") X(22, "pke")	\
	X(23, "cet")

/* Likewise: the highest bit above plus one. */
#define KXP_NR_CR4_NAMES 24

#define KXP_OP_ENUM(id, name) KXP_OP_##id,
enum kxp_op {
	KXP_OPS(KXP_OP_ENUM, KXP_OP_ENUM)
	KXP_NR_OPS,
};

#define KXP_REASON_ENUM(id, name) KXP_REASON_##id,
enum kxp_reason {
	KXP_REASONS(KXP_REASON_ENUM, KXP_REASON_ENUM)
	KXP_NR_REASONS,
};

/* Indexed by value or bit number; NULL where a bit has no name. */
extern const char *const kxp_xfeature_names[KXP_NR_NAMED_XFEATURES];
extern const char *const kxp_op_names[KXP_NR_OPS];
extern const char *const kxp_reason_names[KXP_NR_REASONS];
extern const char *const kxp_cr4_names[KXP_NR_CR4_NAMES];

static inline int kxp_xfeature_is_named(unsigned int bit)
{
	return bit < KXP_NR_NAMED_XFEATURES && kxp_xfeature_names[bit];
}

static inline int kxp_cr4_is_named(unsigned int bit)
{
	return bit < KXP_NR_CR4_NAMES && kxp_cr4_names[bit];
}

/*
 * Version of the debugfs text format. The reader refuses a module whose
 * format it does not know instead of misreading it.
 */
#define KXP_FORMAT_VERSION 1

#endif /* KXP_NAMES_H */
