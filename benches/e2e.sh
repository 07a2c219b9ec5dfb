#!/usr/bin/env bash
# End-to-end benchmark: the engine against the hardware floor and against the Python/PySAL peer
# pipeline, in one run, as wall time and peak memory (/usr/bin/time -v). Prints one table (also
# written to $WORK/table.md) for BENCHMARKS.md.
#
#   bash benches/e2e.sh                   # 1M, 10M, 50M events; peer at 1M, 10M and 5M res 10 daily
#   SIZES="1000000" PEER_SIZES="1000000" PEER_FINE=0 bash benches/e2e.sh    # a quick run
#   BASE=/path/to/older/hotspots bash benches/e2e.sh   # also check outputs byte-identical to it
#
# Two floors: `floor` (decode lat/lon and compute every H3 cell: what no engine calling h3o once
# per event can beat) and `decode` (decode every column a run reads, no H3: what no engine
# reading those columns can beat). At ID_SIZES (default 1M, 10M, 50M) the same events are also written
# with text ids (`syn-7-000000001`) and with no id column, to price the duplicate-id check.
#
# Environment: WORK (scratch folder, default target/e2e), SIZES, PEER_SIZES, PEER_FINE (1: also
# the 5M resolution-10 daily case), PEER_TIMEOUT (seconds, default 3600), BASE, REPEAT (floor and
# engine run this many times, interleaved, and the table shows the median; default 3).
# The peer's virtualenv is made in $WORK/venv from PyPI on the first run.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${WORK:-target/e2e}
SIZES=${SIZES:-"1000000 10000000 50000000"}
PEER_SIZES=${PEER_SIZES:-"1000000 10000000"}
PEER_FINE=${PEER_FINE:-1}
PEER_TIMEOUT=${PEER_TIMEOUT:-3600}
REPEAT=${REPEAT:-3}
ID_SIZES=${ID_SIZES:-"1000000 10000000 50000000"}
mkdir -p "$WORK"

cargo build --release --quiet --bin hotspots
cargo build --release --quiet -p hotspots-core --example floor
BIN=target/release/hotspots
FLOOR=target/release/examples/floor

if { [ -n "$PEER_SIZES" ] || [ "$PEER_FINE" = 1 ]; } && [ ! -x "$WORK/venv/bin/python" ]; then
  python3 -m venv "$WORK/venv"
  "$WORK/venv/bin/pip" install --quiet pyarrow pandas h3 libpysal esda pymannkendall scipy
fi
PY="$WORK/venv/bin/python"

# measure NAME COMMAND...: runs it under /usr/bin/time -v; appends "NAME seconds MiB" to $WORK/runs
# (several lines for one name: the table takes the median time and the largest memory).
: > "$WORK/runs"
measure() {
  local name=$1; shift
  local log="$WORK/$name.time"
  if /usr/bin/time -v "$@" > "$WORK/$name.out" 2> "$log"; then
    local wall rss
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$log")
    rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$log")
    echo "$name $wall $rss" >> "$WORK/runs"
    echo "  $name: ${wall} s, ${rss} MiB" >&2
  else
    echo "$name failed-or-timed-out - -" >> "$WORK/runs"
    echo "  $name FAILED (see $log)" >&2
  fi
}

same_outputs() { # DIR_A DIR_B: the output hashes in both summaries agree
  python3 - "$1" "$2" <<'EOF'
import json, sys
def hashes(d):
    s = json.load(open(f"{d}/internal/summary.json"))
    return json.dumps(s.get("outputs"), sort_keys=True)
sys.exit(0 if hashes(sys.argv[1]) == hashes(sys.argv[2]) else 1)
EOF
}

agreement() { # ENGINE_DIR PEER_CSV: share of cells where the categories agree
  python3 - "$1" "$2" <<'EOF'
import csv, json, sys
eng = {f["properties"]["h3"]: f["properties"]["category"] for f in json.load(open(f"{sys.argv[1]}/internal/hotspots.geojson"))["features"]}
peer = {r["h3"]: r["category"] for r in csv.DictReader(open(sys.argv[2]))}
same = sum(1 for c, k in eng.items() if peer.get(c) == k)
print(f"{same}/{len(eng)} cells")
EOF
}

for n in $SIZES; do
  f="$WORK/events_$n.parquet"
  [ -f "$f" ] || "$BIN" synth --events "$n" --weeks 52 --seed 7 --out "$f" --quiet
  echo "== $n events ($(du -m "$f" | cut -f1) MB)" >&2
  for _ in $(seq "$REPEAT"); do
    measure "floor_$n" "$FLOOR" "$f"
    measure "decode_$n" "$FLOOR" "$f" --decode-only
    measure "engine_$n" "$BIN" analyze "$f" --out "$WORK/engine_$n" --quiet
  done
  if [ -n "${BASE:-}" ]; then
    "$BASE" analyze "$f" --out "$WORK/base_$n" --quiet
    same_outputs "$WORK/engine_$n" "$WORK/base_$n" && echo "identical" > "$WORK/identical_$n" || echo "DIFFERENT" > "$WORK/identical_$n"
  fi
  if [[ " $PEER_SIZES " == *" $n "* ]]; then
    measure "peer_$n" timeout "$PEER_TIMEOUT" "$PY" benches/peer/peer_pipeline.py "$f" "$WORK/peer_$n.csv"
    [ -f "$WORK/peer_$n.csv" ] && agreement "$WORK/engine_$n" "$WORK/peer_$n.csv" > "$WORK/agree_$n" || true
  fi
