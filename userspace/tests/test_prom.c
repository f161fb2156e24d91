// SPDX-License-Identifier: GPL-2.0
/*
 * test_prom.c - --prometheus: escaping, names and types, the metrics of
 * canned samples (values, base units, missing values, SO_REUSEPORT
 * members), a lint of the whole output (what promtool does not check:
 * duplicate series, one HELP/TYPE per family, _total on counters only),
 * the atomic file write, and the options.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include "tests.h"
#include "canned.h"
#include "opts.h"
#include "output.h"
#include "prom.h"
#include "replay.h"

#define PARSE(o, ...) ({						\
	char *argv_[] = { "tcpconn-stat", __VA_ARGS__ };		\
	opts_parse((o), (int)ARRAY_LEN(argv_), argv_);			\
})

static void check_label(const char *in, const char *want)
{
	char out[128];

	assert_true(prom_escape_label(in, out, sizeof(out)));
	assert_string_equal(out, want);
}

static void test_prom_escape(void **state)
{
	char out[8];

	(void)state;
	check_label("", "");
	check_label("eth0", "eth0");
	check_label("a\\b\"c\nd", "a\\\\b\\\"c\\nd");
	check_label("tab\there", "tab\there");		/* allowed as is */
	check_label("caf\xc3\xa9", "caf\xc3\xa9");	/* UTF-8 stays */
	check_label("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80");
	/* not UTF-8: a lone byte, overlong, surrogate, > U+10FFFF, cut short */
	check_label("a\xff", "a\\\\xff");
	check_label("\xc0\xaf", "\\\\xc0\\\\xaf");
	check_label("\xed\xa0\x80", "\\\\xed\\\\xa0\\\\x80");
	check_label("\xf4\x90\x80\x80", "\\\\xf4\\\\x90\\\\x80\\\\x80");
	check_label("x\xe2\x82", "x\\\\xe2\\\\x82");
	/* HELP escapes \ and newline, never quotes */
	{
		char h[64];

		assert_true(prom_escape_help("say \"hi\"\\\n", h, sizeof(h)));
		assert_string_equal(h, "say \"hi\"\\\\\\n");
	}
	/* too small: false, still terminated */
	assert_false(prom_escape_label("0123456789", out, sizeof(out)));
	assert_int_equal(strlen(out), 7);
	assert_false(prom_escape_label("abcdef\"", out, sizeof(out)));
	assert_string_equal(out, "abcdef");
}

static void test_prom_names(void **state)
{
	struct prom p;
	struct capture c;

	(void)state;
	assert_true(prom_name_valid("tcpconn_sockets"));
	assert_true(prom_name_valid("a:b_c1"));
	assert_false(prom_name_valid("1abc"));
	assert_false(prom_name_valid("a-b"));
	assert_false(prom_name_valid(""));
	assert_true(prom_label_name_valid("family"));
	assert_false(prom_label_name_valid("a:b"));
	assert_false(prom_label_name_valid("__name__"));

	capture_start(&c);
	/* counters end in _total, gauges do not; only the two types */
	prom_init(&p, c.f);
	prom_family(&p, "x_total", "gauge", "");
	assert_int_equal(prom_finish(&p), -EINVAL);
	prom_init(&p, c.f);
	prom_family(&p, "x", "counter", "");
	assert_int_equal(prom_finish(&p), -EINVAL);
	prom_init(&p, c.f);
	prom_family(&p, "x", "untyped", "");
	assert_int_equal(prom_finish(&p), -EINVAL);
	prom_init(&p, c.f);
	prom_family(&p, "x-y", "gauge", "");
	assert_int_equal(prom_finish(&p), -EINVAL);
	/* a sample without a family, a bad label name */
	prom_init(&p, c.f);
	prom_u64(&p, NULL, 0, 1);
	assert_int_equal(prom_finish(&p), -EINVAL);
	prom_init(&p, c.f);
	prom_family(&p, "x", "gauge", "");
	{
		const struct prom_label lb[] = { { "a-b", "v" } };

		prom_u64(&p, lb, 1, 1);
	}
	assert_int_equal(prom_finish(&p), -EINVAL);
	free((char *)capture_end(&c));
}

