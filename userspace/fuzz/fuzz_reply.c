// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_reply.c - libFuzzer target: arbitrary bytes as what the kernel
 * sends back, through each view's real code path: nl_transact() (with
 * nl_ctx.replay instead of the socket), nl_feed(), the parsers, the
 * collectors (cookie dedup, --remotes/--ports aggregation, --limits' per
 * process count), sorting, table and JSON output, and exit_status().
 *
 * Input:
 *   byte 0     which command line (cmdlines[], modulo its size)
 *   byte 1     bit 0: resolve the family (CTRL_CMD_GETFAMILY) from the
 *              stream first, as nl_open() does; else it is taken as
 *              resolved (id TEST_FAMILY_ID, no op list)
 *              bit 1: our port id is 4242 (else 0: libmnl checks nothing)
 *   then       datagrams, each a little-endian u16 length and that many
 *              bytes (fewer at the end of the input): one recvfrom() each.
 *              The end of the input is recvfrom() returning 0.
 *
 * Invariants checked (a violation is a crash): no sanitizer report, no
 * leak; err is 0 or a negative errno; exit_status() is 0 exactly when err
 * is 0, and one of the documented 1..5 otherwise; with -j, a successful
 * run printed one valid JSON document.
 *
 * Nothing touches the network or /proc except ports_run()'s read of
 * ip_local_reserved_ports; -p and --limits get a fixed process table.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sanitizer/asan_interface.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/tcpconn.h>

#include <json-c/json.h>

#include "limits_view.h"
#include "listeners.h"
#include "main.h"
#include "nl.h"
#include "opts.h"
#include "ports.h"
#include "procs.h"
#include "prom.h"
#include "remotes.h"
#include "sockets.h"
#include "summary.h"

#define FUZZ_FAMILY_ID 0x1d
#define NOPROC "/nonexistent-fuzz-proc"

#include "cmdlines.h"

/* ---- the kernel side: datagrams from the input ---------------------------- */

struct stream {
	const uint8_t *p;
	size_t left;
	void *poisoned;		/* nl->buf tail poisoned by the last datagram */
	size_t poisoned_len;
};

static void unpoison(struct stream *s)
{
	if (s->poisoned)
		ASAN_UNPOISON_MEMORY_REGION(s->poisoned, s->poisoned_len);
	s->poisoned = NULL;
}

static ssize_t stream_recv(void *ctx, void *buf, size_t size)
{
	struct stream *s = ctx;
	size_t len;

	unpoison(s);
	if (s->left < 2)
		return 0;	/* the socket "closed": -EPIPE */
	len = s->p[0] | (size_t)s->p[1] << 8;
	s->p += 2;
	s->left -= 2;
	if (len > s->left)
		len = s->left;
	if (len > size) {
		/* what mnl_socket_recvfrom() says of MSG_TRUNC */
		s->p += len;
		s->left -= len;
		errno = ENOSPC;
		return -1;
	}
	memcpy(buf, s->p, len);
	s->p += len;
	s->left -= len;
	/* Reading past what recvfrom() returned is a bug even inside the buffer. */
	s->poisoned = (char *)buf + len;
	s->poisoned_len = size - len;
	ASAN_POISON_MEMORY_REGION(s->poisoned, s->poisoned_len);
	return (ssize_t)len;
}

/* ---- a fixed /proc: three processes holding the seeds' inodes ------------- */

static int fake_procs(struct procs *p)
{
	static const struct proc_info info[] = {
		{ .pid = 1, .comm = "init", .fds = 40, .sockets = 3,
		  .has_nofile = true, .nofile = 1024 },
		{ .pid = 4242, .comm = "a \"quoted\"\\name", .fds = 900,
		  .sockets = 2, .has_nofile = true, .nofile = 1000 },
		{ .pid = 77, .comm = "nolimit", .fds = 1, .sockets = 1,
		  .has_nofile = true, .nofile = UINT64_MAX },
	};
	static const struct proc_sock socks[] = {	/* sorted by inode */
		{ .inode = 99, .fd = 3, .proc = 0 },
		{ .inode = 4242, .fd = 4, .proc = 1 },
		{ .inode = 4242, .fd = 9, .proc = 2 },
		{ .inode = 12345, .fd = 5, .proc = 1 },
		{ .inode = 5000000000ULL, .fd = 6, .proc = 0 },
	};

	memset(p, 0, sizeof(*p));
	p->procs = malloc(sizeof(info));
	p->socks = malloc(sizeof(socks));
	if (!p->procs || !p->socks) {
		procs_free(p);
		return -ENOMEM;
	}
	memcpy(p->procs, info, sizeof(info));
	memcpy(p->socks, socks, sizeof(socks));
	p->nprocs = p->cap_procs = sizeof(info) / sizeof(info[0]);
	p->nsocks = p->cap_socks = sizeof(socks) / sizeof(socks[0]);
	p->unreadable = 1;
	return 0;
}

