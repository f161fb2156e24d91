// SPDX-License-Identifier: GPL-2.0
/*
 * summary.h - the --summary view: TCPCONN_CMD_SUMMARY_GET (a do: one reply,
 * then the ACK), plus the listeners dump for the fullest queues and the
 * host-wide values of hostinfo.h.
 *
 *   summary.c       request, parser, one sample, the -i loop, entry point
 *   summary_eval.c  derived values: percentages, listener queues, rates,
 *                   warnings
 *   summary_out.c   table and JSON
 */
#ifndef TCPCONN_SUMMARY_H
#define TCPCONN_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <linux/tcpconn.h>

#include <json-c/json_object.h>

#include "hostinfo.h"
#include "listeners.h"

struct nlmsghdr;
struct nl_ctx;
struct opts;

enum { SUM_V4, SUM_V6, SUM_NFAM };

#define SUM_BIT(n) (UINT64_C(1) << (n))

/*
 * One TCPCONN_CMD_SUMMARY_GET reply, arrays indexed by the UAPI enums.
 * Every top-level attribute is required (the command was introduced with
 * all of them); inside the nests each key is optional, so a client built
 * against a newer header shows "-" for a key an older module lacks; the
 * *_present bitmaps say which keys came. A missing value is never 0.
 */
struct tcpconn_summary {
	uint32_t states[SUM_NFAM][TCPCONN_STATE_MAX + 1];
	uint32_t orphans[SUM_NFAM][TCPCONN_STATE_MAX + 1];
	uint64_t states_present[SUM_NFAM];
	uint64_t orphans_present[SUM_NFAM];
	uint32_t orphans_total;
	uint32_t tw_count;
	uint64_t limits[TCPCONN_LIMIT_MAX + 1];
	uint64_t limits_present;
	uint64_t counters[TCPCONN_COUNTER_MAX + 1];
	uint64_t counters_present;
	uint64_t walk_ns;
	uint32_t ehash_buckets;
	uint64_t present;	/* bit n: top-level attribute n was there */
};

_Static_assert(TCPCONN_STATE_MAX < 64, "state bitmap");
_Static_assert(TCPCONN_LIMIT_MAX < 64, "limit bitmap");
_Static_assert(TCPCONN_COUNTER_MAX < 64, "counter bitmap");
_Static_assert(TCPCONN_A_SUMMARY_MAX < 64, "attribute bitmap");

/* Everything one report shows, and when it was taken. */
struct summary_sample {
	struct tcpconn_summary sum;
	struct listener_list listeners;	/* sorted, both families */
	struct hostinfo host;
	struct timespec mono;		/* CLOCK_MONOTONIC, for rates */
	struct timespec real;		/* CLOCK_REALTIME, for -i headers */
};

void summary_sample_free(struct summary_sample *s);

/* ---- names (summary.c) ------------------------------------------------ */

/* "ESTABLISHED", ..., "FIN-WAIT-2(tw)": ss style, for the table. */
extern const char *const summary_state_label[TCPCONN_STATE_MAX + 1];
/* "established", ..., "tw_fin_wait2": JSON keys. */
extern const char *const summary_state_key[TCPCONN_STATE_MAX + 1];
/* Table and JSON row order: ss's order, TW_FIN_WAIT2 after TIME_WAIT. */
extern const uint8_t summary_state_order[TCPCONN_STATE_MAX];
/* Exactly the /proc/net/netstat TcpExt names. */
extern const char *const summary_counter_name[TCPCONN_COUNTER_MAX + 1];

/* ---- wire (summary.c) ------------------------------------------------- */

struct nlmsghdr *summary_request(void *buf, size_t size, uint16_t family_id);

/* Decode one reply. -EBADMSG if malformed, truncated or incomplete. */
int summary_parse(const struct nlmsghdr *nlh, struct tcpconn_summary *s);

/* What nl_transact() calls; @data is a struct summary_collect. */
struct summary_collect {
	struct tcpconn_summary *sum;
	unsigned int replies;
};
int summary_collect_cb(const struct nlmsghdr *nlh, void *data);

