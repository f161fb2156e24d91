// SPDX-License-Identifier: GPL-2.0
/*
 * procs.h - which processes hold which sockets, from /proc/PID/fd links
 * ("socket:[INODE]"), as ss -p finds them; plus per-process fd use for
 * --limits. The /proc root is a parameter so tests use a fixture tree.
 *
 * Best effort by nature: processes come and go during the scan, and
 * without privileges other users' fd directories are unreadable; those are
 * counted (procs.unreadable), never fatal.
 */
#ifndef TCPCONN_PROCS_H
#define TCPCONN_PROCS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROCS_ROOT "/proc"
#define PROCS_COMM_LEN 64

struct proc_info {
	int pid;
	char comm[PROCS_COMM_LEN];	/* /proc/PID/comm */
	uint64_t fds;			/* open file descriptors */
	uint64_t sockets;		/* of those, sockets of any kind */
	uint64_t tcp;			/* of those, in the dump (set by the caller) */
	bool has_nofile;
	uint64_t nofile;		/* RLIMIT_NOFILE soft limit; UINT64_MAX unlimited */
};

struct proc_sock {
	uint64_t inode;
	int fd;
	uint32_t proc;			/* index into procs.procs */
};

struct procs {
	struct proc_info *procs;
	size_t nprocs, cap_procs;
	struct proc_sock *socks;	/* sorted by inode, pid, fd */
	size_t nsocks, cap_socks;
	size_t unreadable;		/* processes whose fds we could not list */
};

/* Scan @procroot ("/proc"). 0, or -errno if @procroot itself cannot be read. */
int procs_load(const char *procroot, struct procs *p);
void procs_free(struct procs *p);

/* The holders of socket @inode: *n entries from the returned one (NULL if none). */
const struct proc_sock *procs_find(const struct procs *p, uint64_t inode,
				   size_t *n);

/* "socket:[12345]" -> 12345; false for anything else. */
bool procs_parse_socket_link(const char *link, uint64_t *inode);

/* The soft "Max open files" of /proc/PID/limits text. -EINVAL if absent. */
int procs_parse_nofile(const char *text, uint64_t *soft);

#endif /* TCPCONN_PROCS_H */