static void test_prom_writer(void **state)
{
	const struct prom_label lb[] = { { "a", "x\"y" }, { "b", "" } };
	struct prom p;
	struct capture c;

	(void)state;
	capture_start(&c);
	prom_init(&p, c.f);
	prom_family(&p, "t_empty", "gauge", "never written: no sample");
	prom_family(&p, "t_seconds", "gauge", "line one\nline two");
	prom_ns_as_seconds(&p, NULL, 0, 1234567);
	prom_family(&p, "t_total", "counter", "c");
	prom_u64(&p, lb, 2, UINT64_MAX);
	prom_ns_as_seconds(&p, lb, 1, 12000000001ULL);
	assert_int_equal(prom_finish(&p), 0);
	assert_string_equal(capture_end(&c),
		"# HELP t_seconds line one\\nline two\n"
		"# TYPE t_seconds gauge\n"
		"t_seconds 0.001234567\n"
		"# HELP t_total c\n"
		"# TYPE t_total counter\n"
		"t_total{a=\"x\\\"y\",b=\"\"} 18446744073709551615\n"
		"t_total{a=\"x\\\"y\"} 12.000000001\n");
	free(c.buf);
}

static char *prom_of(enum canned_variant v)
{
	struct summary_sample s;
	struct capture c;

	assert_int_equal(canned_sample(&s, v), 0);
	capture_start(&c);
	assert_int_equal(prom_print_sample(c.f, &s), 0);
	capture_end(&c);
	summary_sample_free(&s);
	return c.buf;
}

static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p = text;

	while ((p = strstr(p, line))) {
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return true;
		p += n;
	}
	return false;
}

#define assert_line(text, line) do {					\
	if (!has_line((text), (line)))					\
		fail_msg("no line '%s' in:\n%s", (line), (text));	\
} while (0)

/*
 * What promtool does not check but the textfile collector needs (it
 * refuses the whole file otherwise): one HELP and TYPE per family before
 * its samples, samples of a family together, no series twice; plus our
 * conventions: tcpconn_ prefix, _total exactly on counters, base units,
 * no timestamps. Returns the number of samples.
 */
static size_t lint(const char *text)
{
	char *copy = strdup(text), *save = NULL, *line;
	char **series = NULL, **families = NULL;
	size_t nseries = 0, nfam = 0, i;
	char cur[128] = "", type[16] = "";

	assert_non_null(copy);
	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char name[128], *sp, *end;

		if (!strncmp(line, "# HELP ", 7)) {
			assert_int_equal(sscanf(line + 7, "%127s", name), 1);
			for (i = 0; i < nfam; i++)
				if (!strcmp(families[i], name))
					fail_msg("family %s twice", name);
			families = realloc(families, (nfam + 1) * sizeof(*families));
			assert_non_null(families);
			families[nfam++] = strdup(name);
			snprintf(cur, sizeof(cur), "%s", name);
			type[0] = '\0';
			continue;
		}
		if (!strncmp(line, "# TYPE ", 7)) {
			assert_int_equal(sscanf(line + 7, "%127s %15s", name, type), 2);
			assert_string_equal(name, cur);
			assert_true(!strcmp(type, "gauge") || !strcmp(type, "counter"));
			assert_int_equal(!strcmp(type, "counter"),
					 strlen(name) > 6 &&
					 !strcmp(name + strlen(name) - 6, "_total"));
			continue;
		}
		assert_true(line[0] != '#');
		/* "name{labels} value": no timestamp, so one field after the series */
		sp = strrchr(line, ' ');
		assert_non_null(sp);
		strtod(sp + 1, &end);
		assert_true(end != sp + 1 && *end == '\0');
		*sp = '\0';
		assert_non_null(strchr(line, '{') ? strchr(line, '}') : line);
		snprintf(name, sizeof(name), "%.*s",
			 (int)strcspn(line, "{"), line);
		if (strcmp(name, cur) || !type[0])
			fail_msg("sample of %s outside its family (%s)", name, cur);
		assert_true(prom_name_valid(name));
		assert_true(!strncmp(name, "tcpconn_", 8));
		assert_null(strstr(name, "pages"));
		assert_null(strstr(name, "_ns"));
		assert_null(strstr(name, "_ms"));
		for (i = 0; i < nseries; i++)
			if (!strcmp(series[i], line))
				fail_msg("series %s twice", line);
		series = realloc(series, (nseries + 1) * sizeof(*series));
		assert_non_null(series);
		series[nseries++] = strdup(line);
	}
	for (i = 0; i < nseries; i++)
		free(series[i]);
	for (i = 0; i < nfam; i++)
		free(families[i]);
	free(series);
	free(families);
	free(copy);
	return nseries;
}

