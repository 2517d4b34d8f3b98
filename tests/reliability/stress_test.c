// SPDX-License-Identifier: GPL-2.0
/*
 * Stress with exact accounting. 16 worker threads, each on its own vCPU
 * spread over 4 VMs, loop over good and bad KVM_SET_CPUID2, KVM_SET_XSAVE,
 * KVM_GET_XSAVE2 and KVM_SET_XCRS; a churn thread creates and destroys
 * VMs; 4 readers read every debugfs file, vCPU directories included.
 *
 *   exact_accounting       the module stays loaded: every global counter,
 *                          events_total, events_dropped and the seq numbers
 *                          of the surviving events equal the test's tallies
 *   insmod_rmmod_under_load 100 unload/load cycles while all of it runs
 *
 * On a kernel without the 2023 KVM_SET_XSAVE ABI fix (the module's
 * trait.uabi_xfeatures_arg: no) the YMM load into a vCPU without AVX is
 * refused (not_permitted) rather than trimmed at the next GET, and the
 * tallies count it so.
 *
 * Splats (WARNING, BUG, lockdep) fail the run through tests/vm/run.
 * KXP_STRESS_SECONDS sets each phase's length (default 8; `make stress`
 * runs 60); KXP_STRESS_CYCLES the unload/load cycles (default 30, the
 * shortened run of `make check`: a cycle takes 5-10 s under TCG; `make
 * stress` runs 100). A cycle stuck for KXP_STRESS_STALL_SECONDS (default
 * 120 times KXP_TIMEOUT_FACTOR) prints where every thread waits, once.
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "kxp_test.h"

#define NR_WORKERS 16
#define NR_VMS 4
#define NR_READERS 4

struct tally {
	atomic_long set_xsave, rejected_loads, get_xsave, trimmed_gets;
	atomic_long set_xcrs, rejected_xcrs, set_cpuid, cpuid_changes;
	atomic_long errors;
};

static struct tally tally;
static bool before_fix;
static atomic_bool stop;
static atomic_bool hold_readers;	/* readers wait at their next pass */
static atomic_long reads;
static atomic_int readers_in_pass;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int seconds(void)
{
	const char *s = getenv("KXP_STRESS_SECONDS");

	return s ? atoi(s) : 8;
}

#define EXPECT_RET(want, expr)						\
	do {								\
		if ((expr) != (want))					\
			atomic_fetch_add(&tally.errors, 1);		\
	} while (0)

/* One worker: a deterministic cycle so every outcome is known. */
static void *worker(void *arg)
{
	struct kxp_vcpu *v = arg;
	uint8_t good[KXP_XSAVE_SIZE], bad[KXP_XSAVE_SIZE];
	uint64_t cur = ~0ULL;
	long i;

	kxp_xsave_fill(good, X_FP | X_SSE | X_YMM);
	kxp_xsave_fill(bad, X_FP | X_SSE | (1ULL << 60));
	for (i = 0; !atomic_load(&stop); i++) {
		uint64_t drop = i % 2 ? X_YMM : 0;

		EXPECT_RET(0, kxp_set_cpuid(v, drop));
		atomic_fetch_add(&tally.set_cpuid, 1);
		if (drop != cur)
			atomic_fetch_add(&tally.cpuid_changes, 1);
		cur = drop;

		if (drop && before_fix) {
			EXPECT_RET(-EINVAL, kxp_set_xsave(v, good));
			atomic_fetch_add(&tally.rejected_loads, 1);
		} else {
			EXPECT_RET(0, kxp_set_xsave(v, good));
		}
		EXPECT_RET(-EINVAL, kxp_set_xsave(v, bad));
		atomic_fetch_add(&tally.set_xsave, 2);
		atomic_fetch_add(&tally.rejected_loads, 1);

		EXPECT_RET(0, kxp_get_xsave(v, good, true));
		atomic_fetch_add(&tally.get_xsave, 1);
		/* YMM state, no AVX in CPUID: trimmed (if it got in). */
		if (drop && !before_fix)
			atomic_fetch_add(&tally.trimmed_gets, 1);
		kxp_xsave_fill(good, X_FP | X_SSE | X_YMM);

		EXPECT_RET(0, kxp_set_xcr0(v, X_FP | X_SSE));
		EXPECT_RET(-EINVAL, kxp_set_xcr0(v, X_SSE));
		atomic_fetch_add(&tally.set_xcrs, 2);
		atomic_fetch_add(&tally.rejected_xcrs, 1);
	}
	return NULL;
}

