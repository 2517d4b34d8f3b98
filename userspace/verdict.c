// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-xsave verdicts: one table, one function. Each verdict has a stable
 * id, a severity, whether the feature was exposed to the guest, and texts
 * with placeholders filled from the facts:
 *
 *   %B  the bits' feature names     %X  the bits in hex
 *   %R  requested_xcr0 (or unknown) %K  KVM-supported XCR0 (or unknown)
 *   %Q  QEMU's -cpu flags to drop   %L  libvirt's <feature> elements
 *   %r  the module's reason         %N  the bits as a number
 *   %F  the 2023 fix, cited        %M  "give the guest a CPU model ..."
 *   %H  where to look on this host
 *
 * Adding a verdict is one entry in verdicts[] and, where it needs a rule of
 * its own, a line in pick(). docs/verdicts.md says why each one holds.
 */
#include <string.h>

#include "verdict.h"

struct vtext {
	struct kxp_verdict_def def;
	const char *summary;
	const char *cause;
	const char *remedy;
};

#define E KXP_SEV_ERROR
#define W KXP_SEV_WARNING
#define I KXP_SEV_INFO
#define YES KXP_EXPOSED_YES
#define NO KXP_EXPOSED_NO
#define UNK KXP_EXPOSED_UNKNOWN

#define FIX_2023 "the 2023 fix (upstream 18164f66e6c5 + 8647c52e9504, first released in v6.6; in 6.1 stable from 6.1.60 as 20695711e298 + 482565df3508)"
#define SAME_MODEL "give the guest a CPU model without it on both ends (QEMU: -cpu MODEL,%Q; libvirt: %L), which takes effect at the guest's next boot"
#define HOST_CHECK "On this host check that the CPU flag is in /proc/cpuinfo and that the kernel command line does not disable it (nopku, clearcpuid=, noxsave, noxsaves)."

