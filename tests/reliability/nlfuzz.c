// SPDX-License-Identifier: GPL-2.0
/*
 * nlfuzz: the message generator and oracle of the nl_fuzz reliability test
 * (tests/reliability/test_fuzz.py runs it in a private netns of the guest;
 * tests/reliability/README.md describes the classes and the oracle).
 *
 *   nlfuzz [--family-id ID] [--n N] [--seed SEED]
 *
 * Sends N hostile and valid messages to the tcpconn generic netlink family
 * of the current netns, all built from one seeded PRNG, and checks every
 * answer: each message the kernel must answer (NLM_F_REQUEST or NLM_F_ACK)
 * gets exactly one final reply carrying its sequence number within 20 s,
 * nothing arrives for a sequence number that is not outstanding, the final
 * reply matches the message's class; messages the netlink core drops
 * unanswered are followed by a probe whose answer must come first.
 *
 * Output: "# " progress lines, one "# failure: TEXT hex=HEX..." line per
 * oracle violation (at most 20, then it stops; HEX: the offending
 * messages, for `python3 tests/reliability/test_fuzz.py HEX...`), and last
 * the machine-readable summary, lines starting with "@" (test_fuzz.py turns
 * them into its notes):
 *   @totals seed=S messages=N sends=N recvs=N secs=F rate=F largest=N
 *           reply_bytes=N dropped=N enobufs=N problems=N
 *   @errno NAME=N...            final replies by errno (ack: 0, ?: none)
 *   @class CLASS NAME=N...      the same per message class
 *   @ops NAME=N...              operations
 *   @optime NAME=SECS/MSGS...   time and messages per operation
 *   @cattime CLASS=SECS/MSGS... the same for single messages per class
 * Exit status: 0 clean, 1 oracle violation(s), 2 usage, 3 setup failed.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/tcpconn.h>

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

#define F_REQ NLM_F_REQUEST
#define F_MULTI NLM_F_MULTI
#define F_ACK NLM_F_ACK
#define F_ECHO NLM_F_ECHO
#define F_DUMP NLM_F_DUMP		/* both bits: ROOT | MATCH */
#define PROBE_CMD 0xC8			/* unknown command: EOPNOTSUPP */
#define REPLY_WAIT_MS 20000
#define MAX_PROBLEMS 20
#define N_STATES TCPCONN_STATE_MAX
#define MAX_ERRNO 4096

/* ---- the PRNG: xoshiro256**, seeded through splitmix64 */

static uint64_t rs[4];

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void rnd_seed(uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		rs[i] = splitmix(&seed);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rnd64(void)
{
	uint64_t r = rotl(rs[1] * 5, 7) * 9, t = rs[1] << 17;

	rs[2] ^= rs[0];
	rs[3] ^= rs[1];
	rs[1] ^= rs[2];
	rs[0] ^= rs[3];
	rs[2] ^= t;
	rs[3] = rotl(rs[3], 45);
	return r;
}

/* [lo, hi), hi > lo */
static uint64_t rr(uint64_t lo, uint64_t hi)
{
	return lo + rnd64() % (hi - lo);
}

static double rndf(void)
{
	return (double)(rnd64() >> 11) * 0x1.0p-53;
}

static void rnd_bytes(uint8_t *p, size_t n)
{
	while (n) {
		uint64_t v = rnd64();
		size_t k = n < 8 ? n : 8;

		memcpy(p, &v, k);
		p += k;
		n -= k;
	}
}

static void shuffle(int *a, int n)
{
	for (int i = n - 1; i > 0; i--) {
		int j = (int)rr(0, (uint64_t)i + 1), t = a[i];

		a[i] = a[j];
		a[j] = t;
	}
}

/* ---- byte buffers */

struct buf {
	uint8_t *p;
	size_t len, cap;
};

static void oom(void)
{
	fprintf(stderr, "nlfuzz: out of memory\n");
	exit(3);
}

static uint8_t *buf_add(struct buf *b, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;

		while (cap < b->len + n)
			cap *= 2;
		b->p = realloc(b->p, cap);
		if (!b->p)
			oom();
		b->cap = cap;
	}
	b->len += n;
	return b->p + b->len - n;
}

static void buf_put(struct buf *b, const void *p, size_t n)
{
	if (n)
		memcpy(buf_add(b, n), p, n);
}

static void buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

/* one attribute; its payload's n bytes from p (random when p is NULL) */
static void nla(struct buf *b, uint16_t type, const void *p, size_t n, bool pad)
{
	uint16_t hdr[2] = { (uint16_t)(4 + n), type };
	uint8_t *d;

	buf_put(b, hdr, 4);
	d = buf_add(b, n);
	if (p)
		memcpy(d, p, n);
	else
		rnd_bytes(d, n);
	if (pad && n % 4)
		memset(buf_add(b, 4 - n % 4), 0, 4 - n % 4);
}

static void nla_u8(struct buf *b, uint16_t type, uint8_t v)
{
	nla(b, type, &v, 1, true);
}

/* ---- the family's commands and request attributes */

enum kind { K_FAMILY, K_PORT, K_U32, K_STATES, K_PLEN, K_FLAG, K_ADDR };
static const size_t kind_size[] = {
	[K_FAMILY] = 1, [K_PORT] = 2, [K_U32] = 4, [K_STATES] = 4, [K_PLEN] = 1,
	[K_FLAG] = 0, [K_ADDR] = 16,
};

struct reqattr {
	uint16_t type;
	enum kind kind;
};

static const struct reqattr l_req[] = {
	{ TCPCONN_A_LISTENER_FAMILY, K_FAMILY },
	{ TCPCONN_A_LISTENER_PORT, K_PORT },
};

static const struct reqattr s_req[] = {
	{ TCPCONN_A_SOCKET_FAMILY, K_FAMILY },
	{ TCPCONN_A_SOCKET_SRC_ADDR, K_ADDR },
	{ TCPCONN_A_SOCKET_SRC_PORT, K_PORT },
	{ TCPCONN_A_SOCKET_DST_ADDR, K_ADDR },
	{ TCPCONN_A_SOCKET_DST_PORT, K_PORT },
	{ TCPCONN_A_SOCKET_UID, K_U32 },
	{ TCPCONN_A_SOCKET_ORPHAN, K_FLAG },
	{ TCPCONN_A_SOCKET_STATES, K_STATES },
	{ TCPCONN_A_SOCKET_SRC_PREFIXLEN, K_PLEN },
	{ TCPCONN_A_SOCKET_DST_PREFIXLEN, K_PLEN },
};

#define MAX_REQ 10

struct cmdinfo {
	uint8_t cmd;
	bool dump;
	uint16_t maxattr;
	const struct reqattr *req;
	int nreq;
};

static const struct cmdinfo cmds[] = {
	{ TCPCONN_CMD_LISTENERS_GET, true, TCPCONN_A_LISTENER_MAX, l_req, 2 },
	{ TCPCONN_CMD_SUMMARY_GET, false, TCPCONN_A_SUMMARY_MAX, NULL, 0 },
	{ TCPCONN_CMD_SOCKETS_GET, true, TCPCONN_A_SOCKET_MAX, s_req, 10 },
};

#define C_LISTENERS (&cmds[0])
#define C_SOCKETS (&cmds[2])

