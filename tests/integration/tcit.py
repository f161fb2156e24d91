# SPDX-License-Identifier: GPL-2.0
"""Helpers for the tcpconn guest integration tests (Python 3.11, stdlib only).

Everything a test builds (network namespaces, veth pairs, sockets) is
registered with the test's cleanup stack the moment it exists, so that it is
torn down even when the test fails half-way.

Independent sources: every value tcpconn reports is compared with ss(8)
(iproute2, inet_diag), `ip link`, or with what the test itself set up
(getsockopt/fstat on the sockets it created) -- never with tcpconn's own
output.
"""
import contextlib
import ctypes
import dataclasses
import errno
import ipaddress
import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time

CLONE_NEWNET = 0x40000000
NETNS_DIR = "/var/run/netns"
NS_PREFIX = "tcit%d-" % os.getpid()

# Peer topology for the SYN-queue tests: addresses exist only on a veth
# pair between two namespaces this test creates.
VETH_V4 = ("10.213.0.1", "10.213.0.2", 24)
VETH_V6 = ("fd00:213::1", "fd00:213::2", 64)

_libc = ctypes.CDLL(None, use_errno=True)


class TestFail(Exception):
    """A check failed; str() is the one-line reason, details are extra
    lines printed as '# ' comments."""

    def __init__(self, msg, details=None):
        super().__init__(msg)
        self.details = list(details or [])


def expect_eq(what, expected, got, details=None):
    if expected != got:
        raise TestFail("%s (expected %r, got %r)" % (what, expected, got),
                       details)


def expect(cond, what, expected, got, details=None):
    if not cond:
        raise TestFail("%s (expected %s, got %s)" % (what, expected, got),
                       details)


def clip(text, lines=40):
    out = text.splitlines()
    if len(out) > lines:
        out = out[:lines] + ["... (%d more lines)" % (len(out) - lines)]
    return out


def run(argv, *, timeout=60, check=True, input=None, preexec_fn=None):
    """Run argv, capture text output; failures become TestFail."""
    try:
        p = subprocess.run(argv, input=input, capture_output=True,
                           text=True, timeout=timeout, preexec_fn=preexec_fn)
    except FileNotFoundError as e:
        raise TestFail("cannot run %s: %s" % (argv[0], e))
    except PermissionError as e:
        raise TestFail("cannot run %s: %s" % (argv[0], e))
    except subprocess.TimeoutExpired:
        raise TestFail("%s timed out after %ss" % (shlex.join(argv), timeout))
    if check and p.returncode != 0:
        raise TestFail("%s failed (expected exit 0, got %d)"
                       % (shlex.join(argv), p.returncode),
                       ["stderr: " + l for l in clip(p.stderr, 10)] +
                       ["stdout: " + l for l in clip(p.stdout, 10)])
    return p


def wait_until(fn, what, timeout=20.0):
    """Poll fn() -> (done, observed) until done, with a growing interval
    (20 ms .. 250 ms), at most `timeout` seconds."""
    deadline = time.monotonic() + timeout
    delay = 0.02
    while True:
        done, observed = fn()
        if done:
            return observed
        if time.monotonic() >= deadline:
            raise TestFail("timed out after %gs waiting for %s (last seen: %s)"
                           % (timeout, what, observed))
        time.sleep(delay)
        delay = min(delay * 2, 0.25)


def setns(fd):
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, "setns: " + os.strerror(e))


def current_netns_ino():
    return os.stat("/proc/thread-self/ns/net").st_ino


# --------------------------------------------------------------------------
# Addresses

def ip_addr(text):
    return ipaddress.ip_address(text)


def addr_text(addr):
    """How the kernel (%pI4, %pI6c) and inet_ntop() print an address:
    RFC 5952, with v4-mapped IPv6 in dotted form (Python 3.11's ipaddress
    prints ::ffff:7f00:1, so do that case by hand)."""
    if addr.version == 6 and addr.ipv4_mapped is not None:
        return "::ffff:" + str(addr.ipv4_mapped)
    return str(addr)


