// SPDX-License-Identifier: GPL-2.0
/*
 * test_summary_out.c - --summary output: the golden table, "-" and null for
 * values that did not come, JSON keys and values, JSON Lines with rates,
 * and the -i loop on canned samples (count, signals, errors).
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/tcpconn.h>

#include <json-c/json.h>

#include "tests.h"
#include "replay.h"
#include "summary.h"
#include "ticker.h"

/* The sample the golden output shows: sample_summary(), two listeners, /proc. */
static void golden_sample(struct summary_sample *s)
{
	struct listener l;

	memset(s, 0, sizeof(*s));
	s->sum = sample_summary();
	l = sample_listener(0);		/* 0.0.0.0:80, accept queue full */
	assert_int_equal(listener_list_add(&s->listeners, &l), 0);
	l = sample_listener(1);		/* 127.0.0.1:8080 */
	assert_int_equal(listener_list_add(&s->listeners, &l), 0);
	s->host.has_orphans = s->host.has_max_orphans = true;
	s->host.orphans = 9;
	s->host.max_orphans = 65536;
	s->real.tv_sec = 1700000000;
	s->real.tv_nsec = 123456789;
}

static const char golden_table[] =
"State           IPv4  IPv6  Total  Orphans\n"
"ESTABLISHED      120    30    150        0\n"
"SYN-SENT           1     0      1        0\n"
"SYN-RECV           5     0      5        0\n"
"FIN-WAIT-1         2     1      3        3\n"
"FIN-WAIT-2         3     0      3        1\n"
"TIME-WAIT       3400    90   3490        0\n"
"FIN-WAIT-2(tw)    10     0     10        0\n"
"CLOSE              0     0      0        0\n"
"CLOSE-WAIT         1     0      1        0\n"
"LAST-ACK           3     0      3        3\n"
"LISTEN             4     2      6        0\n"
"CLOSING            0     0      0        0\n"
"Total           3549   123   3672        7\n"
"\n"
"Resource                Used  Limit  Use%  Note\n"
"TIME-WAIT sockets       3500   4096   86%  tcp_max_tw_buckets; includes FIN-WAIT-2(tw)\n"
"Orphans (host-wide)        9  65536    1%  tcp_max_orphans; this netns: 7\n"
"TCP memory (pages)      1200  87744    2%  tcp_mem[2]; pressure above tcp_mem[1] 58496\n"
"Accept queue (fullest)   129    128  101%  0.0.0.0:80 (full)\n"
"SYN queue (fullest)        3    128    3%  0.0.0.0:80\n"
"SYN queues (all)           3      -     -  2 listeners\n"
"\n"
"Setting                      Value  Meaning\n"
"somaxconn                     4096  caps every listen() backlog\n"
"tcp_max_syn_backlog            512  SYN queue bound while syncookies are off\n"
"tcp_syncookies                   1  syncookies when a SYN queue is full\n"
"tcp_abort_on_overflow            0  full accept queue: drop the final ACK, the client retries\n"
"tcp_fin_timeout                 60  seconds an orphan may stay in FIN-WAIT-2\n"
"tcp_tw_reuse                     2  reuse TIME-WAIT for outgoing loopback connections\n"
"ip_local_port_range    32768-60999  28232 ephemeral ports\n"
"\n"
"Counter                              Value\n"
"ListenOverflows                         42\n"
"ListenDrops                             42\n"
"TCPReqQFullDrop                          0\n"
"TCPReqQFullDoCookies                     0\n"
"SyncookiesSent                           0\n"
"SyncookiesRecv                           0\n"
"SyncookiesFailed                         0\n"
"EmbryonicRsts                            1\n"
"TCPAbortOnMemory                         0\n"
"TCPAbortOnClose                          5\n"
"TCPAbortOnData                           0\n"
"TCPAbortOnTimeout                        2\n"
"TCPAbortOnLinger                         0\n"
"TCPTimeWaitOverflow                      0\n"
"TW                                  123456\n"
"TWRecycled            18446744073709551600\n"
"TWKilled                                 0\n"
"TCPMemoryPressures                       0\n"
"\n"
"Table walk: 1.235 ms, 65536 ehash buckets\n"
"\n"
"WARNING: TIME-WAIT 3500 of tcp_max_tw_buckets 4096 (86%): beyond it no TIME-WAIT socket is created and the connection is closed at once (TCPTimeWaitOverflow); raise net.ipv4.tcp_max_tw_buckets\n"
"WARNING: accept queue of 0.0.0.0:80 is full, 129 of backlog 128 (101%): new connections are dropped (ListenOverflows); the application accepts too slowly, or its listen() backlog (capped by net.core.somaxconn) is too small\n"
"WARNING: ListenOverflows is 42 (this namespace, since it was created): an accept queue was full: the application accepts too slowly, or its listen() backlog (capped by net.core.somaxconn) is too small\n"
"WARNING: ListenDrops is 42 (this namespace, since it was created): segments dropped at listeners (includes ListenOverflows): full queues, or no memory\n";

