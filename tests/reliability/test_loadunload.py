# SPDX-License-Identifier: GPL-2.0
"""load_unload_cycles: rmmod/insmod of tcpconn.ko, over and over, while
/proc/net/tcpconn files are open and being read and netlink dumps are in
flight. The module must unload every time (once no dump holds it), the
readers must get errors, never a crash, and everything must work again
after each reload."""
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

PROC_FILES = ("/proc/net/tcpconn/listeners", "/proc/net/tcpconn/sockets",
              "/proc/net/tcpconn/summary", "/proc/tcpconn/sockets")
# what a reader may see while the module goes and comes back
PROC_ERRORS = {"open": {errno.ENOENT}, "read": {errno.EIO}}
# ...and through the /proc/tcpconn symlink, EINVAL while rmmod removes it:
# the symlink's ->get_link (proc_get_link(), fs/proc/inode.c) fails with
# EINVAL once remove_proc_entry() has started on it (use_pde() fails)
LINK_OPEN_ERRORS = PROC_ERRORS["open"] | {errno.EINVAL}
# ENOENT: family (id) not registered; EPROTONOSUPPORT: the dump started
# while the module was going (netlink_dump_start()'s try_module_get())
NL_ERRORS = {errno.ENOENT, errno.EPROTONOSUPPORT}


def _env(name, default):
    v = os.environ.get(name)
    return int(v) if v not in (None, "") else default


def _ename(e):
    return errno.errorcode.get(e, str(e))


# --------------------------------------------------------------------------
# Readers (children in the test netns); they run until `stop` exists

def proc_reader(idx, stop, nlisten, nsocks):
    """Open, read in small pieces (sleeping between them, so files are
    often open and half read across an unload), parse what was read
    completely. Returns counts and failures."""
    rnd = random.Random(idx)
    cnt = collections.Counter()
    fails = []
    held = []       # (fd, path, text so far): files kept open for a while
    while not os.path.exists(stop):
        path = rnd.choice(PROC_FILES)
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError as e:
            cnt["open " + _ename(e.errno)] += 1
            ok = LINK_OPEN_ERRORS if path.startswith("/proc/tcpconn/") \
                else PROC_ERRORS["open"]
            if e.errno not in ok:
                fails.append("open %s: %s" % (path, e))
            time.sleep(0.005)
            continue
        cnt["opens"] += 1
        held.append([fd, path, []])
        # advance every held file by a few small reads
        for h in list(held):
            fd, p, parts = h
            try:
                for _ in range(rnd.randint(1, 8)):
                    b = os.read(fd, rnd.choice((64, 512, 4096, 4096)))
                    if not b:
                        break
                    parts.append(b)
            except OSError as e:
                cnt["read " + _ename(e.errno)] += 1
                if e.errno not in PROC_ERRORS["read"]:
                    fails.append("read %s: %s" % (p, e))
                os.close(fd)
                held.remove(h)
                continue
            if b:
                continue
            os.close(fd)
            held.remove(h)
            cnt["complete reads"] += 1
            text = b"".join(parts).decode()
            try:
                if p.endswith("listeners"):
                    rows = tcit.parse_proc(text, p)
                    if len(rows) != nlisten:
                        raise TestFail("%s: %d listeners (expected %d)"
                                       % (p, len(rows), nlisten))
                elif p.endswith("sockets"):
                    socks = socklib.parse_proc(text, p)
                    if len({s.cookie for s in socks}) != nsocks:
                        raise TestFail("%s: %d distinct sockets (expected %d)"
                                       % (p, len({s.cookie for s in socks}),
                                          nsocks))
                else:
                    sumlib.parse_summary(text, p)
            except TestFail as e:
                fails.append(str(e))
        while len(held) > 3:
            fd = held.pop(0)[0]
            os.close(fd)
        time.sleep(rnd.choice((0, 0.001, 0.01, 0.05)))
        if len(fails) > 20:
            break
    for h in held:
        os.close(h[0])
    return {"counts": dict(cnt), "fails": fails}


