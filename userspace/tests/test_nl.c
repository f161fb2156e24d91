// SPDX-License-Identifier: GPL-2.0
/*
 * test_nl.c - netlink plumbing on replayed kernel replies: family lookup,
 * version check, op probing, errors with extack, DUMP_INTR, and the
 * mapping from those outcomes to exit statuses.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/tcpconn.h>

#include "tests.h"
#include "listeners.h"
#include "main.h"
#include "nl.h"
#include "opts.h"
#include "replay.h"

static _Alignas(8) char buf[MNL_SOCKET_DUMP_SIZE];

static const uint32_t listeners_op[] = { TCPCONN_CMD_LISTENERS_GET };

/* Reply + ACK as the controller sends them, then the same steps as nl_open(). */
static int resolve(struct nl_ctx *nl, uint32_t version)
{
	size_t len;

	nl_init(nl);
	len = put_family(buf, TEST_FAMILY_ID, version, listeners_op,
			 ARRAY_LEN(listeners_op))->nlmsg_len;
	len += put_error(buf + len, 0, NULL, NULL)->nlmsg_len;
	return nl_family_finish(nl, nl_feed(nl, buf, len, 0, nl_family_parse, nl));
}

static void test_family_ok(void **state)
{
	struct nl_ctx nl;

	(void)state;
	assert_int_equal(resolve(&nl, TCPCONN_GENL_VERSION), 0);
	assert_int_equal(nl.state, NL_FAMILY_OK);
	assert_int_equal(nl.family_id, TEST_FAMILY_ID);
	assert_int_equal(nl.family_version, TCPCONN_GENL_VERSION);
	assert_true(nl.ops_known);
	assert_int_equal(nl_require_op(&nl, TCPCONN_CMD_LISTENERS_GET), 0);
}

static void test_family_reply_then_ack_separately(void **state)
{
	struct nl_ctx nl;
	size_t len;

	(void)state;
	nl_init(&nl);
	len = put_family(buf, TEST_FAMILY_ID, 1, NULL, 0)->nlmsg_len;
	/* the reply alone: more to come */
	assert_int_equal(nl_feed(&nl, buf, len, 0, nl_family_parse, &nl), 1);
	len = put_error(buf, 0, NULL, NULL)->nlmsg_len;
	assert_int_equal(nl_feed(&nl, buf, len, 0, nl_family_parse, &nl), 0);
	assert_int_equal(nl_family_finish(&nl, 0), 0);
	/* no op list: nothing to refuse, the kernel decides */
	assert_false(nl.ops_known);
	assert_int_equal(nl_require_op(&nl, 42), 0);
}

static void test_family_missing_exit_3(void **state)
{
	struct nl_ctx nl;
	size_t len;
	int err;

	(void)state;
	nl_init(&nl);
	len = put_error(buf, -ENOENT, "Generic Netlink family not found", NULL)->nlmsg_len;
	err = nl_family_finish(&nl, nl_feed(&nl, buf, len, 0, nl_family_parse, &nl));
	assert_int_equal(err, -ENOENT);
	assert_int_equal(nl.state, NL_FAMILY_MISSING);
	assert_int_equal(exit_status(&nl, "generic netlink", err), 3);
}

static void test_version_too_old_exit_4(void **state)
{
	struct nl_ctx nl;
	int err;

	(void)state;
	err = resolve(&nl, 0);
	assert_int_equal(err, -EPROTONOSUPPORT);
	assert_int_equal(nl.state, NL_FAMILY_TOO_OLD);
	assert_int_equal(nl.family_version, 0);
	assert_int_equal(exit_status(&nl, "generic netlink", err), 4);
}

static void test_version_too_new_exit_4(void **state)
{
	struct nl_ctx nl;
	int err;

	(void)state;
	err = resolve(&nl, 99);
	assert_int_equal(err, -EPROTONOSUPPORT);
	assert_int_equal(nl.state, NL_FAMILY_TOO_NEW);
	assert_int_equal(nl.family_version, 99);
	assert_int_equal(exit_status(&nl, "generic netlink", err), 4);
}

