// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-xsave events: the module's event log, decoded; -f follows it.
 *
 * The ring overwrites its oldest events when full and `reset` clears it,
 * but seq never goes back, so a gap in seq is exactly what was lost.
 * Following polls `stats` (seq_next) and rereads `events` only when it
 * moved.
 */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "kxp.h"
#include "verdict.h"

#define POLL_MS 200

static atomic_int stop_requested;

static int fail(const struct kxp_err *e)
{
	kxp_error("%s", e->msg);
	return e->code;
}

static void on_signal(int sig)
{
	(void)sig;
	atomic_store(&stop_requested, 1);
}

static void ret_str(long ret, char *buf, size_t len)
{
	const char *name = ret < 0 ? kxp_errno_name(-ret) : NULL;

	if (!ret)
		kxp_strlcpy(buf, "ok", len);
	else if (name)
		snprintf(buf, len, "-%s", name);
	else
		snprintf(buf, len, "%ld", ret);
}

static int is_op(const struct kxp_event *e, const char *op)
{
	return !strcmp(e->op, op);
}

static int is_reason(const struct kxp_event *e, const char *r)
{
	return !strcmp(e->reason, r);
}

/* The names of @e->bits: the module's list, or decoded. */
static const char *bit_names(const struct kxp_event *e, char *buf,
			     size_t len)
{
	size_t o = 0;
	const char *p;

	if (!strcmp(e->names, "-")) {
		if (!e->bits)
			return "-";
		return kxp_mask_str(e->bits, ", ", buf, len);
	}
	for (p = e->names; *p && o + 3 < len; p++) {
		buf[o++] = *p;
		if (*p == ',')
			buf[o++] = ' ';
	}
	buf[o] = '\0';
	return buf;
}

static void describe_set(const struct kxp_event *e, const char *n,
			 char *b, size_t len)
{
	if (is_reason(e, "ok"))
		snprintf(b, len, "loaded XSTATE_BV 0x%llx", e->xstate_bv);
	else if (is_reason(e, "unsupported"))
		snprintf(b, len,
			 "XSTATE_BV 0x%llx has features outside KVM-supported XCR0 0x%llx: %s",
			 e->xstate_bv, e->mask, n);
	else if (is_reason(e, "not_permitted"))
		snprintf(b, len,
			 "XSTATE_BV 0x%llx has features outside user_xfeatures 0x%llx (not permitted to this VM): %s",
			 e->xstate_bv, e->mask, n);
	else if (is_reason(e, "compacted"))
		snprintf(b, len,
			 "XCOMP_BV 0x%llx is set: the buffer must use the standard format",
			 e->bits);
	else if (is_reason(e, "reserved_header"))
		snprintf(b, len, "reserved XSAVE header bytes are not zero");
	else if (is_reason(e, "mxcsr"))
		snprintf(b, len,
			 "reserved MXCSR bits 0x%llx set (see mxcsr_feature_mask)",
			 e->bits);
	else if (is_reason(e, "fault"))
		snprintf(b, len, "the buffer could not be read (fault)");
	else if (is_reason(e, "size"))
		snprintf(b, len, "unexpected buffer size");
	else if (is_reason(e, "xfd_stripped"))
		snprintf(b, len,
			 "XFD 0x%llx stripped state of XSTATE_BV 0x%llx: %s",
			 e->mask, e->xstate_bv, n);
	else if (is_reason(e, "other"))
		snprintf(b, len,
			 "KVM failed and no known check explains it (XSTATE_BV 0x%llx)",
			 e->xstate_bv);
	else
		b[0] = '\0';
}

static void describe_get(const struct kxp_event *e, const char *n,
			 char *b, size_t len)
{
	if (is_reason(e, "trimmed"))
		snprintf(b, len,
			 "returned XSTATE_BV 0x%llx; non-init state outside mask 0x%llx was not returned: %s",
			 e->xstate_bv, e->mask, n);
	else if (is_reason(e, "size"))
		snprintf(b, len,
			 "buffer too small for the state: use KVM_GET_XSAVE2 sized by KVM_CAP_XSAVE2");
	else if (is_reason(e, "fault"))
		snprintf(b, len, "the buffer could not be written (fault)");
	else if (is_reason(e, "ok"))
		snprintf(b, len, "returned XSTATE_BV 0x%llx", e->xstate_bv);
	else
		b[0] = '\0';
}

