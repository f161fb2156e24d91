// SPDX-License-Identifier: GPL-2.0
/* test_sockets.c - sockets request, parser on replayed dumps, filters, output. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/tcpconn.h>

#include <json-c/json.h>

#include "tests.h"
#include "nl.h"
#include "opts.h"
#include "procs.h"
#include "replay.h"
#include "sockets.h"

static _Alignas(8) char buf[MNL_SOCKET_DUMP_SIZE];

static void assert_sock_equal(const struct sock_entry *a,
			      const struct sock_entry *b)
{
	assert_int_equal(a->family, b->family);
	assert_int_equal(a->state, b->state);
	assert_int_equal(a->timer, b->timer);
	assert_int_equal(a->orphan, b->orphan);
	assert_memory_equal(a->src, b->src, 16);
	assert_memory_equal(a->dst, b->dst, 16);
	assert_int_equal(a->sport, b->sport);
	assert_int_equal(a->dport, b->dport);
	assert_int_equal(a->ifindex, b->ifindex);
	assert_int_equal(a->expires_ms, b->expires_ms);
	assert_int_equal(a->retrans, b->retrans);
	assert_int_equal(a->probes, b->probes);
	assert_int_equal(a->rqueue, b->rqueue);
	assert_int_equal(a->wqueue, b->wqueue);
	assert_int_equal(a->uid, b->uid);
	assert_true(a->inode == b->inode);
	assert_true(a->cookie == b->cookie);
}

static void test_parse_complete(void **state)
{
	struct sock_entry want, got;
	int v6;

	(void)state;
	for (v6 = 0; v6 < 2; v6++) {
		want = sample_socket(TCPCONN_STATE_FIN_WAIT1, 40000, 443, v6);
		want.orphan = true;
		want.ifindex = 2;
		want.cookie = UINT64_C(0xffffffff00000001);
		memset(&got, 0xaa, sizeof(got));
		assert_int_equal(socket_parse(put_socket(buf, &want, 0), &got), 0);
		assert_sock_equal(&got, &want);
	}
}

static void test_parse_unknown_and_optional(void **state)
{
	struct sock_entry want = sample_socket(TCPCONN_STATE_ESTABLISHED, 1, 2, 0);
	struct sock_entry got;

	(void)state;
	assert_int_equal(socket_parse(put_socket(buf, &want, BK_UNKNOWN_200), &got), 0);
	assert_sock_equal(&got, &want);
	want.ifindex = 0;
	assert_int_equal(socket_parse(put_socket(buf, &want, BK_NO_IFINDEX), &got), 0);
	assert_sock_equal(&got, &want);
}

static void test_parse_malformed(void **state)
{
	struct sock_entry s = sample_socket(TCPCONN_STATE_ESTABLISHED, 1, 2, 0);
	struct sock_entry got;
	struct nlmsghdr *nlh;

	(void)state;
	assert_int_equal(socket_parse(put_socket(buf, &s, BK_PORT_AS_U32), &got), -EBADMSG);
	assert_int_equal(socket_parse(put_socket(buf, &s, BK_NO_COOKIE), &got), -EBADMSG);
	assert_int_equal(socket_parse(put_socket(buf, &s, BK_V4_WITH_16_BYTES), &got), -EBADMSG);
	assert_int_equal(socket_parse(put_socket(buf, &s, BK_TRAILING_GARBAGE), &got), -EBADMSG);
	s.state = 0;
	assert_int_equal(socket_parse(put_socket(buf, &s, 0), &got), -EBADMSG);
	s.state = TCPCONN_STATE_MAX + 1;
	assert_int_equal(socket_parse(put_socket(buf, &s, 0), &got), -EBADMSG);
	s.state = TCPCONN_STATE_ESTABLISHED;
	s.family = AF_UNIX;
	assert_int_equal(socket_parse(put_socket(buf, &s, 0), &got), -EBADMSG);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = TEST_FAMILY_ID;
	assert_int_equal(socket_parse(nlh, &got), -EBADMSG);
}

static int count_cb(const struct sock_entry *s, void *data)
{
	(void)s;
	(*(size_t *)data)++;
	return 0;
}

static void test_dump_intr_and_filter(void **state)
{
	struct filter f = { .family = AF_UNSPEC };
	size_t n = 0, len = 0;
	struct sockets_collect c = { .filter = &f, .fn = count_cb, .data = &n };
	struct sock_entry a = sample_socket(TCPCONN_STATE_ESTABLISHED, 40000, 443, 0);
	struct sock_entry b = sample_socket(TCPCONN_STATE_TIME_WAIT, 40001, 443, 1);
	struct nl_ctx nl;

	(void)state;
	a.cookie = 1;
	b.cookie = 2;
	nl_init(&nl);
	len += put_socket(buf + len, &a, 0)->nlmsg_len;
	len += put_socket(buf + len, &b, BK_DUMP_INTR)->nlmsg_len;
	len += put_socket(buf + len, &b, BK_DUMP_INTR)->nlmsg_len; /* a re-walk duplicate */
	len += put_done(buf + len, 0, NULL)->nlmsg_len;
	assert_int_equal(nl_feed(&nl, buf, len, 0, sockets_collect_cb, &c), 0);
	assert_true(nl.dump_intr);
	assert_int_equal(n, 2);	/* the repeat of b is dropped */
	assert_int_equal(c.dups, 1);
	sockets_collect_free(&c);

	/* the client filters again: a module that ignored a filter can't fool us */
	n = 0;
	c.seen = 0;
	f.states = SOCK_STATE_BIT(TCPCONN_STATE_TIME_WAIT);
	nl_init(&nl);
	len = 0;
	len += put_socket(buf + len, &a, 0)->nlmsg_len;
	len += put_socket(buf + len, &b, 0)->nlmsg_len;
	len += put_done(buf + len, 0, NULL)->nlmsg_len;
	assert_int_equal(nl_feed(&nl, buf, len, 0, sockets_collect_cb, &c), 0);
	assert_false(nl.dump_intr);
	assert_int_equal(n, 1);
	assert_int_equal(c.seen, 1);
	sockets_collect_free(&c);
}

