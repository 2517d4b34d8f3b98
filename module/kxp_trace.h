/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of kvm_xsave_probe, emitted where events are recorded. The
 * fields are typed so that bpftrace, perf and trace-cmd can filter on them.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM kvm_xsave_probe

#if !defined(KXP_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define KXP_TRACE_H

#include <linux/tracepoint.h>

#include "kxp.h"

/*
 * The enums' values for the format files: without them perf and trace-cmd
 * see the bare names in print fmt and cannot decode op and reason.
 */
#define KXP_TRACE_OP(id, name) TRACE_DEFINE_ENUM(KXP_OP_##id);
#define KXP_TRACE_REASON(id, name) TRACE_DEFINE_ENUM(KXP_REASON_##id);
KXP_REASONS(KXP_TRACE_REASON, KXP_TRACE_REASON)
KXP_OPS(KXP_TRACE_OP, KXP_TRACE_OP)

/* __print_symbolic's { value, "name" } pairs, from the same lists. */
#define KXP_SYM_OP(id, name) { KXP_OP_##id, name },
#define KXP_SYM_OP_LAST(id, name) { KXP_OP_##id, name }
#define KXP_SYM_REASON(id, name) { KXP_REASON_##id, name },
#define KXP_SYM_REASON_LAST(id, name) { KXP_REASON_##id, name }
#define kxp_show_reason(r)						\
	__print_symbolic(r, KXP_REASONS(KXP_SYM_REASON, KXP_SYM_REASON_LAST))
#define kxp_show_op(op)							\
	__print_symbolic(op, KXP_OPS(KXP_SYM_OP, KXP_SYM_OP_LAST))

DECLARE_EVENT_CLASS(kxp_xsave_class,
		    TP_PROTO(const struct kxp_event *ev),
		    TP_ARGS(ev),
		    TP_STRUCT__entry(__field(u64, seq)
				     __field(pid_t, tgid)
				     __array(char, vm, KXP_VM_NAME_LEN)
				     __field(int, vcpu_id)
				     __field(unsigned int, ioctl)
				     __field(unsigned int, op)
				     __field(int, ret)
				     __field(unsigned int, reason)
				     __field(u64, xstate_bv)
				     __field(u64, mask)
				     __field(u64, bits)
				     __field(unsigned int, no_header)),
		    TP_fast_assign(__entry->seq = ev->seq;
				   __entry->tgid = ev->pid;
				   memcpy(__entry->vm, ev->vm, KXP_VM_NAME_LEN);
				   __entry->vcpu_id = ev->vcpu_id;
				   __entry->ioctl = ev->ioctl;
				   __entry->op = ev->op;
				   __entry->ret = ev->ret;
				   __entry->reason = ev->reason;
				   __entry->xstate_bv = ev->xstate_bv;
				   __entry->mask = ev->mask;
				   __entry->bits = ev->bits;
				   __entry->no_header =
					!!(ev->flags & KXP_EV_NO_HEADER);),
		    TP_printk("seq=%llu tgid=%d vm=%s vcpu=%d ioctl=0x%x op=%s ret=%d reason=%s xstate_bv=0x%llx mask=0x%llx bits=0x%llx no_header=%u",
			      __entry->seq, __entry->tgid, __entry->vm,
			      __entry->vcpu_id, __entry->ioctl,
			      kxp_show_op(__entry->op),
			      __entry->ret, kxp_show_reason(__entry->reason),
			      __entry->xstate_bv, __entry->mask,
			      __entry->bits, __entry->no_header));

/* KVM_SET_XSAVE: accepted (log_all), rejected, or bits stripped. */
DEFINE_EVENT(kxp_xsave_class, kxp_set_xsave,
	     TP_PROTO(const struct kxp_event *ev), TP_ARGS(ev));
/* KVM_GET_XSAVE{,2}: trimmed, failed, or accepted (log_all). */
DEFINE_EVENT(kxp_xsave_class, kxp_get_xsave,
	     TP_PROTO(const struct kxp_event *ev), TP_ARGS(ev));
/* KVM_SET_XCRS outcomes. */
DEFINE_EVENT(kxp_xsave_class, kxp_set_xcrs,
	     TP_PROTO(const struct kxp_event *ev), TP_ARGS(ev));
/* KVM_SET_CPUID{,2} changing guest-supported XCR0, or failing. */
DEFINE_EVENT(kxp_xsave_class, kxp_set_cpuid,
	     TP_PROTO(const struct kxp_event *ev), TP_ARGS(ev));
/*
 * KVM_SET_SREGS2 failing (or accepted, log_all): xstate_bv holds the
 * requested CR4, mask the vCPU's reserved CR4 bits, bits the offending.
 */
DEFINE_EVENT(kxp_xsave_class, kxp_set_sregs,
	     TP_PROTO(const struct kxp_event *ev), TP_ARGS(ev));

#endif /* KXP_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE kxp_trace
#include <trace/define_trace.h>
