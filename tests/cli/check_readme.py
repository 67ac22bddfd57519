#!/usr/bin/env python3
"""The README's API tour is examples/tour.cpp verbatim, so the README shows code that compiles and runs;
its sections come in a newcomer's order; every relative link of the README and of docs/*.md names a file
or folder of the repository."""
import os
import re
import sys

readme_path, tour_path = sys.argv[1], sys.argv[2]
readme = open(readme_path, encoding="utf-8").read()
tour = open(tour_path, encoding="utf-8").read()
passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else ": " + detail))
    passed, failed = passed + ok, failed + (not ok)


check("README tour matches examples/tour.cpp", ("```cpp\n" + tour + "```") in readme,
      "README tour differs from examples/tour.cpp")

# A newcomer's order: what it is, how to start, how to build and use it, then
# the API from the first call to the last details, the tool, and performance.
ORDER = ["Quick start", "Building", "API tour", "Errors", "The registry", "Stores", "Validation rules",
         "Software statements", "Security", "The `oauthreg` tool", "Performance"]
sections = re.findall(r"^## (.+)$", readme, re.M)
positions = [next((i for i, h in enumerate(sections) if h.startswith(o)), -1) for o in ORDER]
check("README sections in a newcomer's order", -1 not in positions and positions == sorted(positions),
      "have " + " | ".join(sections))

root = os.path.dirname(os.path.abspath(readme_path))
pages = [os.path.join(root, "README.md")]
docs = os.path.join(root, "docs")
pages += sorted(os.path.join(docs, f) for f in os.listdir(docs) if f.endswith(".md"))
for page in pages:
    text = open(page, encoding="utf-8").read()
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        path = target.split("#", 1)[0]
        if not path or re.match(r"^[a-z]+:", path):
            continue  # an anchor of the page itself, or a URL
        if not os.path.exists(os.path.join(os.path.dirname(page), path)):
            broken.append(target)
    check("%s: relative links exist" % os.path.relpath(page, root), not broken, ", ".join(broken))

print("%d passed, %d failed" % (passed, failed))
sys.exit(0 if failed == 0 else 1)
