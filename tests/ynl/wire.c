// SPDX-License-Identifier: GPL-2.0
/*
 * wire.c - the bytes tcpconn-stat puts on the wire, for check_spec.py.
 *
 * Prints one line per case, "KIND NAME HEX [VALUES]":
 *   req NAME HEX             a request built by the client's own builders
 *                            (listeners_request(), summary_request(),
 *                            sockets_request()), from the nlmsghdr on
 *   rsp NAME HEX k=v,...     a reply as userspace/tests/replay.c builds it
 *                            (after the module's fill functions), and the
 *                            values it was built from (attribute value =
 *                            number, arrays as k.N=v)
 * check_spec.py encodes the same requests with YNL from the spec alone and
 * compares the bytes, and decodes the replies with the spec.
 *
 * Built by check_spec.py from the client's sources (all but main.c) and
 * userspace/tests/replay.c; never installed.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/tcpconn.h>

#include "listeners.h"
#include "nl.h"
#include "opts.h"
#include "replay.h"
#include "sockets.h"
#include "summary.h"

static void hex(const struct nlmsghdr *nlh)
{
	const unsigned char *p = (const void *)nlh;
	uint32_t i;

	for (i = 0; i < nlh->nlmsg_len; i++)
		printf("%02x", p[i]);
}

static void req(const char *name, const struct nlmsghdr *nlh)
{
	if (!nlh) {
		printf("error %s builder failed\n", name);
		return;
	}
	printf("req %s ", name);
	hex(nlh);
	putchar('\n');
}

static void prefix(struct addr_prefix *p, int family, const char *addr,
		   uint8_t len)
{
	p->family = family;
	inet_pton(family, addr, p->addr);
	p->len = len;
}

static void requests(void)
{
	static uint64_t buf[NL_REQ_SIZE / 8];
	struct filter f;

	memset(&f, 0, sizeof(f));
	req("listeners-all", listeners_request(buf, sizeof(buf), TEST_FAMILY_ID, &f));
	f.family = AF_INET;
	req("listeners-v4", listeners_request(buf, sizeof(buf), TEST_FAMILY_ID, &f));
	f.family = AF_INET6;
	f.has_port = true;
	f.port = 443;
	req("listeners-v6-port", listeners_request(buf, sizeof(buf), TEST_FAMILY_ID, &f));

	req("summary", summary_request(buf, sizeof(buf), TEST_FAMILY_ID));

	memset(&f, 0, sizeof(f));
	req("sockets-all", sockets_request(buf, sizeof(buf), TEST_FAMILY_ID, &f));
	f.states = SOCK_STATE_BIT(TCPCONN_STATE_ESTABLISHED) |
		   SOCK_STATE_BIT(TCPCONN_STATE_TW_FIN_WAIT2);
	f.family = AF_INET;
	prefix(&f.src, AF_INET, "10.0.0.0", 8);
	prefix(&f.dst, AF_INET, "192.0.2.1", 32);
	f.sport = 22;
	f.dport = 40000;
	f.has_uid = true;
	f.uid = 1000;
	f.orphans = true;
	req("sockets-filters-v4", sockets_request(buf, sizeof(buf), TEST_FAMILY_ID, &f));
	memset(&f, 0, sizeof(f));
	f.family = AF_INET6;
	prefix(&f.dst, AF_INET6, "2001:db8::", 32);
	req("sockets-v6-prefix", sockets_request(buf, sizeof(buf), TEST_FAMILY_ID, &f));
}

static void addr(int key, int family, const uint8_t *a)
{
	int i, n = family == AF_INET ? 4 : 16;

	printf("%d=", key);
	for (i = 0; i < n; i++)
		printf("%02x", a[i]);
}

static void listener(int which)
{
	static uint64_t buf[1024];
	struct listener l = sample_listener(which);
	struct nlmsghdr *nlh = put_listener(buf, &l, 0);

	printf("rsp listener-%d ", which);
	hex(nlh);
	printf(" %u=%u,", TCPCONN_A_LISTENER_FAMILY, l.family);
	addr(TCPCONN_A_LISTENER_ADDR, l.family, l.addr);
	printf(",%u=%u,%u=%u,%u=%u,%u=%u,%u=%u,%u=%u,%u=%u,%u=%u,%u=%llu,%u=%llu,%u=%d,%u=%d\n",
	       TCPCONN_A_LISTENER_PORT, l.port,
	       TCPCONN_A_LISTENER_IFINDEX, l.ifindex,
	       TCPCONN_A_LISTENER_SYN_QUEUE, l.syn_queue,
	       TCPCONN_A_LISTENER_SYN_YOUNG, l.syn_young,
	       TCPCONN_A_LISTENER_ACCEPT_QUEUE, l.accept_queue,
	       TCPCONN_A_LISTENER_BACKLOG, l.backlog,
	       TCPCONN_A_LISTENER_DROPS, l.drops,
	       TCPCONN_A_LISTENER_UID, l.uid,
	       TCPCONN_A_LISTENER_INODE, (unsigned long long)l.inode,
	       TCPCONN_A_LISTENER_COOKIE, (unsigned long long)l.cookie,
	       TCPCONN_A_LISTENER_REUSEPORT, l.reuseport,
	       TCPCONN_A_LISTENER_V6ONLY, l.v6only);
}

static void u32s(int attr, const uint32_t *v, int max)
{
	int i;

	for (i = 1; i <= max; i++)
		printf("%d.%d=%u,", attr, i, v[i]);
}

static void u64s(int attr, const uint64_t *v, int max)
{
	int i;

	for (i = 1; i <= max; i++)
		printf("%d.%d=%llu,", attr, i, (unsigned long long)v[i]);
}

static void summary(void)
{
	static uint64_t buf[1024];
	struct tcpconn_summary s = sample_summary();
	struct nlmsghdr *nlh = put_summary(buf, &s, 0);

	printf("rsp summary ");
	hex(nlh);
	putchar(' ');
	u32s(TCPCONN_A_SUMMARY_STATES_V4, s.states[SUM_V4], TCPCONN_STATE_MAX);
	u32s(TCPCONN_A_SUMMARY_STATES_V6, s.states[SUM_V6], TCPCONN_STATE_MAX);
	u32s(TCPCONN_A_SUMMARY_ORPHANS_V4, s.orphans[SUM_V4], TCPCONN_STATE_MAX);
	u32s(TCPCONN_A_SUMMARY_ORPHANS_V6, s.orphans[SUM_V6], TCPCONN_STATE_MAX);
	u64s(TCPCONN_A_SUMMARY_LIMITS, s.limits, TCPCONN_LIMIT_MAX);
	u64s(TCPCONN_A_SUMMARY_COUNTERS, s.counters, TCPCONN_COUNTER_MAX);
	printf("%u=%u,%u=%u,%u=%llu,%u=%u\n",
	       TCPCONN_A_SUMMARY_ORPHANS, s.orphans_total,
	       TCPCONN_A_SUMMARY_TW_COUNT, s.tw_count,
	       TCPCONN_A_SUMMARY_WALK_NS, (unsigned long long)s.walk_ns,
	       TCPCONN_A_SUMMARY_EHASH_BUCKETS, s.ehash_buckets);
}

static void socket_msg(const char *name, struct sock_entry s)
{
	static uint64_t buf[1024];
	struct nlmsghdr *nlh = put_socket(buf, &s, 0);

	printf("rsp %s ", name);
	hex(nlh);
	printf(" %u=%u,%u=%u,", TCPCONN_A_SOCKET_FAMILY, s.family,
	       TCPCONN_A_SOCKET_STATE, s.state);
	addr(TCPCONN_A_SOCKET_SRC_ADDR, s.family, s.src);
	putchar(',');
	addr(TCPCONN_A_SOCKET_DST_ADDR, s.family, s.dst);
	printf(",%u=%u,%u=%u,%u=%u,%u=%u,%u=%u,%u=%u,%u=%u,%u=%u,%u=%u,%u=%u,%u=%llu,%u=%llu,%u=%d\n",
	       TCPCONN_A_SOCKET_SRC_PORT, s.sport,
	       TCPCONN_A_SOCKET_DST_PORT, s.dport,
	       TCPCONN_A_SOCKET_IFINDEX, s.ifindex,
	       TCPCONN_A_SOCKET_TIMER, s.timer,
	       TCPCONN_A_SOCKET_EXPIRES_MS, s.expires_ms,
	       TCPCONN_A_SOCKET_RETRANS, s.retrans,
	       TCPCONN_A_SOCKET_PROBES, s.probes,
	       TCPCONN_A_SOCKET_RQUEUE, s.rqueue,
	       TCPCONN_A_SOCKET_WQUEUE, s.wqueue,
	       TCPCONN_A_SOCKET_UID, s.uid,
	       TCPCONN_A_SOCKET_INODE, (unsigned long long)s.inode,
	       TCPCONN_A_SOCKET_COOKIE, (unsigned long long)s.cookie,
	       TCPCONN_A_SOCKET_ORPHAN, s.orphan);
}

int main(void)
{
	struct sock_entry s;

	requests();
	listener(0);
	listener(1);
	listener(2);
	summary();
	socket_msg("socket-v4", sample_socket(TCPCONN_STATE_ESTABLISHED, 22, 40000, 0));
	s = sample_socket(TCPCONN_STATE_FIN_WAIT1, 443, 50000, 1);
	s.orphan = true;
	s.timer = TCPCONN_TIMER_PERSIST;
	s.ifindex = 3;
	socket_msg("socket-v6-orphan", s);
	socket_msg("socket-tw", sample_socket(TCPCONN_STATE_TW_FIN_WAIT2, 80, 1234, 0));
	return 0;
}
