# SPDX-License-Identifier: GPL-2.0
"""Guest integration tests of `tcpconn-stat --prometheus`.

The output must pass `promtool check metrics` (Debian package prometheus,
installed on the host by scripts/deps.sh and seen by the guest over the
read-only 9p root), parse as the text exposition format with no series
twice, and its values must equal the independent sources of the netns,
read around it while nothing moved: ss(8) for the state counts, the
orphans and each listener's accept queue and backlog (per SO_REUSEPORT
member, by inode), sockstat for TIME-WAIT and the host-wide orphans,
/proc/net/netstat for every TcpExt counter (matched by the name in the
metric's HELP), /proc/sys for the sysctls, tcp_mem in bytes.
"""
import ipaddress
import os
import re
import shutil
import stat

import sumlib
import tcit
import test_summary
from sumlib import netstat, proc_sys, sockstat
from tcit import TestFail, expect, expect_eq

TESTS = []
NOT_LOADED = []

PROMTOOL = "promtool"


def test(limit=120, registry=TESTS):
    def reg(fn):
        registry.append((fn.__name__[len("test_"):], fn, limit))
        return fn
    return reg


# --------------------------------------------------------------------------
# The text format, parsed strictly

_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)')


def _unescape(v):
    return re.sub(r'\\(.)', lambda m: "\n" if m.group(1) == "n" else m.group(1), v)


class Metrics:
    """HELP, TYPE and samples of one exposition; duplicates are errors."""

    def __init__(self, text, where):
        self.help, self.type, self.samples = {}, {}, {}
        if not text.endswith("\n"):
            raise TestFail("%s: not newline-terminated" % where)
        cur = None
        for n, line in enumerate(text[:-1].split("\n"), 1):
            bad = "%s line %d: %r" % (where, n, line)
            if line.startswith("# HELP "):
                name, _, h = line[7:].partition(" ")
                if name in self.help:
                    raise TestFail("HELP of %s twice (%s)" % (name, bad))
                self.help[name], cur = h, name
                continue
            if line.startswith("# TYPE "):
                name, _, ty = line[7:].partition(" ")
                if name != cur or ty not in ("gauge", "counter"):
                    raise TestFail("TYPE without its HELP, or unknown (%s)" % bad)
                self.type[name] = ty
                continue
            m = _SAMPLE.match(line)
            if not m:
                raise TestFail("not a sample line (timestamps are not allowed): %s" % bad)
            name, labels = m.group(1), {}
            if name != cur or name not in self.type:
                raise TestFail("sample outside its family: %s" % bad)
            body = m.group(3) or ""
            pos = 0
            while pos < len(body):
                lm = _LABEL.match(body, pos)
                if not lm:
                    raise TestFail("bad labels: %s" % bad)
                labels[lm.group(1)] = _unescape(lm.group(2))
                pos = lm.end()
            key = (name, tuple(sorted(labels.items())))
            if key in self.samples:
                raise TestFail("series twice: %s" % bad)
            try:
                self.samples[key] = float(m.group(4))
            except ValueError:
                raise TestFail("bad value: %s" % bad)

    def get(self, name, **labels):
        return self.samples.get((name, tuple(sorted(labels.items()))))

    def series(self, name):
        return [(dict(k[1]), v) for k, v in self.samples.items() if k[0] == name]


def promtool_check(text, what):
    if not shutil.which(PROMTOOL):
        raise TestFail("promtool not found (Debian package prometheus on the "
                       "host, installed by scripts/deps.sh): cannot check %s"
                       % what)
    p = tcit.run([PROMTOOL, "check", "metrics"], input=text, check=False)
    expect_eq("exit of promtool check metrics on %s" % what, 0, p.returncode,
              tcit.clip(p.stdout + p.stderr, 20))


def stat_prom(t, ns, *args, rc=0):
    p = tcit.stat_run(t, ns, ["--prometheus"] + list(args), check=False,
                      timeout=120)
    if rc is not None:
        expect_eq("exit of tcpconn-stat --prometheus %s" % " ".join(args), rc,
                  p.returncode, tcit.clip(p.stderr, 10))
    return p


# --------------------------------------------------------------------------
# The comparison

