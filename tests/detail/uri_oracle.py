#!/usr/bin/env python3
"""An independent oracle for detail/uri.hpp: RFC 3986 Appendix A transcribed
as Python regular expressions, rule by rule, and compared with the C++
recognizer (through tests/detail/uri_dump.cpp) on the table rows, RFC 3986's
examples, every short string after "a:", "a://" and "a://[", generated IP
literals and the corpus' URIs. Any difference fails, and so does a table row
whose expectation the regular expression does not share."""
import argparse, itertools, json, os, random, re, subprocess, sys

# ---- RFC 3986 Appendix A ------------------------------------------------------
ALPHA, DIGIT, HEXDIG = r"[A-Za-z]", r"[0-9]", r"[0-9A-Fa-f]"
unreserved = r"[A-Za-z0-9\-._~]"
sub_delims = r"[!$&'()*+,;=]"
pct_encoded = r"%[0-9A-Fa-f]{2}"
pchar = rf"(?:{unreserved}|{pct_encoded}|{sub_delims}|[:@])"
scheme = rf"{ALPHA}[A-Za-z0-9+\-.]*"
userinfo = rf"(?:{unreserved}|{pct_encoded}|{sub_delims}|:)*"
dec_octet = r"(?:[0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])"
IPv4address = rf"{dec_octet}\.{dec_octet}\.{dec_octet}\.{dec_octet}"
h16 = rf"{HEXDIG}{{1,4}}"
ls32 = rf"(?:{h16}:{h16}|{IPv4address})"
IPv6address = "(?:" + "|".join([
    rf"(?:{h16}:){{6}}{ls32}",
    rf"::(?:{h16}:){{5}}{ls32}",
    rf"(?:{h16})?::(?:{h16}:){{4}}{ls32}",
    rf"(?:(?:{h16}:){{0,1}}{h16})?::(?:{h16}:){{3}}{ls32}",
    rf"(?:(?:{h16}:){{0,2}}{h16})?::(?:{h16}:){{2}}{ls32}",
    rf"(?:(?:{h16}:){{0,3}}{h16})?::{h16}:{ls32}",
    rf"(?:(?:{h16}:){{0,4}}{h16})?::{ls32}",
    rf"(?:(?:{h16}:){{0,5}}{h16})?::{h16}",
    rf"(?:(?:{h16}:){{0,6}}{h16})?::",
]) + ")"
IPvFuture = rf"[vV]{HEXDIG}+\.(?:{unreserved}|{sub_delims}|:)+"  # RFC 5234 2.3: "v" in any case
IP_literal = rf"\[(?:{IPv6address}|{IPvFuture})\]"
reg_name = rf"(?:{unreserved}|{pct_encoded}|{sub_delims})*"
host = rf"(?P<host>{IP_literal}|{IPv4address}|{reg_name})"
authority = rf"(?:(?P<userinfo>{userinfo})@)?{host}(?::(?P<port>[0-9]*))?"
segment, segment_nz = rf"{pchar}*", rf"{pchar}+"
segment_nz_nc = rf"(?:{unreserved}|{pct_encoded}|{sub_delims}|@)+"
path_abempty = rf"(?:/{segment})*"
path_absolute = rf"/(?:{segment_nz}(?:/{segment})*)?"
path_rootless = rf"{segment_nz}(?:/{segment})*"
path_noscheme = rf"{segment_nz_nc}(?:/{segment})*"
query = rf"(?:{pchar}|[/?])*"
tail = rf"(?:\?(?P<query>{query}))?(?:#(?P<fragment>{query}))?"
URI = re.compile(rf"(?P<scheme>{scheme}):(?://{authority}(?P<pa>{path_abempty})|(?P<pb>{path_absolute})"
                 rf"|(?P<pc>{path_rootless})|(?P<pd>)){tail}", re.S)
relative_ref = re.compile(rf"(?://{authority}{path_abempty}|{path_absolute}|{path_noscheme}|){tail}", re.S)
IPV4 = re.compile(IPv4address)


def expect(s):
    """What the grammar says of s: (uri?, relative-ref?, components or None)."""
    m = URI.fullmatch(s)
    rel = relative_ref.fullmatch(s) is not None
    if not m:
        return (False, rel, None)
    h = m.group("host")
    if h is None:
        kind = "none"
    elif h.startswith("["):
        kind = "ipv_future" if h[1] in "vV" else "ipv6"
    else:
        kind = "ipv4" if IPV4.fullmatch(h) else "reg_name"
    opt = lambda v: "-" if v is None else "+" + v
    path = next(m.group(g) for g in ("pa", "pb", "pc", "pd") if m.group(g) is not None)
    return (True, rel, [kind, m.group("scheme"), opt(m.group("userinfo")), opt(h), opt(m.group("port")), path,
                        opt(m.group("query")), opt(m.group("fragment"))])


