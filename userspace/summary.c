// SPDX-License-Identifier: GPL-2.0
/* summary.c - --summary: request, parser, one sample, the -i loop. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/tcpconn.h>

#include "msg.h"
#include "nl.h"
#include "opts.h"
#include "summary.h"
#include "ticker.h"

const char *const summary_state_label[TCPCONN_STATE_MAX + 1] = {
	[TCPCONN_STATE_ESTABLISHED]	= "ESTABLISHED",
	[TCPCONN_STATE_SYN_SENT]	= "SYN-SENT",
	[TCPCONN_STATE_SYN_RECV]	= "SYN-RECV",
	[TCPCONN_STATE_FIN_WAIT1]	= "FIN-WAIT-1",
	[TCPCONN_STATE_FIN_WAIT2]	= "FIN-WAIT-2",
	[TCPCONN_STATE_TIME_WAIT]	= "TIME-WAIT",
	[TCPCONN_STATE_CLOSE]		= "CLOSE",
	[TCPCONN_STATE_CLOSE_WAIT]	= "CLOSE-WAIT",
	[TCPCONN_STATE_LAST_ACK]	= "LAST-ACK",
	[TCPCONN_STATE_LISTEN]		= "LISTEN",
	[TCPCONN_STATE_CLOSING]		= "CLOSING",
	[TCPCONN_STATE_TW_FIN_WAIT2]	= "FIN-WAIT-2(tw)",
};

const char *const summary_state_key[TCPCONN_STATE_MAX + 1] = {
	[TCPCONN_STATE_ESTABLISHED]	= "established",
	[TCPCONN_STATE_SYN_SENT]	= "syn_sent",
	[TCPCONN_STATE_SYN_RECV]	= "syn_recv",
	[TCPCONN_STATE_FIN_WAIT1]	= "fin_wait1",
	[TCPCONN_STATE_FIN_WAIT2]	= "fin_wait2",
	[TCPCONN_STATE_TIME_WAIT]	= "time_wait",
	[TCPCONN_STATE_CLOSE]		= "close",
	[TCPCONN_STATE_CLOSE_WAIT]	= "close_wait",
	[TCPCONN_STATE_LAST_ACK]	= "last_ack",
	[TCPCONN_STATE_LISTEN]		= "listen",
	[TCPCONN_STATE_CLOSING]		= "closing",
	[TCPCONN_STATE_TW_FIN_WAIT2]	= "tw_fin_wait2",
};

const uint8_t summary_state_order[TCPCONN_STATE_MAX] = {
	TCPCONN_STATE_ESTABLISHED, TCPCONN_STATE_SYN_SENT,
	TCPCONN_STATE_SYN_RECV, TCPCONN_STATE_FIN_WAIT1,
	TCPCONN_STATE_FIN_WAIT2, TCPCONN_STATE_TIME_WAIT,
	TCPCONN_STATE_TW_FIN_WAIT2, TCPCONN_STATE_CLOSE,
	TCPCONN_STATE_CLOSE_WAIT, TCPCONN_STATE_LAST_ACK,
	TCPCONN_STATE_LISTEN, TCPCONN_STATE_CLOSING,
};

const char *const summary_counter_name[TCPCONN_COUNTER_MAX + 1] = {
	[TCPCONN_COUNTER_LISTEN_OVERFLOWS]	= "ListenOverflows",
	[TCPCONN_COUNTER_LISTEN_DROPS]		= "ListenDrops",
	[TCPCONN_COUNTER_REQQ_FULL_DROP]	= "TCPReqQFullDrop",
	[TCPCONN_COUNTER_REQQ_FULL_DO_COOKIES]	= "TCPReqQFullDoCookies",
	[TCPCONN_COUNTER_SYNCOOKIES_SENT]	= "SyncookiesSent",
	[TCPCONN_COUNTER_SYNCOOKIES_RECV]	= "SyncookiesRecv",
	[TCPCONN_COUNTER_SYNCOOKIES_FAILED]	= "SyncookiesFailed",
	[TCPCONN_COUNTER_EMBRYONIC_RSTS]	= "EmbryonicRsts",
	[TCPCONN_COUNTER_ABORT_ON_MEMORY]	= "TCPAbortOnMemory",
	[TCPCONN_COUNTER_ABORT_ON_CLOSE]	= "TCPAbortOnClose",
	[TCPCONN_COUNTER_ABORT_ON_DATA]		= "TCPAbortOnData",
	[TCPCONN_COUNTER_ABORT_ON_TIMEOUT]	= "TCPAbortOnTimeout",
	[TCPCONN_COUNTER_ABORT_ON_LINGER]	= "TCPAbortOnLinger",
	[TCPCONN_COUNTER_TIMEWAIT_OVERFLOW]	= "TCPTimeWaitOverflow",
	[TCPCONN_COUNTER_TIMEWAITED]		= "TW",
	[TCPCONN_COUNTER_TIMEWAIT_RECYCLED]	= "TWRecycled",
	[TCPCONN_COUNTER_TIMEWAIT_KILLED]	= "TWKilled",
	[TCPCONN_COUNTER_MEMORY_PRESSURES]	= "TCPMemoryPressures",
};

/* Expected payload per top-level attribute; MNL_TYPE_UNSPEC ones are skipped. */
static const enum mnl_attr_data_type summary_policy[TCPCONN_A_SUMMARY_MAX + 1] = {
	[TCPCONN_A_SUMMARY_STATES_V4]		= MNL_TYPE_NESTED,
	[TCPCONN_A_SUMMARY_STATES_V6]		= MNL_TYPE_NESTED,
	[TCPCONN_A_SUMMARY_ORPHANS_V4]		= MNL_TYPE_NESTED,
	[TCPCONN_A_SUMMARY_ORPHANS_V6]		= MNL_TYPE_NESTED,
	[TCPCONN_A_SUMMARY_ORPHANS]		= MNL_TYPE_U32,
	[TCPCONN_A_SUMMARY_TW_COUNT]		= MNL_TYPE_U32,
	[TCPCONN_A_SUMMARY_LIMITS]		= MNL_TYPE_NESTED,
	[TCPCONN_A_SUMMARY_COUNTERS]		= MNL_TYPE_NESTED,
	[TCPCONN_A_SUMMARY_WALK_NS]		= MNL_TYPE_U64,
	[TCPCONN_A_SUMMARY_EHASH_BUCKETS]	= MNL_TYPE_U32,
};