def endpoint_text(family, addr, port):
    a = addr_text(addr)
    return "%s [%s]:%d" % (family, a, port) if family == "inet6" else \
        "%s %s:%d" % (family, a, port)


def as_v6(addr):
    if addr.version == 4:
        return ipaddress.IPv6Address("::ffff:" + str(addr))
    return addr


# --------------------------------------------------------------------------
# Namespaces and sockets

@dataclasses.dataclass(eq=False)
class Listener:
    sock: socket.socket
    family: str
    addr: str
    port: int
    backlog: int
    inode: int


class Netns:
    """A named netns (ip netns add), deleted at cleanup."""

    def __init__(self, t, tag):
        self.t = t
        self.name = NS_PREFIX + tag
        run(["ip", "netns", "add", self.name])
        t.defer(self._delete)
        self.fd = os.open(os.path.join(NETNS_DIR, self.name), os.O_RDONLY)
        t.defer(os.close, self.fd)
        self.sockets = {}           # inode -> socket we created (listeners)
        self.ip(["link", "set", "lo", "up"])

    def _delete(self):
        run(["ip", "netns", "del", self.name], timeout=30)

    def run(self, argv, via_ip=False, **kw):
        """Run argv in this netns: by default setns() in the child before
        exec (cheap); via_ip=True runs it the way an admin would, under
        `ip netns exec` (which also remounts /sys)."""
        if via_ip:
            return run(["ip", "netns", "exec", self.name] + list(argv), **kw)
        fd = self.fd
        return run(argv, preexec_fn=lambda: setns(fd), **kw)

    def ip(self, args, **kw):
        return run(["ip", "-n", self.name] + list(args), **kw)

    @contextlib.contextmanager
    def entered(self):
        """Switch this thread into the netns (sockets created inside stay
        in it after we switch back)."""
        orig = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        try:
            setns(self.fd)
            try:
                yield
            finally:
                setns(orig)
        finally:
            os.close(orig)

    def socket(self, family=socket.AF_INET, uid=None):
        with self.entered():
            if uid is not None:
                os.seteuid(uid)
            try:
                s = socket.socket(family, socket.SOCK_STREAM)
            finally:
                if uid is not None:
                    os.seteuid(0)
        self.t.defer(s.close)
        return s

    def listen(self, addr, port, backlog, *, reuseport=False, v6only=None,
               dev=None, uid=None):
        """A listening socket on addr:port (family from the address)."""
        fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
        s = self.socket(fam, uid=uid)
        if reuseport:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        if v6only is not None:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY,
                         1 if v6only else 0)
        if dev is not None:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE,
                         dev.encode())
        try:
            s.bind((addr, port))
            s.listen(backlog)
        except OSError as e:
            raise TestFail("listen on [%s]:%d in %s: %s"
                           % (addr, port, self.name, e))
        ino = os.fstat(s.fileno()).st_ino
        self.sockets[ino] = s
        return Listener(s, "inet6" if fam == socket.AF_INET6 else "inet",
                        addr, s.getsockname()[1], backlog, ino)

    def connect(self, addr, port, n=1):
        """n nonblocking connect()s to addr:port; returns the sockets."""
        fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
        out = []
        for _ in range(n):
            s = self.socket(fam)
            s.setblocking(False)
            rc = s.connect_ex((addr, port))
            if rc not in (0, errno.EINPROGRESS):
                raise TestFail("connect to [%s]:%d from %s: %s"
                               % (addr, port, self.name, os.strerror(rc)))
            out.append(s)
        return out

    def ifindexes(self):
        """name -> ifindex of this netns (if_nameindex(3), i.e. rtnetlink)."""
        with self.entered():
            return {name: idx for idx, name in socket.if_nameindex()}

    def read_chunked(self, path, chunk):
        """Read a /proc file of this netns with read(chunk) calls."""
        with self.entered():
            # /proc/net is /proc/self/net: the netns of the thread group
            # leader, which is this (single-threaded) process
            try:
                fd = os.open(path, os.O_RDONLY)
            except OSError as e:
                raise TestFail("cannot open %s in %s: %s" % (path, self.name, e))
        try:
            out = []
            while True:
                b = os.read(fd, chunk)
                if not b:
                    break
                out.append(b)
            return b"".join(out).decode()
        except OSError as e:
            raise TestFail("reading %s in %s: %s" % (path, self.name, e))
        finally:
            os.close(fd)

    def sysctl(self, key, value):
        path = "/proc/sys/" + key.replace(".", "/")
        self.run(["sh", "-c", 'echo "$1" > "$2"', "sh", str(value), path])