def _listener_rows(ss_l):
    """ss listeners as {(family, address, port, interface, member): (recvq,
    sendq)}, members of a group numbered by inode as the client does."""
    groups = {}
    for s in ss_l:
        fam = "ipv6" if s.family == "inet6" else "ipv4"
        groups.setdefault((fam, s.addr, s.port, s.dev or ""), []).append(s)
    rows = {}
    for key, socks in groups.items():
        for i, s in enumerate(sorted(socks, key=lambda s: s.ino)):
            rows[key + (i,)] = (s.recvq, s.sendq)
    return rows


def _prom_listeners(m, what):
    out = {}
    for labels, v in m.series(what):
        try:
            addr = ipaddress.ip_address(labels["address"])
            key = (labels["family"], addr, int(labels["port"]),
                   labels["interface"], int(labels["member"]))
        except (KeyError, ValueError) as e:
            raise TestFail("%s: bad labels %r (%s)" % (what, labels, e))
        out[key] = int(v)
    return out


def _problems(m, cen, nst, st, ss_l, ns):
    probs = []

    def diff(what, exp, got):
        if exp != got:
            probs.append("%s (expected %r, got %r)" % (what, exp, got))

    def val(name, **labels):
        v = m.get(name, **labels)
        return None if v is None else int(v)
    for fam, label in (("IPv4", "ipv4"), ("IPv6", "ipv6")):
        for name in sumlib.STATE_NAMES:
            key = name.lower()
            diff("tcpconn_sockets{family=%s,state=%s} vs ss" % (label, key),
                 cen.states.get((fam, name), 0),
                 val("tcpconn_sockets", family=label, state=key))
            diff("tcpconn_orphans{family=%s,state=%s} vs ss ino:0" % (label, key),
                 cen.orphans.get((fam, name), 0),
                 val("tcpconn_orphans", family=label, state=key))
    diff("tcpconn_time_wait_sockets vs sockstat tw", st["TCP"]["tw"],
         val("tcpconn_time_wait_sockets"))
    diff("tcpconn_time_wait_sockets vs ss TIME-WAIT + FIN-WAIT-2 mini-sockets",
         cen.tw(), val("tcpconn_time_wait_sockets"))
    diff("tcpconn_host_orphans vs sockstat orphan (host-wide)",
         st["TCP"]["orphan"], val("tcpconn_host_orphans"))
    # host-wide, and in /proc/sys of the initial netns only: elsewhere the
    # client cannot read it and writes no sample
    try:
        max_orphans = proc_sys(ns, "net.ipv4.tcp_max_orphans")[0]
    except TestFail:
        max_orphans = None
    diff("tcpconn_tcp_max_orphans vs /proc/sys in the same netns, else no sample",
         max_orphans, val("tcpconn_tcp_max_orphans"))
    # every TcpExt counter, matched by the /proc/net/netstat name its HELP gives
    seen = set()
    for name, h in m.help.items():
        if not name.startswith("tcpconn_tcpext_"):
            continue
        hm = re.match(r"TcpExt (\w+)", h)
        if not hm:
            probs.append("%s: HELP does not name the TcpExt counter: %r" % (name, h))
            continue
        seen.add(hm.group(1))
        expect(m.type[name] == "counter" and name.endswith("_total"),
               "%s type" % name, "a counter named *_total", m.type[name])
        diff("%s vs /proc/net/netstat TcpExt %s" % (name, hm.group(1)),
             nst["TcpExt"].get(hm.group(1)), val(name))
    diff("TcpExt counters exported", sorted(sumlib.COUNTER_NAMES.values()),
         sorted(seen))
    for name, key in test_summary.LIMIT_SYSCTL.items():
        metric = "tcpconn_" + name + ("_seconds" if name == "tcp_fin_timeout" else "")
        diff("%s vs /proc/sys %s" % (metric, key), proc_sys(ns, key)[0], val(metric))
    lo, hi = proc_sys(ns, "net.ipv4.ip_local_port_range")
    diff("tcpconn_ip_local_port_range_first/last/size vs /proc/sys",
         (lo, hi, hi - lo + 1),
         (val("tcpconn_ip_local_port_range_first"),
          val("tcpconn_ip_local_port_range_last"),
          val("tcpconn_ip_local_port_range_size")))
    page = os.sysconf("SC_PAGE_SIZE")
    mem = [x * page for x in proc_sys(None, "net.ipv4.tcp_mem")]
    diff("tcpconn_tcp_mem_{low,pressure,high}_bytes vs tcp_mem x page size",
         mem, [val("tcpconn_tcp_mem_low_bytes"),
               val("tcpconn_tcp_mem_pressure_bytes"),
               val("tcpconn_tcp_mem_high_bytes")])
    used = val("tcpconn_tcp_mem_used_bytes")
    if used is None or abs(used - st["TCP"]["mem"] * page) > 16 * page:
        probs.append("tcpconn_tcp_mem_used_bytes (expected sockstat mem %d pages "
                     "x %d ±16 pages, got %r)" % (st["TCP"]["mem"], page, used))
    diff("tcpconn_ehash_buckets vs |tcp_ehash_entries|",
         abs(proc_sys(ns, "net.ipv4.tcp_ehash_entries")[0]),
         val("tcpconn_ehash_buckets"))
    walk = m.get("tcpconn_walk_duration_seconds")
    if walk is None or not 0 < walk < 60:
        probs.append("tcpconn_walk_duration_seconds (expected in (0, 60), got %r)"
                     % walk)
    want = _listener_rows(ss_l)
    for what, col in (("tcpconn_listener_accept_queue", 0),
                      ("tcpconn_listener_backlog", 1)):
        got = _prom_listeners(m, what)
        diff("%s per listener vs ss -lt %s" % (what, ("Recv-Q", "Send-Q")[col]),
             {k: v[col] for k, v in sorted(want.items(), key=str)},
             dict(sorted(got.items(), key=str)))
    diff("sum of tcpconn_listener_syn_queue vs ss SYN-RECV", cen.n("SYN_RECV"),
         sum(int(v) for _, v in m.series("tcpconn_listener_syn_queue")))
    return probs


