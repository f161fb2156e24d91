# SPDX-License-Identifier: GPL-2.0
"""churn_exactly_once: every dump and /proc read during heavy connection
churn lists each socket that stays for the whole run exactly once.

Sockets that stay (the "stable" set, named by SO_COOKIE) live in a netns
with its own small established hash (tcp_child_ehash_entries of its
parent, default 64 buckets), so chains are long: the walkers resume inside
buckets (batches of 16, full dump skbs) while churned sockets around the
stable ones are inserted, turn into TIME_WAIT and go.
"""
import collections
import errno
import os
import random
import socket
import struct
import time

import dumplib
import rlib
from rlib import TestFail, expect, expect_eq

genl = rlib.genl
socklib = rlib.socklib
sumlib = rlib.sumlib
tcit = rlib.tcit

LINGER0 = struct.pack("ii", 1, 0)


def _env(name, default):
    v = os.environ.get(name)
    return int(v) if v not in (None, "") else default


# --------------------------------------------------------------------------
# Load generators (children in the churn netns)

def churn_worker(idx, deadline, l4, l6):
    """connect + accept + close as fast as possible on this worker's own
    listeners, in rotating close modes. Returns counts."""
    cnt = collections.Counter()
    lingering = collections.deque()
    for lst in (l4, l6):
        lst.settimeout(5)
    n = 0
    while time.monotonic() < deadline:
        n += 1
        lst = l4 if n % 2 else l6
        fam = socket.AF_INET if lst is l4 else socket.AF_INET6
        addr = "127.0.0.1" if lst is l4 else "::1"
        mode = (n // 2) % 5
        c = socket.socket(fam, socket.SOCK_STREAM)
        c.settimeout(5)
        try:
            c.connect((addr, lst.getsockname()[1]))
        except OSError as e:
            c.close()
            cnt["connect " + errno.errorcode.get(e.errno, str(e.errno))] += 1
            time.sleep(0.01)
            continue
        if mode == 4:       # reset before the server accepts
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER0)
            c.close()
        try:
            s, _ = lst.accept()
        except OSError as e:
            cnt["accept " + errno.errorcode.get(e.errno, str(e.errno))] += 1
            c.close()
            continue
        cnt["connections"] += 1
        if mode == 0:       # RST
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER0)
            c.close()
            s.close()
            cnt["rst"] += 1
        elif mode == 1:     # client closes first: client TIME_WAIT
            c.close()
            s.close()
            cnt["client_tw"] += 1
        elif mode == 2:     # server closes first: server TIME_WAIT
            s.close()
            c.close()
            cnt["server_tw"] += 1
        elif mode == 3:     # client FIN_WAIT2 / server CLOSE_WAIT a while
            c.close()
            lingering.append(s)
            if len(lingering) > 16:
                lingering.popleft().close()
            cnt["half_closed"] += 1
        else:
            s.close()
            cnt["rst_before_accept"] += 1
    for s in lingering:
        s.close()
    return dict(cnt)


def acceptq_worker(deadline, lsts):
    """Listeners with backlog 2: bursts of 6 nonblocking connects fill
    their accept queues (the rest wait in SYN_SENT, their SYNs dropped);
    a slow acceptor takes one every 50 ms; clients are closed after 1 s."""
    cnt = collections.Counter()
    clients = collections.deque()
    accepted = []
    for l in lsts:
        l.setblocking(False)
    last_burst = 0
    while time.monotonic() < deadline:
        now = time.monotonic()
        if now - last_burst >= 0.4:
            last_burst = now
            for l in lsts:
                fam = l.family
                addr = "127.0.0.1" if fam == socket.AF_INET else "::1"
                for _ in range(6):
                    c = socket.socket(fam, socket.SOCK_STREAM)
                    c.setblocking(False)
                    rc = c.connect_ex((addr, l.getsockname()[1]))
                    if rc not in (0, errno.EINPROGRESS):
                        cnt["connect " + errno.errorcode.get(rc, str(rc))] += 1
                        c.close()
                        continue
                    clients.append((now, c))
                    cnt["connects"] += 1
        for l in lsts:
            try:
                s, _ = l.accept()
            except BlockingIOError:
                continue
            cnt["accepted"] += 1
            accepted.append(s)
        while len(accepted) > 4:
            s = accepted.pop(0)
            if cnt["accepted"] % 3 == 0:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER0)
            s.close()
        while clients and now - clients[0][0] > 1.0:
            clients.popleft()[1].close()
            cnt["clients_closed"] += 1
        time.sleep(0.05)
    for _, c in clients:
        c.close()
    for s in accepted:
        s.close()
    return dict(cnt)