def nl_reader(idx, stop, nsocks, nlisten):
    """Dumps read slowly (a pause between recvmsg() calls), so that one is
    often in flight when rmmod comes; sometimes with a stale family id.
    Completed dumps must list every socket of the quiet netns once."""
    rnd = random.Random(100 + idx)
    cnt = collections.Counter()
    fails = []
    last_fid = None
    while not os.path.exists(stop):
        nl, fid = dumplib.genl_sock(4096, tiny_rcvbuf=True)
        try:
            if fid is None:
                cnt["family ENOENT"] += 1
                if last_fid is None or rnd.random() < 0.5:
                    time.sleep(0.01)
                    continue
                fid = last_fid      # stale id: ENOENT expected
                cnt["stale id dumps"] += 1
            last_fid = fid
            cmd, want = ((rlib.SOCKETS_GET, nsocks) if rnd.random() < 0.7
                         else (rlib.LISTENERS_GET, nlisten))
            d = dumplib.Dump(nl, fid, cmd)
            pause = rnd.choice((0, 0.002, 0.02))

            def slow(_):
                if pause:
                    time.sleep(pause)
            try:
                d.run(60, slow)
            except OSError as e:
                cnt["recvmsg " + _ename(e.errno)] += 1
                fails.append("dump recvmsg: %s" % e)
                continue
            if d.err:
                cnt["dump " + _ename(d.err)] += 1
                if d.err not in NL_ERRORS:
                    fails.append("dump ended with %s" % _ename(d.err))
                continue
            cnt["dumps complete"] += 1
            attr = dumplib.S_COOKIE if cmd == rlib.SOCKETS_GET else \
                dumplib.L_COOKIE
            seen = dumplib.cookies_of(d.msgs, attr)
            distinct = {c for c, _ in seen}
            if len(distinct) != want:
                fails.append("completed %s dump: %d sockets (expected %d)"
                             % ("SOCKETS_GET" if cmd == rlib.SOCKETS_GET
                                else "LISTENERS_GET", len(distinct), want))
            probs, _, _ = dumplib.once_problems(seen, distinct, "dump")
            fails += probs
        finally:
            nl.close()
        time.sleep(rnd.choice((0.005, 0.05)))
        if len(fails) > 20:
            break
    return {"counts": dict(cnt), "fails": fails}


# --------------------------------------------------------------------------

def _works(ns, ds, nsocks, full):
    """After a reload: the SOCKETS_GET dump's cookies and states equal
    inet_diag's, i.e. ss -tanHe's (every cycle, cheap; ds: a sock_diag
    socket in ns); with full, SOCKETS_GET and both /proc sockets files
    equal ss field by field and every view of the netns equals ss
    (rlib.census)."""
    if not full:
        with ns.entered():
            nl, fid = dumplib.genl_sock(4096)
        try:
            expect(fid is not None, "genl family after insmod", "registered",
                   "not found")
            st = rlib.SATTR["TCPCONN_A_SOCKET_STATE"]
            # The netns's sockets do not change (its readers only read):
            # one inet_diag read is enough when the dump equals it;
            # otherwise compare only between two agreeing reads.
            for _ in range(5):
                ss1 = _diag_cookies(ds)
                d = dumplib.Dump(nl, fid, rlib.SOCKETS_GET).run(60)
                got = sorted((c, socklib.STATE_NAME[a[st][0]])
                             for (c, _), (a, _) in
                             zip(dumplib.cookies_of(d.msgs, dumplib.S_COOKIE),
                                 d.msgs))
                if got == ss1 or _diag_cookies(ds) == ss1:
                    break
            expect_eq("SOCKETS_GET after insmod: errno", 0, d.err)
            expect_eq("SOCKETS_GET after insmod: (cookie, state) vs "
                      "inet_diag (ss -tanHe)", ss1, got)
            expect_eq("sockets in inet_diag", nsocks, len(ss1))
        finally:
            nl.close()
        return True

    def check():
        # census() compares SOCKETS_GET and both /proc sockets files with
        # ss field by field (socklib.stable_compare, with the ifindex map)
        c = rlib.census()
        expect_eq("sockets in ss", nsocks, len(c["ss"]))
        rlib.census_checks(c, "after reload")
        return True
    return rlib.in_child(check, netns_fd=ns.fd, timeout=300)


# inet_diag (NETLINK_SOCK_DIAG), the source ss(8) prints: the per-cycle
# check reads it in-process, as ss -tanHe would, without a fork+exec of ss
# per cycle (~0.7 s under TCG). The full check every 10th cycle still runs
# ss itself (rlib.census).
NETLINK_SOCK_DIAG, SOCK_DIAG_BY_FAMILY = 4, 20
# ss -ta: states 1..12 (12 = TCP_NEW_SYN_RECV, shown as SYN-RECV)
_DIAG_STATES = ((1 << 13) - 1) & ~1
# enum tcp_state -> tcpconn state name (TIME_WAIT entries report their
# substate, as ss prints them)
_TCP_STATE = {1: "ESTABLISHED", 2: "SYN_SENT", 3: "SYN_RECV", 4: "FIN_WAIT1",
              5: "FIN_WAIT2", 6: "TIME_WAIT", 7: "CLOSE", 8: "CLOSE_WAIT",
              9: "LAST_ACK", 10: "LISTEN", 11: "CLOSING", 12: "SYN_RECV"}
