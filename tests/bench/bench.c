// SPDX-License-Identifier: GPL-2.0
/*
 * kxp_bench: what kvm_xsave_probe costs the ioctls it watches (and the
 * ones it does not), compared with no tracing and with bpftrace, and how
 * that cost, the debugfs reads and the module's memory grow with the
 * number of tracked vCPUs. docs/performance.md explains the method and
 * holds the figures of a real run.
 *
 * Phase 1, conditions: R rounds; each round visits every condition
 *   a  module not loaded
 *   b  module loaded (log_all=0)
 *   c  module loaded, log_all=1
 *   d  module not loaded, bpftrace userspace/bpftrace/xsave-nomod.bt
 *   e  module loaded, log_all=1, bpftrace xsave-events.bt on its tracepoints
 * (the starting condition rotates from round to round) and in each one
 * measures S samples of K back-to-back calls of every operation, the
 * operations interleaved sample by sample. One sample is the mean time of
 * its K calls; medians and p10/p90 are over all samples of all rounds, the
 * ratio against (a) is the median over rounds of the per-round ratio of
 * medians (paired, so slow drift of the machine cancels).
 *
 * Phase 2, scale: extra vCPUs (in VMs of at most KVM_CAP_MAX_VCPUS) are
 * created with the module loaded until 1, 64, 1024, 4096 vCPUs are
 * tracked; at each size (a) and (b) are measured again, alternating, as
 * are reads of `vcpus` and of `<vm>/summary` (the bench VM's, one vCPU,
 * and the newest VM's, up to KVM_CAP_MAX_VCPUS), and the memory: the
 * module's own figure (`stats` memory_bytes) and the slab deltas
 * (/proc/slabinfo, /proc/meminfo) between unloaded and loaded.
 *
 * Output: human-readable tables on stdout, every figure in a JSON file.
 * Needs root, /dev/kvm, KXP_MODULE (the .ko) and, for (d) and (e),
 * bpftrace. Everything is tunable through KXP_BENCH_* variables (see
 * usage() or docs/performance.md).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "kxp_test.h"

#define MSR_SYSENTER_CS	0x174
#define BAD_BIT		(1ULL << 60)
#define MAX_SIZES	8
#define MAX_ROUNDS	64
#define GUEST_PHYS	0x10000
/* The module's kmem_cache of vCPU records (module/records.c). */
#define RECORD_CACHE	"kxp_vcpu"

/* ------------------------------------------------------------ params */

static struct {
	int rounds;		/* phase 1 rounds */
	int samples;		/* samples per op, condition and round */
	int calls;		/* calls per sample */
	int run_calls;		/* KVM_RUN calls per sample */
	int create_vcpus;	/* vCPUs created per condition and round */
	int scale_rounds;	/* (a)/(b) pairs per size */
	int scale_samples;
	int file_reads;		/* reads of vcpus / summary per size */
	int sizes[MAX_SIZES];
	int nr_sizes;
	int attach_timeout;	/* s, bpftrace */
	int cpu;		/* pin measurements here, -1: no pinning */
	const char *out;
	const char *bt_dir;
	const char *bpftrace;
} P;

static int env_int(const char *name, int def)
{
	const char *v = getenv(name);

	return v && *v ? atoi(v) : def;
}

static const char *env_str(const char *name, const char *def)
{
	const char *v = getenv(name);

	return v && *v ? v : def;
}

static void parse_sizes(const char *s)
{
	char *copy = strdup(s), *tok, *save;

	P.nr_sizes = 0;
	for (tok = strtok_r(copy, ", ", &save); tok && P.nr_sizes < MAX_SIZES;
	     tok = strtok_r(NULL, ", ", &save))
		if (atoi(tok) > 0)
			P.sizes[P.nr_sizes++] = atoi(tok);
	free(copy);
}

static void usage(void)
{
	fprintf(stderr,
"usage: kxp_bench      (root; KXP_MODULE=path/to/kvm_xsave_probe.ko)\n"
"  KXP_BENCH_ROUNDS=3 KXP_BENCH_SAMPLES=15 KXP_BENCH_CALLS=200\n"
"  KXP_BENCH_RUN_CALLS=50 KXP_BENCH_CREATE=8 KXP_BENCH_SIZES=1,64,1024,4096\n"
"  KXP_BENCH_SCALE_ROUNDS=4 KXP_BENCH_SCALE_SAMPLES=15 KXP_BENCH_FILE_READS=7\n"
"  KXP_BENCH_ATTACH_TIMEOUT=240 KXP_BENCH_CPU=<last cpu> (-1: no pinning)\n"
"  KXP_BENCH_OUT=build/bench/bench.json KXP_BENCH_BT_DIR=userspace/bpftrace\n"
"  KXP_BENCH_BPFTRACE=bpftrace (none: skip (d) and (e))\n");
}

/* ------------------------------------------------------------ helpers */

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void msg(const char *fmt, ...)
{
	static double t0;
	va_list ap;

	if (!t0)
		t0 = now_ns();
	fprintf(stderr, "[%7.1fs] ", (now_ns() - t0) / 1e9);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "kxp_bench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p)
		die("out of memory");
	return p;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Percentile by linear interpolation between closest ranks; sorts @v. */
static double pct(double *v, int n, double p)
{
	double pos;
	int i;

	if (n <= 0)
		return NAN;
	qsort(v, n, sizeof(*v), cmp_double);
	pos = p / 100.0 * (n - 1);
	i = (int)pos;
	if (i + 1 >= n)
		return v[n - 1];
	return v[i] + (pos - i) * (v[i + 1] - v[i]);
}

struct summary {
	double median, p10, p90, mean, min;
	int n;
};

static struct summary summarize(const double *v, int n)
{
	struct summary s = { NAN, NAN, NAN, NAN, NAN, n };
	double *c, sum = 0;
	int i;

	if (n <= 0)
		return s;
	c = xcalloc(n, sizeof(*c));
	memcpy(c, v, n * sizeof(*c));
	for (i = 0; i < n; i++)
		sum += c[i];
	s.mean = sum / n;
	s.median = pct(c, n, 50);
	s.p10 = pct(c, n, 10);
	s.p90 = pct(c, n, 90);
	s.min = c[0];
	free(c);
	return s;
}

static void pin_to(int cpu)
{
	cpu_set_t set;
	long i, n = sysconf(_SC_NPROCESSORS_ONLN);

	CPU_ZERO(&set);
	if (cpu >= 0) {
		CPU_SET(cpu, &set);
	} else {
		for (i = 0; i < n; i++)
			CPU_SET(i, &set);
	}
	sched_setaffinity(0, sizeof(set), &set);
}

/* Everything but the measurement CPU (all CPUs if there is only one). */
static void pin_away(void)
{
	long i, n = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	CPU_ZERO(&set);
	for (i = 0; i < n; i++)
		if (i != P.cpu || n == 1)
			CPU_SET(i, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) < 0)
		r = -errno;
	close(fd);
	return r;
}

/* Read a whole file; returns bytes read or -errno. */
static long slurp(const char *path, char *buf, size_t len)
{
	long off = 0, n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while ((size_t)off < len) {
		n = read(fd, buf + off, len - off);
		if (n < 0) {
			n = -errno;
			close(fd);
			return n;
		}
		if (n == 0)
			break;
		off += n;
	}
	close(fd);
	return off;
}

/* ------------------------------------------------------------ the vCPU */

static struct {
	struct kxp_vm vm;
	struct kxp_vcpu vcpu;
	/*
	 * KVM_RUN gets a VM of its own: under TCG, guest entries leave
	 * XSTATE_BV bits (MPX) that KVM on SVM does not support, so the
	 * bench vCPU's GETs would all be trimmed and logged.
	 */
	struct kxp_vm run_vm;
	struct kxp_vcpu run_vcpu;
	uint8_t *img_ok, *img_bad, *buf, *buf2;
	size_t xsave2_size;
	struct kvm_xcrs xcrs;
	struct kvm_sregs2 sregs2;	/* the vCPU's own, written back */
	struct kvm_msrs *msrs;
	int max_vcpus_per_vm;
	int errors[16];		/* unexpected results per op */
} B;

