# SPDX-License-Identifier: GPL-2.0
"""Helpers for the connection-table summary tests (test_summary.py):
parsers of /proc/net/tcpconn/summary, of the TCPCONN_CMD_SUMMARY_GET reply,
of /proc/net/netstat and /proc/net/sockstat, ss(8)'s census of a netns, and
the stable comparison of all of them.

Independent sources: per-state counts come from `ss -tanHeOm` (inet_diag),
TIME_WAIT also from sockstat `tw`, full sockets also from sockstat `inuse`,
counters from /proc/net/netstat, sysctls from /proc/sys -- never from
tcpconn's own output (netlink vs /proc is an extra check on top).
"""
import collections
import dataclasses
import errno
import os
import re
import socket
import struct

import genl
import tcit
from tcit import TestFail, expect, expect_eq, wait_until

SUMMARY = "/proc/net/tcpconn/summary"

SUM_ATTR = genl.uapi_enum("tcpconn_summary_attr")
STATE_ENUM = genl.uapi_enum("tcpconn_state")
LIMIT_ENUM = genl.uapi_enum("tcpconn_limit")
COUNTER_ENUM = genl.uapi_enum("tcpconn_counter")


def _members(enum, prefix):
    """{value: NAME} of the real members of a UAPI enum (no UNSPEC/MAX)."""
    return {v: k[len(prefix):] for k, v in enum.items()
            if k.startswith(prefix) and not k.endswith(("_UNSPEC", "_MAX"))}


# State names in /proc are the enum's names (TCPCONN_STATE_ESTABLISHED ->
# ESTABLISHED), so they come from the header.
STATES = _members(STATE_ENUM, "TCPCONN_STATE_")              # value -> name
STATE_NAMES = [STATES[v] for v in sorted(STATES)]

# The /proc names of limits and counters (the contract of the summary file;
# counters are spelled as /proc/net/netstat spells them).
LIMIT_NAMES = {
    "MAX_TW_BUCKETS": "tcp_max_tw_buckets", "SOMAXCONN": "somaxconn",
    "MAX_SYN_BACKLOG": "tcp_max_syn_backlog", "SYNCOOKIES": "tcp_syncookies",
    "ABORT_ON_OVERFLOW": "tcp_abort_on_overflow",
    "FIN_TIMEOUT": "tcp_fin_timeout", "TW_REUSE": "tcp_tw_reuse",
    "PORT_LOW": "ip_local_port_range_low",
    "PORT_HIGH": "ip_local_port_range_high",
    "TCP_MEM_LOW": "tcp_mem_low", "TCP_MEM_PRESSURE": "tcp_mem_pressure",
    "TCP_MEM_HIGH": "tcp_mem_high", "TCP_MEM_USED": "tcp_mem_used",
    "PAGE_SIZE": "page_size",
}
COUNTER_NAMES = {
    "LISTEN_OVERFLOWS": "ListenOverflows", "LISTEN_DROPS": "ListenDrops",
    "REQQ_FULL_DROP": "TCPReqQFullDrop",
    "REQQ_FULL_DO_COOKIES": "TCPReqQFullDoCookies",
    "SYNCOOKIES_SENT": "SyncookiesSent", "SYNCOOKIES_RECV": "SyncookiesRecv",
    "SYNCOOKIES_FAILED": "SyncookiesFailed",
    "EMBRYONIC_RSTS": "EmbryonicRsts", "ABORT_ON_MEMORY": "TCPAbortOnMemory",
    "ABORT_ON_CLOSE": "TCPAbortOnClose", "ABORT_ON_DATA": "TCPAbortOnData",
    "ABORT_ON_TIMEOUT": "TCPAbortOnTimeout",
    "ABORT_ON_LINGER": "TCPAbortOnLinger",
    "TIMEWAIT_OVERFLOW": "TCPTimeWaitOverflow", "TIMEWAITED": "TW",
    "TIMEWAIT_RECYCLED": "TWRecycled", "TIMEWAIT_KILLED": "TWKilled",
    "MEMORY_PRESSURES": "TCPMemoryPressures",
}
LIMITS = {v: LIMIT_NAMES[n] for v, n in _members(LIMIT_ENUM,
                                                 "TCPCONN_LIMIT_").items()}
