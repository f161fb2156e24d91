// SPDX-License-Identifier: GPL-2.0
/* procs.c - socket inode -> process map from /proc, see procs.h. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procs.h"

bool procs_parse_socket_link(const char *link, uint64_t *inode)
{
	unsigned long long v;
	char *end;

	if (strncmp(link, "socket:[", 8) || !isdigit((unsigned char)link[8]))
		return false;
	errno = 0;
	v = strtoull(link + 8, &end, 10);
	if (errno || strcmp(end, "]"))
		return false;
	*inode = v;
	return true;
}

int procs_parse_nofile(const char *text, uint64_t *soft)
{
	const char *p = strstr(text, "Max open files");
	unsigned long long v;
	char *end;

	if (!p)
		return -EINVAL;
	p += strlen("Max open files");
	while (*p == ' ')
		p++;
	if (!strncmp(p, "unlimited", 9)) {
		*soft = UINT64_MAX;
		return 0;
	}
	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	errno = 0;
	v = strtoull(p, &end, 10);
	if (errno || (*end != ' ' && *end != '\t'))
		return -EINVAL;
	*soft = v;
	return 0;
}

static int grow(void **items, size_t *cap, size_t len, size_t size)
{
	size_t ncap;
	void *n;

	if (len < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 64;
	if (ncap < *cap || ncap > SIZE_MAX / size)
		return -ENOMEM;
	n = realloc(*items, ncap * size);
	if (!n)
		return -ENOMEM;
	*items = n;
	*cap = ncap;
	return 0;
}

static void read_text(int dirfd, const char *name, char *buf, size_t size)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	ssize_t n = -1;

	buf[0] = '\0';
	if (fd < 0)
		return;
	n = read(fd, buf, size - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
}

/* One /proc/PID: its comm, limits and fd links. */
static int scan_pid(struct procs *p, int procfd, const char *name, int pid)
{
	struct proc_info *pi;
	char text[4096];
	struct dirent *de;
	int piddir, fddir;
	DIR *d;
	int err;

	piddir = openat(procfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (piddir < 0)
		return 0;	/* gone already */
	fddir = openat(piddir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fddir < 0) {
		int e = errno;

		close(piddir);
		if (e == EACCES || e == EPERM)
			p->unreadable++;
		return 0;
	}
	d = fdopendir(fddir);
	if (!d) {
		close(fddir);
		close(piddir);
		return 0;
	}
	err = grow((void **)&p->procs, &p->cap_procs, p->nprocs, sizeof(*pi));
	if (err)
		goto out;
	pi = &p->procs[p->nprocs];
	memset(pi, 0, sizeof(*pi));
	pi->pid = pid;
	read_text(piddir, "comm", pi->comm, sizeof(pi->comm));
	pi->comm[strcspn(pi->comm, "\n")] = '\0';
	read_text(piddir, "limits", text, sizeof(text));
	pi->has_nofile = procs_parse_nofile(text, &pi->nofile) == 0;

	while ((de = readdir(d))) {
		char link[64];
		uint64_t inode;
		ssize_t n;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pi->fds++;
		n = readlinkat(dirfd(d), de->d_name, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (!procs_parse_socket_link(link, &inode))
			continue;
		pi->sockets++;
		err = grow((void **)&p->socks, &p->cap_socks, p->nsocks,
			   sizeof(*p->socks));
		if (err)
			goto out;
		p->socks[p->nsocks].inode = inode;
		p->socks[p->nsocks].fd = atoi(de->d_name);
		p->socks[p->nsocks].proc = (uint32_t)p->nprocs;
		p->nsocks++;
	}
	p->nprocs++;
out:
	closedir(d);
	close(piddir);
	return err;
}

static const struct procs *sort_ctx;

static int sock_cmp(const void *pa, const void *pb)
{
	const struct proc_sock *a = pa, *b = pb;
	int pida = sort_ctx->procs[a->proc].pid, pidb = sort_ctx->procs[b->proc].pid;

	if (a->inode != b->inode)
		return a->inode < b->inode ? -1 : 1;
	if (pida != pidb)
		return pida < pidb ? -1 : 1;
	return (a->fd > b->fd) - (a->fd < b->fd);
}

int procs_load(const char *procroot, struct procs *p)
{
	struct dirent *de;
	int procfd, err = 0;
	DIR *d;

	memset(p, 0, sizeof(*p));
	procfd = open(procroot, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0)
		return -errno;
	d = fdopendir(procfd);
	if (!d) {
		err = -errno;
		close(procfd);
		return err;
	}
	while (!err && (de = readdir(d))) {
		char *end;
		long pid;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 0 || pid > INT_MAX)
			continue;
		err = scan_pid(p, dirfd(d), de->d_name, (int)pid);
	}
	closedir(d);
	if (err) {
		procs_free(p);
		return err;
	}
	sort_ctx = p;
	if (p->nsocks > 1)
		qsort(p->socks, p->nsocks, sizeof(*p->socks), sock_cmp);
	sort_ctx = NULL;
	return 0;
}

void procs_free(struct procs *p)
{
	free(p->procs);
	free(p->socks);
	memset(p, 0, sizeof(*p));
}

const struct proc_sock *procs_find(const struct procs *p, uint64_t inode,
				   size_t *n)
{
	size_t lo = 0, hi = p->nsocks, end;

	*n = 0;
	if (!inode)
		return NULL;	/* no file: orphans, TIME_WAIT, not accepted */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->socks[mid].inode < inode)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < p->nsocks && p->socks[end].inode == inode; end++)
		;
	*n = end - lo;
	return *n ? &p->socks[lo] : NULL;
}
