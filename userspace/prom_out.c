// SPDX-License-Identifier: GPL-2.0
/*
 * prom_out.c - the tcpconn_* metrics of one --summary sample, in the
 * Prometheus text format (prom.c). Names follow Prometheus' conventions:
 * base units (seconds, bytes: tcp_mem pages are multiplied by the page
 * size), "_total" for counters and only for them, one family per quantity
 * with family/state labels where summing makes sense. Documented in
 * Documentation/man/tcpconn-stat.8 (METRICS); keep the two in step.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sys/socket.h>
#include <linux/tcpconn.h>

#include "output.h"
#include "prom.h"
#include "summary.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *const fam_label[SUM_NFAM] = { "ipv4", "ipv6" };

/* ---- listeners ---------------------------------------------------------- */

enum lmetric { LM_SYN, LM_YOUNG, LM_ACCEPT, LM_BACKLOG, LM_DROPS };

static const struct {
	const char *name;
	const char *type;
	const char *help;
} listener_metrics[] = {
	[LM_SYN] = { "tcpconn_listener_syn_queue", "gauge",
		"Half-open handshakes (request sockets) of the listener, inet_csk_reqsk_queue_len(); ss shows each as SYN-RECV. Bounded by the listener's backlog; without syncookies SYNs of unproven peers are dropped once it passes 3/4 of tcp_max_syn_backlog." },
	[LM_YOUNG] = { "tcpconn_listener_syn_queue_young", "gauge",
		"Request sockets of the listener whose SYN-ACK was not retransmitted yet." },
	[LM_ACCEPT] = { "tcpconn_listener_accept_queue", "gauge",
		"Established connections waiting for accept() (ss -lt Recv-Q); the queue is full above tcpconn_listener_backlog." },
	[LM_BACKLOG] = { "tcpconn_listener_backlog", "gauge",
		"Accept queue limit of the listener: min(listen() backlog, net.core.somaxconn) when listen() was called (ss -lt Send-Q)." },
	[LM_DROPS] = { "tcpconn_listener_drops_total", "counter",
		"Packets dropped at the listener (sk_drops): handshakes refused while a queue was full, or no memory." },
};

static uint64_t listener_value(const struct listener *l, enum lmetric m)
{
	switch (m) {
	case LM_SYN:
		return l->syn_queue;
	case LM_YOUNG:
		return l->syn_young;
	case LM_ACCEPT:
		return l->accept_queue;
	case LM_BACKLOG:
		return l->backlog;
	case LM_DROPS:
		return l->drops;
	}
	return 0;
}

static bool same_endpoint(const struct listener *a, const struct listener *b)
{
	return a->family == b->family && a->port == b->port &&
	       a->ifindex == b->ifindex && !memcmp(a->addr, b->addr, sizeof(a->addr));
}

/*
 * The members of an SO_REUSEPORT group share family, address, port and
 * device; a series needs one more label to be unique, or the collector
 * refuses the whole file. "member" is the position in the group in the
 * list's order (listener_list_sort(): by inode), 0 outside a group; the
 * list must be sorted.
 */
static void listener_series(struct prom *p, const struct listener_list *list,
			    enum lmetric m)
{
	unsigned long member = 0;
	size_t i;

	prom_family(p, listener_metrics[m].name, listener_metrics[m].type,
		    listener_metrics[m].help);
	for (i = 0; i < list->len; i++) {
		const struct listener *l = &list->items[i];
		const struct listener *prev = i ? &list->items[i - 1] : NULL;
		char addr[INET6_ADDRSTRLEN] = "?", port[8], ifname[IFNAME_LEN] = "";
		char mem[24];

		/*
		 * After NLM_F_DUMP_INTR the kernel may send a listener twice
		 * (same cookie, next to itself once sorted): one socket is one
		 * series, not a phantom member.
		 */
		if (prev && same_endpoint(l, prev) && l->cookie == prev->cookie)
			continue;
		member = prev && same_endpoint(l, prev) ? member + 1 : 0;
		format_addr(addr, sizeof(addr), l->family, l->addr);
		snprintf(port, sizeof(port), "%u", l->port);
		if (l->ifindex)
			ifindex_name(l->ifindex, ifname, sizeof(ifname));
		snprintf(mem, sizeof(mem), "%lu", member);
		{
			const struct prom_label lb[] = {
				{ "family", l->family == AF_INET6 ? "ipv6" : "ipv4" },
				{ "address", addr },
				{ "port", port },
				{ "interface", ifname },
				{ "member", mem },
			};

			prom_u64(p, lb, NELEM(lb), listener_value(l, m));
		}
	}
}