def veth_pair(t, a, b, v4=True, v6=True, name_a="tcvA", name_b="tcvB"):
    """veth a:name_a <-> b:name_b with test-range addresses, both up."""
    a.ip(["link", "add", name_a, "type", "veth", "peer", "name", name_b,
          "netns", b.name])
    if v4:
        a.ip(["addr", "add", "%s/%d" % (VETH_V4[0], VETH_V4[2]),
              "dev", name_a])
        b.ip(["addr", "add", "%s/%d" % (VETH_V4[1], VETH_V4[2]),
              "dev", name_b])
    if v6:
        a.ip(["addr", "add", "%s/%d" % (VETH_V6[0], VETH_V6[2]),
              "dev", name_a, "nodad"])
        b.ip(["addr", "add", "%s/%d" % (VETH_V6[1], VETH_V6[2]),
              "dev", name_b, "nodad"])
    a.ip(["link", "set", name_a, "up"])
    b.ip(["link", "set", name_b, "up"])

    def carrier():
        p = a.ip(["-j", "link", "show", name_a])
        flags = json.loads(p.stdout)[0].get("flags", [])
        return "LOWER_UP" in flags, flags
    wait_until(carrier, "veth %s carrier" % name_a, timeout=10)
    # static neighbours: a SYN leaves inside connect(), with no ARP/ND wait
    mac = {}
    for ns, dev in ((a, name_a), (b, name_b)):
        mac[dev] = json.loads(ns.ip(["-j", "link", "show", dev]).stdout)[0]["address"]
    for ns, dev, other, i in ((a, name_a, name_b, 1), (b, name_b, name_a, 0)):
        for fam, addrs, on in (("-4", VETH_V4, v4), ("-6", VETH_V6, v6)):
            if on:
                ns.ip([fam, "neigh", "replace", addrs[i], "lladdr", mac[other],
                       "dev", dev, "nud", "permanent"])


NFT_PEER_DROP = """table inet tcit {
  chain in {
    type filter hook input priority 0; policy accept;
    tcp flags & (syn|ack) == (syn|ack) drop
  }
}
"""


def drop_synacks(peer):
    """Keep the server's request sockets alive: the peer drops incoming
    SYN-ACKs, so it never answers them (no ACK, no RST)."""
    p = peer.run(["nft", "-f", "-"], input=NFT_PEER_DROP, check=False)
    if p.returncode:
        raise TestFail("cannot drop SYN-ACKs in the peer netns with nft "
                       "(nf_tables missing in this kernel?): %s"
                       % p.stderr.strip())


def raise_nofile(n):
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= n:
        return
    want = n if hard == resource.RLIM_INFINITY else min(n, hard)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(want, soft), max(hard, want)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    expect(soft >= n, "RLIMIT_NOFILE for %d sockets" % n, ">= %d" % n, soft)


# --------------------------------------------------------------------------
# ss (iproute2): the independent source

SS_STATES = {"LISTEN", "ESTAB", "SYN-SENT", "SYN-RECV", "FIN-WAIT-1",
             "FIN-WAIT-2", "TIME-WAIT", "CLOSE", "CLOSE-WAIT", "LAST-ACK",
             "CLOSING", "UNCONN", "UNKNOWN"}