enum op_id {
	OP_GET_XSAVE, OP_GET_XSAVE2, OP_SET_XSAVE_OK, OP_SET_XSAVE_REJ,
	OP_SET_XCRS, OP_SET_SREGS2, OP_GET_MSRS, OP_RUN, NR_OPS
};

static const struct {
	const char *name;	/* JSON key */
	const char *label;	/* table */
	bool watched;		/* filtered in by the module */
} ops[NR_OPS] = {
	[OP_GET_XSAVE] = { "get_xsave", "KVM_GET_XSAVE", true },
	[OP_GET_XSAVE2] = { "get_xsave2", "KVM_GET_XSAVE2", true },
	[OP_SET_XSAVE_OK] = { "set_xsave_ok", "KVM_SET_XSAVE accepted", true },
	[OP_SET_XSAVE_REJ] = { "set_xsave_rej", "KVM_SET_XSAVE rejected", true },
	[OP_SET_XCRS] = { "set_xcrs", "KVM_SET_XCRS", true },
	/* Seen by the vCPU-ioctl return probe only (no FPU helper). */
	[OP_SET_SREGS2] = { "set_sregs2", "KVM_SET_SREGS2 accepted", true },
	[OP_GET_MSRS] = { "get_msrs", "KVM_GET_MSRS (1 MSR)", false },
	[OP_RUN] = { "run_hlt", "KVM_RUN (HLT exit)", false },
};

static int do_op(int op)
{
	int fd = B.vcpu.fd, r;

	switch (op) {
	case OP_GET_XSAVE:
		return ioctl(fd, KVM_GET_XSAVE, B.buf) == 0;
	case OP_GET_XSAVE2:
		return ioctl(fd, KVM_GET_XSAVE2, B.buf2) == 0;
	case OP_SET_XSAVE_OK:
		return ioctl(fd, KVM_SET_XSAVE, B.img_ok) == 0;
	case OP_SET_XSAVE_REJ:
		return ioctl(fd, KVM_SET_XSAVE, B.img_bad) < 0 &&
		       errno == EINVAL;
	case OP_SET_XCRS:
		return ioctl(fd, KVM_SET_XCRS, &B.xcrs) == 0;
	case OP_SET_SREGS2:
		return ioctl(fd, KVM_SET_SREGS2, &B.sregs2) == 0;
	case OP_GET_MSRS:
		return ioctl(fd, KVM_GET_MSRS, B.msrs) == 1;
	case OP_RUN:
		/* The guest is "hlt; jmp .-3": every entry ends in one HLT. */
		r = ioctl(B.run_vcpu.fd, KVM_RUN, NULL);
		return r == 0 && B.run_vcpu.run->exit_reason == KVM_EXIT_HLT;
	}
	return 0;
}

