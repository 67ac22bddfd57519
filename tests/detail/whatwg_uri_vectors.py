#!/usr/bin/env python3
"""The WHATWG URL test vectors as RFC 3986 verdicts (tests/detail/whatwg_uri_vectors.txt).

  whatwg_uri_vectors.py build URLTESTDATA_JSON --source TEXT > whatwg_uri_vectors.txt
      takes every vector of the web-platform-tests file url/resources/urltestdata.json
      that has no base URL and writes its input with the verdict of RFC 3986
      Appendix A's `URI` rule, as the regular expressions of uri_oracle.py judge it.
  whatwg_uri_vectors.py check whatwg_uri_vectors.txt
      judges the file's inputs again and fails on any verdict or host type the
      regular expressions do not share (a hand edit, or a change to the oracle).

An input is a byte string: the JSON string encoded in UTF-8, after a lone
surrogate (the file has a few) became U+FFFD as a WebIDL USVString does. In the
file, a byte outside "!".."~" is written \\xHH and a backslash \\\\, so tabs,
newlines, spaces and non-ASCII survive on one line."""
import json, os, sys

sys.dont_write_bytecode = True  # run from the source tree by ctest
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from uri_oracle import expect  # noqa: E402  RFC 3986 Appendix A, rule by rule

HEADER = """\
# The WHATWG URL test vectors that have no base URL, each with the verdict of
# RFC 3986 Appendix A's `URI` rule. Read by tests/detail/uri_whatwg.cpp.
#
# Source: {source}
#
# Built by tests/detail/whatwg_uri_vectors.py from that file; checked again by
# `whatwg_uri_vectors.py check` (ctest whatwg_uri_vectors). The verdict is not
# our recognizer's: it is the regular-expression transcription of Appendix A in
# tests/detail/uri_oracle.py, written independently of detail/uri.hpp.
#
# The WHATWG column is the vector's own answer ("failure" or not), kept for the
# record only: it answers a different question. The WHATWG URL parser is lenient
# and normalizing: it strips leading and trailing C0 controls and spaces, drops
# tabs and newlines anywhere, reads "\\" as "/" in special schemes, percent-encodes
# spaces, non-ASCII and other characters RFC 3986 forbids, maps hosts through IDNA
# and reads "0x7f.1" or "1.2.3" as IPv4. So "http://f:21/ b ? d # e " parses there
# and is no `URI`. It also refuses some strings RFC 3986 accepts: a port above
# 65535, a host it cannot map, "http://" with an empty host in a special scheme.
#
# Disagreements checked by hand against RFC 3986 (a sample; inputs written as
# below; section numbers of RFC 3986):
#   WHATWG parses, no URI:
#     http://example.com/foo%2zbar  "%2z" is no pct-encoded (2.1)
#     lolscheme:x\\x20x#x\\x20x       a space is in no rule (2); WHATWG keeps or encodes it
#     http://a:b@c\\\\                "\\" is in no rule (2); WHATWG reads it as "/"
#     https://fa\\xc3\\x9f.ExAmPlE/   a reg-name is ASCII (3.2.2); WHATWG maps it by IDNA
#   WHATWG failure, a URI:
#     https://256.0.0.1/test        256 is no dec-octet, so the host is a reg-name (3.2.2)
#     http://1.2.3.08               likewise "08" (dec-octet has no leading zero)
#     http://ho%00st/               pct-encoded is allowed in a reg-name (3.2.2)
#     http://user@/www.example.com  an empty reg-name is a host (3.2.2)
#     sc://:12/ and urn://:443      empty host, port = *DIGIT (3.2.2, 3.2.3)
#     file://example:1/             a port after any host (3.2.3); WHATWG: file has none
#   both refuse: http://[www.google.com]/ and https://[0::0::0] (3.2.2 IP-literal),
#     http://foo:-80/ (3.2.3)
#   both accept, with other components: http:/example.com/ is path-absolute with
#     no authority here (3), host "example.com" for WHATWG.
#
# <RFC 3986 URI?> <host type by Appendix A> <WHATWG> <input>, tab-separated;
# in <input> a byte outside "!".."~" is \\xHH and a backslash is \\\\.
"""


def to_bytes(s):
    """A JSON string as the bytes a caller would hand us: UTF-8, lone surrogates as U+FFFD."""
    return s.encode("utf-16", "surrogatepass").decode("utf-16", "replace").encode("utf-8")


def escape(b):
    return "".join("\\\\" if c == 0x5C else chr(c) if 0x21 <= c <= 0x7E else "\\x%02x" % c for c in b)


def unescape(t):
    out, i = bytearray(), 0
    while i < len(t):
        if t[i] == "\\":
            if t[i + 1] == "\\":
                out.append(0x5C)
                i += 2
            else:
                assert t[i + 1] == "x", t
                out.append(int(t[i + 2:i + 4], 16))
                i += 4
        else:
            out.append(ord(t[i]))
            i += 1
    return bytes(out)


def verdict(b):
    ok, _, comps = expect(b.decode("latin-1"))
    return ("accept", comps[0]) if ok else ("reject", "-")


def build(path, source):
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    lines, seen = [], set()
    for e in data:
        if not isinstance(e, dict) or "input" not in e or e.get("base") is not None:
            continue
        b = to_bytes(e["input"])
        if b in seen:
            continue
        seen.add(b)
        v, kind = verdict(b)
        lines.append("%s\t%s\t%s\t%s" % (v, kind, "failure" if e.get("failure") else "parses", escape(b)))
    sys.stdout.write(HEADER.format(source=source.replace("\n", "\n#   ")))
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def check(path):
    bad, n = [], 0
    with open(path, encoding="ascii") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            v, kind, _, text = line.rstrip("\n").split("\t")
            n += 1
            got = verdict(unescape(text))
            if got != (v, kind):
                bad.append("%s: the file says %s %s, the grammar %s %s" % (text, v, kind, *got))
    for b in bad[:30]:
        print("FAIL", b)
    print("%d WHATWG vectors, %d with a verdict the Appendix A regular expressions do not share" % (n, len(bad)))
    return 1 if bad or n < 100 else 0


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "build" and sys.argv[3] == "--source":
        sys.exit(build(sys.argv[2], sys.argv[4]))
    if len(sys.argv) == 3 and sys.argv[1] == "check":
        sys.exit(check(sys.argv[2]))
    sys.exit(__doc__)
