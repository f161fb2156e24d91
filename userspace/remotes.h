// SPDX-License-Identifier: GPL-2.0
/*
 * remotes.h - --remotes: which remote addresses hold the most connections,
 * with a count per state. Listeners (no remote) are left out; a v4-mapped
 * remote of an IPv6 socket counts as the IPv4 address it is.
 */
#ifndef TCPCONN_REMOTES_H
#define TCPCONN_REMOTES_H

#include <stdint.h>
#include <stdio.h>

#include <linux/tcpconn.h>

#include "agg.h"

struct nl_ctx;
struct opts;
struct sock_entry;

struct remote_key {
	uint8_t family;		/* AF_INET (also for v4-mapped) or AF_INET6 */
	uint8_t addr[16];
	uint8_t pad[3];		/* zero: part of the hashed key */
};

struct remote_rec {
	struct remote_key key;
	uint64_t total;
	uint64_t states[TCPCONN_STATE_MAX + 1];
};

struct remotes {
	struct agg agg;		/* of struct remote_rec */
	uint64_t sockets;	/* counted (non-listening) sockets */
};

void remotes_init(struct remotes *r);
/* A sock_fn: count one socket. */
int remotes_add(const struct sock_entry *s, void *data);
/* Most connections first, then by address. */
void remotes_sort(struct remotes *r);
void remotes_free(struct remotes *r);

int remotes_print_table(FILE *f, const struct remotes *r, unsigned long top);
int remotes_print_json(FILE *f, const struct remotes *r, unsigned long top,
		       bool interrupted);

int remotes_run(struct nl_ctx *nl, const struct opts *o);

#endif /* TCPCONN_REMOTES_H */
