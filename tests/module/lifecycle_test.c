// SPDX-License-Identifier: GPL-2.0
/*
 * Records follow vCPUs: a VM's directory and summary, and with vcpu_files=1
 * the vCPUs' directories, appear and go with their vCPUs and VM;
 * vCPUs created before insmod are picked up on their first ioctl; rmmod
 * with live VMs is clean; a duplicate vCPU id and a vCPU at a dead one's
 * address leave the records right; maxactive follows the CPU count. Reloads the module, so it runs with KXP_MODULE
 * naming the .ko and leaves the module loaded with default parameters.
 */
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kselftest_harness.h"
#include "kxp_test.h"

KXP_REQUIRE(KXP_NEED_KVM | KXP_NEED_KO);

FIXTURE(reload) {
	struct kxp_vm vm;
	struct kxp_vcpu vcpu;
	uint8_t buf[KXP_XSAVE_SIZE];
	bool reload_defaults;	/* the test loaded other parameters */
	bool vcpu_files;	/* the test set vcpu_files=1 */
};

FIXTURE_SETUP(reload)
{
	if (!kxp_module_loaded())
		ASSERT_EQ(0, kxp_module_load(NULL));
}

FIXTURE_TEARDOWN(reload)
{
	/* Back to default parameters for the next test. */
	if (self->vcpu_files)
		kxp_set_vcpu_files(false);
	if (kxp_module_loaded() && self->reload_defaults)
		kxp_module_unload();
	if (!kxp_module_loaded())
		kxp_module_load(NULL);
}

/* Directories and files below @dir, counted by walking the tree. */
static long count_entries(const char *dir)
{
	char path[512];
	struct dirent *de;
	long n = 0, sub;
	DIR *d = opendir(dir);

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		n++;
		if (de->d_type != DT_DIR)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		sub = count_entries(path);
		if (sub < 0) {
			n = -1;
			break;
		}
		n += sub;
	}
	closedir(d);
	return n;
}

TEST_F(reload, dirs_follow_vcpus_and_vms)
{
	struct kxp_vcpu second;
	char vmdir[256];

	ASSERT_LE(0, kxp_set_vcpu_files(true));
	self->vcpu_files = true;
	ASSERT_EQ(0, kxp_vm_create(&self->vm));
	ASSERT_EQ(0, kxp_vcpu_create(&self->vm, &self->vcpu, 0));
	ASSERT_EQ(0, kxp_vcpu_create(&self->vm, &second, 5));
	snprintf(vmdir, sizeof(vmdir), "%s/%s", KXP_DEBUGFS, self->vm.name);
	EXPECT_TRUE(kxp_vcpu_wait_ready(&self->vcpu, 2000));
	EXPECT_TRUE(kxp_vcpu_wait_ready(&second, 2000));
	EXPECT_EQ(2, kxp_key_u64("stats", "vcpus_tracked"));
	EXPECT_EQ(1, kxp_key_u64("stats", "vms_tracked"));
	/* The VM directory: its summary and its two vCPUs' trees. */
	EXPECT_EQ(1 + count_entries(vmdir),
		  (long)kxp_key_u64("stats", "debugfs_entries"));
	EXPECT_EQ(1 + 2 * 27, count_entries(vmdir));

	/* KVM destroys vCPUs with the VM, when the last fd closes. */
	kxp_vcpu_destroy(&second);
	kxp_vcpu_destroy(&self->vcpu);
	EXPECT_TRUE(kxp_path_exists(self->vcpu.dir));
	kxp_vm_destroy(&self->vm);
	EXPECT_TRUE(kxp_wait_path(vmdir, false, 2000));
	EXPECT_EQ(0, kxp_key_u64("stats", "vcpus_tracked"));
	EXPECT_EQ(0, kxp_key_u64("stats", "vms_tracked"));
	EXPECT_EQ(0, kxp_key_u64("stats", "debugfs_entries"));
}