static void setup_bench_vcpu(void)
{
	static const uint8_t code[] = { 0xf4, 0xeb, 0xfd };	/* hlt; jmp -3 */
	struct kvm_userspace_memory_region mr = {
		.slot = 0, .guest_phys_addr = GUEST_PHYS, .memory_size = 0x1000,
	};
	struct kvm_regs regs = { .rip = 0, .rflags = 2 };
	struct kvm_sregs sregs;
	void *mem;
	int r, op;

	r = kxp_vm_create(&B.vm);
	if (r)
		die("KVM_CREATE_VM: %s", strerror(-r));
	B.max_vcpus_per_vm = ioctl(B.vm.kvm_fd, KVM_CHECK_EXTENSION,
				   KVM_CAP_MAX_VCPUS);
	if (B.max_vcpus_per_vm <= 0)
		B.max_vcpus_per_vm = ioctl(B.vm.kvm_fd, KVM_CHECK_EXTENSION,
					   KVM_CAP_NR_VCPUS);
	r = kxp_vcpu_create(&B.vm, &B.vcpu, 0);
	if (r)
		die("KVM_CREATE_VCPU: %s", strerror(-r));
	r = kxp_set_cpuid(&B.vcpu, 0);
	if (r)
		die("KVM_SET_CPUID2: %s", strerror(-r));

	r = ioctl(B.vm.kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE2);
	B.xsave2_size = r > KXP_XSAVE_SIZE ? (size_t)r : KXP_XSAVE_SIZE;
	B.buf = xcalloc(1, KXP_XSAVE_SIZE);
	B.buf2 = xcalloc(1, B.xsave2_size);
	B.img_ok = xcalloc(1, KXP_XSAVE_SIZE);
	B.img_bad = xcalloc(1, KXP_XSAVE_SIZE);
	if (ioctl(B.vcpu.fd, KVM_GET_XSAVE, B.img_ok))
		die("KVM_GET_XSAVE: %s", strerror(errno));
	memcpy(B.img_bad, B.img_ok, KXP_XSAVE_SIZE);
	*kxp_xstate_bv(B.img_bad) |= BAD_BIT;
	if (ioctl(B.vcpu.fd, KVM_GET_XCRS, &B.xcrs))
		die("KVM_GET_XCRS: %s", strerror(errno));
	if (ioctl(B.vm.kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SREGS2) <= 0)
		die("KVM_CAP_SREGS2 is missing (KVM before 5.14)");
	if (ioctl(B.vcpu.fd, KVM_GET_SREGS2, &B.sregs2))
		die("KVM_GET_SREGS2: %s", strerror(errno));
	B.msrs = xcalloc(1, sizeof(*B.msrs) + sizeof(B.msrs->entries[0]));
	B.msrs->nmsrs = 1;
	B.msrs->entries[0].index = MSR_SYSENTER_CS;

	r = kxp_vm_create(&B.run_vm);
	if (!r)
		r = kxp_vcpu_create(&B.run_vm, &B.run_vcpu, 0);
	if (!r)
		r = kxp_set_cpuid(&B.run_vcpu, 0);
	if (r)
		die("the KVM_RUN VM: %s", strerror(-r));
	/* Real mode, CS based at our page. */
	mem = mmap(NULL, 0x1000, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	memcpy(mem, code, sizeof(code));
	mr.userspace_addr = (uintptr_t)mem;
	if (ioctl(B.run_vm.vm_fd, KVM_SET_USER_MEMORY_REGION, &mr) ||
	    ioctl(B.run_vcpu.fd, KVM_GET_SREGS, &sregs))
		die("guest memory/sregs: %s", strerror(errno));
	sregs.cs.base = GUEST_PHYS;
	sregs.cs.selector = GUEST_PHYS >> 4;
	if (ioctl(B.run_vcpu.fd, KVM_SET_SREGS, &sregs) ||
	    ioctl(B.run_vcpu.fd, KVM_SET_REGS, &regs))
		die("KVM_SET_{S,}REGS: %s", strerror(errno));

	for (op = 0; op < NR_OPS; op++)
		if (!do_op(op))
			die("%s does not behave as expected (errno %d)",
			    ops[op].label, errno);
}

/* ------------------------------------------------------------ module */

static bool mod_loaded, mod_log_all;
static double mod_load_ns[256], mod_unload_ns[256];
static int nr_loads, nr_unloads;

static void module_unload(void)
{
	double t = now_ns();
	int i, r = 0;

	if (!kxp_module_loaded()) {
		mod_loaded = false;
		return;
	}
	for (i = 0; i < 500; i++) {
		r = kxp_module_unload();
		if (r != -EAGAIN && r != -EBUSY)
			break;
		usleep(10000);
	}
	if (r)
		die("delete_module: %s", strerror(-r));
	if (nr_unloads < 256)
		mod_unload_ns[nr_unloads++] = now_ns() - t;
	mod_loaded = false;
}

static void module_load(bool log_all)
{
	double t = now_ns();
	int r = kxp_module_load(log_all ? "log_all=1" : "");

	if (r)
		die("finit_module(%s): %s", getenv("KXP_MODULE") ?: "KXP_MODULE unset",
		    strerror(-r));
	if (nr_loads < 256)
		mod_load_ns[nr_loads++] = now_ns() - t;
	mod_loaded = true;
	mod_log_all = log_all;
}

static void module_set_log_all(bool on)
{
	if (write_str("/sys/module/kvm_xsave_probe/parameters/log_all",
		      on ? "1" : "0"))
		die("cannot set log_all");
	mod_log_all = on;
}

static uint64_t stat_u64(const char *key)
{
	return kxp_key_u64("stats", key);
}

/* ------------------------------------------------------------ bpftrace */

struct bt {
	pid_t pid;
	int fd;
	pthread_t drain;
	volatile long lines;
	bool running;
};

static struct bt bt;

static void *bt_drain(void *arg)
{
	char buf[8192];
	ssize_t n, i;

	pin_away();
	while ((n = read(bt.fd, buf, sizeof(buf))) > 0)
		for (i = 0; i < n; i++)
			if (buf[i] == '\n')
				bt.lines++;
	return NULL;
}

/* Start bpftrace on @script; returns seconds until attached, <0 failure. */
static double bt_start(const char *script)
{
	char path[512], line[4096];
	double t0 = now_ns();
	size_t used = 0;
	int pfd[2];

	snprintf(path, sizeof(path), "%s/%s", P.bt_dir, script);
	if (pipe2(pfd, O_CLOEXEC))
		return -1;
	bt.pid = fork();
	if (bt.pid < 0)
		return -1;
	if (bt.pid == 0) {
		pin_away();
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		execlp(P.bpftrace, P.bpftrace, path, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	bt.fd = pfd[0];
	bt.lines = 0;
	/*
	 * BEGIN runs once every probe is attached; both scripts print a
	 * "Tracing ..." line there. Anything else first is bpftrace talking
	 * (Attaching N probes...), or an error if it then exits.
	 */
	for (;;) {
		struct pollfd pf = { .fd = bt.fd, .events = POLLIN };
		double left = P.attach_timeout * 1e3 - (now_ns() - t0) / 1e6;
		char *nl;
		ssize_t n;

		if (left <= 0 || poll(&pf, 1, (int)left) <= 0)
			break;
		n = read(bt.fd, line + used, sizeof(line) - 1 - used);
		if (n <= 0)
			break;
		used += n;
		line[used] = '\0';
		while ((nl = strchr(line, '\n'))) {
			*nl = '\0';
			if (!strncmp(line, "Tracing ", 8)) {
				bt.running = true;
				pthread_create(&bt.drain, NULL, bt_drain, NULL);
				return (now_ns() - t0) / 1e9;
			}
			msg("bpftrace: %s", line);
			used -= nl + 1 - line;
			memmove(line, nl + 1, used + 1);
		}
		if (used >= sizeof(line) - 1)
			used = 0;
	}
	msg("bpftrace %s did not attach within %d s", script,
	    P.attach_timeout);
	kill(bt.pid, SIGKILL);
	waitpid(bt.pid, NULL, 0);
	close(bt.fd);
	return -1;
}

static void bt_stop(void)
{
	int i, status;

	if (!bt.running)
		return;
	kill(bt.pid, SIGINT);
	for (i = 0; i < 300; i++) {
		if (waitpid(bt.pid, &status, WNOHANG) == bt.pid)
			break;
		usleep(100000);
	}
	if (i == 300) {
		kill(bt.pid, SIGKILL);
		waitpid(bt.pid, &status, 0);
	}
	pthread_join(bt.drain, NULL);
	close(bt.fd);
	bt.running = false;
}

/* ------------------------------------------------------------ conditions */

enum { C_A, C_B, C_C, C_D, C_E, C_F, NR_CONDS };

static const struct {
	const char *id, *desc;
	bool module, log_all, tracefs;
	const char *script;
} conds[NR_CONDS] = {
	[C_A] = { "a", "module not loaded" },
	[C_B] = { "b", "module loaded" },
	[C_C] = { "c", "module loaded, log_all=1" },
	[C_D] = { "d", "no module, bpftrace xsave-nomod.bt",
		  .script = "xsave-nomod.bt" },
	[C_E] = { "e", "module log_all=1 + bpftrace xsave-events.bt",
		  .script = "xsave-events.bt" },
	[C_F] = { "f", "no module, bare tracefs probes on the module's 3 hot "
		  "points, tracing_on=0 (diagnostic)", .tracefs = true },
};

static bool cond_module(int c)
{
	return c == C_B || c == C_C || c == C_E;
}

static bool cond_log_all(int c)
{
	return c == C_C || c == C_E;
}

/*
 * Condition (f): what the probes alone cost. The module's three hot probe
 * points as tracefs kprobe events (kvm_arch_vcpu_ioctl as a kretprobe
 * without any entry filter), enabled while the ring buffer is off, so that
 * each hit runs the kprobe/kretprobe machinery and returns at once.
 */
static const char *const tracefs_dirs[] = {
	"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
};

static const char *const tracefs_probes[] = {
	"r:kxpbench/ioctl kvm_arch_vcpu_ioctl",
	"p:kxpbench/set_fpu fpu_copy_uabi_to_guest_fpstate",
	"r:kxpbench/get_fpu fpu_copy_guest_fpstate_to_uabi",
};

static const char *tracefs;
static char tracing_on_saved[8] = "1";
static bool tracefs_on;

static int tracefs_write(const char *file, const char *text, bool append)
{
	char path[256];
	int fd, r = 0;

	snprintf(path, sizeof(path), "%s/%s", tracefs, file);
	fd = open(path, O_WRONLY | O_CLOEXEC | (append ? O_APPEND : O_TRUNC));
	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) < 0)
		r = -errno;
	close(fd);
	return r;
}

static void tracefs_stop(void)
{
	unsigned int i;

	if (!tracefs_on)
		return;
	tracefs_write("events/kxpbench/enable", "0", false);
	for (i = 0; i < sizeof(tracefs_probes) / sizeof(tracefs_probes[0]);
	     i++) {
		char del[64];

		snprintf(del, sizeof(del), "-:%.*s",
			 (int)strcspn(tracefs_probes[i] + 2, " "),
			 tracefs_probes[i] + 2);
		tracefs_write("kprobe_events", del, true);
	}
	tracefs_write("tracing_on", tracing_on_saved, false);
	tracefs_on = false;
}

static bool tracefs_start(void)
{
	char path[256];
	unsigned int i;
	long n;

	for (i = 0; !tracefs && i < 2; i++) {
		snprintf(path, sizeof(path), "%s/kprobe_events",
			 tracefs_dirs[i]);
		if (!access(path, W_OK))
			tracefs = tracefs_dirs[i];
	}
	if (!tracefs)
		return false;
	snprintf(path, sizeof(path), "%s/tracing_on", tracefs);
	n = slurp(path, tracing_on_saved, sizeof(tracing_on_saved) - 1);
	tracing_on_saved[n > 0 ? n : 0] = '\0';
	if (n <= 0)
		strcpy(tracing_on_saved, "1");
	tracefs_on = true;
	if (tracefs_write("tracing_on", "0", false))
		goto fail;
	for (i = 0; i < sizeof(tracefs_probes) / sizeof(tracefs_probes[0]);
	     i++)
		if (tracefs_write("kprobe_events", tracefs_probes[i], true))
			goto fail;
	if (tracefs_write("events/kxpbench/enable", "1", false))
		goto fail;
	return true;
fail:
	msg("tracefs kprobe events unavailable (%s)", strerror(errno));
	tracefs_stop();
	return false;
}

static bool cond_broken[NR_CONDS];
static double attach_s[NR_CONDS][MAX_ROUNDS];
static long bt_lines[NR_CONDS][MAX_ROUNDS];
static long events_during[NR_CONDS][MAX_ROUNDS];
static char kprobes_list[4096];

/* Bring the machine into condition @c; false if it cannot be had. */
static bool cond_enter(int c, int round)
{
	bt_stop();
	tracefs_stop();
	if (!cond_module(c) && mod_loaded)
		module_unload();
	if (cond_module(c) && !mod_loaded)
		module_load(cond_log_all(c));
	else if (cond_module(c) && mod_log_all != cond_log_all(c))
		module_set_log_all(cond_log_all(c));
	if (c == C_B && !kprobes_list[0]) {
		long n = slurp("/sys/kernel/debug/kprobes/list", kprobes_list,
			       sizeof(kprobes_list) - 1);

		kprobes_list[n > 0 ? n : 0] = '\0';
	}
	if (cond_broken[c])
		return false;
	if (conds[c].tracefs && !tracefs_start()) {
		cond_broken[c] = true;
		return false;
	}
	if (!conds[c].script)
		return true;
	attach_s[c][round] = bt_start(conds[c].script);
	if (attach_s[c][round] < 0) {
		cond_broken[c] = true;
		return false;
	}
	msg("  bpftrace %s attached after %.1f s", conds[c].script,
	    attach_s[c][round]);
	return true;
}

/* ------------------------------------------------------------ measuring */

/*
 * Samples of one (condition, op) over all rounds. Each sample carries the
 * tag of its visit: round * 4 + the visit's number within the round.
 */
struct series {
	double *v;
	int *tag;
	int n, cap;
};

static int cur_tag;

static void series_add(struct series *s, double x)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->v = realloc(s->v, s->cap * sizeof(*s->v));
		s->tag = realloc(s->tag, s->cap * sizeof(*s->tag));
		if (!s->v || !s->tag)
			die("out of memory");
	}
	s->tag[s->n] = cur_tag;
	s->v[s->n++] = x;
}