static void test_missing_op_exit_4(void **state)
{
	struct nl_ctx nl;
	int err;

	(void)state;
	assert_int_equal(resolve(&nl, TCPCONN_GENL_VERSION), 0);
	err = nl_require_op(&nl, TCPCONN_CMD_LISTENERS_GET + 1);
	assert_int_equal(err, -EOPNOTSUPP);
	assert_int_equal(nl.state, NL_FAMILY_NO_OP);
	assert_int_equal(exit_status(&nl, "--future-view", err), 4);
}

static void test_family_malformed(void **state)
{
	struct nl_ctx nl;
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;
	size_t len;

	(void)state;
	/* an ACK without any reply before it */
	nl_init(&nl);
	len = put_error(buf, 0, NULL, NULL)->nlmsg_len;
	assert_int_equal(nl_family_finish(&nl, nl_feed(&nl, buf, len, 0,
						       nl_family_parse, &nl)),
			 -EBADMSG);
	assert_int_equal(exit_status(&nl, "generic netlink", -EBADMSG), 1);

	/* a reply whose family id is a u32 */
	nl_init(&nl);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_NEWFAMILY;
	mnl_attr_put_u32(nlh, CTRL_ATTR_FAMILY_ID, TEST_FAMILY_ID);
	assert_int_equal(nl_feed(&nl, buf, nlh->nlmsg_len, 0, nl_family_parse,
				 &nl), -EBADMSG);
}

/* The dump itself refused: NLMSG_ERROR from .start or policy checks. */
static void test_dump_eperm_exit_5(void **state)
{
	struct listener_list list = { 0 };
	struct filter f = { .family = AF_UNSPEC };
	struct listeners_collect c = { .list = &list, .filter = &f };
	struct nl_ctx nl;
	size_t len;
	int err;

	(void)state;
	assert_int_equal(resolve(&nl, TCPCONN_GENL_VERSION), 0);
	len = put_error(buf, -EPERM, "need CAP_NET_ADMIN", NULL)->nlmsg_len;
	err = nl_feed(&nl, buf, len, 0, listeners_collect_cb, &c);
	assert_int_equal(err, -EPERM);
	assert_string_equal(nl.ext_msg, "need CAP_NET_ADMIN");
	assert_int_equal(exit_status(&nl, "--listeners", err), 5);
	assert_int_equal(exit_status(&nl, "--listeners", -EACCES), 5);
	listener_list_free(&list);
}

/* A dumpit error after some messages arrives in NLMSG_DONE's payload. */
static void test_dump_error_in_done(void **state)
{
	struct listener_list list = { 0 };
	struct filter f = { .family = AF_UNSPEC };
	struct listeners_collect c = { .list = &list, .filter = &f };
	struct listener l = sample_listener(0);
	struct nl_ctx nl;
	size_t len;
	int err;

	(void)state;
	nl_init(&nl);
	len = put_listener(buf, &l, 0)->nlmsg_len;
	len += put_done(buf + len, -EMSGSIZE, "walk failed")->nlmsg_len;
	err = nl_feed(&nl, buf, len, 0, listeners_collect_cb, &c);
	assert_int_equal(err, -EMSGSIZE);
	assert_string_equal(nl.ext_msg, "walk failed");
	assert_int_equal(exit_status(&nl, "--listeners", err), 1);
	listener_list_free(&list);
}

