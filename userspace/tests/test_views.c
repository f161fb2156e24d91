// SPDX-License-Identifier: GPL-2.0
/* test_views.c - --remotes and --ports aggregation, -p's /proc map, --limits. */
#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/tcpconn.h>

#include <json-c/json.h>

#include "tests.h"
#include "limits_view.h"
#include "ports.h"
#include "procs.h"
#include "remotes.h"
#include "replay.h"
#include "sockets.h"

static struct sock_entry conn(const char *src, uint16_t sport, const char *dst,
			      uint16_t dport, uint8_t state)
{
	struct sock_entry s = sample_socket(state, sport, dport, 0);
	int v6 = strchr(src, ':') != NULL;

	s.family = v6 ? AF_INET6 : AF_INET;
	memset(s.src, 0, 16);
	memset(s.dst, 0, 16);
	assert_int_equal(inet_pton(s.family, src, s.src), 1);
	assert_int_equal(inet_pton(s.family, dst, s.dst), 1);
	return s;
}

static void test_remotes(void **state)
{
	struct remotes r;
	struct capture c;
	const char *out;
	struct json_object *root, *arr, *o, *v;
	int i;

	(void)state;
	remotes_init(&r);
	for (i = 0; i < 5; i++) {
		struct sock_entry s = conn("10.0.0.1", (uint16_t)(40000 + i),
					   "192.0.2.7", 443,
					   i < 3 ? TCPCONN_STATE_ESTABLISHED :
						   TCPCONN_STATE_TIME_WAIT);

		assert_int_equal(remotes_add(&s, &r), 0);
	}
	{
		/* v4-mapped on an IPv6 socket: the same remote host */
		struct sock_entry s = conn("::ffff:10.0.0.1", 40100,
					   "::ffff:192.0.2.7", 443,
					   TCPCONN_STATE_TW_FIN_WAIT2);
		struct sock_entry l = conn("0.0.0.0", 80, "0.0.0.0", 0,
					   TCPCONN_STATE_LISTEN);
		struct sock_entry o6 = conn("2001:db8::1", 40000, "2001:db8::9",
					    22, TCPCONN_STATE_ESTABLISHED);

		assert_int_equal(remotes_add(&s, &r), 0);
		assert_int_equal(remotes_add(&l, &r), 0);	/* not counted */
		assert_int_equal(remotes_add(&o6, &r), 0);
	}
	remotes_sort(&r);
	assert_int_equal(r.agg.len, 2);
	assert_int_equal(r.sockets, 7);

	capture_start(&c);
	assert_int_equal(remotes_print_table(c.f, &r, 1), 0);
	out = capture_end(&c);
	assert_non_null(strstr(out, "Remote Address  Total  ESTAB"));
	/* 3 established, 1 FIN-WAIT-2 (tw), 2 TIME-WAIT */
	assert_non_null(strstr(out, "192.0.2.7"));
	assert_null(strstr(out, "2001:db8::9"));
	assert_non_null(strstr(out, "... and 1 more remote addresses"));
	assert_non_null(strstr(out, "7 connections with 2 remote addresses"));
	free(c.buf);

	capture_start(&c);
	assert_int_equal(remotes_print_json(c.f, &r, 0, false), 0);
	out = capture_end(&c);
	root = json_tokener_parse(out);
	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "remotes", &arr));
	assert_int_equal(json_object_array_length(arr), 2);
	o = json_object_array_get_idx(arr, 0);
	assert_true(json_object_object_get_ex(o, "remote_address", &v));
	assert_string_equal(json_object_get_string(v), "192.0.2.7");
	assert_true(json_object_object_get_ex(o, "total", &v));
	assert_int_equal(json_object_get_int(v), 6);
	assert_true(json_object_object_get_ex(o, "states", &o));
	assert_true(json_object_object_get_ex(o, "established", &v));
	assert_int_equal(json_object_get_int(v), 3);
	assert_true(json_object_object_get_ex(o, "time_wait", &v));
	assert_int_equal(json_object_get_int(v), 2);
	assert_true(json_object_object_get_ex(o, "tw_fin_wait2", &v));
	assert_int_equal(json_object_get_int(v), 1);
	assert_false(json_object_object_get_ex(o, "listen", &v));
	json_object_put(root);
	free(c.buf);
	remotes_free(&r);
}