# --------------------------------------------------------------------------
# Readers (children in the churn netns)

class Bounds:
    """What the summary must show whatever the churn does."""

    def __init__(self, listen, estab, ehash, max_tw, closers):
        self.listen = listen        # {family: listeners}
        self.estab = estab          # {family: stable ESTABLISHED sockets}
        self.ehash = ehash
        # The kernel's cap is not exact: inet_twsk_alloc() compares
        # tw_refcount with tcp_max_tw_buckets and __inet_twsk_schedule()
        # increments it later, without a lock in between.  Every execution
        # context that can sit in that window at once (each task closing
        # sockets, and each CPU's softirq) may take the count one past the
        # cap; CI saw 4097 with a cap of 4096 on 2 vCPUs.
        self.max_tw = max_tw
        self.tw_limit = max_tw + closers + (os.cpu_count() or 1)

    def problems(self, sm, prev, who):
        p = []
        for fam in sumlib.FAMILIES:
            if sm[fam]["LISTEN"] != self.listen[fam]:
                p.append("%s: %s LISTEN (expected %d, the listeners, got %d)"
                         % (who, fam, self.listen[fam], sm[fam]["LISTEN"]))
            if sm[fam]["ESTABLISHED"] < self.estab[fam]:
                p.append("%s: %s ESTABLISHED (expected >= %d stable, got %d)"
                         % (who, fam, self.estab[fam], sm[fam]["ESTABLISHED"]))
            for st, v in sm["Orphans" + fam].items():
                if v > sm[fam].get(st, 0):
                    p.append("%s: Orphans%s %s %d > %s %s %d"
                             % (who, fam, st, v, fam, st, sm[fam].get(st, 0)))
        tot = sm["Totals"]
        if tot["ehash_buckets"] != self.ehash:
            p.append("%s: ehash_buckets (expected %d, got %d)"
                     % (who, self.ehash, tot["ehash_buckets"]))
        if tot["tw_count"] > self.tw_limit:
            p.append("%s: tw_count (expected <= %d: tcp_max_tw_buckets %d plus "
                     "the closing tasks and CPUs that may race its check, "
                     "got %d)" % (who, self.tw_limit, self.max_tw,
                                  tot["tw_count"]))
        if prev:
            for k, v in sm["TcpExt"].items():
                if v < prev.get(k, 0):
                    p.append("%s: TcpExt %s went backwards (%d -> %d)"
                             % (who, k, prev[k], v))
        return p


class _QuickSock:
    """Cookie and state of a dump message, without the full check of
    socklib.sock_from_attrs() (which every other dump gets)."""
    __slots__ = ("cookie", "state", "intr")
    _C = rlib.SATTR["TCPCONN_A_SOCKET_COOKIE"]
    _S = rlib.SATTR["TCPCONN_A_SOCKET_STATE"]

    def __init__(self, a, intr):
        self.cookie = struct.unpack("=Q", a[self._C])[0]
        self.state = socklib.STATE_NAME[a[self._S][0]]
        self.intr = intr

    def where(self):
        return "cookie %d" % self.cookie


def _quick_proc(text, who):
    """Cookie and state of each line of the sockets file (the header
    checked; every other read gets socklib.parse_proc())."""
    lines = text.split("\n")
    expect(lines[-1] == "", who + ": last line", "newline-terminated",
           repr(lines[-1][-40:]))
    head = lines[0].split()
    ic, ist, n = head.index("cookie"), head.index("state"), len(head)
    out = []
    for line in lines[1:-1]:
        tok = line.split()
        if len(tok) != n:
            raise TestFail("%s: field count (expected %d, got %d: %r)"
                           % (who, n, len(tok), line))
        q = _QuickSock.__new__(_QuickSock)
        q.cookie, q.state, q.intr = int(tok[ic]), tok[ist], False
        out.append(q)
    return out


