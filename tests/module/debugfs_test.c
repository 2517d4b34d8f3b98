// SPDX-License-Identifier: GPL-2.0
/*
 * The debugfs files themselves: modes, reset semantics (only "1" at offset
 * 0 clears anything), reads at odd sizes and offsets, no kernel addresses,
 * the layout: one `summary` per VM by default, per-vCPU files only for
 * vCPUs tracked while vcpu_files=1.
 */
#include <dirent.h>
#include <fcntl.h>
#include <regex.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "kxp_fixture.h"

static int write_reset(const char *data, size_t len, off_t off)
{
	int fd = open(KXP_DEBUGFS "/reset", O_WRONLY), r;

	if (fd < 0)
		return -errno;
	r = pwrite(fd, data, len, off) < 0 ? -errno : 0;
	close(fd);
	return r;
}

/*
 * A second vCPU (id @id) of the fixture's VM, tracked while vcpu_files was
 * @files; the parameter is back to 0 afterwards.
 */
static int vcpu_tracked_with(struct kxp_vm *vm, struct kxp_vcpu *v, int id,
			     bool files)
{
	int r = kxp_set_vcpu_files(files);

	if (r < 0)
		return r;
	r = kxp_vcpu_create(vm, v, id);
	if (!r && !kxp_vcpu_wait_ready(v, 2000))
		r = -ETIMEDOUT;
	kxp_set_vcpu_files(false);
	return r;
}

/* Entries of @dir, "." and ".." aside; -1 when it cannot be opened. */
static int nr_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return n;
}

TEST_F(vcpu, default_layout_is_one_summary_per_vm)
{
	char vmdir[256], info[8192], sum[1 << 14], *a, *b;
	struct kxp_vcpu third;

	ASSERT_LT(0, kxp_read_file(KXP_DEBUGFS "/info", info, sizeof(info)));
	ASSERT_NE(NULL, strstr(info, "\nvcpu_files: 0\n"));
	ASSERT_EQ(0, vcpu_tracked_with(&self->vm, &third, 3, false));
	kxp_xsave_fill(self->buf, X_FP | X_SSE | (1ULL << 60));
	ASSERT_EQ(-EINVAL, kxp_set_xsave(&third, self->buf));

	/* No per-vCPU entry at all: the VM's directory has its summary. */
	snprintf(vmdir, sizeof(vmdir), "%s/%s", KXP_DEBUGFS, self->vm.name);
	EXPECT_EQ(1, nr_entries(vmdir));
	EXPECT_FALSE(kxp_path_exists(self->vcpu.dir));
	EXPECT_FALSE(kxp_path_exists(third.dir));

	/* Both vCPUs, by id, a blank line between, each with its values. */
	snprintf(vmdir + strlen(vmdir), sizeof(vmdir) - strlen(vmdir),
		 "/summary");
	ASSERT_LT(0, kxp_read_file(vmdir, sum, sizeof(sum)));
	a = strstr(sum, "\nvcpu: 0\n");
	b = strstr(sum, "\n\nvm: ");
	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	EXPECT_LT(a, b);
	EXPECT_NE(NULL, strstr(b, "\nvcpu: 3\n"));
	EXPECT_NE(NULL, strstr(b, "\nrejected_loads: 1\n"));
	EXPECT_NE(NULL, strstr(b, "\nlast_reject_reason: unsupported\n"));
	EXPECT_EQ(0, kxp_vcpu_u64(&self->vcpu, "rejected_loads"));
	EXPECT_EQ(1, kxp_vcpu_u64(&third, "rejected_loads"));
	kxp_vcpu_destroy(&third);
}