static char *table_of(const struct summary_report *rep)
{
	struct capture c;

	capture_start(&c);
	assert_int_equal(summary_print_table(c.f, rep), 0);
	capture_end(&c);
	return c.buf;
}

static void test_summary_table_golden(void **state)
{
	struct summary_sample s;
	struct summary_report rep = { .cur = &s };
	char *out;

	(void)state;
	golden_sample(&s);
	out = table_of(&rep);
	assert_string_equal(out, golden_table);
	free(out);
	summary_sample_free(&s);
}

/* Missing keys, no /proc values, no listeners: "-", never 0. */
static void test_summary_table_missing_values(void **state)
{
	struct summary_sample s;
	struct summary_report rep = { .cur = &s };
	char *out;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.sum = sample_summary();
	s.sum.states_present[SUM_V6] &= ~SUM_BIT(TCPCONN_STATE_LISTEN);
	s.sum.limits_present &= ~(SUM_BIT(TCPCONN_LIMIT_MAX_TW_BUCKETS) |
				  SUM_BIT(TCPCONN_LIMIT_PORT_HIGH) |
				  SUM_BIT(TCPCONN_LIMIT_SYNCOOKIES));
	s.sum.counters_present &= ~SUM_BIT(TCPCONN_COUNTER_TIMEWAITED);
	out = table_of(&rep);
	assert_non_null(strstr(out, "\nLISTEN             4     -      -        0\n"));
	assert_non_null(strstr(out, "\nTotal           3549     -      -        7\n"));
	assert_non_null(strstr(out, "\nTIME-WAIT sockets       3500      -     -  tcp_max_tw_buckets"));
	assert_non_null(strstr(out, "\nOrphans (host-wide)        -      -     -  tcp_max_orphans; this netns: 7\n"));
	assert_non_null(strstr(out, "\nAccept queue (fullest)     -      -     -  no listeners\n"));
	assert_non_null(strstr(out, "\nSYN queues (all)           0      -     -  0 listeners\n"));
	assert_non_null(strstr(out, "\ntcp_syncookies             -  -\n"));
	assert_non_null(strstr(out, "\nip_local_port_range        -  -\n"));
	assert_non_null(strstr(out, "\nTW                                       -\n"));
	/* nothing to compare TIME-WAIT with, so no warning about it */
	assert_null(strstr(out, "tcp_max_tw_buckets 4096"));
	free(out);
}

static void test_summary_table_watch(void **state)
{
	struct summary_sample a, b;
	struct summary_rates r;
	struct summary_report rep = { .cur = &a, .watch = true };
	char *out;

	(void)state;
	golden_sample(&a);
	golden_sample(&b);
	b.mono.tv_sec = 2;
	b.sum.counters[TCPCONN_COUNTER_LISTEN_OVERFLOWS] += 3;
	b.sum.counters[TCPCONN_COUNTER_LISTEN_DROPS] += 3;
	assert_int_equal(summary_rates_get(&a, &b, &r), 0);

	/* first report: header, a Rate/s column of "-", absolute warnings */
	out = table_of(&rep);
	assert_true(!strncmp(out, "tcpconn summary at ", 19));
	assert_null(strstr(out, "rates over"));
	assert_non_null(strstr(out, "\nCounter                              Value  Rate/s\n"));
	assert_non_null(strstr(out, "\nListenOverflows                         42       -\n"));
	assert_non_null(strstr(out, "WARNING: ListenOverflows is 42 "));
	assert_int_equal(out[strlen(out) - 1], '\n');
	assert_int_equal(out[strlen(out) - 2], '\n');	/* reports apart */
	free(out);

	/* later reports: rates, and counters warn on growth only */
	rep.cur = &b;
	rep.rates = &r;
	out = table_of(&rep);
	assert_non_null(strstr(out, ", rates over the last 2.00 s\n"));
	assert_non_null(strstr(out, "\nListenOverflows                         45     1.5\n"));
	assert_non_null(strstr(out, "\nTCPReqQFullDrop                          0     0.0\n"));
	assert_non_null(strstr(out, "WARNING: ListenOverflows +3 in 2.0 s (1.5/s): "));
	assert_null(strstr(out, "WARNING: ListenOverflows is"));
	assert_null(strstr(out, "WARNING: EmbryonicRsts"));
	free(out);
	summary_sample_free(&a);
	summary_sample_free(&b);
}

