// SPDX-License-Identifier: GPL-2.0
/*
 * prom.h - --prometheus: the Prometheus text exposition format (0.0.4),
 * as node_exporter's textfile collector reads it.
 *
 *   prom.c        the writer: HELP/TYPE lines, samples, label escaping
 *   prom_out.c    which metrics a --summary sample becomes
 *   prometheus.c  the view: one sample from the module, to stdout or
 *                 atomically into a file (write FILE.PID..., rename)
 *
 * No timestamps (the textfile collector refuses them); a value the module
 * or /proc did not give has no sample, never a 0.
 */
#ifndef TCPCONN_PROM_H
#define TCPCONN_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct nl_ctx;
struct opts;
struct summary_sample;

/* ---- the writer (prom.c) ---------------------------------------------- */

struct prom_label {
	const char *name;
	const char *value;	/* any bytes; escaped when written */
};

struct prom {
	FILE *f;
	/* The family announced by prom_family(); its HELP and TYPE are
	 * written with its first sample, so a family without samples (no
	 * listeners, a value the module did not send) leaves no trace. */
	const char *name;
	const char *type;
	const char *help;
	bool header_done;
	int err;		/* first error; later calls do nothing */
};

void prom_init(struct prom *p, FILE *f);

/*
 * Announce metric family @name of @type ("gauge" or "counter"). Every
 * sample until the next call belongs to it; a family must not come twice
 * (the format wants a family's samples together; the unit tests check
 * the whole output for that). @name must be valid (prom_name_valid()),
 * a counter's name ends in "_total" and only a counter's does.
 */
void prom_family(struct prom *p, const char *name, const char *type,
		 const char *help);

/* One sample of the current family, with @n labels (may be 0). */
void prom_u64(struct prom *p, const struct prom_label *labels, size_t n,
	      uint64_t v);
/* A duration given in nanoseconds, written as exact decimal seconds. */
void prom_ns_as_seconds(struct prom *p, const struct prom_label *labels,
			size_t n, uint64_t ns);

/* 0, or the first error (-EINVAL for a misuse, -EIO for a write error). */
int prom_finish(struct prom *p);

/* [a-zA-Z_:][a-zA-Z0-9_:]* for metrics; labels have no ':' and no "__" prefix. */
bool prom_name_valid(const char *name);
bool prom_label_name_valid(const char *name);

/*
 * Label value as it goes between the quotes: \ " and newline escaped as
 * \\ \" \n; a byte that is not part of valid UTF-8 becomes the text
 * \xNN (its backslash escaped), since a parser refuses the whole file
 * over one invalid label value (interface names may be any bytes). Writes at most @len - 1 bytes and a NUL; false if cut short.
 */
bool prom_escape_label(const char *s, char *buf, size_t len);
/* HELP text: only \ and newline are escaped there. */
bool prom_escape_help(const char *s, char *buf, size_t len);

/* ---- the metrics (prom_out.c) ----------------------------------------- */

/* Every tcpconn_* metric of one --summary sample (states, limits, listeners, ...). */
int prom_print_sample(FILE *f, const struct summary_sample *s);

/* ---- the view (prometheus.c) ------------------------------------------ */

/*
 * Write what @fill prints into @path atomically: into "@path.XXXXXX" in
 * the same directory (not matching the collector's *.prom), mode 0666
 * less the umask, flushed and fsync()ed, then rename()d over @path. On
 * failure the temporary file is removed and @path is left as it was.
 */
int prom_write_file(const char *path, int (*fill)(FILE *f, void *arg),
		    void *arg);

int prometheus_run(struct nl_ctx *nl, const struct opts *o);

#endif /* TCPCONN_PROM_H */
