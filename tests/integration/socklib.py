# SPDX-License-Identifier: GPL-2.0
"""Helpers for the sockets-dump tests (test_sockets.py): parsers of the
TCPCONN_CMD_SOCKETS_GET reply, of /proc/net/tcpconn/sockets and of
`ss -tanHeOmo`, and the per-socket comparison of them.

The independent source is ss(8) (inet_diag): every socket is matched by
its cookie (ss -e `sk:`), and its 4-tuple, state, uid, inode, queues and
timer must equal what ss printed. getsockopt(SO_COOKIE) on the test's own
sockets names the sockets a test created, without asking tcpconn.
"""
import collections
import errno
import ipaddress
import re
import socket
import struct
import time

import genl
import tcit
from tcit import TestFail, expect, expect_eq

SOCKETS = "/proc/net/tcpconn/sockets"

SATTR = genl.uapi_enum("tcpconn_socket_attr")
STATE_ENUM = genl.uapi_enum("tcpconn_state")
TIMER_ENUM = genl.uapi_enum("tcpconn_timer")
STATE_NAME = {v: k[len("TCPCONN_STATE_"):] for k, v in STATE_ENUM.items()
              if not k.endswith(("_UNSPEC", "_MAX"))}
STATE_VALUE = {n: v for v, n in STATE_NAME.items()}
# ss -o prints inet_diag's idiag_timer with these names (0 = no field)
SS_TIMERS = {"off": TIMER_ENUM["TCPCONN_TIMER_NONE"],
             "on": TIMER_ENUM["TCPCONN_TIMER_ON"],
             "keepalive": TIMER_ENUM["TCPCONN_TIMER_KEEPALIVE"],
             "timewait": TIMER_ENUM["TCPCONN_TIMER_TIMEWAIT"],
             "persist": TIMER_ENUM["TCPCONN_TIMER_PERSIST"]}
TIMER_NAME = {v: k for k, v in SS_TIMERS.items()}

SS_TO_STATE = {"ESTAB": "ESTABLISHED", "SYN-SENT": "SYN_SENT",
               "SYN-RECV": "SYN_RECV", "FIN-WAIT-1": "FIN_WAIT1",
               "FIN-WAIT-2": "FIN_WAIT2", "TIME-WAIT": "TIME_WAIT",
               "CLOSE": "CLOSE", "CLOSE-WAIT": "CLOSE_WAIT",
               "LAST-ACK": "LAST_ACK", "LISTEN": "LISTEN",
               "CLOSING": "CLOSING"}
ORPHAN_STATES = ("FIN_WAIT1", "FIN_WAIT2", "CLOSING", "LAST_ACK", "CLOSE")

NLM_F_DUMP_INTR = 0x10
SOL_NETLINK, NETLINK_EXT_ACK = 270, 11
NLM_F_ACK_TLVS, NLM_F_CAPPED = 0x200, 0x100
NLMSGERR_ATTR_MSG = 1
SO_COOKIE = 57


def cookie_of(s):
    """The kernel's cookie of one of our sockets (getsockopt SO_COOKIE)."""
    return struct.unpack("=Q", s.getsockopt(socket.SOL_SOCKET, SO_COOKIE, 8))[0]


class Sock:
    """One socket as any of the three sources shows it."""
    __slots__ = ("family", "state", "src", "sport", "dst", "dport", "ifindex",
                 "timer", "expires", "exp_hi", "retrans", "probes", "rq",
                 "wq", "uid", "ino", "cookie", "orphan", "intr", "line")

    def key(self):
        """What must be equal between sources (the timer's expiry moves;
        it is compared with a tolerance)."""
        return (self.family, self.state, self.src, self.sport, self.dst,
                self.dport, self.ifindex, self.rq, self.wq, self.uid,
                self.ino, self.timer, self.retrans)

    def where(self):
        return "%s %s %s:%d -> %s:%d sk:%x" % (
            self.family, self.state, tcit.addr_text(self.src), self.sport,
            tcit.addr_text(self.dst), self.dport, self.cookie)


# --------------------------------------------------------------------------
# ss

