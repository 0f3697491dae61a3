#!/usr/bin/env python3
"""Lists the module dependency cycles of src/ (a module that uses, directly or through others,
a module that uses it), from `use` paths and `crate::`/`super::` paths in the code.
Test modules (`#[cfg(test)] mod tests` blocks and tests.rs files) are left out: a test may use
anything. Exits 1 when there is a cycle. Usage: scripts/module-graph.py [--edges]"""
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")


def module_of(path):
    rel = os.path.relpath(path, ROOT)[:-3]
    parts = rel.split(os.sep)
    if parts[-1] in ("mod", "lib", "main"):
        parts = parts[:-1]
    return parts


def strip_tests(text):
    # Drop `#[cfg(test)]` items: from the attribute to the matching closing brace.
    out, i = [], 0
    while True:
        j = text.find("#[cfg(test)]", i)
        if j < 0:
            out.append(text[i:])
            break
        out.append(text[i:j])
        k = text.find("{", j)
        semi = text.find(";", j)
        if semi >= 0 and (k < 0 or semi < k):
            i = semi + 1
            continue
        depth = 0
        for n in range(k, len(text)):
            if text[n] == "{":
                depth += 1
            elif text[n] == "}":
                depth -= 1
                if depth == 0:
                    i = n + 1
                    break
        else:
            i = len(text)
    return "".join(out)


def main():
    mods = {}
    for dirpath, _, files in os.walk(ROOT):
        for f in files:
            if f.endswith(".rs") and f != "tests.rs":
                p = os.path.join(dirpath, f)
                if f == "main.rs":
                    continue
                mods[tuple(module_of(p))] = strip_tests(open(p).read())
    known = set(mods)
    edges = {m: set() for m in mods}
    path_re = re.compile(r"\b((?:crate|super)(?:::[A-Za-z_][A-Za-z0-9_]*)+)")
    for m, text in mods.items():
        text = re.sub(r"//[^\n]*", "", text)
        for use in re.finditer(r"\buse\s+([^;]+);", text):
            body = use.group(1)
            prefix = body.split("{", 1)[0]
            inner = re.findall(r"[A-Za-z_][A-Za-z0-9_:]*", body.split("{", 1)[1]) if "{" in body else [""]
            for tail in inner:
                for ref in [prefix.rstrip(":") + ("::" + tail if tail else "")]:
                    add(m, ref, known, edges)
        for ref in path_re.findall(text):
            add(m, ref, known, edges)
    if "--edges" in sys.argv:
        for m in sorted(edges):
            print("::".join(m) or "crate", "->", ", ".join(sorted("::".join(t) for t in edges[m])))
    cycles = find_cycles(edges)
    for c in cycles:
        print("cycle:", " -> ".join("::".join(x) for x in c))
    print(f"{len(mods)} modules, {sum(len(v) for v in edges.values())} edges, {len(cycles)} cycles")
    return 1 if cycles else 0


def add(m, ref, known, edges):
    parts = ref.split("::")
    if parts[0] == "crate":
        path = []
        parts = parts[1:]
    elif parts[0] == "super":
        path = list(m)
        while parts and parts[0] == "super":
            path = path[:-1]
            parts = parts[1:]
    else:
        return
    target = None
    cur = list(path)
    if tuple(cur) in known:
        target = tuple(cur)
    for p in parts:
        cur.append(p)
        if tuple(cur) in known:
            target = tuple(cur)
        else:
            break
    if target is None or target == m:
        return
    # A module's parent (mod.rs) re-exporting is not a use of the child by the parent's callers;
    # a child naming its parent is an ordinary use. Ancestors of m are fine to use.
    if m[: len(target)] == target:
        return
    edges[m].add(target)


def find_cycles(edges):
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]
    sys.setrecursionlimit(10000)

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                strong(w)
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

    for v in list(edges):
        if v not in index:
            strong(v)
    return out


if __name__ == "__main__":
    sys.exit(main())
