/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvm-xsave: verdicts. What an event or a vCPU's problem means under KVM's
 * XSAVE contract, and what to do about it, from the module's facts alone.
 * docs/verdicts.md explains each verdict and the kernel code behind it.
 */
#ifndef KXP_VERDICT_H
#define KXP_VERDICT_H

#include "kxp.h"

enum kxp_severity { KXP_SEV_INFO, KXP_SEV_WARNING, KXP_SEV_ERROR };

/* Was the feature exposed to the guest? */
enum kxp_exposed { KXP_EXPOSED_UNKNOWN = -1, KXP_EXPOSED_NO, KXP_EXPOSED_YES };

/* What KVM's contract on this kernel is known to be: -1 unknown. */
struct kxp_contract {
	int get_trims;		/* the 2023 fix: GET trims, SET takes all */
	int strips_xfd;		/* SET clears XSTATE_BV bits armed in XFD */
	int protected_refused;	/* -EINVAL for protected-state vCPUs */
};

/* The facts one verdict is drawn from. */
struct kxp_vfacts {
	const char *op;		/* set_xsave, get_xsave2, ... */
	const char *reason;	/* the module's reason name */
	u64 bits;		/* offending, trimmed or stripped bits */
	int have_requested;	/* requested_xcr0 known */
	u64 requested_xcr0;	/* CPUID.(0xD,0) as the VMM wrote it */
	int have_kvm_xcr0;
	u64 kvm_xcr0;		/* what this host's KVM can load */
	struct kxp_contract contract;
};

struct kxp_verdict_def {
	const char *id;
	enum kxp_severity severity;
	enum kxp_exposed exposed;
};

struct kxp_verdict {
	const struct kxp_verdict_def *def;
	enum kxp_exposed exposed;
	char summary[512];
	char cause[1024];
	char remedy[1024];
};

extern const size_t kxp_nr_verdict_defs;
const struct kxp_verdict_def *kxp_verdict_def_at(size_t i);

const char *kxp_severity_name(enum kxp_severity s);
const struct kxp_verdict_def *kxp_verdict_def(const char *id);
void kxp_verdict_of(const struct kxp_vfacts *f, struct kxp_verdict *v);
void kxp_contract_of(const struct kxp_info *in, struct kxp_contract *c);
void kxp_verdict_json(struct jw *w, const char *key,
		      const struct kxp_verdict *v);

/* The CPU flag gating xfeature @bit: QEMU's name, or /proc/cpuinfo's. */
const char *kxp_feature_flag(unsigned int bit, int cpuinfo);
/* The QEMU and libvirt CPU flags that gate @bits ("-pku", "...'pku'/>"). */
void kxp_cpu_flags(u64 bits, char *qemu, size_t qlen, char *libvirt,
		   size_t llen);

/* ---- a vCPU's verdicts (vcpu_verdicts.c) ---- */

#define KXP_MAX_VCPU_VERDICTS 12

struct kxp_vcpu_verdict {
	struct kxp_verdict v;
	char what[160];		/* "rejected load x4", "trimmed GET", ... */
	u64 count;
	u64 bits;
	char reason[32];
	char op[24];
};

struct kxp_vcpu_verdicts {
	size_t n;
	struct kxp_vcpu_verdict item[KXP_MAX_VCPU_VERDICTS];
};

void kxp_vcpu_verdicts(const struct kxp_vcpu *v, const struct kxp_info *in,
		       struct kxp_vcpu_verdicts *out);
void kxp_event_verdict(const struct kxp_event *ev, const struct kxp_info *in,
		       struct kxp_verdict *out);

/* compat per VM (compat_vms.c): a source's vCPUs, what compat needs. */
struct kxp_src_vcpu {
	char vm[40];
	char guest[64];
	int have_guest, have_gs, have_returned;
	u64 vcpu, gs, returned, gets;
};

struct kxp_src_vms {
	size_t n;
	struct kxp_src_vcpu *v;	/* NULL: the document has no vCPUs */
};

const struct jv *kxp_doc_vcpus(const struct jv *doc);
int kxp_src_vms_load(const struct jv *doc, struct kxp_src_vms *out);
void kxp_src_vms_free(struct kxp_src_vms *vms);
/* -1 without vCPUs, else how many vCPUs DST would refuse. */
int kxp_compat_vms(const struct kxp_src_vms *vms,
		   const struct kxp_hostcap *dst, struct jw *w);

/* The report's Diagnosis section (diagnosis.c); @evs may be NULL. */
void kxp_diagnosis_print(FILE *f, const struct kxp_info *in,
			 const struct kxp_vcpus *vs,
			 const struct kxp_events *evs);
void kxp_diagnosis_json(struct jw *w, const char *key,
			const struct kxp_info *in, const struct kxp_vcpus *vs,
			const struct kxp_events *evs);

/* The module's info of this command, once read (else all unknown). */
void kxp_set_verdict_info(const struct kxp_info *in);
const struct kxp_info *kxp_verdict_info(void);

/* Why this host lacks @bits' features, as " On this host ..." sentences. */
void kxp_host_why(u64 bits, char *out, size_t len);
/* Set with the module's info: the verdicts are about the host we run on. */
extern int kxp_verdict_local;

/*
 * Verdict objects without cause and remedy: the report's event list, where
 * a full ring would repeat them 65536 times (its diagnosis has them).
 */
extern int kxp_verdict_brief;

/* -v/--verbose: events show each verdict's summary and remedy. */
extern int kxp_verbose;
/* --all: status shows informational verdicts in full. */
extern int kxp_show_all;

#endif /* KXP_VERDICT_H */
