// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-xsave compat SRC.json DST.json: can a guest migrate from SRC to DST
 * as far as XSAVE state goes? Reads two `host --json` or `report --json`
 * documents (docs/json.md).
 *
 *   refused: SRC kvm_supported_xcr0 & ~DST kvm_supported_xcr0. A guest on
 *            SRC may have these in XSTATE_BV; DST's KVM_SET_XSAVE rejects
 *            such a state (EINVAL) and KVM_SET_XCRS an XCR0 with them.
 *   trimmed: features both accept whose state SRC lays out beyond DST's
 *            KVM_CAP_XSAVE2 size: DST's buffer cannot carry them.
 *   bigger:  SRC's KVM_CAP_XSAVE2 size exceeds DST's.
 *   layout:  shared features at another offset or size (the VMM must
 *            translate; QEMU does).
 * Incompatible when anything is refused or trimmed.
 */
#include <string.h>

#include "kxp.h"
#include "verdict.h"

static __printf(3, 4) int hostcap_fail(char *err, size_t len,
					const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -1;
}

static int layout_from_json(const struct jv *arr, struct kxp_hostcap *hc,
			    char *err, size_t len)
{
	size_t i;

	for (i = 0; i < arr->n; i++) {
		const struct jv *e = &arr->items[i];
		u64 bit, size, off;

		if (e->type != JV_OBJ ||
		    jv_u64(jv_get(e, "bit"), &bit) || bit >= 64 ||
		    jv_u64(jv_get(e, "size"), &size) || size > 0xffffffffULL ||
		    jv_u64(jv_get(e, "offset"), &off) || off > 0xffffffffULL)
			return hostcap_fail(err, len,
					    "entry %zu of the xfeatures layout needs integer \"bit\" (0-63), \"size\" and \"offset\"",
					    i);
		hc->feat[bit].have = 1;
		hc->feat[bit].size = size;
		hc->feat[bit].offset = off;
	}
	return 0;
}

static const struct jv *module_xcr0(const struct jv *doc)
{
	const struct jv *m = jv_get(doc, "module");
	const struct jv *v = jv_get(jv_get(m, "info"), "kvm_supported_xcr0");

	if (v && v->type == JV_STR)
		return v;
	v = jv_get(m, "kvm_supported_xcr0");
	return v && v->type == JV_STR ? v : NULL;
}

int kxp_hostcap_from_json(const struct jv *doc, struct kxp_hostcap *hc,
			  char *err, size_t len)
{
	const struct jv *host, *v, *name, *kernel, *kerr;
	u64 schema;

	memset(hc, 0, sizeof(*hc));
	if (doc->type != JV_OBJ)
		return hostcap_fail(err, len,
				    "the document is not a JSON object");
	v = jv_get(doc, "schema");
	if (!v)
		return hostcap_fail(err, len,
				    "no \"schema\" member: not a kvm-xsave JSON document");
	if (jv_u64(v, &schema) || !schema)
		return hostcap_fail(err, len,
				    "\"schema\" is not a positive integer");
	if (schema > KXP_JSON_SCHEMA)
		return hostcap_fail(err, len,
				    "written with JSON schema %llu, newer than this kvm-xsave's %d: use a newer kvm-xsave",
				    schema, KXP_JSON_SCHEMA);
	host = jv_get(doc, "host");
	if (!host || host->type != JV_OBJ)
		return hostcap_fail(err, len,
				    "no \"host\" object: give the output of `kvm-xsave host --json` or `kvm-xsave report --json`");
	name = jv_get(host, "hostname");
	kernel = jv_get(host, "kernel");
	snprintf(hc->label, sizeof(hc->label), "%s, kernel %s",
		 name && name->type == JV_STR ? name->s : "?",
		 kernel && kernel->type == JV_STR ? kernel->s : "?");

	v = jv_get(host, "kvm_supported_xcr0");
	hc->xcr0_from = "host.kvm_supported_xcr0";
	if (!v || v->type == JV_NULL) {
		v = module_xcr0(doc);
		hc->xcr0_from = "module.info.kvm_supported_xcr0";
	}
	if (!v) {
		kerr = jv_get(jv_get(host, "kvm_error"), "message");
		return hostcap_fail(err, len,
				    "no KVM-supported XCR0: KVM was not usable when it was captured%s%s",
				    kerr && kerr->type == JV_STR ? ": " : "",
				    kerr && kerr->type == JV_STR ?
				    kerr->s : "");
	}
	if (jv_hex(v, &hc->xcr0))
		return hostcap_fail(err, len,
				    "%s is not a \"0x...\" hex string",
				    hc->xcr0_from);
	hc->have_xcr0 = 1;

	v = jv_get(host, "kvm_xsave2_size");
	if (v && v->type != JV_NULL) {
		if (jv_u64(v, &hc->size))
			return hostcap_fail(err, len,
					    "host.kvm_xsave2_size is not a non-negative integer");
		hc->have_size = 1;
	}
	v = jv_get(host, "kvm_xfeatures");
	if (!v || v->type != JV_ARR || !v->n)
		v = jv_get(host, "xfeatures");
	if (v && v->type != JV_NULL) {
		if (v->type != JV_ARR)
			return hostcap_fail(err, len,
					    "the xfeatures layout is not an array");
		if (layout_from_json(v, hc, err, len))
			return -1;
	}
	return 0;
}

