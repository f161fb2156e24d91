// SPDX-License-Identifier: GPL-2.0
/* limits.c - --limits, see limits_view.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <sys/socket.h>
#include <linux/tcpconn.h>

#include <json-c/json_object.h>

#include "hostinfo.h"
#include "limits_view.h"
#include "msg.h"
#include "nl.h"
#include "opts.h"
#include "output.h"
#include "sockets.h"
#include "table.h"

static int read_file(const char *root, const char *rel, char *buf, size_t size)
{
	char path[4096];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
	return 0;
}

int fs_parse_file_nr(const char *text, uint64_t *used, uint64_t *unused,
		     uint64_t *max)
{
	unsigned long long a, b, c;
	int end = 0;

	if (sscanf(text, "%llu %llu %llu %n", &a, &b, &c, &end) != 3 ||
	    text[end] || strchr(text, '-'))
		return -EINVAL;
	*used = a;
	*unused = b;
	*max = c;
	return 0;
}

void fs_limits_read(const char *procroot, struct fs_limits *l)
{
	char buf[256];
	uint64_t max;

	memset(l, 0, sizeof(*l));
	if (!read_file(procroot, "sys/fs/file-nr", buf, sizeof(buf)) &&
	    !fs_parse_file_nr(buf, &l->files, &l->files_free, &max))
		l->has_file_nr = true;
	if (!read_file(procroot, "sys/fs/file-max", buf, sizeof(buf)) &&
	    !hostinfo_parse_u64(buf, &l->file_max))
		l->has_file_max = true;
	if (!read_file(procroot, "sys/fs/nr_open", buf, sizeof(buf)) &&
	    !hostinfo_parse_u64(buf, &l->nr_open))
		l->has_nr_open = true;
}

static int proc_cmp(const void *pa, const void *pb)
{
	const struct proc_info *a = pa, *b = pb;

	if (a->tcp != b->tcp)
		return a->tcp > b->tcp ? -1 : 1;
	if (a->sockets != b->sockets)
		return a->sockets > b->sockets ? -1 : 1;
	if (a->fds != b->fds)
		return a->fds > b->fds ? -1 : 1;
	return (a->pid > b->pid) - (a->pid < b->pid);
}

int limits_count_tcp(const struct sock_entry *s, void *data)
{
	struct procs *p = data;
	const struct proc_sock *h;
	size_t n, i;

	if (!s->inode)
		return 0;
	h = procs_find(p, s->inode, &n);
	for (i = 0; h && i < n; i++)
		p->procs[h[i].proc].tcp++;	/* per fd, as ss -p lists them */
	return 0;
}

size_t limits_sort_procs(struct procs *p)
{
	size_t n = 0;

	if (p->nprocs > 1)
		qsort(p->procs, p->nprocs, sizeof(*p->procs), proc_cmp);
	/* the socket map pointed at the old order: drop it */
	free(p->socks);
	p->socks = NULL;
	p->nsocks = p->cap_socks = 0;
	while (n < p->nprocs && p->procs[n].tcp)
		n++;
	return n;
}

/* Listeners, fullest accept queue first, then the smallest backlog. */
static int listener_fill_cmp(const void *pa, const void *pb)
{
	const struct listener *a = *(const struct listener *const *)pa;
	const struct listener *b = *(const struct listener *const *)pb;
	uint64_t l = (uint64_t)a->accept_queue * (b->backlog ? b->backlog : 1);
	uint64_t r = (uint64_t)b->accept_queue * (a->backlog ? a->backlog : 1);

	if (l != r)
		return l > r ? -1 : 1;
	if (a->backlog != b->backlog)
		return a->backlog < b->backlog ? -1 : 1;
	return (a->port > b->port) - (a->port < b->port);
}

static size_t top_n(size_t len, unsigned long top)
{
	return top && top < len ? top : len;
}

static const char *backlog_note(const struct listener *l, bool has_somax,
				uint64_t somax)
{
	if (listener_full(l))
		return "accept queue full: connections dropped (ListenOverflows)";
	if (!has_somax)
		return "-";
	if (l->backlog == somax)
		return "= somaxconn: listen() may have asked for more";
	if (l->backlog > somax)
		return "> somaxconn: somaxconn lowered after listen()";
	return "-";
}

static void pct_str(uint64_t used, bool has_limit, uint64_t limit, char *buf,
		    size_t len)
{
	uint64_t pct;

	if (has_limit && usage_pct(used, limit, &pct))
		snprintf(buf, len, "%" PRIu64 "%%", pct);
	else
		snprintf(buf, len, "-");
}