@dataclasses.dataclass
class SsSock:
    state: str
    family: str
    addr: object
    port: int
    dev: object
    recvq: int
    sendq: int
    peer: str
    ino: int
    uid: int
    cookie: object
    v6only: object
    drops: object
    retrans: object
    line: str

    def key(self):
        """The fields a tcpconn row is compared with (no timers)."""
        return (self.family, self.addr, self.port, self.dev, self.recvq,
                self.sendq, self.peer, self.ino, self.uid, self.cookie,
                self.v6only, self.drops, self.retrans)

    def where(self):
        return "%s ino %d" % (endpoint_text(self.family, self.addr,
                                            self.port), self.ino)


def parse_endpoint(text):
    host, sep, port = text.rpartition(":")
    if not sep:
        raise ValueError("no port in %r" % text)
    dev = None
    if host.startswith("["):
        end = host.index("]")
        if host[end + 1:].startswith("%"):
            dev = host[end + 2:]
        host = host[1:end]
        fam, addr = "inet6", ipaddress.IPv6Address(host.split("%")[0])
    else:
        if "%" in host:
            host, dev = host.split("%", 1)
        if host == "*":
            fam, addr = "inet6", ipaddress.IPv6Address("::")
        else:
            fam, addr = "inet", ipaddress.IPv4Address(host)
    return fam, addr, int(port), dev


_SS_RE = {
    "uid": re.compile(r"\buid:(\d+)"),
    "ino": re.compile(r"\bino:(\d+)"),
    "sk": re.compile(r"\bsk:([0-9a-f]+)"),
    "v6only": re.compile(r"\bv6only:([01])"),
    "drops": re.compile(r"\bskmem:\([^)]*\bd(\d+)\)"),
    "retrans": re.compile(r"\btimer:\(\w+,[^,]*,(\d+)\)"),
}


def parse_ss(out, state=None):
    """ss -tnHeO[mo] lines; the State column is there when several states
    are listed, else `state` says which it is."""
    socks = []
    for line in out.splitlines():
        if not line.strip():
            continue
        tok = line.split()
        st = state
        if tok[0] in SS_STATES:
            st, tok = tok[0], tok[1:]
        if len(tok) < 4:
            raise TestFail("cannot parse ss line %r" % line)
        try:
            fam, addr, port, dev = parse_endpoint(tok[2])
        except ValueError as e:
            raise TestFail("cannot parse ss line %r: %s" % (line, e))
        rest = " ".join(tok[4:])

        def get(k, conv=int):
            m = _SS_RE[k].search(rest)
            return conv(m.group(1)) if m else None
        v6 = get("v6only")
        socks.append(SsSock(
            state=st, family=fam, addr=addr, port=port, dev=dev, recvq=int(tok[0]),
            sendq=int(tok[1]), peer=tok[3], ino=get("ino") or 0,
            uid=get("uid") or 0, cookie=get("sk", lambda x: int(x, 16)),
            v6only=None if v6 is None else bool(v6), drops=get("drops"),
            retrans=get("retrans"), line=line))
    return socks


def ss_listeners(ns, *filt):
    """Listening TCP sockets per ss -ltn (extended, memory, one line)."""
    argv = ["ss", "-ltnHeOm"] + list(filt)
    p = ns.run(argv) if ns else run(argv)
    return parse_ss(p.stdout, "LISTEN")


def ss_synrecv(ns):
    """Request sockets (SYN-RECV) with their SYN-ACK retransmit counts."""
    argv = ["ss", "-tnHeOo", "state", "syn-recv"]
    p = ns.run(argv) if ns else run(argv)
    return parse_ss(p.stdout, "SYN-RECV")


