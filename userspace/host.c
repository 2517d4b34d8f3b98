// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-xsave host: what this host's CPU and KVM support, without the module:
 * CPUID leaf 0xD, XCR0, KVM_GET_SUPPORTED_CPUID and KVM_CAP_XSAVE2.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <linux/kvm.h>

/* CPUID and XGETBV on x86-64, the only host KVM's XSAVE uABI matters on. */
#ifdef __x86_64__
#include <cpuid.h>
#define KXP_X86 1
#else
#define KXP_X86 0
#endif

#include "kxp.h"

#ifndef KVM_CAP_XSAVE2
#define KVM_CAP_XSAVE2 208
#endif
#ifndef ARCH_REQ_XCOMP_GUEST_PERM
#define ARCH_REQ_XCOMP_GUEST_PERM 0x1025
#endif
#ifndef KVM_X86_XCOMP_GUEST_SUPP
#define KVM_X86_XCOMP_GUEST_SUPP 0
#endif

#define DEV_KVM "/dev/kvm"

/* ---- /proc/cpuinfo ---- */

static int xsave_flag(const char *f)
{
	static const char *const exact[] = {
		"fxsr", "fxsr_opt", "xsave", "xsaveopt", "xsavec", "xsaves",
		"xgetbv1", "xsaveerptr", "xfd", "avx", "avx2", "fma", "f16c",
		"pku", "ospke", "mpx", "intel_pt", "arch_lbr", "shstk", "ibt",
		"user_shstk", "apx", "hypervisor",
	};
	static const char *const prefix[] = { "avx512", "amx", "avx_" };
	unsigned int i;

	for (i = 0; i < KXP_ARRAY_SIZE(exact); i++)
		if (!strcmp(f, exact[i]))
			return 1;
	for (i = 0; i < KXP_ARRAY_SIZE(prefix); i++)
		if (!strncmp(f, prefix[i], strlen(prefix[i])))
			return 1;
	return 0;
}

