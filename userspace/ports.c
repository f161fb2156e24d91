// SPDX-License-Identifier: GPL-2.0
/* ports.c - --ports: ephemeral ports per pool, see ports.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
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

static bool port_bit(const uint8_t *bitmap, uint16_t port)
{
	return bitmap[port / 8] & (1 << (port % 8));
}

int ports_parse_reserved(const char *text, uint8_t *bitmap)
{
	const char *c = text;

	memset(bitmap, 0, 65536 / 8);
	while (*c && *c != '\n') {
		unsigned long lo, hi;
		char *end;

		if (*c < '0' || *c > '9')
			return -EINVAL;
		lo = strtoul(c, &end, 10);
		hi = lo;
		if (*end == '-') {
			c = end + 1;
			if (*c < '0' || *c > '9')
				return -EINVAL;
			hi = strtoul(c, &end, 10);
		}
		if (lo > 65535 || hi > 65535 || lo > hi)
			return -EINVAL;
		for (; lo <= hi; lo++)
			bitmap[lo / 8] |= (uint8_t)(1 << (lo % 8));
		c = end;
		if (*c == ',')
			c++;
		else if (*c && *c != '\n')
			return -EINVAL;
	}
	if (*c == '\n' && c[1])
		return -EINVAL;
	return 0;
}

void ports_set_reserved(struct ports *p, const uint8_t *bitmap)
{
	unsigned int port;

	memcpy(p->reserved, bitmap, sizeof(p->reserved));
	p->has_reserved = true;
	p->reserved_in_range = 0;
	for (port = p->low; port <= p->high && port <= 65535; port++)
		if (port_bit(p->reserved, (uint16_t)port))
			p->reserved_in_range++;
}

int ports_add_listener(const struct sock_entry *s, void *data)
{
	struct ports *p = data;
	struct port_listener *l;
	int family;

	if (s->state != TCPCONN_STATE_LISTEN)
		return 0;
	if (p->nlst == p->cap_lst) {
		size_t cap = p->cap_lst ? p->cap_lst * 2 : 16;

		l = realloc(p->lst, cap * sizeof(*l));
		if (!l)
			return -ENOMEM;
		p->lst = l;
		p->cap_lst = cap;
	}
	l = &p->lst[p->nlst++];
	memset(l, 0, sizeof(*l));
	l->port = s->sport;
	sock_addr_unmap(s->family, s->src, &family, l->addr);
	l->family = (uint8_t)family;
	p->lst_sorted = false;
	p->listening[s->sport / 8] |= (uint8_t)(1 << (s->sport % 8));
	return 0;
}

static int lst_cmp(const void *pa, const void *pb)
{
	const struct port_listener *a = pa, *b = pb;

	return (a->port > b->port) - (a->port < b->port);
}

static const uint8_t zero16[16];

/*
 * Does a listener cover local (@family, @addr):@port? The same address, or
 * a wildcard: 0.0.0.0 takes IPv4, [::] both (v6only is not in the dump).
 */
static bool ports_inbound(struct ports *p, uint16_t port, int family,
			  const uint8_t *addr)
{
	size_t lo = 0, hi = p->nlst;

	if (!port_bit(p->listening, port))
		return false;
	if (!p->lst_sorted) {
		if (p->nlst > 1)
			qsort(p->lst, p->nlst, sizeof(*p->lst), lst_cmp);
		p->lst_sorted = true;
	}
	while (lo < hi) {	/* the first listener with this port */
		size_t mid = lo + (hi - lo) / 2;

		if (p->lst[mid].port < port)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < p->nlst && p->lst[lo].port == port; lo++) {
		const struct port_listener *l = &p->lst[lo];

		if (!memcmp(l->addr, zero16, 16) &&
		    (l->family == AF_INET6 || family == AF_INET))
			return true;
		if (l->family == family &&
		    !memcmp(l->addr, addr, family == AF_INET ? 4 : 16))
			return true;
	}
	return false;
}

int ports_add(const struct sock_entry *s, void *data)
{
	struct ports *p = data;
	struct port_key key;
	struct port_rec *rec;
	int family;

	if (s->state == TCPCONN_STATE_LISTEN)
		return 0;
	memset(&key, 0, sizeof(key));
	sock_addr_unmap(s->family, s->src, &family, key.local);
	if (ports_inbound(p, s->sport, family, key.local)) {
		p->inbound++;
		return 0;
	}
	if (s->sport < p->low || s->sport > p->high ||
	    port_bit(p->reserved, s->sport)) {
		p->outside++;
		return 0;
	}
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
	free(p->lst);
	p->lst = NULL;
	p->nlst = p->cap_lst = 0;
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
	uint64_t cap = ports_capacity(p);

	return rec->used < cap ? cap - rec->used : 0;
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
	uint64_t range = ports_capacity(p), pct;
	size_t n = shown(p, top), i, high = 0;
	struct table t;
	int err = 0;

	fprintf(f, "ip_local_port_range %u-%u: ", p->low, p->high);
	if (p->reserved_in_range)
		fprintf(f, "%" PRIu64 " ports, %" PRIu64 " of them reserved (ip_local_reserved_ports): ",
			ports_range(p), p->reserved_in_range);
	fprintf(f, "%" PRIu64 " ports per pool%s.\n", range,
		p->has_reserved ? "" : " (ip_local_reserved_ports unreadable: not subtracted)");
	fprintf(f, "A pool is one (local address, remote address, remote port): connect() needs\n"
		   "a local port not yet used with that destination, so one client runs out after\n"
		   "%" PRIu64 " connections to one destination (EADDRNOTAVAIL), but each other\n"
		   "destination or local address has its own %" PRIu64 ": every connection has a\n"
		   "distinct 4-tuple, so a host's connections are not limited by %" PRIu64 " (nor\n"
		   "by 65535). Used: the pool's connections; Free: ports left for it; Use%%:\n"
		   "Used of %" PRIu64 ".\n\n",
		range, range, range, range);
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
	fprintf(f, "%" PRIu64 " inbound connections (a listener has their local address and port) and\n"
		   "%" PRIu64 " with a local port outside the range or reserved (bound explicitly) are\n"
		   "not in any pool\n",
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
	    json_add(root, "range_size", json_object_new_uint64(ports_range(p))) ||
	    (p->has_reserved ?
	     json_add(root, "reserved_in_range", json_object_new_uint64(p->reserved_in_range)) :
	     json_object_object_add(root, "reserved_in_range", NULL)) ||
	    json_add(root, "ports_per_pool", json_object_new_uint64(ports_capacity(p))) ||
	    json_add(root, "pools", arr))
		goto out;
	for (i = 0; i < n; i++) {
		const struct port_rec *rec = agg_rec(&p->agg, i);
		struct json_object *o = json_object_new_object();
		char local[INET6_ADDRSTRLEN], remote[INET6_ADDRSTRLEN];
		uint64_t pct;
		bool has_pct = usage_pct(rec->used, ports_capacity(p), &pct);

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

/* This netns's ip_local_reserved_ports; a warning if unreadable. */
static void ports_read_reserved(struct ports *p)
{
	static const char path[] = "/proc/sys/net/ipv4/ip_local_reserved_ports";
	uint8_t bitmap[65536 / 8];
	char buf[8192];
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f) {
		pr_warn("cannot read %s: %s; reserved ports counted as free", path,
			strerror(errno));
		return;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	if (n == sizeof(buf) - 1 || ports_parse_reserved(buf, bitmap)) {
		pr_warn("cannot parse %s; reserved ports counted as free", path);
		return;
	}
	ports_set_reserved(p, bitmap);
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
	ports_read_reserved(&p);
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
