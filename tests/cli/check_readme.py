#!/usr/bin/env python3
"""The README's API tour is examples/tour.cpp verbatim, so the README shows code that compiles and runs."""
import sys

readme = open(sys.argv[1], encoding="utf-8").read()
tour = open(sys.argv[2], encoding="utf-8").read()
ok = ("```cpp\n" + tour + "```") in readme
print("README tour matches examples/tour.cpp" if ok else "README tour differs from examples/tour.cpp")
print("%d passed, %d failed" % (1 if ok else 0, 0 if ok else 1))
sys.exit(0 if ok else 1)