/* By default: the VM's directory with one summary, no vCPU directory. */
TEST_F(reload, default_has_no_vcpu_dirs)
{
	char vcpus[4096], row[64], vmdir[256];

	ASSERT_EQ(0, kxp_reset());	/* earlier tests' calls */
	ASSERT_EQ(0, kxp_vm_create(&self->vm));
	ASSERT_EQ(0, kxp_vcpu_create(&self->vm, &self->vcpu, 2));
	kxp_xsave_fill(self->buf, X_FP | X_SSE | (1ULL << 60));
	ASSERT_EQ(-EINVAL, kxp_set_xsave(&self->vcpu, self->buf));
	ASSERT_TRUE(kxp_vcpu_wait_ready(&self->vcpu, 2000));

	/* Tracked and shown in the table and the VM's summary. */
	EXPECT_EQ(1, kxp_key_u64("stats", "vcpus_tracked"));
	EXPECT_EQ(1, kxp_key_u64("stats", "rejected_loads"));
	ASSERT_LT(0, kxp_read_file(KXP_DEBUGFS "/vcpus", vcpus, sizeof(vcpus)));
	snprintf(row, sizeof(row), "\n%s 2 ", self->vm.name);
	EXPECT_NE(NULL, strstr(vcpus, row));
	EXPECT_EQ(1, kxp_vcpu_u64(&self->vcpu, "rejected_loads"));
	usleep(200000);	/* the directory work would have run by now */
	EXPECT_FALSE(kxp_path_exists(self->vcpu.dir));
	snprintf(vmdir, sizeof(vmdir), "%s/%s", KXP_DEBUGFS, self->vm.name);
	EXPECT_EQ(1, count_entries(vmdir));
	EXPECT_EQ(2, kxp_key_u64("stats", "debugfs_entries"));
	kxp_vcpu_destroy(&self->vcpu);
	kxp_vm_destroy(&self->vm);
	EXPECT_TRUE(kxp_wait_path(vmdir, false, 2000));
	EXPECT_EQ(0, kxp_key_u64("stats", "debugfs_entries"));
}

TEST_F(reload, vcpu_created_before_insmod)
{
	char vmsum[512];

	ASSERT_EQ(0, kxp_module_unload());
	ASSERT_EQ(0, kxp_vm_create(&self->vm));
	ASSERT_EQ(0, kxp_vcpu_create(&self->vm, &self->vcpu, 3));
	ASSERT_EQ(0, kxp_set_cpuid(&self->vcpu, 0));
	ASSERT_EQ(0, kxp_module_load(NULL));
	kxp_vm_summary_path(&self->vm, vmsum, sizeof(vmsum));
	EXPECT_FALSE(kxp_path_exists(vmsum));

	/* The first watched ioctl starts the record. */
	kxp_xsave_fill(self->buf, X_FP | X_SSE | (1ULL << 60));
	ASSERT_EQ(-EINVAL, kxp_set_xsave(&self->vcpu, self->buf));
	ASSERT_TRUE(kxp_vcpu_wait_ready(&self->vcpu, 2000));
	EXPECT_EQ(1, kxp_vcpu_u64(&self->vcpu, "rejected_loads"));
	EXPECT_EQ(kxp_supported_xcr0(&self->vm),
		  kxp_vcpu_u64(&self->vcpu, "guest_supported_xcr0"));
	kxp_vcpu_destroy(&self->vcpu);
	kxp_vm_destroy(&self->vm);
	EXPECT_TRUE(kxp_wait_path(vmsum, false, 2000));
}

