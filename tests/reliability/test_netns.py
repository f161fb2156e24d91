# SPDX-License-Identifier: GPL-2.0
"""Network namespace tests.

netns_isolation_all: namespaces made by `ip netns add` (two, with the same
listening port) and by `unshare -n`, and the runner's own: from inside each,
netlink LISTENERS_GET / SOCKETS_GET / SUMMARY_GET and /proc/net/tcpconn/*,
/proc/tcpconn/* show exactly that netns's sockets, as ss run in the same
netns shows them, and none of another's (cookies are host-unique).

netns_destroy_mid_dump: a SOCKETS_GET dump (and /proc reads) started in a
netns with hundreds of sockets, then every other reference dropped (ip
netns del, the holder processes killed, or the unshare()d creator exits
after passing its fds on): the dump continues to its end (or is abandoned
by closing the socket mid-way), the /proc file reads to EOF, and once the
last fd is closed the netns really goes away -- observed through an
O_DIRECTORY fd on its /proc/net/tcpconn, whose entries vanish when
tcpconn's pernet exit has run. Nothing may crash or warn (the VM harness
fails the run on any WARNING/BUG/KASAN/lockdep line).
"""
import base64
import errno
import os
import pickle
import random
import signal
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import rlib  # noqa: E402
from rlib import TestFail, expect, expect_eq, genl, socklib, sumlib, tcit  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def cookies(c):
    return {s.cookie for s in c["ss"]}


def test_netns_isolation_all(t):
    a, b = t.netns("isoA"), t.netns("isoB")
    own = {}
    for ns, n in ((a, 3), (b, 5)):
        l4 = ns.listen("127.0.0.1", 5555, 16)
        l6 = ns.listen("::", 5556, 16)
        pairs = sumlib.connect_pairs(t, l4, "127.0.0.1", n, srv=ns)
        pairs += sumlib.connect_pairs(t, l6, "::1", 1, srv=ns)
        own[ns.name] = {socklib.cookie_of(s) for s in
                        [l4.sock, l6.sock] + [x for p in pairs for x in p]}
    # the runner's netns gets a listener of its own
    here = socket.socket()
    t.defer(here.close)
    here.bind(("127.0.0.1", 0))
    here.listen(4)
    own["runner"] = {socklib.cookie_of(here)}

    p = subprocess.Popen(["unshare", "-n", sys.executable,
                          os.path.join(HERE, "nschild.py")],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         text=True)

    def reap():
        try:
            p.stdin.close()
            p.wait(timeout=30)
        except Exception:
            p.kill()
            p.wait()
    t.defer(reap)
    line = p.stdout.readline()
    expect(line.startswith("CENSUS "), "unshare -n child output",
           "a CENSUS line", repr(line[:200]))
    res = pickle.loads(base64.b64decode(line.split()[1]))
    if res[0] != "ok":
        raise TestFail("in the unshare -n netns: " + res[1], res[2])
    cen = {"unshare": res[1]}
    own["unshare"] = set(res[2])

    for ns in (a, b):
        cen[ns.name] = rlib.in_child(rlib.census, netns_fd=ns.fd)
        rlib.census_checks(cen[ns.name], ns.name)
    cen["runner"] = rlib.in_child(rlib.census)
    rlib.census_checks(cen["runner"], "the runner's netns")

    inos = {k: c["netns_ino"] for k, c in cen.items()}
    expect_eq("distinct netns inodes", len(inos), len(set(inos.values())))
    seen = {k: cookies(c) for k, c in cen.items()}
    for k, mine in own.items():
        expect(mine <= seen[k], "%s: our own sockets (SO_COOKIE)" % k,
               "all listed", "missing %s" % sorted(mine - seen[k]))
        for k2, other in seen.items():
            if k2 != k:
                expect(not (mine & other), "%s's sockets seen from %s" % (k, k2),
                       "none", sorted(mine & other))
    # every view of each netns, counts
    for k, c in cen.items():
        n = len(c["ss"])
        for v, socks in c["sockets"].items():
            expect_eq("%s: %s sockets" % (k, v), n, len(socks))
        t.note("%s (netns %d): %d sockets, %d listeners; equal in netlink, "
               "%s and ss" % (k, c["netns_ino"], n,
                              len(c["listeners"]["netlink LISTENERS_GET"]),
                              ", ".join(rlib.PROC_DIRS)))
    # the way an admin reads it: ip netns exec ... cat /proc/tcpconn/sockets
    out = a.run(["cat", "/proc/tcpconn/sockets"], via_ip=True).stdout
    got = {s.cookie for s in socklib.parse_proc(out, "/proc/tcpconn/sockets")}
    expect_eq("ip netns exec %s cat /proc/tcpconn/sockets: cookies" % a.name,
              sorted(seen[a.name]), sorted(got))
    out = b.run(["cat", "/proc/net/tcpconn/listeners"], via_ip=True).stdout
    got = {r["inode"] for r in tcit.parse_proc(out)}
    expect_eq("ip netns exec %s cat /proc/net/tcpconn/listeners: inodes"
              % b.name, sorted(s.ino for s in cen[b.name]["ss"]
                               if s.state == "LISTEN"), sorted(got))


