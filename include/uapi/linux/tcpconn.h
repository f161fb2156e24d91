/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * tcpconn: TCP connection-table diagnostics over generic netlink.
 *
 * This header is the only contract between tcpconn.ko and its clients.
 * Documentation/netlink/specs/tcpconn.yaml describes the same protocol for
 * the kernel's YNL tools; scripts/ynl.sh check fails when the two differ.
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
 * @TCPCONN_CMD_SUMMARY_GET: do only, no request attributes; one reply with
 *	the connection-table summary of the caller's network namespace,
 *	attributes from &enum tcpconn_summary_attr
 * @TCPCONN_CMD_SOCKETS_GET: dump only; one message per TCP socket of the
 *	caller's network namespace (listening, full, TIME_WAIT and request
 *	sockets), attributes from &enum tcpconn_socket_attr. Optional request
 *	filters, all of which must match: %TCPCONN_A_SOCKET_STATES,
 *	%TCPCONN_A_SOCKET_FAMILY, %TCPCONN_A_SOCKET_SRC_ADDR with
 *	%TCPCONN_A_SOCKET_SRC_PREFIXLEN, %TCPCONN_A_SOCKET_DST_ADDR with
 *	%TCPCONN_A_SOCKET_DST_PREFIXLEN, %TCPCONN_A_SOCKET_SRC_PORT,
 *	%TCPCONN_A_SOCKET_DST_PORT, %TCPCONN_A_SOCKET_ORPHAN (orphans only),
 *	%TCPCONN_A_SOCKET_UID
 */
enum tcpconn_cmd {
	TCPCONN_CMD_UNSPEC,
	TCPCONN_CMD_LISTENERS_GET,
	TCPCONN_CMD_SUMMARY_GET,
	TCPCONN_CMD_SOCKETS_GET,

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

/**
 * enum tcpconn_state - TCP states as tcpconn counts them
 * @TCPCONN_STATE_UNSPEC: unused
 * @TCPCONN_STATE_ESTABLISHED: full sockets in ESTABLISHED
 * @TCPCONN_STATE_SYN_SENT: active opens waiting for the SYN-ACK
 * @TCPCONN_STATE_SYN_RECV: request sockets (SYN received, SYN-ACK sent)
 *	plus full sockets in SYN_RECV (TCP Fast Open children)
 * @TCPCONN_STATE_FIN_WAIT1: full sockets in FIN_WAIT1
 * @TCPCONN_STATE_FIN_WAIT2: full sockets in FIN_WAIT2 (not the TIME_WAIT
 *	mini-sockets that stand in for orphans in FIN_WAIT2, see below)
 * @TCPCONN_STATE_TIME_WAIT: TIME_WAIT mini-sockets in substate TIME_WAIT
 * @TCPCONN_STATE_CLOSE: hashed sockets in CLOSE (rare and transient)
 * @TCPCONN_STATE_CLOSE_WAIT: full sockets in CLOSE_WAIT
 * @TCPCONN_STATE_LAST_ACK: full sockets in LAST_ACK
 * @TCPCONN_STATE_LISTEN: listening sockets
 * @TCPCONN_STATE_CLOSING: full sockets in CLOSING
 * @TCPCONN_STATE_TW_FIN_WAIT2: TIME_WAIT mini-sockets in substate
 *	FIN_WAIT2: orphans whose FIN_WAIT2 timer (tcp_fin_timeout) the kernel
 *	runs in the time-wait table; ss shows them as FIN-WAIT-2
 *
 * Values 1 to 11 equal the kernel's TCP_* states; the kernel's own
 * TCP_MAX_STATES differs between versions, so this enum is ours.
 */
enum tcpconn_state {
	TCPCONN_STATE_UNSPEC,
	TCPCONN_STATE_ESTABLISHED,
	TCPCONN_STATE_SYN_SENT,
	TCPCONN_STATE_SYN_RECV,
	TCPCONN_STATE_FIN_WAIT1,
	TCPCONN_STATE_FIN_WAIT2,
	TCPCONN_STATE_TIME_WAIT,
	TCPCONN_STATE_CLOSE,
	TCPCONN_STATE_CLOSE_WAIT,
	TCPCONN_STATE_LAST_ACK,
	TCPCONN_STATE_LISTEN,
	TCPCONN_STATE_CLOSING,
	TCPCONN_STATE_TW_FIN_WAIT2,