static void cpuinfo_flags(struct kxp_host *h, char *val)
{
	char *tok, *save = NULL;
	size_t used = 0;

	kxp_strlcpy(h->all_flags, val, sizeof(h->all_flags));
	for (tok = strtok_r(val, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		if (!xsave_flag(tok) ||
		    used + strlen(tok) + 2 >= sizeof(h->flags))
			continue;
		used += snprintf(h->flags + used, sizeof(h->flags) - used,
				 "%s%s", used ? " " : "", tok);
	}
}

static void read_cpuinfo(struct kxp_host *h)
{
	struct kxp_buf b;
	struct kxp_lines it;
	char *line;
	int ret = kxp_read_path("/proc/cpuinfo", &b);

	if (ret) {
		snprintf(h->cpuinfo_err, sizeof(h->cpuinfo_err),
			 "cannot read /proc/cpuinfo: %s", strerror(-ret));
		return;
	}
	kxp_lines_init(&it, &b);
	while ((line = kxp_lines_next(&it))) {
		char *colon = strchr(line, ':'), *key, *val;

		if (!*line && h->model[0])
			break;		/* the first processor is enough */
		if (!colon)
			continue;
		*colon = '\0';
		key = kxp_trim(line);
		val = kxp_trim(colon + 1);
		if (!strcmp(key, "vendor_id"))
			kxp_strlcpy(h->vendor, val, sizeof(h->vendor));
		else if (!strcmp(key, "model name"))
			kxp_strlcpy(h->model, val, sizeof(h->model));
		else if (!strcmp(key, "cpu family"))
			kxp_strlcpy(h->family, val, sizeof(h->family));
		else if (!strcmp(key, "model"))
			kxp_strlcpy(h->cpu_model, val, sizeof(h->cpu_model));
		else if (!strcmp(key, "stepping"))
			kxp_strlcpy(h->stepping, val, sizeof(h->stepping));
		else if (!strcmp(key, "microcode"))
			kxp_strlcpy(h->microcode, val, sizeof(h->microcode));
		else if (!strcmp(key, "flags"))
			cpuinfo_flags(h, val);
	}
	kxp_buf_free(&b);
}

/* ---- CPUID and XCR0 ---- */

#if KXP_X86
static void cpuid(u32 leaf, u32 sub, struct kxp_regs *r)
{
	unsigned int a, b, c, d;

	__cpuid_count(leaf, sub, a, b, c, d);
	r->eax = a;
	r->ebx = b;
	r->ecx = c;
	r->edx = d;
}

static u64 xgetbv0(void)
{
	u32 lo, hi;

	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (u64)hi << 32 | lo;
}

static void read_cpuid(struct kxp_host *h)
{
	struct kxp_regs r;
	u64 all;
	u32 i;

	h->is_x86 = 1;
	if (__get_cpuid_max(0, NULL) < 0xd)
		return;
	cpuid(1, 0, &r);
	h->osxsave = !!(r.ecx & (1U << 27));
	if (!(r.ecx & (1U << 26)))
		return;			/* no XSAVE */
	h->have_leaf_d = 1;
	cpuid(0xd, 0, &r);
	all = (u64)r.edx << 32 | r.eax;
	h->leaf_d[h->nr_leaf_d++] = (struct kxp_leaf){ 0, r };
	cpuid(0xd, 1, &r);
	h->xss_supported = (u64)r.edx << 32 | r.ecx;
	h->leaf_d[h->nr_leaf_d++] = (struct kxp_leaf){ 1, r };
	all |= h->xss_supported;
	for (i = 2; i < 64; i++) {
		cpuid(0xd, i, &r);
		if (!r.eax && !r.ebx && !r.ecx && !r.edx)
			continue;
		h->leaf_d[h->nr_leaf_d++] = (struct kxp_leaf){ i, r };
		if (all & (1ULL << i)) {
			h->feat[i].have = 1;
			h->feat[i].size = r.eax;
			h->feat[i].offset = r.ebx;
			h->feat[i].ecx = r.ecx;
		}
	}
	if (h->osxsave) {
		h->xcr0 = xgetbv0();
		h->have_xcr0 = 1;
	}
}
#else
static void read_cpuid(struct kxp_host *h)
{
	h->is_x86 = 0;
}
#endif

/* ---- /dev/kvm ---- */

static __printf(3, 4) void kvm_fail(struct kxp_host *h, int code,
				     const char *fmt, ...)
{
	va_list ap;

	h->kvm_ok = 0;
	h->kvm_code = code;
	va_start(ap, fmt);
	vsnprintf(h->kvm_err, sizeof(h->kvm_err), fmt, ap);
	va_end(ap);
}

/*
 * Dynamic features (AMX tile data) are only reported to a process that
 * asked for them, as QEMU does before it sizes the XSAVE buffer.
 */
static void request_guest_perm(struct kxp_host *h, int fd)
{
	struct kvm_device_attr attr = {
		.group = 0,
		.attr = KVM_X86_XCOMP_GUEST_SUPP,
		.addr = (unsigned long)&h->guest_supp,
	};
	size_t used = 0;
	unsigned int bit;
	char tmp[16];

	if (ioctl(fd, KVM_GET_DEVICE_ATTR, &attr)) {
		snprintf(h->perm_note, sizeof(h->perm_note),
			 "KVM_X86_XCOMP_GUEST_SUPP unavailable (kernel before 5.17?)");
		return;
	}
	h->have_guest_supp = 1;
	for (bit = 2; bit < 64; bit++) {
		const char *name = kxp_feature_name(bit, tmp, sizeof(tmp));

		if (!(h->guest_supp & (1ULL << bit)) ||
		    !(h->feat[bit].ecx & 4))	/* XFD-capable = dynamic */
			continue;
		if (syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_GUEST_PERM, bit))
			used += snprintf(h->perm_note + used,
					 sizeof(h->perm_note) - used,
					 "%s%s refused (%s)", used ? ", " : "",
					 name, strerror(errno));
		else
			used += snprintf(h->perm_note + used,
					 sizeof(h->perm_note) - used,
					 "%s%s requested", used ? ", " : "",
					 name);
		if (used >= sizeof(h->perm_note))
			break;
	}
	if (!used)
		snprintf(h->perm_note, sizeof(h->perm_note),
			 "no dynamic features to request");
}