/* ---- states ------------------------------------------------------------- */

static void state_series(struct prom *p, const struct tcpconn_summary *s,
			 bool orphans)
{
	int fam;
	size_t i;

	if (orphans)
		prom_family(p, "tcpconn_orphans", "gauge",
			    "Orphans of this network namespace by family and state: sockets their process closed that TCP still holds.");
	else
		prom_family(p, "tcpconn_sockets", "gauge",
			    "TCP sockets of this network namespace by family and state, counted in the kernel. syn_recv are request sockets, time_wait and tw_fin_wait2 TIME-WAIT mini-sockets (tw_fin_wait2: orphans in FIN-WAIT-2 kept as one; ss shows them as FIN-WAIT-2).");
	for (fam = 0; fam < SUM_NFAM; fam++) {
		for (i = 0; i < TCPCONN_STATE_MAX; i++) {
			int st = summary_state_order[i];
			const struct prom_label lb[] = {
				{ "family", fam_label[fam] },
				{ "state", summary_state_key[st] },
			};
			uint64_t v;

			if (orphans ? summary_orphan(s, fam, st, &v) :
				      summary_state(s, fam, st, &v))
				prom_u64(p, lb, NELEM(lb), v);
		}
	}
}

/* ---- limits and settings ------------------------------------------------ */

/* One sysctl of the summary as a gauge of its own. */
static const struct {
	uint8_t limit;
	const char *name;
	const char *help;
} limit_metrics[] = {
	{ TCPCONN_LIMIT_MAX_TW_BUCKETS, "tcpconn_tcp_max_tw_buckets",
	  "net.ipv4.tcp_max_tw_buckets: TIME-WAIT sockets this network namespace may hold (compare tcpconn_time_wait_sockets); beyond it connections close without TIME-WAIT." },
	{ TCPCONN_LIMIT_SOMAXCONN, "tcpconn_somaxconn",
	  "net.core.somaxconn: cap of every listen() backlog." },
	{ TCPCONN_LIMIT_MAX_SYN_BACKLOG, "tcpconn_tcp_max_syn_backlog",
	  "net.ipv4.tcp_max_syn_backlog: without syncookies, SYNs of unproven peers are dropped once a SYN queue passes 3/4 of it." },
	{ TCPCONN_LIMIT_SYNCOOKIES, "tcpconn_tcp_syncookies",
	  "net.ipv4.tcp_syncookies: 0 off, 1 when a SYN queue is full, 2 always." },
	{ TCPCONN_LIMIT_ABORT_ON_OVERFLOW, "tcpconn_tcp_abort_on_overflow",
	  "net.ipv4.tcp_abort_on_overflow: 1 resets connections a full accept queue cannot take, 0 drops their final ACK." },
	{ TCPCONN_LIMIT_FIN_TIMEOUT, "tcpconn_tcp_fin_timeout_seconds",
	  "net.ipv4.tcp_fin_timeout: how long an orphan may stay in FIN-WAIT-2." },
	{ TCPCONN_LIMIT_TW_REUSE, "tcpconn_tcp_tw_reuse",
	  "net.ipv4.tcp_tw_reuse: 0 off, 1 new outgoing connections may reuse TIME-WAIT sockets, 2 loopback ones only." },
	{ TCPCONN_LIMIT_PORT_LOW, "tcpconn_ip_local_port_range_first",
	  "net.ipv4.ip_local_port_range: first ephemeral port." },
	{ TCPCONN_LIMIT_PORT_HIGH, "tcpconn_ip_local_port_range_last",
	  "net.ipv4.ip_local_port_range: last ephemeral port." },
};

/* tcp_mem is in pages: exported in bytes, the base unit. */
static const struct {
	uint8_t limit;
	const char *name;
	const char *help;
} mem_metrics[] = {
	{ TCPCONN_LIMIT_TCP_MEM_USED, "tcpconn_tcp_mem_used_bytes",
	  "Memory TCP has allocated now, host-wide (/proc/net/sockstat mem, in bytes)." },
	{ TCPCONN_LIMIT_TCP_MEM_LOW, "tcpconn_tcp_mem_low_bytes",
	  "net.ipv4.tcp_mem[0] in bytes: below it TCP leaves memory pressure." },
	{ TCPCONN_LIMIT_TCP_MEM_PRESSURE, "tcpconn_tcp_mem_pressure_bytes",
	  "net.ipv4.tcp_mem[1] in bytes: above it TCP is under memory pressure." },
	{ TCPCONN_LIMIT_TCP_MEM_HIGH, "tcpconn_tcp_mem_high_bytes",
	  "net.ipv4.tcp_mem[2] in bytes: the most TCP may allocate; beyond it sockets cannot grow and orphans are reset." },
};

