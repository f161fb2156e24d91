# SPDX-License-Identifier: GPL-2.0
"""Guest tests of the YNL spec: the kernel's own YNL CLI talks to
tcpconn.ko knowing nothing but Documentation/netlink/specs/tcpconn.yaml.

The CLI is tools/net/ynl/cli.py of Debian's linux-source-6.12, extracted
on the host into build/ynl by scripts/ynl.sh (scripts/check.sh does it
before any guest boots); the guest sees the host's root, hence the repo's
build/ and python3-yaml/python3-jsonschema, read-only. Without that tree
these tests fail and say how to get it; nothing is skipped.

Its output is compared with ss(8) and /proc like every other view: the
listeners dump field by field through tcit.check_with_ss(), the summary
with the ss census, /proc/net/netstat and /proc/sys, the sockets dump with
ss -tanHe by cookie. The CLI decodes without --process-unknown, so any
attribute the module sends that the spec lacks fails the run, and every
reply attribute the spec lists must be there (flags when set).
"""
import ipaddress
import json
import os
import sys

import sumlib
import tcit
import test_listeners
from test_sockets import _kernel
from tcit import TestFail, check_with_ss, expect, expect_eq, wait_until

TESTS = []

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                    "..", ".."))
SPEC = os.path.join(REPO, "Documentation", "netlink", "specs", "tcpconn.yaml")
YNL_ROOT = os.path.join(REPO, "build", "ynl")
SCHEMA = os.path.join(YNL_ROOT, "Documentation", "netlink",
                      "genetlink-legacy.yaml")
# 6.12 keeps cli.py in tools/net/ynl, 6.13+ in tools/net/ynl/pyynl
CLI = ("tools/net/ynl/cli.py", "tools/net/ynl/pyynl/cli.py")
AF = {2: "inet", 10: "inet6"}


def test(limit=300):
    def reg(fn):
        TESTS.append((fn.__name__[len("test_"):], fn, limit))
        return fn
    return reg


def _spec():
    """The spec as YAML, for the lists of reply attributes."""
    try:
        import yaml
    except ImportError as e:
        raise TestFail("python3-yaml is not importable (%s): the YNL CLI needs "
                       "it; scripts/deps.sh installs it on the host" % e)
    with open(SPEC) as f:
        doc = yaml.safe_load(f)
    return {op["name"]: op for op in doc["operations"]["list"]}


def _reply_attrs(op):
    ops = _spec()
    mode = "do" if "do" in ops[op] else "dump"
    return ops[op][mode]["reply"]["attributes"]


def cli_path():
    for rel in CLI:
        p = os.path.join(YNL_ROOT, rel)
        if os.path.isfile(p):
            return p
    raise TestFail("the kernel's YNL CLI is not in %s (expected %s): run "
                   "scripts/ynl.sh on the host before the guest boots "
                   "(scripts/check.sh does); it extracts tools/net/ynl from "
                   "Debian's linux-source-6.12 into build/ynl"
                   % (YNL_ROOT, " or ".join(CLI)))


_validated = []


def ynl(ns, *args, check=True):
    """cli.py --spec tcpconn.yaml ARGS in ns. The first successful run of
    the process validates the spec against the schema; later runs skip
    that (slow under TCG)."""
    cli = cli_path()
    expect(os.path.isfile(SCHEMA), "YNL schema", SCHEMA, "missing (rerun "
           "scripts/ynl.sh on the host)")
    argv = [sys.executable, cli, "--spec", SPEC]
    argv += ["--no-schema"] if _validated else ["--schema", SCHEMA]
    argv += ["--output-json"] + list(args)
    p = ns.run(argv, check=False, timeout=180)
    if p.returncode == 0 and not _validated:
        _validated.append(True)
    if check and p.returncode:
        # the CLI's own message (a Python exception or "Netlink error: ...")
        # comes last
        out = (p.stderr.strip() or p.stdout.strip()).splitlines() or ["(no output)"]
        raise TestFail("YNL CLI %s failed (expected exit 0, got %d): %s"
                       % (" ".join(args), p.returncode, out[-1]),
                       ["argv: " + " ".join(argv)] + out[-12:])
    return p


def ynl_json(ns, *args):
    p = ynl(ns, *args)
    try:
        return json.loads(p.stdout)
    except json.JSONDecodeError as e:
        raise TestFail("YNL CLI %s: output is not JSON (%s)" % (" ".join(args), e),
                       tcit.clip(p.stdout, 10))


def ynl_error(ns, *args):
    """A request that must fail: the CLI's exit status and message."""
    p = ynl(ns, *args, check=False)
    expect(p.returncode != 0, "exit of YNL CLI %s" % " ".join(args),
           "non-zero (netlink error)", "0: %s" % p.stdout.strip()[:200])
    return p.stdout + p.stderr