# --------------------------------------------------------------------------
# netns_destroy_mid_dump

def fill_netns(n_pairs, port=7000):
    """In the current netns: a listener and n_pairs loopback connections
    (v4 and v6); returns the sockets (the caller keeps them open)."""
    out = []
    for addr, fam in (("127.0.0.1", socket.AF_INET), ("::1", socket.AF_INET6)):
        lst = socket.socket(fam)
        lst.bind((addr, port))
        lst.listen(4096)
        out.append(lst)
        for _ in range(n_pairs // 2):
            c = socket.socket(fam)
            c.connect((addr, port))
            s, _ = lst.accept()
            out += [c, s]
    return out


def holder(netns_fd, n_pairs, port, ready_w):
    """A child process in the netns holding n_pairs connections, then
    sleeping until killed."""
    signal.alarm(0)
    tcit.setns(netns_fd)
    socks = fill_netns(n_pairs, port)
    os.write(ready_w, b"%d\n" % len(socks))
    while True:
        signal.pause()
        del socks


def nl_in_current(bufsize=4096):
    nl = genl.Genl()
    nl.BUFSIZE = bufsize
    nl.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1)
    return nl


def start_dump(nl, fid, recvs):
    """Send SOCKETS_GET, read `recvs` recvmsg() worth; returns the
    cookies seen and whether the dump already ended."""
    nl.send(fid, genl.NLM_F_REQUEST | genl.NLM_F_DUMP, rlib.SOCKETS_GET)
    seen = []
    for _ in range(recvs):
        for ty, fl, p in nl.recv_msgs():
            if ty in (genl.NLMSG_DONE, genl.NLMSG_ERROR):
                return seen, True
            seen.append(socklib.sock_from_attrs(genl.parse_attrs(p[4:]),
                                                bool(fl & rlib.NLM_F_DUMP_INTR)))
    return seen, False


def finish_dump(nl, seen, what):
    """Read the rest of a dump; every message well-formed, each cookie
    once (repeats only flagged NLM_F_DUMP_INTR), DONE with 0."""
    deadline = time.monotonic() + 120
    recvs = 0
    while True:
        expect(time.monotonic() < deadline, what + ": dump end", "within 120 s",
               "still running after %d recvmsg" % recvs)
        msgs = nl.recv_msgs()
        recvs += 1
        for ty, fl, p in msgs:
            if ty == genl.NLMSG_DONE:
                err = struct.unpack_from("=i", p)[0] if len(p) >= 4 else 0
                expect_eq(what + ": NLMSG_DONE status", 0, err)
                socklib.by_cookie(seen, what, allow_dup_intr=True)
                return seen, recvs
            if ty == genl.NLMSG_ERROR:
                raise TestFail("%s: error %s mid-dump" % (
                    what, rlib.errname(-struct.unpack_from("=i", p)[0])))
            seen.append(socklib.sock_from_attrs(genl.parse_attrs(p[4:]),
                                                bool(fl & rlib.NLM_F_DUMP_INTR)))


def open_proc(names=("sockets", "listeners", "summary")):
    """fds of the current netns's tcpconn files and an O_DIRECTORY fd."""
    d = os.open("/proc/self/net/tcpconn", os.O_RDONLY | os.O_DIRECTORY)
    return d, {n: os.open(n, os.O_RDONLY, dir_fd=d) for n in names}


