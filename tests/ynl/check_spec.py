#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Host checks of Documentation/netlink/specs/tcpconn.yaml.

    scripts/ynl.sh check [-v]                       (extracts build/ynl first)
    /usr/bin/python3 tests/ynl/check_spec.py --ynl build/ynl [-v]

The spec must describe the module exactly, and the UAPI header and the
module's nla_policy tables stay hand-written (YNL's kernel code generator
cannot render this family for Linux 6.1, see Documentation/netlink.rst), so
this compares them with the spec, using the kernel's own YNL tooling from
linux-source (build/ynl):

- the spec validates against Documentation/netlink/genetlink-legacy.yaml;
- ynl-gen-c --mode uapi renders a header from the spec whose defines and
  enums (tags, members in order, values, compiled by the C compiler) equal
  include/uapi/linux/tcpconn.h;
- module/: the family (name, version, strict validation, no multicast
  groups), each command's handlers (do/dump/start/done), each command's
  request policy (attributes accepted, types, checks; also as ynl-gen-c
  renders them where it can) and the attributes each reply builder puts,
  with their types, equal the spec's;
- the requests tcpconn-stat builds are byte for byte what YNL encodes from
  the spec, and messages built as the module builds them (the client's
  replay builders) decode with the spec to the values they were built from.

One "ok - ynl: NAME" / "not ok - ynl: NAME: why" line per check, "#"
details, last "N passed, N failed"; exit 1 on a failure.
"""
import argparse
import contextlib
import importlib.util
import ipaddress
import os
import re
import shlex
import subprocess
import sys

sys.dont_write_bytecode = True

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SPEC = os.path.join(TOP, "Documentation", "netlink", "specs", "tcpconn.yaml")
HEADER = os.path.join(TOP, "include", "uapi", "linux", "tcpconn.h")
MODULE = os.path.join(TOP, "module")
OUT = os.path.join(TOP, "build", "ynl-check")
FAMILY_ID = 0x1d        # TEST_FAMILY_ID of userspace/tests/replay.h

results = []


class Fail(Exception):
    def __init__(self, msg, details=()):
        super().__init__(msg)
        self.details = list(details)


def check(name):
    """Run fn() as check NAME: ok unless it raises Fail (or anything)."""
    def reg(fn):
        try:
            notes = fn() or []
            results.append((True, name, None, notes))
        except Fail as e:
            results.append((False, name, str(e), e.details))
        except Exception as e:  # a bug here, or in the tooling: still a failure
            results.append((False, name, "%s: %s" % (type(e).__name__, e), []))
        return fn
    return reg


def expect_eq(what, want, got, details=()):
    if want != got:
        raise Fail("%s (expected %r, got %r)" % (what, want, got), details)


def run(argv, **kw):
    p = subprocess.run(argv, capture_output=True, text=True, **kw)
    if p.returncode:
        raise Fail("%s failed (exit %d)" % (shlex.join(argv), p.returncode),
                   (p.stderr + p.stdout).splitlines()[-15:])
    return p.stdout


def c_upper(name):
    return name.upper().replace("-", "_")


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


# --------------------------------------------------------------------------
# C headers: enums and defines, values from the compiler

def header_enums(text):
    """{tag: [member, ...]} in order, and the TCPCONN_* #define names."""
    body = strip_comments(text)
    enums = {}
    for m in re.finditer(r"\benum\s+(\w+)\s*\{(.*?)\}\s*;", body, re.S):
        names = []
        for item in m.group(2).split(","):
            item = item.strip()
            if item:
                names.append(re.match(r"(\w+)", item).group(1))
        enums[m.group(1)] = names
    defines = re.findall(r"^\s*#\s*define\s+(TCPCONN_\w+)\s", body, re.M)
    return enums, defines


