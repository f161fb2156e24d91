# SPDX-License-Identifier: GPL-2.0
"""nl_fuzz: hostile input to the tcpconn generic netlink family.

A seeded PRNG (TCPCONN_FUZZ_SEED, printed) builds TCPCONN_FUZZ_N messages
(default 50,000) in a private netns holding a few hundred sockets: unknown
commands, versions and reserved bytes; do vs dump mix-ups and random flag
sets; missing, unknown, zero, oversized, truncated, wrong-type, nested and
byte-order-flagged attributes; lying nlmsg_len; requests of 100+ KiB;
batches of messages in one send(); dumps read through tiny SO_RCVBUFs and
truncating recvmsg() buffers; dumps abandoned after one recvmsg() on many
sockets at once. A child process churns connections, dumps and /proc reads
in the same netns meanwhile.

The generator and the oracle are nlfuzz.c (tests/reliability/nlfuzz,
built on the host: the guest cannot compile), run here in the fuzz netns;
its summary lines become this test's notes, its "# failure:" lines the
failure. The oracle: every message the kernel must answer (NLM_F_REQUEST
set, or NLM_F_ACK) gets exactly one final reply with its sequence number
(an NLMSG_ERROR, an NLMSG_DONE, or the data reply of a do without
NLM_F_ACK) within a bounded wait, nothing arrives for a sequence number
that is not outstanding, and the final reply matches the class of the
message: valid requests succeed, known-bad ones fail, random ones may do
either. Messages the netlink core drops unanswered (nlmsg_len < 16 or
beyond the datagram; no NLM_F_REQUEST and no NLM_F_ACK) are followed by a
cheap probe whose answer must come first. Afterwards the dumps and /proc
agree with ss.

Replay a message printed by a failure (in the current netns):
    python3 tests/reliability/test_fuzz.py HEX...
"""
import collections
import os
import random
import signal
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import rlib  # noqa: E402
from rlib import (TestFail, expect_eq, genl, nlmsg, genlmsg, socklib,  # noqa: E402
                  sumlib, tcit)

F_REQ, F_ACK, F_DUMP = 0x1, 0x4, 0x300
# the generator and oracle: nlfuzz.c, built on the host (the guest cannot
# compile) by scripts/check.sh and scripts/reliability-long.sh
NLFUZZ = os.path.join(os.path.dirname(os.path.abspath(__file__)), "nlfuzz")


def run_nlfuzz(t, ns, fid, n, seed):
    """Run nlfuzz in ns; its "# " lines are echoed as they come (progress,
    failures). Returns (summary, failures): summary maps each "@KEY" line
    to its words, failures is [(text, [hex...])]."""
    if not os.access(NLFUZZ, os.X_OK):
        raise TestFail("%s is missing: build it on the host first (make -C "
                       "tests/reliability; the guest cannot compile)" % NLFUZZ)
    with ns.entered():      # forked here: nlfuzz runs in the fuzz netns
        p = subprocess.Popen([NLFUZZ, "--family-id", str(fid), "--n", str(n),
                              "--seed", str(seed)], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)

    def kill():
        if p.poll() is None:
            p.kill()
            p.wait()
    t.defer(kill)
    summary, failures, other = {}, [], []
    for line in p.stdout:
        line = line.rstrip("\n")
        if line.startswith("@"):
            words = line.split()
            summary.setdefault(words[0][1:], []).append(words[1:])
        elif line.startswith("# failure: "):
            text, _, hexes = line[len("# failure: "):].partition(" hex=")
            failures.append((text, [h for h in hexes.split() if h != "-"]))
            print("# nl_fuzz failure: " + text)
        elif line.startswith("# "):
            print(line)
        else:
            other.append(line)
            print("# nlfuzz: " + line)
        sys.stdout.flush()
    rc = p.wait()
    if rc not in (0, 1) or (rc == 1) != bool(failures) or "totals" not in summary:
        raise TestFail("nlfuzz exited with status %d%s" % (
            rc, "" if "totals" in summary else " without a summary"),
            other[-20:])
    return summary, failures


def kv(words):
    """["NAME=VALUE", ...] -> [(NAME, VALUE), ...]"""
    return [tuple(w.split("=", 1)) for w in words]


# --------------------------------------------------------------------------
# The churn child: concurrent dumps, /proc reads, connections