/* ---- JSON ------------------------------------------------------------- */

static struct json_object *get(struct json_object *o, const char *key,
			       enum json_type type)
{
	struct json_object *v = NULL;

	assert_true(json_object_object_get_ex(o, key, &v));
	assert_int_equal(json_object_get_type(v), type);
	return v;
}

static int64_t get_int(struct json_object *o, const char *key)
{
	return json_object_get_int64(get(o, key, json_type_int));
}

static void assert_keys(struct json_object *o, const char *const *keys,
			size_t n)
{
	size_t i;

	assert_int_equal(json_object_object_length(o), n);
	for (i = 0; i < n; i++)
		assert_true(json_object_object_get_ex(o, keys[i], NULL));
}

static void test_summary_json_keys(void **state)
{
	static const char *const top[] = {
		"states", "orphans", "time_wait_count", "limits",
		"listen_queues", "counters", "warnings", "walk_ns",
		"ehash_buckets",
	};
	static const char *const fams[] = { "ipv4", "ipv6", "total" };
	static const char *const ofams[] = { "total", "ipv4", "ipv6" };
	static const char *const states[] = {
		"established", "syn_sent", "syn_recv", "fin_wait1", "fin_wait2",
		"time_wait", "tw_fin_wait2", "close", "close_wait", "last_ack",
		"listen", "closing",
	};
	static const char *const limits[] = {
		"tcp_max_tw_buckets", "somaxconn", "tcp_max_syn_backlog",
		"tcp_syncookies", "tcp_abort_on_overflow", "tcp_fin_timeout",
		"tcp_tw_reuse", "ip_local_port_range", "tcp_mem",
		"tcp_mem_used_pages", "page_size", "tcp_max_orphans",
		"host_orphans",
	};
	static const char *const queues[] = {
		"listeners", "syn_queue_total", "accept_queue_total",
		"fullest_accept_queue", "fullest_syn_queue",
	};
	/* exactly /proc/net/netstat's TcpExt names */
	static const char *const counters[] = {
		"ListenOverflows", "ListenDrops", "TCPReqQFullDrop",
		"TCPReqQFullDoCookies", "SyncookiesSent", "SyncookiesRecv",
		"SyncookiesFailed", "EmbryonicRsts", "TCPAbortOnMemory",
		"TCPAbortOnClose", "TCPAbortOnData", "TCPAbortOnTimeout",
		"TCPAbortOnLinger", "TCPTimeWaitOverflow", "TW", "TWRecycled",
		"TWKilled", "TCPMemoryPressures",
	};
	struct summary_sample s;
	struct summary_report rep = { .cur = &s };
	struct json_object *root, *o, *v;
	size_t i;

	(void)state;
	golden_sample(&s);
	root = summary_to_json(&rep);
	assert_non_null(root);
	assert_keys(root, top, ARRAY_LEN(top));

	o = get(root, "states", json_type_object);
	assert_keys(o, fams, ARRAY_LEN(fams));
	for (i = 0; i < ARRAY_LEN(fams); i++)
		assert_keys(get(o, fams[i], json_type_object), states,
			    ARRAY_LEN(states));
	assert_int_equal(get_int(get(o, "ipv4", json_type_object), "time_wait"), 3400);
	assert_int_equal(get_int(get(o, "ipv6", json_type_object), "established"), 30);
	assert_int_equal(get_int(get(o, "total", json_type_object), "established"), 150);
	assert_int_equal(get_int(get(o, "total", json_type_object), "tw_fin_wait2"), 10);

	o = get(root, "orphans", json_type_object);
	assert_keys(o, ofams, ARRAY_LEN(ofams));
	assert_int_equal(get_int(o, "total"), 7);
	assert_int_equal(get_int(get(o, "ipv4", json_type_object), "last_ack"), 3);
	assert_int_equal(get_int(get(o, "ipv6", json_type_object), "fin_wait1"), 1);
	assert_int_equal(get_int(root, "time_wait_count"), 3500);

	o = get(root, "limits", json_type_object);
	assert_keys(o, limits, ARRAY_LEN(limits));
	assert_int_equal(get_int(o, "tcp_max_tw_buckets"), 4096);
	assert_int_equal(get_int(o, "tcp_tw_reuse"), 2);
	v = get(o, "ip_local_port_range", json_type_array);
	assert_int_equal(json_object_array_length(v), 2);
	assert_int_equal(json_object_get_int(json_object_array_get_idx(v, 0)), 32768);
	assert_int_equal(json_object_get_int(json_object_array_get_idx(v, 1)), 60999);
	v = get(o, "tcp_mem", json_type_array);
	assert_int_equal(json_object_array_length(v), 3);
	assert_int_equal(json_object_get_int(json_object_array_get_idx(v, 1)), 58496);
	assert_int_equal(get_int(o, "tcp_mem_used_pages"), 1200);
	assert_int_equal(get_int(o, "page_size"), 4096);
	assert_int_equal(get_int(o, "tcp_max_orphans"), 65536);
	assert_int_equal(get_int(o, "host_orphans"), 9);

	o = get(root, "listen_queues", json_type_object);
	assert_keys(o, queues, ARRAY_LEN(queues));
	assert_int_equal(get_int(o, "listeners"), 2);
	assert_int_equal(get_int(o, "syn_queue_total"), 3);
	assert_int_equal(get_int(o, "accept_queue_total"), 129);
	v = get(o, "fullest_accept_queue", json_type_object);
	assert_int_equal(get_int(v, "local_port"), 80);
	assert_true(json_object_get_boolean(get(v, "accept_queue_full", json_type_boolean)));

	o = get(root, "counters", json_type_object);
	assert_keys(o, counters, ARRAY_LEN(counters));
	for (i = 0; i < ARRAY_LEN(counters); i++)
		assert_string_equal(summary_counter_name[i + 1], counters[i]);
	assert_int_equal(get_int(o, "ListenOverflows"), 42);
	assert_true(json_object_get_uint64(get(o, "TWRecycled", json_type_int)) ==
		    0xfffffffffffffff0ULL);

	v = get(root, "warnings", json_type_array);
	assert_int_equal(json_object_array_length(v), 4);
	o = json_object_array_get_idx(v, 0);
	assert_string_equal(json_object_get_string(get(o, "name", json_type_string)),
			    "tcp_max_tw_buckets");
	assert_true(!strncmp(json_object_get_string(get(o, "message", json_type_string)),
			     "TIME-WAIT 3500 of tcp_max_tw_buckets 4096 (86%)", 47));
	assert_int_equal(get_int(root, "walk_ns"), 1234567);
	assert_int_equal(get_int(root, "ehash_buckets"), 65536);
	json_object_put(root);
	summary_sample_free(&s);
}

