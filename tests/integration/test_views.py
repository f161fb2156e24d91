# SPDX-License-Identifier: GPL-2.0
"""Guest integration tests of tcpconn-stat's socket views (--sockets,
--timewait, --orphans, -p, --remotes, --ports, --limits) against ss(8)
and /proc.

Every figure is compared with an independent source: ss -tanHeOmo for the
sockets (matched by cookie, socklib.stable_compare: ss, tcpconn, ss),
ss -tanpHe for the owning processes, ss aggregations for --remotes and
--ports, /proc/sys and sockstat for --limits. The >65,535-connection
scenario for --ports/--remotes is test_sockets.sockets_65k (built once).
"""
import collections
import errno
import os
import socket
import subprocess
import time

import socklib
import sumlib
import tcit
import test_sockets
import test_summary
import viewlib
from socklib import cookie_of, n_state, stable_compare, wait_ss
from sumlib import connect_pairs, hold
from tcit import TestFail, expect, expect_eq

TESTS = []


def test(limit=180):
    def reg(fn):
        TESTS.append((fn.__name__[len("test_"):], fn, limit))
        return fn
    return reg


TW_MS = 60000       # TCP_TIMEWAIT_LEN


@test(limit=300)
def test_views_sockets_vs_ss(t):
    """--sockets, --timewait and --orphans -j in a netns with nearly every
    state: each socket ss lists (and only those) once, with ss's 4-tuple,
    state, uid, inode, queues and timer; TIME-WAIT time left in (0, 60 s];
    the tables aligned, one row per socket; --remotes per address and
    state as ss."""
    ns, peer = t.netns("srv"), t.netns("peer")
    v = test_sockets._variety(t, ns, peer)
    ifmap = ns.ifindexes()
    docs = []
    ss, got = stable_compare(t, ns, {
        "--sockets": viewlib.sockets_view(t, ns, "--sockets", docs=docs)},
        ifmap=ifmap)
    tw_states = ("TIME_WAIT", "TW_FIN_WAIT2")
    tw, _ = stable_compare(t, ns, {
        "--timewait": viewlib.sockets_view(t, ns, "--timewait")},
        filt=("state", "time-wait", "state", "fin-wait-2"), ifmap=ifmap,
        pred=lambda s: s.state in tw_states)
    took = time.monotonic() - v.t_tw
    # TIME-WAIT lasts 60 s (a slow debug guest may take longer to get here)
    expect(took > 55 or len(tw) >= 5, "TIME-WAIT and tw FIN-WAIT-2 sockets "
           "in ss %.0f s after the closes" % took, ">= 5 (the scenario's)",
           len(tw))
    orph, _ = stable_compare(t, ns, {
        "--orphans": viewlib.sockets_view(t, ns, "--orphans")},
        ifmap=ifmap, pred=lambda s: s.orphan)
    expect(orph, "orphans in ss (FIN-WAIT-1 with unsent data)", ">= 1", 0)
    est, _ = stable_compare(t, ns, {
        "--sockets --state established -4": viewlib.sockets_view(
            t, ns, "--sockets", "--state", "established", "-4")},
        filt=("-4", "state", "established"), state="ESTAB", ifmap=ifmap)
    for s in got["--sockets"]:
        if s.state == "TIME_WAIT":
            expect(0 < s.expires <= TW_MS, "TIME-WAIT time left of %s"
                   % s.where(), "in (0, %d] ms" % TW_MS, s.expires)
    for o in docs[0]["sockets"]:
        expect(not o["self_connect"], "self_connect of %s:%d -> %s:%d"
               % (o["local_address"], o["local_port"], o["remote_address"],
                  o["remote_port"]), "false (no self-connection here)", True)
        expect(o["processes"] is None, "processes without -p", "null",
               o["processes"])
    for view, n in (("--sockets", len(ss)), ("--timewait", len(tw)),
                    ("--orphans", len(orph))):
        p = viewlib.stat(t, ns, view)
        rows = viewlib.check_aligned(p.stdout, "State", view)
        expect_eq("%s table: rows (= ss's sockets)" % view, n, len(rows) - 1)
        expect_eq("%s table: header" % view, ["State", "Recv-Q", "Send-Q",
                                              "Local Address:Port",
                                              "Peer Address:Port", "Timer",
                                              "Uid", "Inode", "Cookie",
                                              "Flags"], rows[0])
    # --remotes: compared when ss before and after agree
    rdoc = viewlib.stable_check(
        t, ns, ("--remotes", "--top", "0"),
        lambda ss, doc: viewlib.check_remotes(t, ns, ss, doc=doc))
    c = socklib.counts(ss)
    t.note("views: --sockets %d == ss, --timewait %d, --orphans %d, "
           "--state established -4: %d; --remotes %d addresses" % (
               len(ss), len(tw), len(orph), len(est), len(rdoc["remotes"])))
    t.note("views: states %s" % ", ".join("%s %s %d" % (f, s, n) for (f, s), n
                                          in sorted(c.items())))


