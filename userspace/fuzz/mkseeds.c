// SPDX-License-Identifier: GPL-2.0
/*
 * mkseeds.c - write the seed corpora: well-formed kernel replies for every
 * fuzz_reply command line (built by tests/replay.c, as the cmocka tests
 * build them) and valid and invalid command lines for fuzz_opts.
 *
 *   mkseeds REPLY_DIR OPTS_DIR
 *
 * The output is deterministic; `make -C userspace fuzz-seeds` rewrites
 * fuzz/corpus/{fuzz_reply,fuzz_opts}/seed-* with it. Other files there
 * (regress-*: inputs that once crashed a target) are kept.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/tcpconn.h>

#include "nl.h"
#include "opts.h"
#include "tests/replay.h"

#include "cmdlines.h"

#define NCMDLINES (sizeof(cmdlines) / sizeof(cmdlines[0]))

/* The seed being built: 2 header bytes, then datagrams. */
static unsigned char seed[65536];
static size_t seed_len;
/* The datagram being built, NLMSG_ALIGNed messages back to back. */
static _Alignas(8) char dg[MNL_SOCKET_DUMP_SIZE];
static size_t dg_len;

static void *msg_at(void)
{
	return dg + dg_len;
}

static void msg_add(struct nlmsghdr *nlh)
{
	dg_len += NLMSG_ALIGN(nlh->nlmsg_len);
}

/* One recvfrom(): the messages built so far. */
static void dg_flush(void)
{
	if (seed_len + 2 + dg_len > sizeof(seed))
		abort();
	seed[seed_len++] = (unsigned char)(dg_len & 0xff);
	seed[seed_len++] = (unsigned char)(dg_len >> 8);
	memcpy(seed + seed_len, dg, dg_len);
	seed_len += dg_len;
	dg_len = 0;
}

static void seed_start(unsigned int cmd, unsigned int flags)
{
	seed_len = 0;
	dg_len = 0;
	seed[seed_len++] = (unsigned char)cmd;
	seed[seed_len++] = (unsigned char)flags;
}

static void seed_write(const char *dir, const char *name)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(seed, 1, seed_len, f) != seed_len || fclose(f)) {
		perror(path);
		exit(1);
	}
}

/* ---- replies ------------------------------------------------------------- */

static void family(void)
{
	static const uint32_t ops[] = {
		TCPCONN_CMD_LISTENERS_GET, TCPCONN_CMD_SUMMARY_GET,
		TCPCONN_CMD_SOCKETS_GET,
	};

	msg_add(put_family(msg_at(), TEST_FAMILY_ID, TCPCONN_GENL_VERSION,
			   ops, sizeof(ops) / sizeof(ops[0])));
	msg_add(put_error(msg_at(), 0, NULL, NULL));
	dg_flush();
}

static void seed_listeners(unsigned int how)
{
	int i;

	for (i = 0; i < 3; i++) {
		struct listener l = sample_listener(i);

		if (i == 1)
			l.ifindex = 2;
		msg_add(put_listener(msg_at(), &l, i == 2 ? how : 0));
	}
	msg_add(put_done(msg_at(), 0, NULL));
	dg_flush();
}

static void seed_summary(void)
{
	struct tcpconn_summary s = sample_summary();

	msg_add(put_summary(msg_at(), &s, 0));
	msg_add(put_error(msg_at(), 0, NULL, NULL));
	dg_flush();
}

static struct sock_entry sock(const char *src, uint16_t sport, const char *dst,
			      uint16_t dport, uint8_t state)
{
	struct sock_entry s = sample_socket(state, sport, dport, 0);

	s.family = strchr(src, ':') ? AF_INET6 : AF_INET;
	memset(s.src, 0, sizeof(s.src));
	memset(s.dst, 0, sizeof(s.dst));
	if (inet_pton(s.family, src, s.src) != 1 ||
	    inet_pton(s.family, dst, s.dst) != 1)
		abort();
	return s;
}

