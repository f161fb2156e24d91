// SPDX-License-Identifier: GPL-2.0
/*
 * Walkers over the TCP listening hash (lhash2).
 *
 * Lock discipline: each lhash2 bucket is protected by its own spinlock,
 * taken with plain spin_lock() as inet_diag does. Under it we only follow
 * the chain and take references (sock_hold() is safe: a hashed listener
 * never has a zero refcount) on at most TCPCONN_BATCH sockets; the visitor
 * runs after the unlock, so it may sleep and the time spent under a bucket
 * lock is bounded whatever the chain length. cond_resched() runs between
 * buckets.
 *
 * Positions are socket cookies, see struct tcpconn_walk_pos: a resumed walk
 * continues after the last visited socket that is still hashed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/sched.h>
#include <net/inet_hashtables.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "compat.h"
#include "tcpconn.h"

#define TCPCONN_BATCH 16

/**
 * tcpconn_listener_buckets() - number of lhash2 buckets
 * @net: network namespace whose TCP hash tables are meant
 *
 * Return: the bucket count; positions run from 0 to this value minus one.
 */
u32 tcpconn_listener_buckets(struct net *net)
{
	return tcpconn_hashinfo(net)->lhash2_mask + 1;
}

/*
 * Where to resume in a locked chain: the socket after the most recently
 * visited one that is still hashed. Returns NULL (start of the chain) when
 * nothing was visited yet, or when every remembered socket is gone; the
 * latter sets pos->restarted.
 */
static struct sock *tcpconn_resume_point(struct inet_listen_hashbucket *ilb,
					 struct net *net,
					 struct tcpconn_walk_pos *pos,
					 bool *after)
{
	struct hlist_nulls_node *node;
	struct sock *sk;
	int i;

	*after = false;
	for (i = pos->nr_cookies - 1; i >= 0; i--) {
		sk_nulls_for_each(sk, node, &ilb->nulls_head) {
			if (net_eq(sock_net(sk), net) &&
			    atomic64_read(&sk->sk_cookie) == pos->cookies[i]) {
				*after = true;
				return sk;
			}
		}
	}
	if (pos->nr_cookies) {
		pos->restarted = true;
		pos->nr_cookies = 0;
	}
	return NULL;
}

/* Take references on up to TCPCONN_BATCH listeners of @net in @ilb, from
 * the resume point of @pos on. Returns how many were taken.
 */
static int tcpconn_collect(struct inet_listen_hashbucket *ilb,
			   struct net *net, struct tcpconn_walk_pos *pos,
			   struct sock **batch)
{
	struct hlist_nulls_node *node;
	struct sock *sk, *from;
	bool after;
	int n = 0;

	spin_lock(&ilb->lock);
	from = tcpconn_resume_point(ilb, net, pos, &after);
	sk = from ? from : sk_nulls_head(&ilb->nulls_head);
	if (after)
		sk = sk_nulls_next(sk);
	sk_nulls_for_each_from(sk, node) {
		if (!net_eq(sock_net(sk), net))
			continue;
		sock_hold(sk);
		batch[n++] = sk;
		if (n == TCPCONN_BATCH)
			break;
	}
	spin_unlock(&ilb->lock);
	return n;
}

static void tcpconn_remember(struct tcpconn_walk_pos *pos, u64 cookie)
{
	if (pos->nr_cookies == TCPCONN_RESUME_COOKIES) {
		memmove(pos->cookies, pos->cookies + 1,
			sizeof(pos->cookies) - sizeof(pos->cookies[0]));
		pos->nr_cookies--;
	}
	pos->cookies[pos->nr_cookies++] = cookie;
}

/**
 * tcpconn_walk_listener_bucket() - visit the listeners of one lhash2 bucket
 * @net: network namespace to report; other namespaces' sockets are skipped
 * @pos: bucket to walk and the last sockets visited in it; advanced past
 *	each socket the visitor accepts
 * @visit: callback, called without locks held
 * @arg: passed to @visit
 *
 * Context: process context, may sleep.
 * Return: 0 when the bucket is done, else the visitor's error.
 */
int tcpconn_walk_listener_bucket(struct net *net, struct tcpconn_walk_pos *pos,
				 tcpconn_visit_t visit, void *arg)
{
	struct inet_listen_hashbucket *ilb;
	struct sock *batch[TCPCONN_BATCH];
	int i, n, err = 0;

	ilb = &tcpconn_hashinfo(net)->lhash2[pos->bucket];
	/* Lockless peek: an empty bucket costs no lock round trip. */
	if (hlist_nulls_empty(&ilb->nulls_head))
		return 0;

	do {
		n = tcpconn_collect(ilb, net, pos, batch);
		for (i = 0; i < n; i++) {
			if (!err) {
				err = visit(batch[i], arg);
				if (!err)
					tcpconn_remember(pos,
							 tcpconn_sk_cookie(batch[i]));
			}
			sock_put(batch[i]);
		}
	} while (!err && n == TCPCONN_BATCH);

	return err;
}

/**
 * tcpconn_walk_listeners() - visit every listener of a netns, resumably
 * @net: network namespace to report; the caller holds a reference on it
 * @pos: where to start; on return, where to resume
 * @visit: callback, called without locks held
 * @arg: passed to @visit
 *
 * Context: process context, may sleep.
 * Return: 0 when all buckets are done, else the visitor's error with @pos
 * on the socket that failed.
 */
int tcpconn_walk_listeners(struct net *net, struct tcpconn_walk_pos *pos,
			   tcpconn_visit_t visit, void *arg)
{
	u32 nbuckets = tcpconn_listener_buckets(net);
	int err;

	for (; pos->bucket < nbuckets; pos->bucket++, pos->nr_cookies = 0) {
		err = tcpconn_walk_listener_bucket(net, pos, visit, arg);
		if (err)
			return err;
		cond_resched();
	}
	return 0;
}
