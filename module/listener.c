// SPDX-License-Identifier: GPL-2.0
/*
 * Snapshot of one listening socket: every value the listeners views print,
 * read once, so that the netlink and /proc outputs cannot disagree.
 */
#include <net/inet_connection_sock.h>
#include <net/inet_sock.h>
#include <net/ipv6.h>
#include <net/sock.h>

#include "compat.h"
#include "tcpconn.h"

/**
 * tcpconn_listener_snapshot() - read a listener's state
 * @sk: a TCP listening socket the caller holds a reference on
 * @l: filled in; every field is written
 *
 * Values are read without the socket lock (READ_ONCE / atomics), as
 * inet_diag does: each field is exact, the set is not atomic.
 *
 * Context: process context, no spinlock held (sock_i_ino() takes
 * sk_callback_lock on some kernels).
 */
void tcpconn_listener_snapshot(struct sock *sk, struct tcpconn_listener *l)
{
	const struct request_sock_queue *q = &inet_csk(sk)->icsk_accept_queue;

	memset(l, 0, sizeof(*l));
	l->family = sk->sk_family;
	if (IS_ENABLED(CONFIG_IPV6) && sk->sk_family == AF_INET6) {
		l->addr = sk->sk_v6_rcv_saddr;
		l->v6only = !!sk->sk_ipv6only;
	} else {
		l->addr.s6_addr32[0] = inet_sk(sk)->inet_rcv_saddr;
	}
	l->port = sk->sk_num;
	l->ifindex = READ_ONCE(sk->sk_bound_dev_if);
	l->syn_queue = reqsk_queue_len(q);
	l->syn_young = reqsk_queue_len_young(q);
	l->accept_queue = READ_ONCE(sk->sk_ack_backlog);
	l->backlog = READ_ONCE(sk->sk_max_ack_backlog);
	l->drops = tcpconn_sk_drops(sk);
	l->uid = tcpconn_sk_uid(sk);
	l->inode = sock_i_ino(sk);
	l->reuseport = !!sk->sk_reuseport;
	l->cookie = tcpconn_sk_cookie(sk);
}