/* the address of a prefix length and the other way round */
static uint16_t plen_of(uint16_t addr)
{
	return addr == TCPCONN_A_SOCKET_SRC_ADDR ? TCPCONN_A_SOCKET_SRC_PREFIXLEN :
						   TCPCONN_A_SOCKET_DST_PREFIXLEN;
}

static uint16_t addr_of(uint16_t plen)
{
	return plen == TCPCONN_A_SOCKET_SRC_PREFIXLEN ? TCPCONN_A_SOCKET_SRC_ADDR :
							TCPCONN_A_SOCKET_DST_ADDR;
}

/* ---- messages */

enum expect { E_OK, E_ERR, E_ANY, E_NONE, E_ACK0, E_OKBUSY };
static const char *const expect_name[] = {
	"ok", "err", "any", "none", "ack0", "okbusy",
};

enum cat {
	C_VALID, C_HDR, C_BADCMD, C_WRONGMODE, C_FLAGS, C_BADVALUE, C_BADLEN,
	C_UNKNOWNATTR, C_NESTED, C_RANDOM, C_TRUNCATTR, C_NLMSGLEN, C_BADFAMILY,
	C_BIG, N_KINDS,
	C_PROBE = N_KINDS, C_SMALLBUF, C_TRUNCATING, C_AFTER_TRUNCATING,
	C_ABANDON, N_CATS
};
static const char *const cat_name[] = {
	"valid", "hdr", "badcmd", "wrongmode", "flags", "badvalue", "badlen",
	"unknownattr", "nested", "random", "truncattr", "nlmsglen", "badfamily",
	"big", "probe", "smallbuf", "truncating", "after-truncating", "abandon",
};
static const double single_weight[N_KINDS] = {
	[C_VALID] = 10, [C_HDR] = 4, [C_BADCMD] = 5, [C_WRONGMODE] = 6,
	[C_FLAGS] = 10, [C_BADVALUE] = 12, [C_BADLEN] = 12, [C_UNKNOWNATTR] = 8,
	[C_NESTED] = 5, [C_RANDOM] = 15, [C_TRUNCATTR] = 6, [C_NLMSGLEN] = 5,
	[C_BADFAMILY] = 1, [C_BIG] = 1,
};
/* batches: no lying nlmsg_len, no big ones */
static const double batch_weight[N_KINDS] = {
	[C_VALID] = 10, [C_HDR] = 4, [C_BADCMD] = 5, [C_WRONGMODE] = 6,
	[C_FLAGS] = 10, [C_BADVALUE] = 12, [C_BADLEN] = 12, [C_UNKNOWNATTR] = 8,
	[C_NESTED] = 5, [C_RANDOM] = 15, [C_TRUNCATTR] = 6, [C_BADFAMILY] = 1,
};

struct msg {
	struct buf b;
	uint32_t seq;
	enum expect expect;
	enum cat cat;
	uint16_t flags;
	bool dump, done, err_known;
	int err;
	unsigned int data_seen;
};

/* ---- state */

static uint16_t fid;
static uint32_t seq_no;
static uint64_t n_target, sent, sends, recvs, largest, reply_bytes;
static uint64_t n_dropped, n_enobufs, n_problems;
static uint64_t hist[MAX_ERRNO + 1];	/* [0]: no errno (?), [e + 1]: errno e */
static uint64_t by_cat[N_CATS][MAX_ERRNO + 1];
static uint64_t dropped_by_cat[N_CATS];
enum op { OP_SINGLE, OP_BATCH, OP_SMALLBUF, OP_TRUNCATING, OP_ABANDON, N_OPS };
static const char *const op_name[] = {
	"single", "batch", "smallbuf", "truncating", "abandon",
};
static const double op_weight[N_OPS] = { 88, 8, 2, 0.2, 1.5 };
static uint64_t ops_count[N_OPS], op_msgs[N_OPS], n_sockets, n_abandoned;
static double op_time[N_OPS];
static double cat_time[N_CATS];	/* of single messages */
static uint64_t cat_msgs[N_CATS];

struct nlsock {
	struct mnl_socket *nl;
	int fd, rcvbuf;			/* rcvbuf 0: the default */
	bool ext_ack, cap_ack;
	size_t bufsize;			/* recvmsg() buffer */
};

static struct nlsock mainsock;
static struct msg pool[10];
static struct buf sendbuf;
static uint8_t *rbuf;
static size_t rbuf_cap;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *errname(bool known, int e)
{
	static char num[16];
	const char *s;

	if (!known)
		return "?";
	if (!e)
		return "ack";
	s = strerrorname_np(e);
	if (s)
		return s;
	snprintf(num, sizeof(num), "%d", e);
	return num;
}

static void print_hex(const struct msg *m)
{
	static const char hx[] = "0123456789abcdef";

	for (size_t i = 0; i < m->b.len; i++) {
		putchar(hx[m->b.p[i] >> 4]);
		putchar(hx[m->b.p[i] & 15]);
	}
}

static const char *sockopts(const struct nlsock *s)
{
	static char txt[128];

	snprintf(txt, sizeof(txt), "rcvbuf %d ext_ack %d cap_ack %d bufsize %zu",
		 s->rcvbuf, s->ext_ack, s->cap_ack, s->bufsize);
	return txt;
}