void kxp_compat_eval(const struct kxp_hostcap *src,
		     const struct kxp_hostcap *dst, struct kxp_compat *r)
{
	u64 shared = src->xcr0 & dst->xcr0;
	unsigned int bit;

	memset(r, 0, sizeof(*r));
	r->refused = src->xcr0 & ~dst->xcr0;
	r->bigger = src->have_size && dst->have_size && src->size > dst->size;
	for (bit = 2; bit < 64; bit++) {
		const struct kxp_feat_layout *s = &src->feat[bit];
		const struct kxp_feat_layout *d = &dst->feat[bit];

		if (!(shared & (1ULL << bit)) || !s->have)
			continue;
		if (dst->have_size && (u64)s->offset + s->size > dst->size)
			r->trimmed |= 1ULL << bit;
		if (d->have && (s->offset != d->offset || s->size != d->size))
			r->layout |= 1ULL << bit;
	}
	r->incompatible = r->refused || r->trimmed;
}

/*
 * A document with the host's capabilities, or (with @vms, the source's) a
 * status document: its vCPUs, into @vms, are enough for the per-VM check.
 * @doc stays parsed for a caller that reads more of it (@keep); else all
 * that is needed is in @hc and @vms: one document in memory at a time.
 */
static int load(const char *path, struct jv *doc, struct kxp_hostcap *hc,
		struct kxp_src_vms *vms, int keep)
{
	struct kxp_buf b;
	char err[512];
	int ret = kxp_read_path(path, &b);

	if (ret) {
		kxp_error("cannot read %s: %s", path, strerror(-ret));
		return -1;
	}
	if (jv_parse(b.data, b.len, doc, err, sizeof(err))) {
		kxp_error("%s is not valid JSON: %s", path, err);
		kxp_buf_free(&b);
		return -1;
	}
	kxp_buf_free(&b);
	if (vms && kxp_src_vms_load(doc, vms) && kxp_doc_vcpus(doc)) {
		kxp_error("%s: out of memory", path);
		jv_free(doc);
		return -1;
	}
	if (kxp_hostcap_from_json(doc, hc, err, sizeof(err))) {
		if (vms && vms->v) {
			memset(hc, 0, sizeof(*hc));
			snprintf(hc->label, sizeof(hc->label),
				 "a status document: its VMs only");
			jv_free(doc);
			return 0;
		}
		kxp_error("%s: %s", path, err);
		jv_free(doc);
		return -1;
	}
	if (!keep)
		jv_free(doc);
	return 0;
}

static void print_mask(const char *label, u64 m)
{
	char names[768], text[800];

	if (!m) {
		printf("  %snone\n", label);
		return;
	}
	snprintf(text, sizeof(text), "0x%llx = %s", m,
		 kxp_mask_str(m, ", ", names, sizeof(names)));
	kxp_wrap(stdout, 2, label, text);
}