def ss_both(ns, *filt):
    """Listeners and request sockets from one ss run."""
    argv = ["ss", "-tnHeOmo", "state", "listening", "state", "syn-recv"] + \
        list(filt)
    p = ns.run(argv) if ns else run(argv)
    socks = parse_ss(p.stdout)
    for s in socks:
        if s.state not in ("LISTEN", "SYN-RECV"):
            raise TestFail("unexpected ss line %r" % s.line)
    return ([s for s in socks if s.state == "LISTEN"],
            [s for s in socks if s.state == "SYN-RECV"])


# --------------------------------------------------------------------------
# tcpconn output

JSON_FIELDS = {
    "family": str, "local_address": str, "local_port": int, "ifindex": int,
    "interface": (str, type(None)), "syn_queue": int, "syn_young": int,
    "accept_queue": int, "backlog": int, "accept_queue_full": bool,
    "drops": int, "uid": int, "inode": int, "cookie": int,
    "reuseport": bool, "v6only": bool,
}
U32 = ("ifindex", "syn_queue", "syn_young", "accept_queue", "backlog",
       "drops", "uid")
U64 = ("inode", "cookie")

PROC_HEADER = ("family local_address port ifindex syn_queue syn_young "
               "accept_queue backlog drops uid inode cookie flags").split()


def _typed(v, ty):
    tys = ty if isinstance(ty, tuple) else (ty,)
    # bool is an int subclass: demand the exact JSON type
    return any(type(v) is t for t in tys)


def _check_addr(fam, text, where):
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        raise TestFail("%s: local_address %r is not an address" % (where, text))
    expect_eq("%s: address family of %r" % (where, text),
              4 if fam == "inet" else 6, addr.version)
    expect_eq("%s: address text" % where, addr_text(addr), text)
    return addr


def json_rows(doc, where="tcpconn-stat -j"):
    """Validate the -j document and return canonical rows."""
    expect(isinstance(doc, dict) and isinstance(doc.get("listeners"), list),
           where + ": top level", 'an object with a "listeners" list',
           type(doc).__name__ if not isinstance(doc, dict) else sorted(doc))
    rows = []
    for i, r in enumerate(doc["listeners"]):
        w = "%s: listeners[%d]" % (where, i)
        expect(isinstance(r, dict), w, "an object", type(r).__name__)
        missing = sorted(set(JSON_FIELDS) - set(r))
        expect(not missing, w + ": fields", "all of the schema", "missing %s" % missing)
        for k, ty in JSON_FIELDS.items():
            expect(_typed(r[k], ty), "%s.%s type" % (w, k),
                   ty.__name__ if isinstance(ty, type) else "string or null",
                   "%r" % (r[k],))
        expect(r["family"] in ("inet", "inet6"), w + ".family",
               "inet or inet6", repr(r["family"]))
        for k in U32:
            expect(0 <= r[k] < 2**32, "%s.%s range" % (w, k), "a u32", r[k])
        for k in U64:
            expect(0 <= r[k] < 2**64, "%s.%s range" % (w, k), "a u64", r[k])
        expect(1 <= r["local_port"] <= 65535, w + ".local_port range",
               "1..65535", r["local_port"])
        expect(r["interface"] is None or r["interface"] != "",
               w + ".interface", "a name or null", '""')
        expect((r["interface"] is None) == (r["ifindex"] == 0),
               w + ".interface vs ifindex", "null exactly when ifindex is 0",
               "interface=%r ifindex=%d" % (r["interface"], r["ifindex"]))
        addr = _check_addr(r["family"], r["local_address"], w)
        rows.append(dict(
            family=r["family"], addr=addr, port=r["local_port"],
            ifindex=r["ifindex"], interface=r["interface"],
            syn_queue=r["syn_queue"], syn_young=r["syn_young"],
            accept_queue=r["accept_queue"], backlog=r["backlog"],
            full=r["accept_queue_full"], drops=r["drops"], uid=r["uid"],
            inode=r["inode"], cookie=r["cookie"], reuseport=r["reuseport"],
            v6only=r["v6only"]))
    return rows


