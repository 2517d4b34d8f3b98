// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-xsave: event times. The module stamps events with ktime_get_ns(),
 * CLOCK_MONOTONIC. Wall-clock time is reconstructed from a CLOCK_MONOTONIC/
 * CLOCK_REALTIME pair sampled when the events file is read:
 *
 *	wall = realtime - (monotonic - ts)
 *
 * which is off by any step of the wall clock since the event (NTP,
 * settimeofday) and by time spent in suspend, which CLOCK_MONOTONIC does
 * not count. `events --time=mono` shows the module's own stamp.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kxp.h"

#define NSEC_PER_SEC 1000000000LL

enum kxp_time kxp_time_mode = KXP_TIME_WALL;
struct kxp_clock kxp_read_clock;

/* "seconds.nanoseconds" (nine digits, as the module prints) to ns. */
int kxp_ts_parse(const char *ts, s64 *ns)
{
	const char *dot = strchr(ts, '.');
	char sec[24];
	u64 s, frac;

	if (!dot || dot == ts || (size_t)(dot - ts) >= sizeof(sec) ||
	    strlen(dot + 1) != 9)
		return -1;
	memcpy(sec, ts, dot - ts);
	sec[dot - ts] = '\0';
	if (kxp_parse_u64(sec, 10, &s) || s > 9000000000ULL ||
	    kxp_parse_u64(dot + 1, 10, &frac))
		return -1;
	*ns = (s64)s * NSEC_PER_SEC + (s64)frac;
	return 0;
}

static s64 ts_ns(const struct timespec *t)
{
	return (s64)t->tv_sec * NSEC_PER_SEC + t->tv_nsec;
}

/*
 * Both clocks, as close together as two calls get: the monotonic reading
 * is the middle of two around the realtime one. KXP_CLOCK="MONO REAL"
 * (seconds.nanoseconds each) replaces them, for the unit tests.
 */
void kxp_clock_sample(struct kxp_clock *c)
{
	const char *fake = getenv("KXP_CLOCK");
	struct timespec m1, r, m2;
	char mono[32], real[32];

	memset(c, 0, sizeof(*c));
	if (fake && *fake) {
		if (sscanf(fake, "%31s %31s", mono, real) == 2 &&
		    !kxp_ts_parse(mono, &c->mono_ns) &&
		    !kxp_ts_parse(real, &c->real_ns))
			c->have = 1;
		return;
	}
	if (clock_gettime(CLOCK_MONOTONIC, &m1) ||
	    clock_gettime(CLOCK_REALTIME, &r) ||
	    clock_gettime(CLOCK_MONOTONIC, &m2))
		return;
	c->mono_ns = ts_ns(&m1) + (ts_ns(&m2) - ts_ns(&m1)) / 2;
	c->real_ns = ts_ns(&r);
	c->have = 1;
}

/* "seconds.nanoseconds" of @ns (not negative). */
void kxp_fmt_ns(char *buf, size_t len, s64 ns)
{
	snprintf(buf, len, "%lld.%09lld", ns / NSEC_PER_SEC,
		 ns % NSEC_PER_SEC);
}

/* The reconstructed wall time of @ts, in ns since the epoch. */
static int wall_ns(const char *ts, s64 *out)
{
	s64 ns;

	if (!kxp_read_clock.have || kxp_ts_parse(ts, &ns))
		return -1;
	*out = kxp_read_clock.real_ns - (kxp_read_clock.mono_ns - ns);
	return *out >= 0 ? 0 : -1;
}

/* Local time: "2026-12-01 11:08:11.123456" or ISO 8601 with offset. */
static void fmt_wall(char *buf, size_t len, s64 ns, int iso)
{
	time_t sec = ns / NSEC_PER_SEC;
	char date[40], off[8];
	struct tm tm;

	if (!localtime_r(&sec, &tm)) {
		kxp_strlcpy(buf, "?", len);
		return;
	}
	strftime(date, sizeof(date), iso ? "%Y-%m-%dT%H:%M:%S" :
		 "%Y-%m-%d %H:%M:%S", &tm);
	if (!iso) {
		snprintf(buf, len, "%s.%06lld", date,
			 ns % NSEC_PER_SEC / 1000);
		return;
	}
	strftime(off, sizeof(off), "%z", &tm);	/* +0100 */
	snprintf(buf, len, "%s.%09lld%.3s:%s", date, ns % NSEC_PER_SEC, off,
		 off + 3);
}

/* The ISO 8601 wall time of @ts (JSON `wall`), or NULL. */
const char *kxp_ts_iso(const char *ts, char *buf, size_t len)
{
	s64 ns;

	if (wall_ns(ts, &ns))
		return NULL;
	fmt_wall(buf, len, ns, 1);
	return buf;
}

/* @ts as `events --time` asks; the module's stamp when it cannot. */
const char *kxp_ts_show(const char *ts, char *buf, size_t len)
{
	s64 ns;

	if (!*ts)
		return "-";
	if (kxp_time_mode == KXP_TIME_MONO || wall_ns(ts, &ns))
		return ts;
	fmt_wall(buf, len, ns, kxp_time_mode == KXP_TIME_ISO);
	return buf;
}

int kxp_time_mode_parse(const char *s)
{
	if (!strcmp(s, "wall"))
		return KXP_TIME_WALL;
	if (!strcmp(s, "mono"))
		return KXP_TIME_MONO;
	if (!strcmp(s, "iso"))
		return KXP_TIME_ISO;
	return -1;
}

/* The pair, as the report records it: {"monotonic", "realtime"}. */
void kxp_clock_json(struct jw *w, const char *key, const struct kxp_clock *c)
{
	char buf[32];

	if (!c->have) {
		jw_null(w, key);
		return;
	}
	jw_obj(w, key);
	kxp_fmt_ns(buf, sizeof(buf), c->mono_ns);
	jw_str(w, "monotonic", buf);
	kxp_fmt_ns(buf, sizeof(buf), c->real_ns);
	jw_str(w, "realtime", buf);
	jw_obj_end(w);
}