static void describe_xcrs(const struct kxp_event *e, const char *n,
			  char *b, size_t len)
{
	if (is_reason(e, "xcr0_unsupported"))
		snprintf(b, len,
			 "XCR0 0x%llx has features outside guest-supported XCR0 0x%llx: %s",
			 e->xstate_bv, e->mask, n);
	else if (is_reason(e, "xcr0_invalid"))
		snprintf(b, len,
			 "XCR0 0x%llx breaks an XCR0 rule (fp missing, ymm without sse, partial AVX-512 or AMX)",
			 e->xstate_bv);
	else if (is_reason(e, "xcrs_format"))
		snprintf(b, len, "invalid nr_xcrs or flags");
	else if (is_reason(e, "ok"))
		snprintf(b, len, "XCR0 0x%llx", e->xstate_bv);
	else
		b[0] = '\0';
}

static void describe(const struct kxp_event *e, char *b, size_t len)
{
	char names[512];
	const char *n = bit_names(e, names, sizeof(names));

	b[0] = '\0';
	if (is_op(e, "set_xsave"))
		describe_set(e, n, b, len);
	else if (is_op(e, "get_xsave") || is_op(e, "get_xsave2"))
		describe_get(e, n, b, len);
	else if (is_op(e, "set_xcrs"))
		describe_xcrs(e, n, b, len);
	else if (is_op(e, "set_sregs") && is_reason(e, "cr4_reserved"))
		snprintf(b, len,
			 "CR4 0x%llx has bits this vCPU's CPUID reserves (0x%llx): %s",
			 e->xstate_bv, e->mask, n);
	else if (is_op(e, "set_sregs") && is_reason(e, "ok"))
		snprintf(b, len, "CR4 0x%llx", e->xstate_bv);
	else if (is_op(e, "set_cpuid") && is_reason(e, "changed"))
		snprintf(b, len,
			 "guest-supported XCR0 0x%llx -> 0x%llx, changed: %s",
			 e->mask, e->xstate_bv, n);
	else if (is_op(e, "set_cpuid") && is_reason(e, "rejected"))
		snprintf(b, len,
			 "KVM refused the CPUID; guest-supported XCR0 stays 0x%llx",
			 e->mask);
	if (!b[0])
		snprintf(b, len, "xstate_bv=0x%llx mask=0x%llx bits=0x%llx %s",
			 e->xstate_bv, e->mask, e->bits, n);
}

static enum kxp_color event_color(const struct kxp_event *e)
{
	if (is_reason(e, "ok") || is_reason(e, "changed"))
		return KXP_C_RESET;
	if (is_reason(e, "trimmed") || is_reason(e, "xfd_stripped"))
		return KXP_C_YELLOW;
	return KXP_C_RED;
}

void kxp_event_print(FILE *f, const struct kxp_event *e)
{
	char ret[24], text[1024], vcpu[24], head[384], when[48], guest[80] = "";
	struct kxp_verdict v;
	enum kxp_color c = event_color(e);

	ret_str(e->ret, ret, sizeof(ret));
	if (e->vcpu >= 0)
		snprintf(vcpu, sizeof(vcpu), "%ld", e->vcpu);
	else
		kxp_strlcpy(vcpu, "-", sizeof(vcpu));
	describe(e, text, sizeof(text));
	kxp_event_verdict(e, kxp_verdict_info(), &v);
	if (!kxp_guest_name(e->pid, guest + 7, sizeof(guest) - 8))
		memcpy(guest, " guest ", 7);
	/* "set_xsave -EINVAL unsupported [verdict]", "get_xsave trimmed ..." */
	snprintf(head, sizeof(head),
		 "#%llu %s %s %ld (thread %s %ld)%s vm %s vcpu %s %s%s%s %s [%s]: ",
		 e->seq, kxp_ts_show(e->ts, when, sizeof(when)), e->comm,
		 e->pid, e->thread_comm[0] ? e->thread_comm : "-", e->tid, guest,
		 e->vm, vcpu, e->op, e->ret ? " " : "", e->ret ? ret : "",
		 e->reason, v.def->id);
	fprintf(f, "%s%s%s%s\n", c != KXP_C_RESET ? kxp_c(c) : "", head,
		text, c != KXP_C_RESET ? kxp_c(KXP_C_RESET) : "");
	if (kxp_verbose) {
		kxp_wrap(f, 4, "", v.summary);
		kxp_wrap(f, 4, "what to do: ", v.remedy);
	}
}

