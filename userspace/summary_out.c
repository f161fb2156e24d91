// SPDX-License-Identifier: GPL-2.0
/* summary_out.c - --summary as text tables or JSON (one line per -i sample). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json_object.h>

#include "output.h"
#include "summary.h"
#include "table.h"

#define NCOLS(c) (sizeof(c) / sizeof((c)[0]))

/* ---- cells ------------------------------------------------------------ */

/* A number, or "-" for a value the module or /proc did not give. */
static int cell_u64(struct table *t, bool ok, uint64_t v)
{
	return ok ? table_add(t, "%" PRIu64, v) : table_add(t, "-");
}

static int cell_pct(struct table *t, bool ok, uint64_t used, uint64_t limit)
{
	uint64_t pct;

	if (ok && usage_pct(used, limit, &pct))
		return table_add(t, "%" PRIu64 "%%", pct);
	return table_add(t, "-");
}

/* ---- tables ----------------------------------------------------------- */

static const struct table_col state_cols[] = {
	{ "State",	TABLE_LEFT },
	{ "IPv4",	TABLE_RIGHT },
	{ "IPv6",	TABLE_RIGHT },
	{ "Total",	TABLE_RIGHT },
	{ "Orphans",	TABLE_RIGHT },
};

/* Sums stay valid only while every term was present. */
struct opt_sum {
	bool ok;
	uint64_t v;
};

static void opt_add(struct opt_sum *s, bool ok, uint64_t v)
{
	s->ok = s->ok && ok;
	s->v += v;
}

static int states_table(FILE *f, const struct tcpconn_summary *s)
{
	struct opt_sum tot[4] = { { true, 0 }, { true, 0 }, { true, 0 }, { true, 0 } };
	struct table t;
	size_t i;
	int err = 0;

	table_init(&t, state_cols, NCOLS(state_cols));
	for (i = 0; i < TCPCONN_STATE_MAX && !err; i++) {
		int st = summary_state_order[i];
		uint64_t v4 = 0, v6 = 0, o4 = 0, o6 = 0;
		bool ok4 = summary_state(s, SUM_V4, st, &v4);
		bool ok6 = summary_state(s, SUM_V6, st, &v6);
		bool oo = summary_orphan(s, SUM_V4, st, &o4) &&
			  summary_orphan(s, SUM_V6, st, &o6);

		opt_add(&tot[0], ok4, v4);
		opt_add(&tot[1], ok6, v6);
		opt_add(&tot[2], ok4 && ok6, v4 + v6);
		opt_add(&tot[3], oo, o4 + o6);
		if ((err = table_add(&t, "%s", summary_state_label[st])) ||
		    (err = cell_u64(&t, ok4, v4)) ||
		    (err = cell_u64(&t, ok6, v6)) ||
		    (err = cell_u64(&t, ok4 && ok6, v4 + v6)))
			break;
		err = cell_u64(&t, oo, o4 + o6);
	}
	if (!err && !(err = table_add(&t, "Total")))
		for (i = 0; i < 4 && !err; i++)
			err = cell_u64(&t, tot[i].ok, tot[i].v);
	if (!err)
		err = table_print(&t, f);
	table_free(&t);
	return err;
}

static const struct table_col limit_cols[] = {
	{ "Resource",	TABLE_LEFT },
	{ "Used",	TABLE_RIGHT },
	{ "Limit",	TABLE_RIGHT },
	{ "Use%",	TABLE_RIGHT },
	{ "Note",	TABLE_LEFT },
};

static int limit_row(struct table *t, const char *what, bool used_ok,
		     uint64_t used, bool limit_ok, uint64_t limit,
		     const char *note)
{
	int err;

	if ((err = table_add(t, "%s", what)) ||
	    (err = cell_u64(t, used_ok, used)) ||
	    (err = cell_u64(t, limit_ok, limit)) ||
	    (err = cell_pct(t, used_ok && limit_ok, used, limit)))
		return err;
	return table_add(t, "%s", note);
}

static int queue_row(struct table *t, const char *what,
		     const struct listener *l, bool syn)
{
	char name[ADDRPORT_LEN], note[ADDRPORT_LEN + 16];

	if (!l)
		return limit_row(t, what, false, 0, false, 0, "no listeners");
	listener_name(l, name, sizeof(name));
	snprintf(note, sizeof(note), "%s%s", name,
		 !syn && listener_full(l) ? " (full)" : "");
	return limit_row(t, what, true, syn ? l->syn_queue : l->accept_queue,
			 true, l->backlog, note);
}