TEST_F(reload, rmmod_with_live_vms)
{
	char path[512];
	int fd;

	ASSERT_EQ(0, kxp_vm_create(&self->vm));
	ASSERT_EQ(0, kxp_vcpu_create(&self->vm, &self->vcpu, 0));
	ASSERT_TRUE(kxp_vcpu_wait_ready(&self->vcpu, 2000));
	/* An open file pins the module: rmmod waits for the reader. */
	kxp_vm_summary_path(&self->vm, path, sizeof(path));
	fd = open(path, O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_NE(0, kxp_module_unload());
	EXPECT_LT(0, read(fd, path, sizeof(path)));
	close(fd);
	ASSERT_EQ(0, kxp_module_unload());
	/* The VM goes on working without the module, and with it again. */
	kxp_xsave_fill(self->buf, X_FP | X_SSE);
	EXPECT_EQ(0, kxp_set_xsave(&self->vcpu, self->buf));
	ASSERT_EQ(0, kxp_module_load(NULL));
	EXPECT_EQ(0, kxp_set_xsave(&self->vcpu, self->buf));
	EXPECT_TRUE(kxp_vcpu_wait_ready(&self->vcpu, 2000));
	EXPECT_EQ(1, kxp_vcpu_u64(&self->vcpu, "set_xsave"));
	kxp_vcpu_destroy(&self->vcpu);
	kxp_vm_destroy(&self->vm);
}

/*
 * A vCPU beyond max_vcpus has no record, but its calls are still counted
 * per op and outcome, and its rejected load is an event with its id, its
 * VM's name and the reason the module would give a tracked vCPU.
 */
TEST_F(reload, untracked_vcpu_is_counted_and_logged)
{
	struct kxp_vcpu second;
	struct kxp_ev ev;
	char id[16];

	ASSERT_EQ(0, kxp_module_unload());
	self->reload_defaults = true;
	ASSERT_EQ(0, kxp_module_load("max_vcpus=1"));
	ASSERT_EQ(0, kxp_vm_create(&self->vm));
	ASSERT_EQ(0, kxp_vcpu_create(&self->vm, &self->vcpu, 0));
	ASSERT_EQ(0, kxp_vcpu_create(&self->vm, &second, 7));
	ASSERT_TRUE(kxp_vcpu_wait_ready(&self->vcpu, 2000));
	/* A tracked load first: it teaches the module KVM's mask. */
	kxp_xsave_fill(self->buf, X_FP | X_SSE);
	ASSERT_EQ(0, kxp_set_xsave(&self->vcpu, self->buf));
	ASSERT_EQ(0, kxp_reset());

	kxp_xsave_fill(self->buf, X_FP | X_SSE | (1ULL << 60));
	ASSERT_EQ(-EINVAL, kxp_set_xsave(&second, self->buf));
	ASSERT_EQ(0, kxp_get_xsave(&second, self->buf, true));
	EXPECT_EQ(1, kxp_key_u64("stats", "vcpus_tracked"));
	EXPECT_LE(2, kxp_key_u64("stats", "untracked_ioctls"));
	EXPECT_LE(1, kxp_key_u64("stats", "track_failures"));
	EXPECT_EQ(0, kxp_key_u64("stats", "pool_empty"));
	EXPECT_EQ(1, kxp_key_u64("stats", "set_xsave"));
	EXPECT_EQ(1, kxp_key_u64("stats", "rejected_loads"));
	EXPECT_EQ(1, kxp_key_u64("stats", "get_xsave"));
	EXPECT_EQ(0, kxp_key_u64("stats", "classify_mismatch"));
	ASSERT_EQ(0, kxp_last_event(&second, "set_xsave", NULL, &ev));
	EXPECT_EQ(-EINVAL, ev.ret);
	EXPECT_STREQ("unsupported", ev.reason);
	EXPECT_EQ(1ULL << 60, ev.bits);
	/* Not in its VM's summary either. */
	EXPECT_EQ(-ENOENT, kxp_vcpu_str(&second, "vcpu", id, sizeof(id)));
	kxp_vcpu_destroy(&second);
	kxp_vcpu_destroy(&self->vcpu);
	kxp_vm_destroy(&self->vm);
}

/* pool_size=0: every record request finds the pool empty, and says so. */
TEST_F(reload, empty_pool_is_counted)
{
	struct kxp_ev ev;

	ASSERT_EQ(0, kxp_module_unload());
	self->reload_defaults = true;
	ASSERT_EQ(0, kxp_module_load("pool_size=0"));
	ASSERT_EQ(0, kxp_vm_create(&self->vm));
	ASSERT_EQ(0, kxp_vcpu_create(&self->vm, &self->vcpu, 4));
	kxp_xsave_fill(self->buf, X_FP | X_SSE | X_AVX512);
	ASSERT_EQ(-EINVAL, kxp_set_xsave(&self->vcpu, self->buf));
	EXPECT_EQ(0, kxp_key_u64("stats", "vcpus_tracked"));
	EXPECT_LE(2, kxp_key_u64("stats", "pool_empty"));
	EXPECT_LE(1, kxp_key_u64("stats", "untracked_ioctls"));
	EXPECT_EQ(1, kxp_key_u64("stats", "rejected_loads"));
	ASSERT_EQ(0, kxp_last_event(&self->vcpu, "set_xsave", NULL, &ev));
	EXPECT_EQ(-EINVAL, ev.ret);
	EXPECT_STREQ("unsupported", ev.reason);
	EXPECT_EQ(X_AVX512, ev.bits);
	EXPECT_EQ(0, kxp_key_u64("stats", "classify_mismatch"));
	kxp_vcpu_destroy(&self->vcpu);
	kxp_vm_destroy(&self->vm);
}

/*
 * A burst of vCPU creation faster than the pool refill: every vCPU is
 * tracked without an ioctl of its own (the refill tracks those that found
 * the pool empty). pool_size=1 makes the pool as shallow as it gets.
 */
TEST_F(reload, burst_of_vcpus_is_tracked)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	struct kxp_vcpu *v;
	const int n = 48;
	int i;

	ASSERT_EQ(0, kxp_module_unload());
	self->reload_defaults = true;
	ASSERT_EQ(0, kxp_module_load("pool_size=1"));
	v = calloc(n, sizeof(*v));
	ASSERT_NE(NULL, v);
	ASSERT_EQ(0, kxp_vm_create(&self->vm));
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, kxp_vcpu_create(&self->vm, &v[i], i));
	for (i = 0; i < 500 && kxp_key_u64("stats", "vcpus_tracked") < n; i++)
		nanosleep(&ts, NULL);
	TH_LOG("pool_empty after the burst: %llu",
	       (unsigned long long)kxp_key_u64("stats", "pool_empty"));
	EXPECT_EQ(n, kxp_key_u64("stats", "vcpus_tracked"));
	EXPECT_TRUE(kxp_vcpu_wait_ready(&v[n - 1], 2000));
	for (i = 0; i < n; i++)
		kxp_vcpu_destroy(&v[i]);
	free(v);
	kxp_vm_destroy(&self->vm);
}

