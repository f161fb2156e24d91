// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for tcpconn: pure helpers, the summary's aggregation, and
 * the listener walker, snapshot and summary on real kernel sockets.
 *
 * The code under test is compiled into this module (the module sources are
 * included below) so that no tcpconn internals have to be exported.
 *
 * Socket tests run in the network namespace of the process given by the
 * netns_pid parameter (a throwaway `unshare -n` process with lo up), so
 * fixed ports are free and no other socket can disturb the counts.
 */
/* First: walk.c sets pr_fmt, which must precede every printk.h user. */
#include "../module/walk.c"
#include "../module/listener.c"
#include "../module/summary.c"
#include "../module/socket.c"
#include "../module/filter.c"

#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/module.h>
#include <linux/net.h>
#include <linux/tcp.h>
#include <net/inet_connection_sock.h>
#include <net/inet_timewait_sock.h>
#include <net/ipv6.h>
#include <net/request_sock.h>
#include <net/net_namespace.h>
#include <net/sock.h>

static int netns_pid;
module_param(netns_pid, int, 0444);
MODULE_PARM_DESC(netns_pid,
		 "pid of a process whose netns (with lo up) the socket tests use");

#define KT_MAX_SOCKS 128
#define KT_PORT 41000
#define KT_WAIT_MS 5000

struct kt_ctx {
	struct net *net;
	struct socket *socks[KT_MAX_SOCKS];
	int nsocks;
};

static int kt_init(struct kunit *test)
{
	struct kt_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);

	if (!ctx)
		return -ENOMEM;
	if (!netns_pid) {
		kunit_err(test, "load with netns_pid=<pid in a private netns>\n");
		return -EINVAL;
	}
	ctx->net = get_net_ns_by_pid(netns_pid);
	if (IS_ERR(ctx->net))
		return PTR_ERR(ctx->net);
	test->priv = ctx;
	return 0;
}

static void kt_exit(struct kunit *test)
{
	struct kt_ctx *ctx = test->priv;

	while (ctx->nsocks)
		if (ctx->socks[--ctx->nsocks])
			sock_release(ctx->socks[ctx->nsocks]);
	put_net(ctx->net);
}

static struct socket *kt_socket(struct kunit *test, struct net *net, int family)
{
	struct kt_ctx *ctx = test->priv;
	struct socket *sock;

	KUNIT_ASSERT_LT(test, ctx->nsocks, KT_MAX_SOCKS);
	KUNIT_ASSERT_EQ(test, sock_create_kern(net, family, SOCK_STREAM,
					       IPPROTO_TCP, &sock), 0);
	ctx->socks[ctx->nsocks++] = sock;
	return sock;
}

static int kt_loopback(int family, u16 port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		a->sin6_port = htons(port);
		return sizeof(*a);
	}
	((struct sockaddr_in *)ss)->sin_family = AF_INET;
	((struct sockaddr_in *)ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	((struct sockaddr_in *)ss)->sin_port = htons(port);
	return sizeof(struct sockaddr_in);
}

static struct socket *kt_listen(struct kunit *test, struct net *net,
				int family, u16 port, int backlog,
				bool reuseport)
{
	struct socket *sock = kt_socket(test, net, family);
	struct sockaddr_storage ss;
	int len = kt_loopback(family, port, &ss);

	/* Earlier cases leave TIME_WAIT children on the same ports. */
	sock_set_reuseaddr(sock->sk);
	if (reuseport)
		sock_set_reuseport(sock->sk);
	KUNIT_ASSERT_EQ(test, kernel_bind(sock, TCPCONN_SOCKADDR(&ss), len), 0);
	KUNIT_ASSERT_EQ(test, kernel_listen(sock, backlog), 0);
	return sock;
}

static void kt_connect(struct kunit *test, int family, u16 port)
{
	struct kt_ctx *ctx = test->priv;
	struct socket *sock = kt_socket(test, ctx->net, family);
	struct sockaddr_storage ss;
	int len = kt_loopback(family, port, &ss);
	int err = kernel_connect(sock, TCPCONN_SOCKADDR(&ss), len, O_NONBLOCK);

	KUNIT_ASSERT_TRUE_MSG(test, err == 0 || err == -EINPROGRESS,
			      "connect: %d", err);
}

static u32 kt_accept_queue(const struct tcpconn_listener *l)
{
	return l->accept_queue;
}

static u32 kt_syn_queue(const struct tcpconn_listener *l)
{
	return l->syn_queue;
}

/* Poll until a snapshot value reaches @want: handshakes are asynchronous. */
static u32 kt_wait_for(struct sock *sk,
		       u32 (*get)(const struct tcpconn_listener *), u32 want)
{
	struct tcpconn_listener l;
	int ms;

	for (ms = 0; ; ms += 20) {
		tcpconn_listener_snapshot(sk, &l);
		if (get(&l) == want || ms >= KT_WAIT_MS)
			return get(&l);
		msleep(20);
	}
}

/* ---- pure helpers ---- */

struct kt_full_case {
	u32 accept_queue, backlog;
	bool full;
	const char *desc;
};

static const struct kt_full_case kt_full_cases[] = {
	{ 0, 0, false, "empty, backlog 0" },
	{ 1, 0, true, "one queued, backlog 0" },
	{ 4, 4, false, "at backlog" },
	{ 5, 4, true, "backlog + 1" },
	{ 0, 4096, false, "large backlog" },
};

