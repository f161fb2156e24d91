// SPDX-License-Identifier: GPL-2.0
/* ports.c - --ports: ephemeral ports per pool, see ports.h. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <sys/socket.h>
#include <linux/tcpconn.h>

#include <json-c/json_object.h>

#include "msg.h"
#include "nl.h"
#include "opts.h"
#include "output.h"
#include "ports.h"
#include "sockets.h"
#include "summary.h"
#include "table.h"

void ports_init(struct ports *p, uint16_t low, uint16_t high)
{
	memset(p, 0, sizeof(*p));
	agg_init(&p->agg, sizeof(struct port_rec), sizeof(struct port_key));
	p->low = low;
	p->high = high;
}

int ports_add_listener(const struct sock_entry *s, void *data)
{
	struct ports *p = data;

	if (s->state == TCPCONN_STATE_LISTEN)
		p->listening[s->sport / 8] |= (uint8_t)(1 << (s->sport % 8));
	return 0;
}

int ports_add(const struct sock_entry *s, void *data)
{
	struct ports *p = data;
	struct port_key key;
	struct port_rec *rec;
	int family;

	if (s->state == TCPCONN_STATE_LISTEN)
		return 0;
	if (p->listening[s->sport / 8] & (1 << (s->sport % 8))) {
		p->inbound++;
		return 0;
	}
	if (s->sport < p->low || s->sport > p->high) {
		p->outside++;
		return 0;
	}
	memset(&key, 0, sizeof(key));
	sock_addr_unmap(s->family, s->src, &family, key.local);
	/* both ends of a v4-mapped socket are mapped; keep them IPv4 together */
	sock_addr_unmap(s->family, s->dst, &family, key.remote);
	key.family = (uint8_t)family;
	key.rport = s->dport;
	rec = agg_get(&p->agg, &key);
	if (!rec)
		return -ENOMEM;
	rec->used++;
	if (s->state == TCPCONN_STATE_TIME_WAIT ||
	    s->state == TCPCONN_STATE_TW_FIN_WAIT2)
		rec->timewait++;
	p->pooled++;
	return 0;
}

static int port_cmp(const void *pa, const void *pb)
{
	const struct port_rec *a = pa, *b = pb;

	if (a->used != b->used)
		return a->used > b->used ? -1 : 1;
	return memcmp(&a->key, &b->key, sizeof(a->key));
}

void ports_sort(struct ports *p)
{
	agg_sort(&p->agg, port_cmp);
}

void ports_free(struct ports *p)
{
	agg_free(&p->agg);
}

static const struct table_col port_cols[] = {
	{ "Local Address",		TABLE_LEFT },
	{ "Remote Address:Port",	TABLE_LEFT },
	{ "Used",			TABLE_RIGHT },
	{ "TimeWait",			TABLE_RIGHT },
	{ "Free",			TABLE_RIGHT },
	{ "Use%",			TABLE_RIGHT },
};

static size_t shown(const struct ports *p, unsigned long top)
{
	return top && top < p->agg.len ? top : p->agg.len;
}

static uint64_t pool_free(const struct ports *p, const struct port_rec *rec)
{
	uint64_t range = ports_range(p);

	return rec->used < range ? range - rec->used : 0;
}

static int pool_names(const struct port_rec *rec, char *local, size_t llen,
		      char *remote, size_t rlen)
{
	int err = format_addr(local, llen, rec->key.family, rec->key.local);

	if (!err)
		err = format_addr_port(remote, rlen, rec->key.family,
				       rec->key.remote, rec->key.rport, NULL);
	return err;
}

