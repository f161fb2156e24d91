// SPDX-License-Identifier: GPL-2.0
/*
 * canned.h - whole --summary samples decoded from canned kernel messages
 * (replay.c) by the client's own parsers, the way summary_fetch() gets
 * them from the module. Shared by the unit tests (test_prom.c) and the
 * host tool tests/extra/canned-tool.c that feeds promtool and the JSON
 * documentation check. No cmocka here: failures are return values.
 */
#ifndef TCPCONN_CANNED_H
#define TCPCONN_CANNED_H

#include "summary.h"

enum canned_variant {
	/*
	 * sample_summary(), host-wide /proc values, and listeners: 0.0.0.0:80
	 * (full), an SO_REUSEPORT group of three on 127.0.0.1:8080, [::]:443,
	 * one bound to ifindex 1 and one to an ifindex no host has.
	 */
	CANNED_BUSY,
	/* Keys missing inside the nests (an older module), no listeners, no /proc. */
	CANNED_SPARSE,
};

/* The ifindex CANNED_BUSY binds a listener to that no interface has. */
#define CANNED_NO_IFINDEX 4000000

/* 0, or a negative errno if the parsers refused the messages (a test bug). */
int canned_sample(struct summary_sample *s, enum canned_variant v);

#endif /* TCPCONN_CANNED_H */