def header_values(path, names, strings, tag):
    """Compile a program that includes path and prints each name's value."""
    os.makedirs(OUT, exist_ok=True)
    src = os.path.join(OUT, "values-%s.c" % tag)
    exe = os.path.join(OUT, "values-%s" % tag)
    with open(src, "w") as f:
        f.write("#include <stdio.h>\n#include \"%s\"\nint main(void)\n{\n" % path)
        for n in names:
            f.write('\tprintf("%%s %%lld\\n", "%s", (long long)(%s));\n' % (n, n))
        for n in strings:
            f.write('\tprintf("%%s \\"%%s\\"\\n", "%s", %s);\n' % (n, n))
        f.write("\treturn 0;\n}\n")
    run(["cc", "-std=c11", "-Wall", "-Werror", "-o", exe, src])
    out = {}
    for line in run([exe]).splitlines():
        k, v = line.split(" ", 1)
        out[k] = v
    return out


# --------------------------------------------------------------------------
# module/ sources: policies, ops, the family, reply builders

def module_sources():
    text = {}
    for fn in sorted(os.listdir(MODULE)):
        if fn.endswith(".c"):
            with open(os.path.join(MODULE, fn)) as f:
                text[fn] = strip_comments(f.read())
    return text


def struct_fields(body):
    """'.a = x, .b = y' -> {a: x, b: y}."""
    return {m.group(1): m.group(2).strip()
            for m in re.finditer(r"\.(\w+)\s*=\s*([^,]+?)\s*(?:,|$)", body)}


def find_policy(srcs, name):
    for fn, text in srcs.items():
        m = re.search(r"nla_policy\s+%s\s*\[([^\]]*)\]\s*=\s*\{(.*?)\n\}\s*;"
                      % re.escape(name), text, re.S)
        if m:
            return fn, m.group(1).strip(), m.group(2)
    raise Fail("policy %s not found in module/*.c" % name)


def policy_entries(body):
    """{ATTR: policy expression} of an nla_policy initializer."""
    out = {}
    for m in re.finditer(r"\[(\w+)\]\s*=\s*(\{[^}]*\}|NLA_POLICY_\w+\s*\([^)]*\))",
                         body):
        out[m.group(1)] = " ".join(m.group(2).split())
    rest = re.sub(r"\[(\w+)\]\s*=\s*(\{[^}]*\}|NLA_POLICY_\w+\s*\([^)]*\))",
                  "", body)
    if rest.replace(",", "").strip():
        raise Fail("cannot read policy entries %r" % rest.strip())
    return out


def canon_policy(expr, consts):
    """A policy expression as (type, {check: value}), the way the kernel's
    validate_nla() sees it: for NLA_BINARY .len is the maximum length, for
    NLA_UNSPEC the minimum."""
    def num(x):
        x = x.strip()
        return int(consts.get(x, x), 0)
    m = re.fullmatch(r"NLA_POLICY_(\w+)\s*\((.*)\)", expr)
    if m:
        kind, args = m.group(1), [a.strip() for a in m.group(2).split(",")]
        if kind == "MIN":
            return args[0], {"min": num(args[1])}
        if kind == "MAX":
            return args[0], {"max": num(args[1])}
        if kind == "RANGE":
            return args[0], {"min": num(args[1]), "max": num(args[2])}
        if kind == "MIN_LEN":
            return "NLA_BINARY", {"min-len": num(args[0])}
        if kind == "MAX_LEN":
            return "NLA_BINARY", {"max-len": num(args[0])}
        if kind == "EXACT_LEN":
            return "NLA_BINARY", {"min-len": num(args[0]), "max-len": num(args[0])}
        raise Fail("policy form %s not understood by this check" % expr)
    m = re.fullmatch(r"\{(.*)\}", expr)
    if not m:
        raise Fail("policy form %s not understood by this check" % expr)
    f = struct_fields(m.group(1))
    ty = f.pop("type", "NLA_UNSPEC")
    checks = {}
    if "len" in f:
        n = num(f.pop("len"))
        if ty == "NLA_BINARY":
            checks["max-len"] = n
        elif ty == "NLA_UNSPEC":
            checks["min-len"] = n
        else:
            raise Fail("policy %s: .len on %s not understood by this check"
                       % (expr, ty))
    if f:
        raise Fail("policy %s: fields %s not understood by this check"
                   % (expr, sorted(f)))
    return ty, checks