static const struct table_col res_cols[] = {
	{ "Resource", TABLE_LEFT }, { "Used", TABLE_RIGHT },
	{ "Limit", TABLE_RIGHT }, { "Use%", TABLE_RIGHT }, { "Note", TABLE_LEFT },
};
static const struct table_col proc_cols[] = {
	{ "PID", TABLE_RIGHT }, { "Command", TABLE_LEFT },
	{ "TCP", TABLE_RIGHT }, { "Sockets", TABLE_RIGHT }, { "Fds", TABLE_RIGHT },
	{ "NoFile", TABLE_RIGHT }, { "Use%", TABLE_RIGHT },
};
static const struct table_col lst_cols[] = {
	{ "Listener", TABLE_LEFT }, { "AcceptQ", TABLE_RIGHT },
	{ "Backlog", TABLE_RIGHT }, { "somaxconn", TABLE_RIGHT },
	{ "Note", TABLE_LEFT },
};

#define NUM_OR_DASH(has, v, buf) \
	(snprintf(buf, sizeof(buf), (has) ? "%" PRIu64 : "-", (uint64_t)(v)), buf)

static int resources_table(FILE *f, const struct limits_report *r)
{
	const struct tcpconn_summary *s = &r->sample->sum;
	const struct fs_limits *fs = r->fs;
	uint64_t used = 0, low = 0, pres = 0, high = 0, page = 0;
	bool hu, hl, hp, hh, hpg;
	char a[32], b[32], c[16], note[128];
	struct table t;
	int err;

	hu = summary_limit(s, TCPCONN_LIMIT_TCP_MEM_USED, &used);
	hl = summary_limit(s, TCPCONN_LIMIT_TCP_MEM_LOW, &low);
	hp = summary_limit(s, TCPCONN_LIMIT_TCP_MEM_PRESSURE, &pres);
	hh = summary_limit(s, TCPCONN_LIMIT_TCP_MEM_HIGH, &high);
	hpg = summary_limit(s, TCPCONN_LIMIT_PAGE_SIZE, &page);
	(void)hl;

	table_init(&t, res_cols, sizeof(res_cols) / sizeof(res_cols[0]));
	pct_str(fs->files, fs->has_file_nr && fs->has_file_max, fs->file_max,
		c, sizeof(c));
	err = table_add(&t, "open files (host)") ||
	      table_add(&t, "%s", NUM_OR_DASH(fs->has_file_nr, fs->files, a)) ||
	      table_add(&t, "%s", NUM_OR_DASH(fs->has_file_max, fs->file_max, b)) ||
	      table_add(&t, "%s", c) ||
	      table_add(&t, "fs.file-nr vs fs.file-max: at the limit open() fails with ENFILE");
	if (!err)
		err = table_add(&t, "fds per process (ceiling)") ||
		      table_add(&t, "-") ||
		      table_add(&t, "%s", NUM_OR_DASH(fs->has_nr_open, fs->nr_open, b)) ||
		      table_add(&t, "-") ||
		      table_add(&t, "fs.nr_open: no RLIMIT_NOFILE may exceed it");
	if (!err) {
		pct_str(used, hu && hh, high, c, sizeof(c));
		if (hp && hpg)
			snprintf(note, sizeof(note),
				 "tcp_mem[2] pages; pressure above %" PRIu64 " pages (%" PRIu64 " MiB); page %" PRIu64 " B",
				 pres, pres * page >> 20, page);
		else
			snprintf(note, sizeof(note), "tcp_mem[2] pages");
		err = table_add(&t, "TCP memory (pages, host)") ||
		      table_add(&t, "%s", NUM_OR_DASH(hu, used, a)) ||
		      table_add(&t, "%s", NUM_OR_DASH(hh, high, b)) ||
		      table_add(&t, "%s", c) || table_add(&t, "%s", note);
	}
	if (!err)
		err = table_print(&t, f);
	table_free(&t);
	if (err)
		return -ENOMEM;
	if (hu && hh && usage_high(used, high))
		fprintf(f, "WARNING: TCP memory at %" PRIu64 " of %" PRIu64 " pages (net.ipv4.tcp_mem[2]): above it TCP drops data and kills orphans (TCPAbortOnMemory)\n",
			used, high);
	else if (hu && hp && used > pres)
		fprintf(f, "WARNING: TCP memory above net.ipv4.tcp_mem[1] (%" PRIu64 " pages): under pressure, buffers shrink\n",
			pres);
	if (fs->has_file_nr && fs->has_file_max && usage_high(fs->files, fs->file_max))
		fprintf(f, "WARNING: %" PRIu64 " of %" PRIu64 " file handles in use (fs.file-max)\n",
			fs->files, fs->file_max);
	return 0;
}