/* VMs and vCPUs that come and go, each with one rejected load. */
static void *churn(void *arg)
{
	uint8_t bad[KXP_XSAVE_SIZE];

	kxp_xsave_fill(bad, X_FP | X_SSE | (1ULL << 61));
	while (!atomic_load(&stop)) {
		struct kxp_vcpu v[2];
		struct kxp_vm vm;
		int i;

		if (kxp_vm_create(&vm)) {
			atomic_fetch_add(&tally.errors, 1);
			continue;
		}
		for (i = 0; i < 2; i++) {
			EXPECT_RET(0, kxp_vcpu_create(&vm, &v[i], i));
			EXPECT_RET(-EINVAL, kxp_set_xsave(&v[i], bad));
			atomic_fetch_add(&tally.set_xsave, 1);
			atomic_fetch_add(&tally.rejected_loads, 1);
		}
		for (i = 0; i < 2; i++)
			kxp_vcpu_destroy(&v[i]);
		kxp_vm_destroy(&vm);
	}
	return NULL;
}

/* Read every file below @dir; things vanish under us, and that is fine. */
static void read_tree(const char *dir, int depth)
{
	static __thread char buf[1 << 18];
	char path[512];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || !strcmp(de->d_name, "reset"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (de->d_type == DT_DIR && depth < 2)
			read_tree(path, depth + 1);
		else if (de->d_type == DT_REG &&
			 kxp_read_file(path, buf, sizeof(buf)) >= 0)
			atomic_fetch_add(&reads, 1);
	}
	closedir(d);
}

static void *reader(void *arg)
{
	/* A breath between passes: an open file pins the module, and the
	 * unload/load phase needs moments when none is open.
	 */
	struct timespec pause = { 0, 1000 * 1000 };

	while (!atomic_load(&stop)) {
		if (!atomic_load(&hold_readers)) {
			atomic_fetch_add(&readers_in_pass, 1);
			read_tree(KXP_DEBUGFS, 0);
			atomic_fetch_sub(&readers_in_pass, 1);
		}
		nanosleep(&pause, NULL);
	}
	return NULL;
}

struct crowd {
	struct kxp_vm vm[NR_VMS];
	struct kxp_vcpu vcpu[NR_WORKERS];
	pthread_t th[NR_WORKERS + 1 + NR_READERS];
};

static int crowd_start(struct crowd *c)
{
	int i, n = 0;

	memset(&tally, 0, sizeof(tally));
	atomic_store(&stop, false);
	for (i = 0; i < NR_VMS; i++)
		if (kxp_vm_create(&c->vm[i]))
			return -1;
	for (i = 0; i < NR_WORKERS; i++)
		if (kxp_vcpu_create(&c->vm[i % NR_VMS], &c->vcpu[i],
				    i / NR_VMS))
			return -1;
	if (kxp_module_loaded() && kxp_reset())
		return -1;
	for (i = 0; i < NR_WORKERS; i++)
		pthread_create(&c->th[n++], NULL, worker, &c->vcpu[i]);
	pthread_create(&c->th[n++], NULL, churn, NULL);
	for (i = 0; i < NR_READERS; i++)
		pthread_create(&c->th[n++], NULL, reader, NULL);
	return 0;
}

static void crowd_stop(struct crowd *c)
{
	unsigned int i;

	atomic_store(&stop, true);
	for (i = 0; i < sizeof(c->th) / sizeof(c->th[0]); i++)
		pthread_join(c->th[i], NULL);
}