static int limits_table(FILE *f, const struct summary_sample *cur)
{
	const struct tcpconn_summary *s = &cur->sum;
	const struct hostinfo *h = &cur->host;
	struct listen_stats ls;
	uint64_t tw_max = 0, used = 0, high = 0, pressure = 0;
	bool tw_ok, used_ok, high_ok, pressure_ok;
	char note[96];
	struct table t;
	int err;

	tw_ok = summary_limit(s, TCPCONN_LIMIT_MAX_TW_BUCKETS, &tw_max);
	used_ok = summary_limit(s, TCPCONN_LIMIT_TCP_MEM_USED, &used);
	high_ok = summary_limit(s, TCPCONN_LIMIT_TCP_MEM_HIGH, &high);
	pressure_ok = summary_limit(s, TCPCONN_LIMIT_TCP_MEM_PRESSURE, &pressure);
	listen_stats_get(&cur->listeners, &ls);

	table_init(&t, limit_cols, NCOLS(limit_cols));
	err = limit_row(&t, "TIME-WAIT sockets", true, s->tw_count, tw_ok,
			tw_max, "tcp_max_tw_buckets; includes FIN-WAIT-2(tw)");
	if (!err) {
		snprintf(note, sizeof(note), "tcp_max_orphans; this netns: %" PRIu32,
			 s->orphans_total);
		err = limit_row(&t, "Orphans (host-wide)", h->has_orphans,
				h->orphans, h->has_max_orphans, h->max_orphans,
				note);
	}
	if (!err) {
		if (pressure_ok)
			snprintf(note, sizeof(note),
				 "tcp_mem[2]; pressure above tcp_mem[1] %" PRIu64,
				 pressure);
		else
			snprintf(note, sizeof(note), "tcp_mem[2]");
		err = limit_row(&t, "TCP memory (pages)", used_ok, used,
				high_ok, high, note);
	}
	if (!err)
		err = queue_row(&t, "Accept queue (fullest)", ls.accept_fullest,
				false);
	if (!err)
		err = queue_row(&t, "SYN queue (fullest)", ls.syn_fullest, true);
	if (!err) {
		snprintf(note, sizeof(note), "%zu listeners", ls.count);
		err = limit_row(&t, "SYN queues (all)", true, ls.syn_total,
				false, 0, note);
	}
	if (!err)
		err = table_print(&t, f);
	table_free(&t);
	return err;
}

static const struct table_col setting_cols[] = {
	{ "Setting",	TABLE_LEFT },
	{ "Value",	TABLE_RIGHT },
	{ "Meaning",	TABLE_LEFT },
};

/* Meaning of a 0/1/2 sysctl value, "-" outside the documented ones. */
static const char *pick(uint64_t v, const char *const *m, size_t n)
{
	return v < n ? m[v] : "-";
}

static int setting_row(struct table *t, const struct tcpconn_summary *s,
		       int limit, const char *name, const char *const *m,
		       size_t n, const char *meaning)
{
	uint64_t v = 0;
	bool ok = summary_limit(s, limit, &v);
	int err;

	if ((err = table_add(t, "%s", name)) || (err = cell_u64(t, ok, v)))
		return err;
	return table_add(t, "%s", !ok ? "-" : m ? pick(v, m, n) : meaning);
}

static int settings_table(FILE *f, const struct tcpconn_summary *s)
{
	static const char *const cookies[] = {
		"off: a full SYN queue drops SYNs",
		"syncookies when a SYN queue is full",
		"syncookies always",
	};
	static const char *const abort_ovf[] = {
		"full accept queue: drop the final ACK, the client retries",
		"full accept queue: reset the connection",
	};
	static const char *const tw_reuse[] = {
		"off",
		"reuse TIME-WAIT for new outgoing connections",
		"reuse TIME-WAIT for outgoing loopback connections",
	};
	uint64_t lo = 0, hi = 0;
	bool range_ok;
	struct table t;
	int err;

	range_ok = summary_limit(s, TCPCONN_LIMIT_PORT_LOW, &lo) &&
		   summary_limit(s, TCPCONN_LIMIT_PORT_HIGH, &hi);
	table_init(&t, setting_cols, NCOLS(setting_cols));
	if ((err = setting_row(&t, s, TCPCONN_LIMIT_SOMAXCONN, "somaxconn",
			       NULL, 0, "caps every listen() backlog")) ||
	    (err = setting_row(&t, s, TCPCONN_LIMIT_MAX_SYN_BACKLOG,
			       "tcp_max_syn_backlog", NULL, 0,
			       "SYN queue bound while syncookies are off")) ||
	    (err = setting_row(&t, s, TCPCONN_LIMIT_SYNCOOKIES, "tcp_syncookies",
			       cookies, NCOLS(cookies), NULL)) ||
	    (err = setting_row(&t, s, TCPCONN_LIMIT_ABORT_ON_OVERFLOW,
			       "tcp_abort_on_overflow", abort_ovf,
			       NCOLS(abort_ovf), NULL)) ||
	    (err = setting_row(&t, s, TCPCONN_LIMIT_FIN_TIMEOUT,
			       "tcp_fin_timeout", NULL, 0,
			       "seconds an orphan may stay in FIN-WAIT-2")) ||
	    (err = setting_row(&t, s, TCPCONN_LIMIT_TW_REUSE, "tcp_tw_reuse",
			       tw_reuse, NCOLS(tw_reuse), NULL)) ||
	    (err = table_add(&t, "ip_local_port_range")))
		goto out;
	if (range_ok)
		err = table_add(&t, "%" PRIu64 "-%" PRIu64, lo, hi);
	else
		err = table_add(&t, "-");
	if (!err) {
		if (range_ok && hi >= lo)
			err = table_add(&t, "%" PRIu64 " ephemeral ports", hi - lo + 1);
		else
			err = table_add(&t, "-");
	}
	if (!err)
		err = table_print(&t, f);
out:
	table_free(&t);
	return err;
}

