# SPDX-License-Identifier: GPL-2.0
"""A minimal generic netlink client (stdlib only) for the tests that must
control the dump itself: pause between recvmsg() calls, or send malformed
requests. Attribute and command numbers are read from the UAPI header, so
they cannot drift from the module."""
import os
import re
import socket
import struct

NETLINK_GENERIC = 16
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 0x1, 0x4, 0x300
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME, CTRL_ATTR_VERSION = 1, 2, 3
NLA_F_MASK = 0x3fff

HEADER = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                      "..", "..", "include", "uapi", "linux", "tcpconn.h")


def uapi_enum(name):
    """{CONSTANT: value} of `enum name` in the UAPI header."""
    with open(HEADER) as f:
        text = f.read()
    body = re.search(r"enum\s+%s\s*\{(.*?)\};" % name, text, re.S).group(1)
    body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
    out, n = {}, 0
    for item in body.split(","):
        item = item.strip()
        if not item:
            continue
        if "=" in item:
            k, v = (x.strip() for x in item.split("=", 1))
            # values are numbers or "NAME", "NAME - 1", "NAME + 1"
            m = re.fullmatch(r"(\w+)\s*(?:([-+])\s*(\d+))?", v)
            n = out[m.group(1)] if m.group(1) in out else int(m.group(1), 0)
            if m.group(2):
                n += int(m.group(3)) * (1 if m.group(2) == "+" else -1)
        else:
            k = item
        out[k] = n
        n += 1
    return out


CMD = uapi_enum("tcpconn_cmd")
ATTR = uapi_enum("tcpconn_listener_attr")


def nla(atype, payload):
    hdr = struct.pack("=HH", 4 + len(payload), atype)
    return hdr + payload + b"\0" * (-len(payload) % 4)


def parse_attrs(buf):
    out = {}
    off = 0
    while off + 4 <= len(buf):
        ln, ty = struct.unpack_from("=HH", buf, off)
        if ln < 4:
            break
        out[ty & NLA_F_MASK] = buf[off + 4:off + ln]
        off += (ln + 3) & ~3
    return out


class Genl:
    """A NETLINK_GENERIC socket, created in the caller's current netns."""

    def __init__(self, rcvbuf=None):
        self.s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                               NETLINK_GENERIC)
        if rcvbuf:
            self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.s.bind((0, 0))
        self.s.settimeout(20)
        self.seq = 0

    def close(self):
        self.s.close()

    def send(self, ftype, flags, cmd, attrs=b"", version=1):
        self.seq += 1
        body = struct.pack("=BBH", cmd, version, 0) + attrs
        self.s.send(struct.pack("=IHHII", 16 + len(body), ftype, flags,
                                self.seq, 0) + body)
        return self.seq

    # Every recvmsg() uses the same buffer size: the kernel sizes dump skbs
    # by the largest buffer a socket has received with (nlk->max_recvmsg_len,
    # at most 32 KiB), so 8 KiB keeps dumps in many small skbs, and a
    # message never exceeds it (MSG_TRUNC is checked anyway).
    BUFSIZE = 8192

    def recv_msgs(self):
        """One recvmsg(): [(type, flags, payload)]."""
        data, _, flags, _ = self.s.recvmsg(self.BUFSIZE)
        if flags & socket.MSG_TRUNC:
            raise OSError("netlink message truncated (buffer %d)" % self.BUFSIZE)
        msgs, off = [], 0
        while off + 16 <= len(data):
            ln, ty, fl, seq, pid = struct.unpack_from("=IHHII", data, off)
            if ln < 16:
                break
            msgs.append((ty, fl, data[off + 16:off + ln]))
            off += (ln + 3) & ~3
        return msgs

    def family(self, name="tcpconn"):
        """(id, version) of a genl family, or None."""
        self.send(GENL_ID_CTRL, NLM_F_REQUEST, CTRL_CMD_GETFAMILY,
                  nla(CTRL_ATTR_FAMILY_NAME, name.encode() + b"\0"))
        for ty, fl, p in self.recv_msgs():
            if ty == NLMSG_ERROR:
                err = struct.unpack_from("=i", p)[0]
                if err:
                    return None
                continue
            a = parse_attrs(p[4:])
            return (struct.unpack("=H", a[CTRL_ATTR_FAMILY_ID])[0],
                    struct.unpack("=I", a[CTRL_ATTR_VERSION])[0])
        return None

    def read_dump(self, between=None):
        """Read one dump to its end: (rows, error). rows: attribute dicts
        of the messages; error: the errno of an NLMSG_ERROR or of a
        negative NLMSG_DONE, else 0. between(rows_so_far) runs after each
        recvmsg()."""
        rows = []
        while True:
            for ty, fl, p in self.recv_msgs():
                if ty == NLMSG_DONE:
                    err = struct.unpack_from("=i", p)[0] if len(p) >= 4 else 0
                    return rows, -err if err < 0 else 0
                if ty == NLMSG_ERROR:
                    err = struct.unpack_from("=i", p)[0]
                    if err:
                        return rows, -err
                    continue
                rows.append(parse_attrs(p[4:]))
            if between:
                between(rows)

    def request(self, fid, flags, cmd, attrs=b""):
        """A request expected to fail or ack: the errno (0 for an ack) and
        the attributes of any data messages before it."""
        self.send(fid, flags, cmd, attrs)
        rows = []
        while True:
            for ty, fl, p in self.recv_msgs():
                if ty == NLMSG_ERROR:
                    return -struct.unpack_from("=i", p)[0], rows
                if ty == NLMSG_DONE:
                    err = struct.unpack_from("=i", p)[0] if len(p) >= 4 else 0
                    return -err if err < 0 else 0, rows
                rows.append(parse_attrs(p[4:]))


def u64(a, key):
    return struct.unpack("=Q", a[ATTR[key]])[0]
