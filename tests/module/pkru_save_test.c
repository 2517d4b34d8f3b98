// SPDX-License-Identifier: GPL-2.0
/* The source side of the PKRU migration: see pkru_migration.h. */
#include <fcntl.h>

#include "kxp_fixture.h"
#include "pkru_migration.h"

TEST_F(vcpu, save_state_with_pkru)
{
	const char *path = pkru_state_file();
	int fd;

	if (!path)
		SKIP(return, "KXP_STATE_FILE names no file to save into");
	if (!(kxp_supported_xcr0(&self->vm) & X_PKRU))
		SKIP(return, "this host's KVM has no PKRU: not a source");
	kxp_xsave_fill(self->buf, X_FP | X_SSE | X_PKRU);
	memcpy(self->buf + PKRU_OFFSET, &(uint32_t){ PKRU_VALUE }, 4);
	ASSERT_EQ(0, kxp_set_xsave(&self->vcpu, self->buf));
	ASSERT_EQ(0, kxp_get_xsave(&self->vcpu, self->buf, true));
	/* What the source hands to the destination has PKRU in use. */
	ASSERT_NE(0, *kxp_xstate_bv(self->buf) & X_PKRU);
	EXPECT_EQ(0, kxp_vcpu_u64(&self->vcpu, "trimmed_gets"));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(KXP_XSAVE_SIZE, write(fd, self->buf, KXP_XSAVE_SIZE));
	close(fd);
}

TEST_HARNESS_MAIN
