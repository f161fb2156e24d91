// SPDX-License-Identifier: GPL-2.0
/*
 * Connection-table summary: one pass over a netns's established hash
 * (full, TIME_WAIT and request sockets) and listening hash, counting in
 * the kernel, plus the sysctls and TcpExt counters that bound those counts.
 *
 * Lock discipline: each established-hash chain is counted under its bucket
 * lock (spin_lock_bh, as the hash's writers take it; locks are shared
 * between buckets, so only one is held at a time), each listening-hash
 * chain under its own spin_lock. Counting only reads a few fields per
 * entry, takes no reference and allocates nothing, so the work under a
 * lock is one chain's length of loads: the hash is sized so chains stay
 * short, and the kernel's own lookups walk the same chains. Fields that
 * change without the bucket lock (sk_flags) are read as the kernel's
 * lockless readers do; the counts are exact per bucket, not an atomic
 * snapshot of the whole table. cond_resched() runs between buckets.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ktime.h>
#include <linux/sched.h>
#include <net/inet_hashtables.h>
#include <net/inet_timewait_sock.h>
#include <net/ip.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "compat.h"
#include "tcpconn.h"

const char *const tcpconn_state_names[TCPCONN_STATE_MAX + 1] = {
	[TCPCONN_STATE_UNSPEC] = "UNSPEC",
	[TCPCONN_STATE_ESTABLISHED] = "ESTABLISHED",
	[TCPCONN_STATE_SYN_SENT] = "SYN_SENT",
	[TCPCONN_STATE_SYN_RECV] = "SYN_RECV",
	[TCPCONN_STATE_FIN_WAIT1] = "FIN_WAIT1",
	[TCPCONN_STATE_FIN_WAIT2] = "FIN_WAIT2",
	[TCPCONN_STATE_TIME_WAIT] = "TIME_WAIT",
	[TCPCONN_STATE_CLOSE] = "CLOSE",
	[TCPCONN_STATE_CLOSE_WAIT] = "CLOSE_WAIT",
	[TCPCONN_STATE_LAST_ACK] = "LAST_ACK",
	[TCPCONN_STATE_LISTEN] = "LISTEN",
	[TCPCONN_STATE_CLOSING] = "CLOSING",
	[TCPCONN_STATE_TW_FIN_WAIT2] = "TW_FIN_WAIT2",
};

const char *const tcpconn_limit_names[TCPCONN_LIMIT_MAX + 1] = {
	[TCPCONN_LIMIT_UNSPEC] = "unspec",
	[TCPCONN_LIMIT_MAX_TW_BUCKETS] = "tcp_max_tw_buckets",
	[TCPCONN_LIMIT_SOMAXCONN] = "somaxconn",
	[TCPCONN_LIMIT_MAX_SYN_BACKLOG] = "tcp_max_syn_backlog",
	[TCPCONN_LIMIT_SYNCOOKIES] = "tcp_syncookies",
	[TCPCONN_LIMIT_ABORT_ON_OVERFLOW] = "tcp_abort_on_overflow",
	[TCPCONN_LIMIT_FIN_TIMEOUT] = "tcp_fin_timeout",
	[TCPCONN_LIMIT_TW_REUSE] = "tcp_tw_reuse",
	[TCPCONN_LIMIT_PORT_LOW] = "ip_local_port_range_low",
	[TCPCONN_LIMIT_PORT_HIGH] = "ip_local_port_range_high",
	[TCPCONN_LIMIT_TCP_MEM_LOW] = "tcp_mem_low",
	[TCPCONN_LIMIT_TCP_MEM_PRESSURE] = "tcp_mem_pressure",
	[TCPCONN_LIMIT_TCP_MEM_HIGH] = "tcp_mem_high",
	[TCPCONN_LIMIT_TCP_MEM_USED] = "tcp_mem_used",
	[TCPCONN_LIMIT_PAGE_SIZE] = "page_size",
};

/* Names as /proc/net/netstat prints them, so the two can be compared. */
const char *const tcpconn_counter_names[TCPCONN_COUNTER_MAX + 1] = {
	[TCPCONN_COUNTER_UNSPEC] = "Unspec",
	[TCPCONN_COUNTER_LISTEN_OVERFLOWS] = "ListenOverflows",
	[TCPCONN_COUNTER_LISTEN_DROPS] = "ListenDrops",
	[TCPCONN_COUNTER_REQQ_FULL_DROP] = "TCPReqQFullDrop",
	[TCPCONN_COUNTER_REQQ_FULL_DO_COOKIES] = "TCPReqQFullDoCookies",
	[TCPCONN_COUNTER_SYNCOOKIES_SENT] = "SyncookiesSent",
	[TCPCONN_COUNTER_SYNCOOKIES_RECV] = "SyncookiesRecv",
	[TCPCONN_COUNTER_SYNCOOKIES_FAILED] = "SyncookiesFailed",
	[TCPCONN_COUNTER_EMBRYONIC_RSTS] = "EmbryonicRsts",
	[TCPCONN_COUNTER_ABORT_ON_MEMORY] = "TCPAbortOnMemory",
	[TCPCONN_COUNTER_ABORT_ON_CLOSE] = "TCPAbortOnClose",
	[TCPCONN_COUNTER_ABORT_ON_DATA] = "TCPAbortOnData",
	[TCPCONN_COUNTER_ABORT_ON_TIMEOUT] = "TCPAbortOnTimeout",
	[TCPCONN_COUNTER_ABORT_ON_LINGER] = "TCPAbortOnLinger",
	[TCPCONN_COUNTER_TIMEWAIT_OVERFLOW] = "TCPTimeWaitOverflow",
	[TCPCONN_COUNTER_TIMEWAITED] = "TW",
	[TCPCONN_COUNTER_TIMEWAIT_RECYCLED] = "TWRecycled",
	[TCPCONN_COUNTER_TIMEWAIT_KILLED] = "TWKilled",
	[TCPCONN_COUNTER_MEMORY_PRESSURES] = "TCPMemoryPressures",
};