static const char *const summary_attr_name[TCPCONN_A_SUMMARY_MAX + 1] = {
	[TCPCONN_A_SUMMARY_STATES_V4]		= "STATES_V4",
	[TCPCONN_A_SUMMARY_STATES_V6]		= "STATES_V6",
	[TCPCONN_A_SUMMARY_ORPHANS_V4]		= "ORPHANS_V4",
	[TCPCONN_A_SUMMARY_ORPHANS_V6]		= "ORPHANS_V6",
	[TCPCONN_A_SUMMARY_ORPHANS]		= "ORPHANS",
	[TCPCONN_A_SUMMARY_TW_COUNT]		= "TW_COUNT",
	[TCPCONN_A_SUMMARY_LIMITS]		= "LIMITS",
	[TCPCONN_A_SUMMARY_COUNTERS]		= "COUNTERS",
	[TCPCONN_A_SUMMARY_WALK_NS]		= "WALK_NS",
	[TCPCONN_A_SUMMARY_EHASH_BUCKETS]	= "EHASH_BUCKETS",
};

/* All of them: the command was introduced with every one of these. */
static const uint8_t summary_required[] = {
	TCPCONN_A_SUMMARY_STATES_V4, TCPCONN_A_SUMMARY_STATES_V6,
	TCPCONN_A_SUMMARY_ORPHANS_V4, TCPCONN_A_SUMMARY_ORPHANS_V6,
	TCPCONN_A_SUMMARY_ORPHANS, TCPCONN_A_SUMMARY_TW_COUNT,
	TCPCONN_A_SUMMARY_LIMITS, TCPCONN_A_SUMMARY_COUNTERS,
	TCPCONN_A_SUMMARY_WALK_NS, TCPCONN_A_SUMMARY_EHASH_BUCKETS,
};