static void kt_full_desc(const struct kt_full_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(kt_full, kt_full_cases, kt_full_desc);

static void tcpconn_listener_full_test(struct kunit *test)
{
	const struct kt_full_case *c = test->param_value;
	struct tcpconn_listener l = {
		.accept_queue = c->accept_queue,
		.backlog = c->backlog,
	};

	KUNIT_EXPECT_EQ(test, tcpconn_listener_full(&l), c->full);
}

static void kt_close(struct kunit *test, struct socket *sock)
{
	struct kt_ctx *ctx = test->priv;
	int i;

	for (i = 0; i < ctx->nsocks; i++)
		if (ctx->socks[i] == sock)
			ctx->socks[i] = NULL;
	sock_release(sock);
}

/* ---- summary: state mapping and aggregation ---- */

struct kt_state_case {
	int kstate, substate, want;
	const char *desc;
};

static const struct kt_state_case kt_state_cases[] = {
	{ TCP_ESTABLISHED, 0, TCPCONN_STATE_ESTABLISHED, "ESTABLISHED" },
	{ TCP_SYN_SENT, 0, TCPCONN_STATE_SYN_SENT, "SYN_SENT" },
	{ TCP_SYN_RECV, 0, TCPCONN_STATE_SYN_RECV, "SYN_RECV (fastopen child)" },
	{ TCP_NEW_SYN_RECV, 0, TCPCONN_STATE_SYN_RECV, "request socket" },
	{ TCP_FIN_WAIT1, 0, TCPCONN_STATE_FIN_WAIT1, "FIN_WAIT1" },
	{ TCP_FIN_WAIT2, 0, TCPCONN_STATE_FIN_WAIT2, "FIN_WAIT2" },
	{ TCP_TIME_WAIT, TCP_TIME_WAIT, TCPCONN_STATE_TIME_WAIT, "tw TIME_WAIT" },
	{ TCP_TIME_WAIT, TCP_FIN_WAIT2, TCPCONN_STATE_TW_FIN_WAIT2,
	  "tw FIN_WAIT2" },
	{ TCP_CLOSE, 0, TCPCONN_STATE_CLOSE, "CLOSE" },
	{ TCP_CLOSE_WAIT, 0, TCPCONN_STATE_CLOSE_WAIT, "CLOSE_WAIT" },
	{ TCP_LAST_ACK, 0, TCPCONN_STATE_LAST_ACK, "LAST_ACK" },
	{ TCP_LISTEN, 0, TCPCONN_STATE_LISTEN, "LISTEN" },
	{ TCP_CLOSING, 0, TCPCONN_STATE_CLOSING, "CLOSING" },
	{ TCP_NEW_SYN_RECV + 1, 0, TCPCONN_STATE_UNSPEC,
	  "never hashed: not counted" },
	{ 0, 0, TCPCONN_STATE_UNSPEC, "0: not counted" },
};

static void kt_state_desc(const struct kt_state_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(kt_state, kt_state_cases, kt_state_desc);

static void tcpconn_state_of_test(struct kunit *test)
{
	const struct kt_state_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, tcpconn_state_of(c->kstate, c->substate), c->want);
}

/* Every name table entry exists: /proc prints them without checks. */
static void tcpconn_summary_names_test(struct kunit *test)
{
	int i;

	for (i = 0; i <= TCPCONN_STATE_MAX; i++)
		KUNIT_EXPECT_NOT_NULL_MSG(test, tcpconn_state_names[i], "%d", i);
	for (i = 0; i <= TCPCONN_LIMIT_MAX; i++)
		KUNIT_EXPECT_NOT_NULL_MSG(test, tcpconn_limit_names[i], "%d", i);
	for (i = 0; i <= TCPCONN_COUNTER_MAX; i++)
		KUNIT_EXPECT_NOT_NULL_MSG(test, tcpconn_counter_names[i],
					  "%d", i);
	for (i = 1; i <= TCPCONN_COUNTER_MAX; i++)
		KUNIT_EXPECT_NE_MSG(test, tcpconn_counter_mib[i], 0, "%s",
				    tcpconn_counter_names[i]);
}

/*
 * Aggregation on entries built by hand, one of each kind: full sockets
 * (orphaned or not), TIME_WAIT mini-sockets (which have no sk_flags, so
 * they must never be tested for SOCK_DEAD) and request sockets.
 */
static void tcpconn_summary_count_test(struct kunit *test)
{
	struct tcpconn_summary *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct sock *full[4];
	struct inet_timewait_sock *tw[2];
	struct request_sock *req;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, s);
	for (i = 0; i < ARRAY_SIZE(full); i++) {
		full[i] = kunit_kzalloc(test, sizeof(struct tcp_sock),
					GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, full[i]);
	}
	for (i = 0; i < ARRAY_SIZE(tw); i++) {
		tw[i] = kunit_kzalloc(test, sizeof(*tw[i]), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, tw[i]);
		tw[i]->tw_state = TCP_TIME_WAIT;
	}
	req = kunit_kzalloc(test, sizeof(*req), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, req);

	full[0]->sk_state = TCP_ESTABLISHED;
	full[0]->sk_family = AF_INET;
	full[1]->sk_state = TCP_FIN_WAIT1;
	full[1]->sk_family = AF_INET6;
	sock_set_flag(full[1], SOCK_DEAD);
	full[2]->sk_state = TCP_LAST_ACK;
	full[2]->sk_family = AF_INET;
	sock_set_flag(full[2], SOCK_DEAD);
	full[3]->sk_state = TCP_CLOSE_WAIT;	/* unaccepted: not an orphan */
	full[3]->sk_family = AF_INET;
	tw[0]->tw_family = AF_INET;
	tw[0]->tw_substate = TCP_TIME_WAIT;
	tw[1]->tw_family = AF_INET6;
	tw[1]->tw_substate = TCP_FIN_WAIT2;
	req->__req_common.skc_state = TCP_NEW_SYN_RECV;
	req->__req_common.skc_family = AF_INET6;

	for (i = 0; i < ARRAY_SIZE(full); i++)
		tcpconn_summary_count(s, full[i]);
	for (i = 0; i < ARRAY_SIZE(tw); i++)
		tcpconn_summary_count(s, (struct sock *)tw[i]);
	tcpconn_summary_count(s, (struct sock *)req);

	KUNIT_EXPECT_EQ(test, s->states[TCPCONN_V4][TCPCONN_STATE_ESTABLISHED], 1U);
	KUNIT_EXPECT_EQ(test, s->states[TCPCONN_V6][TCPCONN_STATE_FIN_WAIT1], 1U);
	KUNIT_EXPECT_EQ(test, s->states[TCPCONN_V4][TCPCONN_STATE_LAST_ACK], 1U);
	KUNIT_EXPECT_EQ(test, s->states[TCPCONN_V4][TCPCONN_STATE_CLOSE_WAIT], 1U);
	KUNIT_EXPECT_EQ(test, s->states[TCPCONN_V4][TCPCONN_STATE_TIME_WAIT], 1U);
	KUNIT_EXPECT_EQ(test,
			s->states[TCPCONN_V6][TCPCONN_STATE_TW_FIN_WAIT2], 1U);
	KUNIT_EXPECT_EQ(test, s->states[TCPCONN_V6][TCPCONN_STATE_SYN_RECV], 1U);
	KUNIT_EXPECT_EQ(test, s->orphans[TCPCONN_V6][TCPCONN_STATE_FIN_WAIT1], 1U);
	KUNIT_EXPECT_EQ(test, s->orphans[TCPCONN_V4][TCPCONN_STATE_LAST_ACK], 1U);
	KUNIT_EXPECT_EQ(test, s->orphans_total, 2U);
}

