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

The oracle: every message the kernel must answer (NLM_F_REQUEST set, or
NLM_F_ACK) gets exactly one final reply with its sequence number (an
NLMSG_ERROR, an NLMSG_DONE, or the data reply of a do without NLM_F_ACK)
within a bounded wait, nothing arrives for a sequence number that is not
outstanding, and the final reply matches the class of the message: valid
requests succeed, known-bad ones fail, random ones may do either. Messages
the netlink core drops unanswered (nlmsg_len < 16 or beyond the datagram;
no NLM_F_REQUEST and no NLM_F_ACK) are followed by a cheap probe whose
answer must come first. Afterwards the dumps and /proc agree with ss.

Replay a message printed by a failure (in the current netns):
    python3 tests/reliability/test_fuzz.py HEX...
"""
import collections
import errno
import os
import random
import signal
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import rlib  # noqa: E402
from rlib import (LATTR, SATTR, TestFail, expect, expect_eq, genl, nla,  # noqa: E402
                  nlmsg, genlmsg, socklib, sumlib, tcit)

F_REQ, F_MULTI, F_ACK, F_ECHO = 0x1, 0x2, 0x4, 0x8
F_DUMP = 0x300
LMAX = LATTR["TCPCONN_A_LISTENER_MAX"]
SMAX = SATTR["TCPCONN_A_SOCKET_MAX"]
SUMMAX = rlib.SUMATTR["TCPCONN_A_SUMMARY_MAX"]
MAXATTR = {rlib.LISTENERS_GET: LMAX, rlib.SUMMARY_GET: SUMMAX,
           rlib.SOCKETS_GET: SMAX}
IS_DUMP = {rlib.LISTENERS_GET: True, rlib.SUMMARY_GET: False,
           rlib.SOCKETS_GET: True}
PROBE_CMD = 0xC8            # unknown command: EOPNOTSUPP, no module code

# request attributes and their policies: type -> kind
L_REQ = {LATTR["TCPCONN_A_LISTENER_FAMILY"]: "family",
         LATTR["TCPCONN_A_LISTENER_PORT"]: "port"}
S_REQ = {SATTR["TCPCONN_A_SOCKET_FAMILY"]: "family",
         SATTR["TCPCONN_A_SOCKET_SRC_ADDR"]: "addr",
         SATTR["TCPCONN_A_SOCKET_SRC_PORT"]: "port",
         SATTR["TCPCONN_A_SOCKET_DST_ADDR"]: "addr",
         SATTR["TCPCONN_A_SOCKET_DST_PORT"]: "port",
         SATTR["TCPCONN_A_SOCKET_UID"]: "u32",
         SATTR["TCPCONN_A_SOCKET_ORPHAN"]: "flag",
         SATTR["TCPCONN_A_SOCKET_STATES"]: "states",
         SATTR["TCPCONN_A_SOCKET_SRC_PREFIXLEN"]: "plen",
         SATTR["TCPCONN_A_SOCKET_DST_PREFIXLEN"]: "plen"}
REQ = {rlib.LISTENERS_GET: L_REQ, rlib.SUMMARY_GET: {},
       rlib.SOCKETS_GET: S_REQ}
SIZE = {"family": 1, "port": 2, "u32": 4, "states": 4, "plen": 1, "flag": 0}
N_STATES = len(socklib.STATE_NAME)
# errnos a request may fail with; anything else is reported as a failure
KNOWN_ERRNOS = {errno.EINVAL, errno.ERANGE, errno.EOPNOTSUPP, errno.EBUSY,
                errno.ENOENT, errno.EMSGSIZE}


def flags_expect(cmd, f):
    """What a request with nlmsg_flags f must get: the netlink core acks
    a non-request only when asked (netlink_rcv_skb()); genl_header_check()
    allows only REQUEST, ACK, ECHO and both DUMP bits; the mode (do/dump)
    must be the command's."""
    if not f & F_REQ:
        return "ack0" if f & F_ACK else "none"
    g = f & ~F_DUMP if (f & F_DUMP) == F_DUMP else f
    if g & ~(F_REQ | F_ACK | F_ECHO):
        return "err"
    return "ok" if ((f & F_DUMP) == F_DUMP) == IS_DUMP[cmd] else "err"


