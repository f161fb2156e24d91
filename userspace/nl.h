// SPDX-License-Identifier: GPL-2.0
/*
 * nl.h - generic netlink plumbing shared by every view: socket, family
 * resolution and version check, request/dump loop with extack.
 *
 * Functions return 0 or a negative errno. What went wrong at the family
 * level (module missing, version mismatch, missing command) is recorded in
 * struct nl_ctx so main() alone turns it into an exit status and message.
 */
#ifndef TCPCONN_NL_H
#define TCPCONN_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <libmnl/libmnl.h>

/*
 * libmnl >= 1.0.5 defines this; bookworm's 1.0.4 does not. The kernel never
 * puts more than 32 KiB in one dump skb (netlink_dump() caps it), so a
 * buffer of this size never sees MSG_TRUNC.
 */
#ifndef MNL_SOCKET_DUMP_SIZE
#define MNL_SOCKET_DUMP_SIZE 32768
#endif

/* Requests are a header and a few small attributes. */
#define NL_REQ_SIZE 512

enum nl_family_state {
	NL_FAMILY_UNRESOLVED,	/* not asked yet, or failed for another reason */
	NL_FAMILY_MISSING,	/* CTRL_CMD_GETFAMILY said ENOENT: no module */
	NL_FAMILY_TOO_OLD,	/* version < TCPCONN_GENL_MIN_VERSION */
	NL_FAMILY_TOO_NEW,	/* version > TCPCONN_GENL_VERSION */
	NL_FAMILY_NO_OP,	/* version fine, but a needed command is absent */
	NL_FAMILY_OK,
};

struct nl_ctx {
	struct mnl_socket *sock;
	unsigned int portid;
	unsigned int seq;
	void *buf;			/* receive buffer, MNL_SOCKET_DUMP_SIZE */

	enum nl_family_state state;
	uint16_t family_id;
	uint32_t family_version;	/* 0 if the kernel did not say */
	uint64_t ops;			/* bit n: command n is implemented */
	bool ops_known;			/* CTRL_ATTR_OPS was in the reply */
	uint8_t missing_op;		/* the command, for NL_FAMILY_NO_OP */

	/*
	 * Replay (fuzzers, tests): if set, nl_transact() sends nothing and
	 * takes each received buffer from here instead of the socket, with
	 * recvfrom()'s contract (bytes, 0 at the end, -1 and errno). NULL
	 * in the tool.
	 */
	ssize_t (*replay)(void *ctx, void *buf, size_t size);
	void *replay_ctx;

	bool dump_intr;			/* last request saw NLM_F_DUMP_INTR */
	size_t dump_dups;		/* sockets_dump(): repeats dropped */
	char ext_msg[256];		/* extack message of the last request */
};

/* Per data message callback: 0 to go on, negative errno to abort. */
typedef int (*nl_msg_cb)(const struct nlmsghdr *nlh, void *data);

/* Zero the context; nl_close() is then always safe. */
void nl_init(struct nl_ctx *nl);

/* nl_init, open and bind the socket, resolve and version-check the family. */
int nl_open(struct nl_ctx *nl);
void nl_close(struct nl_ctx *nl);

/* -EOPNOTSUPP (state NL_FAMILY_NO_OP) if the module lacks command @cmd. */
int nl_require_op(struct nl_ctx *nl, uint8_t cmd);

/* Put an nlmsghdr + genlmsghdr at the start of @buf (NL_REQ_SIZE bytes). */
struct nlmsghdr *nl_msg_start(void *buf, uint16_t type, uint16_t flags,
			      uint8_t cmd, uint8_t version);

/*
 * Send @req and receive until the final ACK or NLMSG_DONE, calling @cb for
 * each data message. Kernel errors (NLMSG_ERROR, or a negative NLMSG_DONE
 * status) come back as negative errno, their extack text in nl->ext_msg.
 */
int nl_transact(struct nl_ctx *nl, struct nlmsghdr *req, nl_msg_cb cb,
		void *data);

/*
 * The pieces below are what nl_open()/nl_transact() are built from; they
 * take received bytes, not a socket, so tests can replay kernel messages.
 */

/* Process one received buffer: 1 if more is expected, 0 when complete, <0 error. */
int nl_feed(struct nl_ctx *nl, void *buf, size_t len, unsigned int seq,
	    nl_msg_cb cb, void *data);

/* nl_msg_cb for the CTRL_CMD_GETFAMILY reply; @data is the struct nl_ctx. */
int nl_family_parse(const struct nlmsghdr *nlh, void *data);

/* Turn the outcome of the GETFAMILY exchange into nl->state; returns the error. */
int nl_family_finish(struct nl_ctx *nl, int err);

/* True if the attributes after @offset run exactly to the end of @nlh. */
bool nl_attrs_complete(const struct nlmsghdr *nlh, size_t offset);

#endif /* TCPCONN_NL_H */
