// SPDX-License-Identifier: GPL-2.0
/*
 * canned-tool.c - the client's output formatters on canned data, for the
 * host checks in tests/extra/run.sh: promtool reads the Prometheus text,
 * json_doc.py compares each view's JSON with Documentation/json.rst.
 *
 *   canned-tool prometheus busy|sparse
 *   canned-tool json VARIANT       (one JSON document; "list" names them)
 *
 * The --summary/--prometheus samples come from canned kernel messages
 * through the real parsers (tests/canned.c); the socket views' records
 * go through the same aggregation and printers as a dump would.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/tcpconn.h>

#include <json-c/json.h>

#include "../canned.h"
#include "../replay.h"
#include "limits_view.h"
#include "listeners.h"
#include "ports.h"
#include "procs.h"
#include "prom.h"
#include "remotes.h"
#include "sockets.h"
#include "summary.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static struct sock_entry conn(const char *src, uint16_t sport, const char *dst,
			      uint16_t dport, uint8_t state)
{
	struct sock_entry s = sample_socket(state, sport, dport, 0);

	s.family = strchr(src, ':') ? AF_INET6 : AF_INET;
	memset(s.src, 0, sizeof(s.src));
	memset(s.dst, 0, sizeof(s.dst));
	inet_pton(s.family, src, s.src);
	inet_pton(s.family, dst, s.dst);
	return s;
}

/* Listeners, connections (v4, v6, v4-mapped), TIME-WAIT, an orphan. */
static size_t some_sockets(struct sock_entry *out)
{
	size_t n = 0;

	out[n++] = conn("0.0.0.0", 443, "0.0.0.0", 0, TCPCONN_STATE_LISTEN);
	out[n++] = conn("10.0.0.1", 443, "192.0.2.7", 50000, TCPCONN_STATE_ESTABLISHED);
	out[n++] = conn("10.0.0.1", 40000, "192.0.2.9", 80, TCPCONN_STATE_ESTABLISHED);
	out[n++] = conn("10.0.0.1", 40001, "192.0.2.9", 80, TCPCONN_STATE_TIME_WAIT);
	out[n++] = conn("2001:db8::1", 40000, "2001:db8::2", 443, TCPCONN_STATE_ESTABLISHED);
	out[n++] = conn("::ffff:10.0.0.1", 40002, "::ffff:192.0.2.9", 80,
			TCPCONN_STATE_TW_FIN_WAIT2);
	out[n] = conn("10.0.0.1", 40003, "192.0.2.9", 80, TCPCONN_STATE_FIN_WAIT1);
	out[n].orphan = true;
	out[n].timer = TCPCONN_TIMER_NONE;
	out[n++].inode = 0;
	return n;
}

static int json_sockets(bool with_procs)
{
	struct proc_info pi = { .pid = 7, .comm = "nginx" };
	struct proc_sock ps = { .inode = 4242, .fd = 5, .proc = 0 };
	struct procs procs = {
		.procs = &pi, .nprocs = 1, .socks = &ps, .nsocks = 1,
	};
	struct sock_entry s[8];
	struct sock_printer p;
	size_t n = some_sockets(s), i;
	int err = 0;

	sock_printer_init(&p, stdout, true, with_procs ? &procs : NULL);
	for (i = 0; i < n && !err; i++)
		err = sock_printer_add(&s[i], &p);
	if (!err)
		err = sock_printer_finish(&p, false);
	sock_printer_free(&p);
	return err;
}

static int json_remotes(void)
{
	struct sock_entry s[8];
	struct remotes r;
	size_t n = some_sockets(s), i;
	int err = 0;

	remotes_init(&r);
	for (i = 0; i < n && !err; i++)
		err = remotes_add(&s[i], &r);
	remotes_sort(&r);
	if (!err)
		err = remotes_print_json(stdout, &r, 1, false);
	remotes_free(&r);
	return err;
}

static int json_ports(bool reserved)
{
	uint8_t bitmap[65536 / 8];
	struct sock_entry s[8];
	struct ports p;
	size_t n = some_sockets(s), i;
	int err = 0;

	ports_init(&p, 32768, 60999);
	if (reserved) {
		memset(bitmap, 0, sizeof(bitmap));
		err = ports_parse_reserved("60000-60099\n", bitmap);
		ports_set_reserved(&p, bitmap);
	}
	for (i = 0; i < n && !err; i++)
		if (s[i].state == TCPCONN_STATE_LISTEN)
			err = ports_add_listener(&s[i], &p);
	for (i = 0; i < n && !err; i++)
		err = ports_add(&s[i], &p);
	ports_sort(&p);
	if (!err)
		err = ports_print_json(stdout, &p, 20, false);
	ports_free(&p);
	return err;
}