OPS = ("nl_listeners", "nl_sockets", "nl_summary", "proc_listeners",
       "proc_sockets", "proc_summary")
PROC = "/proc/net/tcpconn/"


def reader(idx, deadline, stable_socks, stable_lst, expect_state, bounds):
    """Loop over every interface until deadline; returns counts, timings
    and (at most 30) failures. stable_socks: cookies the sockets views
    must hold once each (listeners included); stable_lst: the listeners'
    (the only listeners there are)."""
    rnd = random.Random(idx)
    st = collections.Counter()
    t_op = collections.defaultdict(float)
    fails = []
    prev_ctr = {}
    nl_sum, fid = dumplib.genl_sock()
    if fid is None:
        raise TestFail("reader %d: genl family tcpconn not found" % idx)
    k = 0

    def fail(msgs):
        for m in msgs:
            st["failures"] += 1
            if len(fails) < 30:
                fails.append("reader %d: %s" % (idx, m))

    def check_states(socks, who):
        bad = [s for s in socks if s.cookie in expect_state and
               s.state != expect_state[s.cookie]]
        if bad:
            fail(["%s: stable socket %s in state %s (expected %s)"
                  % (who, bad[0].where(), bad[0].state,
                     expect_state[bad[0].cookie])])

    while time.monotonic() < deadline or k < len(OPS):   # each op once
        op = OPS[(idx + k) % len(OPS)]
        k += 1
        t0 = time.monotonic()
        try:
            if op == "nl_sockets":
                small = rnd.random() < 0.6
                nl, f2 = dumplib.genl_sock(4096 if small else 32768,
                                           tiny_rcvbuf=small)
                try:
                    d = dumplib.Dump(nl, f2, rlib.SOCKETS_GET).run(120)
                finally:
                    nl.close()
                who = "SOCKETS_GET dump (%s)" % ("4 KiB reads, tiny SO_RCVBUF"
                                                 if small else "32 KiB reads")
                if d.err:
                    fail(["%s: ended with %s" % (who, rlib.errname(d.err))])
                if st["nl_sockets"] % 4 == 0:  # full check of each message
                    socks = [socklib.sock_from_attrs(a, intr)
                             for a, intr in d.msgs]
                else:
                    socks = [_QuickSock(a, intr) for a, intr in d.msgs]
                probs, ri, r = dumplib.once_problems(
                    [(s.cookie, s.intr) for s in socks], stable_socks, who)
                fail(probs)
                check_states(socks, who)
                st["nl_sockets"] += 1
                st["nl_sockets_recvmsg"] += d.recvs
                st["nl_sockets_rows"] += len(socks)
                st["nl_sockets_intr_msgs"] += sum(1 for s in socks if s.intr)
                st["nl_sockets_repeats"] += r
            elif op == "nl_listeners":
                small = rnd.random() < 0.6
                nl, f2 = dumplib.genl_sock(4096 if small else 32768,
                                           tiny_rcvbuf=small)
                try:
                    d = dumplib.Dump(nl, f2, rlib.LISTENERS_GET).run(60)
                finally:
                    nl.close()
                who = "LISTENERS_GET dump"
                if d.err:
                    fail(["%s: ended with %s" % (who, rlib.errname(d.err))])
                rows = [rlib.listener_row(a) for a, _ in d.msgs]
                seen = [(r["cookie"], intr) for r, (_, intr) in
                        zip(rows, d.msgs)]
                probs, ri, r = dumplib.once_problems(seen, stable_lst, who)
                fail(probs)
                extra = {c for c, _ in seen} - stable_lst
                if extra:
                    fail(["%s: listeners the test did not create: %s"
                          % (who, sorted(extra)[:5])])
                st["nl_listeners"] += 1
                st["nl_listeners_recvmsg"] += d.recvs
                st["nl_listeners_repeats"] += r
            elif op == "nl_summary":
                sm = rlib.nl_summary(nl_sum, fid)
                fail(bounds.problems(sm, prev_ctr, "SUMMARY_GET"))
                prev_ctr = sm["TcpExt"]
                st["nl_summary"] += 1
            elif op == "proc_sockets":
                chunk = rnd.choice((1 << 20, 4096, 4096, 333))
                text, n = dumplib.read_chunks(PROC + "sockets", chunk)
                who = "%ssockets (read(%d))" % (PROC, chunk)
                if st["proc_sockets"] % 4 == 0:
                    socks = socklib.parse_proc(text, who)
                else:
                    socks = _quick_proc(text, who)
                # /proc has no flag: repeats are counted (see README)
                probs, ri, r = dumplib.once_problems(
                    [(s.cookie, False) for s in socks], stable_socks, who,
                    intr_rule=False)
                fail(probs)
                check_states(socks, who)
                st["proc_sockets"] += 1
                st["proc_sockets_reads"] += n
                st["proc_sockets_rows"] += len(socks)
                st["proc_sockets_repeats"] += r
                if r:
                    st["proc_sockets_reads_with_repeats"] += 1
                    st["proc_sockets_stable_repeats"] += sum(
                        m - 1 for c, m in collections.Counter(
                            s.cookie for s in socks).items()
                        if m > 1 and c in stable_socks)
            elif op == "proc_listeners":
                chunk = rnd.choice((1 << 20, 7, 64, 4096))
                text, n = dumplib.read_chunks(PROC + "listeners", chunk)
                who = "%slisteners (read(%d))" % (PROC, chunk)
                rows = tcit.parse_proc(text, who)
                seen = [(r["cookie"], False) for r in rows]
                probs, ri, r = dumplib.once_problems(seen, stable_lst, who)
                fail(probs)
                extra = {c for c, _ in seen} - stable_lst
                if extra:
                    fail(["%s: listeners the test did not create: %s"
                          % (who, sorted(extra)[:5])])
                st["proc_listeners"] += 1
                st["proc_listeners_reads"] += n
            else:
                chunk = rnd.choice((1 << 20, 7, 100))
                text, n = dumplib.read_chunks(PROC + "summary", chunk)
                who = "%ssummary (read(%d))" % (PROC, chunk)
                sm = sumlib.parse_summary(text, who)
                fail(bounds.problems(sm, prev_ctr, who))
                prev_ctr = sm["TcpExt"]
                st["proc_summary"] += 1
                st["proc_summary_reads"] += n
        except TestFail as e:
            fail(["%s: %s" % (op, e)] + list(e.details[:3]))
        except OSError as e:
            fail(["%s: %s: %s" % (op, type(e).__name__, e)])
        t_op[op] += time.monotonic() - t0
    nl_sum.close()
    return {"counts": dict(st), "time": dict(t_op), "fails": fails}