static const struct vtext verdicts[] = {
	{ { "host_lacks_requested_feature", E, YES },
	  "This host's KVM cannot load %B, which the guest's CPU model here asks for.",
	  "KVM_SET_XSAVE refused state with %B: KVM-supported XCR0 here is %K, and this vCPU's CPUID (requested_xcr0 %R) exposes %B to the guest, so the guest may be using it. Loading the state without it would corrupt the guest; KVM refuses instead.",
	  "Migrate to a host whose CPU and kernel support %B, or %M.%H"
	},
	{ { "state_for_unexposed_feature", W, UNK },
	  "Refused state for %B, which the guest's CPU model here does not ask for; this host alone cannot tell whether the guest used it.",
	  "KVM_SET_XSAVE refused XSTATE_BV bits %B outside KVM-supported XCR0 %K; this vCPU's CPUID does not request them (requested_xcr0 %R). Either the source exposed the feature (the CPU models differ between the two ends, normal with -cpu host or host-passthrough on unlike hosts; loading without it would corrupt the guest), or the source kernel sent state its guest could not see (no GET trim before %F).",
	  "Decide it on the source: take `kvm-xsave status --json > src.json` there before or during the migration and run `kvm-xsave compat src.json dst.json` with this host's `kvm-xsave host --json > dst.json`. host_lacks_exposed_feature: the guest could use %B, %M. superfluous_state_refused: the source does not trim; update the source kernel."
	},
	{ { "host_lacks_feature_cpuid_unknown", E, UNK },
	  "This host's KVM cannot load %B; whether the guest's CPU model asks for it is unknown.",
	  "KVM_SET_XSAVE refused XSTATE_BV bits %B outside KVM-supported XCR0 %K. The module did not see this vCPU's KVM_SET_CPUID2 (it was loaded after the VMM configured the vCPU), so what the CPU model requests is unknown.",
	  "Load kvm_xsave_probe before the destination VMM starts, or decide it on the source with `kvm-xsave compat src-status.json dst-host.json`. If the guest exposes %B: %M.%H"
	},
	{ { "host_lacks_exposed_feature", E, YES },
	  "The destination's KVM cannot load %B, which the source exposes to this guest and whose state it holds.",
	  "The source vCPU's guest-supported XCR0 includes %B and its last returned XSTATE_BV uses it; the destination's KVM-supported XCR0 %K lacks it, so its KVM_SET_XSAVE will refuse the state (and must: the guest could be using %B).",
	  "Choose a destination whose CPU and kernel support %B, or %M."
	},
	{ { "superfluous_state_refused", W, NO },
	  "The source sends state for %B, which its own guest cannot see; the destination will refuse it.",
	  "The source vCPU's returned XSTATE_BV has %B outside its guest-supported XCR0: the source kernel does not trim on GET (it lacks %F). The destination's KVM cannot load %B (KVM-supported XCR0 %K) and refuses the whole load.",
	  "Update the source kernel to one with the 2023 fix; its KVM_GET_XSAVE{2} then leaves %B out. No CPU model change is needed."
	},
	{ { "known_regression_not_permitted", E, NO },
	  "A known kernel regression: this kernel refuses state for %B that the guest's CPUID hides, which it should accept.",
	  "This kernel narrows the vCPU's user_xfeatures to its CPUID at KVM_SET_CPUID2 (ad856280ddea, v5.18) and lacks %F, so KVM_SET_XSAVE refuses (validate_user_xstate_header: not permitted) superfluous state that older source kernels send. The guest cannot use %B here.",
	  "Update this kernel to one with the fix (v6.6 or later; 6.1.60 or later in 6.1). Not a CPU difference: no CPU model change is needed."
	},
	{ { "dynamic_feature_not_permitted", E, UNK },
	  "Refused %B: dynamic features this VMM process has no permission for.",
	  "On this kernel (it has the 2023 fix) not_permitted means XSTATE_BV bits outside the guest fpstate's user_xfeatures: dynamic features such as AMX tile data are loadable only after the VMM asked for them with arch_prctl(ARCH_REQ_XCOMP_GUEST_PERM) and exposed them in the vCPU's CPUID.",
	  "Start the destination VMM with a CPU model that includes %B, so that it requests the permission before KVM_SET_CPUID2, and check that the destination host supports %B (/proc/cpuinfo)."
	},
	{ { "not_permitted_kernel_unknown", E, UNK },
	  "Refused %B as not permitted; this kernel's contract level is unknown.",
	  "not_permitted means XSTATE_BV bits outside the guest fpstate's user_xfeatures. On kernels without %F that is a known regression (superfluous state refused); with it, a dynamic feature without arch_prctl(ARCH_REQ_XCOMP_GUEST_PERM). The module did not report the kernel's contract.",
	  "Update kvm_xsave_probe (its info file then reports contract.get_trims_to_cpuid) and look again."
	},
	{ { "malformed_buffer", E, UNK },
	  "The VMM sent a malformed buffer (%r).",
	  "%r: the buffer breaks the uABI's format; nothing about either host's features.",
	  "A VMM bug or a buffer changed in transit (a corrupted migration stream, a conversion tool). Report it to the VMM with `kvm-xsave report`."
	},
	{ { "bad_user_buffer", E, UNK },
	  "KVM could not copy the ioctl's buffer (-EFAULT).",
	  "The VMM passed a buffer that is not mapped or too short.",
	  "A VMM bug; report it to the VMM with `kvm-xsave report`."
	},
	{ { "needs_xsave2", E, UNK },
	  "KVM_GET_XSAVE refused: this vCPU's state is larger than 4096 bytes.",
	  "With AMX enabled the XSAVE state exceeds struct kvm_xsave; KVM returns -EINVAL from KVM_GET_XSAVE and expects KVM_GET_XSAVE2 (sized by KVM_CAP_XSAVE2).",
	  "Use a VMM that uses KVM_GET_XSAVE2 (QEMU 7.2 does)."
	},
	{ { "protected_state", I, UNK },
	  "KVM keeps this protected-state vCPU's FPU state out of reach (SEV-ES, SNP or TDX).",
	  "The vCPU's state is encrypted: KVM neither exports nor loads it through the XSAVE and XCRS ioctls (since the protected VM types they fail with -EINVAL; before, KVM_SET_XSAVE returned 0 without loading).",
	  "Expected for confidential guests; their state does not migrate through KVM_{GET,SET}_XSAVE."
	},
	{ { "trimmed_by_contract", I, NO },
	  "GET left out %B, which the guest can never enable: KVM doing its job.",
	  "KVM_GET_XSAVE{2} exports only the features of the guest's supported XCR0 (%F); XSETBV with %B would fault in this guest. Typically PKRU (KVM runs a guest without PKU with the host's PKRU) or, under nested TCG, MPX state.",
	  "None needed: nothing the guest uses was lost."
	},
	{ { "xfd_stripped", I, NO },
	  "KVM_SET_XSAVE cleared %B, which the guest had disabled in XFD.",
	  "KVM drops XSTATE_BV bits armed in the vCPU's XFD before loading (upstream 6.19 and the 6.1.162 stable backport): the guest cannot have live state for a feature it disabled.",
	  "None needed."
	},
	{ { "xcr0_outside_cpuid", E, YES },
	  "The guest had enabled %B in XCR0, which this vCPU's CPUID here does not expose.",
	  "KVM_SET_XCRS refused an XCR0 with %B, outside this vCPU's guest-supported XCR0.",
	  "Migrate to a host where this guest's CPU model exposes %B, or %M."
	},
	{ { "xcr0_invalid", E, UNK },
	  "KVM_SET_XCRS refused an XCR0 that breaks an architectural rule.",
	  "XCR0 %X: x87 must be set, AVX needs SSE, AVX-512 is all-or-none and needs AVX, AMX is all-or-none, MPX needs both bits.",
	  "A VMM bug or a corrupted migration stream; report it with `kvm-xsave report`."
	},
	{ { "cpuid_refused", E, UNK },
	  "KVM_SET_CPUID2 was refused.",
	  "KVM refuses a CPUID different from the one set before the vCPU's first KVM_RUN (-EINVAL), and AMX in CPUID without the VMM's guest permission (-EPERM).",
	  "Set the CPUID once, before the vCPU first runs; request AMX permission first."
	},
	{ { "cpuid_changed", I, UNK },
	  "The VMM set this vCPU's CPUID (guest-supported XCR0 now %X).",
	  "Every VMM start configures its vCPUs' CPUID.",
	  "None needed."
	},
	{ { "accepted", I, UNK },
	  "Accepted.",
	  "KVM accepted the call (logged with log_all=1).",
	  "None needed."
	},
	{ { "unexplained", E, UNK },
	  "KVM refused the call and none of the checks this module knows explains it (%r).",
	  "The module compares each call with KVM's checks in kernel order; this failure matches none of them.",
	  "Send `kvm-xsave report` (and dmesg) to the kvm-xsave-probe developers."
	},
	{ { "reason_not_reported", W, UNK },
	  "A call was refused; the module's vCPU table does not say why.",
	  "The failures column is missing (a kvm_xsave_probe older than this reader, or the vCPU directories read instead of the vcpus table), so only the offending bits (%B) are known.",
	  "`kvm-xsave events` gives each refusal with its verdict; update kvm_xsave_probe to get them per vCPU."
	},
	{ { "cr4_gate_not_exposed", E, YES },
	  "The guest has %B set in CR4, which this vCPU's CPUID here does not allow.",
	  "KVM_SET_SREGS2 refused CR4 bits %B: the guest uses the feature (CR4.OSXSAVE enables XSAVE, CR4.PKE protection keys), and this vCPU's CPUID marks the bits reserved. QEMU loads the special registers before the XSAVE state, so this refusal comes first and the XSAVE state is never sent.",
	  "Migrate to a host that supports the feature, or %M."
	},
	{ { "cr4_feature_not_exposed", E, YES },
	  "The guest has %B set in CR4, which this vCPU's CPUID here reserves.",
	  "KVM_SET_SREGS2 refused CR4 bits %B: the guest enabled these features on the source, and this vCPU's CPUID here does not offer them.",
	  "Migrate to a host that offers the features, or %M."
	},
	{ { "vmm_ran_after_failed_load", E, UNK },
	  "The VMM ran this vCPU after a failed state load: the guest is running without the state it was given.",
	  "A KVM_SET_XSAVE, KVM_SET_XCRS or KVM_SET_SREGS2 (%r) failed with no accepted load of the same kind since, and KVM's count of VM exits shows the vCPU entered the guest again since (%N VM exits). QEMU 7.2 (Debian 12) ignores a failed register put and resumes the guest (measured, docs/qemu.md); QEMU commit 7191f24c7fcf (\"accel/kvm/kvm-all: Handle register access errors\") makes it fatal in later releases (QEMU 10.0.2 exits: \"Putting registers after init: ...\", measured).",
	  "Treat the guest as corrupted: stop it and restart it from its source, and fix the refusal first (see the load's own verdict)."
	},
};