def read_rest(fd, first=b""):
    out = [first]
    while True:
        b = os.read(fd, 4096)
        if not b:
            return b"".join(out).decode()
        out.append(b)


def netns_state(dirfd):
    """alive (the file opens), dying (ENXIO: the netns has no reference
    left, seq_open_net() cannot take one) or gone (ENOENT: its pernet
    exits ran, tcpconn's removed the entries)."""
    try:
        os.close(os.open("sockets", os.O_RDONLY, dir_fd=dirfd))
        return "alive"
    except FileNotFoundError:
        return "gone"
    except OSError as e:
        if e.errno == errno.ENXIO:
            return "dying"
        raise


def still_there(dirfd):
    return netns_state(dirfd) == "alive"


def wait_gone(dirfd, what, timeout=90):
    """The netns's tcpconn entries vanish: its pernet exit ran."""
    t0 = time.monotonic()
    seen = set()
    while True:
        st = netns_state(dirfd)
        seen.add(st)
        if st == "gone":
            return time.monotonic() - t0, seen
        if time.monotonic() - t0 > timeout:
            raise TestFail("%s: netns not destroyed %ds after its last "
                           "reference was dropped (its /proc/net/tcpconn/"
                           "sockets: %s)" % (what, timeout, st))
        time.sleep(0.05)


def check_proc_text(t, files, first, what):
    """Finish the /proc reads of a netns whose other references are gone."""
    text = read_rest(files["sockets"], first)
    socks = socklib.parse_proc(text, what + " /proc/net/tcpconn/sockets")
    tcit.parse_proc(read_rest(files["listeners"]),
                    what + " /proc/net/tcpconn/listeners")
    sumlib.parse_summary(read_rest(files["summary"]),
                         what + " /proc/net/tcpconn/summary")
    return socks


def scenario_ip_netns(t, fid, n_pairs):
    """ip netns add X; holders in X; dumps and /proc reads started; ip
    netns del X, holders killed; dump A continued to its end, dump B
    abandoned; the netns dies when the last fd closes."""
    name = tcit.NS_PREFIX + "doomed"
    tcit.run(["ip", "netns", "add", name])
    t.defer(lambda: os.path.exists(os.path.join(tcit.NETNS_DIR, name)) and
            tcit.run(["ip", "netns", "del", name], check=False))
    tcit.run(["ip", "-n", name, "link", "set", "lo", "up"])
    nsfd = os.open(os.path.join(tcit.NETNS_DIR, name), os.O_RDONLY)
    pids = []
    r, w = os.pipe()
    for i in range(2):
        pid = os.fork()
        if pid == 0:
            os.close(r)
            try:
                holder(nsfd, n_pairs // 2, 7000 + i, w)
            finally:
                os._exit(1)
        pids.append(pid)

    def kill_holders():
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        pids.clear()
    t.defer(kill_holders)
    os.close(w)
    rf = os.fdopen(r)
    counts = [rf.readline() for _ in range(2)]
    rf.close()
    expect(all(c.strip() for c in counts), "holders in " + name,
           "both ready", counts)
    # our fds in X
    orig = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    tcit.setns(nsfd)
    try:
        nla, nlb = nl_in_current(), nl_in_current()
        dirfd, files = open_proc()
    finally:
        tcit.setns(orig)
        os.close(orig)
    os.close(nsfd)
    seen_a, ended = start_dump(nla, fid, 2)
    expect(not ended, name + ": dump A after 2 recvmsg", "still running",
           "ended")
    start_dump(nlb, fid, 1)
    first = os.read(files["sockets"], 4096)
    # drop every other reference
    tcit.run(["ip", "netns", "del", name])
    kill_holders()
    expect(still_there(dirfd), name + " held by our fds only", "alive",
           "already gone")
    seen_a, recvs = finish_dump(nla, seen_a, name + " dump A (continued)")
    nlb.close()                                         # abandoned mid-dump
    # a new dump and a summary in the orphaned netns (a normal receive
    # buffer: with SO_RCVBUF 1 the summary reply would crowd out its ack)
    nla.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    socks2, err, msg, _ = socklib.dump(nla, fid)
    expect_eq(name + ": new dump after the holders died: errno", 0, err)
    sm = rlib.nl_summary(nla, fid)
    proc = check_proc_text(t, files, first, name)
    nla.close()
    for fd in files.values():
        os.close(fd)
    took, states = wait_gone(dirfd, name)
    os.close(dirfd)
    t.note("ip netns: dump A %d sockets over %d+2 recvmsg after the other refs "
           "went; then %d sockets (%s), /proc %d lines; netns gone %.2f s after "
           "the last close (seen %s)" % (len(seen_a), recvs, len(socks2),
                               ", ".join("%s %d" % kv for kv in sorted(
                                   socklib.counts(socks2).items())),
                               len(proc), took, "/".join(sorted(states))))


def unshare_child(n_pairs, sock, mode, seed):
    """Forked child: unshare a netns, fill it, start a dump and /proc
    reads, pass the fds to the parent over `sock`, exit."""
    signal.alarm(0)
    rlib.unshare_net()
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True, timeout=30)
    socks = fill_netns(n_pairs)
    fid, _ = rlib.family_id()
    nl = nl_in_current()
    seen, ended = start_dump(nl, fid, random.Random(seed).randrange(1, 4))
    dirfd, files = open_proc()
    first = os.read(files["sockets"], 4096)
    # some connections are reset now, the rest close when we exit
    for s in socks[1::7]:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
    socket.send_fds(sock, [pickle.dumps((len(seen), ended, first))],
                    [nl.s.fileno(), dirfd, files["sockets"],
                     files["listeners"], files["summary"]])
    return len(socks)


