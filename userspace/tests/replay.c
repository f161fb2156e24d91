// SPDX-License-Identifier: GPL-2.0
/* replay.c - kernel message builders for the tests, see replay.h. */
#include <string.h>

#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/tcpconn.h>

#include <libmnl/libmnl.h>

#include "replay.h"
#include "nl.h"

struct nlmsghdr *put_listener(void *buf, const struct listener *l,
			      unsigned int how)
{
	struct nlmsghdr *nlh;
	size_t alen = l->family == AF_INET ? 4 : 16;

	if (how & BL_V4_WITH_16_BYTES)
		alen = 16;
	nlh = nl_msg_start(buf, TEST_FAMILY_ID,
		       NLM_F_MULTI | ((how & BL_DUMP_INTR) ? NLM_F_DUMP_INTR : 0),
		       TCPCONN_CMD_LISTENERS_GET, TCPCONN_GENL_VERSION);
	mnl_attr_put_u8(nlh, TCPCONN_A_LISTENER_FAMILY, l->family);
	if (how & BL_UNKNOWN_200)
		mnl_attr_put_u32(nlh, 200, 0xdeadbeef);
	if (!(how & BL_NO_ADDR))
		mnl_attr_put(nlh, TCPCONN_A_LISTENER_ADDR, alen, l->addr);
	if (how & BL_PORT_AS_U32)
		mnl_attr_put_u32(nlh, TCPCONN_A_LISTENER_PORT, l->port);
	else
		mnl_attr_put_u16(nlh, TCPCONN_A_LISTENER_PORT, l->port);
	if (!(how & BL_NO_IFINDEX))
		mnl_attr_put_u32(nlh, TCPCONN_A_LISTENER_IFINDEX, l->ifindex);
	mnl_attr_put_u32(nlh, TCPCONN_A_LISTENER_SYN_QUEUE, l->syn_queue);
	mnl_attr_put_u32(nlh, TCPCONN_A_LISTENER_SYN_YOUNG, l->syn_young);
	mnl_attr_put_u32(nlh, TCPCONN_A_LISTENER_ACCEPT_QUEUE, l->accept_queue);
	mnl_attr_put_u32(nlh, TCPCONN_A_LISTENER_BACKLOG, l->backlog);
	mnl_attr_put_u32(nlh, TCPCONN_A_LISTENER_DROPS, l->drops);
	mnl_attr_put_u32(nlh, TCPCONN_A_LISTENER_UID, l->uid);
	/* nla_put_u64_64bit() may insert a zero-length PAD first. */
	mnl_attr_put(nlh, TCPCONN_A_LISTENER_PAD, 0, NULL);
	mnl_attr_put_u64(nlh, TCPCONN_A_LISTENER_INODE, l->inode);
	if (l->reuseport)
		mnl_attr_put(nlh, TCPCONN_A_LISTENER_REUSEPORT, 0, NULL);
	mnl_attr_put_u64(nlh, TCPCONN_A_LISTENER_COOKIE, l->cookie);
	if (l->v6only)
		mnl_attr_put(nlh, TCPCONN_A_LISTENER_V6ONLY, 0, NULL);
	if (how & BL_TRAILING_GARBAGE) {
		struct nlattr *bad = mnl_nlmsg_get_payload_tail(nlh);

		bad->nla_len = 100;
		bad->nla_type = TCPCONN_A_LISTENER_ADDR;
		nlh->nlmsg_len += sizeof(*bad);
	}
	return nlh;
}

/* nla_nest_start() in the kernel always sets NLA_F_NESTED; so do we. */
static struct nlattr *nest_start(struct nlmsghdr *nlh, uint16_t type)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);

	nest->nla_type |= NLA_F_NESTED;
	return nest;
}

static void put_states(struct nlmsghdr *nlh, uint16_t type, const uint32_t *v,
		       uint64_t present, unsigned int how)
{
	struct nlattr *nest;
	int i;

	if (how & BS_SHORT_NEST && type == TCPCONN_A_SUMMARY_STATES_V4) {
		mnl_attr_put(nlh, type, 2, "\0");
		return;
	}
	nest = nest_start(nlh, type);
	for (i = 1; i <= TCPCONN_STATE_MAX; i++) {
		if (!(present & SUM_BIT(i)))
			continue;
		if (how & BS_DROP_KEYS && type == TCPCONN_A_SUMMARY_STATES_V4 &&
		    i == SUMMARY_DROPPED_STATE)
			continue;
		if (how & BS_STATE_AS_U64 && type == TCPCONN_A_SUMMARY_STATES_V4 &&
		    i == TCPCONN_STATE_ESTABLISHED)
			mnl_attr_put_u64(nlh, i, v[i]);
		else
			mnl_attr_put_u32(nlh, i, v[i]);
	}
	if (how & BS_UNKNOWN) {
		/* a state from the future, of a size we cannot know */
		mnl_attr_put(nlh, TCPCONN_STATE_MAX + 1, 3, "abc");
		mnl_attr_put_u64(nlh, 60, 1);
	}
	mnl_attr_nest_end(nlh, nest);
}

