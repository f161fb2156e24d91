#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""tcpconn reliability tests: hostile netlink input, network namespaces,
privilege.

    /usr/bin/python3 tests/reliability/run.py [-k FILTER]... [-v]
    /usr/bin/python3 tests/reliability/run.py --list

Runs as root inside the test VM with tcpconn.ko loaded. Prints one
"ok - NAME" or "not ok - NAME: reason" line per test, "# ..." diagnostics
(with -v also the figures and timings of passing tests), and last
"N passed, N failed"; exits 1 when a test failed or none matched. -k keeps
the tests whose name contains one of the comma-separated substrings.

Environment: TCPCONN_FUZZ_N (messages for nl_fuzz, default 50000),
TCPCONN_FUZZ_SEED (default: random, printed), TCPCONN_CHURN_SECS
(churn_exactly_once, default 60), TCPCONN_LOADUNLOAD_N (cycles of
load_unload_cycles, default 100), TCPCONN_KO (the module it reloads; or
--ko). See README.md for the rest.
"""
import sys

sys.dont_write_bytecode = True

import argparse  # noqa: E402
import os  # noqa: E402
import time  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import rlib  # noqa: E402
import test_churn  # noqa: E402
import test_fuzz  # noqa: E402
import test_loadunload  # noqa: E402
import test_netns  # noqa: E402
import test_priv  # noqa: E402

TESTS = (test_fuzz.TESTS + test_netns.TESTS + test_priv.TESTS +
         test_churn.TESTS + test_loadunload.TESTS)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-k", action="append", default=[], metavar="FILTER",
                    help="run tests whose name contains one of these "
                    "comma-separated substrings")
    ap.add_argument("--list", action="store_true", help="list test names")
    ap.add_argument("--ko", metavar="PATH",
                    help="tcpconn.ko for load_unload_cycles (default: "
                    "$TCPCONN_KO)")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="print figures and timings of passing tests too")
    args = ap.parse_args()

    if args.ko:
        os.environ["TCPCONN_KO"] = args.ko
    tests = TESTS
    if args.k:
        subs = [s for k in args.k for s in k.split(",") if s]
        tests = [x for x in tests if any(s in x[0] for s in subs)]
    if args.list:
        for name, _, _ in tests:
            print(name)
        return 0
    if os.geteuid() != 0:
        print("# must run as root")
    start = time.monotonic()
    passed = failed = 0
    for name, fn, limit in tests:
        if rlib.run_one(name, fn, limit, args.verbose):
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
