// SPDX-License-Identifier: GPL-2.0
/*
 * TCPCONN_CMD_SOCKETS_GET: dump every TCP socket of the caller's netns
 * that passes the request's filters, listeners first (lhash2), then the
 * established hash (full, TIME_WAIT and request sockets).
 *
 * The dump state (walk position and filters) does not fit in cb->ctx, so
 * ->start allocates it and ->done frees it; genetlink calls ->done however
 * the dump ends, including when the requesting socket is closed midway.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/in.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <net/genetlink.h>
#include <net/inet_timewait_sock.h>
#include <net/netlink.h>
#include <net/sock.h>
#include <net/tcp_states.h>
#include <linux/tcpconn.h>

#include "compat.h"
#include "tcpconn.h"

#define TCPCONN_ALL_STATES GENMASK(TCPCONN_STATE_MAX, 1)

const struct nla_policy tcpconn_sockets_policy[TCPCONN_A_SOCKET_MAX + 1] = {
	[TCPCONN_A_SOCKET_FAMILY] = { .type = NLA_U8 },
	[TCPCONN_A_SOCKET_SRC_ADDR] = { .type = NLA_BINARY, .len = 16 },
	[TCPCONN_A_SOCKET_SRC_PORT] = NLA_POLICY_MIN(NLA_U16, 1),
	[TCPCONN_A_SOCKET_DST_ADDR] = { .type = NLA_BINARY, .len = 16 },
	[TCPCONN_A_SOCKET_DST_PORT] = NLA_POLICY_MIN(NLA_U16, 1),
	[TCPCONN_A_SOCKET_UID] = { .type = NLA_U32 },
	[TCPCONN_A_SOCKET_ORPHAN] = { .type = NLA_FLAG },
	[TCPCONN_A_SOCKET_STATES] = { .type = NLA_U32 },
	[TCPCONN_A_SOCKET_SRC_PREFIXLEN] = NLA_POLICY_MAX(NLA_U8, 128),
	[TCPCONN_A_SOCKET_DST_PREFIXLEN] = NLA_POLICY_MAX(NLA_U8, 128),
};

/**
 * struct tcpconn_sockets_dump - state of one sockets dump
 * @pos: where the current phase's walk resumes
 * @established: false while walking listeners, true in the ehash phase
 * @filter: the request's filters
 */
struct tcpconn_sockets_dump {
	struct tcpconn_walk_pos pos;
	bool established;
	struct tcpconn_filter filter;
};

struct tcpconn_sockets_arg {
	struct sk_buff *skb;
	struct netlink_callback *cb;
	struct tcpconn_sockets_dump *st;
};

static struct tcpconn_sockets_dump **tcpconn_dump_state(struct netlink_callback *cb)
{
	BUILD_BUG_ON(sizeof(struct tcpconn_sockets_dump *) > sizeof(cb->ctx));
	return (struct tcpconn_sockets_dump **)cb->ctx;
}

static int tcpconn_parse_prefix(struct netlink_callback *cb,
				struct nlattr *addr, struct nlattr *plen,
				struct tcpconn_prefix *p)
{
	int alen;

	if (!addr) {
		if (plen) {
			NL_SET_ERR_MSG_ATTR(cb->extack, plen,
					    "prefix length without an address");
			return -EINVAL;
		}
		return 0;
	}
	alen = nla_len(addr);
	if (alen != 4 && alen != 16) {
		NL_SET_ERR_MSG_ATTR(cb->extack, addr,
				    "address must be 4 (IPv4) or 16 (IPv6) bytes");
		return -EINVAL;
	}
	p->family = alen == 4 ? AF_INET : AF_INET6;
	p->len = plen ? nla_get_u8(plen) : alen * 8;
	if (p->len > alen * 8) {
		NL_SET_ERR_MSG_ATTR(cb->extack, plen,
				    "prefix length longer than the address");
		return -EINVAL;
	}
	nla_memcpy(&p->addr, addr, alen);
	return 0;
}

static int tcpconn_parse_filter(struct netlink_callback *cb,
				struct tcpconn_filter *f)
{
	struct nlattr **attrs = tcpconn_dump_attrs(cb);
	struct nlattr *a;
	int err;

