// SPDX-License-Identifier: GPL-2.0
/* test_listeners.c - listener request, parser on replayed dumps, sort, JSON. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/tcpconn.h>

#include <json-c/json.h>

#include "tests.h"
#include "listeners.h"
#include "nl.h"
#include "opts.h"
#include "replay.h"

static _Alignas(8) char buf[MNL_SOCKET_DUMP_SIZE];

static void assert_listener_equal(const struct listener *a,
				  const struct listener *b)
{
	assert_int_equal(a->family, b->family);
	assert_memory_equal(a->addr, b->addr, sizeof(a->addr));
	assert_int_equal(a->port, b->port);
	assert_int_equal(a->ifindex, b->ifindex);
	assert_int_equal(a->syn_queue, b->syn_queue);
	assert_int_equal(a->syn_young, b->syn_young);
	assert_int_equal(a->accept_queue, b->accept_queue);
	assert_int_equal(a->backlog, b->backlog);
	assert_int_equal(a->drops, b->drops);
	assert_int_equal(a->uid, b->uid);
	assert_true(a->inode == b->inode);
	assert_true(a->cookie == b->cookie);
	assert_int_equal(a->reuseport, b->reuseport);
	assert_int_equal(a->v6only, b->v6only);
}

static void test_parse_complete(void **state)
{
	struct listener want, got;
	int i;

	(void)state;
	for (i = 0; i < 3; i++) {
		want = sample_listener(i);
		want.ifindex = 3;
		memset(&got, 0xaa, sizeof(got));
		assert_int_equal(listener_parse(put_listener(buf, &want, 0), &got), 0);
		assert_listener_equal(&got, &want);
	}
}

static void test_parse_unknown_attr_ignored(void **state)
{
	struct listener want = sample_listener(1), got;

	(void)state;
	assert_int_equal(listener_parse(put_listener(buf, &want, BL_UNKNOWN_200),
					&got), 0);
	assert_listener_equal(&got, &want);
}

static void test_parse_wrong_length(void **state)
{
	struct listener l = sample_listener(0), got;

	(void)state;
	assert_int_equal(listener_parse(put_listener(buf, &l, BL_PORT_AS_U32),
					&got), -EBADMSG);
}

static void test_parse_missing_addr(void **state)
{
	struct listener l = sample_listener(0), got;

	(void)state;
	assert_int_equal(listener_parse(put_listener(buf, &l, BL_NO_ADDR), &got),
			 -EBADMSG);
}

static void test_parse_other_malformed(void **state)
{
	struct listener l = sample_listener(0), got;
	struct nlmsghdr *nlh;

	(void)state;
	/* AF_INET with a 16-byte address */
	assert_int_equal(listener_parse(put_listener(buf, &l, BL_V4_WITH_16_BYTES),
					&got), -EBADMSG);
	/* an attribute whose length runs past the message */
	assert_int_equal(listener_parse(put_listener(buf, &l, BL_TRAILING_GARBAGE),
					&got), -EBADMSG);
	/* not even a genetlink header */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = TEST_FAMILY_ID;
	assert_int_equal(listener_parse(nlh, &got), -EBADMSG);
	/* a family that is neither */
	l.family = AF_UNIX;
	assert_int_equal(listener_parse(put_listener(buf, &l, 0), &got), -EBADMSG);
}

static void test_parse_optional_ifindex(void **state)
{
	struct listener want = sample_listener(2), got;

	(void)state;
	assert_int_equal(listener_parse(put_listener(buf, &want, BL_NO_IFINDEX),
					&got), 0);
	assert_int_equal(got.ifindex, 0);
	assert_listener_equal(&got, &want);
}

static size_t put_dump(const int *which, size_t n, unsigned int how)
{
	size_t len = 0, i;

	for (i = 0; i < n; i++) {
		struct listener l = sample_listener(which[i]);

		len += put_listener(buf + len, &l, how)->nlmsg_len;
	}
	len += put_done(buf + len, 0, NULL)->nlmsg_len;
	return len;
}