/* ---- summary on real sockets ---- */

static void kt_summary_sum(const struct tcpconn_summary *s, u32 *sum)
{
	int f, i;

	*sum = 0;
	for (f = 0; f < TCPCONN_NFAMILIES; f++)
		for (i = 0; i <= TCPCONN_STATE_MAX; i++)
			*sum += s->states[f][i];
}

/*
 * Poll the summary until @ok accepts it: state changes after close() run
 * in softirq context, asynchronously to the test.
 */
static bool kt_summary_wait(struct kunit *test, struct tcpconn_summary *s,
			    bool (*ok)(const struct tcpconn_summary *))
{
	struct kt_ctx *ctx = test->priv;
	int ms;

	for (ms = 0; ; ms += 20) {
		tcpconn_summary_collect(ctx->net, s);
		if (ok(s))
			return true;
		if (ms >= KT_WAIT_MS)
			return false;
		msleep(20);
	}
}

#define KT_V4(s, st) ((s)->states[TCPCONN_V4][TCPCONN_STATE_##st])
#define KT_V6(s, st) ((s)->states[TCPCONN_V6][TCPCONN_STATE_##st])

/* 3 v4 and 1 v6 connections, none accepted, plus their 2 listeners. */
static bool kt_summary_open(const struct tcpconn_summary *s)
{
	u32 sum;

	kt_summary_sum(s, &sum);
	return KT_V4(s, ESTABLISHED) == 6 && KT_V6(s, ESTABLISHED) == 2 &&
	       sum == 10;
}

/* The server closed one v4 connection: its side waits for the peer. */
static bool kt_summary_half_closed(const struct tcpconn_summary *s)
{
	return KT_V4(s, ESTABLISHED) == 4 && KT_V4(s, CLOSE_WAIT) == 1 &&
	       KT_V4(s, FIN_WAIT1) + KT_V4(s, FIN_WAIT2) +
	       KT_V4(s, TW_FIN_WAIT2) == 1 && KT_V4(s, FIN_WAIT1) == 0;
}

/* The client closed too: the server side is left in TIME_WAIT. */
static bool kt_summary_closed(const struct tcpconn_summary *s)
{
	u32 sum;

	kt_summary_sum(s, &sum);
	return KT_V4(s, ESTABLISHED) == 4 && KT_V4(s, TIME_WAIT) == 1 &&
	       sum == 9;
}

/*
 * One connection taken through ESTABLISHED, server-side close (FIN_WAIT2,
 * as a full orphan or a tw mini-socket, and CLOSE_WAIT on the client),
 * client close (LAST_ACK, then TIME_WAIT on the server side), next to
 * untouched v4 and v6 connections. Runs first in a fresh netns, so the
 * counts are absolute.
 */
