// SPDX-License-Identifier: GPL-2.0
/* test_opts.c - command line parsing and the usage-error exit status. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sys/socket.h>

#include "tests.h"
#include "opts.h"

/* getopt permutes argv, so hand it a fresh writable copy each time. */
#define PARSE(o, ...) ({						\
	char *argv_[] = { "tcpconn-stat", __VA_ARGS__ };		\
	opts_parse((o), (int)ARRAY_LEN(argv_), argv_);			\
})
#define RUN_MAIN(...) ({						\
	char *argv_[] = { "tcpconn-stat", __VA_ARGS__ };		\
	tcpconn_stat_main((int)ARRAY_LEN(argv_), argv_);		\
})

static void test_listeners_defaults(void **state)
{
	struct opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "--listeners"), 0);
	assert_int_equal(o.action, ACTION_RUN);
	assert_int_equal(o.view, VIEW_LISTENERS);
	assert_int_equal(o.filter.family, AF_UNSPEC);
	assert_false(o.filter.has_port);
	assert_false(o.out.json);
	assert_true(o.out.numeric);	/* numeric is the default */
}

static void test_valid_combinations(void **state)
{
	struct opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "--listeners", "-n", "-4", "--port", "8080", "-j"), 0);
	assert_int_equal(o.filter.family, AF_INET);
	assert_true(o.filter.has_port);
	assert_int_equal(o.filter.port, 8080);
	assert_true(o.out.json);

	/* clustered short options, --opt=value, options before the view */
	assert_int_equal(PARSE(&o, "-6nj", "--port=443", "--listeners"), 0);
	assert_int_equal(o.view, VIEW_LISTENERS);
	assert_int_equal(o.filter.family, AF_INET6);
	assert_int_equal(o.filter.port, 443);
	assert_true(o.out.json);

	assert_int_equal(PARSE(&o, "--listeners", "--ipv6", "--json", "--numeric"), 0);
	assert_int_equal(o.filter.family, AF_INET6);

	/* repeating a view or a family is harmless */
	assert_int_equal(PARSE(&o, "--listeners", "-4", "-4", "--listeners"), 0);
	assert_int_equal(o.filter.family, AF_INET);
}

static void test_port_bounds(void **state)
{
	struct opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "--listeners", "--port", "1"), 0);
	assert_int_equal(o.filter.port, 1);
	assert_int_equal(PARSE(&o, "--listeners", "--port", "65535"), 0);
	assert_int_equal(o.filter.port, 65535);
	assert_int_equal(PARSE(&o, "--listeners", "--port", "0080"), 0);
	assert_int_equal(o.filter.port, 80);
}

static void test_port_invalid(void **state)
{
	static const char *const bad[] = {
		"0", "70000", "65536", "abc", "", "-1", "+80", " 80", "80 ",
		"80x", "0x50", "99999999999999999999999",
	};
	struct opts o;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(bad); i++) {
		char *arg = strdup(bad[i]);

		assert_int_equal(PARSE(&o, "--listeners", "--port", arg), -EINVAL);
		free(arg);
	}
	/* and without the argument at all */
	assert_int_equal(PARSE(&o, "--listeners", "--port"), -EINVAL);
}

static void test_parse_uint(void **state)
{
	unsigned long v = 7;

	(void)state;
	assert_int_equal(parse_uint("42", 1, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_true(parse_uint("101", 1, 100, &v) < 0);
	assert_true(parse_uint("0", 1, 100, &v) < 0);
	assert_true(parse_uint("-0", 0, 100, &v) < 0);
	assert_int_equal(v, 42);	/* untouched on error */
}

static void test_family_conflict(void **state)
{
	struct opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "--listeners", "-4", "-6"), -EINVAL);
	assert_int_equal(PARSE(&o, "-46", "--listeners"), -EINVAL);
	assert_int_equal(PARSE(&o, "--ipv6", "--listeners", "--ipv4"), -EINVAL);
}

