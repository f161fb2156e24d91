/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every kernel-version difference tcpconn depends on, and only here.
 *
 * We prefer feature probes done by Kbuild (grep of the target kernel's
 * headers, see the top-level Kbuild) over LINUX_VERSION_CODE, because
 * Debian's stable kernels backport API changes within one major version.
 */
#ifndef _TCPCONN_COMPAT_H
#define _TCPCONN_COMPAT_H

#include <net/genetlink.h>
#include <net/inet_connection_sock.h>
#include <net/inet_hashtables.h>
#include <net/net_namespace.h>
#include <net/sock.h>

/*
 * The TCP hash tables of a netns. v4 and v6 share them; the ehash may be
 * per-netns (net.ipv4.tcp_child_ehash_entries) while lhash2 is global, so
 * walkers must still filter on sock_net(). tcp_hashinfo itself is not
 * exported on newer kernels, this pointer exists on all supported ones.
 */
static inline struct inet_hashinfo *tcpconn_hashinfo(struct net *net)
{
	return net->ipv4.tcp_death_row.hashinfo;
}

/* sk_drops became a per-cpu-ish structure with an accessor (7.x). */
static inline u32 tcpconn_sk_drops(const struct sock *sk)
{
#ifdef TCPCONN_HAVE_SK_DROPS_READ
	return sk_drops_read(sk);
#else
	return atomic_read(&sk->sk_drops);
#endif
}

/* sock_i_uid() took sk_callback_lock until sk_uid became READ_ONCE-safe. */
static inline kuid_t tcpconn_sk_uid(struct sock *sk)
{
#ifdef TCPCONN_HAVE_SK_UID_HELPER
	return sk_uid(sk);
#else
	return sock_i_uid(sk);
#endif
}

/* Request attributes of a dump: genl_dumpit_info grew a genl_info (6.6). */
static inline struct nlattr **tcpconn_dump_attrs(struct netlink_callback *cb)
{
#ifdef TCPCONN_HAVE_GENL_INFO_DUMP
	return genl_info_dump(cb)->attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

/* When the retransmit/probe timer of a full socket fires (7.x moved it). */
static inline unsigned long tcpconn_retrans_expires(const struct sock *sk)
{
#ifdef TCPCONN_HAVE_TCP_TIMEOUT_EXPIRES
	return tcp_timeout_expires(sk);
#else
	return READ_ONCE(inet_csk(sk)->icsk_timeout);
#endif
}

/* The keepalive (and orphan FIN_WAIT2) timer: in icsk or sk_timer. */
static inline struct timer_list *tcpconn_keepalive_timer(struct sock *sk)
{
#ifdef TCPCONN_HAVE_ICSK_KEEPALIVE_TIMER
	return &inet_csk(sk)->icsk_keepalive_timer;
#else
	return &sk->sk_timer;
#endif
}

/* kernel_bind()/kernel_connect() take struct sockaddr_unsized (6.19+). */
#ifdef TCPCONN_HAVE_SOCKADDR_UNSIZED
#define TCPCONN_SOCKADDR(a) ((struct sockaddr_unsized *)(a))
#else
#define TCPCONN_SOCKADDR(a) ((struct sockaddr *)(a))
#endif

#endif /* _TCPCONN_COMPAT_H */
