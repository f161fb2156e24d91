// SPDX-License-Identifier: GPL-2.0
/*
 * replay.h - build kernel-side netlink messages in a buffer, the way the
 * module and the genetlink controller would send them, so the parsers can
 * be tested on the host with no module loaded.
 *
 * Every builder writes one message at @buf and returns it; the next one
 * goes at (char *)buf + nlh->nlmsg_len (always NLMSG_ALIGNed).
 */
#ifndef TCPCONN_REPLAY_H
#define TCPCONN_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "listeners.h"

#define TEST_FAMILY_ID 0x1d

/* Deviations from a well-formed listener message, for negative tests. */
enum {
	BL_NO_ADDR		= 1 << 0,
	BL_UNKNOWN_200		= 1 << 1,	/* extra u32 of type 200 */
	BL_PORT_AS_U32		= 1 << 2,	/* wrong length */
	BL_NO_IFINDEX		= 1 << 3,
	BL_DUMP_INTR		= 1 << 4,
	BL_TRAILING_GARBAGE	= 1 << 5,	/* attribute running past the end */
	BL_V4_WITH_16_BYTES	= 1 << 6,
};

struct nlmsghdr *put_listener(void *buf, const struct listener *l,
			      unsigned int how);

/* NLMSG_DONE carrying @status and optionally an extack message. */
struct nlmsghdr *put_done(void *buf, int status, const char *ext_msg);

/*
 * NLMSG_ERROR for @error (0 = ACK). With @req, the request is echoed as
 * the kernel does without NETLINK_CAP_ACK; without, it is capped.
 */
struct nlmsghdr *put_error(void *buf, int error, const char *ext_msg,
			   const struct nlmsghdr *req);

/* CTRL_CMD_NEWFAMILY for "tcpconn"; @ops may be NULL to leave CTRL_ATTR_OPS out. */
struct nlmsghdr *put_family(void *buf, uint16_t id, uint32_t version,
			    const uint32_t *ops, size_t nops);

/* A plausible listener; @which varies address, port, family and counters. */
struct listener sample_listener(int which);

#endif /* TCPCONN_REPLAY_H */