def ss_ms(text):
    """ss's print_ms_timer() text -> (lo, hi) milliseconds: it drops the
    milliseconds from 10 s on and the seconds from 10 min on."""
    if text == "":
        return 0, 1
    m = re.fullmatch(r"(?:(\d+)min)?(?:(\d+)(?:sec|\.))?(?:(\d+)ms)?", text)
    if not m:
        raise TestFail("cannot parse ss timer value %r" % text)
    mins, secs, ms = (int(x) if x else 0 for x in m.groups())
    lo = mins * 60000 + secs * 1000 + ms
    if mins > 9:
        return lo, lo + 60000
    if mins or secs > 9:
        return lo, lo + 1000
    return lo, lo + 1


def _endpoint(text):
    """ss -n endpoint -> (family, address, port, device)."""
    host, _, port = text.rpartition(":")
    dev = None
    if host.startswith("["):
        end = host.index("]")
        if host[end + 1:].startswith("%"):
            dev = host[end + 2:]
        fam, addr = "inet6", ipaddress.IPv6Address(host[1:end])
    else:
        if "%" in host:
            host, dev = host.split("%", 1)
        if host == "*":        # an AF_INET6 wildcard that is not v6only
            fam, addr = "inet6", ipaddress.IPv6Address("::")
        else:
            fam, addr = "inet", ipaddress.IPv4Address(host)
    return fam, addr, 0 if port == "*" else int(port), dev


_TIMER = re.compile(r"\btimer:\((\w+),([^,]*),(\d+)\)")
_UID = re.compile(r"\buid:(\d+)")
_INO = re.compile(r"\bino:(\d+)")
_SK = re.compile(r"\bsk:([0-9a-f]+)")


def parse_ss(out, ifmap=None, state=None):
    """`ss -tanHeOm[o]` lines -> [Sock]. ss leaves out the State column
    when the filter selects one state: `state` (ss name) says which. FIN-WAIT-2 without skmem (inet_diag gives
    skmem for full sockets only) is the tw mini-socket: TW_FIN_WAIT2."""
    socks = []
    for line in out.splitlines():
        tok = line.split()
        if not tok:
            continue
        if tok[0] not in SS_TO_STATE and state:
            tok = [state] + tok
        try:
            s = Sock()
            s.state = SS_TO_STATE[tok[0]]
            s.rq, s.wq = int(tok[1]), int(tok[2])
            s.family, s.src, s.sport, dev = _endpoint(tok[3])
            _, s.dst, s.dport, _ = _endpoint(tok[4])
        except (IndexError, ValueError, KeyError) as e:
            raise TestFail("cannot parse ss line %r (%s)" % (line, e))
        full = "skmem:(" in line
        if s.state == "FIN_WAIT2" and not full:
            s.state = "TW_FIN_WAIT2"
        if dev is None:
            s.ifindex = 0
        elif ifmap is not None:
            s.ifindex = ifmap.get(dev, "?" + dev)
        else:
            s.ifindex = dev
        m = _TIMER.search(line)
        if m:
            if m.group(1) not in SS_TIMERS:
                raise TestFail("unknown ss timer in %r" % line)
            s.timer = SS_TIMERS[m.group(1)]
            s.expires, s.exp_hi = ss_ms(m.group(2))
            n = int(m.group(3))
        else:
            s.timer, s.expires, s.exp_hi, n = 0, 0, 1, 0
        # inet_diag's idiag_retrans: icsk_retransmits for "on", probes
        # for persist and keepalive (request sockets: SYN-ACK retransmits)
        s.retrans = n if s.timer == SS_TIMERS["on"] else None
        s.probes = n if s.timer in (SS_TIMERS["persist"],
                                    SS_TIMERS["keepalive"]) else None
        m = _UID.search(line)
        s.uid = int(m.group(1)) if m else 0
        m = _INO.search(line)
        s.ino = int(m.group(1)) if m else None
        m = _SK.search(line)
        s.cookie = int(m.group(1), 16) if m else None
        if s.ino is None or s.cookie is None:
            raise TestFail("no ino:/sk: in ss -e line %r" % line)
        s.orphan = full and s.ino == 0 and s.state in ORPHAN_STATES
        s.intr = False
        s.line = line
        socks.append(s)
    return socks


def ss_socks(ns, *filt, ifmap=None, opts="-tanHeOmo", timeout=120,
             state=None):
    argv = ["ss", opts] + list(filt)
    p = ns.run(argv, timeout=timeout) if ns else tcit.run(argv, timeout=timeout)
    return parse_ss(p.stdout, ifmap, state)


