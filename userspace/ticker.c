// SPDX-License-Identifier: GPL-2.0
/* ticker.c - fixed-rate deadlines with a signal-safe stop, see ticker.h. */
#include <errno.h>
#include <poll.h>
#include <string.h>

#include "ticker.h"

#define NSEC_PER_SEC 1000000000L

static volatile sig_atomic_t ticker_signalled;

static void ticker_handler(int sig)
{
	(void)sig;
	ticker_signalled = 1;
}

double timespec_diff(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	       (double)(b->tv_nsec - a->tv_nsec) / NSEC_PER_SEC;
}

static void ts_add(struct timespec *t, const struct timespec *d)
{
	t->tv_sec += d->tv_sec;
	t->tv_nsec += d->tv_nsec;
	if (t->tv_nsec >= NSEC_PER_SEC) {
		t->tv_nsec -= NSEC_PER_SEC;
		t->tv_sec++;
	}
}

static bool ts_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec ||
	       (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

int ticker_start(struct ticker *t, double secs)
{
	struct sigaction sa;

	memset(t, 0, sizeof(*t));
	/* the option parser caps SECS far below this; NaN fails here too */
	if (!(secs > 0 && secs < 1e9))
		return -EINVAL;
	t->period.tv_sec = (time_t)secs;
	t->period.tv_nsec = (long)((secs - (double)t->period.tv_sec) * NSEC_PER_SEC);
	if (!t->period.tv_sec && !t->period.tv_nsec)
		t->period.tv_nsec = 1;
	if (clock_gettime(CLOCK_MONOTONIC, &t->next) < 0)
		return -errno;
	ts_add(&t->next, &t->period);

	ticker_signalled = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ticker_handler;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, &t->old_int) < 0)
		return -errno;
	if (sigaction(SIGTERM, &sa, &t->old_term) < 0) {
		int err = -errno;

		sigaction(SIGINT, &t->old_int, NULL);
		return err;
	}
	t->armed = true;
	return 0;
}

bool ticker_stopped(const struct ticker *t)
{
	(void)t;
	return ticker_signalled != 0;
}

int ticker_wait(struct ticker *t)
{
	sigset_t block, old, during;
	struct timespec now;
	int ret = 0;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &block, &old) < 0)
		return -errno;
	during = old;
	sigdelset(&during, SIGINT);
	sigdelset(&during, SIGTERM);

	for (;;) {
		struct timespec left;

		if (ticker_signalled) {
			ret = 1;
			break;
		}
		if (clock_gettime(CLOCK_MONOTONIC, &now) < 0) {
			ret = -errno;
			break;
		}
		if (!ts_before(&now, &t->next))
			break;
		left.tv_sec = t->next.tv_sec - now.tv_sec;
		left.tv_nsec = t->next.tv_nsec - now.tv_nsec;
		if (left.tv_nsec < 0) {
			left.tv_nsec += NSEC_PER_SEC;
			left.tv_sec--;
		}
		/* Signals are unblocked only inside ppoll: none slips past the check. */
		if (ppoll(NULL, 0, &left, &during) < 0 && errno != EINTR) {
			ret = -errno;
			break;
		}
	}
	sigprocmask(SIG_SETMASK, &old, NULL);

	/*
	 * Next deadline one period on. If this one was already missed (a
	 * report took longer than a period: slow terminal, stopped process),
	 * start afresh from now instead of firing the missed ones back to
	 * back, which would take rates over tiny intervals.
	 */
	if (ret == 0) {
		ts_add(&t->next, &t->period);
		if (!ts_before(&now, &t->next)) {
			t->next = now;
			ts_add(&t->next, &t->period);
		}
	}
	return ret;
}

void ticker_stop(struct ticker *t)
{
	if (!t->armed)
		return;
	sigaction(SIGINT, &t->old_int, NULL);
	sigaction(SIGTERM, &t->old_term, NULL);
	t->armed = false;
}