/*
 * After NLM_F_DUMP_INTR the kernel walks a bucket again: sockets already
 * sent come again, in later messages and later recvmsg() batches, mixed
 * with new ones. Each cookie reaches the callback exactly once; a socket
 * the client filters out does not count as a duplicate.
 */
static int cookie_cb(const struct sock_entry *s, void *data)
{
	uint64_t *seen = data;

	assert_true(s->cookie < 64);
	assert_false(seen[0] & (UINT64_C(1) << s->cookie));
	seen[0] |= UINT64_C(1) << s->cookie;
	seen[1]++;
	return 0;
}

static void test_dump_intr_dedup_by_cookie(void **state)
{
	struct filter f = { .family = AF_UNSPEC };
	uint64_t seen[2] = { 0, 0 };
	struct sockets_collect c = { .filter = &f, .fn = cookie_cb, .data = seen };
	struct sock_entry s[6];
	struct nl_ctx nl;
	size_t len = 0, i;

	(void)state;
	for (i = 0; i < 6; i++) {
		s[i] = sample_socket(TCPCONN_STATE_ESTABLISHED, (uint16_t)(40000 + i),
				     443, (int)(i & 1));
		s[i].cookie = i + 1;
	}
	s[5].state = TCPCONN_STATE_LISTEN;	/* filtered out below */
	f.states = SOCK_ALL_STATES & ~SOCK_STATE_BIT(TCPCONN_STATE_LISTEN);
	nl_init(&nl);
	/* batch 1: the bucket's first three and the filtered one */
	for (i = 0; i < 3; i++)
		len += put_socket(buf + len, &s[i], 0)->nlmsg_len;
	len += put_socket(buf + len, &s[5], 0)->nlmsg_len;
	assert_int_equal(nl_feed(&nl, buf, len, 0, sockets_collect_cb, &c), 1);
	/* batch 2: the bucket again (s[1] gone), then new sockets */
	len = 0;
	len += put_socket(buf + len, &s[0], BK_DUMP_INTR)->nlmsg_len;
	len += put_socket(buf + len, &s[2], BK_DUMP_INTR)->nlmsg_len;
	len += put_socket(buf + len, &s[5], BK_DUMP_INTR)->nlmsg_len;
	len += put_socket(buf + len, &s[3], BK_DUMP_INTR)->nlmsg_len;
	assert_int_equal(nl_feed(&nl, buf, len, 0, sockets_collect_cb, &c), 1);
	/* batch 3: a later message repeats one more, then the rest, done */
	len = 0;
	len += put_socket(buf + len, &s[3], BK_DUMP_INTR)->nlmsg_len;
	len += put_socket(buf + len, &s[4], 0)->nlmsg_len;
	len += put_done(buf + len, 0, NULL)->nlmsg_len;
	assert_int_equal(nl_feed(&nl, buf, len, 0, sockets_collect_cb, &c), 0);
	assert_true(nl.dump_intr);
	assert_int_equal(seen[1], 5);		/* cookies 1..5, once each */
	assert_int_equal(seen[0], 0x3e);
	assert_int_equal(c.seen, 5);
	assert_int_equal(c.dups, 3);		/* 1, 3 and 4 again */
	sockets_collect_free(&c);
	sockets_collect_free(&c);		/* idempotent */
}