def _addr(v, where):
    """YNL prints a binary with display-hint as an address, else as hex."""
    try:
        if isinstance(v, str) and (":" in v or "." in v):
            return ipaddress.ip_address(v)
        return ipaddress.ip_address(bytes.fromhex(v))
    except (ValueError, TypeError):
        raise TestFail("%s: %r is not an IPv4/IPv6 address" % (where, v))


def listener_rows(msgs, where):
    """The CLI's listeners-get dump -> tcit's canonical listener rows."""
    expect(isinstance(msgs, list), where, "a list of messages",
           type(msgs).__name__)
    reply = _reply_attrs("listeners-get")
    flags = {"reuseport", "v6only"}
    rows = []
    for i, m in enumerate(msgs):
        w = "%s[%d]" % (where, i)
        expect(isinstance(m, dict), w, "an object", repr(m)[:80])
        extra = sorted(set(m) - set(reply))
        expect(not extra, w + ": attributes", "only the spec's reply "
               "attributes", "also %s" % extra)
        missing = sorted(set(reply) - flags - set(m))
        expect(not missing, w + ": attributes", "every non-flag reply "
               "attribute", "missing %s" % missing)
        for f in flags & set(m):
            expect_eq("%s.%s (a flag is sent only when set)" % (w, f), True, m[f])
        expect(m["family"] in AF, w + ".family", "2 or 10", m["family"])
        addr = _addr(m["addr"], w + ".addr")
        expect_eq(w + ": address size vs family", 4 if m["family"] == 2 else 6,
                  addr.version)
        rows.append(dict(
            family=AF[m["family"]], addr=addr, port=m["port"],
            ifindex=m["ifindex"], syn_queue=m["syn-queue"],
            syn_young=m["syn-young"], accept_queue=m["accept-queue"],
            backlog=m["backlog"], full=m["accept-queue"] > m["backlog"],
            drops=m["drops"], uid=m["uid"], inode=m["inode"],
            cookie=m["cookie"], reuseport=m.get("reuseport", False),
            v6only=m.get("v6only", False)))
    return rows


def ynl_listeners(ns, filt=None):
    args = ["--dump", "listeners-get"]
    if filt:
        args += ["--json", json.dumps(filt)]
    return listener_rows(ynl_json(ns, *args), "YNL listeners-get %s" % (filt or ""))


@test(limit=600)
def test_ynl_listeners_vs_ss(t):
    """The YNL CLI's listeners-get dump equals ss: queues (SYN queue held by
    a peer, full accept queue), backlog, drops, flags, uid, ifindex,
    cookie; its filters equal ss filters; bad filters and a do fail."""
    cli_path()          # fail before building anything without the CLI
    srv, peer = test_listeners._syn_topology(t)
    # request sockets outlive the slower CLI runs (default: gone after ~63 s)
    srv.sysctl("net.ipv4.tcp_synack_retries", 8)
    ls = test_listeners._static_variety(srv)       # 7401..7407 on loopback
    w = srv.listen("0.0.0.0", 6001, 16)
    d = srv.listen("::", 6003, 16, v6only=False)
    cl = peer.connect(tcit.VETH_V4[0], 6001, 3) + \
        peer.connect(tcit.VETH_V4[0], 6003, 2)

    def f():
        n = len(tcit.ss_synrecv(srv))
        return n == 5, n
    wait_until(f, "5 request sockets in ss", timeout=20)
    for c in cl:        # no more SYN retransmits from the peer
        c.close()

    rows, ss = check_with_ss(t, srv, lambda: ynl_listeners(srv), who="YNL")
    expect_eq("listeners in the YNL dump", len(ls) + 2, len(rows))
    by = {r["inode"]: r for r in rows}
    expect_eq("syn-queue of 0.0.0.0:6001 and [::]:6003", (3, 2),
              (by[w.inode]["syn_queue"], by[d.inode]["syn_queue"]))
    expect_eq("full accept queue of 127.0.0.1:7401 (accept-queue, backlog)",
              (2, 1), (by[ls[0].inode]["accept_queue"], by[ls[0].inode]["backlog"]))
    expect(by[ls[1].inode]["reuseport"] and by[ls[3].inode]["v6only"],
           "reuseport/v6only flags", "set on 7402 / 7403",
           (by[ls[1].inode]["reuseport"], by[ls[3].inode]["v6only"]))
    t.note("YNL dump = ss for %d listeners" % len(rows))

    for filt, ssf in (({"port": 7402}, ("sport", "=", ":7402")),
                      ({"family": 10}, ("-6",)),
                      ({"family": 2, "port": 6001}, ("-4", "sport", "=", ":6001"))):
        check_with_ss(t, srv, lambda: ynl_listeners(srv, filt), filt=ssf,
                      who="YNL listeners-get %s" % json.dumps(filt))

    MODULE_MSGS = ("family must be AF_INET or AF_INET6",)
    for what, args, want in (
            ("family filter 3", ["--dump", "listeners-get", "--json",
                                 '{"family": 3}'],
             ("Invalid argument", "family must be AF_INET or AF_INET6")),
            ("port filter 0", ["--dump", "listeners-get", "--json", '{"port": 0}'],
             ("out of range|Invalid argument",)),
            ("listeners-get as a do", ["--do", "listeners-get"],
             ("Operation not supported",)),
            ("summary-get as a dump", ["--dump", "summary-get"],
             ("Operation not supported",))):
        out = ynl_error(srv, *args)
        for pat in want:
            if (pat in MODULE_MSGS and pat not in out and
                    _kernel() < (6, 2)):
                # before 6.2 an error of a dump's .start reaches the
                # caller without its extack message (test_sockets notes
                # the same); the errno is still checked
                t.note("no extack message for %s on %s (errno right)"
                       % (what, os.uname().release))
                continue
            expect(any(p in out for p in pat.split("|")),
                   "YNL CLI message for %s" % what, repr(pat), repr(out[-300:]))