# ---- inputs -------------------------------------------------------------------
def exhaustive(prefix, alphabet, n):
    for k in range(n + 1):
        for t in itertools.product(alphabet, repeat=k):
            yield prefix + "".join(t)


def ip_literals(rng):
    """IPv6 literals with "::" in every place and an IPv4 tail or not, octets
    and groups at their limits; IPvFuture forms."""
    groups = ["0", "1", "fF", "a0b", "FFFF", "1234", "12345", "g"]
    octets = ["0", "9", "10", "99", "100", "199", "200", "249", "250", "255", "256", "260", "300", "00", "01", "1000"]
    for n in range(0, 10):
        for elide in range(-1, n + 1):
            for v4 in (None, "4", "3", "bad"):
                for _ in range(6):
                    parts = [rng.choice(groups[:6] if rng.random() < 0.8 else groups) for _ in range(n)]
                    text = ":".join(parts[:max(elide, 0)]) if elide >= 0 else ":".join(parts)
                    if elide >= 0:
                        text += "::" + ":".join(parts[elide:])
                    if v4:
                        k = {"4": 4, "3": 3, "bad": 5}[v4]
                        ip = ".".join(rng.choice(octets[:12] if rng.random() < 0.7 else octets) for _ in range(k))
                        text += ("" if text.endswith(":") or not text else ":") + ip
                    yield "http://[" + text + "]/"
    for h in ["v1.a", "V1.a", "vF.:", "v.a", "v1.", "v1a", "vg.a", "v12ab.!$&'()*+,;=:-._~", "v1.%41", "v1.a/"]:
        yield "a://[" + h + "]"
    for a, b, c, d in itertools.product(octets, repeat=4):
        if rng.random() < 0.05:
            yield "http://%s.%s.%s.%s/" % (a, b, c, d)
            yield "http://%s.%s.%s.%s.evil.example/" % (a, b, c, d)


def corpus_uris(directory):
    members = ("client_uri", "logo_uri", "tos_uri", "policy_uri")
    with open(os.path.join(directory, "corpus.jsonl"), encoding="utf-8") as f:
        for line in f:
            try:
                d = json.loads(line)
            except ValueError:
                continue
            if not isinstance(d, dict):
                continue
            for k, v in d.items():
                vals = v if k == "redirect_uris" and isinstance(v, list) else [v]
                if k == "redirect_uris" or k == "jwks_uri" or k.split("#")[0] in members:
                    for u in vals:
                        if isinstance(u, str) and "\n" not in u:
                            yield u


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dump", required=True)
    ap.add_argument("--corpus")
    a = ap.parse_args()
    failures = []

    rows = subprocess.run([a.dump, "--rows"], capture_output=True, check=True).stdout.decode("latin-1")
    inputs = []
    for line in rows.splitlines():
        f = line.split("\t")
        f[-1] = bytes.fromhex(f[-1]).decode("latin-1")
        if f[0] == "row":
            uri_ok, _, comps = expect(f[3])
            kind = comps[0] if comps else "none"
            if uri_ok != (f[1] == "1") or (uri_ok and kind != f[2]):
                failures.append("table row %r: the grammar says %s %s" % (f[3], uri_ok, kind))
            inputs.append(f[3])
        else:
            inputs.append(f[1])
    rng = random.Random(3986)
    inputs += exhaustive("a:", "a1:/?#@[]%f.!-~ v", 4)
    inputs += exhaustive("a://", "a1:/?#@[]%f.v!", 4)
    inputs += exhaustive("a://[", ":1f.]vV%g", 6)
    inputs += ip_literals(rng)
    if a.corpus:
        inputs += corpus_uris(a.corpus)
    inputs = [s for s in dict.fromkeys(inputs) if "\n" not in s and "\r" not in s]

    out = subprocess.run([a.dump], input="\n".join(inputs).encode("latin-1") + b"\n", capture_output=True,
                         check=True).stdout.decode("latin-1").split("\n")
    for s, o in zip(inputs, out):
        f = o.split("\t")
        uri_ok, rel, comps = expect(s)
        got = (f[0] == "1", f[1] == "1", f[2:] if f[0] == "1" else None)
        if got != (uri_ok, rel, comps):
            failures.append("%r: ours %s, the grammar %s" % (s, got, (uri_ok, rel, comps)))
    if len(out) < len(inputs):
        failures.append("uri_dump answered %d lines for %d inputs" % (len(out), len(inputs)))
    for f in failures[:30]:
        print("FAIL", f)
    print("compared %d strings with the RFC 3986 Appendix A regular expressions" % len(inputs))
    print("%d passed, %d failed" % (len(inputs) - min(len(failures), len(inputs)), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
