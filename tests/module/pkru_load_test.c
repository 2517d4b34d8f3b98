// SPDX-License-Identifier: GPL-2.0
/*
 * The destination side of the PKRU migration (see pkru_migration.h): a
 * host without PKU refuses the saved state, and the module names pkru.
 */
#include <fcntl.h>

#include "kxp_fixture.h"
#include "pkru_migration.h"

TEST_F(vcpu, load_refused_names_pkru)
{
	const char *path = pkru_state_file();
	uint64_t saved_bv;
	struct kxp_ev ev;
	int fd;

	if (!path)
		SKIP(return, "KXP_STATE_FILE names no saved state");
	fd = open(path, O_RDONLY);
	if (fd < 0)
		SKIP(return, "no state saved by the source run at %s", path);
	ASSERT_EQ(KXP_XSAVE_SIZE, read(fd, self->buf, KXP_XSAVE_SIZE));
	close(fd);
	/* This must be the -pku host: anything else is a harness bug. */
	ASSERT_EQ(0, kxp_supported_xcr0(&self->vm) & X_PKRU);

	saved_bv = *kxp_xstate_bv(self->buf);
	ASSERT_NE(0, saved_bv & X_PKRU);
	ASSERT_EQ(-EINVAL, kxp_set_xsave(&self->vcpu, self->buf));
	EXPECT_EQ(X_PKRU, kxp_vcpu_u64(&self->vcpu, "last_rejected_bits"));
	ASSERT_EQ(0, kxp_last_event(&self->vcpu, "set_xsave", "unsupported",
				    &ev));
	EXPECT_EQ(X_PKRU, ev.bits);
	EXPECT_STREQ("pkru", ev.names);
	EXPECT_EQ(saved_bv, ev.xstate_bv);
	EXPECT_EQ(kxp_supported_xcr0(&self->vm), ev.mask);
}

TEST_HARNESS_MAIN
