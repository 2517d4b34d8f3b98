// SPDX-License-Identifier: GPL-2.0
/*
 * The debugfs files themselves: modes, reset semantics (only "1" at offset
 * 0 clears anything), reads at odd sizes and offsets, no kernel addresses.
 */
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

TEST_F(vcpu, file_modes_are_root_only)
{
	static const char *const ro[] = {
		"info", "stats", "vcpus", "events",
	};
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
	snprintf(path, sizeof(path), "%s/rejected_loads", self->vcpu.dir);
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_EQ(0400, st.st_mode & 07777);
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
	snprintf(path, sizeof(path), "%s/summary", self->vcpu.dir);
	ASSERT_LT(0, kxp_read_file(path, buf, sizeof(buf)));
	EXPECT_NE(0, regexec(&re, buf, 0, NULL, 0));
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
	char path[512], summary[512];
	struct stat mnt;
	unsigned int i;
	int status;
	pid_t pid;

	ASSERT_EQ(0, stat("/sys/kernel/debug", &mnt));
	ASSERT_EQ(0, mount(NULL, "/sys/kernel/debug", NULL, MS_REMOUNT,
			   "mode=0755"));
	snprintf(summary, sizeof(summary), "%s/summary", self->vcpu.dir);
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
		/* stdout and stderr closed: only the exit code matters. */
		close(1);
		close(2);
		execl("userspace/kvm-xsave", "kvm-xsave", "status", NULL);
		_exit(13);
	}
	waitpid(pid, &status, 0);
	snprintf(path, sizeof(path), "mode=%04o", mnt.st_mode & 07777);
	ASSERT_EQ(0, mount(NULL, "/sys/kernel/debug", NULL, MS_REMOUNT, path));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(5, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
