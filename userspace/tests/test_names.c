// SPDX-License-Identifier: GPL-2.0
/*
 * The names of module/kxp_names.h are ABI (debugfs, events, tracepoints,
 * JSON): every enum value and every string must stay as released. This
 * file is that release, written out by hand: never edit an entry, only
 * append when the module appends. The bpftrace scripts keep their own
 * copies (bpftrace includes no C): they must say the same.
 */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_kxp.h"
#include "../../module/kxp_names.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

struct frozen {
	unsigned int value;	/* the enum constant, or the bit */
	unsigned int abi;	/* its released number */
	const char *name;
};

static const struct frozen ops[] = {
	{ KXP_OP_SET_XSAVE, 0, "set_xsave" },
	{ KXP_OP_GET_XSAVE, 1, "get_xsave" },
	{ KXP_OP_GET_XSAVE2, 2, "get_xsave2" },
	{ KXP_OP_SET_XCRS, 3, "set_xcrs" },
	{ KXP_OP_SET_CPUID, 4, "set_cpuid" },
	{ KXP_OP_SET_SREGS, 5, "set_sregs" },
};

static const struct frozen reasons[] = {
	{ KXP_REASON_OK, 0, "ok" },
	{ KXP_REASON_UNSUPPORTED, 1, "unsupported" },
	{ KXP_REASON_NOT_PERMITTED, 2, "not_permitted" },
	{ KXP_REASON_COMPACTED, 3, "compacted" },
	{ KXP_REASON_RESERVED_HEADER, 4, "reserved_header" },
	{ KXP_REASON_MXCSR, 5, "mxcsr" },
	{ KXP_REASON_FAULT, 6, "fault" },
	{ KXP_REASON_SIZE, 7, "size" },
	{ KXP_REASON_OTHER, 8, "other" },
	{ KXP_REASON_TRIMMED, 9, "trimmed" },
	{ KXP_REASON_XFD_STRIPPED, 10, "xfd_stripped" },
	{ KXP_REASON_XCR0_UNSUPPORTED, 11, "xcr0_unsupported" },
	{ KXP_REASON_XCR0_INVALID, 12, "xcr0_invalid" },
	{ KXP_REASON_XCRS_FORMAT, 13, "xcrs_format" },
	{ KXP_REASON_CHANGED, 14, "changed" },
	{ KXP_REASON_REJECTED, 15, "rejected" },
	{ KXP_REASON_PROTECTED_STATE, 16, "protected_state" },
	{ KXP_REASON_CR4_RESERVED, 17, "cr4_reserved" },
};

/* Bit by bit, as printed: unnamed bits print as bitN. */
static const char *const xfeatures[] = {
	"fp", "sse", "ymm", "bndregs", "bndcsr", "opmask", "zmm_hi256",
	"hi16_zmm", "pt", "pkru", "pasid", "cet_user", "cet_kernel",
	"bit13", "bit14", "lbr", "bit16", "xtile_cfg", "xtile_data", "apx",
};

static const char *const cr4_bits[] = {
	"vme", "pvi", "tsd", "de", "pse", "pae", "mce", "pge", "pce",
	"osfxsr", "osxmmexcpt", "umip", "la57", "vmxe", "smxe", "bit15",
	"fsgsbase", "pcide", "osxsave", "bit19", "smep", "smap", "pke", "cet",
};

/* Enum values and names; @name_of is the reader's lookup. */
static int enum_matches(const char *what, const struct frozen *f, size_t n,
			unsigned int nr, const char *(*name_of)(unsigned int))
{
	int ok = nr >= n;
	size_t i;

	for (i = 0; i < n; i++) {
		const char *got = name_of(f[i].abi);

		if (f[i].value != f[i].abi || !got || strcmp(got, f[i].name)) {
			printf("# %s %u: enum value %u, name '%s', want '%s'\n",
			       what, f[i].abi, f[i].value, got ? got : "(none)",
			       f[i].name);
			ok = 0;
		}
	}
	return ok;
}