COUNTERS = {v: COUNTER_NAMES[n] for v, n in _members(COUNTER_ENUM,
                                                     "TCPCONN_COUNTER_").items()}
TOTALS = ("orphans", "tw_count", "ehash_buckets", "walk_ns")
FAMILIES = ("IPv4", "IPv6")
STATE_SECTIONS = ("IPv4", "IPv6", "OrphansIPv4", "OrphansIPv6")
SECTIONS = {"IPv4": STATE_NAMES, "IPv6": STATE_NAMES,
            "OrphansIPv4": STATE_NAMES, "OrphansIPv6": STATE_NAMES,
            "Totals": list(TOTALS), "Limits": list(LIMITS.values()),
            "TcpExt": list(COUNTERS.values())}

# tw mini-sockets: both substates count in the kernel's TIME_WAIT counter
TW_STATES = ("TIME_WAIT", "TW_FIN_WAIT2")

# A process that closed a socket leaves an orphan only in these states; an
# ESTABLISHED or CLOSE_WAIT full socket without an inode is a child not yet
# accept()ed (never SOCK_DEAD).
ORPHAN_STATES = ("FIN_WAIT1", "FIN_WAIT2", "CLOSING", "LAST_ACK", "CLOSE")


# --------------------------------------------------------------------------
# /proc/net/netstat-style files: pairs of "Prefix: names" / "Prefix: values"

def parse_pairs(text, where):
    """{prefix: {name: int}} of a netstat-style file."""
    expect(text.endswith("\n"), where + ": last line", "newline-terminated",
           repr(text[-40:]))
    lines = text[:-1].split("\n")
    expect(len(lines) % 2 == 0, where + ": line count",
           "pairs of lines (names, values)", len(lines))
    out = {}
    for i in range(0, len(lines), 2):
        n, v = lines[i], lines[i + 1]
        pn, sep1, names = n.partition(":")
        pv, sep2, vals = v.partition(":")
        w = "%s lines %d-%d" % (where, i + 1, i + 2)
        expect(sep1 and sep2 and pn == pv and pn and " " not in pn,
               w + ": prefixes", "the same 'Prefix:' on both lines",
               repr((n[:30], v[:30])))
        names, vals = names.split(), vals.split()
        expect_eq(w + " (%s): number of values vs names" % pn, len(names),
                  len(vals))
        expect(pn not in out, w + ": prefix " + pn, "once in the file",
               "repeated")
        expect(len(set(names)) == len(names), w + ": names", "distinct",
               names)
        try:
            nums = [int(x) for x in vals]
        except ValueError:
            raise TestFail("%s (%s): values (expected decimal integers, got %r)"
                           % (w, pn, vals[:20]))
        out[pn] = dict(zip(names, nums))
    return out


def parse_summary(text, where=SUMMARY):
    """The summary file as {section: {name: value}}; checks the format and
    that every name the contract defines is there (more may be appended)."""
    s = parse_pairs(text, where)
    for sec, names in SECTIONS.items():
        expect(sec in s, where + ": section " + sec, "present",
               "sections %s" % list(s))
        missing = [n for n in names if n not in s[sec]]
        expect(not missing, "%s: names of %s" % (where, sec),
               "all of %s" % names, "missing %s" % missing)
        for n, v in s[sec].items():
            expect(v >= 0, "%s: %s %s" % (where, sec, n), ">= 0", v)
    for sec in STATE_SECTIONS:
        expect_eq("%s: state names of %s (in UAPI enum order)" % (where, sec),
                  STATE_NAMES, list(s[sec])[:len(STATE_NAMES)])
    for fam in FAMILIES:
        for st in STATE_NAMES:
            expect(s["Orphans" + fam][st] <= s[fam][st],
                   "%s: Orphans%s %s <= %s %s" % (where, fam, st, fam, st),
                   "<= %d" % s[fam][st], s["Orphans" + fam][st])
    return s


