// SPDX-License-Identifier: GPL-2.0
/* listeners.h - the --listeners view: TCPCONN_CMD_LISTENERS_GET. */
#ifndef TCPCONN_LISTENERS_H
#define TCPCONN_LISTENERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json_object.h>

struct nlmsghdr;
struct nl_ctx;
struct opts;
struct filter;

struct listener {
	uint8_t family;		/* AF_INET or AF_INET6 */
	uint8_t addr[16];	/* network order; v4 in the first 4, rest 0 */
	uint16_t port;
	uint32_t ifindex;	/* 0: not bound to a device */
	uint32_t syn_queue;
	uint32_t syn_young;
	uint32_t accept_queue;
	uint32_t backlog;
	uint32_t drops;
	uint32_t uid;
	uint64_t inode;
	uint64_t cookie;
	bool reuseport;
	bool v6only;
};

/* Growable: a dump may hold any number of listeners; never truncate. */
struct listener_list {
	struct listener *items;
	size_t len;
	size_t cap;
};

/* Build the dump request with the filters as attributes into @buf. */
struct nlmsghdr *listeners_request(void *buf, size_t size, uint16_t family_id,
				   const struct filter *f);

/* Decode one reply message. -EBADMSG if malformed or incomplete. */
int listener_parse(const struct nlmsghdr *nlh, struct listener *l);

bool listener_match(const struct listener *l, const struct filter *f);
bool listener_full(const struct listener *l);

int listener_list_add(struct listener_list *list, const struct listener *l);
void listener_list_sort(struct listener_list *list);
void listener_list_free(struct listener_list *list);

/* What nl_transact() calls per message; @data is a struct listeners_collect. */
struct listeners_collect {
	struct listener_list *list;
	const struct filter *filter;
};
int listeners_collect_cb(const struct nlmsghdr *nlh, void *data);

/* Output (listeners_out.c). */
/* "0.0.0.0:80", "[::]%eth0:443": the table's address cell, never fails. */
void listener_name(const struct listener *l, char *buf, size_t len);
int listeners_print_table(FILE *f, const struct listener_list *list);
/* One listener as the JSON object of --listeners (also used by --summary). */
struct json_object *listener_to_json(const struct listener *l);
struct json_object *listeners_to_json(const struct listener_list *list);
int listeners_print_json(FILE *f, const struct listener_list *list);

/* The view entry point, called from main(). */
int listeners_run(struct nl_ctx *nl, const struct opts *o);

#endif /* TCPCONN_LISTENERS_H */
