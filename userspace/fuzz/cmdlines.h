// SPDX-License-Identifier: GPL-2.0
/*
 * cmdlines.h - the command lines fuzz_reply's first byte chooses from
 * (modulo their number); mkseeds.c writes a seed for each. Appending is
 * fine; reordering changes what the committed seeds mean.
 */
#ifndef TCPCONN_FUZZ_CMDLINES_H
#define TCPCONN_FUZZ_CMDLINES_H

/* The command lines the bytes are replies to; parsed by the real opts_parse(). */
static const char *const cmdlines[][8] = {
	{ "--listeners" },
	{ "--listeners", "-j" },
	{ "--listeners", "-4", "--port", "80" },
	{ "--summary" },
	{ "--summary", "-j" },
	{ "--sockets" },
	{ "--sockets", "-j" },
	{ "--sockets", "-p" },
	{ "--sockets", "-j", "-p" },
	{ "--sockets", "--state", "established,time-wait", "--src",
	  "10.0.0.0/8", "--dport", "443" },
	{ "--sockets", "-6", "--dst", "192.0.2.0/24", "--uid", "1000" },
	{ "--timewait", "-j" },
	{ "--orphans" },
	{ "--remotes" },
	{ "--remotes", "-j", "--top", "1" },
	{ "--remotes", "--state", "listen" },
	{ "--ports" },
	{ "--ports", "-j", "--top", "0" },
	{ "--ports", "--sport", "40000", "-4" },
	{ "--limits" },
	{ "--limits", "-j", "--top", "1" },
	{ "--prometheus" },
};
#define NCMD (sizeof(cmdlines) / sizeof(cmdlines[0]))

#endif /* TCPCONN_FUZZ_CMDLINES_H */
