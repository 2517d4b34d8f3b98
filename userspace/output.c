// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-xsave: the last word on an output stream. stdio reports a failed
 * write only through the stream's error flag or a later flush, so every
 * command ends its output here: one message, and the caller exits with
 * the write-failure code of kvm-xsave(1).
 */
#include <errno.h>
#include <string.h>

#include "kxp.h"

/* Why the last failed kxp_flush() failed, for the message. */
static int flush_errno;

/* A flush in the middle of the output: its error is told at the end. */
void kxp_flush(FILE *f)
{
	if (fflush(f))
		flush_errno = errno;
}

/* Flushes @f and checks its error flag; -1 after one message. */
int kxp_output_check(FILE *f, const char *what)
{
	int err = 0;

	if (fflush(f))
		err = errno;
	if (!err && ferror(f))
		err = flush_errno;
	if (!err && !ferror(f))
		return 0;
	if (err)
		kxp_error("cannot write %s: %s", what, strerror(err));
	else
		kxp_error("cannot write %s: a write failed", what);
	return -1;
}

/* The same for a file opened for -o, which is closed in any case. */
int kxp_output_close(FILE *f, const char *what)
{
	int ret = kxp_output_check(f, what);

	if (fclose(f) && !ret) {
		kxp_error("cannot write %s: %s", what, strerror(errno));
		ret = -1;
	}
	return ret;
}
