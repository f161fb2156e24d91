// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for tcpconn: pure helpers, and the listener walker and
 * snapshot on real kernel sockets.
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

#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/module.h>
#include <linux/net.h>
#include <linux/tcp.h>
#include <net/inet_connection_sock.h>
#include <net/ipv6.h>
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

static void kt_close(struct kunit *test, struct socket *sock)
{
	struct kt_ctx *ctx = test->priv;
	int i;

	for (i = 0; i < ctx->nsocks; i++)
		if (ctx->socks[i] == sock)
			ctx->socks[i] = NULL;
	sock_release(sock);
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
	KUNIT_CASE(tcpconn_walk_netns_test),
	{}
};

static struct kunit_suite tcpconn_walk_suite = {
	.name = "tcpconn_walk",
	.init = kt_init,
	.exit = kt_exit,
	.test_cases = tcpconn_walk_cases,
};

kunit_test_suites(&tcpconn_helpers_suite, &tcpconn_listener_suite,
		  &tcpconn_walk_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for tcpconn");
