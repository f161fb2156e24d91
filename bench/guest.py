#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Guest side of `make bench` (bench/run.sh boots one guest per N).

    bench/guest.py --n N --reps R --stat userspace/tcpconn-stat \\
        --module build/K/tcpconn.ko --bare build/K-bench/tcpconn_bare_walk.ko \\
        --loadgen build/bench/loadgen

Runs as root in the QEMU guest (scripts/vm-run.sh), standard library only.
In one boot:

1. connect/accept rate (bench/loadgen rate) with and without tcpconn.ko,
   alternated;
2. listeners only (no connection): every timed command ("empty" phase);
3. the workload (bench/loadgen serve, pinned to CPU 0): a listener with a
   full accept queue, one whose SYN queue is held by a peer netns that drops
   SYN-ACKs, N established loopback connections (2N sockets), N/200
   orphans in FIN_WAIT1 (unsent data, zero window), N/5 TIME_WAIT sockets;
4. every timed command ("load" phase): one warm-up run, then R rounds, each
   running every command once (order rotated per round), pinned to CPU 1;
   the in-kernel walk times (tcpconn's summary walk_ns and the bare walk of
   bench/bare_walk.c) read 3 times per round.

TIME_WAIT sockets live 60 s: before a command that would not finish within
the current generation's lifetime, the generation is killed (ss -K) and
rebuilt, and the TIME_WAIT count before and after each timed run is kept.