static void test_usage_errors(void **state)
{
	struct opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "--bogus", "--listeners"), -EINVAL);
	assert_int_equal(PARSE(&o, "--listeners", "-x"), -EINVAL);
	assert_int_equal(PARSE(&o, "--listeners", "stray"), -EINVAL);
	/* a view is required */
	assert_int_equal(PARSE(&o, "-4"), -EINVAL);
	{
		char *argv[] = { "tcpconn-stat" };

		assert_int_equal(opts_parse(&o, 1, argv), -EINVAL);
	}
}

static void test_help_version(void **state)
{
	struct opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "-h"), 0);
	assert_int_equal(o.action, ACTION_HELP);
	assert_int_equal(PARSE(&o, "--help"), 0);
	assert_int_equal(o.action, ACTION_HELP);
	assert_int_equal(PARSE(&o, "-V"), 0);
	assert_int_equal(o.action, ACTION_VERSION);
	assert_int_equal(PARSE(&o, "--version"), 0);
	assert_int_equal(o.action, ACTION_VERSION);
}

/* The whole CLI up to, not including, netlink: usage problems exit 2. */
static void test_main_usage_exit_2(void **state)
{
	char *no_args[] = { "tcpconn-stat" };
	int rc[7], saved;

	(void)state;
	/* results first, asserts after: a failed assert must not leave stderr muted */
	saved = stderr_mute();
	rc[0] = RUN_MAIN("--bogus");
	rc[1] = RUN_MAIN("-4", "-6", "--listeners");
	rc[2] = RUN_MAIN("--listeners", "--port", "0");
	rc[3] = RUN_MAIN("--listeners", "--port", "70000");
	rc[4] = RUN_MAIN("--listeners", "--port", "abc");
	rc[5] = RUN_MAIN("-n");
	rc[6] = tcpconn_stat_main(1, no_args);
	stderr_restore(saved);

	for (size_t i = 0; i < ARRAY_LEN(rc); i++)
		assert_int_equal(rc[i], 2);
}

static void test_summary_defaults(void **state)
{
	struct opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "--summary"), 0);
	assert_int_equal(o.view, VIEW_SUMMARY);
	assert_true(o.out.interval == 0);
	assert_int_equal(o.out.count, 0);
	assert_false(o.out.json);
	assert_int_equal(PARSE(&o, "-j", "--summary", "-n"), 0);
	assert_true(o.out.json);
}

static void test_interval_valid(void **state)
{
	struct opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "--summary", "-i", "1"), 0);
	assert_true(o.out.interval == 1.0);
	assert_int_equal(o.out.count, 0);
	assert_int_equal(PARSE(&o, "--summary", "-i", "0.5", "-c", "3"), 0);
	assert_true(o.out.interval == 0.5);
	assert_int_equal(o.out.count, 3);
	assert_int_equal(PARSE(&o, "--summary", "--interval=.25", "--count=1"), 0);
	assert_true(o.out.interval == 0.25);
	assert_int_equal(o.out.count, 1);
	assert_int_equal(PARSE(&o, "-ji2.", "--summary"), 0);
	assert_true(o.out.interval == 2.0);
	assert_true(o.out.json);
	assert_int_equal(PARSE(&o, "--summary", "-i", "0.1"), 0);
	assert_int_equal(PARSE(&o, "--summary", "-i", "86400"), 0);
	assert_int_equal(PARSE(&o, "-c", "2", "--summary", "-i", "007"), 0);
	assert_true(o.out.interval == 7.0);
}

