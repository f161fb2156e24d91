# SPDX-License-Identifier: GPL-2.0
"""Helpers of the churn and load/unload tests (Python 3.11, stdlib only):
a netlink dump reader that keeps the NLM_F_DUMP_INTR flag of every
message, /proc reads in fixed-size read() calls, background worker
processes that return a result, and module loading by syscall.

Parsers are the integration suite's (socklib, sumlib, tcit) through rlib.
"""
import ctypes
import errno
import os
import pickle
import select
import signal
import socket
import struct
import time
import traceback

import rlib
from rlib import TestFail

genl = rlib.genl
socklib = rlib.socklib
sumlib = rlib.sumlib
tcit = rlib.tcit

L_COOKIE = rlib.LATTR["TCPCONN_A_LISTENER_COOKIE"]
S_COOKIE = rlib.SATTR["TCPCONN_A_SOCKET_COOKIE"]


def genl_sock(bufsize=8192, tiny_rcvbuf=False):
    """A genl socket in the current netns: (Genl, family id) or (Genl,
    None) when the family is not registered."""
    nl = genl.Genl()
    nl.BUFSIZE = bufsize
    try:
        nl.s.setsockopt(rlib.SOL_NETLINK, rlib.NETLINK_EXT_ACK, 1)
        fam = nl.family()
        if tiny_rcvbuf:
            nl.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1)
    except BaseException:
        nl.close()
        raise
    return nl, (fam[0] if fam else None)


class Dump:
    """One dump on a Genl socket, read one recvmsg() at a time.

    msgs: [(attrs, intr)] of the data messages; err: None while running,
    then the errno of NLMSG_DONE/NLMSG_ERROR (0 = success)."""

    def __init__(self, nl, fid, cmd, attrs=b""):
        self.nl = nl
        self.msgs = []
        self.recvs = 0
        self.err = None
        self.seq = nl.send(fid, genl.NLM_F_REQUEST | genl.NLM_F_DUMP, cmd,
                           attrs)

    def step(self, timeout=20):
        """One recvmsg(); returns True when the dump ended."""
        r, _, _ = select.select([self.nl.s], [], [], timeout)
        if not r:
            raise TestFail("netlink dump: no answer within %ds" % timeout)
        data, _, mflags, _ = self.nl.s.recvmsg(self.nl.BUFSIZE)
        self.recvs += 1
        if mflags & socket.MSG_TRUNC:
            raise TestFail("netlink message truncated (buffer %d)"
                           % self.nl.BUFSIZE)
        for ty, fl, seq, pid, p, pad in rlib.split_msgs(data):
            if seq != self.seq:
                raise TestFail("netlink dump: message for seq %d, expected %d"
                               % (seq, self.seq))
            if ty == genl.NLMSG_DONE:
                e = struct.unpack_from("=i", p)[0] if len(p) >= 4 else 0
                self.err = -e if e < 0 else 0
                return True
            if ty == genl.NLMSG_ERROR:
                self.err = -struct.unpack_from("=i", p)[0]
                return True
            if not fl & rlib.NLM_F_MULTI:
                raise TestFail("netlink dump message without NLM_F_MULTI")
            self.msgs.append((genl.parse_attrs(p[4:]),
                              bool(fl & rlib.NLM_F_DUMP_INTR)))
        return False

    def run(self, timeout=60, between=None):
        deadline = time.monotonic() + timeout
        while not self.step(max(deadline - time.monotonic(), 0.01)):
            if between:
                between(self)
        return self


def cookies_of(msgs, attr):
    """[(cookie, intr)] of dump messages."""
    out = []
    for a, intr in msgs:
        b = a.get(attr)
        if b is None or len(b) != 8:
            raise TestFail("dump message without a u64 cookie attribute")
        out.append((struct.unpack("=Q", b)[0], intr))
    return out


def once_problems(seen, stable, who, intr_rule=True):
    """Problems of one view: each stable cookie at least once; any cookie
    more than once only on NLM_F_DUMP_INTR messages (intr_rule) -- the
    copies after the first must be flagged. seen: [(cookie, intr)].
    Returns (problems, number of flagged repeats, number of repeats)."""
    first, probs, rep_intr, reps = set(), [], 0, 0
    bad = []
    for c, intr in seen:
        if c in first:
            reps += 1
            if intr:
                rep_intr += 1
            elif intr_rule:
                bad.append(c)
            continue
        first.add(c)
    missing = sorted(stable - first)
    if missing:
        probs.append("%s: %d of the %d stable sockets missing (cookies %s)"
                     % (who, len(missing), len(stable), missing[:6]))
    if bad:
        st = sorted(set(bad) & stable)
        probs.append("%s: %d repeats without NLM_F_DUMP_INTR (%d of them "
                     "stable sockets; cookies %s)"
                     % (who, len(bad), len(st), (st or bad)[:6]))
    return probs, rep_intr, reps


