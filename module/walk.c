// SPDX-License-Identifier: GPL-2.0
/*
 * Walkers over the TCP listening hash (lhash2) and established hash
 * (ehash: full, TIME_WAIT and request sockets).
 *
 * Lock discipline: each lhash2 bucket has its own spinlock, taken with
 * plain spin_lock() as inet_diag does; ehash buckets share a smaller array
 * of locks taken with spin_lock_bh() (never two at once). Under a lock we
 * only follow the chain and take references (refcount_inc_not_zero(): a
 * dying entry may still be hashed with a zero count) on at most
 * TCPCONN_BATCH sockets; the visitor runs after the unlock, so it may
 * sleep, and references are dropped with sock_gen_put(), which handles
 * every kind of entry. cond_resched() runs between buckets.
 *
 * Positions are socket cookies, see struct tcpconn_walk_pos: a resumed walk
 * continues after the last visited socket that is still hashed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/sched.h>
#include <net/inet_hashtables.h>
#include <net/inet_timewait_sock.h>
#include <net/request_sock.h>
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

/**
 * struct tcpconn_chain - one hash chain and how its lock is taken
 * @head: the chain
 * @lock: its bucket lock (ehash locks are shared between buckets)
 * @bh: take @lock with spin_lock_bh(), as the established hash's writers
 *	do from softirq context; lhash2 uses plain spin_lock()
 */
struct tcpconn_chain {
	struct hlist_nulls_head *head;
	spinlock_t *lock;	/* the bucket's lock, see @lock above */
	bool bh;
};

/*
 * Whether one of the @n cookies (visited before the socket @sk) is hashed
 * after @sk in its chain. Visited sockets are in chain order, so this means
 * @sk was hashed again at the head since we visited it: on 6.1 a full
 * socket's TIME_WAIT successor keeps its cookie but is added at the head
 * of the chain (inet_twsk_hashdance()); from 6.2 on it takes the full
 * socket's place (hlist_nulls_replace_init_rcu()).
 */
static bool tcpconn_rehashed(struct sock *sk, struct net *net,
			     const u64 *cookies, int n)
{
	struct hlist_nulls_node *node;
	int j;

	sk = sk_nulls_next(sk);
	sk_nulls_for_each_from(sk, node) {
		if (!net_eq(sock_net(sk), net))
			continue;
		for (j = 0; j < n; j++)
			if (atomic64_read(&sk->sk_cookie) == cookies[j])
				return true;
	}
	return false;
}

/*
 * Where to resume in a locked chain: the socket after the most recently
 * visited one that is still hashed where we saw it. Returns NULL (start of
 * the chain) when nothing was visited yet, or when every remembered socket
 * is gone or moved; the latter sets pos->restarted. Cookies live in struct
 * sock_common, so this works for TIME_WAIT and request sockets too. Work
 * under the lock: at most TCPCONN_RESUME_COOKIES^2 passes over the chain.
 */
static struct sock *tcpconn_resume_point(struct hlist_nulls_head *head,
					 struct net *net,
					 struct tcpconn_walk_pos *pos,
					 bool *after)
{
	struct hlist_nulls_node *node;
	struct sock *sk;
	int i;

	*after = false;
	for (i = pos->nr_cookies - 1; i >= 0; i--) {
		sk_nulls_for_each(sk, node, head) {
			if (!net_eq(sock_net(sk), net) ||
			    atomic64_read(&sk->sk_cookie) != pos->cookies[i])
				continue;
			/* moved to the head: resume after an older one */
			if (tcpconn_rehashed(sk, net, pos->cookies, i))
				break;
			*after = true;
			return sk;
		}
	}
	if (pos->nr_cookies) {
		pos->restarted = true;
		pos->nr_cookies = 0;
	}
	return NULL;
}

/*
 * Take references on up to TCPCONN_BATCH sockets of @net in @c, from the
 * resume point of @pos on. Entries whose refcount already dropped to zero
 * (request sockets, and TIME_WAIT ones on 6.1, are hashed with a zero
 * count while they die) are skipped: they are going away. Returns how
 * many were taken.
 */
static int tcpconn_collect(const struct tcpconn_chain *c, struct net *net,
			   struct tcpconn_walk_pos *pos, struct sock **batch)
{
	struct hlist_nulls_node *node;
	struct sock *sk, *from;
	bool after;
	int n = 0;

