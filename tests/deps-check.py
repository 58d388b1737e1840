#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Layering of the source files, as TAP (run by .ci/run after a build).

Two graphs between the project's C files, and neither may have a cycle:
  - calls: file A -> file B when A's object uses a symbol that B's object defines
    (from `nm` of the built objects of librtr, librunner, libpull and the two mains);
  - includes: A.h -> B.h for each #include "B.h" (a .c file is never included, so only
    headers can form a ring: a header that needs itself to compile).
A cycle means two files call or include each other, directly or round a ring: the
layering DESIGN.md asks for (parser below appliers, cgroup-fs below limits below
orchestration, name tables as leaves) is gone.

Usage: tests/deps-check.py BUILDDIR
"""
import os
import re
import subprocess
import sys

src = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
build = sys.argv[1] if len(sys.argv) > 1 else os.path.join(src, "build")

n = 0
failed = 0


def ok(cond, desc, diag=()):
    global n, failed
    n += 1
    if not cond:
        failed += 1
    print(("ok" if cond else "not ok") + f" {n} - {desc}")
    for d in diag:
        print(f"# {d}")


def node(path):
    """runner/lib/util.c and runner/lib/util.h are one node: runner/lib/util."""
    return re.sub(r"\.[ch]$", "", path)


def cycles(graph):
    """Strongly connected components with more than one node (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in list(graph):
        if v not in index:
            visit(v)
    return out


# ---- calls, from the objects ------------------------------------------------------------
objs = {}
for d in ("librtr.a.p", "librunner.a.p", "rtr-run.p", "pull/libpull.a.p", "pull/rtr-pull.p"):
    p = os.path.join(build, d)
    if not os.path.isdir(p):
        continue
    for f in os.listdir(p):
        if not f.endswith(".c.o"):
            continue
        name = f[: -len(".c.o")]
        # meson flattens runner/lib/util.c of a top-level target into runner_lib_util
        if d.startswith("pull/"):
            srcpath = "pull/" + name
        else:
            srcpath = name.replace("runner_lib_", "runner/lib/").replace("runner_", "runner/")
        objs[node(srcpath)] = os.path.join(p, f)

if not objs:
    print("1..0 # SKIP no objects under " + build)
    sys.exit(0)

defined, used = {}, {}
for mod, o in objs.items():
    out = subprocess.run(["nm", o], capture_output=True, text=True, check=True).stdout
    used[mod] = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "U":
            used[mod].add(parts[1])
        elif len(parts) == 3 and parts[1] in "TDBR":
            defined.setdefault(parts[2], mod)
calls = {m: {defined[s] for s in used[m] if s in defined and defined[s] != m} for m in objs}
cc = cycles(calls)
ok(not cc, f"no call cycles between the {len(objs)} object files",
   [" <-> ".join(c) for c in cc])

# ---- includes, from the sources ---------------------------------------------------------
incl = {}
files = subprocess.run(["git", "-C", src, "ls-files", "runner", "pull"], capture_output=True,
                       text=True).stdout.split()
for f in files:
    if not re.search(r"\.[ch]$", f):
        continue
    here = f
    with open(os.path.join(src, f), encoding="utf-8", errors="replace") as fh:
        for line in fh:
            m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
            if not m:
                continue
            inc = m.group(1)
            for base in (os.path.dirname(f), "runner", "."):
                cand = os.path.normpath(os.path.join(base, inc))
                if os.path.exists(os.path.join(src, cand)):
                    t = cand
                    if t != here:
                        incl.setdefault(here, set()).add(t)
                    break
ic = cycles(incl)
ok(not ic, f"no include cycles between {len(incl)} source files and their headers", [" <-> ".join(c) for c in ic])

print(f"1..{n}")
sys.exit(1 if failed else 0)