static void print_text(const char *sp, const struct kxp_hostcap *src,
		       const char *dp, const struct kxp_hostcap *dst,
		       const struct kxp_compat *r)
{
	char names[768], text[1024];
	unsigned int bit;

	printf("SRC %s (%s)\nDST %s (%s)\n\n", sp, src->label, dp,
	       dst->label);
	print_mask("SRC KVM-supported XCR0: ", src->xcr0);
	if (strcmp(src->xcr0_from, "host.kvm_supported_xcr0"))
		printf("    (from %s: no /dev/kvm data)\n", src->xcr0_from);
	print_mask("DST KVM-supported XCR0: ", dst->xcr0);
	if (strcmp(dst->xcr0_from, "host.kvm_supported_xcr0"))
		printf("    (from %s: no /dev/kvm data)\n", dst->xcr0_from);
	printf("%s", kxp_c(r->refused ? KXP_C_RED : KXP_C_RESET));
	print_mask("refused by DST: ", r->refused);
	printf("%s", kxp_c(KXP_C_RESET));
	if (r->refused)
		kxp_wrap(stdout, 4, "",
			 "a guest on SRC may have this state; DST's KVM_SET_XSAVE rejects any state that has it (EINVAL, reason unsupported) and KVM_SET_XCRS any XCR0 with it");
	printf("%s", kxp_c(r->trimmed ? KXP_C_RED : KXP_C_RESET));
	print_mask("trimmed by DST: ", r->trimmed);
	printf("%s", kxp_c(KXP_C_RESET));
	if (r->trimmed) {
		snprintf(text, sizeof(text),
			 "SRC lays this state out beyond DST's %llu-byte KVM_CAP_XSAVE2 buffer, so DST cannot carry it",
			 dst->size);
		kxp_wrap(stdout, 4, "", text);
	}
	if (src->have_size && dst->have_size)
		printf("  XSAVE2 size:    SRC %llu bytes, DST %llu bytes%s\n",
		       src->size, dst->size,
		       r->bigger ? ": SRC's state is bigger than DST's buffer" :
				   "");
	else
		printf("  XSAVE2 size:    unknown on %s (no KVM_CAP_XSAVE2)\n",
		       src->have_size ? "DST" : "SRC");
	for (bit = 2; bit < 64; bit++) {
		char tmp[16];

		if (!(r->layout & (1ULL << bit)))
			continue;
		snprintf(text, sizeof(text),
			 "%s at offset %u size %u on SRC, offset %u size %u on DST: the VMM must translate",
			 kxp_feature_name(bit, tmp, sizeof(tmp)),
			 src->feat[bit].offset, src->feat[bit].size,
			 dst->feat[bit].offset, dst->feat[bit].size);
		kxp_wrap(stdout, 2, "layout:         ", text);
	}
	names[0] = '\0';
	if (r->incompatible)
		snprintf(names, sizeof(names), ": DST %s %s",
			 r->refused ? "refuses" : "trims",
			 kxp_mask_str(r->refused | r->trimmed, ", ", text,
				      sizeof(text)));
	printf("\n%sverdict: %s%s%s\n",
	       kxp_c(r->incompatible ? KXP_C_RED : KXP_C_GREEN),
	       r->incompatible ? "incompatible" :
	       r->bigger || r->layout ? "compatible, with warnings" :
	       "compatible", names, kxp_c(KXP_C_RESET));
}