	/* private */
	__TCPCONN_STATE_MAX,
	TCPCONN_STATE_MAX = __TCPCONN_STATE_MAX - 1
};

/**
 * enum tcpconn_summary_attr - attributes of a connection-table summary
 * @TCPCONN_A_SUMMARY_UNSPEC: unused
 * @TCPCONN_A_SUMMARY_PAD: padding for 64-bit attributes
 * @TCPCONN_A_SUMMARY_STATES_V4: nest; one u32 per &enum tcpconn_state
 *	(the attribute type is the state) counting IPv4 sockets. Every state
 *	is present, zeros included.
 * @TCPCONN_A_SUMMARY_STATES_V6: nest; the same for IPv6 sockets
 *	(v4-mapped connections on IPv6 sockets count here, as in ss; so do
 *	request sockets of IPv4 SYNs to a dual-stack [::] listener, which
 *	take the listener's family)
 * @TCPCONN_A_SUMMARY_ORPHANS_V4: nest; per state, IPv4 full sockets with
 *	SOCK_DEAD set (closed by their process, still in the table). Always 0
 *	for TIME_WAIT, TW_FIN_WAIT2 and SYN_RECV request sockets, which are
 *	not full sockets (a TW_FIN_WAIT2 mini-socket replaced an orphan)
 * @TCPCONN_A_SUMMARY_ORPHANS_V6: nest; the same for IPv6
 * @TCPCONN_A_SUMMARY_ORPHANS: u32, all orphans of the namespace
 * @TCPCONN_A_SUMMARY_TW_COUNT: u32, the kernel's own TIME_WAIT count for
 *	the namespace (tw_refcount - 1, as /proc/net/sockstat "tw"): the
 *	number tcp_max_tw_buckets is enforced against; it includes the
 *	mini-sockets in substate FIN_WAIT2. Read after the walk, so it may
 *	differ from the walked TIME_WAIT + TW_FIN_WAIT2 while they change
 * @TCPCONN_A_SUMMARY_LIMITS: nest; one u64 per &enum tcpconn_limit (the
 *	attribute type is the key). Inside this nest and COUNTERS, type 0 is
 *	padding (only on architectures that align 64-bit attributes)
 * @TCPCONN_A_SUMMARY_COUNTERS: nest; one u64 per &enum tcpconn_counter,
 *	the namespace's /proc/net/netstat TcpExt values
 * @TCPCONN_A_SUMMARY_WALK_NS: u64, nanoseconds the table walk took
 * @TCPCONN_A_SUMMARY_EHASH_BUCKETS: u32, buckets of the established hash
 *	this namespace uses (tcp_max_tw_buckets defaults to half of it)
 *
 * Counts come from one pass over the established and listening hashes,
 * filtered to the caller's namespace; they are a consistent view of each
 * hash bucket, not of the whole table at one instant.
 */
enum tcpconn_summary_attr {
	TCPCONN_A_SUMMARY_UNSPEC,
	TCPCONN_A_SUMMARY_PAD,
	TCPCONN_A_SUMMARY_STATES_V4,
	TCPCONN_A_SUMMARY_STATES_V6,
	TCPCONN_A_SUMMARY_ORPHANS_V4,
	TCPCONN_A_SUMMARY_ORPHANS_V6,
	TCPCONN_A_SUMMARY_ORPHANS,
	TCPCONN_A_SUMMARY_TW_COUNT,
	TCPCONN_A_SUMMARY_LIMITS,
	TCPCONN_A_SUMMARY_COUNTERS,
	TCPCONN_A_SUMMARY_WALK_NS,
	TCPCONN_A_SUMMARY_EHASH_BUCKETS,

