#!/usr/bin/env python3
"""Layering check: the include graph of src/, dissectors/ and ui/ has no
cycle between modules (a .c and its .h) or between folders, no folder
includes a later stage (STAGES below, as in docs/design.md), and the
library (every folder but src/cli and ui) includes nothing of src/cli or ui.

Usage: layering_check.py SOURCE_DIR. Prints every violation; exit 1 if any.
"""
import os
import re
import sys

# Pipeline order: a folder may include its own headers and those of earlier ones.
STAGES = ["common", "crypto", "dissectors", "packet", "record", "flow", "session", "engine",
          "capture", "analysis", "state", "report", "pipeline", "ui", "cli"]
NOT_LIBRARY = {"cli", "ui"}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def stage_dirs(root):
    dirs = {}
    for stage in STAGES:
        top = os.path.join(root, stage)
        under_src = os.path.join(root, "src", stage)
        for d in (top, under_src):
            if os.path.isdir(d):
                dirs[stage] = d
    return dirs


def modules(dirs):
    """{(stage, stem): [paths]} and {header name: (stage, stem)}."""
    mods, headers = {}, {}
    for stage, d in dirs.items():
        for name in sorted(os.listdir(d)):
            stem, ext = os.path.splitext(name)
            if ext not in (".c", ".h"):
                continue
            mods.setdefault((stage, stem), []).append(os.path.join(d, name))
            if ext == ".h":
                if name in headers:
                    raise SystemExit(f"header {name} exists twice: bare includes are ambiguous")
                headers[name] = (stage, stem)
    return mods, headers


def cycles(graph):
    """Strongly connected components of more than one node (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
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
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    dirs = stage_dirs(root)
    missing = [s for s in STAGES if s not in dirs]
    if missing:
        print("FAIL: stage folders not found: " + ", ".join(missing))
        return 1
    # A folder that is not a stage would escape the check.
    extra = sorted(set(os.listdir(os.path.join(root, "src"))) - set(STAGES))
    extra = [e for e in extra if os.path.isdir(os.path.join(root, "src", e))]
    problems = [f"src/{e}/ is not a stage of the layering order" for e in extra]
    mods, headers = modules(dirs)
    rank = {s: i for i, s in enumerate(STAGES)}
    mod_graph, folder_graph = {}, {}
    for (stage, stem), paths in mods.items():
        mod_graph.setdefault((stage, stem), set())
        for path in paths:
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read()
            rel = os.path.relpath(path, root)
            for name in INCLUDE.findall(text):
                target = headers.get(os.path.basename(name))
                if target is None:
                    problems.append(f'{rel}: includes "{name}", which is in no stage folder')
                    continue
                if target == (stage, stem):
                    continue
                mod_graph[(stage, stem)].add(target)
                to = target[0]
                if to != stage:
                    folder_graph.setdefault(stage, set()).add(to)
                if rank[to] > rank[stage]:
                    problems.append(f'{rel}: {stage}/ includes "{name}" of the later stage {to}/')
                if stage not in NOT_LIBRARY and to in NOT_LIBRARY:
                    problems.append(f'{rel}: the library includes "{name}" of {to}/')
    for comp in cycles(mod_graph):
        problems.append("include cycle between modules: " + " <-> ".join(f"{s}/{m}" for s, m in comp))
    for comp in cycles(folder_graph):
        problems.append("include cycle between folders: " + " <-> ".join(comp))
    for p in problems:
        print("FAIL: " + p)
    print(f"{len(mods)} modules in {len(dirs)} folders, {sum(len(v) for v in mod_graph.values())} "
          f"module dependencies, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
