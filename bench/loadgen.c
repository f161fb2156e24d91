// SPDX-License-Identifier: GPL-2.0
/*
 * loadgen - the TCP workload of `make bench`, run in the guest.
 *
 *   loadgen serve
 *	Reads commands from stdin, one per line, answers each with one line
 *	on stdout ("ok ..." or "error ..."), keeps every socket it creates
 *	until "quit" or EOF:
 *	  listen EST TW ORPH FULL SYN FULL_BACKLOG
 *		listeners on 127.0.0.1:EST (established load), :TW and
 *		:TW+1 (TIME_WAIT), :ORPH (zero-window peers of the orphans),
 *		:FULL (backlog FULL_BACKLOG, never accepted) and 0.0.0.0:SYN
 *		(its SYN queue is held by `loadgen syn` in a peer netns)
 *	  full		FULL_BACKLOG + 1 clients on :FULL: a full accept queue
 *	  est N		N more established connections to :EST, from
 *			127.0.0.2, .3, ... (PER_SRC each); both ends kept
 *	  orphans N	N orphans in FIN_WAIT1: each client fills the send
 *			window of a peer that never reads, then closes
 *	  tw N		N client-side TIME_WAIT sockets (connect, accept,
 *			client closes first, then the server)
 *	  quit
 *	"est" and "tw" run one thread per CPU (each pinned to its CPU): the
 *	guest is otherwise idle while they build.
 *   loadgen syn ADDR PORT K
 *	K non-blocking connects to ADDR:PORT, then sleeps until killed (run
 *	in a netns whose SYN-ACKs are dropped: the listener's SYN queue).
 *   loadgen rate PORT COUNT
 *	Listener on 127.0.0.1:PORT; COUNT times connect, accept, close both
 *	ends with RST (no TIME_WAIT); prints "rate COUNT SECONDS PER_SECOND".
 *
 * The RLIMIT_NOFILE soft limit is raised to the hard limit (the caller
 * raises fs.nr_open and the hard limit).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>

#define PER_SRC 20000		/* connections per source address and pool */
#define BATCH 1000		/* connects in flight before accepting them */
#define ACCEPT_TIMEOUT_MS 30000
#define MAX_THREADS 64

static struct {
	int est, tw[2], orph, full, syn;	/* listening fds */
	int full_backlog;
	unsigned short est_port, tw_port, orph_port, full_port;
	unsigned long est_done, orph_done;
} g = { .est = -1, .tw = { -1, -1 }, .orph = -1, .full = -1, .syn = -1 };

static pthread_mutex_t die_lock = PTHREAD_MUTEX_INITIALIZER;

static void die(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&die_lock);
	va_start(ap, fmt);
	fputs("error ", stdout);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" (%s)\n", strerror(errno));
	fflush(stdout);
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct sockaddr_in sin4(const char *addr, unsigned short port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };

	if (inet_pton(AF_INET, addr, &a.sin_addr) != 1) {
		errno = EINVAL;
		die("bad address %s", addr);
	}
	return a;
}

/* 127.B.x.y: the i-th source address of block B (x.y from 0.2 upwards) */
static struct sockaddr_in src_addr(int block, unsigned long i)
{
	unsigned long k = i / PER_SRC + 2;
	struct sockaddr_in a = { .sin_family = AF_INET };

	a.sin_addr.s_addr = htonl(0x7f000000u | (block << 16) |
				  ((k >> 8) & 0xff) << 8 | (k & 0xff));
	return a;
}

static int listener(const char *addr, unsigned short port, int backlog,
		    int rcvbuf)
{
	struct sockaddr_in a = sin4(addr, port);
	int one = 1;
	int fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* inherited by the children: their window closes quickly */
	if (rcvbuf &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)))
		die("SO_RCVBUF");
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)))
		die("bind %s:%u", addr, port);
	if (listen(fd, backlog))
		die("listen %s:%u", addr, port);
	return fd;
}

/* A non-blocking connect from @src (port chosen at connect time). */
static int client(const struct sockaddr_in *src, const struct sockaddr_in *dst,
		  int sndbuf)
{
	int one = 1;
	int fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		die("socket");
	if (src) {
		/* the port is picked per 4-tuple by connect(), not bind() */
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
			   sizeof(one));
		if (bind(fd, (const struct sockaddr *)src, sizeof(*src)))
			die("bind %s", inet_ntoa(src->sin_addr));
	}
	if (sndbuf &&
	    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)))
		die("SO_SNDBUF");
	if (connect(fd, (const struct sockaddr *)dst, sizeof(*dst)) &&
	    errno != EINPROGRESS)
		die("connect to port %u", ntohs(dst->sin_port));
	return fd;
}