Writes $OUT/raw.csv (one row per timed run) and $OUT/meta.json.
"""
import argparse
import csv
import json
import os
import re
import resource
import subprocess
import sys
import time

PORT_EST, PORT_ORPH, PORT_FULL, PORT_SYN, PORT_RATE, PORT_TW = \
    9000, 9002, 9003, 9004, 9005, 9010   # TIME_WAIT: PORT_TW and +1
FULL_BACKLOG = 128
SYN_HELD = 256
PEER = "benchpeer"
PEER_ADDR, HOST_ADDR = "198.18.0.2", "198.18.0.1"
TW_LIFE = 60.0          # TCP_TIMEWAIT_LEN
TW_MARGIN = 3.0
LOAD_CPU, TIMED_CPU = 0, 1


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def sh(cmd, check=True):
    p = subprocess.run(["/bin/sh", "-c", cmd], capture_output=True, text=True)
    if check and p.returncode:
        raise SystemExit("bench: '%s' failed (%d): %s"
                         % (cmd, p.returncode, p.stderr.strip()))
    return p.stdout


def sysctl(name, value, ns=None):
    pre = "ip netns exec %s " % ns if ns else ""
    sh("%ssysctl -qw %s='%s'" % (pre, name, value))


def read(path):
    with open(path) as f:
        return f.read()


def sockstat():
    m = re.search(r"^TCP: inuse (\d+) orphan (\d+) tw (\d+) alloc (\d+) "
                  r"mem (\d+)", read("/proc/net/sockstat"), re.M)
    return dict(zip(("inuse", "orphan", "tw", "alloc", "mem"),
                    map(int, m.groups())))


def tw_now():
    return sockstat()["tw"]


def summary():
    """/proc/net/tcpconn/summary as {prefix: {name: value}}."""
    out, names = {}, {}
    for line in read("/proc/net/tcpconn/summary").splitlines():
        pre, _, rest = line.partition(":")
        vals = rest.split()
        if pre in names:
            out[pre] = dict(zip(names.pop(pre), map(int, vals)))
        else:
            names[pre] = vals
    return out


def bare_walk():
    d = {}
    for line in read("/proc/net/tcpconn_bare_walk").splitlines():
        k, *v = line.split()
        d[k] = list(map(int, v)) if k == "states" else int(v[0])
    return d


def meminfo():
    d = {}
    for line in read("/proc/meminfo").splitlines():
        k, v = line.split(":")
        d[k] = int(v.split()[0]) * 1024
    return d


def mem_used():
    m = meminfo()
    return m["MemTotal"] - m["MemFree"] - m["Buffers"] - m["Cached"]


def slabinfo():
    """{cache name: its /proc/slabinfo fields}, {} when unreadable."""
    try:
        return {f[0]: f for f in (line.split() for line in
                                  read("/proc/slabinfo").splitlines()[2:])}
    except OSError:
        return {}


def slab_bytes(name):
    """Memory the slab cache NAME holds (its slabs' pages), or None."""
    f = slabinfo().get(name)
    if f is None:
        return None
    # pagesperslab, then "... : slabdata active_slabs num_slabs sharedavail"
    return int(f[5]) * int(f[f.index("slabdata") + 2]) * \
        os.sysconf("SC_PAGE_SIZE")


def slab_sizes(names=("TCP", "tw_sock_TCP", "request_sock_TCP")):
    """{cache name: object size} of NAMES."""
    info = slabinfo()
    return {n: int(info[n][3]) for n in names if n in info}


class Loadgen:
    """bench/loadgen serve: one command line in, one answer line out."""

    def __init__(self, path):
        self.p = subprocess.Popen(["taskset", "-c", str(LOAD_CPU), path,
                                   "serve"], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)

    def cmd(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        ans = self.p.stdout.readline().strip()
        if not ans.startswith("ok"):
            raise SystemExit("bench: loadgen '%s': %s" % (line, ans or "died"))
        return ans.split()

    def quit(self):
        self.p.stdin.close()
        self.p.wait(timeout=600)


def commands(stat):
    """(name, shell command) of every timed command, in a fixed order."""
    return [
        ("floor", "/bin/true"),
        ("floor_pipe", "/bin/true | /bin/true"),
        ("tcpconn_summary", stat + " --summary"),
        ("proc_summary", "cat /proc/net/tcpconn/summary"),
        ("ss_awk_states",
         "ss -tan | awk 'NR > 1 {n[$1]++} END {for (s in n) print s, n[s]}'"),
        ("netstat_states", "netstat -nat | awk '{print $6}' | sort | uniq -c"),
        ("ss_s", "ss -s"),
        ("tcpconn_listeners", stat + " --listeners"),
        ("proc_listeners", "cat /proc/net/tcpconn/listeners"),
        ("ss_ltn", "ss -ltn"),
        ("ss_synrecv_per_listener",
         "ss -tnH state syn-recv | awk '{n[$3]++} END {for (l in n) "
         "print l, n[l]}'"),
        ("tcpconn_timewait", stat + " --timewait"),
        ("ss_tw", "ss -tan state time-wait"),
        ("tcpconn_sockets", stat + " --sockets"),
        ("ss_tan", "ss -tan"),
        ("ss_tanoe", "ss -tanoe"),
        ("proc_sockets", "cat /proc/net/tcpconn/sockets"),
        ("proc_tcp", "cat /proc/net/tcp /proc/net/tcp6"),
    ]


def run_timed(cmd, capture=False):
    """Wall time of `sh -c CMD` (stdout to /dev/null, or counted lines)."""
    out = subprocess.PIPE if capture else subprocess.DEVNULL
    t0 = time.perf_counter_ns()
    p = subprocess.run(["/bin/sh", "-c", cmd], stdout=out,
                       stderr=subprocess.PIPE)
    t = (time.perf_counter_ns() - t0) / 1e9
    if p.returncode:
        raise SystemExit("bench: '%s' failed (%d): %s"
                         % (cmd, p.returncode, p.stderr.decode().strip()))
    return t, (p.stdout.count(b"\n") if capture else None)


class Bench:
    def __init__(self, a):
        self.a = a
        self.rows = []
        self.meta = {"n": a.n, "reps": a.reps, "kernel": os.environ.get(
            "KNAME", ""), "kver": os.uname().release,
            "cpus": os.cpu_count()}
        only = set(a.tools.split(",")) if a.tools else None
        self.cmds = [c for c in commands(a.stat)
                     if only is None or c[0] in only or c[0] == "floor"]
        self.est = {}           # longest time seen per command
        self.lg = None
        self.tw_target = a.n // 5
        self.tw_start = None    # when the current TIME_WAIT generation began
        self.t_start = time.monotonic()

    def add(self, phase, tool, rep, seconds, tw0=None, tw1=None, extra=""):
        self.rows.append({"phase": phase, "tool": tool, "rep": rep,
                          "seconds": "%.6f" % seconds,
                          "tw_before": "" if tw0 is None else tw0,
                          "tw_after": "" if tw1 is None else tw1,
                          "extra": extra,
                          # when it ended, seconds since the guest script
                          # started: to line runs up with TIME_WAIT
                          # generations and with each other
                          "at": "%.1f" % (time.monotonic() - self.t_start)})

    # ---- setup ------------------------------------------------------------
    def sysctls(self):
        n = self.a.n
        pages = meminfo()["MemTotal"] // 4096
        nofile = 4 * n + 100000
        sysctl("fs.nr_open", max(nofile, 1048576))
        sysctl("fs.file-max", max(8 * n, 1 << 22))
        resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
        sysctl("net.core.somaxconn", 65535)
        sysctl("net.ipv4.tcp_max_syn_backlog", 65535)
        sysctl("net.ipv4.ip_local_port_range", "1024 65535")
        # the default (half the ehash size) would silently cap TIME_WAIT
        sysctl("net.ipv4.tcp_max_tw_buckets", max(262144, 4 * self.tw_target))
        sysctl("net.ipv4.tcp_tw_reuse", 0)
        # keep the SYN queue and the orphans for the whole run
        sysctl("net.ipv4.tcp_synack_retries", 255)
        sysctl("net.ipv4.tcp_orphan_retries", 255)
        sysctl("net.ipv4.tcp_max_orphans", max(65536, 4 * self.orphans()))
        sysctl("net.ipv4.tcp_mem", "%d %d %d" % (pages // 2, pages * 5 // 8,
                                                 pages * 3 // 4))

    def orphans(self):
        return max(50, self.a.n // 200)

    def peer(self):
        sh("ip netns add %s; ip link add bvet0 type veth peer name bvet1 "
           "netns %s; ip addr add %s/24 dev bvet0; ip link set bvet0 up; "
           "ip -n %s addr add %s/24 dev bvet1; ip -n %s link set bvet1 up; "
           "ip -n %s link set lo up"
           % (PEER, PEER, HOST_ADDR, PEER, PEER_ADDR, PEER, PEER))
        sh("ip netns exec %s nft add table inet bench; "
           "ip netns exec %s nft add chain inet bench in "
           "'{ type filter hook input priority 0; }'; "
           "ip netns exec %s nft add rule inet bench in "
           "'tcp flags & (syn|ack) == (syn|ack) drop'" % (PEER, PEER, PEER))
        sysctl("net.ipv4.tcp_syn_retries", 127, ns=PEER)
        self.syn = subprocess.Popen(
            ["ip", "netns", "exec", PEER, "taskset", "-c", str(LOAD_CPU),
             self.a.loadgen, "syn", HOST_ADDR, str(PORT_SYN), str(SYN_HELD)],
            stdout=subprocess.PIPE, text=True)
        if not self.syn.stdout.readline().startswith("ok"):
            raise SystemExit("bench: loadgen syn failed")
        self.wait_for("%d held SYNs" % SYN_HELD,
                      lambda: len(sh("ss -tnH state syn-recv "
                                     "'( sport = :%d )'" % PORT_SYN)
                                  .splitlines()) >= SYN_HELD)

    def wait_for(self, what, pred, timeout=120):
        end = time.monotonic() + timeout
        while not pred():
            if time.monotonic() > end:
                raise SystemExit("bench: timed out waiting for " + what)
            time.sleep(0.2)

    # ---- TIME_WAIT generations --------------------------------------------
    def tw_refresh(self):
        t0 = time.monotonic()
        if self.tw_start is not None:
            sh("ss -K -tn state time-wait '( dport = :%d or dport = :%d )' "
               ">/dev/null" % (PORT_TW, PORT_TW + 1))
            if tw_now() > self.tw_target // 20:
                # no TIME_WAIT kill (tcp_abort) here: wait for the expiry
                self.wait_for("TIME_WAIT expiry",
                              lambda: tw_now() <= self.tw_target // 100, 90)
        self.tw_start = time.monotonic()
        self.lg.cmd("tw %d" % self.tw_target)
        self.meta.setdefault("tw_refresh_s", []).append(
            round(time.monotonic() - t0, 3))

    def tw_ensure(self, need):
        """A TIME_WAIT generation that outlives the next @need seconds."""
        if not self.tw_target:
            return
        # A run that overlaps the mass expiry of a generation (tens of
        # thousands of TIME_WAIT sockets unhashed within seconds, 60 s
        # after they were made) competes with it for the CPU and sees its
        # sockets vanish mid-walk: at 250k, --sockets took 48-53 s instead
        # of 12 s when that happened. Room for a run 1.5x the longest seen.
        need *= 1.5
        if self.tw_start is None or time.monotonic() + need + TW_MARGIN > \
                self.tw_start + TW_LIFE:
            self.tw_refresh()

    # ---- phases -----------------------------------------------------------
    def connect_rate(self):
        """Connect/accept/close rate without and with tcpconn.ko, ABBA."""
        loaded = True

        def rate(count):
            out = sh("%s rate %d %d" % (self.a.loadgen, PORT_RATE, count))
            _, _, secs, per = out.split()
            return float(secs), float(per)

        def set_loaded(want):
            nonlocal loaded
            if want != loaded:
                sh("insmod %s" % self.a.module if want else "rmmod tcpconn")
                loaded = want

        rate(500)                                   # warm-up
        secs, _ = rate(1000)
        count = max(1000, int(1000 * self.a.rate_secs / secs))
        self.meta["rate_count"] = count
        for r in range(self.a.rate_rounds):
            for want in ((False, True) if r % 2 == 0 else (True, False)):
                set_loaded(want)
                secs, per = rate(count)
                self.add("rate", "connect_rate_" + ("loaded" if want else
                                                    "unloaded"), r, secs,
                         extra="%.1f" % per)
        set_loaded(True)

    def time_round(self, phase, rep, names=None, order_shift=0):
        cmds = [c for c in self.cmds if names is None or c[0] in names]
        k = order_shift % len(cmds)
        for name, cmd in cmds[k:] + cmds[:k]:
            if phase == "load":
                self.tw_ensure(self.est.get(name, 30.0))
            tw0 = tw_now()
            t, _ = run_timed(cmd)
            tw1 = tw_now()
            self.est[name] = max(self.est.get(name, 0), t)
            self.add(phase, name, rep, t, tw0, tw1)
        for i in range(3):
            for which in ((0, 1) if i % 2 == 0 else (1, 0)):
                if which == 0:
                    s = summary()
                    self.add(phase, "walk_module", rep,
                             s["Totals"]["walk_ns"] / 1e9)
                else:
                    b = bare_walk()
                    self.add(phase, "walk_bare", rep, b["walk_ns"] / 1e9,
                             extra=str(b["entries"]))
                    self.add(phase, "walk_bare_ehash", rep,
                             b["ehash_ns"] / 1e9)

    def warmup(self, phase):
        """One run per command: warms the 9p page cache, counts rows."""
        rows = {}
        for name, cmd in self.cmds:
            if phase == "load":
                self.tw_ensure(self.est.get(name, 30.0))
            t, lines = run_timed(cmd, capture=True)
            self.est[name] = max(self.est.get(name, 0), t)
            rows[name] = lines
        self.meta.setdefault("lines", {})[phase] = rows

    def census(self, phase):
        s = summary()
        self.meta.setdefault("census", {})[phase] = {
            "summary_v4": s["IPv4"], "summary_v6": s["IPv6"],
            "totals": s["Totals"], "sockstat": sockstat(),
            "bare_entries": bare_walk()["entries"]}

    def build(self):
        n, lg = self.a.n, self.lg
        lg.cmd("full")
        self.peer()
        m0 = mem_used()
        left, t0 = n, time.monotonic()
        while left:
            k = min(left, 50000)
            lg.cmd("est %d" % k)
            left -= k
            log("%d of %d connections (%.0f s)"
                % (n - left, n, time.monotonic() - t0))
        self.meta["build_est_s"] = round(time.monotonic() - t0, 3)
        time.sleep(1)
        m1 = mem_used()
        self.meta["mem_per_established_socket"] = round((m1 - m0) / (2 * n))
        lg.cmd("orphans %d" % self.orphans())
        time.sleep(1)
        tw0 = slab_bytes("tw_sock_TCP")
        self.tw_refresh()
        self.meta["build_tw_s"] = self.meta["tw_refresh_s"][0]
        tw1 = slab_bytes("tw_sock_TCP")
        if self.tw_target and tw0 is not None and tw1 is not None:
            # growth of the TIME_WAIT slab (objects and slack): the used
            # memory of the whole guest moved by more than this in either
            # direction at N=10,000 (-6 KB per socket in one run)
            self.meta["mem_per_timewait_socket"] = round(
                (tw1 - tw0) / self.tw_target)
        self.meta["slab_object_size"] = slab_sizes()
        ss = sockstat()
        log("built: sockstat %s" % ss)

    def main(self):
        a = self.a
        os.sched_setaffinity(0, {TIMED_CPU})    # inherited by timed commands
        self.sysctls()
        sh("insmod %s" % a.bare)
        if not os.path.exists("/proc/net/tcpconn"):
            sh("insmod %s" % a.module)
        b = bare_walk()
        self.meta.update(ehash_buckets=b["ehash_buckets"],
                         lhash2_buckets=b["lhash2_buckets"],
                         mem_total=meminfo()["MemTotal"],
                         tw_target=self.tw_target, orphans=self.orphans(),
                         syn_held=SYN_HELD, full_backlog=FULL_BACKLOG,
                         commands=dict(self.cmds),
                         versions=versions())
        if a.rate_rounds:
            log("connect rate, with and without tcpconn.ko")
            self.connect_rate()

        self.lg = Loadgen(a.loadgen)
        self.lg.cmd("listen %d %d %d %d %d %d" % (PORT_EST, PORT_TW, PORT_ORPH,
                                                  PORT_FULL, PORT_SYN,
                                                  FULL_BACKLOG))
        log("empty phase: listeners only")
        self.warmup("empty")
        self.census("empty")
        for r in range(a.reps):
            self.time_round("empty", r + 1, order_shift=r)

        log("building %d connections" % a.n)
        self.build()
        self.census("load")
        log("load phase: warm-up")
        self.warmup("load")
        t0 = time.monotonic()
        for r in range(a.reps):
            log("load phase: round %d of %d" % (r + 1, a.reps))
            self.time_round("load", r + 1, order_shift=r)
        self.meta["load_rounds_s"] = round(time.monotonic() - t0, 1)
        self.census("load_end")
        if a.perf:
            self.profile(a.perf.split(","))
        self.write()
        self.lg.quit()
        self.syn.kill()

    def profile(self, names):
        """perf profiles of the command's own processes (not -a: the idle
        CPU would dominate), by DSO and by symbol, into perf-NAME.txt."""
        for name, cmd in self.cmds:
            if name not in names:
                continue
            self.tw_ensure(self.est.get(name, 30.0))
            data = os.path.join(self.a.out, "perf-%s.data" % name)
            txt = data[:-5] + ".txt"
            sh("perf record -q -e cpu-clock -F 4000 -g -o %s -- sh -c %s "
               ">/dev/null 2>&1" % (data, sh_quote(cmd)))
            sh("{ perf report -i %s --stdio --no-children --sort comm,dso "
               "-g none; perf report -i %s --stdio --no-children "
               "--sort dso,sym --percent-limit 0.3 -g none; "
               "perf report -i %s --stdio --children --sort sym "
               "--percent-limit 3 -g none; } > %s 2>/dev/null"
               % (data, data, data, txt), check=False)
            os.unlink(data)

    def write(self):
        self.meta["guest_s"] = round(time.monotonic() - self.t_start, 1)
        with open(os.path.join(self.a.out, "raw.csv"), "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(self.rows[0]))
            w.writeheader()
            w.writerows(self.rows)
        with open(os.path.join(self.a.out, "meta.json"), "w") as f:
            json.dump(self.meta, f, indent=1, sort_keys=True)


def versions():
    """What the compared tools are, for the record."""
    def first(cmd):
        return (sh(cmd + " 2>&1", check=False).splitlines() or [""])[0]
    return {"ss": first("ss -V"), "netstat": first("netstat -V"),
            "awk": os.path.realpath("/usr/bin/awk"),
            "sort": first("sort --version"),
            "python": sys.version.split()[0]}


def sh_quote(s):
    return "'" + s.replace("'", "'\\''") + "'"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--stat", required=True)
    p.add_argument("--module", required=True)
    p.add_argument("--bare", required=True)
    p.add_argument("--loadgen", required=True)
    p.add_argument("--out", default=os.environ.get("OUT", "."))
    p.add_argument("--rate-rounds", type=int, default=40)
    p.add_argument("--rate-secs", type=float, default=0.5)
    p.add_argument("--tools", default="",
                   help="comma-separated commands to time (default: all; "
                   "the floor is always timed)")
    p.add_argument("--perf", default="",
                   help="comma-separated commands to profile after timing")
    a = p.parse_args()
    for f in ("stat", "module", "bare", "loadgen"):
        setattr(a, f, os.path.abspath(getattr(a, f)))
    t0 = time.monotonic()
    b = Bench(a)
    b.meta["started"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    b.main()
    log("done in %.0f s" % (time.monotonic() - t0))


if __name__ == "__main__":
    main()
