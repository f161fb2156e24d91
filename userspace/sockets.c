// SPDX-License-Identifier: GPL-2.0
/* sockets.c - TCPCONN_CMD_SOCKETS_GET: request, decode, filter, names. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/tcpconn.h>

#include "msg.h"
#include "nl.h"
#include "opts.h"
#include "sockets.h"

const char *const sock_state_ss[TCPCONN_STATE_MAX + 1] = {
	[TCPCONN_STATE_UNSPEC]		= "UNKNOWN",
	[TCPCONN_STATE_ESTABLISHED]	= "ESTAB",
	[TCPCONN_STATE_SYN_SENT]	= "SYN-SENT",
	[TCPCONN_STATE_SYN_RECV]	= "SYN-RECV",
	[TCPCONN_STATE_FIN_WAIT1]	= "FIN-WAIT-1",
	[TCPCONN_STATE_FIN_WAIT2]	= "FIN-WAIT-2",
	[TCPCONN_STATE_TIME_WAIT]	= "TIME-WAIT",
	[TCPCONN_STATE_CLOSE]		= "UNCONN",	/* ss's word for TCP_CLOSE */
	[TCPCONN_STATE_CLOSE_WAIT]	= "CLOSE-WAIT",
	[TCPCONN_STATE_LAST_ACK]	= "LAST-ACK",
	[TCPCONN_STATE_LISTEN]		= "LISTEN",
	[TCPCONN_STATE_CLOSING]		= "CLOSING",
	/* ss reports the tw substate; Flags says "tw", JSON "tw_fin_wait2" */
	[TCPCONN_STATE_TW_FIN_WAIT2]	= "FIN-WAIT-2",
};

const char *sock_timer_name(uint8_t timer)
{
	switch (timer) {
	case TCPCONN_TIMER_ON:		return "on";
	case TCPCONN_TIMER_KEEPALIVE:	return "keepalive";
	case TCPCONN_TIMER_TIMEWAIT:	return "timewait";
	case TCPCONN_TIMER_PERSIST:	return "persist";
	case TCPCONN_TIMER_NONE:	return NULL;
	default:			return "unknown";
	}
}

/* ---- --state ------------------------------------------------------------ */

#define B(s) SOCK_STATE_BIT(TCPCONN_STATE_##s)

static const struct {
	const char *name;	/* lower case, '-' for '_' */
	uint32_t mask;
} state_names[] = {
	/* ss names; ss's fin-wait-2 includes the tw substate, as here */
	{ "established",	B(ESTABLISHED) },
	{ "estab",		B(ESTABLISHED) },
	{ "syn-sent",		B(SYN_SENT) },
	{ "syn-recv",		B(SYN_RECV) },
	{ "fin-wait-1",		B(FIN_WAIT1) },
	{ "fin-wait-2",		B(FIN_WAIT2) | B(TW_FIN_WAIT2) },
	{ "time-wait",		B(TIME_WAIT) },
	{ "closed",		B(CLOSE) },
	{ "close",		B(CLOSE) },
	{ "unconn",		B(CLOSE) },
	{ "close-wait",		B(CLOSE_WAIT) },
	{ "last-ack",		B(LAST_ACK) },
	{ "listening",		B(LISTEN) },
	{ "listen",		B(LISTEN) },
	{ "closing",		B(CLOSING) },
	/* tcpconn names (enum tcpconn_state): fin_wait2 is full sockets only */
	{ "fin-wait1",		B(FIN_WAIT1) },
	{ "fin-wait2",		B(FIN_WAIT2) },
	{ "tw-fin-wait2",	B(TW_FIN_WAIT2) },
	/* ss's groups */
	{ "all",		SOCK_ALL_STATES },
	{ "connected",		SOCK_ALL_STATES & ~(B(LISTEN) | B(CLOSE)) },
	{ "synchronized",	SOCK_ALL_STATES & ~(B(LISTEN) | B(CLOSE) | B(SYN_SENT)) },
	{ "bucket",		B(SYN_RECV) | B(TIME_WAIT) | B(TW_FIN_WAIT2) },
	{ "big",		SOCK_ALL_STATES & ~(B(SYN_RECV) | B(TIME_WAIT) | B(TW_FIN_WAIT2)) },
};