/*
 * 70,000 connections to one destination from 3 local addresses: one
 * client address can hold at most 28,232 of them (the default range), the
 * host holds them all because each local address has its own pool.
 */
static void test_ports_70k(void **state)
{
	static const char *const local[] = { "10.0.0.1", "10.0.0.2", "10.0.0.3" };
	const uint16_t low = 32768, high = 60999;
	struct ports p;
	struct capture c;
	const char *out;
	struct json_object *root, *arr, *o, *v;
	const struct port_rec *rec;
	uint8_t reserved[65536 / 8];
	unsigned int i;

	(void)state;
	ports_init(&p, low, high);
	memset(reserved, 0, sizeof(reserved));
	ports_set_reserved(&p, reserved);
	{
		struct sock_entry l = conn("0.0.0.0", 443, "0.0.0.0", 0,
					   TCPCONN_STATE_LISTEN);
		struct sock_entry l2 = conn("0.0.0.0", 45000, "0.0.0.0", 0,
					    TCPCONN_STATE_LISTEN);

		assert_int_equal(ports_add_listener(&l, &p), 0);
		assert_int_equal(ports_add_listener(&l2, &p), 0);
	}
	for (i = 0; i < 70000; i++) {
		unsigned int a = i < 28232 ? 0 : i < 56464 ? 1 : 2;
		unsigned int off = a == 0 ? i : a == 1 ? i - 28232 : i - 56464;
		struct sock_entry s = conn(local[a], (uint16_t)(low + off),
					   "192.0.2.1", 443,
					   off % 10 ? TCPCONN_STATE_ESTABLISHED :
						      TCPCONN_STATE_TIME_WAIT);

		if (off == 45000 - low)
			s.sport = 1023;	/* keep the listening port free of clients */
		assert_int_equal(ports_add(&s, &p), 0);
	}
	{
		/* inbound: to a listening port (in the range or not) */
		struct sock_entry in = conn("10.0.0.1", 443, "198.51.100.1",
					    50000, TCPCONN_STATE_ESTABLISHED);
		struct sock_entry in2 = conn("10.0.0.1", 45000, "198.51.100.1",
					     50001, TCPCONN_STATE_ESTABLISHED);

		assert_int_equal(ports_add(&in, &p), 0);
		assert_int_equal(ports_add(&in2, &p), 0);
	}
	ports_sort(&p);
	assert_int_equal(p.agg.len, 3);
	assert_int_equal(p.inbound, 2);
	assert_int_equal(p.outside, 3);	/* the three 1023s */
	assert_int_equal(p.pooled, 70000 - 3);
	rec = agg_rec(&p.agg, 0);
	assert_int_equal(rec->used, 28231);
	rec = agg_rec(&p.agg, 2);
	assert_int_equal(rec->used, 70000 - 2 * 28232 - 1);

	capture_start(&c);
	assert_int_equal(ports_print_table(c.f, &p, 20), 0);
	out = capture_end(&c);
	assert_non_null(strstr(out, "ip_local_port_range 32768-60999: 28232 ports per pool"));
	assert_non_null(strstr(out, "not limited by 28232"));
	assert_non_null(strstr(out, "Local Address  Remote Address:Port   Used  TimeWait   Free  Use%"));
	assert_non_null(strstr(out, "10.0.0.1       192.0.2.1:443        28231"));
	assert_non_null(strstr(out, "     1  100%"));
	assert_non_null(strstr(out, "69997 connections use ephemeral ports in 3 pools, each with its own 28232 ports"));
	assert_non_null(strstr(out, "2 inbound connections"));
	assert_non_null(strstr(out, "WARNING: 10.0.0.1 -> 192.0.2.1:443 uses 28231 of 28232"));
	assert_non_null(strstr(out, "EADDRNOTAVAIL"));
	assert_null(strstr(out, "WARNING: 10.0.0.3"));	/* 48% */
	free(c.buf);

	capture_start(&c);
	assert_int_equal(ports_print_json(c.f, &p, 2, false), 0);
	out = capture_end(&c);
	root = json_tokener_parse(out);
	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "ports_per_pool", &v));
	assert_int_equal(json_object_get_int(v), 28232);
	assert_true(json_object_object_get_ex(root, "pools", &arr));
	assert_int_equal(json_object_array_length(arr), 2);
	assert_true(json_object_object_get_ex(root, "not_shown", &v));
	assert_int_equal(json_object_get_int(v), 1);
	o = json_object_array_get_idx(arr, 1);
	assert_true(json_object_object_get_ex(o, "local_address", &v));
	assert_string_equal(json_object_get_string(v), "10.0.0.2");
	assert_true(json_object_object_get_ex(o, "free", &v));
	assert_int_equal(json_object_get_int(v), 1);
	assert_true(json_object_object_get_ex(o, "use_pct", &v));
	assert_int_equal(json_object_get_int(v), 100);
	json_object_put(root);
	free(c.buf);
	ports_free(&p);
}