static int accept_one(int lfd)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };
	int fd;

	for (;;) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
		if (fd >= 0)
			return fd;
		if (errno != EAGAIN && errno != EINTR)
			die("accept");
		if (poll(&p, 1, ACCEPT_TIMEOUT_MS) == 0) {
			errno = ETIMEDOUT;
			die("accept");
		}
	}
}

static void cmd_listen(char *args)
{
	unsigned int est, tw, orph, full, syn, backlog;

	if (sscanf(args, "%u %u %u %u %u %u", &est, &tw, &orph, &full, &syn,
		   &backlog) != 6) {
		errno = EINVAL;
		die("usage: listen EST TW ORPH FULL SYN FULL_BACKLOG");
	}
	g.est = listener("127.0.0.1", est, 65535, 0);
	g.tw[0] = listener("127.0.0.1", tw, 65535, 0);
	g.tw[1] = listener("127.0.0.1", tw + 1, 65535, 0);
	g.orph = listener("127.0.0.1", orph, 4096, 2048);
	g.full = listener("127.0.0.1", full, backlog, 0);
	g.syn = listener("0.0.0.0", syn, 4096, 0);
	g.est_port = est;
	g.tw_port = tw;
	g.orph_port = orph;
	g.full_port = full;
	g.full_backlog = backlog;
	printf("ok listen\n");
}

static void cmd_full(void)
{
	struct sockaddr_in dst = sin4("127.0.0.1", g.full_port);
	int i;

	/* backlog + 1 handshakes complete (full is "queue > backlog") */
	for (i = 0; i <= g.full_backlog; i++)
		client(NULL, &dst, 0);
	printf("ok full %d\n", g.full_backlog + 1);
}

/* Work of one thread of a parallel command: [first, first + n). */
struct part {
	pthread_t tid;
	int cpu;
	int idx;
	unsigned long first, n;
};

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/* Run @fn on one thread per CPU we may use, splitting n items. */
static void parallel(void *(*fn)(void *), unsigned long first,
		     unsigned long n, int max_threads)
{
	struct part parts[MAX_THREADS];
	/* every online CPU, not just ours: the guest idles while we build */
	int nt = sysconf(_SC_NPROCESSORS_ONLN), i;

	if (nt > max_threads)
		nt = max_threads;
	if (nt < 1)
		nt = 1;
	for (i = 0; i < nt; i++) {
		unsigned long share = n / nt + (i < (int)(n % nt));

		parts[i].cpu = i;
		parts[i].idx = i;
		parts[i].first = first;
		parts[i].n = share;
		first += share;
		if (pthread_create(&parts[i].tid, NULL, fn, &parts[i]))
			die("pthread_create");
	}
	for (i = 0; i < nt; i++)
		pthread_join(parts[i].tid, NULL);
}

static void *est_thread(void *arg)
{
	struct part *p = arg;
	struct sockaddr_in dst = sin4("127.0.0.1", g.est_port);
	unsigned long done = 0;

	pin(p->cpu);
	while (done < p->n) {
		unsigned long k = p->n - done < BATCH ? p->n - done : BATCH;
		unsigned long j;

		for (j = 0; j < k; j++) {
			struct sockaddr_in src = src_addr(0, p->first + done + j);

			client(&src, &dst, 0);
		}
		/* any thread's connections: the counts add up */
		for (j = 0; j < k; j++)
			accept_one(g.est);
		done += k;
	}
	return NULL;
}

static void cmd_est(unsigned long n)
{
	double t0 = now();

	parallel(est_thread, g.est_done, n, MAX_THREADS);
	g.est_done += n;
	printf("ok est %lu %.3f\n", n, now() - t0);
}