static void event_fields(struct jw *w, const struct kxp_event *e)
{
	char guest[64];
	const char *en = e->ret < 0 ? kxp_errno_name(-e->ret) : NULL;
	struct kxp_verdict v;
	char wall[48];

	jw_u64(w, "seq", e->seq);
	jw_str(w, "ts", e->ts[0] ? e->ts : NULL);
	jw_str(w, "wall", kxp_ts_iso(e->ts, wall, sizeof(wall)));
	jw_s64(w, "pid", e->pid);
	jw_s64(w, "tid", e->tid);
	jw_str(w, "comm", e->comm);
	jw_str(w, "thread_comm", e->thread_comm[0] ? e->thread_comm : NULL);
	jw_str(w, "guest", !kxp_guest_name(e->pid, guest, sizeof(guest)) ?
	       guest : NULL);
	jw_str(w, "vm", e->vm);
	if (e->vcpu >= 0)
		jw_s64(w, "vcpu", e->vcpu);
	else
		jw_null(w, "vcpu");
	jw_str(w, "op", e->op);
	jw_s64(w, "ret", e->ret);
	jw_str(w, "errno", en);
	jw_str(w, "reason", e->reason);
	if (is_op(e, "set_sregs")) {	/* CR4 and the reserved CR4 bits */
		jw_cr4(w, "xstate_bv", e->xstate_bv);
		jw_cr4(w, "mask", e->mask);
	} else {
		jw_mask(w, "xstate_bv", e->xstate_bv);
		jw_mask(w, "mask", e->mask);
	}
	jw_hex(w, "bits", e->bits);
	jw_names(w, "bits_names", e->names, ',');
	jw_mask_or_null(w, "requested_xcr0", e->have_requested_xcr0,
			e->requested_xcr0);
	kxp_event_verdict(e, kxp_verdict_info(), &v);
	kxp_verdict_json(w, "verdict", &v);
}

void kxp_event_json(struct jw *w, const char *key, const struct kxp_event *e)
{
	jw_obj(w, key);
	event_fields(w, e);
	jw_obj_end(w);
}

/* ---- output for one event or gap ---- */

struct follow {
	const struct kxp_opts *o;
	int have_last;
	u64 last;
	int have_seq_next;
	u64 seq_next;
	u64 resets;
	int reset_seen;
	const char *gap_why;
	int gone;
};

static void emit_gap(struct follow *fw, u64 from, u64 to)
{
	struct jw w;
	u64 n = to - from + 1;

	if (fw->o->json) {
		jw_init(&w, stdout, 0);
		jw_obj(&w, NULL);
		jw_str(&w, "type", "gap");
		jw_u64(&w, "from_seq", from);
		jw_u64(&w, "to_seq", to);
		jw_u64(&w, "dropped", n);
		jw_bool(&w, "reset", fw->reset_seen);
		jw_obj_end(&w);
		jw_finish(&w);
		return;
	}
	printf("%s--- %llu event%s dropped (seq %llu..%llu, %s) ---%s\n",
	       kxp_c(KXP_C_YELLOW), n, n == 1 ? "" : "s", from, to,
	       fw->reset_seen ? "reset was written" : fw->gap_why,
	       kxp_c(KXP_C_RESET));
}

static void emit_notice(struct follow *fw, const char *msg)
{
	struct jw w;

	if (fw->o->json) {
		jw_init(&w, stdout, 0);
		jw_obj(&w, NULL);
		jw_str(&w, "type", "notice");
		jw_str(&w, "message", msg);
		jw_obj_end(&w);
		jw_finish(&w);
		return;
	}
	printf("%s--- %s ---%s\n", kxp_c(KXP_C_DIM), msg, kxp_c(KXP_C_RESET));
	kxp_flush(stdout);
}

