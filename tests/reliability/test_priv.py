# SPDX-License-Identifier: GPL-2.0
"""unprivileged_access: what a user without privileges (uid/gid 65534, no
supplementary groups, no capabilities) can read, compared with root's view
and with /proc/net/tcp{,6} and ss (inet_diag) as that same user.

The model found: tcpconn has no privilege checks of its own. The /proc
files are 0444 (directory 0555) and the genl operations carry no
GENL_ADMIN_PERM/GENL_UNS_ADMIN_PERM, so any user of a netns reads the whole
table of that netns -- addresses, ports, states, queues, timers, uid,
inode, cookie -- exactly as /proc/net/tcp and inet_diag already show it to
that user. Namespaces, not uids, are the boundary (netns_isolation_all).

Also checked, on every view the unprivileged user gets: no value that
looks like a kernel address (no number >= 2^40 in any /proc field or
netlink integer attribute, cookies and inodes included; no hex words in
/proc); the genl header's reserved field is 0 and its version the family's;
attribute and message alignment padding is zero; PAD attributes are empty;
NLMSG_DONE carries status 0.
"""
import os
import re
import stat
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import rlib  # noqa: E402
from rlib import (LATTR, SATTR, SUMATTR, TestFail, expect, expect_eq,  # noqa: E402
                  genl, genlmsg, nlmsg, sumlib)

UNPRIV = 65534
LIMIT = 1 << 40
HEXWORD = re.compile(r"^(0x[0-9a-fA-F]+|[0-9a-fA-F]{12,})$")
PAD = {rlib.LISTENERS_GET: LATTR["TCPCONN_A_LISTENER_PAD"],
       rlib.SOCKETS_GET: SATTR["TCPCONN_A_SOCKET_PAD"],
       rlib.SUMMARY_GET: SUMATTR["TCPCONN_A_SUMMARY_PAD"]}
U64_NESTS = (SUMATTR["TCPCONN_A_SUMMARY_LIMITS"],
             SUMATTR["TCPCONN_A_SUMMARY_COUNTERS"])
U32_NESTS = (SUMATTR["TCPCONN_A_SUMMARY_STATES_V4"],
             SUMATTR["TCPCONN_A_SUMMARY_STATES_V6"],
             SUMATTR["TCPCONN_A_SUMMARY_ORPHANS_V4"],
             SUMATTR["TCPCONN_A_SUMMARY_ORPHANS_V6"])


def raw_request(fid, cmd, dump):
    """All reply messages of one request (until its final reply)."""
    nl = rlib.RawNl(bufsize=65536)
    try:
        flags = genl.NLM_F_REQUEST | (genl.NLM_F_DUMP if dump else genl.NLM_F_ACK)
        nl.send(nlmsg(fid, flags, 77, genlmsg(cmd)))
        out = []
        while True:
            got = nl.recv(30)
            if got is None:
                raise TestFail("no reply to command %d within 30 s" % cmd)
            for m in rlib.split_msgs(got[0]):
                out.append(m)
                if m[0] in (genl.NLMSG_DONE, genl.NLMSG_ERROR):
                    return out
    finally:
        nl.close()


def check_raw(msgs, fid, cmd, where):
    """Header, padding, PAD and value checks of one request's replies;
    returns the number of integer attributes checked."""
    n = 0
    for ty, fl, seq, pid, p, pad in msgs:
        expect_eq(where + ": reply seq", 77, seq)
        expect(not pad.strip(b"\0"), where + ": message alignment padding",
               "zero", pad.hex())
        if ty == genl.NLMSG_DONE:
            expect_eq(where + ": NLMSG_DONE status", b"\0\0\0\0", p[:4])
            continue
        if ty == genl.NLMSG_ERROR:
            expect_eq(where + ": final ack errno", 0,
                      struct.unpack_from("=i", p)[0])
            continue
        expect_eq(where + ": message type", fid, ty)
        c, ver, res = rlib.GENL_HDR.unpack_from(p)
        expect_eq(where + ": genl cmd", cmd, c)
        expect_eq(where + ": genl version", 1, ver)
        expect_eq(where + ": genl reserved", 0, res)
        n += check_attrs(p[4:], cmd, where, PAD[cmd])
    return n