@test(limit=120)
def test_views_self_connect(t):
    """A socket bound to P connecting to its own address:P (simultaneous
    open, v4 and v6): ss shows local == remote; --sockets flags it `self`
    (JSON self_connect, table Flags), and nothing else."""
    ns = t.netns()
    own = {}
    for fam, addr in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
        s = hold(t, [ns.socket(fam)])[0]
        s.bind((addr, 0))
        port = s.getsockname()[1]
        try:
            s.connect((addr, port))
        except OSError as e:
            raise TestFail("connect() of [%s]:%d to itself: %s (expected a "
                           "self-connection)" % (addr, port, e))
        own[cookie_of(s)] = (addr, port)
    lst = ns.listen("127.0.0.1", 9400, 8)
    connect_pairs(t, lst, "127.0.0.1", 2, srv=ns)
    docs = []
    ss, got = stable_compare(t, ns, {
        "--sockets": viewlib.sockets_view(t, ns, "--sockets", docs=docs)})
    ss_self = {s.cookie for s in ss if s.src == s.dst and s.sport == s.dport
               and s.state != "LISTEN"}
    expect_eq("ss: self-connections (local == remote) are our two sockets",
              sorted(own), sorted(ss_self))
    for s in ss:
        if s.cookie in own:
            expect_eq("ss state of the self-connection %s" % s.where(),
                      "ESTABLISHED", s.state)
    flagged = {o["cookie"] for o in docs[0]["sockets"] if o["self_connect"]}
    expect_eq("--sockets -j: self_connect true exactly for ss's "
              "self-connections", sorted(ss_self), sorted(flagged))
    p = viewlib.stat(t, ns, "--sockets")
    rows = viewlib.check_aligned(p.stdout, "State", "--sockets")
    ix = rows[0].index("Flags")
    selfrows = [r for r in rows[1:] if "self" in r[ix].split(",")]
    expect_eq("--sockets table: rows flagged self", 2, len(selfrows))
    for r in selfrows:
        expect_eq("--sockets table: self row local vs peer", r[3], r[4])
    t.note("self: %s" % ", ".join("[%s]:%d" % v for v in own.values()))


CHILD = r"""
import os, socket, sys
l = socket.socket()
l.bind(("127.0.0.1", 0))
l.listen(8)
port = l.getsockname()[1]
keep = [l]
for i in range(3):
    c = socket.create_connection(("127.0.0.1", port))
    a, _ = l.accept()
    keep += [c, a]
dup = os.dup(keep[1].fileno())          # one socket, two fds
l6 = socket.socket(socket.AF_INET6)
l6.bind(("::1", 0))
l6.listen(1)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)   # not TCP
print(port, dup, flush=True)
sys.stdin.read()
"""


def spawn_holder(t, ns):
    """A python3 child in ns holding a listener, 3 connections (both ends),
    a dup()ed fd, a v6 listener and a UDP socket; ends at cleanup."""
    p = subprocess.Popen(["/usr/bin/python3", "-c", CHILD],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         text=True, preexec_fn=lambda: tcit.setns(ns.fd))

    def stop():
        p.kill()
        p.wait(10)
        p.stdin.close()
        p.stdout.close()
    t.defer(stop)
    line = p.stdout.readline().split()
    expect_eq("holder child's ready line (port, dup fd)", 2, len(line))
    return p


