// SPDX-License-Identifier: GPL-2.0
/*
 * hostinfo.h - host-wide values tcpconn.ko cannot report on every kernel:
 * net.ipv4.tcp_max_orphans and the host-wide orphan count of
 * /proc/net/sockstat ("TCP: inuse N orphan N tw N alloc N mem N").
 *
 * Both are best effort. tcp_max_orphans exists only in the initial network
 * namespace's /proc/sys, and /proc may be missing or restricted: whatever
 * cannot be read is marked absent and shown as "-" (JSON null), never as 0.
 */
#ifndef TCPCONN_HOSTINFO_H
#define TCPCONN_HOSTINFO_H

#include <stdbool.h>
#include <stdint.h>

#define HOSTINFO_PROCDIR "/proc"

struct hostinfo {
	bool has_max_orphans;
	uint64_t max_orphans;	/* net.ipv4.tcp_max_orphans */
	bool has_orphans;
	uint64_t orphans;	/* sockstat "orphan": host-wide */
	bool has_tw;
	uint64_t tw;		/* sockstat "tw": this netns */
	bool has_mem;
	uint64_t mem;		/* sockstat "mem": pages, host-wide */
};

/*
 * Read both files under @procdir ("/proc"; tests pass a fixture
 * directory). Never fails: missing or unparsable values stay absent.
 */
void hostinfo_read(const char *procdir, struct hostinfo *h);

/* Parse sockstat text; 0, or -ENOENT if it has no well-formed "TCP:" line. */
int hostinfo_parse_sockstat(const char *text, struct hostinfo *h);

/* Parse a sysctl file holding one unsigned decimal; 0 or -EINVAL. */
int hostinfo_parse_u64(const char *text, uint64_t *v);

#endif /* TCPCONN_HOSTINFO_H */
