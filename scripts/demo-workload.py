#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Guest side of `make demo`: a small, realistic listener workload.

- 0.0.0.0:8080, backlog 8: five clients in netns "peer" whose SYN-ACKs are
  dropped by nft hold its SYN queue, then twelve local clients that are
  never accepted fill its accept queue (8 + 1 queued, the rest retrying);
- 127.0.0.1:5432 (backlog 128) with two accepted-pending clients;
- [::]:443, an SO_REUSEPORT group of two (dual-stack);
- 127.0.0.1:9000, an "app" with 300 accepted connections: 100 closed by
  the client first (client-side TIME_WAIT), 50 by the server first
  (server-side TIME_WAIT), 20 closed by the client while the server never
  closes (CLOSE_WAIT, and FIN_WAIT2 orphans on the client side), 10 whose
  client fills a peer that stopped reading and then closes (FIN_WAIT1
  orphans with unsent data), 120 left open.
Then shows tcpconn-stat --listeners and --summary next to ss for comparison.
"""
import os
import socket
import subprocess
import sys
import time

STAT = sys.argv[1] if len(sys.argv) > 1 else 'userspace/tcpconn-stat'
PEER_CLIENTS = '''
import socket, time
socks = []
for _ in range(5):
    s = socket.socket(); s.setblocking(False)
    s.connect_ex(("198.18.0.1", 8080)); socks.append(s)
time.sleep(600)
'''


def sh(cmd):
    subprocess.run(cmd, shell=True, check=True)


def count(cmd):
    out = subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout
    return len(out.splitlines())


def wait_for(what, cmd, want, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if count(cmd) >= want:
            return
        time.sleep(0.1)
    sys.exit(f'demo: timed out waiting for {what}')


def listener(family, addr, port, backlog, reuseport=False):
    s = socket.socket(family)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuseport:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    s.bind((addr, port))
    s.listen(backlog)
    return s


def connect(addr, port, n):
    socks = []
    for _ in range(n):
        c = socket.socket()
        c.setblocking(False)
        c.connect_ex((addr, port))
        socks.append(c)
    return socks


def app_workload(keep):
    """The 127.0.0.1:9000 connections described in the module docstring."""
    lsn = listener(socket.AF_INET, '127.0.0.1', 9000, 512)
    keep.append(lsn)
    pairs = []
    for _ in range(300):
        c = socket.create_connection(('127.0.0.1', 9000))
        pairs.append((c, lsn.accept()[0]))
    for c, s in pairs[:100]:            # client closes first
        c.close()
        s.close()
    for c, s in pairs[100:150]:         # server closes first
        s.close()
        c.close()
    for c, s in pairs[150:170]:         # server never closes
        c.close()
        keep.append(s)
    for c, s in pairs[170:180]:         # server stops reading
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        c.setblocking(False)
        try:
            while True:
                c.send(b'x' * 65536)
        except BlockingIOError:
            pass
        c.close()
        keep.append(s)
    keep += [x for pair in pairs[180:] for x in pair]


def main():
    sh('ip link set lo up; ip netns add peer; '
       'ip link add veth0 type veth peer name veth1 netns peer; '
       'ip addr add 198.18.0.1/24 dev veth0; ip link set veth0 up; '
       'ip -n peer addr add 198.18.0.2/24 dev veth1; '
       'ip -n peer link set veth1 up; ip -n peer link set lo up')
    sh("ip netns exec peer nft add table inet demo; "
       "ip netns exec peer nft add chain inet demo in "
       "'{ type filter hook input priority 0; }'; "
       "ip netns exec peer nft add rule inet demo in "
       "'tcp flags & (syn|ack) == (syn|ack) drop'")

    keep = [listener(socket.AF_INET, '0.0.0.0', 8080, 8),
            listener(socket.AF_INET, '127.0.0.1', 5432, 128)]
    keep += [listener(socket.AF_INET6, '::', 443, 511, reuseport=True)
             for _ in range(2)]
    peer = subprocess.Popen(['ip', 'netns', 'exec', 'peer',
                             '/usr/bin/python3', '-c', PEER_CLIENTS])
    wait_for('5 held SYNs', "ss -tnH state syn-recv '( sport = :8080 )'", 5)
    keep += connect('127.0.0.1', 8080, 12)
    keep += connect('127.0.0.1', 5432, 2)
    wait_for('a full accept queue', "ss -tnH state established "
             "'( sport = :8080 )'", 9)
    app_workload(keep)
    time.sleep(0.5)

    print('\n$ tcpconn-stat --listeners', flush=True)
    rc = subprocess.run([STAT, '--listeners']).returncode
    print('\n$ ss -ltn    (Recv-Q = accept queue, Send-Q = backlog)',
          flush=True)
    subprocess.run(['ss', '-ltn'])
    print("\n$ ss -tnH state syn-recv '( sport = :8080 )' | wc -l", flush=True)
    print(count("ss -tnH state syn-recv '( sport = :8080 )'"), flush=True)

    print('\n$ tcpconn-stat --summary', flush=True)
    rc = subprocess.run([STAT, '--summary']).returncode or rc
    print("\n$ ss -tanH | awk '{print $1}' | sort | uniq -c", flush=True)
    sh("ss -tanH | awk '{print $1}' | sort | uniq -c")
    print('\n$ grep TCP: /proc/net/sockstat', flush=True)
    sh('grep TCP: /proc/net/sockstat')
    peer.kill()
    return rc


if __name__ == '__main__':
    sys.exit(main())