#undef E
#undef W
#undef I

const size_t kxp_nr_verdict_defs = KXP_ARRAY_SIZE(verdicts);

const struct kxp_verdict_def *kxp_verdict_def_at(size_t i)
{
	return i < KXP_ARRAY_SIZE(verdicts) ? &verdicts[i].def : NULL;
}

const char *kxp_severity_name(enum kxp_severity s)
{
	static const char *const names[] = { "info", "warning", "error" };

	return s <= KXP_SEV_ERROR ? names[s] : "error";
}

static const struct vtext *find(const char *id)
{
	size_t i;

	for (i = 0; i < KXP_ARRAY_SIZE(verdicts); i++)
		if (!strcmp(verdicts[i].def.id, id))
			return &verdicts[i];
	return NULL;
}

const struct kxp_verdict_def *kxp_verdict_def(const char *id)
{
	const struct vtext *t = find(id);

	return t ? &t->def : NULL;
}

/*
 * The CPU flag that gates an xfeature, as QEMU and libvirt name it
 * (@cpuinfo: as /proc/cpuinfo does, '_' where they have '-').
 */
const char *kxp_feature_flag(unsigned int bit, int cpuinfo)
{
	switch (bit) {
	case 2: return "avx";
	case 3: case 4: return "mpx";
	case 5: case 6: case 7: return "avx512f";
	case 8:
		return cpuinfo ? "intel_pt" : "intel-pt";
	case 9: return "pku";
	case 17: case 18:
		return cpuinfo ? "amx_tile" : "amx-tile";
	default: return NULL;
	}
}

