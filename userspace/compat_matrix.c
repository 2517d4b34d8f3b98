// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-xsave compat --matrix A.json B.json C.json ...: the fleet pre-flight.
 * Every ordered pair of the given `host --json` (or `report --json`)
 * documents through kxp_compat_eval(): which host can take VMs from which,
 * and what each destination refuses or trims. Exit 0 when every pair is
 * compatible, 1 when one is not, 2 for unreadable or malformed input.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "kxp.h"

struct matrix_host {
	const char *path;
	struct jv doc;
	struct kxp_hostcap cap;
};

static const char *cell(const struct kxp_compat *r)
{
	if (r->incompatible)
		return "NO";
	return r->bigger || r->layout ? "warn" : "ok";
}

static const char *verdict(const struct kxp_compat *r)
{
	if (r->incompatible)
		return "incompatible";
	return r->bigger || r->layout ? "compatible_with_warnings" :
	       "compatible";
}

static void print_text(const struct matrix_host *h, size_t n,
		       const struct kxp_compat *r, int bad)
{
	char names[768], text[1024];
	size_t i, j;

	printf("Hosts:\n");
	for (i = 0; i < n; i++)
		printf("  %2zu  %s (%s), KVM-supported XCR0 0x%llx\n", i + 1,
		       h[i].path, h[i].cap.label, h[i].cap.xcr0);
	printf("\nCan a VM move from the row's host to the column's?\n%-9s",
	       "from\\to");
	for (j = 0; j < n; j++)
		printf(" %5zu", j + 1);
	printf("\n");
	for (i = 0; i < n; i++) {
		printf("%9zu", i + 1);
		for (j = 0; j < n; j++)
			printf(" %5s", i == j ? "-" : cell(&r[i * n + j]));
		printf("\n");
	}
	if (bad)
		printf("\nIncompatible pairs:\n");
	for (i = 0; i < n; i++) {
		for (j = 0; j < n; j++) {
			const struct kxp_compat *p = &r[i * n + j];

			if (i == j || !p->incompatible)
				continue;
			names[0] = '\0';
			if (p->refused)
				snprintf(names, sizeof(names), "refuses %s",
					 kxp_mask_str(p->refused, ", ", text,
						      sizeof(text)));
			if (p->trimmed)
				snprintf(names + strlen(names),
					 sizeof(names) - strlen(names),
					 "%strims %s", p->refused ? "; " : "",
					 kxp_mask_str(p->trimmed, ", ", text,
						      sizeof(text)));
			printf("  %zu -> %zu: %s\n", i + 1, j + 1, names);
		}
	}
	printf("\nverdict: %s\n", bad ? "not all compatible" :
	       "all compatible");
}

static void print_json(const struct matrix_host *h, size_t n,
		       const struct kxp_compat *r, int bad)
{
	struct jw w;
	size_t i, j;

	jw_init(&w, stdout, 1);
	jw_obj(&w, NULL);
	jw_header(&w, "compat_matrix");
	jw_arr(&w, "hosts");
	for (i = 0; i < n; i++) {
		jw_obj(&w, NULL);
		jw_str(&w, "file", h[i].path);
		jw_str(&w, "label", h[i].cap.label);
		jw_mask(&w, "kvm_supported_xcr0", h[i].cap.xcr0);
		if (h[i].cap.have_size)
			jw_u64(&w, "kvm_xsave2_size", h[i].cap.size);
		else
			jw_null(&w, "kvm_xsave2_size");
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	jw_arr(&w, "pairs");
	for (i = 0; i < n; i++) {
		for (j = 0; j < n; j++) {
			const struct kxp_compat *p = &r[i * n + j];

			if (i == j)
				continue;
			jw_obj(&w, NULL);
			jw_u64(&w, "src", i);
			jw_u64(&w, "dst", j);
			jw_mask(&w, "refused", p->refused);
			jw_mask(&w, "trimmed", p->trimmed);
			jw_bool(&w, "src_state_bigger", p->bigger);
			jw_str(&w, "verdict", verdict(p));
			jw_obj_end(&w);
		}
	}
	jw_arr_end(&w);
	jw_bool(&w, "all_compatible", !bad);
	jw_obj_end(&w);
	jw_finish(&w);
}

int kxp_cmd_compat_matrix(const struct kxp_opts *o, char *const *paths,
			  size_t n)
{
	struct matrix_host *h = calloc(n, sizeof(*h));
	struct kxp_compat *r = calloc(n * n, sizeof(*r));
	size_t i, j, loaded = 0;
	int bad = 0, ret = KXP_EXIT_USAGE;

	if (!h || !r) {
		kxp_error("out of memory");
		goto out;
	}
	for (loaded = 0; loaded < n; loaded++) {
		h[loaded].path = paths[loaded];
		if (kxp_compat_load(paths[loaded], &h[loaded].doc,
				    &h[loaded].cap))
			goto out;
	}
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			if (i != j) {
				kxp_compat_eval(&h[i].cap, &h[j].cap,
						&r[i * n + j]);
				bad |= r[i * n + j].incompatible;
			}
	if (o->json)
		print_json(h, n, r, bad);
	else
		print_text(h, n, r, bad);
	if (fflush(stdout) || ferror(stdout)) {
		kxp_error("cannot write the matrix: %s", strerror(errno));
		ret = KXP_EXIT_USAGE;
		goto out;
	}
	ret = bad ? KXP_EXIT_FAIL : KXP_EXIT_OK;
out:
	for (i = 0; i < loaded; i++)
		jv_free(&h[i].doc);
	free(h);
	free(r);
	return ret;
}