static void tcpconn_summary_sockets_test(struct kunit *test)
{
	struct kt_ctx *ctx = test->priv;
	struct tcpconn_summary *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct socket *lsn, *child, *client;
	u32 sum;
	int i;

	KUNIT_ASSERT_NOT_NULL(test, s);
	tcpconn_summary_collect(ctx->net, s);
	kt_summary_sum(s, &sum);
	KUNIT_ASSERT_EQ_MSG(test, sum, 0U, "netns_pid's netns is not fresh");

	lsn = kt_listen(test, ctx->net, AF_INET, KT_PORT + 20, 8, false);
	kt_listen(test, ctx->net, AF_INET6, KT_PORT + 21, 8, false);
	for (i = 0; i < 3; i++)
		kt_connect(test, AF_INET, KT_PORT + 20);
	kt_connect(test, AF_INET6, KT_PORT + 21);
	KUNIT_ASSERT_TRUE(test, kt_summary_wait(test, s, kt_summary_open));
	KUNIT_EXPECT_EQ(test, KT_V4(s, LISTEN), 1U);
	KUNIT_EXPECT_EQ(test, KT_V6(s, LISTEN), 1U);
	KUNIT_EXPECT_EQ(test, s->orphans_total, 0U);
	KUNIT_EXPECT_EQ(test, s->tw_count, 0U);

	KUNIT_ASSERT_EQ(test, kernel_accept(lsn, &child, O_NONBLOCK), 0);
	client = NULL;
	for (i = 0; i < ctx->nsocks; i++)
		if (ctx->socks[i] && ctx->socks[i]->sk->sk_state != TCP_LISTEN &&
		    inet_sk(ctx->socks[i]->sk)->inet_num ==
		    ntohs(inet_sk(child->sk)->inet_dport))
			client = ctx->socks[i];
	KUNIT_ASSERT_NOT_NULL(test, client);
	sock_release(child);	/* the server closes first */
	KUNIT_ASSERT_TRUE(test, kt_summary_wait(test, s,
						kt_summary_half_closed));
	/* A full FIN_WAIT2 socket is the orphan; a tw one is counted there. */
	KUNIT_EXPECT_EQ(test, s->orphans_total, KT_V4(s, FIN_WAIT2));
	KUNIT_EXPECT_EQ(test,
			s->orphans[TCPCONN_V4][TCPCONN_STATE_FIN_WAIT2],
			KT_V4(s, FIN_WAIT2));
	KUNIT_EXPECT_EQ(test, s->tw_count, KT_V4(s, TW_FIN_WAIT2));

	kt_close(test, client);
	KUNIT_ASSERT_TRUE(test, kt_summary_wait(test, s, kt_summary_closed));
	KUNIT_EXPECT_EQ(test, s->orphans_total, 0U);
	KUNIT_EXPECT_EQ(test, s->tw_count, 1U);
	KUNIT_EXPECT_EQ(test, KT_V6(s, ESTABLISHED), 2U);
	KUNIT_EXPECT_GT(test, s->ehash_buckets, 0U);
	KUNIT_EXPECT_EQ(test, s->limits[TCPCONN_LIMIT_PAGE_SIZE],
			(u64)PAGE_SIZE);
}

/* ---- sockets view: filters ---- */

struct kt_filter_case {
	struct tcpconn_filter f;
	bool match;
	const char *desc;
};

#define KT_V4ADDR(a, b, c, d) \
	{ .s6_addr32 = { htonl(((a) << 24) | ((b) << 16) | ((c) << 8) | (d)) } }
#define KT_MAPPED(a, b, c, d) \
	{ .s6_addr32 = { 0, 0, htonl(0xffff), \
			 htonl(((a) << 24) | ((b) << 16) | ((c) << 8) | (d)) } }

/* The socket every case is matched against: 10.1.2.3:40000 -> 192.0.2.7:443 */
static const struct tcpconn_socket kt_filter_sock = {
	.family = AF_INET,
	.state = TCPCONN_STATE_ESTABLISHED,
	.src = KT_V4ADDR(10, 1, 2, 3),
	.dst = KT_V4ADDR(192, 0, 2, 7),
	.sport = 40000,
	.dport = 443,
};

static const struct kt_filter_case kt_filter_cases[] = {
	{ {}, true, "empty filter" },
	{ { .states = BIT(TCPCONN_STATE_ESTABLISHED) }, true, "state in" },
	{ { .states = BIT(TCPCONN_STATE_TIME_WAIT) }, false, "state out" },
	{ { .family = AF_INET6 }, false, "family" },
	{ { .sport = 40000, .dport = 443 }, true, "ports" },
	{ { .dport = 80 }, false, "dport" },
	{ { .orphans_only = true }, false, "not an orphan" },
	{ { .src = { AF_INET, 8, KT_V4ADDR(10, 0, 0, 0) } }, true, "src /8" },
	{ { .src = { AF_INET, 24, KT_V4ADDR(10, 1, 3, 0) } }, false, "src /24" },
	{ { .dst = { AF_INET, 32, KT_V4ADDR(192, 0, 2, 7) } }, true, "dst /32" },
	{ { .dst = { AF_INET, 0, KT_V4ADDR(1, 1, 1, 1) } }, true, "dst /0" },
	{ { .dst = { AF_INET6, 0, {} } }, false, "v6 prefix, v4 socket" },
	{ { .match_uid = true, .uid = KUIDT_INIT(0) }, true, "uid 0" },
	{ { .match_uid = true, .uid = KUIDT_INIT(1000) }, false, "uid 1000" },
};

static void kt_filter_desc(const struct kt_filter_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(kt_filter, kt_filter_cases, kt_filter_desc);

static void tcpconn_filter_test(struct kunit *test)
{
	const struct kt_filter_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, tcpconn_filter_match(&c->f, &kt_filter_sock),
			c->match);
}

/* An IPv4 prefix matches the v4-mapped address of an IPv6 socket, as ss. */
static void tcpconn_filter_v4mapped_test(struct kunit *test)
{
	struct tcpconn_socket s = {
		.family = AF_INET6,
		.state = TCPCONN_STATE_ESTABLISHED,
		.dst = KT_MAPPED(192, 0, 2, 7),
	};
	struct tcpconn_filter f = {
		.dst = { AF_INET, 24, KT_V4ADDR(192, 0, 2, 0) },
	};

	KUNIT_EXPECT_TRUE(test, tcpconn_filter_match(&f, &s));
	s.dst = in6addr_loopback;
	KUNIT_EXPECT_FALSE(test, tcpconn_filter_match(&f, &s));
}

/* ---- sockets view: snapshots and the established-hash walk ---- */

struct kt_ecollect {
	u16 port;
	int n, kinds[TCPCONN_STATE_MAX + 1];
	struct tcpconn_socket last_tw;
};