def _stable_users(t, ns, args):
    """ss -tanpHe, tcpconn-stat ARGS -j, ss again until both ss agree."""
    for _ in range(5):
        u1 = viewlib.ss_users(ns)
        doc = viewlib.stat_doc(t, ns, *args)
        if u1 == viewlib.ss_users(ns):
            return u1, doc
    raise TestFail("ss -tanpHe changed across every tcpconn-stat run")


@test(limit=120)
def test_views_processes(t):
    """--sockets -p -j vs ss -tanpHe: for every socket with an inode, the
    same (command, pid, fd) holders (a child python3 with a listener,
    connections, a dup()ed fd; the runner's own sockets); the table's
    Process column as ss's users:(...)."""
    ns = t.netns()
    child = spawn_holder(t, ns)
    lst = ns.listen("127.0.0.1", 9401, 8)
    connect_pairs(t, lst, "127.0.0.1", 2, srv=ns)
    want, doc = _stable_users(t, ns, ("--sockets", "-p"))
    got = viewlib.stat_users(doc)
    expect_eq("sockets with an inode: --sockets -p vs ss", sorted(want),
              sorted(got))
    bad = [(i, want[i], got[i]) for i in want if want[i] != got[i]]
    expect(not bad, "holders (command, pid, fd) per socket vs ss -p", "equal",
           "%d differ, e.g. (ss, tcpconn) %s" % (len(bad), bad[:2]))
    kid = [i for i, us in want.items() if any(u[1] == child.pid for u in us)]
    expect_eq("sockets of the child (listener, 6 ends, v6 listener)", 8,
              len(kid))
    two = [i for i in kid if len(want[i]) == 2]
    expect_eq("child sockets under two fds (dup)", 1, len(two))
    me = [i for i, us in want.items() if any(u[1] == os.getpid() for u in us)]
    expect_eq("the runner's sockets (listener, 2 pairs)", 5, len(me))
    for o in doc["sockets"]:
        if not o["inode"]:
            expect_eq("processes of a socket without inode", [],
                      o["processes"])
    p = viewlib.stat(t, ns, "--sockets", "-p")
    rows = viewlib.check_aligned(p.stdout, "State", "--sockets -p")
    expect_eq("--sockets -p table: last column", "Process", rows[0][-1])
    users = {r[-1] for r in rows[1:]}
    for us in want.values():
        if us:
            order = sorted(us, key=lambda u: (u[1], u[2]))
            txt = "users:(%s)" % ",".join('("%s",pid=%d,fd=%d)' % u
                                          for u in order)
            expect(txt in users, "--sockets -p table: %s" % txt, "a row",
                   "none", sorted(users)[:6])
    t.note("processes: %d sockets with holders == ss -p (child pid %d: %d)"
           % (sum(1 for u in want.values() if u), child.pid, len(kid)))


