// SPDX-License-Identifier: GPL-2.0
/*
 * sockets.h - the per-socket views over TCPCONN_CMD_SOCKETS_GET:
 * --sockets, --timewait, --orphans (a streamed ss-like table or JSON),
 * --remotes and --ports (aggregates), and the pieces --limits reuses.
 *
 * A dump is processed message by message: nothing here needs the whole
 * table in memory (a host may hold millions of sockets). The table keeps
 * the first SOCK_WIDTH_ROWS rows to size its columns, then streams.
 */
#ifndef TCPCONN_SOCKETS_H
#define TCPCONN_SOCKETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/tcpconn.h>

#include <json-c/json_object.h>

#include "agg.h"

struct nlmsghdr;
struct nl_ctx;
struct opts;
struct filter;
struct addr_prefix;
struct procs;

struct sock_entry {
	uint8_t family;		/* AF_INET or AF_INET6 */
	uint8_t state;		/* enum tcpconn_state */
	uint8_t timer;		/* enum tcpconn_timer */
	bool orphan;
	uint8_t src[16];	/* network order; v4 in the first 4 bytes */
	uint8_t dst[16];
	uint16_t sport;
	uint16_t dport;
	uint32_t ifindex;	/* 0: not bound */
	uint32_t expires_ms;
	uint32_t retrans;
	uint32_t probes;
	uint32_t rqueue;
	uint32_t wqueue;
	uint32_t uid;
	uint64_t inode;
	uint64_t cookie;
};

#define SOCK_ALL_STATES (((UINT32_C(1) << (TCPCONN_STATE_MAX + 1)) - 1) & ~UINT32_C(1))
#define SOCK_STATE_BIT(s) (UINT32_C(1) << (s))
/* What --timewait dumps: every mini-socket of the time-wait table. */
#define SOCK_TIMEWAIT_STATES (SOCK_STATE_BIT(TCPCONN_STATE_TIME_WAIT) | \
			      SOCK_STATE_BIT(TCPCONN_STATE_TW_FIN_WAIT2))

/* ---- names and option parsing (sockets.c) ------------------------------ */

/* As ss prints them: "ESTAB", "SYN-SENT", ..., "UNCONN" for CLOSE. */
extern const char *const sock_state_ss[TCPCONN_STATE_MAX + 1];
/* "on", "keepalive", "timewait", "persist"; NULL for none. */
const char *sock_timer_name(uint8_t timer);

/*
 * "established,syn-sent", ss or tcpconn names, or a group (all,
 * connected, synchronized, bucket, big), case-insensitive, into a state
 * bitmask. -EINVAL (and a message) for an unknown name.
 */
int sock_states_parse(const char *s, uint32_t *mask);

/* "10.0.0.0/8", "::1", "[2001:db8::]/32", "10.1.2.3": -EINVAL if not. */
int addr_prefix_parse(const char *s, struct addr_prefix *p);

/* ---- wire (sockets.c) --------------------------------------------------- */

struct nlmsghdr *sockets_request(void *buf, size_t size, uint16_t family_id,
				 const struct filter *f);

/* Decode one reply. -EBADMSG if malformed or a required value is missing. */
int socket_parse(const struct nlmsghdr *nlh, struct sock_entry *s);

/* The request's filters, applied again in the client (v4-mapped too). */
bool socket_match(const struct sock_entry *s, const struct filter *f);

/* Local 4-tuple equal to the remote one: a TCP self-connection. */
bool socket_self_connect(const struct sock_entry *s);

/* An IPv6 socket with a v4-mapped address: its IPv4 form (family, addr). */
void sock_addr_unmap(int family, const uint8_t *addr, int *ufamily,
		     uint8_t *uaddr);

/*
 * Run a dump with @f's filters, calling @fn for every socket that also
 * passes the client-side match, once per cookie: after NLM_F_DUMP_INTR the
 * kernel may send again sockets of the bucket it walks again; those are
 * dropped (counted in nl->dump_dups, with a warning). @fn returns 0 or a
 * negative errno.
 */
typedef int (*sock_fn)(const struct sock_entry *s, void *data);
int sockets_dump(struct nl_ctx *nl, const struct filter *f, sock_fn fn,
		 void *data);

/* What sockets_dump() gives nl_transact(); exposed for replay tests. */
struct sockets_collect {
	const struct filter *filter;
	sock_fn fn;
	void *data;
	size_t seen;	/* sockets passed to @fn */
	size_t dups;	/* sockets dropped: cookie already passed to @fn */
	struct u64set cookies;	/* the cookies passed to @fn */
};
int sockets_collect_cb(const struct nlmsghdr *nlh, void *data);
void sockets_collect_free(struct sockets_collect *c);

/* ---- output (sockets_out.c) --------------------------------------------- */

/* Rows used to size the table's columns before it starts streaming. */
#define SOCK_WIDTH_ROWS 4096

struct sock_printer {
	FILE *f;
	bool json;
	const struct procs *procs;	/* -p; NULL without */
	/* table: rows held back until the widths are known */
	struct sock_entry *held;
	size_t nheld;
	bool streaming;
	size_t width[16];
	/* JSON */
	size_t count;
	size_t dups;	/* set before finish: repeats sockets_dump() dropped */
	int err;
};

void sock_printer_init(struct sock_printer *p, FILE *f, bool json,
		       const struct procs *procs);
/* A sock_fn: print (or hold) one socket. */
int sock_printer_add(const struct sock_entry *s, void *data);
/* Flush held rows and close the document; @interrupted: NLM_F_DUMP_INTR seen. */
int sock_printer_finish(struct sock_printer *p, bool interrupted);
void sock_printer_free(struct sock_printer *p);

/* "on,200ms,0" as ss -o's timer:(...) content; "-" without a timer. */
void sock_timer_format(const struct sock_entry *s, char *buf, size_t len);
/* ss's print_ms_timer(): "1min", "59sec", "1.500ms" -> "1.500" ... */
void sock_ms_format(uint32_t ms, char *buf, size_t len);

struct json_object *socket_to_json(const struct sock_entry *s,
				   const struct procs *procs);

/* The view entry points (--sockets, --timewait and --orphans share one). */
int sockets_run(struct nl_ctx *nl, const struct opts *o);

#endif /* TCPCONN_SOCKETS_H */