/* A mixed table: what --sockets, --remotes, --ports and --limits all use. */
static void seed_sockets(unsigned int split)
{
	struct sock_entry s[9];
	size_t i;

	s[0] = sock("0.0.0.0", 443, "0.0.0.0", 0, TCPCONN_STATE_LISTEN);
	s[0].cookie = 1;
	s[0].inode = 99;
	s[1] = sock("10.0.0.1", 40000, "192.0.2.1", 443, TCPCONN_STATE_ESTABLISHED);
	s[1].cookie = 2;
	s[1].ifindex = 1;
	s[2] = sock("10.0.0.1", 40001, "192.0.2.1", 443, TCPCONN_STATE_TIME_WAIT);
	s[2].cookie = 3;
	s[2].inode = 0;
	s[2].timer = TCPCONN_TIMER_TIMEWAIT;
	s[2].expires_ms = 59000;
	s[3] = sock("::ffff:10.0.0.2", 50000, "::ffff:192.0.2.1", 443,
		    TCPCONN_STATE_TW_FIN_WAIT2);
	s[3].cookie = 4;
	s[3].inode = 0;
	s[4] = sock("2001:db8::1", 443, "2001:db8::9", 51000,
		    TCPCONN_STATE_ESTABLISHED);
	s[4].cookie = 5;
	s[4].inode = 12345;
	s[4].timer = TCPCONN_TIMER_KEEPALIVE;
	s[4].expires_ms = 7200000;
	s[5] = sock("10.0.0.1", 40002, "192.0.2.2", 80, TCPCONN_STATE_FIN_WAIT1);
	s[5].cookie = 6;
	s[5].orphan = true;
	s[5].inode = 0;
	s[6] = sock("127.0.0.1", 45000, "127.0.0.1", 45000,
		    TCPCONN_STATE_ESTABLISHED);	/* self-connection */
	s[6].cookie = 7;
	s[6].timer = TCPCONN_TIMER_NONE;
	s[7] = sock("10.0.0.1", 40003, "192.0.2.1", 443, TCPCONN_STATE_CLOSE_WAIT);
	s[7].cookie = 8;
	s[7].timer = TCPCONN_TIMER_PERSIST;
	s[7].uid = 0;
	s[8] = s[1];	/* a repeat after DUMP_INTR: dropped by cookie */
	/* the repeat only in the split (family-split) variant */
	for (i = 0; i < sizeof(s) / sizeof(s[0]) - !split; i++) {
		msg_add(put_socket(msg_at(), &s[i], i == 8 ? BK_DUMP_INTR : 0));
		if (split && i == 4)
			dg_flush();
	}
	msg_add(put_done(msg_at(), 0, NULL));
	dg_flush();
}

static void seed_listen(void)
{
	struct sock_entry l = sock("0.0.0.0", 443, "0.0.0.0", 0,
				   TCPCONN_STATE_LISTEN);
	struct sock_entry l6 = sock("::", 45000, "::", 0, TCPCONN_STATE_LISTEN);

	l.cookie = 1;
	l6.cookie = 9;
	msg_add(put_socket(msg_at(), &l, 0));
	msg_add(put_socket(msg_at(), &l6, 0));
	msg_add(put_done(msg_at(), 0, NULL));
	dg_flush();
}

static void failure(int err, int in_done)
{
	if (in_done)
		msg_add(put_done(msg_at(), err, "tcpconn: walk failed"));
	else
		msg_add(put_error(msg_at(), err, "tcpconn: bad attribute", NULL));
	dg_flush();
}

/* The replies to one command line, as the kernel would send them. */
static void replies(enum view v, int variant)
{
	switch (v) {
	case VIEW_LISTENERS:
		seed_listeners(variant ? BL_DUMP_INTR : 0);
		break;
	case VIEW_SUMMARY:
	case VIEW_PROMETHEUS:	/* the same fetch as --summary */
		seed_summary();
		seed_listeners(0);
		if (variant) {	/* a second sample: -i with rates */
			seed_summary();
			seed_listeners(0);
		}
		break;
	case VIEW_SOCKETS:
	case VIEW_TIMEWAIT:
	case VIEW_ORPHANS:
	case VIEW_REMOTES:
		seed_sockets(variant);
		break;
	case VIEW_PORTS:
		seed_summary();
		seed_listen();
		seed_sockets(variant);
		break;
	case VIEW_LIMITS:
		seed_summary();
		seed_listeners(0);
		seed_sockets(variant);
		break;
	default:
		abort();
	}
}