/* debugfs removal protection: EIO, never freed memory. */
static void read_gets_eio(struct __test_metadata *_metadata, int fd)
{
	char buf[64];

	EXPECT_GT(0, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(EIO, errno);
	close(fd);
}

TEST_F(reload, open_file_of_destroyed_vcpu)
{
	char path[512];
	int fd, vm_fd;

	ASSERT_LE(0, kxp_set_vcpu_files(true));
	self->vcpu_files = true;
	ASSERT_EQ(0, kxp_vm_create(&self->vm));
	ASSERT_EQ(0, kxp_vcpu_create(&self->vm, &self->vcpu, 0));
	ASSERT_TRUE(kxp_vcpu_wait_ready(&self->vcpu, 2000));
	snprintf(path, sizeof(path), "%s/set_xsave", self->vcpu.dir);
	fd = open(path, O_RDONLY);
	ASSERT_LE(0, fd);
	kxp_vm_summary_path(&self->vm, path, sizeof(path));
	vm_fd = open(path, O_RDONLY);
	ASSERT_LE(0, vm_fd);
	kxp_vcpu_destroy(&self->vcpu);
	kxp_vm_destroy(&self->vm);
	ASSERT_TRUE(kxp_wait_path(self->vcpu.dir, false, 2000));
	ASSERT_TRUE(kxp_wait_path(path, false, 2000));
	read_gets_eio(_metadata, fd);
	read_gets_eio(_metadata, vm_fd);
}

/*
 * KVM_CREATE_VCPU with an id in use: KVM makes the vCPU, and
 * kvm_arch_vcpu_create() returns 0, before it refuses the id (-EEXIST) and
 * destroys it. The original keeps its record, data and directory; each
 * duplicate is counted and leaves nothing. Many of them: a record made for
 * a duplicate races its directory against the original's.
 */
TEST_F(reload, duplicate_vcpu_id)
{
	uint64_t dups, entries, fails, stale;
	char vmdir[256], vcpus[4096], row[64], *p;
	int i, n = 50, rows = 0;

	ASSERT_EQ(0, kxp_vm_create(&self->vm));
	ASSERT_EQ(0, kxp_vcpu_create(&self->vm, &self->vcpu, 3));
	ASSERT_TRUE(kxp_vcpu_wait_ready(&self->vcpu, 2000));
	kxp_xsave_fill(self->buf, X_FP | X_SSE | (1ULL << 60));
	ASSERT_EQ(-EINVAL, kxp_set_xsave(&self->vcpu, self->buf));
	dups = kxp_key_u64("stats", "duplicate_vcpu_ids");
	entries = kxp_key_u64("stats", "debugfs_entries");
	fails = kxp_key_u64("stats", "debugfs_failures");
	stale = kxp_key_u64("stats", "stale_records");

	for (i = 0; i < n; i++)
		EXPECT_EQ(-EEXIST, kxp_ioctl(self->vm.vm_fd, KVM_CREATE_VCPU,
					     (void *)3L));
	usleep(200000);	/* the directory work would have run by now */
	EXPECT_EQ(dups + n, kxp_key_u64("stats", "duplicate_vcpu_ids"));
	EXPECT_EQ(1, kxp_key_u64("stats", "vcpus_tracked"));
	EXPECT_EQ(1, kxp_key_u64("stats", "vms_tracked"));
	EXPECT_EQ(entries, kxp_key_u64("stats", "debugfs_entries"));
	EXPECT_EQ(fails, kxp_key_u64("stats", "debugfs_failures"));
	EXPECT_EQ(stale, kxp_key_u64("stats", "stale_records"));
	EXPECT_EQ(0, kxp_key_u64("stats", "track_failures"));
	/* One row for id 3, with the original's data. */
	ASSERT_LT(0, kxp_read_file(KXP_DEBUGFS "/vcpus", vcpus, sizeof(vcpus)));
	snprintf(row, sizeof(row), "\n%s 3 ", self->vm.name);
	for (p = vcpus; (p = strstr(p, row)); p++)
		rows++;
	EXPECT_EQ(1, rows);
	EXPECT_EQ(1, kxp_vcpu_u64(&self->vcpu, "rejected_loads"));
	/* Still followed, in the same record. */
	ASSERT_EQ(-EINVAL, kxp_set_xsave(&self->vcpu, self->buf));
	EXPECT_EQ(2, kxp_vcpu_u64(&self->vcpu, "rejected_loads"));

	snprintf(vmdir, sizeof(vmdir), "%s/%s", KXP_DEBUGFS, self->vm.name);
	kxp_vcpu_destroy(&self->vcpu);
	kxp_vm_destroy(&self->vm);
	EXPECT_TRUE(kxp_wait_path(vmdir, false, 2000));
	EXPECT_EQ(0, kxp_key_u64("stats", "vcpus_tracked"));
	EXPECT_EQ(0, kxp_key_u64("stats", "vms_tracked"));
	EXPECT_EQ(0, kxp_key_u64("stats", "debugfs_entries"));
}

/* CPUs in a list such as "0-3,8" (/sys/devices/system/cpu/possible). */
static int count_cpus(const char *list)
{
	int n = 0, a, b, used;

	while (sscanf(list, "%d%n", &a, &used) == 1) {
		list += used;
		b = a;
		if (*list == '-' && sscanf(list + 1, "%d%n", &b, &used) == 1)
			list += 1 + used;
		n += b - a + 1;
		if (*list != ',')
			break;
		list++;
	}
	return n;
}

/*
 * The kretprobes' maxactive: by default 2 per possible CPU as the kernel
 * sizes it (register_kretprobe()), at least 128; a given value as given.
 */
TEST_F(reload, maxactive_follows_cpu_count)
{
	char possible[256];
	uint64_t want;

	ASSERT_LT(0, kxp_read_file("/sys/devices/system/cpu/possible",
				   possible, sizeof(possible)));
	possible[strcspn(possible, "\n")] = '\0';
	ASSERT_LT(0, count_cpus(possible));
	want = 2 * count_cpus(possible);
	if (want < 128)
		want = 128;
	ASSERT_EQ(0, kxp_module_unload());
	self->reload_defaults = true;
	ASSERT_EQ(0, kxp_module_load(NULL));
	TH_LOG("possible CPUs %s: maxactive %llu", possible,
	       (unsigned long long)want);
	EXPECT_EQ(want, kxp_key_u64("info", "maxactive"));

	ASSERT_EQ(0, kxp_module_unload());
	ASSERT_EQ(0, kxp_module_load("maxactive=300"));
	EXPECT_EQ(300, kxp_key_u64("info", "maxactive"));
	ASSERT_EQ(0, kxp_module_unload());
	EXPECT_EQ(-EINVAL, kxp_module_load("maxactive=65537"));
}

#define KPROBES_ENABLED "/sys/kernel/debug/kprobes/enabled"

/*
 * A vCPU destroyed while the kernel's kprobes are switched off (debugfs
 * kprobes/enabled, an administrator's switch) is a destroy the module
 * never sees: its record stays. A new vCPU that gets the same struct
 * kvm_vcpu memory must start afresh, not inherit it. On one CPU the slab
 * hands the freed vCPU back to one of the next allocations.
 */
TEST_F(reload, reused_vcpu_address_starts_afresh)
{
	struct kxp_vcpu b[16];
	struct kxp_vm vm_b;
	cpu_set_t one;
	int i, n, hold;

	if (!kxp_path_exists(KPROBES_ENABLED))
		SKIP(return, "no " KPROBES_ENABLED ": cannot hide a destroy");
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(one), &one));
	/* A stale record outlives the test: a fresh module before and after. */
	ASSERT_EQ(0, kxp_module_unload());
	self->reload_defaults = true;
	ASSERT_EQ(0, kxp_module_load(NULL));

	ASSERT_EQ(0, kxp_vm_create(&self->vm));
	ASSERT_EQ(0, kxp_vcpu_create(&self->vm, &self->vcpu, 0));
	kxp_xsave_fill(self->buf, X_FP | X_SSE | (1ULL << 60));
	ASSERT_EQ(-EINVAL, kxp_set_xsave(&self->vcpu, self->buf));
	ASSERT_TRUE(kxp_vcpu_wait_ready(&self->vcpu, 2000));
	ASSERT_EQ(1, kxp_vcpu_u64(&self->vcpu, "rejected_loads"));

	ASSERT_EQ(0, kxp_write_file(KPROBES_ENABLED, "0"));
	kxp_vcpu_destroy(&self->vcpu);
	kxp_vm_destroy(&self->vm);
	ASSERT_EQ(0, kxp_write_file(KPROBES_ENABLED, "1"));
	/* The destroy went unseen: the record is still there. */
	EXPECT_EQ(1, kxp_key_u64("stats", "vcpus_tracked"));
	EXPECT_EQ(0, kxp_key_u64("stats", "stale_records"));

	/* Another fd number: the new VM has another name. */
	hold = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, hold);
	ASSERT_EQ(0, kxp_vm_create(&vm_b));
	ASSERT_STRNE(self->vm.name, vm_b.name);
	for (n = 0; n < 16; n++)
		ASSERT_EQ(0, kxp_vcpu_create(&vm_b, &b[n], n + 1));
	/*
	 * One record more than vCPUs: the old one is still there, none of
	 * the new ones got its memory (whether the module spots the reuse or
	 * not, a reused address leaves one record per new vCPU).
	 */
	if (kxp_key_u64("stats", "vcpus_tracked") == n + 1) {
		for (i = 0; i < n; i++)
			kxp_vcpu_destroy(&b[i]);
		kxp_vm_destroy(&vm_b);
		close(hold);
		SKIP(return, "16 new vCPUs and none got the freed one's memory");
	}
	/* The old record is gone; every new vCPU has its own, fresh. */
	EXPECT_EQ(1, kxp_key_u64("stats", "stale_records"));
	EXPECT_EQ(n, kxp_key_u64("stats", "vcpus_tracked"));
	EXPECT_EQ(1, kxp_key_u64("stats", "vms_tracked"));
	EXPECT_TRUE(kxp_wait_path(self->vcpu.dir, false, 2000));
	for (i = 0; i < n; i++) {
		ASSERT_TRUE(kxp_vcpu_wait_ready(&b[i], 2000));
		EXPECT_EQ(0, kxp_vcpu_u64(&b[i], "rejected_loads"));
		EXPECT_EQ(0, kxp_vcpu_u64(&b[i], "set_xsave"));
		ASSERT_EQ(-EINVAL, kxp_set_xsave(&b[i], self->buf));
		EXPECT_EQ(1, kxp_vcpu_u64(&b[i], "rejected_loads"));
	}
	for (i = 0; i < n; i++)
		kxp_vcpu_destroy(&b[i]);
	kxp_vm_destroy(&vm_b);
	close(hold);
	EXPECT_TRUE(kxp_wait_path(b[0].dir, false, 2000));
	EXPECT_EQ(0, kxp_key_u64("stats", "vcpus_tracked"));
	EXPECT_EQ(0, kxp_key_u64("stats", "vms_tracked"));
}