_DIAG_MSG = struct.Struct("=BBBB40xII20x")     # inet_diag_msg, 72 bytes


def diag_sock(ns):
    """A NETLINK_SOCK_DIAG socket in ns (it stays there)."""
    with ns.entered():
        s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                          NETLINK_SOCK_DIAG)
    s.bind((0, 0))
    s.settimeout(20)
    return s


def _diag_cookies(ds):
    """[(cookie, tcpconn state name)] of every TCP socket of ds's netns,
    sorted: ss -tanHe's sk: and state columns, from inet_diag directly."""
    out = []
    for fam in (socket.AF_INET, socket.AF_INET6):
        req = struct.pack("=BBBxI48x", fam, socket.IPPROTO_TCP, 0,
                          _DIAG_STATES)
        ds.send(rlib.nlmsg(SOCK_DIAG_BY_FAMILY,
                           genl.NLM_F_REQUEST | genl.NLM_F_DUMP, 1, req))
        done = False
        while not done:
            data = ds.recv(1 << 16)
            for ty, _, _, _, p, _ in rlib.split_msgs(data):
                if ty == genl.NLMSG_DONE:
                    done = True
                    break
                if ty == genl.NLMSG_ERROR:
                    raise TestFail("inet_diag dump (family %d): %s"
                                   % (fam, _ename(-struct.unpack_from(
                                       "=i", p)[0])))
                if ty != SOCK_DIAG_BY_FAMILY or len(p) < _DIAG_MSG.size:
                    raise TestFail("inet_diag: message type %d, %d bytes"
                                   % (ty, len(p)))
                f, st, _, _, c0, c1 = _DIAG_MSG.unpack_from(p)
                if f != fam or st not in _TCP_STATE:
                    raise TestFail("inet_diag: family %d state %d" % (f, st))
                out.append((c1 << 32 | c0, _TCP_STATE[st]))
    return sorted(out)


MODPROBE = "/proc/sys/kernel/modprobe"


def _no_autoload(t):
    """No module autoloading while the test runs (restored at cleanup).
    Each lookup of the unregistered family (CTRL_CMD_GETFAMILY: the runner
    once per cycle, the netlink reader on every try) would otherwise run
    request_module("net-pf-16-proto-16-family-tcpconn"), i.e. fork and exec
    modprobe and wait for it (~0.5 s per lookup under TCG), only to find
    nothing. With an empty kernel.modprobe, request_module() fails at once
    and the lookup still gives ENOENT."""
    with open(MODPROBE) as f:
        old = f.read().rstrip("\n")

    def restore():
        with open(MODPROBE, "w") as f:
            f.write(old + "\n")
    t.defer(restore)
    with open(MODPROBE, "w") as f:
        f.write("\n")


def _in_ns(ns, fn, *args):
    with ns.entered():
        return fn(*args)


class _Phases:
    """Time per phase of the cycles (time.monotonic between marks)."""

    def __init__(self):
        self.tot = collections.Counter()
        self.t = time.monotonic()

    def mark(self, name):
        now = time.monotonic()
        self.tot[name] += now - self.t
        self.t = now

    def text(self, n):
        return ", ".join("%s %.3f" % (k, v / max(n, 1))
                         for k, v in self.tot.most_common())


