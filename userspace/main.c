// SPDX-License-Identifier: GPL-2.0
/*
 * tcpconn-stat - TCP connection-table diagnostics from tcpconn.ko, read
 * over its generic netlink family "tcpconn".
 *
 *   tcpconn-stat --listeners [-4|-6] [--port N] [-n] [-j]
 *   tcpconn-stat --summary [-j] [-i SECS [-c COUNT]]
 *   tcpconn-stat --sockets|--timewait|--orphans [FILTERS] [-p] [-j]
 *   tcpconn-stat --remotes|--ports [FILTERS] [--top N] [-j]
 *   tcpconn-stat --limits [--top N] [-j]
 *   tcpconn-stat --prometheus[=FILE]
 *
 * Layout: this file parses options into struct opts and dispatches to one
 * file per view (listeners.c, summary.c, ...); nl.c is the netlink
 * plumbing; output.c and table.c format. Everything below returns 0 or a
 * negative errno; only main() chooses the exit status:
 *   0 ok, 1 runtime error, 2 bad option/usage, 3 module not loaded,
 *   4 module/client version mismatch, 5 permission denied.
 *
 * Adding a view: an enum view value (opts.h), a row in views[] (the
 * filters it applies, whether it takes -i) and a long option here, and its
 * own file with a run function.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/socket.h>
#include <linux/tcpconn.h>

#include "listeners.h"
#include "main.h"
#include "msg.h"
#include "nl.h"
#include "limits_view.h"
#include "opts.h"
#include "ports.h"
#include "prom.h"
#include "remotes.h"
#include "sockets.h"
#include "summary.h"

#ifndef TCPCONN_STAT_VERSION
#define TCPCONN_STAT_VERSION "0.1"
#endif

/* Which filters a view applies; any other is a usage error, not ignored. */
enum {
	VF_FAMILY	= 1 << 0,	/* -4, -6 */
	VF_PORT		= 1 << 1,	/* --port */
	VF_SOCK		= 1 << 2,	/* --src --dst --sport --dport --uid */
	VF_STATE	= 1 << 3,	/* --state */
	VF_PROC		= 1 << 4,	/* -p */
	VF_TOP		= 1 << 5,	/* --top */
	VF_JSON		= 1 << 6,	/* -j */
};

#define TOP_DEFAULT 20

struct view_desc {
	const char *name;	/* its long option, without "--" */
	const char *arg;	/* its argument in the usage, or NULL */
	uint8_t cmd;		/* genl command it needs; probed before run */
	int (*run)(struct nl_ctx *nl, const struct opts *o);
	const char *help;
	unsigned int filters;	/* VF_* */
	bool interval;		/* takes -i SECS [-c COUNT] */
};

