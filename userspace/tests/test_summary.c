// SPDX-License-Identifier: GPL-2.0
/*
 * test_summary.c - --summary on replayed replies: request, parser (unknown
 * and missing attributes, bad lengths), the do exchange, the old-module
 * exit status, and the derived values: Use%, fullest listeners, rates,
 * warning thresholds.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/tcpconn.h>

#include "tests.h"
#include "main.h"
#include "nl.h"
#include "replay.h"
#include "summary.h"

static _Alignas(8) char buf[MNL_SOCKET_DUMP_SIZE];

static void assert_summary_equal(const struct tcpconn_summary *a,
				 const struct tcpconn_summary *b)
{
	/* every field, padding included: both sides were memset first */
	assert_memory_equal(a, b, sizeof(*a));
}

static int parse(unsigned int how, struct tcpconn_summary *got)
{
	struct tcpconn_summary want = sample_summary();

	return summary_parse(put_summary(buf, &want, how), got);
}

static void test_summary_parse_complete(void **state)
{
	struct tcpconn_summary want = sample_summary(), got;

	(void)state;
	memset(&got, 0xaa, sizeof(got));
	assert_int_equal(parse(0, &got), 0);
	assert_summary_equal(&got, &want);
}

/* A newer module: unknown attributes, nests, keys of any size are skipped. */
static void test_summary_parse_unknown_ignored(void **state)
{
	struct tcpconn_summary want = sample_summary(), got;

	(void)state;
	assert_int_equal(parse(BS_UNKNOWN, &got), 0);
	assert_summary_equal(&got, &want);
}

/* PAD at the top level and key-0 padding inside the u64 nests. */
static void test_summary_parse_padding(void **state)
{
	struct tcpconn_summary want = sample_summary(), got;

	(void)state;
	assert_int_equal(parse(BS_PAD | BS_UNKNOWN, &got), 0);
	assert_summary_equal(&got, &want);
}

static void test_summary_parse_wrong_lengths(void **state)
{
	static const unsigned int bad[] = {
		BS_STATE_AS_U64, BS_COUNTER_AS_U32, BS_TW_AS_U64, BS_SHORT_NEST,
	};
	struct tcpconn_summary got;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(bad); i++)
		assert_int_equal(parse(bad[i], &got), -EBADMSG);
}

static void test_summary_parse_truncated(void **state)
{
	struct tcpconn_summary got;
	struct nlmsghdr *nlh;

	(void)state;
	assert_int_equal(parse(BS_TRUNC_IN_NEST, &got), -EBADMSG);
	assert_int_equal(parse(BS_TRAILING_GARBAGE, &got), -EBADMSG);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = TEST_FAMILY_ID;
	assert_int_equal(summary_parse(nlh, &got), -EBADMSG);
}

/* A whole nest missing is an error, like any missing listener value. */
static void test_summary_parse_missing_nest(void **state)
{
	struct tcpconn_summary got;

	(void)state;
	assert_int_equal(parse(BS_NO_COUNTERS, &got), -EBADMSG);
	assert_int_equal(parse(BS_NO_STATES_V6, &got), -EBADMSG);
}

/* A key missing inside a nest is "not known", never 0. */
static void test_summary_parse_missing_keys(void **state)
{
	struct tcpconn_summary got;
	uint64_t v = 99;

	(void)state;
	assert_int_equal(parse(BS_DROP_KEYS, &got), 0);
	assert_false(summary_state(&got, SUM_V4, SUMMARY_DROPPED_STATE, &v));
	assert_true(summary_state(&got, SUM_V6, SUMMARY_DROPPED_STATE, &v));
	assert_false(summary_limit(&got, SUMMARY_DROPPED_LIMIT, &v));
	assert_false(summary_counter(&got, SUMMARY_DROPPED_COUNTER, &v));
	assert_true(summary_counter(&got, TCPCONN_COUNTER_LISTEN_OVERFLOWS, &v));
	assert_int_equal(v, 42);
	/* out of range asks are "absent" too */
	assert_false(summary_state(&got, SUM_V4, 0, &v));
	assert_false(summary_state(&got, SUM_V4, TCPCONN_STATE_MAX + 1, &v));
	assert_false(summary_limit(&got, TCPCONN_LIMIT_MAX + 1, &v));
	assert_false(summary_counter(&got, 0, &v));
}

