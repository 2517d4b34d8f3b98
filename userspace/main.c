// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-xsave: command line, help and dispatch.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kxp.h"

enum cmd { C_STATUS, C_EVENTS, C_REPORT, C_HOST, C_COMPAT, C_PROM, C_HELP,
	   NR_CMDS };

/* Which options a command takes. */
#define O_JSON		1
#define O_FOLLOW	2
#define O_SINCE		4
#define O_OUTPUT	8

struct cmd_def {
	const char *name;
	unsigned int opts;
	const char *help;
};

static const struct cmd_def cmds[NR_CMDS] = {
	[C_STATUS] = { "status", O_JSON,
		"Usage: kvm-xsave [status] [--json] [--color[=WHEN]]\n"
		"\n"
		"The host line (kernel, KVM-supported XCR0 decoded), module state and\n"
		"one row per vCPU: VM (<pid>-<fd>), vCPU id, VMM process name and\n"
		"pid, guest-supported XCR0, XCR0, rejected loads, trimmed GETs,\n"
		"stripped bits; the guest name (-name of the VMM) when known.\n"
		"Rows with problems start with '!' (red on a terminal) and are\n"
		"followed by the rejected, trimmed or stripped features by name,\n"
		"rejected CR4 bits, and VM exits after a refused state load.\n"
		"This is the default command.\n"
		"\n"
		"  --json          one JSON document (docs/json.md)\n"
		"  --color[=WHEN]  never, always (also bare --color) or auto (a\n"
		"                  terminal; the default)\n"
	},
	[C_EVENTS] = { "events", O_JSON | O_FOLLOW | O_SINCE,
		"Usage: kvm-xsave events [-f] [--since SEQ] [--json]\n"
		"\n"
		"The module's event log, oldest first, decoded: rejected loads and\n"
		"XCR0s, trimmed GETs, XFD strips, CPUID changes. A gap in the\n"
		"sequence numbers is shown as \"N events dropped\" (ring overwritten\n"
		"or reset).\n"
		"\n"
		"  -f, --follow    keep printing new events, like tail -f (polls\n"
		"                  every 200 ms); Ctrl-C ends it\n"
		"  --since SEQ     start at event SEQ (inclusive); older ones that\n"
		"                  are gone count as dropped\n"
		"  --json          one JSON document; with -f one JSON object per\n"
		"                  line (JSON Lines)\n"
	},
	[C_REPORT] = { "report", O_JSON | O_OUTPUT,
		"Usage: kvm-xsave report [-o FILE] [--json]\n"
		"\n"
		"A bug-report bundle: versions, kernel and command line, CPU model,\n"
		"microcode and XSAVE flags, CPUID leaf 0xD, host XCR0, KVM's\n"
		"supported CPUID leaf 0xD and KVM_CAP_XSAVE2 size, kvm/kvm_amd/\n"
		"kvm_intel parameters, the module's info, stats, vcpus and events,\n"
		"and kernel log lines about kvm, xsave and fpu. Without the module\n"
		"it still collects the rest; its Missing section says what is\n"
		"missing and why. Run it as root.\n"
		"\n"
		"  -o, --output FILE  write to FILE instead of standard output\n"
		"  --json             one JSON document\n"
	},
	[C_HOST] = { "host", O_JSON,
		"Usage: kvm-xsave host [--json]\n"
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
		"  --json          one JSON document\n"
	},
	[C_COMPAT] = { "compat", O_JSON,
		"Usage: kvm-xsave compat SRC.json DST.json [--json]\n"
		"\n"
		"Migration pre-flight from two `kvm-xsave host --json` (or\n"
		"`report --json`) files: the xfeatures a guest on SRC may carry\n"
		"that DST's KVM refuses to load (SRC's KVM-supported XCR0 minus\n"
		"DST's), those whose state DST's KVM_CAP_XSAVE2 buffer cannot hold\n"
		"(trimmed), a bigger SRC state size and layout differences, then\n"
		"a verdict.\n"
		"\n"
		"Exit status: 0 compatible, 1 incompatible, 2 error (unreadable or\n"
		"malformed input).\n"
		"\n"
		"  --json          one JSON document\n"
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
	"  report [-o FILE]          bug-report bundle (partly without module)\n"
	"  host                      what this host's CPU and KVM support\n"
	"  compat SRC.json DST.json  migration pre-flight from host --json\n"
	"  prom [-o FILE]            counters in Prometheus text format\n"
	"  help [COMMAND]            this text, or a command's\n"
	"\n"
	"Options:\n"
	"  --json           JSON output (status, events, report, host, compat)\n"
	"  --color[=WHEN]   never, always (also bare --color) or auto\n"
	"                   (default: auto)\n"
	"  -h, --help       help; `kvm-xsave COMMAND --help` for a command\n"
	"  -V, --version    print the version\n"
	"\n"
	"Environment:\n"
	"  KXP_DEBUGFS      the module's directory, default\n"
	"                   /sys/kernel/debug/kvm_xsave_probe\n"
	"  NO_COLOR         if set, --color=auto means never\n"
	"\n"
	"Exit status:\n"
	"  0 success           1 failure (compat: incompatible)\n"
	"  2 usage or invalid input\n"
	"  3 module not loaded 4 debugfs not mounted  5 permission denied\n"
	"  6 EPERM (lockdown)  7 unknown debugfs format\n"
	"  8 KVM unavailable (host)\n"
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

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", kxp_prog);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry `%s --help'.\n", kxp_prog);
	return KXP_EXIT_USAGE;
}

static int help(const char *name)
{
	int c;

	if (!name) {
		fputs(usage, stdout);
		return KXP_EXIT_OK;
	}
	c = find_cmd(name);
	if (c < 0)
		return usage_error("no such command: %s", name);
	fputs(c == C_HELP ? usage : cmds[c].help, stdout);
	return KXP_EXIT_OK;
}

static int color_mode(const char *arg)
{
	const char *term = getenv("TERM");

	if (!arg || !strcmp(arg, "always"))
		return 1;
	if (!strcmp(arg, "never"))
		return 0;
	if (!strcmp(arg, "auto"))
		return isatty(STDOUT_FILENO) && !getenv("NO_COLOR") &&
		       !(term && !strcmp(term, "dumb"));
	return -1;
}

enum { OPT_JSON = 256, OPT_COLOR, OPT_SINCE };

static const struct option longopts[] = {
	{ "json", no_argument, NULL, OPT_JSON },
	{ "color", optional_argument, NULL, OPT_COLOR },
	{ "colour", optional_argument, NULL, OPT_COLOR },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "follow", no_argument, NULL, 'f' },
	{ "since", required_argument, NULL, OPT_SINCE },
	{ "output", required_argument, NULL, 'o' },
	{ NULL, 0, NULL, 0 },
};

static const char *const opt_names[] = {
	"--json", "-f/--follow", "--since", "-o/--output",
};

int main(int argc, char **argv)
{
	struct kxp_opts o = { 0 };
	unsigned int used = 0, i;
	int want_help = 0, c, cmd, nargs, named;
	const char *color = "auto";

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hVfo:", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_JSON:
			o.json = 1;
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
			return KXP_EXIT_OK;
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
			return usage_error("%s does not apply to this command",
					   opt_names[i]);
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
