# SPDX-License-Identifier: GPL-2.0
"""Helpers for the client-view tests (test_views.py): run tcpconn-stat's
socket views, parse their JSON and tables, and the ss(8) figures they are
compared with (ss -p users, per-remote and per-pool counts).

The independent source is ss (inet_diag) and /proc; never tcpconn's own
output. Tables are checked for alignment (every column starts, or ends,
at the same offset in every row and the header).
"""
import collections
import ipaddress
import json
import re
import time

import socklib
import tcit
from socklib import SS_TIMERS, Sock
from tcit import TestFail, clip, expect, expect_eq


def stat(t, ns, *args, rc=0):
    """tcpconn-stat ARGS in ns -> CompletedProcess; rc is required."""
    p = tcit.stat_run(t, ns, list(args), check=False, timeout=600)
    if rc is not None and p.returncode != rc:
        raise TestFail("tcpconn-stat %s: exit %d (expected %d)"
                       % (" ".join(args), p.returncode, rc),
                       clip(p.stderr, 10) + clip(p.stdout, 10))
    return p


def stat_doc(t, ns, *args):
    """tcpconn-stat ARGS -j -> the parsed document (must be valid JSON)."""
    p = stat(t, ns, *(list(args) + ["-j"]))
    try:
        return json.loads(p.stdout)
    except json.JSONDecodeError as e:
        raise TestFail("tcpconn-stat %s -j: output is not JSON (%s)"
                       % (" ".join(args), e), clip(p.stdout, 10))


def _ip(text):
    return ipaddress.ip_address(text)


def sock_from_json(o):
    """One --sockets -j object -> socklib.Sock (ss's field meanings)."""
    s = Sock()
    s.family = o["family"]
    s.state = o["state"].upper()
    s.src, s.sport = _ip(o["local_address"]), o["local_port"]
    s.dst, s.dport = _ip(o["remote_address"]), o["remote_port"]
    s.ifindex = o["ifindex"]
    s.rq, s.wq = o["recv_q"], o["send_q"]
    s.timer = SS_TIMERS[o["timer"]] if o["timer"] else 0
    s.expires = o["expires_ms"]
    s.exp_hi = s.expires
    s.retrans, s.probes = o["retrans"], o["probes"]
    s.uid, s.ino, s.cookie = o["uid"], o["inode"], o["cookie"]
    s.orphan = o["orphan"]
    s.intr = False
    s.line = json.dumps(o)
    return s


def sockets_view(t, ns, *args, docs=None):
    """A stable_compare() view: tcpconn-stat ARGS -j -> [Sock]. The
    document's own checks (count, no interruption) are made here; docs,
    a list, collects the documents."""
    def fetch():
        doc = stat_doc(t, ns, *args)
        socks = doc.get("sockets")
        expect(isinstance(socks, list), "%s -j: sockets" % " ".join(args),
               "a list", repr(doc)[:200])
        expect_eq("%s -j: count" % " ".join(args), len(socks), doc["count"])
        expect_eq("%s -j: dump_interrupted (a quiet netns)" % " ".join(args),
                  False, doc["dump_interrupted"])
        expect_eq("%s -j: duplicates_dropped" % " ".join(args), 0,
                  doc["duplicates_dropped"])
        if docs is not None:
            docs.append(doc)
        return [sock_from_json(o) for o in socks]
    return fetch


# --------------------------------------------------------------------------
# Tables