static void emit_event(struct follow *fw, const struct kxp_event *e)
{
	struct jw w;

	if (fw->o->json) {
		jw_init(&w, stdout, 0);
		jw_obj(&w, NULL);
		jw_str(&w, "type", "event");
		event_fields(&w, e);
		jw_obj_end(&w);
		jw_finish(&w);
		return;
	}
	kxp_event_print(stdout, e);
}

/* Prints the events after fw->last, reporting gaps. */
static void emit_new(struct follow *fw, const struct kxp_events *evs)
{
	size_t i;

	for (i = 0; i < evs->n; i++) {
		const struct kxp_event *e = &evs->v[i];

		if (fw->have_last && e->seq <= fw->last)
			continue;
		if (fw->have_last && e->seq > fw->last + 1)
			emit_gap(fw, fw->last + 1, e->seq - 1);
		if (!e->malformed)
			emit_event(fw, e);
		fw->last = e->seq;
		fw->have_last = 1;
	}
	fw->reset_seen = 0;
	fw->gap_why = "ring overwritten";
	kxp_flush(stdout);
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (long)(ms % 1000) * 1000000L,
	};

	nanosleep(&ts, NULL);	/* EINTR: the caller checks the flag */
}

/* One poll; 0 to go on, or an exit code. */
static int poll_once(struct follow *fw)
{
	struct kxp_stats st;
	struct kxp_events evs;
	struct kxp_info in;
	struct kxp_err e;

	if (kxp_read_stats(&st, &e)) {
		if (e.code != KXP_EXIT_NO_MODULE)
			return fail(&e);
		if (!fw->gone)
			emit_notice(fw,
				    "kvm_xsave_probe was unloaded; waiting for it to be loaded again");
		fw->gone = 1;
		return 0;
	}
	if (fw->gone) {
		/* It is back: check the format again, seq restarted. */
		if (kxp_module_check(&in, &e))
			return fail(&e);
		emit_notice(fw,
			    "kvm_xsave_probe was loaded again; seq restarts");
		fw->gone = 0;
		fw->have_last = 0;
		fw->have_seq_next = 0;
	}
	if (st.have[KXP_ST_RESETS]) {
		if (fw->resets != st.v[KXP_ST_RESETS])
			fw->reset_seen = 1;
		fw->resets = st.v[KXP_ST_RESETS];
	}
	if (st.have[KXP_ST_SEQ_NEXT]) {
		if (fw->have_seq_next && st.v[KXP_ST_SEQ_NEXT] == fw->seq_next)
			return 0;
		if (fw->have_last && st.v[KXP_ST_SEQ_NEXT] <= fw->last) {
			emit_notice(fw,
				    "seq went backwards: the module was reloaded; starting over");
			fw->have_last = 0;
		}
		fw->seq_next = st.v[KXP_ST_SEQ_NEXT];
		fw->have_seq_next = 1;
	}
	if (kxp_read_events(&evs, &e) ||
	    kxp_filter_events(&fw->o->filter, &evs, &e)) {
		kxp_events_free(&evs);
		if (e.code == KXP_EXIT_NO_MODULE)
			return 0;	/* unloading: the next poll says so */
		return fail(&e);
	}
	emit_new(fw, &evs);
	kxp_events_free(&evs);
	return 0;
}

/*
 * SIGINT and SIGTERM end a follow with status 0. Caught before the first
 * read, so that a signal during the snapshot ends it after the snapshot
 * rather than killing the reader; SA_RESTART lets that read go on.
 */
static void catch_stop_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static int follow(struct follow *fw)
{
	int ret = 0;

	while (!atomic_load(&stop_requested)) {
		sleep_ms(POLL_MS);
		if (atomic_load(&stop_requested))
			break;
		ret = poll_once(fw);
		if (ret)
			break;
		/* A reader that went away, a full disk: stop following. */
		if (ferror(stdout))
			break;
	}
	if (kxp_output_check(stdout, "standard output"))
		return KXP_EXIT_FAIL;
	return ret;
}

