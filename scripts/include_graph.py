#!/usr/bin/env python3
"""Prints which oauthreg header includes which (the summary in docs/architecture.md).

usage: scripts/include_graph.py [INCLUDE_DIR]   (default: include)

One line per header under INCLUDE_DIR/oauthreg (.hpp and .ipp): the header, then
the oauthreg headers it includes itself. Then the headers nothing else includes
(the entry points) and any cycle.
"""
import os
import re
import sys

root = sys.argv[1] if len(sys.argv) > 1 else "include"
INCLUDE = re.compile(r'^\s*#\s*include\s*[<"](oauthreg/[^>"]+)[>"]', re.M)

graph = {}
for d, _, files in os.walk(os.path.join(root, "oauthreg")):
    for f in files:
        if f.endswith((".hpp", ".ipp")):
            path = os.path.join(d, f)
            name = os.path.relpath(path, root)
            text = open(path, encoding="utf-8").read()
            graph[name] = sorted(set(INCLUDE.findall(text)) - {name})

def short(h):
    return h.removeprefix("oauthreg/")


width = max(len(short(h)) for h in graph)
for h in sorted(graph):
    print("%-*s  %s" % (width, short(h), " ".join(short(i) for i in graph[h]) or "-"))

included = {i for deps in graph.values() for i in deps}
print("\nincluded by no other header:", " ".join(sorted(short(h) for h in graph if h not in included)))


def cycle_from(h, stack, seen):
    if h in stack:
        return stack[stack.index(h):] + [h]
    if h in seen:
        return None
    seen.add(h)
    for i in graph.get(h, []):
        c = cycle_from(i, stack + [h], seen)
        if c:
            return c
    return None


seen = set()
cycles = [c for c in (cycle_from(h, [], seen) for h in sorted(graph)) if c]
print("cycles:", "; ".join(" -> ".join(map(short, c)) for c in cycles) if cycles else "none")
