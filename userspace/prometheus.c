// SPDX-License-Identifier: GPL-2.0
/*
 * prometheus.c - --prometheus[=FILE]: one --summary sample (summary, the
 * listeners dump, /proc) as Prometheus metrics, on stdout or replacing
 * FILE atomically, as node_exporter's textfile collector needs: it may
 * read the directory at any moment and must never see half a file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>
#include <linux/tcpconn.h>

#include "msg.h"
#include "nl.h"
#include "opts.h"
#include "prom.h"
#include "summary.h"

int prom_write_file(const char *path, int (*fill)(FILE *f, void *arg),
		    void *arg)
{
	size_t n = strlen(path) + sizeof(".XXXXXX");
	char *tmp = malloc(n);
	mode_t mask;
	FILE *f;
	int fd, err = 0;

	if (!tmp)
		return -ENOMEM;
	/* Same directory, so rename() is atomic; "x.prom.ab12Cd" is no *.prom. */
	snprintf(tmp, n, "%s.XXXXXX", path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		free(tmp);
		return err;
	}
	/* mkstemp() makes it 0600; the collector usually runs as another user. */
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) < 0)
		err = -errno;
	f = err ? NULL : fdopen(fd, "w");
	if (!f) {
		err = err ? err : -errno;
		close(fd);
		goto out;
	}
	err = fill(f, arg);
	if (!err && fflush(f) == EOF)
		err = -errno;
	/* A crash after the rename must not leave an empty file behind. */
	if (!err && fsync(fileno(f)) < 0)
		err = -errno;
	if (fclose(f) == EOF && !err)
		err = -errno;
	if (!err && rename(tmp, path) < 0)
		err = -errno;
out:
	if (err)
		unlink(tmp);
	free(tmp);
	return err;
}

static int fill_sample(FILE *f, void *arg)
{
	return prom_print_sample(f, arg);
}

int prometheus_run(struct nl_ctx *nl, const struct opts *o)
{
	struct summary_sample s;
	int err;

	/* The per-listener series come from the listeners dump. */
	err = nl_require_op(nl, TCPCONN_CMD_LISTENERS_GET);
	if (err)
		return err;
	err = summary_fetch(nl, &s, HOSTINFO_PROCDIR);
	if (err)
		return err;
	if (o->out.prom_file) {
		err = prom_write_file(o->out.prom_file, fill_sample, &s);
		if (err)
			pr_err("cannot write %s: %s", o->out.prom_file,
			       strerror(-err));
	} else {
		err = prom_print_sample(stdout, &s);
	}
	summary_sample_free(&s);
	return err;
}
