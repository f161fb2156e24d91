// SPDX-License-Identifier: GPL-2.0
/*
 * test_hostinfo.c - /proc/net/sockstat and tcp_max_orphans from fixture
 * directories (missing and malformed files included), and the -i ticker.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests.h"
#include "hostinfo.h"
#include "ticker.h"

static void test_hostinfo_parse_sockstat(void **state)
{
	struct hostinfo h;

	(void)state;
	memset(&h, 0, sizeof(h));
	assert_int_equal(hostinfo_parse_sockstat(
		"sockets: used 10\n"
		"TCP: inuse 1 orphan 17 tw 3 alloc 1 mem 283\n"
		"UDP: inuse 0 mem 0\n", &h), 0);
	assert_true(h.has_orphans && h.has_tw && h.has_mem);
	assert_int_equal(h.orphans, 17);
	assert_int_equal(h.tw, 3);
	assert_int_equal(h.mem, 283);

	/* keys in another order, an unknown one, no trailing newline */
	memset(&h, 0, sizeof(h));
	assert_int_equal(hostinfo_parse_sockstat(
		"TCP: mem 5 future 9 orphan 4000000000", &h), 0);
	assert_true(h.orphans == 4000000000ULL);
	assert_int_equal(h.mem, 5);
	assert_false(h.has_tw);

	/* TCP6: is not TCP:, a negative count is no count */
	memset(&h, 0, sizeof(h));
	assert_int_equal(hostinfo_parse_sockstat("TCP6: inuse 1 orphan 2\n", &h),
			 -ENOENT);
	assert_int_equal(hostinfo_parse_sockstat("TCP: inuse 1 orphan -2 tw 1\n", &h),
			 -ENOENT);
	assert_false(h.has_orphans);
	assert_true(h.has_tw);
	assert_int_equal(hostinfo_parse_sockstat("", &h), -ENOENT);
	assert_int_equal(hostinfo_parse_sockstat("TCP:\n", &h), -ENOENT);
}

static void test_hostinfo_parse_u64(void **state)
{
	uint64_t v = 1;

	(void)state;
	assert_int_equal(hostinfo_parse_u64("131072\n", &v), 0);
	assert_int_equal(v, 131072);
	assert_int_equal(hostinfo_parse_u64("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(hostinfo_parse_u64("", &v), -EINVAL);
	assert_int_equal(hostinfo_parse_u64("-1\n", &v), -EINVAL);
	assert_int_equal(hostinfo_parse_u64("12 34\n", &v), -EINVAL);
	assert_int_equal(hostinfo_parse_u64("abc", &v), -EINVAL);
	assert_int_equal(v, 0);
}

/* A fake /proc: @root/net/sockstat and @root/sys/net/ipv4/tcp_max_orphans. */
static void write_file(const char *root, const char *rel, const char *text)
{
	char path[PATH_MAX], dir[PATH_MAX], *p;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	snprintf(dir, sizeof(dir), "%s", path);
	for (p = dir + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		assert_true(mkdir(dir, 0700) == 0 || errno == EEXIST);
		*p = '/';
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void remove_tree(const char *root)
{
	static const char *const rel[] = {
		"net/sockstat", "sys/net/ipv4/tcp_max_orphans", "sys/net/ipv4",
		"sys/net", "sys", "net", "",
	};
	char path[PATH_MAX];
	size_t i;

	for (i = 0; i < ARRAY_LEN(rel); i++) {
		snprintf(path, sizeof(path), "%s/%s", root, rel[i]);
		remove(path);
	}
}

static void test_hostinfo_read_fixtures(void **state)
{
	char root[] = "/tmp/tcpconn-test-proc-XXXXXX";
	struct hostinfo h;

	(void)state;
	assert_non_null(mkdtemp(root));

	/* nothing there (a netns without them, a restricted /proc) */
	memset(&h, 0xff, sizeof(h));
	hostinfo_read(root, &h);
	assert_false(h.has_orphans || h.has_max_orphans || h.has_tw || h.has_mem);

	write_file(root, "net/sockstat",
		   "sockets: used 290\n"
		   "TCP: inuse 20 orphan 3 tw 7 alloc 25 mem 11\n"
		   "UDP: inuse 3 mem 2\n");
	hostinfo_read(root, &h);
	assert_true(h.has_orphans);
	assert_int_equal(h.orphans, 3);
	assert_int_equal(h.tw, 7);
	assert_false(h.has_max_orphans);

	write_file(root, "sys/net/ipv4/tcp_max_orphans", "65536\n");
	hostinfo_read(root, &h);
	assert_true(h.has_max_orphans);
	assert_int_equal(h.max_orphans, 65536);
	assert_int_equal(h.orphans, 3);

	write_file(root, "sys/net/ipv4/tcp_max_orphans", "lots\n");
	write_file(root, "net/sockstat", "TCP: inuse x\n");
	hostinfo_read(root, &h);
	assert_false(h.has_max_orphans || h.has_orphans);

	remove_tree(root);
	/* the real one, whatever it holds, must not crash or fail */
	hostinfo_read(NULL, &h);
}

static void test_ticker(void **state)
{
	struct timespec a, b;
	struct sigaction sa;
	struct ticker t;

	(void)state;
	assert_int_equal(ticker_start(&t, 0), -EINVAL);
	assert_int_equal(ticker_start(&t, -1), -EINVAL);

	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(ticker_start(&t, 0.1), 0);
	assert_int_equal(ticker_wait(&t), 0);
	assert_int_equal(ticker_wait(&t), 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	assert_true(timespec_diff(&a, &b) >= 0.2);
	assert_false(ticker_stopped(&t));
	ticker_stop(&t);

	/* a signal that came while working ends the next wait at once */
	assert_int_equal(ticker_start(&t, 30), 0);
	raise(SIGTERM);
	assert_true(ticker_stopped(&t));
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(ticker_wait(&t), 1);
	clock_gettime(CLOCK_MONOTONIC, &b);
	assert_true(timespec_diff(&a, &b) < 10);
	ticker_stop(&t);
	ticker_stop(&t);	/* twice is harmless */
	assert_int_equal(sigaction(SIGTERM, NULL, &sa), 0);
	assert_true(sa.sa_handler == SIG_DFL);
}

/* Falling behind: return at once, then a whole period, never a burst. */
static void test_ticker_skips(void **state)
{
	struct timespec a, b, nap = { 0, 250000000 };
	struct ticker t;

	(void)state;
	assert_int_equal(ticker_start(&t, 0.1), 0);
	nanosleep(&nap, NULL);			/* "a slow report" */
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(ticker_wait(&t), 0);	/* overdue: no sleep */
	/* the schedule restarts from then, not from the missed deadlines */
	assert_true(timespec_diff(&a, &t.next) >= 0.1);
	assert_int_equal(ticker_wait(&t), 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	assert_true(timespec_diff(&a, &b) >= 0.1);
	ticker_stop(&t);
}

int run_hostinfo_tests(int *total)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostinfo_parse_sockstat),
		cmocka_unit_test(test_hostinfo_parse_u64),
		cmocka_unit_test(test_hostinfo_read_fixtures),
		cmocka_unit_test(test_ticker),
		cmocka_unit_test(test_ticker_skips),
	};

	*total = (int)ARRAY_LEN(tests);
	return cmocka_run_group_tests_name("hostinfo and ticker", tests, NULL, NULL);
}