# --------------------------------------------------------------------------

def _child_netns(t, ehash):
    """The churn netns: with its own ehash of `ehash` buckets (created from
    a parent netns with tcp_child_ehash_entries), or a plain one (0)."""
    if not ehash:
        return t.netns("churn")
    p = t.netns("churnparent")
    try:
        p.sysctl("net.ipv4.tcp_child_ehash_entries", ehash)
    except TestFail as e:
        raise TestFail("cannot set net.ipv4.tcp_child_ehash_entries (kernel "
                       "without per-netns ehash?): %s" % e, e.details)
    return _child_netns_in(t, p, "churn")


def _child_netns_in(t, p, tag):
    """A netns created from inside netns p (so that p's
    tcp_child_ehash_entries applies), deleted at cleanup."""
    c = tcit.Netns.__new__(tcit.Netns)
    c.t = t
    c.name = tcit.NS_PREFIX + tag
    p.run(["ip", "netns", "add", c.name])
    t.defer(c._delete)
    c.fd = os.open(os.path.join(tcit.NETNS_DIR, c.name), os.O_RDONLY)
    t.defer(os.close, c.fd)
    c.sockets = {}
    c.ip(["link", "set", "lo", "up"])
    return c


def _chain_pos(socks, cookie):
    """Index of cookie among ss's non-listening sockets: in a one-bucket
    ehash, inet_diag lists them in chain order."""
    rest = [x.cookie for x in socks if x.state != "LISTEN"]
    return rest.index(cookie) if cookie in rest else None