static void one(struct prom *p, const char *name, const char *help,
		bool ok, uint64_t v)
{
	prom_family(p, name, "gauge", help);
	if (ok)
		prom_u64(p, NULL, 0, v);
}

static void limits(struct prom *p, const struct summary_sample *cur)
{
	const struct tcpconn_summary *s = &cur->sum;
	uint64_t v = 0, lo = 0, hi = 0, page = 0;
	bool page_ok, range_ok;
	size_t i;

	for (i = 0; i < NELEM(limit_metrics); i++) {
		bool ok = summary_limit(s, limit_metrics[i].limit, &v);

		one(p, limit_metrics[i].name, limit_metrics[i].help, ok, v);
	}
	range_ok = summary_limit(s, TCPCONN_LIMIT_PORT_LOW, &lo) &&
		   summary_limit(s, TCPCONN_LIMIT_PORT_HIGH, &hi) && hi >= lo;
	one(p, "tcpconn_ip_local_port_range_size",
	    "Ports in net.ipv4.ip_local_port_range (last - first + 1); ip_local_reserved_ports not subtracted.",
	    range_ok, hi - lo + 1);
	one(p, "tcpconn_tcp_max_orphans",
	    "net.ipv4.tcp_max_orphans: orphans the host may hold (compare tcpconn_host_orphans); beyond it orphans are reset. Readable in the initial network namespace only.",
	    cur->host.has_max_orphans, cur->host.max_orphans);
	page_ok = summary_limit(s, TCPCONN_LIMIT_PAGE_SIZE, &page);
	for (i = 0; i < NELEM(mem_metrics); i++) {
		bool ok = page_ok && summary_limit(s, mem_metrics[i].limit, &v);

		one(p, mem_metrics[i].name, mem_metrics[i].help, ok, v * page);
	}
}

/* ---- counters ----------------------------------------------------------- */

/*
 * snake_case of the TcpExt names (summary_counter_name[]) by hand: a
 * mechanical split mangles "TCPReqQFullDrop" or "TW". The HELP text keeps
 * the /proc/net/netstat name, so a reader can find either from the other.
 */
