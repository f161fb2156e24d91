// SPDX-License-Identifier: GPL-2.0
/*
 * ticker.h - the -i SECS loop: fixed-rate deadlines on CLOCK_MONOTONIC and a
 * clean stop on SIGINT/SIGTERM.
 *
 * While a ticker runs, SIGINT and SIGTERM only set a flag (SA_RESTART, so
 * netlink and stdout I/O are not cut short); ticker_wait() sleeps with the
 * two signals unblocked atomically (ppoll), so a signal arriving between
 * the check and the sleep is never lost. ticker_stop() puts the previous
 * handlers and mask back.
 */
#ifndef TCPCONN_TICKER_H
#define TCPCONN_TICKER_H

#include <signal.h>
#include <stdbool.h>
#include <time.h>

struct ticker {
	struct timespec period;
	struct timespec next;		/* CLOCK_MONOTONIC deadline */
	struct sigaction old_int, old_term;
	bool armed;
};

/* Start at now; the first ticker_wait() returns one @secs (> 0) later. */
int ticker_start(struct ticker *t, double secs);

/*
 * Sleep until the next deadline. 0 when it is reached, 1 if SIGINT or
 * SIGTERM arrived (now or since ticker_start), negative errno on failure.
 * Deadlines are fixed-rate (no drift); when one was missed (a report
 * took longer than the period) it returns at once and the next deadline
 * is a full period later: no burst of catch-up samples.
 */
int ticker_wait(struct ticker *t);

/* True once SIGINT/SIGTERM arrived; without sleeping. */
bool ticker_stopped(const struct ticker *t);

void ticker_stop(struct ticker *t);

/* @b - @a in seconds. */
double timespec_diff(const struct timespec *a, const struct timespec *b);

#endif /* TCPCONN_TICKER_H */