def check_aligned(text, header, what):
    """The table from the first line whose first cell is header: cells are
    separated by 2+ spaces; each column's cells share their start (left
    aligned) or their end (right aligned) with the header. Returns the
    rows as lists of cells (header first)."""
    lines = text.splitlines()
    head = re.compile(r"\s*%s(\s{2}|$)" % re.escape(header))
    start = [i for i, ln in enumerate(lines) if head.match(ln)]
    expect(start, "%s: table header %r" % (what, header), "present",
           clip(text, 8))
    rows = []
    for ln in lines[start[0]:]:
        cells = [(m.start(), m.end(), m.group()) for m in
                 re.finditer(r"\S+(?: \S+)*", ln)]
        # the table ends at a blank line, "... and N more", or a sentence
        if not cells or ln.startswith("...") or \
                (rows and len(cells) == 1 and len(rows[0]) > 1 and
                 " " in cells[0][2]):
            break
        rows.append(cells)
    ncol = len(rows[0])
    for r in rows[1:]:
        expect_eq("%s: cells in row %r" % (what, " ".join(c[2] for c in r)),
                  ncol, len(r))
    for col in range(ncol):
        starts = {r[col][0] for r in rows}
        ends = {r[col][1] for r in rows}
        expect(len(starts) == 1 or len(ends) == 1,
               "%s: column %r aligned" % (what, rows[0][col][2]),
               "one start or one end offset",
               "starts %s, ends %s" % (sorted(starts)[:5], sorted(ends)[:5]))
    return [[c[2] for c in r] for r in rows]


# --------------------------------------------------------------------------
# ss aggregations

def unmapped(addr):
    """A v4-mapped IPv6 address as its IPv4 address (as --remotes/--ports)."""
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped:
        return addr.ipv4_mapped
    return addr


# tcpconn's JSON state keys from ss's (mini-socket FIN-WAIT-2 split off)
def state_key(s):
    return s.state.lower()


def ss_remotes(socks):
    """{remote address: Counter(state key)} of ss's non-listening sockets."""
    out = collections.defaultdict(collections.Counter)
    for s in socks:
        if s.state != "LISTEN":
            out[unmapped(s.dst)][state_key(s)] += 1
    return out


def remotes_from_json(doc):
    out = {}
    for r in doc["remotes"]:
        st = collections.Counter({k: v for k, v in r["states"].items() if v})
        expect_eq("--remotes -j: total of %s = sum of its states"
                  % r["remote_address"], sum(st.values()), r["total"])
        out[_ip(r["remote_address"])] = st
    return out


def check_remotes(t, ns, ss, doc=None):
    """--remotes -j --top 0 (doc, or run now) vs ss's sockets (a stable
    list)."""
    if doc is None:
        doc = stat_doc(t, ns, "--remotes", "--top", "0")
    want = ss_remotes(ss)
    got = remotes_from_json(doc)
    diff = sorted(str(a) for a in set(want) ^ set(got))
    expect(not diff, "--remotes: remote addresses vs ss", "the same set",
           "differ in %s" % diff[:6])
    bad = [(str(a), dict(want[a]), dict(got[a])) for a in want
           if want[a] != got[a]]
    expect(not bad, "--remotes: count per state per remote address vs ss",
           "equal", "%d differ, e.g. (ss, tcpconn) %s" % (len(bad), bad[:2]))
    expect_eq("--remotes: connections vs ss's non-listening sockets",
              sum(1 for s in ss if s.state != "LISTEN"), doc["connections"])
    totals = [r["total"] for r in doc["remotes"]]
    expect_eq("--remotes: most connections first",
              sorted(totals, reverse=True), totals)
    return doc


def listener_covers(lst, s):
    """Does ss listener lst take connections to s's local address:port?"""
    if lst.sport != s.sport:
        return False
    la, sa = unmapped(lst.src), unmapped(s.src)
    if lst.src == ipaddress.IPv6Address("::"):
        return True
    if lst.src == ipaddress.IPv4Address("0.0.0.0"):
        return sa.version == 4
    return la == sa