def ss_key(socks):
    """Order-free view of ss output for the stability check (no expiry)."""
    return sorted((s.cookie,) + s.key() for s in socks)


# --------------------------------------------------------------------------
# Netlink: TCPCONN_CMD_SOCKETS_GET

def _addr(b, fam):
    if fam == "inet":
        return ipaddress.IPv4Address(b[:4])
    return ipaddress.IPv6Address(b)


_U8 = struct.Struct("=B")
_U16 = struct.Struct("=H")
_U32 = struct.Struct("=I")
_U64 = struct.Struct("=Q")


def sock_from_attrs(a, intr=False):
    """A dump message's attributes -> Sock, checking lengths."""
    def get(name, st):
        b = a.get(SATTR["TCPCONN_A_SOCKET_" + name])
        if b is None or len(b) != st.size:
            raise TestFail("netlink socket: %s (expected %d bytes, got %s)"
                           % (name, st.size, None if b is None else len(b)))
        return st.unpack(b)[0]
    s = Sock()
    fam = get("FAMILY", _U8)
    if fam not in (socket.AF_INET, socket.AF_INET6):
        raise TestFail("netlink socket: FAMILY (expected 2 or 10, got %d)" % fam)
    s.family = "inet" if fam == socket.AF_INET else "inet6"
    alen = 4 if fam == socket.AF_INET else 16
    for k in ("SRC_ADDR", "DST_ADDR"):
        b = a.get(SATTR["TCPCONN_A_SOCKET_" + k])
        if b is None or len(b) != alen:
            raise TestFail("netlink socket: %s (expected %d bytes, got %s)"
                           % (k, alen, None if b is None else len(b)))
    s.src = _addr(a[SATTR["TCPCONN_A_SOCKET_SRC_ADDR"]], s.family)
    s.dst = _addr(a[SATTR["TCPCONN_A_SOCKET_DST_ADDR"]], s.family)
    st = get("STATE", _U8)
    if st not in STATE_NAME:
        raise TestFail("netlink socket: STATE %d not in enum tcpconn_state" % st)
    s.state = STATE_NAME[st]
    s.sport, s.dport = get("SRC_PORT", _U16), get("DST_PORT", _U16)
    s.ifindex = get("IFINDEX", _U32)
    s.timer = get("TIMER", _U8)
    s.expires = get("EXPIRES_MS", _U32)
    s.exp_hi = None
    s.retrans, s.probes = get("RETRANS", _U32), get("PROBES", _U32)
    s.rq, s.wq = get("RQUEUE", _U32), get("WQUEUE", _U32)
    s.uid = get("UID", _U32)
    s.ino, s.cookie = get("INODE", _U64), get("COOKIE", _U64)
    b = a.get(SATTR["TCPCONN_A_SOCKET_ORPHAN"])
    if b not in (None, b""):
        raise TestFail("netlink socket: ORPHAN flag with a payload %r" % b)
    s.orphan = b is not None
    s.intr = intr
    s.line = None
    return s


def genl_socket(t, ns, bufsize=None, tiny_rcvbuf=False):
    """A genl socket in ns and the family id; bufsize: the recvmsg() size
    (the kernel sizes dump skbs after it, at least NLMSG_GOODSIZE);
    tiny_rcvbuf: the smallest SO_RCVBUF, so that one queued dump skb takes
    more than half of it and even a MSG_PEEK recvmsg() does not make the
    kernel fill the next one (netlink_recvmsg() dumps on while
    sk_rmem_alloc <= sk_rcvbuf / 2)."""
    if ns:
        with ns.entered():
            nl = genl.Genl()
    else:
        nl = genl.Genl()
    t.defer(nl.close)
    if bufsize:
        nl.BUFSIZE = bufsize
    nl.s.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
    fam = nl.family()
    expect(fam is not None, "genl family tcpconn", "found", "not found")
    if tiny_rcvbuf:
        nl.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1)
    return nl, fam[0]


def _errmsg(p, flags):
    """errno and extack message of an NLMSG_ERROR payload."""
    err = -struct.unpack_from("=i", p)[0]
    msg = None
    if flags & NLM_F_ACK_TLVS:
        off = 4 + (16 if flags & NLM_F_CAPPED else
                   struct.unpack_from("=I", p, 4)[0])
        off = (off + 3) & ~3
        a = genl.parse_attrs(p[off:])
        if NLMSGERR_ATTR_MSG in a:
            msg = a[NLMSGERR_ATTR_MSG].rstrip(b"\0").decode(errors="replace")
    return err, msg


