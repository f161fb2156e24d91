// SPDX-License-Identifier: GPL-2.0
/* nl.c - generic netlink socket, family resolution, request/dump loop. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/tcpconn.h>

#include "msg.h"
#include "nl.h"

/* State of one nl_feed() call, handed to the libmnl callbacks. */
struct nl_run {
	struct nl_ctx *nl;
	nl_msg_cb cb;
	void *data;
	int err;	/* first negative errno; mnl_cb_run2 only says "-1" */
};

void nl_init(struct nl_ctx *nl)
{
	memset(nl, 0, sizeof(*nl));
}

void nl_close(struct nl_ctx *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl->buf);
	nl->sock = NULL;
	nl->buf = NULL;
}

struct nlmsghdr *nl_msg_start(void *buf, uint16_t type, uint16_t flags,
			      uint8_t cmd, uint8_t version)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;

	memset(buf, 0, NL_REQ_SIZE);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = version;
	return nlh;
}

bool nl_attrs_complete(const struct nlmsghdr *nlh, size_t offset)
{
	const struct nlattr *attr;
	const char *tail = mnl_nlmsg_get_payload_tail(nlh);

	if (mnl_nlmsg_get_payload_len(nlh) < offset)
		return false;
	/* mnl_attr_parse() silently stops at a garbled length; we do not. */
	mnl_attr_for_each(attr, nlh, offset)
		;
	return (const char *)attr == tail;
}

/* ---- extack ---------------------------------------------------------- */

static int extack_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_type_valid(attr, NLMSGERR_ATTR_MAX) < 0)
		return MNL_CB_OK;
	tb[mnl_attr_get_type(attr)] = attr;
	return MNL_CB_OK;
}

/* Keep the kernel's NLMSGERR_ATTR_MSG, if any; TLVs start at @offset. */
static void nl_parse_extack(struct nl_ctx *nl, const struct nlmsghdr *nlh,
			    size_t offset)
{
	const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1] = { NULL };

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) ||
	    mnl_nlmsg_get_payload_len(nlh) < offset)
		return;
	if (mnl_attr_parse(nlh, offset, extack_attr_cb, tb) < 0)
		return;
	if (tb[NLMSGERR_ATTR_MSG] &&
	    mnl_attr_validate(tb[NLMSGERR_ATTR_MSG], MNL_TYPE_NUL_STRING) == 0)
		snprintf(nl->ext_msg, sizeof(nl->ext_msg), "%s",
			 mnl_attr_get_str(tb[NLMSGERR_ATTR_MSG]));
}

/* ---- control-message callbacks ---------------------------------------- */

/*
 * The kernel's errors are -1..-MAX_ERRNO (4095); anything else in an
 * NLMSG_ERROR or NLMSG_DONE is garbage (and INT_MIN cannot be negated,
 * which every strerror(-err) downstream would do).
 */
#define NL_MAX_ERRNO 4095

static int nl_errno(int error)
{
	if (error < -NL_MAX_ERRNO || error > NL_MAX_ERRNO)
		return -EBADMSG;
	return error < 0 ? error : -error;
}

static int nl_noop_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_OK;
}

static int nl_error_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_run *run = data;
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t offset = sizeof(*e);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e)) {
		run->err = -EBADMSG;
		return MNL_CB_ERROR;
	}
	/* Without NETLINK_CAP_ACK the kernel echoes our request before the TLVs. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		offset += mnl_nlmsg_get_payload_len(&e->msg);
	nl_parse_extack(run->nl, nlh, offset);

	if (e->error == 0)
		return MNL_CB_STOP;	/* the ACK that ends a non-dump request */
	/* Subsystems disagree on the sign; normalise to negative. */
	run->err = nl_errno(e->error);
	return MNL_CB_ERROR;
}

/*
 * libmnl's default NLMSG_DONE handler ignores the payload, but that is
 * where the kernel puts the dumpit's error (netlink_dump_done()) once
 * part of a dump has been sent: dropping it would print a short list
 * as if it were complete.
 */
static int nl_done_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_run *run = data;
	int status = 0;

	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(status)) {
		memcpy(&status, mnl_nlmsg_get_payload(nlh), sizeof(status));
		nl_parse_extack(run->nl, nlh, sizeof(status));
	}
	if (status < 0) {
		run->err = nl_errno(status);
		return MNL_CB_ERROR;
	}
	return MNL_CB_STOP;
}

