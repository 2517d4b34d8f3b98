// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-xsave: command line, help and dispatch.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kxp.h"
#include "verdict.h"

enum cmd { C_STATUS, C_EVENTS, C_REPORT, C_HOST, C_COMPAT, C_PROM, C_HELP,
	   NR_CMDS };

/* Which options a command takes. */
#define O_JSON		1
#define O_FOLLOW	2
#define O_SINCE		4
#define O_OUTPUT	8
#define O_VM		16
#define O_PID		32
#define O_PROBLEMS	64
#define O_FILTER	(O_VM | O_PID | O_PROBLEMS)
#define O_TIME		128
#define O_VERBOSE	256
#define O_ALL		512
#define O_NFD		1024
#define O_MATRIX	2048
#define O_REDACT	4096

struct cmd_def {
	const char *name;
	unsigned int opts;
	const char *help;
};

static const struct cmd_def cmds[NR_CMDS] = {
	[C_STATUS] = { "status", O_JSON | O_FILTER | O_VERBOSE | O_ALL,
		"Usage: kvm-xsave [status] [-v] [--all] [--vm VM] [--pid PID] [--problems]\n"
		"                 [--json] [--color[=WHEN]]\n"
		"\n"
		"The host line (kernel, KVM-supported XCR0 decoded), module state and\n"
		"one row per vCPU: VM (<pid>-<fd>), vCPU id, VMM process name and\n"
		"pid, guest-supported XCR0, XCR0, rejected loads, trimmed GETs,\n"
		"stripped bits; the guest name (-name of the VMM) when known.\n"
		"Rows with an error or warning verdict start with '!' (red on a\n"
		"terminal) and are followed by one line per verdict: what failed,\n"
		"the verdict id and what it means (docs/verdicts.md), including\n"
		"rejected CR4 bits and VM exits after a refused state load.\n"
		"Informational verdicts (trims the contract requires, XFD strips)\n"
		"are counted in a footer. This is the default command.\n"
		"\n"
		"  -v, --verbose   add what to do under each verdict\n"
		"  --all           show informational verdicts too, with remedies\n"
		"  --vm VM         only the vCPUs of VM: KVM's <pid>-<fd>, or the\n"
		"                  guest name (-name guest=NAME of the VMM)\n"
		"  --pid PID       only the vCPUs of the VMM process PID\n"
		"  --problems      only the vCPUs with a problem (the '!' rows:\n"
		"                  an error or warning verdict)\n"
		"  -j, --json      one JSON document (docs/json.md)\n"
		"  --color[=WHEN]  never, always (also bare --color) or auto (a\n"
		"                  terminal; the default)\n"
	},
	[C_EVENTS] = { "events",
		O_JSON | O_FOLLOW | O_SINCE | O_FILTER | O_TIME | O_VERBOSE,
		"Usage: kvm-xsave events [-f] [-v] [--since SEQ] [--time=WHEN] [--vm VM]\n"
		"                        [--pid PID] [--problems] [--json]\n"
		"\n"
		"The module's event log, oldest first, decoded: rejected loads and\n"
		"XCR0s, trimmed GETs, XFD strips, CPUID changes, each with its\n"
		"verdict id in brackets (docs/verdicts.md). A gap in the sequence\n"
		"numbers is shown as \"N events dropped\" (ring overwritten or\n"
		"reset).\n"
		"\n"
		"  -v, --verbose   add each verdict's summary and what to do\n"
		"  -f, --follow    keep printing new events, like tail -f (polls\n"
		"                  every 200 ms); Ctrl-C ends it\n"
		"  --since SEQ     start at event SEQ (inclusive); older ones that\n"
		"                  are gone count as dropped\n"
		"  --time=WHEN     wall (local date and time, the default), mono\n"
		"                  (the module's CLOCK_MONOTONIC stamp) or iso\n"
		"                  (ISO 8601, ns and UTC offset); wall and iso are\n"
		"                  reconstructed from a clock pair read with the\n"
		"                  events (off by clock steps and suspend since)\n"
		"  --vm VM         only the events of VM: KVM's <pid>-<fd>, or\n"
		"                  the guest name (-name guest=NAME of the VMM)\n"
		"  --pid PID       only the events of the VMM process PID\n"
		"  --problems      only the events of vCPUs with a problem\n"
		"                  (the '!' rows of status)\n"
		"  -j, --json      one JSON document; with -f one JSON object per\n"
		"                  line (JSON Lines)\n"
	},
	[C_REPORT] = { "report", O_JSON | O_OUTPUT | O_REDACT,
		"Usage: kvm-xsave report [-o FILE] [--redact] [--json]\n"
		"\n"
		"A bug-report bundle: versions, kernel and command line, CPU model,\n"
		"microcode and XSAVE flags, CPUID leaf 0xD, host XCR0, KVM's\n"
		"supported CPUID leaf 0xD and KVM_CAP_XSAVE2 size, kvm/kvm_amd/\n"
		"kvm_intel parameters, the module's info, stats, vcpus and events,\n"
		"the VMM processes it has seen (pid, guest name, executable, its\n"
		"version from dpkg-query or else the binary's embedded version\n"
		"string, command line), and kernel\n"
		"log lines about kvm, xsave and fpu. Without the module it still\n"
		"collects the rest; its Missing section says what is missing and\n"
		"why. Run it as root.\n"
		"\n"
		"  -o, --output FILE  write to FILE instead of standard output\n"
		"  --redact           for public bug trackers: VMM command lines\n"
		"                     become [redacted-cmdline], the host name\n"
		"                     (uname's, up to its first dot, and a domain\n"
		"                     after it) becomes [redacted-host] wherever it\n"
		"                     stands as a word; guest names, paths and the\n"
		"                     kernel command line stay\n"
		"  -j, --json         one JSON document\n"
	},
	[C_HOST] = { "host", O_JSON | O_NFD,
		"Usage: kvm-xsave host [--json]\n"
		"       kvm-xsave host --nfd [DOC.json]\n"
		"\n"
		"What this host accepts, no module needed: CPU and XSAVE flags,\n"
		"CPUID leaf 0xD, host XCR0, and from /dev/kvm the KVM-supported\n"
		"XCR0 (decoded), the KVM_CAP_XSAVE2 buffer size and each feature's\n"
		"size and offset in the KVM_GET/SET_XSAVE buffer. Like QEMU, it\n"
		"first asks for permission to use dynamic features (AMX).\n"
		"Save `host --json` on two hosts and compare them with compat.\n"
		"\n"
		"Exit status: 0 success, 8 KVM unusable (/dev/kvm missing or no\n"
		"supported CPUID), 5 permission denied on /dev/kvm; the CPU part\n"
		"is printed anyway.\n"
		"\n"
		"  -j, --json      one JSON document\n"
		"  --nfd           node-feature-discovery labels (a features.d\n"
		"                  file): KVM-supported XCR0 and its features,\n"
		"                  the XSAVE2 size, trims-on-get and strips-xfd\n"
		"                  where the module tells; from DOC.json (host or\n"
		"                  report --json) instead of this host if given\n"
	},
	[C_COMPAT] = { "compat", O_JSON | O_MATRIX,
		"Usage: kvm-xsave compat SRC.json DST.json [--json]\n"
		"       kvm-xsave compat --matrix A.json B.json ... [--json]\n"
		"\n"
		"Migration pre-flight from two `kvm-xsave host --json` (or\n"
		"`report --json`) files: the xfeatures a guest on SRC may carry\n"
		"that DST's KVM refuses to load (SRC's KVM-supported XCR0 minus\n"
		"DST's), those whose state DST's KVM_CAP_XSAVE2 buffer cannot hold\n"
		"(trimmed), a bigger SRC state size and layout differences, then\n"
		"a verdict.\n"
		"\n"
		"SRC may also be the source's `status --json` (or `report --json`):\n"
		"then each of its live vCPUs is checked, the state its last GET\n"
		"returned against DST's KVM: host_lacks_exposed_feature or\n"
		"superfluous_state_refused (docs/verdicts.md).\n"
		"\n"
		"With --matrix, every ordered pair of two or more hosts: a table of\n"
		"which host can take VMs from which, then the refused or trimmed\n"
		"features of each incompatible pair.\n"
		"\n"
		"Exit status: 0 compatible (no VM refused; --matrix: every pair),\n"
		"1 incompatible (a VM refused), 2 error (unreadable or malformed\n"
		"input, or the output could not be written).\n"
		"\n"
		"  -j, --json      one JSON document\n"
		"  --matrix        all pairs of the files given\n"
	},
	[C_PROM] = { "prom", O_OUTPUT,
		"Usage: kvm-xsave prom [-o FILE]\n"
		"\n"
		"The module's counters in the Prometheus text format (metrics\n"
		"kvm_xsave_*, per-vCPU ones labelled vm, vcpu and comm) for\n"
		"node_exporter's textfile collector. When the module cannot be\n"
		"read it still writes kvm_xsave_up 0, and exits non-zero.\n"
		"\n"
		"  -o, --output FILE  write FILE atomically (temporary file and\n"
		"                     rename), e.g. in the collector's directory\n"
	},
	[C_HELP] = { "help", 0,
		"Usage: kvm-xsave help [COMMAND]\n"
	},
};

