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
	/* to come: SOCKETS, TIMEWAIT, ORPHANS, REMOTES, PORTS, LIMITS */
	__VIEW_MAX,
};

enum action {
	ACTION_RUN,
	ACTION_HELP,
	ACTION_VERSION,
};

struct filter {
	int family;		/* AF_UNSPEC, AF_INET (-4) or AF_INET6 (-6) */
	bool has_port;
	uint16_t port;		/* --port, 1..65535 */
};

/* -i SECS bounds: as watch(1) at the bottom, a day at the top. */
#define INTERVAL_MIN 0.1
#define INTERVAL_MAX 86400.0

struct output_opts {
	bool json;		/* -j */
	bool numeric;		/* -n: accepted; output is always numeric */
	double interval;	/* -i SECS; 0: report once */
	unsigned long count;	/* -c COUNT reports (needs -i); 0: until a signal */
	/* to come: prometheus */
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
