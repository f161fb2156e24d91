// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel socket filters of the sockets views: only matching sockets
 * are copied to userspace, as inet_diag's bytecode filters do for ss, but
 * as fixed fields with simple semantics.
 */
#include <linux/in.h>
#include <linux/socket.h>
#include <net/ipv6.h>

#include "tcpconn.h"

/* Does @a match @p's address and prefix length, for a socket of @family? */
static bool tcpconn_prefix_match(const struct tcpconn_prefix *p, u8 family,
				 const struct in6_addr *a)
{
	__be32 v4, mask;

	if (!p->family)
		return true;
	if (p->family == AF_INET6)
		return family == AF_INET6 && ipv6_prefix_equal(&p->addr, a, p->len);

	/* An IPv4 prefix also matches v4-mapped addresses, as in ss. */
	if (family == AF_INET)
		v4 = a->s6_addr32[0];
	else if (ipv6_addr_v4mapped(a))
		v4 = a->s6_addr32[3];
	else
		return false;
	mask = p->len ? htonl(~0U << (32 - p->len)) : 0;
	return !((v4 ^ p->addr.s6_addr32[0]) & mask);
}

/**
 * tcpconn_filter_match() - does a socket pass a sockets-view filter?
 * @f: the filter; zero fields match anything
 * @s: the socket's snapshot
 *
 * Return: true if every field set in @f matches.
 */
bool tcpconn_filter_match(const struct tcpconn_filter *f,
			  const struct tcpconn_socket *s)
{
	if (f->states && !(f->states & BIT(s->state)))
		return false;
	if (f->family && f->family != s->family)
		return false;
	if (f->orphans_only && !s->orphan)
		return false;
	if (f->match_uid && !uid_eq(f->uid, s->uid))
		return false;
	if (f->sport && f->sport != s->sport)
		return false;
	if (f->dport && f->dport != s->dport)
		return false;
	return tcpconn_prefix_match(&f->src, s->family, &s->src) &&
	       tcpconn_prefix_match(&f->dst, s->family, &s->dst);
}
