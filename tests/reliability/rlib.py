# SPDX-License-Identifier: GPL-2.0
"""Shared helpers of the reliability tests (Python 3.11, stdlib only).

The parsers and comparisons with ss(8) come from tests/integration (genl,
tcit, socklib, sumlib), so both suites read tcpconn the same way. This file
adds the runner's per-test context, raw netlink messages (built and parsed
byte by byte, for malformed input), a census of every tcpconn interface of
one netns, and fork helpers that run a function in another netns or as
another user and return its result.
"""
import contextlib
import ctypes
import errno
import ipaddress
import os
import pickle
import select
import signal
import socket
import struct
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import genl  # noqa: E402
import socklib  # noqa: E402
import sumlib  # noqa: E402
import tcit  # noqa: E402
from tcit import TestFail, expect, expect_eq  # noqa: E402,F401

CLONE_NEWNET = 0x40000000
SOL_NETLINK = 270
NETLINK_CAP_ACK, NETLINK_EXT_ACK = 10, 11
NLM_F_MULTI, NLM_F_ECHO = 0x2, 0x8
NLM_F_DUMP_INTR = 0x10
NLMSG_HDR = struct.Struct("=IHHII")
GENL_HDR = struct.Struct("=BBH")

CMD = genl.CMD
LATTR = genl.uapi_enum("tcpconn_listener_attr")
SATTR = genl.uapi_enum("tcpconn_socket_attr")
SUMATTR = genl.uapi_enum("tcpconn_summary_attr")
LISTENERS_GET = CMD["TCPCONN_CMD_LISTENERS_GET"]
SUMMARY_GET = CMD["TCPCONN_CMD_SUMMARY_GET"]
SOCKETS_GET = CMD["TCPCONN_CMD_SOCKETS_GET"]

_libc = ctypes.CDLL(None, use_errno=True)


def errname(e):
    if e == errno.EOPNOTSUPP:
        return "EOPNOTSUPP"
    return errno.errorcode.get(e, str(e)) if e else "ack"


# --------------------------------------------------------------------------
# Runner

class Timeout(TestFail):
    pass


class T:
    """Per-test context: a cleanup stack and notes (figures)."""

    def __init__(self, name, verbose):
        self.name = name
        self.verbose = verbose
        self.stack = contextlib.ExitStack()
        self.notes = []
        self._ns = 0

    def defer(self, fn, *args):
        self.stack.callback(fn, *args)

    def netns(self, tag=None):
        self._ns += 1
        return tcit.Netns(self, tag or "r%d" % self._ns)

    def note(self, line):
        self.notes.append(line)

    def cleanup(self):
        errors = []
        while True:
            try:
                self.stack.close()
                break
            except BaseException as e:
                errors.append(e)
        return errors


def _alarm(signum, frame):
    raise Timeout("test timed out")


def leftover_netns():
    try:
        return sorted(n for n in os.listdir(tcit.NETNS_DIR)
                      if n.startswith(tcit.NS_PREFIX))
    except FileNotFoundError:
        return []


def run_one(name, fn, limit, verbose):
    t = T(name, verbose)
    ns0 = tcit.current_netns_ino()
    reason, details = None, []
    start = time.monotonic()
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(limit)
    try:
        fn(t)
    except Timeout:
        reason = "timed out after %ds (expected to finish, got no result)" % limit
        details = traceback.format_exc().splitlines()[-8:]
    except TestFail as e:
        reason, details = str(e), e.details
    except Exception as e:
        reason = "internal error: %s: %s" % (type(e).__name__, e)
        details = traceback.format_exc().splitlines()
    finally:
        signal.alarm(0)
    errs = t.cleanup()
    if tcit.current_netns_ino() != ns0:
        tcit.setns(os.open("/proc/1/ns/net", os.O_RDONLY))
        errs.append(RuntimeError("test left the runner in another netns"))
    left = leftover_netns()
    if left:
        errs.append(RuntimeError("netns left behind: %s" % left))
        for n in left:
            tcit.run(["ip", "netns", "del", n], check=False)
    if errs and reason is None:
        reason = "cleanup failed: %s" % errs[0]
    elif errs:
        details.append("cleanup also failed: %s" % errs[0])
    took = time.monotonic() - start
    if reason is None:
        print("ok - %s" % name)
        if verbose:
            for n in t.notes:
                print("# %s" % n)
    else:
        print("not ok - %s: %s" % (name, reason))
        for d in t.notes + list(details):
            for line in str(d).splitlines():
                print("#   %s" % line)
    if verbose:
        print("# %s took %.2fs" % (name, took))
    sys.stdout.flush()
    return reason is None