/* an oracle violation: one "# failure:" line with the messages' hex */
static void problem(struct msg *const *msgs, int n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void problem(struct msg *const *msgs, int n, const char *fmt, ...)
{
	va_list ap;

	n_problems++;
	if (n_problems > MAX_PROBLEMS)
		return;
	fputs("# failure: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputs(" hex=", stdout);
	if (!n)
		putchar('-');
	for (int i = 0; i < n && i < 8; i++) {
		if (i)
			putchar(' ');
		print_hex(msgs[i]);
	}
	putchar('\n');
	fflush(stdout);
}

/* ---- sockets */

static void sock_open(struct nlsock *s, int rcvbuf, bool ext_ack, bool cap_ack,
		      size_t bufsize)
{
	int one = 1;

	s->nl = mnl_socket_open(NETLINK_GENERIC);
	if (!s->nl) {
		perror("nlfuzz: socket(NETLINK_GENERIC)");
		exit(3);
	}
	s->fd = mnl_socket_get_fd(s->nl);
	s->rcvbuf = rcvbuf;
	s->ext_ack = ext_ack;
	s->cap_ack = cap_ack;
	s->bufsize = bufsize;
	if ((rcvbuf && setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				  sizeof(rcvbuf))) ||
	    (ext_ack && mnl_socket_setsockopt(s->nl, NETLINK_EXT_ACK, &one,
					      sizeof(one))) ||
	    (cap_ack && mnl_socket_setsockopt(s->nl, NETLINK_CAP_ACK, &one,
					      sizeof(one))) ||
	    mnl_socket_bind(s->nl, 0, MNL_SOCKET_AUTOPID)) {
		perror("nlfuzz: netlink socket setup");
		exit(3);
	}
}

static void sock_close(struct nlsock *s)
{
	if (s->nl)
		mnl_socket_close(s->nl);
	s->nl = NULL;
}

static void new_socket(void)
{
	static const int rcvbufs[] = { 0, 0, 0, 1, 8192 };
	static const size_t sizes[] = { 4096, 16384, 65536 };
	int rcvbuf = rcvbufs[rr(0, 5)];
	bool ext_ack = rndf() < 0.5, cap_ack = rndf() < 0.3;

	sock_close(&mainsock);
	sock_open(&mainsock, rcvbuf, ext_ack, cap_ack, sizes[rr(0, 3)]);
	n_sockets++;
}

static int sock_send(struct nlsock *s, const void *p, size_t n)
{
	sends++;
	return mnl_socket_sendto(s->nl, p, n) < 0 ? -1 : 0;
}

/* one datagram into rbuf: its length, 0 on timeout, -1 (errno) on error;
 * *trunc: MSG_TRUNC */
static ssize_t sock_recv(struct nlsock *s, int timeout_ms, size_t size,
			 bool *trunc)
{
	struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
	struct iovec iov;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;
	int r;

	if (size > rbuf_cap) {
		rbuf = realloc(rbuf, size);
		if (!rbuf)
			oom();
		rbuf_cap = size;
	}
	do
		r = poll(&pfd, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r <= 0)
		return r;
	iov.iov_base = rbuf;
	iov.iov_len = size;
	n = recvmsg(s->fd, &mh, 0);
	if (n < 0)
		return -1;
	recvs++;
	*trunc = mh.msg_flags & MSG_TRUNC;
	return n;
}

/* ---- the generator (all randomness from the one PRNG) */

static uint32_t next_seq(void)
{
	seq_no = seq_no + 1 ? seq_no + 1 : 1;
	return seq_no;
}

static void valid_attr(struct buf *b, const struct cmdinfo *c, int idx)
{
	static const uint16_t ports[] = { 1, 22, 80, 9100, 9101, 65535 };
	static const uint32_t uids[] = { 0, 65534, 4242 };
	const struct reqattr *ra = &c->req[idx < 0 ? (int)rr(0, c->nreq) : idx];
	uint16_t t = ra->type, u16;
	uint32_t u32;
	size_t n;

	switch (ra->kind) {
	case K_FAMILY:
		nla_u8(b, t, rr(0, 2) ? AF_INET6 : AF_INET);
		break;
	case K_PORT:
		u16 = rr(0, 7) < 6 ? ports[rr(0, 6)] : (uint16_t)rr(1, 65536);
		nla(b, t, &u16, 2, true);
		break;
	case K_U32:
		u32 = uids[rr(0, 3)];
		nla(b, t, &u32, 4, true);
		break;
	case K_STATES:
		u32 = (uint32_t)rr(0, 1u << (N_STATES + 1)) & ~1u;
		nla(b, t, &u32, 4, true);
		break;
	case K_FLAG:
		nla(b, t, NULL, 0, true);
		break;
	case K_ADDR:
		n = rr(0, 2) ? 16 : 4;
		nla(b, t, NULL, n, true);
		if (rndf() < 0.5)
			nla_u8(b, plen_of(t), (uint8_t)rr(0, n * 8 + 1));
		break;
	case K_PLEN:	/* needs its address */
		nla(b, addr_of(t), (uint8_t[16]){ 0 }, 16, true);
		nla_u8(b, t, (uint8_t)rr(0, 129));
		break;
	}
}

/* k of the n indices in a[] (at most n), in random order, to a[0..k) */
static int sample(int *a, int n, int k)
{
	for (int i = 0; i < k; i++) {
		int j = (int)rr(i, n), t = a[i];

		a[i] = a[j];
		a[j] = t;
	}
	return k;
}

/* 0..all request attributes, each once, valid together */
static void valid_attrs(struct buf *b, const struct cmdinfo *c)
{
	int idx[MAX_REQ], n = 0, k;

	if (!c->nreq || rndf() >= 0.6)
		return;
	for (int i = 0; i < c->nreq; i++)
		if (c->req[i].kind != K_PLEN)
			idx[n++] = i;
	k = sample(idx, n, (int)rr(1, n + 1));
	for (int i = 0; i < k; i++)
		valid_attr(b, c, idx[i]);
}

/* a well-formed attribute whose value the policy or the module rejects */
static void bad_value_attr(struct buf *b, const struct cmdinfo *c)
{
	int idx[MAX_REQ], n = 0;
	const struct reqattr *ra;
	uint32_t u32;
	uint64_t hi = 1ULL << (N_STATES + 1);
	size_t len;
	uint8_t v;

	for (int i = 0; i < c->nreq; i++)
		if (c->req[i].kind != K_FLAG)
			idx[n++] = i;
	ra = &c->req[idx[rr(0, n)]];
	switch (ra->kind) {
	case K_FAMILY:
		do
			v = (uint8_t)rr(0, 256);
		while (v == AF_INET || v == AF_INET6);
		nla_u8(b, ra->type, v);
		break;
	case K_PORT:
		nla(b, ra->type, (uint16_t[1]){ 0 }, 2, true);
		break;
	case K_STATES: {
		const uint64_t bad[] = { 1, hi, 1ULL << 31, rr(hi, 1ULL << 32) };

		u32 = (uint32_t)bad[rr(0, 4)];
		nla(b, ra->type, &u32, 4, true);
		break;
	}
	case K_U32:	/* (uid_t)-1 is never a valid uid */
		u32 = 0xffffffff;
		nla(b, ra->type, &u32, 4, true);
		break;
	case K_PLEN:
		if (rndf() < 0.5) {		/* beyond the policy's 128 */
			nla_u8(b, ra->type, (uint8_t)rr(129, 256));
		} else if (rndf() < 0.5) {	/* without its address */
			nla_u8(b, ra->type, (uint8_t)rr(0, 129));
		} else {			/* > 32 for an IPv4 address */
			nla(b, addr_of(ra->type), (uint8_t[4]){ 0 }, 4, true);
			nla_u8(b, ra->type, (uint8_t)rr(33, 129));
		}
		break;
	case K_ADDR:	/* neither 4 nor 16 bytes, at most 16 */
		do
			len = rr(0, 17);
		while (len == 4 || len == 16);
		nla(b, ra->type, NULL, len, true);
		break;
	case K_FLAG:
		break;
	}
}

/* a request attribute of a length its policy rejects */
static void bad_len_attr(struct buf *b, const struct cmdinfo *c)
{
	const struct reqattr *ra = &c->req[rr(0, c->nreq)];
	static const size_t addr_lens[] = { 17, 20, 32, 255 };
	size_t n;

	if (ra->kind == K_ADDR) {	/* longer than the policy's 16 bytes */
		n = rr(0, 5);
		n = n < 4 ? addr_lens[n] : rr(17, 2000);
	} else if (ra->kind == K_FLAG) {
		n = rr(1, 9);
	} else {
		do
			n = rr(0, 13);
		while (n == kind_size[ra->kind]);
	}
	nla(b, ra->type, NULL, n, true);
}

/* 0..2 valid attributes that cannot make `bad` valid: none of its types
 * (the last of a type wins) and no address or prefix length; into a
 * random order with bad, to out */
static void with_companions(struct buf *out, const struct cmdinfo *c,
			    const struct buf *bad)
{
	bool used[0x4000] = { false };
	struct buf comp[2] = { { 0 } };
	int idx[MAX_REQ], n = 0, k, at;
	size_t off = 0;

	while (off + 4 <= bad->len) {
		uint16_t hdr[2];

		memcpy(hdr, bad->p + off, 4);
		used[hdr[1] & 0x3fff] = true;
		off += ((hdr[0] + 3u) & ~3u) > 4 ? ((hdr[0] + 3u) & ~3u) : 4;
	}
	for (int i = 0; i < c->nreq; i++)
		if (!used[c->req[i].type] && c->req[i].kind != K_ADDR &&
		    c->req[i].kind != K_PLEN)
			idx[n++] = i;
	k = (int)rr(0, 3);
	k = sample(idx, n, k < n ? k : n);
	for (int i = 0; i < k; i++)
		valid_attr(&comp[i], c, idx[i]);
	at = (int)rr(0, (uint64_t)k + 1);
	for (int i = 0; i <= k; i++) {
		if (i == at)
			buf_put(out, bad->p, bad->len);
		if (i < k)
			buf_put(out, comp[i].p, comp[i].len);
	}
	buf_free(&comp[0]);
	buf_free(&comp[1]);
}

static void random_attr(struct buf *b, const struct cmdinfo *c, int depth)
{
	static const uint16_t fl[] = { 0x8000, 0x4000, 0xc000 };
	static const size_t lens[] = { 0, 1, 2, 4, 8, 16 };
	uint32_t mx = c->maxattr;
	uint16_t t;

	switch (rr(0, 6)) {
	case 0: t = 0; break;
	case 1: t = 1; break;
	case 2: case 3: t = (uint16_t)rr(0, mx + 1); break;
	case 4: t = (uint16_t)(mx + 1); break;
	default: t = (uint16_t)rr(mx + 1, 0x4000); break;
	}
	if (rndf() < 0.1)
		t |= fl[rr(0, 3)];
	if (depth < 3 && rndf() < 0.15) {
		struct buf in = { 0 };
		int k = (int)rr(0, 4);

		for (int i = 0; i < k; i++)
			random_attr(&in, c, depth + 1);
		nla(b, t, in.p ? in.p : (const uint8_t *)"", in.len, rndf() < 0.9);
		buf_free(&in);
	} else {
		size_t i = rr(0, 7);

		nla(b, t, NULL, i < 6 ? lens[i] : rr(0, 64), rndf() < 0.9);
	}
}

static void nested_attr(struct buf *b, const struct cmdinfo *c)
{
	uint16_t t = c->nreq ? c->req[rr(0, c->nreq)].type :
			       (uint16_t)rr(0, c->maxattr + 2u);
	struct buf in = { 0 };
	int k = (int)rr(0, 5);

	for (int i = 0; i < k; i++)
		random_attr(&in, c, 1);
	nla(b, t | NLA_F_NESTED, in.p ? in.p : (const uint8_t *)"", in.len, true);
	buf_free(&in);
}

/* strict validation: above maxattr, type 0, or a reply-only type (no
 * policy: NLA_UNSPEC) -- always EINVAL */
static void unknown_attr(struct buf *b, const struct cmdinfo *c)
{
	static const size_t lens[] = { 0, 1, 2, 4, 8, 16 };
	uint16_t reply_only[64], t = 0;
	int n = 0;

	for (uint16_t i = 0; i <= c->maxattr; i++) {
		bool req = false;

		for (int j = 0; j < c->nreq; j++)
			req |= c->req[j].type == i;
		if (!req)
			reply_only[n++] = i;
	}
	switch (rr(0, 4)) {
	case 0: t = (uint16_t)rr(c->maxattr + 1u, 0x4000); break;
	case 1: t = c->maxattr + 1; break;
	case 2: t = 0; break;
	case 3: t = reply_only[rr(0, n)]; break;
	}
	nla(b, t, NULL, lens[rr(0, 6)], true);
}

#define NO_VAL (-1L)

/* the whole message into m: header, genl header, attrs; length: a lying
 * nlmsg_len; cut: bytes kept */
static struct msg *build(struct msg *m, uint8_t cmd, const struct buf *attrs,
			 uint16_t flags, enum expect e, enum cat cat,
			 uint8_t version, uint16_t reserved, long ftype,
			 long length, long cut)
{
	struct nlmsghdr h = {
		.nlmsg_len = length >= 0 ? (uint32_t)length :
			     (uint32_t)(NLMSG_HDRLEN + GENL_HDRLEN + attrs->len),
		.nlmsg_type = ftype >= 0 ? (uint16_t)ftype : fid,
		.nlmsg_flags = flags,
		.nlmsg_seq = next_seq(),
	};
	struct genlmsghdr g = { .cmd = cmd, .version = version,
				.reserved = reserved };

	m->b.len = 0;
	buf_put(&m->b, &h, sizeof(h));
	buf_put(&m->b, &g, sizeof(g));
	buf_put(&m->b, attrs->p, attrs->len);
	if (cut >= 0)
		m->b.len = (size_t)cut;
	m->seq = h.nlmsg_seq;
	m->expect = e;
	m->cat = cat;
	m->flags = flags;
	m->dump = (flags & F_DUMP) == F_DUMP;
	m->done = m->err_known = false;
	m->err = 0;
	m->data_seen = 0;
	return m;
}

static struct msg *simple(struct msg *m, const struct cmdinfo *c,
			  const struct buf *attrs, uint16_t flags, enum expect e,
			  enum cat cat)
{
	return build(m, c->cmd, attrs, flags, e, cat, 1, 0, NO_VAL, NO_VAL,
		     NO_VAL);
}

/* the command's own mode; NLM_F_ACK 80 % of the time (ack < 0) */
static uint16_t mode_flags(const struct cmdinfo *c, int ack)
{
	uint16_t f = F_REQ | (c->dump ? F_DUMP : 0);

	if (ack < 0 ? rndf() < 0.8 : ack)
		f |= F_ACK;
	return f;
}

/* What a request with nlmsg_flags f must get: the netlink core acks a
 * non-request only when asked (netlink_rcv_skb()); genl_header_check()
 * allows only REQUEST, ACK, ECHO and both DUMP bits; the mode (do/dump)
 * must be the command's. */
static enum expect flags_expect(const struct cmdinfo *c, uint16_t f)
{
	uint16_t g;

	if (!(f & F_REQ))
		return f & F_ACK ? E_ACK0 : E_NONE;
	g = (f & F_DUMP) == F_DUMP ? f & ~F_DUMP : f;
	if (g & ~(F_REQ | F_ACK | F_ECHO))
		return E_ERR;
	return ((f & F_DUMP) == F_DUMP) == c->dump ? E_OK : E_ERR;
}

static enum cat pick_kind(const double *w)
{
	double sum = 0, x;
	int k;

	for (k = 0; k < N_KINDS; k++)
		sum += w[k];
	x = rndf() * sum;
	for (k = 0; k < N_KINDS - 1; k++) {
		if (x < w[k])
			break;
		x -= w[k];
	}
	while (!w[k])	/* rounding at the top end */
		k--;
	return (enum cat)k;
}

static struct msg *gen_one(struct msg *m, const double *weights)
{
	static struct buf a, bad, one;
	enum cat kind = pick_kind(weights);
	const struct cmdinfo *c = &cmds[rr(0, 3)];
	uint16_t f, t;
	size_t n, full;

	a.len = bad.len = one.len = 0;
	switch (kind) {
	case C_VALID:
		valid_attrs(&a, c);
		return simple(m, c, &a, mode_flags(c, -1), E_OK, kind);
	case C_HDR: {
		/* genl ignores the version; genl_header_check() rejects a
		 * nonzero reserved field (strict families, resv_start_op 0) */
		uint16_t res = rr(0, 2) ? (uint16_t)rr(1, 65536) : 0;

		valid_attrs(&a, c);
		return build(m, c->cmd, &a, mode_flags(c, -1),
			     res ? E_ERR : E_OK, kind, (uint8_t)rr(0, 256), res,
			     NO_VAL, NO_VAL, NO_VAL);
	}
	case C_BADCMD: {
		static const uint16_t fls[] = { F_REQ | F_ACK,
						F_REQ | F_DUMP | F_ACK, F_REQ,
						F_REQ | F_DUMP };
		uint8_t cmd;

		switch (rr(0, 3)) {
		case 0: cmd = 0; break;
		case 1: cmd = TCPCONN_CMD_SOCKETS_GET + 1; break;
		default: cmd = (uint8_t)rr(4, 256); break;
		}
		valid_attrs(&a, c);
		return build(m, cmd, &a, fls[rr(0, 4)], E_ERR, kind, 1, 0,
			     NO_VAL, NO_VAL, NO_VAL);
	}
	case C_WRONGMODE: {
		static const uint16_t x[] = { F_DUMP, 0x100, 0x200 };

		f = mode_flags(c, -1) ^ (c->dump ? x[rr(0, 3)] : F_DUMP);
		valid_attrs(&a, c);
		return simple(m, c, &a, f, E_ERR, kind);
	}
	case C_FLAGS: {
		static const uint16_t x[] = { F_ECHO, F_MULTI, 0x10, 0x20,
					      0x400, 0x800, F_ECHO | F_ACK,
					      0x1000 | F_ECHO };

		switch (rr(0, 3)) {
		case 0: f = (uint16_t)rr(0, 0x1000); break;
		case 1: f = (uint16_t)rr(0, 0x10000); break;
		default: f = mode_flags(c, -1) | x[rr(0, 8)]; break;
		}
		valid_attrs(&a, c);
		return simple(m, c, &a, f, flags_expect(c, f), kind);
	}
	default:
		break;
	}
	if (!c->nreq && (kind == C_BADVALUE || kind == C_BADLEN))
		kind = C_UNKNOWNATTR;	/* SUMMARY_GET takes no attribute */
	switch (kind) {
	case C_BADVALUE:
	case C_BADLEN:
		if (kind == C_BADVALUE)
			bad_value_attr(&bad, c);
		else
			bad_len_attr(&bad, c);
		with_companions(&a, c, &bad);
		return simple(m, c, &a, mode_flags(c, -1), E_ERR, kind);
	case C_UNKNOWNATTR:
		unknown_attr(&bad, c);
		if (c->nreq) {
			int k = (int)rr(0, 3), at = (int)rr(0, (uint64_t)k + 1);

			for (int i = 0; i <= k; i++) {
				if (i == at)
					buf_put(&a, bad.p, bad.len);
				if (i < k)
					valid_attr(&a, c, -1);
			}
		} else {
			buf_put(&a, bad.p, bad.len);
		}
		return simple(m, c, &a, mode_flags(c, -1), E_ERR, kind);
	case C_NESTED:
		nested_attr(&a, c);
		return simple(m, c, &a, mode_flags(c, -1), E_ERR, kind);
	case C_RANDOM:
		n = rr(1, 7);
		for (size_t i = 0; i < n; i++)
			random_attr(&a, c, 0);
		return simple(m, c, &a, mode_flags(c, -1), E_ANY, kind);
	case C_TRUNCATTR: {
		int how = (int)rr(0, 3);

		if (c->nreq) {
			valid_attrs(&a, c);
			if (!a.len)
				valid_attr(&a, c, -1);
		}
		if (how == 0 || !a.len) {	/* 1..3 stray bytes at the end */
			n = rr(1, 4);
			rnd_bytes(buf_add(&a, n), n);
		} else if (how == 1) {	/* last nla_len beyond the message */
			uint16_t hdr[4] = { (uint16_t)rr(9, 400),
					    c->req[rr(0, c->nreq)].type, 0, 0 };

			buf_put(&a, hdr, 8);
		} else {		/* nla_len below the header size */
			uint16_t hdr[2] = { (uint16_t)rr(0, 4),
					    c->req[rr(0, c->nreq)].type };

			buf_put(&a, hdr, 4);
		}
		return simple(m, c, &a, mode_flags(c, -1), E_ERR, kind);
	}
	case C_NLMSGLEN: {
		int how = (int)rr(0, 4);
		long ln;

		valid_attrs(&a, c);
		full = NLMSG_HDRLEN + GENL_HDRLEN + a.len;
		switch (how) {
		case 0:		/* shorter than the genl header: EINVAL */
			ln = (long)rr(16, 20);
			return build(m, c->cmd, &a, mode_flags(c, 1), E_ERR,
				     kind, 1, 0, NO_VAL, ln, ln);
		case 1:		/* below NLMSG_HDRLEN: dropped silently */
			return build(m, c->cmd, &a, mode_flags(c, 1), E_NONE,
				     kind, 1, 0, NO_VAL, (long)rr(0, 16), NO_VAL);
		case 2:		/* longer than the datagram: dropped silently */
			return build(m, c->cmd, &a, mode_flags(c, 1), E_NONE,
				     kind, 1, 0, NO_VAL,
				     (long)(full + rr(1, 5000)), NO_VAL);
		default:	/* cut inside the attributes, nlmsg_len saying so */
			ln = (long)rr(20, full + 1);
			return build(m, c->cmd, &a, mode_flags(c, 1), E_ANY,
				     kind, 1, 0, NO_VAL, ln, ln);
		}
	}
	case C_BADFAMILY:	/* a genl type no family has */
		return build(m, c->cmd, &a, F_REQ | F_ACK, E_ERR, kind, 1, 0,
			     (long)rr(0xf000, 0x10000), NO_VAL, NO_VAL);
	case C_BIG: {
		int how = (int)rr(0, 4);
		enum expect e = E_OK;

		if (how == 0 && c->nreq) {	/* 1-20 KB of valid attrs */
			valid_attr(&one, c, -1);
			n = rr(1000, 20000) / one.len + 1;
		} else if (how == 1) {		/* one huge attribute */
			uint8_t chunk[64];

			t = (uint16_t)rr(0, c->maxattr + 3u);
			rnd_bytes(chunk, sizeof(chunk));
			nla(&one, t, NULL, 64000, true);
			for (int i = 0; i < 1000; i++)
				memcpy(one.p + 4 + i * 64, chunk, 64);
			n = 1;
			e = E_ERR;
		} else if (how == 2) {		/* 100+ KiB of unknown attrs */
			uint8_t aa[60];

			memset(aa, 0xaa, sizeof(aa));
			nla(&one, 0x3fff, aa, sizeof(aa), true);
			n = rr(1700, 2500);
			e = E_ERR;
		} else {			/* ~110 KB of them */
			if (c->nreq)
				valid_attr(&one, c, -1);
			else
				nla(&one, 0, NULL, 0, true);
			n = 110000 / one.len;
			e = c->nreq ? E_OK : E_ERR;
		}
		for (size_t i = 0; i < n; i++)
			buf_put(&a, one.p, one.len);
		return simple(m, c, &a, mode_flags(c, 1), e, kind);
	}
	default:
		abort();
	}
}

/* ---- the oracle */

static void on_reply(struct msg *m, uint16_t ty, uint16_t fl, const uint8_t *p,
		     size_t plen)
{
	int32_t e;

	if (ty == NLMSG_ERROR) {
		m->err_known = plen >= 4;
		if (m->err_known) {
			memcpy(&e, p, 4);
			m->err = -e;
		}
		m->done = true;
	} else if (ty == NLMSG_DONE) {
		e = 0;
		if (plen >= 4)
			memcpy(&e, p, 4);
		m->err_known = true;
		m->err = e < 0 ? -e : 0;
		if (!m->dump)
			problem(&m, 1, "NLMSG_DONE for a non-dump request seq %u (%s)",
				m->seq, cat_name[m->cat]);
		m->done = true;
	} else if (ty == fid) {
		m->data_seen++;
		if (m->dump && !(fl & F_MULTI))
			problem(&m, 1, "dump data without NLM_F_MULTI, seq %u",
				m->seq);
		if (!m->dump && !(m->flags & F_ACK)) {
			/* a do without NLM_F_ACK: the reply ends it */
			m->err_known = true;
			m->err = 0;
			m->done = true;
		}
	} else {
		problem(&m, 1, "unexpected reply type %u for seq %u", ty, m->seq);
		m->done = true;
	}
}

static bool known_errno(int e)
{
	return e == EINVAL || e == ERANGE || e == EOPNOTSUPP || e == EBUSY ||
	       e == ENOENT || e == EMSGSIZE;
}

static void account(struct msg *m)
{
	int slot = m->err_known && m->err >= 0 && m->err < MAX_ERRNO ?
		   m->err + 1 : 0;
	const char *name = errname(m->err_known, m->err);
	enum expect e = m->expect;
	bool ok, succeeded = m->err_known && !m->err;

	if (m->err_known && !slot)
		slot = MAX_ERRNO;	/* out of range: counted in the last */
	hist[slot]++;
	by_cat[m->cat][slot]++;
	ok = e == E_ANY || ((e == E_OK || e == E_ACK0) && succeeded) ||
	     (e == E_ERR && m->err_known && m->err) ||
	     (e == E_OKBUSY && m->err_known &&
	      (!m->err || m->err == EBUSY));
	if (ok && e == E_ACK0 && m->data_seen)
		ok = false;
	if (!ok) {
		if (m->data_seen)
			problem(&m, 1, "seq %u (%s) expected %s, got %s after %u data messages",
				m->seq, cat_name[m->cat], expect_name[e], name,
				m->data_seen);
		else
			problem(&m, 1, "seq %u (%s) expected %s, got %s", m->seq,
				cat_name[m->cat], expect_name[e], name);
	}
	if (m->err_known && m->err && !known_errno(m->err))
		problem(&m, 1, "seq %u (%s): errno %s is not one a request should fail with",
			m->seq, cat_name[m->cat], name);
	if (succeeded && !m->dump &&
	    (e == E_OK || e == E_ANY || e == E_OKBUSY) && m->data_seen != 1)
		problem(&m, 1, "seq %u (%s): do request succeeded with %u data replies (expected 1)",
			m->seq, cat_name[m->cat], m->data_seen);
}

/* Send msgs (in one datagram when batch), then read until each has its
 * final reply; a probe after messages that get none. Returns -1 when the
 * socket is spoiled (the caller replaces the main socket). */
static int exchange(struct nlsock *s, struct msg **msgs, int n, bool batch)
{
	struct msg *pending[16], *silent[16];
	int np = 0, ns = 0, left;
	const uint8_t *data;
	size_t len, bufsize;
	double deadline;

	if (batch) {	/* messages in a datagram start NLMSG_ALIGN()ed */
		sendbuf.len = 0;
		for (int i = 0; i < n; i++) {
			buf_put(&sendbuf, msgs[i]->b.p, msgs[i]->b.len);
			if (msgs[i]->b.len % 4)
				memset(buf_add(&sendbuf, 4 - msgs[i]->b.len % 4),
				       0, 4 - msgs[i]->b.len % 4);
		}
		data = sendbuf.p;
		len = sendbuf.len;
	} else {
		data = msgs[0]->b.p;
		len = msgs[0]->b.len;
	}
	if (len > largest)
		largest = len;
	if (sock_send(s, data, len)) {
		problem(msgs, n, "send() of %zu bytes: %s", len, strerror(errno));
		return 0;
	}
	sent += n;
	for (int i = 0; i < n; i++) {
		if (msgs[i]->expect == E_NONE)
			silent[ns++] = msgs[i];
		else
			pending[np++] = msgs[i];
	}
	if (ns) {
		struct buf none = { 0 };
		struct msg *probe = build(&pool[9], PROBE_CMD, &none,
					  F_REQ | F_ACK, E_ERR, C_PROBE, 1, 0,
					  NO_VAL, NO_VAL, NO_VAL);

		if (sock_send(s, probe->b.p, probe->b.len)) {
			problem(&probe, 1, "send() of the probe: %s",
				strerror(errno));
			return 0;
		}
		sent++;
		pending[np++] = probe;
	}
	/* the kernel sizes dump skbs by the largest recvmsg() buffer the
	 * socket has seen (up to 32 KiB): never read with a smaller one; an
	 * extended ack may quote the whole request */
	if (s->bufsize < len + 4096)
		s->bufsize = len + 4096;
	bufsize = s->bufsize;
	deadline = now() + REPLY_WAIT_MS / 1000.0;
	for (;;) {
		bool trunc = false, all = true;
		ssize_t got;
		size_t off;

		for (int i = 0; i < np; i++)
			all &= pending[i]->done;
		if (all)
			break;
		left = (int)((deadline - now()) * 1000);
		got = left > 0 ? sock_recv(s, left, bufsize, &trunc) : 0;
		if (got < 0) {
			if (errno == ENOBUFS && s->rcvbuf) {
				/* a do reply filled the tiny receive buffer
				 * and the core dropped what followed (its
				 * ack): documented netlink behaviour */
				n_enobufs++;
				return -1;
			}
			problem(pending, np, "recvmsg(): %s (socket %s)",
				strerror(errno), sockopts(s));
			return -1;
		}
		if (!got) {
			struct msg *waiting[16];
			int nw = 0;
			char what[256] = "";

			for (int i = 0; i < np; i++)
				if (!pending[i]->done)
					waiting[nw++] = pending[i];
			for (int i = 0; i < nw && i < 4; i++)
				snprintf(what + strlen(what),
					 sizeof(what) - strlen(what), "%sseq %u %s",
					 i ? ", " : "", waiting[i]->seq,
					 cat_name[waiting[i]->cat]);
			problem(waiting, nw, "no final reply within 20 s for %d message(s): %s (socket %s)",
				nw, what, sockopts(s));
			return -1;
		}
		reply_bytes += (uint64_t)got;
		if (trunc) {
			problem(pending, np, "reply truncated in a %zu-byte buffer",
				bufsize);
			return -1;
		}
		for (off = 0; off + NLMSG_HDRLEN <= (size_t)got;) {
			struct nlmsghdr h;
			struct msg *m = NULL, *sm = NULL;

			memcpy(&h, rbuf + off, sizeof(h));
			if (h.nlmsg_len < NLMSG_HDRLEN ||
			    off + h.nlmsg_len > (size_t)got) {
				problem(pending, np, "malformed netlink reply: nlmsg_len %u at offset %zu of %zd bytes",
					h.nlmsg_len, off, got);
				return -1;
			}
			for (int i = 0; i < np; i++)
				if (pending[i]->seq == h.nlmsg_seq)
					m = pending[i];
			for (int i = 0; i < ns; i++)
				if (silent[i]->seq == h.nlmsg_seq)
					sm = silent[i];
			if (!m) {
				problem(&sm, sm ? 1 : 0, "reply type %u for seq %u, %s",
					h.nlmsg_type, h.nlmsg_seq,
					sm ? "a message the kernel must drop unanswered" :
					     "not outstanding");
			} else if (m->done) {
				problem(&m, 1, "reply type %u flags %#x after the final reply of seq %u (%s, %s)",
					h.nlmsg_type, h.nlmsg_flags, m->seq,
					cat_name[m->cat],
					errname(m->err_known, m->err));
			} else {
				on_reply(m, h.nlmsg_type, h.nlmsg_flags,
					 rbuf + off + NLMSG_HDRLEN,
					 h.nlmsg_len - NLMSG_HDRLEN);
			}
			off += NLMSG_ALIGN(h.nlmsg_len);
		}
	}
	for (int i = 0; i < n; i++) {
		if (msgs[i]->expect != E_NONE) {
			account(msgs[i]);
		} else {
			n_dropped++;
			dropped_by_cat[msgs[i]->cat]++;
		}
	}
	return 0;
}

/* ---- operations */

static void op_single(void)
{
	struct msg *m = gen_one(&pool[0], single_weight);
	double t0 = now();

	if (exchange(&mainsock, &m, 1, false))
		new_socket();
	cat_time[m->cat] += now() - t0;
	cat_msgs[m->cat]++;
}

static void op_batch(void)
{
	struct msg *msgs[8];
	bool dumping = false;
	int n;

	if (mainsock.rcvbuf) {	/* acks of a batch would overrun it */
		op_single();
		return;
	}
	n = (int)rr(2, 9);
	for (int i = 0; i < n; i++) {
		struct msg *m = gen_one(&pool[i], batch_weight);

		msgs[i] = m;
		if (m->dump && (m->flags & F_REQ)) {
			if (dumping && m->expect == E_OK)
				m->expect = E_OKBUSY;	/* the first may run */
			dumping = dumping || m->expect == E_OK ||
				  m->expect == E_ANY || m->expect == E_OKBUSY;
		}
	}
	ops_count[OP_BATCH]++;
	if (exchange(&mainsock, msgs, n, true))
		new_socket();
}

static const struct buf no_attrs;

/* a whole dump through SO_RCVBUF 1 (the minimum) and 4 KiB reads */
static void op_smallbuf(void)
{
	const struct cmdinfo *c = rr(0, 2) ? C_SOCKETS : C_LISTENERS;
	struct nlsock s;
	struct msg *m;

	sock_open(&s, 1, false, false, 4096);
	m = simple(&pool[0], c, &no_attrs, F_REQ | F_DUMP | F_ACK, E_OK,
		   C_SMALLBUF);
	exchange(&s, &m, 1, false);
	sock_close(&s);
	ops_count[OP_SMALLBUF]++;
}

/* A dump read with recvmsg() buffers far smaller than its skbs (MSG_TRUNC,
 * the rest of each skb is lost) until the kernel has nothing more; then a
 * dump on the same socket must work (the first one ended). */
static void op_truncating(void)
{
	static const size_t smalls[] = { 16, 20, 64, 256, 1024 };
	struct nlsock s;
	struct msg *m;
	size_t small;
	int n = 0;

	sock_open(&s, rr(0, 2) ? 1 : 0, false, false, 4096);
	m = simple(&pool[0], C_SOCKETS, &no_attrs, F_REQ | F_DUMP, E_ANY,
		   C_TRUNCATING);
	if (sock_send(&s, m->b.p, m->b.len)) {
		problem(&m, 1, "send(): %s", strerror(errno));
		goto out;
	}
	sent++;
	small = smalls[rr(0, 5)];
	/* The kernel fills the next skb of a dump within the recvmsg() (or,
	 * for the first, the send()) that makes room, so silence right after
	 * one means the dump ended; 20 ms of it. A dump going on later would
	 * show as replies for a seq not outstanding in the next exchange. */
	for (;;) {
		bool trunc;
		ssize_t got = sock_recv(&s, 20, small, &trunc);

		if (got < 0) {
			problem(&m, 1, "recvmsg() of a truncated dump: %s",
				strerror(errno));
			goto out;
		}
		if (!got)
			break;
		reply_bytes += (uint64_t)got;
		if (++n > 10000) {
			problem(&m, 1, "truncated dump never ends (%d recvmsg)", n);
			goto out;
		}
	}
	m = simple(&pool[1], C_LISTENERS, &no_attrs, F_REQ | F_DUMP | F_ACK,
		   E_OK, C_AFTER_TRUNCATING);
	exchange(&s, &m, 1, false);
out:
	sock_close(&s);
	ops_count[OP_TRUNCATING]++;
}

/* 1..24 sockets each start a dump, read at most one skb, and are closed in
 * random order (their dumps' ->done must run) */
static void op_abandon(void)
{
	static const int rcvbufs[] = { 0, 1, 4096 };
	struct nlsock socks[24];
	int order[24], n = (int)rr(1, 25);

	for (int i = 0; i < n; i++) {
		const struct cmdinfo *c = rr(0, 3) < 2 ? C_SOCKETS : C_LISTENERS;
		struct msg *m;

		sock_open(&socks[i], rcvbufs[rr(0, 3)], false, false,
			  rr(0, 2) ? 32768 : 4096);
		order[i] = i;
		m = simple(&pool[0], c, &no_attrs, F_REQ | F_DUMP | F_ACK, E_OK,
			   C_ABANDON);
		if (sock_send(&socks[i], m->b.p, m->b.len)) {
			problem(&m, 1, "send(): %s", strerror(errno));
			continue;
		}
		sent++;
		if (rndf() < 0.8) {
			bool trunc;
			ssize_t got = sock_recv(&socks[i], REPLY_WAIT_MS,
						socks[i].bufsize, &trunc);

			if (got <= 0)
				problem(&m, 1, "abandoned dump: %s",
					got ? strerror(errno) :
					      "no first reply in 20 s");
			else
				reply_bytes += (uint64_t)got;
		}
	}
	shuffle(order, n);
	for (int i = 0; i < n; i++)
		sock_close(&socks[order[i]]);
	ops_count[OP_ABANDON]++;
	n_abandoned += (uint64_t)n;
}

/* ---- family, output, main */

static int family_cb(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID &&
	    mnl_attr_get_payload_len(a) == 2)
		*(uint16_t *)data = mnl_attr_get_u16(a);
	return MNL_CB_OK;
}