static void test_dump_bad_message_fails(void **state)
{
	struct filter f = { .family = AF_UNSPEC };
	size_t n = 0, len = 0;
	struct sockets_collect c = { .filter = &f, .fn = count_cb, .data = &n };
	struct sock_entry a = sample_socket(TCPCONN_STATE_ESTABLISHED, 40000, 443, 0);
	struct nl_ctx nl;

	(void)state;
	nl_init(&nl);
	len += put_socket(buf + len, &a, 0)->nlmsg_len;
	len += put_socket(buf + len, &a, BK_NO_COOKIE)->nlmsg_len;
	len += put_done(buf + len, 0, NULL)->nlmsg_len;
	assert_int_equal(nl_feed(&nl, buf, len, 0, sockets_collect_cb, &c), -EBADMSG);
	sockets_collect_free(&c);
}

struct req_attrs {
	const struct nlattr *tb[TCPCONN_A_SOCKET_MAX + 1];
};

static int req_attr_cb(const struct nlattr *attr, void *data)
{
	struct req_attrs *r = data;
	uint16_t type = mnl_attr_get_type(attr);

	assert_true(type <= TCPCONN_A_SOCKET_MAX);
	assert_null(r->tb[type]);	/* each at most once */
	r->tb[type] = attr;
	return MNL_CB_OK;
}