static const char usage[] =
	"Usage: kvm-xsave [OPTIONS] [COMMAND [ARGS]]\n"
	"\n"
	"Shows what the kvm_xsave_probe module saw of KVM's XSAVE uABI:\n"
	"rejected KVM_SET_XSAVE loads, trimmed GETs, stripped bits, XCR0s.\n"
	"\n"
	"Commands:\n"
	"  status                    one row per vCPU (the default)\n"
	"  events [-f] [--since SEQ] the event log, decoded; -f follows it\n"

	"  report [-o FILE] [--redact]  bug-report bundle (partly without\n"
	"                            module); --redact for public trackers\n"
	"  host [--nfd [DOC.json]]   what this host's CPU and KVM support\n"
	"  compat SRC.json DST.json  migration pre-flight from host --json\n"
	"  compat --matrix A.json B.json ...  the same for every pair\n"
	"  prom [-o FILE]            counters in Prometheus text format\n"
	"  help [COMMAND]            this text, or a command's\n"
	"\n"
	"Options:\n"
	"  -j, --json       JSON output (status, events, report, host, compat),\n"
	"                   indented; -p, --pretty the same (as bpftool's -p)\n"
	"  --compact        JSON output, each document on one line\n"
	"  --vm VM, --pid PID, --problems\n"
	"                   status, events: only the vCPUs of VM (<pid>-<fd>\n"
	"                   or guest name), of process PID, with a problem;\n"
	"                   or their events\n"
	"  --color[=WHEN]   never, always (also bare --color) or auto\n"
	"                   (default: auto)\n"
	"  -h, --help       help; `kvm-xsave COMMAND --help` for a command\n"
	"  -V, --version    print the version\n"
	"\n"
	"Environment:\n"
	"  KXP_DEBUGFS      the module's directory, default\n"
	"                   /sys/kernel/debug/kvm_xsave_probe\n"
	"  NO_COLOR         if set and not empty, --color=auto means never\n"
	"  DPKG_ADMINDIR    passed on to dpkg-query, which report asks for\n"
	"                   a VMM's package (dpkg's own variable)\n"
	"\n"
	"Exit status:\n"
	"  0  success (compat: compatible)\n"
	"  1  failure, such as a failed write (compat: incompatible)\n"
	"  2  usage or invalid input (compat: also a failed write)\n"
	"  3  module not loaded\n"
	"  4  debugfs not mounted\n"
	"  5  permission denied\n"
	"  6  EPERM (lockdown)\n"
	"  7  unknown debugfs format\n"
	"  8  KVM unavailable (host)\n"
	"\n"
	"See kvm-xsave(1).\n";