static const struct view_desc views[__VIEW_MAX] = {
	[VIEW_LISTENERS] = {
		.name = "listeners",
		.cmd = TCPCONN_CMD_LISTENERS_GET,
		.run = listeners_run,
		.help = "listening sockets: SYN queue, accept queue, backlog, drops",
		.filters = VF_FAMILY | VF_PORT | VF_JSON,
	},
	[VIEW_SUMMARY] = {
		.name = "summary",
		.cmd = TCPCONN_CMD_SUMMARY_GET,
		.run = summary_run,
		.help = "states, orphans, limits and their use, TcpExt counters, warnings",
		.filters = VF_JSON,
		.interval = true,
	},
	[VIEW_SOCKETS] = {
		.name = "sockets",
		.cmd = TCPCONN_CMD_SOCKETS_GET,
		.run = sockets_run,
		.help = "every TCP socket, as ss -tan (with -p: owning processes)",
		.filters = VF_FAMILY | VF_SOCK | VF_STATE | VF_PROC | VF_JSON,
	},
	[VIEW_TIMEWAIT] = {
		.name = "timewait",
		.cmd = TCPCONN_CMD_SOCKETS_GET,
		.run = sockets_run,
		.help = "TIME-WAIT mini-sockets (and FIN-WAIT-2 ones, flag \"tw\")",
		.filters = VF_FAMILY | VF_SOCK | VF_JSON,
	},
	[VIEW_ORPHANS] = {
		.name = "orphans",
		.cmd = TCPCONN_CMD_SOCKETS_GET,
		.run = sockets_run,
		.help = "orphans: sockets closed by their process, still in the table",
		.filters = VF_FAMILY | VF_SOCK | VF_STATE | VF_JSON,
	},
	[VIEW_REMOTES] = {
		.name = "remotes",
		.cmd = TCPCONN_CMD_SOCKETS_GET,
		.run = remotes_run,
		.help = "remote addresses with the most connections, per state",
		.filters = VF_FAMILY | VF_SOCK | VF_STATE | VF_TOP | VF_JSON,
	},
	[VIEW_PORTS] = {
		.name = "ports",
		.cmd = TCPCONN_CMD_SOCKETS_GET,
		.run = ports_run,
		.help = "ephemeral ports used per (local address, remote address:port)",
		.filters = VF_FAMILY | VF_SOCK | VF_STATE | VF_TOP | VF_JSON,
	},
	[VIEW_LIMITS] = {
		.name = "limits",
		.cmd = TCPCONN_CMD_SUMMARY_GET,
		.run = limits_run,
		.help = "fds vs file-max/nr_open, TCP memory vs tcp_mem, backlogs vs somaxconn",
		.filters = VF_TOP | VF_JSON,
	},
	[VIEW_PROMETHEUS] = {
		.name = "prometheus",
		.arg = "[=FILE]",
		.cmd = TCPCONN_CMD_SUMMARY_GET,
		.run = prometheus_run,
		.help = "summary and listener queues as Prometheus metrics (textfile\n"
			"collector); =FILE replaces FILE atomically",
	},
};

/* For "lacks command ..." messages. */
static const char *const cmd_names[TCPCONN_CMD_MAX + 1] = {
	[TCPCONN_CMD_LISTENERS_GET] = "LISTENERS_GET",
	[TCPCONN_CMD_SUMMARY_GET] = "SUMMARY_GET",
	[TCPCONN_CMD_SOCKETS_GET] = "SOCKETS_GET",
};

enum {
	OPT_PORT = 0x100,
	OPT_STATE,
	OPT_SRC,
	OPT_DST,
	OPT_SPORT,
	OPT_DPORT,
	OPT_UID,
	OPT_TOP,
	OPT_VIEW = 0x200,	/* OPT_VIEW + enum view */
};

static const struct option long_opts[] = {
	{ "listeners",	no_argument,		NULL, OPT_VIEW + VIEW_LISTENERS },
	{ "summary",	no_argument,		NULL, OPT_VIEW + VIEW_SUMMARY },
	{ "ipv4",	no_argument,		NULL, '4' },
	{ "ipv6",	no_argument,		NULL, '6' },
	{ "sockets",	no_argument,		NULL, OPT_VIEW + VIEW_SOCKETS },
	{ "timewait",	no_argument,		NULL, OPT_VIEW + VIEW_TIMEWAIT },
	{ "orphans",	no_argument,		NULL, OPT_VIEW + VIEW_ORPHANS },
	{ "remotes",	no_argument,		NULL, OPT_VIEW + VIEW_REMOTES },
	{ "ports",	no_argument,		NULL, OPT_VIEW + VIEW_PORTS },
	{ "limits",	no_argument,		NULL, OPT_VIEW + VIEW_LIMITS },
	/* optional: "--prometheus=FILE" only, a separate word is no file */
	{ "prometheus",	optional_argument,	NULL, OPT_VIEW + VIEW_PROMETHEUS },
	{ "port",	required_argument,	NULL, OPT_PORT },
	{ "state",	required_argument,	NULL, OPT_STATE },
	{ "src",	required_argument,	NULL, OPT_SRC },
	{ "dst",	required_argument,	NULL, OPT_DST },
	{ "sport",	required_argument,	NULL, OPT_SPORT },
	{ "dport",	required_argument,	NULL, OPT_DPORT },
	{ "uid",	required_argument,	NULL, OPT_UID },
	{ "processes",	no_argument,		NULL, 'p' },
	{ "top",	required_argument,	NULL, OPT_TOP },
	{ "numeric",	no_argument,		NULL, 'n' },
	{ "json",	no_argument,		NULL, 'j' },
	{ "interval",	required_argument,	NULL, 'i' },
	{ "count",	required_argument,	NULL, 'c' },
	{ "help",	no_argument,		NULL, 'h' },
	{ "version",	no_argument,		NULL, 'V' },
	{ NULL,		0,			NULL, 0 },
};