int ports_print_table(FILE *f, const struct ports *p, unsigned long top)
{
	uint64_t range = ports_range(p), pct;
	size_t n = shown(p, top), i, high = 0;
	struct table t;
	int err = 0;

	fprintf(f, "ip_local_port_range %u-%u: %" PRIu64 " ports per pool. A pool is one (local address,\n"
		   "remote address, remote port): connect() needs a local port not yet used with\n"
		   "that destination, so one client runs out after %" PRIu64 " connections to one\n"
		   "destination, but each other destination or local address has its own %" PRIu64 ";\n"
		   "a host's connections are not limited by %" PRIu64 " (nor by 65535).\n\n",
		p->low, p->high, range, range, range, range);
	table_init(&t, port_cols, sizeof(port_cols) / sizeof(port_cols[0]));
	for (i = 0; i < n && !err; i++) {
		const struct port_rec *rec = agg_rec(&p->agg, i);
		char local[INET6_ADDRSTRLEN], remote[ADDRPORT_LEN], pcts[8] = "-";

		if (pool_names(rec, local, sizeof(local), remote, sizeof(remote))) {
			snprintf(local, sizeof(local), "?");
			snprintf(remote, sizeof(remote), "?");
		}
		if (usage_pct(rec->used, range, &pct))
			snprintf(pcts, sizeof(pcts), "%" PRIu64 "%%", pct);
		if (table_add(&t, "%s", local) || table_add(&t, "%s", remote) ||
		    table_add(&t, "%" PRIu64, rec->used) ||
		    table_add(&t, "%" PRIu64, rec->timewait) ||
		    table_add(&t, "%" PRIu64, pool_free(p, rec)) ||
		    table_add(&t, "%s", pcts))
			err = -ENOMEM;
	}
	if (!err)
		err = table_print(&t, f);
	table_free(&t);
	if (err)
		return err;
	if (n < p->agg.len)
		fprintf(f, "... and %zu more pools (--top 0 shows all)\n",
			p->agg.len - n);
	fprintf(f, "\n%" PRIu64 " connections use ephemeral ports in %zu pools, each with its own %" PRIu64 " ports\n",
		p->pooled, p->agg.len, range);
	fprintf(f, "%" PRIu64 " inbound connections (local port is a listening port) and %" PRIu64 " with a\n"
		   "local port outside the range (bound explicitly) are not in any pool\n",
		p->inbound, p->outside);
	for (i = 0; i < p->agg.len; i++) {
		const struct port_rec *rec = agg_rec(&p->agg, i);
		char local[INET6_ADDRSTRLEN], remote[ADDRPORT_LEN];

		if (!usage_high(rec->used, range))
			break;	/* sorted: the rest are lower */
		if (++high > SUMMARY_WARN_LISTENERS)
			continue;
		if (pool_names(rec, local, sizeof(local), remote, sizeof(remote)))
			continue;
		usage_pct(rec->used, range, &pct);
		fprintf(f, "WARNING: %s -> %s uses %" PRIu64 " of %" PRIu64 " ephemeral ports (%" PRIu64 "%%, %" PRIu64 " in TIME-WAIT): new connections to it fail with EADDRNOTAVAIL when none is left; widen net.ipv4.ip_local_port_range, connect from more local addresses, or reuse connections (net.ipv4.tcp_tw_reuse for TIME-WAIT)\n",
			local, remote, rec->used, range, pct, rec->timewait);
	}
	if (high > SUMMARY_WARN_LISTENERS)
		fprintf(f, "WARNING: and %zu more pools above %d%%\n",
			high - SUMMARY_WARN_LISTENERS, SUMMARY_WARN_PCT);
	return ferror(f) ? -EIO : 0;
}