static int procs_table(FILE *f, const struct limits_report *r)
{
	const struct procs *p = r->procs;
	size_t n = top_n(r->ntcp, r->top), i, warned = 0;
	struct table t;
	int err = 0;

	table_init(&t, proc_cols, sizeof(proc_cols) / sizeof(proc_cols[0]));
	for (i = 0; i < n && !err; i++) {
		const struct proc_info *pi = &p->procs[i];
		char lim[32], c[16];

		if (pi->has_nofile && pi->nofile == UINT64_MAX)
			snprintf(lim, sizeof(lim), "unlimited");
		else
			NUM_OR_DASH(pi->has_nofile, pi->nofile, lim);
		pct_str(pi->fds, pi->has_nofile && pi->nofile != UINT64_MAX,
			pi->nofile, c, sizeof(c));
		err = table_add(&t, "%d", pi->pid) || table_add(&t, "%s", pi->comm) ||
		      table_add(&t, "%" PRIu64, pi->tcp) ||
		      table_add(&t, "%" PRIu64, pi->sockets) ||
		      table_add(&t, "%" PRIu64, pi->fds) ||
		      table_add(&t, "%s", lim) || table_add(&t, "%s", c) ? -ENOMEM : 0;
	}
	if (!err)
		err = table_print(&t, f);
	table_free(&t);
	if (err)
		return err;
	if (n < r->ntcp)
		fprintf(f, "... and %zu more processes (--top 0 shows all)\n",
			r->ntcp - n);
	if (p->unreadable)
		fprintf(f, "(%zu processes not readable without root: not listed)\n",
			p->unreadable);
	for (i = 0; i < r->ntcp; i++) {
		const struct proc_info *pi = &p->procs[i];

		if (!pi->has_nofile || pi->nofile == UINT64_MAX ||
		    !usage_high(pi->fds, pi->nofile) || ++warned > SUMMARY_WARN_LISTENERS)
			continue;
		fprintf(f, "WARNING: pid %d (%s) has %" PRIu64 " of %" PRIu64 " file descriptors open (RLIMIT_NOFILE): at the limit accept() and connect() fail with EMFILE\n",
			pi->pid, pi->comm, pi->fds, pi->nofile);
	}
	return ferror(f) ? -EIO : 0;
}

/* Listeners sorted for the report; caller frees. */
static const struct listener **sorted_listeners(const struct listener_list *l)
{
	const struct listener **v = calloc(l->len ? l->len : 1, sizeof(*v));
	size_t i;

	if (!v)
		return NULL;
	for (i = 0; i < l->len; i++)
		v[i] = &l->items[i];
	if (l->len > 1)
		qsort(v, l->len, sizeof(*v), listener_fill_cmp);
	return v;
}

static int listeners_table(FILE *f, const struct limits_report *r)
{
	const struct listener_list *l = &r->sample->listeners;
	uint64_t somax = 0;
	bool has = summary_limit(&r->sample->sum, TCPCONN_LIMIT_SOMAXCONN, &somax);
	const struct listener **v = sorted_listeners(l);
	size_t n = top_n(l->len, r->top), i;
	struct table t;
	int err = 0;

	if (!v)
		return -ENOMEM;
	table_init(&t, lst_cols, sizeof(lst_cols) / sizeof(lst_cols[0]));
	for (i = 0; i < n && !err; i++) {
		char name[ADDRPORT_LEN], sm[32];

		listener_name(v[i], name, sizeof(name));
		err = table_add(&t, "%s", name) ||
		      table_add(&t, "%" PRIu32, v[i]->accept_queue) ||
		      table_add(&t, "%" PRIu32, v[i]->backlog) ||
		      table_add(&t, "%s", NUM_OR_DASH(has, somax, sm)) ||
		      table_add(&t, "%s", backlog_note(v[i], has, somax)) ? -ENOMEM : 0;
	}
	if (!err)
		err = table_print(&t, f);
	table_free(&t);
	free(v);
	if (!err && n < l->len)
		fprintf(f, "... and %zu more listeners (--top 0 shows all)\n",
			l->len - n);
	return err;
}

int limits_print_table(FILE *f, const struct limits_report *r)
{
	int err;

	fprintf(f, "Resources\n");
	err = resources_table(f, r);
	if (!err) {
		fprintf(f, "\nProcesses by TCP sockets in this network namespace (TCP: fds on sockets of\n"
			   "this netns's TCP table, as ss -tanp lists them; Sockets: fds on sockets of any\n"
			   "kind; Fds: all fds, against NoFile = RLIMIT_NOFILE)\n");
		err = procs_table(f, r);
	}
	if (!err) {
		fprintf(f, "\nListen backlogs (min(listen() backlog, somaxconn) at listen() time)\n");
		err = listeners_table(f, r);
	}
	return err ? err : (ferror(f) ? -EIO : 0);
}

static int add_u64_or_null(struct json_object *o, const char *key, bool has,
			   uint64_t v)
{
	if (has)
		return json_add(o, key, json_object_new_uint64(v));
	return json_object_object_add(o, key, NULL) ? -ENOMEM : 0;
}