static struct kvm_cpuid2 *supported_cpuid(int fd)
{
	struct kvm_cpuid2 *c;
	u32 nent;

	for (nent = 64; nent <= 4096; nent *= 2) {
		c = calloc(1, sizeof(*c) + nent * sizeof(c->entries[0]));
		if (!c)
			return NULL;
		c->nent = nent;
		if (!ioctl(fd, KVM_GET_SUPPORTED_CPUID, c))
			return c;
		free(c);
		if (errno != E2BIG)
			return NULL;
	}
	errno = E2BIG;
	return NULL;
}

static void read_kvm(struct kxp_host *h)
{
	struct kvm_cpuid2 *c;
	int fd, ret;
	u32 i;

	fd = open(DEV_KVM, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENODEV || errno == ENXIO)
			kvm_fail(h, KXP_EXIT_NO_KVM,
				 "%s does not exist: KVM is not loaded (modprobe kvm_intel or kvm_amd) or this machine has no usable hardware virtualization",
				 DEV_KVM);
		else if (errno == EACCES || errno == EPERM)
			kvm_fail(h, KXP_EXIT_ACCESS,
				 "permission denied opening %s: run as root or join its group (usually kvm)",
				 DEV_KVM);
		else
			kvm_fail(h, KXP_EXIT_NO_KVM, "cannot open %s: %s",
				 DEV_KVM, strerror(errno));
		return;
	}
	h->api_version = ioctl(fd, KVM_GET_API_VERSION, 0);
	h->cap_xsave = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE) > 0;
	request_guest_perm(h, fd);
	ret = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE2);
	if (ret > 0) {
		h->have_xsave2 = 1;
		h->xsave2_size = ret;
	}
	c = supported_cpuid(fd);
	if (!c) {
		kvm_fail(h, KXP_EXIT_NO_KVM,
			 "KVM_GET_SUPPORTED_CPUID on %s failed: %s", DEV_KVM,
			 strerror(errno));
		close(fd);
		return;
	}
	h->kvm_ok = 1;
	for (i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];
		struct kxp_leaf *l;

		if (e->function != 0xd ||
		    h->nr_kvm_leaf_d >= KXP_ARRAY_SIZE(h->kvm_leaf_d))
			continue;
		l = &h->kvm_leaf_d[h->nr_kvm_leaf_d++];
		l->subleaf = e->index;
		l->r = (struct kxp_regs){ e->eax, e->ebx, e->ecx, e->edx };
		if (e->index == 0) {
			h->kvm_xcr0 = (u64)e->edx << 32 | e->eax;
			h->have_kvm_xcr0 = 1;
		} else if (e->index == 1) {
			h->kvm_xss = (u64)e->edx << 32 | e->ecx;
		} else if (e->index < 64 && e->eax) {
			h->kvm_feat[e->index].have = 1;
			h->kvm_feat[e->index].size = e->eax;
			h->kvm_feat[e->index].offset = e->ebx;
			h->kvm_feat[e->index].ecx = e->ecx;
		}
	}
	free(c);
	close(fd);
	if (!h->have_kvm_xcr0)
		kvm_fail(h, KXP_EXIT_NO_KVM,
			 "KVM_GET_SUPPORTED_CPUID has no leaf 0xD: this KVM supports no XSAVE features");
}

void kxp_host_probe(struct kxp_host *h)
{
	struct utsname u;

	memset(h, 0, sizeof(*h));
	if (!uname(&u)) {
		kxp_strlcpy(h->kernel, u.release, sizeof(h->kernel));
		kxp_strlcpy(h->hostname, u.nodename, sizeof(h->hostname));
	}
	read_cpuinfo(h);
	read_cpuid(h);
	if (h->is_x86)
		read_kvm(h);
	else
		kvm_fail(h, KXP_EXIT_NO_KVM,
			 "not an x86 host: XSAVE does not apply");
}

/* ---- output ---- */

