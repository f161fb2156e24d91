/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * tcpconn: TCP connection-table diagnostics over generic netlink.
 *
 * This header is the only contract between tcpconn.ko and its clients.
 *
 * Compatibility rules:
 *  - Attributes are only ever appended; clients must ignore attribute
 *    types they do not know (old clients keep working on new modules).
 *  - TCPCONN_GENL_VERSION (the genetlink family version) is bumped only on
 *    an incompatible change. A client refuses to talk to a family whose
 *    version is outside [TCPCONN_GENL_MIN_VERSION, TCPCONN_GENL_VERSION].
 *  - Numbers are host byte order; addresses and ports too (ports are plain
 *    u16 values, addresses are raw 4- or 16-byte network-order blobs).
 */
#ifndef _UAPI_LINUX_TCPCONN_H
#define _UAPI_LINUX_TCPCONN_H

#define TCPCONN_GENL_NAME		"tcpconn"
#define TCPCONN_GENL_VERSION		1
#define TCPCONN_GENL_MIN_VERSION	1

/**
 * enum tcpconn_cmd - generic netlink commands of the tcpconn family
 * @TCPCONN_CMD_UNSPEC: unused
 * @TCPCONN_CMD_LISTENERS_GET: dump only; one message per listening socket
 *	of the caller's network namespace, attributes from
 *	&enum tcpconn_listener_attr. Optional request filters:
 *	%TCPCONN_A_LISTENER_FAMILY and %TCPCONN_A_LISTENER_PORT.
 */
enum tcpconn_cmd {
	TCPCONN_CMD_UNSPEC,
	TCPCONN_CMD_LISTENERS_GET,

	/* private */
	__TCPCONN_CMD_MAX,
	TCPCONN_CMD_MAX = __TCPCONN_CMD_MAX - 1
};

/**
 * enum tcpconn_listener_attr - attributes of one listening socket
 * @TCPCONN_A_LISTENER_UNSPEC: unused
 * @TCPCONN_A_LISTENER_PAD: padding for 64-bit attributes
 * @TCPCONN_A_LISTENER_FAMILY: u8, AF_INET or AF_INET6 (also a dump filter)
 * @TCPCONN_A_LISTENER_ADDR: binary, local address (4 or 16 bytes)
 * @TCPCONN_A_LISTENER_PORT: u16, local port (also a dump filter)
 * @TCPCONN_A_LISTENER_IFINDEX: u32, SO_BINDTODEVICE interface, 0 if none
 * @TCPCONN_A_LISTENER_SYN_QUEUE: u32, request sockets (SYN_RECV) queued
 * @TCPCONN_A_LISTENER_SYN_YOUNG: u32, of those, never retransmitted
 * @TCPCONN_A_LISTENER_ACCEPT_QUEUE: u32, established children not yet
 *	accepted; may be BACKLOG + 1 when the queue is full
 * @TCPCONN_A_LISTENER_BACKLOG: u32, effective accept-queue limit:
 *	min(listen() backlog, net.core.somaxconn) at listen() time
 * @TCPCONN_A_LISTENER_DROPS: u32, packets dropped by this socket (sk_drops)
 * @TCPCONN_A_LISTENER_UID: u32, owner uid in the caller's user namespace
 * @TCPCONN_A_LISTENER_INODE: u64, socket inode number (as in ss, /proc)
 * @TCPCONN_A_LISTENER_REUSEPORT: flag, SO_REUSEPORT is set
 * @TCPCONN_A_LISTENER_COOKIE: u64, socket cookie (as ss -e "sk:" shows)
 * @TCPCONN_A_LISTENER_V6ONLY: flag, IPv6 socket with IPV6_V6ONLY
 */
enum tcpconn_listener_attr {
	TCPCONN_A_LISTENER_UNSPEC,
	TCPCONN_A_LISTENER_PAD,
	TCPCONN_A_LISTENER_FAMILY,
	TCPCONN_A_LISTENER_ADDR,
	TCPCONN_A_LISTENER_PORT,
	TCPCONN_A_LISTENER_IFINDEX,
	TCPCONN_A_LISTENER_SYN_QUEUE,
	TCPCONN_A_LISTENER_SYN_YOUNG,
	TCPCONN_A_LISTENER_ACCEPT_QUEUE,
	TCPCONN_A_LISTENER_BACKLOG,
	TCPCONN_A_LISTENER_DROPS,
	TCPCONN_A_LISTENER_UID,
	TCPCONN_A_LISTENER_INODE,
	TCPCONN_A_LISTENER_REUSEPORT,
	TCPCONN_A_LISTENER_COOKIE,
	TCPCONN_A_LISTENER_V6ONLY,

	/* private */
	__TCPCONN_A_LISTENER_MAX,
	TCPCONN_A_LISTENER_MAX = __TCPCONN_A_LISTENER_MAX - 1
};

#endif /* _UAPI_LINUX_TCPCONN_H */