/* Median of the samples whose tag matches (@mask selects the bits). */
static double tag_median(const struct series *s, int tag, int mask)
{
	double *v = xcalloc(s->n + 1, sizeof(double)), m;
	int i, n = 0;

	for (i = 0; i < s->n; i++)
		if ((s->tag[i] & mask) == tag)
			v[n++] = s->v[i];
	m = n ? pct(v, n, 50) : NAN;
	free(v);
	return m;
}

static double round_median(const struct series *s, int round)
{
	return tag_median(s, round << 2, ~3);
}

static int calls_for(int op)
{
	return op == OP_RUN ? P.run_calls : P.calls;
}

/* One sample: mean ns per call over K calls. */
static double sample(int op)
{
	int k = calls_for(op), i, bad = 0;
	double t;

	t = now_ns();
	for (i = 0; i < k; i++)
		bad += !do_op(op);
	t = now_ns() - t;
	B.errors[op] += bad;
	return t / k;
}

/* S samples of every op, interleaved; appends to @ser[op]. */
static void measure_ops(struct series *ser, int samples)
{
	int op, s;

	/* Warm up: caches, and the module's record of this vCPU. */
	for (op = 0; op < NR_OPS; op++)
		for (s = 0; s < 20; s++)
			do_op(op);
	for (s = 0; s < samples; s++)
		for (op = 0; op < NR_OPS; op++)
			series_add(&ser[op], sample(op));
}

/* Per-round ratios of @c to @a (medians), sorted; returns their count. */
static int round_ratios(const struct series *c, const struct series *a,
			double *r)
{
	int i, n = 0;

	for (i = 0; i < MAX_ROUNDS; i++) {
		double x = round_median(c, i), y = round_median(a, i);

		if (y > 0 && !isnan(x))
			r[n++] = x / y;
	}
	qsort(r, n, sizeof(*r), cmp_double);
	return n;
}

/* Median over rounds of the per-round ratio of @c to @a. */
static double paired_ratio(const struct series *c, const struct series *a)
{
	double r[MAX_ROUNDS];
	int n = round_ratios(c, a, r);

	return n ? pct(r, n, 50) : NAN;
}

/* A/A: second visit of (a) in a round against its first, median. */
static double aa_ratio(const struct series *a)
{
	double r[MAX_ROUNDS];
	int i, n = 0;

	for (i = 0; i < MAX_ROUNDS; i++) {
		double x = tag_median(a, (i << 2) | 1, ~0);
		double y = tag_median(a, i << 2, ~0);

		if (y > 0 && !isnan(x))
			r[n++] = x / y;
	}
	return n ? pct(r, n, 50) : NAN;
}

/* ------------------------------------------------------------ phase 1 */

static struct series lat[NR_CONDS][NR_OPS];
static struct series create_ns[NR_CONDS];	/* per vCPU */
static struct series destroy_ns[NR_CONDS];	/* per vCPU, VM close */

static void measure_create(int c)
{
	struct kxp_vm vm;
	int *fds = xcalloc(P.create_vcpus, sizeof(int)), i;
	double t;

	if (kxp_vm_create(&vm))
		die("KVM_CREATE_VM failed");
	for (i = 0; i < P.create_vcpus; i++) {
		t = now_ns();
		fds[i] = ioctl(vm.vm_fd, KVM_CREATE_VCPU, i);
		series_add(&create_ns[c], now_ns() - t);
		if (fds[i] < 0)
			die("KVM_CREATE_VCPU: %s", strerror(errno));
	}
	t = now_ns();
	for (i = 0; i < P.create_vcpus; i++)
		close(fds[i]);
	kxp_vm_destroy(&vm);
	series_add(&destroy_ns[c], (now_ns() - t) / P.create_vcpus);
	free(fds);
}

static void phase_conditions(void)
{
	/*
	 * (a), (b), (c) are cheap to set up and visited twice per round,
	 * (d) and (e) (bpftrace compiles for about a minute under TCG) and
	 * (f) once. The starting point rotates from round to round.
	 */
	static const int cycle[] = { C_A, C_B, C_C, C_D, C_F, C_A, C_B, C_C,
				     C_E };
	const int len = sizeof(cycle) / sizeof(cycle[0]);
	int round, i, c, visits[NR_CONDS];

	for (round = 0; round < P.rounds; round++) {
		memset(visits, 0, sizeof(visits));
		for (i = 0; i < len; i++) {
			uint64_t ev0 = 0;
			long l0;

			c = cycle[(i + 2 * round) % len];
			msg("round %d/%d: (%s) %s", round + 1, P.rounds,
			    conds[c].id, conds[c].desc);
			if (!cond_enter(c, round)) {
				msg("  (%s) unavailable: skipped", conds[c].id);
				continue;
			}
			cur_tag = round << 2 | visits[c]++;
			if (mod_loaded)
				ev0 = stat_u64("events_total");
			l0 = bt.lines;
			pin_to(P.cpu);
			measure_ops(lat[c], P.samples);
			measure_create(c);
			pin_to(-1);
			if (mod_loaded)
				events_during[c][round] +=
					stat_u64("events_total") - ev0;
			if (conds[c].script) {
				usleep(200000);	/* bpftrace's last lines */
				bt_lines[c][round] = bt.lines - l0;
			}
		}
	}
	bt_stop();
	tracefs_stop();
}

/* ------------------------------------------------------------ phase 2 */

struct slab_snap {
	int n;
	char (*name)[64];
	double *bytes;		/* active_objs * objsize */
	double meminfo_slab;	/* /proc/meminfo Slab:, bytes */
};

static void slab_snapshot(struct slab_snap *s)
{
	static char buf[1 << 20];
	char *line, *save;
	long len;

	memset(s, 0, sizeof(*s));
	len = slurp("/proc/slabinfo", buf, sizeof(buf) - 1);
	if (len < 0)
		return;
	buf[len] = '\0';
	s->name = xcalloc(1024, sizeof(*s->name));
	s->bytes = xcalloc(1024, sizeof(double));
	for (line = strtok_r(buf, "\n", &save); line && s->n < 1024;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned long active, total, size;
		char name[64];

		if (sscanf(line, "%63s %lu %lu %lu", name, &active, &total,
			   &size) != 4)
			continue;
		strcpy(s->name[s->n], name);
		s->bytes[s->n++] = (double)active * size;
	}
	len = slurp("/proc/meminfo", buf, sizeof(buf) - 1);
	if (len > 0) {
		char *p;

		buf[len] = '\0';
		p = strstr(buf, "\nSlab:");
		if (p)
			s->meminfo_slab = strtod(p + 6, NULL) * 1024;
	}
}