#undef B

int sock_states_parse(const char *s, uint32_t *mask)
{
	uint32_t m = 0;
	const char *p = s;

	for (;;) {
		size_t n = strcspn(p, ","), i;
		char word[24];
		bool found = false;

		if (n == 0 || n >= sizeof(word)) {
			pr_err("invalid --state '%s': expected state names separated by commas",
			       s);
			return -EINVAL;
		}
		for (i = 0; i < n; i++)
			word[i] = p[i] == '_' ? '-' : (char)tolower((unsigned char)p[i]);
		word[n] = '\0';
		for (i = 0; i < sizeof(state_names) / sizeof(state_names[0]); i++) {
			if (!strcmp(word, state_names[i].name)) {
				m |= state_names[i].mask;
				found = true;
				break;
			}
		}
		if (!found) {
			pr_err("unknown state '%.*s' in --state: use established, syn-sent, syn-recv, fin-wait-1, fin-wait-2, time-wait, close, close-wait, last-ack, listen, closing, tw-fin-wait2, or a group: all, connected, synchronized, bucket, big",
			       (int)n, p);
			return -EINVAL;
		}
		if (!p[n])
			break;
		p += n + 1;
	}
	*mask = m;
	return 0;
}

/* ---- --src/--dst -------------------------------------------------------- */