static void test_summary_request(void **state)
{
	char req[NL_REQ_SIZE];
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;

	(void)state;
	assert_null(summary_request(req, 16, TEST_FAMILY_ID));
	nlh = summary_request(req, sizeof(req), TEST_FAMILY_ID);
	assert_non_null(nlh);
	assert_int_equal(nlh->nlmsg_type, TEST_FAMILY_ID);
	/* a do: REQUEST|ACK, never DUMP */
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	g = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(g->cmd, TCPCONN_CMD_SUMMARY_GET);
	assert_int_equal(g->version, TCPCONN_GENL_VERSION);
	assert_int_equal(mnl_nlmsg_get_payload_len(nlh), sizeof(*g));
}

/* The reply then the ACK, as nl_transact() receives them. */
static void test_summary_replayed_do(void **state)
{
	struct tcpconn_summary want = sample_summary(), got;
	struct summary_collect c = { .sum = &got };
	struct nl_ctx nl;
	size_t len;

	(void)state;
	nl_init(&nl);
	len = put_summary(buf, &want, BS_UNKNOWN)->nlmsg_len;
	len += put_error(buf + len, 0, NULL, NULL)->nlmsg_len;
	assert_int_equal(nl_feed(&nl, buf, len, 0, summary_collect_cb, &c), 0);
	assert_int_equal(c.replies, 1);
	assert_summary_equal(&got, &want);

	/* reply and ACK in two reads */
	c.replies = 0;
	len = put_summary(buf, &want, 0)->nlmsg_len;
	assert_int_equal(nl_feed(&nl, buf, len, 0, summary_collect_cb, &c), 1);
	len = put_error(buf, 0, NULL, NULL)->nlmsg_len;
	assert_int_equal(nl_feed(&nl, buf, len, 0, summary_collect_cb, &c), 0);
	assert_int_equal(c.replies, 1);
}

static void test_summary_replayed_do_errors(void **state)
{
	struct tcpconn_summary want = sample_summary(), got;
	struct summary_collect c = { .sum = &got };
	struct nl_ctx nl;
	size_t len;

	(void)state;
	nl_init(&nl);
	/* two replies to a do */
	len = put_summary(buf, &want, 0)->nlmsg_len;
	len += put_summary(buf + len, &want, 0)->nlmsg_len;
	len += put_error(buf + len, 0, NULL, NULL)->nlmsg_len;
	assert_int_equal(nl_feed(&nl, buf, len, 0, summary_collect_cb, &c),
			 -EBADMSG);

	/* refused: strict validation of a request attribute, or permission */
	c.replies = 0;
	len = put_error(buf, -EINVAL, "Unknown attribute type", NULL)->nlmsg_len;
	assert_int_equal(nl_feed(&nl, buf, len, 0, summary_collect_cb, &c),
			 -EINVAL);
	assert_string_equal(nl.ext_msg, "Unknown attribute type");
	assert_int_equal(c.replies, 0);
	len = put_error(buf, -EPERM, NULL, NULL)->nlmsg_len;
	assert_int_equal(nl_feed(&nl, buf, len, 0, summary_collect_cb, &c),
			 -EPERM);
	assert_int_equal(exit_status(&nl, "--summary", -EPERM), 5);
}

/* An older tcpconn.ko: its op list has LISTENERS_GET only. */
static void test_summary_old_module_exit_4(void **state)
{
	static const uint32_t ops[] = { TCPCONN_CMD_LISTENERS_GET };
	struct nl_ctx nl;
	size_t len;
	int err, saved;

	(void)state;
	nl_init(&nl);
	len = put_family(buf, TEST_FAMILY_ID, TCPCONN_GENL_VERSION, ops,
			 ARRAY_LEN(ops))->nlmsg_len;
	len += put_error(buf + len, 0, NULL, NULL)->nlmsg_len;
	assert_int_equal(nl_family_finish(&nl, nl_feed(&nl, buf, len, 0,
						       nl_family_parse, &nl)), 0);
	err = nl_require_op(&nl, TCPCONN_CMD_SUMMARY_GET);
	assert_int_equal(err, -EOPNOTSUPP);
	assert_int_equal(nl.state, NL_FAMILY_NO_OP);
	assert_int_equal(nl.missing_op, TCPCONN_CMD_SUMMARY_GET);
	saved = stderr_mute();
	err = exit_status(&nl, "--summary", err);
	stderr_restore(saved);
	assert_int_equal(err, 4);
}

/* ---- derived values --------------------------------------------------- */

static void test_summary_usage_pct(void **state)
{
	uint64_t p = 7;

	(void)state;
	assert_false(usage_pct(5, 0, &p));
	assert_int_equal(p, 7);
	assert_true(usage_pct(0, 10, &p));
	assert_int_equal(p, 0);
	assert_true(usage_pct(80, 100, &p));
	assert_int_equal(p, 80);
	/* rounded up, as df: 80.01% shows as 81% */
	assert_true(usage_pct(8001, 10000, &p));
	assert_int_equal(p, 81);
	assert_true(usage_pct(3500, 4096, &p));
	assert_int_equal(p, 86);
	assert_true(usage_pct(129, 128, &p));
	assert_int_equal(p, 101);
	assert_true(usage_pct(UINT64_MAX, UINT64_MAX, &p));
	assert_true(p >= 100 && p <= 101);
}

