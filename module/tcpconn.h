/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tcpconn internal interfaces shared by the module's files (and compiled
 * into the KUnit module as well).
 */
#ifndef _TCPCONN_H
#define _TCPCONN_H

#include <linux/in6.h>
#include <linux/seq_file.h>
#include <linux/sock_diag.h>
#include <linux/tcpconn.h>
#include <linux/types.h>
#include <linux/uidgid.h>

struct net;
struct sock;

/**
 * struct tcpconn_listener - snapshot of one listening socket
 * @family: AF_INET or AF_INET6
 * @addr: local address; only the first 4 bytes are used for AF_INET
 * @port: local port, host order
 * @ifindex: SO_BINDTODEVICE interface index, 0 if none
 * @syn_queue: request sockets (SYN_RECV) currently queued
 * @syn_young: of those, the ones whose SYN-ACK was never retransmitted
 * @accept_queue: established children waiting for accept()
 * @backlog: effective accept-queue limit (sk_max_ack_backlog)
 * @drops: sk_drops of the listener
 * @uid: socket owner
 * @inode: socket inode number, 0 for a socket without a file
 * @cookie: socket cookie, as inet_diag reports it
 * @reuseport: SO_REUSEPORT is set
 * @v6only: IPV6_V6ONLY is set (AF_INET6 only)
 */
struct tcpconn_listener {
	u8 family;
	struct in6_addr addr;
	u16 port;
	int ifindex;
	u32 syn_queue;
	u32 syn_young;
	u32 accept_queue;
	u32 backlog;
	u32 drops;
	kuid_t uid;
	u64 inode;
	u64 cookie;
	bool reuseport;
	bool v6only;
};

/**
 * typedef tcpconn_visit_t - walker callback
 * @sk: a listening socket of the walked netns; a reference is held and no
 *	lock is, so the callback may sleep
 * @arg: the walker caller's cookie
 *
 * Return: 0 to continue; a negative errno stops the walk, and the walk
 * position stays on @sk so that a resumed walk visits it again.
 */
/**
 * tcpconn_listener_full() - is the accept queue full?
 * @l: listener snapshot
 *
 * Same test as sk_acceptq_is_full(): the kernel lets the queue reach
 * backlog + 1 before it drops, so "full" is strictly greater.
 *
 * Return: true when new handshakes are being refused or dropped.
 */
static inline bool tcpconn_listener_full(const struct tcpconn_listener *l)
{
	return l->accept_queue > l->backlog;
}

typedef int (*tcpconn_visit_t)(struct sock *sk, void *arg);

/**
 * tcpconn_sk_cookie() - a socket's cookie, as inet_diag reports it
 * @sk: any socket the caller keeps alive
 *
 * Cookies are generated on first use, so this may assign one.
 *
 * Return: the 64-bit cookie.
 */
static inline u64 tcpconn_sk_cookie(struct sock *sk)
{
	u32 cookie[2];

	sock_diag_save_cookie(sk, cookie);
	return ((u64)cookie[1] << 32) | cookie[0];
}

#define TCPCONN_RESUME_COOKIES 3

/**
 * struct tcpconn_walk_pos - resumable position in the listening hash
 * @bucket: lhash2 bucket to continue from
 * @nr_cookies: valid entries in @cookies; 0 means "from the bucket's start"
 * @cookies: cookies of the last sockets visited in @bucket, oldest first
 * @restarted: set when none of @cookies was still hashed on resume, so
 *	@bucket is being walked again from its start (its sockets may repeat
 *	and the caller must say so, e.g. with NLM_F_DUMP_INTR); cleared when
 *	the walk moves on to the next bucket
 *
 * Chains keep the relative order of the sockets that stay hashed, so
 * resuming right after the last visited socket still present visits every
 * socket present for the whole walk exactly once, whatever was added or
 * removed in between. One exception, on 6.1: a socket entering TIME_WAIT
 * is hashed again at the chain's head under the same cookie; a resume
 * point found before an older remembered socket is therefore skipped.
 * Counting positions (as inet_diag does) would skip or repeat sockets when
 * an earlier one goes away.
 */
struct tcpconn_walk_pos {
	u32 bucket;
	u32 nr_cookies;
	u64 cookies[TCPCONN_RESUME_COOKIES];
	bool restarted;
};

int tcpconn_walk_listeners(struct net *net, struct tcpconn_walk_pos *pos,
			   tcpconn_visit_t visit, void *arg);
int tcpconn_walk_listener_bucket(struct net *net, struct tcpconn_walk_pos *pos,
				 tcpconn_visit_t visit, void *arg);
u32 tcpconn_listener_buckets(struct net *net);
int tcpconn_walk_established(struct net *net, struct tcpconn_walk_pos *pos,
			     tcpconn_visit_t visit, void *arg);
int tcpconn_walk_established_bucket(struct net *net,
				    struct tcpconn_walk_pos *pos,
				    tcpconn_visit_t visit, void *arg);
u32 tcpconn_established_buckets(struct net *net);

void tcpconn_listener_snapshot(struct sock *sk, struct tcpconn_listener *l);

