// SPDX-License-Identifier: GPL-2.0
/* replay.c - kernel message builders for the tests, see replay.h. */
#include <string.h>

#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/tcpconn.h>

#include <libmnl/libmnl.h>

#include "replay.h"
#include "nl.h"

struct nlmsghdr *put_listener(void *buf, const struct listener *l,
			      unsigned int how)
{
	struct nlmsghdr *nlh;
	size_t alen = l->family == AF_INET ? 4 : 16;

	if (how & BL_V4_WITH_16_BYTES)
		alen = 16;
	nlh = nl_msg_start(buf, TEST_FAMILY_ID,
		       NLM_F_MULTI | ((how & BL_DUMP_INTR) ? NLM_F_DUMP_INTR : 0),
		       TCPCONN_CMD_LISTENERS_GET, TCPCONN_GENL_VERSION);
	mnl_attr_put_u8(nlh, TCPCONN_A_LISTENER_FAMILY, l->family);
	if (how & BL_UNKNOWN_200)
		mnl_attr_put_u32(nlh, 200, 0xdeadbeef);
	if (!(how & BL_NO_ADDR))
		mnl_attr_put(nlh, TCPCONN_A_LISTENER_ADDR, alen, l->addr);
	if (how & BL_PORT_AS_U32)
		mnl_attr_put_u32(nlh, TCPCONN_A_LISTENER_PORT, l->port);
	else
		mnl_attr_put_u16(nlh, TCPCONN_A_LISTENER_PORT, l->port);
	if (!(how & BL_NO_IFINDEX))
		mnl_attr_put_u32(nlh, TCPCONN_A_LISTENER_IFINDEX, l->ifindex);
	mnl_attr_put_u32(nlh, TCPCONN_A_LISTENER_SYN_QUEUE, l->syn_queue);
	mnl_attr_put_u32(nlh, TCPCONN_A_LISTENER_SYN_YOUNG, l->syn_young);
	mnl_attr_put_u32(nlh, TCPCONN_A_LISTENER_ACCEPT_QUEUE, l->accept_queue);
	mnl_attr_put_u32(nlh, TCPCONN_A_LISTENER_BACKLOG, l->backlog);
	mnl_attr_put_u32(nlh, TCPCONN_A_LISTENER_DROPS, l->drops);
	mnl_attr_put_u32(nlh, TCPCONN_A_LISTENER_UID, l->uid);
	/* nla_put_u64_64bit() may insert a zero-length PAD first. */
	mnl_attr_put(nlh, TCPCONN_A_LISTENER_PAD, 0, NULL);
	mnl_attr_put_u64(nlh, TCPCONN_A_LISTENER_INODE, l->inode);
	if (l->reuseport)
		mnl_attr_put(nlh, TCPCONN_A_LISTENER_REUSEPORT, 0, NULL);
	mnl_attr_put_u64(nlh, TCPCONN_A_LISTENER_COOKIE, l->cookie);
	if (l->v6only)
		mnl_attr_put(nlh, TCPCONN_A_LISTENER_V6ONLY, 0, NULL);
	if (how & BL_TRAILING_GARBAGE) {
		struct nlattr *bad = mnl_nlmsg_get_payload_tail(nlh);

		bad->nla_len = 100;
		bad->nla_type = TCPCONN_A_LISTENER_ADDR;
		nlh->nlmsg_len += sizeof(*bad);
	}
	return nlh;
}

static void put_extack(struct nlmsghdr *nlh, const char *ext_msg)
{
	if (!ext_msg)
		return;
	nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, ext_msg);
}

struct nlmsghdr *put_done(void *buf, int status, const char *ext_msg)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	int *p;

	nlh->nlmsg_type = NLMSG_DONE;
	nlh->nlmsg_flags = NLM_F_MULTI;
	p = mnl_nlmsg_put_extra_header(nlh, sizeof(*p));
	*p = status;
	put_extack(nlh, ext_msg);
	return nlh;
}

struct nlmsghdr *put_error(void *buf, int error, const char *ext_msg,
			   const struct nlmsghdr *req)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlmsgerr *e;

	nlh->nlmsg_type = NLMSG_ERROR;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = error;
	if (req) {
		size_t plen = mnl_nlmsg_get_payload_len(req);

		e->msg = *req;
		memcpy(mnl_nlmsg_put_extra_header(nlh, plen),
		       mnl_nlmsg_get_payload(req), plen);
	} else {
		e->msg.nlmsg_len = sizeof(e->msg);
		nlh->nlmsg_flags |= NLM_F_CAPPED;
	}
	put_extack(nlh, ext_msg);
	return nlh;
}

struct nlmsghdr *put_family(void *buf, uint16_t id, uint32_t version,
			    const uint32_t *ops, size_t nops)
{
	struct nlmsghdr *nlh;
	size_t i;

	nlh = nl_msg_start(buf, GENL_ID_CTRL, 0, CTRL_CMD_NEWFAMILY, 2);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, TCPCONN_GENL_NAME);
	mnl_attr_put_u16(nlh, CTRL_ATTR_FAMILY_ID, id);
	mnl_attr_put_u32(nlh, CTRL_ATTR_VERSION, version);
	mnl_attr_put_u32(nlh, CTRL_ATTR_HDRSIZE, 0);
	mnl_attr_put_u32(nlh, CTRL_ATTR_MAXATTR, TCPCONN_A_LISTENER_MAX);
	if (ops) {
		struct nlattr *nest = mnl_attr_nest_start(nlh, CTRL_ATTR_OPS);

		for (i = 0; i < nops; i++) {
			struct nlattr *op = mnl_attr_nest_start(nlh, i + 1);

			mnl_attr_put_u32(nlh, CTRL_ATTR_OP_ID, ops[i]);
			mnl_attr_put_u32(nlh, CTRL_ATTR_OP_FLAGS,
					 GENL_CMD_CAP_DUMP);
			mnl_attr_nest_end(nlh, op);
		}
		mnl_attr_nest_end(nlh, nest);
	}
	return nlh;
}

struct listener sample_listener(int which)
{
	struct listener l;

	memset(&l, 0, sizeof(l));
	switch (which) {
	case 0:		/* 0.0.0.0:80, a full accept queue */
		l.family = AF_INET;
		l.port = 80;
		l.syn_queue = 3;
		l.syn_young = 2;
		l.accept_queue = 129;
		l.backlog = 128;
		l.drops = 7;
		l.inode = 12345;
		l.cookie = 0x1234abcdULL;
		break;
	case 1:		/* 127.0.0.1:8080, reuseport, uid 1000 */
		l.family = AF_INET;
		inet_pton(AF_INET, "127.0.0.1", l.addr);
		l.port = 8080;
		l.backlog = 4096;
		l.uid = 1000;
		l.inode = 99;
		l.cookie = 0xfffffffffffffff0ULL;	/* beyond INT64_MAX */
		l.reuseport = true;
		break;
	default:	/* [::]:443, v6only, big counters */
		l.family = AF_INET6;
		l.port = 443;
		l.syn_queue = 4000000000U;
		l.accept_queue = 10;
		l.backlog = 511;
		l.uid = 4294967294U;
		l.inode = 5000000000ULL;
		l.cookie = 42;
		l.v6only = true;
		break;
	}
	return l;
}
