// SPDX-License-Identifier: GPL-2.0
/*
 * The guest name a VMM was started with, as operators know the VM: QEMU's
 * `-name guest=NAME,...` or `-name NAME` (libvirt passes the first), read
 * from /proc/PID/cmdline. Nothing else of the command line is kept.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kxp.h"

/* NAME from a -name argument: "guest=NAME,opt=..." or "NAME[,opt=...]". */
static int name_of(const char *arg, char *out, size_t len)
{
	const char *p = arg, *v = NULL;
	size_t n;

	while (*p) {
		n = strcspn(p, ",");

		if (!strncmp(p, "guest=", 6))
			v = p + 6;
		else if (!v && p == arg && !memchr(p, '=', n))
			v = p;
		p += n;
		if (*p)
			p++;
	}
	if (!v)
		return -1;
	n = strcspn(v, ",");
	if (n >= len)
		n = len - 1;
	memcpy(out, v, n);
	out[n] = '\0';
	return n ? 0 : -1;
}

int kxp_guest_name(long pid, char *out, size_t len)
{
	char path[64], buf[8192];
	size_t have = 0;
	ssize_t n;
	char *p;
	int fd;

	if (pid <= 0 || len < 2)
		return -1;
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while (have < sizeof(buf) - 1 &&
	       (n = read(fd, buf + have, sizeof(buf) - 1 - have)) > 0)
		have += n;
	close(fd);
	buf[have] = '\0';
	for (p = buf; p < buf + have; p += strlen(p) + 1) {
		if (strcmp(p, "-name") && strcmp(p, "--name"))
			continue;
		p += strlen(p) + 1;
		return p < buf + have ? name_of(p, out, len) : -1;
	}
	return -1;
}
