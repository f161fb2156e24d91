// SPDX-License-Identifier: GPL-2.0
/* canned.c - --summary samples from canned kernel messages, see canned.h. */
#include <errno.h>
#include <string.h>

#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/tcpconn.h>

#include "canned.h"
#include "nl.h"
#include "opts.h"
#include "replay.h"

static _Alignas(8) char buf[MNL_SOCKET_DUMP_SIZE];

/* The listeners of CANNED_BUSY, in dump order (the client sorts them). */
static size_t busy_listeners(struct listener *out)
{
	struct listener l;
	size_t n = 0;
	int i;

	out[n++] = sample_listener(0);		/* 0.0.0.0:80, full */
	for (i = 0; i < 3; i++) {		/* 127.0.0.1:8080 x 3 */
		l = sample_listener(1);
		l.inode = 99 + (uint64_t)(2 - i);	/* out of order on purpose */
		l.cookie = 1000 + (uint64_t)i;
		l.accept_queue = (uint32_t)i;
		out[n++] = l;
	}
	out[n++] = sample_listener(2);		/* [::]:443 */
	l = sample_listener(0);			/* 0.0.0.0%lo:80 */
	l.ifindex = 1;
	l.inode = 777;
	l.accept_queue = 0;
	out[n++] = l;
	l = sample_listener(0);			/* 192.0.2.1%<gone>:8443 */
	inet_pton(AF_INET, "192.0.2.1", l.addr);
	l.port = 8443;
	l.ifindex = CANNED_NO_IFINDEX;
	l.inode = 778;
	out[n++] = l;
	return n;
}

int canned_sample(struct summary_sample *s, enum canned_variant v)
{
	struct tcpconn_summary want = sample_summary();
	struct summary_collect sc = { .sum = &s->sum };
	struct filter all = { .family = AF_UNSPEC };
	struct listeners_collect lc = { .list = &s->listeners, .filter = &all };
	struct listener ls[8];
	struct nl_ctx nl;
	size_t len, n = 0, i;
	int err;

	memset(s, 0, sizeof(*s));
	nl_init(&nl);
	/* SUMMARY_GET is a do: the reply, then the ACK */
	len = put_summary(buf, &want, v == CANNED_SPARSE ? BS_DROP_KEYS : 0)->nlmsg_len;
	len += put_error(buf + len, 0, NULL, NULL)->nlmsg_len;
	err = nl_feed(&nl, buf, len, 0, summary_collect_cb, &sc);
	if (err || sc.replies != 1)
		return err ? err : -EBADMSG;

	/* LISTENERS_GET is a dump: messages, then NLMSG_DONE */
	if (v == CANNED_BUSY)
		n = busy_listeners(ls);
	for (len = 0, i = 0; i < n; i++)
		len += put_listener(buf + len, &ls[i], 0)->nlmsg_len;
	len += put_done(buf + len, 0, NULL)->nlmsg_len;
	err = nl_feed(&nl, buf, len, 0, listeners_collect_cb, &lc);
	if (err) {
		summary_sample_free(s);
		return err;
	}
	listener_list_sort(&s->listeners);

	if (v == CANNED_BUSY) {
		s->host.has_orphans = s->host.has_max_orphans = true;
		s->host.orphans = 9;
		s->host.max_orphans = 65536;
	}
	s->real.tv_sec = 1700000000;
	s->real.tv_nsec = 123456789;
	s->mono.tv_sec = 1000;
	return 0;
}