/* vcpu_files=1 is read when a vCPU is tracked, not when it is set. */
TEST_F(vcpu, vcpu_files_only_for_vcpus_tracked_with_it)
{
	char file[512], block[8192], one[8192];
	struct kxp_vcpu with, without;

	ASSERT_EQ(0, vcpu_tracked_with(&self->vm, &with, 1, true));
	ASSERT_EQ(0, vcpu_tracked_with(&self->vm, &without, 2, false));
	kxp_xsave_fill(self->buf, X_FP | X_SSE | (1ULL << 60));
	ASSERT_EQ(-EINVAL, kxp_set_xsave(&with, self->buf));

	/* Every value file and the summary, nothing else. */
	EXPECT_EQ(26, nr_entries(with.dir));
	EXPECT_FALSE(kxp_path_exists(without.dir));
	EXPECT_FALSE(kxp_path_exists(self->vcpu.dir));
	snprintf(file, sizeof(file), "%s/rejected_loads", with.dir);
	ASSERT_LT(0, kxp_read_file(file, one, sizeof(one)));
	EXPECT_STREQ("1\n", one);
	snprintf(file, sizeof(file), "%s/last_rejected_bits", with.dir);
	ASSERT_LT(0, kxp_read_file(file, one, sizeof(one)));
	EXPECT_STREQ("0x1000000000000000\n", one);
	/* Its summary is its block of the VM's. */
	snprintf(file, sizeof(file), "%s/summary", with.dir);
	ASSERT_LT(0, kxp_read_file(file, one, sizeof(one)));
	ASSERT_EQ(0, kxp_vcpu_str(&with, "summary", block, sizeof(block)));
	EXPECT_STREQ(block, one);
	kxp_vcpu_destroy(&without);
	kxp_vcpu_destroy(&with);
}

TEST_F(vcpu, file_modes_are_root_only)
{
	static const char *const ro[] = {
		"info", "stats", "vcpus", "events",
	};
	struct kxp_vcpu fv;
	char path[512];
	struct stat st;
	unsigned int i;

	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", KXP_DEBUGFS, ro[i]);
		ASSERT_EQ(0, stat(path, &st));
		EXPECT_EQ(0400, st.st_mode & 07777);
	}
	ASSERT_EQ(0, stat(KXP_DEBUGFS "/reset", &st));
	EXPECT_EQ(0200, st.st_mode & 07777);
	kxp_vm_summary_path(&self->vm, path, sizeof(path));
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_EQ(0400, st.st_mode & 07777);
	ASSERT_EQ(0, vcpu_tracked_with(&self->vm, &fv, 1, true));
	snprintf(path, sizeof(path), "%s/rejected_loads", fv.dir);
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_EQ(0400, st.st_mode & 07777);
	kxp_vcpu_destroy(&fv);
}

TEST_F(vcpu, bad_reset_writes_change_nothing)
{
	static const char *const bad[] = { "0", "2", "11", "1 ", "x", "\n" };
	unsigned int i;

	kxp_xsave_fill(self->buf, X_FP | X_SSE | (1ULL << 60));
	ASSERT_EQ(-EINVAL, kxp_set_xsave(&self->vcpu, self->buf));
	for (i = 0; i < 6; i++)
		EXPECT_EQ(-EINVAL, write_reset(bad[i], strlen(bad[i]), 0));
	EXPECT_EQ(-EINVAL, write_reset("1", 1, 1));
	EXPECT_EQ(-EINVAL, write_reset("1\n\n", 3, 0));
	EXPECT_EQ(1, kxp_vcpu_u64(&self->vcpu, "rejected_loads"));
	EXPECT_EQ(1, kxp_count_events(&self->vcpu, "set_xsave", NULL));

	ASSERT_EQ(0, write_reset("1\n", 2, 0));
	EXPECT_EQ(0, kxp_vcpu_u64(&self->vcpu, "rejected_loads"));
	EXPECT_EQ(0, kxp_count_events(&self->vcpu, "set_xsave", NULL));
	EXPECT_EQ(0, kxp_key_u64("stats", "events_total"));
	/* Masks are live state, not counters: they survive a reset. */
	EXPECT_NE(0, kxp_vcpu_u64(&self->vcpu, "guest_supported_xcr0"));
}

TEST_F(vcpu, reads_at_any_size_and_offset)
{
	char whole[4096], part[4096];
	int fd, n, total = 0;
	ssize_t r;

	n = kxp_read_file(KXP_DEBUGFS "/info", whole, sizeof(whole));
	ASSERT_GT(n, 100);
	fd = open(KXP_DEBUGFS "/info", O_RDONLY);
	ASSERT_LE(0, fd);
	while ((r = read(fd, part + total, 7)) > 0)
		total += r;
	EXPECT_EQ(n, total);
	EXPECT_EQ(0, memcmp(whole, part, n));
	EXPECT_EQ(10, pread(fd, part, 10, 20));
	EXPECT_EQ(0, memcmp(whole + 20, part, 10));
	close(fd);
}