def _stable(t, ns, tries=8):
    """ss/netstat/sockstat/ss -lt, tcpconn-stat --prometheus, the same
    again; the sources of a run in which nothing moved."""
    for _ in range(tries):
        c1, n1, s1 = sumlib.ss_census(ns), netstat(ns), sockstat(ns)
        l1 = tcit.ss_listeners(ns)
        text = stat_prom(t, ns).stdout
        l2 = tcit.ss_listeners(ns)
        n2, s2 = netstat(ns), sockstat(ns)
        c2 = sumlib.ss_census(ns)
        k1 = (sumlib._stable_key(c1, n1, s1), s1["TCP"]["orphan"],
              [x.key() for x in l1])
        k2 = (sumlib._stable_key(c2, n2, s2), s2["TCP"]["orphan"],
              [x.key() for x in l2])
        if k1 == k2:
            return text, c1, n1, s1, l1
    raise TestFail("the netns kept changing across every tcpconn-stat "
                   "--prometheus run (%d tries)" % tries)


# --------------------------------------------------------------------------

@test(limit=240)
def test_prometheus_vs_ss(t):
    """--prometheus in a netns with ESTABLISHED v4/v6, TIME-WAIT, a
    FIN-WAIT-1 orphan, CLOSE-WAIT, a full accept queue that overflowed, an
    SO_REUSEPORT group of 3 and a listener bound to lo: promtool accepts
    it; states, orphans, TIME-WAIT, counters, sysctls, tcp_mem and every
    listener's queues equal ss, sockstat, netstat and /proc/sys."""
    ns = t.netns()
    test_summary._client_scenario(t, ns)
    for _ in range(3):
        ns.listen("127.0.0.1", 9005, 16, reuseport=True)
    ns.listen("0.0.0.0", 9006, 5, dev="lo")
    text, cen, nst, st, ss_l = _stable(t, ns)
    promtool_check(text, "tcpconn-stat --prometheus")
    m = Metrics(text, "tcpconn-stat --prometheus")
    probs = _problems(m, cen, nst, st, ss_l, ns)
    if probs:
        raise TestFail(probs[0] + ("; and %d more" % (len(probs) - 1)
                                   if len(probs) > 1 else ""),
                       probs[1:10] + cen.show() + tcit.clip(text, 40))
    # the full queue shows as accept_queue > backlog (ss: 2 on backlog 1)
    full = [(lb, v) for lb, v in m.series("tcpconn_listener_accept_queue")
            if lb["port"] == "9001"]
    expect_eq("tcpconn_listener_accept_queue of 127.0.0.1:9001", 2,
              int(full[0][1]) if len(full) == 1 else full)
    members = sorted(lb["member"] for lb, _ in
                     m.series("tcpconn_listener_backlog") if lb["port"] == "9005")
    expect_eq("members of the SO_REUSEPORT group on 9005", ["0", "1", "2"], members)
    expect((m.get("tcpconn_tcpext_listen_overflows_total") or 0) >= 1,
           "tcpconn_tcpext_listen_overflows_total after the overflow", ">= 1",
           m.get("tcpconn_tcpext_listen_overflows_total"))

    # the runner's (initial) netns: the same checks, and tcp_max_orphans
    text, cen, nst, st, ss_l = _stable(t, None)
    promtool_check(text, "tcpconn-stat --prometheus in the initial netns")
    m = Metrics(text, "tcpconn-stat --prometheus (initial netns)")
    probs = _problems(m, cen, nst, st, ss_l, None)
    if probs:
        raise TestFail("initial netns: " + probs[0], probs[1:10])
    expect(m.get("tcpconn_tcp_max_orphans") is not None,
           "tcpconn_tcp_max_orphans in the initial netns", "a sample", "none")
    t.note("--prometheus: %d samples == ss/sockstat/netstat//proc/sys"
           % len(m.samples))