static void mask_line(FILE *f, const char *label, u64 mask)
{
	char names[768], text[800];

	snprintf(text, sizeof(text), "0x%llx = %s", mask,
		 kxp_mask_str(mask, ", ", names, sizeof(names)));
	kxp_wrap(f, 2, label, text);
}

static void print_layout(FILE *f, u64 mask,
			 const struct kxp_feat_layout *feat)
{
	unsigned int bit;
	char tmp[16];

	fprintf(f, "  %-12s %3s %6s %7s  %s\n", "feature", "bit", "size",
		"offset", "notes");
	for (bit = 0; bit < 64; bit++) {
		const struct kxp_feat_layout *l = &feat[bit];

		if (!(mask & (1ULL << bit)))
			continue;
		if (bit < 2) {
			fprintf(f,
				"  %-12s %3u %6s %7s  legacy area (bytes 0-511)\n",
				kxp_feature_name(bit, tmp, sizeof(tmp)), bit,
				"-", "-");
			continue;
		}
		if (!l->have) {
			fprintf(f, "  %-12s %3u %6s %7s  no CPUID sub-leaf\n",
				kxp_feature_name(bit, tmp, sizeof(tmp)), bit,
				"?", "?");
			continue;
		}
		fprintf(f, "  %-12s %3u %6u %7u  %s%s%s\n",
			kxp_feature_name(bit, tmp, sizeof(tmp)), bit, l->size,
			l->offset, l->ecx & 1 ? "supervisor " : "",
			l->ecx & 2 ? "64-byte-aligned " : "",
			l->ecx & 4 ? "XFD (dynamic)" : "");
	}
}

static void print_leaves(FILE *f, const struct kxp_leaf *l, size_t n)
{
	size_t i;

	fprintf(f, "  %-8s %-10s %-10s %-10s %s\n", "sub-leaf", "eax",
		"ebx", "ecx", "edx");
	for (i = 0; i < n; i++)
		fprintf(f, "  0xd.%-4u 0x%08x 0x%08x 0x%08x 0x%08x\n",
			l[i].subleaf, l[i].r.eax, l[i].r.ebx, l[i].r.ecx,
			l[i].r.edx);
}

static void print_host(FILE *f, const struct kxp_host *h, int verbose)
{
	u64 all;

	fprintf(f, "%sHost%s\n", kxp_c(KXP_C_BOLD), kxp_c(KXP_C_RESET));
	fprintf(f, "  kernel:      %s (%s)\n", h->kernel, h->hostname);
	if (h->cpuinfo_err[0]) {
		fprintf(f, "  CPU:         unknown: %s\n", h->cpuinfo_err);
	} else {
		fprintf(f,
			"  CPU:         %s, %s family %s model %s stepping %s\n",
			h->model, h->vendor, h->family, h->cpu_model,
			h->stepping);
		fprintf(f, "  microcode:   %s\n",
			h->microcode[0] ? h->microcode : "not reported");
		kxp_wrap(f, 2, "CPU flags:   ", h->flags[0] ? h->flags :
			 "none of the XSAVE-related flags");
	}
	if (!h->is_x86) {
		fprintf(f, "  not an x86 CPU: XSAVE does not apply\n");
		return;
	}
	if (!h->have_leaf_d) {
		fprintf(f, "  no XSAVE (CPUID.1:ECX.XSAVE is clear)\n");
		return;
	}
	all = (u64)h->leaf_d[0].r.edx << 32 | h->leaf_d[0].r.eax;
	mask_line(f, "CPUID XCR0:  ", all);
	if (h->have_xcr0)
		mask_line(f, "host XCR0:   ", h->xcr0);
	else
		fprintf(f, "%s",
			"  host XCR0:   not readable: OSXSAVE is clear (the kernel did not enable XSAVE)\n");
	fprintf(f,
		"  XSAVE size:  %u bytes for XCR0, %u for all features (CPUID 0xD.0 EBX, ECX)\n",
		h->leaf_d[0].r.ebx, h->leaf_d[0].r.ecx);
	if (h->xss_supported)
		mask_line(f, "CPUID XSS:   ", h->xss_supported);
	if (verbose && h->all_flags[0])
		kxp_wrap(f, 2, "all flags:   ", h->all_flags);
	if (verbose) {
		fprintf(f, "\n%sCPUID leaf 0xD (all non-zero sub-leaves)%s\n",
			kxp_c(KXP_C_BOLD), kxp_c(KXP_C_RESET));
		print_leaves(f, h->leaf_d, h->nr_leaf_d);
	}
}