def churn(netns_fd, fid, port, stop_r, seed):
    """Runs in a forked child until stop_r is readable: abandoned dumps,
    partial /proc reads, summary requests, short-lived connections to
    `port` closed with RST. Returns counts."""
    tcit.setns(netns_fd)
    r = random.Random(seed)
    c = collections.Counter()
    lst = socket.socket()
    lst.bind(("127.0.0.1", 0))
    lst.listen(64)
    lport = lst.getsockname()[1]
    linger = struct.pack("ii", 1, 0)
    import select
    # a few operations per 10 ms: concurrency, without starving the fuzzer
    while not select.select([stop_r], [], [], 0.01)[0]:
        what = r.randrange(4)
        if what == 0:
            nl = rlib.RawNl(rcvbuf=r.choice((None, 1)), bufsize=4096)
            nl.send(nlmsg(fid, F_REQ | F_DUMP, 1,
                          genlmsg(r.choice((rlib.SOCKETS_GET,
                                            rlib.LISTENERS_GET)))))
            if r.random() < 0.7:
                nl.recv(10)
            nl.close()
            c["abandoned dumps"] += 1
        elif what == 1:
            f = r.choice(("sockets", "listeners", "summary"))
            fd = os.open("/proc/net/tcpconn/" + f, os.O_RDONLY)
            os.read(fd, r.choice((1, 100, 4096)))
            os.close(fd)
            c["partial /proc reads"] += 1
        elif what == 2:
            socks = []
            for _ in range(r.randrange(1, 8)):
                s = socket.create_connection(("127.0.0.1", lport), timeout=10)
                a, _ = lst.accept()
                socks += [s, a]
            r.shuffle(socks)
            for s in socks:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
                s.close()
            c["connections"] += len(socks) // 2
        else:
            nl = rlib.RawNl()
            nl.send(nlmsg(fid, F_REQ | F_ACK, 1, genlmsg(rlib.SUMMARY_GET)))
            for _ in range(2):
                nl.recv(10)
            nl.close()
            c["summaries"] += 1
    lst.close()
    return dict(c)


def start_churn(t, ns, fid, seed):
    stop_r, stop_w = os.pipe()
    res_r, res_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(stop_w)
        os.close(res_r)
        signal.alarm(0)
        try:
            out = ("ok", churn(ns.fd, fid, 0, stop_r, seed))
        except BaseException as e:
            import traceback
            out = ("fail", "%s: %s" % (type(e).__name__, e),
                   traceback.format_exc())
        import pickle
        with os.fdopen(res_w, "wb") as f:
            f.write(pickle.dumps(out))
        os._exit(0)
    os.close(stop_r)
    os.close(res_w)
    state = {"done": False}

    def stop():
        if state["done"]:
            return state["res"]
        state["done"] = True
        os.close(stop_w)
        import pickle
        import select
        chunks = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if not select.select([res_r], [], [], 1)[0]:
                continue
            b = os.read(res_r, 65536)
            if not b:
                break
            chunks.append(b)
        os.close(res_r)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
        state["res"] = pickle.loads(b"".join(chunks)) if chunks else \
            ("fail", "churn child died without a result", "")
        return state["res"]
    t.defer(stop)
    return stop


# --------------------------------------------------------------------------

