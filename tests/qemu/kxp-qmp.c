// SPDX-License-Identifier: GPL-2.0
/*
 * kxp-qmp: a minimal QMP client for the tests (no socat on the test hosts).
 *
 * Usage: kxp-qmp [-t SECONDS] SOCKET COMMAND...
 *
 * Connects to QEMU's QMP unix socket (waiting up to SECONDS, default 30,
 * for it to accept), negotiates capabilities, then sends each COMMAND in
 * turn and prints QEMU's answer to it on one line. A COMMAND is either a
 * JSON object ({"execute": ...}) or a bare command name without arguments
 * (stop, cont, query-status, inject-nmi). Asynchronous events are skipped.
 *
 * Exit: 0 every command returned, 1 a command got an error answer, 2 usage,
 * connection or protocol error.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static char buf[1 << 16];
static size_t buf_len;
static int timeout_ms = 30000;

static int now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One line from QEMU into line (NUL-terminated, without "\r\n"). */
static int read_line(int fd, char *line, size_t size)
{
	int deadline = now_ms() + timeout_ms;

	for (;;) {
		char *nl = memchr(buf, '\n', buf_len);
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;
		int left;

		if (nl) {
			size_t len = nl - buf;

			if (len >= size) {
				fprintf(stderr, "kxp-qmp: answer longer than %zu bytes\n", size);
				return -1;
			}
			memcpy(line, buf, len);
			line[len] = '\0';
			if (len && line[len - 1] == '\r')
				line[len - 1] = '\0';
			buf_len -= len + 1;
			memmove(buf, nl + 1, buf_len);
			return 0;
		}
		if (buf_len == sizeof(buf)) {
			fprintf(stderr, "kxp-qmp: answer too long\n");
			return -1;
		}
		left = deadline - now_ms();
		if (left <= 0 || poll(&p, 1, left) <= 0) {
			fprintf(stderr, "kxp-qmp: no answer within %d s\n", timeout_ms / 1000);
			return -1;
		}
		n = read(fd, buf + buf_len, sizeof(buf) - buf_len);
		if (n <= 0) {
			fprintf(stderr, "kxp-qmp: QEMU closed the socket\n");
			return -1;
		}
		buf_len += n;
	}
}

static int write_all(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t n = write(fd, s, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			perror("kxp-qmp: write");
			return -1;
		}
		s += n;
		len -= n;
	}
	return 0;
}

/* Send cmd, wait for its answer: 0 return, 1 error, -1 failure. */
static int execute(int fd, const char *cmd, int print)
{
	char msg[4096], line[sizeof(buf)];

	if (cmd[0] == '{')
		snprintf(msg, sizeof(msg), "%s\n", cmd);
	else
		snprintf(msg, sizeof(msg), "{\"execute\": \"%s\"}\n", cmd);
	if (write_all(fd, msg, strlen(msg)))
		return -1;
	for (;;) {
		if (read_line(fd, line, sizeof(line)))
			return -1;
		if (!strncmp(line, "{\"return\"", 9) || !strncmp(line, "{\"error\"", 8))
			break;
	}
	if (print && printf("%s\n", line) < 0) {
		perror("kxp-qmp: stdout");
		return -1;
	}
	return line[2] == 'e';
}

static int connect_socket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int deadline = now_ms() + timeout_ms;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "kxp-qmp: socket path too long: %s\n", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	for (;;) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0) {
			perror("kxp-qmp: socket");
			return -1;
		}
		if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
			return fd;
		close(fd);
		if (now_ms() >= deadline) {
			fprintf(stderr, "kxp-qmp: cannot connect to %s: %s\n", path,
				strerror(errno));
			return -1;
		}
		usleep(100000);
	}
}

int main(int argc, char **argv)
{
	char line[sizeof(buf)];
	int i = 1, fd, rc = 0;

	if (argc > 2 && !strcmp(argv[1], "-t")) {
		timeout_ms = atoi(argv[2]) * 1000;
		i = 3;
	}
	if (argc - i < 2 || timeout_ms <= 0) {
		fprintf(stderr, "usage: kxp-qmp [-t SECONDS] SOCKET COMMAND...\n");
		return 2;
	}
	fd = connect_socket(argv[i++]);
	if (fd < 0)
		return 2;
	/* The greeting, then capabilities negotiation. */
	if (read_line(fd, line, sizeof(line)) || strncmp(line, "{\"QMP\"", 6)) {
		fprintf(stderr, "kxp-qmp: no QMP greeting\n");
		return 2;
	}
	if (execute(fd, "qmp_capabilities", 0)) {
		fprintf(stderr, "kxp-qmp: qmp_capabilities refused\n");
		return 2;
	}
	for (; i < argc; i++) {
		int r = execute(fd, argv[i], 1);

		if (r < 0)
			return 2;
		if (r)
			rc = 1;
	}
	if (fflush(stdout)) {
		perror("kxp-qmp: stdout");
		return 2;
	}
	close(fd);
	return rc;
}
