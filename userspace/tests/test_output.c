// SPDX-License-Identifier: GPL-2.0
/* test_output.c - address formatting, interface names, tables. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <sys/socket.h>

#include "tests.h"
#include "listeners.h"
#include "output.h"
#include "replay.h"
#include "table.h"

static void check_addr(int family, const char *addr, uint16_t port,
		       const char *ifname, const char *want)
{
	uint8_t raw[16] = { 0 };
	char buf[ADDRPORT_LEN];

	assert_int_equal(inet_pton(family, addr, raw), 1);
	assert_int_equal(format_addr_port(buf, sizeof(buf), family, raw, port,
					  ifname), 0);
	assert_string_equal(buf, want);
}

static void test_addr_v4(void **state)
{
	(void)state;
	check_addr(AF_INET, "0.0.0.0", 80, NULL, "0.0.0.0:80");
	check_addr(AF_INET, "127.0.0.1", 8080, NULL, "127.0.0.1:8080");
	check_addr(AF_INET, "255.255.255.255", 65535, NULL,
		   "255.255.255.255:65535");
}

static void test_addr_v6(void **state)
{
	(void)state;
	check_addr(AF_INET6, "::", 80, NULL, "[::]:80");
	check_addr(AF_INET6, "::1", 22, NULL, "[::1]:22");
	check_addr(AF_INET6, "2001:db8::1", 443, NULL, "[2001:db8::1]:443");
	check_addr(AF_INET6, "fe80:1:2:3:4:5:6:7", 1, NULL,
		   "[fe80:1:2:3:4:5:6:7]:1");
}

static void test_addr_v4_mapped(void **state)
{
	(void)state;
	check_addr(AF_INET6, "::ffff:10.0.0.1", 80, NULL, "[::ffff:10.0.0.1]:80");
}

static void test_addr_bound_device(void **state)
{
	(void)state;
	check_addr(AF_INET, "0.0.0.0", 80, "eth0", "0.0.0.0%eth0:80");
	check_addr(AF_INET6, "::", 80, "eth0", "[::]%eth0:80");
	check_addr(AF_INET, "10.1.2.3", 53, "7", "10.1.2.3%7:53");
}

static void test_addr_errors(void **state)
{
	uint8_t raw[16] = { 0 };
	char small[8], buf[ADDRPORT_LEN];

	(void)state;
	/* "[::]:80" and its NUL fill 8 bytes exactly; one more digit does not fit */
	assert_int_equal(format_addr_port(small, sizeof(small), AF_INET6, raw,
					  80, NULL), 0);
	assert_string_equal(small, "[::]:80");
	assert_int_equal(format_addr_port(small, sizeof(small), AF_INET6, raw,
					  443, NULL), -ENOSPC);
	assert_int_equal(format_addr_port(buf, sizeof(buf), AF_UNIX, raw, 80,
					  NULL), -EAFNOSUPPORT);
	/* the longest possible cell fits ADDRPORT_LEN */
	memset(raw, 0xff, sizeof(raw));
	assert_int_equal(format_addr_port(buf, sizeof(buf), AF_INET6, raw,
					  65535, "abcdefghijklmno"), 0);
	assert_string_equal(buf,
		"[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]%abcdefghijklmno:65535");
}

static void test_ifindex_name(void **state)
{
	char buf[IFNAME_LEN];
	unsigned int lo = if_nametoindex("lo");

	(void)state;
	assert_true(lo > 0);	/* every netns has lo */
	assert_true(ifindex_name(lo, buf, sizeof(buf)));
	assert_string_equal(buf, "lo");
	/* an index nobody has: fall back to the number */
	assert_false(ifindex_name(4000000000U, buf, sizeof(buf)));
	assert_string_equal(buf, "4000000000");
}

static const struct table_col cols3[] = {
	{ "Name", TABLE_LEFT },
	{ "N", TABLE_RIGHT },
	{ "Note", TABLE_LEFT },
};

static void test_table_alignment(void **state)
{
	struct capture c;
	struct table t;

	(void)state;
	table_init(&t, cols3, ARRAY_LEN(cols3));
	assert_int_equal(table_add(&t, "a"), 0);
	assert_int_equal(table_add(&t, "%d", 1), 0);
	assert_int_equal(table_add(&t, "x"), 0);
	assert_int_equal(table_add(&t, "longer-name"), 0);
	assert_int_equal(table_add(&t, "%d", 123456), 0);
	assert_int_equal(table_add(&t, "-"), 0);
	capture_start(&c);
	assert_int_equal(table_print(&t, c.f), 0);
	/* widths follow the longest cell; numbers right; no trailing blanks */
	assert_string_equal(capture_end(&c),
		"Name              N  Note\n"
		"a                 1  x\n"
		"longer-name  123456  -\n");
	free(c.buf);
	table_free(&t);
}

