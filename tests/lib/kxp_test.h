/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the kvm_xsave_probe tests: a real VM and vCPU on /dev/kvm,
 * XSAVE buffers, and reading what the module recorded in debugfs.
 */
#ifndef KXP_TEST_H
#define KXP_TEST_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <linux/kvm.h>

#define KXP_DEBUGFS "/sys/kernel/debug/kvm_xsave_probe"

/*
 * What a whole test program needs from the machine, checked before the
 * harness runs any test: when something is missing the program skips
 * through kselftest.h's public ksft_exit_skip() ("1..0 # SKIP <why>",
 * exit 4). A SKIP in FIXTURE_SETUP cannot do it portably: 6.1's harness
 * still runs the test body after it.
 */
enum {
	KXP_NEED_KVM = 1,	/* /dev/kvm */
	KXP_NEED_MODULE = 2,	/* kvm_xsave_probe loaded */
	KXP_NEED_KO = 4,	/* KXP_MODULE names the .ko (tests that reload) */
};

void kxp_require(unsigned int needs);
#define KXP_REQUIRE(needs)						\
	static void __attribute__((constructor)) kxp_require_ctor(void)	\
	{								\
		kxp_require(needs);					\
	}
#define KXP_XSAVE_SIZE 4096

#define X_FP		(1ULL << 0)
#define X_SSE		(1ULL << 1)
#define X_YMM		(1ULL << 2)
#define X_AVX512	(7ULL << 5)
#define X_PKRU		(1ULL << 9)

struct kxp_vm {
	int kvm_fd;
	int vm_fd;
	char name[32];		/* "<pid>-<fd>", as the module names it */
};

struct kxp_vcpu {
	struct kxp_vm *vm;
	int fd;
	int id;
	struct kvm_run *run;
	size_t run_size;
	char dir[256];		/* its directory, with vcpu_files=1 */
};

/* One parsed `events` line; strings are copies. */
struct kxp_ev {
	unsigned long long seq;
	int pid;
	int vcpu;
	int ret;
	char comm[32];		/* the process */
	char thread_comm[32];	/* the calling thread */
	char vm[32];
	char op[16];
	char reason[24];
	uint64_t xstate_bv;
	uint64_t mask;
	uint64_t bits;
	char names[256];
};

int kxp_vm_create(struct kxp_vm *vm);
void kxp_vm_destroy(struct kxp_vm *vm);
int kxp_vcpu_create(struct kxp_vm *vm, struct kxp_vcpu *vcpu, int id);
void kxp_vcpu_destroy(struct kxp_vcpu *vcpu);

/*
 * KVM_SET_CPUID2 from KVM_GET_SUPPORTED_CPUID, leaf 0xD.0's XCR0 bits
 * plus @add_xcr0 (bits the host may lack: a VMM's CPU model asking for
 * them) minus @drop_xcr0, whose feature flags (AVX, PKU) go too.
 */
int kxp_set_cpuid_xcr0(struct kxp_vcpu *vcpu, uint64_t add_xcr0,
		       uint64_t drop_xcr0);
/* The same with nothing added. */
int kxp_set_cpuid(struct kxp_vcpu *vcpu, uint64_t drop_xcr0);
/* KVM-supported XCR0 from KVM_GET_SUPPORTED_CPUID leaf 0xD. */
uint64_t kxp_supported_xcr0(struct kxp_vm *vm);
/* Run a guest that only executes HLT; returns the exit reason or -1. */
int kxp_run_hlt(struct kxp_vcpu *vcpu);

/* A valid non-compacted XSAVE image with @bv set and non-zero data. */
void kxp_xsave_fill(uint8_t *buf, uint64_t bv);
uint64_t *kxp_xstate_bv(uint8_t *buf);
int kxp_set_xsave(struct kxp_vcpu *vcpu, const void *buf);
int kxp_get_xsave(struct kxp_vcpu *vcpu, void *buf, bool xsave2);
int kxp_set_xcr0(struct kxp_vcpu *vcpu, uint64_t xcr0);
/* Returns -errno of the ioctl, 0 on success. */
int kxp_ioctl(int fd, unsigned long req, void *arg);

/*
 * debugfs: a value of @vcpu, a key of info/stats; ~0 when missing. The
 * value comes from the vCPU's block in <vm>/summary (the default layout,
 * no per-vCPU files): the first word after "key: ". The key "summary"
 * gives the whole block.
 */
uint64_t kxp_vcpu_u64(struct kxp_vcpu *vcpu, const char *key);
int kxp_vcpu_str(struct kxp_vcpu *vcpu, const char *key, char *out,
		 size_t len);
/* <vm>/summary of @vm into @path. */
void kxp_vm_summary_path(const struct kxp_vm *vm, char *path, size_t len);
/*
 * The module parameter vcpu_files (per-vCPU directories for vCPUs tracked
 * afterwards): sets it, returns the old value, -errno on failure.
 */
int kxp_set_vcpu_files(bool on);
uint64_t kxp_key_u64(const char *file, const char *key);
/* `trait.NAME` of info: 1 yes, 0 no, -1 missing. */
int kxp_trait(const char *name);
int kxp_read_file(const char *path, char *buf, size_t len);
/* Write @s to @path in one write(2): 0, or -errno (-EIO if short). */
int kxp_write_file(const char *path, const char *s);
/* The newest event of @vcpu with @op (and @reason if not NULL). */
int kxp_last_event(struct kxp_vcpu *vcpu, const char *op, const char *reason,
		   struct kxp_ev *ev);
int kxp_parse_event(const char *line, struct kxp_ev *ev);
int kxp_count_events(struct kxp_vcpu *vcpu, const char *op,
		     const char *reason);
int kxp_reset(void);
bool kxp_path_exists(const char *path);
/* Wait up to @ms for @path to (dis)appear: dirs follow vCPUs async. */
bool kxp_wait_path(const char *path, bool present, int ms);
/*
 * Wait up to @ms for @vcpu in its VM's summary and, with vcpu_files=1,
 * for its directory with all its files (summary last).
 */
bool kxp_vcpu_wait_ready(struct kxp_vcpu *vcpu, int ms);

/* Module control for lifecycle tests; KXP_MODULE names the .ko. */
bool kxp_module_loaded(void);
int kxp_module_load(const char *params);
int kxp_module_unload(void);

/* KXP_TIMEOUT_FACTOR, at least 1: how much slower this kernel runs. */
unsigned int kxp_timeout_factor(void);

#endif /* KXP_TEST_H */