static void put_u64s(struct nlmsghdr *nlh, uint16_t type, const uint64_t *v,
		     int max, uint64_t present, unsigned int how)
{
	struct nlattr *nest = nest_start(nlh, type);
	int i;

	for (i = 1; i <= max; i++) {
		if (!(present & SUM_BIT(i)))
			continue;
		if (how & BS_DROP_KEYS &&
		    ((type == TCPCONN_A_SUMMARY_LIMITS && i == SUMMARY_DROPPED_LIMIT) ||
		     (type == TCPCONN_A_SUMMARY_COUNTERS && i == SUMMARY_DROPPED_COUNTER)))
			continue;
		/* nla_put_u64_64bit(..., padattr 0) where alignment needs it */
		if (how & BS_PAD)
			mnl_attr_put(nlh, 0, 0, NULL);
		if (how & BS_COUNTER_AS_U32 && type == TCPCONN_A_SUMMARY_COUNTERS &&
		    i == TCPCONN_COUNTER_LISTEN_OVERFLOWS)
			mnl_attr_put_u32(nlh, i, (uint32_t)v[i]);
		else
			mnl_attr_put_u64(nlh, i, v[i]);
	}
	if (how & BS_UNKNOWN) {
		mnl_attr_put_u64(nlh, max + 1, 77);
		mnl_attr_put_u32(nlh, 63, 5);	/* not even a u64 */
	}
	if (how & BS_TRUNC_IN_NEST && type == TCPCONN_A_SUMMARY_LIMITS) {
		struct nlattr *bad = mnl_nlmsg_get_payload_tail(nlh);

		bad->nla_len = 100;
		bad->nla_type = TCPCONN_LIMIT_SOMAXCONN;
		nlh->nlmsg_len += sizeof(*bad);
	}
	mnl_attr_nest_end(nlh, nest);
}

struct nlmsghdr *put_summary(void *buf, const struct tcpconn_summary *s,
			     unsigned int how)
{
	struct nlmsghdr *nlh;

	nlh = nl_msg_start(buf, TEST_FAMILY_ID, 0, TCPCONN_CMD_SUMMARY_GET,
			   TCPCONN_GENL_VERSION);
	if (how & BS_UNKNOWN) {
		struct nlattr *nest;

		mnl_attr_put_u32(nlh, 200, 0xdeadbeef);
		nest = nest_start(nlh, 201);
		mnl_attr_put_u64(nlh, 1, 5);
		mnl_attr_nest_end(nlh, nest);
	}
	put_states(nlh, TCPCONN_A_SUMMARY_STATES_V4, s->states[SUM_V4],
		   s->states_present[SUM_V4], how);
	if (!(how & BS_NO_STATES_V6))
		put_states(nlh, TCPCONN_A_SUMMARY_STATES_V6, s->states[SUM_V6],
			   s->states_present[SUM_V6], how);
	put_states(nlh, TCPCONN_A_SUMMARY_ORPHANS_V4, s->orphans[SUM_V4],
		   s->orphans_present[SUM_V4], how);
	put_states(nlh, TCPCONN_A_SUMMARY_ORPHANS_V6, s->orphans[SUM_V6],
		   s->orphans_present[SUM_V6], how);
	mnl_attr_put_u32(nlh, TCPCONN_A_SUMMARY_ORPHANS, s->orphans_total);
	if (how & BS_TW_AS_U64)
		mnl_attr_put_u64(nlh, TCPCONN_A_SUMMARY_TW_COUNT, s->tw_count);
	else
		mnl_attr_put_u32(nlh, TCPCONN_A_SUMMARY_TW_COUNT, s->tw_count);
	put_u64s(nlh, TCPCONN_A_SUMMARY_LIMITS, s->limits, TCPCONN_LIMIT_MAX,
		 s->limits_present, how);
	if (!(how & BS_NO_COUNTERS))
		put_u64s(nlh, TCPCONN_A_SUMMARY_COUNTERS, s->counters,
			 TCPCONN_COUNTER_MAX, s->counters_present, how);
	if (how & BS_PAD)
		mnl_attr_put(nlh, TCPCONN_A_SUMMARY_PAD, 0, NULL);
	mnl_attr_put_u64(nlh, TCPCONN_A_SUMMARY_WALK_NS, s->walk_ns);
	mnl_attr_put_u32(nlh, TCPCONN_A_SUMMARY_EHASH_BUCKETS, s->ehash_buckets);
	if (how & BS_TRAILING_GARBAGE) {
		struct nlattr *bad = mnl_nlmsg_get_payload_tail(nlh);

		bad->nla_len = 100;
		bad->nla_type = TCPCONN_A_SUMMARY_ORPHANS;
		nlh->nlmsg_len += sizeof(*bad);
	}
	return nlh;
}

