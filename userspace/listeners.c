// SPDX-License-Identifier: GPL-2.0
/* listeners.c - --listeners: request, decode, collect and sort listeners. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/tcpconn.h>

#include "listeners.h"
#include "msg.h"
#include "nl.h"
#include "opts.h"

/* Expected payload type per attribute; MNL_TYPE_UNSPEC ones are skipped. */
static const enum mnl_attr_data_type listener_policy[TCPCONN_A_LISTENER_MAX + 1] = {
	[TCPCONN_A_LISTENER_FAMILY]		= MNL_TYPE_U8,
	[TCPCONN_A_LISTENER_ADDR]		= MNL_TYPE_BINARY,
	[TCPCONN_A_LISTENER_PORT]		= MNL_TYPE_U16,
	[TCPCONN_A_LISTENER_IFINDEX]		= MNL_TYPE_U32,
	[TCPCONN_A_LISTENER_SYN_QUEUE]		= MNL_TYPE_U32,
	[TCPCONN_A_LISTENER_SYN_YOUNG]		= MNL_TYPE_U32,
	[TCPCONN_A_LISTENER_ACCEPT_QUEUE]	= MNL_TYPE_U32,
	[TCPCONN_A_LISTENER_BACKLOG]		= MNL_TYPE_U32,
	[TCPCONN_A_LISTENER_DROPS]		= MNL_TYPE_U32,
	[TCPCONN_A_LISTENER_UID]		= MNL_TYPE_U32,
	[TCPCONN_A_LISTENER_INODE]		= MNL_TYPE_U64,
	[TCPCONN_A_LISTENER_REUSEPORT]		= MNL_TYPE_FLAG,
	[TCPCONN_A_LISTENER_COOKIE]		= MNL_TYPE_U64,
	[TCPCONN_A_LISTENER_V6ONLY]		= MNL_TYPE_FLAG,
};

static const char *const listener_attr_name[TCPCONN_A_LISTENER_MAX + 1] = {
	[TCPCONN_A_LISTENER_FAMILY]		= "FAMILY",
	[TCPCONN_A_LISTENER_ADDR]		= "ADDR",
	[TCPCONN_A_LISTENER_PORT]		= "PORT",
	[TCPCONN_A_LISTENER_IFINDEX]		= "IFINDEX",
	[TCPCONN_A_LISTENER_SYN_QUEUE]		= "SYN_QUEUE",
	[TCPCONN_A_LISTENER_SYN_YOUNG]		= "SYN_YOUNG",
	[TCPCONN_A_LISTENER_ACCEPT_QUEUE]	= "ACCEPT_QUEUE",
	[TCPCONN_A_LISTENER_BACKLOG]		= "BACKLOG",
	[TCPCONN_A_LISTENER_DROPS]		= "DROPS",
	[TCPCONN_A_LISTENER_UID]		= "UID",
	[TCPCONN_A_LISTENER_INODE]		= "INODE",
	[TCPCONN_A_LISTENER_REUSEPORT]		= "REUSEPORT",
	[TCPCONN_A_LISTENER_COOKIE]		= "COOKIE",
	[TCPCONN_A_LISTENER_V6ONLY]		= "V6ONLY",
};

/*
 * Every value we print must come from the kernel: a missing number is an
 * error, never a silent 0. IFINDEX is the exception, as "0 if none" is
 * naturally expressed by leaving it out. Flags are absent when false.
 */
static const uint8_t listener_required[] = {
	TCPCONN_A_LISTENER_FAMILY, TCPCONN_A_LISTENER_ADDR,
	TCPCONN_A_LISTENER_PORT, TCPCONN_A_LISTENER_SYN_QUEUE,
	TCPCONN_A_LISTENER_SYN_YOUNG, TCPCONN_A_LISTENER_ACCEPT_QUEUE,
	TCPCONN_A_LISTENER_BACKLOG, TCPCONN_A_LISTENER_DROPS,
	TCPCONN_A_LISTENER_UID, TCPCONN_A_LISTENER_INODE,
	TCPCONN_A_LISTENER_COOKIE,
};

