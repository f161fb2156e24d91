// SPDX-License-Identifier: GPL-2.0
/*
 * sockets_out.c - --sockets/--timewait/--orphans: an ss -tan like table, or
 * JSON, printed while the dump arrives.
 *
 * The table holds back its first SOCK_WIDTH_ROWS rows to size the columns
 * from real data, then streams; a later, wider cell widens its own row
 * only (nothing is ever cut). JSON is one document whose "sockets" array
 * is written object by object.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <sys/socket.h>
#include <linux/tcpconn.h>

#include <json-c/json_object.h>

#include "msg.h"
#include "nl.h"
#include "opts.h"
#include "output.h"
#include "procs.h"
#include "sockets.h"
#include "summary.h"

enum {
	C_STATE, C_RQ, C_WQ, C_LOCAL, C_PEER, C_TIMER, C_UID, C_INODE,
	C_COOKIE, C_FLAGS, NCOLS
};

static const struct {
	const char *title;
	bool right;
} cols[NCOLS] = {
	[C_STATE]	= { "State", false },
	[C_RQ]		= { "Recv-Q", true },
	[C_WQ]		= { "Send-Q", true },
	[C_LOCAL]	= { "Local Address:Port", false },
	[C_PEER]	= { "Peer Address:Port", false },
	[C_TIMER]	= { "Timer", false },
	[C_UID]		= { "Uid", true },
	[C_INODE]	= { "Inode", true },
	[C_COOKIE]	= { "Cookie", true },
	[C_FLAGS]	= { "Flags", false },
};

#define CELL_LEN ADDRPORT_LEN

void sock_ms_format(uint32_t ms, char *buf, size_t len)
{
	unsigned int secs = ms / 1000, minutes = secs / 60, msecs = ms % 1000;
	size_t n = 0;

	/* ss's print_ms_timer(), except that 0 says "0ms" rather than nothing */
	secs %= 60;
	buf[0] = '\0';
	if (minutes) {
		msecs = 0;
		n += (size_t)snprintf(buf + n, len - n, "%umin", minutes);
		if (minutes > 9)
			secs = 0;
	}
	if (secs && n < len) {
		if (secs > 9)
			msecs = 0;
		n += (size_t)snprintf(buf + n, len - n, "%u%s", secs,
				      msecs ? "." : "sec");
	}
	if (msecs && n < len)
		snprintf(buf + n, len - n, "%03ums", msecs);
	if (!buf[0])
		snprintf(buf, len, "0ms");
}

void sock_timer_format(const struct sock_entry *s, char *buf, size_t len)
{
	const char *name = sock_timer_name(s->timer);
	char when[32];
	uint32_t n;

	if (!name) {
		snprintf(buf, len, "-");
		return;
	}
	/* As inet_diag's idiag_retrans: probes for keepalive and zero-window. */
	n = s->timer == TCPCONN_TIMER_KEEPALIVE ||
	    s->timer == TCPCONN_TIMER_PERSIST ? s->probes : s->retrans;
	sock_ms_format(s->expires_ms, when, sizeof(when));
	snprintf(buf, len, "%s,%s,%" PRIu32, name, when, n);
}

static void sock_flags(const struct sock_entry *s, char *buf, size_t len)
{
	char *p = buf;

	(void)len;	/* CELL_LEN: room for all three */
	if (s->state == TCPCONN_STATE_TW_FIN_WAIT2)
		p = stpcpy(p, ",tw");
	if (s->orphan)
		p = stpcpy(p, ",orphan");
	if (socket_self_connect(s))
		p = stpcpy(p, ",self");
	if (p == buf)
		strcpy(buf, "-");
	else
		memmove(buf, buf + 1, (size_t)(p - buf));	/* with the NUL */
}

/*
 * Decimal (or hex) digits of @v at @p; returns the end. No printf: at
 * hundreds of thousands of rows, vfprintf() is most of the client's time.
 */