static void test_prom_busy(void **state)
{
	char lo[IFNAME_LEN], line[256];
	char *out = prom_of(CANNED_BUSY);

	(void)state;
	/* 12 states x 2 families, twice; 19 single values; 18 counters; 7 listeners x 5 */
	assert_int_equal(lint(out), 48 + 19 + 18 + 7 * 5);
	assert_line(out, "# TYPE tcpconn_sockets gauge");
	assert_line(out, "tcpconn_sockets{family=\"ipv4\",state=\"time_wait\"} 3400");
	assert_line(out, "tcpconn_sockets{family=\"ipv6\",state=\"established\"} 30");
	assert_line(out, "tcpconn_sockets{family=\"ipv4\",state=\"tw_fin_wait2\"} 10");
	assert_line(out, "tcpconn_sockets{family=\"ipv6\",state=\"closing\"} 0");
	assert_line(out, "tcpconn_orphans{family=\"ipv4\",state=\"last_ack\"} 3");
	assert_line(out, "tcpconn_time_wait_sockets 3500");
	assert_line(out, "tcpconn_host_orphans 9");
	assert_line(out, "tcpconn_tcp_max_orphans 65536");
	assert_line(out, "tcpconn_tcp_max_tw_buckets 4096");
	assert_line(out, "tcpconn_somaxconn 4096");
	assert_line(out, "tcpconn_tcp_max_syn_backlog 512");
	assert_line(out, "tcpconn_tcp_syncookies 1");
	assert_line(out, "tcpconn_tcp_tw_reuse 2");
	/* base units: seconds, bytes (pages x page size) */
	assert_line(out, "tcpconn_tcp_fin_timeout_seconds 60");
	assert_line(out, "tcpconn_tcp_mem_high_bytes 359399424");
	assert_line(out, "tcpconn_tcp_mem_pressure_bytes 239599616");
	assert_line(out, "tcpconn_tcp_mem_low_bytes 179699712");
	assert_line(out, "tcpconn_tcp_mem_used_bytes 4915200");
	assert_line(out, "tcpconn_walk_duration_seconds 0.001234567");
	assert_line(out, "tcpconn_ehash_buckets 65536");
	assert_line(out, "tcpconn_ip_local_port_range_first 32768");
	assert_line(out, "tcpconn_ip_local_port_range_last 60999");
	assert_line(out, "tcpconn_ip_local_port_range_size 28232");
	/* counters */
	assert_line(out, "# TYPE tcpconn_tcpext_listen_overflows_total counter");
	assert_line(out, "tcpconn_tcpext_listen_overflows_total 42");
	assert_line(out, "tcpconn_tcpext_req_q_full_drop_total 0");
	assert_line(out, "tcpconn_tcpext_tw_total 123456");
	assert_line(out, "tcpconn_tcpext_tw_recycled_total 18446744073709551600");
	assert_non_null(strstr(out, "# HELP tcpconn_tcpext_tw_recycled_total TcpExt TWRecycled:"));
	/* listeners: the full one, the SO_REUSEPORT members 0..2 by inode */
	assert_line(out, "# TYPE tcpconn_listener_drops_total counter");
	assert_line(out, "tcpconn_listener_accept_queue{family=\"ipv4\",address=\"0.0.0.0\",port=\"80\",interface=\"\",member=\"0\"} 129");
	assert_line(out, "tcpconn_listener_backlog{family=\"ipv4\",address=\"0.0.0.0\",port=\"80\",interface=\"\",member=\"0\"} 128");
	assert_line(out, "tcpconn_listener_syn_queue{family=\"ipv4\",address=\"0.0.0.0\",port=\"80\",interface=\"\",member=\"0\"} 3");
	assert_line(out, "tcpconn_listener_syn_queue_young{family=\"ipv4\",address=\"0.0.0.0\",port=\"80\",interface=\"\",member=\"0\"} 2");
	assert_line(out, "tcpconn_listener_drops_total{family=\"ipv4\",address=\"0.0.0.0\",port=\"80\",interface=\"\",member=\"0\"} 7");
	assert_line(out, "tcpconn_listener_accept_queue{family=\"ipv4\",address=\"127.0.0.1\",port=\"8080\",interface=\"\",member=\"0\"} 2");
	assert_line(out, "tcpconn_listener_accept_queue{family=\"ipv4\",address=\"127.0.0.1\",port=\"8080\",interface=\"\",member=\"1\"} 1");
	assert_line(out, "tcpconn_listener_accept_queue{family=\"ipv4\",address=\"127.0.0.1\",port=\"8080\",interface=\"\",member=\"2\"} 0");
	assert_line(out, "tcpconn_listener_syn_queue{family=\"ipv6\",address=\"::\",port=\"443\",interface=\"\",member=\"0\"} 4000000000");
	/* bound to a device: its name, or the number when it has none */
	ifindex_name(1, lo, sizeof(lo));
	snprintf(line, sizeof(line), "tcpconn_listener_accept_queue{family=\"ipv4\",address=\"0.0.0.0\",port=\"80\",interface=\"%s\",member=\"0\"} 0", lo);
	assert_line(out, line);
	snprintf(line, sizeof(line), "tcpconn_listener_backlog{family=\"ipv4\",address=\"192.0.2.1\",port=\"8443\",interface=\"%u\",member=\"0\"} 128",
		 CANNED_NO_IFINDEX);
	assert_line(out, line);
	free(out);
}

