// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/net/tcpconn/sockets: one header line, then one line per TCP socket
 * of the reader's netns: listeners (lhash2), then the established hash
 * (full, TIME_WAIT and request sockets).
 *
 * The seq_file position is a bucket: 0 is the header, 1..L the lhash2
 * buckets, L+1..L+E the ehash buckets. A read() that resumes at position p
 * goes straight to its bucket, so reading the whole file is
 * O(buckets + sockets), never a re-walk from the start per read(). A whole
 * bucket is printed by one ->show(); if it does not fit, seq_file grows its
 * buffer and shows the bucket again. Nothing is held across ->stop.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/seq_file_net.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "tcpconn.h"

static const char *const tcpconn_timer_names[] = {
	[TCPCONN_TIMER_NONE] = "off",
	[TCPCONN_TIMER_ON] = "on",
	[TCPCONN_TIMER_KEEPALIVE] = "keepalive",
	[TCPCONN_TIMER_TIMEWAIT] = "timewait",
	[TCPCONN_TIMER_PERSIST] = "persist",
};

/**
 * struct tcpconn_sockets_seq - seq_file private state
 * @p: must be first: the netns reference set up by proc_create_net_data()
 * @pos: the current iterator element's position (see the file comment)
 */
struct tcpconn_sockets_seq {
	struct seq_net_private p;
	loff_t pos;
};

static void *tcpconn_sockets_at(struct seq_file *seq, loff_t pos)
{
	struct tcpconn_sockets_seq *st = seq->private;
	struct net *net = seq_file_net(seq);

	if (pos == 0)
		return SEQ_START_TOKEN;
	if (pos - 1 >= (loff_t)tcpconn_listener_buckets(net) +
		       tcpconn_established_buckets(net))
		return NULL;
	st->pos = pos;
	return st;
}

static void *tcpconn_sockets_seq_start(struct seq_file *seq, loff_t *pos)
{
	return tcpconn_sockets_at(seq, *pos);
}

static void *tcpconn_sockets_seq_next(struct seq_file *seq, void *v, loff_t *pos)
{
	/* A read() may pass many empty buckets without producing output. */
	cond_resched();
	++*pos;
	return tcpconn_sockets_at(seq, *pos);
}

static void tcpconn_sockets_seq_stop(struct seq_file *seq, void *v)
{
}

static void tcpconn_seq_addr(struct seq_file *seq, u8 family,
			     const struct in6_addr *a)
{
	if (family == AF_INET6)
		seq_printf(seq, " %-39pI6c", a);
	else
		seq_printf(seq, " %-39pI4", &a->s6_addr32[0]);
}

static int tcpconn_seq_socket(struct sock *sk, void *arg)
{
	struct seq_file *seq = arg;
	struct tcpconn_socket s;

	tcpconn_socket_snapshot(sk, &s);
	if (s.state == TCPCONN_STATE_UNSPEC)
		return 0;
	seq_printf(seq, "%-6s %-12s", s.family == AF_INET6 ? "inet6" : "inet",
		   tcpconn_state_names[s.state]);
	tcpconn_seq_addr(seq, s.family, &s.src);
	seq_printf(seq, " %5u", s.sport);
	tcpconn_seq_addr(seq, s.family, &s.dst);
	seq_printf(seq, " %5u %7d %-9s %10u %7u %6u %10u %10u %10u %10llu %20llu %s\n",
		   s.dport, s.ifindex, tcpconn_timer_names[s.timer],
		   s.expires_ms, s.retrans, s.probes, s.rqueue, s.wqueue,
		   from_kuid_munged(seq_user_ns(seq), s.uid), s.inode,
		   s.cookie, s.orphan ? "orphan" : "-");
	return seq_has_overflowed(seq) ? -EMSGSIZE : 0;
}

static int tcpconn_sockets_seq_show(struct seq_file *seq, void *v)
{
	struct tcpconn_sockets_seq *st = seq->private;
	struct net *net = seq_file_net(seq);
	u32 lbuckets = tcpconn_listener_buckets(net);
	struct tcpconn_walk_pos pos = {};

	if (v == SEQ_START_TOKEN) {
		seq_printf(seq, "%-6s %-12s %-39s %5s %-39s %5s %7s %-9s %10s %7s %6s %10s %10s %10s %10s %20s %s\n",
			   "family", "state", "local_address", "lport",
			   "remote_address", "rport", "ifindex", "timer",
			   "expires_ms", "retrans", "probes", "rqueue",
			   "wqueue", "uid", "inode", "cookie", "flags");
		return 0;
	}
	if (st->pos - 1 < lbuckets) {
		pos.bucket = st->pos - 1;
		tcpconn_walk_listener_bucket(net, &pos, tcpconn_seq_socket, seq);
	} else {
		pos.bucket = st->pos - 1 - lbuckets;
		tcpconn_walk_established_bucket(net, &pos, tcpconn_seq_socket,
						seq);
	}
	return 0;
}

const struct seq_operations tcpconn_sockets_seq_ops = {
	.start = tcpconn_sockets_seq_start,
	.next = tcpconn_sockets_seq_next,
	.stop = tcpconn_sockets_seq_stop,
	.show = tcpconn_sockets_seq_show,
};

const unsigned int tcpconn_sockets_seq_size = sizeof(struct tcpconn_sockets_seq);
