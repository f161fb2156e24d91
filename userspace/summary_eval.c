// SPDX-License-Identifier: GPL-2.0
/*
 * summary_eval.c - what --summary derives from a sample: Use%, the fullest
 * listener queues, counter rates, and the warnings.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/socket.h>

#include "output.h"
#include "summary.h"
#include "ticker.h"

#define CMP(x, y) (((x) > (y)) - ((x) < (y)))

bool usage_pct(uint64_t used, uint64_t limit, uint64_t *pct)
{
	if (!limit)
		return false;
	if (used <= UINT64_MAX / 100)
		*pct = used * 100 / limit + (used * 100 % limit != 0);
	else	/* beyond any real count; close is good enough */
		*pct = (uint64_t)((long double)used * 100 / limit) + 1;
	return true;
}

bool usage_high(uint64_t used, uint64_t limit)
{
	/* used / limit > 80 / 100, i.e. used * 5 > limit * 4, without overflow */
	if (used <= UINT64_MAX / 5 && limit <= UINT64_MAX / 4)
		return used * 5 > limit * 4;
	return (long double)used * 5 > (long double)limit * 4;
}

/*
 * q1/b1 against q2/b2. A zero backlog holds one connection before it is
 * full (the kernel's "full" is queue > backlog), so q/0 is infinite for
 * q > 0 and 0 for q == 0. Ties go to the longer queue.
 */
static int ratio_cmp(uint32_t q1, uint32_t b1, uint32_t q2, uint32_t b2)
{
	int c;

	if (!b1 && !q1)
		b1 = 1;
	if (!b2 && !q2)
		b2 = 1;
	if (!b1 || !b2)
		return !b1 && !b2 ? CMP(q1, q2) : !b1 ? 1 : -1;
	c = CMP((uint64_t)q1 * b2, (uint64_t)q2 * b1);
	return c ? c : CMP(q1, q2);
}

void listen_stats_get(const struct listener_list *list, struct listen_stats *st)
{
	size_t i;

	memset(st, 0, sizeof(*st));
	st->count = list->len;
	for (i = 0; i < list->len; i++) {
		const struct listener *l = &list->items[i];
		const struct listener *a = st->accept_fullest;
		const struct listener *s = st->syn_fullest;

		st->syn_total += l->syn_queue;
		st->accept_total += l->accept_queue;
		/* strictly fuller only: of equals, the first in sort order */
		if (!a || ratio_cmp(l->accept_queue, l->backlog,
				    a->accept_queue, a->backlog) > 0)
			st->accept_fullest = l;
		if (!s || ratio_cmp(l->syn_queue, l->backlog,
				    s->syn_queue, s->backlog) > 0)
			st->syn_fullest = l;
	}
}

int summary_rates_get(const struct summary_sample *prev,
		      const struct summary_sample *cur,
		      struct summary_rates *r)
{
	int i;

	memset(r, 0, sizeof(*r));
	r->interval = timespec_diff(&prev->mono, &cur->mono);
	if (!(r->interval > 0))
		return -EINVAL;
	for (i = 1; i <= TCPCONN_COUNTER_MAX; i++) {
		uint64_t a, b;

		/* A counter that went back (module reloaded?) has no rate. */
		if (!summary_counter(&prev->sum, i, &a) ||
		    !summary_counter(&cur->sum, i, &b) || b < a)
			continue;
		r->delta[i] = b - a;
		r->rate[i] = (double)(b - a) / r->interval;
		r->ok |= SUM_BIT(i);
	}
	return 0;
}

/* ---- warnings --------------------------------------------------------- */

__attribute__((format(printf, 3, 4)))
static int warn(struct summary_warnings *w, const char *name,
		const char *fmt, ...)
{
	va_list ap;
	char *msg;
	int n;

	if (w->len == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 16;
		struct summary_warning *items;

		items = realloc(w->items, cap * sizeof(*items));
		if (!items)
			return -ENOMEM;
		w->items = items;
		w->cap = cap;
	}
	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	w->items[w->len].name = name;
	w->items[w->len].msg = msg;
	w->len++;
	return 0;
}

void summary_warnings_free(struct summary_warnings *w)
{
	size_t i;

	for (i = 0; i < w->len; i++)
		free(w->items[i].msg);
	free(w->items);
	memset(w, 0, sizeof(*w));
}