/* An older module: missing keys have no sample (never 0); no listeners. */
static void test_prom_sparse(void **state)
{
	char *out = prom_of(CANNED_SPARSE);

	(void)state;
	lint(out);
	assert_line(out, "tcpconn_sockets{family=\"ipv6\",state=\"closing\"} 0");
	assert_null(strstr(out, "tcpconn_sockets{family=\"ipv4\",state=\"closing\"}"));
	/* a family without samples leaves no HELP/TYPE either */
	assert_null(strstr(out, "tcpconn_tcp_syncookies"));
	assert_null(strstr(out, "tcpconn_tcpext_listen_drops_total"));
	assert_null(strstr(out, "tcpconn_listener"));
	assert_null(strstr(out, "tcpconn_host_orphans"));
	assert_null(strstr(out, "tcpconn_tcp_max_orphans"));
	assert_line(out, "tcpconn_tcpext_listen_overflows_total 42");
	assert_line(out, "tcpconn_time_wait_sockets 3500");
	free(out);
}

/* A listener sent twice (an interrupted dump) is one series, not two members. */
static void test_prom_repeated_listener(void **state)
{
	struct summary_sample s;
	struct listener l = sample_listener(1), m = l;
	struct capture c;
	const char *out;

	(void)state;
	assert_int_equal(canned_sample(&s, CANNED_SPARSE), 0);
	m.inode++;
	m.cookie++;		/* a second member of the group */
	assert_int_equal(listener_list_add(&s.listeners, &l), 0);
	assert_int_equal(listener_list_add(&s.listeners, &m), 0);
	assert_int_equal(listener_list_add(&s.listeners, &l), 0);
	listener_list_sort(&s.listeners);
	capture_start(&c);
	assert_int_equal(prom_print_sample(c.f, &s), 0);
	out = capture_end(&c);
	lint(out);
	assert_line(out, "tcpconn_listener_backlog{family=\"ipv4\",address=\"127.0.0.1\",port=\"8080\",interface=\"\",member=\"0\"} 4096");
	assert_line(out, "tcpconn_listener_backlog{family=\"ipv4\",address=\"127.0.0.1\",port=\"8080\",interface=\"\",member=\"1\"} 4096");
	assert_null(strstr(out, "member=\"2\""));
	free(c.buf);
	summary_sample_free(&s);
}

