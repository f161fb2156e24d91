// SPDX-License-Identifier: GPL-2.0
/*
 * tcpconn-stat - TCP connection-table diagnostics from tcpconn.ko, read
 * over its generic netlink family "tcpconn".
 *
 *   tcpconn-stat --listeners [-4|-6] [--port N] [-n] [-j]
 *
 * Layout: this file parses options into struct opts and dispatches to one
 * file per view (listeners.c, ...); nl.c is the netlink plumbing; output.c
 * and table.c format. Everything below returns 0 or a negative errno; only
 * main() chooses the exit status:
 *   0 ok, 1 runtime error, 2 bad option/usage, 3 module not loaded,
 *   4 module/client version mismatch, 5 permission denied.
 *
 * Adding a view: an enum view value (opts.h), a row in views[] and a
 * long option here, and its own file with a run function.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/socket.h>
#include <linux/tcpconn.h>

#include "listeners.h"
#include "main.h"
#include "msg.h"
#include "nl.h"
#include "opts.h"

#ifndef TCPCONN_STAT_VERSION
#define TCPCONN_STAT_VERSION "0.1"
#endif

struct view_desc {
	const char *name;	/* its long option, without "--" */
	uint8_t cmd;		/* genl command it needs; probed before run */
	int (*run)(struct nl_ctx *nl, const struct opts *o);
	const char *help;
};

static const struct view_desc views[__VIEW_MAX] = {
	[VIEW_LISTENERS] = {
		.name = "listeners",
		.cmd = TCPCONN_CMD_LISTENERS_GET,
		.run = listeners_run,
		.help = "listening sockets: SYN queue, accept queue, backlog, drops",
	},
};

enum {
	OPT_PORT = 0x100,
	OPT_VIEW = 0x200,	/* OPT_VIEW + enum view */
};

static const struct option long_opts[] = {
	{ "listeners",	no_argument,		NULL, OPT_VIEW + VIEW_LISTENERS },
	{ "ipv4",	no_argument,		NULL, '4' },
	{ "ipv6",	no_argument,		NULL, '6' },
	{ "port",	required_argument,	NULL, OPT_PORT },
	{ "numeric",	no_argument,		NULL, 'n' },
	{ "json",	no_argument,		NULL, 'j' },
	{ "help",	no_argument,		NULL, 'h' },
	{ "version",	no_argument,		NULL, 'V' },
	{ NULL,		0,			NULL, 0 },
};

static void usage(FILE *f)
{
	int v;

	fprintf(f, "Usage: " PROG " VIEW [FILTERS] [OPTIONS]\n\n"
		   "Views (exactly one):\n");
	for (v = VIEW_NONE + 1; v < __VIEW_MAX; v++)
		fprintf(f, "      --%-13s %s\n", views[v].name, views[v].help);
	fprintf(f,
		"\nFilters:\n"
		"  -4, --ipv4          IPv4 sockets only\n"
		"  -6, --ipv6          IPv6 sockets only\n"
		"      --port N        local port N (1-65535)\n"
		"\nOutput:\n"
		"  -n, --numeric       numeric addresses and ports (always; never resolves names)\n"
		"  -j, --json          one JSON document instead of a table\n"
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

int opts_parse(struct opts *o, int argc, char **argv)
{
	bool v4 = false, v6 = false;
	unsigned long port;
	int c;

	memset(o, 0, sizeof(*o));
	o->action = ACTION_RUN;
	o->filter.family = AF_UNSPEC;
	o->out.numeric = true;
	optind = 0;	/* glibc: 0 reinitialises getopt completely */

	while ((c = getopt_long(argc, argv, "46njhV", long_opts, NULL)) != -1) {
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
		case 'n':
			o->out.numeric = true;
			break;
		case 'j':
			o->out.json = true;
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
				break;
			}
			return -EINVAL;	/* getopt has said what was wrong */
		}
	}
	if (optind < argc) {
		pr_err("unexpected argument '%s'", argv[optind]);
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
	return 0;
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
		pr_err("module too old: tcpconn.ko (netlink protocol version %u) lacks command %u needed by %s; rebuild/upgrade tcpconn.ko",
		       nl->family_version, nl->missing_op, what);
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