def parse_sockstat(text, where):
    """{'TCP': {'inuse': n, 'orphan': n, 'tw': n, ...}, 'TCP6': {...}}"""
    out = {}
    for line in text.splitlines():
        pre, sep, rest = line.partition(":")
        tok = rest.split()
        if not sep or len(tok) % 2:
            continue
        try:
            out[pre.strip()] = {tok[i]: int(tok[i + 1])
                                for i in range(0, len(tok), 2)}
        except ValueError:
            raise TestFail("%s: cannot parse %r" % (where, line))
    return out


# --------------------------------------------------------------------------
# Netlink: TCPCONN_CMD_SUMMARY_GET

def _u(buf, what):
    if len(buf) == 4:
        return struct.unpack("=I", buf)[0]
    if len(buf) == 8:
        return struct.unpack("=Q", buf)[0]
    raise TestFail("netlink summary: %s has %d bytes (expected 4 or 8)"
                   % (what, len(buf)))


def _nest(a, attr, names, size, what):
    """{name: value} of a nest keyed by enum value; every key present."""
    buf = a.get(SUM_ATTR[attr])
    expect(buf is not None, "netlink summary: " + attr, "present", "missing")
    inner = genl.parse_attrs(buf)
    out = {}
    for v, name in names.items():
        b = inner.get(v)
        expect(b is not None,
               "netlink summary: %s key %d (%s)" % (attr, v, name),
               "present (zeros included)", "missing")
        expect_eq("netlink summary: %s key %s length" % (attr, name), size,
                  len(b))
        out[name] = _u(b, name)
    return out


def summary_from_attrs(a):
    """The same {section: {name: value}} shape as parse_summary()."""
    s = {}
    for sec, attr in (("IPv4", "TCPCONN_A_SUMMARY_STATES_V4"),
                      ("IPv6", "TCPCONN_A_SUMMARY_STATES_V6"),
                      ("OrphansIPv4", "TCPCONN_A_SUMMARY_ORPHANS_V4"),
                      ("OrphansIPv6", "TCPCONN_A_SUMMARY_ORPHANS_V6")):
        s[sec] = _nest(a, attr, STATES, 4, sec)
    s["Limits"] = _nest(a, "TCPCONN_A_SUMMARY_LIMITS", LIMITS, 8, "Limits")
    s["TcpExt"] = _nest(a, "TCPCONN_A_SUMMARY_COUNTERS", COUNTERS, 8, "TcpExt")
    tot = {}
    for name, attr, size in (("orphans", "TCPCONN_A_SUMMARY_ORPHANS", 4),
                             ("tw_count", "TCPCONN_A_SUMMARY_TW_COUNT", 4),
                             ("ehash_buckets",
                              "TCPCONN_A_SUMMARY_EHASH_BUCKETS", 4),
                             ("walk_ns", "TCPCONN_A_SUMMARY_WALK_NS", 8)):
        b = a.get(SUM_ATTR[attr])
        expect(b is not None, "netlink summary: " + attr, "present", "missing")
        expect_eq("netlink summary: %s length" % attr, size, len(b))
        tot[name] = _u(b, attr)
    s["Totals"] = tot
    return s


def genl_in(t, ns):
    """A genl socket in ns (cached per test and netns) and the family id."""
    cache = t.__dict__.setdefault("_sum_genl", {})
    key = ns.name if ns else None
    if key not in cache:
        if ns:
            with ns.entered():
                nl = genl.Genl()
        else:
            nl = genl.Genl()
        t.defer(nl.close)
        fam = nl.family()
        expect(fam is not None, "genl family tcpconn in %s"
               % (ns.name if ns else "the runner's netns"), "found", "not found")
        cache[key] = (nl, fam[0])
    return cache[key]


