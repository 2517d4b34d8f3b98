// SPDX-License-Identifier: GPL-2.0
/*
 * Which Debian package owns a file, and its installed version, asked of
 * dpkg-query (-S, then -W): dpkg's database is its private interface
 * (lintian: uses-dpkg-database-directly). dpkg-query runs from its fixed
 * path with a fixed argument vector, no shell, stdin on /dev/null, and
 * $DPKG_ADMINDIR passed through as dpkg itself honours it; the start of
 * its stderr goes into the error said.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kxp.h"

#define DPKG_QUERY		"/usr/bin/dpkg-query"
/* -S reads every .list: 0.1-0.3 s on a host, 10 s in the TCG test VM */
#define DPKG_QUERY_TIMEOUT_MS	60000
#define NR_CANDIDATES		2

/* A message, cut to fit @len (vsnprintf: no truncation warning). */
static __printf(3, 4) void say(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/*
 * The start of what @fd (a memfd) holds, on one line, into @out: dpkg's
 * errors take two lines ("parsing file ... package 'x':", then why).
 */
static void stderr_start(int fd, char *out, size_t len)
{
	ssize_t n = pread(fd, out, len - 1, 0);
	char *c;

	out[n > 0 ? n : 0] = '\0';
	for (c = out; *c; c++)
		if (*c == '\n')
			*c = ' ';
	/* "...:\n first ..." reads "...: first ..." */
	for (c = out; (c = strstr(c, "  "));)
		memmove(c, c + 1, strlen(c));
	kxp_strlcpy(out, kxp_trim(out), len);
}

/*
 * Run dpkg-query with @argv (argv[0] included); its stdout, cut to fit @out,
 * in @out, the start of its stderr in @stderr_line. Returns its exit
 * status, or -1 with @err said when it could not run, was killed or
 * outlived DPKG_QUERY_TIMEOUT_MS.
 */
static int dpkg_query(char *const argv[], char *out, size_t len,
		      char *stderr_line, size_t stderr_len, char *err,
		      size_t errlen)
{
	long long end = now_ms() + DPKG_QUERY_TIMEOUT_MS;
	int fds[2], efd, status, timed_out = 0;
	size_t used = 0;
	pid_t pid;

	stderr_line[0] = '\0';
	if (access(DPKG_QUERY, X_OK)) {
		say(err, errlen, "no %s (%s): not a dpkg system", DPKG_QUERY,
		    strerror(errno));
		return -1;
	}
	efd = memfd_create("dpkg-query-stderr", MFD_CLOEXEC);
	if (efd < 0) {
		say(err, errlen, "memfd_create: %s", strerror(errno));
		return -1;
	}
	if (pipe2(fds, O_CLOEXEC)) {
		say(err, errlen, "pipe: %s", strerror(errno));
		close(efd);
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		say(err, errlen, "fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		close(efd);
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		if (null < 0 || dup2(null, 0) < 0 || dup2(efd, 2) < 0 ||
		    dup2(fds[1], 1) < 0)
			_exit(127);
		execv(DPKG_QUERY, argv);
		_exit(127);
	}
	close(fds[1]);
	for (;;) {
		struct pollfd pfd = { .fd = fds[0], .events = POLLIN };
		long long left = end - now_ms();
		char buf[4096];
		ssize_t n;

		if (left <= 0) {
			timed_out = 1;
			break;
		}
		n = poll(&pfd, 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			timed_out = n == 0;
			break;
		}
		n = read(fds[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		/* Keep what fits; read the rest so that it can finish. */
		if (used + 1 < len) {
			size_t take = (size_t)n < len - 1 - used ?
				      (size_t)n : len - 1 - used;

			memcpy(out + used, buf, take);
			used += take;
		}
	}
	out[used] = '\0';
	close(fds[0]);
	if (timed_out)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	stderr_start(efd, stderr_line, stderr_len);
	close(efd);
	if (timed_out) {
		say(err, errlen, "%s %s: no answer in %d s", DPKG_QUERY, argv[1],
		    DPKG_QUERY_TIMEOUT_MS / 1000);
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) == 127) {
		say(err, errlen, "%s %s: did not run to its end", DPKG_QUERY,
		    argv[1]);
		return -1;
	}
	return WEXITSTATUS(status);
}

/* The top directories that /usr-merge turns into symlinks into /usr. */
static const char *const merged[] = {
	"bin/", "sbin/", "lib/", "lib32/", "lib64/", "libx32/",
};

/*
 * The other spelling of @path across /usr-merge (/usr/bin/X <-> /bin/X):
 * a package may list either, /proc/PID/exe always gives the /usr one.
 * Only when both resolve to the same file, so that on an unmerged system
 * /bin/X and /usr/bin/X stay two files.
 */
static int usr_merge_twin(const char *path, char *out, size_t len)
{
	char a[PATH_MAX], b[PATH_MAX];
	const char *rest = NULL;
	unsigned int i;
	int usr = !strncmp(path, "/usr/", 5);

	for (i = 0; i < KXP_ARRAY_SIZE(merged); i++)
		if (!strncmp(path + (usr ? 5 : 1), merged[i], strlen(merged[i])))
			rest = path + (usr ? 5 : 1);
	if (!rest)
		return -1;
	if ((size_t)snprintf(out, len, "%s%s", usr ? "/" : "/usr/", rest) >= len)
		return -1;
	if (!realpath(path, a) || !realpath(out, b) || strcmp(a, b))
		return -1;
	return 0;
}

/*
 * dpkg-query -S output @out: "pkg[:arch][, pkg...]: PATH" lines (and
 * "diversion by" ones). The first package of the line whose path is
 * exactly @path, into @name; -1 when there is none. @out is not changed,
 * so that it can be asked for each spelling.
 */
static int owner_of(const char *out, const char *path, char *name, size_t len)
{
	size_t plen = strlen(path);
	const char *line, *end;

	for (line = out; *line; line = *end ? end + 1 : end) {
		const char *sep;
		size_t n;

		end = line + strcspn(line, "\n");
		sep = memmem(line, end - line, ": ", 2);
		if (!sep || !strncmp(line, "diversion by ", 13) ||
		    (size_t)(end - sep - 2) != plen || memcmp(sep + 2, path, plen))
			continue;
		n = strcspn(line, ",");
		n = n < (size_t)(sep - line) ? n : (size_t)(sep - line);
		if (!n || n >= len)
			return -1;
		memcpy(name, line, n);
		name[n] = '\0';
		return 0;
	}
	return -1;
}

int kxp_dpkg_owner(const char *path, struct kxp_pkg *p)
{
	char cand[NR_CANDIDATES][PATH_MAX], out[8192], msg[256];
	char *argv[6] = { NULL };
	unsigned int i, n = 1;
	int rc;

	memset(p, 0, sizeof(*p));
	/* A pattern with these would not be matched as the path itself. */
	if (path[0] != '/' || strpbrk(path, "*?[]\\")) {
		say(p->err, sizeof(p->err),
		    "%s: not an absolute path dpkg-query -S matches literally",
		    path);
		return -1;
	}
	kxp_strlcpy(cand[0], path, sizeof(cand[0]));
	if (!usr_merge_twin(path, cand[1], sizeof(cand[1])))
		n++;
	argv[0] = "dpkg-query";
	argv[1] = "-S";
	argv[2] = "--";
	argv[3] = cand[0];
	argv[4] = n > 1 ? cand[1] : NULL;
	/* Both spellings in one call: each call reads every .list file. */
	rc = dpkg_query(argv, out, sizeof(out), msg, sizeof(msg), p->err,
			sizeof(p->err));
	if (rc < 0)
		return -1;
	/* 1: not every path was found; the others are still printed. */
	if (rc > 1) {
		say(p->err, sizeof(p->err), "%s -S %s: exit %d: %s", DPKG_QUERY,
		    path, rc, msg);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (!owner_of(out, cand[i], p->name, sizeof(p->name))) {
			kxp_strlcpy(p->listed_as, cand[i], sizeof(p->listed_as));
			return 0;
		}
	}
	say(p->err, sizeof(p->err), "no installed package lists %s%s%s", path,
	    n > 1 ? " or " : "", n > 1 ? cand[1] : "");
	return -1;
}

int kxp_dpkg_version(struct kxp_pkg *p)
{
	char *const argv[] = { "dpkg-query", "-W", "-f",
			       "${db:Status-Status} ${Version}\n", "--",
			       p->name, NULL };
	char out[512], msg[256], *sp;
	int rc;

	rc = dpkg_query(argv, out, sizeof(out), msg, sizeof(msg), p->err,
			sizeof(p->err));
	if (rc < 0)
		return -1;
	out[strcspn(out, "\n")] = '\0';
	sp = strchr(out, ' ');
	if (rc || !sp) {
		say(p->err, sizeof(p->err), "%s -W %s: exit %d: %s", DPKG_QUERY,
		    p->name, rc, msg);
		return -1;
	}
	*sp = '\0';
	/* A removed package keeps its config-files stanza and version. */
	if (strcmp(out, "installed") || !sp[1]) {
		say(p->err, sizeof(p->err), "%s is not installed (%s)", p->name,
		    out);
		return -1;
	}
	kxp_strlcpy(p->version, sp + 1, sizeof(p->version));
	return 0;
}