static uint64_t bits_set(const uint8_t *bitmap, unsigned int lo, unsigned int hi)
{
	uint64_t n = 0;

	for (; lo <= hi; lo++)
		n += !!(bitmap[lo / 8] & (1 << (lo % 8)));
	return n;
}

/*
 * ip_local_reserved_ports: never picked by connect(), so a pool is that
 * much smaller; a socket on a reserved port was bound explicitly. A
 * listener covers its own address (or all, as a wildcard) only: a client
 * socket that happens to have the listening port on another local address
 * is outbound.
 */
static void test_ports_reserved_and_listener_address(void **state)
{
	uint8_t bm[65536 / 8];
	struct ports p;
	struct capture c;
	const char *out;
	struct json_object *root, *arr, *o, *v;
	const struct port_rec *rec;
	unsigned int i;

	(void)state;
	assert_int_equal(ports_parse_reserved("\n", bm), 0);
	assert_int_equal(bits_set(bm, 0, 65535), 0);
	assert_int_equal(ports_parse_reserved("", bm), 0);
	assert_int_equal(ports_parse_reserved("8000-8099,9000,65535\n", bm), 0);
	assert_int_equal(bits_set(bm, 0, 65535), 102);
	assert_int_equal(bits_set(bm, 8000, 8099), 100);
	assert_int_equal(bits_set(bm, 65535, 65535), 1);
	assert_int_equal(ports_parse_reserved("1-2,", bm), 0);
	assert_int_equal(ports_parse_reserved("8000-", bm), -EINVAL);
	assert_int_equal(ports_parse_reserved("9-8", bm), -EINVAL);
	assert_int_equal(ports_parse_reserved("70000", bm), -EINVAL);
	assert_int_equal(ports_parse_reserved("1 2", bm), -EINVAL);
	assert_int_equal(ports_parse_reserved("x", bm), -EINVAL);
	assert_int_equal(ports_parse_reserved("1\n2", bm), -EINVAL);

	ports_init(&p, 1024, 65535);
	assert_int_equal(ports_parse_reserved("1000-1100,9000,40000-40099\n", bm), 0);
	ports_set_reserved(&p, bm);
	assert_int_equal(p.reserved_in_range, 77 + 1 + 100);
	assert_int_equal(ports_capacity(&p), 64512 - 178);
	{
		struct sock_entry l = conn("127.0.0.1", 9500, "0.0.0.0", 0,
					   TCPCONN_STATE_LISTEN);

		assert_int_equal(ports_add_listener(&l, &p), 0);
	}
	for (i = 0; i < 1000; i++) {
		struct sock_entry s = conn("127.0.0.2", (uint16_t)(20000 + i),
					   "127.0.0.1", 9500,
					   TCPCONN_STATE_ESTABLISHED);
		struct sock_entry in = conn("127.0.0.1", 9500, "127.0.0.2",
					    (uint16_t)(20000 + i),
					    TCPCONN_STATE_ESTABLISHED);

		if (i == 0)
			s.sport = 9500;	/* the listening port, another address */
		if (i == 1)
			s.sport = 9000;	/* reserved: bound explicitly */
		if (i == 2)
			s.sport = 1023;	/* below the range */
		in.dport = s.sport;
		assert_int_equal(ports_add(&s, &p), 0);
		assert_int_equal(ports_add(&in, &p), 0);
	}
	assert_int_equal(p.inbound, 1000);
	assert_int_equal(p.outside, 2);
	assert_int_equal(p.pooled, 998);
	ports_sort(&p);
	assert_int_equal(p.agg.len, 1);
	rec = agg_rec(&p.agg, 0);
	assert_int_equal(rec->used, 998);

	capture_start(&c);
	assert_int_equal(ports_print_table(c.f, &p, 20), 0);
	out = capture_end(&c);
	if (getenv("TCPCONN_TEST_SHOW"))
		fputs(out, stderr);
	assert_non_null(strstr(out, "ip_local_port_range 1024-65535: 64512 ports, 178 of them reserved (ip_local_reserved_ports): 64334 ports per pool."));
	assert_non_null(strstr(out, "127.0.0.2      127.0.0.1:9500        998         0  63336    2%"));
	assert_non_null(strstr(out, "1000 inbound connections"));
	free(c.buf);

	capture_start(&c);
	assert_int_equal(ports_print_json(c.f, &p, 0, false), 0);
	out = capture_end(&c);
	root = json_tokener_parse(out);
	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "reserved_in_range", &v));
	assert_int_equal(json_object_get_int(v), 178);
	assert_true(json_object_object_get_ex(root, "range_size", &v));
	assert_int_equal(json_object_get_int(v), 64512);
	assert_true(json_object_object_get_ex(root, "ports_per_pool", &v));
	assert_int_equal(json_object_get_int(v), 64334);
	assert_true(json_object_object_get_ex(root, "pools", &arr));
	o = json_object_array_get_idx(arr, 0);
	assert_true(json_object_object_get_ex(o, "free", &v));
	assert_int_equal(json_object_get_int(v), 64334 - 998);
	assert_true(json_object_object_get_ex(root, "outside_range_connections", &v));
	assert_int_equal(json_object_get_int(v), 2);
	json_object_put(root);
	free(c.buf);
	ports_free(&p);

	/* without the file: the range as is, and the table says so */
	ports_init(&p, 32768, 60999);
	capture_start(&c);
	assert_int_equal(ports_print_table(c.f, &p, 20), 0);
	out = capture_end(&c);
	assert_non_null(strstr(out, "28232 ports per pool (ip_local_reserved_ports unreadable: not subtracted)."));
	free(c.buf);
	capture_start(&c);
	assert_int_equal(ports_print_json(c.f, &p, 0, false), 0);
	out = capture_end(&c);
	root = json_tokener_parse(out);
	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "reserved_in_range", &v));
	assert_null(v);
	json_object_put(root);
	free(c.buf);
	ports_free(&p);
}