def stat_run(t, ns, args, **kw):
    argv = [t.stat] + list(args)
    return ns.run(argv, **kw) if ns else run(argv, **kw)


def stat_json(t, ns, *args, via_ip=False):
    """tcpconn-stat --listeners -j ARGS in ns -> canonical rows."""
    args = ["--listeners", "-j"] + list(args)
    p = stat_run(t, ns, args, **({"via_ip": True} if via_ip else {}))
    try:
        doc = json.loads(p.stdout)
    except json.JSONDecodeError as e:
        raise TestFail("tcpconn-stat %s: output is not JSON (%s)"
                       % (" ".join(args), e), clip(p.stdout, 10))
    return json_rows(doc, "tcpconn-stat " + " ".join(args))


def parse_proc(text, where="/proc/net/tcpconn/listeners"):
    lines = text.split("\n")
    expect(text.endswith("\n"), where + ": last line", "newline-terminated",
           repr(text[-20:]))
    lines = lines[:-1]
    expect(len(lines) >= 1, where, "a header line", "empty file")
    expect_eq(where + ": header", PROC_HEADER, lines[0].split())
    rows = []
    for n, line in enumerate(lines[1:], 2):
        w = "%s line %d" % (where, n)
        tok = line.split()
        expect_eq(w + ": field count (%r)" % line, len(PROC_HEADER), len(tok))
        fam = tok[0]
        expect(fam in ("inet", "inet6"), w + ": family", "inet or inet6",
               repr(fam))
        addr = _check_addr(fam, tok[1], w)
        try:
            vals = [int(x) for x in tok[2:12]]
        except ValueError:
            raise TestFail("%s: numeric fields (expected decimal numbers, got %r)"
                           % (w, tok[2:12]))
        flags = tok[12]
        fl = set() if flags == "-" else set(flags.split(","))
        expect(flags == "-" or (fl <= {"full", "reuseport", "v6only"} and
                                "" not in fl and
                                len(fl) == len(flags.split(","))),
               w + ": flags", "'-' or a list of full,reuseport,v6only",
               repr(flags))
        rows.append(dict(
            family=fam, addr=addr, port=vals[0], ifindex=vals[1],
            syn_queue=vals[2], syn_young=vals[3], accept_queue=vals[4],
            backlog=vals[5], drops=vals[6], uid=vals[7], inode=vals[8],
            cookie=vals[9], full="full" in fl, reuseport="reuseport" in fl,
            v6only="v6only" in fl))
    return rows


PROC_READER = r"""
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
n = int(sys.argv[2])
out = []
while True:
    b = os.read(fd, n)
    if not b:
        break
    out.append(b)
sys.stdout.buffer.write(b"".join(out))
"""


def read_proc(ns, path="/proc/net/tcpconn/listeners", chunk=None,
              via_ip=False):
    """The file as read in ns: by cat, or by this process with read(chunk)
    calls (ns None: the runner's own netns)."""
    if os.environ.get("TCIT_PROC_READER"):      # development hook only
        argv = shlex.split(os.environ["TCIT_PROC_READER"]) + [path]
    elif chunk is None:
        argv = ["cat", path]
    elif ns:
        return ns.read_chunked(path, chunk)
    else:
        argv = [sys.executable, "-c", PROC_READER, path, str(chunk)]
    p = ns.run(argv, via_ip=via_ip) if ns else run(argv)
    return p.stdout


def proc_rows(ns, path="/proc/net/tcpconn/listeners", chunk=None,
              via_ip=False):
    return parse_proc(read_proc(ns, path, chunk, via_ip), path)


# --------------------------------------------------------------------------
# Comparison with ss

def row_where(r):
    return "%s ino %d" % (endpoint_text(r["family"], r["addr"], r["port"]),
                          r["inode"])