/* Without NETLINK_CAP_ACK the request is echoed before the extack TLVs. */
static void test_error_uncapped_extack(void **state)
{
	char req[NL_REQ_SIZE];
	struct filter f = { .family = AF_INET, .has_port = true, .port = 80 };
	struct nlmsghdr *nlh;
	struct nl_ctx nl;
	size_t len;

	(void)state;
	nl_init(&nl);
	nlh = listeners_request(req, sizeof(req), TEST_FAMILY_ID, &f);
	len = put_error(buf, -EINVAL, "bad port filter", nlh)->nlmsg_len;
	assert_int_equal(nl_feed(&nl, buf, len, 0, NULL, NULL), -EINVAL);
	assert_string_equal(nl.ext_msg, "bad port filter");
	assert_int_equal(exit_status(&nl, "--listeners", -EINVAL), 1);
}

/* libmnl alone would fail the dump with EINTR; we keep it and warn. */
static void test_dump_intr_is_a_warning(void **state)
{
	struct listener_list list = { 0 };
	struct filter f = { .family = AF_UNSPEC };
	struct listeners_collect c = { .list = &list, .filter = &f };
	struct listener l0 = sample_listener(0), l1 = sample_listener(1);
	struct nl_ctx nl;
	size_t len;

	(void)state;
	nl_init(&nl);
	len = put_listener(buf, &l0, 0)->nlmsg_len;
	len += put_listener(buf + len, &l1, BL_DUMP_INTR)->nlmsg_len;
	len += put_done(buf + len, 0, NULL)->nlmsg_len;
	assert_int_equal(nl_feed(&nl, buf, len, 0, listeners_collect_cb, &c), 0);
	assert_true(nl.dump_intr);
	assert_int_equal(list.len, 2);
	listener_list_free(&list);
}

static void test_partial_and_seq(void **state)
{
	struct listener l = sample_listener(0);
	struct nlmsghdr *nlh;
	struct nl_ctx nl;

	(void)state;
	nl_init(&nl);
	/* no DONE yet: keep receiving */
	nlh = put_listener(buf, &l, 0);
	assert_int_equal(nl_feed(&nl, buf, nlh->nlmsg_len, 0, NULL, NULL), 1);
	/* a reply to someone else's request */
	nlh->nlmsg_seq = 7;
	assert_int_equal(nl_feed(&nl, buf, nlh->nlmsg_len, 8, NULL, NULL), -EPROTO);
	/* a truncated NLMSG_ERROR */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_ERROR;
	assert_int_equal(nl_feed(&nl, buf, nlh->nlmsg_len, 0, NULL, NULL), -EBADMSG);
}

/*
 * Found by fuzz/fuzz_reply: libmnl takes an nlmsg_len above 2 GiB as
 * negative, "fits", and walks out of the buffer (SEGV). Any length beyond
 * the datagram or below a header is -EBADMSG before libmnl sees it.
 */
static void test_bad_nlmsg_len(void **state)
{
	static const uint32_t bad[] = {
		0xa40000a0, 0x80000010, 0xffffffff, 0, 15,
	};
	struct listener l = sample_listener(0);
	struct listener_list list = { 0 };
	struct filter f = { .family = AF_UNSPEC };
	struct listeners_collect c = { .list = &list, .filter = &f };
	struct nlmsghdr *nlh;
	struct nl_ctx nl;
	size_t len, first, i;
	int saved;

	(void)state;
	nl_init(&nl);
	saved = stderr_mute();
	for (i = 0; i < ARRAY_LEN(bad); i++) {
		/* first message of the datagram, or the second after a good one */
		for (first = 0; first < 2; first++) {
			len = first ? 0 : put_listener(buf, &l, 0)->nlmsg_len;
			nlh = put_listener(buf + len, &l, 0);
			len += nlh->nlmsg_len;
			len += put_done(buf + len, 0, NULL)->nlmsg_len;
			nlh->nlmsg_len = bad[i];
			assert_int_equal(nl_feed(&nl, buf, len, 0,
						 listeners_collect_cb, &c),
					 -EBADMSG);
		}
	}
	/* one byte past the datagram: the kernel never splits a message */
	nlh = put_listener(buf, &l, 0);
	len = nlh->nlmsg_len;
	nlh->nlmsg_len++;
	assert_int_equal(nl_feed(&nl, buf, len, 0, listeners_collect_cb, &c),
			 -EBADMSG);
	stderr_restore(saved);
	/* an exact, unpadded last message and short trailing bytes still do */
	nlh = put_done(buf, 0, NULL);
	len = nlh->nlmsg_len;
	assert_int_equal(nl_feed(&nl, buf, len + 3, 0, NULL, NULL), 0);
	listener_list_free(&list);
}