def test_load_unload_cycles(t):
    ko = os.environ.get("TCPCONN_KO")
    expect(ko, "TCPCONN_KO or run.py --ko", "the path of tcpconn.ko",
           "not set")
    ko = os.path.abspath(ko)
    expect(os.path.isfile(ko), "TCPCONN_KO", "an existing file", ko)
    expect(dumplib.SYS_delete_module is not None, "machine", "x86_64 or "
           "aarch64 (syscall numbers)", os.uname().machine)
    ncycles = _env("TCPCONN_LOADUNLOAD_N", 100)
    expect_eq("tcpconn module state at start", "live", dumplib.module_loaded())

    def reload_at_cleanup():
        if dumplib.module_loaded() is None:
            e = dumplib.finit_module(ko)
            if e:
                raise RuntimeError("cannot reload %s: %s" % (ko, _ename(e)))
    t.defer(reload_at_cleanup)

    sumlib.raise_nofile(t, 4096)
    ns = t.netns("lu")
    lst = [ns.listen("127.0.0.1" if i % 2 else "::1", 7400 + i, 64)
           for i in range(60)]
    pairs = sumlib.connect_pairs(t, lst[1], "127.0.0.1", 100, srv=ns) + \
        sumlib.connect_pairs(t, lst[0], "::1", 50, srv=ns)
    nlisten, nsocks = len(lst), len(lst) + 2 * len(pairs)
    ds = diag_sock(ns)
    t.defer(ds.close)
    ss0 = sorted((s.cookie, s.state) for s in socklib.ss_socks(ns))
    expect_eq("sockets in ss", nsocks, len(ss0))
    expect_eq("(cookie, state) of every socket: inet_diag as read here vs "
              "ss", ss0, _diag_cookies(ds))
    _works(ns, ds, nsocks, True)
    _no_autoload(t)

    stop = "/tmp/tcpconn-loadunload-stop.%d" % os.getpid()
    if os.path.exists(stop):
        os.unlink(stop)

    def stop_readers():
        with open(stop, "w"):
            pass
    t.defer(lambda: os.path.exists(stop) and os.unlink(stop))
    t.defer(stop_readers)
    readers = [dumplib.spawn(t, "proc reader %d" % i, proc_reader, i, stop,
                             nlisten, nsocks, netns_fd=ns.fd)
               for i in range(3)]
    readers.append(dumplib.spawn(t, "netlink reader", nl_reader, 0, stop,
                                 nsocks, nlisten, netns_fd=ns.fd))

    rm = collections.Counter()          # rmmod results
    seen = collections.Counter()        # what the runner saw while unloaded
    retries_per_cycle = []
    t_unload, t_load, t_works = [], [], []
    start = time.monotonic()
    ph = _Phases()
    for cyc in range(ncycles):
        ph.mark("other")
        # dumps in flight and a half-read file, all in the test netns
        a_nl, a_fid = _in_ns(ns, dumplib.genl_sock, 4096, True)
        b_nl, b_fid = _in_ns(ns, dumplib.genl_sock, 4096, True)
        t.defer(a_nl.close)
        t.defer(b_nl.close)
        expect(a_fid is not None and b_fid is not None,
               "cycle %d: genl family" % cyc, "registered", "not found")
        da = dumplib.Dump(a_nl, a_fid, rlib.SOCKETS_GET)
        db = dumplib.Dump(b_nl, b_fid, rlib.LISTENERS_GET)
        ph.mark("genl socks")
        expect(not da.step() and not db.step(),
               "cycle %d: dumps after one recvmsg()" % cyc, "not finished",
               "finished (too few sockets for several skbs)")
        ph.mark("dumps start")
        with ns.entered():
            pfd = os.open("/proc/net/tcpconn/sockets", os.O_RDONLY)
        try:
            expect(len(os.read(pfd, 100)) == 100, "cycle %d: first 100 "
                   "bytes of sockets" % cyc, "read", "short read")
            # a dump in flight holds the module (genl family .module)
            ph.mark("proc open+read")
            e = dumplib.delete_module()
            ph.mark("rmmod refused")
            rm["with dumps in flight: " + dumplib.errname(e)] += 1
            expect(e in (errno.EWOULDBLOCK, errno.EBUSY),
                   "cycle %d: rmmod with two dumps in flight" % cyc,
                   "EWOULDBLOCK/EBUSY (dump holds a module reference)",
                   dumplib.errname(e))
            if cyc % 2 == 0:
                da.run(60)
                expect_eq("cycle %d: dump continued after a refused rmmod: "
                          "errno" % cyc, 0, da.err)
                got = dumplib.cookies_of(da.msgs, dumplib.S_COOKIE)
                probs, _, _ = dumplib.once_problems(
                    got, {c for c, _ in got}, "dump")
                expect(not probs, "cycle %d: continued dump" % cyc,
                       "each socket once", probs)
                expect_eq("cycle %d: sockets in the continued dump" % cyc,
                          nsocks, len({c for c, _ in got}))
            ph.mark("continue dump")
            a_nl.close()
            b_nl.close()        # closed mid-dump
            ph.mark("close")
            # unload: bounded retries while the netlink reader holds it
            t0 = time.monotonic()
            tries = 0
            while True:
                e = dumplib.delete_module()
                if e == 0:
                    break
                tries += 1
                rm["retry: " + dumplib.errname(e)] += 1
                expect(e in (errno.EWOULDBLOCK, errno.EBUSY),
                       "cycle %d: rmmod" % cyc, "EWOULDBLOCK/EBUSY",
                       dumplib.errname(e))
                if time.monotonic() - t0 > 30:
                    raise TestFail("cycle %d: module still held after 30 s "
                                   "(%d rmmod tries)" % (cyc, tries))
                time.sleep(0.01)
            ph.mark("rmmod")
            rm["unloaded"] += 1
            retries_per_cycle.append(tries)
            t_unload.append(time.monotonic() - t0)
            expect_eq("cycle %d: module state after rmmod" % cyc, None,
                      dumplib.module_loaded())
            # what users see now
            try:
                os.read(pfd, 100)
                seen["held file read: ok"] += 1
                raise TestFail("cycle %d: read of a sockets file held open "
                               "across rmmod succeeded (expected EIO)" % cyc)
            except OSError as e:
                seen["held file read: " + _ename(e.errno)] += 1
                expect_eq("cycle %d: read of a held file after rmmod" % cyc,
                          "EIO", _ename(e.errno))
        finally:
            os.close(pfd)
        ph.mark("after-unload checks")
        with ns.entered():
            for p in ("/proc/net/tcpconn/sockets", "/proc/tcpconn/summary",
                      "/proc/net/tcpconn"):
                try:
                    os.close(os.open(p, os.O_RDONLY))
                    raise TestFail("cycle %d: %s still opens after rmmod"
                                   % (cyc, p))
                except FileNotFoundError:
                    seen["open after rmmod: ENOENT"] += 1
            nl, fid = dumplib.genl_sock()
        try:
            expect(fid is None, "cycle %d: genl family after rmmod" % cyc,
                   "gone (ENOENT)", "still registered")
            seen["family lookup: ENOENT"] += 1
            err, _ = nl.request(a_fid, genl.NLM_F_REQUEST | genl.NLM_F_DUMP,
                                rlib.SOCKETS_GET)
            seen["dump with the old id: " + _ename(err)] += 1
            expect_eq("cycle %d: dump with the old family id" % cyc,
                      "ENOENT", _ename(err))
        finally:
            nl.close()
        ph.mark("gone checks")
        # and back
        t0 = time.monotonic()
        e = dumplib.finit_module(ko)
        expect_eq("cycle %d: insmod %s" % (cyc, ko), "ok", dumplib.errname(e))
        t_load.append(time.monotonic() - t0)
        ph.mark("insmod")
        t0 = time.monotonic()
        _works(ns, ds, nsocks, cyc % 10 == 9 or cyc == ncycles - 1)
        t_works.append(time.monotonic() - t0)
        ph.mark("works full" if cyc % 10 == 9 or cyc == ncycles - 1
                else "works")
    took = time.monotonic() - start

    stop_readers()
    res = [r.join(300) for r in readers]
    tot, fails = collections.Counter(), []
    for r in res:
        tot.update(r["counts"])
        fails += r["fails"]
    expect_eq("tcpconn module state at the end", "live",
              dumplib.module_loaded())
    t.note("%d cycles in %.1fs (%.2fs each); rmmod: %s; retries per cycle: "
           "max %d, cycles with retries %d"
           % (ncycles, took, took / max(ncycles, 1),
              ", ".join("%s %d" % kv for kv in sorted(rm.items())),
              max(retries_per_cycle or [0]),
              sum(1 for x in retries_per_cycle if x)))
    t.note("rmmod took max %.3fs, insmod max %.3fs, checks after insmod "
           "%.1fs in all" % (max(t_unload or [0]), max(t_load or [0]),
                             sum(t_works)))
    t.note("seconds per cycle by phase: %s" % ph.text(ncycles))
    t.note("runner saw while unloaded: %s" % ", ".join(
        "%s %d" % kv for kv in sorted(seen.items())))
    t.note("readers: %s" % ", ".join("%s %d" % kv
                                     for kv in sorted(tot.items())))
    expect(not fails, "readers", "only ENOENT/EIO (/proc; EINVAL too on "
           "opens through the /proc/tcpconn symlink) and ENOENT/"
           "EPROTONOSUPPORT (netlink), completed reads correct",
           "%d failures: %s" % (len(fails), fails[0] if fails else ""),
           fails[1:20])
    for k in ("complete reads", "opens"):
        expect(tot[k] > 0, "readers' %s" % k, "> 0", tot[k])
    expect(tot["dumps complete"] > 0, "netlink reader's complete dumps",
           "> 0", tot["dumps complete"])


TESTS = [("load_unload_cycles", test_load_unload_cycles,
          _env("TCPCONN_LOADUNLOAD_N", 100) * 60 + 600)]