def test_dump_resume_timewait(t):
    """Deterministic form of what the churn can hit: the walk resumes
    after the last socket it reported (its cookie); when that socket has
    meanwhile closed and its TIME_WAIT successor -- same cookie, hashed at
    the head of the same chain -- is found instead, the walk must not
    silently go over the chain again. A netns with a one-bucket ehash;
    stable pairs at the head of the chain, pool pairs after them; when the
    skb the kernel filled next (peeked) ends with a pool socket, that
    socket closes first (-> TIME_WAIT) and its peer after it; the dump
    must then report every socket once, repeats only on NLM_F_DUMP_INTR
    messages."""
    p = t.netns("twparent")
    p.sysctl("net.ipv4.tcp_child_ehash_entries", 1)
    ns = _child_netns_in(t, p, "tw")
    ns.sysctl("net.ipv4.tcp_max_tw_buckets", 1000)   # default: ehash / 2
    expect_eq("tcp_ehash_entries of the netns", 1,
              abs(sumlib.proc_sys(ns, "net.ipv4.tcp_ehash_entries")[0]))
    lst = ns.listen("127.0.0.1", 7500, 1024)
    pool = sumlib.connect_pairs(t, lst, "127.0.0.1", 150, srv=ns)
    stable = sumlib.connect_pairs(t, lst, "127.0.0.1", 40, srv=ns)
    by_cookie = {}
    for pr in pool:
        for i, x in enumerate(pr):
            by_cookie[socklib.cookie_of(x)] = (x, pr[1 - i])
    stable_ck = {socklib.cookie_of(x) for pr in stable for x in pr} | \
        {socklib.cookie_of(lst.sock)}
    nl, fid = socklib.genl_socket(t, ns, bufsize=4096, tiny_rcvbuf=True)
    done = {"n": 0, "cookies": [], "pos": []}

    def between(d):
        if done["n"] or d.recvs < 3:
            return
        last = socklib.peek_cookies(nl)[-1:]
        if not last or last[0] not in by_cookie:
            return
        x, peer = by_cookie[last[0]]
        done["pos"] = [_chain_pos(socklib.ss_socks(ns), last[0])]
        x.close()                   # FIN first: x ends in TIME_WAIT
        socklib.wait_ss(ns, lambda socks: any(
            s.cookie == last[0] and s.state in ("FIN_WAIT2", "TW_FIN_WAIT2",
                                                "TIME_WAIT") for s in socks),
            "cookie %d in FIN-WAIT-2/TIME-WAIT" % last[0], timeout=20)
        peer.close()
        after = socklib.wait_ss(ns, lambda socks: any(
            s.cookie == last[0] and s.state == "TIME_WAIT" for s in socks),
            "cookie %d in TIME-WAIT" % last[0], timeout=20)
        done["pos"].append(_chain_pos(after, last[0]))
        done["n"] += 1
        done["cookies"].append(last[0])
    d = dumplib.Dump(nl, fid, rlib.SOCKETS_GET).run(120, between)
    expect_eq("dump errno", 0, d.err)
    expect(done["n"] == 1, "a pool socket at the end of a peeked skb",
           "found and closed", "not found")
    seen = dumplib.cookies_of(d.msgs, dumplib.S_COOKIE)
    probs, ri, r = dumplib.once_problems(seen, stable_ck,
                                         "SOCKETS_GET dump")
    t.note("dump: %d messages in %d recvmsg(), %d repeats (%d flagged "
           "NLM_F_DUMP_INTR), resumed after cookie %s gone to TIME_WAIT; "
           "its place in the chain (ss order) before and as TIME_WAIT: %s"
           % (len(seen), d.recvs, r, ri, done["cookies"], done["pos"]))
    expect(not probs, "the dump after the resume point went to TIME_WAIT",
           "each socket once, repeats flagged", "; ".join(probs))


