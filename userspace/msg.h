// SPDX-License-Identifier: GPL-2.0
/*
 * msg.h - diagnostics on stderr with a fixed "tcpconn-stat: " prefix.
 *
 * A fixed name rather than argv[0]: scripts and the integration tests match
 * the documented messages, whatever the binary was invoked as.
 */
#ifndef TCPCONN_MSG_H
#define TCPCONN_MSG_H

#define PROG "tcpconn-stat"

__attribute__((format(printf, 1, 2)))
void pr_err(const char *fmt, ...);

/* Same, with "warning: " after the prefix; for things that do not fail the run. */
__attribute__((format(printf, 1, 2)))
void pr_warn(const char *fmt, ...);

#endif /* TCPCONN_MSG_H */