static double slab_of(const struct slab_snap *s, const char *name)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->name[i], name))
			return s->bytes[i];
	return 0;
}

static void slab_free(struct slab_snap *s)
{
	free(s->name);
	free(s->bytes);
}

struct scale_point {
	int vcpus;		/* tracked, bench vCPU included */
	double create_ns_per_vcpu;	/* growth to this size, module loaded */
	double dirs_ready_ms;	/* from the last create to its directory */
	struct series lat[2][NR_OPS];	/* [0] = a, [1] = b */
	struct series retrack_ns;	/* per vCPU, after a reload */
	struct series vcpus_read_ns, summary_read_ns, vm_summary_read_ns;
	long vcpus_bytes, vm_summary_bytes;	/* the newest VM's summary */
	uint64_t tracked, memory_bytes;
	/* Right after the growth burst, and the pool_empty it caused. */
	uint64_t tracked_at_burst, pool_empty_at_burst;
	double slab_total, meminfo_slab;
	struct { char name[64]; double delta; } top[8];
	int nr_top;
	double record_delta;	/* the cache the records live in */
};

static struct scale_point scale[MAX_SIZES];

struct extra_vm {
	struct kxp_vm vm;
	int *fds;
	int n;
};

static struct extra_vm *xvms;
static int nr_xvms, nr_extra;

static struct kxp_vm *last_vm;
static int last_id;

static void add_extra_vcpu(void)
{
	struct extra_vm *x = nr_xvms ? &xvms[nr_xvms - 1] : NULL;

	if (!x || x->n == B.max_vcpus_per_vm) {
		xvms = realloc(xvms, (nr_xvms + 1) * sizeof(*xvms));
		if (!xvms)
			die("out of memory");
		x = &xvms[nr_xvms++];
		memset(x, 0, sizeof(*x));
		if (kxp_vm_create(&x->vm))
			die("KVM_CREATE_VM (extra %d): %s", nr_xvms,
			    strerror(errno));
		x->fds = xcalloc(B.max_vcpus_per_vm, sizeof(int));
	}
	x->fds[x->n] = ioctl(x->vm.vm_fd, KVM_CREATE_VCPU, x->n);
	if (x->fds[x->n] < 0)
		die("KVM_CREATE_VCPU #%d: %s", nr_extra + 1, strerror(errno));
	last_vm = &x->vm;
	last_id = x->n;
	x->n++;
	nr_extra++;
}

/*
 * Wait until the module tracks every vCPU (the bench vCPU and the extra
 * ones; the KVM_RUN one makes no watched ioctl) and the newest VM has its
 * directory. A vCPU whose record request found the pool empty is tracked
 * at its next ioctl only: that shows as tracked < vCPUs.
 */
static double wait_tracked(void)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	uint64_t want = nr_extra + 1;
	char path[512];
	double t = now_ns();
	int i;

	for (i = 0; i < 1000 && stat_u64("vcpus_tracked") < want; i++)
		nanosleep(&ts, NULL);
	if (stat_u64("vcpus_tracked") < want)
		msg("  warning: %llu of %llu vCPUs tracked",
		    (unsigned long long)stat_u64("vcpus_tracked"),
		    (unsigned long long)want);
	kxp_vm_summary_path(last_vm ? last_vm : &B.vm, path, sizeof(path));
	if (!kxp_wait_path(path, true, 60000))
		msg("  warning: %s did not appear", path);
	return (now_ns() - t) / 1e6;
}

/* After a reload: the module tracks a vCPU at its first watched ioctl. */
static void retrack(struct scale_point *sp)
{
	double t = now_ns();
	int i, j;

	do_op(OP_GET_XSAVE2);
	for (i = 0; i < nr_xvms; i++)
		for (j = 0; j < xvms[i].n; j++)
			ioctl(xvms[i].fds[j], KVM_GET_XSAVE2, B.buf2);
	series_add(&sp->retrack_ns, (now_ns() - t) / (nr_extra + 1));
	wait_tracked();
}

static void time_reads(struct scale_point *sp)
{
	static char buf[16 << 20];
	char summary[512], vm_summary[512];
	double t;
	long n;
	int i;

	kxp_vm_summary_path(&B.vm, summary, sizeof(summary));
	kxp_vm_summary_path(last_vm ? last_vm : &B.vm, vm_summary,
			    sizeof(vm_summary));
	for (i = 0; i < P.file_reads; i++) {
		t = now_ns();
		n = slurp(KXP_DEBUGFS "/vcpus", buf, sizeof(buf));
		series_add(&sp->vcpus_read_ns, now_ns() - t);
		sp->vcpus_bytes = n;
		t = now_ns();
		slurp(summary, buf, sizeof(buf));
		series_add(&sp->summary_read_ns, now_ns() - t);
		t = now_ns();
		n = slurp(vm_summary, buf, sizeof(buf));
		series_add(&sp->vm_summary_read_ns, now_ns() - t);
		sp->vm_summary_bytes = n;
	}
}

static void memory_delta(struct scale_point *sp, const struct slab_snap *s0,
			 const struct slab_snap *s1)
{
	int i, j, k;

	sp->slab_total = 0;
	sp->nr_top = 0;
	for (i = 0; i < s1->n; i++) {
		double d = s1->bytes[i] - slab_of(s0, s1->name[i]);

		sp->slab_total += d;
		/* keep the 8 largest growths */
		for (j = 0; j < sp->nr_top && sp->top[j].delta >= d; j++)
			;
		if (j >= 8)
			continue;
		if (sp->nr_top < 8)
			sp->nr_top++;
		for (k = sp->nr_top - 1; k > j; k--)
			sp->top[k] = sp->top[k - 1];
		snprintf(sp->top[j].name, sizeof(sp->top[j].name), "%s",
			 s1->name[i]);
		sp->top[j].delta = d;
	}
	sp->meminfo_slab = s1->meminfo_slab - s0->meminfo_slab;
	sp->record_delta = slab_of(s1, RECORD_CACHE) -
			   slab_of(s0, RECORD_CACHE);
}

static void phase_scale(void)
{
	struct rlimit rl = { 65536, 65536 };
	int si, r, side;

	setrlimit(RLIMIT_NOFILE, &rl);
	bt_stop();
	if (!mod_loaded)
		module_load(false);
	else if (mod_log_all)
		module_set_log_all(false);
	retrack(&scale[0]);	/* (not a figure: reset below) */
	scale[0].retrack_ns.n = 0;

	for (si = 0; si < P.nr_sizes; si++) {
		struct scale_point *sp = &scale[si];
		int want = P.sizes[si] - 1, grown = 0;
		double t;

		sp->vcpus = P.sizes[si];
		if (!mod_loaded) {
			module_load(false);
			retrack(sp);
		}
		msg("scale: growing to %d vCPUs", sp->vcpus);
		t = now_ns();
		while (nr_extra < want) {
			add_extra_vcpu();
			grown++;
		}
		sp->create_ns_per_vcpu = grown ? (now_ns() - t) / grown : NAN;
		sp->tracked_at_burst = stat_u64("vcpus_tracked");
		sp->pool_empty_at_burst = stat_u64("pool_empty");
		sp->dirs_ready_ms = wait_tracked();

		for (r = 0; r < P.scale_rounds; r++) {
			for (side = 0; side < 2; side++) {
				/* even rounds a then b, odd rounds b then a */
				bool b = (side == 0) == (r % 2 == 1);
				struct slab_snap s0, s1;

				if (b && !mod_loaded) {
					if (r == 0) {
						/* freed dentries, inodes: RCU */
						usleep(500000);
						slab_snapshot(&s0);
					}
					module_load(false);
					retrack(sp);
					if (r == 0) {
						slab_snapshot(&s1);
						memory_delta(sp, &s0, &s1);
						slab_free(&s0);
						slab_free(&s1);
					}
				} else if (!b && mod_loaded) {
					module_unload();
				}
				if (b) {
					sp->tracked = stat_u64("vcpus_tracked");
					sp->memory_bytes =
						stat_u64("memory_bytes");
					time_reads(sp);
				}
				msg("scale %d: (%s) %s", sp->vcpus,
				    b ? "b" : "a", b ? "module loaded" :
				    "module not loaded");
				cur_tag = r << 2;
				pin_to(P.cpu);
				measure_ops(sp->lat[b], P.scale_samples);
				pin_to(-1);
			}
		}
		if (sp->tracked != (uint64_t)sp->vcpus)
			msg("  warning: %llu vCPUs tracked, expected %d",
			    (unsigned long long)sp->tracked, sp->vcpus);
	}
}