static char *put_u64(char *p, uint64_t v, bool hex)
{
	char digits[20];
	unsigned int base = hex ? 16 : 10, n = 0;

	do {
		digits[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (n)
		*p++ = digits[--n];
	*p = '\0';
	return p;
}

static void addr_cell(char *buf, size_t len, int family, const uint8_t *addr,
		      uint16_t port, uint32_t ifindex, bool wildport)
{
	char ifname[IFNAME_LEN], a[INET6_ADDRSTRLEN];

	if (family == AF_INET && !ifindex) {
		/* the common case, without inet_ntop() and snprintf() */
		char *p = buf;
		int i;

		for (i = 0; i < 4; i++) {
			p = put_u64(p, addr[i], false);
			*p++ = i < 3 ? '.' : ':';
		}
		if (wildport)
			strcpy(p, "*");
		else
			put_u64(p, port, false);
		return;
	}
	if (ifindex)
		ifindex_name(ifindex, ifname, sizeof(ifname));
	if (wildport) {
		/* ss: a listener's peer is "0.0.0.0:*" / "[::]:*" */
		if (format_addr(a, sizeof(a), family, addr))
			snprintf(a, sizeof(a), "?");
		snprintf(buf, len, "%s%s%s:*", family == AF_INET6 ? "[" : "",
			 a, family == AF_INET6 ? "]" : "");
		return;
	}
	if (format_addr_port(buf, len, family, addr, port,
			     ifindex ? ifname : NULL))
		snprintf(buf, len, "?:%u", port);
}

static void row_cells(const struct sock_entry *s, char cell[NCOLS][CELL_LEN])
{
	bool listen = s->state == TCPCONN_STATE_LISTEN;

	strcpy(cell[C_STATE], sock_state_ss[s->state]);
	put_u64(cell[C_RQ], s->rqueue, false);
	put_u64(cell[C_WQ], s->wqueue, false);
	addr_cell(cell[C_LOCAL], CELL_LEN, s->family, s->src, s->sport,
		  s->ifindex, false);
	addr_cell(cell[C_PEER], CELL_LEN, s->family, s->dst, s->dport, 0,
		  listen && !s->dport);
	if (s->timer == TCPCONN_TIMER_NONE)
		strcpy(cell[C_TIMER], "-");
	else
		sock_timer_format(s, cell[C_TIMER], CELL_LEN);
	put_u64(cell[C_UID], s->uid, false);
	put_u64(cell[C_INODE], s->inode, false);
	/* hex, as ss -e prints "sk:<cookie>", so the two can be matched */
	put_u64(cell[C_COOKIE], s->cookie, true);
	sock_flags(s, cell[C_FLAGS], CELL_LEN);
}

/* ss -p's users:(("comm",pid=N,fd=N),...); "-" when no process holds it. */
static void put_process(FILE *f, const struct sock_entry *s,
			const struct procs *procs)
{
	const struct proc_sock *ps;
	size_t n, i;

	ps = procs_find(procs, s->inode, &n);
	if (!n) {
		fputc('-', f);
		return;
	}
	fputs("users:(", f);
	for (i = 0; i < n; i++) {
		const struct proc_info *pi = &procs->procs[ps[i].proc];

		fprintf(f, "%s(\"%s\",pid=%d,fd=%d)", i ? "," : "", pi->comm,
			pi->pid, ps[i].fd);
	}
	fputc(')', f);
}

/* @s padded to @width at @p; returns the end. */
static char *put_cell(char *p, const char *s, size_t width, bool right)
{
	size_t len = strlen(s);
	size_t pad = len < width ? width - len : 0;

	if (right) {
		memset(p, ' ', pad);
		p += pad;
	}
	memcpy(p, s, len);
	p += len;
	if (!right) {
		memset(p, ' ', pad);
		p += pad;
	}
	return p;
}

/* One row, built in memory and written at once. */
static void print_line(struct sock_printer *p, char cell[NCOLS][CELL_LEN],
		       const struct sock_entry *s)
{
	char line[NCOLS * (CELL_LEN + 2) + 1];
	char *e = line;
	int c;

	for (c = 0; c < NCOLS; c++) {
		bool last = c == NCOLS - 1 && !p->procs;
		/* a cell never passes CELL_LEN, nor a width the cells set */
		size_t w = p->width[c] < CELL_LEN ? p->width[c] : CELL_LEN;

		/* the last cell without trailing blanks */
		e = put_cell(e, cell[c], last ? 0 : w, cols[c].right);
		if (!last) {
			*e++ = ' ';
			*e++ = ' ';
		}
	}
	fwrite(line, 1, (size_t)(e - line), p->f);
	if (p->procs) {
		if (s)
			put_process(p->f, s, p->procs);
		else
			fputs("Process", p->f);
	}
	fputc('\n', p->f);
}

static void print_header(struct sock_printer *p)
{
	char cell[NCOLS][CELL_LEN];
	int c;

	for (c = 0; c < NCOLS; c++)
		snprintf(cell[c], CELL_LEN, "%s", cols[c].title);
	print_line(p, cell, NULL);
}

/* Size the columns from the held rows, print them, stream from now on. */
static void flush_held(struct sock_printer *p)
{
	char cell[NCOLS][CELL_LEN];
	size_t i;
	int c;

	for (c = 0; c < NCOLS; c++)
		p->width[c] = strlen(cols[c].title);
	for (i = 0; i < p->nheld; i++) {
		row_cells(&p->held[i], cell);
		for (c = 0; c < NCOLS; c++)
			if (strlen(cell[c]) > p->width[c])
				p->width[c] = strlen(cell[c]);
	}
	print_header(p);
	for (i = 0; i < p->nheld; i++) {
		row_cells(&p->held[i], cell);
		print_line(p, cell, &p->held[i]);
	}
	free(p->held);
	p->held = NULL;
	p->nheld = 0;
	p->streaming = true;
}

void sock_printer_init(struct sock_printer *p, FILE *f, bool json,
		       const struct procs *procs)
{
	memset(p, 0, sizeof(*p));
	p->f = f;
	p->json = json;
	p->procs = procs;
}

static int json_put_socket(struct sock_printer *p, const struct sock_entry *s)
{
	struct json_object *o = socket_to_json(s, p->procs);
	const char *txt;

	if (!o)
		return -ENOMEM;
	txt = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!txt) {
		json_object_put(o);
		return -ENOMEM;
	}
	fprintf(p->f, "%s    %s", p->count ? ",\n" : "{\n  \"sockets\": [\n", txt);
	json_object_put(o);
	return 0;
}

int sock_printer_add(const struct sock_entry *s, void *data)
{
	struct sock_printer *p = data;
	char cell[NCOLS][CELL_LEN];
	int err = 0;

	if (p->json) {
		err = json_put_socket(p, s);
	} else if (p->streaming) {
		row_cells(s, cell);
		print_line(p, cell, s);
	} else {
		if (!p->held) {
			p->held = malloc(SOCK_WIDTH_ROWS * sizeof(*p->held));
			if (!p->held)
				return -ENOMEM;
		}
		p->held[p->nheld++] = *s;
		if (p->nheld == SOCK_WIDTH_ROWS)
			flush_held(p);
	}
	if (err)
		return err;
	p->count++;
	return ferror(p->f) ? -EIO : 0;
}

int sock_printer_finish(struct sock_printer *p, bool interrupted)
{
	if (p->json) {
		fprintf(p->f, "%s\n  ],\n  \"count\": %zu,\n  \"dump_interrupted\": %s,\n  \"duplicates_dropped\": %zu\n}\n",
			p->count ? "" : "{\n  \"sockets\": [", p->count,
			interrupted ? "true" : "false", p->dups);
	} else if (!p->streaming) {
		flush_held(p);
	}
	return ferror(p->f) ? -EIO : 0;
}

void sock_printer_free(struct sock_printer *p)
{
	free(p->held);
	p->held = NULL;
	p->nheld = 0;
}

struct json_object *socket_to_json(const struct sock_entry *s,
				   const struct procs *procs)
{
	struct json_object *o = json_object_new_object();
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], ifname[IFNAME_LEN];
	bool named = s->ifindex && ifindex_name(s->ifindex, ifname, sizeof(ifname));
	int err;

	if (!o)
		return NULL;
	err = format_addr(src, sizeof(src), s->family, s->src) ||
	      format_addr(dst, sizeof(dst), s->family, s->dst);
	if (err ||
	    json_add(o, "family", json_object_new_string(
				s->family == AF_INET ? "inet" : "inet6")) ||
	    json_add(o, "state", json_object_new_string(summary_state_key[s->state])) ||
	    json_add(o, "state_ss", json_object_new_string(sock_state_ss[s->state])) ||
	    json_add(o, "local_address", json_object_new_string(src)) ||
	    json_add(o, "local_port", json_object_new_int(s->sport)) ||
	    json_add(o, "remote_address", json_object_new_string(dst)) ||
	    json_add(o, "remote_port", json_object_new_int(s->dport)) ||
	    json_add(o, "ifindex", json_object_new_int64(s->ifindex)) ||
	    json_add_str_or_null(o, "interface", named ? ifname : NULL) ||
	    json_add(o, "recv_q", json_object_new_int64(s->rqueue)) ||
	    json_add(o, "send_q", json_object_new_int64(s->wqueue)) ||
	    json_add_str_or_null(o, "timer", sock_timer_name(s->timer)) ||
	    json_add(o, "expires_ms", json_object_new_int64(s->expires_ms)) ||
	    json_add(o, "retrans", json_object_new_int64(s->retrans)) ||
	    json_add(o, "probes", json_object_new_int64(s->probes)) ||
	    json_add(o, "uid", json_object_new_int64(s->uid)) ||
	    json_add(o, "inode", json_object_new_uint64(s->inode)) ||
	    json_add(o, "cookie", json_object_new_uint64(s->cookie)) ||
	    json_add(o, "orphan", json_object_new_boolean(s->orphan)) ||
	    json_add(o, "self_connect", json_object_new_boolean(socket_self_connect(s))))
		goto fail;
	if (!procs) {
		if (json_object_object_add(o, "processes", NULL))
			goto fail;
	} else {
		struct json_object *arr = json_object_new_array();
		const struct proc_sock *ps;
		size_t n, i;

		if (json_add(o, "processes", arr))
			goto fail;
		ps = procs_find(procs, s->inode, &n);
		for (i = 0; i < n; i++) {
			const struct proc_info *pi = &procs->procs[ps[i].proc];
			struct json_object *u = json_object_new_object();

			if (!u || json_object_array_add(arr, u)) {
				json_object_put(u);
				goto fail;
			}
			if (json_add(u, "pid", json_object_new_int(pi->pid)) ||
			    json_add(u, "command", json_object_new_string(pi->comm)) ||
			    json_add(u, "fd", json_object_new_int(ps[i].fd)))
				goto fail;
		}
	}
	return o;
fail:
	json_object_put(o);
	return NULL;
}

int sockets_run(struct nl_ctx *nl, const struct opts *o)
{
	struct filter f = o->filter;
	struct sock_printer p;
	struct procs procs;
	int err;

	if (o->view == VIEW_TIMEWAIT)
		f.states = SOCK_TIMEWAIT_STATES;
	if (o->view == VIEW_ORPHANS)
		f.orphans = true;
	if (o->out.processes) {
		err = procs_load(PROCS_ROOT, &procs);
		if (err) {
			pr_err("-p: cannot read %s: %s", PROCS_ROOT, strerror(-err));
			return err;
		}
		if (procs.unreadable)
			pr_warn("-p: the file descriptors of %zu processes are not readable (run as root); their sockets show no process",
				procs.unreadable);
	}
	sock_printer_init(&p, stdout, o->out.json,
			  o->out.processes ? &procs : NULL);
	err = sockets_dump(nl, &f, sock_printer_add, &p);
	if (!err) {
		p.dups = nl->dump_dups;
		err = sock_printer_finish(&p, nl->dump_intr);
	}
	sock_printer_free(&p);
	if (o->out.processes)
		procs_free(&procs);
	return err;
}