static int find_cmd(const char *name)
{
	int i;

	for (i = 0; i < NR_CMDS; i++)
		if (!strcmp(name, cmds[i].name))
			return i;
	return -1;
}

static __printf(1, 2) int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", kxp_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry `%s --help'.\n", kxp_prog);
	return KXP_EXIT_USAGE;
}

/* Characters a shell takes as they are. */
static const char shell_plain[] =
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=./,:+";

/* The command line, for hints such as "Run as root: sudo kvm-xsave ...". */
static void set_invocation(int argc, char **argv)
{
	size_t used = strlen(kxp_invocation);
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		int plain = a[0] && !a[strspn(a, shell_plain)];
		int n;

		/* Anything else in single quotes; a quote in it ends the hint. */
		if (!plain && strchr(a, '\''))
			break;
		n = snprintf(kxp_invocation + used, sizeof(kxp_invocation) - used,
			     plain ? " %s" : " '%s'", a);
		if (n < 0 || (size_t)n >= sizeof(kxp_invocation) - used) {
			kxp_invocation[used] = '\0';
			break;
		}
		used += n;
	}
}

/* The exit status after printing help or the version. */
static int written(void)
{
	return kxp_output_check(stdout, "standard output") ? KXP_EXIT_FAIL :
							     KXP_EXIT_OK;
}