def dump(nl, fid, attrs=b"", between=None, raw=False):
    """One SOCKETS_GET dump: (socks, errno, extack message, recvmsg calls).
    between(socks_so_far, last_batch) runs after each recvmsg(); messages
    flagged NLM_F_DUMP_INTR are marked (Sock.intr). raw: attribute dicts
    with an "intr" key instead of Socks (cheaper for huge dumps)."""
    nl.send(fid, genl.NLM_F_REQUEST | genl.NLM_F_DUMP,
            genl.CMD["TCPCONN_CMD_SOCKETS_GET"], attrs)
    out, recvs = [], 0
    while True:
        data, _, mflags, _ = nl.s.recvmsg(nl.BUFSIZE)
        recvs += 1
        if mflags & socket.MSG_TRUNC:
            raise TestFail("netlink message truncated (buffer %d)" % nl.BUFSIZE)
        batch = []
        off = 0
        while off + 16 <= len(data):
            ln, ty, fl = struct.unpack_from("=IHH", data, off)
            if ln < 16:
                break
            p = data[off + 16:off + ln]
            off += (ln + 3) & ~3
            if ty == genl.NLMSG_DONE:
                err = struct.unpack_from("=i", p)[0] if len(p) >= 4 else 0
                msg = None
                if err < 0:
                    _, msg = _errmsg(p, fl)
                return out, -err if err < 0 else 0, msg, recvs
            if ty == genl.NLMSG_ERROR:
                err, msg = _errmsg(p, fl)
                if err:
                    return out, err, msg, recvs
                continue
            a = genl.parse_attrs(p[4:])
            if raw:
                a["intr"] = bool(fl & NLM_F_DUMP_INTR)
                batch.append(a)
            else:
                batch.append(sock_from_attrs(a, bool(fl & NLM_F_DUMP_INTR)))
        out.extend(batch)
        if between:
            between(out, batch)


# request attributes
def f_states(*names):
    m = 0
    for n in names:
        m |= 1 << STATE_VALUE[n]
    return genl.nla(SATTR["TCPCONN_A_SOCKET_STATES"], struct.pack("=I", m))


def f_u8(name, v):
    return genl.nla(SATTR["TCPCONN_A_SOCKET_" + name], struct.pack("=B", v))


def f_u16(name, v):
    return genl.nla(SATTR["TCPCONN_A_SOCKET_" + name], struct.pack("=H", v))


def f_u32(name, v):
    return genl.nla(SATTR["TCPCONN_A_SOCKET_" + name], struct.pack("=I", v))


def f_addr(which, text, plen=None):
    """which: SRC or DST; text: an address; plen: prefix length."""
    b = ipaddress.ip_address(text).packed
    out = genl.nla(SATTR["TCPCONN_A_SOCKET_%s_ADDR" % which], b)
    if plen is not None:
        out += f_u8("%s_PREFIXLEN" % which, plen)
    return out


def f_flag(name):
    return genl.nla(SATTR["TCPCONN_A_SOCKET_" + name], b"")


# --------------------------------------------------------------------------
# /proc/net/tcpconn/sockets

PROC_FIELDS = ("family", "state", "local_address", "lport", "remote_address",
               "rport", "ifindex", "timer", "expires_ms", "retrans", "probes",
               "rqueue", "wqueue", "uid", "inode", "cookie", "flags")