static int family_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, GENL_HDRLEN, family_cb, data);
}

static uint16_t resolve_family(void)
{
	char buf[8192];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;
	struct nlsock s;
	uint16_t id = 0;
	unsigned int portid;
	int r;

	sock_open(&s, 0, false, false, sizeof(buf));
	portid = mnl_socket_get_portid(s.nl);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = 1;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, TCPCONN_GENL_NAME);
	if (mnl_socket_sendto(s.nl, nlh, nlh->nlmsg_len) < 0) {
		perror("nlfuzz: send CTRL_CMD_GETFAMILY");
		exit(3);
	}
	do {
		ssize_t n = mnl_socket_recvfrom(s.nl, buf, sizeof(buf));

		if (n < 0) {
			perror("nlfuzz: recv CTRL_CMD_GETFAMILY");
			exit(3);
		}
		r = mnl_cb_run(buf, (size_t)n, 1, portid, family_msg_cb, &id);
	} while (r > 0);
	sock_close(&s);
	if (!id) {
		fprintf(stderr, "nlfuzz: generic netlink family %s not found: %s\n",
			TCPCONN_GENL_NAME, r < 0 ? strerror(errno) : "no id");
		exit(3);
	}
	return id;
}

/* "NAME=N ..." of a histogram, largest first */
static void print_hist(const uint64_t *h, uint64_t dropped)
{
	bool shown[MAX_ERRNO + 1] = { false };

	for (;;) {
		int best = -1;

		for (int i = 0; i <= MAX_ERRNO; i++)
			if (h[i] && !shown[i] && (best < 0 || h[i] > h[best]))
				best = i;
		if (best < 0)
			break;
		shown[best] = true;
		printf(" %s=%" PRIu64, errname(best > 0, best - 1), h[best]);
	}
	if (dropped)
		printf(" dropped=%" PRIu64, dropped);
}