static void test_summary_usage_high(void **state)
{
	(void)state;
	assert_false(usage_high(79, 100));
	assert_false(usage_high(80, 100));	/* "above 80%" */
	assert_true(usage_high(81, 100));
	assert_false(usage_high(102, 128));	/* 79.7% */
	assert_true(usage_high(103, 128));	/* 80.5% */
	assert_false(usage_high(0, 0));
	assert_true(usage_high(1, 0));
	assert_false(usage_high(UINT64_MAX / 2, UINT64_MAX));
	assert_true(usage_high(UINT64_MAX, UINT64_MAX));
}

static void add_listener(struct listener_list *list, uint16_t port,
			 uint32_t syn, uint32_t acc, uint32_t backlog)
{
	struct listener l;

	memset(&l, 0, sizeof(l));
	l.family = AF_INET;
	l.port = port;
	l.syn_queue = syn;
	l.accept_queue = acc;
	l.backlog = backlog;
	assert_int_equal(listener_list_add(list, &l), 0);
}

static void test_summary_listen_stats(void **state)
{
	struct listener_list list = { 0 };
	struct listen_stats st;

	(void)state;
	listen_stats_get(&list, &st);
	assert_int_equal(st.count, 0);
	assert_null(st.accept_fullest);
	assert_null(st.syn_fullest);

	add_listener(&list, 1, 0, 0, 0);	/* empty, zero backlog: 0% */
	add_listener(&list, 2, 10, 100, 4096);	/* longest queues, 2% */
	add_listener(&list, 3, 5, 60, 64);	/* 94% accept, 8% SYN */
	add_listener(&list, 4, 6, 0, 64);	/* 9% SYN: fullest SYN */
	add_listener(&list, 5, 6, 60, 64);	/* ties with 3 and 4: first wins */
	listen_stats_get(&list, &st);
	assert_int_equal(st.count, 5);
	assert_int_equal(st.syn_total, 27);
	assert_int_equal(st.accept_total, 220);
	assert_int_equal(st.accept_fullest->port, 3);
	assert_int_equal(st.syn_fullest->port, 4);

	/* listen(fd, 0) holds one: a queue of 1 on backlog 0 beats any ratio */
	add_listener(&list, 6, 0, 1, 0);
	listen_stats_get(&list, &st);
	assert_int_equal(st.accept_fullest->port, 6);
	listener_list_free(&list);
}

static void sample_at(struct summary_sample *s, time_t sec, long nsec)
{
	memset(s, 0, sizeof(*s));
	s->sum = sample_summary();
	s->mono.tv_sec = sec;
	s->mono.tv_nsec = nsec;
}

static void test_summary_rates(void **state)
{
	struct summary_sample a, b;
	struct summary_rates r;

	(void)state;
	sample_at(&a, 100, 0);
	sample_at(&b, 102, 0);
	b.sum.counters[TCPCONN_COUNTER_LISTEN_OVERFLOWS] += 10;
	b.sum.counters[TCPCONN_COUNTER_TIMEWAITED] += 1;
	b.sum.counters[TCPCONN_COUNTER_EMBRYONIC_RSTS] -= 1;	/* went back */
	b.sum.counters_present &= ~SUM_BIT(TCPCONN_COUNTER_ABORT_ON_DATA);
	assert_int_equal(summary_rates_get(&a, &b, &r), 0);
	assert_true(r.interval == 2.0);
	assert_true(r.ok & SUM_BIT(TCPCONN_COUNTER_LISTEN_OVERFLOWS));
	assert_int_equal(r.delta[TCPCONN_COUNTER_LISTEN_OVERFLOWS], 10);
	assert_true(r.rate[TCPCONN_COUNTER_LISTEN_OVERFLOWS] == 5.0);
	assert_true(r.rate[TCPCONN_COUNTER_TIMEWAITED] == 0.5);
	assert_true(r.ok & SUM_BIT(TCPCONN_COUNTER_LISTEN_DROPS));
	assert_int_equal(r.delta[TCPCONN_COUNTER_LISTEN_DROPS], 0);
	/* counter reset or missing: no rate rather than a wrong one */
	assert_false(r.ok & SUM_BIT(TCPCONN_COUNTER_EMBRYONIC_RSTS));
	assert_false(r.ok & SUM_BIT(TCPCONN_COUNTER_ABORT_ON_DATA));

	/* fractional interval */
	sample_at(&b, 100, 250000000);
	b.sum.counters[TCPCONN_COUNTER_LISTEN_OVERFLOWS] += 1;
	assert_int_equal(summary_rates_get(&a, &b, &r), 0);
	assert_true(r.rate[TCPCONN_COUNTER_LISTEN_OVERFLOWS] == 4.0);

	/* not after the previous one */
	assert_int_equal(summary_rates_get(&a, &a, &r), -EINVAL);
	assert_int_equal(summary_rates_get(&b, &a, &r), -EINVAL);
}