int limits_print_json(FILE *f, const struct limits_report *r)
{
	const struct tcpconn_summary *s = &r->sample->sum;
	const struct listener_list *l = &r->sample->listeners;
	struct json_object *root = json_object_new_object(), *fs, *mem, *arr;
	const struct listener **v = NULL;
	uint64_t x = 0;
	size_t n, i;
	int err = -ENOMEM;
	bool has;

	if (!root)
		return -ENOMEM;
	fs = json_object_new_object();
	if (json_add(root, "files", fs) ||
	    add_u64_or_null(fs, "allocated", r->fs->has_file_nr, r->fs->files) ||
	    add_u64_or_null(fs, "file_max", r->fs->has_file_max, r->fs->file_max) ||
	    add_u64_or_null(fs, "nr_open", r->fs->has_nr_open, r->fs->nr_open))
		goto out;
	mem = json_object_new_object();
	if (json_add(root, "tcp_memory", mem))
		goto out;
	{
		static const struct { const char *k; int lim; } m[] = {
			{ "used_pages", TCPCONN_LIMIT_TCP_MEM_USED },
			{ "low", TCPCONN_LIMIT_TCP_MEM_LOW },
			{ "pressure", TCPCONN_LIMIT_TCP_MEM_PRESSURE },
			{ "high", TCPCONN_LIMIT_TCP_MEM_HIGH },
			{ "page_size", TCPCONN_LIMIT_PAGE_SIZE },
		};
		for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
			bool has = summary_limit(s, m[i].lim, &x);

			if (add_u64_or_null(mem, m[i].k, has, x))
				goto out;
		}
	}
	arr = json_object_new_array();
	if (json_add(root, "processes", arr))
		goto out;
	n = top_n(r->ntcp, r->top);
	for (i = 0; i < n; i++) {
		const struct proc_info *pi = &r->procs->procs[i];
		struct json_object *o = json_object_new_object();

		if (!o || json_object_array_add(arr, o)) {
			json_object_put(o);
			goto out;
		}
		if (json_add(o, "pid", json_object_new_int(pi->pid)) ||
		    json_add(o, "command", json_object_new_string(pi->comm)) ||
		    json_add(o, "tcp_sockets", json_object_new_uint64(pi->tcp)) ||
		    json_add(o, "sockets", json_object_new_uint64(pi->sockets)) ||
		    json_add(o, "fds", json_object_new_uint64(pi->fds)) ||
		    add_u64_or_null(o, "nofile", pi->has_nofile && pi->nofile != UINT64_MAX,
				    pi->nofile))
			goto out;
	}
	/* not summary_limit(..., &x), x in one call: unsequenced */
	has = summary_limit(s, TCPCONN_LIMIT_SOMAXCONN, &x);
	if (json_add(root, "processes_with_tcp", json_object_new_uint64(r->ntcp)) ||
	    json_add(root, "processes_unreadable",
		     json_object_new_uint64(r->procs->unreadable)) ||
	    add_u64_or_null(root, "somaxconn", has, x))
		goto out;
	arr = json_object_new_array();
	if (json_add(root, "listeners", arr))
		goto out;
	v = sorted_listeners(l);
	if (!v)
		goto out;
	n = top_n(l->len, r->top);
	for (i = 0; i < n; i++) {
		struct json_object *o = listener_to_json(v[i]);

		if (!o || json_object_array_add(arr, o)) {
			json_object_put(o);
			goto out;
		}
	}
	err = print_json(f, root);
out:
	free(v);
	json_object_put(root);
	return err;
}

int limits_run(struct nl_ctx *nl, const struct opts *o)
{
	struct summary_sample sample;
	struct limits_report r = { .top = o->out.top };
	struct fs_limits fs;
	struct procs procs;
	int err;

	err = summary_fetch(nl, &sample, HOSTINFO_PROCDIR);
	if (err)
		return err;
	fs_limits_read(PROCS_ROOT, &fs);
	err = procs_load(PROCS_ROOT, &procs);
	if (err) {
		pr_err("cannot read %s: %s", PROCS_ROOT, strerror(-err));
		summary_sample_free(&sample);
		return err;
	}
	err = nl_require_op(nl, TCPCONN_CMD_SOCKETS_GET);
	if (!err) {
		struct filter f = { .family = AF_UNSPEC };

		err = sockets_dump(nl, &f, limits_count_tcp, &procs);
	}
	if (err) {
		procs_free(&procs);
		summary_sample_free(&sample);
		return err;
	}
	r.ntcp = limits_sort_procs(&procs);
	r.sample = &sample;
	r.fs = &fs;
	r.procs = &procs;
	err = o->out.json ? limits_print_json(stdout, &r) :
			    limits_print_table(stdout, &r);
	procs_free(&procs);
	summary_sample_free(&sample);
	return err;
}