static const struct table_col counter_cols[] = {
	{ "Counter",	TABLE_LEFT },
	{ "Value",	TABLE_RIGHT },
	{ "Rate/s",	TABLE_RIGHT },
};

static int counters_table(FILE *f, const struct summary_report *rep)
{
	const struct summary_rates *r = rep->rates;
	struct table t;
	int i, err = 0;

	/* The Rate/s column exists in -i series only; "-" in their first report. */
	table_init(&t, counter_cols, NCOLS(counter_cols) - !rep->watch);
	for (i = 1; i <= TCPCONN_COUNTER_MAX && !err; i++) {
		uint64_t v = 0;
		bool ok = summary_counter(&rep->cur->sum, i, &v);

		if ((err = table_add(&t, "%s", summary_counter_name[i])) ||
		    (err = cell_u64(&t, ok, v)))
			break;
		if (!rep->watch)
			continue;
		if (r && (r->ok & SUM_BIT(i)))
			err = table_add(&t, "%.1f", r->rate[i]);
		else
			err = table_add(&t, "-");
	}
	if (!err)
		err = table_print(&t, f);
	table_free(&t);
	return err;
}

static void watch_header(FILE *f, const struct summary_report *rep)
{
	char when[32] = "?";
	struct tm tm;

	if (localtime_r(&rep->cur->real.tv_sec, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(f, "tcpconn summary at %s", when);
	if (rep->rates)
		fprintf(f, ", rates over the last %.2f s", rep->rates->interval);
	fputs("\n\n", f);
}

int summary_print_table(FILE *f, const struct summary_report *rep)
{
	const struct tcpconn_summary *s = &rep->cur->sum;
	struct summary_warnings w;
	size_t i;
	int err;

	err = summary_warnings_get(rep->cur, rep->rates, &w);
	if (err)
		return err;
	if (rep->watch)
		watch_header(f, rep);
	if (!(err = states_table(f, s)) && fputc('\n', f) != EOF &&
	    !(err = limits_table(f, rep->cur)) && fputc('\n', f) != EOF &&
	    !(err = settings_table(f, s)) && fputc('\n', f) != EOF &&
	    !(err = counters_table(f, rep))) {
		fprintf(f, "\nTable walk: %.3f ms, %" PRIu32 " ehash buckets\n",
			(double)s->walk_ns / 1e6, s->ehash_buckets);
		if (w.len)
			fputc('\n', f);
		/* stdout, after the tables, where they are seen */
		for (i = 0; i < w.len; i++)
			fprintf(f, "WARNING: %s\n", w.items[i].msg);
		if (rep->watch)
			fputc('\n', f);
	}
	summary_warnings_free(&w);
	if (!err && ferror(f))
		err = -EIO;
	return err;
}

/* ---- JSON ------------------------------------------------------------- */

/* @key: the number, or null for a value that did not come. */
static int jnum(struct json_object *o, const char *key, bool ok, uint64_t v)
{
	if (!ok)
		return json_object_object_add(o, key, NULL) ? -ENOMEM : 0;
	return json_add(o, key, json_object_new_uint64(v));
}

/* A double with a fixed number of decimals, not json-c's %.17g noise. */
static struct json_object *jdouble(double v, int decimals)
{
	char buf[48];

	snprintf(buf, sizeof(buf), "%.*f", decimals, v);
	return json_object_new_double_s(v, buf);
}

static int jarray_add(struct json_object *arr, bool ok, uint64_t v)
{
	struct json_object *n = NULL;

	if (ok && !(n = json_object_new_uint64(v)))
		return -ENOMEM;
	if (json_object_array_add(arr, n)) {
		json_object_put(n);
		return -ENOMEM;
	}
	return 0;
}

/* {"established":N, ...} for one family (@fam) or both (-1). */
static struct json_object *states_json(const struct tcpconn_summary *s,
				       int fam, bool orphans)
{
	struct json_object *o = json_object_new_object();
	size_t i;

	if (!o)
		return NULL;
	for (i = 0; i < TCPCONN_STATE_MAX; i++) {
		int st = summary_state_order[i];
		uint64_t a = 0, b = 0;
		bool ok;

		if (fam >= 0)
			ok = orphans ? summary_orphan(s, fam, st, &a) :
				       summary_state(s, fam, st, &a);
		else if (orphans)
			ok = summary_orphan(s, SUM_V4, st, &a) &&
			     summary_orphan(s, SUM_V6, st, &b);
		else
			ok = summary_state(s, SUM_V4, st, &a) &&
			     summary_state(s, SUM_V6, st, &b);
		if (jnum(o, summary_state_key[st], ok, a + b)) {
			json_object_put(o);
			return NULL;
		}
	}
	return o;
}

static struct json_object *family_json(const struct tcpconn_summary *s,
				       bool orphans)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	if ((orphans &&
	     json_add(o, "total", json_object_new_uint64(s->orphans_total))) ||
	    json_add(o, "ipv4", states_json(s, SUM_V4, orphans)) ||
	    json_add(o, "ipv6", states_json(s, SUM_V6, orphans)) ||
	    (!orphans && json_add(o, "total", states_json(s, -1, false)))) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static struct json_object *limits_json(const struct summary_sample *cur)
{
	static const struct {
		uint8_t limit;
		const char *key;
	} plain[] = {
		{ TCPCONN_LIMIT_MAX_TW_BUCKETS,		"tcp_max_tw_buckets" },
		{ TCPCONN_LIMIT_SOMAXCONN,		"somaxconn" },
		{ TCPCONN_LIMIT_MAX_SYN_BACKLOG,	"tcp_max_syn_backlog" },
		{ TCPCONN_LIMIT_SYNCOOKIES,		"tcp_syncookies" },
		{ TCPCONN_LIMIT_ABORT_ON_OVERFLOW,	"tcp_abort_on_overflow" },
		{ TCPCONN_LIMIT_FIN_TIMEOUT,		"tcp_fin_timeout" },
		{ TCPCONN_LIMIT_TW_REUSE,		"tcp_tw_reuse" },
	};
	const struct tcpconn_summary *s = &cur->sum;
	struct json_object *o = json_object_new_object();
	struct json_object *range = json_object_new_array();
	struct json_object *mem = json_object_new_array();
	uint64_t v = 0;
	size_t i;
	int err = 0;

	if (!o || !range || !mem)
		goto fail;
	for (i = 0; i < NCOLS(plain) && !err; i++) {
		bool ok = summary_limit(s, plain[i].limit, &v);

		err = jnum(o, plain[i].key, ok, v);
	}
	for (i = TCPCONN_LIMIT_PORT_LOW; i <= TCPCONN_LIMIT_PORT_HIGH && !err; i++) {
		bool ok = summary_limit(s, (int)i, &v);

		err = jarray_add(range, ok, v);
	}
	for (i = TCPCONN_LIMIT_TCP_MEM_LOW; i <= TCPCONN_LIMIT_TCP_MEM_HIGH && !err; i++) {
		bool ok = summary_limit(s, (int)i, &v);

		err = jarray_add(mem, ok, v);
	}
	if (err)
		goto fail;
	err = json_add(o, "ip_local_port_range", range);
	range = NULL;	/* json_add() consumed it, even on failure */
	if (err)
		goto fail;
	err = json_add(o, "tcp_mem", mem);
	mem = NULL;
	if (!err) {
		bool ok = summary_limit(s, TCPCONN_LIMIT_TCP_MEM_USED, &v);

		err = jnum(o, "tcp_mem_used_pages", ok, v);
	}
	if (!err) {
		bool ok = summary_limit(s, TCPCONN_LIMIT_PAGE_SIZE, &v);

		err = jnum(o, "page_size", ok, v);
	}
	if (!err)
		err = jnum(o, "tcp_max_orphans", cur->host.has_max_orphans,
			   cur->host.max_orphans);
	if (!err)
		err = jnum(o, "host_orphans", cur->host.has_orphans,
			   cur->host.orphans);
	if (!err)
		return o;
fail:
	json_object_put(range);
	json_object_put(mem);
	json_object_put(o);
	return NULL;
}

static int jlistener(struct json_object *o, const char *key,
		     const struct listener *l)
{
	if (!l)
		return json_object_object_add(o, key, NULL) ? -ENOMEM : 0;
	return json_add(o, key, listener_to_json(l));
}

static struct json_object *queues_json(const struct listener_list *list)
{
	struct json_object *o = json_object_new_object();
	struct listen_stats ls;

	if (!o)
		return NULL;
	listen_stats_get(list, &ls);
	if (jnum(o, "listeners", true, ls.count) ||
	    jnum(o, "syn_queue_total", true, ls.syn_total) ||
	    jnum(o, "accept_queue_total", true, ls.accept_total) ||
	    jlistener(o, "fullest_accept_queue", ls.accept_fullest) ||
	    jlistener(o, "fullest_syn_queue", ls.syn_fullest)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* Counter values, or with @r their rates (null where there is none). */
static struct json_object *counters_json(const struct tcpconn_summary *s,
					 const struct summary_rates *r)
{
	struct json_object *o = json_object_new_object();
	int i, err = 0;

	if (!o)
		return NULL;
	for (i = 1; i <= TCPCONN_COUNTER_MAX && !err; i++) {
		const char *key = summary_counter_name[i];
		uint64_t v = 0;

		if (!r) {
			bool ok = summary_counter(s, i, &v);

			err = jnum(o, key, ok, v);
		} else if (r->ok & SUM_BIT(i)) {
			err = json_add(o, key, jdouble(r->rate[i], 3));
		} else {
			err = json_object_object_add(o, key, NULL) ? -ENOMEM : 0;
		}
	}
	if (err) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static struct json_object *warnings_json(const struct summary_warnings *w)
{
	struct json_object *arr = json_object_new_array();
	size_t i;

	if (!arr)
		return NULL;
	for (i = 0; i < w->len; i++) {
		struct json_object *o = json_object_new_object();

		if (!o || json_add(o, "name", json_object_new_string(w->items[i].name)) ||
		    json_add(o, "message", json_object_new_string(w->items[i].msg)) ||
		    json_object_array_add(arr, o)) {
			json_object_put(o);
			json_object_put(arr);
			return NULL;
		}
	}
	return arr;
}

struct json_object *summary_to_json(const struct summary_report *rep)
{
	const struct summary_sample *cur = rep->cur;
	const struct tcpconn_summary *s = &cur->sum;
	struct json_object *root = json_object_new_object();
	struct summary_warnings w;
	char ts[32];
	int err;

	if (!root)
		return NULL;
	if (summary_warnings_get(cur, rep->rates, &w)) {
		json_object_put(root);
		return NULL;
	}
	snprintf(ts, sizeof(ts), "%lld.%03ld", (long long)cur->real.tv_sec,
		 cur->real.tv_nsec / 1000000);
	err = (rep->watch &&
	       json_add(root, "timestamp",
			json_object_new_double_s((double)cur->real.tv_sec +
						 cur->real.tv_nsec / 1e9, ts))) ||
	      json_add(root, "states", family_json(s, false)) ||
	      json_add(root, "orphans", family_json(s, true)) ||
	      jnum(root, "time_wait_count", true, s->tw_count) ||
	      json_add(root, "limits", limits_json(cur)) ||
	      json_add(root, "listen_queues", queues_json(&cur->listeners)) ||
	      json_add(root, "counters", counters_json(s, NULL)) ||
	      (rep->rates &&
	       (json_add(root, "interval_s", jdouble(rep->rates->interval, 3)) ||
		json_add(root, "rates", counters_json(s, rep->rates)))) ||
	      json_add(root, "warnings", warnings_json(&w)) ||
	      jnum(root, "walk_ns", true, s->walk_ns) ||
	      jnum(root, "ehash_buckets", true, s->ehash_buckets);
	summary_warnings_free(&w);
	if (err) {
		json_object_put(root);
		return NULL;
	}
	return root;
}

int summary_print_json(FILE *f, const struct summary_report *rep)
{
	struct json_object *root = summary_to_json(rep);
	int err;

	if (!root)
		return -ENOMEM;
	/* A series is JSON Lines: one document per line, one line per sample. */
	err = rep->watch ? print_json_line(f, root) : print_json(f, root);
	json_object_put(root);
	return err;
}