static void test_summary_json_nulls(void **state)
{
	struct summary_sample s;
	struct summary_report rep = { .cur = &s };
	struct json_object *root, *o, *v;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.sum = sample_summary();
	s.sum.states_present[SUM_V4] &= ~SUM_BIT(TCPCONN_STATE_CLOSING);
	s.sum.limits_present &= ~(SUM_BIT(TCPCONN_LIMIT_SOMAXCONN) |
				  SUM_BIT(TCPCONN_LIMIT_TCP_MEM_LOW));
	s.sum.counters_present &= ~SUM_BIT(TCPCONN_COUNTER_TIMEWAIT_KILLED);
	root = summary_to_json(&rep);
	assert_non_null(root);
	o = get(root, "states", json_type_object);
	get(get(o, "ipv4", json_type_object), "closing", json_type_null);
	get(get(o, "total", json_type_object), "closing", json_type_null);
	assert_int_equal(get_int(get(o, "ipv6", json_type_object), "closing"), 0);
	o = get(root, "limits", json_type_object);
	get(o, "somaxconn", json_type_null);
	get(o, "tcp_max_orphans", json_type_null);
	get(o, "host_orphans", json_type_null);
	v = get(o, "tcp_mem", json_type_array);
	assert_null(json_object_array_get_idx(v, 0));
	assert_int_equal(json_object_get_int(json_object_array_get_idx(v, 2)), 87744);
	get(get(root, "counters", json_type_object), "TWKilled", json_type_null);
	o = get(root, "listen_queues", json_type_object);
	get(o, "fullest_accept_queue", json_type_null);
	get(o, "fullest_syn_queue", json_type_null);
	json_object_put(root);
}