static void test_request(void **state)
{
	struct filter f = { .family = AF_INET6 };
	struct req_attrs r = { { NULL } };
	struct nlmsghdr *nlh;

	(void)state;
	f.states = SOCK_STATE_BIT(TCPCONN_STATE_ESTABLISHED);
	assert_int_equal(addr_prefix_parse("10.0.0.0/8", &f.src), 0);
	assert_int_equal(addr_prefix_parse("2001:db8::1", &f.dst), 0);
	f.sport = 80;
	f.dport = 443;
	f.has_uid = true;
	f.uid = 0;
	f.orphans = true;
	nlh = sockets_request(buf, NL_REQ_SIZE, TEST_FAMILY_ID, &f);
	assert_non_null(nlh);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
	assert_int_equal(((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->cmd,
			 TCPCONN_CMD_SOCKETS_GET);
	assert_int_equal(mnl_attr_parse(nlh, sizeof(struct genlmsghdr), req_attr_cb, &r),
			 MNL_CB_OK);
	assert_int_equal(mnl_attr_get_u32(r.tb[TCPCONN_A_SOCKET_STATES]), 1 << 1);
	assert_int_equal(mnl_attr_get_u8(r.tb[TCPCONN_A_SOCKET_FAMILY]), AF_INET6);
	assert_int_equal(mnl_attr_get_payload_len(r.tb[TCPCONN_A_SOCKET_SRC_ADDR]), 4);
	assert_int_equal(mnl_attr_get_u8(r.tb[TCPCONN_A_SOCKET_SRC_PREFIXLEN]), 8);
	assert_int_equal(mnl_attr_get_payload_len(r.tb[TCPCONN_A_SOCKET_DST_ADDR]), 16);
	assert_null(r.tb[TCPCONN_A_SOCKET_DST_PREFIXLEN]);	/* whole address */
	assert_int_equal(mnl_attr_get_u16(r.tb[TCPCONN_A_SOCKET_SRC_PORT]), 80);
	assert_int_equal(mnl_attr_get_u16(r.tb[TCPCONN_A_SOCKET_DST_PORT]), 443);
	assert_int_equal(mnl_attr_get_u32(r.tb[TCPCONN_A_SOCKET_UID]), 0);
	assert_non_null(r.tb[TCPCONN_A_SOCKET_ORPHAN]);

	/* no filters: no attributes at all; "all" states is no filter either */
	memset(&f, 0, sizeof(f));
	f.states = SOCK_ALL_STATES;
	nlh = sockets_request(buf, NL_REQ_SIZE, TEST_FAMILY_ID, &f);
	assert_int_equal(mnl_nlmsg_get_payload_len(nlh), sizeof(struct genlmsghdr));
}

static void test_states_parse(void **state)
{
	uint32_t m;
	int saved;

	(void)state;
	assert_int_equal(sock_states_parse("established", &m), 0);
	assert_int_equal(m, SOCK_STATE_BIT(TCPCONN_STATE_ESTABLISHED));
	assert_int_equal(sock_states_parse("ESTAB,Time-Wait,syn_recv", &m), 0);
	assert_int_equal(m, SOCK_STATE_BIT(TCPCONN_STATE_ESTABLISHED) |
			    SOCK_STATE_BIT(TCPCONN_STATE_TIME_WAIT) |
			    SOCK_STATE_BIT(TCPCONN_STATE_SYN_RECV));
	/* ss's fin-wait-2 has the tw substate; tcpconn's fin_wait2 does not */
	assert_int_equal(sock_states_parse("fin-wait-2", &m), 0);
	assert_int_equal(m, SOCK_STATE_BIT(TCPCONN_STATE_FIN_WAIT2) |
			    SOCK_STATE_BIT(TCPCONN_STATE_TW_FIN_WAIT2));
	assert_int_equal(sock_states_parse("fin_wait2", &m), 0);
	assert_int_equal(m, SOCK_STATE_BIT(TCPCONN_STATE_FIN_WAIT2));
	assert_int_equal(sock_states_parse("tw_fin_wait2", &m), 0);
	assert_int_equal(m, SOCK_STATE_BIT(TCPCONN_STATE_TW_FIN_WAIT2));
	assert_int_equal(sock_states_parse("all", &m), 0);
	assert_int_equal(m, SOCK_ALL_STATES);
	assert_int_equal(m, 0x1ffe);
	assert_int_equal(sock_states_parse("connected", &m), 0);
	assert_false(m & SOCK_STATE_BIT(TCPCONN_STATE_LISTEN));
	assert_true(m & SOCK_STATE_BIT(TCPCONN_STATE_SYN_SENT));
	assert_int_equal(sock_states_parse("synchronized", &m), 0);
	assert_false(m & SOCK_STATE_BIT(TCPCONN_STATE_SYN_SENT));
	saved = stderr_mute();
	assert_int_equal(sock_states_parse("bogus", &m), -EINVAL);
	assert_int_equal(sock_states_parse("established,", &m), -EINVAL);
	assert_int_equal(sock_states_parse("", &m), -EINVAL);
	stderr_restore(saved);
}

static void test_prefix_parse(void **state)
{
	struct addr_prefix p;

	(void)state;
	assert_int_equal(addr_prefix_parse("192.0.2.0/24", &p), 0);
	assert_int_equal(p.family, AF_INET);
	assert_int_equal(p.len, 24);
	assert_int_equal(addr_prefix_parse("[2001:db8::]/32", &p), 0);
	assert_int_equal(p.family, AF_INET6);
	assert_int_equal(p.len, 32);
	assert_int_equal(addr_prefix_parse("::1", &p), 0);
	assert_int_equal(p.len, 128);
	assert_int_equal(addr_prefix_parse("10.0.0.1/0", &p), 0);
	assert_int_equal(p.len, 0);
	assert_int_equal(addr_prefix_parse("10.0.0.1/33", &p), -EINVAL);
	assert_int_equal(addr_prefix_parse("::1/129", &p), -EINVAL);
	assert_int_equal(addr_prefix_parse("10.0.0.1:80", &p), -EINVAL);
	assert_int_equal(addr_prefix_parse("10.0.0.1/", &p), -EINVAL);
	assert_int_equal(addr_prefix_parse("10.0.0.1/+8", &p), -EINVAL);
	assert_int_equal(addr_prefix_parse("host.example", &p), -EINVAL);
	assert_int_equal(addr_prefix_parse("", &p), -EINVAL);
}

static void test_match_v4mapped_and_self(void **state)
{
	struct sock_entry s = sample_socket(TCPCONN_STATE_ESTABLISHED, 40000, 443, 1);
	struct filter f = { .family = AF_UNSPEC };

	(void)state;
	/* [::ffff:192.0.2.1] matches --dst 192.0.2.0/24 */
	memset(s.dst, 0, 16);
	s.dst[10] = s.dst[11] = 0xff;
	inet_pton(AF_INET, "192.0.2.1", s.dst + 12);
	assert_int_equal(addr_prefix_parse("192.0.2.0/24", &f.dst), 0);
	assert_true(socket_match(&s, &f));
	assert_int_equal(addr_prefix_parse("198.51.100.0/24", &f.dst), 0);
	assert_false(socket_match(&s, &f));
	assert_int_equal(addr_prefix_parse("2001:db8::/32", &f.src), 0);
	f.dst.family = 0;
	assert_true(socket_match(&s, &f));
	f.has_uid = true;
	f.uid = 1;
	assert_false(socket_match(&s, &f));
	f.has_uid = false;
	f.orphans = true;
	assert_false(socket_match(&s, &f));

	s = sample_socket(TCPCONN_STATE_ESTABLISHED, 50000, 50000, 0);
	assert_false(socket_self_connect(&s));
	memcpy(s.dst, s.src, 16);
	assert_true(socket_self_connect(&s));
	s.dport = 50001;
	assert_false(socket_self_connect(&s));
}

static void test_ms_format(void **state)
{
	char b[32];

	(void)state;
	sock_ms_format(0, b, sizeof(b));
	assert_string_equal(b, "0ms");
	sock_ms_format(200, b, sizeof(b));
	assert_string_equal(b, "200ms");
	sock_ms_format(1500, b, sizeof(b));
	assert_string_equal(b, "1.500ms");
	sock_ms_format(59000, b, sizeof(b));
	assert_string_equal(b, "59sec");
	sock_ms_format(61000, b, sizeof(b));
	assert_string_equal(b, "1min1sec");
	sock_ms_format(7200000, b, sizeof(b));
	assert_string_equal(b, "120min");
}

static void test_table_output(void **state)
{
	struct sock_entry l = sample_socket(TCPCONN_STATE_LISTEN, 80, 0, 0);
	struct sock_entry e = sample_socket(TCPCONN_STATE_ESTABLISHED, 40000, 443, 0);
	struct sock_entry t = sample_socket(TCPCONN_STATE_TW_FIN_WAIT2, 40001, 443, 1);
	struct sock_entry self = sample_socket(TCPCONN_STATE_ESTABLISHED, 50000, 50000, 0);
	struct sock_printer p;
	struct capture c;
	const char *out;

	(void)state;
	memset(l.src, 0, 16);
	memset(l.dst, 0, 16);
	l.timer = TCPCONN_TIMER_NONE;
	t.timer = TCPCONN_TIMER_TIMEWAIT;
	t.expires_ms = 59000;
	t.retrans = 0;
	t.inode = 0;
	e.orphan = true;
	memcpy(self.dst, self.src, 16);
	self.timer = TCPCONN_TIMER_KEEPALIVE;
	self.expires_ms = 7200000;
	self.probes = 3;
	capture_start(&c);
	sock_printer_init(&p, c.f, false, NULL);
	assert_int_equal(sock_printer_add(&l, &p), 0);
	assert_int_equal(sock_printer_add(&e, &p), 0);
	assert_int_equal(sock_printer_add(&t, &p), 0);
	assert_int_equal(sock_printer_add(&self, &p), 0);
	assert_int_equal(sock_printer_finish(&p, false), 0);
	sock_printer_free(&p);
	out = capture_end(&c);
	if (getenv("TCPCONN_TEST_SHOW"))
		fputs(out, stderr);
	assert_non_null(strstr(out, "State       Recv-Q  Send-Q  Local Address:Port"));
	assert_non_null(strstr(out, "\nLISTEN  "));
	assert_non_null(strstr(out, "0.0.0.0:80  "));
	assert_non_null(strstr(out, "0.0.0.0:*  "));
	assert_non_null(strstr(out, "10.0.0.1:40000"));
	assert_non_null(strstr(out, "192.0.2.1:443"));
	assert_non_null(strstr(out, "on,1.500ms,2"));
	assert_non_null(strstr(out, "1f2e"));
	assert_non_null(strstr(out, "orphan\n"));
	assert_non_null(strstr(out, "\nFIN-WAIT-2"));
	assert_non_null(strstr(out, "[2001:db8::1]:40001"));
	assert_non_null(strstr(out, "timewait,59sec,0"));
	assert_non_null(strstr(out, "  tw\n"));
	assert_non_null(strstr(out, "keepalive,120min,3"));
	assert_non_null(strstr(out, "  self\n"));
	free(c.buf);
}

/* Rows past SOCK_WIDTH_ROWS stream with the widths already chosen. */
static void test_table_streams(void **state)
{
	struct sock_entry e = sample_socket(TCPCONN_STATE_ESTABLISHED, 40000, 443, 0);
	struct sock_entry w = sample_socket(TCPCONN_STATE_ESTABLISHED, 40000, 443, 1);
	struct sock_printer p;
	struct capture c;
	size_t i, lines = 0;
	const char *out, *q;

	(void)state;
	capture_start(&c);
	sock_printer_init(&p, c.f, false, NULL);
	for (i = 0; i < SOCK_WIDTH_ROWS + 10; i++)
		assert_int_equal(sock_printer_add(i == SOCK_WIDTH_ROWS + 5 ? &w : &e, &p), 0);
	assert_true(p.streaming);
	assert_int_equal(sock_printer_finish(&p, false), 0);
	sock_printer_free(&p);
	out = capture_end(&c);
	for (q = out; (q = strchr(q, '\n')); q++)
		lines++;
	assert_int_equal(lines, SOCK_WIDTH_ROWS + 11);
	/* the wide IPv6 row is whole, not cut */
	assert_non_null(strstr(out, "[2001:db8::1]:40000  [2001:db8::2]:443"));
	free(c.buf);
}

static void test_json_output(void **state)
{
	struct sock_entry e = sample_socket(TCPCONN_STATE_TW_FIN_WAIT2, 40000, 443, 0);
	struct procs procs;
	struct proc_info pi = { .pid = 7, .comm = "curl" };
	struct proc_sock ps = { .inode = 4242, .fd = 5, .proc = 0 };
	struct json_object *root, *arr, *o, *v;
	struct sock_printer p;
	struct capture c;
	const char *out;

	(void)state;
	memset(&procs, 0, sizeof(procs));
	procs.procs = &pi;
	procs.nprocs = 1;
	procs.socks = &ps;
	procs.nsocks = 1;
	capture_start(&c);
	sock_printer_init(&p, c.f, true, &procs);
	assert_int_equal(sock_printer_add(&e, &p), 0);
	assert_int_equal(sock_printer_add(&e, &p), 0);
	assert_int_equal(sock_printer_finish(&p, true), 0);
	out = capture_end(&c);
	root = json_tokener_parse(out);
	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "sockets", &arr));
	assert_int_equal(json_object_array_length(arr), 2);
	o = json_object_array_get_idx(arr, 0);
	assert_true(json_object_object_get_ex(o, "state", &v));
	assert_string_equal(json_object_get_string(v), "tw_fin_wait2");
	assert_true(json_object_object_get_ex(o, "state_ss", &v));
	assert_string_equal(json_object_get_string(v), "FIN-WAIT-2");
	assert_true(json_object_object_get_ex(o, "cookie", &v));
	assert_true(json_object_get_uint64(v) == 0x1f2e);
	assert_true(json_object_object_get_ex(o, "remote_address", &v));
	assert_string_equal(json_object_get_string(v), "192.0.2.1");
	assert_true(json_object_object_get_ex(o, "timer", &v));
	assert_string_equal(json_object_get_string(v), "on");
	assert_true(json_object_object_get_ex(o, "self_connect", &v));
	assert_false(json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(o, "processes", &v));
	assert_int_equal(json_object_array_length(v), 1);
	v = json_object_array_get_idx(v, 0);
	assert_true(json_object_object_get_ex(v, "command", &v));
	assert_string_equal(json_object_get_string(v), "curl");
	assert_true(json_object_object_get_ex(root, "count", &v));
	assert_int_equal(json_object_get_int(v), 2);
	assert_true(json_object_object_get_ex(root, "dump_interrupted", &v));
	assert_true(json_object_get_boolean(v));
	json_object_put(root);
	free(c.buf);

	/* an empty dump is still one valid document */
	capture_start(&c);
	sock_printer_init(&p, c.f, true, NULL);
	assert_int_equal(sock_printer_finish(&p, false), 0);
	out = capture_end(&c);
	root = json_tokener_parse(out);
	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "sockets", &arr));
	assert_int_equal(json_object_array_length(arr), 0);
	json_object_put(root);
	free(c.buf);
}