static void summary(uint64_t seed, double secs)
{
	printf("@totals seed=%" PRIu64 " messages=%" PRIu64 " sends=%" PRIu64
	       " recvs=%" PRIu64 " secs=%.1f rate=%.0f largest=%" PRIu64
	       " reply_bytes=%" PRIu64 " dropped=%" PRIu64 " enobufs=%" PRIu64
	       " problems=%" PRIu64 "\n", seed, sent, sends, recvs, secs,
	       (double)sent / (secs > 1e-9 ? secs : 1e-9), largest, reply_bytes,
	       n_dropped, n_enobufs, n_problems);
	printf("@errno");
	print_hist(hist, n_dropped);
	putchar('\n');
	for (int c = 0; c < N_CATS; c++) {
		bool any = dropped_by_cat[c];

		for (int i = 0; i <= MAX_ERRNO && !any; i++)
			any = by_cat[c][i];
		if (!any)
			continue;
		printf("@class %s", cat_name[c]);
		print_hist(by_cat[c], dropped_by_cat[c]);
		putchar('\n');
	}
	printf("@ops socket=%" PRIu64 " abandoned_dumps=%" PRIu64, n_sockets,
	       n_abandoned);
	for (int o = 0; o < N_OPS; o++)
		if (o != OP_SINGLE)
			printf(" %s=%" PRIu64, op_name[o], ops_count[o]);
	printf("\n@optime");
	for (int o = 0; o < N_OPS; o++)
		printf(" %s=%.1f/%" PRIu64, op_name[o], op_time[o], op_msgs[o]);
	printf("\n@cattime");
	for (int c = 0; c < N_KINDS; c++)
		printf(" %s=%.1f/%" PRIu64, cat_name[c], cat_time[c], cat_msgs[c]);
	putchar('\n');
	fflush(stdout);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: nlfuzz [--family-id ID] [--n MESSAGES] [--seed SEED]\n"
		"  fuzzes the tcpconn generic netlink family of the current netns\n"
		"  (tests/reliability/README.md, nl_fuzz); ID: resolved by name\n"
		"  when not given; MESSAGES: default 50000; SEED: default random\n");
	exit(2);
}

static bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-')
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "family-id", required_argument, NULL, 'f' },
		{ "n", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	uint64_t seed = 0, v, since = 0;
	bool have_seed = false;
	double start, last, total = 0;
	int o;

	n_target = 50000;
	while ((o = getopt_long(argc, argv, "f:n:s:h", lo, NULL)) != -1) {
		switch (o) {
		case 'f':
			if (!parse_u64(optarg, 0xffff, &v) || v < NLMSG_MIN_TYPE) {
				fprintf(stderr, "nlfuzz: bad --family-id %s\n", optarg);
				usage();
			}
			fid = (uint16_t)v;
			break;
		case 'n':
			if (!parse_u64(optarg, UINT64_MAX, &n_target)) {
				fprintf(stderr, "nlfuzz: bad --n %s\n", optarg);
				usage();
			}
			break;
		case 's':
			if (!parse_u64(optarg, UINT64_MAX, &seed)) {
				fprintf(stderr, "nlfuzz: bad --seed %s\n", optarg);
				usage();
			}
			have_seed = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc) {
		fprintf(stderr, "nlfuzz: unexpected argument %s\n", argv[optind]);
		usage();
	}
	if (!have_seed && getrandom(&seed, 4, 0) != 4) {
		perror("nlfuzz: getrandom");
		return 3;
	}
	/* printed first, so that a crash still leaves it in the log */
	printf("# nlfuzz: seed %" PRIu64 ", %" PRIu64 " messages\n", seed,
	       n_target);
	fflush(stdout);
	if (!fid)
		fid = resolve_family();
	rnd_seed(seed);
	seq_no = (uint32_t)rr(1, 1u << 30);
	for (int o2 = 0; o2 < N_OPS; o2++)
		total += op_weight[o2];
	new_socket();
	start = last = now();
	while (sent < n_target && n_problems < MAX_PROBLEMS) {
		double x = rndf() * total, t0 = now();
		uint64_t n0 = sent;
		int op;

		for (op = 0; op < N_OPS - 1 && x >= op_weight[op]; op++)
			x -= op_weight[op];
		switch (op) {
		case OP_SINGLE: op_single(); break;
		case OP_BATCH: op_batch(); break;
		case OP_SMALLBUF: op_smallbuf(); break;
		case OP_TRUNCATING: op_truncating(); break;
		default: op_abandon(); break;
		}
		if (op == OP_SINGLE)
			ops_count[op]++;
		t0 = now() - t0;
		op_time[op] += t0;
		op_msgs[op] += sent - n0;
		if (++since > 1500 && rndf() < 0.002) {
			new_socket();
			since = 0;
		}
		if (now() - last >= 30) {
			last = now();
			printf("# nlfuzz: %" PRIu64 " of %" PRIu64
			       " messages, %.0f s, %.0f msg/s\n", sent, n_target,
			       last - start, (double)sent / (last - start));
			fflush(stdout);
		}
	}
	sock_close(&mainsock);
	summary(seed, now() - start);
	return n_problems ? 1 : 0;
}
