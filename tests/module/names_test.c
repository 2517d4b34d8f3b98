// SPDX-License-Identifier: GPL-2.0
/*
 * Who called, as operators know it: `comm` is the process (the thread
 * group leader's comm, what ps shows), `tid`/`thread_comm` the thread that
 * issued the ioctl, in the VM's summary and the event line, when that
 * thread is not the main one (QEMU's "CPU 0/KVM").
 */
#include "kxp_fixture.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

struct caller {
	struct kxp_vcpu *vcpu;
	int ret;
	pid_t tid;
};

/* A refused KVM_SET_XCRS (flags 1) is always an event. */
static void *call_from_thread(void *arg)
{
	struct caller *c = arg;
	struct kvm_xcrs x = { .nr_xcrs = 1, .flags = 1 };

	prctl(PR_SET_NAME, "kxp caller=1");
	c->tid = syscall(SYS_gettid);
	c->ret = kxp_ioctl(c->vcpu->fd, KVM_SET_XCRS, &x);
	return NULL;
}

/* The value of "KEY: " in @text, up to the end of its line. */
static void line_value(const char *text, const char *key, char *out,
		       size_t len)
{
	const char *p = strstr(text, key);
	size_t n;

	out[0] = '\0';
	if (!p)
		return;
	p += strlen(key);
	n = strcspn(p, "\n");
	snprintf(out, len, "%.*s", (int)n, p);
}

TEST_F(vcpu, process_and_thread)
{
	static char buf[1 << 20];
	char proc[17] = "", want[64], got[64], *line, *last = NULL;
	struct caller c = { .vcpu = &self->vcpu };
	pthread_t t;

	prctl(PR_GET_NAME, proc);
	ASSERT_EQ(0, pthread_create(&t, NULL, call_from_thread, &c));
	ASSERT_EQ(0, pthread_join(t, NULL));
	ASSERT_EQ(-EINVAL, c.ret);

	ASSERT_EQ(0, kxp_vcpu_str(&self->vcpu, "summary", buf, sizeof(buf)));
	line_value(buf, "\ncomm: ", got, sizeof(got));
	EXPECT_STREQ(proc, got);
	line_value(buf, "\nthread_comm: ", got, sizeof(got));
	/* Space and '=' sanitized to '?'. */
	EXPECT_STREQ("kxp?caller?1", got);
	line_value(buf, "\ntid: ", got, sizeof(got));
	snprintf(want, sizeof(want), "%d", c.tid);
	EXPECT_STREQ(want, got);

	ASSERT_LT(0, kxp_read_file(KXP_DEBUGFS "/events", buf, sizeof(buf)));
	snprintf(want, sizeof(want), " vm=%s ", self->vm.name);
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		if (strstr(line, want) && strstr(line, " op=set_xcrs "))
			last = line;
	ASSERT_NE(NULL, last);
	snprintf(want, sizeof(want), " comm=%s ", proc);
	EXPECT_NE(NULL, strstr(last, want)) TH_LOG("%s", last);
	snprintf(want, sizeof(want), " tid=%d ", c.tid);
	EXPECT_NE(NULL, strstr(last, want)) TH_LOG("%s", last);
	EXPECT_NE(NULL, strstr(last, " thread_comm=kxp?caller?1")) TH_LOG("%s", last);
}

TEST_HARNESS_MAIN