def check_attrs(buf, cmd, where, pad_type, nest=None):
    n = 0
    for t, tflags, payload in rlib.attrs_strict(buf, where):
        w = "%s attr %d%s" % (where, t, "" if nest is None else
                              " in nest %d" % nest)
        if t == pad_type:
            expect(not payload.strip(b"\0"), w + " (PAD)", "empty or zero",
                   payload.hex())
            continue
        if cmd == rlib.SUMMARY_GET and nest is None and \
                t in U64_NESTS + U32_NESTS:
            n += check_attrs(payload, cmd, where, 0, nest=t)
            continue
        if len(payload) == 8:
            v = struct.unpack("=Q", payload)[0]
            expect(v < LIMIT, w + " u64 value", "< 2^40 (no kernel address)",
                   "%#x" % v)
            n += 1
        elif len(payload) == 4 and not (cmd == rlib.LISTENERS_GET and
                                        t == LATTR["TCPCONN_A_LISTENER_ADDR"]) \
                and not (cmd == rlib.SOCKETS_GET and t in (
                    SATTR["TCPCONN_A_SOCKET_SRC_ADDR"],
                    SATTR["TCPCONN_A_SOCKET_DST_ADDR"])):
            n += 1
    return n


def check_proc_words(text, where):
    n = 0
    for i, line in enumerate(text.splitlines(), 1):
        for w in line.split():
            if HEXWORD.match(w) and not w.isdigit():
                raise TestFail("%s line %d: hex word %r (expected no "
                               "pointer-like values)" % (where, i, w))
            if w.isdigit():
                expect(int(w) < LIMIT, "%s line %d value" % (where, i),
                       "< 2^40 (no kernel address)", w)
                n += 1
    return n


def proc_net_tcp():
    """/proc/net/tcp and tcp6: {inode or 4-tuple: (uid, pointer column)}."""
    out = {}
    ptrs = set()
    for f in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in rlib.read_file(f).splitlines()[1:]:
            tok = line.split()
            local, remote, st, uid, ino = tok[1], tok[2], tok[3], tok[7], tok[9]
            out[(f, local, remote, st)] = (int(uid), int(ino))
            if len(tok) > 11:
                ptrs.add(tok[11])
    return out, ptrs


def view(fid):
    """Everything one user sees in the current netns."""
    st = rlib.read_file("/proc/self/status")
    caps = re.search(r"^CapEff:\s*(\S+)", st, re.M).group(1)
    v = {"euid": os.geteuid(), "capeff": caps}
    v["census"] = rlib.census()
    rlib.census_checks(v["census"], "uid %d" % os.geteuid())
    v["proc_tcp"], v["tcp_ptrs"] = proc_net_tcp()
    nums = 0
    for d in rlib.PROC_DIRS:
        for f in ("listeners", "sockets", "summary"):
            nums += check_proc_words(rlib.read_file(d + "/" + f), d + "/" + f)
    attrs = 0
    for cmd, dump in ((rlib.LISTENERS_GET, True), (rlib.SOCKETS_GET, True),
                      (rlib.SUMMARY_GET, False)):
        attrs += check_raw(raw_request(fid, cmd, dump), fid, cmd,
                           "command %d" % cmd)
    v["checked"] = (nums, attrs)
    return v