struct tcpconn_summary sample_summary(void)
{
	static const uint32_t v4[TCPCONN_STATE_MAX + 1] = {
		[TCPCONN_STATE_ESTABLISHED] = 120, [TCPCONN_STATE_SYN_SENT] = 1,
		[TCPCONN_STATE_SYN_RECV] = 5, [TCPCONN_STATE_FIN_WAIT1] = 2,
		[TCPCONN_STATE_FIN_WAIT2] = 3, [TCPCONN_STATE_TIME_WAIT] = 3400,
		[TCPCONN_STATE_CLOSE_WAIT] = 1, [TCPCONN_STATE_LAST_ACK] = 3,
		[TCPCONN_STATE_LISTEN] = 4, [TCPCONN_STATE_TW_FIN_WAIT2] = 10,
	};
	static const uint32_t v6[TCPCONN_STATE_MAX + 1] = {
		[TCPCONN_STATE_ESTABLISHED] = 30, [TCPCONN_STATE_FIN_WAIT1] = 1,
		[TCPCONN_STATE_TIME_WAIT] = 90, [TCPCONN_STATE_LISTEN] = 2,
	};
	static const uint32_t o4[TCPCONN_STATE_MAX + 1] = {
		[TCPCONN_STATE_FIN_WAIT1] = 2, [TCPCONN_STATE_FIN_WAIT2] = 1,
		[TCPCONN_STATE_LAST_ACK] = 3,
	};
	static const uint32_t o6[TCPCONN_STATE_MAX + 1] = {
		[TCPCONN_STATE_FIN_WAIT1] = 1,
	};
	static const uint64_t lim[TCPCONN_LIMIT_MAX + 1] = {
		[TCPCONN_LIMIT_MAX_TW_BUCKETS] = 4096,
		[TCPCONN_LIMIT_SOMAXCONN] = 4096,
		[TCPCONN_LIMIT_MAX_SYN_BACKLOG] = 512,
		[TCPCONN_LIMIT_SYNCOOKIES] = 1,
		[TCPCONN_LIMIT_ABORT_ON_OVERFLOW] = 0,
		[TCPCONN_LIMIT_FIN_TIMEOUT] = 60,
		[TCPCONN_LIMIT_TW_REUSE] = 2,
		[TCPCONN_LIMIT_PORT_LOW] = 32768,
		[TCPCONN_LIMIT_PORT_HIGH] = 60999,
		[TCPCONN_LIMIT_TCP_MEM_LOW] = 43872,
		[TCPCONN_LIMIT_TCP_MEM_PRESSURE] = 58496,
		[TCPCONN_LIMIT_TCP_MEM_HIGH] = 87744,
		[TCPCONN_LIMIT_TCP_MEM_USED] = 1200,
		[TCPCONN_LIMIT_PAGE_SIZE] = 4096,
	};
	static const uint64_t ctr[TCPCONN_COUNTER_MAX + 1] = {
		[TCPCONN_COUNTER_LISTEN_OVERFLOWS] = 42,
		[TCPCONN_COUNTER_LISTEN_DROPS] = 42,
		[TCPCONN_COUNTER_EMBRYONIC_RSTS] = 1,
		[TCPCONN_COUNTER_ABORT_ON_CLOSE] = 5,
		[TCPCONN_COUNTER_ABORT_ON_TIMEOUT] = 2,
		[TCPCONN_COUNTER_TIMEWAITED] = 123456,
		/* beyond INT64_MAX: JSON must keep it exact */
		[TCPCONN_COUNTER_TIMEWAIT_RECYCLED] = 0xfffffffffffffff0ULL,
	};
	const uint64_t all_states = ((SUM_BIT(TCPCONN_STATE_MAX) - 1) << 1);
	struct tcpconn_summary s;
	int f;