int ports_print_json(FILE *f, const struct ports *p, unsigned long top,
		     bool interrupted)
{
	struct json_object *root = json_object_new_object();
	struct json_object *arr = json_object_new_array(), *range;
	size_t n = shown(p, top), i;
	int err = -ENOMEM;

	if (!root || !arr) {
		json_object_put(arr);
		goto out;
	}
	range = json_object_new_array();
	if (json_add(root, "ip_local_port_range", range) ||
	    json_object_array_add(range, json_object_new_int(p->low)) ||
	    json_object_array_add(range, json_object_new_int(p->high)) ||
	    json_add(root, "ports_per_pool", json_object_new_uint64(ports_range(p))) ||
	    json_add(root, "pools", arr))
		goto out;
	for (i = 0; i < n; i++) {
		const struct port_rec *rec = agg_rec(&p->agg, i);
		struct json_object *o = json_object_new_object();
		char local[INET6_ADDRSTRLEN], remote[INET6_ADDRSTRLEN];
		uint64_t pct;
		bool has_pct = usage_pct(rec->used, ports_range(p), &pct);

		if (!o || json_object_array_add(arr, o)) {
			json_object_put(o);
			goto out;
		}
		if (format_addr(local, sizeof(local), rec->key.family, rec->key.local) ||
		    format_addr(remote, sizeof(remote), rec->key.family, rec->key.remote) ||
		    json_add(o, "family", json_object_new_string(
				rec->key.family == AF_INET ? "inet" : "inet6")) ||
		    json_add(o, "local_address", json_object_new_string(local)) ||
		    json_add(o, "remote_address", json_object_new_string(remote)) ||
		    json_add(o, "remote_port", json_object_new_int(rec->key.rport)) ||
		    json_add(o, "used", json_object_new_uint64(rec->used)) ||
		    json_add(o, "time_wait", json_object_new_uint64(rec->timewait)) ||
		    json_add(o, "free", json_object_new_uint64(pool_free(p, rec))) ||
		    (has_pct ? json_add(o, "use_pct", json_object_new_uint64(pct)) :
			       json_object_object_add(o, "use_pct", NULL)))
			goto out;
	}
	if (json_add(root, "pool_count", json_object_new_uint64(p->agg.len)) ||
	    json_add(root, "not_shown", json_object_new_uint64(p->agg.len - n)) ||
	    json_add(root, "pooled_connections", json_object_new_uint64(p->pooled)) ||
	    json_add(root, "inbound_connections", json_object_new_uint64(p->inbound)) ||
	    json_add(root, "outside_range_connections", json_object_new_uint64(p->outside)) ||
	    json_add(root, "dump_interrupted", json_object_new_boolean(interrupted)))
		goto out;
	err = print_json(f, root);
out:
	json_object_put(root);
	return err;
}

/* The netns's ip_local_port_range, from the module's summary. */
static int ports_get_range(struct nl_ctx *nl, uint16_t *low, uint16_t *high)
{
	struct tcpconn_summary sum;
	struct summary_collect sc = { .sum = &sum };
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *req;
	uint64_t lo, hi;
	int err;

	memset(&sum, 0, sizeof(sum));
	err = nl_require_op(nl, TCPCONN_CMD_SUMMARY_GET);
	if (err)
		return err;
	req = summary_request(buf, sizeof(buf), nl->family_id);
	if (!req)
		return -EMSGSIZE;
	err = nl_transact(nl, req, summary_collect_cb, &sc);
	if (err)
		return err;
	if (!sc.replies ||
	    !summary_limit(&sum, TCPCONN_LIMIT_PORT_LOW, &lo) ||
	    !summary_limit(&sum, TCPCONN_LIMIT_PORT_HIGH, &hi) ||
	    lo < 1 || hi > 65535 || lo > hi) {
		pr_err("the module's summary has no valid ip_local_port_range");
		return -EBADMSG;
	}
	*low = (uint16_t)lo;
	*high = (uint16_t)hi;
	return 0;
}

int ports_run(struct nl_ctx *nl, const struct opts *o)
{
	struct filter lf = { .family = AF_UNSPEC, .states =
			     SOCK_STATE_BIT(TCPCONN_STATE_LISTEN) };
	struct filter f = o->filter;
	uint16_t low, high;
	struct ports p;
	bool intr;
	int err;

	err = ports_get_range(nl, &low, &high);
	if (err)
		return err;
	ports_init(&p, low, high);
	/* Every listener, whatever the filters, to tell inbound connections. */
	err = sockets_dump(nl, &lf, ports_add_listener, &p);
	intr = nl->dump_intr;
	if (!f.states)
		f.states = SOCK_ALL_STATES;
	f.states &= ~SOCK_STATE_BIT(TCPCONN_STATE_LISTEN);
	if (!err && f.states) {
		err = sockets_dump(nl, &f, ports_add, &p);
		intr |= nl->dump_intr;
	}
	if (!err) {
		ports_sort(&p);
		err = o->out.json ? ports_print_json(stdout, &p, o->out.top, intr) :
				    ports_print_table(stdout, &p, o->out.top);
	}
	ports_free(&p);
	return err;
}
