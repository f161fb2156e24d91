// SPDX-License-Identifier: GPL-2.0
/*
 * ports.h - --ports: ephemeral-port use per pool.
 *
 * connect() without bind() picks a local port that makes the 4-tuple
 * unique, so each (local address, remote address, remote port) has its own
 * pool of ip_local_port_range ports (28232 with the default 32768-60999)
 * less those in ip_local_reserved_ports (never picked automatically): one
 * client runs out near that many connections to one destination, while a
 * host holds far more in total, across pools. A socket uses a pool port
 * when its local port is in the range, not reserved, and no listener
 * covers its local address and port (then it is an inbound connection;
 * its ephemeral port is the peer's).
 */
#ifndef TCPCONN_PORTS_H
#define TCPCONN_PORTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "agg.h"

struct nl_ctx;
struct opts;
struct sock_entry;

struct port_key {
	uint8_t family;		/* AF_INET (also for v4-mapped) or AF_INET6 */
	uint8_t pad;
	uint16_t rport;
	uint8_t local[16];
	uint8_t remote[16];
};

struct port_rec {
	struct port_key key;
	uint64_t used;		/* sockets with a local port in the range */
	uint64_t timewait;	/* of those, TIME-WAIT (and tw FIN-WAIT-2) */
};

struct port_listener {
	uint16_t port;
	uint8_t family;		/* AF_INET (also for v4-mapped) or AF_INET6 */
	uint8_t addr[16];	/* unmapped; all zero: the wildcard */
};

struct ports {
	struct agg agg;		/* of struct port_rec */
	uint16_t low, high;	/* ip_local_port_range */
	uint8_t listening[65536 / 8];	/* bit per local port with a listener */
	struct port_listener *lst;	/* the listeners, sorted by port when used */
	size_t nlst, cap_lst;
	bool lst_sorted;
	bool has_reserved;	/* ip_local_reserved_ports was read */
	uint8_t reserved[65536 / 8];	/* bit per reserved port */
	uint64_t reserved_in_range;	/* reserved ports inside the range */
	uint64_t pooled;	/* sockets counted in pools */
	uint64_t inbound;	/* a listener has the local address and port */
	uint64_t outside;	/* local port outside the range or reserved */
};

void ports_init(struct ports *p, uint16_t low, uint16_t high);
/*
 * ip_local_reserved_ports text ("8000-8100,9000\n", or empty) into a bit
 * per port. 0, or -EINVAL (bitmap unspecified) if malformed.
 */
int ports_parse_reserved(const char *text, uint8_t *bitmap);
/* Take @bitmap as the reserved ports (before ports_add()). */
void ports_set_reserved(struct ports *p, const uint8_t *bitmap);
/* A sock_fn for the first pass: note listening ports. */
int ports_add_listener(const struct sock_entry *s, void *data);
/* A sock_fn for the second pass: count a connection. */
int ports_add(const struct sock_entry *s, void *data);
/* Most used pool first. */
void ports_sort(struct ports *p);
void ports_free(struct ports *p);

static inline uint64_t ports_range(const struct ports *p)
{
	return p->high >= p->low ? (uint64_t)p->high - p->low + 1 : 0;
}

/* Ports per pool: the range less its reserved ports. */
static inline uint64_t ports_capacity(const struct ports *p)
{
	return ports_range(p) - p->reserved_in_range;
}

int ports_print_table(FILE *f, const struct ports *p, unsigned long top);
int ports_print_json(FILE *f, const struct ports *p, unsigned long top,
		     bool interrupted);

int ports_run(struct nl_ctx *nl, const struct opts *o);

#endif /* TCPCONN_PORTS_H */
