// SPDX-License-Identifier: GPL-2.0
/*
 * The "tcpconn" generic netlink family.
 *
 * Dumps run in the netns of the requesting netlink socket; that socket
 * holds a reference on its netns for as long as the dump can run, so no
 * extra get_net() is needed. Dump state lives in cb->ctx, which genetlink
 * zeroes before ->start, so nothing needs freeing in ->done.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/build_bug.h>
#include <linux/in.h>
#include <linux/socket.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>
#include <linux/tcpconn.h>

#include "compat.h"
#include "tcpconn.h"

/**
 * struct tcpconn_listeners_ctx - listeners dump state, kept in cb->ctx
 * @pos: where the walk resumes
 * @family: AF_INET / AF_INET6 filter, 0 for both
 * @port: local port filter, 0 for any
 */
struct tcpconn_listeners_ctx {
	struct tcpconn_walk_pos pos;
	u8 family;
	u16 port;
};

struct tcpconn_fill_arg {
	struct sk_buff *skb;
	struct netlink_callback *cb;
	const struct tcpconn_listeners_ctx *ctx;
};

static const struct nla_policy
tcpconn_listeners_policy[TCPCONN_A_LISTENER_MAX + 1] = {
	[TCPCONN_A_LISTENER_FAMILY] = { .type = NLA_U8 },
	[TCPCONN_A_LISTENER_PORT] = NLA_POLICY_MIN(NLA_U16, 1),
};

/* The summary request takes no attributes; strict validation rejects any. */
static const struct nla_policy
tcpconn_summary_policy[TCPCONN_A_SUMMARY_MAX + 1] = {
	[TCPCONN_A_SUMMARY_UNSPEC] = { .type = NLA_UNSPEC },
};

static int tcpconn_put_listener(struct sk_buff *skb,
				const struct tcpconn_listener *l,
				struct user_namespace *user_ns)
{
	int alen = l->family == AF_INET6 ? sizeof(l->addr) : sizeof(__be32);

	if (nla_put_u8(skb, TCPCONN_A_LISTENER_FAMILY, l->family) ||
	    nla_put(skb, TCPCONN_A_LISTENER_ADDR, alen, &l->addr) ||
	    nla_put_u16(skb, TCPCONN_A_LISTENER_PORT, l->port) ||
	    nla_put_u32(skb, TCPCONN_A_LISTENER_IFINDEX, l->ifindex) ||
	    nla_put_u32(skb, TCPCONN_A_LISTENER_SYN_QUEUE, l->syn_queue) ||
	    nla_put_u32(skb, TCPCONN_A_LISTENER_SYN_YOUNG, l->syn_young) ||
	    nla_put_u32(skb, TCPCONN_A_LISTENER_ACCEPT_QUEUE, l->accept_queue) ||
	    nla_put_u32(skb, TCPCONN_A_LISTENER_BACKLOG, l->backlog) ||
	    nla_put_u32(skb, TCPCONN_A_LISTENER_DROPS, l->drops) ||
	    nla_put_u32(skb, TCPCONN_A_LISTENER_UID,
			from_kuid_munged(user_ns, l->uid)) ||
	    nla_put_u64_64bit(skb, TCPCONN_A_LISTENER_INODE, l->inode,
			      TCPCONN_A_LISTENER_PAD) ||
	    nla_put_u64_64bit(skb, TCPCONN_A_LISTENER_COOKIE, l->cookie,
			      TCPCONN_A_LISTENER_PAD) ||
	    (l->reuseport && nla_put_flag(skb, TCPCONN_A_LISTENER_REUSEPORT)) ||
	    (l->v6only && nla_put_flag(skb, TCPCONN_A_LISTENER_V6ONLY)))
		return -EMSGSIZE;
	return 0;
}