int addr_prefix_parse(const char *s, struct addr_prefix *p)
{
	char addr[INET6_ADDRSTRLEN + 2];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long len;
	int max;

	memset(p, 0, sizeof(*p));
	if (alen == 0 || alen >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	/* "[2001:db8::1]" as ss and URLs write it */
	if (addr[0] == '[' && addr[alen - 1] == ']' && alen > 2) {
		memmove(addr, addr + 1, alen - 2);
		addr[alen - 2] = '\0';
		if (inet_pton(AF_INET6, addr, p->addr) != 1)
			return -EINVAL;
		p->family = AF_INET6;
	} else if (inet_pton(AF_INET, addr, p->addr) == 1) {
		p->family = AF_INET;
	} else if (inet_pton(AF_INET6, addr, p->addr) == 1) {
		p->family = AF_INET6;
	} else {
		return -EINVAL;
	}
	max = p->family == AF_INET ? 32 : 128;
	if (!slash) {
		p->len = (uint8_t)max;
		return 0;
	}
	if (parse_uint(slash + 1, 0, (unsigned long)max, &len) < 0) {
		memset(p, 0, sizeof(*p));
		return -EINVAL;
	}
	p->len = (uint8_t)len;
	return 0;
}

/* ---- request ------------------------------------------------------------ */

static bool put_prefix(struct nlmsghdr *nlh, size_t size, uint16_t addr_type,
		       uint16_t len_type, const struct addr_prefix *p)
{
	size_t alen = p->family == AF_INET ? 4 : 16;

	if (!p->family)
		return true;
	if (!mnl_attr_put_check(nlh, size, addr_type, alen, p->addr))
		return false;
	/* Whole-address filters leave the length out: the kernel's default. */
	if (p->len != alen * 8 &&
	    !mnl_attr_put_u8_check(nlh, size, len_type, p->len))
		return false;
	return true;
}

struct nlmsghdr *sockets_request(void *buf, size_t size, uint16_t family_id,
				 const struct filter *f)
{
	struct nlmsghdr *nlh;

	if (size < NL_REQ_SIZE)
		return NULL;
	nlh = nl_msg_start(buf, family_id, NLM_F_REQUEST | NLM_F_DUMP,
			   TCPCONN_CMD_SOCKETS_GET, TCPCONN_GENL_VERSION);
	if (f->states && (f->states & SOCK_ALL_STATES) != SOCK_ALL_STATES &&
	    !mnl_attr_put_u32_check(nlh, size, TCPCONN_A_SOCKET_STATES,
				    f->states & SOCK_ALL_STATES))
		return NULL;
	if (f->family != AF_UNSPEC &&
	    !mnl_attr_put_u8_check(nlh, size, TCPCONN_A_SOCKET_FAMILY,
				   (uint8_t)f->family))
		return NULL;
	if (!put_prefix(nlh, size, TCPCONN_A_SOCKET_SRC_ADDR,
			TCPCONN_A_SOCKET_SRC_PREFIXLEN, &f->src) ||
	    !put_prefix(nlh, size, TCPCONN_A_SOCKET_DST_ADDR,
			TCPCONN_A_SOCKET_DST_PREFIXLEN, &f->dst))
		return NULL;
	if (f->sport &&
	    !mnl_attr_put_u16_check(nlh, size, TCPCONN_A_SOCKET_SRC_PORT,
				    f->sport))
		return NULL;
	if (f->dport &&
	    !mnl_attr_put_u16_check(nlh, size, TCPCONN_A_SOCKET_DST_PORT,
				    f->dport))
		return NULL;
	if (f->has_uid &&
	    !mnl_attr_put_u32_check(nlh, size, TCPCONN_A_SOCKET_UID, f->uid))
		return NULL;
	if (f->orphans &&
	    !mnl_attr_put_check(nlh, size, TCPCONN_A_SOCKET_ORPHAN, 0, NULL))
		return NULL;
	return nlh;
}

/* ---- reply -------------------------------------------------------------- */

static const enum mnl_attr_data_type socket_policy[TCPCONN_A_SOCKET_MAX + 1] = {
	[TCPCONN_A_SOCKET_FAMILY]	= MNL_TYPE_U8,
	[TCPCONN_A_SOCKET_STATE]	= MNL_TYPE_U8,
	[TCPCONN_A_SOCKET_SRC_ADDR]	= MNL_TYPE_BINARY,
	[TCPCONN_A_SOCKET_SRC_PORT]	= MNL_TYPE_U16,
	[TCPCONN_A_SOCKET_DST_ADDR]	= MNL_TYPE_BINARY,
	[TCPCONN_A_SOCKET_DST_PORT]	= MNL_TYPE_U16,
	[TCPCONN_A_SOCKET_IFINDEX]	= MNL_TYPE_U32,
	[TCPCONN_A_SOCKET_TIMER]	= MNL_TYPE_U8,
	[TCPCONN_A_SOCKET_EXPIRES_MS]	= MNL_TYPE_U32,
	[TCPCONN_A_SOCKET_RETRANS]	= MNL_TYPE_U32,
	[TCPCONN_A_SOCKET_PROBES]	= MNL_TYPE_U32,
	[TCPCONN_A_SOCKET_RQUEUE]	= MNL_TYPE_U32,
	[TCPCONN_A_SOCKET_WQUEUE]	= MNL_TYPE_U32,
	[TCPCONN_A_SOCKET_UID]		= MNL_TYPE_U32,
	[TCPCONN_A_SOCKET_INODE]	= MNL_TYPE_U64,
	[TCPCONN_A_SOCKET_COOKIE]	= MNL_TYPE_U64,
	[TCPCONN_A_SOCKET_ORPHAN]	= MNL_TYPE_FLAG,
	/* STATES and the prefix lengths are request-only: ignored in replies */
};

static const char *const socket_attr_name[TCPCONN_A_SOCKET_MAX + 1] = {
	[TCPCONN_A_SOCKET_FAMILY]	= "FAMILY",
	[TCPCONN_A_SOCKET_STATE]	= "STATE",
	[TCPCONN_A_SOCKET_SRC_ADDR]	= "SRC_ADDR",
	[TCPCONN_A_SOCKET_SRC_PORT]	= "SRC_PORT",
	[TCPCONN_A_SOCKET_DST_ADDR]	= "DST_ADDR",
	[TCPCONN_A_SOCKET_DST_PORT]	= "DST_PORT",
	[TCPCONN_A_SOCKET_IFINDEX]	= "IFINDEX",
	[TCPCONN_A_SOCKET_TIMER]	= "TIMER",
	[TCPCONN_A_SOCKET_EXPIRES_MS]	= "EXPIRES_MS",
	[TCPCONN_A_SOCKET_RETRANS]	= "RETRANS",
	[TCPCONN_A_SOCKET_PROBES]	= "PROBES",
	[TCPCONN_A_SOCKET_RQUEUE]	= "RQUEUE",
	[TCPCONN_A_SOCKET_WQUEUE]	= "WQUEUE",
	[TCPCONN_A_SOCKET_UID]		= "UID",
	[TCPCONN_A_SOCKET_INODE]	= "INODE",
	[TCPCONN_A_SOCKET_COOKIE]	= "COOKIE",
	[TCPCONN_A_SOCKET_ORPHAN]	= "ORPHAN",
};

/* Every number we print must come from the kernel; IFINDEX may be left out. */
static const uint8_t socket_required[] = {
	TCPCONN_A_SOCKET_FAMILY, TCPCONN_A_SOCKET_STATE,
	TCPCONN_A_SOCKET_SRC_ADDR, TCPCONN_A_SOCKET_SRC_PORT,
	TCPCONN_A_SOCKET_DST_ADDR, TCPCONN_A_SOCKET_DST_PORT,
	TCPCONN_A_SOCKET_TIMER, TCPCONN_A_SOCKET_EXPIRES_MS,
	TCPCONN_A_SOCKET_RETRANS, TCPCONN_A_SOCKET_PROBES,
	TCPCONN_A_SOCKET_RQUEUE, TCPCONN_A_SOCKET_WQUEUE,
	TCPCONN_A_SOCKET_UID, TCPCONN_A_SOCKET_INODE,
	TCPCONN_A_SOCKET_COOKIE,
};

/* Payload bytes of a reply attribute of each type; -1 any, as libmnl's. */
static int socket_attr_len(enum mnl_attr_data_type t)
{
	switch (t) {
	case MNL_TYPE_U8:	return 1;
	case MNL_TYPE_U16:	return 2;
	case MNL_TYPE_U32:	return 4;
	case MNL_TYPE_U64:	return 8;
	case MNL_TYPE_FLAG:	return 0;
	default:		return -1;
	}
}

/*
 * mnl_attr_parse() with a validating callback, then nl_attrs_complete(),
 * in one pass without a library call per attribute: a dump of half a
 * million sockets parses eight million attributes. Same rules: unknown
 * types (newer modules append attributes: ignoring them is the contract),
 * UNSPEC, PAD and request-only ones are skipped, the others must have
 * their type's exact size, and the attributes must end exactly at the
 * message's end. Returns 0, or -EBADMSG after saying why.
 */
static int socket_attrs(const struct nlmsghdr *nlh, size_t offset,
			const struct nlattr **tb)
{
	const char *p = (const char *)mnl_nlmsg_get_payload(nlh) +
			MNL_ALIGN(offset);
	const char *tail = mnl_nlmsg_get_payload_tail(nlh);

	while (tail - p >= (ptrdiff_t)sizeof(struct nlattr)) {
		const struct nlattr *a = (const struct nlattr *)p;
		uint16_t type = a->nla_type & NLA_TYPE_MASK;
		int want;

		if (a->nla_len < sizeof(*a) || a->nla_len > tail - p)
			break;
		if (type <= TCPCONN_A_SOCKET_MAX &&
		    socket_policy[type] != MNL_TYPE_UNSPEC) {
			want = socket_attr_len(socket_policy[type]);
			if (want >= 0 && a->nla_len - MNL_ATTR_HDRLEN != (size_t)want) {
				pr_err("malformed socket message: attribute %s has %u bytes",
				       socket_attr_name[type],
				       (unsigned int)(a->nla_len - MNL_ATTR_HDRLEN));
				return -EBADMSG;
			}
			tb[type] = a;
		}
		p += MNL_ALIGN(a->nla_len);
	}
	if (p != tail) {
		pr_err("malformed socket message: truncated attribute");
		return -EBADMSG;
	}
	return 0;
}

static int socket_fill(const struct nlattr **tb, struct sock_entry *s)
{
	const struct nlattr *src = tb[TCPCONN_A_SOCKET_SRC_ADDR];
	const struct nlattr *dst = tb[TCPCONN_A_SOCKET_DST_ADDR];
	size_t want, slen = mnl_attr_get_payload_len(src);
	size_t dlen = mnl_attr_get_payload_len(dst);

	memset(s, 0, sizeof(*s));
	s->family = mnl_attr_get_u8(tb[TCPCONN_A_SOCKET_FAMILY]);
	want = s->family == AF_INET ? 4 : s->family == AF_INET6 ? 16 : 0;
	if (!want || slen != want || dlen != want) {
		pr_err("malformed socket message: family %u with %zu- and %zu-byte addresses",
		       s->family, slen, dlen);
		return -EBADMSG;
	}
	s->state = mnl_attr_get_u8(tb[TCPCONN_A_SOCKET_STATE]);
	if (s->state == TCPCONN_STATE_UNSPEC || s->state > TCPCONN_STATE_MAX) {
		/* The enum is ours and only grows with a header change. */
		pr_err("malformed socket message: unknown state %u", s->state);
		return -EBADMSG;
	}
	memcpy(s->src, mnl_attr_get_payload(src), slen);
	memcpy(s->dst, mnl_attr_get_payload(dst), dlen);
	s->sport = mnl_attr_get_u16(tb[TCPCONN_A_SOCKET_SRC_PORT]);
	s->dport = mnl_attr_get_u16(tb[TCPCONN_A_SOCKET_DST_PORT]);
	if (tb[TCPCONN_A_SOCKET_IFINDEX])
		s->ifindex = mnl_attr_get_u32(tb[TCPCONN_A_SOCKET_IFINDEX]);
	s->timer = mnl_attr_get_u8(tb[TCPCONN_A_SOCKET_TIMER]);
	s->expires_ms = mnl_attr_get_u32(tb[TCPCONN_A_SOCKET_EXPIRES_MS]);
	s->retrans = mnl_attr_get_u32(tb[TCPCONN_A_SOCKET_RETRANS]);
	s->probes = mnl_attr_get_u32(tb[TCPCONN_A_SOCKET_PROBES]);
	s->rqueue = mnl_attr_get_u32(tb[TCPCONN_A_SOCKET_RQUEUE]);
	s->wqueue = mnl_attr_get_u32(tb[TCPCONN_A_SOCKET_WQUEUE]);
	s->uid = mnl_attr_get_u32(tb[TCPCONN_A_SOCKET_UID]);
	s->inode = mnl_attr_get_u64(tb[TCPCONN_A_SOCKET_INODE]);
	s->cookie = mnl_attr_get_u64(tb[TCPCONN_A_SOCKET_COOKIE]);
	s->orphan = tb[TCPCONN_A_SOCKET_ORPHAN] != NULL;
	return 0;
}

int socket_parse(const struct nlmsghdr *nlh, struct sock_entry *s)
{
	const struct nlattr *tb[TCPCONN_A_SOCKET_MAX + 1] = { NULL };
	const size_t hdr = sizeof(struct genlmsghdr);
	size_t i;

	if (mnl_nlmsg_get_payload_len(nlh) < hdr) {
		pr_err("malformed socket message: no generic netlink header");
		return -EBADMSG;
	}
	if (socket_attrs(nlh, hdr, tb))
		return -EBADMSG;
	for (i = 0; i < sizeof(socket_required); i++) {
		if (!tb[socket_required[i]]) {
			pr_err("malformed socket message: no %s attribute",
			       socket_attr_name[socket_required[i]]);
			return -EBADMSG;
		}
	}
	return socket_fill(tb, s);
}

/* ---- client-side filter -------------------------------------------------- */

static const uint8_t v4mapped_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

void sock_addr_unmap(int family, const uint8_t *addr, int *ufamily,
		     uint8_t *uaddr)
{
	memset(uaddr, 0, 16);
	if (family == AF_INET6 && !memcmp(addr, v4mapped_prefix, 12)) {
		*ufamily = AF_INET;
		memcpy(uaddr, addr + 12, 4);
	} else {
		*ufamily = family;
		memcpy(uaddr, addr, family == AF_INET ? 4 : 16);
	}
}

static bool bits_equal(const uint8_t *a, const uint8_t *b, unsigned int bits)
{
	unsigned int bytes = bits / 8, rest = bits % 8;

	if (memcmp(a, b, bytes))
		return false;
	if (!rest)
		return true;
	return !((a[bytes] ^ b[bytes]) & (uint8_t)(0xff << (8 - rest)));
}

static bool prefix_match(const struct addr_prefix *p, int family,
			 const uint8_t *addr)
{
	if (!p->family)
		return true;
	if (p->family == AF_INET6)
		return family == AF_INET6 && bits_equal(p->addr, addr, p->len);
	/* An IPv4 prefix also matches v4-mapped addresses, as in ss. */
	if (family == AF_INET)
		return bits_equal(p->addr, addr, p->len);
	if (!memcmp(addr, v4mapped_prefix, 12))
		return bits_equal(p->addr, addr + 12, p->len);
	return false;
}

bool socket_match(const struct sock_entry *s, const struct filter *f)
{
	if (f->states && !(f->states & SOCK_STATE_BIT(s->state)))
		return false;
	if (f->family != AF_UNSPEC && s->family != f->family)
		return false;
	if (f->orphans && !s->orphan)
		return false;
	if (f->has_uid && s->uid != f->uid)
		return false;
	if (f->sport && s->sport != f->sport)
		return false;
	if (f->dport && s->dport != f->dport)
		return false;
	return prefix_match(&f->src, s->family, s->src) &&
	       prefix_match(&f->dst, s->family, s->dst);
}

bool socket_self_connect(const struct sock_entry *s)
{
	size_t alen = s->family == AF_INET ? 4 : 16;

	/* A listener's remote is the wildcard :0, never equal to its local. */
	return s->state != TCPCONN_STATE_LISTEN && s->sport == s->dport &&
	       !memcmp(s->src, s->dst, alen);
}

/* ---- dump ---------------------------------------------------------------- */

int sockets_collect_cb(const struct nlmsghdr *nlh, void *data)
{
	struct sockets_collect *c = data;
	struct sock_entry s;
	int err;

	err = socket_parse(nlh, &s);
	if (err < 0)
		return err;
	if (!socket_match(&s, c->filter))
		return 0;
	/* 16 to 32 bytes per socket: a set of every cookie passed */
	err = u64set_add(&c->cookies, s.cookie);
	if (err < 0)
		return -ENOMEM;
	if (!err) {
		c->dups++;
		return 0;
	}
	c->seen++;
	return c->fn(&s, c->data);
}

void sockets_collect_free(struct sockets_collect *c)
{
	u64set_free(&c->cookies);
}

int sockets_dump(struct nl_ctx *nl, const struct filter *f, sock_fn fn,
		 void *data)
{
	struct sockets_collect c = { .filter = f, .fn = fn, .data = data };
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *req;

	int err;

	nl->dump_dups = 0;
	req = sockets_request(buf, sizeof(buf), nl->family_id, f);
	if (!req)
		return -EMSGSIZE;
	err = nl_transact(nl, req, sockets_collect_cb, &c);
	sockets_collect_free(&c);
	nl->dump_dups = c.dups;
	if (!err && c.dups)
		pr_warn("dump interrupted: the kernel walked a bucket again and sent %zu sockets twice; each is shown once",
			c.dups);
	return err;
}