NLA_TYPE = {"u8": "NLA_U8", "u16": "NLA_U16", "u32": "NLA_U32",
            "u64": "NLA_U64", "s32": "NLA_S32", "s64": "NLA_S64",
            "flag": "NLA_FLAG", "binary": "NLA_BINARY"}


def spec_policy(attr):
    """What the spec says the kernel accepts for a request attribute."""
    ty = attr.yaml["type"]
    if ty not in NLA_TYPE:
        raise Fail("attribute %s: type %s not handled by this check"
                   % (attr.name, ty))
    checks = dict(attr.yaml.get("checks", {}))
    if "exact-len" in checks:
        n = checks.pop("exact-len")
        checks["min-len"] = checks["max-len"] = n
    if attr.yaml.get("enum") or attr.yaml.get("enum-as-flags"):
        # ynl-gen-c turns an enum into a range/mask check: the module
        # checks these by hand, so the spec must not claim them
        raise Fail("request attribute %s has an enum: the kernel policy "
                   "would check its range, the module's does not" % attr.name)
    for k, v in checks.items():
        if not isinstance(v, int):
            raise Fail("attribute %s: check %s=%r not handled by this check"
                       % (attr.name, k, v))
    return NLA_TYPE[ty], checks


# --------------------------------------------------------------------------

def load_ynl(root):
    tools = os.path.join(root, "tools", "net", "ynl")
    for d in (tools, os.path.join(tools, "pyynl")):
        if os.path.isdir(os.path.join(d, "lib")):
            sys.path.insert(0, d)
            break
    else:
        raise SystemExit("check_spec: no YNL library under %s "
                         "(run scripts/ynl.sh first)" % tools)
    import lib  # noqa: E402  (tools/net/ynl/lib, from linux-source)
    import lib.ynl
    return lib, lib.ynl


