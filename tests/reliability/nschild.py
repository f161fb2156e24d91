# SPDX-License-Identifier: GPL-2.0
"""Run under `unshare -n` by netns_isolation_all: in a fresh netns, bring
lo up, listen on 127.0.0.1:5555 (the port the other test namespaces use
too), connect 2 clients, take the census of every tcpconn view and check
it against ss; print "CENSUS <base64 pickle>" with the census, the cookies
of our own sockets and our netns inode; then hold the sockets until stdin
closes."""
import base64
import os
import pickle
import socket
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True

import rlib  # noqa: E402


def main():
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True, timeout=30)
    lst = socket.socket()
    lst.bind(("127.0.0.1", 5555))
    lst.listen(8)
    socks = [lst]
    for _ in range(2):
        c = socket.create_connection(("127.0.0.1", 5555), timeout=10)
        a, _ = lst.accept()
        socks += [c, a]
    try:
        c = rlib.census()
        rlib.census_checks(c, "unshare -n netns")
        out = ("ok", c, [rlib.socklib.cookie_of(s) for s in socks])
    except rlib.TestFail as e:
        out = ("fail", str(e), e.details)
    print("CENSUS " + base64.b64encode(pickle.dumps(out)).decode(), flush=True)
    sys.stdin.read()


if __name__ == "__main__":
    main()