@test(limit=120)
def test_views_limits(t):
    """--limits -j: file-nr/file-max/nr_open vs /proc/sys/fs, tcp_mem vs
    /proc/sys/net/ipv4/tcp_mem, used pages vs sockstat mem, backlogs vs
    ss -ltn Send-Q and the netns's somaxconn; processes by TCP sockets of
    this netns vs ss -tanp aggregated per pid (the runner's sockets in
    another netns do not count)."""
    ns, other = t.netns("lim"), t.netns("other")
    ns.sysctl("net.core.somaxconn", 100)
    child = spawn_holder(t, ns)
    for port, backlog in ((9410, 50), (9411, 200), (9412, 100)):
        ns.listen("127.0.0.1", port, backlog)
    # unread data, both ways, enough to exceed the per-CPU reserves the
    # kernel keeps out of the count: TCP memory (> 0 pages) for sockstat
    lq = ns.listen("127.0.0.1", 9414, 64)
    pairs = []
    while len(pairs) < 64:
        pairs += test_summary._zero_window(t, ns, lq, "127.0.0.1", 8,
                                           rcvbuf=None, sndbuf=None)
        if sumlib.sockstat(ns)["TCP"]["mem"] > 0:
            break
    lo = other.listen("127.0.0.1", 9413, 64)
    connect_pairs(t, lo, "127.0.0.1", 5, srv=other)
    ss1 = socklib.ss_socks(ns)
    for _ in range(5):
        fnr0 = sumlib.proc_sys(None, "fs.file-nr")
        mem0 = sumlib.sockstat(None)["TCP"]["mem"]
        u1 = viewlib.ss_users(ns)
        doc = viewlib.stat_doc(t, ns, "--limits", "--top", "0")
        u2 = viewlib.ss_users(ns)
        fnr1 = sumlib.proc_sys(None, "fs.file-nr")
        mem1 = sumlib.sockstat(None)["TCP"]["mem"]
        if u1 == u2 and mem0 == mem1:
            break
    else:
        raise TestFail("ss -tanp or sockstat mem moved across every "
                       "--limits run (5 tries)")
    f = doc["files"]
    expect(min(fnr0[0], fnr1[0]) - 64 <= f["allocated"] <=
           max(fnr0[0], fnr1[0]) + 64, "files.allocated vs fs.file-nr",
           "%d..%d (+-64: tcpconn-stat's own files)" % (fnr0[0], fnr1[0]),
           f["allocated"])
    expect_eq("files.file_max vs fs.file-max",
              sumlib.proc_sys(None, "fs.file-max")[0], f["file_max"])
    expect_eq("files.nr_open vs fs.nr_open",
              sumlib.proc_sys(None, "fs.nr_open")[0], f["nr_open"])
    m = doc["tcp_memory"]
    expect_eq("tcp_memory low/pressure/high vs net.ipv4.tcp_mem",
              sumlib.proc_sys(None, "net.ipv4.tcp_mem"),
              [m["low"], m["pressure"], m["high"]])
    expect_eq("tcp_memory.used_pages vs sockstat TCP mem", mem0,
              m["used_pages"])
    expect(mem0 > 0, "sockstat TCP mem with %d stuck connections"
           % len(pairs), "> 0 pages", mem0)
    expect_eq("tcp_memory.page_size", os.sysconf("SC_PAGE_SIZE"),
              m["page_size"])
    expect_eq("somaxconn (the netns's)", 100, doc["somaxconn"])
    ssl = {s.sport: s.wq for s in ss1 if s.state == "LISTEN"}
    got = {r["local_port"]: r["backlog"] for r in doc["listeners"]}
    expect_eq("listener backlogs vs ss -ltn Send-Q", ssl, got)
    expect_eq("backlogs: listen(50), listen(200) capped at somaxconn, "
              "listen(100)",
              {9410: 50, 9411: 100, 9412: 100},
              {k: v for k, v in got.items() if k in (9410, 9411, 9412)})
    want = collections.Counter()
    cmd = {}
    for us in u1.values():
        for c, pid, fd in us:
            want[pid] += 1
            cmd[pid] = c
    procs = {p["pid"]: p for p in doc["processes"]}
    expect_eq("processes with TCP sockets here vs ss -tanp pids",
              sorted(want), sorted(procs))
    expect_eq("processes_with_tcp", len(want), doc["processes_with_tcp"])
    bad = [(pid, want[pid], procs[pid]["tcp_sockets"]) for pid in want
           if want[pid] != procs[pid]["tcp_sockets"] or
           cmd[pid] != procs[pid]["command"]]
    expect(not bad, "TCP sockets (fds) per process vs ss -tanp", "equal",
           "(pid, ss, tcpconn) %s" % bad[:3])
    expect_eq("the runner: 4 listeners and %d pairs here (not its 11 "
              "sockets in the other netns)" % len(pairs), 4 + 2 * len(pairs),
              procs[os.getpid()]["tcp_sockets"])
    expect_eq("the child: 9 fds (8 sockets, one dup)", 9,
              procs[child.pid]["tcp_sockets"])
    expect(procs[child.pid]["sockets"] >= 10, "the child's sockets of any "
           "kind (9 TCP fds + UDP)", ">= 10", procs[child.pid]["sockets"])
    counts = [p["tcp_sockets"] for p in doc["processes"]]
    expect_eq("processes by TCP sockets, most first",
              sorted(counts, reverse=True), counts)
    p = viewlib.stat(t, ns, "--limits")
    res = viewlib.check_aligned(p.stdout, "Resource", "--limits resources")
    expect_eq("--limits resources rows", 3, len(res) - 1)
    pr = viewlib.check_aligned(p.stdout, "PID", "--limits processes")
    expect_eq("--limits process rows", len(want), len(pr) - 1)
    lr = viewlib.check_aligned(p.stdout, "Listener", "--limits listeners")
    expect_eq("--limits listener rows", len(ssl), len(lr) - 1)
    t.note("limits: files %d/%d, nr_open %d, tcp_mem %s used %d; %d "
           "processes with TCP here: %s" % (
               f["allocated"], f["file_max"], f["nr_open"],
               [m["low"], m["pressure"], m["high"]], m["used_pages"],
               len(want), dict(want)))


