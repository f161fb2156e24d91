// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/net/tcpconn/: per-netns text views.
 *
 * listeners: one header line, then one line per listening socket of the
 * reader's netns. The seq_file position is "lhash2 bucket + 1" (0 is the
 * header), so a read() that resumes at position p jumps straight to its
 * bucket: reading the whole file is O(buckets + listeners), never a re-walk
 * from bucket 0 per read(). A whole bucket is printed by one ->show(); if
 * it does not fit, seq_file grows its buffer and shows the bucket again.
 * Nothing is held across ->stop: the walker takes and drops its own
 * references inside ->show().
 *
 * summary: the connection-table summary (summary.c) in /proc/net/netstat
 * style, pairs of lines with the same prefix, names then values, so that
 * names can be appended without breaking parsers.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/proc_fs.h>
#include <linux/slab.h>
#include <linux/seq_file.h>
#include <linux/seq_file_net.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "tcpconn.h"

#define TCPCONN_PROC_DIR "tcpconn"

/**
 * struct tcpconn_seq_state - seq_file private state
 * @p: must be first: the netns reference set up by proc_create_net_data()
 * @bucket: bucket of the current iterator element
 */
struct tcpconn_seq_state {
	struct seq_net_private p;
	u32 bucket;
};

static void *tcpconn_bucket_at(struct seq_file *seq, loff_t pos)
{
	struct tcpconn_seq_state *st = seq->private;

	if (pos == 0)
		return SEQ_START_TOKEN;
	if (pos - 1 >= tcpconn_listener_buckets(seq_file_net(seq)))
		return NULL;
	st->bucket = pos - 1;
	return st;
}

static void *tcpconn_listeners_start(struct seq_file *seq, loff_t *pos)
{
	return tcpconn_bucket_at(seq, *pos);
}

static void *tcpconn_listeners_next(struct seq_file *seq, void *v, loff_t *pos)
{
	++*pos;
	return tcpconn_bucket_at(seq, *pos);
}

static void tcpconn_listeners_stop(struct seq_file *seq, void *v)
{
}

static void tcpconn_seq_flags(struct seq_file *seq,
			      const struct tcpconn_listener *l)
{
	const char *sep = "";

	if (tcpconn_listener_full(l)) {
		seq_puts(seq, "full");
		sep = ",";
	}
	if (l->reuseport) {
		seq_printf(seq, "%sreuseport", sep);
		sep = ",";
	}
	if (l->v6only) {
		seq_printf(seq, "%sv6only", sep);
		sep = ",";
	}
	if (!*sep)
		seq_putc(seq, '-');
}

static int tcpconn_seq_listener(struct sock *sk, void *arg)
{
	struct seq_file *seq = arg;
	struct tcpconn_listener l;

	tcpconn_listener_snapshot(sk, &l);
	if (l.family == AF_INET6)
		seq_printf(seq, "inet6  %-39pI6c", &l.addr);
	else
		seq_printf(seq, "inet   %-39pI4", &l.addr.s6_addr32[0]);
	seq_printf(seq, " %5u %7d %9u %9u %12u %7u %10u %10u %10llu %20llu ",
		   l.port, l.ifindex, l.syn_queue, l.syn_young,
		   l.accept_queue, l.backlog, l.drops,
		   from_kuid_munged(seq_user_ns(seq), l.uid),
		   l.inode, l.cookie);
	tcpconn_seq_flags(seq, &l);
	seq_putc(seq, '\n');
	/* Stop early: seq_file will retry this bucket with a larger buffer. */
	return seq_has_overflowed(seq) ? -EMSGSIZE : 0;
}

static int tcpconn_listeners_show(struct seq_file *seq, void *v)
{
	struct tcpconn_seq_state *st = seq->private;
	struct tcpconn_walk_pos pos = { .bucket = st->bucket };

	if (v == SEQ_START_TOKEN) {
		seq_printf(seq, "%-6s %-39s %5s %7s %9s %9s %12s %7s %10s %10s %10s %20s %s\n",
			   "family", "local_address", "port", "ifindex",
			   "syn_queue", "syn_young", "accept_queue", "backlog",
			   "drops", "uid", "inode", "cookie", "flags");
		return 0;
	}
	tcpconn_walk_listener_bucket(seq_file_net(seq), &pos,
				     tcpconn_seq_listener, seq);
	return 0;
}

static const struct seq_operations tcpconn_listeners_seq_ops = {
	.start = tcpconn_listeners_start,
	.next = tcpconn_listeners_next,
	.stop = tcpconn_listeners_stop,
	.show = tcpconn_listeners_show,
};