static int kt_ecollect(struct sock *sk, void *arg)
{
	struct kt_ecollect *c = arg;
	struct tcpconn_socket s;

	tcpconn_socket_snapshot(sk, &s);
	if (s.sport != c->port && s.dport != c->port)
		return 0;
	c->n++;
	c->kinds[s.state]++;
	if (s.state == TCPCONN_STATE_TIME_WAIT)
		c->last_tw = s;
	return 0;
}

/*
 * One accepted connection that sent data the server has not read, one
 * closed by the client into TIME_WAIT: the walk finds each end once, with
 * the queues, timer and state ss would show.
 */
static void tcpconn_socket_snapshot_test(struct kunit *test)
{
	struct kt_ctx *ctx = test->priv;
	const u16 port = KT_PORT + 30;
	struct kt_ecollect c = { .port = port };
	struct tcpconn_walk_pos pos = {};
	struct socket *lsn, *child, *cl;
	struct tcpconn_socket s;
	struct kvec iov;
	struct msghdr msg = {};
	char buf[100] = {};
	int ms;

	lsn = kt_listen(test, ctx->net, AF_INET, port, 8, false);
	kt_connect(test, AF_INET, port);
	cl = ctx->socks[ctx->nsocks - 1];
	KUNIT_ASSERT_EQ(test, kt_wait_for(lsn->sk, kt_accept_queue, 1), 1U);
	KUNIT_ASSERT_EQ(test, kernel_accept(lsn, &child, O_NONBLOCK), 0);
	ctx->socks[ctx->nsocks++] = child;
	iov.iov_base = buf;
	iov.iov_len = sizeof(buf);
	KUNIT_ASSERT_EQ(test, kernel_sendmsg(cl, &msg, &iov, 1, sizeof(buf)),
			(int)sizeof(buf));

	for (ms = 0; ms < KT_WAIT_MS; ms += 20) {
		tcpconn_socket_snapshot(child->sk, &s);
		if (s.rqueue == sizeof(buf))
			break;
		msleep(20);
	}
	KUNIT_EXPECT_EQ(test, s.rqueue, (u32)sizeof(buf));
	KUNIT_EXPECT_EQ(test, s.state, TCPCONN_STATE_ESTABLISHED);
	KUNIT_EXPECT_EQ(test, s.sport, port);
	KUNIT_EXPECT_EQ(test, s.dport, inet_sk(cl->sk)->inet_num);
	KUNIT_EXPECT_TRUE(test, s.src.s6_addr32[0] == htonl(INADDR_LOOPBACK));
	KUNIT_EXPECT_EQ(test, s.inode, (u64)SOCK_INODE(child)->i_ino);
	KUNIT_EXPECT_FALSE(test, s.orphan);

	KUNIT_EXPECT_EQ(test, tcpconn_walk_established(ctx->net, &pos,
						       kt_ecollect, &c), 0);
	KUNIT_EXPECT_EQ(test, c.kinds[TCPCONN_STATE_ESTABLISHED], 2);

	/*
	 * The client closes first: it ends in TIME_WAIT. The server reads the
	 * data first, else its close() would reset the connection.
	 */
	KUNIT_ASSERT_EQ(test, kernel_recvmsg(child, &msg, &iov, 1, sizeof(buf),
					     MSG_DONTWAIT), (int)sizeof(buf));
	kt_close(test, cl);
	kt_close(test, child);
	for (ms = 0; ms < KT_WAIT_MS; ms += 20) {
		memset(&c, 0, sizeof(c));
		c.port = port;
		pos = (struct tcpconn_walk_pos){};
		tcpconn_walk_established(ctx->net, &pos, kt_ecollect, &c);
		if (c.n == 1 && c.kinds[TCPCONN_STATE_TIME_WAIT] == 1)
			break;
		msleep(20);
	}
	KUNIT_ASSERT_EQ(test, c.kinds[TCPCONN_STATE_TIME_WAIT], 1);
	KUNIT_EXPECT_EQ(test, c.n, 1);
	KUNIT_EXPECT_EQ(test, c.last_tw.timer, (u8)TCPCONN_TIMER_TIMEWAIT);
	KUNIT_EXPECT_GT(test, c.last_tw.expires_ms, 50000U);
	KUNIT_EXPECT_LE(test, c.last_tw.expires_ms, 60000U);
	KUNIT_EXPECT_EQ(test, c.last_tw.inode, 0ULL);
	KUNIT_EXPECT_EQ(test, c.last_tw.dport, port);
}

/* ---- listener snapshot on real sockets ---- */

struct kt_acceptq_case {
	int backlog, clients;
	const char *desc;
};

static const struct kt_acceptq_case kt_acceptq_cases[] = {
	{ 3, 2, "2 clients, backlog 3" },
	{ 3, 6, "6 clients, backlog 3: full at 4" },
	{ 0, 3, "3 clients, backlog 0: full at 1" },
};