def netlink_summary(t, ns):
    nl, fid = genl_in(t, ns)
    err, msgs = nl.request(fid, genl.NLM_F_REQUEST | genl.NLM_F_ACK,
                           genl.CMD["TCPCONN_CMD_SUMMARY_GET"])
    expect_eq("TCPCONN_CMD_SUMMARY_GET: errno (0 = ack)", 0, err)
    expect_eq("TCPCONN_CMD_SUMMARY_GET: reply messages before the ack", 1,
              len(msgs))
    return summary_from_attrs(msgs[0])


# --------------------------------------------------------------------------
# Reading a netns's files in-process (no fork per read)

def read_in(ns, path):
    if ns:
        return ns.read_chunked(path, 1 << 20)
    fd = os.open(path, os.O_RDONLY)
    try:
        out = []
        while True:
            b = os.read(fd, 1 << 20)
            if not b:
                return b"".join(out).decode()
            out.append(b)
    finally:
        os.close(fd)


def proc_summary(ns, path=SUMMARY):
    return parse_summary(read_in(ns, path), path)


def netstat(ns):
    return parse_pairs(read_in(ns, "/proc/net/netstat"), "/proc/net/netstat")


def sockstat(ns):
    s = parse_sockstat(read_in(ns, "/proc/net/sockstat"), "/proc/net/sockstat")
    s.update(parse_sockstat(read_in(ns, "/proc/net/sockstat6"),
                            "/proc/net/sockstat6"))
    for k, fields in (("TCP", ("inuse", "orphan", "tw", "mem")),
                      ("TCP6", ("inuse",))):
        for f in fields:
            expect(f in s.get(k, {}), "/proc/net/sockstat %s %s" % (k, f),
                   "present", sorted(s.get(k, {})))
    return s


def proc_sys(ns, key):
    """A sysctl as read from /proc/sys in ns: list of ints."""
    path = "/proc/sys/" + key.replace(".", "/")
    try:
        text = read_in(ns, path)
    except (OSError, TestFail) as e:
        raise TestFail("cannot read %s in %s: %s"
                       % (path, ns.name if ns else "the runner's netns", e))
    return [int(x) for x in text.split()]


# --------------------------------------------------------------------------
# ss: the independent census of a netns

SS_TO_STATE = {"ESTAB": "ESTABLISHED", "SYN-SENT": "SYN_SENT",
               "SYN-RECV": "SYN_RECV", "FIN-WAIT-1": "FIN_WAIT1",
               "FIN-WAIT-2": "FIN_WAIT2", "TIME-WAIT": "TIME_WAIT",
               "CLOSE": "CLOSE", "CLOSE-WAIT": "CLOSE_WAIT",
               "LAST-ACK": "LAST_ACK", "LISTEN": "LISTEN",
               "CLOSING": "CLOSING"}


@dataclasses.dataclass
class Census:
    """What ss lists in one netns, counted as tcpconn counts."""
    states: collections.Counter     # (IPv4|IPv6, STATE) -> n
    orphans: collections.Counter    # (IPv4|IPv6, STATE) -> n
    socks: list                     # SsEntry
    text: str

    def key(self):
        return (sorted(self.states.items()), sorted(self.orphans.items()))

    def n(self, state, fam=None):
        return sum(v for (f, s), v in self.states.items()
                   if s == state and fam in (None, f))

    def norph(self, state=None, fam=None):
        return sum(v for (f, s), v in self.orphans.items()
                   if state in (None, s) and fam in (None, f))

    def tw(self):
        return self.n("TIME_WAIT") + self.n("TW_FIN_WAIT2")

    def __str__(self):
        return "; ".join(self.show()) or "nothing"

    def show(self):
        return ["ss %s %s: %d" % (f, s, n)
                for (f, s), n in sorted(self.states.items())] + \
            ["ss orphans %s %s: %d" % (f, s, n)
             for (f, s), n in sorted(self.orphans.items())]


class SsEntry:
    """One `ss -tanHeOm` line, parsed only as far as the census needs (a
    10,000-line listing is parsed several times per test, under TCG)."""
    __slots__ = ("state", "fam", "recvq", "sendq", "port", "ino", "kind",
                 "line")


_INO = re.compile(r"\bino:(\d+)")