done

if [ "$PEER_FINE" = 1 ]; then
  n=5000000
  f="$WORK/events_$n.parquet"
  [ -f "$f" ] || "$BIN" synth --events "$n" --weeks 52 --seed 7 --out "$f" --quiet
  echo "== $n events, resolution 10, daily bins" >&2
  for _ in $(seq "$REPEAT"); do
    measure "floor_${n}_r10" "$FLOOR" "$f" --resolution 10
    measure "decode_${n}_r10" "$FLOOR" "$f" --decode-only
    measure "engine_${n}_r10" "$BIN" analyze "$f" --resolution 10 --bin day --out "$WORK/engine_${n}_r10" --quiet
  done
  measure "peer_${n}_r10" timeout "$PEER_TIMEOUT" "$PY" benches/peer/peer_pipeline.py "$f" "$WORK/peer_${n}_r10.csv" --resolution 10 --bin day
  [ -f "$WORK/peer_${n}_r10.csv" ] && agreement "$WORK/engine_${n}_r10" "$WORK/peer_${n}_r10.csv" > "$WORK/agree_${n}_r10" || true
fi

for n in $ID_SIZES; do
  for ids in text none; do
    f="$WORK/events_${n}_$ids.parquet"
    [ -f "$f" ] || "$BIN" synth --events "$n" --weeks 52 --seed 7 --ids "$ids" --out "$f" --quiet
  done
  echo "== $n events with text ids and without ids" >&2
  for _ in $(seq "$REPEAT"); do
    for ids in text none; do
      f="$WORK/events_${n}_$ids.parquet"
      measure "decode_${n}_$ids" "$FLOOR" "$f" --decode-only
      measure "engine_${n}_$ids" "$BIN" analyze "$f" --out "$WORK/engine_${n}_$ids" --quiet
    done
  done
done

python3 - "$WORK" <<'EOF' | tee "$WORK/table.md"
import os, sys
work = sys.argv[1]
import statistics
samples = {}
for line in open(f"{work}/runs"):
    name, wall, rss = line.split()
    samples.setdefault(name, []).append((None if wall.startswith("failed") else float(wall), None if rss == "-" else int(rss)))
runs = {}
for name, s in samples.items():
    ok = [x for x in s if x[0] is not None]
    # A failed run makes the case fail: no median over the runs that happened to work.
    runs[name] = (statistics.median(w for w, _ in ok), max(m for _, m in ok)) if len(ok) == len(s) else (None, None)
cases = sorted({n.split("_", 1)[1] for n in runs if not n.endswith(("_text", "_none"))}, key=lambda c: (int(c.split("_")[0]), c))
def cell(name):
    w, m = runs.get(name, (None, None))
    return ("—", "—") if w is None else (f"{w:.2f} s", f"{m} MiB")
def ratio(a, b):
    a, b = runs.get(a, (None,))[0], runs.get(b, (None,))[0]
    return "—" if a is None or b is None or b == 0 else f"{a / b:.2f}×"
def read(path):
    return open(path).read().strip() if os.path.exists(path) else "—"
print(f"Median of {max(len(v) for v in samples.values())} interleaved runs for floor and engine, one for the peer; memory is the peak resident set.\n")
print("| events | case | floor | decode floor | engine | peer | engine/floor | engine/decode | peer/engine | outputs vs BASE | peer agrees |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for c in cases:
    n = int(c.split("_")[0])
    label = "res 10, daily" if c.endswith("_r10") else "res 8, weekly"
    f, d, e, p = cell(f"floor_{c}"), cell(f"decode_{c}"), cell(f"engine_{c}"), cell(f"peer_{c}")
    print(f"| {n/1e6:g} M | {label} | {f[0]}, {f[1]} | {d[0]}, {d[1]} | {e[0]}, {e[1]} | {p[0] + ', ' + p[1] if p[0] != '—' else '—'} "
          f"| {ratio(f'engine_{c}', f'floor_{c}')} | {ratio(f'engine_{c}', f'decode_{c}')} | {ratio(f'peer_{c}', f'engine_{c}')} | {read(f'{work}/identical_{c}')} | {read(f'{work}/agree_{c}')} |")
id_sizes = sorted({int(n.split("_")[1]) for n in runs if n.endswith("_text")})
if id_sizes:
    print("\nThe duplicate-id check: the same events with integer ids (the table above), text ids and no id column (res 8, weekly).\n")
    print("| events | ids | decode floor | engine | engine/decode | time vs no ids | memory vs no ids |")
    print("|---|---|---|---|---|---|---|")
    for n in id_sizes:
        none = runs.get(f"engine_{n}_none", (None, None))
        for ids, name in (("text", f"engine_{n}_text"), ("integer", f"engine_{n}"), ("none", f"engine_{n}_none")):
            e = runs.get(name, (None, None))
            dec = f"decode_{n}_{ids}" if ids != "integer" else f"decode_{n}"
            t = "—" if None in (e[0], none[0]) else f"{e[0] / none[0]:.2f}×"
            m = "—" if None in (e[1], none[1]) else f"{e[1] / none[1]:.2f}×"
            print(f"| {n/1e6:g} M | {ids} | {cell(dec)[0]}, {cell(dec)[1]} | {cell(name)[0]}, {cell(name)[1]} | {ratio(name, dec)} | {t} | {m} |")
EOF