def test_unprivileged_access(t):
    fid, _ = rlib.family_id()
    ns = t.netns("priv")
    l0 = ns.listen("127.0.0.1", 8000, 16)
    l1 = ns.listen("::", 8001, 16, uid=UNPRIV)
    ns.listen("127.0.0.1", 8002, 16, uid=4242)
    sumlib.connect_pairs(t, l0, "127.0.0.1", 3, srv=ns)
    sumlib.connect_pairs(t, l1, "::1", 2, srv=ns)
    sumlib.connect_pairs(t, l1, "127.0.0.1", 1, srv=ns)     # v4-mapped

    # modes
    for p, want in (("/proc/net/tcpconn", 0o555),
                    ("/proc/net/tcpconn/listeners", 0o444),
                    ("/proc/net/tcpconn/sockets", 0o444),
                    ("/proc/net/tcpconn/summary", 0o444)):
        expect_eq("mode of " + p, oct(want), oct(stat.S_IMODE(os.stat(p).st_mode)))
    expect_eq("/proc/tcpconn", "net/tcpconn", os.readlink("/proc/tcpconn"))

    root = rlib.in_child(view, fid, netns_fd=ns.fd)
    user = rlib.in_child(view, fid, netns_fd=ns.fd, uid=UNPRIV)
    expect_eq("unprivileged child's euid", UNPRIV, user["euid"])
    expect_eq("unprivileged child's effective capabilities", 0,
              int(user["capeff"], 16))

    rc, uc = root["census"], user["census"]
    # the unprivileged user sees what root sees, in every view
    rk = {s.cookie: s.key() for s in rc["ss"]}
    uk = {s.cookie: s.key() for s in uc["ss"]}
    expect_eq("ss as uid %d vs ss as root (sockets by cookie)" % UNPRIV, rk, uk)
    for v in rc["sockets"]:
        a = {s.cookie: s.key() for s in rc["sockets"][v]}
        b = {s.cookie: s.key() for s in uc["sockets"][v]}
        expect_eq("%s as uid %d vs as root" % (v, UNPRIV), a, b)
    for v in rc["listeners"]:
        strip = lambda rows: sorted(  # noqa: E731
            tuple(sorted((k, str(x)) for k, x in r.items()
                         if k not in ("drops", "syn_young")))
            for r in rows)
        expect_eq("%s as uid %d vs as root" % (v, UNPRIV),
                  strip(rc["listeners"][v]), strip(uc["listeners"][v]))
    for v in rc["summary"]:
        for sec in sumlib.STATE_SECTIONS:
            expect_eq("%s %s as uid %d vs as root" % (v, sec, UNPRIV),
                      rc["summary"][v][sec], uc["summary"][v][sec])
    # and what /proc/net/tcp shows the same user: the same sockets, uids
    # and inodes (tcp/tcp6 split by socket family, as tcpconn's family)
    expect_eq("/proc/net/tcp{,6} as uid %d vs as root" % UNPRIV,
              root["proc_tcp"], user["proc_tcp"])
    tcp_inos = sorted(ino for (f, _, _, _), (uid, ino) in user["proc_tcp"].items()
                      if ino)
    tc_inos = sorted(s.ino for s in uc["sockets"]["netlink SOCKETS_GET"]
                     if s.ino)
    expect_eq("inodes in /proc/net/tcp{,6} vs tcpconn (uid %d)" % UNPRIV,
              tcp_inos, tc_inos)
    expect_eq("entries in /proc/net/tcp{,6} vs tcpconn (uid %d)" % UNPRIV,
              len(user["proc_tcp"]), len(uc["sockets"]["netlink SOCKETS_GET"]))
    tcp_uids = sorted(uid for uid, ino in user["proc_tcp"].values())
    tc_uids = sorted(s.uid for s in uc["sockets"]["netlink SOCKETS_GET"])
    expect_eq("uids in /proc/net/tcp{,6} vs tcpconn (uid %d)" % UNPRIV,
              tcp_uids, tc_uids)
    owners = sorted({s.uid for s in uc["ss"]})
    t.note("uid %d (CapEff 0) sees %d sockets (owners %s) in netlink, /proc "
           "and ss, the same as root; /proc/net/tcp{,6}: %d entries, same "
           "inodes and uids" % (UNPRIV, len(uc["ss"]), owners,
                                len(user["proc_tcp"])))
    t.note("/proc/net/tcp pointer column as uid %d: %s; as root: %s"
           % (UNPRIV, sorted(user["tcp_ptrs"])[:3],
              sorted(root["tcp_ptrs"])[:3]))
    t.note("checked %d /proc numbers and %d netlink integer attributes as "
           "uid %d: all < 2^40, padding and reserved fields zero"
           % (user["checked"][0], user["checked"][1], UNPRIV))


TESTS = [("unprivileged_access", test_unprivileged_access, 600)]