def parse_proc(text, where=SOCKETS):
    """The file -> [Sock], columns found by their header names."""
    expect(text.endswith("\n"), where + ": last line", "newline-terminated",
           repr(text[-40:]))
    lines = text[:-1].split("\n")
    head = lines[0].split()
    missing = [f for f in PROC_FIELDS if f not in head]
    expect(not missing, where + ": header names", "all of %s" % (PROC_FIELDS,),
           "missing %s in %r" % (missing, lines[0]))
    ix = {f: head.index(f) for f in PROC_FIELDS}
    n = len(head)
    out = []
    for i, line in enumerate(lines[1:], 2):
        tok = line.split()
        if len(tok) != n:
            raise TestFail("%s line %d: field count (expected %d, got %d: %r)"
                           % (where, i, n, len(tok), line))
        try:
            s = Sock()
            s.family = tok[ix["family"]]
            expect(s.family in ("inet", "inet6"), "%s line %d family" % (where, i),
                   "inet or inet6", s.family)
            s.state = tok[ix["state"]]
            expect(s.state in STATE_VALUE, "%s line %d state" % (where, i),
                   "a tcpconn_state name", s.state)
            s.src = ipaddress.ip_address(tok[ix["local_address"]])
            s.dst = ipaddress.ip_address(tok[ix["remote_address"]])
            for a, f in ((s.src, "local_address"), (s.dst, "remote_address")):
                expect_eq("%s line %d %s family" % (where, i, f),
                          4 if s.family == "inet" else 6, a.version)
                expect_eq("%s line %d %s text" % (where, i, f),
                          tcit.addr_text(a), tok[ix[f]])
            s.sport, s.dport = int(tok[ix["lport"]]), int(tok[ix["rport"]])
            s.ifindex = int(tok[ix["ifindex"]])
            tn = tok[ix["timer"]]
            expect(tn in SS_TIMERS, "%s line %d timer" % (where, i),
                   "one of %s" % sorted(SS_TIMERS), tn)
            s.timer = SS_TIMERS[tn]
            s.expires, s.exp_hi = int(tok[ix["expires_ms"]]), None
            s.retrans, s.probes = int(tok[ix["retrans"]]), int(tok[ix["probes"]])
            s.rq, s.wq = int(tok[ix["rqueue"]]), int(tok[ix["wqueue"]])
            s.uid, s.ino = int(tok[ix["uid"]]), int(tok[ix["inode"]])
            s.cookie = int(tok[ix["cookie"]])
            fl = tok[ix["flags"]]
            expect(fl in ("-", "orphan"), "%s line %d flags" % (where, i),
                   "- or orphan", fl)
            s.orphan = fl == "orphan"
            s.intr = False
            s.line = line
        except ValueError as e:
            raise TestFail("%s line %d: %s (%r)" % (where, i, e, line))
        out.append(s)
    return out


def proc_socks(ns, chunk=1 << 20):
    return parse_proc(ns.read_chunked(SOCKETS, chunk))


# --------------------------------------------------------------------------
# Comparison

def by_cookie(socks, who, allow_dup_intr=False):
    """{cookie: Sock}; a cookie seen twice is a failure (unless the later
    copy is flagged NLM_F_DUMP_INTR and allow_dup_intr)."""
    out, dups = {}, []
    for s in socks:
        if s.cookie in out:
            if not (allow_dup_intr and s.intr):
                dups.append(s)
            continue
        out[s.cookie] = s
    if dups:
        raise TestFail("%s: %d sockets reported twice (expected each once), "
                       "e.g. %s" % (who, len(dups), dups[0].where()),
                       [d.where() for d in dups[1:6]])
    return out


SLACK_MS = 100      # jiffies rounding, and ss's reads are not instantaneous


def compare(ss1, ss2, got, who, timers=True):
    """Problems between a tcpconn view and ss (read before and after it,
    with equal keys): the same cookies, each with equal fields; expiry
    within what ss printed before and after."""
    probs = []
    a = {s.cookie: s for s in ss1}
    a2 = {s.cookie: s for s in ss2}
    b = by_cookie(got, who)
    for c in sorted(set(a) - set(b)):
        probs.append("%s: %s missing (ss lists it: %s)"
                     % (who, a[c].where(), a[c].line.strip()))
    for c in sorted(set(b) - set(a)):
        probs.append("%s: %s that ss does not list" % (who, b[c].where()))
    names = ("family", "state", "src", "sport", "dst", "dport", "ifindex",
             "rq", "wq", "uid", "ino", "timer", "orphan")
    for c in sorted(set(a) & set(b)):
        s, r = a[c], b[c]
        for f in names:
            if getattr(s, f) != getattr(r, f):
                probs.append("%s: %s %s (expected %r as ss, got %r)"
                             % (who, s.where(), f, getattr(s, f), getattr(r, f)))
        for f in ("retrans", "probes"):
            if getattr(s, f) is not None and getattr(s, f) != getattr(r, f):
                probs.append("%s: %s %s (expected %r as ss -o, got %r)"
                             % (who, s.where(), f, getattr(s, f), getattr(r, f)))
        if not timers or s.timer == 0:
            if s.timer == 0 and r.expires != 0:
                probs.append("%s: %s expires_ms without a timer (expected 0, "
                             "got %d)" % (who, s.where(), r.expires))
            continue
        # ss before >= tcpconn >= ss after, each within its print precision;
        # but a timer that fired and was set again between the two ss reads
        # (after > before) may have been read anywhere down to 0 first.
        s2 = a2[c]
        rearmed = s2.expires > s.exp_hi
        lo = 0 if rearmed else min(s.expires, s2.expires) - SLACK_MS
        hi = max(s.exp_hi, s2.exp_hi) + SLACK_MS
        if not lo <= r.expires <= hi:
            probs.append("%s: %s expires_ms (expected %d..%d from ss -o "
                         "before/after, got %d)" % (who, s.where(), max(lo, 0),
                                                    hi, r.expires))
    return probs