/* ---- the file --------------------------------------------------------- */

static int fill_text(FILE *f, void *arg)
{
	fputs(arg, f);
	return 0;
}

static int fill_fail(FILE *f, void *arg)
{
	(void)arg;
	fputs("half a file", f);
	return -EIO;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *b = calloc(1, 256);

	assert_non_null(f);
	assert_non_null(b);
	assert_true(fread(b, 1, 255, f) < 255);
	fclose(f);
	return b;
}

static size_t entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void test_prom_write_file(void **state)
{
	char dir[] = "/tmp/tcpconn-test-prom-XXXXXX", path[64], bad[96];
	struct stat st;
	mode_t old;
	char *b;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/tcpconn.prom", dir);
	old = umask(022);
	assert_int_equal(prom_write_file(path, fill_text, "a 1\n"), 0);
	b = slurp(path);
	assert_string_equal(b, "a 1\n");
	free(b);
	/* readable by the collector's user, not 0600 as mkstemp() makes it */
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal(entries(dir), 1);	/* no temporary left */

	/* replaced as a whole */
	assert_int_equal(prom_write_file(path, fill_text, "b 2\n"), 0);
	b = slurp(path);
	assert_string_equal(b, "b 2\n");
	free(b);

	/* a failed report leaves the old file and nothing else */
	assert_int_equal(prom_write_file(path, fill_fail, NULL), -EIO);
	b = slurp(path);
	assert_string_equal(b, "b 2\n");
	free(b);
	assert_int_equal(entries(dir), 1);
	umask(old);

	snprintf(bad, sizeof(bad), "%s/no-such-dir/x.prom", dir);
	assert_int_equal(prom_write_file(bad, fill_text, "x"), -ENOENT);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

static void test_prom_options(void **state)
{
	struct opts o;
	int saved;

	(void)state;
	assert_int_equal(PARSE(&o, "--prometheus"), 0);
	assert_int_equal(o.view, VIEW_PROMETHEUS);
	assert_null(o.out.prom_file);
	assert_int_equal(PARSE(&o, "--prometheus=/var/lib/node/tcpconn.prom"), 0);
	assert_string_equal(o.out.prom_file, "/var/lib/node/tcpconn.prom");
	assert_int_equal(PARSE(&o, "-n", "--prometheus"), 0);

	saved = stderr_mute();
	/* a separate word is not the file: say how, exit 2 */
	assert_int_equal(PARSE(&o, "--prometheus", "x.prom"), -EINVAL);
	assert_int_equal(PARSE(&o, "--prometheus="), -EINVAL);
	assert_int_equal(PARSE(&o, "--prometheus", "-j"), -EINVAL);
	assert_int_equal(PARSE(&o, "--prometheus", "--summary"), -EINVAL);
	assert_int_equal(PARSE(&o, "--prometheus", "-i", "5"), -EINVAL);
	assert_int_equal(PARSE(&o, "--prometheus", "-4"), -EINVAL);
	assert_int_equal(PARSE(&o, "--prometheus", "--top", "3"), -EINVAL);
	stderr_restore(saved);
	/* -j still goes with every other view */
	assert_int_equal(PARSE(&o, "--limits", "-j"), 0);
	assert_int_equal(PARSE(&o, "--timewait", "-j"), 0);
}

int run_prom_tests(int *total)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prom_escape),
		cmocka_unit_test(test_prom_names),
		cmocka_unit_test(test_prom_writer),
		cmocka_unit_test(test_prom_busy),
		cmocka_unit_test(test_prom_sparse),
		cmocka_unit_test(test_prom_repeated_listener),
		cmocka_unit_test(test_prom_write_file),
		cmocka_unit_test(test_prom_options),
	};

	*total = (int)ARRAY_LEN(tests);
	return cmocka_run_group_tests_name("prometheus", tests, NULL, NULL);
}
