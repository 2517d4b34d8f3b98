// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-xsave host --nfd [DOC.json]: this host's XSAVE migration facts as a
 * feature file for node-feature-discovery's "local" source (one
 * `name[=value]` per line, `#` comments, read from
 * /etc/kubernetes/node-feature-discovery/features.d/), so that a scheduler
 * can pick hosts by what their KVM loads:
 *
 *   kvm-xsave.xcr0=0x207            KVM-supported XCR0
 *   kvm-xsave.xcr0.pkru=true        one label per feature in it
 *   kvm-xsave.xsave2-size=4096      KVM_CAP_XSAVE2 buffer size
 *   kvm-xsave.trims-on-get=true     the 2023 KVM_SET_XSAVE ABI fix (the
 *                                   module's contract.get_trims_to_cpuid),
 *                                   only where the module says
 *   kvm-xsave.strips-xfd=true       KVM_SET_XSAVE drops XFD-armed state
 *                                   (contract.set_strips_xfd), only once
 *                                   the module measured it
 *
 * all under feature.node.kubernetes.io/, the namespace NFD always allows.
 *
 * The facts come from a `host --json` or `report --json` document, or
 * without one from this host itself (the same document, made in memory).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "kxp.h"
#include "verdict.h"

#define NFD_PREFIX "feature.node.kubernetes.io/kvm-xsave."

/* A label name's characters: alphanumerics, '-', '_' and '.'. */
static void label_part(const char *name, char *out, size_t len)
{
	size_t i;

	for (i = 0; name[i] && i + 1 < len; i++) {
		char c = name[i];

		out[i] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			 (c >= '0' && c <= '9') || c == '-' || c == '.' ?
			 c : '_';
	}
	out[i] = '\0';
}

/*
 * 1 yes, 0 no, -1 not said: the contract item in a report's module.info
 * (a report of an older module: its trait of the same meaning).
 */
static int doc_contract(const struct jv *doc, const char *name,
			const char *old_trait)
{
	const struct jv *info = jv_get(jv_get(doc, "module"), "info");
	const struct jv *t = jv_get(jv_get(info, "contract"), name);

	if (!t && old_trait)
		t = jv_get(jv_get(info, "traits"), old_trait);
	return t && t->type == JV_BOOL ? !!t->b : -1;
}

/* The same from the loaded module; -1 when it cannot be read. */
static void live_contract(int *trims, int *strips)
{
	struct kxp_info *in = malloc(sizeof(*in));
	struct kxp_contract c;
	struct kxp_err e;

	*trims = -1;
	*strips = -1;
	if (!in)
		return;
	if (!kxp_module_check(in, &e)) {
		kxp_contract_of(in, &c);
		*trims = c.get_trims;
		*strips = c.strips_xfd;
	}
	free(in);
}

static void print_nfd(FILE *f, const struct kxp_hostcap *hc, int trims,
		      int strips)
{
	char tmp[16], name[64];
	unsigned int bit;

	fprintf(f, "# kvm-xsave host --nfd: %s\n", hc->label);
	fprintf(f, "# node-feature-discovery local source: features.d/\n");
	fprintf(f, NFD_PREFIX "xcr0=0x%llx\n", hc->xcr0);
	for (bit = 0; bit < 64; bit++) {
		if (!(hc->xcr0 & (1ULL << bit)))
			continue;
		label_part(kxp_feature_name(bit, tmp, sizeof(tmp)), name,
			   sizeof(name));
		fprintf(f, NFD_PREFIX "xcr0.%s=true\n", name);
	}
	if (hc->have_size)
		fprintf(f, NFD_PREFIX "xsave2-size=%llu\n", hc->size);
	if (trims >= 0)
		fprintf(f, NFD_PREFIX "trims-on-get=%s\n",
			trims ? "true" : "false");
	if (strips >= 0)
		fprintf(f, NFD_PREFIX "strips-xfd=%s\n",
			strips ? "true" : "false");
}

/* This host's `host --json` document, written and parsed in memory. */
static int live_doc(struct jv *doc, int *code)
{
	struct kxp_host *h = malloc(sizeof(*h));
	char *text = NULL, err[256];
	size_t len = 0;
	struct jw w;
	FILE *f;
	int ret = -1;

	*code = KXP_EXIT_FAIL;
	if (!h)
		return -1;
	kxp_host_probe(h);
	if (!h->kvm_ok) {
		kxp_error("%s", h->kvm_err);
		*code = h->kvm_code;
		free(h);
		return -1;
	}
	f = open_memstream(&text, &len);
	if (f) {
		jw_init(&w, f, 0);
		jw_obj(&w, NULL);
		jw_header(&w, "host");
		kxp_host_json(&w, "host", h);
		jw_obj_end(&w);
		jw_finish(&w);
		if (!fclose(f) && !jv_parse(text, len, doc, err, sizeof(err)))
			ret = 0;
	}
	free(text);
	free(h);
	return ret;
}

int kxp_cmd_host_nfd(const char *path)
{
	struct kxp_hostcap hc;
	struct jv doc;
	int trims, strips, code;

	if (path) {
		if (kxp_compat_load(path, &doc, &hc))
			return KXP_EXIT_USAGE;
		trims = doc_contract(&doc, "get_trims_to_cpuid",
				     "uabi_xfeatures_arg");
		strips = doc_contract(&doc, "set_strips_xfd", NULL);
	} else {
		char err[512];

		if (live_doc(&doc, &code))
			return code;
		if (kxp_hostcap_from_json(&doc, &hc, err, sizeof(err))) {
			kxp_error("%s", err);
			jv_free(&doc);
			return KXP_EXIT_NO_KVM;
		}
		live_contract(&trims, &strips);
	}
	print_nfd(stdout, &hc, trims, strips);
	jv_free(&doc);
	if (fflush(stdout) || ferror(stdout)) {
		kxp_error("cannot write the labels: %s", strerror(errno));
		return KXP_EXIT_FAIL;
	}
	return KXP_EXIT_OK;
}