def _census_stable(ns):
    """ss census and TcpExt, then the summary, then both again: the
    summary when nothing moved in between."""
    for _ in range(8):
        c1, n1 = sumlib.ss_census(ns), sumlib.netstat(ns)["TcpExt"]
        y = ynl_json(ns, "--do", "summary-get")
        c2, n2 = sumlib.ss_census(ns), sumlib.netstat(ns)["TcpExt"]
        if c1.key() == c2.key() and n1 == n2:
            return y, c1, n1
    raise TestFail("ss or /proc/net/netstat changed across every YNL "
                   "summary-get (8 tries)")


def _ss_sockets(ns, filt, state=None):
    """ss -tanHe [FILTER] -> {cookie: (STATE, local, peer)}. ss leaves the
    State column out when the filter names one state: that is `state`."""
    p = ns.run(["ss", "-tanHe"] + list(filt))
    out = {}
    for line in p.stdout.splitlines():
        tok = line.split()
        if not tok:
            continue
        st = state
        if tok[0] in sumlib.SS_TO_STATE:
            st, tok = tok[0], tok[1:]
        expect(st is not None and len(tok) >= 4, "ss line", "State Recv-Q "
               "Send-Q Local Peer ...", repr(line))
        ck = [x for x in tok[4:] if x.startswith("sk:")]
        expect(ck, "ss -e cookie", "sk: in every line", repr(line))
        out[int(ck[0][3:], 16)] = (sumlib.SS_TO_STATE[st], tok[2], tok[3])
    return out


def _endpoint(m, addr, port):
    a = tcit.addr_text(_addr(m[addr], addr))
    return ("[%s]:%d" % (a, m[port])) if m["family"] == 10 else \
        "%s:%d" % (a, m[port])