static void kt_acceptq_desc(const struct kt_acceptq_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(kt_acceptq, kt_acceptq_cases, kt_acceptq_desc);

static void tcpconn_accept_queue_test(struct kunit *test)
{
	const struct kt_acceptq_case *c = test->param_value;
	struct kt_ctx *ctx = test->priv;
	u32 want = min(c->clients, c->backlog + 1);
	struct tcpconn_listener l;
	struct socket *lsn;
	int i;

	lsn = kt_listen(test, ctx->net, AF_INET, KT_PORT, c->backlog, false);
	for (i = 0; i < c->clients; i++)
		kt_connect(test, AF_INET, KT_PORT);

	KUNIT_EXPECT_EQ(test, kt_wait_for(lsn->sk, kt_accept_queue, want), want);
	msleep(200);	/* and it must not grow past the limit */
	tcpconn_listener_snapshot(lsn->sk, &l);
	KUNIT_EXPECT_EQ(test, l.accept_queue, want);
	KUNIT_EXPECT_EQ(test, l.backlog, (u32)c->backlog);
	KUNIT_EXPECT_EQ(test, tcpconn_listener_full(&l),
			c->clients > c->backlog);
}

/*
 * TCP_DEFER_ACCEPT makes the listener drop the client's bare ACK, so the
 * request sockets stay in the SYN queue: a peer that never completes the
 * handshake, as far as the listener can tell.
 */
static void tcpconn_syn_queue_test(struct kunit *test)
{
	struct kt_ctx *ctx = test->priv;
	const int k = 5;
	int defer_secs = 30;
	struct tcpconn_listener l;
	struct socket *lsn;
	int i, err;

	lsn = kt_listen(test, ctx->net, AF_INET, KT_PORT + 1, 16, false);
	err = lsn->ops->setsockopt(lsn, SOL_TCP, TCP_DEFER_ACCEPT,
				   KERNEL_SOCKPTR(&defer_secs),
				   sizeof(defer_secs));
	KUNIT_ASSERT_EQ(test, err, 0);
	for (i = 0; i < k; i++)
		kt_connect(test, AF_INET, KT_PORT + 1);

	KUNIT_EXPECT_EQ(test, kt_wait_for(lsn->sk, kt_syn_queue, k), (u32)k);
	tcpconn_listener_snapshot(lsn->sk, &l);
	KUNIT_EXPECT_EQ(test, l.accept_queue, 0U);
	KUNIT_EXPECT_LE(test, l.syn_young, l.syn_queue);
}

static void tcpconn_snapshot_v6_test(struct kunit *test)
{
	struct kt_ctx *ctx = test->priv;
	struct tcpconn_listener l;
	struct socket *sock;
	struct sockaddr_storage ss;
	int len = kt_loopback(AF_INET6, KT_PORT + 2, &ss);

	sock = kt_socket(test, ctx->net, AF_INET6);
	sock_set_reuseport(sock->sk);
	KUNIT_ASSERT_EQ(test, ip6_sock_set_v6only(sock->sk), 0);
	KUNIT_ASSERT_EQ(test, kernel_bind(sock, TCPCONN_SOCKADDR(&ss), len), 0);
	KUNIT_ASSERT_EQ(test, kernel_listen(sock, 7), 0);

	tcpconn_listener_snapshot(sock->sk, &l);
	KUNIT_EXPECT_EQ(test, l.family, (u8)AF_INET6);
	KUNIT_EXPECT_TRUE(test, ipv6_addr_loopback(&l.addr));
	KUNIT_EXPECT_EQ(test, l.port, (u16)(KT_PORT + 2));
	KUNIT_EXPECT_EQ(test, l.backlog, 7U);
	KUNIT_EXPECT_TRUE(test, l.reuseport);
	KUNIT_EXPECT_TRUE(test, l.v6only);
	KUNIT_EXPECT_EQ(test, l.ifindex, 0);
	KUNIT_EXPECT_NE(test, l.inode, 0ULL);
	KUNIT_EXPECT_NE(test, l.cookie, 0ULL);
}

/* ---- walker ---- */

#define KT_GROUP 40	/* > 2 batches in one lhash2 bucket */

struct kt_visit {
	u64 seen[KT_GROUP + 8];
	int nseen, calls, fail_every, other;
	u16 port;
};

static int kt_visit(struct sock *sk, void *arg)
{
	struct kt_visit *v = arg;

	if (v->fail_every && ++v->calls % v->fail_every == 0)
		return -EMSGSIZE;
	if (sk->sk_num != v->port) {
		v->other++;
		return 0;
	}
	if (v->nseen < ARRAY_SIZE(v->seen))
		v->seen[v->nseen] = tcpconn_sk_cookie(sk);
	v->nseen++;
	return 0;
}

static void kt_expect_each_once(struct kunit *test, struct socket **group,
				const struct kt_visit *v)
{
	int i, j, hits;

	KUNIT_ASSERT_EQ(test, v->nseen, KT_GROUP);
	for (i = 0; i < KT_GROUP; i++) {
		hits = 0;
		for (j = 0; j < KT_GROUP; j++)
			hits += v->seen[j] == tcpconn_sk_cookie(group[i]->sk);
		KUNIT_EXPECT_EQ_MSG(test, hits, 1, "listener %d", i);
	}
}

static struct socket **kt_reuseport_group(struct kunit *test, u16 port)
{
	struct kt_ctx *ctx = test->priv;
	struct socket **group;
	int i;

	group = kunit_kcalloc(test, KT_GROUP, sizeof(*group), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, group);
	for (i = 0; i < KT_GROUP; i++)
		group[i] = kt_listen(test, ctx->net, AF_INET, port, 8, true);
	return group;
}

static void tcpconn_walk_group_test(struct kunit *test)
{
	struct kt_ctx *ctx = test->priv;
	struct kt_visit v = { .port = KT_PORT + 3 };
	struct tcpconn_walk_pos pos = {};
	struct socket **group = kt_reuseport_group(test, v.port);

	KUNIT_EXPECT_EQ(test, tcpconn_walk_listeners(ctx->net, &pos,
						     kt_visit, &v), 0);
	KUNIT_EXPECT_EQ(test, pos.bucket, tcpconn_listener_buckets(ctx->net));
	KUNIT_EXPECT_EQ(test, v.other, 0);
	kt_expect_each_once(test, group, &v);
}

/* A visitor that fails (skb full) must make the walk resume on that socket. */
static void tcpconn_walk_resume_test(struct kunit *test)
{
	struct kt_ctx *ctx = test->priv;
	struct kt_visit v = { .port = KT_PORT + 4, .fail_every = 7 };
	struct tcpconn_walk_pos pos = {};
	struct socket **group = kt_reuseport_group(test, v.port);
	int err, rounds = 0;

	do {
		err = tcpconn_walk_listeners(ctx->net, &pos, kt_visit, &v);
		KUNIT_ASSERT_TRUE(test, err == 0 || err == -EMSGSIZE);
		KUNIT_ASSERT_LT(test, ++rounds, 100);
	} while (err);
	KUNIT_EXPECT_GT(test, rounds, 5);
	kt_expect_each_once(test, group, &v);
}

static int kt_seen(const struct kt_visit *v, u64 cookie)
{
	int i, hits = 0;

	for (i = 0; i < v->nseen && i < ARRAY_SIZE(v->seen); i++)
		hits += v->seen[i] == cookie;
	return hits;
}

/*
 * Listeners closed and added between two parts of a walk (between two
 * recvmsg() of a dump): every listener present throughout is visited
 * exactly once, and the walk does not report a restart.
 */
static void tcpconn_walk_churn_test(struct kunit *test)
{
	struct kt_ctx *ctx = test->priv;
	struct kt_visit v = { .port = KT_PORT + 6, .fail_every = 11 };
	struct tcpconn_walk_pos pos = {};
	struct socket **group = kt_reuseport_group(test, v.port);
	u64 closed[2];
	int i, err, hits;

	err = tcpconn_walk_listeners(ctx->net, &pos, kt_visit, &v);
	KUNIT_ASSERT_EQ(test, err, -EMSGSIZE);
	KUNIT_ASSERT_EQ(test, v.nseen, 10);

	/* Close the last visited listener and one not yet visited. */
	closed[0] = v.seen[9];
	for (i = 0; i < KT_GROUP; i++)
		if (!kt_seen(&v, tcpconn_sk_cookie(group[i]->sk)))
			break;
	KUNIT_ASSERT_LT(test, i, KT_GROUP);
	closed[1] = tcpconn_sk_cookie(group[i]->sk);
	for (i = 0; i < KT_GROUP; i++) {
		u64 c = tcpconn_sk_cookie(group[i]->sk);

		if (c == closed[0] || c == closed[1]) {
			kt_close(test, group[i]);
			group[i] = NULL;
		}
	}
	for (i = 0; i < 4; i++)
		kt_listen(test, ctx->net, AF_INET, v.port, 8, true);

	v.fail_every = 0;
	KUNIT_EXPECT_EQ(test, tcpconn_walk_listeners(ctx->net, &pos,
						     kt_visit, &v), 0);
	KUNIT_EXPECT_FALSE(test, pos.restarted);
	for (i = 0; i < KT_GROUP; i++) {
		if (!group[i])
			continue;
		hits = kt_seen(&v, tcpconn_sk_cookie(group[i]->sk));
		KUNIT_EXPECT_EQ_MSG(test, hits, 1, "listener %d", i);
	}
	KUNIT_EXPECT_EQ(test, kt_seen(&v, closed[0]), 1);
	KUNIT_EXPECT_EQ(test, kt_seen(&v, closed[1]), 0);
}

/*
 * Every listener the walk remembered is closed before it resumes: it must
 * walk the bucket again from its start, say so in pos.restarted while it
 * is in that bucket (a dump flags those messages NLM_F_DUMP_INTR), and
 * clear the flag when it moves on, so later buckets are not flagged.
 */
static void tcpconn_walk_restart_test(struct kunit *test)
{
	struct kt_ctx *ctx = test->priv;
	struct kt_visit v = { .port = KT_PORT + 7, .fail_every = 11 };
	struct tcpconn_walk_pos pos = {};
	struct socket **group = kt_reuseport_group(test, v.port);
	int i, err, hits;

	err = tcpconn_walk_listeners(ctx->net, &pos, kt_visit, &v);
	KUNIT_ASSERT_EQ(test, err, -EMSGSIZE);
	KUNIT_ASSERT_EQ(test, v.nseen, 10);
	KUNIT_ASSERT_EQ(test, pos.nr_cookies, (u32)TCPCONN_RESUME_COOKIES);

	for (i = 0; i < KT_GROUP; i++) {
		if (kt_seen(&v, tcpconn_sk_cookie(group[i]->sk))) {
			kt_close(test, group[i]);
			group[i] = NULL;
		}
	}

	v.fail_every = 0;
	KUNIT_EXPECT_EQ(test, tcpconn_walk_listener_bucket(ctx->net, &pos,
							   kt_visit, &v), 0);
	KUNIT_EXPECT_TRUE(test, pos.restarted);
	KUNIT_EXPECT_EQ(test, tcpconn_walk_listeners(ctx->net, &pos,
						     kt_visit, &v), 0);
	KUNIT_EXPECT_FALSE(test, pos.restarted);
	KUNIT_EXPECT_EQ(test, v.nseen, KT_GROUP);
	for (i = 0; i < KT_GROUP; i++) {
		if (!group[i])
			continue;
		hits = kt_seen(&v, tcpconn_sk_cookie(group[i]->sk));
		KUNIT_EXPECT_EQ_MSG(test, hits, 1, "listener %d", i);
	}
}

/*
 * On 6.1 a socket entering TIME_WAIT is hashed again at the head of its
 * chain under the same cookie. Do that to the last listener the walk
 * remembered: the resumed walk must not restart from it (which would
 * repeat the listeners after it) but continue after an older one.
 */
static void tcpconn_walk_rehashed_test(struct kunit *test)
{
	struct kt_ctx *ctx = test->priv;
	struct kt_visit v = { .port = KT_PORT + 8, .fail_every = 11 };
	struct tcpconn_walk_pos pos = {};
	struct socket **group = kt_reuseport_group(test, v.port);
	struct inet_listen_hashbucket *ilb;
	struct sock *last = NULL;
	int i, err, hits;

	err = tcpconn_walk_listeners(ctx->net, &pos, kt_visit, &v);
	KUNIT_ASSERT_EQ(test, err, -EMSGSIZE);
	KUNIT_ASSERT_EQ(test, pos.nr_cookies, (u32)TCPCONN_RESUME_COOKIES);
	for (i = 0; i < KT_GROUP; i++)
		if (tcpconn_sk_cookie(group[i]->sk) ==
		    pos.cookies[pos.nr_cookies - 1])
			last = group[i]->sk;
	KUNIT_ASSERT_NOT_NULL(test, last);

	ilb = &tcpconn_hashinfo(ctx->net)->lhash2[pos.bucket];
	spin_lock(&ilb->lock);
	__sk_nulls_del_node_init_rcu(last);
	__sk_nulls_add_node_rcu(last, &ilb->nulls_head);
	spin_unlock(&ilb->lock);

	v.fail_every = 0;
	KUNIT_EXPECT_EQ(test, tcpconn_walk_listener_bucket(ctx->net, &pos,
							   kt_visit, &v), 0);
	KUNIT_EXPECT_FALSE(test, pos.restarted);
	KUNIT_EXPECT_EQ(test, tcpconn_walk_listeners(ctx->net, &pos,
						     kt_visit, &v), 0);
	KUNIT_EXPECT_EQ(test, v.nseen, KT_GROUP);
	for (i = 0; i < KT_GROUP; i++) {
		hits = kt_seen(&v, tcpconn_sk_cookie(group[i]->sk));
		KUNIT_EXPECT_EQ_MSG(test, hits, 1, "listener %d", i);
	}
}

/* Same port in init_net and in the test netns: each walk sees its own. */
static void tcpconn_walk_netns_test(struct kunit *test)
{
	struct kt_ctx *ctx = test->priv;
	struct kt_visit mine = { .port = KT_PORT + 5 };
	struct kt_visit init = { .port = KT_PORT + 5 };
	struct tcpconn_walk_pos pos = {};

	KUNIT_ASSERT_FALSE(test, net_eq(ctx->net, &init_net));
	kt_listen(test, &init_net, AF_INET, KT_PORT + 5, 8, false);

	KUNIT_EXPECT_EQ(test, tcpconn_walk_listeners(ctx->net, &pos,
						     kt_visit, &mine), 0);
	KUNIT_EXPECT_EQ(test, mine.nseen, 0);
	pos = (struct tcpconn_walk_pos){};
	KUNIT_EXPECT_EQ(test, tcpconn_walk_listeners(&init_net, &pos,
						     kt_visit, &init), 0);
	KUNIT_EXPECT_EQ(test, init.nseen, 1);
}

static struct kunit_case tcpconn_helpers_cases[] = {
	KUNIT_CASE_PARAM(tcpconn_listener_full_test, kt_full_gen_params),
	{}
};

static struct kunit_suite tcpconn_helpers_suite = {
	.name = "tcpconn_helpers",
	.test_cases = tcpconn_helpers_cases,
};

static struct kunit_case tcpconn_summary_pure_cases[] = {
	KUNIT_CASE_PARAM(tcpconn_state_of_test, kt_state_gen_params),
	KUNIT_CASE_PARAM(tcpconn_filter_test, kt_filter_gen_params),
	KUNIT_CASE(tcpconn_filter_v4mapped_test),
	KUNIT_CASE(tcpconn_summary_names_test),
	KUNIT_CASE(tcpconn_summary_count_test),
	{}
};

static struct kunit_suite tcpconn_summary_pure_suite = {
	.name = "tcpconn_summary_pure",
	.test_cases = tcpconn_summary_pure_cases,
};

/* Must run before any other socket suite: it needs an empty netns. */
static struct kunit_case tcpconn_summary_cases[] = {
	KUNIT_CASE(tcpconn_summary_sockets_test),
	{}
};

static struct kunit_suite tcpconn_summary_suite = {
	.name = "tcpconn_summary",
	.init = kt_init,
	.exit = kt_exit,
	.test_cases = tcpconn_summary_cases,
};

static struct kunit_case tcpconn_listener_cases[] = {
	KUNIT_CASE_PARAM(tcpconn_accept_queue_test, kt_acceptq_gen_params),
	KUNIT_CASE(tcpconn_syn_queue_test),
	KUNIT_CASE(tcpconn_snapshot_v6_test),
	{}
};

static struct kunit_suite tcpconn_listener_suite = {
	.name = "tcpconn_listener",
	.init = kt_init,
	.exit = kt_exit,
	.test_cases = tcpconn_listener_cases,
};

static struct kunit_case tcpconn_walk_cases[] = {
	KUNIT_CASE(tcpconn_walk_group_test),
	KUNIT_CASE(tcpconn_walk_resume_test),
	KUNIT_CASE(tcpconn_walk_churn_test),
	KUNIT_CASE(tcpconn_walk_restart_test),
	KUNIT_CASE(tcpconn_walk_rehashed_test),
	KUNIT_CASE(tcpconn_walk_netns_test),
	KUNIT_CASE(tcpconn_socket_snapshot_test),
	{}
};

static struct kunit_suite tcpconn_walk_suite = {
	.name = "tcpconn_walk",
	.init = kt_init,
	.exit = kt_exit,
	.test_cases = tcpconn_walk_cases,
};

kunit_test_suites(&tcpconn_helpers_suite, &tcpconn_summary_pure_suite,
		  &tcpconn_summary_suite, &tcpconn_listener_suite,
		  &tcpconn_walk_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for tcpconn");