def scenario_unshare(t, fid, n_pairs, mode, seed):
    """mode: continue (finish the dump from the passed fd) or abandon
    (close it at once)."""
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    t.defer(a.close)
    t.defer(b.close)
    pid = os.fork()
    if pid == 0:
        a.close()
        code = 0
        try:
            unshare_child(n_pairs, b, mode, seed)
        except BaseException as e:
            try:
                b.send(b"FAIL " + repr(e).encode())
            except OSError:
                pass
            code = 1
        os._exit(code)
    b.close()
    a.settimeout(300)
    msg, fds, _, _ = socket.recv_fds(a, 1 << 20, 5)
    os.waitpid(pid, 0)                  # the creator is gone
    if msg.startswith(b"FAIL "):
        raise TestFail("unshare child: " + msg[5:].decode())
    nseen, ended, first = pickle.loads(msg)
    nlfd, dirfd, sfd, lfd, sumfd = fds
    files = {"sockets": sfd, "listeners": lfd, "summary": sumfd}
    expect(still_there(dirfd), "unshare netns held by the passed fds",
           "alive", "already gone")
    nl = genl.Genl.__new__(genl.Genl)
    nl.s = socket.socket(fileno=nlfd)
    nl.s.settimeout(20)
    nl.seq = 100
    nl.BUFSIZE = 4096
    what = "unshare netns (%s)" % mode
    if mode == "abandon":
        nl.s.close()
        socks = check_proc_text(t, files, first, what)
        n = nseen
    else:
        seen = []
        if not ended:
            seen, _ = finish_dump(nl, seen, what + " dump")
        n = nseen + len(seen)
        nl.s.close()
        socks = check_proc_text(t, files, first, what)
    for fd in files.values():
        os.close(fd)
    took, states = wait_gone(dirfd, what)
    os.close(dirfd)
    return n, len(socks), "%.2f s (seen %s)" % (took, "/".join(sorted(states)))


def test_netns_destroy_mid_dump(t):
    fid, _ = rlib.family_id()
    sumlib.raise_nofile(t, 8192)
    n = int(os.environ.get("TCPCONN_NETNS_PAIRS", "300"))
    scenario_ip_netns(t, fid, n)
    rng = random.Random(os.getpid())
    for i, mode in enumerate(("continue", "abandon", "continue", "abandon")):
        nd, npr, took = scenario_unshare(t, fid, n, mode, rng.randrange(1 << 30))
        t.note("unshare -n (%s): dump %d sockets, /proc %d lines; netns gone "
               "%s after the last close" % (mode, nd, npr, took))


TESTS = [("netns_isolation_all", test_netns_isolation_all, 900),
         ("netns_destroy_mid_dump", test_netns_destroy_mid_dump, 1200)]