/* The LINUX_MIB_* field behind each counter. */
static const u16 tcpconn_counter_mib[TCPCONN_COUNTER_MAX + 1] = {
	[TCPCONN_COUNTER_LISTEN_OVERFLOWS] = LINUX_MIB_LISTENOVERFLOWS,
	[TCPCONN_COUNTER_LISTEN_DROPS] = LINUX_MIB_LISTENDROPS,
	[TCPCONN_COUNTER_REQQ_FULL_DROP] = LINUX_MIB_TCPREQQFULLDROP,
	[TCPCONN_COUNTER_REQQ_FULL_DO_COOKIES] = LINUX_MIB_TCPREQQFULLDOCOOKIES,
	[TCPCONN_COUNTER_SYNCOOKIES_SENT] = LINUX_MIB_SYNCOOKIESSENT,
	[TCPCONN_COUNTER_SYNCOOKIES_RECV] = LINUX_MIB_SYNCOOKIESRECV,
	[TCPCONN_COUNTER_SYNCOOKIES_FAILED] = LINUX_MIB_SYNCOOKIESFAILED,
	[TCPCONN_COUNTER_EMBRYONIC_RSTS] = LINUX_MIB_EMBRYONICRSTS,
	[TCPCONN_COUNTER_ABORT_ON_MEMORY] = LINUX_MIB_TCPABORTONMEMORY,
	[TCPCONN_COUNTER_ABORT_ON_CLOSE] = LINUX_MIB_TCPABORTONCLOSE,
	[TCPCONN_COUNTER_ABORT_ON_DATA] = LINUX_MIB_TCPABORTONDATA,
	[TCPCONN_COUNTER_ABORT_ON_TIMEOUT] = LINUX_MIB_TCPABORTONTIMEOUT,
	[TCPCONN_COUNTER_ABORT_ON_LINGER] = LINUX_MIB_TCPABORTONLINGER,
	[TCPCONN_COUNTER_TIMEWAIT_OVERFLOW] = LINUX_MIB_TCPTIMEWAITOVERFLOW,
	[TCPCONN_COUNTER_TIMEWAITED] = LINUX_MIB_TIMEWAITED,
	[TCPCONN_COUNTER_TIMEWAIT_RECYCLED] = LINUX_MIB_TIMEWAITRECYCLED,
	[TCPCONN_COUNTER_TIMEWAIT_KILLED] = LINUX_MIB_TIMEWAITKILLED,
	[TCPCONN_COUNTER_MEMORY_PRESSURES] = LINUX_MIB_TCPMEMORYPRESSURES,
};