static const struct {
	const char *name;
	const char *help;
} counter_metrics[TCPCONN_COUNTER_MAX + 1] = {
	[TCPCONN_COUNTER_LISTEN_OVERFLOWS] = { "tcpconn_tcpext_listen_overflows_total",
		"TcpExt ListenOverflows: a handshake completed on a full accept queue." },
	[TCPCONN_COUNTER_LISTEN_DROPS] = { "tcpconn_tcpext_listen_drops_total",
		"TcpExt ListenDrops: any drop at a listener (includes ListenOverflows)." },
	[TCPCONN_COUNTER_REQQ_FULL_DROP] = { "tcpconn_tcpext_req_q_full_drop_total",
		"TcpExt TCPReqQFullDrop: SYN dropped, SYN queue full and no syncookies." },
	[TCPCONN_COUNTER_REQQ_FULL_DO_COOKIES] = { "tcpconn_tcpext_req_q_full_do_cookies_total",
		"TcpExt TCPReqQFullDoCookies: syncookie sent because a SYN queue was full." },
	[TCPCONN_COUNTER_SYNCOOKIES_SENT] = { "tcpconn_tcpext_syncookies_sent_total",
		"TcpExt SyncookiesSent." },
	[TCPCONN_COUNTER_SYNCOOKIES_RECV] = { "tcpconn_tcpext_syncookies_recv_total",
		"TcpExt SyncookiesRecv: valid syncookies received." },
	[TCPCONN_COUNTER_SYNCOOKIES_FAILED] = { "tcpconn_tcpext_syncookies_failed_total",
		"TcpExt SyncookiesFailed: invalid syncookies received." },
	[TCPCONN_COUNTER_EMBRYONIC_RSTS] = { "tcpconn_tcpext_embryonic_rsts_total",
		"TcpExt EmbryonicRsts: resets received for SYN-RECV sockets." },
	[TCPCONN_COUNTER_ABORT_ON_MEMORY] = { "tcpconn_tcpext_abort_on_memory_total",
		"TcpExt TCPAbortOnMemory: orphans reset because of tcp_max_orphans or tcp_mem." },
	[TCPCONN_COUNTER_ABORT_ON_CLOSE] = { "tcpconn_tcpext_abort_on_close_total",
		"TcpExt TCPAbortOnClose: connections reset because they were closed with unread data." },
	[TCPCONN_COUNTER_ABORT_ON_DATA] = { "tcpconn_tcpext_abort_on_data_total",
		"TcpExt TCPAbortOnData: connections reset because data arrived after close." },
	[TCPCONN_COUNTER_ABORT_ON_TIMEOUT] = { "tcpconn_tcpext_abort_on_timeout_total",
		"TcpExt TCPAbortOnTimeout: connections reset after too many retransmits or probes." },
	[TCPCONN_COUNTER_ABORT_ON_LINGER] = { "tcpconn_tcpext_abort_on_linger_total",
		"TcpExt TCPAbortOnLinger: closing connections reset because of their TCP_LINGER2 setting." },
	[TCPCONN_COUNTER_TIMEWAIT_OVERFLOW] = { "tcpconn_tcpext_time_wait_overflow_total",
		"TcpExt TCPTimeWaitOverflow: TIME-WAIT sockets not created because tcp_max_tw_buckets was reached." },
	[TCPCONN_COUNTER_TIMEWAITED] = { "tcpconn_tcpext_tw_total",
		"TcpExt TW: TIME-WAIT sockets created with a timeout over 4 s." },
	[TCPCONN_COUNTER_TIMEWAIT_RECYCLED] = { "tcpconn_tcpext_tw_recycled_total",
		"TcpExt TWRecycled: TIME-WAIT sockets reused by a new outgoing connection (tcp_tw_reuse)." },
	[TCPCONN_COUNTER_TIMEWAIT_KILLED] = { "tcpconn_tcpext_tw_killed_total",
		"TcpExt TWKilled: TIME-WAIT sockets created with a timeout of 4 s or less." },
	[TCPCONN_COUNTER_MEMORY_PRESSURES] = { "tcpconn_tcpext_memory_pressures_total",
		"TcpExt TCPMemoryPressures: times TCP entered memory pressure (tcp_mem[1])." },
};

static void counters(struct prom *p, const struct tcpconn_summary *s)
{
	int i;

	for (i = 1; i <= TCPCONN_COUNTER_MAX; i++) {
		uint64_t v;

		/* a counter added to the UAPI without a name here is a bug */
		if (!counter_metrics[i].name) {
			p->err = p->err ? p->err : -EINVAL;
			return;
		}
		prom_family(p, counter_metrics[i].name, "counter",
			    counter_metrics[i].help);
		if (summary_counter(s, i, &v))
			prom_u64(p, NULL, 0, v);
	}
}

/* ---- the whole sample --------------------------------------------------- */

int prom_print_sample(FILE *f, const struct summary_sample *cur)
{
	const struct tcpconn_summary *s = &cur->sum;
	struct prom p;
	int m;

	prom_init(&p, f);
	state_series(&p, s, false);
	state_series(&p, s, true);
	one(&p, "tcpconn_time_wait_sockets",
	    "TIME-WAIT mini-sockets of this network namespace as the kernel counts them against tcp_max_tw_buckets (time_wait and tw_fin_wait2).",
	    true, s->tw_count);
	one(&p, "tcpconn_host_orphans",
	    "Orphans of the whole host (/proc/net/sockstat orphan), the count tcp_max_orphans limits.",
	    cur->host.has_orphans, cur->host.orphans);
	limits(&p, cur);
	for (m = LM_SYN; m <= LM_DROPS; m++)
		listener_series(&p, &cur->listeners, (enum lmetric)m);
	counters(&p, s);
	prom_family(&p, "tcpconn_walk_duration_seconds", "gauge",
		    "Time the kernel took to walk the connection table for this report.");
	prom_ns_as_seconds(&p, NULL, 0, s->walk_ns);
	one(&p, "tcpconn_ehash_buckets",
	    "Buckets of the established-connection hash table walked (the namespace's own with tcp_child_ehash_entries).",
	    true, s->ehash_buckets);
	return prom_finish(&p);
}