/* "85%", or "limit 0" where there is no percentage to give. */
static const char *pct_str(char *buf, size_t len, uint64_t used, uint64_t limit)
{
	uint64_t pct;

	if (usage_pct(used, limit, &pct))
		snprintf(buf, len, "%" PRIu64 "%%", pct);
	else
		snprintf(buf, len, "limit 0");
	return buf;
}

static int warn_limits(const struct summary_sample *cur,
		       struct summary_warnings *w)
{
	const struct tcpconn_summary *s = &cur->sum;
	const struct hostinfo *h = &cur->host;
	uint64_t lim, high, pressure, used;
	char p[24];
	int err = 0;

	if (summary_limit(s, TCPCONN_LIMIT_MAX_TW_BUCKETS, &lim) &&
	    usage_high(s->tw_count, lim))
		err = warn(w, "tcp_max_tw_buckets",
			   "TIME-WAIT %" PRIu32 " of tcp_max_tw_buckets %" PRIu64 " (%s): beyond it no TIME-WAIT socket is created and the connection is closed at once (TCPTimeWaitOverflow); raise net.ipv4.tcp_max_tw_buckets",
			   s->tw_count, lim, pct_str(p, sizeof(p), s->tw_count, lim));
	if (!err && h->has_orphans && h->has_max_orphans &&
	    usage_high(h->orphans, h->max_orphans))
		err = warn(w, "tcp_max_orphans",
			   "orphans %" PRIu64 " of tcp_max_orphans %" PRIu64 " (%s, host-wide): beyond it orphaned connections are reset (TCPAbortOnMemory, \"too many orphaned sockets\"); raise net.ipv4.tcp_max_orphans",
			   h->orphans, h->max_orphans,
			   pct_str(p, sizeof(p), h->orphans, h->max_orphans));
	if (err || !summary_limit(s, TCPCONN_LIMIT_TCP_MEM_USED, &used))
		return err;
	if (summary_limit(s, TCPCONN_LIMIT_TCP_MEM_HIGH, &high) &&
	    usage_high(used, high))
		return warn(w, "tcp_mem",
			    "TCP memory %" PRIu64 " of tcp_mem[2] %" PRIu64 " pages (%s, host-wide): above it socket buffer allocations fail and orphans are reset (TCPAbortOnMemory); raise net.ipv4.tcp_mem",
			    used, high, pct_str(p, sizeof(p), used, high));
	if (summary_limit(s, TCPCONN_LIMIT_TCP_MEM_PRESSURE, &pressure) &&
	    used > pressure)
		return warn(w, "tcp_mem",
			    "TCP memory %" PRIu64 " pages is above tcp_mem[1] %" PRIu64 " (host-wide): TCP is under memory pressure and trims socket buffers (TCPMemoryPressures)",
			    used, pressure);
	return 0;
}

static int warn_listeners(const struct summary_sample *cur,
			  struct summary_warnings *w)
{
	const struct listener_list *list = &cur->listeners;
	uint64_t cookies = 1;
	size_t i, nacc = 0, nsyn = 0;
	bool has_cookies;
	int err = 0;

