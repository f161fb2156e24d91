#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the KTAP that KUnit printed into the kernel log into our result lines.

Reads kernel log text on stdin (dmesg, with or without timestamps), keeps the
suites whose names start with the given prefix and prints one line per test
case: "ok - kunit: SUITE.CASE" or "not ok - kunit: SUITE.CASE: ...". A suite
that was announced but has no result line (a crash, a hang) is a failure, and
so is finding no suite at all: never infer success from silence.
"""
import re
import sys

RESULT = re.compile(r'^(?P<indent> *)(?P<ok>not ok|ok) (?P<num>\d+) (?P<name>[^#]*?)\s*(?:# (?P<directive>.*))?$')
SUBTEST = re.compile(r'^(?P<indent> *)# Subtest: (?P<name>\S+)')
STAMP = re.compile(r'^\[\s*\d+\.\d+\]\s?')


def parse(lines, prefix):
    suite = None
    announced, finished, out = [], set(), []
    for raw in lines:
        line = STAMP.sub('', raw.rstrip('\n'))
        m = SUBTEST.match(line)
        if m and len(m['indent']) <= 4 and m['name'].startswith(prefix) \
                and m['name'] not in announced:
            announced.append(m['name'])
            suite = m['name']
            continue
        m = RESULT.match(line)
        if not m or suite is None:
            continue
        depth = len(m['indent'])
        if m['name'] == suite and depth in (0, 4):
            finished.add(suite)
            suite = None
            continue
        out.append((suite, depth, m['ok'] == 'ok', m['name'], m['directive']))
    return announced, finished, out


def main():
    prefix = sys.argv[1] if len(sys.argv) > 1 else 'tcpconn_'
    announced, finished, results = parse(sys.stdin, prefix)
    if not announced:
        print(f'not ok - kunit: no suite named {prefix}* ran')
        return 1
    # Case level is the shallowest depth seen for each suite.
    case_depth = {}
    for suite, depth, _, _, _ in results:
        case_depth[suite] = min(depth, case_depth.get(suite, depth))
    failed = 0
    for suite, depth, ok, name, directive in results:
        if depth != case_depth[suite]:
            continue
        if directive and directive.upper().startswith('SKIP'):
            print(f'skip - kunit: {suite}.{name}: {directive}')
        elif ok:
            print(f'ok - kunit: {suite}.{name}')
        else:
            failed += 1
            print(f'not ok - kunit: {suite}.{name}')
    for suite in announced:
        if suite not in finished:
            failed += 1
            print(f'not ok - kunit: {suite}: no result line (crashed or hung?)')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
