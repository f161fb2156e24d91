// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark only, never part of tcpconn.ko: the cheapest possible walk of
 * a netns's TCP hash tables, counting sk_state and nothing else, as the
 * yardstick for the walk tcpconn's summary does (its walk_ns).
 *
 * Reading /proc/net/tcpconn_bare_walk walks the established hash (each
 * non-empty bucket under spin_lock_bh() of its bucket lock, the empty ones
 * skipped with a lockless peek, cond_resched() between buckets) and the
 * listening hash (spin_lock() per non-empty bucket), exactly the locking
 * of tcpconn's summary walk, and prints the time each took and the count
 * per sk_state value. Only sock_common fields are read (sk_state and the
 * netns), so nothing is touched beyond each entry's first cache line.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/seq_file_net.h>
#include <net/inet_hashtables.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#define BARE_WALK_STATES 16

static void bare_walk_ehash(struct net *net, struct inet_hashinfo *h,
			    u32 *counts)
{
	u32 i;

	for (i = 0; i <= h->ehash_mask; i++) {
		struct inet_ehash_bucket *head = &h->ehash[i];
		spinlock_t *lock = inet_ehash_lockp(h, i);
		struct hlist_nulls_node *node;
		struct sock *sk;

		if (hlist_nulls_empty(&head->chain))
			continue;
		spin_lock_bh(lock);
		sk_nulls_for_each(sk, node, &head->chain) {
			if (net_eq(sock_net(sk), net))
				counts[READ_ONCE(sk->sk_state) %
				       BARE_WALK_STATES]++;
		}
		spin_unlock_bh(lock);
		cond_resched();
	}
}

static void bare_walk_lhash2(struct net *net, struct inet_hashinfo *h,
			     u32 *counts)
{
	u32 i;

	for (i = 0; i <= h->lhash2_mask; i++) {
		struct inet_listen_hashbucket *ilb = &h->lhash2[i];
		struct hlist_nulls_node *node;
		struct sock *sk;

		if (hlist_nulls_empty(&ilb->nulls_head))
			continue;
		spin_lock(&ilb->lock);
		sk_nulls_for_each(sk, node, &ilb->nulls_head) {
			if (net_eq(sock_net(sk), net))
				counts[READ_ONCE(sk->sk_state) %
				       BARE_WALK_STATES]++;
		}
		spin_unlock(&ilb->lock);
		cond_resched();
	}
}

static int bare_walk_show(struct seq_file *seq, void *v)
{
	struct net *net = seq_file_single_net(seq);
	struct inet_hashinfo *h = net->ipv4.tcp_death_row.hashinfo;
	u32 counts[BARE_WALK_STATES] = {};
	u64 t0, t1, t2;
	u32 total = 0;
	int i;

	t0 = ktime_get_ns();
	bare_walk_ehash(net, h, counts);
	t1 = ktime_get_ns();
	bare_walk_lhash2(net, h, counts);
	t2 = ktime_get_ns();

	for (i = 0; i < BARE_WALK_STATES; i++)
		total += counts[i];
	seq_printf(seq, "ehash_ns %llu\nlhash2_ns %llu\nwalk_ns %llu\n",
		   t1 - t0, t2 - t1, t2 - t0);
	seq_printf(seq, "ehash_buckets %u\nlhash2_buckets %u\nentries %u\n",
		   h->ehash_mask + 1, h->lhash2_mask + 1, total);
	seq_puts(seq, "states");
	for (i = 0; i < BARE_WALK_STATES; i++)
		seq_printf(seq, " %u", counts[i]);
	seq_putc(seq, '\n');
	return 0;
}

static int __net_init bare_walk_net_init(struct net *net)
{
	if (!proc_create_net_single("tcpconn_bare_walk", 0400, net->proc_net,
				    bare_walk_show, NULL))
		return -ENOMEM;
	return 0;
}

static void __net_exit bare_walk_net_exit(struct net *net)
{
	remove_proc_entry("tcpconn_bare_walk", net->proc_net);
}

static struct pernet_operations bare_walk_net_ops = {
	.init = bare_walk_net_init,
	.exit = bare_walk_net_exit,
};

static int __init bare_walk_init(void)
{
	return register_pernet_subsys(&bare_walk_net_ops);
}

static void __exit bare_walk_exit(void)
{
	unregister_pernet_subsys(&bare_walk_net_ops);
}

module_init(bare_walk_init);
module_exit(bare_walk_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("tcpconn benchmark: bare TCP hash walk counting states");