static int run_cli(int argc, char **argv)
{
	int saved = stderr_mute(), ret;

	ret = tcpconn_stat_main(argc, argv);
	stderr_restore(saved);
	return ret;
}

static void test_cli_usage_errors(void **state)
{
	static char *bad[][4] = {
		{ "x", "--sockets", "--src", "10.0.0.1/40" },
		{ "x", "--sockets", "--dst", "example.com" },
		{ "x", "--sockets", "--state", "nope" },
		{ "x", "--sockets", "--sport", "0" },
		{ "x", "--sockets", "--dport", "65536" },
		{ "x", "--sockets", "--port", "80" },
		{ "x", "--timewait", "--state", "listen" },
		{ "x", "--remotes", "-p", NULL },
		{ "x", "--sockets", "--top", "5" },
		{ "x", "--listeners", "--sport", "80" },
		{ "x", "--summary", "--uid", "0" },
		{ "x", "--limits", "-4", NULL },
		{ "x", "--sockets", "--orphans", NULL },
		{ "x", "--sockets", "--uid", "-1" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(bad); i++) {
		int argc = bad[i][3] ? 4 : 3;

		assert_int_equal(run_cli(argc, bad[i]), 2);
	}
}

static void test_cli_parse(void **state)
{
	char *argv[] = { "x", "--ports", "-4", "--state", "established,time-wait",
			 "--dst", "192.0.2.0/24", "--dport", "443", "--top", "0",
			 "--uid", "1000", "--src", "10.0.0.1", NULL };
	char *argv2[] = { "x", "--sockets", "-p", "-j", NULL };
	struct opts o;

	(void)state;
	assert_int_equal(opts_parse(&o, (int)ARRAY_LEN(argv) - 1, argv), 0);
	assert_int_equal(o.view, VIEW_PORTS);
	assert_int_equal(o.filter.family, AF_INET);
	assert_int_equal(o.filter.dst.len, 24);
	assert_int_equal(o.filter.src.len, 32);
	assert_int_equal(o.filter.dport, 443);
	assert_int_equal(o.out.top, 0);
	assert_true(o.filter.has_uid);
	assert_int_equal(o.filter.uid, 1000);
	assert_int_equal(opts_parse(&o, (int)ARRAY_LEN(argv2) - 1, argv2), 0);
	assert_int_equal(o.view, VIEW_SOCKETS);
	assert_true(o.out.processes);
	assert_true(o.out.json);
	assert_int_equal(o.out.top, 20);
}

/* The dump's cookie set: runs of counters, scattered values, zero. */
static void test_cookie_set(void **state)
{
	struct u64set set = { 0 };
	uint64_t i, v;

	(void)state;
	for (i = 0; i < 100000; i++)
		assert_int_equal(u64set_add(&set, 5000 + i), 1);
	for (i = 0; i < 100000; i += 7)
		assert_int_equal(u64set_add(&set, 5000 + i), 0);
	/* multiples of the table size: every one in the same first slot */
	for (i = 1; i <= 2000; i++) {
		v = i << 40;
		assert_int_equal(u64set_add(&set, v), 1);
		assert_int_equal(u64set_add(&set, v), 0);
	}
	for (i = 0, v = 1; i < 50000; i++) {
		v = v * UINT64_C(6364136223846793005) + 1442695040888963407;
		if (u64set_add(&set, v) == 1)
			assert_int_equal(u64set_add(&set, v), 0);
	}
	assert_int_equal(u64set_add(&set, 0), 1);
	assert_int_equal(u64set_add(&set, 0), 0);
	assert_int_equal(u64set_add(&set, UINT64_MAX), 1);
	assert_int_equal(u64set_add(&set, UINT64_MAX), 0);
	assert_true(set.len >= 152000);
	assert_true(((size_t)1 << set.bits) >= 2 * set.len);
	u64set_free(&set);
	assert_null(set.slots);
	assert_int_equal(u64set_add(&set, 3), 1);
	u64set_free(&set);
}

int run_sockets_tests(int *total)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_complete),
		cmocka_unit_test(test_parse_unknown_and_optional),
		cmocka_unit_test(test_parse_malformed),
		cmocka_unit_test(test_dump_intr_and_filter),
		cmocka_unit_test(test_dump_intr_dedup_by_cookie),
		cmocka_unit_test(test_cookie_set),
		cmocka_unit_test(test_dump_bad_message_fails),
		cmocka_unit_test(test_request),
		cmocka_unit_test(test_states_parse),
		cmocka_unit_test(test_prefix_parse),
		cmocka_unit_test(test_match_v4mapped_and_self),
		cmocka_unit_test(test_ms_format),
		cmocka_unit_test(test_table_output),
		cmocka_unit_test(test_table_streams),
		cmocka_unit_test(test_json_output),
		cmocka_unit_test(test_cli_usage_errors),
		cmocka_unit_test(test_cli_parse),
	};

	*total = (int)ARRAY_LEN(tests);
	return cmocka_run_group_tests_name("sockets", tests, NULL, NULL);
}