# --------------------------------------------------------------------------
# Raw netlink

def nlmsg(ftype, flags, seq, payload, length=None, pid=0):
    """One netlink message; length overrides nlmsg_len (may lie)."""
    ln = NLMSG_HDR.size + len(payload) if length is None else length
    return NLMSG_HDR.pack(ln, ftype, flags, seq, pid) + payload


def genlmsg(cmd, attrs=b"", version=1, reserved=0):
    return GENL_HDR.pack(cmd, version, reserved) + attrs


def nla(atype, payload, pad=True):
    hdr = struct.pack("=HH", 4 + len(payload), atype)
    return hdr + payload + (b"\0" * (-len(payload) % 4) if pad else b"")


def split_msgs(data):
    """[(type, flags, seq, pid, payload, padding)] of one recvmsg() buffer;
    padding: the alignment bytes after the message."""
    out, off = [], 0
    while off + 16 <= len(data):
        ln, ty, fl, seq, pid = NLMSG_HDR.unpack_from(data, off)
        if ln < 16 or off + ln > len(data):
            raise TestFail("malformed netlink reply: nlmsg_len %d at offset %d "
                           "of %d bytes" % (ln, off, len(data)))
        end = off + ((ln + 3) & ~3)
        out.append((ty, fl, seq, pid, data[off + 16:off + ln],
                    data[off + ln:min(end, len(data))]))
        off = end
    return out


def attrs_strict(buf, where):
    """[(type, flags, payload)] of an attribute stream, checking that the
    lengths add up and that the alignment padding bytes are zero."""
    out, off = [], 0
    while off < len(buf):
        if off + 4 > len(buf):
            raise TestFail("%s: %d stray bytes after the attributes"
                           % (where, len(buf) - off))
        ln, ty = struct.unpack_from("=HH", buf, off)
        if ln < 4 or off + ln > len(buf):
            raise TestFail("%s: attribute type %d length %d overruns the "
                           "message (%d bytes left)" % (where, ty & 0x3fff,
                                                        ln, len(buf) - off))
        pad = buf[off + ln:off + ((ln + 3) & ~3)]
        if pad.strip(b"\0"):
            raise TestFail("%s: attribute type %d: padding bytes not zero (%s)"
                           % (where, ty & 0x3fff, pad.hex()))
        out.append((ty & 0x3fff, ty & ~0x3fff, buf[off + 4:off + ln]))
        off += (ln + 3) & ~3
    return out


class RawNl:
    """A NETLINK_GENERIC socket in the current netns with options, sending
    raw bytes and receiving whole datagrams."""

    def __init__(self, rcvbuf=None, ext_ack=False, cap_ack=False,
                 bufsize=65536):
        self.s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                               genl.NETLINK_GENERIC)
        if rcvbuf:
            self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        if ext_ack:
            self.s.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        if cap_ack:
            self.s.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
        self.s.bind((0, 0))
        self.bufsize = bufsize
        self.opts = dict(rcvbuf=rcvbuf, ext_ack=ext_ack, cap_ack=cap_ack,
                         bufsize=bufsize)

    def close(self):
        self.s.close()

    def send(self, data):
        self.s.send(data)

    def recv(self, timeout, bufsize=None):
        """(data, msg_flags) or None on timeout."""
        r, _, _ = select.select([self.s], [], [], timeout)
        if not r:
            return None
        data, _, flags, _ = self.s.recvmsg(bufsize or self.bufsize)
        return data, flags


