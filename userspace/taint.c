// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-xsave: the kernel's taint (/proc/sys/kernel/tainted), for the
 * report: loading this out-of-tree, unsigned module itself sets O and E.
 */
#include <string.h>

#include "kxp.h"

#define TAINTED_FILE "/proc/sys/kernel/tainted"

/* Documentation/admin-guide/tainted-kernels.rst, bit by bit. */
static const char taint_letters[] = "PFSRMBUDAWCIOELKXTN";

int kxp_read_tainted(struct kxp_tainted *t)
{
	struct kxp_buf b;
	unsigned int bit;
	size_t used = 0;
	int ret;

	memset(t, 0, sizeof(*t));
	ret = kxp_read_path(TAINTED_FILE, &b);
	if (ret) {
		snprintf(t->err, sizeof(t->err), "cannot read %s: %s",
			 TAINTED_FILE, strerror(-ret));
		return -1;
	}
	ret = kxp_parse_u64(kxp_trim(b.data), 10, &t->value);
	kxp_buf_free(&b);
	if (ret) {
		snprintf(t->err, sizeof(t->err), "%s is not a number",
			 TAINTED_FILE);
		return -1;
	}
	t->have = 1;
	for (bit = 0; bit < 64 && used + 8 < sizeof(t->flags); bit++) {
		if (!(t->value & (1ULL << bit)))
			continue;
		if (bit < sizeof(taint_letters) - 1)
			used += snprintf(t->flags + used,
					 sizeof(t->flags) - used, "%s%c",
					 used ? " " : "", taint_letters[bit]);
		else
			used += snprintf(t->flags + used,
					 sizeof(t->flags) - used, "%sbit%u",
					 used ? " " : "", bit);
	}
	return 0;
}
