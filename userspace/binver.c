// SPDX-License-Identifier: GPL-2.0
/*
 * A VMM's version from the version string its binary carries, found by
 * reading the file (never by running it). QEMU's `--version` text is a
 * string constant: "QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-...)".
 * The file is read in chunks of KXP_BINVER_CHUNK bytes, at most
 * KXP_BINVER_CAP bytes in all (qemu-system-x86_64 7.2 is 18 MB, its string
 * at 10.9 MB).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kxp.h"

/* The strings known to precede a version. Others can be added here. */
static const char *const markers[] = {
	"QEMU emulator version ",
};

#define MARKER_MAX	32
#define TAIL		(MARKER_MAX + KXP_BINVER_MAX)

/* The version at @v (up to NUL, newline or KXP_BINVER_MAX bytes). */
static void take(const char *v, size_t avail, char *out, size_t len)
{
	size_t n = 0;

	while (n < avail && n < KXP_BINVER_MAX && n + 1 < len &&
	       v[n] >= 0x20 && v[n] < 0x7f)
		n++;
	memcpy(out, v, n);
	out[n] = '\0';
	kxp_trim(out);
}

/*
 * A match is only taken when the whole version after it is in the
 * buffer: one that starts in the last TAIL bytes is found again in the
 * next round, which keeps those bytes in front of the next chunk.
 */
static int scan(const char *buf, size_t total, int eof, char *out,
		size_t len)
{
	size_t limit = eof ? total : total > TAIL ? total - TAIL : 0;
	unsigned int i;

	for (i = 0; i < KXP_ARRAY_SIZE(markers); i++) {
		size_t ml = strlen(markers[i]);
		const char *m = memmem(buf, total, markers[i], ml);

		if (!m || (size_t)(m - buf) >= limit)
			continue;
		take(m + ml, total - (m - buf) - ml, out, len);
		if (out[0])
			return 0;
	}
	return -1;
}

int kxp_binary_version(const char *path, size_t cap, char *out, size_t len,
		       char *err, size_t errlen)
{
	size_t keep = 0, done = 0;
	int fd, ret = -1, eof = 0;
	char *buf;

	out[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	buf = malloc(KXP_BINVER_CHUNK + TAIL);
	if (!buf) {
		snprintf(err, errlen, "out of memory");
		close(fd);
		return -1;
	}
	while (!eof) {
		size_t want = KXP_BINVER_CHUNK;
		ssize_t n;

		if (want > cap - done)
			want = cap - done;
		n = want ? read(fd, buf + keep, want) : 0;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			break;
		}
		done += n;
		eof = !n || done >= cap;
		if (!scan(buf, keep + n, eof, out, len)) {
			ret = 0;
			break;
		}
		if (eof) {
			if (done >= cap && !(cap & ((1 << 20) - 1)))
				snprintf(err, errlen,
					 "no known version string in the first %zu MiB of %s (the cap)",
					 cap >> 20, path);
			else if (done >= cap)
				snprintf(err, errlen,
					 "no known version string in the first %zu bytes of %s (the cap)",
					 cap, path);
			else
				snprintf(err, errlen,
					 "no known version string in %s", path);
			break;
		}
		keep += n;
		if (keep > TAIL) {
			memmove(buf, buf + keep - TAIL, TAIL);
			keep = TAIL;
		}
	}
	free(buf);
	close(fd);
	return ret;
}
