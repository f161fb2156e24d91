// SPDX-License-Identifier: GPL-2.0
/* hostinfo.c - tcp_max_orphans and /proc/net/sockstat, see hostinfo.h. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostinfo.h"

/* sockstat is a few hundred bytes; a sysctl value far less. */
#define HOSTINFO_FILE_MAX 4096

/* Whole file as a string in @buf; -errno if it cannot be read. */
static int read_small_file(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");
	size_t n;
	int err = 0;

	if (!f)
		return -errno;
	n = fread(buf, 1, size - 1, f);
	if (ferror(f))
		err = -EIO;
	fclose(f);
	buf[n] = '\0';
	return err;
}

/* Unsigned decimal at *@p, digits only; advances *@p past it. */
static int parse_digits(const char **p, uint64_t *v)
{
	const char *s = *p;
	char *end;
	unsigned long long x;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;	/* also refuses "-1": a negative count is no count */
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno)
		return -ERANGE;
	*v = x;
	*p = end;
	return 0;
}

int hostinfo_parse_u64(const char *text, uint64_t *v)
{
	const char *p = text;
	uint64_t x;

	while (*p == ' ' || *p == '\t')
		p++;
	if (parse_digits(&p, &x) < 0)
		return -EINVAL;
	while (isspace((unsigned char)*p))
		p++;
	if (*p)
		return -EINVAL;
	*v = x;
	return 0;
}

/* "inuse 1 orphan 0 tw 0 alloc 1 mem 283": known keys, any order. */
static void parse_tcp_line(const char *p, struct hostinfo *h)
{
	while (*p && *p != '\n') {
		char key[16];
		size_t k = 0;
		uint64_t v;

		while (*p == ' ')
			p++;
		while (*p && *p != ' ' && *p != '\n') {
			if (k < sizeof(key) - 1)
				key[k++] = *p;
			p++;
		}
		key[k] = '\0';
		while (*p == ' ')
			p++;
		if (!k)
			break;
		if (parse_digits(&p, &v) < 0) {
			/* skip a value we cannot read; its key stays absent */
			while (*p && *p != ' ' && *p != '\n')
				p++;
			continue;
		}
		if (!strcmp(key, "orphan")) {
			h->orphans = v;
			h->has_orphans = true;
		} else if (!strcmp(key, "tw")) {
			h->tw = v;
			h->has_tw = true;
		} else if (!strcmp(key, "mem")) {
			h->mem = v;
			h->has_mem = true;
		}
	}
}

int hostinfo_parse_sockstat(const char *text, struct hostinfo *h)
{
	const char *line = text;

	while (line && *line) {
		if (!strncmp(line, "TCP:", 4)) {
			parse_tcp_line(line + 4, h);
			return h->has_orphans ? 0 : -ENOENT;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return -ENOENT;
}

void hostinfo_read(const char *procdir, struct hostinfo *h)
{
	char path[PATH_MAX], buf[HOSTINFO_FILE_MAX];

	memset(h, 0, sizeof(*h));
	if (!procdir)
		procdir = HOSTINFO_PROCDIR;

	snprintf(path, sizeof(path), "%s/sys/net/ipv4/tcp_max_orphans", procdir);
	if (read_small_file(path, buf, sizeof(buf)) == 0 &&
	    hostinfo_parse_u64(buf, &h->max_orphans) == 0)
		h->has_max_orphans = true;

	snprintf(path, sizeof(path), "%s/net/sockstat", procdir);
	if (read_small_file(path, buf, sizeof(buf)) == 0)
		(void)hostinfo_parse_sockstat(buf, h);
}