/* Interface names without ioctl()s: deterministic and fast. */
char *if_indextoname(unsigned int ifindex, char *name)
{
	if (ifindex == 0 || ifindex > 3)
		return NULL;
	snprintf(name, 16, "eth%u", ifindex - 1);
	return name;
}

/* ---- the views, as main() runs them --------------------------------------- */

/* main.c's nl_resolve_family(), on the replay. */
static int resolve_family(struct nl_ctx *nl)
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *req;
	int err;

	req = nl_msg_start(buf, GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_ACK,
			   CTRL_CMD_GETFAMILY, 1);
	if (!mnl_attr_put_strz_check(req, sizeof(buf), CTRL_ATTR_FAMILY_NAME,
				     TCPCONN_GENL_NAME))
		return -EMSGSIZE;
	err = nl_transact(nl, req, nl_family_parse, nl);
	return nl_family_finish(nl, err);
}

/* summary_run() without the -i loop: two samples, so rates are computed too. */
static int run_summary(struct nl_ctx *nl, const struct opts *o)
{
	struct summary_sample s[2];
	struct summary_rates rates;
	struct summary_report rep = { .cur = &s[0] };
	int err, n = 0;

	err = nl_require_op(nl, TCPCONN_CMD_LISTENERS_GET);
	if (err)
		return err;
	err = summary_fetch(nl, &s[0], NOPROC);
	if (err)
		return err;
	n = 1;
	/* A second sample if the stream has one: the -i report with rates. */
	if (summary_fetch(nl, &s[1], NOPROC) == 0) {
		n = 2;
		s[1].mono.tv_sec = s[0].mono.tv_sec + 1;
		rep.cur = &s[1];
		rep.watch = true;
		if (summary_rates_get(&s[0], &s[1], &rates) == 0)
			rep.rates = &rates;
	}
	err = o->out.json ? summary_print_json(stdout, &rep) :
			    summary_print_table(stdout, &rep);
	while (n--)
		summary_sample_free(&s[n]);
	return err;
}

/* prometheus_run() to stdout, without /proc: the --summary fetch. */
static int run_prometheus(struct nl_ctx *nl)
{
	struct summary_sample sample;
	int err;

	err = nl_require_op(nl, TCPCONN_CMD_LISTENERS_GET);
	if (err)
		return err;
	err = summary_fetch(nl, &sample, NOPROC);
	if (err)
		return err;
	err = prom_print_sample(stdout, &sample);
	summary_sample_free(&sample);
	return err;
}

/* sockets_run() with -p: the fixed process table instead of /proc. */
static int run_sockets_p(struct nl_ctx *nl, const struct opts *o)
{
	struct sock_printer p;
	struct procs procs;
	int err;

	err = fake_procs(&procs);
	if (err)
		return err;
	sock_printer_init(&p, stdout, o->out.json, &procs);
	err = sockets_dump(nl, &o->filter, sock_printer_add, &p);
	if (!err) {
		p.dups = nl->dump_dups;
		err = sock_printer_finish(&p, nl->dump_intr);
	}
	sock_printer_free(&p);
	procs_free(&procs);
	return err;
}

/* limits_run() with the fixed process table and fs values. */
static int run_limits(struct nl_ctx *nl, const struct opts *o)
{
	struct fs_limits fs = {
		.has_file_nr = true, .files = 900, .has_file_max = true,
		.file_max = 1000, .has_nr_open = true, .nr_open = 1048576,
	};
	struct limits_report r = { .top = o->out.top, .fs = &fs };
	struct filter all = { .family = AF_UNSPEC };
	struct summary_sample sample;
	struct procs procs;
	int err;

	err = summary_fetch(nl, &sample, NOPROC);
	if (err)
		return err;
	err = fake_procs(&procs);
	if (!err) {
		err = nl_require_op(nl, TCPCONN_CMD_SOCKETS_GET);
		if (!err)
			err = sockets_dump(nl, &all, limits_count_tcp, &procs);
		if (!err) {
			r.ntcp = limits_sort_procs(&procs);
			r.sample = &sample;
			r.procs = &procs;
			err = o->out.json ? limits_print_json(stdout, &r) :
					    limits_print_table(stdout, &r);
		}
		procs_free(&procs);
	}
	summary_sample_free(&sample);
	return err;
}