/* A /proc/net/netstat-style pair of lines: names, then values. */
static void tcpconn_seq_u32_row(struct seq_file *seq, const char *prefix,
				const u32 *vals)
{
	int i;

	seq_printf(seq, "%s:", prefix);
	for (i = 1; i <= TCPCONN_STATE_MAX; i++)
		seq_printf(seq, " %s", tcpconn_state_names[i]);
	seq_printf(seq, "\n%s:", prefix);
	for (i = 1; i <= TCPCONN_STATE_MAX; i++)
		seq_printf(seq, " %u", vals[i]);
	seq_putc(seq, '\n');
}

static void tcpconn_seq_u64_row(struct seq_file *seq, const char *prefix,
				const char *const *names, const u64 *vals,
				int max)
{
	int i;

	seq_printf(seq, "%s:", prefix);
	for (i = 1; i <= max; i++)
		seq_printf(seq, " %s", names[i]);
	seq_printf(seq, "\n%s:", prefix);
	for (i = 1; i <= max; i++)
		seq_printf(seq, " %llu", vals[i]);
	seq_putc(seq, '\n');
}

/*
 * summary: a single_open file; the whole walk runs in one ->show(), which
 * seq_file repeats only if the ~1.5 KiB of text overflows its first page.
 */
static int tcpconn_summary_show(struct seq_file *seq, void *v)
{
	struct tcpconn_summary *s;

	s = kmalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	tcpconn_summary_collect(seq_file_single_net(seq), s);
	tcpconn_seq_u32_row(seq, "IPv4", s->states[TCPCONN_V4]);
	tcpconn_seq_u32_row(seq, "IPv6", s->states[TCPCONN_V6]);
	tcpconn_seq_u32_row(seq, "OrphansIPv4", s->orphans[TCPCONN_V4]);
	tcpconn_seq_u32_row(seq, "OrphansIPv6", s->orphans[TCPCONN_V6]);
	seq_printf(seq, "Totals: orphans tw_count ehash_buckets walk_ns\n"
		   "Totals: %u %u %u %llu\n", s->orphans_total, s->tw_count,
		   s->ehash_buckets, s->walk_ns);
	tcpconn_seq_u64_row(seq, "Limits", tcpconn_limit_names, s->limits,
			    TCPCONN_LIMIT_MAX);
	tcpconn_seq_u64_row(seq, "TcpExt", tcpconn_counter_names, s->counters,
			    TCPCONN_COUNTER_MAX);
	kfree(s);
	return 0;
}

static int __net_init tcpconn_proc_net_init(struct net *net)
{
	struct proc_dir_entry *dir;

	/* seq_open_net() finds the netns in the parent directory's data. */
	dir = proc_mkdir_data(TCPCONN_PROC_DIR, 0555, net->proc_net, net);
	if (!dir)
		return -ENOMEM;
	if (!proc_create_net_data("listeners", 0444, dir,
				  &tcpconn_listeners_seq_ops,
				  sizeof(struct tcpconn_seq_state), NULL) ||
	    !proc_create_net_single("summary", 0444, dir,
				    tcpconn_summary_show, NULL) ||
	    !proc_create_net_data("sockets", 0444, dir,
				  &tcpconn_sockets_seq_ops,
				  tcpconn_sockets_seq_size, NULL)) {
		remove_proc_subtree(TCPCONN_PROC_DIR, net->proc_net);
		return -ENOMEM;
	}
	return 0;
}

static void __net_exit tcpconn_proc_net_exit(struct net *net)
{
	remove_proc_subtree(TCPCONN_PROC_DIR, net->proc_net);
}

static struct pernet_operations tcpconn_proc_net_ops = {
	.init = tcpconn_proc_net_init,
	.exit = tcpconn_proc_net_exit,
};

/**
 * tcpconn_proc_init() - create /proc/net/tcpconn/ in every netns, now and
 * in those created later
 *
 * Return: 0 or a negative errno.
 */
int __init tcpconn_proc_init(void)
{
	return register_pernet_subsys(&tcpconn_proc_net_ops);
}

/**
 * tcpconn_proc_exit() - remove /proc/net/tcpconn/ from every netns
 *
 * Open files stay valid objects; their reads fail once the entries are
 * gone (procfs runs down in-flight operations before removal returns).
 */
void tcpconn_proc_exit(void)
{
	unregister_pernet_subsys(&tcpconn_proc_net_ops);
}