/* Accessors: false (and *v untouched) when the value did not come. */
bool summary_state(const struct tcpconn_summary *s, int fam, int state,
		   uint64_t *v);
bool summary_orphan(const struct tcpconn_summary *s, int fam, int state,
		    uint64_t *v);
bool summary_limit(const struct tcpconn_summary *s, int limit, uint64_t *v);
bool summary_counter(const struct tcpconn_summary *s, int counter,
		     uint64_t *v);

/* ---- derived values (summary_eval.c) ---------------------------------- */

#define SUMMARY_WARN_PCT 80	/* warn above this share of a limit */
#define SUMMARY_WARN_LISTENERS 5	/* per kind, then "and N more" */

/* Use% rounded up, as df(1) does: > 80% shows as >= 81%. false if limit 0. */
bool usage_pct(uint64_t used, uint64_t limit, uint64_t *pct);
/* used > 80% of limit (any use of a zero limit counts). */
bool usage_high(uint64_t used, uint64_t limit);

struct listen_stats {
	size_t count;
	uint64_t syn_total;
	uint64_t accept_total;
	const struct listener *accept_fullest;	/* NULL without listeners */
	const struct listener *syn_fullest;
};
void listen_stats_get(const struct listener_list *list, struct listen_stats *st);

/* Per-second counter rates between two samples. */
struct summary_rates {
	double interval;	/* seconds between the samples */
	uint64_t ok;		/* bit n: counter n has a delta (both present, no wrap) */
	uint64_t delta[TCPCONN_COUNTER_MAX + 1];
	double rate[TCPCONN_COUNTER_MAX + 1];
};
/* -EINVAL if the samples are not strictly ordered in time. */
int summary_rates_get(const struct summary_sample *prev,
		      const struct summary_sample *cur,
		      struct summary_rates *r);

struct summary_warning {
	const char *name;	/* a sysctl, "accept_queue", "syn_queue" or a counter */
	char *msg;		/* without the "WARNING: " prefix */
};
struct summary_warnings {
	struct summary_warning *items;
	size_t len;
	size_t cap;
};

/*
 * Warnings for @cur: usage above SUMMARY_WARN_PCT of a limit, and the
 * overflow/drop counters: with @r NULL (one-shot, or the first -i sample)
 * when non-zero, otherwise when they grew during the interval.
 */
int summary_warnings_get(const struct summary_sample *cur,
			 const struct summary_rates *r,
			 struct summary_warnings *w);
void summary_warnings_free(struct summary_warnings *w);

/* ---- output (summary_out.c) ------------------------------------------- */

/*
 * One report. @watch: part of an -i series (a time header first, a Rate/s
 * column; JSON on one line with "timestamp"). @r: rates, NULL for the first.
 */
struct summary_report {
	const struct summary_sample *cur;
	const struct summary_rates *rates;
	bool watch;
};

int summary_print_table(FILE *f, const struct summary_report *rep);
struct json_object *summary_to_json(const struct summary_report *rep);
int summary_print_json(FILE *f, const struct summary_report *rep);

/* ---- the view (summary.c) --------------------------------------------- */

/* Where samples come from: netlink in the tool, canned ones in the tests. */
typedef int (*summary_fetch_fn)(void *ctx, struct summary_sample *s);

struct summary_loop_opts {
	bool json;
	double interval;	/* seconds; 0: one report */
	unsigned long count;	/* reports with an interval; 0: until a signal */
};

/* Report once, or every interval until count or SIGINT/SIGTERM (then 0). */
int summary_loop(summary_fetch_fn fetch, void *ctx,
		 const struct summary_loop_opts *lo, FILE *f);

/* One sample from the module (summary + listeners) and /proc. */
int summary_fetch(struct nl_ctx *nl, struct summary_sample *s,
		  const char *procdir);

int summary_run(struct nl_ctx *nl, const struct opts *o);

#endif /* TCPCONN_SUMMARY_H */