static void print_kvm(FILE *f, const struct kxp_host *h, int verbose)
{
	fprintf(f, "\n%sKVM (%s)%s\n", kxp_c(KXP_C_BOLD), DEV_KVM,
		kxp_c(KXP_C_RESET));
	if (!h->kvm_ok && !h->have_kvm_xcr0) {
		kxp_wrap(f, 2, "not available: ", h->kvm_err);
		return;
	}
	fprintf(f, "  API version %d, KVM_CAP_XSAVE %s\n", h->api_version,
		h->cap_xsave ? "yes" : "no");
	mask_line(f, "KVM-supported XCR0: ", h->kvm_xcr0);
	if (h->kvm_xss)
		mask_line(f, "KVM-supported XSS:  ", h->kvm_xss);
	if (h->have_xsave2)
		fprintf(f,
			"  KVM_CAP_XSAVE2 size: %ld bytes (buffer for KVM_GET_XSAVE2)\n",
			h->xsave2_size);
	else
		fprintf(f, "%s",
			"  KVM_CAP_XSAVE2: not supported (kernel before 5.17): KVM_GET_XSAVE's 4096 bytes\n");
	if (h->have_guest_supp)
		mask_line(f, "guest XCOMP supp:   ", h->guest_supp);
	kxp_wrap(f, 2, "guest permission:   ", h->perm_note);
	if (!h->kvm_ok)
		kxp_wrap(f, 2, "problem: ", h->kvm_err);
	fprintf(f, "  KVM_GET/SET_XSAVE buffer layout (standard format):\n");
	print_layout(f, h->kvm_xcr0, h->kvm_feat);
	if (verbose) {
		fprintf(f, "\n%sKVM_GET_SUPPORTED_CPUID leaf 0xD%s\n",
			kxp_c(KXP_C_BOLD), kxp_c(KXP_C_RESET));
		print_leaves(f, h->kvm_leaf_d, h->nr_kvm_leaf_d);
	}
}

void kxp_host_print(FILE *f, const struct kxp_host *h, int verbose)
{
	print_host(f, h, verbose);
	print_kvm(f, h, verbose);
}

