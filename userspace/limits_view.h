// SPDX-License-Identifier: GPL-2.0
/*
 * limits_view.h - --limits: limits next to their use, beyond --summary's:
 * file descriptors (fs.file-nr against fs.file-max and fs.nr_open, and the
 * processes holding most sockets against their RLIMIT_NOFILE), TCP memory
 * against net.ipv4.tcp_mem, and each listener's backlog against
 * net.core.somaxconn.
 */
#ifndef TCPCONN_LIMITS_VIEW_H
#define TCPCONN_LIMITS_VIEW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "procs.h"
#include "summary.h"

struct nl_ctx;
struct opts;

struct fs_limits {
	bool has_file_nr;
	uint64_t files;		/* file-nr: allocated file handles */
	uint64_t files_free;	/* file-nr: allocated but unused (0 since 2.6) */
	bool has_file_max;
	uint64_t file_max;	/* fs.file-max */
	bool has_nr_open;
	uint64_t nr_open;	/* fs.nr_open: ceiling of RLIMIT_NOFILE */
};

/* Read /proc/sys/fs/{file-nr,file-max,nr_open} under @procroot; never fails. */
void fs_limits_read(const char *procroot, struct fs_limits *l);
/* "1234\t0\t9223372036854775807\n". 0 or -EINVAL. */
int fs_parse_file_nr(const char *text, uint64_t *used, uint64_t *unused,
		     uint64_t *max);

struct limits_report {
	const struct summary_sample *sample;	/* tcp_mem, somaxconn, listeners */
	const struct fs_limits *fs;
	const struct procs *procs;		/* sorted by limits_sort_procs() */
	size_t ntcp;				/* its first ntcp have TCP sockets */
	unsigned long top;
};

/*
 * A sock_fn over this netns's dump: add one to proc_info.tcp of every
 * (process, fd) holding the socket's inode (what ss -tanp lists).
 */
struct sock_entry;
int limits_count_tcp(const struct sock_entry *s, void *data);
/*
 * Order procs->procs by TCP sockets, then sockets, then fds, descending
 * (socks' indexes go stale, so count first); returns how many have TCP.
 */
size_t limits_sort_procs(struct procs *p);

int limits_print_table(FILE *f, const struct limits_report *r);
int limits_print_json(FILE *f, const struct limits_report *r);

int limits_run(struct nl_ctx *nl, const struct opts *o);

#endif /* TCPCONN_LIMITS_VIEW_H */