	a = attrs[TCPCONN_A_SOCKET_STATES];
	if (a) {
		f->states = nla_get_u32(a);
		if (f->states & ~TCPCONN_ALL_STATES) {
			NL_SET_ERR_MSG_ATTR(cb->extack, a, "unknown state bit");
			return -EINVAL;
		}
	}
	a = attrs[TCPCONN_A_SOCKET_FAMILY];
	if (a) {
		f->family = nla_get_u8(a);
		if (f->family != AF_INET && f->family != AF_INET6) {
			NL_SET_ERR_MSG_ATTR(cb->extack, a,
					    "family must be AF_INET or AF_INET6");
			return -EINVAL;
		}
	}
	a = attrs[TCPCONN_A_SOCKET_UID];
	if (a) {
		f->uid = make_kuid(sk_user_ns(NETLINK_CB(cb->skb).sk),
				   nla_get_u32(a));
		if (!uid_valid(f->uid)) {
			NL_SET_ERR_MSG_ATTR(cb->extack, a,
					    "uid not mapped in your user namespace");
			return -EINVAL;
		}
		f->match_uid = true;
	}
	if (attrs[TCPCONN_A_SOCKET_SRC_PORT])
		f->sport = nla_get_u16(attrs[TCPCONN_A_SOCKET_SRC_PORT]);
	if (attrs[TCPCONN_A_SOCKET_DST_PORT])
		f->dport = nla_get_u16(attrs[TCPCONN_A_SOCKET_DST_PORT]);
	f->orphans_only = nla_get_flag(attrs[TCPCONN_A_SOCKET_ORPHAN]);

	err = tcpconn_parse_prefix(cb, attrs[TCPCONN_A_SOCKET_SRC_ADDR],
				   attrs[TCPCONN_A_SOCKET_SRC_PREFIXLEN],
				   &f->src);
	if (err)
		return err;
	return tcpconn_parse_prefix(cb, attrs[TCPCONN_A_SOCKET_DST_ADDR],
				    attrs[TCPCONN_A_SOCKET_DST_PREFIXLEN],
				    &f->dst);
}

/**
 * tcpconn_sockets_start() - parse the filters, allocate the dump state
 * @cb: the dump's callback
 *
 * Return: 0, -EINVAL for a bad filter (with an extack message), -ENOMEM.
 */
int tcpconn_sockets_start(struct netlink_callback *cb)
{
	struct tcpconn_sockets_dump *st;
	int err;

	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	err = tcpconn_parse_filter(cb, &st->filter);
	if (err) {
		kfree(st);
		return err;
	}
	/* Only listeners are in lhash2, and only they are LISTEN. */
	if (st->filter.states && !(st->filter.states & BIT(TCPCONN_STATE_LISTEN)))
		st->established = true;
	*tcpconn_dump_state(cb) = st;
	return 0;
}

/**
 * tcpconn_sockets_done() - free the dump state
 * @cb: the dump's callback
 *
 * Return: 0.
 */
int tcpconn_sockets_done(struct netlink_callback *cb)
{
	kfree(*tcpconn_dump_state(cb));
	return 0;
}

static int tcpconn_put_socket(struct sk_buff *skb,
			      const struct tcpconn_socket *s,
			      struct user_namespace *user_ns)
{
	int alen = s->family == AF_INET6 ? sizeof(s->src) : sizeof(__be32);

