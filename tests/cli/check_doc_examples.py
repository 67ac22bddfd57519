#!/usr/bin/env python3
"""Every ```cpp block of the README and of docs/*.md, and every Doxygen
@code ... @endcode block of the public headers, compiles, so the docs show
code that is true.

usage: check_doc_examples.py [--keep DIR] FILE_OR_DIR... -- CXX FLAGS...

(a directory stands for the *.md files in it and the *.hpp files under it)

A header's doc comments are indented, not starred: a block is dedented as a
whole. A header example marked `body` also includes the header it documents
(e.g. storage/sqlite.hpp, which the umbrella header leaves out), found by its
path below the directory named `include`.

A block is compiled (-fsyntax-only, which still instantiates templates) as a
translation unit of its own. An HTML comment on the line before it (the line
before ```cpp, or before @code; Doxygen drops HTML comments) says how:

  (none)                                  a complete translation unit, as is
  <!-- example: body -->                  statements: wrapped in a function, after
                                          #include <oauthreg/oauthreg.hpp>
  <!-- example: body; given: DECLS -->    the same, DECLS declared first in the function
                                          (names the surrounding text stands for)
  <!-- example: body; include: <H>...; given: DECLS -->
                                          the same, after #include <H> for each header
                                          (a standard one the snippet uses, e.g. <iostream>)
  <!-- example: skip; REASON -->          not compiled (REASON says why; it must be there)
"""
import concurrent.futures
import os
import re
import subprocess
import sys
import tempfile
import textwrap

# A Doxygen C++ block opens with @code or \code, bare or as {.cpp}; another
# language ({.json}, {.sh}) is not C++ and not compiled, as ```json is not.
DOXYGEN_OPEN = re.compile(r"[@\\]code(\{\.(cpp|c\+\+)\})?")
DOXYGEN_CLOSE = re.compile(r"[@\\]endcode")
MARK = re.compile(r"<!--\s*example:\s*(body|skip)\s*(?:;\s*(.*?))?\s*-->\s*$")


def blocks(path):
    """(line, kind, given, code) for each example block of the file."""
    lines = open(path, encoding="utf-8").read().split("\n")
    if path.endswith(".hpp"):
        opens, closes = DOXYGEN_OPEN.fullmatch, DOXYGEN_CLOSE.fullmatch
    else:
        opens, closes = (lambda s: s == "```cpp"), (lambda s: s == "```")
    out = []
    i = 0
    while i < len(lines):
        if not opens(lines[i].strip()):
            i += 1
            continue
        start = i
        j = i + 1
        while j < len(lines) and not closes(lines[j].strip()):
            j += 1
        code = textwrap.dedent("\n".join(lines[i + 1:j])) + "\n"
        kind, extra = "complete", ""
        prev = lines[start - 1] if start > 0 else ""
        m = MARK.search(prev)
        if m:
            kind, extra = m.group(1), (m.group(2) or "")
        out.append((start + 1, kind, extra, code))
        i = j + 1
    return out


def own_header(path):
    """The #include line for a header below include/, else ""."""
    parts = os.path.abspath(path).split(os.sep)
    if not path.endswith(".hpp") or "include" not in parts:
        return ""
    at = len(parts) - 1 - parts[::-1].index("include")
    return "#include <%s>\n" % "/".join(parts[at + 1:])


def source(path, kind, extra, code):
    if kind == "complete":
        return code
    includes = ""
    if extra.startswith("include:"):
        headers, _, extra = extra[len("include:"):].partition(";")
        includes = "".join("#include %s\n" % h for h in headers.split())
        extra = extra.strip()
    given = extra[len("given:"):].strip() if extra.startswith("given:") else ""
    return ("#include <oauthreg/oauthreg.hpp>\n" + own_header(path) + includes
            + "\n[[maybe_unused]] static void doc_example()\n{\n" + given + "\n" + code + "}\n")


def listed(directory):
    """The *.md files of a directory and the *.hpp files below it."""
    out = sorted(os.path.join(directory, f) for f in os.listdir(directory) if f.endswith(".md"))
    return out + sorted(os.path.join(root, f) for root, _, names in os.walk(directory)
                        for f in names if f.endswith(".hpp"))


def main(argv):
    sep = argv.index("--")
    args, compiler = argv[:sep], argv[sep + 1:]
    keep, files = None, []
    it = iter(args)
    for a in it:
        if a == "--keep":
            keep = next(it)
        elif os.path.isdir(a):
            files += listed(a)
        else:
            files.append(a)
    work = keep or tempfile.mkdtemp(prefix="doc_examples_")
    os.makedirs(work, exist_ok=True)
    jobs, failed, skipped = [], 0, 0
    for path in files:
        for line, kind, extra, code in blocks(path):
            where = "%s:%d" % (os.path.relpath(path), line)
            if kind == "skip":
                if not extra:
                    print("FAIL %s: a skipped example must say why" % where)
                    failed += 1
                else:
                    skipped += 1
                continue
            name = re.sub(r"[^A-Za-z0-9]+", "_", where) + ".cpp"
            cpp = os.path.join(work, name)
            with open(cpp, "w", encoding="utf-8") as f:
                f.write(source(path, kind, extra, code))
            jobs.append((where, compiler + ["-fsyntax-only", cpp]))

    def build(job):
        where, cmd = job
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        return where, p.returncode, p.stdout

    passed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=int(os.environ.get("JOBS", "2"))) as pool:
        for where, rc, text in pool.map(build, jobs):
            if rc == 0:
                passed += 1
                print("ok   %s" % where)
            else:
                failed += 1
                print("FAIL %s\n%s" % (where, text[-4000:]))
    print("%d passed, %d failed (%d skipped)" % (passed, failed, skipped))
    return 0 if failed == 0 and jobs else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