static const uint8_t view_cmd[__VIEW_MAX] = {
	[VIEW_LISTENERS] = TCPCONN_CMD_LISTENERS_GET,
	[VIEW_SUMMARY] = TCPCONN_CMD_SUMMARY_GET,
	[VIEW_SOCKETS] = TCPCONN_CMD_SOCKETS_GET,
	[VIEW_TIMEWAIT] = TCPCONN_CMD_SOCKETS_GET,
	[VIEW_ORPHANS] = TCPCONN_CMD_SOCKETS_GET,
	[VIEW_REMOTES] = TCPCONN_CMD_SOCKETS_GET,
	[VIEW_PORTS] = TCPCONN_CMD_SOCKETS_GET,
	[VIEW_LIMITS] = TCPCONN_CMD_SUMMARY_GET,
	[VIEW_PROMETHEUS] = TCPCONN_CMD_SUMMARY_GET,
};

static int run_view(struct nl_ctx *nl, const struct opts *o)
{
	switch (o->view) {
	case VIEW_LISTENERS:
		return listeners_run(nl, o);
	case VIEW_SUMMARY:
		return run_summary(nl, o);
	case VIEW_SOCKETS:
	case VIEW_TIMEWAIT:
	case VIEW_ORPHANS:
		return o->out.processes ? run_sockets_p(nl, o) :
					  sockets_run(nl, o);
	case VIEW_REMOTES:
		return remotes_run(nl, o);
	case VIEW_PORTS:
		return ports_run(nl, o);
	case VIEW_LIMITS:
		return run_limits(nl, o);
	case VIEW_PROMETHEUS:
		return run_prometheus(nl);
	default:
		__builtin_trap();
	}
}

/* ---- libFuzzer ------------------------------------------------------------- */

static FILE *devnull;
static void *recv_buf;
static bool verbose;	/* FUZZ_VERBOSE set: diagnostics and outcomes on stderr */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/*
	 * Our diagnostics go to /dev/null; sanitizer reports write to fd 2
	 * and libFuzzer to the FILE it saved at startup, so both still show.
	 */
	devnull = fopen("/dev/null", "w");
	recv_buf = malloc(MNL_SOCKET_DUMP_SIZE);
	if (!devnull || !recv_buf)
		abort();
	verbose = getenv("FUZZ_VERBOSE") != NULL;
	if (!verbose)
		stderr = devnull;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[10] = { "tcpconn-stat" }, *out = NULL;
	struct stream s = { 0 };
	struct nl_ctx nl;
	struct opts o;
	size_t outlen = 0, i;
	FILE *saved = stdout, *mem;
	int argc = 1, err, status;
	char what[32];

	if (size < 2)
		return -1;	/* not worth keeping in the corpus */
	for (i = 0; cmdlines[data[0] % NCMD][i]; i++)
		argv[argc++] = (char *)cmdlines[data[0] % NCMD][i];
	if (opts_parse(&o, argc, argv) != 0)
		__builtin_trap();	/* our own table must be valid */

	nl_init(&nl);
	nl.buf = recv_buf;	/* allocated once: its tail is poisoned per datagram */
	nl.replay = stream_recv;
	nl.replay_ctx = &s;
	nl.portid = (data[1] & 2) ? 4242 : 0;
	s.p = data + 2;
	s.left = size - 2;

	mem = open_memstream(&out, &outlen);
	if (!mem)
		abort();
	stdout = mem;

	if (data[1] & 1) {
		err = resolve_family(&nl);
	} else {
		nl.state = NL_FAMILY_OK;
		nl.family_id = FUZZ_FAMILY_ID;
		nl.family_version = TCPCONN_GENL_VERSION;
		err = 0;
	}
	if (!err)
		err = nl_require_op(&nl, view_cmd[o.view]);
	if (!err)
		err = run_view(&nl, &o);
	if (!err && fflush(stdout) == EOF)
		err = -EIO;
	snprintf(what, sizeof(what), "--%d", (int)o.view);
	status = exit_status(&nl, what, err);

	stdout = saved;
	if (fclose(mem))
		abort();
	unpoison(&s);
	nl.buf = NULL;
	nl_close(&nl);
	if (verbose)
		fprintf(stderr, "fuzz_reply: %s: err %d, exit status %d, %zu bytes out\n",
			cmdlines[data[0] % NCMD][0], err, status, outlen);

	if (err > 0 || err < -4095)
		__builtin_trap();	/* not a negative errno */
	if ((err == 0) != (status == TC_EXIT_OK) || status < 0 ||
	    status > TC_EXIT_PERM)
		__builtin_trap();
	/* A run that succeeded printed a complete JSON document. */
	if (!err && o.out.json) {
		struct json_tokener *tok = json_tokener_new();
		struct json_object *root;

		if (!tok)
			abort();
		root = json_tokener_parse_ex(tok, out, (int)outlen);
		if (!root || json_tokener_get_error(tok) != json_tokener_success)
			__builtin_trap();
		for (i = json_tokener_get_parse_end(tok); i < outlen; i++)
			if (!isspace((unsigned char)out[i]))
				__builtin_trap();	/* two documents */
		json_object_put(root);
		json_tokener_free(tok);
	}
	free(out);
	return 0;
}