/* A whole replayed dump through the same path nl_transact() uses. */
static void test_replayed_dump(void **state)
{
	static const int order[] = { 2, 1, 0 };
	struct listener_list list = { 0 };
	struct filter f = { .family = AF_UNSPEC };
	struct listeners_collect c = { .list = &list, .filter = &f };
	struct nl_ctx nl;
	size_t len;

	(void)state;
	nl_init(&nl);
	len = put_dump(order, ARRAY_LEN(order), BL_UNKNOWN_200);
	assert_int_equal(nl_feed(&nl, buf, len, 0, listeners_collect_cb, &c), 0);
	assert_int_equal(list.len, 3);
	listener_list_sort(&list);
	/* v4 before v6, then by port */
	assert_int_equal(list.items[0].port, 80);
	assert_int_equal(list.items[1].port, 8080);
	assert_int_equal(list.items[2].port, 443);
	assert_false(nl.dump_intr);
	listener_list_free(&list);
}

static void test_replayed_dump_client_filter(void **state)
{
	static const int order[] = { 0, 1, 2 };
	struct listener_list list = { 0 };
	struct filter f = { .family = AF_INET6 };
	struct listeners_collect c = { .list = &list, .filter = &f };
	struct nl_ctx nl;
	size_t len;

	(void)state;
	nl_init(&nl);
	len = put_dump(order, ARRAY_LEN(order), 0);
	assert_int_equal(nl_feed(&nl, buf, len, 0, listeners_collect_cb, &c), 0);
	assert_int_equal(list.len, 1);
	assert_int_equal(list.items[0].family, AF_INET6);
	listener_list_free(&list);

	f.family = AF_UNSPEC;
	f.has_port = true;
	f.port = 8080;
	assert_int_equal(nl_feed(&nl, buf, len, 0, listeners_collect_cb, &c), 0);
	assert_int_equal(list.len, 1);
	assert_int_equal(list.items[0].port, 8080);
	listener_list_free(&list);
}

/* One bad message fails the dump: never print a silently shortened list. */
static void test_replayed_dump_bad_message(void **state)
{
	struct listener_list list = { 0 };
	struct filter f = { .family = AF_UNSPEC };
	struct listeners_collect c = { .list = &list, .filter = &f };
	struct listener l0 = sample_listener(0), l1 = sample_listener(1);
	struct nl_ctx nl;
	size_t len = 0;

	(void)state;
	nl_init(&nl);
	len += put_listener(buf + len, &l0, 0)->nlmsg_len;
	len += put_listener(buf + len, &l1, BL_NO_ADDR)->nlmsg_len;
	len += put_done(buf + len, 0, NULL)->nlmsg_len;
	assert_int_equal(nl_feed(&nl, buf, len, 0, listeners_collect_cb, &c),
			 -EBADMSG);
	listener_list_free(&list);
}

static void test_list_grows(void **state)
{
	struct listener_list list = { 0 };
	struct listener l = sample_listener(0);
	uint32_t i;

	(void)state;
	for (i = 0; i < 5000; i++) {
		l.inode = i;
		assert_int_equal(listener_list_add(&list, &l), 0);
	}
	assert_int_equal(list.len, 5000);
	assert_true(list.items[4999].inode == 4999);
	listener_list_free(&list);
	assert_null(list.items);
}

static void test_sort_order(void **state)
{
	struct listener_list list = { 0 };
	struct listener l;
	size_t i;
	/* expected order: family, port, address, ifindex, inode */
	static const struct { int fam; const char *a; uint16_t port;
			      uint32_t ifi; uint64_t ino; } want[] = {
		{ AF_INET,  "0.0.0.0",   22, 0, 5 },
		{ AF_INET,  "0.0.0.0",   80, 0, 1 },
		{ AF_INET,  "0.0.0.0",   80, 0, 2 },
		{ AF_INET,  "0.0.0.0",   80, 2, 0 },
		{ AF_INET,  "10.0.0.1",  80, 0, 0 },
		{ AF_INET6, "::",        22, 0, 0 },
		{ AF_INET6, "::1",       22, 0, 0 },
	};
	static const int shuffle[] = { 6, 3, 0, 5, 2, 4, 1 };

	(void)state;
	for (i = 0; i < ARRAY_LEN(shuffle); i++) {
		memset(&l, 0, sizeof(l));
		l.family = want[shuffle[i]].fam;
		inet_pton(l.family, want[shuffle[i]].a, l.addr);
		l.port = want[shuffle[i]].port;
		l.ifindex = want[shuffle[i]].ifi;
		l.inode = want[shuffle[i]].ino;
		assert_int_equal(listener_list_add(&list, &l), 0);
	}
	listener_list_sort(&list);
	for (i = 0; i < ARRAY_LEN(want); i++) {
		uint8_t a[16] = { 0 };

		inet_pton(want[i].fam, want[i].a, a);
		assert_int_equal(list.items[i].family, want[i].fam);
		assert_int_equal(list.items[i].port, want[i].port);
		assert_memory_equal(list.items[i].addr, a, 16);
		assert_int_equal(list.items[i].ifindex, want[i].ifi);
		assert_true(list.items[i].inode == want[i].ino);
	}
	listener_list_free(&list);
}