static int help(const char *name)
{
	int c;

	if (!name) {
		fputs(usage, stdout);
		return written();
	}
	c = find_cmd(name);
	if (c < 0)
		return usage_error("no such command: %s", name);
	fputs(c == C_HELP ? usage : cmds[c].help, stdout);
	return written();
}

static int color_mode(const char *arg)
{
	const char *term = getenv("TERM");
	const char *no_color = getenv("NO_COLOR");

	if (!arg || !strcmp(arg, "always"))
		return 1;
	if (!strcmp(arg, "never"))
		return 0;
	if (!strcmp(arg, "auto"))
		/* no-color.org: only a non-empty value turns colour off. */
		return isatty(STDOUT_FILENO) && !(no_color && *no_color) &&
		       !(term && !strcmp(term, "dumb"));
	return -1;
}

enum {
	OPT_COLOR = 256, OPT_SINCE, OPT_VM, OPT_PID, OPT_PROBLEMS,
	OPT_TIME, OPT_COMPACT, OPT_ALL, OPT_NFD, OPT_MATRIX, OPT_REDACT,
};

static const struct option longopts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "pretty", no_argument, NULL, 'p' },
	{ "compact", no_argument, NULL, OPT_COMPACT },
	{ "color", optional_argument, NULL, OPT_COLOR },
	{ "colour", optional_argument, NULL, OPT_COLOR },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "follow", no_argument, NULL, 'f' },
	{ "since", required_argument, NULL, OPT_SINCE },
	{ "output", required_argument, NULL, 'o' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "all", no_argument, NULL, OPT_ALL },
	{ "nfd", no_argument, NULL, OPT_NFD },
	{ "matrix", no_argument, NULL, OPT_MATRIX },
	{ "redact", no_argument, NULL, OPT_REDACT },
	{ "vm", required_argument, NULL, OPT_VM },
	{ "pid", required_argument, NULL, OPT_PID },
	{ "problems", no_argument, NULL, OPT_PROBLEMS },
	{ "time", required_argument, NULL, OPT_TIME },
	{ NULL, 0, NULL, 0 },
};

static const char *const opt_names[] = {
	"-j/--json (or -p/--pretty, --compact)", "-f/--follow", "--since",
	"-o/--output", "--vm", "--pid",
	"--problems", "--time", "-v/--verbose", "--all", "--nfd", "--matrix",
	"--redact",
};

