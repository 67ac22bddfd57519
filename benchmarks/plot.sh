#!/usr/bin/env bash
# Renders the throughput chart from one `oauthreg bench` JSON line.
#   benchmarks/plot.sh bench.json benchmarks/throughput.png
# Needs gnuplot (Debian: gnuplot-nox) and python3.
set -euo pipefail
in="$1"
out="${2:-benchmarks/throughput.png}"
data=$(mktemp)
trap 'rm -f "$data"' EXIT
python3 - "$in" > "$data" <<'PY'
import json, sys
b = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
rows = [
    ("Boost.JSON DOM parse (floor)", b["parse_per_s"]),
    ("DOM parse + Boost.URL on each URI", b.get("parse_and_uri_per_s")),
    ("validate (parse + rules)", b["validate_per_s"]),
    ("check (the verdict alone)", b.get("check_per_s")),
    ("register (+ id, secret, hash, insert)", b["register_per_s"]),
    ("authenticate", b["authenticate_per_s"]),
    ("lookup (visit)", b["lookup_per_s"]),
    ("get (copy of the record)", b["get_per_s"]),
]
rows = [(name, v) for name, v in rows if v]  # older lines lack parse_and_uri_per_s and check_per_s
for i, (name, v) in enumerate(rows):
    print('%d "%s" %.0f' % (i, name, v))
PY
gnuplot <<GP
set terminal pngcairo size 900,420 font "DejaVu Sans,10"
set output "$out"
set title "oauthreg on the 10,000-request corpus, one thread (operations per second, log scale)"
set logscale y
set yrange [10000:*]
set format y "%.0s%c"
set style fill solid 0.8
set boxwidth 0.6
set grid ytics
set xtics rotate by -20 nomirror
unset key
plot "$data" using 1:3:xtic(2) with boxes lc rgb "#3b6ea8", \
     "$data" using 1:(\$3*1.15):(sprintf("%.0fk", \$3/1000)) with labels
GP
echo "wrote $out"