def stable_compare(t, ns, views, filt=(), tries=8, timers=True, ifmap=None,
                   pred=None, state=None):
    """ss, each of views (name -> fn() -> [Sock]), ss again; when the two
    ss outputs agree (expiry aside), every view must equal ss. filt: ss
    filter arguments; pred: a further selection of ss's sockets; state:
    the ss state name when filt selects one. Returns (ss socks,
    {name: socks})."""
    last = None
    if ifmap is None and ns is not None:
        ifmap = ns.ifindexes()
    for _ in range(tries):
        s1 = ss_socks(ns, *filt, ifmap=ifmap, state=state)
        got = {name: fn() for name, fn in views.items()}
        s2 = ss_socks(ns, *filt, ifmap=ifmap, state=state)
        if pred:
            s1 = [s for s in s1 if pred(s)]
            s2 = [s for s in s2 if pred(s)]
        k1, k2 = ss_key(s1), ss_key(s2)
        if k1 != k2:
            last = (set(k1) ^ set(k2))
            continue
        probs = []
        for name, socks in got.items():
            probs += compare(s1, s2, socks, name, timers)
        if probs:
            raise TestFail(probs[0] + ("; and %d more" % (len(probs) - 1)
                                       if len(probs) > 1 else ""),
                           probs[1:12] + ["ss: " + s.line.strip()
                                          for s in s1[:30]])
        return s1, got
    raise TestFail("ss output changed across every tcpconn read (%d tries; "
                   "last difference %s)" % (tries, sorted(last or [])[:4]))


def counts(socks):
    return collections.Counter((s.family, s.state) for s in socks)


def wait_ss(ns, pred, what, timeout=30):
    def f():
        s = ss_socks(ns)
        return pred(s), "; ".join("%s %s: %d" % (k[0], k[1], v) for k, v in
                                  sorted(counts(s).items()))
    tcit.wait_until(f, what, timeout)
    return ss_socks(ns)


def n_state(socks, state, family=None):
    return sum(1 for s in socks if s.state == state and
               family in (None, s.family))


def measure():
    """Guest memory figures (kB) for the big scenarios."""
    mi = {}
    with open("/proc/meminfo") as f:
        for line in f:
            k, v = line.split(":", 1)
            mi[k] = int(v.split()[0])
    rss = 0
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    return {"MemAvailable": mi.get("MemAvailable", 0),
            "Slab": mi.get("Slab", 0), "SUnreclaim": mi.get("SUnreclaim", 0),
            "rss": rss, "t": time.monotonic()}


ERRNO_NAMES = errno.errorcode


def peek_cookies(nl):
    """Cookies of the socket messages in the skb queued on nl, without
    consuming it. During a dump the kernel fills the next skb inside the
    recvmsg() that returned the previous one, so this is where the walk
    stands now: its last messages are the sockets it resumes after. nl
    needs genl_socket(tiny_rcvbuf=True), else the peek itself makes the
    kernel fill one more skb."""
    try:
        data = nl.s.recv(nl.BUFSIZE, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except BlockingIOError:
        return []
    out, off = [], 0
    k = SATTR["TCPCONN_A_SOCKET_COOKIE"]
    while off + 16 <= len(data):
        ln, ty = struct.unpack_from("=IH", data, off)
        if ln < 16:
            break
        if ty not in (genl.NLMSG_DONE, genl.NLMSG_ERROR):
            a = genl.parse_attrs(data[off + 20:off + ln])
            out.append(struct.unpack("=Q", a[k])[0])
        off += (ln + 3) & ~3
    return out