struct nlmsghdr *listeners_request(void *buf, size_t size, uint16_t family_id,
				   const struct filter *f)
{
	struct nlmsghdr *nlh;

	if (size < NL_REQ_SIZE)
		return NULL;
	nlh = nl_msg_start(buf, family_id, NLM_F_REQUEST | NLM_F_DUMP,
			   TCPCONN_CMD_LISTENERS_GET, TCPCONN_GENL_VERSION);
	if (f->family != AF_UNSPEC &&
	    !mnl_attr_put_u8_check(nlh, size, TCPCONN_A_LISTENER_FAMILY,
				   (uint8_t)f->family))
		return NULL;
	if (f->has_port &&
	    !mnl_attr_put_u16_check(nlh, size, TCPCONN_A_LISTENER_PORT,
				    f->port))
		return NULL;
	return nlh;
}

static int listener_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	/* Newer modules append attributes: ignoring them is the contract. */
	if (mnl_attr_type_valid(attr, TCPCONN_A_LISTENER_MAX) < 0)
		return MNL_CB_OK;
	if (listener_policy[type] == MNL_TYPE_UNSPEC)
		return MNL_CB_OK;	/* UNSPEC, PAD */
	if (mnl_attr_validate(attr, listener_policy[type]) < 0) {
		pr_err("malformed listener message: attribute %s has %u bytes",
		       listener_attr_name[type],
		       (unsigned int)mnl_attr_get_payload_len(attr));
		return MNL_CB_ERROR;
	}
	tb[type] = attr;
	return MNL_CB_OK;
}

static int listener_fill(const struct nlattr **tb, struct listener *l)
{
	const struct nlattr *a = tb[TCPCONN_A_LISTENER_ADDR];
	size_t alen = mnl_attr_get_payload_len(a);

	memset(l, 0, sizeof(*l));
	l->family = mnl_attr_get_u8(tb[TCPCONN_A_LISTENER_FAMILY]);
	if (!((l->family == AF_INET && alen == 4) ||
	      (l->family == AF_INET6 && alen == 16))) {
		pr_err("malformed listener message: family %u with a %zu-byte address",
		       l->family, alen);
		return -EBADMSG;
	}
	memcpy(l->addr, mnl_attr_get_payload(a), alen);
	l->port = mnl_attr_get_u16(tb[TCPCONN_A_LISTENER_PORT]);
	if (tb[TCPCONN_A_LISTENER_IFINDEX])
		l->ifindex = mnl_attr_get_u32(tb[TCPCONN_A_LISTENER_IFINDEX]);
	l->syn_queue = mnl_attr_get_u32(tb[TCPCONN_A_LISTENER_SYN_QUEUE]);
	l->syn_young = mnl_attr_get_u32(tb[TCPCONN_A_LISTENER_SYN_YOUNG]);
	l->accept_queue = mnl_attr_get_u32(tb[TCPCONN_A_LISTENER_ACCEPT_QUEUE]);
	l->backlog = mnl_attr_get_u32(tb[TCPCONN_A_LISTENER_BACKLOG]);
	l->drops = mnl_attr_get_u32(tb[TCPCONN_A_LISTENER_DROPS]);
	l->uid = mnl_attr_get_u32(tb[TCPCONN_A_LISTENER_UID]);
	l->inode = mnl_attr_get_u64(tb[TCPCONN_A_LISTENER_INODE]);
	l->cookie = mnl_attr_get_u64(tb[TCPCONN_A_LISTENER_COOKIE]);
	l->reuseport = tb[TCPCONN_A_LISTENER_REUSEPORT] != NULL;
	l->v6only = tb[TCPCONN_A_LISTENER_V6ONLY] != NULL;
	return 0;
}