static void reply_seeds(const char *dir)
{
	unsigned int i;
	char name[64];

	for (i = 0; i < NCMDLINES; i++) {
		char *argv[10] = { "tcpconn-stat" };
		struct opts o;
		int argc = 1, j, variant;

		for (j = 0; cmdlines[i][j]; j++)
			argv[argc++] = (char *)cmdlines[i][j];
		if (opts_parse(&o, argc, argv))
			abort();
		for (variant = 0; variant < 2; variant++) {
			/* variant 1 also resolves the family first */
			seed_start(i, variant);
			if (variant)
				family();
			replies(o.view, variant);
			snprintf(name, sizeof(name), "seed-cmd%02u-%s", i,
				 variant ? "family-split" : "ok");
			seed_write(dir, name);
		}
	}
	/* Failures: module missing, permission, an error after part of a dump. */
	seed_start(0, 1);
	failure(-ENOENT, 0);
	seed_write(dir, "seed-family-missing");
	seed_start(5, 0);
	failure(-EPERM, 0);
	seed_write(dir, "seed-sockets-eperm");
	seed_start(0, 0);
	{
		struct listener l = sample_listener(0);

		msg_add(put_listener(msg_at(), &l, 0));
		dg_flush();
	}
	failure(-ENOBUFS, 1);
	seed_write(dir, "seed-listeners-done-error");
}

/* ---- command lines ------------------------------------------------------- */

static const char *const opt_seeds[][10] = {
	/* valid */
	{ "--listeners" },
	{ "--listeners", "-4", "--port", "8080", "-n", "-j" },
	{ "-6nj", "--port=443", "--listeners" },
	{ "--summary", "-i", "0.5", "-c", "3" },
	{ "--summary", "--interval=.25", "--count=1", "--json" },
	{ "-ji2.", "--summary" },
	{ "--sockets", "--state", "established,syn-sent", "-p" },
	{ "--sockets", "--src", "10.0.0.0/8", "--dst", "[2001:db8::]/32" },
	{ "--sockets", "--sport", "22", "--dport", "443", "--uid", "1000" },
	{ "--timewait", "-6", "--dst", "::ffff:192.0.2.1" },
	{ "--orphans", "--state", "fin-wait-1,FIN_WAIT2,tw-fin-wait2" },
	{ "--remotes", "--state", "connected", "--top", "5" },
	{ "--ports", "--state", "all", "--top", "0", "-4" },
	{ "--limits", "--top", "3", "-j" },
	{ "--help" },
	{ "-V" },
	/* invalid: exit 2 */
	{ "--bogus" },
	{ "--listeners", "--sockets" },
	{ "--listeners", "--port", "0" },
	{ "--summary", "-4" },
	{ "--summary", "-c", "2" },
	{ "--timewait", "--state", "listen" },
	{ "--sockets", "--port", "80" },
	{ "--sockets", "-4", "--src", "::1" },
	{ "--sockets", "--src", "10.0.0.0/33" },
	{ "--sockets", "--state", "bogus," },
	{ "--listeners", "-p" },
	{ "--limits", "--uid", "4294967295" },
	{ "--remotes", "stray" },
	{ "--summary", "-i", "1e3" },
	{ "-n" },
};

static void opts_seeds(const char *dir)
{
	size_t i, j;
	char name[64];

	for (i = 0; i < sizeof(opt_seeds) / sizeof(opt_seeds[0]); i++) {
		seed_len = 0;
		for (j = 0; opt_seeds[i][j]; j++) {
			size_t n = strlen(opt_seeds[i][j]);

			if (j)
				seed[seed_len++] = '\0';
			memcpy(seed + seed_len, opt_seeds[i][j], n);
			seed_len += n;
		}
		snprintf(name, sizeof(name), "seed-opts%02zu", i);
		seed_write(dir, name);
	}
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s REPLY_DIR OPTS_DIR\n", argv[0]);
		return 2;
	}
	reply_seeds(argv[1]);
	opts_seeds(argv[2]);
	return 0;
}
