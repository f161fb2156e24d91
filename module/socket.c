// SPDX-License-Identifier: GPL-2.0
/*
 * Snapshot of one socket of any kind (listening, full, TIME_WAIT, request)
 * for the sockets views, read once so that netlink and /proc agree. The
 * values and their sources follow inet_diag (what ss prints) and
 * get_tcp4_sock() (/proc/net/tcp).
 */
#include <linux/jiffies.h>
#include <net/inet_connection_sock.h>
#include <net/inet_sock.h>
#include <net/inet_timewait_sock.h>
#include <net/ipv6.h>
#include <net/request_sock.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "compat.h"
#include "tcpconn.h"

/* Milliseconds until @expires (jiffies), 0 if due or past. */
static u32 tcpconn_ms_until(unsigned long expires)
{
	long delta = (long)(expires - jiffies);

	return delta > 0 ? jiffies_to_msecs(delta) : 0;
}

/* Addresses and ports: struct sock_common, the same for every kind. */
static void tcpconn_socket_addrs(struct sock *sk, struct tcpconn_socket *s)
{
	s->family = sk->sk_family;
	if (IS_ENABLED(CONFIG_IPV6) && sk->sk_family == AF_INET6) {
		s->src = sk->sk_v6_rcv_saddr;
		s->dst = sk->sk_v6_daddr;
	} else {
		s->src.s6_addr32[0] = sk->sk_rcv_saddr;
		s->dst.s6_addr32[0] = sk->sk_daddr;
	}
	s->sport = sk->sk_num;
	s->dport = ntohs(sk->sk_dport);
	s->ifindex = READ_ONCE(sk->sk_bound_dev_if);
}

/* Timer kind and expiry of a full socket, as get_tcp4_sock() picks them. */
static void tcpconn_full_timer(struct sock *sk, struct tcpconn_socket *s)
{
	const struct inet_connection_sock *icsk = inet_csk(sk);
	int pending = READ_ONCE(icsk->icsk_pending);

	if (pending == ICSK_TIME_RETRANS || pending == ICSK_TIME_REO_TIMEOUT ||
	    pending == ICSK_TIME_LOSS_PROBE) {
		s->timer = TCPCONN_TIMER_ON;
		s->expires_ms = tcpconn_ms_until(tcpconn_retrans_expires(sk));
	} else if (pending == ICSK_TIME_PROBE0) {
		s->timer = TCPCONN_TIMER_PERSIST;
		s->expires_ms = tcpconn_ms_until(tcpconn_retrans_expires(sk));
	} else if (timer_pending(tcpconn_keepalive_timer(sk))) {
		s->timer = TCPCONN_TIMER_KEEPALIVE;
		s->expires_ms =
			tcpconn_ms_until(tcpconn_keepalive_timer(sk)->expires);
	} else {
		s->timer = TCPCONN_TIMER_NONE;
	}
}

static void tcpconn_full_snapshot(struct sock *sk, struct tcpconn_socket *s)
{
	const struct inet_connection_sock *icsk = inet_csk(sk);
	const struct tcp_sock *tp = tcp_sk(sk);

	if (s->kstate == TCP_LISTEN) {
		/* As inet_diag: the queues of a listener are its backlog. */
		s->rqueue = READ_ONCE(sk->sk_ack_backlog);
		s->wqueue = READ_ONCE(sk->sk_max_ack_backlog);
	} else {
		/* Unlocked reads may cross; clamp like get_tcp4_sock(). */
		s->rqueue = max_t(int, READ_ONCE(tp->rcv_nxt) -
				  READ_ONCE(tp->copied_seq), 0);
		s->wqueue = max_t(int, READ_ONCE(tp->write_seq) -
				  READ_ONCE(tp->snd_una), 0);
		tcpconn_full_timer(sk, s);
	}
	s->retrans = READ_ONCE(icsk->icsk_retransmits);
	s->probes = READ_ONCE(icsk->icsk_probes_out);
	s->uid = tcpconn_sk_uid(sk);
	s->inode = sock_i_ino(sk);
	s->orphan = sock_flag(sk, SOCK_DEAD);
}

/**
 * tcpconn_socket_snapshot() - read any hashed TCP socket's state
 * @sk: a listening, full, TIME_WAIT or request socket the caller holds a
 *	reference on
 * @s: filled in; every field is written
 *
 * Fields are read without the socket lock, as inet_diag does: each is
 * exact, the set is not atomic.
 *
 * Context: process context, no spinlock held (sock_i_ino() may take
 * sk_callback_lock).
 */
void tcpconn_socket_snapshot(struct sock *sk, struct tcpconn_socket *s)
{
	int substate = 0;

	memset(s, 0, sizeof(*s));
	s->kstate = READ_ONCE(sk->sk_state);
	tcpconn_socket_addrs(sk, s);
	s->cookie = tcpconn_sk_cookie(sk);
	s->uid = GLOBAL_ROOT_UID;

	switch (s->kstate) {
	case TCP_TIME_WAIT: {
		const struct inet_timewait_sock *tw = inet_twsk(sk);

		substate = READ_ONCE(tw->tw_substate);
		s->timer = TCPCONN_TIMER_TIMEWAIT;
		s->expires_ms = tcpconn_ms_until(READ_ONCE(tw->tw_timer.expires));
		break;
	}
	case TCP_NEW_SYN_RECV: {
		const struct request_sock *req = inet_reqsk(sk);

		s->timer = TCPCONN_TIMER_ON;
		s->expires_ms =
			tcpconn_ms_until(READ_ONCE(req->rsk_timer.expires));
		s->retrans = READ_ONCE(req->num_retrans);
		break;
	}
	default:
		tcpconn_full_snapshot(sk, s);
	}
	s->state = tcpconn_state_of(s->kstate, substate);
}