	/* private */
	__TCPCONN_A_SUMMARY_MAX,
	TCPCONN_A_SUMMARY_MAX = __TCPCONN_A_SUMMARY_MAX - 1
};

/**
 * enum tcpconn_limit - sysctls, and the usage they bound, in a summary
 * @TCPCONN_LIMIT_UNSPEC: unused
 * @TCPCONN_LIMIT_MAX_TW_BUCKETS: net.ipv4.tcp_max_tw_buckets (per netns)
 * @TCPCONN_LIMIT_SOMAXCONN: net.core.somaxconn (per netns)
 * @TCPCONN_LIMIT_MAX_SYN_BACKLOG: net.ipv4.tcp_max_syn_backlog (per netns)
 * @TCPCONN_LIMIT_SYNCOOKIES: net.ipv4.tcp_syncookies, 0/1/2 (per netns)
 * @TCPCONN_LIMIT_ABORT_ON_OVERFLOW: net.ipv4.tcp_abort_on_overflow
 * @TCPCONN_LIMIT_FIN_TIMEOUT: net.ipv4.tcp_fin_timeout, seconds (per netns)
 * @TCPCONN_LIMIT_TW_REUSE: net.ipv4.tcp_tw_reuse, 0/1/2 (per netns)
 * @TCPCONN_LIMIT_PORT_LOW: net.ipv4.ip_local_port_range, first port
 * @TCPCONN_LIMIT_PORT_HIGH: net.ipv4.ip_local_port_range, last port
 * @TCPCONN_LIMIT_TCP_MEM_LOW: net.ipv4.tcp_mem[0], pages (host-wide)
 * @TCPCONN_LIMIT_TCP_MEM_PRESSURE: net.ipv4.tcp_mem[1], pages (host-wide)
 * @TCPCONN_LIMIT_TCP_MEM_HIGH: net.ipv4.tcp_mem[2], pages (host-wide)
 * @TCPCONN_LIMIT_TCP_MEM_USED: pages TCP has allocated now, host-wide (as
 *	/proc/net/sockstat "mem"); compared with tcp_mem
 * @TCPCONN_LIMIT_PAGE_SIZE: bytes per page, to convert the tcp_mem values
 *
 * net.ipv4.tcp_max_orphans and the host-wide orphan count are not
 * reachable from a module on every supported kernel; clients read them from
 * /proc/sys/net/ipv4/tcp_max_orphans and /proc/net/sockstat.
 */
enum tcpconn_limit {
	TCPCONN_LIMIT_UNSPEC,
	TCPCONN_LIMIT_MAX_TW_BUCKETS,
	TCPCONN_LIMIT_SOMAXCONN,
	TCPCONN_LIMIT_MAX_SYN_BACKLOG,
	TCPCONN_LIMIT_SYNCOOKIES,
	TCPCONN_LIMIT_ABORT_ON_OVERFLOW,
	TCPCONN_LIMIT_FIN_TIMEOUT,
	TCPCONN_LIMIT_TW_REUSE,
	TCPCONN_LIMIT_PORT_LOW,
	TCPCONN_LIMIT_PORT_HIGH,
	TCPCONN_LIMIT_TCP_MEM_LOW,
	TCPCONN_LIMIT_TCP_MEM_PRESSURE,
	TCPCONN_LIMIT_TCP_MEM_HIGH,
	TCPCONN_LIMIT_TCP_MEM_USED,
	TCPCONN_LIMIT_PAGE_SIZE,