def family_id(ns=None):
    """The tcpconn genl family id and version (seen from ns or here)."""
    if ns:
        with ns.entered():
            nl = genl.Genl()
    else:
        nl = genl.Genl()
    try:
        fam = nl.family()
    finally:
        nl.close()
    expect(fam is not None, "genl family tcpconn", "registered", "not found")
    return fam


# --------------------------------------------------------------------------
# Views of one netns (the caller's current one)

LISTENER_U32 = ("IFINDEX", "SYN_QUEUE", "SYN_YOUNG", "ACCEPT_QUEUE",
                "BACKLOG", "DROPS", "UID")


def listener_row(a):
    """A LISTENERS_GET message's attributes -> the row shape of
    tcit.parse_proc() (without 'full', which /proc derives)."""
    def get(name, fmt):
        b = a.get(LATTR["TCPCONN_A_LISTENER_" + name])
        size = struct.calcsize(fmt)
        if b is None or len(b) != size:
            raise TestFail("netlink listener: %s (expected %d bytes, got %s)"
                           % (name, size, None if b is None else len(b)))
        return struct.unpack(fmt, b)[0]
    fam = get("FAMILY", "=B")
    expect(fam in (socket.AF_INET, socket.AF_INET6), "netlink listener FAMILY",
           "2 or 10", fam)
    b = a.get(LATTR["TCPCONN_A_LISTENER_ADDR"], b"")
    expect_eq("netlink listener ADDR length", 4 if fam == socket.AF_INET else 16,
              len(b))
    row = dict(family="inet" if fam == socket.AF_INET else "inet6",
               addr=ipaddress.ip_address(b), port=get("PORT", "=H"))
    for k in LISTENER_U32:
        row[k.lower()] = get(k, "=I")
    row["inode"] = get("INODE", "=Q")
    row["cookie"] = get("COOKIE", "=Q")
    row["reuseport"] = LATTR["TCPCONN_A_LISTENER_REUSEPORT"] in a
    row["v6only"] = LATTR["TCPCONN_A_LISTENER_V6ONLY"] in a
    return row


def nl_listeners(nl, fid):
    nl.send(fid, genl.NLM_F_REQUEST | genl.NLM_F_DUMP, LISTENERS_GET)
    rows, err = nl.read_dump()
    expect_eq("LISTENERS_GET dump errno", 0, err)
    return [listener_row(a) for a in rows]


def nl_summary(nl, fid):
    err, msgs = nl.request(fid, genl.NLM_F_REQUEST | genl.NLM_F_ACK,
                           SUMMARY_GET)
    expect_eq("SUMMARY_GET errno (0 = ack)", 0, err)
    expect_eq("SUMMARY_GET reply messages", 1, len(msgs))
    return sumlib.summary_from_attrs(msgs[0])


def read_file(path, chunk=1 << 20):
    fd = os.open(path, os.O_RDONLY)
    try:
        out = []
        while True:
            b = os.read(fd, chunk)
            if not b:
                return b"".join(out).decode()
            out.append(b)
    finally:
        os.close(fd)


PROC_DIRS = ("/proc/net/tcpconn", "/proc/tcpconn")


