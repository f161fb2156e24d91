// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/net/tcpconn/sockets: one header line, then one line per TCP socket
 * of the reader's netns: listeners (lhash2), then the established hash
 * (full, TIME_WAIT and request sockets).
 *
 * Buckets are walked in order: 0..L-1 are the lhash2 buckets, L..L+E-1
 * the ehash buckets. A seq_file record is a bucket, or the rest of one: a
 * ->show() prints the bucket's lines while they fit in the seq_file
 * buffer, and when one does not, the walk position (the cookies of the
 * last sockets printed, see struct tcpconn_walk_pos) is kept and the next
 * record continues the same bucket after them. So no line is formatted
 * twice however the reads are cut (a whole-bucket record that does not fit
 * would be thrown away and shown again by the next read(), for every
 * read()), and reading the whole file is O(buckets + sockets).
 *
 * The iterator state lives in the seq_file's private data: seq_file only
 * ever restarts at position 0 (a new read from the start, or the start of
 * a seek) or at the position our ->next() returned, so that state always
 * describes the record asked for. Nothing is held across ->stop: the
 * walker takes and drops its own references inside ->show(). As with
 * /proc/net/tcp, lines are consistent per socket, not across sockets; if
 * every socket printed from a partly shown bucket went away between two
 * read()s, the bucket is printed again from its start (its sockets may
 * repeat).
 *
 * Lines are formatted by hand rather than with seq_printf(): at hundreds of
 * thousands of sockets vsnprintf()'s format parsing is most of the cost.
 * The text is the same as the format string in tcpconn_sockets_seq_show()
 * describes.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/seq_file_net.h>
#include <linux/string.h>
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
 * @pos: seq_file position of the record described by the fields below
 * @bucket: that record's bucket (see the file comment)
 * @partial: the last ->show() stopped in @bucket for lack of room, so the
 *	next record continues it
 * @wpos: where the walk of @bucket continues
 */
struct tcpconn_sockets_seq {
	struct seq_net_private p;
	loff_t pos;
	u32 bucket;
	bool partial;
	struct tcpconn_walk_pos wpos;
};

static u32 tcpconn_sockets_buckets(struct net *net)
{
	return tcpconn_listener_buckets(net) + tcpconn_established_buckets(net);
}

static void *tcpconn_sockets_cur(struct seq_file *seq)
{
	struct tcpconn_sockets_seq *st = seq->private;

	if (st->bucket >= tcpconn_sockets_buckets(seq_file_net(seq)))
		return NULL;
	return st;
}

static void *tcpconn_sockets_seq_start(struct seq_file *seq, loff_t *pos)
{
	struct tcpconn_sockets_seq *st = seq->private;

	if (*pos == 0) {
		st->pos = 0;
		st->bucket = 0;
		st->partial = false;
		memset(&st->wpos, 0, sizeof(st->wpos));
		return SEQ_START_TOKEN;
	}
	if (*pos != st->pos) {
		/* Not a position we handed out: see the file comment. */
		pr_warn_once("sockets: unexpected read position %lld\n", *pos);
		return NULL;
	}
	return tcpconn_sockets_cur(seq);
}

static void *tcpconn_sockets_seq_next(struct seq_file *seq, void *v, loff_t *pos)
{
	struct tcpconn_sockets_seq *st = seq->private;

	/* A read() may pass many empty buckets without producing output. */
	cond_resched();
	if (v != SEQ_START_TOKEN && !st->partial) {
		st->bucket++;
		memset(&st->wpos, 0, sizeof(st->wpos));
	}
	st->partial = false;
	st->pos = ++*pos;
	return tcpconn_sockets_cur(seq);
}

static void tcpconn_sockets_seq_stop(struct seq_file *seq, void *v)
{
}

/* Longest line: every field at its widest, an IPv6 address in each column. */
#define TCPCONN_LINE_MAX 320

/* @s left aligned in a field of at least @width characters. */
static char *tcpconn_put_str(char *p, const char *s, int width)
{
	size_t len = strlen(s);

	memcpy(p, s, len);
	p += len;
	for (; width > (int)len; width--)
		*p++ = ' ';
	return p;
}

/* @v right aligned in at least @width characters, as "%*llu". */
static char *tcpconn_put_u64(char *p, u64 v, int width)
{
	char digits[20];
	int n = 0;

	do {
		digits[n++] = '0' + do_div(v, 10);
	} while (v);
	for (; width > n; width--)
		*p++ = ' ';
	while (n)
		*p++ = digits[--n];
	return p;
}

/* As "%*d". */
static char *tcpconn_put_int(char *p, int v, int width)
{
	char digits[12];
	u32 u = v < 0 ? -(u32)v : v;
	int n = 0;

	do {
		digits[n++] = '0' + u % 10;
		u /= 10;
	} while (u);
	if (v < 0)
		digits[n++] = '-';
	for (; width > n; width--)
		*p++ = ' ';
	while (n)
		*p++ = digits[--n];
	return p;
}