	/* private */
	__TCPCONN_LIMIT_MAX,
	TCPCONN_LIMIT_MAX = __TCPCONN_LIMIT_MAX - 1
};

/**
 * enum tcpconn_counter - the namespace's TcpExt MIB counters in a summary
 * @TCPCONN_COUNTER_UNSPEC: unused
 * @TCPCONN_COUNTER_LISTEN_OVERFLOWS: ListenOverflows, accept queue full
 * @TCPCONN_COUNTER_LISTEN_DROPS: ListenDrops, any drop at a listener
 * @TCPCONN_COUNTER_REQQ_FULL_DROP: TCPReqQFullDrop, SYN dropped, SYN
 *	queue full and no syncookies
 * @TCPCONN_COUNTER_REQQ_FULL_DO_COOKIES: TCPReqQFullDoCookies
 * @TCPCONN_COUNTER_SYNCOOKIES_SENT: SyncookiesSent
 * @TCPCONN_COUNTER_SYNCOOKIES_RECV: SyncookiesRecv
 * @TCPCONN_COUNTER_SYNCOOKIES_FAILED: SyncookiesFailed
 * @TCPCONN_COUNTER_EMBRYONIC_RSTS: EmbryonicRsts
 * @TCPCONN_COUNTER_ABORT_ON_MEMORY: TCPAbortOnMemory, orphan killed
 *	because of tcp_max_orphans or tcp_mem
 * @TCPCONN_COUNTER_ABORT_ON_CLOSE: TCPAbortOnClose, closed with unread data
 * @TCPCONN_COUNTER_ABORT_ON_DATA: TCPAbortOnData
 * @TCPCONN_COUNTER_ABORT_ON_TIMEOUT: TCPAbortOnTimeout
 * @TCPCONN_COUNTER_ABORT_ON_LINGER: TCPAbortOnLinger
 * @TCPCONN_COUNTER_TIMEWAIT_OVERFLOW: TCPTimeWaitOverflow, TIME_WAIT not
 *	created because tcp_max_tw_buckets was reached
 * @TCPCONN_COUNTER_TIMEWAITED: TW, TIME_WAIT mini-sockets created with a
 *	timeout over 4 s (counted when created, in __inet_twsk_schedule())
 * @TCPCONN_COUNTER_TIMEWAIT_RECYCLED: TWRecycled, TIME_WAIT sockets reused
 *	by a new outgoing connection (tcp_tw_reuse)
 * @TCPCONN_COUNTER_TIMEWAIT_KILLED: TWKilled, TIME_WAIT mini-sockets created
 *	with a timeout of 4 s or less
 * @TCPCONN_COUNTER_MEMORY_PRESSURES: TCPMemoryPressures
 */
enum tcpconn_counter {
	TCPCONN_COUNTER_UNSPEC,
	TCPCONN_COUNTER_LISTEN_OVERFLOWS,
	TCPCONN_COUNTER_LISTEN_DROPS,
	TCPCONN_COUNTER_REQQ_FULL_DROP,
	TCPCONN_COUNTER_REQQ_FULL_DO_COOKIES,
	TCPCONN_COUNTER_SYNCOOKIES_SENT,
	TCPCONN_COUNTER_SYNCOOKIES_RECV,
	TCPCONN_COUNTER_SYNCOOKIES_FAILED,
	TCPCONN_COUNTER_EMBRYONIC_RSTS,
	TCPCONN_COUNTER_ABORT_ON_MEMORY,
	TCPCONN_COUNTER_ABORT_ON_CLOSE,
	TCPCONN_COUNTER_ABORT_ON_DATA,
	TCPCONN_COUNTER_ABORT_ON_TIMEOUT,
	TCPCONN_COUNTER_ABORT_ON_LINGER,
	TCPCONN_COUNTER_TIMEWAIT_OVERFLOW,
	TCPCONN_COUNTER_TIMEWAITED,
	TCPCONN_COUNTER_TIMEWAIT_RECYCLED,
	TCPCONN_COUNTER_TIMEWAIT_KILLED,
	TCPCONN_COUNTER_MEMORY_PRESSURES,