/* These tests reload KVM's AMD module, the one this test bed has. */
#define NEED_KVM_AMD()							\
	do {								\
		if (!kxp_path_exists("/sys/module/kvm_amd"))		\
			SKIP(return, "kvm_amd is not loaded (an Intel host?): the test reloads it"); \
	} while (0)

static bool info_has(const char *line)
{
	char info[8192];

	return kxp_read_file(KXP_DEBUGFS "/info", info, sizeof(info)) > 0 &&
	       strstr(info, line);
}

TEST_F(reload, kvm_unloaded_and_loaded_again)
{
	NEED_KVM_AMD();
	/* kvm goes away under the module: its probes are dropped... */
	ASSERT_EQ(0, system("modprobe -r kvm_amd kvm"));
	EXPECT_TRUE(info_has("probe.kvm_arch_vcpu_ioctl: gone"));
	EXPECT_TRUE(info_has("probe.fpu_copy_uabi_to_guest_fpstate: armed"));
	/* ...and armed again when it comes back. */
	ASSERT_EQ(0, system("modprobe kvm_amd"));
	EXPECT_TRUE(info_has("probe.kvm_arch_vcpu_ioctl: armed"));
	EXPECT_TRUE(info_has("probe.kvm_arch_vcpu_destroy: armed"));

	ASSERT_EQ(0, kxp_vm_create(&self->vm));
	ASSERT_EQ(0, kxp_vcpu_create(&self->vm, &self->vcpu, 0));
	kxp_xsave_fill(self->buf, X_FP | X_SSE | (1ULL << 60));
	ASSERT_EQ(-EINVAL, kxp_set_xsave(&self->vcpu, self->buf));
	ASSERT_TRUE(kxp_vcpu_wait_ready(&self->vcpu, 2000));
	EXPECT_EQ(1, kxp_vcpu_u64(&self->vcpu, "rejected_loads"));
	kxp_vcpu_destroy(&self->vcpu);
	kxp_vm_destroy(&self->vm);
}

TEST_F(reload, module_loaded_before_kvm)
{
	NEED_KVM_AMD();
	ASSERT_EQ(0, kxp_module_unload());
	ASSERT_EQ(0, system("modprobe -r kvm_amd kvm"));
	ASSERT_EQ(0, kxp_module_load(NULL));
	EXPECT_TRUE(info_has("probe.kvm_arch_vcpu_ioctl: waiting"));
	ASSERT_EQ(0, system("modprobe kvm_amd"));
	EXPECT_TRUE(info_has("probe.kvm_arch_vcpu_ioctl: armed"));

	ASSERT_EQ(0, kxp_vm_create(&self->vm));
	ASSERT_EQ(0, kxp_vcpu_create(&self->vm, &self->vcpu, 2));
	/* Created after arming: tracked from creation, before any ioctl. */
	EXPECT_TRUE(kxp_vcpu_wait_ready(&self->vcpu, 2000));
	kxp_vcpu_destroy(&self->vcpu);
	kxp_vm_destroy(&self->vm);
}

TEST_HARNESS_MAIN