static void crowd_free(struct crowd *c)
{
	int i;

	for (i = 0; i < NR_WORKERS; i++)
		kxp_vcpu_destroy(&c->vcpu[i]);
	for (i = 0; i < NR_VMS; i++)
		kxp_vm_destroy(&c->vm[i]);
}

/* Polls `stats` until @key is @want, for up to 5 s. */
static bool wait_key(const char *key, uint64_t want)
{
	int i;

	for (i = 0; i < 500; i++) {
		if (kxp_key_u64("stats", key) == want)
			return true;
		usleep(10000);
	}
	return false;
}

/*
 * The module after the reloads, the crowd stopped: every worker vCPU
 * (created before the last load) is tracked and seen once per call.
 * One rejected load each must be counted, per vCPU and globally, and
 * logged, with nothing missed and nothing untracked.
 */
static void check_accounting(struct __test_metadata *_metadata,
			     struct crowd *c)
{
	static uint8_t buf[KXP_XSAVE_SIZE];
	int i;

	ASSERT_TRUE(wait_key("vcpus_tracked", NR_WORKERS));
	EXPECT_TRUE(wait_key("vms_tracked", NR_VMS));
	ASSERT_EQ(0, kxp_reset());
	kxp_xsave_fill(buf, X_FP | X_SSE | (1ULL << 60));
	for (i = 0; i < NR_WORKERS; i++)
		EXPECT_EQ(-EINVAL, kxp_set_xsave(&c->vcpu[i], buf));
	EXPECT_EQ(NR_WORKERS, kxp_key_u64("stats", "set_xsave"));
	EXPECT_EQ(NR_WORKERS, kxp_key_u64("stats", "rejected_loads"));
	EXPECT_EQ(0, kxp_key_u64("stats", "untracked_ioctls"));
	EXPECT_EQ(0, kxp_key_u64("stats", "probe_missed"));
	EXPECT_EQ(NR_WORKERS, kxp_key_u64("stats", "events_total"));
	for (i = 0; i < NR_WORKERS; i++) {
		EXPECT_EQ(1, kxp_count_events(&c->vcpu[i], "set_xsave",
					      "unsupported"));
		ASSERT_TRUE(kxp_vcpu_wait_ready(&c->vcpu[i], 2000));
		EXPECT_EQ(1, kxp_vcpu_u64(&c->vcpu[i], "rejected_loads"));
	}
}

KXP_REQUIRE(KXP_NEED_KVM | KXP_NEED_KO);

FIXTURE(stress) {
	struct crowd c;
};

FIXTURE_SETUP(stress)
{
	if (!kxp_module_loaded())
		ASSERT_EQ(0, kxp_module_load(NULL));
	before_fix = kxp_trait("uabi_xfeatures_arg") == 0;
}

FIXTURE_TEARDOWN(stress)
{
	if (!kxp_module_loaded())
		kxp_module_load(NULL);
}