void kxp_cpu_flags(u64 bits, char *qemu, size_t qlen, char *libvirt,
		   size_t llen)
{
	const char *seen[8];
	size_t nseen = 0, q = 0, l = 0, j;
	unsigned int bit;

	qemu[0] = '\0';
	libvirt[0] = '\0';
	for (bit = 0; bit < 64; bit++) {
		const char *fl = (bits >> bit) & 1 ? kxp_feature_flag(bit, 0) :
						     NULL;

		if (!fl)
			continue;
		for (j = 0; j < nseen && strcmp(seen[j], fl); j++)
			;
		if (j < nseen || nseen == KXP_ARRAY_SIZE(seen))
			continue;
		seen[nseen++] = fl;
		q += snprintf(qemu + q, q < qlen ? qlen - q : 0, "%s-%s",
			      q ? "," : "", fl);
		l += snprintf(libvirt + l, l < llen ? llen - l : 0,
			      "%s<feature policy='disable' name='%s'/>",
			      l ? " " : "", fl);
	}
	if (!nseen) {
		snprintf(qemu, qlen, "-FLAG (no QEMU 7.2 flag is known for these bits)");
		snprintf(libvirt, llen, "<feature policy='disable' name='FLAG'/>");
	}
}

static size_t put(char *out, size_t len, size_t o, const char *s)
{
	size_t n = strlen(s);

	if (o + 1 < len) {
		size_t room = len - o - 1;

		memcpy(out + o, s, n < room ? n : room);
		out[o + (n < room ? n : room)] = '\0';
	}
	return o + n;
}

static void mask_text(u64 m, char *buf, size_t len)
{
	char names[384];

	snprintf(buf, len, "0x%llx (%s)", m,
		 kxp_mask_str(m, ",", names, sizeof(names)));
}

static int is(const char *a, const char *b);

/* CR4 bits by the kernel's X86_CR4 names, ", "-joined. */
static void cr4_str(u64 bits, char *out, size_t len)
{
	char name[24];
	size_t o = 0;
	unsigned int bit;

	out[0] = '\0';
	for (bit = 0; bit < 64; bit++)
		if ((bits >> bit) & 1)
			o += snprintf(out + o, o < len ? len - o : 0, "%s%s",
				      o ? ", " : "",
				      kxp_cr4_name(bit, name, sizeof(name)));
}

/*
 * The xfeature bits whose CPU flags a remedy names: for refused CR4 bits,
 * the feature each gates (CR4.PKE: pkru, so the flag pku).
 */
static u64 flag_bits(const struct kxp_vfacts *f)
{
	if (!is(f->op, "set_sregs"))
		return f->bits;
	return (f->bits >> 22 & 1) << 9;	/* PKE -> pkru (pku) */
}