def populate(t, ns, pairs):
    """Listeners (v4, v6, dual-stack, a reuseport pair) and `pairs`
    established v4 and v6 connections: a quiet table for the final
    comparison, big enough for dumps of many skbs."""
    ls = [ns.listen("127.0.0.1", 9100, 4096), ns.listen("::1", 9101, 4096),
          ns.listen("::", 9102, 16),
          ns.listen("127.0.0.1", 9103, 8, reuseport=True),
          ns.listen("127.0.0.1", 9103, 8, reuseport=True)]
    sumlib.connect_pairs(t, ls[0], "127.0.0.1", pairs // 2, srv=ns)
    sumlib.connect_pairs(t, ls[1], "::1", pairs - pairs // 2, srv=ns)
    return ls


def final_check(t, ns, fid):
    """After the fuzzing: valid dumps work and equal /proc and ss."""
    nl, fid = socklib.genl_socket(t, ns, bufsize=4096)
    views = {"netlink SOCKETS_GET": lambda: socklib.dump(nl, fid)[0],
             "/proc/net/tcpconn/sockets": lambda: socklib.proc_socks(ns)}
    ss, got = socklib.stable_compare(t, ns, views)
    ln = rlib.nl_listeners(nl, fid)
    lp = tcit.parse_proc(ns.read_chunked("/proc/net/tcpconn/listeners", 4096))
    tcit.compare_rows(lp, ln, "/proc/net/tcpconn/listeners",
                      "netlink LISTENERS_GET",
                      fields=["family", "addr", "port", "ifindex", "syn_queue",
                              "syn_young", "accept_queue", "backlog", "drops",
                              "uid", "inode", "cookie", "reuseport", "v6only"])
    sn = rlib.nl_summary(nl, fid)
    sp = sumlib.proc_summary(ns)
    for sec in sumlib.STATE_SECTIONS:
        expect_eq("summary %s: netlink vs /proc" % sec, sp[sec], sn[sec])
    return len(ss), len(ln)


def test_nl_fuzz(t):
    n = int(os.environ.get("TCPCONN_FUZZ_N", "50000"))
    seed = int(os.environ.get("TCPCONN_FUZZ_SEED") or
               int.from_bytes(os.urandom(4), "little"))
    # printed first, so that a crash of the guest still leaves it in the log
    print("# nl_fuzz: seed %d, %d messages (TCPCONN_FUZZ_SEED=%d "
          "TCPCONN_FUZZ_N=%d to repeat)" % (seed, n, seed, n))
    sys.stdout.flush()
    ns = t.netns("fuzz")
    sumlib.raise_nofile(t, 4096)
    populate(t, ns, 300)
    fid, _ = rlib.family_id(ns)
    stop = start_churn(t, ns, fid, seed ^ 0x5a5a)
    try:
        summ, failures = run_nlfuzz(t, ns, fid, n, seed)
    finally:
        res = stop()
    tot = dict(kv(summ["totals"][0]))
    t.note("seed %s: %s messages in %s send()s, %s recvmsg(), %s s "
           "(%s msg/s); largest request %s bytes; %s reply bytes"
           % (tot["seed"], tot["messages"], tot["sends"], tot["recvs"],
              tot["secs"], tot["rate"], tot["largest"], tot["reply_bytes"]))
    t.note("no reply (dropped by the netlink core, each probed): %s; "
           "replies lost to ENOBUFS overruns (small SO_RCVBUF): %s"
           % (tot["dropped"], tot["enobufs"]))
    t.note("final replies by errno: " + ", ".join(
        "%s %s" % kv_ for kv_ in kv(summ["errno"][0])))
    for words in sorted(summ.get("class", [])):
        t.note("  %-16s %s" % (words[0], ", ".join(
            "%s %s" % kv_ for kv_ in kv(words[1:]))))
    t.note("operations: " + ", ".join("%s %s" % kv_
                                      for kv_ in kv(summ["ops"][0])))
    t.note("time by operation: " + ", ".join(
        "%s %s s / %s msgs" % ((k,) + tuple(v.split("/")))
        for k, v in kv(summ["optime"][0])))
    t.note("time of single messages by class: " + ", ".join(
        "%s %s s / %s" % ((k,) + tuple(v.split("/")))
        for k, v in kv(summ["cattime"][0])))
    if res[0] == "ok":
        t.note("concurrent churn: " + ", ".join("%s %d" % kv_
                                                 for kv_ in sorted(res[1].items())))
    if failures:
        details = []
        for text, hexes in failures:
            details.append(text)
            details += ["  repro: python3 tests/reliability/test_fuzz.py %s" % h
                        for h in hexes[:3]]
        raise TestFail("%s oracle violation(s), first: %s"
                       % (tot["problems"], failures[0][0]), details)
    if res[0] != "ok":
        raise TestFail("concurrent churn child failed: %s" % res[1],
                       res[2].splitlines())
    nss, nl = final_check(t, ns, fid)
    t.note("after fuzzing: SOCKETS_GET = /proc = ss (%d sockets), "
           "LISTENERS_GET = /proc (%d), SUMMARY_GET = /proc" % (nss, nl))


TESTS = [("nl_fuzz", test_nl_fuzz, 7200)]


def replay(hexes):
    """Send each hex message (its header's type patched to the tcpconn
    family id) and print every reply until 2 s of silence."""
    fid, _ = rlib.family_id()
    nl = rlib.RawNl(ext_ack=True)
    for h in hexes:
        data = bytearray(bytes.fromhex(h))
        if len(data) >= 6 and struct.unpack_from("=H", data, 4)[0] < 0xf000:
            struct.pack_into("=H", data, 4, fid)
        nl.send(bytes(data))
        print("sent %d bytes" % len(data))
        while True:
            got = nl.recv(2)
            if got is None:
                break
            for ty, fl, seq, pid, p, pad in rlib.split_msgs(got[0]):
                extra = ""
                if ty == genl.NLMSG_ERROR:
                    extra = " errno %s" % rlib.errname(
                        -struct.unpack_from("=i", p)[0])
                print("reply type %d flags %#x seq %d len %d%s"
                      % (ty, fl, seq, len(p) + 16, extra))
    nl.close()


if __name__ == "__main__":
    replay(sys.argv[1:])