@test()
def test_prometheus_file(t):
    """--prometheus=FILE replaces FILE atomically (no temporary left, mode
    0666 & ~umask, a new inode each time) and the file passes promtool;
    a missing directory is exit 1 with the path named; usage errors exit 2."""
    ns = t.netns()
    ns.listen("127.0.0.1", 9100, 8)
    d = tcit.run(["mktemp", "-d", "/tmp/tcit-prom.XXXXXX"]).stdout.strip()
    t.defer(shutil.rmtree, d, True)
    path = os.path.join(d, "tcpconn.prom")
    old = os.umask(0o022)
    try:
        tcit.stat_run(t, ns, ["--prometheus=" + path], timeout=120)
        st1 = os.stat(path)
        tcit.stat_run(t, ns, ["--prometheus=" + path], timeout=120)
        st2 = os.stat(path)
    finally:
        os.umask(old)
    expect_eq("files in the directory after two runs", ["tcpconn.prom"],
              sorted(os.listdir(d)))
    expect_eq("mode of %s (umask 022)" % path, 0o644, stat.S_IMODE(st2.st_mode))
    expect(st1.st_ino != st2.st_ino, "inode of %s after the second run" % path,
           "a new file renamed over the old one", "the same inode")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    promtool_check(text, path)
    m = Metrics(text, path)
    expect_eq("tcpconn_listener_backlog of 127.0.0.1:9100 in the file", 8,
              m.get("tcpconn_listener_backlog", family="ipv4",
                    address="127.0.0.1", port="9100", interface="",
                    member="0"))

    bad = os.path.join(d, "missing", "x.prom")
    p = tcit.stat_run(t, ns, ["--prometheus=" + bad], check=False, timeout=60)
    expect_eq("exit of --prometheus=%s" % bad, 1, p.returncode,
              tcit.clip(p.stderr, 5))
    expect(bad in p.stderr, "message of --prometheus into a missing directory",
           "names %s" % bad, p.stderr.strip())
    for args in (["--prometheus", "-j"], ["--prometheus", path],
                 ["--prometheus", "--summary"], ["--prometheus", "-4"],
                 ["--prometheus", "-i", "1"], ["--prometheus="]):
        p = tcit.stat_run(t, ns, args, check=False, timeout=30)
        expect_eq("exit of tcpconn-stat %s" % " ".join(args), 2, p.returncode,
                  tcit.clip(p.stderr, 5))
        expect_eq("stdout of tcpconn-stat %s" % " ".join(args), "", p.stdout)


@test(registry=NOT_LOADED)
def test_prometheus_not_loaded(t):
    """Without the module: --prometheus exits 3 with an insmod hint, and
    --prometheus=FILE creates no file."""
    d = tcit.run(["mktemp", "-d", "/tmp/tcit-prom.XXXXXX"]).stdout.strip()
    t.defer(shutil.rmtree, d, True)
    path = os.path.join(d, "tcpconn.prom")
    for args in (["--prometheus"], ["--prometheus=" + path]):
        p = tcit.stat_run(t, None, args, check=False, timeout=30)
        expect_eq("exit of tcpconn-stat %s without the module" % " ".join(args),
                  3, p.returncode, tcit.clip(p.stderr + p.stdout, 5))
        expect("insmod" in p.stderr, "message of tcpconn-stat %s without the "
               "module" % " ".join(args), "a hint mentioning insmod",
               p.stderr.strip())
    expect_eq("files left by --prometheus=FILE without the module", [],
              os.listdir(d))
