#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""tcpconn guest integration tests.

    /usr/bin/python3 tests/integration/run.py --stat PATH [-k FILTER]...
        [-x NAME]... [-v]
    /usr/bin/python3 tests/integration/run.py --stat PATH --not-loaded
    /usr/bin/python3 tests/integration/run.py --list

Runs as root inside the test VM, with tcpconn.ko loaded (or, with
--not-loaded, after rmmod). Prints one "ok - NAME" or "not ok - NAME: reason"
line per test, "# ..." diagnostics, and last "N passed, N failed"; exits 1
when a test failed (or none ran). -k keeps the tests whose name contains one
of the comma-separated substrings (repeatable); -x leaves out the tests of
those comma-separated names (exact), each reported by a "# not run" line and
counted nowhere.
"""
import sys

sys.dont_write_bytecode = True

import argparse  # noqa: E402
import contextlib  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import tcit  # noqa: E402
import test_listeners  # noqa: E402
import test_prometheus  # noqa: E402
import test_sockets  # noqa: E402
import test_summary  # noqa: E402
import test_views  # noqa: E402
import test_ynl  # noqa: E402


class Timeout(tcit.TestFail):
    pass


class T:
    """Per-test context: the stat binary, a cleanup stack, notes."""

    def __init__(self, name, stat, verbose):
        self.name = name
        self.stat = stat
        self.verbose = verbose
        self.stack = contextlib.ExitStack()
        self.notes = []
        self._ns = 0

    def defer(self, fn, *args):
        self.stack.callback(fn, *args)

    def netns(self, tag=None):
        self._ns += 1
        return tcit.Netns(self, tag or "n%d" % self._ns)

    def note(self, line):
        self.notes.append(line)

    def cleanup(self):
        """Run every deferred action even if some fail; report the first."""
        errors = []
        while True:
            try:
                self.stack.close()
                break
            except BaseException as e:  # keep unwinding the rest
                errors.append(e)
        return errors


def _alarm(signum, frame):
    raise Timeout("test timed out")


def leftover_netns():
    try:
        return sorted(n for n in os.listdir(tcit.NETNS_DIR)
                      if n.startswith(tcit.NS_PREFIX))
    except FileNotFoundError:
        return []


def run_one(name, fn, limit, stat, verbose):
    t = T(name, stat, verbose)
    ns0 = tcit.current_netns_ino()
    reason, details = None, []
    start = time.monotonic()
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(limit)
    try:
        fn(t)
    except Timeout:
        reason = "timed out after %ds (expected to finish, got no result)" % limit
        details = traceback.format_exc().splitlines()[-6:]
    except tcit.TestFail as e:
        reason, details = str(e), e.details
    except Exception as e:
        reason = "internal error: %s: %s" % (type(e).__name__, e)
        details = traceback.format_exc().splitlines()
    finally:
        signal.alarm(0)
    errs = t.cleanup()
    if tcit.current_netns_ino() != ns0:
        tcit.setns(os.open("/proc/1/ns/net", os.O_RDONLY))
        errs.append(RuntimeError("test left the runner in another netns"))
    left = leftover_netns()
    if left:
        errs.append(RuntimeError("netns left behind: %s" % left))
        for n in left:
            tcit.run(["ip", "netns", "del", n], check=False)
    if errs and reason is None:
        reason = "cleanup failed: %s" % errs[0]
    elif errs:
        details.append("cleanup also failed: %s" % errs[0])
    took = time.monotonic() - start
    if reason is None:
        print("ok - %s" % name)
        if verbose:
            for n in t.notes:
                print("# %s" % n)
    else:
        print("not ok - %s: %s" % (name, reason))
        for d in t.notes + details:
            for line in str(d).splitlines():
                print("#   %s" % line)
    if verbose:
        print("# %s took %.2fs" % (name, took))
    sys.stdout.flush()
    return reason is None


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stat", help="path of tcpconn-stat")
    ap.add_argument("-k", action="append", default=[], metavar="FILTER",
                    help="run tests whose name contains one of these "
                    "comma-separated substrings")
    ap.add_argument("-x", action="append", default=[], metavar="NAME",
                    help="leave out the tests of these comma-separated names")
    ap.add_argument("--not-loaded", action="store_true",
                    help="run the checks for a system without tcpconn.ko")
    ap.add_argument("--list", action="store_true", help="list test names")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="print notes and timings of passing tests too")
    args = ap.parse_args()

    tests = (test_listeners.NOT_LOADED + test_summary.NOT_LOADED +
             test_prometheus.NOT_LOADED) \
        if args.not_loaded else test_listeners.TESTS + test_summary.TESTS + \
        test_sockets.TESTS + test_views.TESTS + test_prometheus.TESTS + \
        test_ynl.TESTS
    known = {x[0] for x in tests}
    if args.k:
        subs = [s for k in args.k for s in k.split(",") if s]
        tests = [x for x in tests if any(s in x[0] for s in subs)]
    left_out = {s for x in args.x for s in x.split(",") if s}
    unknown = left_out - known
    if unknown:
        ap.error("-x: no test named %s" % ", ".join(sorted(unknown)))
    tests = [x for x in tests if x[0] not in left_out]
    if args.list:
        for name, _, limit in tests:
            print(name)
        return 0
    if not args.stat:
        ap.error("--stat is required")
    stat = os.path.abspath(args.stat)

    if os.geteuid() != 0:
        print("# must run as root")
    for name in sorted(left_out):
        print("# not run (-x): %s" % name)
    start = time.monotonic()
    passed = failed = 0
    for name, fn, limit in tests:
        if run_one(name, fn, limit, stat, args.verbose):
            passed += 1
        else:
            failed += 1
    if not tests:
        print("# no test matches %s" % args.k)
    print("# total %.1fs" % (time.monotonic() - start))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or not tests else 0


if __name__ == "__main__":
    sys.exit(main())