/* tcpconn_state_of() relies on enum tcpconn_state using the kernel's numbers. */
static_assert((int)TCPCONN_STATE_ESTABLISHED == (int)TCP_ESTABLISHED);
static_assert((int)TCPCONN_STATE_FIN_WAIT2 == (int)TCP_FIN_WAIT2);
static_assert((int)TCPCONN_STATE_CLOSE == (int)TCP_CLOSE);
static_assert((int)TCPCONN_STATE_CLOSING == (int)TCP_CLOSING);

int tcpconn_state_of(int kstate, int tw_substate)
{
	switch (kstate) {
	case TCP_TIME_WAIT:
		/* An orphan's FIN_WAIT2 timer may run as a tw mini-socket. */
		return tw_substate == TCP_FIN_WAIT2 ?
			TCPCONN_STATE_TW_FIN_WAIT2 : TCPCONN_STATE_TIME_WAIT;
	case TCP_NEW_SYN_RECV:
		return TCPCONN_STATE_SYN_RECV;
	case TCP_ESTABLISHED ... TCP_FIN_WAIT2:
	case TCP_CLOSE ... TCP_CLOSING:
		/* enum tcpconn_state keeps the kernel's numbers for these. */
		return kstate;
	default:
		return TCPCONN_STATE_UNSPEC;
	}
}

/**
 * tcpconn_summary_count() - count one hashed entry
 * @s: summary to add to
 * @sk: a full, TIME_WAIT or request socket; the caller keeps it alive
 *	(holds its bucket lock or a reference)
 *
 * Only fields of struct sock_common are read for TIME_WAIT and request
 * sockets, and sk_flags for full ones; all may change concurrently, so
 * each is read once.
 */
void tcpconn_summary_count(struct tcpconn_summary *s, struct sock *sk)
{
	int kstate = READ_ONCE(sk->sk_state);
	int fam = sk->sk_family == AF_INET6 ? TCPCONN_V6 : TCPCONN_V4;
	int substate = 0;
	int state;

	if (kstate == TCP_TIME_WAIT)
		substate = READ_ONCE(inet_twsk(sk)->tw_substate);
	state = tcpconn_state_of(kstate, substate);
	if (state == TCPCONN_STATE_UNSPEC)
		return;
	s->states[fam][state]++;
	if (kstate != TCP_TIME_WAIT && kstate != TCP_NEW_SYN_RECV &&
	    sock_flag(sk, SOCK_DEAD)) {
		s->orphans[fam][state]++;
		s->orphans_total++;
	}
}

static void tcpconn_count_ehash(struct net *net, struct tcpconn_summary *s)
{
	struct inet_hashinfo *h = tcpconn_hashinfo(net);
	u32 i;

	s->ehash_buckets = h->ehash_mask + 1;
	for (i = 0; i <= h->ehash_mask; i++) {
		struct inet_ehash_bucket *head = &h->ehash[i];
		spinlock_t *lock = inet_ehash_lockp(h, i);
		struct hlist_nulls_node *node;
		struct sock *sk;

		/* Lockless peek, as inet_diag: most buckets are empty. */
		if (hlist_nulls_empty(&head->chain))
			continue;
		spin_lock_bh(lock);
		sk_nulls_for_each(sk, node, &head->chain) {
			if (net_eq(sock_net(sk), net))
				tcpconn_summary_count(s, sk);
		}
		spin_unlock_bh(lock);
		cond_resched();
	}
}