@test(limit=180)
def test_views_ports_reserved(t):
    """--ports in a netns with ip_local_port_range 40000-40999 and
    ip_local_reserved_ports 40100-40199,41000: pools vs ss (used, TIME-WAIT,
    free = 900 - used, use%), inbound and explicitly bound connections
    apart; a socket bound to a reserved port is outside the pools; the
    client's ephemeral port equal to a listening port of another address
    is outbound; 900 connect()s exhaust a pool (EADDRNOTAVAIL), as the
    table explains."""
    ns = t.netns()
    ns.sysctl("net.ipv4.ip_local_port_range", "40000 40999")
    ns.sysctl("net.ipv4.ip_local_reserved_ports", "40100-40199,41000")
    reserved = set(range(40100, 40200)) | {41000}
    sumlib.raise_nofile(t, 8192)
    la = ns.listen("127.0.0.1", 9500, 1024)
    lb = ns.listen("127.0.0.1", 9501, 1024)
    connect_pairs(t, la, "127.0.0.1", 300, srv=ns)
    pairs = connect_pairs(t, lb, "127.0.0.1", 40, srv=ns)
    for c, s in pairs[:10]:              # client closes first: TIME-WAIT
        c.close()
    sumlib.wait_eof([s for c, s in pairs[:10]], "servers of closed clients")
    for c, s in pairs[:10]:
        s.close()
    # exhaust 127.0.0.1 -> 127.0.0.1:9502: 900 ports per pool (before any
    # bind() in the range: a port bound explicitly is one connect() skips)
    lc = ns.listen("127.0.0.1", 9502, 1024)
    err = None
    full = hold(t, [])
    lc.sock.settimeout(30)
    for i in range(901):
        c = ns.socket()
        full.append(c)
        try:
            c.connect(("127.0.0.1", 9502))
        except OSError as e:
            err = (i, errno.errorcode.get(e.errno, e.errno))
            break
        full.append(lc.sock.accept()[0])
    expect_eq("connect() that fails to 127.0.0.1:9502 (0-based), errno",
              (900, "EADDRNOTAVAIL"), err)
    # bound explicitly to a reserved port and to one below the range
    for port in (40150, 1234):
        c = hold(t, [ns.socket()])[0]
        c.bind(("127.0.0.2", port))
        c.connect(("127.0.0.1", 9500))
        hold(t, [la.sock.accept()[0]])
    # 127.0.0.3:40500 is a listener; a client from 127.0.0.4:40500 is not
    ns.listen("127.0.0.3", 40500, 8)
    c = hold(t, [ns.socket()])[0]
    c.bind(("127.0.0.4", 40500))
    c.connect(("127.0.0.1", 9501))
    hold(t, [lb.sock.accept()[0]])
    wait_ss(ns, lambda s: n_state(s, "TIME_WAIT") == 10, "10 TIME-WAIT")
    doc = viewlib.stable_check(
        t, ns, ("--ports", "--top", "0"),
        lambda ss, d: viewlib.check_ports(t, ns, ss, 40000, 40999, reserved,
                                          doc=d))
    by = {(p["local_address"], p["remote_port"]): p for p in doc["pools"]}
    expect_eq("pool 127.0.0.1 -> :9502 (exhausted): used, free, use%",
              (900, 0, 100), (by[("127.0.0.1", 9502)]["used"],
                              by[("127.0.0.1", 9502)]["free"],
                              by[("127.0.0.1", 9502)]["use_pct"]))
    expect_eq("pool 127.0.0.1 -> :9501: used, TIME-WAIT, free",
              (40, 10, 860), (by[("127.0.0.1", 9501)]["used"],
                              by[("127.0.0.1", 9501)]["time_wait"],
                              by[("127.0.0.1", 9501)]["free"]))
    expect_eq("outside the pools: ports 40150 (reserved) and 1234", 2,
              doc["outside_range_connections"])
    expect(("127.0.0.4", 9501) in by, "127.0.0.4:40500 -> :9501 in a pool",
           "yes (no listener on 127.0.0.4:40500)", sorted(by))
    p = viewlib.stat(t, ns, "--ports")
    rows = viewlib.check_aligned(p.stdout, "Local Address", "--ports")
    expect_eq("--ports header", ["Local Address", "Remote Address:Port",
                                 "Used", "TimeWait", "Free", "Use%"], rows[0])
    text = p.stdout
    expect("ip_local_port_range 40000-40999: 1000 ports, 100 of them "
           "reserved (ip_local_reserved_ports): 900 ports per pool." in text,
           "--ports header text", "range, reserved, per pool",
           tcit.clip(text, 4))
    expect("WARNING: 127.0.0.1 -> 127.0.0.1:9502 uses 900 of 900 ephemeral "
           "ports (100%" in text, "--ports warning for the full pool",
           "present", tcit.clip(text, 30))
    viewlib.table_notes(t, text, "ports", 16)