	if (c->bh)
		spin_lock_bh(c->lock);
	else
		spin_lock(c->lock);
	from = tcpconn_resume_point(c->head, net, pos, &after);
	sk = from ? from : sk_nulls_head(c->head);
	if (after)
		sk = sk_nulls_next(sk);
	sk_nulls_for_each_from(sk, node) {
		if (!net_eq(sock_net(sk), net) ||
		    !refcount_inc_not_zero(&sk->sk_refcnt))
			continue;
		batch[n++] = sk;
		if (n == TCPCONN_BATCH)
			break;
	}
	if (c->bh)
		spin_unlock_bh(c->lock);
	else
		spin_unlock(c->lock);
	return n;
}

/*
 * A new bucket starts afresh: @restarted only ever describes the bucket
 * being walked, so a caller flags exactly the sockets that may repeat.
 */
static void tcpconn_next_bucket(struct tcpconn_walk_pos *pos)
{
	pos->nr_cookies = 0;
	pos->restarted = false;
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

/* Visit one chain in batches; see tcpconn_walk_listener_bucket(). */
static int tcpconn_walk_chain(const struct tcpconn_chain *c, struct net *net,
			      struct tcpconn_walk_pos *pos,
			      tcpconn_visit_t visit, void *arg)
{
	struct sock *batch[TCPCONN_BATCH];
	int i, n, err = 0;

	/* Lockless peek: an empty bucket costs no lock round trip. */
	if (hlist_nulls_empty(c->head))
		return 0;

	do {
		n = tcpconn_collect(c, net, pos, batch);
		for (i = 0; i < n; i++) {
			if (!err) {
				err = visit(batch[i], arg);
				if (!err)
					tcpconn_remember(pos,
							 tcpconn_sk_cookie(batch[i]));
			}
			/* Full, TIME_WAIT or request socket alike. */
			sock_gen_put(batch[i]);
		}
	} while (!err && n == TCPCONN_BATCH);

	return err;
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
	struct tcpconn_chain c;

	ilb = &tcpconn_hashinfo(net)->lhash2[pos->bucket];
	c.head = &ilb->nulls_head;
	c.lock = &ilb->lock;
	c.bh = false;
	return tcpconn_walk_chain(&c, net, pos, visit, arg);
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

	for (; pos->bucket < nbuckets; pos->bucket++) {
		err = tcpconn_walk_listener_bucket(net, pos, visit, arg);
		if (err)
			return err;
		tcpconn_next_bucket(pos);
		cond_resched();
	}
	return 0;
}

/**
 * tcpconn_established_buckets() - number of established-hash buckets
 * @net: network namespace whose TCP hash tables are meant
 *
 * Return: the bucket count; positions run from 0 to this value minus one.
 */
u32 tcpconn_established_buckets(struct net *net)
{
	return tcpconn_hashinfo(net)->ehash_mask + 1;
}

/**
 * tcpconn_walk_established_bucket() - visit one established-hash bucket
 * @net: network namespace to report; other namespaces' sockets are skipped
 * @pos: bucket to walk and the last sockets visited in it; advanced past
 *	each socket the visitor accepts
 * @visit: callback, called without locks held, with a full, TIME_WAIT or
 *	request socket (check sk_state before using anything beyond
 *	struct sock_common)
 * @arg: passed to @visit
 *
 * Context: process context, may sleep.
 * Return: 0 when the bucket is done, else the visitor's error.
 */
int tcpconn_walk_established_bucket(struct net *net,
				    struct tcpconn_walk_pos *pos,
				    tcpconn_visit_t visit, void *arg)
{
	struct inet_hashinfo *h = tcpconn_hashinfo(net);
	struct tcpconn_chain c;

	c.head = &h->ehash[pos->bucket].chain;
	c.lock = inet_ehash_lockp(h, pos->bucket);
	c.bh = true;
	return tcpconn_walk_chain(&c, net, pos, visit, arg);
}

/**
 * tcpconn_walk_established() - visit every established-hash entry of a
 *	netns, resumably
 * @net: network namespace to report; the caller holds a reference on it
 * @pos: where to start; on return, where to resume
 * @visit: callback, see tcpconn_walk_established_bucket()
 * @arg: passed to @visit
 *
 * Context: process context, may sleep.
 * Return: 0 when all buckets are done, else the visitor's error with @pos
 * on the socket that failed.
 */
int tcpconn_walk_established(struct net *net, struct tcpconn_walk_pos *pos,
			     tcpconn_visit_t visit, void *arg)
{
	u32 nbuckets = tcpconn_established_buckets(net);
	int err;

	for (; pos->bucket < nbuckets; pos->bucket++) {
		err = tcpconn_walk_established_bucket(net, pos, visit, arg);
		if (err)
			return err;
		tcpconn_next_bucket(pos);
		cond_resched();
	}
	return 0;
}
