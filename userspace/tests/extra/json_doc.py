#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Documentation/json.rst against the client's real -j output.

    json_doc.py RST CANNED_TOOL

Reads every table that follows a ".. json-schema: NAME" comment in RST,
expands the placeholders (<state>, ...) and "listener object" references
into key paths with their JSON types, and compares them with the paths
and types of the JSON that CANNED_TOOL prints for that view on canned data
(several variants per view, so optional and null values are seen too).
Prints "ok - ..." / "not ok - ..." lines; exit status 1 on any failure.
"""
import json
import re
import subprocess
import sys

TYPES = {"string", "integer", "number", "boolean", "object", "array", "null"}

# schema table -> canned-tool variants whose union it must describe
VIEWS = {
    "listeners": ["listeners"],
    "summary": ["summary", "summary-watch", "summary-sparse"],
    "sockets": ["sockets", "sockets-p"],
    "remotes": ["remotes"],
    "ports": ["ports", "ports-unreserved"],
    "limits": ["limits", "limits-sparse"],
}
HELPERS = {"placeholders", "listener"}

failed = 0


def report(ok, what, details=()):
    global failed
    print("%s - %s" % ("ok" if ok else "not ok", what))
    if not ok:
        failed += 1
        for d in list(details)[:20]:
            print("#   %s" % d)


def read_tables(path):
    """NAME -> [(line number, [cells])]; problems -> list of strings."""
    lines = open(path, encoding="utf-8").read().split("\n")
    tables, problems = {}, []
    i = 0
    while i < len(lines):
        m = re.match(r"\.\. json-schema: (\S+)\s*$", lines[i])
        if not m:
            i += 1
            continue
        name = m.group(1)
        j = i + 1
        while j < len(lines) and not lines[j].startswith("="):
            if lines[j].strip():
                problems.append("%s:%d: text between the json-schema comment and its table"
                                % (path, j + 1))
            j += 1
        if j + 2 >= len(lines):
            problems.append("%s:%d: no table after json-schema %s" % (path, i + 1, name))
            break
        border = lines[j]
        cols = [(m2.start(), m2.end()) for m2 in re.finditer(r"=+", border)]
        if lines[j + 2] != border:
            problems.append("%s:%d: header of %s not followed by its border"
                            % (path, j + 3, name))
        rows, k = [], j + 3
        while k < len(lines) and lines[k] != border:
            line = lines[k]
            if not line.strip():
                problems.append("%s:%d: blank line inside table %s" % (path, k + 1, name))
            # rst simple tables: the gaps between columns must stay blank
            for (a, b), (c, d) in zip(cols, cols[1:]):
                if line[b:c].strip():
                    problems.append("%s:%d: text in the gap between columns of %s: %r"
                                    % (path, k + 1, name, line))
            cells = []
            for n, (a, b) in enumerate(cols):
                end = cols[n + 1][0] if n + 1 < len(cols) else len(line)
                cells.append(line[a:end].strip())
            rows.append((k + 1, cells))
            k += 1
        if k >= len(lines):
            problems.append("%s:%d: table %s is not closed" % (path, j + 1, name))
        if name in tables:
            problems.append("%s:%d: json-schema %s twice" % (path, i + 1, name))
        tables[name] = rows
        i = k + 1
    return tables, problems


def literal(cell):
    m = re.fullmatch(r"``([^`]+)``", cell)
    return m.group(1) if m else None


def doc_paths(tables, name, placeholders, prefix=""):
    """{path: set of types} the table NAME documents, expanded."""
    out, problems = {}, []
    for lineno, cells in tables[name]:
        if not cells[0]:
            continue                # a continuation line of the meaning
        key = literal(cells[0])
        if key is None:
            problems.append("line %d: key %r is not a ``literal``" % (lineno, cells[0]))
            continue
        types, ref = set(), None
        for t in cells[1].split(" or "):
            if t == "listener object":
                ref = "listener"
                types.add("object")
            elif t in TYPES:
                types.add(t)
            else:
                problems.append("line %d: unknown type %r" % (lineno, t))
        keys = [key]
        for ph, values in placeholders.items():
            if ph in key:
                keys = [k.replace(ph, v) for k in keys for v in values]
        if "<" in "".join(keys):
            problems.append("line %d: unknown placeholder in %s" % (lineno, key))
        for k in keys:
            path = prefix + k
            if path in out:
                problems.append("line %d: %s documented twice" % (lineno, path))
            out[path] = types
            if ref:
                sub, p = doc_paths(tables, ref, placeholders, path + ".")
                out.update(sub)
                problems += p
    return out, problems


def code_paths(doc, prefix, out):
    """{path: set of JSON types} of a parsed document."""
    t = {dict: "object", list: "array", str: "string", bool: "boolean",
         int: "integer", float: "number", type(None): "null"}[type(doc)]
    if prefix:
        out.setdefault(prefix, set()).add(t)
    if isinstance(doc, dict):
        for k, v in doc.items():
            code_paths(v, prefix + ("." if prefix else "") + k, out)
    elif isinstance(doc, list):
        for v in doc:
            code_paths(v, prefix + "[]", out)
    return out


def main():
    rst, tool = sys.argv[1], sys.argv[2]
    tables, problems = read_tables(rst)
    report(not problems, "json.rst: schema tables well formed", problems)
    want = set(VIEWS) | HELPERS
    report(set(tables) == want, "json.rst: one json-schema table per view",
           ["missing: %s" % sorted(want - set(tables)),
            "unknown: %s" % sorted(set(tables) - want)])
    if not HELPERS <= set(tables):
        return 1
    placeholders = {}
    for lineno, cells in tables["placeholders"]:
        if cells[0]:
            placeholders[literal(cells[0])] = re.findall(r"``([^`]+)``", cells[1])

    for view, variants in VIEWS.items():
        if view not in tables:
            continue
        doc, probs = doc_paths(tables, view, placeholders)
        code = {}
        for v in variants:
            p = subprocess.run([tool, "json", v], capture_output=True, text=True)
            if p.returncode:
                probs.append("%s json %s: exit %d: %s" % (tool, v, p.returncode,
                                                          p.stderr.strip()))
                continue
            try:
                code_paths(json.loads(p.stdout), "", code)
            except json.JSONDecodeError as e:
                probs.append("%s json %s: not one JSON document: %s" % (tool, v, e))
        for path in sorted(set(code) - set(doc)):
            probs.append("in the output, not documented: %s (%s)"
                         % (path, " or ".join(sorted(code[path]))))
        for path in sorted(set(doc) - set(code)):
            probs.append("documented, not in the output: %s" % path)
        for path in sorted(set(doc) & set(code)):
            if code[path] - doc[path]:
                probs.append("%s: output has %s, documented %s"
                             % (path, " or ".join(sorted(code[path])),
                                " or ".join(sorted(doc[path]))))
        report(not probs, "json.rst: --%s -j keys and types = the output (%d keys)"
               % (view, len(doc)), probs)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