@test(limit=600)
def test_ynl_summary_and_sockets(t):
    """summary-get and sockets-get decoded by the YNL CLI from the spec:
    every state, orphan, limit and counter key, against ss, netstat and
    /proc/sys; every socket by cookie against ss, with its state and
    4-tuple; the states filter; an invalid one."""
    cli_path()
    ns = t.netns()
    l4 = ns.listen("127.0.0.1", 7601, 64)
    l6 = ns.listen("::1", 7602, 64)
    est = sumlib.connect_pairs(t, l4, "127.0.0.1", 3, srv=ns) + \
        sumlib.connect_pairs(t, l6, "::1", 2, srv=ns)
    tw = sumlib.connect_pairs(t, l4, "127.0.0.1", 2, srv=ns)
    for c, s in tw:          # client closes first: TIME_WAIT on its side
        c.close()
    sumlib.wait_eof([s for c, s in tw], "servers of client-closed pairs")
    for c, s in tw:
        s.close()
    sumlib.wait_census(ns, lambda c: c.n("TIME_WAIT") == 2 and
                       c.n("ESTABLISHED") == 2 * len(est),
                       "2 TIME-WAIT and %d ESTAB in ss" % (2 * len(est)))

    y, cen, ext = _census_stable(ns)
    reply = _reply_attrs("summary-get")
    expect_eq("summary-get attributes (the spec's reply)", sorted(reply), sorted(y))
    states = [s.lower().replace("_", "-") for s in sumlib.STATE_NAMES]
    for key, fam, orph in (("states-v4", "IPv4", False), ("states-v6", "IPv6", False),
                           ("orphans-v4", "IPv4", True), ("orphans-v6", "IPv6", True)):
        expect_eq("%s keys (every state, zeros included)" % key, sorted(states),
                  sorted(y[key]))
        for name, n in y[key].items():
            st = name.upper().replace("-", "_")
            want = cen.orphans[(fam, st)] if orph else cen.states[(fam, st)]
            expect_eq("%s.%s vs ss" % (key, name), want, n, cen.show())
    expect_eq("tw-count vs ss TIME-WAIT + FIN-WAIT-2 mini-sockets", cen.tw(),
              y["tw-count"])
    expect_eq("orphans vs ss", cen.norph(), y["orphans"])
    for name, v in y["counters"].items():
        ext_name = sumlib.COUNTER_NAMES[name.upper().replace("-", "_")]
        expect_eq("counters.%s vs /proc/net/netstat TcpExt %s" % (name, ext_name),
                  ext.get(ext_name), v)
    expect_eq("counters keys", sorted(k.lower().replace("_", "-")
                                      for k in sumlib.COUNTER_NAMES), sorted(y["counters"]))
    expect_eq("limits keys", sorted(k.lower().replace("_", "-")
                                    for k in sumlib.LIMIT_NAMES), sorted(y["limits"]))
    lim = y["limits"]
    for key, sysctl in (("somaxconn", "net.core.somaxconn"),
                        ("max-tw-buckets", "net.ipv4.tcp_max_tw_buckets"),
                        ("max-syn-backlog", "net.ipv4.tcp_max_syn_backlog"),
                        ("fin-timeout", "net.ipv4.tcp_fin_timeout")):
        expect_eq("limits.%s vs %s" % (key, sysctl), sumlib.proc_sys(ns, sysctl)[0],
                  lim[key])
    expect_eq("limits.port-low/high vs ip_local_port_range",
              sumlib.proc_sys(ns, "net.ipv4.ip_local_port_range"),
              [lim["port-low"], lim["port-high"]])
    expect_eq("limits.page-size", os.sysconf("SC_PAGE_SIZE"), lim["page-size"])
    expect(y["ehash-buckets"] > 0, "ehash-buckets", "> 0", y["ehash-buckets"])

    reply = set(_reply_attrs("sockets-get"))
    for filt, ssf, one in (
            (None, (), None),
            ({"states": 1 << 10}, ("state", "listening"), "LISTEN"),
            ({"states": (1 << 1) | (1 << 6), "family": 10},
             ("-6", "state", "established", "state", "time-wait"), None)):
        for _ in range(8):
            s1 = _ss_sockets(ns, ssf, one)
            args = ["--dump", "sockets-get"] + \
                (["--json", json.dumps(filt)] if filt else [])
            msgs = ynl_json(ns, *args)
            if s1 == _ss_sockets(ns, ssf, one):
                break
        else:
            raise TestFail("ss changed across every YNL sockets-get")
        who = "YNL sockets-get %s" % (json.dumps(filt) if filt else "")
        got = {}
        for m in msgs:
            extra = sorted(set(m) - reply)
            expect(not extra, who + ": attributes", "the spec's reply",
                   "also %s" % extra)
            missing = sorted(reply - {"orphan"} - set(m))
            expect(not missing, who + ": attributes", "every non-flag reply "
                   "attribute", "missing %s" % missing)
            expect(m["cookie"] not in got, who + ": cookie %#x" % m["cookie"],
                   "once", "twice")
            got[m["cookie"]] = (m["state"].upper().replace("-", "_"),
                                _endpoint(m, "src-addr", "src-port"),
                                _endpoint(m, "dst-addr", "dst-port"))
        expect_eq(who + ": cookies vs ss -e sk:", sorted(s1), sorted(got))
        for ck, (st, local, peer) in s1.items():
            g = got[ck]
            expect_eq("%s: cookie %#x state" % (who, ck), st, g[0])
            if st != "LISTEN":      # ss prints wildcards its own way
                expect_eq("%s: cookie %#x local, peer" % (who, ck),
                          (local, peer), g[1:])
        t.note("%s: %d sockets = ss" % (who, len(got)))

    out = ynl_error(ns, "--dump", "sockets-get", "--json", '{"states": 1}')
    if "unknown state bit" not in out and _kernel() < (6, 2):
        # no extack message from a dump's .start before 6.2 (see above)
        t.note("no extack message for states bit 0 on %s (errno right)"
               % os.uname().release)
        out += " unknown state bit"
    expect("Invalid argument" in out and "unknown state bit" in out,
           "YNL CLI message for states bit 0", "EINVAL, 'unknown state bit'",
           repr(out[-300:]))