static int nl_data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_run *run = data;
	int err;

	if (!run->cb)
		return MNL_CB_OK;
	err = run->cb(nlh, run->data);
	if (err < 0) {
		run->err = err;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

/*
 * libmnl (1.0.4 and later) fails the whole run with EINTR on a message
 * carrying NLM_F_DUMP_INTR, before our callback sees it. An interrupted
 * dump is still useful (the table changed while we walked it), so note the
 * flag, clear it in our own buffer, and warn once the dump is complete.
 */
static void nl_take_dump_intr(struct nl_ctx *nl, void *buf, size_t len)
{
	struct nlmsghdr *nlh = buf;
	int left = (int)len;

	while (mnl_nlmsg_ok(nlh, left)) {
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR) {
			nlh->nlmsg_flags &= ~NLM_F_DUMP_INTR;
			nl->dump_intr = true;
		}
		nlh = mnl_nlmsg_next(nlh, &left);
	}
}

/*
 * libmnl's mnl_nlmsg_ok() compares (int)nlmsg_len with the bytes left, so
 * a length above 2 GiB passes as negative and the walk (and the parser
 * handed that message) runs out of the buffer; a shorter overrun or a
 * length below the header just ends the walk as if the rest would follow.
 * The kernel never splits a message across datagrams: refuse both.
 */
static int nl_check_lengths(const void *buf, size_t len)
{
	const char *p = buf;

	while (len >= sizeof(struct nlmsghdr)) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)p;
		size_t step;

		if (nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > len) {
			pr_err("malformed netlink reply: a message of %u bytes with %zu left",
			       (unsigned int)nlh->nlmsg_len, len);
			return -EBADMSG;
		}
		step = NLMSG_ALIGN(nlh->nlmsg_len);
		if (step >= len)
			break;
		p += step;
		len -= step;
	}
	return 0;
}

int nl_feed(struct nl_ctx *nl, void *buf, size_t len, unsigned int seq,
	    nl_msg_cb cb, void *data)
{
	/* Every control type is listed: libmnl skips NULL slots entirely. */
	static mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
		[NLMSG_NOOP]	= nl_noop_cb,
		[NLMSG_ERROR]	= nl_error_cb,
		[NLMSG_DONE]	= nl_done_cb,
		[NLMSG_OVERRUN]	= nl_noop_cb,
	};
	struct nl_run run = { .nl = nl, .cb = cb, .data = data };
	int ret;

	if (len > (size_t)MNL_SOCKET_DUMP_SIZE)
		return -EMSGSIZE;
	ret = nl_check_lengths(buf, len);
	if (ret)
		return ret;
	nl_take_dump_intr(nl, buf, len);
	errno = 0;
	ret = mnl_cb_run2(buf, len, seq, nl->portid, nl_data_cb, &run,
			  ctl, MNL_ARRAY_SIZE(ctl));
	if (ret < 0) {
		if (run.err)
			return run.err;
		return errno ? -errno : -EIO;	/* ESRCH/EPROTO from libmnl */
	}
	return ret > 0 ? 1 : 0;
}

int nl_transact(struct nl_ctx *nl, struct nlmsghdr *req, nl_msg_cb cb,
		void *data)
{
	unsigned int seq;
	ssize_t n;
	int ret;

	/* Sequence 0 means "don't check" to libmnl; never use it. */
	if (++nl->seq == 0)
		++nl->seq;
	seq = nl->seq;
	req->nlmsg_seq = seq;
	nl->dump_intr = false;
	nl->ext_msg[0] = '\0';

	if (!nl->replay && mnl_socket_sendto(nl->sock, req, req->nlmsg_len) < 0)
		return -errno;
	do {
		n = nl->replay ?
		    nl->replay(nl->replay_ctx, nl->buf, MNL_SOCKET_DUMP_SIZE) :
		    mnl_socket_recvfrom(nl->sock, nl->buf, MNL_SOCKET_DUMP_SIZE);
		if (n < 0) {
			if (errno == EINTR) {
				ret = 1;
				continue;
			}
			return -errno;	/* ENOBUFS: we lost messages; fail loudly */
		}
		if (n == 0)
			return -EPIPE;
		ret = nl_feed(nl, nl->buf, n, seq, cb, data);
	} while (ret > 0);

	if (ret == 0 && nl->dump_intr)
		pr_warn("dump interrupted, results may be inconsistent");
	if (ret == 0 && nl->ext_msg[0])
		pr_warn("kernel: %s", nl->ext_msg);
	return ret;
}

/* ---- family resolution ------------------------------------------------ */

static int family_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	/* The controller grows attributes too; skip what we don't know. */
	if (mnl_attr_type_valid(attr, CTRL_ATTR_MAX) < 0)
		return MNL_CB_OK;
	switch (type) {
	case CTRL_ATTR_FAMILY_ID:
		if (mnl_attr_validate(attr, MNL_TYPE_U16) < 0)
			return MNL_CB_ERROR;
		break;
	case CTRL_ATTR_VERSION:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		break;
	case CTRL_ATTR_OPS:
		if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0)
			return MNL_CB_ERROR;
		break;
	default:
		break;
	}
	tb[type] = attr;
	return MNL_CB_OK;
}