int listener_parse(const struct nlmsghdr *nlh, struct listener *l)
{
	const struct nlattr *tb[TCPCONN_A_LISTENER_MAX + 1] = { NULL };
	const size_t hdr = sizeof(struct genlmsghdr);
	size_t i;

	if (mnl_nlmsg_get_payload_len(nlh) < hdr) {
		pr_err("malformed listener message: no generic netlink header");
		return -EBADMSG;
	}
	if (mnl_attr_parse(nlh, hdr, listener_attr_cb, tb) < 0)
		return -EBADMSG;
	if (!nl_attrs_complete(nlh, hdr)) {
		pr_err("malformed listener message: truncated attribute");
		return -EBADMSG;
	}
	for (i = 0; i < sizeof(listener_required); i++) {
		if (!tb[listener_required[i]]) {
			pr_err("malformed listener message: no %s attribute",
			       listener_attr_name[listener_required[i]]);
			return -EBADMSG;
		}
	}
	return listener_fill(tb, l);
}

bool listener_match(const struct listener *l, const struct filter *f)
{
	if (f->family != AF_UNSPEC && l->family != f->family)
		return false;
	if (f->has_port && l->port != f->port)
		return false;
	return true;
}

/* The kernel's sk_acceptq_is_full(): cur == max + 1 is how "full" looks. */
bool listener_full(const struct listener *l)
{
	return l->accept_queue > l->backlog;
}

int listener_list_add(struct listener_list *list, const struct listener *l)
{
	if (list->len == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 64;
		struct listener *items;

		if (cap < list->cap || cap > SIZE_MAX / sizeof(*items))
			return -ENOMEM;
		items = realloc(list->items, cap * sizeof(*items));
		if (!items)
			return -ENOMEM;
		list->items = items;
		list->cap = cap;
	}
	list->items[list->len++] = *l;
	return 0;
}

#define CMP(x, y) (((x) > (y)) - ((x) < (y)))

static int listener_cmp(const void *pa, const void *pb)
{
	const struct listener *a = pa, *b = pb;
	int c;

	/* Stable, total order so repeated runs print identical tables. */
	if ((c = CMP(a->family, b->family)))
		return c;
	if ((c = CMP(a->port, b->port)))
		return c;
	if ((c = memcmp(a->addr, b->addr, sizeof(a->addr))))
		return c;
	if ((c = CMP(a->ifindex, b->ifindex)))
		return c;
	return CMP(a->inode, b->inode);
}

void listener_list_sort(struct listener_list *list)
{
	if (list->len > 1)
		qsort(list->items, list->len, sizeof(*list->items),
		      listener_cmp);
}

void listener_list_free(struct listener_list *list)
{
	free(list->items);
	list->items = NULL;
	list->len = list->cap = 0;
}

int listeners_collect_cb(const struct nlmsghdr *nlh, void *data)
{
	struct listeners_collect *c = data;
	struct listener l;
	int err;

	err = listener_parse(nlh, &l);
	if (err < 0)
		return err;
	/*
	 * The kernel filters already; filtering again costs nothing and keeps
	 * the output right even if a module ignored a filter attribute.
	 */
	if (!listener_match(&l, c->filter))
		return 0;
	return listener_list_add(c->list, &l);
}

int listeners_run(struct nl_ctx *nl, const struct opts *o)
{
	struct listener_list list = { 0 };
	struct listeners_collect c = { .list = &list, .filter = &o->filter };
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *req;
	int err;

	req = listeners_request(buf, sizeof(buf), nl->family_id, &o->filter);
	if (!req)
		return -EMSGSIZE;
	err = nl_transact(nl, req, listeners_collect_cb, &c);
	if (!err) {
		listener_list_sort(&list);
		err = o->out.json ? listeners_print_json(stdout, &list) :
				    listeners_print_table(stdout, &list);
	}
	listener_list_free(&list);
	return err;
}