static void test_table_no_truncation(void **state)
{
	char longcell[301];
	struct capture c;
	struct table t;
	const char *out, *nl;

	(void)state;
	memset(longcell, 'z', 300);
	longcell[300] = '\0';
	table_init(&t, cols3, ARRAY_LEN(cols3));
	assert_int_equal(table_add(&t, "%s", longcell), 0);
	assert_int_equal(table_add(&t, "5"), 0);
	assert_int_equal(table_add(&t, "%s", longcell), 0);
	capture_start(&c);
	assert_int_equal(table_print(&t, c.f), 0);
	out = capture_end(&c);
	/* header padded to 300, the row holds both 300-char cells whole */
	nl = strchr(out, '\n');
	assert_non_null(nl);
	assert_int_equal(nl - out, 300 + 2 + 1 + 2 + 4);
	assert_int_equal(strlen(nl + 1), 300 + 2 + 1 + 2 + 300 + 1);
	free(c.buf);
	table_free(&t);
}

static void test_table_header_only_and_partial(void **state)
{
	struct capture c;
	struct table t;

	(void)state;
	table_init(&t, cols3, ARRAY_LEN(cols3));
	capture_start(&c);
	assert_int_equal(table_print(&t, c.f), 0);
	assert_string_equal(capture_end(&c), "Name  N  Note\n");
	free(c.buf);

	assert_int_equal(table_add(&t, "half a row"), 0);
	capture_start(&c);
	assert_int_equal(table_print(&t, c.f), -EINVAL);
	capture_end(&c);
	free(c.buf);
	table_free(&t);
}

static void test_listener_table(void **state)
{
	struct listener_list list = { 0 };
	struct listener l;
	struct capture c;
	int i;

	(void)state;
	for (i = 0; i < 3; i++) {
		l = sample_listener(i);
		assert_int_equal(listener_list_add(&list, &l), 0);
	}
	capture_start(&c);
	assert_int_equal(listeners_print_table(c.f, &list), 0);
	assert_string_equal(capture_end(&c),
"Local Address:Port        SynQ  Young  AcceptQ  Backlog  Drops         Uid       Inode            Cookie  Flags\n"
"0.0.0.0:80                   3      2      129      128      7           0       12345          1234abcd  full\n"
"127.0.0.1:8080               0      0        0     4096      0        1000          99  fffffffffffffff0  reuseport\n"
"[::]:443            4000000000      0       10      511      0  4294967294  5000000000                2a  v6only\n");
	free(c.buf);
	listener_list_free(&list);
}

static void test_listener_table_flags(void **state)
{
	struct listener_list list = { 0 };
	struct listener l = sample_listener(2);
	struct capture c;
	const char *out;

	(void)state;
	l.accept_queue = l.backlog + 1;
	l.reuseport = true;
	l.ifindex = 4000000000U;	/* unresolvable: shown as a number */
	assert_int_equal(listener_list_add(&list, &l), 0);
	capture_start(&c);
	assert_int_equal(listeners_print_table(c.f, &list), 0);
	out = capture_end(&c);
	assert_non_null(strstr(out, "[::]%4000000000:443 "));
	assert_non_null(strstr(out, "  full,reuseport,v6only\n"));
	free(c.buf);
	listener_list_free(&list);
}

int run_output_tests(int *total)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_v4),
		cmocka_unit_test(test_addr_v6),
		cmocka_unit_test(test_addr_v4_mapped),
		cmocka_unit_test(test_addr_bound_device),
		cmocka_unit_test(test_addr_errors),
		cmocka_unit_test(test_ifindex_name),
		cmocka_unit_test(test_table_alignment),
		cmocka_unit_test(test_table_no_truncation),
		cmocka_unit_test(test_table_header_only_and_partial),
		cmocka_unit_test(test_listener_table),
		cmocka_unit_test(test_listener_table_flags),
	};

	*total = (int)ARRAY_LEN(tests);
	return cmocka_run_group_tests_name("output", tests, NULL, NULL);
}