def _reqsk_owner(req, listeners):
    """Which ss listener a request socket belongs to: same port, address
    equal or wildcard (v4 may land on a dual-stack inet6 listener), the
    most specific one. Returns a tuple of candidate inodes (several only
    for a SO_REUSEPORT group, where ss cannot tell the member)."""
    best, cands = -1, []
    ra = as_v6(req.addr)
    for l in listeners:
        if l.port != req.port:
            continue
        if req.family == "inet6" and req.addr.ipv4_mapped is None and \
                l.family == "inet":
            continue
        if l.family == "inet6" and l.v6only and (
                req.family == "inet" or req.addr.ipv4_mapped is not None):
            continue
        if l.family == "inet" and req.family == "inet6" and \
                req.addr.ipv4_mapped is None:
            continue
        if l.addr.is_unspecified:
            score = 1
        elif as_v6(l.addr) == ra:
            score = 2
        else:
            continue
        if score > best:
            best, cands = score, [l.ino]
        elif score == best:
            cands.append(l.ino)
    return tuple(cands)


def compare_with_ss(rows, ss_l, ss_req, ifmap=None, known=None,
                    young_exact=True, who="tcpconn", all_listeners=True):
    """Problems (strings) between tcpconn rows and ss's view; empty if
    they agree. ifmap: name -> ifindex in that netns; known: inode ->
    socket the test created (reuseport/v6only/uid from getsockopt/fstat)."""
    probs = []
    by_ino = {}
    for r in rows:
        if r["inode"] in by_ino:
            probs.append("%s: duplicate row for %s" % (who, row_where(r)))
        by_ino[r["inode"]] = r
    ss_by_ino = {s.ino: s for s in ss_l}
    for s in ss_l:
        if s.ino not in by_ino:
            probs.append("%s: listener %s missing (ss has it)"
                         % (who, s.where()))
    for r in rows:
        if r["inode"] not in ss_by_ino:
            probs.append("%s: row %s that ss does not list"
                         % (who, row_where(r)))

    # request sockets per owning listener (groups when ambiguous)
    owned = {}
    for q in ss_req:
        owned.setdefault(_reqsk_owner(q, ss_l), []).append(q)
    orphans = owned.pop((), [])
    for q in orphans if all_listeners else ():
        probs.append("ss: request socket %s:%d has no listener"
                     % (addr_text(q.addr), q.port))

    def diff(where, field, exp, got):
        if exp != got:
            probs.append("%s: %s %s (expected %r, got %r)"
                         % (who, where, field, exp, got))

    for s in ss_l:
        r = by_ino.get(s.ino)
        if r is None:
            continue
        w = s.where()
        diff(w, "family", s.family, r["family"])
        diff(w, "local_address", addr_text(s.addr), addr_text(r["addr"]))
        diff(w, "local_port", s.port, r["port"])
        diff(w, "accept_queue (ss Recv-Q)", s.recvq, r["accept_queue"])
        diff(w, "backlog (ss Send-Q)", s.sendq, r["backlog"])
        diff(w, "full (ss Recv-Q > Send-Q)", s.recvq > s.sendq, r["full"])
        diff(w, "drops (ss skmem d)", s.drops, r["drops"])
        diff(w, "uid (ss uid)", s.uid, r["uid"])
        diff(w, "cookie (ss sk)", s.cookie, r["cookie"])
        diff(w, "v6only (ss v6only)",
             bool(s.v6only) if s.family == "inet6" else False, r["v6only"])
        if "interface" in r:
            diff(w, "interface (ss %dev)", s.dev, r["interface"])
        if ifmap is not None:
            exp = 0 if s.dev is None else ifmap.get(s.dev, "?" + s.dev)
            diff(w, "ifindex (ip link)", exp, r["ifindex"])
        reqs = owned.get((s.ino,), [])
        diff(w, "syn_queue (ss SYN-RECV)", len(reqs), r["syn_queue"])
        young = sum(1 for q in reqs if q.retrans == 0)
        if young_exact:
            diff(w, "syn_young (ss SYN-RECV with 0 retransmits)", young,
                 r["syn_young"])
        elif not young <= r["syn_young"] <= r["syn_queue"]:
            probs.append("%s: %s syn_young (expected %d..%d, got %d)"
                         % (who, w, young, r["syn_queue"], r["syn_young"]))
        if known and s.ino in known:
            k = known[s.ino]
            diff(w, "reuseport (getsockopt)",
                 bool(k.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT)),
                 r["reuseport"])
            if k.family == socket.AF_INET6:
                diff(w, "v6only (getsockopt)",
                     bool(k.getsockopt(socket.IPPROTO_IPV6,
                                       socket.IPV6_V6ONLY)), r["v6only"])
            diff(w, "uid (fstat)", os.fstat(k.fileno()).st_uid, r["uid"])
    # request sockets of a reuseport group: the sum must match
    for cands, reqs in owned.items():
        if len(cands) > 1:
            got = sum(by_ino[i]["syn_queue"] for i in cands if i in by_ino)
            if got != len(reqs):
                probs.append("%s: SO_REUSEPORT group inodes %s syn_queue sum "
                             "(expected %d, got %d)"
                             % (who, list(cands), len(reqs), got))
    return probs


