// SPDX-License-Identifier: GPL-2.0
/* listeners_out.c - --listeners as a text table or a JSON document. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <sys/socket.h>

#include <json-c/json_object.h>

#include "listeners.h"
#include "output.h"
#include "table.h"

static const struct table_col listener_cols[] = {
	{ "Local Address:Port",	TABLE_LEFT },
	{ "SynQ",		TABLE_RIGHT },
	{ "Young",		TABLE_RIGHT },
	{ "AcceptQ",		TABLE_RIGHT },
	{ "Backlog",		TABLE_RIGHT },
	{ "Drops",		TABLE_RIGHT },
	{ "Uid",		TABLE_RIGHT },
	{ "Inode",		TABLE_RIGHT },
	{ "Cookie",		TABLE_RIGHT },
	{ "Flags",		TABLE_LEFT },
};

/* "full,reuseport,v6only" or "-" so the column never looks empty. */
static void listener_flags(const struct listener *l, char *buf, size_t len)
{
	buf[0] = '\0';
	if (listener_full(l))
		snprintf(buf + strlen(buf), len - strlen(buf), ",full");
	if (l->reuseport)
		snprintf(buf + strlen(buf), len - strlen(buf), ",reuseport");
	if (l->v6only)
		snprintf(buf + strlen(buf), len - strlen(buf), ",v6only");
	if (buf[0])
		memmove(buf, buf + 1, strlen(buf));
	else
		snprintf(buf, len, "-");
}

void listener_name(const struct listener *l, char *buf, size_t len)
{
	char ifname[IFNAME_LEN];

	if (l->ifindex)
		ifindex_name(l->ifindex, ifname, sizeof(ifname));
	if (format_addr_port(buf, len, l->family, l->addr, l->port,
			     l->ifindex ? ifname : NULL))
		snprintf(buf, len, "?:%u", l->port);
}

static int listener_row(struct table *t, const struct listener *l)
{
	char addr[ADDRPORT_LEN], ifname[IFNAME_LEN], flags[32];
	int err;

	if (l->ifindex)
		ifindex_name(l->ifindex, ifname, sizeof(ifname));
	err = format_addr_port(addr, sizeof(addr), l->family, l->addr, l->port,
			       l->ifindex ? ifname : NULL);
	if (err)
		return err;
	listener_flags(l, flags, sizeof(flags));

	/* Cookie in hex, as ss -e prints "sk:<cookie>", so the two can be matched. */
	if ((err = table_add(t, "%s", addr)) ||
	    (err = table_add(t, "%" PRIu32, l->syn_queue)) ||
	    (err = table_add(t, "%" PRIu32, l->syn_young)) ||
	    (err = table_add(t, "%" PRIu32, l->accept_queue)) ||
	    (err = table_add(t, "%" PRIu32, l->backlog)) ||
	    (err = table_add(t, "%" PRIu32, l->drops)) ||
	    (err = table_add(t, "%" PRIu32, l->uid)) ||
	    (err = table_add(t, "%" PRIu64, l->inode)) ||
	    (err = table_add(t, "%" PRIx64, l->cookie)) ||
	    (err = table_add(t, "%s", flags)))
		return err;
	return 0;
}

int listeners_print_table(FILE *f, const struct listener_list *list)
{
	struct table t;
	size_t i;
	int err = 0;

	table_init(&t, listener_cols,
		   sizeof(listener_cols) / sizeof(listener_cols[0]));
	for (i = 0; i < list->len && !err; i++)
		err = listener_row(&t, &list->items[i]);
	if (!err)
		err = table_print(&t, f);
	table_free(&t);
	return err;
}

struct json_object *listener_to_json(const struct listener *l)
{
	struct json_object *o = json_object_new_object();
	char addr[INET6_ADDRSTRLEN], ifname[IFNAME_LEN];
	bool named = l->ifindex && ifindex_name(l->ifindex, ifname, sizeof(ifname));
	int err;

	if (!o)
		return NULL;
	err = format_addr(addr, sizeof(addr), l->family, l->addr);
	if (err ||
	    json_add(o, "family", json_object_new_string(
				l->family == AF_INET ? "inet" : "inet6")) ||
	    json_add(o, "local_address", json_object_new_string(addr)) ||
	    json_add(o, "local_port", json_object_new_int(l->port)) ||
	    json_add(o, "ifindex", json_object_new_int64(l->ifindex)) ||
	    /* null, not a number string, when there is no name to give */
	    json_add_str_or_null(o, "interface", named ? ifname : NULL) ||
	    json_add(o, "syn_queue", json_object_new_int64(l->syn_queue)) ||
	    json_add(o, "syn_young", json_object_new_int64(l->syn_young)) ||
	    json_add(o, "accept_queue", json_object_new_int64(l->accept_queue)) ||
	    json_add(o, "backlog", json_object_new_int64(l->backlog)) ||
	    json_add(o, "accept_queue_full", json_object_new_boolean(listener_full(l))) ||
	    json_add(o, "drops", json_object_new_int64(l->drops)) ||
	    json_add(o, "uid", json_object_new_int64(l->uid)) ||
	    json_add(o, "inode", json_object_new_uint64(l->inode)) ||
	    json_add(o, "cookie", json_object_new_uint64(l->cookie)) ||
	    json_add(o, "reuseport", json_object_new_boolean(l->reuseport)) ||
	    json_add(o, "v6only", json_object_new_boolean(l->v6only))) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

struct json_object *listeners_to_json(const struct listener_list *list)
{
	struct json_object *root = json_object_new_object();
	struct json_object *arr = json_object_new_array();
	size_t i;

	if (!root || !arr || json_object_object_add(root, "listeners", arr)) {
		json_object_put(arr);
		json_object_put(root);
		return NULL;
	}
	for (i = 0; i < list->len; i++) {
		struct json_object *l = listener_to_json(&list->items[i]);

		if (!l || json_object_array_add(arr, l)) {
			json_object_put(l);
			json_object_put(root);
			return NULL;
		}
	}
	return root;
}

int listeners_print_json(FILE *f, const struct listener_list *list)
{
	struct json_object *root = listeners_to_json(list);
	int err;

	if (!root)
		return -ENOMEM;
	err = print_json(f, root);
	json_object_put(root);
	return err;
}