static int op_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;

	if (mnl_attr_type_valid(attr, CTRL_ATTR_OP_MAX) < 0)
		return MNL_CB_OK;
	if (mnl_attr_get_type(attr) == CTRL_ATTR_OP_ID &&
	    mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
		return MNL_CB_ERROR;
	tb[mnl_attr_get_type(attr)] = attr;
	return MNL_CB_OK;
}

/*
 * Remember which commands the module implements, so a view the module is
 * too old for fails with a clear message instead of a bare EOPNOTSUPP.
 */
static int family_parse_ops(struct nl_ctx *nl, const struct nlattr *ops)
{
	const struct nlattr *pos;

	mnl_attr_for_each_nested(pos, ops) {
		const struct nlattr *tb[CTRL_ATTR_OP_MAX + 1] = { NULL };
		uint32_t id;

		if (mnl_attr_parse_nested(pos, op_attr_cb, tb) < 0)
			return -EBADMSG;
		if (!tb[CTRL_ATTR_OP_ID])
			continue;
		id = mnl_attr_get_u32(tb[CTRL_ATTR_OP_ID]);
		if (id < 64)
			nl->ops |= UINT64_C(1) << id;
	}
	nl->ops_known = true;
	return 0;
}

int nl_family_parse(const struct nlmsghdr *nlh, void *data)
{
	struct nl_ctx *nl = data;
	const struct nlattr *tb[CTRL_ATTR_MAX + 1] = { NULL };

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct genlmsghdr))
		return -EBADMSG;
	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_attr_cb,
			   tb) < 0)
		return -EBADMSG;
	if (!tb[CTRL_ATTR_FAMILY_ID])
		return -EBADMSG;

	nl->family_id = mnl_attr_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	/* Absent version reads as 0, which the range check rejects. */
	nl->family_version = tb[CTRL_ATTR_VERSION] ?
			     mnl_attr_get_u32(tb[CTRL_ATTR_VERSION]) : 0;
	nl->ops = 0;
	nl->ops_known = false;
	if (tb[CTRL_ATTR_OPS])
		return family_parse_ops(nl, tb[CTRL_ATTR_OPS]);
	return 0;
}

int nl_family_finish(struct nl_ctx *nl, int err)
{
	if (err == -ENOENT) {
		nl->state = NL_FAMILY_MISSING;
		return err;
	}
	if (err < 0)
		return err;
	if (!nl->family_id)
		return -EBADMSG;	/* an ACK without a reply */
	if (nl->family_version < TCPCONN_GENL_MIN_VERSION) {
		nl->state = NL_FAMILY_TOO_OLD;
		return -EPROTONOSUPPORT;
	}
	if (nl->family_version > TCPCONN_GENL_VERSION) {
		nl->state = NL_FAMILY_TOO_NEW;
		return -EPROTONOSUPPORT;
	}
	nl->state = NL_FAMILY_OK;
	return 0;
}

static int nl_resolve_family(struct nl_ctx *nl)
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *req;
	int err;

	req = nl_msg_start(buf, GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_ACK,
			   CTRL_CMD_GETFAMILY, 1);
	if (!mnl_attr_put_strz_check(req, sizeof(buf), CTRL_ATTR_FAMILY_NAME,
				     TCPCONN_GENL_NAME))
		return -EMSGSIZE;
	err = nl_transact(nl, req, nl_family_parse, nl);
	return nl_family_finish(nl, err);
}

int nl_require_op(struct nl_ctx *nl, uint8_t cmd)
{
	/* No op list (or an id we can't track): let the kernel decide. */
	if (!nl->ops_known || cmd >= 64 || (nl->ops & (UINT64_C(1) << cmd)))
		return 0;
	nl->state = NL_FAMILY_NO_OP;
	nl->missing_op = cmd;
	return -EOPNOTSUPP;
}

int nl_open(struct nl_ctx *nl)
{
	int one = 1;

	nl_init(nl);
	nl->buf = malloc(MNL_SOCKET_DUMP_SIZE);
	if (!nl->buf)
		return -ENOMEM;
	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sock)
		return -errno;
	/*
	 * Best effort: without EXT_ACK we only lose the kernel's explanation;
	 * CAP_ACK keeps error replies from echoing our whole request.
	 */
	(void)mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one,
				    sizeof(one));
	(void)mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one,
				    sizeof(one));
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0)
		return -errno;
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (unsigned int)time(NULL);
	return nl_resolve_family(nl);
}