static int tcpconn_fill_listener(struct sock *sk, void *data)
{
	struct tcpconn_fill_arg *arg = data;
	struct netlink_callback *cb = arg->cb;
	struct tcpconn_listener l;
	void *hdr;

	if (arg->ctx->family && sk->sk_family != arg->ctx->family)
		return 0;
	if (arg->ctx->port && sk->sk_num != arg->ctx->port)
		return 0;

	tcpconn_listener_snapshot(sk, &l);

	hdr = genlmsg_put(arg->skb, NETLINK_CB(cb->skb).portid,
			  cb->nlh->nlmsg_seq, &tcpconn_genl_family,
			  NLM_F_MULTI, TCPCONN_CMD_LISTENERS_GET);
	if (!hdr)
		return -EMSGSIZE;
	/* The walk lost its place and re-walked a bucket: say so. */
	if (arg->ctx->pos.restarted)
		genlmsg_nlhdr(hdr)->nlmsg_flags |= NLM_F_DUMP_INTR;
	if (tcpconn_put_listener(arg->skb, &l,
				 sk_user_ns(NETLINK_CB(cb->skb).sk))) {
		genlmsg_cancel(arg->skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(arg->skb, hdr);
	return 0;
}

static int tcpconn_listeners_start(struct netlink_callback *cb)
{
	struct tcpconn_listeners_ctx *ctx = (void *)cb->ctx;
	struct nlattr **attrs = tcpconn_dump_attrs(cb);
	struct nlattr *a;

	BUILD_BUG_ON(sizeof(*ctx) > sizeof(cb->ctx));
	memset(ctx, 0, sizeof(*ctx));

	a = attrs[TCPCONN_A_LISTENER_FAMILY];
	if (a) {
		ctx->family = nla_get_u8(a);
		if (ctx->family != AF_INET && ctx->family != AF_INET6) {
			NL_SET_ERR_MSG_ATTR(cb->extack, a,
					    "family must be AF_INET or AF_INET6");
			return -EINVAL;
		}
	}
	a = attrs[TCPCONN_A_LISTENER_PORT];
	if (a)
		ctx->port = nla_get_u16(a);
	return 0;
}

static int tcpconn_listeners_dumpit(struct sk_buff *skb,
				    struct netlink_callback *cb)
{
	struct tcpconn_listeners_ctx *ctx = (void *)cb->ctx;
	struct tcpconn_fill_arg arg = { .skb = skb, .cb = cb, .ctx = ctx };
	int err;

	err = tcpconn_walk_listeners(sock_net(skb->sk), &ctx->pos,
				     tcpconn_fill_listener, &arg);
	/*
	 * A full skb is not an error: return what we have and be called
	 * again (returning -EMSGSIZE with data would end the dump on 6.1).
	 * An empty skb that cannot take one listener can never progress.
	 */
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	if (err)
		return err;
	return skb->len;
}

/* One u32 per state 1..TCPCONN_STATE_MAX, zeros included. */
static int tcpconn_put_states(struct sk_buff *skb, int type, const u32 *counts)
{
	struct nlattr *nest = nla_nest_start(skb, type);
	int i;

	if (!nest)
		return -EMSGSIZE;
	for (i = 1; i <= TCPCONN_STATE_MAX; i++)
		if (nla_put_u32(skb, i, counts[i]))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * One u64 per key 1..max. Padding inside the nest (only on architectures
 * without efficient unaligned access) uses type 0, which no key has.
 */
static int tcpconn_put_u64s(struct sk_buff *skb, int type, const u64 *vals,
			    int max)
{
	struct nlattr *nest = nla_nest_start(skb, type);
	int i;

	if (!nest)
		return -EMSGSIZE;
	for (i = 1; i <= max; i++)
		if (nla_put_u64_64bit(skb, i, vals[i], 0))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int tcpconn_put_summary(struct sk_buff *skb,
			       const struct tcpconn_summary *s)
{
	if (tcpconn_put_states(skb, TCPCONN_A_SUMMARY_STATES_V4,
			       s->states[TCPCONN_V4]) ||
	    tcpconn_put_states(skb, TCPCONN_A_SUMMARY_STATES_V6,
			       s->states[TCPCONN_V6]) ||
	    tcpconn_put_states(skb, TCPCONN_A_SUMMARY_ORPHANS_V4,
			       s->orphans[TCPCONN_V4]) ||
	    tcpconn_put_states(skb, TCPCONN_A_SUMMARY_ORPHANS_V6,
			       s->orphans[TCPCONN_V6]) ||
	    nla_put_u32(skb, TCPCONN_A_SUMMARY_ORPHANS, s->orphans_total) ||
	    nla_put_u32(skb, TCPCONN_A_SUMMARY_TW_COUNT, s->tw_count) ||
	    tcpconn_put_u64s(skb, TCPCONN_A_SUMMARY_LIMITS, s->limits,
			     TCPCONN_LIMIT_MAX) ||
	    tcpconn_put_u64s(skb, TCPCONN_A_SUMMARY_COUNTERS, s->counters,
			     TCPCONN_COUNTER_MAX) ||
	    nla_put_u64_64bit(skb, TCPCONN_A_SUMMARY_WALK_NS, s->walk_ns,
			      TCPCONN_A_SUMMARY_PAD) ||
	    nla_put_u32(skb, TCPCONN_A_SUMMARY_EHASH_BUCKETS, s->ehash_buckets))
		return -EMSGSIZE;
	return 0;
}

/*
 * The reply is built after the walk, so the walk (which may sleep between
 * buckets) holds nothing but the requesting socket's netns reference.
 */
static int tcpconn_summary_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct tcpconn_summary *s;
	struct sk_buff *msg;
	void *hdr;
	int err;

	s = kmalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	tcpconn_summary_collect(genl_info_net(info), s);

	err = -ENOMEM;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		goto out;
	hdr = genlmsg_put_reply(msg, info, &tcpconn_genl_family, 0,
				TCPCONN_CMD_SUMMARY_GET);
	if (!hdr)
		goto err_msg;
	err = tcpconn_put_summary(msg, s);
	if (err)
		goto err_msg;
	genlmsg_end(msg, hdr);
	kfree(s);
	return genlmsg_reply(msg, info);

err_msg:
	nlmsg_free(msg);
out:
	kfree(s);
	return err;
}

/*
 * Documentation/netlink/specs/tcpconn.yaml describes these commands, their
 * policies and replies; scripts/ynl.sh check compares it with this file.
 */
static const struct genl_ops tcpconn_genl_ops[] = {
	{
		.cmd = TCPCONN_CMD_LISTENERS_GET,
		.start = tcpconn_listeners_start,
		.dumpit = tcpconn_listeners_dumpit,
		.policy = tcpconn_listeners_policy,
		.maxattr = TCPCONN_A_LISTENER_MAX,
	},
	{
		.cmd = TCPCONN_CMD_SUMMARY_GET,
		.doit = tcpconn_summary_doit,
		.policy = tcpconn_summary_policy,
		.maxattr = TCPCONN_A_SUMMARY_MAX,
	},
	{
		.cmd = TCPCONN_CMD_SOCKETS_GET,
		.start = tcpconn_sockets_start,
		.dumpit = tcpconn_sockets_dumpit,
		.done = tcpconn_sockets_done,
		.policy = tcpconn_sockets_policy,
		.maxattr = TCPCONN_A_SOCKET_MAX,
	},
};

struct genl_family tcpconn_genl_family __ro_after_init = {
	.name = TCPCONN_GENL_NAME,
	.version = TCPCONN_GENL_VERSION,
	.netnsok = true,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = tcpconn_genl_ops,
	.n_ops = ARRAY_SIZE(tcpconn_genl_ops),
	.resv_start_op = 0,
};

/**
 * tcpconn_netlink_init() - register the generic netlink family
 *
 * Return: 0 or a negative errno from genl_register_family().
 */
int __init tcpconn_netlink_init(void)
{
	return genl_register_family(&tcpconn_genl_family);
}

/**
 * tcpconn_netlink_exit() - unregister the family; waits for running dumps
 */
void tcpconn_netlink_exit(void)
{
	genl_unregister_family(&tcpconn_genl_family);
}