def test_churn_exactly_once(t):
    secs = _env("TCPCONN_CHURN_SECS", 60)
    pairs = _env("TCPCONN_CHURN_PAIRS", 200)
    ehash = _env("TCPCONN_CHURN_EHASH", 64)
    nworkers = _env("TCPCONN_CHURN_WORKERS", 3)
    nreaders = 4
    max_tw = 4096
    sumlib.raise_nofile(t, 16384)
    ns = _child_netns(t, ehash)
    ns.sysctl("net.ipv4.tcp_max_tw_buckets", max_tw)
    ns.sysctl("net.ipv4.ip_local_port_range", "10000 65000")
    own = abs(sumlib.proc_sys(ns, "net.ipv4.tcp_ehash_entries")[0])
    if ehash:
        expect_eq("tcp_ehash_entries of the churn netns", ehash, own)

    # stable listeners and pairs
    l4 = ns.listen("127.0.0.1", 7001, 1024)
    l6 = ns.listen("::1", 7002, 1024)
    ld = ns.listen("::", 7003, 1024, v6only=False)
    wl = [(ns.listen("127.0.0.1", 7100 + i, 128),
           ns.listen("::1", 7100 + i, 128)) for i in range(nworkers)]
    aq = [ns.listen("127.0.0.1", 7300, 2), ns.listen("::1", 7301, 2)]
    lsts = [l4, l6, ld] + [x for w in wl for x in w] + aq
    third = pairs // 3
    p4 = sumlib.connect_pairs(t, l4, "127.0.0.1", pairs - 2 * third, srv=ns)
    p6 = sumlib.connect_pairs(t, l6, "::1", third, srv=ns)
    pm = sumlib.connect_pairs(t, ld, "127.0.0.1", third, srv=ns)
    stable_lst = {socklib.cookie_of(l.sock) for l in lsts}
    state = {c: "LISTEN" for c in stable_lst}
    for pr in p4 + p6 + pm:
        for s in pr:
            state[socklib.cookie_of(s)] = "ESTABLISHED"
    stable = set(state)
    expect_eq("stable sockets", len(lsts) + 2 * pairs, len(stable))
    listen = {"IPv4": sum(1 for l in lsts if l.family == "inet"),
              "IPv6": sum(1 for l in lsts if l.family == "inet6")}
    estab = {"IPv4": 2 * len(p4) + len(pm), "IPv6": 2 * len(p6) + len(pm)}
    # tasks that close sockets during the run: the churn workers and the
    # accept-queue worker
    bounds = Bounds(listen, estab, own, max_tw, nworkers + 1)

    ss0 = socklib.ss_socks(ns)
    missing = stable - {s.cookie for s in ss0}
    expect(not missing, "stable sockets in ss before the run", "all",
           "%d missing" % len(missing))
    t.note("netns: %s ehash buckets, %d stable sockets (%d listeners, %d "
           "established pairs: %d v4, %d v6, %d v4-mapped), %d churn "
           "workers, %d readers, %ds" % (own, len(stable), len(lsts), pairs,
                                         len(p4), len(p6), len(pm), nworkers,
                                         nreaders, secs))

    start = time.monotonic()
    deadline = start + secs
    workers = [dumplib.spawn(t, "churn worker %d" % i, churn_worker, i,
                             deadline, wl[i][0].sock, wl[i][1].sock,
                             netns_fd=ns.fd) for i in range(nworkers)]
    workers.append(dumplib.spawn(t, "accept-queue worker", acceptq_worker,
                                 deadline, [x.sock for x in aq],
                                 netns_fd=ns.fd))
    # readers start once the churn is under way
    time.sleep(min(2, secs / 10))
    readers = [dumplib.spawn(t, "reader %d" % i, reader, i, deadline,
                             stable, stable_lst, state, bounds,
                             netns_fd=ns.fd) for i in range(nreaders)]
    # sample the netns while it runs (ss, for the report)
    peak = collections.Counter()
    while time.monotonic() < deadline:
        time.sleep(min(10, max(deadline - time.monotonic(), 0)))
        if time.monotonic() >= deadline:
            break
        try:
            cen = socklib.counts(socklib.ss_socks(ns, timeout=60))
        except TestFail:
            continue
        per = collections.Counter()
        for (fam, st), v in cen.items():
            per[st] += v
        for st, v in per.items():
            peak[st] = max(peak[st], v)
    wres = [w.join(max(deadline - time.monotonic(), 0) + 300) for w in workers]
    rres = [r.join(max(deadline - time.monotonic(), 0) + 600) for r in readers]
    took = time.monotonic() - start

    churn = collections.Counter()
    for r in wres[:-1]:
        churn.update(r)
    aqc = wres[-1]
    tot = collections.Counter()
    fails = []
    for r in rres:
        tot.update(r["counts"])
        fails += r["fails"]
    topt = collections.Counter()
    for r in rres:
        topt.update(r["time"])
    t.note("duration %.1fs; connections churned %d (%.0f/s): %s"
           % (took, churn["connections"], churn["connections"] / max(took, 1),
              ", ".join("%s %d" % kv for kv in sorted(churn.items())
                        if kv[0] != "connections")))
    t.note("accept-queue listeners: %s" % ", ".join(
        "%s %d" % kv for kv in sorted(aqc.items())))
    t.note("peak ss counts per state: %s" % ", ".join(
        "%s %d" % kv for kv in sorted(peak.items())))
    t.note("dumps: SOCKETS_GET %d (%d recvmsg, %d rows, %d NLM_F_DUMP_INTR "
           "messages, %d repeats), LISTENERS_GET %d (%d recvmsg), "
           "SUMMARY_GET %d"
           % (tot["nl_sockets"], tot["nl_sockets_recvmsg"],
              tot["nl_sockets_rows"], tot["nl_sockets_intr_msgs"],
              tot["nl_sockets_repeats"], tot["nl_listeners"],
              tot["nl_listeners_recvmsg"], tot["nl_summary"]))
    t.note("/proc reads: sockets %d (%d read() calls, %d rows, %d repeated "
           "rows in %d reads, %d of them of stable sockets), listeners %d "
           "(%d read() calls), summary %d "
           "(%d read() calls)"
           % (tot["proc_sockets"], tot["proc_sockets_reads"],
              tot["proc_sockets_rows"], tot["proc_sockets_repeats"],
              tot["proc_sockets_reads_with_repeats"],
              tot["proc_sockets_stable_repeats"], tot["proc_listeners"],
              tot["proc_listeners_reads"], tot["proc_summary"],
              tot["proc_summary_reads"]))
    t.note("reader time per op (s, all readers): %s" % ", ".join(
        "%s %.1f" % kv for kv in sorted(topt.items())))
    t.note("failures: %d" % tot["failures"])

    expect(not fails, "reader checks (each stable socket exactly once, "
           "summary bounds, no errors)", "no failure",
           "%d failures, first: %s" % (tot["failures"], fails[0] if fails
                                        else ""), fails[1:30])
    expect(churn["connections"] > 0, "connections churned", "> 0",
           dict(churn))
    for op in ("nl_sockets", "nl_listeners", "nl_summary", "proc_sockets",
               "proc_listeners", "proc_summary"):
        expect(tot[op] > 0, "%s done by the readers" % op, "> 0", tot[op])

    # afterwards: the stable sockets are still there, and the quiet states
    # (ESTABLISHED, LISTEN) in dump and /proc equal ss
    nl, fid = socklib.genl_socket(t, ns, bufsize=4096)
    keep = ("ESTABLISHED", "LISTEN")
    views = {
        "netlink SOCKETS_GET": lambda: [s for s in socklib.dump(nl, fid)[0]
                                        if s.state in keep],
        PROC + "sockets": lambda: [s for s in socklib.proc_socks(ns)
                                   if s.state in keep]}
    ss, _ = socklib.stable_compare(t, ns, views, filt=(
        "state", "established", "state", "listening"), tries=20)
    missing = stable - {s.cookie for s in ss}
    expect(not missing, "stable sockets in ss after the run", "all",
           "%d missing" % len(missing))


TESTS = [("churn_exactly_once", test_churn_exactly_once,
          _env("TCPCONN_CHURN_SECS", 60) + 1200),
         ("churn_dump_resume_timewait", test_dump_resume_timewait, 600)]