static int json_limits(enum canned_variant v)
{
	struct proc_info pi[2] = {
		{ .pid = 100, .comm = "nginx", .fds = 12, .sockets = 4,
		  .has_nofile = true, .nofile = 1024 },
		{ .pid = 200, .comm = "sshd", .fds = 5, .sockets = 1,
		  .has_nofile = true, .nofile = UINT64_MAX },	/* unlimited: null */
	};
	struct procs procs = { .procs = pi, .nprocs = 2 };
	struct fs_limits fs = { 0 };
	struct summary_sample sample;
	struct limits_report r = { .top = 20 };
	int err;

	err = canned_sample(&sample, v);
	if (err)
		return err;
	if (v == CANNED_BUSY) {
		fs.has_file_nr = fs.has_file_max = fs.has_nr_open = true;
		fs.files = 1536;
		fs.file_max = 9223372036854775807ULL;
		fs.nr_open = 1048576;
	}
	pi[0].tcp = 3;
	pi[1].tcp = 1;
	r.ntcp = limits_sort_procs(&procs);
	r.sample = &sample;
	r.fs = &fs;
	r.procs = &procs;
	err = limits_print_json(stdout, &r);
	summary_sample_free(&sample);
	return err;
}

static int json_summary(enum canned_variant v, bool watch)
{
	struct summary_sample a, b;
	struct summary_report rep = { .cur = &a };
	struct summary_rates rates;
	int err;

	err = canned_sample(&a, v);
	if (err)
		return err;
	if (!watch) {
		err = summary_print_json(stdout, &rep);
		summary_sample_free(&a);
		return err;
	}
	/* the second report of -i: timestamp, interval_s and rates */
	err = canned_sample(&b, v);
	if (!err) {
		b.mono.tv_sec += 2;
		b.real.tv_sec += 2;
		b.sum.counters[TCPCONN_COUNTER_LISTEN_OVERFLOWS] += 4;
		err = summary_rates_get(&a, &b, &rates);
		rep.cur = &b;
		rep.rates = &rates;
		rep.watch = true;
		if (!err)
			err = summary_print_json(stdout, &rep);
		summary_sample_free(&b);
	}
	summary_sample_free(&a);
	return err;
}

static int json_listeners(void)
{
	struct summary_sample s;
	int err = canned_sample(&s, CANNED_BUSY);

	if (err)
		return err;
	err = listeners_print_json(stdout, &s.listeners);
	summary_sample_free(&s);
	return err;
}

static int prometheus(enum canned_variant v)
{
	struct summary_sample s;
	int err = canned_sample(&s, v);

	if (err)
		return err;
	err = prom_print_sample(stdout, &s);
	summary_sample_free(&s);
	return err;
}

static const char *const json_variants[] = {
	"listeners", "summary", "summary-watch", "summary-sparse", "sockets",
	"sockets-p", "remotes", "ports", "ports-unreserved", "limits",
	"limits-sparse",
};

static int json(const char *v)
{
	size_t i;

	if (!strcmp(v, "list")) {
		for (i = 0; i < NELEM(json_variants); i++)
			puts(json_variants[i]);
		return 0;
	}
	if (!strcmp(v, "listeners"))
		return json_listeners();
	if (!strcmp(v, "summary"))
		return json_summary(CANNED_BUSY, false);
	if (!strcmp(v, "summary-watch"))
		return json_summary(CANNED_BUSY, true);
	if (!strcmp(v, "summary-sparse"))
		return json_summary(CANNED_SPARSE, false);
	if (!strcmp(v, "sockets"))
		return json_sockets(false);
	if (!strcmp(v, "sockets-p"))
		return json_sockets(true);
	if (!strcmp(v, "remotes"))
		return json_remotes();
	if (!strcmp(v, "ports"))
		return json_ports(true);
	if (!strcmp(v, "ports-unreserved"))
		return json_ports(false);
	if (!strcmp(v, "limits"))
		return json_limits(CANNED_BUSY);
	if (!strcmp(v, "limits-sparse"))
		return json_limits(CANNED_SPARSE);
	return -EINVAL;
}

int main(int argc, char **argv)
{
	int err = -EINVAL;

	if (argc == 3 && !strcmp(argv[1], "prometheus"))
		err = !strcmp(argv[2], "busy") ? prometheus(CANNED_BUSY) :
		      !strcmp(argv[2], "sparse") ? prometheus(CANNED_SPARSE) :
		      -EINVAL;
	else if (argc == 3 && !strcmp(argv[1], "json"))
		err = json(argv[2]);
	if (err == -EINVAL)
		fprintf(stderr, "usage: %s prometheus busy|sparse | json VARIANT|list\n",
			argv[0]);
	else if (err)
		fprintf(stderr, "%s: %s\n", argv[0], strerror(-err));
	if (!err && fflush(stdout) == EOF)
		err = -EIO;
	return err ? 1 : 0;
}