/* ---- warnings --------------------------------------------------------- */

/* A quiet sample: no counter set, everything far below its limit. */
static void quiet_sample(struct summary_sample *s)
{
	memset(s, 0, sizeof(*s));
	s->sum = sample_summary();
	memset(s->sum.counters, 0, sizeof(s->sum.counters));
	s->sum.tw_count = 10;
	s->host.has_orphans = s->host.has_max_orphans = true;
	s->host.orphans = 1;
	s->host.max_orphans = 100;
}

static size_t warnings_named(const struct summary_sample *s,
			     const struct summary_rates *r, const char *name)
{
	struct summary_warnings w;
	size_t i, n = 0;

	assert_int_equal(summary_warnings_get(s, r, &w), 0);
	for (i = 0; i < w.len; i++) {
		assert_non_null(w.items[i].msg);
		assert_int_not_equal(strncmp(w.items[i].msg, "WARNING", 7), 0);
		if (!name || !strcmp(w.items[i].name, name))
			n++;
	}
	summary_warnings_free(&w);
	return n;
}

static void test_summary_warn_quiet(void **state)
{
	struct summary_sample s;

	(void)state;
	quiet_sample(&s);
	assert_int_equal(warnings_named(&s, NULL, NULL), 0);
}

static void test_summary_warn_time_wait_threshold(void **state)
{
	struct summary_sample s;

	(void)state;
	quiet_sample(&s);
	s.sum.limits[TCPCONN_LIMIT_MAX_TW_BUCKETS] = 100;
	s.sum.tw_count = 79;
	assert_int_equal(warnings_named(&s, NULL, "tcp_max_tw_buckets"), 0);
	s.sum.tw_count = 80;
	assert_int_equal(warnings_named(&s, NULL, "tcp_max_tw_buckets"), 0);
	s.sum.tw_count = 81;
	assert_int_equal(warnings_named(&s, NULL, "tcp_max_tw_buckets"), 1);
	/* no limit known: nothing to compare with */
	s.sum.limits_present &= ~SUM_BIT(TCPCONN_LIMIT_MAX_TW_BUCKETS);
	assert_int_equal(warnings_named(&s, NULL, NULL), 0);
}

static void test_summary_warn_orphans_and_mem(void **state)
{
	struct summary_sample s;

	(void)state;
	quiet_sample(&s);
	s.host.orphans = 79;
	assert_int_equal(warnings_named(&s, NULL, "tcp_max_orphans"), 0);
	s.host.orphans = 81;
	assert_int_equal(warnings_named(&s, NULL, "tcp_max_orphans"), 1);
	/* outside the initial netns tcp_max_orphans cannot be read */
	s.host.has_max_orphans = false;
	assert_int_equal(warnings_named(&s, NULL, NULL), 0);

	quiet_sample(&s);
	s.sum.limits[TCPCONN_LIMIT_TCP_MEM_PRESSURE] = 50;
	s.sum.limits[TCPCONN_LIMIT_TCP_MEM_HIGH] = 100;
	s.sum.limits[TCPCONN_LIMIT_TCP_MEM_USED] = 50;
	assert_int_equal(warnings_named(&s, NULL, "tcp_mem"), 0);
	s.sum.limits[TCPCONN_LIMIT_TCP_MEM_USED] = 51;	/* pressure */
	assert_int_equal(warnings_named(&s, NULL, "tcp_mem"), 1);
	s.sum.limits[TCPCONN_LIMIT_TCP_MEM_USED] = 81;	/* one line, not two */
	assert_int_equal(warnings_named(&s, NULL, "tcp_mem"), 1);
}