static void usage(FILE *f)
{
	int v;

	fprintf(f, "Usage: " PROG " VIEW [FILTERS] [OPTIONS]\n\n"
		   "Views (exactly one):\n");
	for (v = VIEW_NONE + 1; v < __VIEW_MAX; v++) {
		const char *h = views[v].help;
		char opt[32];
		size_t n;

		snprintf(opt, sizeof(opt), "%s%s", views[v].name,
			 views[v].arg ? views[v].arg : "");
		/* a long option on a line of its own; help lines indented */
		if (strlen(opt) > 13)
			fprintf(f, "      --%s\n%22s", opt, "");
		else
			fprintf(f, "      --%-13s ", opt);
		while (h[n = strcspn(h, "\n")]) {
			fprintf(f, "%.*s\n%22s", (int)n, h, "");
			h += n + 1;
		}
		fprintf(f, "%s\n", h);
	}
	fprintf(f,
		"\nFilters (all must match; --summary, --limits and --prometheus take none):\n"
		"  -4, --ipv4          IPv4 sockets only\n"
		"  -6, --ipv6          IPv6 sockets only\n"
		"      --port N        --listeners: local port N (1-65535)\n"
		"      --state LIST    socket views: states, comma separated: established,\n"
		"                      syn-sent, syn-recv, fin-wait-1, fin-wait-2 (with the tw\n"
		"                      substate, as ss), time-wait, close, close-wait,\n"
		"                      last-ack, listen, closing, tw-fin-wait2, fin-wait2\n"
		"                      (full sockets only); groups: all, connected,\n"
		"                      synchronized, bucket, big\n"
		"      --src ADDR[/LEN] local address or prefix (10.0.0.0/8, 2001:db8::/32);\n"
		"                      an IPv4 prefix also matches v4-mapped IPv6 addresses\n"
		"      --dst ADDR[/LEN] remote address or prefix\n"
		"      --sport N       local port N\n"
		"      --dport N       remote port N\n"
		"      --uid N         owner uid N (TIME-WAIT and SYN-RECV sockets are uid 0)\n"
		"\nOutput:\n"
		"  -n, --numeric       numeric addresses and ports (always; never resolves names)\n"
		"  -p, --processes     --sockets: owning processes (pid, command, fd), as ss -p;\n"
		"                      other users' processes need root\n"
		"      --top N         --remotes, --ports, --limits: rows per table (default 20,\n"
		"                      0 for all)\n"
		"  -j, --json          one JSON document instead of a table (not --prometheus)\n"
		"  -i, --interval SECS --summary: a report every SECS seconds (0.1 to 86400,\n"
		"                      fractions allowed, e.g. 0.5) until Ctrl-C; from the\n"
		"                      second on, counters show per-second rates and warn\n"
		"                      only when they grew; with -j, one JSON object per line\n"
		"  -c, --count N       with -i: stop after N reports\n"
		"  -h, --help          show this help\n"
		"  -V, --version       show client and protocol versions\n"
		"\nExit status: 0 ok, 1 runtime error, 2 usage error, 3 module not loaded,\n"
		"4 module/client version mismatch, 5 permission denied.\n");
}

static void version(FILE *f)
{
	fprintf(f, PROG " " TCPCONN_STAT_VERSION
		" (tcpconn netlink protocol %d, accepts modules %d..%d)\n",
		TCPCONN_GENL_VERSION, TCPCONN_GENL_MIN_VERSION,
		TCPCONN_GENL_VERSION);
}

