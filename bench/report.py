#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Turn bench/guest.py results into bench/results/KERNEL-DATE.{md,csv,png}.

    bench/report.py --results bench/results RUN_DIR...

Each RUN_DIR is one guest boot (its raw.csv and meta.json); all must be of
the same kernel. Every figure in the outputs is computed from them: times
are the min and median of the timed runs, ratios are taken between medians
measured in the same boot (absolute times drift between boots under TCG;
ratios do not). The targets of issue 6 are judged at N = 250,000 (or the
largest N measured, which the table then says). Also regenerates
bench/results/README.md, the index of all result files.
"""
import argparse
import csv
import json
import os
import statistics
import sys

# name -> (what it is, for the tables)
LABELS = {
    "floor": "process start-up floor: `sh -c /bin/true`",
    "floor_pipe": "start-up floor of a two-command pipeline",
    "tcpconn_summary": "`tcpconn-stat --summary`",
    "proc_summary": "`cat /proc/net/tcpconn/summary`",
    "ss_awk_states": "`ss -tan | awk` (count per state)",
    "netstat_states": "`netstat -nat | awk | sort | uniq -c`",
    "ss_s": "`ss -s`",
    "tcpconn_listeners": "`tcpconn-stat --listeners` (incl. SYN queues)",
    "proc_listeners": "`cat /proc/net/tcpconn/listeners`",
    "ss_ltn": "`ss -ltn`",
    "ss_synrecv_per_listener": "`ss -tnH state syn-recv | awk` (per listener)",
    "tcpconn_timewait": "`tcpconn-stat --timewait`",
    "ss_tw": "`ss -tan state time-wait`",
    "tcpconn_sockets": "`tcpconn-stat --sockets`",
    "ss_tan": "`ss -tan`",
    "ss_tanoe": "`ss -tanoe` (with timers, uid, inode, cookie: --sockets' columns)",
    "proc_sockets": "`cat /proc/net/tcpconn/sockets`",
    "proc_tcp": "`cat /proc/net/tcp /proc/net/tcp6`",
    "walk_module": "tcpconn summary walk, in kernel (`walk_ns`)",
    "walk_bare": "bare counting walk, in kernel (bench/bare_walk.c)",
    "walk_bare_ehash": "bare counting walk, established hash only",
}
TOOLS = list(LABELS)
# lines of header each command prints before its rows
HEADER_LINES = {"ss_tan": 1, "ss_tanoe": 1, "tcpconn_sockets": 1, "proc_sockets": 1,
                "proc_tcp": 2, "ss_tw": 1, "tcpconn_timewait": 1,
                "ss_ltn": 1, "tcpconn_listeners": 1, "proc_listeners": 1}
TARGET_N = 250000

# (id, description, numerator, denominator, goal op, goal): ratio =
# median(numerator) / median(denominator), in the same boot and phase.
RATIOS = [
    ("summary", "`--summary` faster than `ss -tan | awk` state counting",
     "ss_awk_states", "tcpconn_summary", ">=", 30),
    ("walk", "module's own walk vs the bare counting walk (time ratio)",
     "walk_module", "walk_bare", "<=", 1.5),
    ("listeners", "`--listeners` faster than `ss -ltn`",
     "ss_ltn", "tcpconn_listeners", ">=", 10),
    ("synq", "SYN-queue view (`--listeners`) faster than "
     "`ss state syn-recv` per listener",
     "ss_synrecv_per_listener", "tcpconn_listeners", ">=", 10),
    ("sockets", "`--sockets` faster than `ss -tan` (same rows)",
     "ss_tan", "tcpconn_sockets", ">=", 1.5),
    ("proc", "`/proc/net/tcpconn/sockets` vs `/proc/net/tcp`+`tcp6` "
     "(speed-up, >= 1 is no slower)",
     "proc_tcp", "proc_sockets", ">=", 1.0),
    # not targets, for context
    ("summary_netstat", "`--summary` faster than the netstat pipeline",
     "netstat_states", "tcpconn_summary", None, None),
    ("proc_summary", "`/proc/net/tcpconn/summary` faster than `ss -tan | awk`",
     "ss_awk_states", "proc_summary", None, None),
    ("sockets_oe", "`--sockets` faster than `ss -tanoe` (same columns)",
     "ss_tanoe", "tcpconn_sockets", None, None),
    ("timewait", "`--timewait` faster than `ss -tan state time-wait`",
     "ss_tw", "tcpconn_timewait", None, None),
    ("ss_vs_walk", "`ss -tan | awk` vs the bare walk (time ratio)",
     "ss_awk_states", "walk_bare", None, None),
]


def med(v):
    return statistics.median(v) if v else None


def pair_ratios(run):
    """with / without connect rate of each round (a pair of runs)."""
    on = dict(run["rate_pairs"].get("connect_rate_loaded", []))
    off = dict(run["rate_pairs"].get("connect_rate_unloaded", []))
    return [on[r] / off[r] for r in sorted(on) if r in off and off[r]]


def quartiles(v):
    if len(v) < 4:
        return None, None
    q = statistics.quantiles(v, n=4)
    return q[0], q[2]


def load(run):
    with open(os.path.join(run, "meta.json")) as f:
        meta = json.load(f)
    times = {}
    rates = {}
    rate_pairs = {}     # tool: [(round, per second)]
    tw = []     # TIME_WAIT sockets before and after each timed load run
    # timed load runs during which a TIME_WAIT generation expired (the
    # count fell by over a tenth of the generation): (tool, rep, s, tw0, tw1)
    expired = []
    with open(os.path.join(run, "raw.csv")) as f:
        for r in csv.DictReader(f):
            if r["phase"] == "rate":
                rates.setdefault(r["tool"], []).append(float(r["extra"]))
                rate_pairs.setdefault(r["tool"], []).append(
                    (int(r["rep"]), float(r["extra"])))
                continue
            if r["phase"] == "load" and r["tw_before"]:
                tw0, tw1 = int(r["tw_before"]), int(r["tw_after"])
                tw += [tw0, tw1]
                target = meta.get("tw_target", 0)
                if target and tw0 - tw1 > target // 10:
                    expired.append((r["tool"], int(r["rep"]),
                                    float(r["seconds"]), tw0, tw1))
            times.setdefault((r["phase"], r["tool"]), []).append(
                float(r["seconds"]))
    return {"meta": meta, "times": times, "rates": rates,
            "rate_pairs": rate_pairs, "tw": tw, "expired": expired,
            "dir": run}


def fmt_t(s):
    if s is None:
        return "–"
    if s >= 1:
        return "%.2f s" % s
    if s >= 1e-3:
        return "%.1f ms" % (s * 1e3)
    return "%.0f µs" % (s * 1e6)


def fmt_r(r):
    if r is None:
        return "–"
    return "%.0f×" % r if r >= 100 else "%.1f×" % r if r >= 10 else \
        "%.2f×" % r


def cell(text):
    """A markdown table cell: pipes (in code spans too) escaped."""
    return text.replace("|", "\\|")


def fmt_n(n):
    return "{:,}".format(n)


def ok(op, goal, v):
    if op is None or v is None:
        return None
    return v >= goal if op == ">=" else v <= goal


class Report:
    def __init__(self, runs):
        self.runs = sorted(runs, key=lambda r: r["meta"]["n"])
        kn = {r["meta"]["kernel"] for r in self.runs}
        if len(kn) != 1:
            sys.exit("report: runs of several kernels: %s" % sorted(kn))
        self.kernel = kn.pop()
        self.kver = self.runs[0]["meta"]["kver"]
        self.date = min(r["meta"]["started"] for r in self.runs)[:10]
        target = [r for r in self.runs if r["meta"]["n"] == TARGET_N]
        self.target = target[0] if target else self.runs[-1]
        self.csv = []

    def t(self, run, tool, phase="load", f=med):
        v = run["times"].get((phase, tool))
        return f(v) if v else None

    def ratio(self, run, num, den, phase="load", f=med):
        a, b = self.t(run, num, phase, f), self.t(run, den, phase, f)
        return a / b if a and b else None

    def rows_of(self, run, tool):
        lines = run["meta"].get("lines", {}).get("load", {}).get(tool)
        return None if lines is None else lines - HEADER_LINES.get(tool, 0)

    def sockets(self, run, phase="load"):
        c = run["meta"]["census"][phase]
        return c["bare_entries"]

    def per_socket(self, run, tool):
        """(median - start-up floor) / rows: the cost per printed row."""
        t, fl, rows = self.t(run, tool), self.t(run, "floor"), \
            self.rows_of(run, tool)
        return (t - fl) / rows if t and fl is not None and rows else None

    def rate_ratio(self, run):
        """Median of the per-round ratios (with / without): each round is
        a pair of runs back to back, so slow drifts of a TCG guest cancel
        out, which a ratio of the two medians would not do."""
        on = med(run["rates"].get("connect_rate_loaded", []))
        off = med(run["rates"].get("connect_rate_unloaded", []))
        return med(pair_ratios(run)), on, off

    # ---- targets ------------------------------------------------------------
    def targets(self):
        run, small = self.target, self.runs[0]
        out = []
        for rid, desc, num, den, op, goal in RATIOS:
            if op is None:
                continue
            v = self.ratio(run, num, den)
            vmin = self.ratio(run, num, den, f=min)
            out.append((rid, desc, v, vmin, op, goal))
        v = self.ratio(run, "tcpconn_listeners", "tcpconn_listeners")
        a = self.t(run, "tcpconn_listeners")
        b = self.t(run, "tcpconn_listeners", "empty")
        amin = self.t(run, "tcpconn_listeners", f=min)
        bmin = self.t(run, "tcpconn_listeners", "empty", f=min)
        out.append(("listeners_flat", "`--listeners` time at N established "
                    "vs with no connection (same boot)",
                    a / b if a and b else None,
                    amin / bmin if amin and bmin else None, "<=", 1.5))
        big, sm = self.per_socket(run, "proc_sockets"), \
            self.per_socket(small, "proc_sockets")
        out.append(("proc_linear", "`/proc/net/tcpconn/sockets` per-socket "
                    "cost at N vs at N=%s (floor subtracted; separate boots)"
                    % fmt_n(small["meta"]["n"]),
                    big / sm if big and sm and run is not small else None,
                    None, "<=", 1.5))
        # every boot measures the rate the same way before its workload:
        # the pairs of all boots together
        pooled = [x for b in self.runs for x in pair_ratios(b)]
        runs_r = [self.rate_ratio(x)[0] for x in self.runs]
        out.append(("connect_rate", "connect/accept rate with tcpconn.ko "
                    "loaded vs not loaded (median of %d back-to-back pairs, "
                    "all boots; the min column is the lowest boot's median)"
                    % len(pooled), med(pooled),
                    min([x for x in runs_r if x] or [None]) if runs_r
                    else None, ">=", 0.98))
        return out

    # ---- markdown -------------------------------------------------------------
    def md(self):
        run = self.target
        m = run["meta"]
        L = []
        ns = [r["meta"]["n"] for r in self.runs]
        L.append("# tcpconn benchmark: %s (%s), %s" % (self.kernel, self.kver,
                                                      self.date))
        L.append("")
        L.append("Generated by `make bench` (bench/run.sh, bench/guest.py, "
                 "bench/report.py) from the raw results of %d guest boots, "
                 "one per N; every figure below is measured, none is typed "
                 "in. Re-run: `make bench BENCH_KERNELS=%s BENCH_N=\"%s\" "
                 "BENCH_REPS=%d`." % (len(self.runs), self.kernel,
                                      " ".join(map(str, ns)), m["reps"]))
        L.append("")
        L.append("**Setup.** QEMU TCG guest, %d vCPUs, %s MiB RAM, on %s. "
                 "Established hash: %s buckets. Workload per boot "
                 "(bench/loadgen.c, pinned to CPU 0): N established "
                 "loopback connections (2N sockets) from 127.0.0.x, N/5 "
                 "client-side TIME_WAIT sockets (regenerated before any "
                 "command that would outlive them), N/200 orphans in "
                 "FIN_WAIT1 (unsent data, zero window), a listener with a "
                 "full accept queue (backlog %d, %d queued) and one whose "
                 "SYN queue holds %d requests from a peer netns that drops "
                 "SYN-ACKs. Timed commands run pinned to CPU 1 with output to "
                 "/dev/null, as `sh -c CMD`; one untimed warm-up run, then "
                 "%d rounds of every command (order rotated per round); "
                 "times are median (min) wall clock. Ratios are between "
                 "medians of the same boot."
                 % (m["cpus"], m["mem_total"] // (1 << 20),
                    host_cpu(), fmt_n(m["ehash_buckets"]), m["full_backlog"],
                    m["full_backlog"] + 1, m["syn_held"], m["reps"]))
        L.append("")
        L.append("| N (connections) | " + " | ".join(fmt_n(n) for n in ns) +
                 " |")
        L.append("|---|" + "---:|" * len(ns))
        L.append("| entries in the TCP hashes (bare walk) | " + " | ".join(
            fmt_n(self.sockets(r)) for r in self.runs) + " |")
        L.append("| of which TIME_WAIT (sockstat, after build) | " +
                 " | ".join(fmt_n(r["meta"]["census"]["load"]["sockstat"]
                                  ["tw"]) for r in self.runs) + " |")
        L.append("| of which orphans (sockstat) | " + " | ".join(
            fmt_n(r["meta"]["census"]["load"]["sockstat"]["orphan"])
            for r in self.runs) + " |")
        L.append("| TIME_WAIT at timed runs, min–max | " + " | ".join(
            self.tw_range(r) for r in self.runs) + " |")
        L.append("| building the N connections | " + " | ".join(
            "%.0f s" % r["meta"]["build_est_s"] for r in self.runs) + " |")
        L.append("")

        L.append("## Targets (N = %s%s)" % (
            fmt_n(run["meta"]["n"]), "" if run["meta"]["n"] == TARGET_N
            else "; 250,000 was not measured in this run"))
        L.append("")
        L.append("\"Met\" judges the ratio of medians, as measured. The "
                 "last column is for understanding only: the same ratio "
                 "with the process start-up floor (the median of `sh -c "
                 "/bin/true`, %s here) subtracted from both times, i.e. "
                 "the work each command does beyond starting a process "
                 "under TCG (for the listeners-only comparison, each "
                 "phase's own floor)." % fmt_t(self.t(run, "floor")))
        L.append("")
        L.append("| Target | Ratio (medians) | Ratio (mins) | Goal | Met "
                 "| Floor subtracted |")
        L.append("|---|---:|---:|---:|---|---:|")
        fnum = {rid: (num, den) for rid, _, num, den, _, _ in RATIOS}
        for rid, desc, v, vmin, op, goal in self.targets():
            met = ok(op, goal, v)
            fl = None
            if rid == "listeners_flat":
                a, b = (self.t(run, "tcpconn_listeners"),
                        self.t(run, "tcpconn_listeners", "empty"))
                fa, fb = self.t(run, "floor"), self.t(run, "floor", "empty")
                if a and b and fa is not None and fb is not None and b > fb:
                    fl = (a - fa) / (b - fb)
            elif rid in fnum and not fnum[rid][0].startswith("walk"):
                a, b, f = (self.t(run, fnum[rid][0]), self.t(run, fnum[rid][1]),
                           self.t(run, "floor"))
                if a and b and f is not None and b > f:
                    fl = (a - f) / (b - f)
            L.append("| %s | %s | %s | %s %s | %s | %s |" % (
                cell(desc), fmt_r(v), fmt_r(vmin), "≥" if op == ">=" else "≤",
                fmt_r(goal), "–" if met is None else "yes" if met else
                "**no**", fmt_r(fl)))
            self.csv.append(self.row(run, "load", "target", rid, desc, None,
                                     v, vmin, "ratio", op, goal, met))
        L.append("")
        if run["expired"]:
            L.append("Timed runs of this boot during which a TIME_WAIT "
                     "generation expired (tens of thousands of timers "
                     "unhashing sockets while the command ran; see "
                     "bench/README.md): " + "; ".join(
                         "%s round %d, %s (TIME_WAIT %s → %s)"
                         % (LABELS.get(t, t), rep, fmt_t(sec), fmt_n(a),
                            fmt_n(b))
                         for t, rep, sec, a, b in run["expired"]) + ".")
            skip = {(t, rep) for t, rep, _, _, _ in run["expired"]}
            hit = {t for t, _ in skip}
            for rid, desc, num, den, op, goal in RATIOS:
                if op is None or not hit & {num, den}:
                    continue
                a = [x for i, x in enumerate(run["times"][("load", num)])
                     if (num, i + 1) not in skip]
                b = [x for i, x in enumerate(run["times"][("load", den)])
                     if (den, i + 1) not in skip]
                if a and b:
                    L.append("")
                    L.append("Without those runs, %s: %s (medians of %d and "
                             "%d runs), goal %s %s." % (
                                 desc, fmt_r(med(a) / med(b)), len(a),
                                 len(b), "≥" if op == ">=" else "≤",
                                 fmt_r(goal)))
            L.append("")

        L.append("## Times")
        L.append("")
        L.append("Median (min) of %d runs per boot; \"none\" is the "
                 "listeners-only phase of the N = %s boot, before any "
                 "connection exists." % (m["reps"], fmt_n(run["meta"]["n"])))
        L.append("")
        L.append("| Command | none | " + " | ".join(
            "N=" + fmt_n(n) for n in ns) + " |")
        L.append("|---|---:|" + "---:|" * len(ns))
        for tool in TOOLS:
            cells = ["%s (%s)" % (fmt_t(self.t(run, tool, "empty")),
                                  fmt_t(self.t(run, tool, "empty", min)))]
            cells += ["%s (%s)" % (fmt_t(self.t(r, tool)),
                                   fmt_t(self.t(r, tool, f=min)))
                      for r in self.runs]
            L.append("| %s | %s |" % (cell(LABELS[tool]), " | ".join(cells)))
        L.append("")
        for r in self.runs:
            for tool in TOOLS:
                for ph in ("load", "empty") if r is run else ("load",):
                    v = r["times"].get((ph, tool))
                    if v:
                        self.csv.append(self.row(
                            r, ph, "time", tool, LABELS[tool], len(v),
                            med(v), min(v), "s"))

        L.append("## Ratios at every N")
        L.append("")
        L.append("| Comparison | " + " | ".join(
            "N=" + fmt_n(n) for n in ns) + " |")
        L.append("|---|" + "---:|" * len(ns))
        for rid, desc, num, den, op, goal in RATIOS:
            vals = [self.ratio(r, num, den) for r in self.runs]
            L.append("| %s | %s |" % (cell(desc), " | ".join(map(fmt_r, vals))))
            for r, v in zip(self.runs, vals):
                self.csv.append(self.row(r, "load", "ratio", rid, desc, None,
                                         v, self.ratio(r, num, den, f=min),
                                         "ratio", op, goal, ok(op, goal, v)))
        L.append("")

        L.append("## Rows printed (same rows)")
        L.append("")
        L.append("Rows of one run of each command (lines minus its header), "
                 "and the cost per row of the row-printing commands "
                 "((median − start-up floor) / rows).")
        L.append("")
        L.append("| Command | " + " | ".join(
            "N=" + fmt_n(n) for n in ns) + " |")
        L.append("|---|" + "---:|" * len(ns))
        for tool in ("ss_tan", "tcpconn_sockets", "proc_tcp", "proc_sockets",
                     "ss_tw", "tcpconn_timewait"):
            L.append("| %s rows | %s |" % (cell(LABELS[tool]), " | ".join(
                fmt_n(self.rows_of(r, tool) or 0) for r in self.runs)))
        for tool in ("ss_tan", "tcpconn_sockets", "proc_tcp", "proc_sockets"):
            vals = [self.per_socket(r, tool) for r in self.runs]
            L.append("| %s per row | %s |" % (cell(LABELS[tool]), " | ".join(
                "%.2f µs" % (v * 1e6) if v else "–" for v in vals)))
            for r, v in zip(self.runs, vals):
                self.csv.append(self.row(r, "load", "per_row", tool,
                                         LABELS[tool], None, v, None, "s"))
        L.append("")

        L.append("## Connect/accept rate (fast-path overhead)")
        L.append("")
        L.append("`loadgen rate`: connect, accept, close with RST, one at a "
                 "time, %s per run, before the workload; runs alternate "
                 "without/with tcpconn.ko (rmmod/insmod)." %
                 ", ".join("%s (N=%s)" % (fmt_n(r["meta"].get("rate_count",
                                                               0)),
                                          fmt_n(r["meta"]["n"]))
                           for r in self.runs))
        L.append("")
        L.append("Each round is a pair of runs back to back, in "
                 "alternating order; the ratio is the median of the pairs' "
                 "ratios, with their interquartile range (the spread of the "
                 "guest's own timing noise).")
        L.append("")
        L.append("| Boot | runs | without (median) | with (median) | "
                 "with / without (pairs) | interquartile range |")
        L.append("|---|---:|---:|---:|---:|---:|")
        for r in self.runs:
            rr, on, off = self.rate_ratio(r)
            q1, q3 = quartiles(pair_ratios(r))
            L.append("| N=%s | %d+%d | %s/s | %s/s | %s | %s |" % (
                fmt_n(r["meta"]["n"]),
                len(r["rates"].get("connect_rate_unloaded", [])),
                len(r["rates"].get("connect_rate_loaded", [])),
                fmt_n(round(off or 0)), fmt_n(round(on or 0)),
                "%.3f" % rr if rr else "–",
                "%.3f–%.3f" % (q1, q3) if q1 else "–"))
            self.csv.append(self.row(r, "rate", "rate", "connect_unloaded",
                                     "connects per second without tcpconn.ko",
                                     None, off, None, "1/s"))
            self.csv.append(self.row(r, "rate", "rate", "connect_loaded",
                                     "connects per second with tcpconn.ko",
                                     None, on, None, "1/s"))
        L.append("")

        L.append("## Memory")
        L.append("")
        L.append("Growth of used memory (MemTotal − MemFree − Buffers − "
                 "Cached) while building, per socket: established sockets "
                 "include both ends' socket, file and inode; per TIME_WAIT "
                 "socket, the growth of the `tw_sock_TCP` slab (objects "
                 "and slack); slab object sizes from /proc/slabinfo.")
        L.append("")
        L.append("| | " + " | ".join("N=" + fmt_n(n) for n in ns) + " |")
        L.append("|---|" + "---:|" * len(ns))
        L.append("| per established socket | " + " | ".join(
            "%s B" % fmt_n(r["meta"]["mem_per_established_socket"])
            for r in self.runs) + " |")
        # not measured by the first version of guest.py: "–", not 0
        L.append("| per TIME_WAIT socket | " + " | ".join(
            "%s B" % fmt_n(r["meta"]["mem_per_timewait_socket"])
            if "mem_per_timewait_socket" in r["meta"] else "–"
            for r in self.runs) + " |")
        for slab in ("TCP", "tw_sock_TCP", "request_sock_TCP"):
            L.append("| slab object `%s` | %s |" % (slab, " | ".join(
                "%s B" % r["meta"]["slab_object_size"].get(slab, "–")
                for r in self.runs)))
        L.append("")
        L.append("Files: [CSV](%s.csv), [plot](%s.png); the raw results "
                 "of each boot (raw.csv, meta.json), from which `bench/"
                 "report.py` regenerates these tables, are in [raw/%s/]"
                 "(raw/%s/)." % (self.base(), self.base(), self.base(),
                                 self.base()))
        L.append("")
        L.append("![time vs N](%s.png)" % self.base())
        L.append("")
        return "\n".join(L)

    def tw_range(self, run):
        tw = run["tw"]
        return "%s–%s" % (fmt_n(min(tw)), fmt_n(max(tw))) if tw else "–"

    def base(self):
        return "%s-%s" % (self.kernel, self.date)

    def row(self, run, phase, kind, name, desc, reps, median, mn, unit,
            op=None, goal=None, met=None):
        return {"kernel": self.kernel, "kver": self.kver, "date": self.date,
                "n": run["meta"]["n"], "entries": self.sockets(run),
                "phase": phase, "kind": kind, "name": name,
                "description": desc, "reps": reps or "",
                "median": "" if median is None else "%.6g" % median,
                "min": "" if mn is None else "%.6g" % mn, "unit": unit,
                "goal": "" if op is None else "%s %s" % (op, goal),
                "met": "" if met is None else ("yes" if met else "no")}

    def plot(self, path):
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        ns = [r["meta"]["n"] for r in self.runs]
        fig, ax = plt.subplots(figsize=(10, 6.5))
        for tool in TOOLS:
            if tool.startswith("floor"):
                continue
            ys = [self.t(r, tool) for r in self.runs]
            if not any(ys):
                continue
            ours = tool.startswith(("tcpconn", "proc_summary",
                                    "proc_listeners", "proc_sockets",
                                    "walk_module"))
            ax.plot(ns, ys, marker="o" if ours else "s",
                    linestyle="-" if ours else "--",
                    label=LABELS[tool].replace("`", ""))
        fl = [self.t(r, "floor") for r in self.runs]
        ax.plot(ns, fl, color="grey", linestyle=":",
                label="start-up floor (sh -c /bin/true)")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("N established connections (plus N/5 TIME_WAIT)")
        ax.set_ylabel("median wall time, s (log)")
        ax.set_title("tcpconn vs ss, /proc, netstat: %s (%s), QEMU TCG, %s"
                     % (self.kernel, self.kver, self.date), fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7, loc="upper left", ncol=2)
        fig.tight_layout()
        fig.savefig(path, dpi=110)

    def write(self, outdir):
        os.makedirs(outdir, exist_ok=True)
        base = os.path.join(outdir, self.base())
        text = self.md()
        with open(base + ".md", "w") as f:
            f.write(text)
        with open(base + ".csv", "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(self.csv[0]))
            w.writeheader()
            w.writerows(self.csv)
        self.plot(base + ".png")
        return base


def host_cpu():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return "a host with " + line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "a host of unknown CPU"


def index(outdir):
    mds = sorted((f for f in os.listdir(outdir)
                  if f.endswith(".md") and f != "README.md"), reverse=True)
    lines = ["# Benchmark results", "",
             "Written by `make bench` (see bench/README.md); newest first.",
             ""]
    for f in mds:
        with open(os.path.join(outdir, f)) as fh:
            title = fh.readline().lstrip("# ").strip()
        lines.append("- [%s](%s)" % (title, f))
    with open(os.path.join(outdir, "README.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--results", default="bench/results")
    p.add_argument("runs", nargs="+")
    a = p.parse_args()
    runs = [load(d) for d in a.runs]
    rep = Report(runs)
    base = rep.write(a.results)
    index(a.results)
    print(base + ".md")


if __name__ == "__main__":
    main()