TEST_F_TIMEOUT(stress, exact_accounting, 600)
{
	static char buf[1 << 20];
	unsigned long long seq_next, buffered, prev = 0, first = 0;
	long events, ring, lines = 0;
	char *line, *save;
	struct kxp_ev ev;
	double t0 = now();

	ASSERT_EQ(0, crowd_start(&self->c));
	while (now() - t0 < seconds())
		sleep(1);
	crowd_stop(&self->c);
	EXPECT_EQ(0, atomic_load(&tally.errors));

#define CHECK(name) EXPECT_EQ(atomic_load(&tally.name), \
			      kxp_key_u64("stats", #name))
	CHECK(set_xsave);
	CHECK(rejected_loads);
	CHECK(get_xsave);
	CHECK(trimmed_gets);
	CHECK(set_xcrs);
	CHECK(rejected_xcrs);
	CHECK(set_cpuid);
	CHECK(cpuid_changes);
#undef CHECK
	EXPECT_EQ(0, kxp_key_u64("stats", "probe_missed"));
	EXPECT_EQ(0, kxp_key_u64("stats", "classify_mismatch"));
	EXPECT_EQ(0, kxp_key_u64("stats", "track_failures"));

	/* Every problem is an event; what the ring lost is counted. */
	events = atomic_load(&tally.rejected_loads) +
		 atomic_load(&tally.trimmed_gets) +
		 atomic_load(&tally.rejected_xcrs) +
		 atomic_load(&tally.cpuid_changes);
	ring = kxp_key_u64("stats", "ring_size");
	EXPECT_EQ(events, kxp_key_u64("stats", "events_total"));
	ASSERT_GT(events, ring);	/* the phase must overflow the ring */
	EXPECT_EQ(events - ring, kxp_key_u64("stats", "events_dropped"));
	buffered = kxp_key_u64("stats", "events_buffered");
	seq_next = kxp_key_u64("stats", "seq_next");
	EXPECT_EQ(ring, buffered);

	ASSERT_LT(0, kxp_read_file(KXP_DEBUGFS "/events", buf, sizeof(buf)));
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save), lines++) {
		ASSERT_EQ(0, kxp_parse_event(line, &ev));
		if (lines) {
			EXPECT_EQ(prev + 1, ev.seq);
		} else {
			first = ev.seq;
		}
		prev = ev.seq;
	}
	EXPECT_EQ(buffered, lines);
	EXPECT_EQ(seq_next - 1, prev);
	EXPECT_EQ(seq_next - buffered, first);
	printf("# %d s: %ld set_xsave, %ld get_xsave, %ld set_xcrs, %ld set_cpuid, %ld events (%ld dropped), %ld debugfs reads\n",
	       seconds(), atomic_load(&tally.set_xsave),
	       atomic_load(&tally.get_xsave), atomic_load(&tally.set_xcrs),
	       atomic_load(&tally.set_cpuid), events, events - ring,
	       atomic_load(&reads));
	fflush(stdout);
	crowd_free(&self->c);
}

/*
 * The unload/load loop's state, for the stall watchdog: the cycle under
 * way, its phase, the refusals so far and when it began.
 */
static struct {
	atomic_int cycle;
	atomic_int loading;	/* 0: trying rmmod, 1: insmod */
	atomic_int streak;
	_Atomic double since;
	pid_t tid;
} unload_loop;

static void print_file(const char *path, const char *indent)
{
	char buf[4096], *line, *save;

	if (kxp_read_file(path, buf, sizeof(buf)) < 0)
		return;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		printf("%s%s\n", indent, line);
}

/*
 * A cycle stuck for minutes: say where, once per stuck cycle. Every
 * thread's state and kernel wait channel, and the kernel stacks of the
 * unloading thread and of every thread in D state. (Not sysrq-w: the
 * runner takes its traces in the kernel log for splats.)
 */
static void report_stall(int cycle, double stuck)
{
	char path[300], stat[512], wchan[64];
	struct dirent *de;
	DIR *d;

	printf("# cycle %d stuck for %.0f s %s (%d refusals so far, %d readers mid-pass, readers %s)\n",
	       cycle, stuck,
	       atomic_load(&unload_loop.loading) ? "in insmod" : "unloading",
	       atomic_load(&unload_loop.streak),
	       atomic_load(&readers_in_pass),
	       atomic_load(&hold_readers) ? "held" : "not held");
	d = opendir("/proc/self/task");
	while (d && (de = readdir(d))) {
		char *paren, state;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/stat",
			 de->d_name);
		if (kxp_read_file(path, stat, sizeof(stat)) < 0)
			continue;
		/* State: the field after the ")" that ends comm. */
		paren = strrchr(stat, ')');
		state = paren && paren[1] ? paren[2] : '?';
		snprintf(path, sizeof(path), "/proc/self/task/%s/wchan",
			 de->d_name);
		if (kxp_read_file(path, wchan, sizeof(wchan)) < 0)
			strcpy(wchan, "?");
		printf("#   thread %s: state %c wchan %s\n", de->d_name, state,
		       wchan);
		if (state == 'D' || atoi(de->d_name) == unload_loop.tid) {
			snprintf(path, sizeof(path), "/proc/self/task/%s/stack",
				 de->d_name);
			print_file(path, "#     ");
		}
	}
	if (d)
		closedir(d);
	fflush(stdout);
}