static void cmd_orphans(unsigned long n)
{
	struct sockaddr_in dst = sin4("127.0.0.1", g.orph_port);
	static char buf[65536];
	double t0 = now();
	unsigned long i;

	for (i = 0; i < n; i++) {
		struct sockaddr_in src = src_addr(2, g.orph_done);
		struct pollfd p;
		int c;

		c = client(&src, &dst, 4096);
		accept_one(g.orph);	/* kept open, never read */
		p.fd = c;
		p.events = POLLOUT;
		if (poll(&p, 1, ACCEPT_TIMEOUT_MS) != 1) {
			errno = ETIMEDOUT;
			die("connect for orphan %lu", i);
		}
		/* fill the peer's window and our send buffer */
		while (send(c, buf, sizeof(buf), MSG_NOSIGNAL) > 0)
			;
		if (errno != EAGAIN)
			die("send for orphan %lu", i);
		close(c);	/* FIN_WAIT1 with unsent data, orphaned */
		g.orph_done++;
	}
	printf("ok orphans %lu %.3f\n", n, now() - t0);
}

static void *tw_thread(void *arg)
{
	struct part *p = arg;
	struct sockaddr_in dst = sin4("127.0.0.1", g.tw_port + p->idx);
	int cl[BATCH], sv[BATCH];
	unsigned long done = 0;

	pin(p->cpu);
	while (done < p->n) {
		unsigned long k = p->n - done < BATCH ? p->n - done : BATCH;
		unsigned long j;

		/* own listener and source block: only our own peers here */
		for (j = 0; j < k; j++) {
			struct sockaddr_in src = src_addr(1 + 2 * p->idx,
							  done + j);

			cl[j] = client(&src, &dst, 0);
		}
		for (j = 0; j < k; j++)
			sv[j] = accept_one(g.tw[p->idx]);
		/* the client closes first: it ends in TIME_WAIT */
		for (j = 0; j < k; j++)
			close(cl[j]);
		for (j = 0; j < k; j++)
			close(sv[j]);
		done += k;
	}
	return NULL;
}

static void cmd_tw(unsigned long n)
{
	double t0 = now();

	parallel(tw_thread, 0, n, 2);
	printf("ok tw %lu %.3f\n", n, now() - t0);
}

static int serve(void)
{
	char line[256];

	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof(line), stdin)) {
		char *arg = strchr(line, ' ');

		line[strcspn(line, "\n")] = 0;
		if (arg)
			*arg++ = 0;
		if (!strcmp(line, "listen") && arg)
			cmd_listen(arg);
		else if (!strcmp(line, "full"))
			cmd_full();
		else if (!strcmp(line, "est") && arg)
			cmd_est(strtoul(arg, NULL, 10));
		else if (!strcmp(line, "orphans") && arg)
			cmd_orphans(strtoul(arg, NULL, 10));
		else if (!strcmp(line, "tw") && arg)
			cmd_tw(strtoul(arg, NULL, 10));
		else if (!strcmp(line, "quit"))
			break;
		else
			printf("error unknown command '%s'\n", line);
	}
	printf("ok quit\n");
	return 0;
}

static void __attribute__((noreturn)) syn(const char *addr,
					   unsigned short port, int k)
{
	struct sockaddr_in dst = sin4(addr, port);
	int i;

	for (i = 0; i < k; i++)
		client(NULL, &dst, 0);
	printf("ok syn %d\n", k);
	fflush(stdout);
	for (;;)
		pause();
}

static int rate(unsigned short port, unsigned long count)
{
	struct sockaddr_in dst = sin4("127.0.0.1", port);
	struct linger rst = { .l_onoff = 1, .l_linger = 0 };
	int lfd = listener("127.0.0.1", port, 1024, 0);
	unsigned long i;
	double t0, t;

	t0 = now();
	for (i = 0; i < count; i++) {
		int c = client(NULL, &dst, 0);
		int s = accept_one(lfd);

		setsockopt(c, SOL_SOCKET, SO_LINGER, &rst, sizeof(rst));
		close(c);
		close(s);
	}
	t = now() - t0;
	printf("rate %lu %.6f %.1f\n", count, t, count / t);
	return 0;
}

int main(int argc, char **argv)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (argc == 2 && !strcmp(argv[1], "serve"))
		return serve();
	if (argc == 5 && !strcmp(argv[1], "syn"))
		syn(argv[2], atoi(argv[3]), atoi(argv[4]));
	if (argc == 4 && !strcmp(argv[1], "rate"))
		return rate(atoi(argv[2]), strtoul(argv[3], NULL, 10));
	fprintf(stderr, "usage: loadgen serve | syn ADDR PORT K | rate PORT COUNT\n");
	return 2;
}