int main(int argc, char **argv)
{
	struct kxp_opts o = { 0 };
	unsigned int used = 0, i;
	int want_help = 0, c, cmd, nargs, named;
	const char *color = "auto";
	s64 pid;

	set_invocation(argc, argv);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hVfvo:jp", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o.json = 1;
			used |= O_JSON;
			break;
		case 'p':	/* bpftool's -p: pretty JSON, implies -j */
			o.json = 1;
			kxp_json_compact = 0;
			used |= O_JSON;
			break;
		case OPT_COMPACT:
			o.json = 1;
			kxp_json_compact = 1;
			used |= O_JSON;
			break;
		case OPT_COLOR:
			color = optarg;
			break;
		case 'h':
			want_help = 1;
			break;
		case 'V':
			printf("kvm-xsave %s (debugfs format %d, JSON schema %d)\n",
			       kxp_version, kxp_format_version(),
			       KXP_JSON_SCHEMA);
			return written();
		case 'f':
			o.follow = 1;
			used |= O_FOLLOW;
			break;
		case OPT_SINCE:
			if (kxp_parse_u64(optarg, 10, &o.since))
				return usage_error("--since needs a number, not '%s'",
						   optarg);
			o.have_since = 1;
			used |= O_SINCE;
			break;
		case 'o':
			o.output = optarg;
			used |= O_OUTPUT;
			break;
		case OPT_VM:
			o.filter.vm = optarg;
			used |= O_VM;
			break;
		case OPT_PID:
			if (kxp_parse_s64(optarg, &pid) || pid <= 0)
				return usage_error("--pid needs a process id, not '%s'",
						   optarg);
			o.filter.pid = pid;
			o.filter.have_pid = 1;
			used |= O_PID;
			break;
		case OPT_PROBLEMS:
			o.filter.problems = 1;
			used |= O_PROBLEMS;
			break;
		case OPT_TIME:
			c = kxp_time_mode_parse(optarg);
			if (c < 0)
				return usage_error("--time: wall, mono or iso, not '%s'",
						   optarg);
			kxp_time_mode = c;
			used |= O_TIME;
			break;
		case 'v':
			kxp_verbose = 1;
			used |= O_VERBOSE;
			break;
		case OPT_ALL:
			kxp_show_all = 1;
			used |= O_ALL;
			break;
		case OPT_NFD:
			used |= O_NFD;
			break;
		case OPT_MATRIX:
			used |= O_MATRIX;
			break;
		case OPT_REDACT:
			o.redact = 1;
			used |= O_REDACT;
			break;
		case ':':
			return usage_error("option %s needs an argument",
					   argv[optind - 1]);
		default:
			return usage_error("unknown option %s",
					   argv[optind - 1]);
		}
	}
	o.color = color_mode(color);
	if (o.color < 0)
		return usage_error("--color: never, always or auto, not '%s'",
				   color);
	kxp_use_color = o.color;

	named = optind < argc;
	cmd = named ? find_cmd(argv[optind]) : C_STATUS;
	if (cmd < 0)
		return usage_error("no such command: %s", argv[optind]);
	if (named)
		optind++;
	nargs = argc - optind;
	if (cmd == C_HELP)
		return help(nargs ? argv[optind] : NULL);
	if (want_help)
		return help(named ? cmds[cmd].name : NULL);
	for (i = 0; i < KXP_ARRAY_SIZE(opt_names); i++)
		if (used & ~cmds[cmd].opts & (1U << i))
			return usage_error("%s does not apply to %s",
					    opt_names[i], cmds[cmd].name);
	if (cmd == C_HOST && (used & O_NFD) && nargs <= 1) {
		if (used & O_JSON)
			return usage_error("%s", "--nfd and --json exclude each other");
		return kxp_cmd_host_nfd(nargs ? argv[optind] : NULL);
	}
	if (cmd == C_COMPAT && (used & O_MATRIX)) {
		if (nargs < 2)
			return usage_error("%s",
					   "compat --matrix needs two or more files");
		return kxp_cmd_compat_matrix(&o, argv + optind, nargs);
	}
	if (cmd != C_COMPAT && nargs)
		return usage_error("unexpected argument '%s'", argv[optind]);

	switch (cmd) {
	case C_STATUS:
		return kxp_cmd_status(&o);
	case C_EVENTS:
		return kxp_cmd_events(&o);
	case C_REPORT:
		return kxp_cmd_report(&o);
	case C_HOST:
		return kxp_cmd_host(&o);
	case C_COMPAT:
		if (nargs != 2)
			return usage_error("%s",
					   "compat needs two files: SRC.json DST.json");
		return kxp_cmd_compat(&o, argv[optind], argv[optind + 1]);
	case C_PROM:
		return kxp_cmd_prom(&o);
	}
	return KXP_EXIT_USAGE;
}