static void test_full_flag(void **state)
{
	struct listener l = sample_listener(0);

	(void)state;
	l.backlog = 128;
	l.accept_queue = 128;
	assert_false(listener_full(&l));
	l.accept_queue = 129;	/* how a full queue looks: max + 1 */
	assert_true(listener_full(&l));
	l.backlog = 0;
	l.accept_queue = 0;
	assert_false(listener_full(&l));
}

static int request_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_type_valid(attr, TCPCONN_A_LISTENER_MAX) < 0)
		return MNL_CB_ERROR;
	tb[mnl_attr_get_type(attr)] = attr;
	return MNL_CB_OK;
}

static void test_request(void **state)
{
	const struct nlattr *tb[TCPCONN_A_LISTENER_MAX + 1] = { NULL };
	char req[NL_REQ_SIZE];
	struct filter f = { .family = AF_INET6, .has_port = true, .port = 443 };
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;

	(void)state;
	nlh = listeners_request(req, sizeof(req), TEST_FAMILY_ID, &f);
	assert_non_null(nlh);
	assert_int_equal(nlh->nlmsg_type, TEST_FAMILY_ID);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
	g = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(g->cmd, TCPCONN_CMD_LISTENERS_GET);
	assert_int_equal(g->version, TCPCONN_GENL_VERSION);
	assert_int_equal(mnl_attr_parse(nlh, sizeof(*g), request_attr_cb, tb),
			 MNL_CB_OK);
	assert_non_null(tb[TCPCONN_A_LISTENER_FAMILY]);
	assert_int_equal(mnl_attr_validate(tb[TCPCONN_A_LISTENER_FAMILY], MNL_TYPE_U8), 0);
	assert_int_equal(mnl_attr_get_u8(tb[TCPCONN_A_LISTENER_FAMILY]), AF_INET6);
	assert_non_null(tb[TCPCONN_A_LISTENER_PORT]);
	assert_int_equal(mnl_attr_validate(tb[TCPCONN_A_LISTENER_PORT], MNL_TYPE_U16), 0);
	assert_int_equal(mnl_attr_get_u16(tb[TCPCONN_A_LISTENER_PORT]), 443);

	/* no filters: no attributes at all */
	f = (struct filter){ .family = AF_UNSPEC };
	nlh = listeners_request(req, sizeof(req), TEST_FAMILY_ID, &f);
	assert_int_equal(mnl_nlmsg_get_payload_len(nlh), sizeof(*g));
}

static struct json_object *get(struct json_object *o, const char *key,
			       enum json_type type)
{
	struct json_object *v = NULL;

	assert_true(json_object_object_get_ex(o, key, &v));
	assert_int_equal(json_object_get_type(v), type);
	return v;
}