struct nlmsghdr *summary_request(void *buf, size_t size, uint16_t family_id)
{
	if (size < NL_REQ_SIZE)
		return NULL;
	/* A do: the reply, then the ACK that ends it (nl_transact stops there). */
	return nl_msg_start(buf, family_id, NLM_F_REQUEST | NLM_F_ACK,
			    TCPCONN_CMD_SUMMARY_GET, TCPCONN_GENL_VERSION);
}

static int summary_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	/* Newer modules append attributes: ignoring them is the contract. */
	if (mnl_attr_type_valid(attr, TCPCONN_A_SUMMARY_MAX) < 0)
		return MNL_CB_OK;
	if (summary_policy[type] == MNL_TYPE_UNSPEC)
		return MNL_CB_OK;	/* UNSPEC, PAD */
	if (mnl_attr_validate(attr, summary_policy[type]) < 0) {
		pr_err("malformed summary message: attribute %s has %u bytes",
		       summary_attr_name[type],
		       (unsigned int)mnl_attr_get_payload_len(attr));
		return MNL_CB_ERROR;
	}
	tb[type] = attr;
	return MNL_CB_OK;
}

/*
 * A nest of (key, value) attributes, the key being an enum value in
 * 1..@max: each value must be a u32 (@u32s) or a u64 (@u64s). Key 0 is
 * padding (nla_put_u64_64bit inside a nest pads with type 0), keys above
 * @max come from a newer module: both are skipped.
 */
static int parse_keyed_nest(const struct nlattr *nest, int type,
			    unsigned int max, uint32_t *u32s, uint64_t *u64s,
			    uint64_t *present)
{
	const char *end = (const char *)mnl_attr_get_payload(nest) +
			  mnl_attr_get_payload_len(nest);
	enum mnl_attr_data_type want = u32s ? MNL_TYPE_U32 : MNL_TYPE_U64;
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, nest) {
		uint16_t key = mnl_attr_get_type(a);

		if (key == 0 || key > max)
			continue;
		if (mnl_attr_validate(a, want) < 0) {
			pr_err("malformed summary message: %s key %u has %u bytes",
			       summary_attr_name[type], key,
			       (unsigned int)mnl_attr_get_payload_len(a));
			return -EBADMSG;
		}
		if (u32s)
			u32s[key] = mnl_attr_get_u32(a);
		else
			u64s[key] = mnl_attr_get_u64(a);
		*present |= SUM_BIT(key);
	}
	/* mnl_attr_for_each_nested() silently stops at a garbled length. */
	if ((const char *)a < end) {
		pr_err("malformed summary message: truncated attribute in %s",
		       summary_attr_name[type]);
		return -EBADMSG;
	}
	return 0;
}

