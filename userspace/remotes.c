// SPDX-License-Identifier: GPL-2.0
/* remotes.c - --remotes: connections per remote address, see remotes.h. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <sys/socket.h>

#include <json-c/json_object.h>

#include "nl.h"
#include "opts.h"
#include "output.h"
#include "remotes.h"
#include "sockets.h"
#include "summary.h"
#include "table.h"

void remotes_init(struct remotes *r)
{
	memset(r, 0, sizeof(*r));
	agg_init(&r->agg, sizeof(struct remote_rec), sizeof(struct remote_key));
}

int remotes_add(const struct sock_entry *s, void *data)
{
	struct remotes *r = data;
	struct remote_key key;
	struct remote_rec *rec;
	int family;

	if (s->state == TCPCONN_STATE_LISTEN)
		return 0;
	memset(&key, 0, sizeof(key));
	sock_addr_unmap(s->family, s->dst, &family, key.addr);
	key.family = (uint8_t)family;
	rec = agg_get(&r->agg, &key);
	if (!rec)
		return -ENOMEM;
	rec->total++;
	rec->states[s->state]++;
	r->sockets++;
	return 0;
}

static int remote_cmp(const void *pa, const void *pb)
{
	const struct remote_rec *a = pa, *b = pb;

	if (a->total != b->total)
		return a->total > b->total ? -1 : 1;
	if (a->key.family != b->key.family)
		return a->key.family < b->key.family ? -1 : 1;
	return memcmp(a->key.addr, b->key.addr, sizeof(a->key.addr));
}

void remotes_sort(struct remotes *r)
{
	agg_sort(&r->agg, remote_cmp);
}

void remotes_free(struct remotes *r)
{
	agg_free(&r->agg);
}

/* Table columns after the address and the total; FIN-WAIT-2 includes tw. */
static const uint8_t remote_states[] = {
	TCPCONN_STATE_ESTABLISHED, TCPCONN_STATE_SYN_SENT,
	TCPCONN_STATE_SYN_RECV, TCPCONN_STATE_FIN_WAIT1,
	TCPCONN_STATE_FIN_WAIT2, TCPCONN_STATE_TIME_WAIT,
	TCPCONN_STATE_CLOSE_WAIT, TCPCONN_STATE_LAST_ACK,
	TCPCONN_STATE_CLOSING, TCPCONN_STATE_CLOSE,
};

static const struct table_col remote_cols[] = {
	{ "Remote Address",	TABLE_LEFT },
	{ "Total",		TABLE_RIGHT },
	{ "ESTAB",		TABLE_RIGHT },
	{ "SYN-SENT",		TABLE_RIGHT },
	{ "SYN-RECV",		TABLE_RIGHT },
	{ "FIN-WAIT-1",		TABLE_RIGHT },
	{ "FIN-WAIT-2",		TABLE_RIGHT },
	{ "TIME-WAIT",		TABLE_RIGHT },
	{ "CLOSE-WAIT",		TABLE_RIGHT },
	{ "LAST-ACK",		TABLE_RIGHT },
	{ "CLOSING",		TABLE_RIGHT },
	{ "UNCONN",		TABLE_RIGHT },
};

static size_t shown(const struct remotes *r, unsigned long top)
{
	return top && top < r->agg.len ? top : r->agg.len;
}

int remotes_print_table(FILE *f, const struct remotes *r, unsigned long top)
{
	size_t n = shown(r, top), i, k;
	struct table t;
	int err = 0;

	table_init(&t, remote_cols, sizeof(remote_cols) / sizeof(remote_cols[0]));
	for (i = 0; i < n && !err; i++) {
		const struct remote_rec *rec = agg_rec(&r->agg, i);
		char addr[INET6_ADDRSTRLEN];

		if (format_addr(addr, sizeof(addr), rec->key.family, rec->key.addr))
			snprintf(addr, sizeof(addr), "?");
		err = table_add(&t, "%s", addr) ||
		      table_add(&t, "%" PRIu64, rec->total) ? -ENOMEM : 0;
		for (k = 0; k < sizeof(remote_states) && !err; k++) {
			uint64_t v = rec->states[remote_states[k]];

			if (remote_states[k] == TCPCONN_STATE_FIN_WAIT2)
				v += rec->states[TCPCONN_STATE_TW_FIN_WAIT2];
			err = table_add(&t, "%" PRIu64, v);
		}
	}
	if (!err)
		err = table_print(&t, f);
	table_free(&t);
	if (err)
		return err;
	if (n < r->agg.len)
		fprintf(f, "... and %zu more remote addresses (--top 0 shows all)\n",
			r->agg.len - n);
	fprintf(f, "%" PRIu64 " connections with %zu remote addresses\n",
		r->sockets, r->agg.len);
	return ferror(f) ? -EIO : 0;
}

int remotes_print_json(FILE *f, const struct remotes *r, unsigned long top,
		       bool interrupted)
{
	struct json_object *root = json_object_new_object();
	struct json_object *arr = json_object_new_array();
	size_t n = shown(r, top), i;
	int err = -ENOMEM, s;

	if (!root || !arr || json_object_object_add(root, "remotes", arr)) {
		json_object_put(arr);
		goto out;
	}
	for (i = 0; i < n; i++) {
		const struct remote_rec *rec = agg_rec(&r->agg, i);
		struct json_object *o = json_object_new_object();
		struct json_object *st;
		char addr[INET6_ADDRSTRLEN];

		if (!o || json_object_array_add(arr, o)) {
			json_object_put(o);
			goto out;
		}
		if (format_addr(addr, sizeof(addr), rec->key.family, rec->key.addr) ||
		    json_add(o, "family", json_object_new_string(
				rec->key.family == AF_INET ? "inet" : "inet6")) ||
		    json_add(o, "remote_address", json_object_new_string(addr)) ||
		    json_add(o, "total", json_object_new_uint64(rec->total)) ||
		    json_add(o, "states", st = json_object_new_object()))
			goto out;
		for (s = 1; s <= TCPCONN_STATE_MAX; s++)
			if (s != TCPCONN_STATE_LISTEN &&
			    json_add(st, summary_state_key[s],
				     json_object_new_uint64(rec->states[s])))
				goto out;
	}
	if (json_add(root, "connections", json_object_new_uint64(r->sockets)) ||
	    json_add(root, "remote_addresses", json_object_new_uint64(r->agg.len)) ||
	    json_add(root, "not_shown", json_object_new_uint64(r->agg.len - n)) ||
	    json_add(root, "dump_interrupted", json_object_new_boolean(interrupted)))
		goto out;
	err = print_json(f, root);
out:
	json_object_put(root);
	return err;
}

int remotes_run(struct nl_ctx *nl, const struct opts *o)
{
	struct filter f = o->filter;
	struct remotes r;
	int err;

	/* Listeners have no remote: don't even ask for them. */
	if (!f.states)
		f.states = SOCK_ALL_STATES;
	f.states &= ~SOCK_STATE_BIT(TCPCONN_STATE_LISTEN);
	remotes_init(&r);
	if (f.states)
		err = sockets_dump(nl, &f, remotes_add, &r);
	else
		err = 0;	/* --state listen: nothing has a remote */
	if (!err) {
		remotes_sort(&r);
		err = o->out.json ?
			remotes_print_json(stdout, &r, o->out.top, nl->dump_intr) :
			remotes_print_table(stdout, &r, o->out.top);
	}
	remotes_free(&r);
	return err;
}