def ss_state(ns, filt=()):
    l, r = ss_both(ns, *filt)
    key = (sorted(s.key() for s in l), sorted(s.key() for s in r))
    return l, r, key


def check_with_ss(t, ns, fetch, filt=(), young_exact=True, who="tcpconn",
                  tries=8, ifmap=True):
    """ss, then fetch() (tcpconn rows), then ss again; when both ss views
    agree, tcpconn must agree with them field by field. Retries when the
    state moved under us (SYN retransmits, timers). Returns (rows, ss)."""
    im = ns.ifindexes() if (ifmap and ns) else None
    known = ns.sockets if ns else None
    for _ in range(tries):
        l1, r1, k1 = ss_state(ns, filt)
        rows = fetch()
        l2, r2, k2 = ss_state(ns, filt)
        if k1 != k2:
            continue
        probs = compare_with_ss(rows, l1, r1, im, known, young_exact, who,
                                all_listeners=not filt)
        if probs:
            det = probs[1:8] + \
                  ["ss: " + s.line.strip() for s in l1[:8]] + \
                  ["ss syn-recv: " + s.line.strip() for s in r1[:8]] + \
                  ["%s: %s" % (who, _row_text(r)) for r in rows[:8]]
            raise TestFail(probs[0] + ("; and %d more" % (len(probs) - 1)
                                       if len(probs) > 1 else ""), det)
        return rows, l1
    raise TestFail("ss output changed across every tcpconn call (%d tries)"
                   % tries)


def _row_text(r):
    return " ".join("%s=%s" % (k, addr_text(v) if k == "addr" else v)
                    for k, v in r.items())


def rows_by_inode(rows, who):
    out = {}
    for r in rows:
        if r["inode"] in out:
            raise TestFail("%s: duplicate row for %s" % (who, row_where(r)))
        out[r["inode"]] = r
    return out


def compare_rows(a, b, who_a, who_b, fields=None):
    """Two tcpconn views (netlink vs /proc) must hold the same rows."""
    ia, ib = rows_by_inode(a, who_a), rows_by_inode(b, who_b)
    if set(ia) != set(ib):
        only_a = sorted(set(ia) - set(ib))[:5]
        only_b = sorted(set(ib) - set(ia))[:5]
        raise TestFail("%s and %s list different listeners (expected the "
                       "same inodes, got only in %s: %s, only in %s: %s)"
                       % (who_a, who_b, who_a, only_a, who_b, only_b))
    for ino, ra in ia.items():
        rb = ib[ino]
        for k in fields or [k for k in ra if k in rb]:
            if ra[k] != rb[k]:
                raise TestFail("%s %s: %s differs from %s (expected %r, got %r)"
                               % (who_b, row_where(rb), k, who_a, ra[k], rb[k]))
