// SPDX-License-Identifier: GPL-2.0
/*
 * Which Debian package owns a file, and its installed version, read from
 * the dpkg database itself (info/PKG.list and status), as dpkg-query -S and
 * -W would answer, without executing anything. The database is
 * $DPKG_ADMINDIR (dpkg's own variable) or /var/lib/dpkg.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "kxp.h"

#define DPKG_DEFAULT_ADMINDIR	"/var/lib/dpkg"
#define NR_CANDIDATES		2

/* A message, cut to fit @len (vsnprintf: no truncation warning). */
static __printf(3, 4) void say(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

static const char *admindir(void)
{
	const char *d = getenv("DPKG_ADMINDIR");

	return d && *d ? d : DPKG_DEFAULT_ADMINDIR;
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

/* Does PKG.list (open as @f) list one of @cand? Lines are paths. */
static int list_has(FILE *f, char cand[][PATH_MAX], unsigned int n)
{
	char line[PATH_MAX + 2];
	int fresh = 1;	/* at the start of a line */
	unsigned int i;

	while (fgets(line, sizeof(line), f)) {
		size_t l = strlen(line);
		int whole = l && line[l - 1] == '\n';

		if (whole)
			line[--l] = '\0';
		if (fresh && whole)
			for (i = 0; i < n; i++)
				if (!strcmp(line, cand[i]))
					return (int)i;
		fresh = whole;
	}
	return -1;
}

int kxp_dpkg_owner(const char *path, struct kxp_pkg *p)
{
	char cand[NR_CANDIDATES][PATH_MAX], dir[PATH_MAX], file[PATH_MAX];
	unsigned int n = 1;
	struct dirent *de;
	DIR *d;
	int hit = -1;

	memset(p, 0, sizeof(*p));
	kxp_strlcpy(cand[0], path, sizeof(cand[0]));
	if (!usr_merge_twin(path, cand[1], sizeof(cand[1])))
		n++;
	say(dir, sizeof(dir), "%s/info", admindir());
	d = opendir(dir);
	if (!d) {
		say(p->err, sizeof(p->err), "no dpkg database: %s: %s",
		    dir, strerror(errno));
		return -1;
	}
	while (hit < 0 && (de = readdir(d))) {
		size_t l = strlen(de->d_name);
		FILE *f;

		if (l <= 5 || strcmp(de->d_name + l - 5, ".list"))
			continue;
		if ((size_t)snprintf(file, sizeof(file), "%s/%s", dir,
				     de->d_name) >= sizeof(file))
			continue;
		f = fopen(file, "re");
		if (!f)
			continue;
		hit = list_has(f, cand, n);
		fclose(f);
		if (hit < 0)
			continue;
		/* "name.list" or, for Multi-Arch: same, "name:arch.list" */
		de->d_name[l - 5] = '\0';
		kxp_strlcpy(p->name, de->d_name, sizeof(p->name));
		kxp_strlcpy(p->listed_as, cand[hit], sizeof(p->listed_as));
	}
	closedir(d);
	if (hit < 0) {
		say(p->err, sizeof(p->err), "no package in %s lists %s%s%s",
		    admindir(), path, n > 1 ? " or " : "",
		    n > 1 ? cand[1] : "");
		return -1;
	}
	return 0;
}

/* "Field: value" of a status line into @out, when it is that field. */
static int field(char *line, const char *name, char *out, size_t len)
{
	size_t n = strlen(name);

	if (strncmp(line, name, n) || line[n] != ':')
		return 0;
	kxp_strlcpy(out, kxp_trim(line + n + 1), len);
	return 1;
}

/* One stanza's fields that matter here. */
struct stanza {
	char package[128];
	char arch[32];
	char status[64];
	char version[128];
};

static int stanza_is(const struct stanza *s, const char *name,
		     const char *arch)
{
	/* A removed package keeps a "deinstall ok config-files" stanza. */
	return !strcmp(s->package, name) && s->version[0] &&
	       (!arch || !strcmp(s->arch, arch)) &&
	       strstr(s->status, " installed");
}

int kxp_dpkg_version(struct kxp_pkg *p)
{
	char path[PATH_MAX], line[4096], name[128];
	const char *arch = NULL;
	struct stanza s = { 0 };
	int fresh = 1, found = 0;
	char *colon;
	FILE *f;

	kxp_strlcpy(name, p->name, sizeof(name));
	colon = strchr(name, ':');
	if (colon) {
		*colon = '\0';
		arch = colon + 1;
	}
	say(path, sizeof(path), "%s/status", admindir());
	f = fopen(path, "re");
	if (!f) {
		say(p->err, sizeof(p->err), "%s: %s", path, strerror(errno));
		return -1;
	}
	while (!found && fgets(line, sizeof(line), f)) {
		size_t l = strlen(line);
		int whole = l && line[l - 1] == '\n';

		if (!fresh) {		/* the rest of a longer line */
			fresh = whole;
			continue;
		}
		fresh = whole;
		if (line[0] == '\n') {	/* the end of a stanza */
			found = stanza_is(&s, name, arch);
			if (!found)
				memset(&s, 0, sizeof(s));
			continue;
		}
		if (!field(line, "Package", s.package, sizeof(s.package)) &&
		    !field(line, "Architecture", s.arch, sizeof(s.arch)) &&
		    !field(line, "Status", s.status, sizeof(s.status)))
			field(line, "Version", s.version, sizeof(s.version));
	}
	if (!found)
		found = stanza_is(&s, name, arch);	/* no blank line at the end */
	fclose(f);
	if (!found) {
		say(p->err, sizeof(p->err), "%s lists no installed %s", path,
		    p->name);
		return -1;
	}
	kxp_strlcpy(p->version, s.version, sizeof(p->version));
	return 0;
}