/* ------------------------------------------------------------ output */

static FILE *js;

static void jnum(const char *key, double v, bool comma)
{
	if (isnan(v) || isinf(v))
		fprintf(js, "\"%s\": null%s", key, comma ? ", " : "");
	else
		fprintf(js, "\"%s\": %.6g%s", key, v, comma ? ", " : "");
}

static void jsummary(const char *key, const struct series *s, bool comma)
{
	struct summary x = summarize(s->v, s->n);
	bool first;
	int i;

	fprintf(js, "\"%s\": {", key);
	jnum("median_ns", x.median, true);
	jnum("p10_ns", x.p10, true);
	jnum("p90_ns", x.p90, true);
	jnum("mean_ns", x.mean, true);
	jnum("min_ns", x.min, true);
	fprintf(js, "\"samples\": %d, \"round_medians_ns\": [", x.n);
	for (i = 0, first = true; s->tag && i < MAX_ROUNDS; i++) {
		double m = round_median(s, i);

		if (isnan(m))
			continue;
		fprintf(js, "%s%.6g", first ? "" : ", ", m);
		first = false;
	}
	fprintf(js, "]}%s", comma ? ", " : "");
}

static double med(const struct series *s)
{
	return summarize(s->v, s->n).median;
}

static void json_escape(const char *s)
{
	fputc('"', js);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', js);
		if (*s == '\n')
			fputs("\\n", js);
		else if ((unsigned char)*s >= ' ')
			fputc(*s, js);
	}
	fputc('"', js);
}

static void read_first_line(const char *path, const char *key, char *out,
			    size_t len)
{
	char buf[65536], *p;
	long n = slurp(path, buf, sizeof(buf) - 1);

	snprintf(out, len, "unknown");
	if (n <= 0)
		return;
	buf[n] = '\0';
	p = key ? strstr(buf, key) : buf;
	if (!p)
		return;
	if (key) {
		p = strchr(p, ':');
		if (!p)
			return;
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
	}
	snprintf(out, len, "%.*s", (int)strcspn(p, "\n"), p);
}

/* The targets of docs/performance.md; printed and written to JSON. */
struct target {
	char name[96];
	double value, limit;
	bool met, known;
	char unit[16];
};

static struct target targets[32];
static int nr_targets;

static void target(const char *name, double value, double limit,
		   const char *unit)
{
	struct target *t = &targets[nr_targets++];

	snprintf(t->name, sizeof(t->name), "%s", name);
	t->value = value;
	t->limit = limit;
	t->known = !isnan(value);
	t->met = t->known && value <= limit;
	snprintf(t->unit, sizeof(t->unit), "%s", unit);
}

static void eval_targets(double per_vcpu_mem, double per_vcpu_slab)
{
	char name[96];
	int op, last = P.nr_sizes - 1;

	for (op = 0; op < NR_OPS; op++) {
		double r = paired_ratio(&lat[C_B][op], &lat[C_A][op]);

		if (ops[op].watched) {
			snprintf(name, sizeof(name), "(b) %s ratio <= 1.10",
				 ops[op].label);
			target(name, r, 1.10, "x");
		} else {
			snprintf(name, sizeof(name), "(b) %s ratio <= 1.02",
				 ops[op].label);
			target(name, r, 1.02, "x");
		}
	}
	for (op = 0; op < NR_OPS; op++) {
		double a = med(&lat[C_A][op]);
		double mb = med(&lat[C_B][op]) - a;
		double bd = med(&lat[C_D][op]) - a;

		if (op == OP_RUN || cond_broken[C_D])
			continue;
		snprintf(name, sizeof(name),
			 "%s: module cost / bpftrace (d) cost <= 0.5",
			 ops[op].label);
		/* A negative or tiny bpftrace cost makes the ratio meaningless. */
		target(name, bd > 0 ? (mb > 0 ? mb : 0) / bd : NAN, 0.5, "x");
	}
	if (P.nr_sizes > 1) {
		for (op = 0; op < NR_OPS; op++) {
			double r1, rn;

			if (!ops[op].watched)
				continue;
			r1 = paired_ratio(&scale[0].lat[1][op],
					  &scale[0].lat[0][op]);
			rn = paired_ratio(&scale[last].lat[1][op],
					  &scale[last].lat[0][op]);
			snprintf(name, sizeof(name),
				 "%s: (b)/(a) at %d vCPUs minus at %d <= 0.05",
				 ops[op].label, scale[last].vcpus,
				 scale[0].vcpus);
			target(name, rn - r1, 0.05, "x");
		}
	}
	if (last < 0)
		return;
	snprintf(name, sizeof(name), "read vcpus at %d vCPUs < 100 ms",
		 scale[last].vcpus);
	target(name, med(&scale[last].vcpus_read_ns) / 1e6, 100, "ms");
	target("module memory per tracked vCPU (memory_bytes) <= 1 KiB",
	       per_vcpu_mem, 1024, "bytes");
	/* All in: records, debugfs inodes and dentries, whatever grew. */
	target("module all-in slab per tracked vCPU <= 1024 bytes",
	       per_vcpu_slab, 1024, "bytes");
}