def ss_pools(ss, low, high, reserved=frozenset()):
    """ss's sockets -> ({(local, remote, rport): [used, timewait]},
    inbound, outside), as ports.h defines them."""
    lst = [s for s in ss if s.state == "LISTEN"]
    pools = collections.defaultdict(lambda: [0, 0])
    inbound = outside = 0
    for s in ss:
        if s.state == "LISTEN":
            continue
        if any(listener_covers(li, s) for li in lst):
            inbound += 1
            continue
        if not low <= s.sport <= high or s.sport in reserved:
            outside += 1
            continue
        p = pools[(unmapped(s.src), unmapped(s.dst), s.dport)]
        p[0] += 1
        if s.state in ("TIME_WAIT", "TW_FIN_WAIT2"):
            p[1] += 1
    return pools, inbound, outside


def check_ports(t, ns, ss, low, high, reserved=frozenset(), doc=None):
    """--ports -j --top 0 (doc, or run now) vs ss's sockets and
    ip_local_port_range/ip_local_reserved_ports as the test set them."""
    if doc is None:
        doc = stat_doc(t, ns, "--ports", "--top", "0")
    expect_eq("--ports: ip_local_port_range", [low, high],
              doc["ip_local_port_range"])
    nres = sum(1 for p in reserved if low <= p <= high)
    expect_eq("--ports: reserved ports in the range", nres,
              doc["reserved_in_range"])
    cap = high - low + 1 - nres
    expect_eq("--ports: ports per pool (range - reserved)", cap,
              doc["ports_per_pool"])
    pools, inbound, outside = ss_pools(ss, low, high, reserved)
    got = {}
    for p in doc["pools"]:
        k = (_ip(p["local_address"]), _ip(p["remote_address"]),
             p["remote_port"])
        expect(k not in got, "--ports: pool %s listed once" % (k,), "once",
               "twice")
        got[k] = p
        used = p["used"]
        expect_eq("--ports: free of %s (ports per pool - used)" % (k,),
                  max(cap - used, 0), p["free"])
        expect_eq("--ports: use%% of %s (used / %d, rounded up)" % (k, cap),
                  -(-used * 100 // cap), p["use_pct"])
    diff = sorted(str(k) for k in set(pools) ^ set(got))
    expect(not diff, "--ports: pools vs ss", "the same set",
           "differ in %s" % diff[:4])
    bad = [(str(k), pools[k], [got[k]["used"], got[k]["time_wait"]])
           for k in pools if pools[k] != [got[k]["used"], got[k]["time_wait"]]]
    expect(not bad, "--ports: used and TIME-WAIT per pool vs ss", "equal",
           "%d differ, e.g. (ss, tcpconn) %s" % (len(bad), bad[:3]))
    expect_eq("--ports: inbound connections (ss: a listener covers the "
              "local address:port)", inbound, doc["inbound_connections"])
    expect_eq("--ports: connections outside the range or on reserved ports",
              outside, doc["outside_range_connections"])
    expect_eq("--ports: connections in pools", sum(v[0] for v in
                                                   pools.values()),
              doc["pooled_connections"])
    used = [p["used"] for p in doc["pools"]]
    expect_eq("--ports: most used first", sorted(used, reverse=True), used)
    return doc


def stable_check(t, ns, args, check, tries=5):
    """ss, tcpconn-stat ARGS -j, ss; when both ss reads agree, return
    check(ss socks, doc) (which raises on a difference)."""
    for _ in range(tries):
        s1 = socklib.ss_socks(ns)
        doc = stat_doc(t, ns, *args)
        if socklib.ss_key(s1) == socklib.ss_key(socklib.ss_socks(ns)):
            return check(s1, doc)
    raise TestFail("ss changed across every tcpconn-stat %s run (%d tries)"
                   % (" ".join(args), tries))


def table_notes(t, text, tag, top=8):
    """Put a table's text into the notes (printed as # lines with -v)."""
    for ln in text.splitlines()[:top]:
        t.note("%s| %s" % (tag, ln))


# --------------------------------------------------------------------------
# ss -p

_USERS = re.compile(r'\("((?:[^"\\]|\\.)*)",pid=(\d+),fd=(\d+)\)')


def ss_users(ns):
    """{inode: sorted [(command, pid, fd)]} from ss -tanpHe (sockets with
    an inode only)."""
    p = ns.run(["ss", "-tanpHe"], timeout=120)
    out = {}
    for line in p.stdout.splitlines():
        m = socklib._INO.search(line)
        if not m or m.group(1) == "0":
            continue
        users = []
        u = line.find("users:((")
        if u >= 0:
            users = sorted((c, int(pid), int(fd)) for c, pid, fd in
                           _USERS.findall(line[u:]))
        out[int(m.group(1))] = users
    return out


def stat_users(doc):
    """{inode: sorted [(command, pid, fd)]} from --sockets -p -j."""
    out = {}
    for o in doc["sockets"]:
        if o["inode"]:
            out[o["inode"]] = sorted((u["command"], u["pid"], u["fd"])
                                     for u in (o["processes"] or []))
    return out


# --------------------------------------------------------------------------
# --ports and --remotes on test_sockets.sockets_65k's connections

def views_65k(t, ns):
    """--ports and --remotes -j --top 0, timed: run by test_sockets_65k
    between its two ss reads."""
    ta = time.monotonic()
    ports = stat_doc(t, ns, "--ports", "--top", "0")
    tb = time.monotonic()
    remotes = stat_doc(t, ns, "--remotes", "--top", "0")
    tc = time.monotonic()
    return {"ports": ports, "remotes": remotes, "t_ports": tb - ta,
            "t_remotes": tc - tb}


def light_socks(light):
    """test_sockets._ss_light()'s {cookie: (ss state, local, peer)} ->
    Socks with state and endpoints (what the aggregations need)."""
    out = []
    for st, lo, pe in light.values():
        s = Sock()
        s.state = socklib.SS_TO_STATE[st]
        s.family, s.src, s.sport, _ = socklib._endpoint(lo)
        _, s.dst, s.dport, _ = socklib._endpoint(pe)
        out.append(s)
    return out


def check_65k(t, ns, ss, docs, srcs, per, reserved):
    """test_sockets_65k's connections (ss: light_socks of the ss read
    before docs, equal to the one after): --ports and --remotes vs ss;
    their tables go to the notes (# lines with -v)."""
    pdoc = check_ports(t, ns, ss, 1024, 65535, reserved, doc=docs["ports"])
    rdoc = check_remotes(t, ns, ss, doc=docs["remotes"])
    nres = sum(1 for p in reserved if 1024 <= p <= 65535)
    pools = {p["local_address"]: p for p in pdoc["pools"]}
    for src in srcs:
        p = pools.get(src)
        expect(p is not None, "pool %s -> 127.0.0.1:9500" % src, "listed",
               sorted(pools))
        expect_eq("pool %s -> 127.0.0.1:9500: used, free" % src,
                  (per, 64512 - nres - per), (p["used"], p["free"]))
    expect_eq("inbound connections (server side of 127.0.0.1:9500)",
              per * len(srcs), pdoc["inbound_connections"])
    expect(pdoc["pooled_connections"] + pdoc["inbound_connections"] > 65535,
           "connections in the netns", "> 65535",
           pdoc["pooled_connections"] + pdoc["inbound_connections"])
    rem = {r["remote_address"]: r for r in rdoc["remotes"]}
    expect_eq("--remotes: 127.0.0.1 (the clients' peer)", per * len(srcs),
              rem["127.0.0.1"]["states"]["established"])
    pt = stat(t, ns, "--ports").stdout
    check_aligned(pt, "Local Address", "--ports")
    rt = stat(t, ns, "--remotes", "--top", "5").stdout
    check_aligned(rt, "Remote Address", "--remotes")
    t.note("65k views: --ports -j %.1f s, --remotes -j %.1f s"
           % (docs["t_ports"], docs["t_remotes"]))
    table_notes(t, pt, "65k --ports", 30)
    table_notes(t, rt, "65k --remotes", 20)