/* Each bit's printed name, and each name back to its bit. */
static int bits_match(const char *what, const char *const *want, size_t n,
		      const char *const *table, unsigned int nr)
{
	char buf[16];
	unsigned int bit;
	int ok = nr >= n;

	for (bit = 0; bit < n; bit++) {
		const char *got = kxp_bit_name(table, nr, bit, buf, sizeof(buf));

		if (strcmp(got, want[bit]) ||
		    kxp_name_bit(table, nr, want[bit]) != (int)bit) {
			printf("# %s bit %u: '%s', want '%s'\n", what, bit,
			       got, want[bit]);
			ok = 0;
		}
	}
	return ok;
}

void test_frozen_names(void)
{
	check(enum_matches("op", ops, ARRAY_LEN(ops), KXP_NR_OPS,
			   kxp_op_name),
	      "names: the %zu ops keep their values and names",
	      ARRAY_LEN(ops));
	check(enum_matches("reason", reasons, ARRAY_LEN(reasons),
			   KXP_NR_REASONS, kxp_reason_name),
	      "names: the %zu reasons keep their values and names",
	      ARRAY_LEN(reasons));
	check(bits_match("xfeature", xfeatures, ARRAY_LEN(xfeatures),
			 kxp_xfeature_names, KXP_NR_NAMED_XFEATURES),
	      "names: xfeature bits 0-%zu keep their names",
	      ARRAY_LEN(xfeatures) - 1);
	check(bits_match("cr4", cr4_bits, ARRAY_LEN(cr4_bits),
			 kxp_cr4_names, KXP_NR_CR4_NAMES),
	      "names: CR4 bits 0-%zu keep their names",
	      ARRAY_LEN(cr4_bits) - 1);
}

/* Does the script @text assign @name to @map[@key] ("@op[5] = ...")? */
static int has_entry(const char *text, const char *map, const char *key,
		     const char *name)
{
	char want[96];

	snprintf(want, sizeof(want), "@%s[%s] = \"%s\";", map, key, name);
	if (strstr(text, want))
		return 1;
	printf("# no %s\n", want);
	return 0;
}

/* @script's @op, @reason and @xf maps against the module's lists. */
static int script_matches(const char *script, int ops_reasons)
{
	struct kxp_buf b;
	char key[24];
	unsigned int i;
	int ok;

	ok = !kxp_read_path(script, &b);
	if (!ok) {
		printf("# cannot read %s\n", script);
		return 0;
	}
	for (i = 0; ops_reasons && i < KXP_NR_OPS; i++) {
		snprintf(key, sizeof(key), "%u", i);
		ok &= has_entry(b.data, "op", key, kxp_op_names[i]);
	}
	for (i = 0; ops_reasons && i < KXP_NR_REASONS; i++) {
		snprintf(key, sizeof(key), "%u", i);
		ok &= has_entry(b.data, "reason", key, kxp_reason_names[i]);
	}
	for (i = 0; i < KXP_NR_NAMED_XFEATURES; i++) {
		snprintf(key, sizeof(key), "0x%llx", 1ULL << i);
		ok &= has_entry(b.data, "xf", key,
				kxp_xfeature_is_named(i) ?
				kxp_xfeature_names[i] : xfeatures[i]);
	}
	kxp_buf_free(&b);
	return ok;
}

void test_bpftrace_names(const char *reader)
{
	char *copy = strdup(reader), script[4096];
	const char *dir = dirname(copy);

	snprintf(script, sizeof(script), "%s/bpftrace/xsave-events.bt", dir);
	check(script_matches(script, 1),
	      "names: xsave-events.bt names every op, reason and xfeature");
	snprintf(script, sizeof(script), "%s/bpftrace/xsave-nomod.bt", dir);
	check(script_matches(script, 0),
	      "names: xsave-nomod.bt names every xfeature");
	free(copy);
}