static void test_json_keys(void **state)
{
	static const char *const keys[] = {
		"family", "local_address", "local_port", "ifindex", "interface",
		"syn_queue", "syn_young", "accept_queue", "backlog",
		"accept_queue_full", "drops", "uid", "inode", "cookie",
		"reuseport", "v6only",
	};
	struct listener_list list = { 0 };
	struct json_object *root, *arr, *o;
	struct listener l;
	int i;

	(void)state;
	for (i = 0; i < 3; i++) {
		l = sample_listener(i);
		assert_int_equal(listener_list_add(&list, &l), 0);
	}
	list.items[1].ifindex = if_nametoindex("lo");
	root = listeners_to_json(&list);
	assert_non_null(root);
	assert_int_equal(json_object_object_length(root), 1);
	arr = get(root, "listeners", json_type_array);
	assert_int_equal(json_object_array_length(arr), 3);

	for (i = 0; i < 3; i++) {
		size_t k;

		o = json_object_array_get_idx(arr, i);
		assert_int_equal(json_object_object_length(o), ARRAY_LEN(keys));
		for (k = 0; k < ARRAY_LEN(keys); k++)
			assert_true(json_object_object_get_ex(o, keys[k], NULL));
	}

	o = json_object_array_get_idx(arr, 0);
	assert_string_equal(json_object_get_string(get(o, "family", json_type_string)), "inet");
	assert_string_equal(json_object_get_string(get(o, "local_address", json_type_string)), "0.0.0.0");
	assert_int_equal(json_object_get_int(get(o, "local_port", json_type_int)), 80);
	assert_int_equal(json_object_get_int64(get(o, "ifindex", json_type_int)), 0);
	get(o, "interface", json_type_null);
	assert_true(json_object_get_boolean(get(o, "accept_queue_full", json_type_boolean)));
	assert_int_equal(json_object_get_int64(get(o, "accept_queue", json_type_int)), 129);
	assert_int_equal(json_object_get_int64(get(o, "backlog", json_type_int)), 128);
	assert_false(json_object_get_boolean(get(o, "reuseport", json_type_boolean)));

	o = json_object_array_get_idx(arr, 1);
	assert_string_equal(json_object_get_string(get(o, "local_address", json_type_string)), "127.0.0.1");
	assert_string_equal(json_object_get_string(get(o, "interface", json_type_string)), "lo");
	assert_true(json_object_get_boolean(get(o, "reuseport", json_type_boolean)));
	assert_true(json_object_get_uint64(get(o, "cookie", json_type_int)) ==
		    0xfffffffffffffff0ULL);

	o = json_object_array_get_idx(arr, 2);
	assert_string_equal(json_object_get_string(get(o, "family", json_type_string)), "inet6");
	assert_string_equal(json_object_get_string(get(o, "local_address", json_type_string)), "::");
	assert_true(json_object_get_boolean(get(o, "v6only", json_type_boolean)));
	assert_int_equal(json_object_get_int64(get(o, "syn_queue", json_type_int)), 4000000000LL);
	assert_int_equal(json_object_get_int64(get(o, "uid", json_type_int)), 4294967294LL);
	assert_true(json_object_get_uint64(get(o, "inode", json_type_int)) == 5000000000ULL);

	json_object_put(root);
	listener_list_free(&list);
}

/* The printed document parses back, u64 values intact. */
static void test_json_printed(void **state)
{
	struct listener_list list = { 0 };
	struct listener l = sample_listener(1);
	struct json_object *root, *arr, *o, *v;
	struct capture c;
	const char *out;

	(void)state;
	assert_int_equal(listener_list_add(&list, &l), 0);
	capture_start(&c);
	assert_int_equal(listeners_print_json(c.f, &list), 0);
	out = capture_end(&c);
	assert_non_null(strstr(out, "\"cookie\":18446744073709551600"));
	assert_int_equal(out[strlen(out) - 1], '\n');
	root = json_tokener_parse(out);
	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "listeners", &arr));
	o = json_object_array_get_idx(arr, 0);
	assert_true(json_object_object_get_ex(o, "cookie", &v));
	assert_true(json_object_get_uint64(v) == 0xfffffffffffffff0ULL);
	json_object_put(root);
	free(c.buf);

	/* an empty dump is still one valid document */
	list.len = 0;
	capture_start(&c);
	assert_int_equal(listeners_print_json(c.f, &list), 0);
	assert_string_equal(capture_end(&c), "{\n  \"listeners\":[\n  ]\n}\n");
	free(c.buf);
	listener_list_free(&list);
}

int run_listeners_tests(int *total)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_complete),
		cmocka_unit_test(test_parse_unknown_attr_ignored),
		cmocka_unit_test(test_parse_wrong_length),
		cmocka_unit_test(test_parse_missing_addr),
		cmocka_unit_test(test_parse_other_malformed),
		cmocka_unit_test(test_parse_optional_ifindex),
		cmocka_unit_test(test_replayed_dump),
		cmocka_unit_test(test_replayed_dump_client_filter),
		cmocka_unit_test(test_replayed_dump_bad_message),
		cmocka_unit_test(test_list_grows),
		cmocka_unit_test(test_sort_order),
		cmocka_unit_test(test_full_flag),
		cmocka_unit_test(test_request),
		cmocka_unit_test(test_json_keys),
		cmocka_unit_test(test_json_printed),
	};

	*total = (int)ARRAY_LEN(tests);
	return cmocka_run_group_tests_name("listeners", tests, NULL, NULL);
}