/* One-shot: a pretty document; -i: one line per sample, rates from the second. */
static void test_summary_json_printed(void **state)
{
	struct summary_sample a, b;
	struct summary_rates r;
	struct summary_report rep = { .cur = &a };
	struct json_object *root, *o;
	struct capture c;
	const char *out;

	(void)state;
	golden_sample(&a);
	golden_sample(&b);
	b.mono.tv_nsec = 500000000;
	b.sum.counters[TCPCONN_COUNTER_LISTEN_OVERFLOWS] += 1;

	capture_start(&c);
	assert_int_equal(summary_print_json(c.f, &rep), 0);
	out = capture_end(&c);
	assert_non_null(strstr(out, "\n  \"states\":{\n"));
	assert_non_null(strstr(out, "\"TWRecycled\":18446744073709551600"));
	assert_null(strstr(out, "timestamp"));
	assert_null(strstr(out, "rates"));
	root = json_tokener_parse(out);
	assert_non_null(root);
	json_object_put(root);
	free(c.buf);

	rep.watch = true;
	capture_start(&c);
	assert_int_equal(summary_print_json(c.f, &rep), 0);
	rep.cur = &b;
	assert_int_equal(summary_rates_get(&a, &b, &r), 0);
	rep.rates = &r;
	assert_int_equal(summary_print_json(c.f, &rep), 0);
	out = capture_end(&c);
	/* two lines, each a whole document */
	assert_non_null(strchr(out, '\n'));
	assert_string_equal(strchr(strchr(out, '\n') + 1, '\n'), "\n");
	assert_non_null(strstr(out, "\"timestamp\":1700000000.123,"));
	root = json_tokener_parse(out);		/* the first line */
	assert_non_null(root);
	assert_false(json_object_object_get_ex(root, "rates", NULL));
	json_object_put(root);
	root = json_tokener_parse(strchr(out, '\n') + 1);
	assert_non_null(root);
	assert_true(json_object_get_double(get(root, "interval_s", json_type_double)) == 0.5);
	o = get(root, "rates", json_type_object);
	assert_int_equal(json_object_object_length(o), TCPCONN_COUNTER_MAX);
	assert_true(json_object_get_double(get(o, "ListenOverflows", json_type_double)) == 2.0);
	assert_true(json_object_get_double(get(o, "TW", json_type_double)) == 0.0);
	assert_non_null(strstr(out, "\"ListenOverflows\":2.000"));
	/* growth warns; ListenDrops stood still, so it does not */
	o = get(root, "warnings", json_type_array);
	assert_int_equal(json_object_array_length(o), 3);
	json_object_put(root);
	free(c.buf);
	summary_sample_free(&a);
	summary_sample_free(&b);
}

/* ---- the -i loop on canned samples ------------------------------------- */

struct fake_src {
	int calls;
	int fail_at;		/* call number that fails, 0: none */
	int sigint_at;		/* call number that raises SIGINT, 0: none */
	struct timespec last;
};