/*
 * Found by fuzz/fuzz_reply: an NLMSG_ERROR or NLMSG_DONE carrying INT_MIN
 * reached strerror(-err) in exit_status(), a signed overflow (UBSan). An
 * error outside -4095..4095 is no errno: -EBADMSG.
 */
static void test_error_out_of_range(void **state)
{
	static const int bad[] = { INT_MIN, INT_MIN + 1, -4096, 4096, INT_MAX };
	struct nl_ctx nl;
	size_t len, i;

	(void)state;
	nl_init(&nl);
	for (i = 0; i < ARRAY_LEN(bad); i++) {
		len = put_error(buf, bad[i], NULL, NULL)->nlmsg_len;
		assert_int_equal(nl_feed(&nl, buf, len, 0, NULL, NULL), -EBADMSG);
		if (bad[i] < 0) {
			len = put_done(buf, bad[i], NULL)->nlmsg_len;
			assert_int_equal(nl_feed(&nl, buf, len, 0, NULL, NULL),
					 -EBADMSG);
		}
	}
	/* the edges of the range are still the kernel's errno, either sign */
	len = put_error(buf, -4095, NULL, NULL)->nlmsg_len;
	assert_int_equal(nl_feed(&nl, buf, len, 0, NULL, NULL), -4095);
	len = put_error(buf, 4095, NULL, NULL)->nlmsg_len;
	assert_int_equal(nl_feed(&nl, buf, len, 0, NULL, NULL), -4095);
	len = put_done(buf, -ENOBUFS, NULL)->nlmsg_len;
	assert_int_equal(nl_feed(&nl, buf, len, 0, NULL, NULL), -ENOBUFS);
}

static void test_exit_status_generic(void **state)
{
	struct nl_ctx nl;

	(void)state;
	nl_init(&nl);
	assert_int_equal(exit_status(&nl, "--listeners", 0), 0);
	assert_int_equal(exit_status(&nl, "--listeners", -ENOMEM), 1);
	assert_int_equal(exit_status(&nl, "--listeners", -ENOBUFS), 1);
	/* ENOENT is "not loaded" only when it answered the family lookup */
	assert_int_equal(exit_status(&nl, "--listeners", -ENOENT), 1);
	assert_int_equal(exit_status(&nl, "--listeners", -EPERM), 5);
}

int run_nl_tests(int *total)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_family_ok),
		cmocka_unit_test(test_family_reply_then_ack_separately),
		cmocka_unit_test(test_family_missing_exit_3),
		cmocka_unit_test(test_version_too_old_exit_4),
		cmocka_unit_test(test_version_too_new_exit_4),
		cmocka_unit_test(test_missing_op_exit_4),
		cmocka_unit_test(test_family_malformed),
		cmocka_unit_test(test_dump_eperm_exit_5),
		cmocka_unit_test(test_dump_error_in_done),
		cmocka_unit_test(test_error_uncapped_extack),
		cmocka_unit_test(test_dump_intr_is_a_warning),
		cmocka_unit_test(test_partial_and_seq),
		cmocka_unit_test(test_bad_nlmsg_len),
		cmocka_unit_test(test_error_out_of_range),
		cmocka_unit_test(test_exit_status_generic),
	};

	*total = (int)ARRAY_LEN(tests);
	return cmocka_run_group_tests_name("netlink", tests, NULL, NULL);
}