/* Events that are not placeholders (filtered out or malformed). */
static size_t shown(const struct kxp_events *evs)
{
	size_t i, n = 0;

	for (i = 0; i < evs->n; i++)
		n += !evs->v[i].malformed;
	return n;
}

static void events_doc(const struct kxp_opts *o, const struct kxp_stats *st,
		       const struct kxp_events *evs, u64 first)
{
	struct jw w;
	size_t i;
	u64 prev = first;
	int have_prev = o->have_since && o->since > 0;

	jw_init(&w, stdout, 1);
	jw_obj(&w, NULL);
	jw_header(&w, "events");
	jw_str(&w, "debugfs", kxp_dir());
	if (st->have[KXP_ST_SEQ_NEXT])
		jw_u64(&w, "seq_next", st->v[KXP_ST_SEQ_NEXT]);
	else
		jw_null(&w, "seq_next");
	if (st->have[KXP_ST_EVENTS_DROPPED])
		jw_u64(&w, "events_dropped", st->v[KXP_ST_EVENTS_DROPPED]);
	else
		jw_null(&w, "events_dropped");
	kxp_filter_json(&w, &o->filter);
	kxp_clock_json(&w, "clock", &kxp_read_clock);
	jw_arr(&w, "events");
	for (i = 0; i < evs->n; i++)
		if (!evs->v[i].malformed &&
		    (!o->have_since || evs->v[i].seq >= o->since))
			kxp_event_json(&w, NULL, &evs->v[i]);
	jw_arr_end(&w);
	jw_arr(&w, "gaps");
	for (i = 0; i < evs->n; i++) {
		u64 s = evs->v[i].seq;

		if (o->have_since && s < o->since)
			continue;
		if (have_prev && s > prev + 1) {
			jw_obj(&w, NULL);
			jw_u64(&w, "from_seq", prev + 1);
			jw_u64(&w, "to_seq", s - 1);
			jw_u64(&w, "dropped", s - 1 - prev);
			jw_obj_end(&w);
		}
		prev = s;
		have_prev = 1;
	}
	jw_arr_end(&w);
	kxp_parse_warnings_json(&w);
	jw_obj_end(&w);
	jw_finish(&w);
}

int kxp_cmd_events(const struct kxp_opts *o)
{
	struct follow fw = { .o = o, .gap_why = "ring overwritten or reset" };
	struct kxp_info in;
	struct kxp_stats st;
	struct kxp_events evs = { 0 };
	struct kxp_err e;

	if (o->follow)
		catch_stop_signals();
	if (kxp_module_check(&in, &e) || kxp_read_stats(&st, &e) ||
	    kxp_read_events(&evs, &e) ||
	    kxp_filter_events(&o->filter, &evs, &e)) {
		kxp_events_free(&evs);
		kxp_error("%s", e.msg);
		if (o->json && !o->follow)
			kxp_error_json("events", &e);
		return e.code;
	}
	if (o->have_since && o->since > 0) {
		fw.last = o->since - 1;
		fw.have_last = 1;
	}
	if (st.have[KXP_ST_RESETS])
		fw.resets = st.v[KXP_ST_RESETS];
	if (st.have[KXP_ST_SEQ_NEXT]) {
		fw.seq_next = st.v[KXP_ST_SEQ_NEXT];
		fw.have_seq_next = 1;
	}
	if (o->json && !o->follow) {
		events_doc(o, &st, &evs, fw.last);
	} else {
		if (!evs.n && !o->follow && !o->json)
			printf("No events buffered (seq_next %llu).\n",
			       st.v[KXP_ST_SEQ_NEXT]);
		else if (!o->follow && kxp_filter_active(&o->filter) &&
			 !shown(&evs))
			printf("No event matches the filter (%zu buffered).\n",
			       evs.n);
		emit_new(&fw, &evs);
	}
	kxp_events_free(&evs);
	if (kxp_output_check(stdout, "standard output"))
		return KXP_EXIT_FAIL;
	return o->follow ? follow(&fw) : KXP_EXIT_OK;
}