static void test_interval_invalid(void **state)
{
	static const char *const bad[] = {
		"0", "0.0", "-1", "-0.5", "abc", "", ".", "1e3", "1e-1", "inf",
		"nan", "0x10", " 1", "1 ", "+1", "1.5.", "1,5", "0.05",
		"86400.5", "99999999999999999999", "5s",
	};
	struct opts o;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(bad); i++) {
		char *arg = strdup(bad[i]);

		assert_int_equal(PARSE(&o, "--summary", "-i", arg), -EINVAL);
		free(arg);
	}
	assert_int_equal(PARSE(&o, "--summary", "-i"), -EINVAL);
	assert_int_equal(PARSE(&o, "--summary", "-i", "1", "-c", "0"), -EINVAL);
	assert_int_equal(PARSE(&o, "--summary", "-i", "1", "-c", "-1"), -EINVAL);
	assert_int_equal(PARSE(&o, "--summary", "-i", "1", "-c", "x"), -EINVAL);
}

static void test_parse_seconds(void **state)
{
	double v = 7;

	(void)state;
	assert_int_equal(parse_seconds("1.5", 0.1, 10, &v), 0);
	assert_true(v == 1.5);
	assert_true(parse_seconds("10.01", 0.1, 10, &v) < 0);
	assert_true(parse_seconds("0.09", 0.1, 10, &v) < 0);
	assert_true(parse_seconds("1e0", 0.1, 10, &v) < 0);
	assert_true(v == 1.5);	/* untouched on error */
}

/* Options a view does not take are errors, not silently ignored. */
static void test_summary_conflicts(void **state)
{
	struct opts o;

	(void)state;
	assert_int_equal(PARSE(&o, "--summary", "-4"), -EINVAL);
	assert_int_equal(PARSE(&o, "-6", "--summary"), -EINVAL);
	assert_int_equal(PARSE(&o, "--summary", "--port", "80"), -EINVAL);
	assert_int_equal(PARSE(&o, "--summary", "--listeners"), -EINVAL);
	assert_int_equal(PARSE(&o, "--listeners", "--summary"), -EINVAL);
	/* -i is a --summary option for now; -c needs -i */
	assert_int_equal(PARSE(&o, "--listeners", "-i", "1"), -EINVAL);
	assert_int_equal(PARSE(&o, "--summary", "-c", "3"), -EINVAL);
	assert_int_equal(PARSE(&o, "--listeners", "-c", "3"), -EINVAL);
}

static void test_main_summary_usage_exit_2(void **state)
{
	int rc[9], saved;

	(void)state;
	saved = stderr_mute();
	rc[0] = RUN_MAIN("--summary", "-i", "0");
	rc[1] = RUN_MAIN("--summary", "-i", "abc");
	rc[2] = RUN_MAIN("--summary", "-i", "-1");
	rc[3] = RUN_MAIN("--summary", "-c", "2");
	rc[4] = RUN_MAIN("--summary", "--listeners");
	rc[5] = RUN_MAIN("--summary", "-4");
	rc[6] = RUN_MAIN("--listeners", "-i", "1");
	rc[7] = RUN_MAIN("--summary", "-i", "1", "-c", "0");
	rc[8] = RUN_MAIN("--summary", "--port", "22");
	stderr_restore(saved);

	for (size_t i = 0; i < ARRAY_LEN(rc); i++)
		assert_int_equal(rc[i], 2);
}

int run_opts_tests(int *total)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listeners_defaults),
		cmocka_unit_test(test_valid_combinations),
		cmocka_unit_test(test_port_bounds),
		cmocka_unit_test(test_port_invalid),
		cmocka_unit_test(test_parse_uint),
		cmocka_unit_test(test_family_conflict),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_help_version),
		cmocka_unit_test(test_main_usage_exit_2),
		cmocka_unit_test(test_summary_defaults),
		cmocka_unit_test(test_interval_valid),
		cmocka_unit_test(test_interval_invalid),
		cmocka_unit_test(test_parse_seconds),
		cmocka_unit_test(test_summary_conflicts),
		cmocka_unit_test(test_main_summary_usage_exit_2),
	};

	*total = (int)ARRAY_LEN(tests);
	return cmocka_run_group_tests_name("options", tests, NULL, NULL);
}
