// SPDX-License-Identifier: GPL-2.0
/* main.h - exit statuses, decided only in main.c. Exposed for the tests. */
#ifndef TCPCONN_MAIN_H
#define TCPCONN_MAIN_H

struct nl_ctx;

/* Documented interface: scripts rely on these numbers. */
enum tc_exit {
	TC_EXIT_OK		= 0,
	TC_EXIT_RUNTIME		= 1,
	TC_EXIT_USAGE		= 2,
	TC_EXIT_NO_MODULE	= 3,
	TC_EXIT_VERSION		= 4,
	TC_EXIT_PERM		= 5,
};

/*
 * Say what went wrong on stderr and return the exit status for @err
 * (negative errno), given what @nl learnt about the family. @what names
 * the failing step, e.g. "--listeners".
 */
int exit_status(const struct nl_ctx *nl, const char *what, int err);

#endif /* TCPCONN_MAIN_H */