class Msg:
    """One message sent: its bytes, and what must come back.
    expect: ok (success), err (an errno), any, none (no reply), ack0
    (NLMSG_ERROR 0 only), okbusy (success or EBUSY)."""
    __slots__ = ("data", "seq", "expect", "cat", "flags", "dump", "done",
                 "err", "data_seen", "nmsgs")

    def __init__(self, data, seq, expect, cat, flags, dump):
        self.data, self.seq, self.expect, self.cat = data, seq, expect, cat
        self.flags, self.dump = flags, dump
        self.done, self.err, self.data_seen, self.nmsgs = False, None, 0, 0


class Gen:
    """The message generator (all randomness from one seeded PRNG)."""

    def __init__(self, rng, fid):
        self.r = rng
        self.fid = fid
        self.seq = rng.randrange(1, 1 << 30)

    def next_seq(self):
        self.seq = (self.seq + 1) & 0xffffffff or 1
        return self.seq

    # ---- attribute values
    def valid_attr(self, cmd, t=None):
        r = self.r
        req = REQ[cmd]
        t = t if t is not None else r.choice(list(req))
        k = req[t]
        if k == "family":
            return nla(t, bytes([r.choice((socket.AF_INET, socket.AF_INET6))]))
        if k == "port":
            return nla(t, struct.pack("=H", r.choice((1, 22, 80, 9100, 9101,
                                                      65535,
                                                      r.randrange(1, 65536)))))
        if k == "u32":
            return nla(t, struct.pack("=I", r.choice((0, 65534, 4242))))
        if k == "states":
            return nla(t, struct.pack("=I", r.randrange(0, 1 << (N_STATES + 1))
                                      & ~1))
        if k == "flag":
            return nla(t, b"")
        if k == "addr":
            n = r.choice((4, 16))
            plen = SATTR["TCPCONN_A_SOCKET_SRC_PREFIXLEN"] \
                if t == SATTR["TCPCONN_A_SOCKET_SRC_ADDR"] else \
                SATTR["TCPCONN_A_SOCKET_DST_PREFIXLEN"]
            a = nla(t, r.randbytes(n))
            if r.random() < 0.5:
                a += nla(plen, bytes([r.randrange(0, n * 8 + 1)]))
            return a
        if k == "plen":     # needs its address
            addr = SATTR["TCPCONN_A_SOCKET_SRC_ADDR"] \
                if t == SATTR["TCPCONN_A_SOCKET_SRC_PREFIXLEN"] else \
                SATTR["TCPCONN_A_SOCKET_DST_ADDR"]
            return nla(addr, bytes(16)) + nla(t, bytes([r.randrange(0, 129)]))
        raise AssertionError(k)

    def valid_attrs(self, cmd):
        """0..all request attributes, each once, valid together (an
        address and its prefix length come as a pair)."""
        r = self.r
        out = b""
        if REQ[cmd] and r.random() < 0.6:
            types = [t for t in REQ[cmd] if REQ[cmd][t] != "plen"]
            for t in r.sample(types, r.randrange(1, len(types) + 1)):
                out += self.valid_attr(cmd, t)
        return out

    def companions(self, cmd, bad):
        """0..2 valid attributes that cannot make `bad` valid: none of its
        type (the last of a type wins) and no address or prefix length."""
        r = self.r
        used = set()
        off = 0
        while off + 4 <= len(bad):
            ln, t = struct.unpack_from("=HH", bad, off)
            used.add(t & 0x3fff)
            off += max((ln + 3) & ~3, 4)
        ok = [t for t in REQ[cmd] if t not in used and
              REQ[cmd][t] not in ("addr", "plen")]
        return [self.valid_attr(cmd, t)
                for t in r.sample(ok, min(len(ok), r.randrange(0, 3)))]

    def bad_value_attr(self, cmd):
        """A well-formed attribute whose value the policy or the module
        rejects."""
        r = self.r
        req = REQ[cmd]
        choices = [t for t in req if req[t] in ("family", "port", "plen",
                                                "states", "u32", "addr")]
        t = r.choice(choices)
        k = req[t]
        if k == "family":
            v = r.choice([x for x in range(256) if x not in (2, 10)])
            return nla(t, bytes([v]))
        if k == "port":
            return nla(t, b"\0\0")
        if k == "states":
            bad = r.choice([1, 1 << (N_STATES + 1), 1 << 31,
                            r.randrange(1 << (N_STATES + 1), 1 << 32)])
            return nla(t, struct.pack("=I", bad))
        if k == "u32":          # (uid_t)-1 is never a valid uid
            return nla(t, struct.pack("=I", 0xffffffff))
        if k == "plen":
            if r.random() < 0.5:            # beyond the policy's 128
                return nla(t, bytes([r.randrange(129, 256)]))
            if r.random() < 0.5:            # without its address
                return nla(t, bytes([r.randrange(0, 129)]))
            addr = SATTR["TCPCONN_A_SOCKET_SRC_ADDR"] \
                if t == SATTR["TCPCONN_A_SOCKET_SRC_PREFIXLEN"] else \
                SATTR["TCPCONN_A_SOCKET_DST_ADDR"]
            return nla(addr, bytes(4)) + nla(t, bytes([r.randrange(33, 129)]))
        if k == "addr":         # neither 4 nor 16 bytes, at most 16
            n = r.choice([x for x in range(0, 17) if x not in (4, 16)])
            return nla(t, r.randbytes(n))
        raise AssertionError(k)

    def bad_len_attr(self, cmd):
        r = self.r
        req = REQ[cmd]
        t = r.choice(list(req))
        k = req[t]
        if k == "addr":     # longer than the policy's 16 bytes
            n = r.choice((17, 20, 32, 255, r.randrange(17, 2000)))
        elif k == "flag":
            n = r.randrange(1, 9)
        else:
            n = r.choice([x for x in range(0, 13) if x != SIZE[k]])
        return nla(t, r.randbytes(n))

    def random_attr(self, cmd, depth=0):
        r = self.r
        mx = MAXATTR[cmd]
        t = r.choice((0, 1, r.randrange(0, mx + 1), r.randrange(0, mx + 1),
                      mx + 1, r.randrange(mx + 1, 0x4000)))
        if r.random() < 0.1:
            t |= r.choice((0x8000, 0x4000, 0xc000))
        if depth < 3 and r.random() < 0.15:
            payload = b"".join(self.random_attr(cmd, depth + 1)
                               for _ in range(r.randrange(0, 4)))
        else:
            n = r.choice((0, 1, 2, 4, 8, 16, r.randrange(0, 64)))
            payload = r.randbytes(n)
        return nla(t, payload, pad=r.random() < 0.9)

    def nested_attr(self, cmd):
        r = self.r
        mx = MAXATTR[cmd]
        t = r.choice(list(REQ[cmd]) or [r.randrange(0, mx + 2)])
        inner = b"".join(self.random_attr(cmd, 1) for _ in range(r.randrange(0, 5)))
        return nla(t | 0x8000, inner)

    def unknown_attr(self, cmd):
        """Strict validation: above maxattr, type 0, or a reply-only type
        (no policy: NLA_UNSPEC) -- always EINVAL."""
        r = self.r
        mx = MAXATTR[cmd]
        reply_only = [t for t in range(0, mx + 1) if t not in REQ[cmd]]
        t = r.choice([r.randrange(mx + 1, 0x4000), mx + 1, 0,
                      r.choice(reply_only)])
        n = r.choice((0, 1, 2, 4, 8, 16))
        return nla(t, r.randbytes(n))

    # ---- whole messages
    def msg(self, cmd, attrs, flags, expect, cat, version=1, reserved=0,
            ftype=None, length=None, cut=None):
        seq = self.next_seq()
        body = genlmsg(cmd, attrs, version, reserved)
        data = nlmsg(self.fid if ftype is None else ftype, flags, seq, body,
                     length)
        if cut is not None:
            data = data[:cut]
        dump = (flags & F_DUMP) == F_DUMP
        return Msg(data, seq, expect, cat, flags, dump)

    def mode_flags(self, cmd, ack=None):
        f = F_REQ | (F_DUMP if IS_DUMP[cmd] else 0)
        if ack if ack is not None else self.r.random() < 0.8:
            f |= F_ACK
        return f

    def one(self, kinds):
        r = self.r
        kind = r.choices(list(kinds), weights=list(kinds.values()))[0]
        cmd = r.choice((rlib.LISTENERS_GET, rlib.SUMMARY_GET,
                        rlib.SOCKETS_GET))
        if kind == "valid":
            return self.msg(cmd, self.valid_attrs(cmd), self.mode_flags(cmd),
                            "ok", kind)
        if kind == "hdr":
            # genl ignores the version; genl_header_check() rejects a
            # nonzero reserved field (strict families, resv_start_op 0)
            res = r.choice((0, r.randrange(1, 65536)))
            return self.msg(cmd, self.valid_attrs(cmd), self.mode_flags(cmd),
                            "err" if res else "ok", kind,
                            version=r.randrange(256), reserved=res)
        if kind == "badcmd":
            c = r.choice((0, rlib.SOCKETS_GET + 1, r.randrange(4, 256)))
            return self.msg(c, self.valid_attrs(cmd),
                            r.choice((F_REQ | F_ACK, F_REQ | F_DUMP | F_ACK,
                                      F_REQ, F_REQ | F_DUMP)), "err", kind)
        if kind == "wrongmode":
            f = self.mode_flags(cmd) ^ (r.choice((F_DUMP, 0x100, 0x200))
                                        if IS_DUMP[cmd] else F_DUMP)
            return self.msg(cmd, self.valid_attrs(cmd), f, "err", kind)
        if kind == "flags":
            f = r.choice((r.randrange(0, 0x1000), r.randrange(0, 0x10000),
                          self.mode_flags(cmd) | r.choice(
                              (F_ECHO, F_MULTI, 0x10, 0x20, 0x400, 0x800,
                               F_ECHO | F_ACK, 0x1000 | F_ECHO))))
            exp = flags_expect(cmd, f)
            return self.msg(cmd, self.valid_attrs(cmd), f, exp, kind)
        if cmd == rlib.SUMMARY_GET and kind in ("badvalue", "badlen"):
            kind = "unknownattr"    # SUMMARY_GET takes no attribute at all
        if kind in ("badvalue", "badlen"):
            bad = self.bad_value_attr(cmd) if kind == "badvalue" else \
                self.bad_len_attr(cmd)
            a = self.companions(cmd, bad)
            a.insert(r.randrange(len(a) + 1), bad)
            return self.msg(cmd, b"".join(a), self.mode_flags(cmd), "err", kind)
        if kind == "unknownattr":
            a = [self.valid_attr(cmd) for _ in range(r.randrange(0, 3))] \
                if REQ[cmd] else []
            a.insert(r.randrange(len(a) + 1), self.unknown_attr(cmd))
            return self.msg(cmd, b"".join(a), self.mode_flags(cmd), "err", kind)
        if kind == "nested":
            return self.msg(cmd, self.nested_attr(cmd), self.mode_flags(cmd),
                            "err", kind)
        if kind == "random":
            a = b"".join(self.random_attr(cmd) for _ in range(r.randrange(1, 7)))
            return self.msg(cmd, a, self.mode_flags(cmd), "any", kind)
        if kind == "truncattr":
            a = self.valid_attrs(cmd) or self.valid_attr(cmd) if REQ[cmd] else b""
            how = r.randrange(3)
            if how == 0 or not a:       # 1..3 stray bytes after the last one
                a += r.randbytes(r.randrange(1, 4))
            elif how == 1:              # last nla_len beyond the message
                a += struct.pack("=HH", r.randrange(9, 400),
                                 r.choice(list(REQ[cmd]))) + b"\0\0\0\0"
            else:                       # nla_len below the header size
                a += struct.pack("=HH", r.randrange(0, 4),
                                 r.choice(list(REQ[cmd])))
            return self.msg(cmd, a, self.mode_flags(cmd), "err", kind)
        if kind == "nlmsglen":
            a = self.valid_attrs(cmd)
            full = 16 + 4 + len(a)
            how = r.randrange(4)
            if how == 0:        # shorter than the genl header: EINVAL
                ln = r.randrange(16, 20)
                return self.msg(cmd, a, self.mode_flags(cmd, True), "err",
                                kind, length=ln, cut=ln)
            if how == 1:        # below NLMSG_HDRLEN: dropped silently
                return self.msg(cmd, a, self.mode_flags(cmd, True), "none",
                                kind, length=r.randrange(0, 16))
            if how == 2:        # longer than the datagram: dropped silently
                return self.msg(cmd, a, self.mode_flags(cmd, True), "none",
                                kind, length=full + r.randrange(1, 5000))
            # cut inside the attributes, nlmsg_len saying so
            ln = r.randrange(20, full + 1)
            return self.msg(cmd, a, self.mode_flags(cmd, True), "any", kind,
                            length=ln, cut=ln)
        if kind == "badfamily":     # a genl type no family has
            return self.msg(cmd, b"", F_REQ | F_ACK, "err", kind,
                            ftype=r.randrange(0xf000, 0x10000))
        if kind == "big":
            how = r.randrange(4)
            if how == 0 and REQ[cmd]:   # thousands of repeated valid attrs
                one = self.valid_attr(cmd)
                n = r.randrange(1000, 20000) // len(one) + 1
                return self.msg(cmd, one * n, self.mode_flags(cmd, True),
                                "ok", kind)
            if how == 1:                # one huge attribute
                t = r.randrange(0, MAXATTR[cmd] + 3)
                return self.msg(cmd, nla(t, r.randbytes(64) * 1000),
                                self.mode_flags(cmd, True), "err", kind)
            if how == 2:                # a 100+ KiB message of unknown attrs
                one = nla(0x3fff, b"\xaa" * 60)
                return self.msg(cmd, one * r.randrange(1700, 2500),
                                self.mode_flags(cmd, True), "err", kind)
            one = self.valid_attr(cmd) if REQ[cmd] else nla(0, b"")
            return self.msg(cmd, one * (110000 // len(one)),
                            self.mode_flags(cmd, True),
                            "ok" if REQ[cmd] else "err", kind)
        raise AssertionError(kind)


SINGLE_KINDS = {"valid": 10, "hdr": 4, "badcmd": 5, "wrongmode": 6,
                "flags": 10, "badvalue": 12, "badlen": 12, "unknownattr": 8,
                "nested": 5, "random": 15, "truncattr": 6, "nlmsglen": 5,
                "badfamily": 1, "big": 1}
BATCH_KINDS = {k: v for k, v in SINGLE_KINDS.items()
               if k not in ("nlmsglen", "big")}


class Fuzzer:
    def __init__(self, t, rng, fid, n):
        self.t = t
        self.r = rng
        self.fid = fid
        self.n = n
        self.gen = Gen(rng, fid)
        self.sent = 0           # netlink messages
        self.sends = 0          # send() calls
        self.recvs = 0
        self.hist = collections.Counter()       # final reply: errno name
        self.by_cat = collections.defaultdict(collections.Counter)
        self.ops = collections.Counter()
        self.problems = []
        self.nl = None
        self.largest = 0
        self.reply_bytes = 0
        self.op_time = collections.Counter()
        self.op_msgs = collections.Counter()

    def problem(self, text, msgs=()):
        if len(self.problems) < 20:
            self.problems.append((text, [m.data.hex() for m in msgs][:8]))

    # ---- the main socket
    def new_socket(self):
        if self.nl:
            self.nl.close()
        r = self.r
        self.nl = rlib.RawNl(rcvbuf=r.choice((None, None, None, 1, 8192)),
                             ext_ack=r.random() < 0.5,
                             cap_ack=r.random() < 0.3,
                             bufsize=r.choice((4096, 16384, 65536)))
        self.ops["socket"] += 1

    def exchange(self, msgs, batch):
        """Send msgs (in one datagram when batch), then read until each
        has its final reply; probe after messages that get none."""
        nl = self.nl
        # messages in one datagram start at NLMSG_ALIGN()ed offsets
        data = b"".join(m.data + b"\0" * (-len(m.data) % 4) for m in msgs) \
            if batch else msgs[0].data
        self.largest = max(self.largest, len(data))
        try:
            nl.send(data)
        except OSError as e:
            self.problem("send() of %d bytes: %s" % (len(data), e), msgs)
            return
        self.sends += 1
        self.sent += len(msgs)
        probe = None
        if any(m.expect == "none" for m in msgs):
            probe = self.gen.msg(PROBE_CMD, b"", F_REQ | F_ACK, "err",
                                 "probe")
            nl.send(probe.data)
            self.sends += 1
            self.sent += 1
        pending = {m.seq: m for m in msgs if m.expect != "none"}
        silent = {m.seq: m for m in msgs if m.expect == "none"}
        if probe:
            pending[probe.seq] = probe
        # the kernel sizes dump skbs by the largest recvmsg() buffer the
        # socket has seen (up to 32 KiB): never read with a smaller one
        nl.bufsize = bufsize = max(nl.bufsize, len(data) + 4096)
        deadline = time.monotonic() + 20
        while any(not m.done for m in pending.values()):
            left = deadline - time.monotonic()
            try:
                got = nl.recv(max(left, 0), bufsize) if left > 0 else None
            except OSError as e:
                if e.errno == errno.ENOBUFS and nl.opts["rcvbuf"]:
                    # a do reply filled the tiny receive buffer and the
                    # netlink core dropped what followed (its ack): the
                    # documented overrun, not a tcpconn matter
                    self.hist["(reply lost: ENOBUFS overrun, small "
                              "SO_RCVBUF)"] += 1
                    self.new_socket()
                    return
                self.problem("recvmsg(): %s (socket %s)" % (e, nl.opts),
                             list(pending.values()))
                self.new_socket()
                return
            if got is None:
                waiting = [m for m in pending.values() if not m.done]
                self.problem("no final reply within 20 s for %d message(s): "
                             "%s (socket %s)" % (
                                 len(waiting), ", ".join(
                                     "seq %d %s" % (m.seq, m.cat)
                                     for m in waiting[:4]), nl.opts), waiting)
                self.new_socket()
                return
            buf, mflags = got
            self.recvs += 1
            self.reply_bytes += len(buf)
            if mflags & socket.MSG_TRUNC:
                self.problem("reply truncated in a %d-byte buffer" % bufsize,
                             list(pending.values()))
                self.new_socket()
                return
            try:
                parts = rlib.split_msgs(buf)
            except TestFail as e:
                self.problem(str(e), list(pending.values()))
                self.new_socket()
                return
            for ty, fl, seq, pid, p, pad in parts:
                m = pending.get(seq)
                if m is None:
                    s = silent.get(seq)
                    self.problem("reply type %d for seq %d, %s" % (
                        ty, seq, "a message the kernel must drop unanswered"
                        if s else "not outstanding"), [s] if s else [])
                    continue
                if m.done:
                    self.problem("reply type %d flags %#x after the final "
                                 "reply of seq %d (%s, %s)" % (
                                     ty, fl, seq, m.cat, rlib.errname(m.err)),
                                 [m])
                    continue
                self.on_reply(m, ty, fl, p)
        for m in msgs:
            if m.expect != "none":
                self.account(m)
            else:
                self.hist["(no reply: dropped by netlink core)"] += 1
                self.by_cat[m.cat]["dropped"] += 1

    def on_reply(self, m, ty, fl, p):
        m.nmsgs += 1
        if ty == genl.NLMSG_ERROR:
            m.err = -struct.unpack_from("=i", p)[0] if len(p) >= 4 else None
            m.done = True
        elif ty == genl.NLMSG_DONE:
            e = struct.unpack_from("=i", p)[0] if len(p) >= 4 else 0
            m.err = -e if e < 0 else 0
            if not m.dump:
                self.problem("NLMSG_DONE for a non-dump request seq %d (%s)"
                             % (m.seq, m.cat), [m])
            m.done = True
        elif ty == self.fid:
            m.data_seen += 1
            if m.dump and not fl & F_MULTI:
                self.problem("dump data without NLM_F_MULTI, seq %d" % m.seq,
                             [m])
            if not m.dump and not (m.flags & F_ACK):
                m.err = 0
                m.done = True       # a do without NLM_F_ACK: the reply ends it
        else:
            self.problem("unexpected reply type %d for seq %d" % (ty, m.seq),
                         [m])
            m.done = True

    def account(self, m):
        name = rlib.errname(m.err) if m.err is not None else "?"
        self.hist[name] += 1
        self.by_cat[m.cat][name] += 1
        e = m.expect
        ok = (e == "any" or (e == "ok" and m.err == 0) or
              (e == "err" and m.err) or (e == "ack0" and m.err == 0) or
              (e == "okbusy" and m.err in (0, errno.EBUSY)))
        if ok and e == "ack0" and m.data_seen:
            ok = False
        if not ok:
            self.problem("seq %d (%s) expected %s, got %s%s" % (
                m.seq, m.cat, e, name,
                " after %d data messages" % m.data_seen if m.data_seen else ""),
                [m])
        if m.err and m.err not in KNOWN_ERRNOS:
            self.problem("seq %d (%s): errno %s is not one a request should "
                         "fail with" % (m.seq, m.cat, name), [m])
        if m.err == 0 and not m.dump and m.expect in ("ok", "any", "okbusy") \
                and m.data_seen != 1:
            self.problem("seq %d (%s): do request succeeded with %d data "
                         "replies (expected 1)" % (m.seq, m.cat, m.data_seen),
                         [m])

    # ---- operations
    def op_single(self):
        self.exchange([self.gen.one(SINGLE_KINDS)], False)

    def op_batch(self):
        if self.nl.opts["rcvbuf"]:      # acks of a batch would overrun it
            return self.op_single()
        msgs = [self.gen.one(BATCH_KINDS)
                for _ in range(self.r.randrange(2, 9))]
        dumping = False
        for m in msgs:
            if m.dump and m.flags & F_REQ:
                if dumping and m.expect == "ok":
                    m.expect = "okbusy"     # the first dump may still run
                dumping = dumping or m.expect in ("ok", "any", "okbusy")
        self.ops["batch"] += 1
        self.exchange(msgs, True)

    def op_smallbuf(self):
        """A whole dump through SO_RCVBUF 1 (the minimum) and 4 KiB reads;
        every message intact, DONE last."""
        cmd = self.r.choice((rlib.SOCKETS_GET, rlib.LISTENERS_GET))
        nl = rlib.RawNl(rcvbuf=1, bufsize=4096)
        try:
            m = self.gen.msg(cmd, b"", F_REQ | F_DUMP | F_ACK, "ok", "smallbuf")
            old, self.nl = self.nl, nl
            try:
                self.exchange([m], False)
            finally:
                self.nl = old
        finally:
            nl.close()
        self.ops["smallbuf"] += 1

    def op_truncating(self):
        """A dump read with recvmsg() buffers far smaller than its skbs
        (MSG_TRUNC, the rest of each skb is lost) until the kernel has
        nothing more; then a dump on the same socket must work (the first
        one ended)."""
        nl = rlib.RawNl(rcvbuf=self.r.choice((None, 1)), bufsize=4096)
        try:
            m = self.gen.msg(rlib.SOCKETS_GET, b"", F_REQ | F_DUMP, "any",
                             "truncating")
            nl.send(m.data)
            self.sent += 1
            small = self.r.choice((16, 20, 64, 256, 1024))
            n = 0
            while nl.recv(0.2, small) is not None:
                n += 1
                if n > 10000:
                    self.problem("truncated dump never ends (%d recvmsg)" % n,
                                 [m])
                    return
            self.recvs += n
            m2 = self.gen.msg(rlib.LISTENERS_GET, b"", F_REQ | F_DUMP | F_ACK,
                              "ok", "after-truncating")
            old, self.nl = self.nl, nl
            try:
                self.exchange([m2], False)
            finally:
                self.nl = old
        finally:
            nl.close()
        self.ops["truncating"] += 1

    def op_abandon(self):
        """1..24 sockets each start a dump, read at most one skb, and are
        closed in random order (their dumps' ->done must run)."""
        r = self.r
        socks = []
        try:
            for _ in range(r.randrange(1, 25)):
                nl = rlib.RawNl(rcvbuf=r.choice((None, 1, 4096)),
                                bufsize=r.choice((4096, 32768)))
                socks.append(nl)
                cmd = r.choice((rlib.SOCKETS_GET, rlib.SOCKETS_GET,
                                rlib.LISTENERS_GET))
                m = self.gen.msg(cmd, b"", F_REQ | F_DUMP | F_ACK, "ok",
                                 "abandon")
                nl.send(m.data)
                self.sent += 1
                if r.random() < 0.8:
                    got = nl.recv(20)
                    if got is None:
                        self.problem("abandoned dump: no first reply in 20 s",
                                     [m])
                    else:
                        self.recvs += 1
            r.shuffle(socks)
        finally:
            for nl in socks:
                nl.close()
        self.ops["abandon"] += 1
        self.ops["abandoned dumps"] += len(socks)

    def run(self):
        r = self.r
        self.new_socket()
        ops = {self.op_single: 88, self.op_batch: 8, self.op_smallbuf: 2,
               self.op_truncating: 0.2, self.op_abandon: 1.5}
        fns, weights = list(ops), list(ops.values())
        since = 0
        while self.sent < self.n and len(self.problems) < 20:
            fn = r.choices(fns, weights)[0]
            t0, n0 = time.monotonic(), self.sent
            fn()
            k = fn.__name__[3:]
            self.op_time[k] += time.monotonic() - t0
            self.op_msgs[k] += self.sent - n0
            since += 1
            if since > 1500 and r.random() < 0.002:
                self.new_socket()
                since = 0
        self.nl.close()


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
    rng = random.Random(seed)
    ns = t.netns("fuzz")
    sumlib.raise_nofile(t, 4096)
    populate(t, ns, 300)
    fid, ver = rlib.family_id(ns)
    stop = start_churn(t, ns, fid, seed ^ 0x5a5a)
    fz = Fuzzer(t, rng, fid, n)
    start = time.monotonic()
    with ns.entered():
        # sockets created here stay in the fuzz netns
        try:
            fz.run()
        finally:
            if fz.nl:
                fz.nl.close()
    took = time.monotonic() - start
    res = stop()
    t.note("seed %d: %d messages in %d send()s, %d recvmsg(), %.1f s "
           "(%.0f msg/s); largest request %d bytes; %d reply bytes"
           % (seed, fz.sent, fz.sends, fz.recvs, took, fz.sent / max(took, 1e-9),
              fz.largest, fz.reply_bytes))
    t.note("final replies by errno: " + ", ".join(
        "%s %d" % kv for kv in sorted(fz.hist.items(), key=lambda kv: -kv[1])))
    for cat in sorted(fz.by_cat):
        t.note("  %-12s %s" % (cat, ", ".join(
            "%s %d" % kv for kv in sorted(fz.by_cat[cat].items(),
                                          key=lambda kv: -kv[1]))))
    t.note("operations: " + ", ".join("%s %d" % kv for kv in
                                      sorted(fz.ops.items())))
    t.note("time by operation: " + ", ".join(
        "%s %.1f s / %d msgs" % (k, fz.op_time[k], fz.op_msgs[k])
        for k in sorted(fz.op_time)))
    if res[0] == "ok":
        t.note("concurrent churn: " + ", ".join("%s %d" % kv
                                                 for kv in sorted(res[1].items())))
    if fz.problems:
        details = []
        for text, hexes in fz.problems:
            details.append(text)
            details += ["  repro: python3 tests/reliability/test_fuzz.py %s" % h
                        for h in hexes[:3]]
        raise TestFail("%d oracle violation(s), first: %s"
                       % (len(fz.problems), fz.problems[0][0]), details)
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