static int fake_fetch(void *ctx, struct summary_sample *s)
{
	struct fake_src *src = ctx;
	struct listener l = sample_listener(0);

	src->calls++;
	if (src->calls == src->fail_at)
		return -EIO;
	memset(s, 0, sizeof(*s));
	s->sum = sample_summary();
	s->sum.counters[TCPCONN_COUNTER_LISTEN_OVERFLOWS] += 10 * src->calls;
	/* something to free: the loop must not leak a sample */
	if (listener_list_add(&s->listeners, &l))
		return -ENOMEM;
	clock_gettime(CLOCK_MONOTONIC, &s->mono);
	clock_gettime(CLOCK_REALTIME, &s->real);
	src->last = s->mono;
	if (src->calls == src->sigint_at)
		raise(SIGINT);
	return 0;
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void test_summary_loop_once(void **state)
{
	struct summary_loop_opts lo = { .json = true };
	struct fake_src src = { 0 };
	struct capture c;
	struct json_object *root;

	(void)state;
	capture_start(&c);
	assert_int_equal(summary_loop(fake_fetch, &src, &lo, c.f), 0);
	capture_end(&c);
	assert_int_equal(src.calls, 1);
	root = json_tokener_parse(c.buf);
	assert_non_null(root);
	assert_false(json_object_object_get_ex(root, "timestamp", NULL));
	json_object_put(root);
	free(c.buf);
}

static void test_summary_loop_count(void **state)
{
	struct summary_loop_opts lo = { .json = true, .interval = 0.1, .count = 3 };
	struct fake_src src = { 0 };
	struct json_object *root;
	struct timespec start;
	struct capture c;
	const char *line;
	int n = 0;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &start);
	capture_start(&c);
	assert_int_equal(summary_loop(fake_fetch, &src, &lo, c.f), 0);
	capture_end(&c);
	assert_int_equal(src.calls, 3);
	assert_int_equal(count_lines(c.buf), 3);
	/* samples at least SECS apart on the monotonic clock */
	assert_true(timespec_diff(&start, &src.last) >= 0.2);
	for (line = c.buf; *line; line = strchr(line, '\n') + 1, n++) {
		struct json_object *rates;

		root = json_tokener_parse(line);
		assert_non_null(root);
		assert_true(json_object_object_get_ex(root, "timestamp", NULL));
		assert_int_equal(json_object_object_get_ex(root, "rates", &rates),
				 n > 0);
		if (n > 0) {
			double r = json_object_get_double(
				get(rates, "ListenOverflows", json_type_double));
			double dt = json_object_get_double(
				get(root, "interval_s", json_type_double));

			/* +10 per sample over the interval it reports */
			assert_true(dt > 0.002);
			assert_true(r > 10 / (dt + 0.001) - 0.001 &&
				    r < 10 / (dt - 0.001) + 0.001);
		}
		json_object_put(root);
	}
	assert_int_equal(n, 3);
	free(c.buf);

	/* -c 1: one report, no sleep */
	memset(&src, 0, sizeof(src));
	lo.count = 1;
	lo.json = false;
	capture_start(&c);
	assert_int_equal(summary_loop(fake_fetch, &src, &lo, c.f), 0);
	capture_end(&c);
	assert_int_equal(src.calls, 1);
	assert_true(!strncmp(c.buf, "tcpconn summary at ", 19));
	free(c.buf);
}

/*
 * SIGINT/SIGTERM end watching with success; their handlers are put back.
 * Compared with what they were before, not with SIG_DFL: a shell starts
 * background jobs with SIGINT ignored (nohup, "make check &").
 */
static void test_summary_loop_signal(void **state)
{
	struct summary_loop_opts lo = { .interval = 0.1 };
	struct fake_src src = { .sigint_at = 2 };
	struct sigaction sa, int0, term0;
	struct capture c;

	(void)state;
	assert_int_equal(sigaction(SIGINT, NULL, &int0), 0);
	assert_int_equal(sigaction(SIGTERM, NULL, &term0), 0);
	capture_start(&c);
	assert_int_equal(summary_loop(fake_fetch, &src, &lo, c.f), 0);
	capture_end(&c);
	assert_int_equal(src.calls, 2);
	assert_non_null(strstr(c.buf, "rates over the last"));
	free(c.buf);
	assert_int_equal(sigaction(SIGINT, NULL, &sa), 0);
	assert_true(sa.sa_handler == int0.sa_handler);
	assert_int_equal(sigaction(SIGTERM, NULL, &sa), 0);
	assert_true(sa.sa_handler == term0.sa_handler);
}

static void test_summary_loop_fetch_error(void **state)
{
	struct summary_loop_opts lo = { .interval = 0.1, .count = 5 };
	struct fake_src src = { .fail_at = 2 };
	struct capture c;

	(void)state;
	capture_start(&c);
	assert_int_equal(summary_loop(fake_fetch, &src, &lo, c.f), -EIO);
	capture_end(&c);
	assert_int_equal(src.calls, 2);
	free(c.buf);

	src = (struct fake_src){ .fail_at = 1 };
	lo.interval = 0;
	capture_start(&c);
	assert_int_equal(summary_loop(fake_fetch, &src, &lo, c.f), -EIO);
	capture_end(&c);
	assert_string_equal(c.buf, "");
	free(c.buf);
}

int run_summary_out_tests(int *total)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_summary_table_golden),
		cmocka_unit_test(test_summary_table_missing_values),
		cmocka_unit_test(test_summary_table_watch),
		cmocka_unit_test(test_summary_json_keys),
		cmocka_unit_test(test_summary_json_nulls),
		cmocka_unit_test(test_summary_json_printed),
		cmocka_unit_test(test_summary_loop_once),
		cmocka_unit_test(test_summary_loop_count),
		cmocka_unit_test(test_summary_loop_signal),
		cmocka_unit_test(test_summary_loop_fetch_error),
	};

	*total = (int)ARRAY_LEN(tests);
	return cmocka_run_group_tests_name("summary output", tests, NULL, NULL);
}