def load_gen(root):
    tools = os.path.join(root, "tools", "net", "ynl")
    for p in (os.path.join(tools, "ynl-gen-c.py"),
              os.path.join(tools, "pyynl", "ynl_gen_c.py")):
        if os.path.isfile(p):
            spec = importlib.util.spec_from_file_location("ynl_gen_c", p)
            mod = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(mod)
            return p, mod
    raise SystemExit("check_spec: no ynl-gen-c under %s" % tools)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ynl", default=os.path.join(TOP, "build", "ynl"),
                    help="the extracted YNL tree (scripts/ynl.sh dir)")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    root = os.path.abspath(args.ynl)
    schema = os.path.join(root, "Documentation", "netlink", "genetlink-legacy.yaml")
    tree_spec = os.path.join(root, "Documentation", "netlink", "specs", "tcpconn.yaml")
    if not os.path.isfile(schema):
        print("not ok - ynl: tooling: %s missing (run scripts/ynl.sh)" % schema)
        print("0 passed, 1 failed")
        return 1
    # ynl-gen-c takes the schema from the spec's place in a kernel tree
    if not os.path.islink(tree_spec) or os.readlink(tree_spec) != SPEC:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tree_spec)
        os.symlink(SPEC, tree_spec)
    os.makedirs(OUT, exist_ok=True)

    lib, ynl = load_ynl(root)
    gen_path, gen = load_gen(root)
    st = {}
    vals = {}

    @check("spec validates against genetlink-legacy.yaml (jsonschema)")
    def _():
        st["spec"] = lib.SpecFamily(SPEC, schema)
        fam = st["spec"]
        expect_eq("protocol", "genetlink-legacy", fam.proto)
        expect_eq("kernel-policy", "per-op", fam.yaml.get("kernel-policy"))

    spec = st.get("spec")
    if spec is None:
        return report(args.verbose)

    @check("spec: enum 'state' and attribute set 'state-counts' agree")
    def _():
        enum = {e.value: e.name for e in spec.consts["state"].entries.values()}
        aset = {a.value: a.name for a in spec.attr_sets["state-counts"].attrs.values()}
        expect_eq("state values and names", enum, aset)

    # ---- UAPI header ----------------------------------------------------
    gen_h = os.path.join(OUT, "tcpconn-from-spec.h")

    @check("ynl-gen-c renders the UAPI header from the spec")
    def _():
        run([sys.executable, gen_path, "--mode", "uapi", "--header",
             "--spec", tree_spec, "-o", gen_h])
        return ["written to %s" % os.path.relpath(gen_h, TOP)]

    if os.path.isfile(gen_h):
        with open(HEADER) as f:
            ours_e, ours_d = header_enums(f.read())
        with open(gen_h) as f:
            gen_e, gen_d = header_enums(f.read())

        @check("uapi: header and spec define the same enums and TCPCONN_* macros")
        def _():
            expect_eq("enum tags", sorted(gen_e), sorted(ours_e))
            expect_eq("#defines", sorted(gen_d), sorted(ours_d))

        @check("uapi: header and spec values compile to the same numbers")
        def _():
            strings = ["TCPCONN_GENL_NAME"]
            for tag, path, enums, defines in (("ours", HEADER, ours_e, ours_d),
                                              ("spec", gen_h, gen_e, gen_d)):
                names = [n for m in enums.values() for n in m] + \
                        [d for d in defines if d not in strings]
                vals[tag] = header_values(path, names, strings, tag)
            diff = ["%s: header %s, spec %s" % (k, vals["ours"].get(k),
                                                vals["spec"].get(k))
                    for k in sorted(set(vals["ours"]) | set(vals["spec"]))
                    if vals["ours"].get(k) != vals["spec"].get(k)]
            if diff:
                raise Fail("%d constants differ" % len(diff), diff)
            return ["%d constants" % len(vals["ours"])]

        for tag in sorted(set(ours_e) | set(gen_e)):
            @check("uapi: enum %s: same members in the same order" % tag)
            def _(tag=tag):
                g, o = gen_e.get(tag), ours_e.get(tag)
                if g is None or o is None:
                    raise Fail("only in the %s" % ("header" if g is None else "spec"))
                if g != o:
                    i = next((i for i, (a, b) in enumerate(zip(g, o)) if a != b),
                             min(len(g), len(o)))
                    raise Fail("member %d: header %s, spec %s"
                               % (i, o[i] if i < len(o) else "(end)",
                                  g[i] if i < len(g) else "(end)"),
                               ["header: " + " ".join(o), "spec:   " + " ".join(g)])

        consts = {k: v for k, v in vals.get("ours", {}).items()
                  if not v.startswith('"')}
    else:
        consts = {}

    # ---- module: family, ops, policies ---------------------------------
    srcs = module_sources()
    ops = {}

    @check("module: family name, version, strict validation, no multicast groups")
    def _():
        text = srcs["netlink.c"]
        m = re.search(r"struct genl_family\s+tcpconn_genl_family[^=]*=\s*\{(.*?)\}\s*;",
                      text, re.S)
        if not m:
            raise Fail("struct genl_family tcpconn_genl_family not found in netlink.c")
        f = struct_fields(m.group(1))
        expect_eq(".name", c_upper(spec.yaml["c-family-name"]), f.get("name"))
        expect_eq(".version", c_upper(spec.yaml["c-version-name"]), f.get("version"))
        expect_eq("TCPCONN_GENL_NAME", '"%s"' % spec.name,
                  vals.get("ours", {}).get("TCPCONN_GENL_NAME"))
        expect_eq("TCPCONN_GENL_VERSION", str(spec.yaml.get("version", 1)),
                  consts.get("TCPCONN_GENL_VERSION"))
        # resv_start_op = 0: every command strictly validated, which is
        # what a spec without dont-validate means
        expect_eq(".resv_start_op (strict validation of every command)", "0",
                  f.get("resv_start_op"))
        for op in spec.ops.values():
            expect_eq("dont-validate of %s" % op.name, None, op.yaml.get("dont-validate"))
        expect_eq("multicast groups (.mcgrps / spec mcast-groups)",
                  bool(spec.yaml.get("mcast-groups")), "mcgrps" in f)

    @check("module: genl_ops are the spec's operations")
    def _():
        text = srcs["netlink.c"]
        m = re.search(r"struct genl_ops\s+tcpconn_genl_ops\[\]\s*=\s*\{(.*?)\n\}\s*;",
                      text, re.S)
        if not m:
            raise Fail("struct genl_ops tcpconn_genl_ops[] not found in netlink.c")
        for body in re.findall(r"\{([^{}]*)\}", m.group(1)):
            f = struct_fields(body)
            ops[f["cmd"]] = f
        want = sorted(c_upper("tcpconn-cmd-" + o.name) for o in spec.ops.values())
        expect_eq("commands", want, sorted(ops))

    for op in spec.ops.values():
        enum = c_upper("tcpconn-cmd-" + op.name)

        @check("module: %s: handlers and flags" % op.name)
        def _(op=op, enum=enum):
            f = ops.get(enum)
            if f is None:
                raise Fail("%s is not in tcpconn_genl_ops[]" % enum)
            expect_eq(".doit present (spec do)", "do" in op.yaml, "doit" in f)
            expect_eq(".dumpit present (spec dump)", "dump" in op.yaml, "dumpit" in f)
            for mode, hooks in (("do", ("pre_doit", "post_doit")),
                                ("dump", ("start", "done"))):
                sub = op.yaml.get(mode, {})
                for key, member in zip(("pre", "post"), hooks):
                    want = sub.get(key)
                    expect_eq(".%s (spec %s %s)" % (member, mode, key),
                              want and want.replace("-", "_"), f.get(member))
            flags = ["GENL_" + c_upper(x) for x in op.yaml.get("flags", [])]
            got = [x.strip() for x in f.get("flags", "").split("|") if x.strip()]
            expect_eq(".flags (spec flags)", sorted(flags), sorted(got))

        @check("module: %s: request policy" % op.name)
        def _(op=op, enum=enum):
            f = ops.get(enum)
            if f is None:
                raise Fail("%s is not in tcpconn_genl_ops[]" % enum)
            mode = "do" if "do" in op.yaml else "dump"
            req = op.yaml[mode].get("request", {}).get("attributes", [])
            aset = op.attr_set
            if "policy" not in f:
                raise Fail(".policy missing: without one genetlink ignores "
                           "every attribute; the spec's request is %s" % req)
            fn, size, body = find_policy(srcs, f["policy"])
            entries = policy_entries(body)
            maxattr = int(consts[f["maxattr"]])
            accepted = {}
            for name, expr in entries.items():
                ty, checks = canon_policy(expr, consts)
                if int(consts[name]) > maxattr:
                    continue        # beyond .maxattr: rejected anyway
                if ty == "NLA_UNSPEC" and not checks:
                    continue        # strict validation: "Unsupported attribute"
                accepted[name] = (ty, checks)
            want = {}
            for a in req:
                attr = aset[a]
                want[c_upper(aset.yaml.get("name-prefix", "") + a)] = spec_policy(attr)
            if accepted != want:
                det = ["module %s %s: %s" % (fn, f["policy"], sorted(accepted.items())),
                       "spec: %s" % sorted(want.items())]
                raise Fail("accepted attributes differ", det)
            hi = max([int(consts[n]) for n in want] or [0])
            if hi > maxattr:
                raise Fail(".maxattr %s (%d) below attribute %d"
                           % (f["maxattr"], maxattr, hi))
            notes = ["%s: %s, .maxattr %s" % (f["policy"], sorted(want.items()) or
                                              "no attribute accepted", f["maxattr"])]
            return notes

        @check("module: %s: policy as ynl-gen-c renders it" % op.name)
        def _(op=op, enum=enum):
            f = ops.get(enum)
            mode = "do" if "do" in op.yaml else "dump"
            req = op.yaml[mode].get("request", {}).get("attributes", [])
            fam = st.get("gen_family")
            if fam is None:
                fam = st["gen_family"] = gen.Family(tree_spec, [])
            _, _, body = find_policy(srcs, f["policy"])
            entries = policy_entries(body)
            notes = []
            for a in req:
                attr = fam.attr_sets[op.attr_set.name][a]
                path = os.path.join(OUT, "policy-entry.c")
                cw = gen.CodeWriter(gen.BaseNlLib(), path)
                try:
                    attr.attr_policy(cw)
                except Exception as e:
                    notes.append("%s: ynl-gen-c (%s) cannot render it: %s; "
                                 "compared with the spec's meaning only"
                                 % (attr.enum_name, os.path.basename(gen_path), e))
                    continue
                finally:
                    cw.close_out_file()
                with open(path) as fh:
                    text = fh.read()
                m = re.fullmatch(r"\s*\[(\w+)\] = (.*),\s*", text, re.S)
                if not m:
                    raise Fail("cannot read ynl-gen-c output %r" % text)
                gen_c = canon_policy(" ".join(m.group(2).split()), consts)
                mod_c = canon_policy(entries.get(m.group(1), "{ }"), consts)
                expect_eq("%s: module %s vs ynl-gen-c %s"
                          % (m.group(1), entries.get(m.group(1)), m.group(2)),
                          gen_c, mod_c)
            return notes

    # ---- module: what the replies carry --------------------------------
    put_re = re.compile(r"\b(nla_put(?:_u8|_u16|_u32|_u64_64bit|_flag)?|\w+)"
                        r"\(\s*skb\s*,\s*(TCPCONN_A_\w+)\s*(?:,([^;]*?))?\)"
                        r"\s*(?:\|\||;|\))")
    put_type = {"nla_put_u8": "u8", "nla_put_u16": "u16", "nla_put_u32": "u32",
                "nla_put_u64_64bit": "u64", "nla_put_flag": "flag",
                "nla_put": "binary"}
    alltext = "\n".join(srcs.values())

    def helper_nest(fname, call_args):
        """A helper that puts a nest of keys 1..MAX: (put type, MAX, padattr)."""
        m = re.search(r"\b%s\s*\(([^)]*)\)\s*\{(.*?)\n\}" % fname, alltext, re.S)
        if not m:
            raise Fail("cannot find helper %s()" % fname)
        params = [p.split()[-1].lstrip("*") for p in m.group(1).split(",")]
        body = m.group(2)
        if "nla_nest_start" not in body:
            raise Fail("helper %s() puts no nest" % fname)
        lm = re.search(r"for\s*\(\s*i\s*=\s*1\s*;\s*i\s*<=\s*(\w+)\s*;", body)
        pm = re.search(r"(nla_put_u32|nla_put_u64_64bit)\(\s*skb\s*,\s*i\s*,"
                       r"([^;]*?)\)\s*\)", body)
        if not lm or not pm:
            raise Fail("helper %s(): no 'for (i = 1; i <= MAX; ...) nla_put_*(skb, i, ...)'"
                       % fname)
        bound = lm.group(1)
        if bound in params:
            bound = call_args[params.index(bound)].strip()
        pad = None
        if pm.group(1) == "nla_put_u64_64bit":
            pad = pm.group(2).split(",")[-1].strip()
        return put_type[pm.group(1)], bound, pad

    for op in spec.ops.values():
        aset = op.attr_set
        prefix = c_upper(aset.yaml["name-prefix"])

        @check("module: %s: reply attributes and types" % op.name)
        def _(op=op, aset=aset, prefix=prefix):
            mode = "do" if "do" in op.yaml else "dump"
            reply = op.yaml[mode]["reply"]["attributes"]
            pad = [a.name for a in aset.attrs.values() if a.type == "pad"]
            puts = {}
            for m in put_re.finditer(alltext):
                fn, attr, rest = m.group(1), m.group(2), m.group(3) or ""
                if not attr.startswith(prefix):
                    continue
                if fn in put_type:
                    ty = put_type[fn]
                    if ty == "u64":
                        padattr = rest.split(",")[-1].strip()
                        expect_eq("%s padattr" % attr,
                                  [prefix + c_upper(p) for p in pad], [padattr])
                    puts.setdefault(attr, set()).add((ty, None))
                else:
                    nested = helper_nest(fn, [s.strip() for s in
                                              ("skb, %s, %s" % (attr, rest)).split(",")])
                    puts.setdefault(attr, set()).add(("nest", nested))
            want = {}
            for a in reply:
                attr = aset[a]
                want[prefix + c_upper(a)] = attr
            expect_eq("attributes the module puts", sorted(want), sorted(puts))
            notes = []
            for name, attr in want.items():
                got = puts[name]
                if len(got) != 1:
                    raise Fail("%s put with several types %s" % (name, got))
                (ty, nested), = got
                expect_eq("%s type" % name, attr.type, ty)
                if ty != "nest":
                    continue
                sub = spec.attr_sets[attr.yaml["nested-attributes"]]
                sty, bound, padattr = nested
                keys = [a for a in sub.attrs.values() if a.value != 0]
                expect_eq("%s: keys 1..%s" % (name, bound),
                          list(range(1, int(consts[bound]) + 1)),
                          [a.value for a in keys])
                expect_eq("%s: key types" % name, {sty}, {a.type for a in keys})
                zero = sub.attrs_by_val.get(0)
                expect_eq("%s: type 0 inside the nest" % name,
                          "pad" if padattr == "0" else "unused",
                          zero.type if zero else None)
                notes.append("%s: nest of %s, %s keys 1..%s"
                             % (name, sub.name, sty, bound))
            return notes

    # ---- wire: client requests and replayed replies ---------------------
    wire = os.path.join(OUT, "wire")

    @check("wire: build tests/ynl/wire.c with the client's sources")
    def _():
        cflags = ["-std=c11", "-Wall", "-Wextra", "-Werror", "-D_GNU_SOURCE",
                  "-I" + os.path.join(TOP, "include", "uapi"),
                  "-I" + os.path.join(TOP, "userspace"),
                  "-I" + os.path.join(TOP, "userspace", "tests")] + \
            run(["pkg-config", "--cflags", "libmnl", "json-c"]).split()
        libs = run(["pkg-config", "--libs", "libmnl", "json-c"]).split()
        us = os.path.join(TOP, "userspace")
        main_o = os.path.join(OUT, "main-under-test.o")
        # main.c for its helpers (parse_uint...), main() renamed as the
        # client's own tests do
        run(["cc"] + cflags + ['-DTCPCONN_STAT_VERSION="ynl-check"',
                               "-Dmain=tcpconn_stat_main", "-c", "-o", main_o,
                               os.path.join(us, "main.c")])
        srcs_c = sorted(os.path.join(us, f) for f in os.listdir(us)
                        if f.endswith(".c") and f != "main.c")
        run(["cc"] + cflags + ["-o", wire, os.path.join(TOP, "tests", "ynl", "wire.c")] +
            srcs_c + [os.path.join(us, "tests", "replay.c"), main_o] + libs)

    lines = []
    if os.path.isfile(wire) and results[-1][0]:
        lines = run([wire]).splitlines()

    ynl.genl_family_name_to_id = {"tcpconn": {"id": FAMILY_ID, "name": "tcpconn",
                                              "mcast": {}}}
    yf = None
    if lines:
        # no kernel family needed: the id above stands in for the resolver
        yf = ynl.YnlFamily(SPEC, schema, process_unknown=True)

    REQ = {
        "listeners-all": ("listeners-get", {}),
        "listeners-v4": ("listeners-get", {"family": 2}),
        "listeners-v6-port": ("listeners-get", {"family": 10, "port": 443}),
        "summary": ("summary-get", {}),
        "sockets-all": ("sockets-get", {}),
        "sockets-filters-v4": ("sockets-get", {
            "states": (1 << 1) | (1 << 12), "family": 2,
            "src-addr": bytes([10, 0, 0, 0]), "src-prefixlen": 8,
            "dst-addr": bytes([192, 0, 2, 1]),
            "src-port": 22, "dst-port": 40000, "uid": 1000, "orphan": True}),
        "sockets-v6-prefix": ("sockets-get", {
            "family": 10,
            "dst-addr": ipaddress.ip_address("2001:db8::").packed,
            "dst-prefixlen": 32}),
    }
    seen = set()
    for line in lines:
        kind, name, hexmsg = line.split()[:3]
        raw = bytes.fromhex(hexmsg)
        if kind == "req":
            seen.add(name)

            @check("wire: request %s: client bytes = YNL encoding from the spec" % name)
            def _(name=name, raw=raw):
                if name not in REQ:
                    raise Fail("no YNL twin for client request %s" % name)
                opname, attrs = REQ[name]
                op = yf.ops[opname]
                flags = [ynl.Netlink.NLM_F_DUMP] if "dump" in op.yaml else []
                seq = int.from_bytes(raw[8:12], sys.byteorder)
                enc = yf._encode_message(op, dict(attrs), flags, seq)
                cflags = int.from_bytes(raw[6:8], sys.byteorder)
                yflags = int.from_bytes(enc[6:8], sys.byteorder)
                expect_eq("nlmsg_type (family id)", raw[4:6], enc[4:6])
                # YNL asks for an ACK on every request; the client on do only
                expect_eq("nlmsg_flags but NLM_F_ACK", cflags & ~4, yflags & ~4)
                expect_eq("genl header and attributes (hex)", enc[16:].hex(),
                          raw[16:].hex())
                return ["%d bytes, flags client %#x YNL %#x" % (len(raw), cflags, yflags)]
        elif kind == "rsp":
            values = dict(kv.split("=", 1) for kv in
                          line.split()[3].strip(",").split(","))

            @check("wire: reply %s decodes with the spec to its values" % name)
            def _(raw=raw, values=values):
                nms = ynl.NlMsgs(raw)
                msg = list(nms)[0]
                dec = yf.nlproto.decode(yf, msg, None)
                op = yf.rsp_by_value[dec.cmd()]
                got = yf._decode(dec.raw_attrs, op.attr_set.name)
                unknown = [k for k in got if str(k).startswith("UnknownAttr")]
                if unknown:
                    raise Fail("attributes not in the spec: %s" % unknown)
                got.pop("pad", None)   # replay puts one; YNL 6.12 has no decoder
                want = {}
                for k, v in values.items():
                    keys = k.split(".")
                    attr = op.attr_set.attrs_by_val[int(keys[0])]
                    if len(keys) == 2:
                        sub = yf.attr_sets[attr.yaml["nested-attributes"]]
                        want.setdefault(attr.name, {})[
                            sub.attrs_by_val[int(keys[1])].name] = int(v)
                        continue
                    if attr.type == "flag":
                        if v == "1":
                            want[attr.name] = True
                    elif attr.type == "binary":
                        want[attr.name] = str(ipaddress.ip_address(bytes.fromhex(v)))
                    elif "enum" in attr.yaml:
                        want[attr.name] = yf.consts[attr.yaml["enum"]] \
                            .entries_by_val[int(v)].name
                    else:
                        want[attr.name] = int(v)
                if got != want:
                    det = ["%s: YNL %r, built from %r" % (k, got.get(k), want.get(k))
                           for k in sorted(set(got) | set(want))
                           if got.get(k) != want.get(k)]
                    raise Fail("decoded values differ", det)

    if lines:
        @check("wire: a YNL twin for every client request")
        def _():
            expect_eq("requests", sorted(REQ), sorted(seen))

    return report(args.verbose)


def report(verbose):
    passed = failed = 0
    for ok, name, why, notes in results:
        if ok:
            passed += 1
            print("ok - ynl: %s" % name)
            if verbose:
                for n in notes:
                    print("#   %s" % n)
        else:
            failed += 1
            print("not ok - ynl: %s: %s" % (name, why))
            for n in notes:
                print("#   %s" % n)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
