// SPDX-License-Identifier: GPL-2.0
/*
 * tests.h - the test groups linked into one runner binary (runner.c).
 * Each returns its number of failed tests and sets *total to its size, so
 * the runner can print one "N passed, N failed" line for all of them.
 */
#ifndef TCPCONN_TESTS_H
#define TCPCONN_TESTS_H

/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int run_opts_tests(int *total);
int run_output_tests(int *total);
int run_listeners_tests(int *total);
int run_nl_tests(int *total);
int run_summary_tests(int *total);
int run_summary_out_tests(int *total);
int run_hostinfo_tests(int *total);
int run_sockets_tests(int *total);
int run_views_tests(int *total);
int run_prom_tests(int *total);

/* main() of main.c, renamed by the Makefile for the test build. */
int tcpconn_stat_main(int argc, char **argv);

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Collects what a function prints to a FILE *; free(.buf) afterwards. */
struct capture {
	FILE *f;
	char *buf;
	size_t len;
};

static inline void capture_start(struct capture *c)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	assert_non_null(c->f);
}

static inline const char *capture_end(struct capture *c)
{
	assert_int_equal(fclose(c->f), 0);
	return c->buf;
}

/*
 * Send stderr to /dev/null around calls that print the full usage text,
 * which would otherwise bury the runner's output; returns the saved fd.
 */
static inline int stderr_mute(void)
{
	int saved, null;

	fflush(stderr);
	saved = dup(STDERR_FILENO);
	null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	assert_true(saved >= 0 && null >= 0);
	assert_true(dup2(null, STDERR_FILENO) >= 0);
	close(null);
	return saved;
}

static inline void stderr_restore(int saved)
{
	fflush(stderr);
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
}

#endif /* TCPCONN_TESTS_H */