static int summary_fill(const struct nlattr **tb, struct tcpconn_summary *s)
{
	static const struct {
		uint8_t attr;
		uint8_t fam;
		bool orphans;
	} states[] = {
		{ TCPCONN_A_SUMMARY_STATES_V4, SUM_V4, false },
		{ TCPCONN_A_SUMMARY_STATES_V6, SUM_V6, false },
		{ TCPCONN_A_SUMMARY_ORPHANS_V4, SUM_V4, true },
		{ TCPCONN_A_SUMMARY_ORPHANS_V6, SUM_V6, true },
	};
	size_t i;
	int err;

	for (i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		int fam = states[i].fam;

		err = parse_keyed_nest(tb[states[i].attr], states[i].attr,
				       TCPCONN_STATE_MAX,
				       states[i].orphans ? s->orphans[fam] :
							   s->states[fam],
				       NULL,
				       states[i].orphans ?
						&s->orphans_present[fam] :
						&s->states_present[fam]);
		if (err)
			return err;
	}
	err = parse_keyed_nest(tb[TCPCONN_A_SUMMARY_LIMITS],
			       TCPCONN_A_SUMMARY_LIMITS, TCPCONN_LIMIT_MAX,
			       NULL, s->limits, &s->limits_present);
	if (err)
		return err;
	err = parse_keyed_nest(tb[TCPCONN_A_SUMMARY_COUNTERS],
			       TCPCONN_A_SUMMARY_COUNTERS, TCPCONN_COUNTER_MAX,
			       NULL, s->counters, &s->counters_present);
	if (err)
		return err;
	s->orphans_total = mnl_attr_get_u32(tb[TCPCONN_A_SUMMARY_ORPHANS]);
	s->tw_count = mnl_attr_get_u32(tb[TCPCONN_A_SUMMARY_TW_COUNT]);
	s->walk_ns = mnl_attr_get_u64(tb[TCPCONN_A_SUMMARY_WALK_NS]);
	s->ehash_buckets = mnl_attr_get_u32(tb[TCPCONN_A_SUMMARY_EHASH_BUCKETS]);
	return 0;
}

int summary_parse(const struct nlmsghdr *nlh, struct tcpconn_summary *s)
{
	const struct nlattr *tb[TCPCONN_A_SUMMARY_MAX + 1] = { NULL };
	const size_t hdr = sizeof(struct genlmsghdr);
	size_t i;

	memset(s, 0, sizeof(*s));
	if (mnl_nlmsg_get_payload_len(nlh) < hdr) {
		pr_err("malformed summary message: no generic netlink header");
		return -EBADMSG;
	}
	if (mnl_attr_parse(nlh, hdr, summary_attr_cb, tb) < 0)
		return -EBADMSG;
	if (!nl_attrs_complete(nlh, hdr)) {
		pr_err("malformed summary message: truncated attribute");
		return -EBADMSG;
	}
	for (i = 0; i < sizeof(summary_required); i++) {
		if (!tb[summary_required[i]]) {
			pr_err("malformed summary message: no %s attribute",
			       summary_attr_name[summary_required[i]]);
			return -EBADMSG;
		}
	}
	for (i = 1; i <= TCPCONN_A_SUMMARY_MAX; i++)
		if (tb[i])
			s->present |= SUM_BIT(i);
	return summary_fill(tb, s);
}

int summary_collect_cb(const struct nlmsghdr *nlh, void *data)
{
	struct summary_collect *c = data;

	/* A do has one reply; a second one would be silently half-used. */
	if (c->replies++) {
		pr_err("malformed summary reply: more than one message");
		return -EBADMSG;
	}
	return summary_parse(nlh, c->sum);
}

bool summary_state(const struct tcpconn_summary *s, int fam, int state,
		   uint64_t *v)
{
	if (state < 1 || state > TCPCONN_STATE_MAX ||
	    !(s->states_present[fam] & SUM_BIT(state)))
		return false;
	*v = s->states[fam][state];
	return true;
}

bool summary_orphan(const struct tcpconn_summary *s, int fam, int state,
		    uint64_t *v)
{
	if (state < 1 || state > TCPCONN_STATE_MAX ||
	    !(s->orphans_present[fam] & SUM_BIT(state)))
		return false;
	*v = s->orphans[fam][state];
	return true;
}

bool summary_limit(const struct tcpconn_summary *s, int limit, uint64_t *v)
{
	if (limit < 1 || limit > TCPCONN_LIMIT_MAX ||
	    !(s->limits_present & SUM_BIT(limit)))
		return false;
	*v = s->limits[limit];
	return true;
}

bool summary_counter(const struct tcpconn_summary *s, int counter,
		     uint64_t *v)
{
	if (counter < 1 || counter > TCPCONN_COUNTER_MAX ||
	    !(s->counters_present & SUM_BIT(counter)))
		return false;
	*v = s->counters[counter];
	return true;
}

void summary_sample_free(struct summary_sample *s)
{
	listener_list_free(&s->listeners);
}