def read_chunks(path, chunk):
    """A file read with read(chunk) calls: (text, number of read calls)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        out, n = [], 0
        while True:
            b = os.read(fd, chunk)
            n += 1
            if not b:
                return b"".join(out).decode(), n
            out.append(b)
    finally:
        os.close(fd)


# --------------------------------------------------------------------------
# Background processes

class Worker:
    """fn(*args) in a forked child (after setns(netns_fd)); the result (or
    the failure) is pickled back through a pipe. join() collects it."""

    def __init__(self, name, fn, *args, netns_fd=None):
        self.name = name
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            code = 0
            try:
                signal.alarm(0)
                signal.signal(signal.SIGALRM, signal.SIG_DFL)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                if netns_fd is not None:
                    tcit.setns(netns_fd)
                res = ("ok", fn(*args))
            except TestFail as e:
                res = ("fail", (str(e), e.details))
            except BaseException as e:
                res = ("fail", ("%s: %s: %s" % (name, type(e).__name__, e),
                                traceback.format_exc().splitlines()[-12:]))
                code = 1
            try:
                data = pickle.dumps(res)
            except Exception as e:
                data = pickle.dumps(("fail", ("%s: result not picklable: %s"
                                              % (name, e), [])))
            try:
                with os.fdopen(w, "wb") as f:
                    f.write(data)
            finally:
                os._exit(code)
        os.close(w)
        self.pid, self.r = pid, r
        self.result = None

    def join(self, timeout):
        """The child's result; a failure becomes TestFail, as does no
        result within timeout (the child is then killed)."""
        if self.r is None:
            return self.result
        chunks = []
        deadline = time.monotonic() + timeout
        try:
            while True:
                left = deadline - time.monotonic()
                rd, _, _ = select.select([self.r], [], [], max(left, 0))
                if not rd:
                    self.kill()
                    raise TestFail("%s: no result within %ds" % (self.name,
                                                                   timeout))
                b = os.read(self.r, 1 << 20)
                if not b:
                    break
                chunks.append(b)
        finally:
            os.close(self.r)
            self.r = None
            self._reap()
        if not chunks:
            raise TestFail("%s died without a result" % self.name)
        kind, val = pickle.loads(b"".join(chunks))
        if kind == "fail":
            raise TestFail(val[0], val[1])
        self.result = val
        return val

    def kill(self):
        if self.pid:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self._reap()

    def _reap(self):
        if self.pid:
            os.waitpid(self.pid, 0)
            self.pid = None

    def cleanup(self):
        self.kill()
        if self.r is not None:
            os.close(self.r)
            self.r = None


def spawn(t, name, fn, *args, netns_fd=None):
    w = Worker(name, fn, *args, netns_fd=netns_fd)
    t.defer(w.cleanup)
    return w


# --------------------------------------------------------------------------
# Module loading

_libc = ctypes.CDLL(None, use_errno=True)
SYS_delete_module = {"x86_64": 176, "aarch64": 106}.get(os.uname().machine)
SYS_finit_module = {"x86_64": 313, "aarch64": 273}.get(os.uname().machine)


def delete_module(name="tcpconn"):
    """delete_module(name, O_NONBLOCK): 0 or the errno."""
    rc = _libc.syscall(SYS_delete_module, name.encode(),
                       os.O_NONBLOCK | 0)
    return 0 if rc == 0 else ctypes.get_errno()


def finit_module(path):
    """finit_module(fd of path, "", 0): 0 or the errno."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        rc = _libc.syscall(SYS_finit_module, fd, b"", 0)
        return 0 if rc == 0 else ctypes.get_errno()
    finally:
        os.close(fd)


def module_loaded(name="tcpconn"):
    try:
        with open("/sys/module/%s/initstate" % name) as f:
            return f.read().strip()
    except FileNotFoundError:
        return None


def errname(e):
    return errno.errorcode.get(e, str(e)) if e else "ok"