/* ---- /proc fixture ------------------------------------------------------ */

static void put_file(const char *root, const char *rel, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void put_dir(const char *root, const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_int_equal(mkdir(path, 0755), 0);
}

static void put_link(const char *root, const char *rel, const char *target)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_int_equal(symlink(target, path), 0);
}

static int rm_cb(const char *path, const struct stat *st, int flag,
		 struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void make_proc(char *root)
{
	assert_non_null(mkdtemp(root));
	put_dir(root, "100");
	put_dir(root, "100/fd");
	put_file(root, "100/comm", "nginx\n");
	put_file(root, "100/limits",
		 "Limit                     Soft Limit           Hard Limit           Units\n"
		 "Max open files            8                    4096                 files\n");
	put_link(root, "100/fd/0", "/dev/null");
	put_link(root, "100/fd/3", "socket:[4242]");
	put_link(root, "100/fd/4", "socket:[77]");
	put_link(root, "100/fd/7", "socket:[78]");
	put_link(root, "100/fd/8", "pipe:[99]");
	put_dir(root, "200");
	put_dir(root, "200/fd");
	put_file(root, "200/comm", "worker\n");
	put_file(root, "200/limits", "Max open files            unlimited            unlimited            files\n");
	put_link(root, "200/fd/5", "socket:[4242]");
	put_dir(root, "self");		/* not a pid: skipped */
	put_file(root, "uptime", "1 2\n");
	put_dir(root, "sys");
	put_dir(root, "sys/fs");
	put_file(root, "sys/fs/file-nr", "1536\t0\t1000\n");
	put_file(root, "sys/fs/file-max", "1000\n");
	put_file(root, "sys/fs/nr_open", "1048576\n");
}

static void test_procs_fixture(void **state)
{
	char root[] = "/tmp/tcpconn-test-procs-XXXXXX";
	const struct proc_sock *ps;
	struct procs p;
	struct sock_printer pr;
	struct sock_entry s = sample_socket(TCPCONN_STATE_ESTABLISHED, 40000, 443, 0);
	struct capture c;
	const char *out;
	size_t n;
	uint64_t ino;

	(void)state;
	make_proc(root);
	assert_int_equal(procs_load(root, &p), 0);
	assert_int_equal(p.nprocs, 2);
	assert_int_equal(p.nsocks, 4);
	ps = procs_find(&p, 4242, &n);
	assert_int_equal(n, 2);
	assert_string_equal(p.procs[ps[0].proc].comm, "nginx");
	assert_int_equal(ps[0].fd, 3);
	assert_string_equal(p.procs[ps[1].proc].comm, "worker");
	assert_int_equal(ps[1].fd, 5);
	assert_null(procs_find(&p, 0, &n));
	assert_null(procs_find(&p, 4243, &n));
	assert_int_equal(n, 0);

	/* -p in the table, as ss -p */
	capture_start(&c);
	sock_printer_init(&pr, c.f, false, &p);
	assert_int_equal(sock_printer_add(&s, &pr), 0);
	s.inode = 0;
	assert_int_equal(sock_printer_add(&s, &pr), 0);
	assert_int_equal(sock_printer_finish(&pr, false), 0);
	sock_printer_free(&pr);
	out = capture_end(&c);
	assert_non_null(strstr(out, "  Flags  Process\n"));
	assert_non_null(strstr(out, "users:((\"nginx\",pid=100,fd=3),(\"worker\",pid=200,fd=5))\n"));
	assert_non_null(strstr(out, "  -\n"));
	free(c.buf);

	assert_true(procs_parse_socket_link("socket:[1]", &ino));
	assert_int_equal(ino, 1);
	assert_false(procs_parse_socket_link("socket:[]", &ino));
	assert_false(procs_parse_socket_link("socket:[1]x", &ino));
	assert_false(procs_parse_socket_link("anon_inode:[eventfd]", &ino));
	procs_free(&p);
	assert_int_equal(procs_load("/nonexistent-tcpconn", &p), -ENOENT);
	assert_int_equal(nftw(root, rm_cb, 8, FTW_DEPTH | FTW_PHYS), 0);
}

static void test_limits_fixture(void **state)
{
	char root[] = "/tmp/tcpconn-test-limits-XXXXXX";
	struct summary_sample sample;
	struct limits_report r;
	struct fs_limits fs;
	struct procs p;
	struct listener l = sample_listener(0), l2 = sample_listener(1);
	struct capture c;
	const char *out;
	struct json_object *root_j, *v, *arr;
	uint64_t a, b, m;

	(void)state;
	make_proc(root);
	fs_limits_read(root, &fs);
	assert_true(fs.has_file_nr && fs.has_file_max && fs.has_nr_open);
	assert_int_equal(fs.files, 1536);
	assert_int_equal(fs.nr_open, 1048576);
	assert_int_equal(fs_parse_file_nr("1 2 3\n", &a, &b, &m), 0);
	assert_int_equal(fs_parse_file_nr("1 2\n", &a, &b, &m), -EINVAL);
	assert_int_equal(fs_parse_file_nr("1 -2 3\n", &a, &b, &m), -EINVAL);
	assert_int_equal(procs_parse_nofile("Max open files  1024  4096  files\n", &m), 0);
	assert_int_equal(m, 1024);
	assert_int_equal(procs_parse_nofile("Max processes 1 1\n", &m), -EINVAL);

	/* most sockets, but none in this netns's TCP table (UDP, another netns) */
	put_dir(root, "300");
	put_dir(root, "300/fd");
	put_file(root, "300/comm", "udpd\n");
	put_link(root, "300/fd/3", "socket:[900]");
	put_link(root, "300/fd/4", "socket:[901]");
	put_link(root, "300/fd/5", "socket:[902]");
	put_link(root, "300/fd/6", "socket:[903]");
	assert_int_equal(procs_load(root, &p), 0);
	assert_int_equal(p.nprocs, 3);
	{
		/* the dump: 4242 (two holders), 78, a TIME-WAIT (inode 0), one nobody holds */
		static const uint64_t ino[] = { 4242, 78, 0, 31337 };
		struct sock_entry e = sample_socket(TCPCONN_STATE_ESTABLISHED, 40000, 443, 0);
		size_t i;

		for (i = 0; i < ARRAY_LEN(ino); i++) {
			e.inode = ino[i];
			assert_int_equal(limits_count_tcp(&e, &p), 0);
		}
	}
	r.ntcp = limits_sort_procs(&p);
	assert_int_equal(r.ntcp, 2);
	assert_int_equal(p.procs[0].pid, 100);	/* 2 TCP of 3 sockets */
	assert_int_equal(p.procs[0].tcp, 2);
	assert_int_equal(p.procs[0].sockets, 3);
	assert_int_equal(p.procs[0].fds, 5);
	assert_int_equal(p.procs[1].pid, 200);
	assert_int_equal(p.procs[1].tcp, 1);
	assert_true(p.procs[1].nofile == UINT64_MAX);
	assert_int_equal(p.procs[2].pid, 300);
	assert_int_equal(p.procs[2].tcp, 0);
	assert_int_equal(p.procs[2].sockets, 4);

	memset(&sample, 0, sizeof(sample));
	sample.sum = sample_summary();
	/* not 4096 (= page size): the value must be somaxconn's own */
	sample.sum.limits[TCPCONN_LIMIT_SOMAXCONN] = 4095;
	l.backlog = 4095;	/* = somaxconn */
	l.accept_queue = 0;
	l2.backlog = 128;
	l2.accept_queue = 129;	/* full */
	assert_int_equal(listener_list_add(&sample.listeners, &l), 0);
	assert_int_equal(listener_list_add(&sample.listeners, &l2), 0);
	r.sample = &sample;
	r.fs = &fs;
	r.procs = &p;
	r.top = 20;

	capture_start(&c);
	assert_int_equal(limits_print_table(c.f, &r), 0);
	out = capture_end(&c);
	assert_non_null(strstr(out, "open files (host)"));
	assert_non_null(strstr(out, "154%"));	/* 1536 of 1000, rounded up */
	assert_non_null(strstr(out, "WARNING: 1536 of 1000 file handles"));
	assert_non_null(strstr(out, "1048576"));
	assert_non_null(strstr(out, "TCP memory (pages, host)"));
	assert_non_null(strstr(out, "87744"));
	assert_non_null(strstr(out, "nginx"));
	assert_null(strstr(out, "udpd"));	/* no TCP socket here */
	assert_non_null(strstr(out, "PID  Command  TCP  Sockets  Fds     NoFile  Use%"));
	assert_non_null(strstr(out, "100  nginx      2        3    5"));
	assert_non_null(strstr(out, "63%"));	/* 5 of 8 fds */
	assert_non_null(strstr(out, "unlimited"));
	assert_non_null(strstr(out, "accept queue full"));
	assert_non_null(strstr(out, "= somaxconn"));
	/* the full queue first */
	assert_true(strstr(out, "accept queue full") < strstr(out, "= somaxconn"));
	free(c.buf);

	capture_start(&c);
	assert_int_equal(limits_print_json(c.f, &r), 0);
	out = capture_end(&c);
	root_j = json_tokener_parse(out);
	assert_non_null(root_j);
	assert_true(json_object_object_get_ex(root_j, "files", &v));
	assert_true(json_object_object_get_ex(v, "file_max", &v));
	assert_int_equal(json_object_get_int(v), 1000);
	assert_true(json_object_object_get_ex(root_j, "tcp_memory", &v));
	assert_true(json_object_object_get_ex(v, "high", &v));
	assert_int_equal(json_object_get_int(v), 87744);
	assert_true(json_object_object_get_ex(root_j, "somaxconn", &v));
	assert_int_equal(json_object_get_int(v), 4095);
	assert_true(json_object_object_get_ex(root_j, "processes", &arr));
	assert_int_equal(json_object_array_length(arr), 2);
	assert_true(json_object_object_get_ex(json_object_array_get_idx(arr, 0),
					      "tcp_sockets", &v));
	assert_int_equal(json_object_get_int(v), 2);
	assert_true(json_object_object_get_ex(root_j, "processes_with_tcp", &v));
	assert_int_equal(json_object_get_int(v), 2);
	assert_true(json_object_object_get_ex(root_j, "listeners", &arr));
	assert_int_equal(json_object_array_length(arr), 2);
	json_object_put(root_j);
	free(c.buf);

	summary_sample_free(&sample);
	procs_free(&p);
	assert_int_equal(nftw(root, rm_cb, 8, FTW_DEPTH | FTW_PHYS), 0);
}

int run_views_tests(int *total)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_remotes),
		cmocka_unit_test(test_ports_70k),
		cmocka_unit_test(test_ports_reserved_and_listener_address),
		cmocka_unit_test(test_procs_fixture),
		cmocka_unit_test(test_limits_fixture),
	};

	*total = (int)ARRAY_LEN(tests);
	return cmocka_run_group_tests_name("views", tests, NULL, NULL);
}