static void test_summary_warn_listeners(void **state)
{
	struct summary_sample s;
	uint16_t port;

	(void)state;
	quiet_sample(&s);
	add_listener(&s.listeners, 80, 0, 102, 128);	/* 79.7% */
	assert_int_equal(warnings_named(&s, NULL, NULL), 0);
	s.listeners.items[0].accept_queue = 103;	/* 80.5% */
	assert_int_equal(warnings_named(&s, NULL, "accept_queue"), 1);
	s.listeners.items[0].accept_queue = 129;	/* full */
	assert_int_equal(warnings_named(&s, NULL, "accept_queue"), 1);
	s.listeners.items[0].syn_queue = 103;
	assert_int_equal(warnings_named(&s, NULL, "syn_queue"), 1);
	/* many hot listeners: a few lines and a count, not a flood */
	for (port = 1; port <= 20; port++)
		add_listener(&s.listeners, port, 0, 10, 10);
	assert_int_equal(warnings_named(&s, NULL, "accept_queue"),
			 SUMMARY_WARN_LISTENERS + 1);
	summary_sample_free(&s);
}

static void test_summary_warn_counters(void **state)
{
	static const int counters[] = {
		TCPCONN_COUNTER_LISTEN_OVERFLOWS, TCPCONN_COUNTER_LISTEN_DROPS,
		TCPCONN_COUNTER_REQQ_FULL_DROP, TCPCONN_COUNTER_TIMEWAIT_OVERFLOW,
		TCPCONN_COUNTER_ABORT_ON_MEMORY, TCPCONN_COUNTER_SYNCOOKIES_FAILED,
	};
	struct summary_sample s;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(counters); i++) {
		const char *name = summary_counter_name[counters[i]];

		quiet_sample(&s);
		assert_int_equal(warnings_named(&s, NULL, name), 0);
		s.sum.counters[counters[i]] = 1;
		assert_int_equal(warnings_named(&s, NULL, name), 1);
		assert_int_equal(warnings_named(&s, NULL, NULL), 1);
	}
	/* counters that are not trouble do not warn */
	quiet_sample(&s);
	s.sum.counters[TCPCONN_COUNTER_TIMEWAITED] = 1000;
	s.sum.counters[TCPCONN_COUNTER_ABORT_ON_CLOSE] = 1000;
	assert_int_equal(warnings_named(&s, NULL, NULL), 0);
}

/* With -i, a counter warns when it grew, not for what it was before. */
static void test_summary_warn_counters_by_rate(void **state)
{
	struct summary_sample a, b;
	struct summary_rates r;

	(void)state;
	quiet_sample(&a);
	quiet_sample(&b);
	a.sum.counters[TCPCONN_COUNTER_LISTEN_OVERFLOWS] = 500;
	b.sum.counters[TCPCONN_COUNTER_LISTEN_OVERFLOWS] = 500;
	b.mono.tv_sec = 1;
	assert_int_equal(summary_rates_get(&a, &b, &r), 0);
	assert_int_equal(warnings_named(&b, NULL, "ListenOverflows"), 1);
	assert_int_equal(warnings_named(&b, &r, "ListenOverflows"), 0);
	b.sum.counters[TCPCONN_COUNTER_LISTEN_OVERFLOWS] = 501;
	assert_int_equal(summary_rates_get(&a, &b, &r), 0);
	assert_int_equal(warnings_named(&b, &r, "ListenOverflows"), 1);
	assert_int_equal(warnings_named(&b, &r, NULL), 1);
}

int run_summary_tests(int *total)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_summary_parse_complete),
		cmocka_unit_test(test_summary_parse_unknown_ignored),
		cmocka_unit_test(test_summary_parse_padding),
		cmocka_unit_test(test_summary_parse_wrong_lengths),
		cmocka_unit_test(test_summary_parse_truncated),
		cmocka_unit_test(test_summary_parse_missing_nest),
		cmocka_unit_test(test_summary_parse_missing_keys),
		cmocka_unit_test(test_summary_request),
		cmocka_unit_test(test_summary_replayed_do),
		cmocka_unit_test(test_summary_replayed_do_errors),
		cmocka_unit_test(test_summary_old_module_exit_4),
		cmocka_unit_test(test_summary_usage_pct),
		cmocka_unit_test(test_summary_usage_high),
		cmocka_unit_test(test_summary_listen_stats),
		cmocka_unit_test(test_summary_rates),
		cmocka_unit_test(test_summary_warn_quiet),
		cmocka_unit_test(test_summary_warn_time_wait_threshold),
		cmocka_unit_test(test_summary_warn_orphans_and_mem),
		cmocka_unit_test(test_summary_warn_listeners),
		cmocka_unit_test(test_summary_warn_counters),
		cmocka_unit_test(test_summary_warn_counters_by_rate),
	};

	*total = (int)ARRAY_LEN(tests);
	return cmocka_run_group_tests_name("summary", tests, NULL, NULL);
}
