// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_opts.c - libFuzzer target: arbitrary command lines through
 * opts_parse() and, when they are not a view to run, main() itself.
 *
 * Input: argv[1..], separated by NUL bytes (at most MAX_ARGS; each
 * argument in its own allocation, so a read past its end is caught).
 *
 * Invariants checked (a violation is a crash):
 *   - opts_parse() returns 0 or -EINVAL, and the same for the same argv
 *     (getopt's global state is reset), with the same struct opts;
 *   - what it accepts is a view with only the options that view applies,
 *     values in their documented ranges;
 *   - a rejected command line makes main() exit 2 with the usage text on
 *     stderr (and nothing on stdout); -h exits 0 with the usage on
 *     stdout, -V exits 0 with the version.
 * Command lines that parse to a view are not run (that needs netlink).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/socket.h>

#include "main.h"
#include "opts.h"
#include "sockets.h"

#define MAX_ARGS 32

/* main() of main.c, renamed at build time (as in the cmocka tests). */
int tcpconn_stat_main(int argc, char **argv);

struct args {
	int argc;
	char *argv[MAX_ARGS + 2];
};

static void args_build(struct args *a, const uint8_t *data, size_t size)
{
	size_t start = 0, i;

	a->argc = 0;
	a->argv[a->argc++] = strdup("tcpconn-stat");
	for (i = 0; i <= size && a->argc <= MAX_ARGS; i++) {
		if (i == size || data[i] == '\0') {
			char *s = malloc(i - start + 1);

			if (!s)
				abort();
			memcpy(s, data + start, i - start);
			s[i - start] = '\0';
			a->argv[a->argc++] = s;
			start = i + 1;
		}
	}
	a->argv[a->argc] = NULL;
}

static void args_free(struct args *a)
{
	int i;

	for (i = 0; i < a->argc; i++)
		free(a->argv[i]);
}

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

/* What README.md and usage() promise about an accepted command line. */
static void check_opts(const struct opts *o)
{
	const struct filter *f = &o->filter;
	const struct output_opts *out = &o->out;
	bool sock_view = o->view == VIEW_SOCKETS || o->view == VIEW_TIMEWAIT ||
			 o->view == VIEW_ORPHANS || o->view == VIEW_REMOTES ||
			 o->view == VIEW_PORTS;

	if (o->action != ACTION_RUN)
		return;
	CHECK(o->view > VIEW_NONE && o->view < __VIEW_MAX);
	CHECK(f->family == AF_UNSPEC || f->family == AF_INET ||
	      f->family == AF_INET6);
	if (f->family != AF_UNSPEC)
		CHECK(o->view == VIEW_LISTENERS || sock_view);
	CHECK(!f->has_port || (f->port != 0 && o->view == VIEW_LISTENERS));
	CHECK(!f->orphans);	/* set by the view, never by an option */
	CHECK((f->states & ~SOCK_ALL_STATES) == 0);
	if (f->states)
		CHECK(sock_view && o->view != VIEW_TIMEWAIT);
	if (f->src.family || f->dst.family || f->sport || f->dport ||
	    f->has_uid)
		CHECK(sock_view);
	CHECK(f->src.family == 0 || f->src.family == AF_INET ||
	      f->src.family == AF_INET6);
	CHECK(f->dst.family == 0 || f->dst.family == AF_INET ||
	      f->dst.family == AF_INET6);
	CHECK(f->src.len <= (f->src.family == AF_INET ? 32 : 128));
	CHECK(f->dst.len <= (f->dst.family == AF_INET ? 32 : 128));
	if (f->family == AF_INET)
		CHECK(f->src.family != AF_INET6 && f->dst.family != AF_INET6);
	CHECK(!f->has_uid || f->uid != UINT32_MAX);
	CHECK(!out->processes || o->view == VIEW_SOCKETS);
	CHECK(out->numeric);
	CHECK(out->interval == 0 ||
	      (out->interval >= INTERVAL_MIN && out->interval <= INTERVAL_MAX &&
	       o->view == VIEW_SUMMARY));
	CHECK(out->count == 0 || out->interval > 0);
	if (out->top != 20)
		CHECK(o->view == VIEW_REMOTES || o->view == VIEW_PORTS ||
		      o->view == VIEW_LIMITS);
}

static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* opts_parse()'s complaints; main()'s output is captured below. */
	devnull = fopen("/dev/null", "w");
	if (!devnull)
		abort();
	if (!getenv("FUZZ_VERBOSE"))
		stderr = devnull;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct args a, b;
	struct opts o1, o2;
	int r1, r2;

	if (size > 4096)
		return -1;
	args_build(&a, data, size);
	args_build(&b, data, size);	/* getopt permutes argv: a fresh copy */

	r1 = opts_parse(&o1, a.argc, a.argv);
	r2 = opts_parse(&o2, b.argc, b.argv);
	CHECK(r1 == 0 || r1 == -EINVAL);
	CHECK(r1 == r2);
	if (r1 == 0) {
		/* --prometheus=FILE points into each argv: compare the text */
		CHECK(!o1.out.prom_file == !o2.out.prom_file);
		CHECK(!o1.out.prom_file ||
		      strcmp(o1.out.prom_file, o2.out.prom_file) == 0);
		o2.out.prom_file = o1.out.prom_file;
		CHECK(memcmp(&o1, &o2, sizeof(o1)) == 0);
		check_opts(&o1);
	}
	args_free(&b);

	if (r1 < 0 || o1.action != ACTION_RUN) {
		FILE *saved_out = stdout, *saved_err = stderr, *mout, *merr;
		char *obuf = NULL, *ebuf = NULL;
		size_t olen = 0, elen = 0;
		int status;

		args_build(&b, data, size);
		mout = open_memstream(&obuf, &olen);
		merr = open_memstream(&ebuf, &elen);
		if (!mout || !merr)
			abort();
		stdout = mout;
		stderr = merr;
		status = tcpconn_stat_main(b.argc, b.argv);
		stdout = saved_out;
		stderr = saved_err;
		if (fclose(mout) || fclose(merr))
			abort();
		if (r1 < 0) {
			CHECK(status == TC_EXIT_USAGE);
			CHECK(strstr(ebuf, "Usage: tcpconn-stat VIEW"));
			CHECK(olen == 0);
		} else if (o1.action == ACTION_HELP) {
			CHECK(status == TC_EXIT_OK);
			CHECK(!strncmp(obuf, "Usage: tcpconn-stat VIEW", 24));
		} else {
			CHECK(status == TC_EXIT_OK);
			CHECK(!strncmp(obuf, "tcpconn-stat ", 13));
		}
		free(obuf);
		free(ebuf);
		args_free(&b);
	}
	args_free(&a);
	return 0;
}
