// SPDX-License-Identifier: GPL-2.0
/*
 * opts.h - the parsed command line, shared by main.c and the views.
 *
 * A view is one report (one netlink command). Filters and output switches
 * are separate sub-structs so a new view (--summary, --sockets, ...) only
 * adds an enum value and a row in main.c's view table, and reads whichever
 * filters apply to it.
 */
#ifndef TCPCONN_OPTS_H
#define TCPCONN_OPTS_H

#include <stdbool.h>
#include <stdint.h>

enum view {
	VIEW_NONE,
	VIEW_LISTENERS,
	VIEW_SUMMARY,
	VIEW_SOCKETS,
	VIEW_TIMEWAIT,
	VIEW_ORPHANS,
	VIEW_REMOTES,
	VIEW_PORTS,
	VIEW_LIMITS,
	VIEW_PROMETHEUS,
	__VIEW_MAX,
};

enum action {
	ACTION_RUN,
	ACTION_HELP,
	ACTION_VERSION,
};

/* An address filter: --src/--dst ADDR[/LEN]. */
struct addr_prefix {
	int family;		/* 0: no filter; else AF_INET or AF_INET6 */
	uint8_t addr[16];	/* network order; v4 in the first 4 bytes */
	uint8_t len;		/* prefix length in bits, <= 32 or 128 */
};

struct filter {
	int family;		/* AF_UNSPEC, AF_INET (-4) or AF_INET6 (-6) */
	bool has_port;
	uint16_t port;		/* --port, 1..65535 (--listeners) */
	/* The socket views (--sockets, --timewait, ...): */
	uint32_t states;	/* --state: bit (1 << enum tcpconn_state); 0 all */
	struct addr_prefix src;	/* --src */
	struct addr_prefix dst;	/* --dst */
	uint16_t sport;		/* --sport; 0 any */
	uint16_t dport;		/* --dport; 0 any */
	bool has_uid;
	uint32_t uid;		/* --uid */
	bool orphans;		/* orphans only (--orphans) */
};

/* -i SECS bounds: as watch(1) at the bottom, a day at the top. */
#define INTERVAL_MIN 0.1
#define INTERVAL_MAX 86400.0

struct output_opts {
	bool json;		/* -j */
	bool numeric;		/* -n: accepted; output is always numeric */
	double interval;	/* -i SECS; 0: report once */
	unsigned long count;	/* -c COUNT reports (needs -i); 0: until a signal */
	bool processes;		/* -p: owning processes from /proc/PID/fd */
	unsigned long top;	/* --top N rows (--remotes, --ports, --limits) */
	const char *prom_file;	/* --prometheus=FILE; NULL: stdout */
};

struct opts {
	enum action action;
	enum view view;
	struct filter filter;
	struct output_opts out;
};

/*
 * Parse argv. Returns 0, or -EINVAL on a usage error after saying why on
 * stderr (the caller prints the usage). Resets getopt, so it may be called
 * more than once. Defined in main.c.
 */
int opts_parse(struct opts *o, int argc, char **argv);

/* Parse a decimal in [min, max], the whole string, no sign or spaces. */
int parse_uint(const char *s, unsigned long min, unsigned long max,
	       unsigned long *out);

/*
 * Parse seconds in [min, max]: digits with an optional fraction ("2",
 * "0.5", ".5", "1."); no sign, exponent, hex, "inf" or "nan".
 */
int parse_seconds(const char *s, double min, double max, double *out);

#endif /* TCPCONN_OPTS_H */