def census():
    """Every tcpconn view of the current netns, and ss's: a dict of
    netlink listeners/sockets/summary, the three /proc files under both
    paths (parsed), ss sockets. Reads in a stable round: ss, views, ss,
    retried until the two ss agree; the views are compared with ss by
    socklib.stable_compare() (sockets) and by the callers."""
    nl = genl.Genl()
    try:
        nl.s.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        fam = nl.family()
        expect(fam is not None, "genl family tcpconn in this netns", "found",
               "not found")
        fid = fam[0]
        c = {}
        views = {"netlink SOCKETS_GET": lambda: socklib.dump(nl, fid)[0]}
        for d in PROC_DIRS:
            views[d + "/sockets"] = (
                lambda d=d: socklib.parse_proc(read_file(d + "/sockets"),
                                               d + "/sockets"))
        ifmap = {name: idx for idx, name in socket.if_nameindex()}
        ss, got = socklib.stable_compare(None, None, views, ifmap=ifmap)
        c["ss"] = ss
        c["sockets"] = got
        c["listeners"] = {"netlink LISTENERS_GET": nl_listeners(nl, fid)}
        for d in PROC_DIRS:
            c["listeners"][d + "/listeners"] = tcit.parse_proc(
                read_file(d + "/listeners"), d + "/listeners")
        c["summary"] = {"netlink SUMMARY_GET": nl_summary(nl, fid)}
        for d in PROC_DIRS:
            c["summary"][d + "/summary"] = sumlib.parse_summary(
                read_file(d + "/summary"), d + "/summary")
        c["netns_ino"] = tcit.current_netns_ino()
        return c
    finally:
        nl.close()


def census_checks(c, where):
    """The views of one census against each other and ss: the same
    listeners (by inode, all fields), summary state counts = ss's per state;
    the socket views were compared with ss by census() itself."""
    ss = c["ss"]
    ss_listen = {s.ino for s in ss if s.state == "LISTEN"}
    lv = c["listeners"]
    names = list(lv)
    for n in names:
        inos = {r["inode"] for r in lv[n]}
        expect_eq("%s: %s listener inodes vs ss LISTEN inodes" % (where, n),
                  sorted(ss_listen), sorted(inos))
    for n in names[1:]:
        tcit.compare_rows(lv[names[0]], lv[n], names[0], n,
                          fields=["family", "addr", "port", "ifindex",
                                  "accept_queue", "backlog", "uid", "inode",
                                  "cookie", "reuseport", "v6only"])
    want = {}
    for s in ss:
        k = ("IPv4" if s.family == "inet" else "IPv6", s.state)
        want[k] = want.get(k, 0) + 1
    for n, sm in c["summary"].items():
        got = {(fam, st): v for fam in sumlib.FAMILIES
               for st, v in sm[fam].items() if v}
        expect_eq("%s: %s state counts vs ss" % (where, n), want, got)


# --------------------------------------------------------------------------
# Children: another netns, another uid

def setns_fd(fd):
    tcit.setns(fd)


def unshare_net():
    if _libc.unshare(CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, "unshare(CLONE_NEWNET): " + os.strerror(e))


def in_child(fn, *args, netns_fd=None, uid=None, timeout=300):
    """Run fn(*args) in a forked child (after setns(netns_fd) and/or
    dropping to uid/gid `uid` with no supplementary groups and no
    capabilities); return its result (pickled through a pipe). An exception
    in the child becomes a TestFail here."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        code = 0
        try:
            signal.alarm(0)
            if netns_fd is not None:
                tcit.setns(netns_fd)
            if uid is not None:
                os.setgroups([])
                os.setgid(uid)
                os.setuid(uid)
            res = ("ok", fn(*args))
        except TestFail as e:
            res = ("fail", (str(e), e.details))
        except BaseException as e:
            res = ("fail", ("child: %s: %s" % (type(e).__name__, e),
                            traceback.format_exc().splitlines()))
            code = 1
        try:
            data = pickle.dumps(res)
        except Exception as e:
            data = pickle.dumps(("fail", ("child result not picklable: %s" % e,
                                          [])))
        with os.fdopen(w, "wb") as f:
            f.write(data)
        os._exit(code)
    os.close(w)
    chunks = []
    deadline = time.monotonic() + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            rd, _, _ = select.select([r], [], [], max(left, 0))
            if not rd:
                os.kill(pid, signal.SIGKILL)
                raise TestFail("child timed out after %ds" % timeout)
            b = os.read(r, 1 << 20)
            if not b:
                break
            chunks.append(b)
    finally:
        os.close(r)
        os.waitpid(pid, 0)
    if not chunks:
        raise TestFail("child died without a result")
    kind, val = pickle.loads(b"".join(chunks))
    if kind == "fail":
        raise TestFail(val[0], val[1])
    return val