static void tcpconn_count_lhash2(struct net *net, struct tcpconn_summary *s)
{
	struct inet_hashinfo *h = tcpconn_hashinfo(net);
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
				tcpconn_summary_count(s, sk);
		}
		spin_unlock(&ilb->lock);
		cond_resched();
	}
}

static u64 tcpconn_mib_sum(struct net *net, int field)
{
	u64 sum = 0;
	int cpu;

	/* snmp_fold_field() is not exported on every supported kernel. */
	for_each_possible_cpu(cpu)
		sum += snmp_get_cpu_field(net->mib.net_statistics, cpu, field);
	return sum;
}

static void tcpconn_read_limits(struct net *net, u64 *lim)
{
	int low, high;

	lim[TCPCONN_LIMIT_MAX_TW_BUCKETS] =
		READ_ONCE(net->ipv4.tcp_death_row.sysctl_max_tw_buckets);
	lim[TCPCONN_LIMIT_SOMAXCONN] = READ_ONCE(net->core.sysctl_somaxconn);
	lim[TCPCONN_LIMIT_MAX_SYN_BACKLOG] =
		READ_ONCE(net->ipv4.sysctl_max_syn_backlog);
	lim[TCPCONN_LIMIT_SYNCOOKIES] =
		READ_ONCE(net->ipv4.sysctl_tcp_syncookies);
	lim[TCPCONN_LIMIT_ABORT_ON_OVERFLOW] =
		READ_ONCE(net->ipv4.sysctl_tcp_abort_on_overflow);
	/* Stored in jiffies; the sysctl shows seconds. */
	lim[TCPCONN_LIMIT_FIN_TIMEOUT] =
		READ_ONCE(net->ipv4.sysctl_tcp_fin_timeout) / HZ;
	lim[TCPCONN_LIMIT_TW_REUSE] = READ_ONCE(net->ipv4.sysctl_tcp_tw_reuse);
	inet_get_local_port_range(net, &low, &high);
	lim[TCPCONN_LIMIT_PORT_LOW] = low;
	lim[TCPCONN_LIMIT_PORT_HIGH] = high;
	/* tcp_mem and its usage are host-wide: tcp_prot's, not the netns's. */
	lim[TCPCONN_LIMIT_TCP_MEM_LOW] = READ_ONCE(tcp_prot.sysctl_mem[0]);
	lim[TCPCONN_LIMIT_TCP_MEM_PRESSURE] = READ_ONCE(tcp_prot.sysctl_mem[1]);
	lim[TCPCONN_LIMIT_TCP_MEM_HIGH] = READ_ONCE(tcp_prot.sysctl_mem[2]);
	/* As /proc/net/sockstat "mem" (proto_memory_allocated()). */
	lim[TCPCONN_LIMIT_TCP_MEM_USED] =
		max(0L, atomic_long_read(tcp_prot.memory_allocated));
	lim[TCPCONN_LIMIT_PAGE_SIZE] = PAGE_SIZE;
}

/**
 * tcpconn_summary_collect() - count a netns's TCP table and read its limits
 * @net: network namespace; the caller holds a reference on it
 * @s: filled in; every field is written
 *
 * Context: process context, may sleep (between hash buckets).
 */
void tcpconn_summary_collect(struct net *net, struct tcpconn_summary *s)
{
	u64 start;
	int i;

	memset(s, 0, sizeof(*s));
	start = ktime_get_ns();
	tcpconn_count_ehash(net, s);
	tcpconn_count_lhash2(net, s);
	s->walk_ns = ktime_get_ns() - start;

	s->tw_count = refcount_read(&net->ipv4.tcp_death_row.tw_refcount) - 1;
	tcpconn_read_limits(net, s->limits);
	for (i = 1; i <= TCPCONN_COUNTER_MAX; i++)
		s->counters[i] = tcpconn_mib_sum(net, tcpconn_counter_mib[i]);
}