TEST_F(vcpu, no_kernel_addresses)
{
	static const char *const files[] = {
		"info", "stats", "vcpus", "events",
	};
	static char buf[1 << 20];
	struct kxp_vcpu fv;
	regex_t re;
	unsigned int i;
	char path[512];

	/* A kernel address printed in hex starts with ffff8 or ffffff. */
	ASSERT_EQ(0, regcomp(&re, "ffff[89a-f][0-9a-f]{11}", REG_EXTENDED |
			     REG_ICASE | REG_NOSUB));
	kxp_xsave_fill(self->buf, X_FP | X_SSE | (1ULL << 60));
	ASSERT_EQ(-EINVAL, kxp_set_xsave(&self->vcpu, self->buf));
	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", KXP_DEBUGFS, files[i]);
		ASSERT_LT(0, kxp_read_file(path, buf, sizeof(buf)));
		EXPECT_NE(0, regexec(&re, buf, 0, NULL, 0))
			TH_LOG("%s: %s", files[i], buf);
	}
	kxp_vm_summary_path(&self->vm, path, sizeof(path));
	ASSERT_LT(0, kxp_read_file(path, buf, sizeof(buf)));
	EXPECT_NE(0, regexec(&re, buf, 0, NULL, 0));
	ASSERT_EQ(0, vcpu_tracked_with(&self->vm, &fv, 1, true));
	snprintf(path, sizeof(path), "%s/summary", fv.dir);
	ASSERT_LT(0, kxp_read_file(path, buf, sizeof(buf)));
	EXPECT_NE(0, regexec(&re, buf, 0, NULL, 0));
	kxp_vcpu_destroy(&fv);
	regfree(&re);
}

/* 0 when user nobody cannot open @path with @flags (EACCES). */
static int nobody_refused(const char *path, int flags)
{
	int fd = open(path, flags);

	if (fd >= 0) {
		close(fd);
		return 1;
	}
	return errno == EACCES ? 0 : 2;
}

/*
 * As user nobody: no file opens, and the reader says why (exit 5). With
 * debugfs mounted 0700 nobody would stop at the mount point, so it is
 * remounted 0755 for the test: the files' own modes must refuse.
 */
TEST_F(vcpu, non_root_is_refused)
{
	static const char *const files[] = {
		"info", "stats", "vcpus", "events", "reset",
	};
	char path[512], summary[512], vm_summary[512];
	struct kxp_vcpu fv;
	struct stat mnt;
	unsigned int i;
	int status;
	pid_t pid;

	ASSERT_EQ(0, stat("/sys/kernel/debug", &mnt));
	ASSERT_EQ(0, mount(NULL, "/sys/kernel/debug", NULL, MS_REMOUNT,
			   "mode=0755"));
	ASSERT_EQ(0, vcpu_tracked_with(&self->vm, &fv, 1, true));
	snprintf(summary, sizeof(summary), "%s/summary", fv.dir);
	kxp_vm_summary_path(&self->vm, vm_summary, sizeof(vm_summary));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(10);
		for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
			snprintf(path, sizeof(path), "%s/%s", KXP_DEBUGFS,
				 files[i]);
			if (nobody_refused(path, i == 4 ? O_WRONLY : O_RDONLY))
				_exit(20 + i);
		}
		if (nobody_refused(summary, O_RDONLY))
			_exit(30);
		if (nobody_refused(vm_summary, O_RDONLY))
			_exit(31);
		/* stdout and stderr closed: only the exit code matters. */
		close(1);
		close(2);
		execl("userspace/kvm-xsave", "kvm-xsave", "status", NULL);
		_exit(13);
	}
	waitpid(pid, &status, 0);
	snprintf(path, sizeof(path), "mode=%04o", mnt.st_mode & 07777);
	ASSERT_EQ(0, mount(NULL, "/sys/kernel/debug", NULL, MS_REMOUNT, path));
	kxp_vcpu_destroy(&fv);
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(5, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