	if (nla_put_u8(skb, TCPCONN_A_SOCKET_FAMILY, s->family) ||
	    nla_put_u8(skb, TCPCONN_A_SOCKET_STATE, s->state) ||
	    nla_put(skb, TCPCONN_A_SOCKET_SRC_ADDR, alen, &s->src) ||
	    nla_put_u16(skb, TCPCONN_A_SOCKET_SRC_PORT, s->sport) ||
	    nla_put(skb, TCPCONN_A_SOCKET_DST_ADDR, alen, &s->dst) ||
	    nla_put_u16(skb, TCPCONN_A_SOCKET_DST_PORT, s->dport) ||
	    nla_put_u32(skb, TCPCONN_A_SOCKET_IFINDEX, s->ifindex) ||
	    nla_put_u8(skb, TCPCONN_A_SOCKET_TIMER, s->timer) ||
	    nla_put_u32(skb, TCPCONN_A_SOCKET_EXPIRES_MS, s->expires_ms) ||
	    nla_put_u32(skb, TCPCONN_A_SOCKET_RETRANS, s->retrans) ||
	    nla_put_u32(skb, TCPCONN_A_SOCKET_PROBES, s->probes) ||
	    nla_put_u32(skb, TCPCONN_A_SOCKET_RQUEUE, s->rqueue) ||
	    nla_put_u32(skb, TCPCONN_A_SOCKET_WQUEUE, s->wqueue) ||
	    nla_put_u32(skb, TCPCONN_A_SOCKET_UID,
			from_kuid_munged(user_ns, s->uid)) ||
	    nla_put_u64_64bit(skb, TCPCONN_A_SOCKET_INODE, s->inode,
			      TCPCONN_A_SOCKET_PAD) ||
	    nla_put_u64_64bit(skb, TCPCONN_A_SOCKET_COOKIE, s->cookie,
			      TCPCONN_A_SOCKET_PAD) ||
	    (s->orphan && nla_put_flag(skb, TCPCONN_A_SOCKET_ORPHAN)))
		return -EMSGSIZE;
	return 0;
}

static int tcpconn_fill_socket(struct sock *sk, void *data)
{
	struct tcpconn_sockets_arg *arg = data;
	struct netlink_callback *cb = arg->cb;
	u32 states = arg->st->filter.states;
	struct tcpconn_socket s;
	void *hdr;

	/*
	 * The state costs a load or two, the snapshot far more (sock_i_ino()
	 * takes a lock): with a state filter (--timewait), drop the other
	 * sockets first. The snapshot's own state is what the filter below
	 * decides on, should it have changed in between.
	 */
	if (states) {
		int kstate = READ_ONCE(sk->sk_state);
		int sub = kstate == TCP_TIME_WAIT ?
			READ_ONCE(inet_twsk(sk)->tw_substate) : 0;

		if (!(states & BIT(tcpconn_state_of(kstate, sub))))
			return 0;
	}
	tcpconn_socket_snapshot(sk, &s);
	if (s.state == TCPCONN_STATE_UNSPEC ||
	    !tcpconn_filter_match(&arg->st->filter, &s))
		return 0;

	hdr = genlmsg_put(arg->skb, NETLINK_CB(cb->skb).portid,
			  cb->nlh->nlmsg_seq, &tcpconn_genl_family,
			  NLM_F_MULTI, TCPCONN_CMD_SOCKETS_GET);
	if (!hdr)
		return -EMSGSIZE;
	/* Only a re-walked bucket can repeat sockets: flag just its messages. */
	if (arg->st->pos.restarted)
		genlmsg_nlhdr(hdr)->nlmsg_flags |= NLM_F_DUMP_INTR;
	if (tcpconn_put_socket(arg->skb, &s,
			       sk_user_ns(NETLINK_CB(cb->skb).sk))) {
		genlmsg_cancel(arg->skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(arg->skb, hdr);
	return 0;
}

/**
 * tcpconn_sockets_dumpit() - fill one skb of the sockets dump
 * @skb: the skb to fill
 * @cb: the dump's callback
 *
 * Return: the skb's length (0 ends the dump) or a negative errno.
 */
int tcpconn_sockets_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct tcpconn_sockets_dump *st = *tcpconn_dump_state(cb);
	struct tcpconn_sockets_arg arg = { .skb = skb, .cb = cb, .st = st };
	struct net *net = sock_net(skb->sk);
	int err;

	if (!st->established) {
		err = tcpconn_walk_listeners(net, &st->pos, tcpconn_fill_socket,
					     &arg);
		if (err)
			goto out;
		st->pos = (struct tcpconn_walk_pos){};
		st->established = true;
	}
	/* Only listeners are LISTEN: skip the ehash if nothing else is wanted. */
	if (st->filter.states == BIT(TCPCONN_STATE_LISTEN))
		return skb->len;
	err = tcpconn_walk_established(net, &st->pos, tcpconn_fill_socket, &arg);
out:
	/* As the listeners dump: a full skb means "call again". */
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	if (err)
		return err;
	return skb->len;
}