	memset(&s, 0, sizeof(s));
	memcpy(s.states[SUM_V4], v4, sizeof(v4));
	memcpy(s.states[SUM_V6], v6, sizeof(v6));
	memcpy(s.orphans[SUM_V4], o4, sizeof(o4));
	memcpy(s.orphans[SUM_V6], o6, sizeof(o6));
	for (f = 0; f < SUM_NFAM; f++) {
		s.states_present[f] = all_states;
		s.orphans_present[f] = all_states;
	}
	s.orphans_total = 7;
	s.tw_count = 3500;
	memcpy(s.limits, lim, sizeof(lim));
	s.limits_present = (SUM_BIT(TCPCONN_LIMIT_MAX) - 1) << 1;
	memcpy(s.counters, ctr, sizeof(ctr));
	s.counters_present = (SUM_BIT(TCPCONN_COUNTER_MAX) - 1) << 1;
	s.walk_ns = 1234567;
	s.ehash_buckets = 65536;
	s.present = ((SUM_BIT(TCPCONN_A_SUMMARY_MAX) - 1) << 1) &
		    ~SUM_BIT(TCPCONN_A_SUMMARY_PAD);
	return s;
}

static void put_extack(struct nlmsghdr *nlh, const char *ext_msg)
{
	if (!ext_msg)
		return;
	nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, ext_msg);
}

struct nlmsghdr *put_done(void *buf, int status, const char *ext_msg)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	int *p;

	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_flags = NLM_F_MULTI;
	p = mnl_nlmsg_put_extra_header(nlh, sizeof(*p));
	*p = status;
	put_extack(nlh, ext_msg);
	return nlh;
}

struct nlmsghdr *put_error(void *buf, int error, const char *ext_msg,
			   const struct nlmsghdr *req)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlmsgerr *e;

	nlh->nlmsg_type = NLMSG_ERROR;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = error;
	if (req) {
		size_t plen = mnl_nlmsg_get_payload_len(req);

		e->msg = *req;
		memcpy(mnl_nlmsg_put_extra_header(nlh, plen),
		       mnl_nlmsg_get_payload(req), plen);
	} else {
		e->msg.nlmsg_len = sizeof(e->msg);
		nlh->nlmsg_flags |= NLM_F_CAPPED;
	}
	put_extack(nlh, ext_msg);
	return nlh;
}

struct nlmsghdr *put_family(void *buf, uint16_t id, uint32_t version,
			    const uint32_t *ops, size_t nops)
{
	struct nlmsghdr *nlh;
	size_t i;

	nlh = nl_msg_start(buf, GENL_ID_CTRL, 0, CTRL_CMD_NEWFAMILY, 2);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, TCPCONN_GENL_NAME);
	mnl_attr_put_u16(nlh, CTRL_ATTR_FAMILY_ID, id);
	mnl_attr_put_u32(nlh, CTRL_ATTR_VERSION, version);
	mnl_attr_put_u32(nlh, CTRL_ATTR_HDRSIZE, 0);
	mnl_attr_put_u32(nlh, CTRL_ATTR_MAXATTR, TCPCONN_A_LISTENER_MAX);
	if (ops) {
		struct nlattr *nest = mnl_attr_nest_start(nlh, CTRL_ATTR_OPS);

		for (i = 0; i < nops; i++) {
			struct nlattr *op = mnl_attr_nest_start(nlh, i + 1);

			mnl_attr_put_u32(nlh, CTRL_ATTR_OP_ID, ops[i]);
			mnl_attr_put_u32(nlh, CTRL_ATTR_OP_FLAGS,
					 GENL_CMD_CAP_DUMP);
			mnl_attr_nest_end(nlh, op);
		}
		mnl_attr_nest_end(nlh, nest);
	}
	return nlh;
}

struct listener sample_listener(int which)
{
	struct listener l;

	memset(&l, 0, sizeof(l));
	switch (which) {
	case 0:		/* 0.0.0.0:80, a full accept queue */
		l.family = AF_INET;
		l.port = 80;
		l.syn_queue = 3;
		l.syn_young = 2;
		l.accept_queue = 129;
		l.backlog = 128;
		l.drops = 7;
		l.inode = 12345;
		l.cookie = 0x1234abcdULL;
		break;
	case 1:		/* 127.0.0.1:8080, reuseport, uid 1000 */
		l.family = AF_INET;
		inet_pton(AF_INET, "127.0.0.1", l.addr);
		l.port = 8080;
		l.backlog = 4096;
		l.uid = 1000;
		l.inode = 99;
		l.cookie = 0xfffffffffffffff0ULL;	/* beyond INT64_MAX */
		l.reuseport = true;
		break;
	default:	/* [::]:443, v6only, big counters */
		l.family = AF_INET6;
		l.port = 443;
		l.syn_queue = 4000000000U;
		l.accept_queue = 10;
		l.backlog = 511;
		l.uid = 4294967294U;
		l.inode = 5000000000ULL;
		l.cookie = 42;
		l.v6only = true;
		break;
	}
	return l;
}

