#!/usr/bin/env python3
"""Fails when the module graph of hotspots-core has an import loop, or an import that runs from a
lower stage up to a higher one.

Reads every `crate::…` path in the code of each file under SRC (comments left out), resolves it to
the file that defines the module, and checks the file graph: no cycle, and no arrow from a stage to
a stage above it. Unit-test modules (a file's trailing `#[cfg(test)] mod`) are left out: tests
may use the shared seeded test data. The stages, lowest first, are the folders of the data flow (README,
"Architecture"); `lib.rs` only declares and re-exports, and is left out.

Usage: .ci/check-imports.py crates/core/src
"""
import os
import re
import sys

STAGES = [
    {"error", "progress", "sample", "panic_guard", "digest"},
    {"time"},
    {"space"},
    {"ingest"},
    {"cube"},
    {"stats"},
    {"plan"},
    {"publish"},
    {"config", "run"},
    {"fuzzing", "test_data"},
]


def stage_of(module):
    top = module.split("::")[0]
    for rank, names in enumerate(STAGES):
        if top in names:
            return rank
    raise SystemExit(f"check-imports: module `{module}` belongs to no stage; add it to STAGES")


def main(src):
    files = {}
    for root, _, names in os.walk(src):
        for name in names:
            if name.endswith(".rs"):
                path = os.path.join(root, name)
                rel = os.path.relpath(path, src)[:-3].split(os.sep)
                if rel[-1] == "mod":
                    rel = rel[:-1]
                if rel == ["lib"]:
                    continue
                files["::".join(rel)] = path

    def resolve(parts):
        for n in range(len(parts), 0, -1):
            module = "::".join(parts[:n])
            if module in files:
                return module
        return None

    edges = {m: set() for m in files}
    for module, path in files.items():
        with open(path, encoding="utf-8") as f:
            code = "\n".join(line.split("//")[0] for line in f)
        # A file's unit tests (its trailing `#[cfg(test)] mod …`) may use the shared test data.
        code = re.split(r"#\[cfg\(test\)\]\s*mod ", code)[0]
        # `use crate::a::{b, c::D}` groups: expand one level of braces.
        for prefix, group in re.findall(r"crate::((?:\w+::)*)\{([^}]*)\}", code):
            for item in group.split(","):
                item = item.strip()
                if item:
                    target = resolve((prefix + item).replace(" ", "").split("::"))
                    if target and target != module:
                        edges[module].add(target)
        for path_text in re.findall(r"crate::((?:\w+::)*\w+)", code):
            target = resolve(path_text.split("::"))
            if target and target != module:
                edges[module].add(target)

    problems = []
    for module, targets in sorted(edges.items()):
        for target in sorted(targets):
            if stage_of(target) > stage_of(module):
                problems.append(f"upward import: {module} -> {target}")

    # Cycles, by depth-first search over the file graph.
    state, stack = {}, []

    def visit(m):
        state[m] = 1
        stack.append(m)
        for t in sorted(edges[m]):
            if state.get(t) == 1:
                problems.append("import loop: " + " -> ".join(stack[stack.index(t):] + [t]))
            elif t not in state:
                visit(t)
        stack.pop()
        state[m] = 2

    for m in sorted(edges):
        if m not in state:
            visit(m)

    for p in problems:
        print(p)
    print(f"check-imports: {len(files)} modules, {sum(map(len, edges.values()))} imports, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "crates/core/src"))