static void print_tables(void)
{
	int op, c, si;

	printf("\n## Latency per call, phase 1 (1 tracked vCPU)\n\n");
	for (c = 0; c < NR_CONDS; c++)
		printf("- (%s) %s%s\n", conds[c].id, conds[c].desc,
		       cond_broken[c] ? " [unavailable]" : "");
	printf("\n");
	printf("Ratio = median over rounds of (median of condition / median of (a)) "
	       "in the same round.\n\n");
	printf("| operation | (a) median ns [p10-p90] | (a) vs (a) |");
	for (c = C_B; c < NR_CONDS; c++)
		printf(" (%s) ratio |", conds[c].id);
	printf("\n|---|---|---|");
	for (c = C_B; c < NR_CONDS; c++)
		printf("---|");
	printf("\n");
	for (op = 0; op < NR_OPS; op++) {
		struct summary a = summarize(lat[C_A][op].v, lat[C_A][op].n);

		printf("| %s | %.0f [%.0f-%.0f] | %.3f |", ops[op].label,
		       a.median, a.p10, a.p90, aa_ratio(&lat[C_A][op]));
		for (c = C_B; c < NR_CONDS; c++)
			printf(" %.3f |", paired_ratio(&lat[c][op],
						       &lat[C_A][op]));
		printf("\n");
	}
	printf("\nAbsolute medians, ns [p10-p90]:\n\n| operation |");
	for (c = 0; c < NR_CONDS; c++)
		printf(" (%s) |", conds[c].id);
	printf("\n|---|");
	for (c = 0; c < NR_CONDS; c++)
		printf("---|");
	printf("\n");
	for (op = 0; op < NR_OPS; op++) {
		printf("| %s |", ops[op].label);
		for (c = 0; c < NR_CONDS; c++) {
			struct summary s = summarize(lat[c][op].v,
						     lat[c][op].n);

			printf(" %.0f [%.0f-%.0f] |", s.median, s.p10, s.p90);
		}
		printf("\n");
	}
	printf("| KVM_CREATE_VCPU |");
	for (c = 0; c < NR_CONDS; c++) {
		struct summary s = summarize(create_ns[c].v, create_ns[c].n);

		printf(" %.0f [%.0f-%.0f] |", s.median, s.p10, s.p90);
	}
	printf("\n");

	if (!P.nr_sizes)
		return;
	printf("\n## Scale: (b)/(a) ratio per tracked-vCPU count\n\n| operation |");
	for (si = 0; si < P.nr_sizes; si++)
		printf(" %d |", scale[si].vcpus);
	printf("\n|---|");
	for (si = 0; si < P.nr_sizes; si++)
		printf("---|");
	printf("\n");
	for (op = 0; op < NR_OPS; op++) {
		printf("| %s |", ops[op].label);
		for (si = 0; si < P.nr_sizes; si++)
			printf(" %.3f (%.0f/%.0f) |",
			       paired_ratio(&scale[si].lat[1][op],
					    &scale[si].lat[0][op]),
			       med(&scale[si].lat[1][op]),
			       med(&scale[si].lat[0][op]));
		printf("\n");
	}
	printf("\n| vCPUs | tracked | tracked right after the burst (pool_empty) | "
	       "create µs/vCPU | re-track µs/vCPU | "
	       "tracked after ms | `vcpus` read ms [p10-p90] | bytes | "
	       "bench VM `summary` read µs | newest VM `summary` read ms | bytes | "
	       "memory_bytes | slab Δ B/vCPU-ish | " RECORD_CACHE " Δ |\n"
	       "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
	for (si = 0; si < P.nr_sizes; si++) {
		struct scale_point *sp = &scale[si];
		struct summary v = summarize(sp->vcpus_read_ns.v,
					     sp->vcpus_read_ns.n);

		printf("| %d | %llu | %llu (%llu) | %.1f | %.1f | %.0f | %.2f [%.2f-%.2f] | %ld | "
		       "%.1f | %.2f | %ld | %llu | %.0f | %.0f |\n",
		       sp->vcpus, (unsigned long long)sp->tracked,
		       (unsigned long long)sp->tracked_at_burst,
		       (unsigned long long)sp->pool_empty_at_burst,
		       sp->create_ns_per_vcpu / 1e3,
		       med(&sp->retrack_ns) / 1e3, sp->dirs_ready_ms,
		       v.median / 1e6, v.p10 / 1e6, v.p90 / 1e6,
		       sp->vcpus_bytes, med(&sp->summary_read_ns) / 1e3,
		       med(&sp->vm_summary_read_ns) / 1e6, sp->vm_summary_bytes,
		       (unsigned long long)sp->memory_bytes,
		       sp->slab_total / sp->vcpus, sp->record_delta);
	}
}

static void write_json(double mem_slope, double slab_slope,
		       double kmalloc_slope, double meminfo_slope)
{
	char buf[256];
	struct utsname u;
	int c, op, si, i;

	js = fopen(P.out, "w");
	if (!js)
		die("cannot write %s: %s", P.out, strerror(errno));
	uname(&u);
	fprintf(js, "{\n\"meta\": {\"kernel\": ");
	json_escape(u.release);
	read_first_line("/proc/cpuinfo", "model name", buf, sizeof(buf));
	fprintf(js, ", \"cpu\": ");
	json_escape(buf);
	fprintf(js, ", \"cpus\": %ld, \"in_qemu_tcg_vm\": %s, ",
		sysconf(_SC_NPROCESSORS_ONLN),
		getenv("KXP_IN_VM") ? "true" : "false");
	fprintf(js, "\"note\": ");
	json_escape(getenv("KXP_IN_VM") ?
		    "measured in a QEMU TCG guest running KVM (nested SVM, emulated): not real-hardware figures" :
		    "measured on this host's KVM");
	read_first_line("/proc/sys/kernel/random/boot_id", NULL, buf,
			sizeof(buf));
	fprintf(js, ", \"boot_id\": ");
	json_escape(buf);
	fprintf(js, ", \"module\": ");
	json_escape(getenv("KXP_MODULE") ?: "");
	fprintf(js, ", \"kvm_max_vcpus_per_vm\": %d, \"xsave2_size\": %zu, "
		"\"measure_cpu\": %d},\n", B.max_vcpus_per_vm, B.xsave2_size,
		P.cpu);

	fprintf(js, "\"params\": {\"rounds\": %d, \"samples\": %d, "
		"\"calls_per_sample\": %d, \"run_calls_per_sample\": %d, "
		"\"create_vcpus\": %d, \"scale_rounds\": %d, "
		"\"scale_samples\": %d, \"file_reads\": %d, \"sizes\": [",
		P.rounds, P.samples, P.calls, P.run_calls, P.create_vcpus,
		P.scale_rounds, P.scale_samples, P.file_reads);
	for (si = 0; si < P.nr_sizes; si++)
		fprintf(js, "%s%d", si ? ", " : "", P.sizes[si]);
	fprintf(js, "]},\n\"conditions\": {");
	for (c = 0; c < NR_CONDS; c++) {
		fprintf(js, "%s\"%s\": {\"desc\": ", c ? ", " : "",
			conds[c].id);
		json_escape(conds[c].desc);
		fprintf(js, ", \"available\": %s, \"bpftrace_attach_s\": [",
			cond_broken[c] ? "false" : "true");
		for (i = 0; conds[c].script && i < P.rounds; i++)
			fprintf(js, "%s%.2f", i ? ", " : "", attach_s[c][i]);
		fprintf(js, "], \"bpftrace_lines\": [");
		for (i = 0; conds[c].script && i < P.rounds; i++)
			fprintf(js, "%s%ld", i ? ", " : "", bt_lines[c][i]);
		fprintf(js, "], \"module_events\": [");
		for (i = 0; cond_module(c) && i < P.rounds; i++)
			fprintf(js, "%s%ld", i ? ", " : "", events_during[c][i]);
		fprintf(js, "]}");
	}
	fprintf(js, "},\n\"ops\": {");
	for (op = 0; op < NR_OPS; op++) {
		fprintf(js, "%s\"%s\": {\"label\": ", op ? ", " : "",
			ops[op].name);
		json_escape(ops[op].label);
		fprintf(js, ", \"calls_per_sample\": %d, \"unexpected_results\": %d}",
			calls_for(op), B.errors[op]);
	}
	fprintf(js, "},\n\"latency\": {\n");
	for (c = 0; c < NR_CONDS; c++) {
		fprintf(js, "  \"%s\": {\n", conds[c].id);
		for (op = 0; op < NR_OPS; op++) {
			fprintf(js, "    ");
			jsummary(ops[op].name, &lat[c][op], false);
			fprintf(js, ",\n    \"%s_ratio_vs_a\": {", ops[op].name);
			jnum("paired_median", paired_ratio(&lat[c][op],
							   &lat[C_A][op]),
			     true);
			jnum("pooled_medians", med(&lat[c][op]) /
			     med(&lat[C_A][op]), true);
			{
				double r[MAX_ROUNDS];
				int n = round_ratios(&lat[c][op],
						     &lat[C_A][op], r);

				jnum("round_min", n ? r[0] : NAN, true);
				jnum("round_max", n ? r[n - 1] : NAN, true);
			}
			jnum("a_vs_a_noise_floor", aa_ratio(&lat[C_A][op]),
			     false);
			fprintf(js, "},\n");
		}
		fprintf(js, "    ");
		jsummary("create_vcpu", &create_ns[c], true);
		jsummary("destroy_per_vcpu", &destroy_ns[c], false);
		fprintf(js, "\n  }%s\n", c + 1 < NR_CONDS ? "," : "");
	}
	fprintf(js, "},\n\"kprobes_list_module_loaded\": ");
	json_escape(kprobes_list);
	fprintf(js, ",\n\"module_load_ns\": ");
	{
		struct series l = { .v = mod_load_ns, .n = nr_loads };
		struct series u = { .v = mod_unload_ns, .n = nr_unloads };

		fprintf(js, "{");
		jsummary("load", &l, true);
		jsummary("unload", &u, false);
		fprintf(js, "},\n");
	}
	fprintf(js, "\"scale\": [\n");
	for (si = 0; si < P.nr_sizes; si++) {
		struct scale_point *sp = &scale[si];

		fprintf(js, "  {\"vcpus\": %d, \"tracked\": %llu, ", sp->vcpus,
			(unsigned long long)sp->tracked);
		fprintf(js, "\"tracked_at_burst\": %llu, \"pool_empty_at_burst\": %llu, ",
			(unsigned long long)sp->tracked_at_burst,
			(unsigned long long)sp->pool_empty_at_burst);
		jnum("create_ns_per_vcpu", sp->create_ns_per_vcpu, true);
		jnum("tracked_after_ms", sp->dirs_ready_ms, true);
		jsummary("retrack_ns_per_vcpu", &sp->retrack_ns, true);
		jsummary("vcpus_read_ns", &sp->vcpus_read_ns, true);
		fprintf(js, "\"vcpus_bytes\": %ld, ", sp->vcpus_bytes);
		jsummary("summary_read_ns", &sp->summary_read_ns, true);
		jsummary("vm_summary_read_ns", &sp->vm_summary_read_ns, true);
		fprintf(js, "\"vm_summary_bytes\": %ld, ", sp->vm_summary_bytes);
		fprintf(js, "\n   \"memory\": {\"memory_bytes\": %llu, ",
			(unsigned long long)sp->memory_bytes);
		jnum("slab_delta_bytes", sp->slab_total, true);
		jnum("meminfo_slab_delta_bytes", sp->meminfo_slab, true);
		fprintf(js, "\"record_cache\": \"%s\", ", RECORD_CACHE);
		jnum("record_cache_delta_bytes", sp->record_delta, true);
		fprintf(js, "\"top_slab_deltas\": {");
		for (i = 0; i < sp->nr_top; i++)
			fprintf(js, "%s\"%s\": %.0f", i ? ", " : "",
				sp->top[i].name, sp->top[i].delta);
		fprintf(js, "}},\n   \"latency\": {");
		for (i = 0; i < 2; i++) {
			fprintf(js, "%s\"%s\": {", i ? ", " : "",
				i ? "b" : "a");
			for (op = 0; op < NR_OPS; op++)
				jsummary(ops[op].name, &sp->lat[i][op],
					 op + 1 < NR_OPS);
			fprintf(js, "}");
		}
		fprintf(js, ", \"ratio_b_vs_a\": {");
		for (op = 0; op < NR_OPS; op++)
			jnum(ops[op].name, paired_ratio(&sp->lat[1][op],
							&sp->lat[0][op]),
			     op + 1 < NR_OPS);
		fprintf(js, "}}}%s\n", si + 1 < P.nr_sizes ? "," : "");
	}
	fprintf(js, "],\n\"memory_per_tracked_vcpu\": {");
	jnum("memory_bytes", mem_slope, true);
	jnum("slab_all_caches", slab_slope, true);
	jnum("slab_record_cache", kmalloc_slope, true);
	jnum("meminfo_slab", meminfo_slope, false);
	fprintf(js, "},\n\"targets\": [\n");
	for (i = 0; i < nr_targets; i++) {
		fprintf(js, "  {\"name\": ");
		json_escape(targets[i].name);
		fprintf(js, ", ");
		jnum("value", targets[i].value, true);
		jnum("limit", targets[i].limit, true);
		fprintf(js, "\"unit\": \"%s\", \"met\": %s}%s\n",
			targets[i].unit,
			!targets[i].known ? "null" :
			targets[i].met ? "true" : "false",
			i + 1 < nr_targets ? "," : "");
	}
	fprintf(js, "]\n}\n");
	fclose(js);
}

int main(int argc, char **argv)
{
	double mem_slope = NAN, slab_slope = NAN, kmalloc_slope = NAN;
	double meminfo_slope = NAN;
	int i, first = 0, last;

	if (argc > 1) {
		usage();
		return argc == 2 && !strcmp(argv[1], "--help") ? 0 : 2;
	}
	P.rounds = env_int("KXP_BENCH_ROUNDS", 3);
	P.samples = env_int("KXP_BENCH_SAMPLES", 15);
	P.calls = env_int("KXP_BENCH_CALLS", 200);
	P.run_calls = env_int("KXP_BENCH_RUN_CALLS", 50);
	P.create_vcpus = env_int("KXP_BENCH_CREATE", 8);
	P.scale_rounds = env_int("KXP_BENCH_SCALE_ROUNDS", 4);
	P.scale_samples = env_int("KXP_BENCH_SCALE_SAMPLES", 15);
	P.file_reads = env_int("KXP_BENCH_FILE_READS", 7);
	P.attach_timeout = env_int("KXP_BENCH_ATTACH_TIMEOUT", 240);
	P.cpu = env_int("KXP_BENCH_CPU", sysconf(_SC_NPROCESSORS_ONLN) - 1);
	P.out = env_str("KXP_BENCH_OUT", "build/bench/bench.json");
	P.bt_dir = env_str("KXP_BENCH_BT_DIR", "userspace/bpftrace");
	P.bpftrace = env_str("KXP_BENCH_BPFTRACE", "bpftrace");
	parse_sizes(env_str("KXP_BENCH_SIZES", "1,64,1024,4096"));
	if (P.rounds > MAX_ROUNDS)
		P.rounds = MAX_ROUNDS;
	if (P.rounds < 1 || P.samples < 1 || P.calls < 1 || P.run_calls < 1)
		die("rounds, samples and calls must be positive");
	if (geteuid())
		die("needs root");
	if (!getenv("KXP_MODULE"))
		die("KXP_MODULE (path of kvm_xsave_probe.ko) is not set");
	signal(SIGPIPE, SIG_IGN);

	if (!strcmp(P.bpftrace, "none"))
		cond_broken[C_D] = cond_broken[C_E] = true;
	/* Start from (a), whatever loaded the module before us. */
	module_unload();
	setup_bench_vcpu();
	msg("bench vCPU ready (%s); KVM max vCPUs per VM %d",
	    B.vm.name, B.max_vcpus_per_vm);

	phase_conditions();
	if (P.nr_sizes)
		phase_scale();
	bt_stop();
	module_unload();

	if (P.nr_sizes) {
		last = P.nr_sizes - 1;
		if (last > first && scale[last].vcpus > scale[first].vcpus) {
			/* Per tracked vCPU: untracked ones hold nothing. */
			double dn = (double)scale[last].tracked -
				    scale[first].tracked;

			if (dn <= 0)
				dn = NAN;

			mem_slope = ((double)scale[last].memory_bytes -
				     scale[first].memory_bytes) / dn;
			slab_slope = (scale[last].slab_total -
				      scale[first].slab_total) / dn;
			kmalloc_slope = (scale[last].record_delta -
					 scale[first].record_delta) / dn;
			meminfo_slope = (scale[last].meminfo_slab -
					 scale[first].meminfo_slab) / dn;
		}
	}
	eval_targets(mem_slope, slab_slope);
	print_tables();
	printf("\nMemory per tracked vCPU (slope %d -> %d vCPUs): "
	       "memory_bytes %.0f B, " RECORD_CACHE " %.0f B, all slab caches %.0f B, "
	       "meminfo Slab %.0f B\n",
	       P.nr_sizes ? scale[0].vcpus : 0,
	       P.nr_sizes ? scale[P.nr_sizes - 1].vcpus : 0,
	       mem_slope, kmalloc_slope, slab_slope, meminfo_slope);
	printf("\n## Targets\n\n");
	for (i = 0; i < nr_targets; i++)
		printf("- [%s] %s: %.3f %s\n",
		       !targets[i].known ? "n/a" :
		       targets[i].met ? "met" : "MISSED", targets[i].name,
		       targets[i].value, targets[i].unit);
	for (i = 0; i < NR_OPS; i++)
		if (B.errors[i])
			printf("warning: %s: %d unexpected results\n",
			       ops[i].label, B.errors[i]);
	write_json(mem_slope, slab_slope, kmalloc_slope, meminfo_slope);
	printf("\nJSON: %s\n", P.out);
	return 0;
}