/* " %-39pI4" or " %-39pI6c" */
static char *tcpconn_put_addr(char *p, u8 family, const struct in6_addr *a)
{
	char *start;
	int i;

	*p++ = ' ';
	start = p;
	if (family == AF_INET6) {
		p += scnprintf(p, 40, "%pI6c", a);
	} else {
		const u8 *b = (const u8 *)&a->s6_addr32[0];

		for (i = 0; i < 4; i++) {
			if (i)
				*p++ = '.';
			p = tcpconn_put_u64(p, b[i], 0);
		}
	}
	while (p - start < 39)
		*p++ = ' ';
	return p;
}

/*
 * One line, as seq_printf() with
 * "%-6s %-12s %-39pI4 %5u %-39pI4 %5u %7d %-9s %10u %7u %6u %10u %10u %10u %10llu %20llu %s\n"
 * (%pI6c for inet6). Returns its length.
 */
static size_t tcpconn_format_socket(char *line, const struct tcpconn_socket *s,
				    struct user_namespace *ns)
{
	char *p = line;

	p = tcpconn_put_str(p, s->family == AF_INET6 ? "inet6" : "inet", 6);
	*p++ = ' ';
	p = tcpconn_put_str(p, tcpconn_state_names[s->state], 12);
	p = tcpconn_put_addr(p, s->family, &s->src);
	*p++ = ' ';
	p = tcpconn_put_u64(p, s->sport, 5);
	p = tcpconn_put_addr(p, s->family, &s->dst);
	*p++ = ' ';
	p = tcpconn_put_u64(p, s->dport, 5);
	*p++ = ' ';
	p = tcpconn_put_int(p, s->ifindex, 7);
	*p++ = ' ';
	p = tcpconn_put_str(p, tcpconn_timer_names[s->timer], 9);
	*p++ = ' ';
	p = tcpconn_put_u64(p, s->expires_ms, 10);
	*p++ = ' ';
	p = tcpconn_put_u64(p, s->retrans, 7);
	*p++ = ' ';
	p = tcpconn_put_u64(p, s->probes, 6);
	*p++ = ' ';
	p = tcpconn_put_u64(p, s->rqueue, 10);
	*p++ = ' ';
	p = tcpconn_put_u64(p, s->wqueue, 10);
	*p++ = ' ';
	p = tcpconn_put_u64(p, from_kuid_munged(ns, s->uid), 10);
	*p++ = ' ';
	p = tcpconn_put_u64(p, s->inode, 10);
	*p++ = ' ';
	p = tcpconn_put_u64(p, s->cookie, 20);
	*p++ = ' ';
	p = tcpconn_put_str(p, s->orphan ? "orphan" : "-", 0);
	*p++ = '\n';
	return p - line;
}

/**
 * struct tcpconn_sockets_show - one ->show() call's walk
 * @seq: the file
 * @lines: lines printed so far
 */
struct tcpconn_sockets_show {
	struct seq_file *seq;
	unsigned int lines;
};

static int tcpconn_seq_socket(struct sock *sk, void *arg)
{
	struct tcpconn_sockets_show *sh = arg;
	char line[TCPCONN_LINE_MAX];
	struct tcpconn_socket s;
	size_t len;
	char *buf;

	tcpconn_socket_snapshot(sk, &s);
	if (s.state == TCPCONN_STATE_UNSPEC)
		return 0;
	len = tcpconn_format_socket(line, &s, seq_user_ns(sh->seq));
	/* Filling the buffer exactly would count as an overflow. */
	if (seq_get_buf(sh->seq, &buf) <= len)
		return -EMSGSIZE;	/* not visited: the walk resumes here */
	memcpy(buf, line, len);
	seq_commit(sh->seq, len);
	sh->lines++;
	return 0;
}

static int tcpconn_sockets_seq_show(struct seq_file *seq, void *v)
{
	struct tcpconn_sockets_seq *st = seq->private;
	struct net *net = seq_file_net(seq);
	u32 lbuckets = tcpconn_listener_buckets(net);
	struct tcpconn_sockets_show sh = { .seq = seq };
	int err;

	if (v == SEQ_START_TOKEN) {
		seq_printf(seq, "%-6s %-12s %-39s %5s %-39s %5s %7s %-9s %10s %7s %6s %10s %10s %10s %10s %20s %s\n",
			   "family", "state", "local_address", "lport",
			   "remote_address", "rport", "ifindex", "timer",
			   "expires_ms", "retrans", "probes", "rqueue",
			   "wqueue", "uid", "inode", "cookie", "flags");
		return 0;
	}
	if (st->bucket < lbuckets) {
		st->wpos.bucket = st->bucket;
		err = tcpconn_walk_listener_bucket(net, &st->wpos,
						   tcpconn_seq_socket, &sh);
	} else {
		st->wpos.bucket = st->bucket - lbuckets;
		err = tcpconn_walk_established_bucket(net, &st->wpos,
						      tcpconn_seq_socket, &sh);
	}
	if (err == -EMSGSIZE) {
		if (sh.lines)
			st->partial = true;	/* the next record goes on */
		else
			seq_commit(seq, -1);	/* overflow: seq_file retries */
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