static void fill(char *out, size_t len, const char *tmpl,
		 const struct kxp_vfacts *f)
{
	char tmp[640], q[160];
	size_t o = 0;

	out[0] = '\0';
	for (; *tmpl; tmpl++) {
		if (*tmpl != '%' || !tmpl[1]) {
			tmp[0] = *tmpl;
			tmp[1] = '\0';
			o = put(out, len, o, tmp);
			continue;
		}
		switch (*++tmpl) {
		case 'B':
			if (is(f->op, "set_sregs"))
				cr4_str(f->bits, tmp, sizeof(tmp));
			else
				kxp_mask_str(f->bits, ", ", tmp, sizeof(tmp));
			break;
		case 'X':
			snprintf(tmp, sizeof(tmp), "0x%llx", f->bits);
			break;
		case 'N':
			snprintf(tmp, sizeof(tmp), "%llu", f->bits);
			break;
		case 'R':
			if (f->have_requested)
				mask_text(f->requested_xcr0, tmp, sizeof(tmp));
			else
				snprintf(tmp, sizeof(tmp), "unknown");
			break;
		case 'K':
			if (f->have_kvm_xcr0)
				mask_text(f->kvm_xcr0, tmp, sizeof(tmp));
			else
				snprintf(tmp, sizeof(tmp), "unknown");
			break;
		case 'Q':
			kxp_cpu_flags(flag_bits(f), tmp, sizeof(tmp), q,
				      sizeof(q));
			break;
		case 'L':
			kxp_cpu_flags(flag_bits(f), q, sizeof(q), tmp,
				      sizeof(tmp));
			break;
		case 'r':
			snprintf(tmp, sizeof(tmp), "%s", f->reason);
			break;
		case 'F':
			fill(tmp, sizeof(tmp), FIX_2023, f);
			break;
		case 'M':
			fill(tmp, sizeof(tmp), SAME_MODEL, f);
			break;
		case 'H':
			tmp[0] = '\0';
			if (kxp_verdict_local)
				kxp_host_why(f->bits, tmp, sizeof(tmp));
			if (!tmp[0])
				fill(tmp, sizeof(tmp), " " HOST_CHECK, f);
			break;
		default:
			snprintf(tmp, sizeof(tmp), "%%%c", *tmpl);
			break;
		}
		o = put(out, len, o, tmp);
	}
}

static int is(const char *a, const char *b)
{
	return a && !strcmp(a, b);
}

/* CR4.OSXSAVE (bit 18) and CR4.PKE (bit 22): the switches of XSAVE, PKRU. */
#define KXP_CR4_XSAVE_GATES ((1ULL << 18) | (1ULL << 22))

/* The verdict id for the facts: the rules of docs/verdicts.md. */
static const char *pick(const struct kxp_vfacts *f)
{
	const char *r = f->reason;

	if (is(f->op, "ran_after_failed_load"))	/* reason: the loads */
		return "vmm_ran_after_failed_load";
	if (is(r, "ok"))
		return "accepted";
	if (is(r, "unsupported")) {
		if (!f->have_requested)
			return "host_lacks_feature_cpuid_unknown";
		return f->bits & f->requested_xcr0 ?
		       "host_lacks_requested_feature" :
		       "state_for_unexposed_feature";
	}
	if (is(r, "not_permitted")) {
		if (f->contract.get_trims < 0)
			return "not_permitted_kernel_unknown";
		return f->contract.get_trims ? "dynamic_feature_not_permitted" :
		       "known_regression_not_permitted";
	}
	if (is(r, "compacted") || is(r, "reserved_header") ||
	    is(r, "mxcsr") || is(r, "xcrs_format"))
		return "malformed_buffer";
	if (is(r, "fault"))
		return "bad_user_buffer";
	if (is(r, "size"))
		return "needs_xsave2";
	if (is(r, "protected_state"))
		return "protected_state";
	if (is(r, "trimmed"))
		return "trimmed_by_contract";
	if (is(r, "xfd_stripped"))
		return "xfd_stripped";
	if (is(r, "xcr0_unsupported"))
		return "xcr0_outside_cpuid";
	if (is(r, "xcr0_invalid"))
		return "xcr0_invalid";
	if (is(r, "rejected"))
		return "cpuid_refused";
	if (is(r, "changed"))
		return "cpuid_changed";
	if (is(r, "cr4_reserved"))
		return f->bits & KXP_CR4_XSAVE_GATES ? "cr4_gate_not_exposed" :
		       "cr4_feature_not_exposed";
	if (is(r, "dst_refuses"))	/* compat: requested_xcr0 is the source's */
		return f->bits & f->requested_xcr0 ?	/* guest-supported XCR0 */
		       "host_lacks_exposed_feature" :
		       "superfluous_state_refused";
	if (is(r, "not_reported"))
		return "reason_not_reported";
	return "unexplained";
}

