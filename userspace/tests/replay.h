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
#include "summary.h"
#include "sockets.h"

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

/* Deviations from a well-formed summary reply, for negative tests. */
enum {
	BS_UNKNOWN		= 1 << 0,	/* unknown attrs, nests and keys */
	BS_PAD			= 1 << 1,	/* PAD / key-0 padding as on strict-alignment arches */
	BS_STATE_AS_U64		= 1 << 2,	/* wrong length inside STATES_V4 */
	BS_COUNTER_AS_U32	= 1 << 3,	/* wrong length inside COUNTERS */
	BS_TW_AS_U64		= 1 << 4,	/* wrong length at the top level */
	BS_NO_COUNTERS		= 1 << 5,
	BS_NO_STATES_V6		= 1 << 6,
	BS_DROP_KEYS		= 1 << 7,	/* leave out keys SUMMARY_DROPPED_* */
	BS_TRUNC_IN_NEST	= 1 << 8,	/* garbled last attribute in LIMITS */
	BS_SHORT_NEST		= 1 << 9,	/* STATES_V4 of 2 bytes */
	BS_TRAILING_GARBAGE	= 1 << 10,	/* top-level attribute past the end */
};

/* The keys BS_DROP_KEYS leaves out. */
#define SUMMARY_DROPPED_STATE	TCPCONN_STATE_CLOSING		/* from STATES_V4 */
#define SUMMARY_DROPPED_LIMIT	TCPCONN_LIMIT_SYNCOOKIES
#define SUMMARY_DROPPED_COUNTER	TCPCONN_COUNTER_LISTEN_DROPS

/* TCPCONN_CMD_SUMMARY_GET reply as tcpconn_put_summary() builds it. */
struct nlmsghdr *put_summary(void *buf, const struct tcpconn_summary *s,
			     unsigned int how);

/* A plausible summary with every key present (TIME-WAIT at 85% of its limit). */
struct tcpconn_summary sample_summary(void);

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

/* Deviations from a well-formed socket message, for negative tests. */
enum {
	BK_UNKNOWN_200		= 1 << 0,	/* extra u32 of type 200, and a request-only STATES */
	BK_PORT_AS_U32		= 1 << 1,	/* SRC_PORT with the wrong length */
	BK_NO_COOKIE		= 1 << 2,
	BK_NO_IFINDEX		= 1 << 3,
	BK_DUMP_INTR		= 1 << 4,
	BK_V4_WITH_16_BYTES	= 1 << 5,	/* AF_INET, 16-byte DST_ADDR */
	BK_TRAILING_GARBAGE	= 1 << 6,
};

/* TCPCONN_CMD_SOCKETS_GET dump message as tcpconn_put_socket() builds it. */
struct nlmsghdr *put_socket(void *buf, const struct sock_entry *s,
			    unsigned int how);

/* An IPv4 (or IPv6 with @v6) connection 10.0.0.1:sport -> 192.0.2.1:dport. */
struct sock_entry sample_socket(uint8_t state, uint16_t sport, uint16_t dport,
				int v6);

#endif /* TCPCONN_REPLAY_H */