	has_cookies = summary_limit(&cur->sum, TCPCONN_LIMIT_SYNCOOKIES, &cookies);
	for (i = 0; i < list->len && !err; i++) {
		const struct listener *l = &list->items[i];
		char addr[ADDRPORT_LEN], p[24];

		listener_name(l, addr, sizeof(addr));
		if (usage_high(l->accept_queue, l->backlog) &&
		    nacc++ < SUMMARY_WARN_LISTENERS)
			err = warn(w, "accept_queue",
				   "accept queue of %s %s %" PRIu32 " of backlog %" PRIu32 " (%s): %s connections are dropped (ListenOverflows); the application accepts too slowly, or its listen() backlog (capped by net.core.somaxconn) is too small",
				   addr, listener_full(l) ? "is full," : "at",
				   l->accept_queue, l->backlog,
				   pct_str(p, sizeof(p), l->accept_queue, l->backlog),
				   listener_full(l) ? "new" : "when full, new");
		if (!err && usage_high(l->syn_queue, l->backlog) &&
		    nsyn++ < SUMMARY_WARN_LISTENERS)
			err = warn(w, "syn_queue",
				   "SYN queue of %s at %" PRIu32 " of backlog %" PRIu32 " (%s): when full, SYNs %s",
				   addr, l->syn_queue, l->backlog,
				   pct_str(p, sizeof(p), l->syn_queue, l->backlog),
				   !has_cookies ? "get syncookies or are dropped, as net.ipv4.tcp_syncookies says" :
				   cookies ? "are answered with syncookies (TCPReqQFullDoCookies)" :
					     "are dropped (TCPReqQFullDrop); enable net.ipv4.tcp_syncookies or raise the backlog");
	}
	if (!err && nacc > SUMMARY_WARN_LISTENERS)
		err = warn(w, "accept_queue",
			   "and %zu more listeners with an accept queue above %d%%",
			   nacc - SUMMARY_WARN_LISTENERS, SUMMARY_WARN_PCT);
	if (!err && nsyn > SUMMARY_WARN_LISTENERS)
		err = warn(w, "syn_queue",
			   "and %zu more listeners with a SYN queue above %d%%",
			   nsyn - SUMMARY_WARN_LISTENERS, SUMMARY_WARN_PCT);
	return err;
}

/* The counters that mean something was lost or refused, and what to do. */
static const struct {
	uint8_t counter;
	const char *hint;
} warn_counters[] = {
	{ TCPCONN_COUNTER_LISTEN_OVERFLOWS,
	  "an accept queue was full: the application accepts too slowly, or its listen() backlog (capped by net.core.somaxconn) is too small" },
	{ TCPCONN_COUNTER_LISTEN_DROPS,
	  "segments dropped at listeners (includes ListenOverflows): full queues, or no memory" },
	{ TCPCONN_COUNTER_REQQ_FULL_DROP,
	  "SYNs dropped, SYN queue full and syncookies off: enable net.ipv4.tcp_syncookies or raise the listen() backlog" },
	{ TCPCONN_COUNTER_REQQ_FULL_DO_COOKIES,
	  "a SYN queue overflowed and syncookies answered: raise the listen() backlog, or a SYN flood" },
	{ TCPCONN_COUNTER_SYNCOOKIES_FAILED,
	  "ACKs carried invalid syncookies: a SYN flood, or cookies that expired before the handshake ended" },
	{ TCPCONN_COUNTER_ABORT_ON_MEMORY,
	  "connections reset for lack of memory: orphans above tcp_max_orphans or TCP memory above tcp_mem" },
	{ TCPCONN_COUNTER_TIMEWAIT_OVERFLOW,
	  "TIME-WAIT sockets not created, tcp_max_tw_buckets reached: raise net.ipv4.tcp_max_tw_buckets" },
	{ TCPCONN_COUNTER_MEMORY_PRESSURES,
	  "TCP entered memory pressure (tcp_mem[1]): raise net.ipv4.tcp_mem or find sockets with large buffers" },
};

static int warn_counts(const struct summary_sample *cur,
		       const struct summary_rates *r,
		       struct summary_warnings *w)
{
	size_t i;
	int err = 0;

	for (i = 0; i < sizeof(warn_counters) / sizeof(warn_counters[0]) && !err; i++) {
		int c = warn_counters[i].counter;
		const char *name = summary_counter_name[c];
		uint64_t v;

		if (r) {
			if ((r->ok & SUM_BIT(c)) && r->delta[c])
				err = warn(w, name, "%s +%" PRIu64 " in %.1f s (%.1f/s): %s",
					   name, r->delta[c], r->interval,
					   r->rate[c], warn_counters[i].hint);
		} else if (summary_counter(&cur->sum, c, &v) && v) {
			err = warn(w, name, "%s is %" PRIu64 " (this namespace, since it was created): %s",
				   name, v, warn_counters[i].hint);
		}
	}
	return err;
}

int summary_warnings_get(const struct summary_sample *cur,
			 const struct summary_rates *r,
			 struct summary_warnings *w)
{
	int err;

	memset(w, 0, sizeof(*w));
	err = warn_limits(cur, w);
	if (!err)
		err = warn_listeners(cur, w);
	if (!err)
		err = warn_counts(cur, r, w);
	if (err)
		summary_warnings_free(w);
	return err;
}