static const char *malformed_detail(const char *reason)
{
	if (is(reason, "compacted"))
		return "XCOMP_BV is not zero: the compacted format, which the uABI does not take.";
	if (is(reason, "reserved_header"))
		return "Bytes 528 to 575 of the XSAVE header are not zero.";
	if (is(reason, "mxcsr"))
		return "MXCSR has bits set outside the host's MXCSR feature mask.";
	return "KVM_SET_XCRS had more than KVM_MAX_XCRS entries or non-zero flags.";
}

/* Sentences that depend on more than the verdict's id. */
static void add_notes(const struct kxp_vfacts *f, struct kxp_verdict *v)
{
	const char *id = v->def->id;
	char note[512];

	note[0] = '\0';
	if (!strcmp(id, "malformed_buffer"))
		snprintf(note, sizeof(note), " %s", malformed_detail(f->reason));
	if (!strcmp(id, "trimmed_by_contract") && f->have_requested &&
	    (f->bits & f->requested_xcr0))
		fill(note, sizeof(note),
		     " Configuration note: the VMM's CPUID asks for %B (requested_xcr0 %R), which this host's KVM cannot give (KVM-supported XCR0 %K): the guest runs without it.",
		     f);
	else if (!strcmp(id, "xcr0_outside_cpuid") && f->have_requested)
		fill(note, sizeof(note),
		     f->bits & f->requested_xcr0 ?
		     " The VMM's CPUID asks for %B (requested_xcr0 %R): this host's KVM lacks it." :
		     " The VMM's CPUID here does not ask for %B (requested_xcr0 %R): the CPU models of the two ends differ.",
		     f);
	else if (!strcmp(id, "xcr0_outside_cpuid"))
		snprintf(note, sizeof(note),
			 " Whether the VMM's CPUID asks for it is unknown (the module did not see its KVM_SET_CPUID2).");
	if (note[0])
		kxp_strlcpy(v->cause + strlen(v->cause), note,
			    sizeof(v->cause) - strlen(v->cause));
}

void kxp_verdict_of(const struct kxp_vfacts *f, struct kxp_verdict *v)
{
	const struct vtext *t = find(pick(f));

	if (!t)		/* an id pick() knows and the table lacks */
		t = find("unexplained");
	memset(v, 0, sizeof(*v));
	v->def = &t->def;
	v->exposed = t->def.exposed;
	fill(v->summary, sizeof(v->summary), t->summary, f);
	fill(v->cause, sizeof(v->cause), t->cause, f);
	fill(v->remedy, sizeof(v->remedy), t->remedy, f);
	add_notes(f, v);
}

static int trait3(const struct kxp_info *in, const char *name)
{
	size_t i;

	for (i = 0; i < in->nr_contract; i++)
		if (!strcmp(in->contract[i].name, name))
			return in->contract[i].value;
	return -1;
}

void kxp_contract_of(const struct kxp_info *in, struct kxp_contract *c)
{
	c->get_trims = trait3(in, "get_trims_to_cpuid");
	c->strips_xfd = trait3(in, "set_strips_xfd");
	c->protected_refused = trait3(in, "protected_state_refused");
}

void kxp_verdict_json(struct jw *w, const char *key,
		      const struct kxp_verdict *v)
{
	jw_obj(w, key);
	jw_str(w, "id", v->def->id);
	jw_str(w, "severity", kxp_severity_name(v->def->severity));
	if (v->exposed == KXP_EXPOSED_UNKNOWN)
		jw_null(w, "exposed");
	else
		jw_bool(w, "exposed", v->exposed == KXP_EXPOSED_YES);
	jw_str(w, "summary", v->summary);
	if (!kxp_verdict_brief) {
		jw_str(w, "cause", v->cause);
		jw_str(w, "remedy", v->remedy);
	}
	jw_obj_end(w);
}