def parse_ss_light(out):
    socks = []
    for line in out.splitlines():
        tok = line.split()
        if not tok:
            continue
        e = SsEntry()
        try:
            e.state = tok[0]
            e.recvq, e.sendq = int(tok[1]), int(tok[2])
            local = tok[3]
            e.port = int(local.rpartition(":")[2])
        except (IndexError, ValueError):
            raise TestFail("cannot parse ss line %r" % line)
        if e.state not in SS_TO_STATE:
            raise TestFail("unexpected state in ss line %r" % line)
        # ss prints AF_INET6 sockets in brackets (v4-mapped ones too), a
        # dual-stack wildcard as *
        e.fam = "IPv6" if local[0] in "[*" else "IPv4"
        m = _INO.search(line)
        e.ino = int(m.group(1)) if m else None
        # inet_diag reports skmem only for full sockets (not for TIME_WAIT
        # mini-sockets nor request sockets)
        e.kind = "full" if "skmem:(" in line else "mini"
        e.line = line
        socks.append(e)
    return socks


def ss_census(ns, *filt):
    """`ss -tanHeOm`: -e gives ino (0 once a process closed the socket),
    -m gives skmem, for full sockets only."""
    argv = ["ss", "-tanHeOm"] + list(filt)
    p = ns.run(argv, timeout=120) if ns else tcit.run(argv, timeout=120)
    socks = parse_ss_light(p.stdout)
    st, orph = collections.Counter(), collections.Counter()
    for s in socks:
        name = SS_TO_STATE[s.state]
        if s.state == "FIN-WAIT-2" and s.kind == "mini":
            name = "TW_FIN_WAIT2"
        if s.state == "TIME-WAIT" and s.kind == "full":
            raise TestFail("ss shows a full socket in TIME-WAIT: %r" % s.line)
        if s.ino is None:
            raise TestFail("no ino: in ss -e line %r" % s.line)
        st[(s.fam, name)] += 1
        if s.kind == "full" and s.ino == 0 and name in ORPHAN_STATES:
            orph[(s.fam, name)] += 1
    return Census(st, orph, socks, p.stdout)


def wait_census(ns, pred, what, timeout=30):
    """Poll ss until pred(census) is true; returns that census."""
    def f():
        c = ss_census(ns)
        return pred(c), c
    return wait_until(f, what, timeout)


# --------------------------------------------------------------------------
# The comparison

def compare_with_sources(sm, cen, ss_st, who):
    """Problems between a summary and ss (+ sockstat) of the same instant."""
    probs = []

    def diff(what, exp, got):
        if exp != got:
            probs.append("%s: %s (expected %r, got %r)" % (who, what, exp, got))
    for fam in FAMILIES:
        for st in STATE_NAMES:
            ss_what = "ss FIN-WAIT-2 mini-sockets" if st == "TW_FIN_WAIT2" \
                else "ss FIN-WAIT-2 full sockets" if st == "FIN_WAIT2" \
                else "ss"
            diff("%s %s (%s)" % (fam, st, ss_what),
                 cen.states.get((fam, st), 0), sm[fam][st])
            diff("Orphans%s %s (ss full sockets without inode)" % (fam, st),
                 cen.orphans.get((fam, st), 0), sm["Orphans" + fam][st])
    diff("Totals orphans (ss full sockets without inode)", cen.norph(),
         sm["Totals"]["orphans"])
    diff("Totals orphans (sum of the per-state orphans)",
         sum(sm["Orphans" + f][s] for f in FAMILIES for s in STATE_NAMES),
         sm["Totals"]["orphans"])
    diff("Totals tw_count (ss TIME-WAIT + FIN-WAIT-2 mini-sockets)", cen.tw(),
         sm["Totals"]["tw_count"])
    diff("Totals tw_count (sockstat tw)", ss_st["TCP"]["tw"],
         sm["Totals"]["tw_count"])
    diff("TIME_WAIT + TW_FIN_WAIT2 of both families (sockstat tw)",
         ss_st["TCP"]["tw"],
         sum(sm[f][s] for f in FAMILIES for s in TW_STATES))
    # sockstat inuse counts hashed full sockets per proto (tcp_prot,
    # tcpv6_prot); request sockets and tw mini-sockets are not in it
    for fam, key in (("IPv4", "TCP"), ("IPv6", "TCP6")):
        full = sum(sm[fam][s] for s in STATE_NAMES
                   if s not in TW_STATES and s != "SYN_RECV")
        diff("%s full sockets (sockstat %s inuse)" % (fam, key),
             ss_st[key]["inuse"], full)
    return probs