@test(limit=120)
def test_views_json_and_options(t):
    """Every socket view's -j is one JSON document with its keys (also in
    an empty netns); tables aligned; usage errors exit 2 with a message."""
    ns = t.netns()
    keys = {"--sockets": {"sockets", "count", "dump_interrupted",
                          "duplicates_dropped"},
            "--timewait": {"sockets", "count"},
            "--orphans": {"sockets", "count"},
            "--remotes": {"remotes", "connections", "remote_addresses",
                          "not_shown", "dump_interrupted"},
            "--ports": {"ip_local_port_range", "range_size",
                        "reserved_in_range", "ports_per_pool", "pools",
                        "pool_count", "pooled_connections",
                        "inbound_connections", "outside_range_connections",
                        "dump_interrupted"},
            "--limits": {"files", "tcp_memory", "processes",
                         "processes_with_tcp", "processes_unreadable",
                         "somaxconn", "listeners"}}
    for phase in ("empty", "busy"):
        if phase == "busy":
            lst = ns.listen("::", 9420, 64, v6only=False)
            connect_pairs(t, lst, "127.0.0.1", 3, srv=ns)
            connect_pairs(t, lst, "::1", 3, srv=ns)
        for view, want in keys.items():
            doc = viewlib.stat_doc(t, ns, view)
            expect(isinstance(doc, dict) and want <= set(doc),
                   "%s -j (%s netns): keys" % (view, phase), sorted(want),
                   sorted(doc) if isinstance(doc, dict) else type(doc))
        for view, header in (("--sockets", "State"),
                             ("--remotes", "Remote Address"),
                             ("--ports", "Local Address")):
            p = viewlib.stat(t, ns, view)
            if phase == "busy" or view == "--sockets":
                viewlib.check_aligned(p.stdout, header, view)
    bad = [["--sockets", "--port", "80"],
           ["--timewait", "--state", "established"],
           ["--sockets", "--state", "bogus"],
           ["--sockets", "-4", "--src", "::1"],
           ["--remotes", "--top", "x"],
           ["--ports", "-i", "1"],
           ["--limits", "--state", "listen"],
           ["--limits", "-p"],
           ["--sockets", "--dport", "70000"],
           ["--sockets", "--src", "10.0.0.0/33"],
           ["--orphans", "--uid", "-1"],
           ["--sockets", "--remotes"]]
    for args in bad:
        p = viewlib.stat(t, ns, *args, rc=None)
        expect_eq("exit status of tcpconn-stat %s" % " ".join(args), 2,
                  p.returncode)
        expect(p.stderr.strip(), "message of tcpconn-stat %s" % " ".join(args),
               "on stderr", "nothing")
        expect_eq("stdout of tcpconn-stat %s" % " ".join(args), "", p.stdout)