static void leaves_json(struct jw *w, const char *key,
			const struct kxp_leaf *l, size_t n)
{
	size_t i;

	jw_arr(w, key);
	for (i = 0; i < n; i++) {
		jw_obj(w, NULL);
		jw_u64(w, "subleaf", l[i].subleaf);
		jw_hex(w, "eax", l[i].r.eax);
		jw_hex(w, "ebx", l[i].r.ebx);
		jw_hex(w, "ecx", l[i].r.ecx);
		jw_hex(w, "edx", l[i].r.edx);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

static void layout_json(struct jw *w, const char *key, u64 mask,
			const struct kxp_feat_layout *feat)
{
	unsigned int bit;
	char tmp[16];

	jw_arr(w, key);
	for (bit = 2; bit < 64; bit++) {
		if (!(mask & (1ULL << bit)) || !feat[bit].have)
			continue;
		jw_obj(w, NULL);
		jw_u64(w, "bit", bit);
		jw_str(w, "name", kxp_feature_name(bit, tmp, sizeof(tmp)));
		jw_u64(w, "size", feat[bit].size);
		jw_u64(w, "offset", feat[bit].offset);
		jw_bool(w, "supervisor", feat[bit].ecx & 1);
		jw_bool(w, "aligned", !!(feat[bit].ecx & 2));
		jw_bool(w, "xfd", !!(feat[bit].ecx & 4));
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

void kxp_host_json(struct jw *w, const char *key, const struct kxp_host *h)
{
	u64 all = h->have_leaf_d ?
		  (u64)h->leaf_d[0].r.edx << 32 | h->leaf_d[0].r.eax : 0;
	u64 all_feat = all | h->xss_supported;

	jw_obj(w, key);
	jw_str(w, "hostname", h->hostname);
	jw_str(w, "kernel", h->kernel);
	jw_obj(w, "cpu");
	jw_str(w, "vendor", h->vendor[0] ? h->vendor : NULL);
	jw_str(w, "model_name", h->model[0] ? h->model : NULL);
	jw_str(w, "family", h->family[0] ? h->family : NULL);
	jw_str(w, "model", h->cpu_model[0] ? h->cpu_model : NULL);
	jw_str(w, "stepping", h->stepping[0] ? h->stepping : NULL);
	jw_str(w, "microcode", h->microcode[0] ? h->microcode : NULL);
	jw_names(w, "xsave_flags", h->flags, ' ');
	jw_names(w, "flags", h->all_flags, ' ');
	jw_str(w, "error", h->cpuinfo_err[0] ? h->cpuinfo_err : NULL);
	jw_obj_end(w);
	jw_bool(w, "x86", h->is_x86);
	jw_bool(w, "xsave", h->have_leaf_d);
	jw_bool(w, "osxsave", h->osxsave);
	jw_mask_or_null(w, "cpuid_xcr0", h->have_leaf_d, all);
	jw_mask_or_null(w, "cpuid_xss", h->have_leaf_d, h->xss_supported);
	jw_mask_or_null(w, "host_xcr0", h->have_xcr0, h->xcr0);
	leaves_json(w, "cpuid_0xd", h->leaf_d, h->nr_leaf_d);
	layout_json(w, "xfeatures", all_feat, h->feat);
	jw_bool(w, "kvm_available", h->kvm_ok);
	if (h->kvm_ok) {
		jw_null(w, "kvm_error");
	} else {
		jw_obj(w, "kvm_error");
		jw_u64(w, "exit_code", h->kvm_code);
		jw_str(w, "message", h->kvm_err);
		jw_obj_end(w);
	}
	if (h->api_version > 0)
		jw_s64(w, "kvm_api_version", h->api_version);
	else
		jw_null(w, "kvm_api_version");
	jw_mask_or_null(w, "kvm_supported_xcr0", h->have_kvm_xcr0, h->kvm_xcr0);
	jw_mask_or_null(w, "kvm_supported_xss", h->have_kvm_xcr0, h->kvm_xss);
	if (h->have_xsave2)
		jw_s64(w, "kvm_xsave2_size", h->xsave2_size);
	else
		jw_null(w, "kvm_xsave2_size");
	jw_mask_or_null(w, "kvm_xcomp_guest_supp", h->have_guest_supp,
			h->guest_supp);
	jw_str(w, "kvm_guest_perm", h->perm_note[0] ? h->perm_note : NULL);
	layout_json(w, "kvm_xfeatures", h->kvm_xcr0 | h->kvm_xss,
		    h->kvm_feat);
	leaves_json(w, "kvm_cpuid_0xd", h->kvm_leaf_d, h->nr_kvm_leaf_d);
	jw_obj_end(w);
}

int kxp_cmd_host(const struct kxp_opts *o)
{
	struct kxp_host *h = malloc(sizeof(*h));
	struct jw w;
	int ret;

	if (!h) {
		kxp_error("out of memory");
		return KXP_EXIT_FAIL;
	}
	kxp_host_probe(h);
	if (o->json) {
		jw_init(&w, stdout, 1);
		jw_obj(&w, NULL);
		jw_header(&w, "host");
		kxp_host_json(&w, "host", h);
		jw_obj_end(&w);
		jw_finish(&w);
	} else {
		kxp_host_print(stdout, h, 0);
	}
	ret = h->kvm_ok ? KXP_EXIT_OK : h->kvm_code;
	if (!h->kvm_ok)
		kxp_error("%s", h->kvm_err);
	free(h);
	if (kxp_output_check(stdout, "standard output"))
		return KXP_EXIT_FAIL;
	return ret;
}