def compare_counters(sm, nst, who):
    probs = []
    ext = nst.get("TcpExt", {})
    for name, v in sm["TcpExt"].items():
        if name not in COUNTERS.values():
            continue            # appended later: not in this contract
        if name not in ext:
            probs.append("%s: TcpExt %s is not in /proc/net/netstat"
                         % (who, name))
        elif ext[name] != v:
            probs.append("%s: TcpExt %s (expected %d from /proc/net/netstat, "
                         "got %d)" % (who, name, ext[name], v))
    return probs


def compare_views(a, b, who_a, who_b):
    """Two tcpconn views of one quiescent netns: equal but for the walk
    time and the host-wide TCP memory in use."""
    probs = []
    for sec, names in SECTIONS.items():
        for n in names:
            if (sec, n) in (("Totals", "walk_ns"), ("Limits", "tcp_mem_used")):
                continue
            if a[sec][n] != b[sec][n]:
                probs.append("%s %s %s differs from %s (expected %d, got %d)"
                             % (who_b, sec, n, who_a, a[sec][n], b[sec][n]))
    return probs


def _stable_key(cen, nst, st):
    return (cen.key(), sorted(nst.get("TcpExt", {}).items()),
            st["TCP"]["tw"], st["TCP"]["inuse"], st["TCP6"]["inuse"])


def check_summary(t, ns, tries=8, netlink=True, counters=True):
    """ss, netstat, sockstat, tcpconn (/proc and netlink), then ss, netstat,
    sockstat again; when nothing moved in between, tcpconn must equal all
    of them exactly. Retries when the netns moved under us.
    Returns (census, /proc summary, netlink summary)."""
    last = None
    for _ in range(tries):
        c1, n1, s1 = ss_census(ns), netstat(ns), sockstat(ns)
        pr = proc_summary(ns)
        nl = netlink_summary(t, ns) if netlink else None
        n2, s2 = netstat(ns), sockstat(ns)
        c2 = ss_census(ns)
        k1, k2 = _stable_key(c1, n1, s1), _stable_key(c2, n2, s2)
        if k1 != k2:
            last = (k1, k2)
            continue
        probs = compare_with_sources(pr, c1, s1, SUMMARY)
        if counters:
            probs += compare_counters(pr, n1, SUMMARY)
        if nl is not None:
            probs += compare_with_sources(nl, c1, s1, "netlink")
            if counters:
                probs += compare_counters(nl, n1, "netlink")
            probs += compare_views(pr, nl, SUMMARY, "netlink")
        if probs:
            det = probs[1:10] + c1.show() + \
                ["sockstat TCP %s TCP6 %s" % (s1["TCP"], s1["TCP6"])] + \
                ["summary " + l for l in summary_text(pr)]
            raise TestFail(probs[0] + ("; and %d more" % (len(probs) - 1)
                                       if len(probs) > 1 else ""), det)
        return c1, pr, nl
    raise TestFail("the netns kept changing across every tcpconn read "
                   "(%d tries; last ss/netstat/sockstat views differ)" % tries,
                   [str(last)[:500]])


def summary_text(sm):
    out = []
    for sec in ("IPv4", "IPv6", "OrphansIPv4", "OrphansIPv6"):
        nz = {k: v for k, v in sm[sec].items() if v}
        out.append("%s %s" % (sec, nz))
    out.append("Totals %s" % sm["Totals"])
    return out


def nonzero(sm, sec):
    return {k: v for k, v in sm[sec].items() if v}


# --------------------------------------------------------------------------
# Scenario building blocks