int summary_fetch(struct nl_ctx *nl, struct summary_sample *s,
		  const char *procdir)
{
	struct filter all = { .family = AF_UNSPEC };
	struct listeners_collect lc = { .list = &s->listeners, .filter = &all };
	struct summary_collect sc = { .sum = &s->sum };
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *req;
	int err;

	memset(s, 0, sizeof(*s));
	req = summary_request(buf, sizeof(buf), nl->family_id);
	if (!req)
		return -EMSGSIZE;
	err = nl_transact(nl, req, summary_collect_cb, &sc);
	if (err)
		return err;
	if (!sc.replies) {
		pr_err("malformed summary reply: an ACK without the summary");
		return -EBADMSG;
	}
	/* The counters were read at the end of the walk, just before the reply. */
	clock_gettime(CLOCK_MONOTONIC, &s->mono);
	clock_gettime(CLOCK_REALTIME, &s->real);

	/* The fullest queues: the summary answers "which listener overflows". */
	req = listeners_request(buf, sizeof(buf), nl->family_id, &all);
	if (!req)
		return -EMSGSIZE;
	err = nl_transact(nl, req, listeners_collect_cb, &lc);
	if (err) {
		summary_sample_free(s);
		return err;
	}
	listener_list_sort(&s->listeners);
	hostinfo_read(procdir, &s->host);
	return 0;
}

static int summary_report(const struct summary_loop_opts *lo, FILE *f,
			  const struct summary_sample *prev,
			  const struct summary_sample *cur)
{
	struct summary_report rep = { .cur = cur, .watch = lo->interval > 0 };
	struct summary_rates rates;
	int err;

	if (prev && summary_rates_get(prev, cur, &rates) == 0)
		rep.rates = &rates;
	err = lo->json ? summary_print_json(f, &rep) :
			 summary_print_table(f, &rep);
	/* Each report must reach a pipe now, not when the buffer fills. */
	if (!err && fflush(f) == EOF)
		err = errno ? -errno : -EIO;
	return err;
}

int summary_loop(summary_fetch_fn fetch, void *ctx,
		 const struct summary_loop_opts *lo, FILE *f)
{
	struct summary_sample samples[2], *prev = NULL, *cur;
	bool watch = lo->interval > 0;
	unsigned long reports = 0;
	struct ticker t;
	int err, i = 0;

	/* Started before the first sample, so deadlines are "every SECS from now". */
	if (watch) {
		err = ticker_start(&t, lo->interval);
		if (err)
			return err;
	}
	for (;;) {
		cur = &samples[i];
		err = fetch(ctx, cur);
		if (err)
			break;
		err = summary_report(lo, f, prev, cur);
		if (prev)
			summary_sample_free(prev);
		prev = cur;
		i ^= 1;
		if (err)
			break;
		reports++;
		if (!watch || (lo->count && reports >= lo->count))
			break;
		err = ticker_wait(&t);
		if (err) {
			/* SIGINT/SIGTERM: a normal end of watching */
			if (err > 0)
				err = 0;
			break;
		}
	}
	if (prev)
		summary_sample_free(prev);
	if (watch)
		ticker_stop(&t);
	return err;
}

struct summary_nl_src {
	struct nl_ctx *nl;
	const char *procdir;
};

static int summary_fetch_nl(void *ctx, struct summary_sample *s)
{
	struct summary_nl_src *src = ctx;

	return summary_fetch(src->nl, s, src->procdir);
}

int summary_run(struct nl_ctx *nl, const struct opts *o)
{
	struct summary_nl_src src = { .nl = nl, .procdir = HOSTINFO_PROCDIR };
	struct summary_loop_opts lo = {
		.json = o->out.json,
		.interval = o->out.interval,
		.count = o->out.count,
	};
	int err;

	/* The listener rows come from the listeners dump. */
	err = nl_require_op(nl, TCPCONN_CMD_LISTENERS_GET);
	if (err)
		return err;
	return summary_loop(summary_fetch_nl, &src, &lo, stdout);
}