static void print_json(const char *sp, const struct kxp_hostcap *src,
		       const char *dp, const struct kxp_hostcap *dst,
		       const struct kxp_compat *r, const struct kxp_src_vms *svms,
		       int *vms)
{
	struct jw w;
	unsigned int bit;
	char tmp[16];

	jw_init(&w, stdout, 1);
	jw_obj(&w, NULL);
	jw_header(&w, "compat");
	jw_obj(&w, "src");
	jw_str(&w, "file", sp);
	jw_str(&w, "label", src->label);
	jw_mask_or_null(&w, "kvm_supported_xcr0", src->have_xcr0, src->xcr0);
	if (src->have_size)
		jw_u64(&w, "kvm_xsave2_size", src->size);
	else
		jw_null(&w, "kvm_xsave2_size");
	jw_obj_end(&w);
	jw_obj(&w, "dst");
	jw_str(&w, "file", dp);
	jw_str(&w, "label", dst->label);
	jw_mask(&w, "kvm_supported_xcr0", dst->xcr0);
	if (dst->have_size)
		jw_u64(&w, "kvm_xsave2_size", dst->size);
	else
		jw_null(&w, "kvm_xsave2_size");
	jw_obj_end(&w);
	jw_mask(&w, "refused", r->refused);
	jw_mask(&w, "trimmed", r->trimmed);
	jw_bool(&w, "src_state_bigger", r->bigger);
	jw_arr(&w, "layout_differences");
	for (bit = 2; bit < 64; bit++) {
		if (!(r->layout & (1ULL << bit)))
			continue;
		jw_obj(&w, NULL);
		jw_str(&w, "name", kxp_feature_name(bit, tmp, sizeof(tmp)));
		jw_u64(&w, "src_offset", src->feat[bit].offset);
		jw_u64(&w, "src_size", src->feat[bit].size);
		jw_u64(&w, "dst_offset", dst->feat[bit].offset);
		jw_u64(&w, "dst_size", dst->feat[bit].size);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	jw_str(&w, "verdict", !src->have_xcr0 ? NULL :
		   r->incompatible ? "incompatible" :
		   r->bigger || r->layout ? "compatible_with_warnings" :
		   "compatible");
	*vms = kxp_compat_vms(svms, dst, &w);
	if (*vms < 0)
		jw_null(&w, "vms");
	jw_obj_end(&w);
	jw_finish(&w);
}

int kxp_cmd_compat(const struct kxp_opts *o, const char *sp, const char *dp)
{
	struct jv sdoc, ddoc;
	struct kxp_hostcap src, dst;
	struct kxp_compat r;
	struct kxp_src_vms svms;
	int vms;

	if (load(sp, &sdoc, &src, &svms, 0))
		return KXP_EXIT_USAGE;
	if (load(dp, &ddoc, &dst, NULL, 0)) {
		kxp_src_vms_free(&svms);
		return KXP_EXIT_USAGE;
	}
	/* A status document has no host capabilities: its VMs decide. */
	if (src.have_xcr0)
		kxp_compat_eval(&src, &dst, &r);
	else
		memset(&r, 0, sizeof(r));
	if (o->json) {
		print_json(sp, &src, dp, &dst, &r, &svms, &vms);
	} else {
		if (src.have_xcr0)
			print_text(sp, &src, dp, &dst, &r);
		else
			printf("SRC %s (%s)\nDST %s (%s)\n", sp, src.label, dp,
			       dst.label);
		vms = kxp_compat_vms(&svms, &dst, NULL);
		if (vms >= 0)
			printf("\n%s%d VM vCPU%s would be refused by DST%s\n",
			       kxp_c(vms ? KXP_C_RED : KXP_C_GREEN), vms,
			       vms == 1 ? "" : "s", kxp_c(KXP_C_RESET));
	}
	kxp_src_vms_free(&svms);
	/* Not 1: that would read as "incompatible" (kvm-xsave(1)). */
	if (kxp_output_check(stdout, "standard output"))
		return KXP_EXIT_USAGE;
	/* The live VMs, where known, are the answer; else the hosts. */
	if (vms >= 0)
		return vms ? KXP_EXIT_FAIL : KXP_EXIT_OK;
	return r.incompatible ? KXP_EXIT_FAIL : KXP_EXIT_OK;
}

/*
 * Reads and parses one host document, kept for the caller to read further
 * and jv_free(); on failure says why and returns -1.
 */
int kxp_compat_load(const char *path, struct jv *doc, struct kxp_hostcap *hc)
{
	return load(path, doc, hc, NULL, 1);
}