/**
 * struct tcpconn_socket - snapshot of one socket of any kind
 * @family: AF_INET or AF_INET6
 * @kstate: the kernel's sk_state (TCP_NEW_SYN_RECV for a request socket)
 * @state: &enum tcpconn_state
 * @timer: &enum tcpconn_timer
 * @orphan: a full socket with SOCK_DEAD
 * @src: local address; only the first 4 bytes are used for AF_INET
 * @dst: remote address, likewise
 * @sport: local port, host order
 * @dport: remote port, host order
 * @ifindex: bound interface, 0 if none
 * @expires_ms: time until @timer fires, 0 if none or due
 * @retrans: retransmissions (SYN-ACK retransmissions of a request socket)
 * @probes: unanswered zero-window or keepalive probes
 * @rqueue: unread bytes (a listener's accept queue)
 * @wqueue: unacknowledged bytes (a listener's backlog)
 * @uid: owner; root for TIME_WAIT and request sockets, as inet_diag says
 * @inode: socket inode, 0 without a file
 * @cookie: socket cookie
 */
struct tcpconn_socket {
	u8 family;
	u8 kstate;
	u8 state;
	u8 timer;
	bool orphan;
	struct in6_addr src;
	struct in6_addr dst;
	u16 sport;
	u16 dport;
	int ifindex;
	u32 expires_ms;
	u32 retrans;
	u32 probes;
	u32 rqueue;
	u32 wqueue;
	kuid_t uid;
	u64 inode;
	u64 cookie;
};

void tcpconn_socket_snapshot(struct sock *sk, struct tcpconn_socket *s);

/**
 * struct tcpconn_prefix - an address filter
 * @family: AF_INET or AF_INET6; 0 when the filter is not set
 * @len: prefix length in bits (at most 32 or 128)
 * @addr: the address; only the first 4 bytes are used for AF_INET
 */
struct tcpconn_prefix {
	u8 family;
	u8 len;
	struct in6_addr addr;
};

/**
 * struct tcpconn_filter - which sockets a sockets view reports
 * @states: bit (1 << &enum tcpconn_state) per wanted state; 0 for all
 * @family: AF_INET or AF_INET6; 0 for both
 * @orphans_only: only orphans
 * @match_uid: compare @uid
 * @uid: owner to match
 * @sport: local port; 0 for any
 * @dport: remote port; 0 for any
 * @src: local address prefix
 * @dst: remote address prefix
 */
struct tcpconn_filter {
	u32 states;
	u8 family;
	bool orphans_only;
	bool match_uid;
	kuid_t uid;
	u16 sport;
	u16 dport;
	struct tcpconn_prefix src;
	struct tcpconn_prefix dst;
};

bool tcpconn_filter_match(const struct tcpconn_filter *f,
			  const struct tcpconn_socket *s);

/* Index of the address family in struct tcpconn_summary's arrays. */
enum { TCPCONN_V4, TCPCONN_V6, TCPCONN_NFAMILIES };

/**
 * struct tcpconn_summary - counts of one netns's TCP table, and its limits
 * @states: sockets per family and &enum tcpconn_state
 * @orphans: of those, full sockets with SOCK_DEAD
 * @orphans_total: sum of @orphans
 * @tw_count: the kernel's TIME_WAIT counter of the netns (tw_refcount - 1)
 * @ehash_buckets: established-hash buckets the netns uses
 * @walk_ns: how long the walk of both hashes took
 * @limits: values per &enum tcpconn_limit
 * @counters: values per &enum tcpconn_counter
 */
struct tcpconn_summary {
	u32 states[TCPCONN_NFAMILIES][TCPCONN_STATE_MAX + 1];
	u32 orphans[TCPCONN_NFAMILIES][TCPCONN_STATE_MAX + 1];
	u32 orphans_total;
	u32 tw_count;
	u32 ehash_buckets;
	u64 walk_ns;
	u64 limits[TCPCONN_LIMIT_MAX + 1];
	u64 counters[TCPCONN_COUNTER_MAX + 1];
};

/**
 * tcpconn_state_of() - map a hashed entry's state to &enum tcpconn_state
 * @kstate: sk->sk_state of an established-hash or listening-hash entry
 * @tw_substate: tw_substate when @kstate is TCP_TIME_WAIT, else ignored
 *
 * Return: the state to count, or TCPCONN_STATE_UNSPEC for a state that is
 * never hashed (it is then not counted).
 */
int tcpconn_state_of(int kstate, int tw_substate);

void tcpconn_summary_count(struct tcpconn_summary *s, struct sock *sk);
void tcpconn_summary_collect(struct net *net, struct tcpconn_summary *s);

extern const char *const tcpconn_state_names[TCPCONN_STATE_MAX + 1];
extern const char *const tcpconn_limit_names[TCPCONN_LIMIT_MAX + 1];
extern const char *const tcpconn_counter_names[TCPCONN_COUNTER_MAX + 1];

struct genl_family;
struct netlink_callback;
struct nla_policy;
struct sk_buff;

extern struct genl_family tcpconn_genl_family;
extern const struct nla_policy tcpconn_sockets_policy[TCPCONN_A_SOCKET_MAX + 1];
int tcpconn_sockets_start(struct netlink_callback *cb);
int tcpconn_sockets_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int tcpconn_sockets_done(struct netlink_callback *cb);

int tcpconn_netlink_init(void);
void tcpconn_netlink_exit(void);
extern const struct seq_operations tcpconn_sockets_seq_ops;
extern const unsigned int tcpconn_sockets_seq_size;
int tcpconn_proc_init(void);
void tcpconn_proc_exit(void);

#endif /* _TCPCONN_H */