int parse_seconds(const char *s, double min, double max, double *out)
{
	size_t digits = strspn(s, "0123456789");
	double v;
	char *end;

	/* strtod() would take " 1", "+1", "1e3", "0x1p3", "inf", "nan"; we don't. */
	if (s[digits] == '.')
		digits += 1 + strspn(s + digits + 1, "0123456789");
	if (s[digits] || !strpbrk(s, "0123456789"))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !(v >= min && v <= max))
		return -ERANGE;
	*out = v;
	return 0;
}

int parse_uint(const char *s, unsigned long min, unsigned long max,
	       unsigned long *out)
{
	unsigned long v;
	char *end;

	/* strtoul() would accept " 8", "+8" and wrap "-1"; we want digits only. */
	if (!isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

static int set_view(struct opts *o, enum view v)
{
	if (v <= VIEW_NONE || v >= __VIEW_MAX || o->view >= __VIEW_MAX)
		return -EINVAL;
	if (o->view != VIEW_NONE && o->view != v) {
		pr_err("--%s and --%s are separate views; choose one",
		       views[o->view].name, views[v].name);
		return -EINVAL;
	}
	o->view = v;
	return 0;
}

/* Cross-option checks, once the view is known. */
static int opts_check(const struct opts *o, bool family, bool interval,
		      bool top)
{
	const struct view_desc *v = &views[o->view];

	if (family && !(v->filters & VF_FAMILY)) {
		pr_err("-4/-6 do not apply to --%s%s", v->name,
		       o->view == VIEW_SUMMARY ?
		       ": it counts IPv4 and IPv6 side by side" : "");
		return -EINVAL;
	}
	if (o->filter.has_port && !(v->filters & VF_PORT)) {
		pr_err("--port does not apply to --%s%s", v->name,
		       v->filters & VF_SOCK ? "; use --sport (local) or --dport (remote)" : "");
		return -EINVAL;
	}
	if ((o->filter.src.family || o->filter.dst.family || o->filter.sport ||
	     o->filter.dport || o->filter.has_uid) && !(v->filters & VF_SOCK)) {
		pr_err("--src/--dst/--sport/--dport/--uid do not apply to --%s%s",
		       v->name, o->view == VIEW_LISTENERS ? "; use --port" : "");
		return -EINVAL;
	}
	if (o->filter.states && !(v->filters & VF_STATE)) {
		pr_err("--state does not apply to --%s%s", v->name,
		       o->view == VIEW_TIMEWAIT ?
		       ": it shows TIME-WAIT and FIN-WAIT-2 mini-sockets; use --sockets --state" : "");
		return -EINVAL;
	}
	if (o->out.processes && !(v->filters & VF_PROC)) {
		pr_err("-p does not apply to --%s; use --sockets -p", v->name);
		return -EINVAL;
	}
	if (top && !(v->filters & VF_TOP)) {
		pr_err("--top does not apply to --%s", v->name);
		return -EINVAL;
	}
	if (o->out.json && !(v->filters & VF_JSON)) {
		pr_err("-j does not apply to --%s%s", v->name,
		       o->view == VIEW_PROMETHEUS ?
		       ": it writes the Prometheus text format" : "");
		return -EINVAL;
	}
	if (interval && !v->interval) {
		pr_err("-i does not apply to --%s", v->name);
		return -EINVAL;
	}
	if (o->out.count && !interval) {
		pr_err("-c needs -i SECS");
		return -EINVAL;
	}
	return 0;
}

int opts_parse(struct opts *o, int argc, char **argv)
{
	bool v4 = false, v6 = false, interval = false, top = false;
	unsigned long port, n;
	int c;

	memset(o, 0, sizeof(*o));
	o->action = ACTION_RUN;
	o->filter.family = AF_UNSPEC;
	o->out.numeric = true;
	o->out.top = TOP_DEFAULT;
	optind = 0;	/* glibc: 0 reinitialises getopt completely */

	while ((c = getopt_long(argc, argv, "46npjhVi:c:", long_opts, NULL)) != -1) {
		switch (c) {
		case '4':
			v4 = true;
			break;
		case '6':
			v6 = true;
			break;
		case OPT_PORT:
			if (parse_uint(optarg, 1, 65535, &port) < 0) {
				pr_err("invalid --port '%s': expected 1-65535",
				       optarg);
				return -EINVAL;
			}
			o->filter.has_port = true;
			o->filter.port = (uint16_t)port;
			break;
		case OPT_STATE:
			if (sock_states_parse(optarg, &o->filter.states) < 0)
				return -EINVAL;
			break;
		case OPT_SRC:
		case OPT_DST:
			if (addr_prefix_parse(optarg, c == OPT_SRC ?
					      &o->filter.src : &o->filter.dst) < 0) {
				pr_err("invalid --%s '%s': expected an IPv4 or IPv6 address, optionally /LEN (0-32 or 0-128); ports go in --sport/--dport",
				       c == OPT_SRC ? "src" : "dst", optarg);
				return -EINVAL;
			}
			break;
		case OPT_SPORT:
		case OPT_DPORT:
			if (parse_uint(optarg, 1, 65535, &n) < 0) {
				pr_err("invalid --%s '%s': expected 1-65535",
				       c == OPT_SPORT ? "sport" : "dport", optarg);
				return -EINVAL;
			}
			if (c == OPT_SPORT)
				o->filter.sport = (uint16_t)n;
			else
				o->filter.dport = (uint16_t)n;
			break;
		case OPT_UID:
			if (parse_uint(optarg, 0, UINT32_MAX - 1, &n) < 0) {
				pr_err("invalid --uid '%s': expected a numeric uid",
				       optarg);
				return -EINVAL;
			}
			o->filter.has_uid = true;
			o->filter.uid = (uint32_t)n;
			break;
		case OPT_TOP:
			if (parse_uint(optarg, 0, ULONG_MAX, &o->out.top) < 0) {
				pr_err("invalid --top '%s': expected a number of rows (0: all)",
				       optarg);
				return -EINVAL;
			}
			top = true;
			break;
		case 'p':
			o->out.processes = true;
			break;
		case 'n':
			o->out.numeric = true;
			break;
		case 'j':
			o->out.json = true;
			break;
		case 'i':
			if (parse_seconds(optarg, INTERVAL_MIN, INTERVAL_MAX,
					  &o->out.interval) < 0) {
				pr_err("invalid -i '%s': expected seconds from %g to %g, fractions allowed (0.5)",
				       optarg, INTERVAL_MIN, INTERVAL_MAX);
				return -EINVAL;
			}
			interval = true;
			break;
		case 'c':
			if (parse_uint(optarg, 1, ULONG_MAX, &o->out.count) < 0) {
				pr_err("invalid -c '%s': expected a number of reports, 1 or more",
				       optarg);
				return -EINVAL;
			}
			break;
		case 'h':
			o->action = ACTION_HELP;
			return 0;
		case 'V':
			o->action = ACTION_VERSION;
			return 0;
		default:
			if (c > OPT_VIEW && c < OPT_VIEW + __VIEW_MAX) {
				if (set_view(o, (enum view)(c - OPT_VIEW)) < 0)
					return -EINVAL;
				if (c == OPT_VIEW + VIEW_PROMETHEUS && optarg) {
					if (!*optarg) {
						pr_err("--prometheus=FILE: empty file name");
						return -EINVAL;
					}
					o->out.prom_file = optarg;
				}
				break;
			}
			return -EINVAL;	/* getopt has said what was wrong */
		}
	}
	if (optind < argc) {
		pr_err("unexpected argument '%s'%s", argv[optind],
		       o->view == VIEW_PROMETHEUS ?
		       "; to write a file, use --prometheus=FILE" : "");
		return -EINVAL;
	}
	if (v4 && v6) {
		pr_err("-4 and -6 are mutually exclusive");
		return -EINVAL;
	}
	o->filter.family = v4 ? AF_INET : v6 ? AF_INET6 : AF_UNSPEC;
	if (o->view == VIEW_NONE) {
		pr_err("no view given");
		return -EINVAL;
	}
	if (o->filter.family != AF_UNSPEC &&
	    ((o->filter.src.family && o->filter.src.family != o->filter.family &&
	      o->filter.family == AF_INET) ||
	     (o->filter.dst.family && o->filter.dst.family != o->filter.family &&
	      o->filter.family == AF_INET))) {
		pr_err("-4 with an IPv6 --src/--dst matches nothing");
		return -EINVAL;
	}
	return opts_check(o, v4 || v6, interval, top);
}

int exit_status(const struct nl_ctx *nl, const char *what, int err)
{
	int status;

	if (err >= 0)
		return TC_EXIT_OK;

	switch (nl->state) {
	case NL_FAMILY_MISSING:
		pr_err("the tcpconn kernel module is not loaded (generic netlink family \"%s\" not found); load it with 'insmod tcpconn.ko' or 'modprobe tcpconn'",
		       TCPCONN_GENL_NAME);
		return TC_EXIT_NO_MODULE;
	case NL_FAMILY_TOO_OLD:
		pr_err("module too old: tcpconn.ko speaks netlink protocol version %u, this client needs %d..%d; rebuild/upgrade tcpconn.ko",
		       nl->family_version, TCPCONN_GENL_MIN_VERSION,
		       TCPCONN_GENL_VERSION);
		return TC_EXIT_VERSION;
	case NL_FAMILY_TOO_NEW:
		pr_err("module newer than this client: tcpconn.ko speaks netlink protocol version %u, this client supports %d..%d; upgrade tcpconn-stat",
		       nl->family_version, TCPCONN_GENL_MIN_VERSION,
		       TCPCONN_GENL_VERSION);
		return TC_EXIT_VERSION;
	case NL_FAMILY_NO_OP:
		pr_err("module too old: tcpconn.ko (netlink protocol version %u) lacks command %s (%u) needed by %s; rebuild/upgrade tcpconn.ko",
		       nl->family_version,
		       nl->missing_op <= TCPCONN_CMD_MAX &&
		       cmd_names[nl->missing_op] ?
				cmd_names[nl->missing_op] : "?",
		       nl->missing_op, what);
		return TC_EXIT_VERSION;
	default:
		break;
	}

	if (err == -EPERM || err == -EACCES) {
		pr_err("%s: permission denied (%s); try again as root",
		       what, strerror(-err));
		status = TC_EXIT_PERM;
	} else {
		pr_err("%s: %s", what, strerror(-err));
		status = TC_EXIT_RUNTIME;
	}
	if (nl->ext_msg[0])
		pr_err("kernel says: %s", nl->ext_msg);
	return status;
}

int main(int argc, char **argv)
{
	const struct view_desc *view;
	char what[32];
	struct nl_ctx nl;
	struct opts o;
	int err, status;

	if (opts_parse(&o, argc, argv) < 0) {
		usage(stderr);
		return TC_EXIT_USAGE;
	}
	if (o.action == ACTION_HELP) {
		usage(stdout);
		return TC_EXIT_OK;
	}
	if (o.action == ACTION_VERSION) {
		version(stdout);
		return TC_EXIT_OK;
	}

	view = &views[o.view];
	snprintf(what, sizeof(what), "--%s", view->name);
	err = nl_open(&nl);
	if (!err)
		err = nl_require_op(&nl, view->cmd);
	if (!err)
		err = view->run(&nl, &o);
	/* A table that never reached the disk or pipe is a failure too. */
	if (!err && fflush(stdout) == EOF)
		err = errno ? -errno : -EIO;
	/* Before the family is usable, failures are about netlink, not the view. */
	status = exit_status(&nl, nl.state == NL_FAMILY_OK ||
				  nl.state == NL_FAMILY_NO_OP ?
				  what : "generic netlink", err);
	nl_close(&nl);
	return status;
}