struct nlmsghdr *put_socket(void *buf, const struct sock_entry *s,
			    unsigned int how)
{
	struct nlmsghdr *nlh;
	size_t alen = s->family == AF_INET ? 4 : 16;

	nlh = nl_msg_start(buf, TEST_FAMILY_ID,
		       NLM_F_MULTI | ((how & BK_DUMP_INTR) ? NLM_F_DUMP_INTR : 0),
		       TCPCONN_CMD_SOCKETS_GET, TCPCONN_GENL_VERSION);
	mnl_attr_put_u8(nlh, TCPCONN_A_SOCKET_FAMILY, s->family);
	mnl_attr_put_u8(nlh, TCPCONN_A_SOCKET_STATE, s->state);
	if (how & BK_UNKNOWN_200) {
		mnl_attr_put_u32(nlh, 200, 0xdeadbeef);
		mnl_attr_put_u64(nlh, TCPCONN_A_SOCKET_STATES, 1);	/* request-only, any size */
	}
	mnl_attr_put(nlh, TCPCONN_A_SOCKET_SRC_ADDR, alen, s->src);
	if (how & BK_PORT_AS_U32)
		mnl_attr_put_u32(nlh, TCPCONN_A_SOCKET_SRC_PORT, s->sport);
	else
		mnl_attr_put_u16(nlh, TCPCONN_A_SOCKET_SRC_PORT, s->sport);
	mnl_attr_put(nlh, TCPCONN_A_SOCKET_DST_ADDR,
		     (how & BK_V4_WITH_16_BYTES) ? 16 : alen, s->dst);
	mnl_attr_put_u16(nlh, TCPCONN_A_SOCKET_DST_PORT, s->dport);
	if (!(how & BK_NO_IFINDEX))
		mnl_attr_put_u32(nlh, TCPCONN_A_SOCKET_IFINDEX, s->ifindex);
	mnl_attr_put_u8(nlh, TCPCONN_A_SOCKET_TIMER, s->timer);
	mnl_attr_put_u32(nlh, TCPCONN_A_SOCKET_EXPIRES_MS, s->expires_ms);
	mnl_attr_put_u32(nlh, TCPCONN_A_SOCKET_RETRANS, s->retrans);
	mnl_attr_put_u32(nlh, TCPCONN_A_SOCKET_PROBES, s->probes);
	mnl_attr_put_u32(nlh, TCPCONN_A_SOCKET_RQUEUE, s->rqueue);
	mnl_attr_put_u32(nlh, TCPCONN_A_SOCKET_WQUEUE, s->wqueue);
	mnl_attr_put_u32(nlh, TCPCONN_A_SOCKET_UID, s->uid);
	mnl_attr_put(nlh, TCPCONN_A_SOCKET_PAD, 0, NULL);
	mnl_attr_put_u64(nlh, TCPCONN_A_SOCKET_INODE, s->inode);
	if (!(how & BK_NO_COOKIE))
		mnl_attr_put_u64(nlh, TCPCONN_A_SOCKET_COOKIE, s->cookie);
	if (s->orphan)
		mnl_attr_put(nlh, TCPCONN_A_SOCKET_ORPHAN, 0, NULL);
	if (how & BK_TRAILING_GARBAGE) {
		struct nlattr *bad = mnl_nlmsg_get_payload_tail(nlh);

		bad->nla_len = 100;
		bad->nla_type = TCPCONN_A_SOCKET_UID;
		nlh->nlmsg_len += sizeof(*bad);
	}
	return nlh;
}

struct sock_entry sample_socket(uint8_t state, uint16_t sport, uint16_t dport,
				int v6)
{
	struct sock_entry s;

	memset(&s, 0, sizeof(s));
	s.family = v6 ? AF_INET6 : AF_INET;
	s.state = state;
	if (v6) {
		inet_pton(AF_INET6, "2001:db8::1", s.src);
		inet_pton(AF_INET6, "2001:db8::2", s.dst);
	} else {
		inet_pton(AF_INET, "10.0.0.1", s.src);
		inet_pton(AF_INET, "192.0.2.1", s.dst);
	}
	s.sport = sport;
	s.dport = dport;
	s.timer = TCPCONN_TIMER_ON;
	s.expires_ms = 1500;
	s.retrans = 2;
	s.probes = 0;
	s.rqueue = 1;
	s.wqueue = 2;
	s.uid = 1000;
	s.inode = 4242;
	s.cookie = 0x1f2e;
	return s;
}