def raise_nofile(t, n):
    """RLIMIT_NOFILE >= n, raising the hard limit too (root), restored at
    cleanup."""
    import resource
    old = resource.getrlimit(resource.RLIMIT_NOFILE)
    if old[0] >= n:
        return
    hard = old[1] if old[1] == resource.RLIM_INFINITY else max(old[1], n)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (n, hard))
    except (ValueError, OSError) as e:
        raise TestFail("cannot raise RLIMIT_NOFILE to %d (expected to, as "
                       "root; got %s; limits %s)" % (n, e, old))
    t.defer(resource.setrlimit, resource.RLIMIT_NOFILE, old)


def hold(t, socks):
    """Close socks at cleanup, abortively (RST: no TIME_WAIT, no orphan
    left behind in a netns being deleted)."""
    def close_all():
        for s in socks:
            try:
                if s.fileno() >= 0:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                 struct.pack("ii", 1, 0))
            except OSError:
                pass
            s.close()
    t.defer(close_all)
    return socks


def connect_pairs(t, lst, addr, n, *, srv, cli=None, rcvbuf=None, batch=256):
    """n established (client, server) pairs: clients in netns cli (default
    srv) connect to addr:lst.port, srv accepts them from lst."""
    cli = cli or srv
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    lst.sock.settimeout(30)
    held = hold(t, [])
    out = []
    left = n
    while left:
        k = min(batch, left)
        by_port = {}
        with cli.entered():
            for _ in range(k):
                c = socket.socket(fam, socket.SOCK_STREAM)
                held.append(c)
                if rcvbuf:
                    c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
                c.setblocking(False)
                rc = c.connect_ex((addr, lst.port))
                if rc not in (0, errno.EINPROGRESS):
                    raise TestFail("connect to [%s]:%d from %s: %s (after %d "
                                   "connections)" % (addr, lst.port, cli.name,
                                                     os.strerror(rc), len(out)))
                by_port[c.getsockname()[1]] = c
        for _ in range(k):
            try:
                s, peer = lst.sock.accept()
            except (socket.timeout, OSError) as e:
                raise TestFail("accept on [%s]:%d after %d connections: %s"
                               % (lst.addr, lst.port, len(out), e))
            held.append(s)
            c = by_port.pop(peer[1], None)
            expect(c is not None, "accepted peer port %d" % peer[1],
                   "one of our clients", "unknown")
            c.setblocking(True)
            c.settimeout(30)
            s.settimeout(30)
            out.append((c, s))
        left -= k
    return out


def wait_eof(socks, what):
    """Each socket's peer has sent its FIN: recv() returns b''."""
    for s in socks:
        try:
            b = s.recv(1)
        except OSError as e:
            raise TestFail("waiting for the FIN of %s: %s" % (what, e))
        expect_eq("recv() on %s after the peer's close" % what, b"", b)


def fill(s, what):
    """Write into s until the kernel takes no more (the peer does not
    read: its window closes, our send queue stays full)."""
    s.setblocking(False)
    total = 0
    chunk = b"z" * 65536
    while True:
        try:
            total += s.send(chunk)
        except BlockingIOError:
            break
        except OSError as e:
            raise TestFail("filling %s: %s" % (what, e))
    s.setblocking(True)
    return total


NFT_TABLE = "tcsum"


def nft_drop(t, ns, rules):
    """Drop packets in ns matching each of rules (nft expressions), on
    input (lo included). The table is deleted at cleanup, before the
    sockets are closed (cleanup runs in reverse)."""
    body = "table inet %s {\n chain in {\n  type filter hook input " \
           "priority 0; policy accept;\n" % NFT_TABLE
    body += "".join("  %s drop\n" % r for r in rules) + " }\n}\n"
    p = ns.run(["nft", "-f", "-"], input=body, check=False)
    if p.returncode:
        raise TestFail("cannot install nft rules in %s (nf_tables missing in "
                       "this kernel?): %s" % (ns.name, p.stderr.strip()))
    t.defer(lambda: ns.run(["nft", "delete", "table", "inet", NFT_TABLE],
                           check=False))