static void *stall_watchdog(void *arg)
{
	const char *l = getenv("KXP_STRESS_STALL_SECONDS");
	double limit = l ? atoi(l) : 120 * kxp_timeout_factor();
	int reported = 0;

	while (!atomic_load(&stop)) {
		int cycle = atomic_load(&unload_loop.cycle);
		double stuck = now() - atomic_load(&unload_loop.since);

		if (stuck > limit && cycle != reported) {
			report_stall(cycle, stuck);
			reported = cycle;
		}
		sleep(1);
	}
	return NULL;
}

TEST_F_TIMEOUT(stress, insmod_rmmod_under_load, 900)
{
	const char *s = getenv("KXP_STRESS_CYCLES");
	int cycles = s ? atoi(s) : 30, done = 0, busy = 0, streak = 0;
	int held = 0;
	struct timespec pause = { 0, 5 * 1000 * 1000 };
	double t_cycle = now(), t_unloaded, t_loaded, slowest = 0;
	pthread_t watchdog;

	ASSERT_EQ(0, crowd_start(&self->c));
	unload_loop.tid = syscall(SYS_gettid);
	atomic_store(&unload_loop.cycle, 1);
	atomic_store(&unload_loop.since, t_cycle);
	pthread_create(&watchdog, NULL, stall_watchdog, NULL);
	while (done < cycles) {
		int r = kxp_module_unload();

		/*
		 * An open debugfs file pins the module: try again. After a
		 * second of that, hold the readers back at their next pass:
		 * on a slow (KASAN) kernel one of them always has a file open,
		 * and no rmmod ever got through.
		 */
		if (r == -EAGAIN || r == -EBUSY || r == -EWOULDBLOCK) {
			busy++;
			if (++streak == 200) {
				atomic_store(&hold_readers, true);
				held++;
			}
			atomic_store(&unload_loop.streak, streak);
			nanosleep(&pause, NULL);
			continue;
		}
		ASSERT_EQ(0, r);
		t_unloaded = now();
		atomic_store(&unload_loop.loading, 1);
		ASSERT_EQ(0, kxp_module_load(NULL));
		t_loaded = now();
		atomic_store(&unload_loop.loading, 0);
		atomic_store(&hold_readers, false);
		done++;
		/* Where a slow cycle's time went: waiting for the readers,
		 * or the load itself.
		 */
		if (t_loaded - t_cycle > 10)
			printf("# cycle %d: %.1f s to unload (%d refusals), %.1f s to load\n",
			       done, t_unloaded - t_cycle, streak,
			       t_loaded - t_unloaded);
		if (t_loaded - t_cycle > slowest)
			slowest = t_loaded - t_cycle;
		fflush(stdout);
		streak = 0;
		t_cycle = t_loaded;
		atomic_store(&unload_loop.streak, 0);
		atomic_store(&unload_loop.since, t_cycle);
		atomic_store(&unload_loop.cycle, done + 1);
	}
	crowd_stop(&self->c);
	pthread_join(watchdog, NULL);
	EXPECT_EQ(0, atomic_load(&tally.errors));
	EXPECT_EQ(0, kxp_key_u64("stats", "classify_mismatch"));
	printf("# %d unload/load cycles under load (%d retries while a file was open, readers held back in %d cycles, slowest cycle %.1f s), %ld debugfs reads\n",
	       done, busy, held, slowest, atomic_load(&reads));
	fflush(stdout);
	check_accounting(_metadata, &self->c);
	crowd_free(&self->c);
	/* Every record goes with its vCPU, every directory with it. */
	EXPECT_TRUE(wait_key("vcpus_tracked", 0));
	EXPECT_TRUE(wait_key("vms_tracked", 0));
	EXPECT_TRUE(wait_key("debugfs_entries", 0));
}

TEST_HARNESS_MAIN