	/* private */
	__TCPCONN_COUNTER_MAX,
	TCPCONN_COUNTER_MAX = __TCPCONN_COUNTER_MAX - 1
};

/**
 * enum tcpconn_timer - the timer a socket is waiting on, as inet_diag and
 *	ss -o number and name them
 * @TCPCONN_TIMER_NONE: no timer pending
 * @TCPCONN_TIMER_ON: retransmission (also tail-loss probe and RACK reorder
 *	timers); for a request socket, the SYN-ACK retransmit timer
 * @TCPCONN_TIMER_KEEPALIVE: keepalive, or an orphan's FIN_WAIT2 timer
 * @TCPCONN_TIMER_TIMEWAIT: TIME_WAIT (or TW_FIN_WAIT2) expiry
 * @TCPCONN_TIMER_PERSIST: zero-window probe
 */
enum tcpconn_timer {
	TCPCONN_TIMER_NONE,
	TCPCONN_TIMER_ON,
	TCPCONN_TIMER_KEEPALIVE,
	TCPCONN_TIMER_TIMEWAIT,
	TCPCONN_TIMER_PERSIST,
};

/**
 * enum tcpconn_socket_attr - attributes of one socket, and socket filters
 * @TCPCONN_A_SOCKET_UNSPEC: unused
 * @TCPCONN_A_SOCKET_PAD: padding for 64-bit attributes
 * @TCPCONN_A_SOCKET_FAMILY: u8, AF_INET or AF_INET6 (also a filter)
 * @TCPCONN_A_SOCKET_STATE: u8, &enum tcpconn_state
 * @TCPCONN_A_SOCKET_SRC_ADDR: binary, local address, 4 or 16 bytes (also a
 *	filter, with SRC_PREFIXLEN; its length gives the filter's family)
 * @TCPCONN_A_SOCKET_SRC_PORT: u16, local port (also a filter)
 * @TCPCONN_A_SOCKET_DST_ADDR: binary, remote address (also a filter)
 * @TCPCONN_A_SOCKET_DST_PORT: u16, remote port (also a filter)
 * @TCPCONN_A_SOCKET_IFINDEX: u32, bound interface, 0 if none
 * @TCPCONN_A_SOCKET_TIMER: u8, &enum tcpconn_timer
 * @TCPCONN_A_SOCKET_EXPIRES_MS: u32, milliseconds until the timer fires,
 *	0 when none is pending or it is due
 * @TCPCONN_A_SOCKET_RETRANS: u32, retransmissions of the current segment
 *	(icsk_retransmits), or SYN-ACK retransmissions of a request socket
 * @TCPCONN_A_SOCKET_PROBES: u32, unanswered zero-window or keepalive probes
 * @TCPCONN_A_SOCKET_RQUEUE: u32, bytes received not yet read (for a
 *	listener: its accept queue), as ss Recv-Q
 * @TCPCONN_A_SOCKET_WQUEUE: u32, bytes sent not yet acknowledged (for a
 *	listener: its backlog), as ss Send-Q
 * @TCPCONN_A_SOCKET_UID: u32, owner uid in the caller's user namespace
 *	(also a filter); 0 for TIME_WAIT and request sockets, as in ss
 * @TCPCONN_A_SOCKET_INODE: u64, socket inode, 0 without a file (orphans,
 *	children not yet accepted, TIME_WAIT and request sockets)
 * @TCPCONN_A_SOCKET_COOKIE: u64, socket cookie (ss -e "sk:")
 * @TCPCONN_A_SOCKET_ORPHAN: flag, an orphan (full socket with SOCK_DEAD);
 *	in a request, dump orphans only
 * @TCPCONN_A_SOCKET_STATES: u32, request only: bit (1 << &enum
 *	tcpconn_state) set for each state to dump; 0 or absent means all
 * @TCPCONN_A_SOCKET_SRC_PREFIXLEN: u8, request only: prefix length for
 *	SRC_ADDR (default: the whole address)
 * @TCPCONN_A_SOCKET_DST_PREFIXLEN: u8, request only: prefix length for
 *	DST_ADDR (default: the whole address)
 *
 * An IPv4 address filter also matches v4-mapped addresses of IPv6
 * sockets, as ss filters do.
 */
enum tcpconn_socket_attr {
	TCPCONN_A_SOCKET_UNSPEC,
	TCPCONN_A_SOCKET_PAD,
	TCPCONN_A_SOCKET_FAMILY,
	TCPCONN_A_SOCKET_STATE,
	TCPCONN_A_SOCKET_SRC_ADDR,
	TCPCONN_A_SOCKET_SRC_PORT,
	TCPCONN_A_SOCKET_DST_ADDR,
	TCPCONN_A_SOCKET_DST_PORT,
	TCPCONN_A_SOCKET_IFINDEX,
	TCPCONN_A_SOCKET_TIMER,
	TCPCONN_A_SOCKET_EXPIRES_MS,
	TCPCONN_A_SOCKET_RETRANS,
	TCPCONN_A_SOCKET_PROBES,
	TCPCONN_A_SOCKET_RQUEUE,
	TCPCONN_A_SOCKET_WQUEUE,
	TCPCONN_A_SOCKET_UID,
	TCPCONN_A_SOCKET_INODE,
	TCPCONN_A_SOCKET_COOKIE,
	TCPCONN_A_SOCKET_ORPHAN,
	TCPCONN_A_SOCKET_STATES,
	TCPCONN_A_SOCKET_SRC_PREFIXLEN,
	TCPCONN_A_SOCKET_DST_PREFIXLEN,

	/* private */
	__TCPCONN_A_SOCKET_MAX,
	TCPCONN_A_SOCKET_MAX = __TCPCONN_A_SOCKET_MAX - 1
};

#endif /* _UAPI_LINUX_TCPCONN_H */
