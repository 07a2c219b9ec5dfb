#!/usr/bin/env bash
# The space-time scan (`hotspots scan`): its time and its behaviour without a cluster.
#
# 1. Time: `hotspots scan` with 999 replicates on the bundled sample (resolution 8, weekly) and
#    on a 1 M-event synth export at resolution 9, three runs each; prints the scan's own wall time
#    (`timings_ms.scan` in the internal summary) and the whole run's.
# 2. Null: for seeds 1–20, a 20,000-event synth export whose timestamps are permuted among its
#    rows (each row keeps its place: the link between place and time is broken, the margins are
#    kept), scanned with 99 replicates; prints each seed's most likely cluster's p and the
#    Kolmogorov–Smirnov distance of the 20 p-values to the uniform at the attainable values.
#
# Usage: benches/scan.sh [time|null]   Env: BIN (default target/release/hotspots), PY (a Python
# with numpy and pyarrow, default python3), OUT (default target/scan-bench).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${BIN:-target/release/hotspots}"
PY="${PY:-python3}"
OUT="${OUT:-target/scan-bench}"
mkdir -p "$OUT"
what="${1:-all}"
scan_ms() { "$PY" -c "import json,sys; t=json.load(open(sys.argv[1]))['timings_ms']; print(t['scan'], sum(t.values()))" "$1/internal/summary.json"; }

if [ "$what" = all ] || [ "$what" = time ]; then
    [ -f "$OUT/m1.parquet" ] || "$BIN" synth --events 1000000 --weeks 52 --seed 1 --out "$OUT/m1.parquet" -q
    for run in 1 2 3; do
        /usr/bin/time -f "%e s wall, %M KiB peak" "$BIN" scan --out "$OUT/sample" -q --accept-change 2> "$OUT/time.txt"
        echo "sample res 8 weekly, 999 replicates, run $run: scan/total ms $(scan_ms "$OUT/sample"); $(tail -1 "$OUT/time.txt")"
    done
    for run in 1 2 3; do
        /usr/bin/time -f "%e s wall, %M KiB peak" "$BIN" scan "$OUT/m1.parquet" --resolution 9 --out "$OUT/m1" -q --accept-change 2> "$OUT/time.txt"
        echo "1 M events res 9 weekly, 999 replicates, run $run: scan/total ms $(scan_ms "$OUT/m1"); $(tail -1 "$OUT/time.txt")"
    done
fi

if [ "$what" = all ] || [ "$what" = null ]; then
    : > "$OUT/null.txt"
    for seed in $(seq 1 20); do
        "$BIN" synth --events 20000 --weeks 26 --seed "$seed" --out "$OUT/n$seed.parquet" -q
        "$PY" - "$OUT/n$seed.parquet" "$seed" <<'PY'
import sys
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
path, seed = sys.argv[1], int(sys.argv[2])
t = pq.read_table(path)
i = t.schema.get_field_index("occurred_at")
times = t.column(i).combine_chunks()
perm = np.random.default_rng(seed).permutation(len(t))
t = t.set_column(i, t.schema.field(i), times.take(pa.array(perm)))
pq.write_table(t, path.replace(".parquet", "-permuted.parquet"))
PY
        "$BIN" scan "$OUT/n$seed-permuted.parquet" --out "$OUT/n$seed" --scan-replicates 99 --seed "$seed" -q --accept-change
        p=$("$PY" -c "import json,sys; c=json.load(open(sys.argv[1]))['scan']['clusters']; print(c[0]['p'] if c else 1.0)" "$OUT/n$seed/internal/summary.json")
        echo "seed $seed: p = $p" | tee -a "$OUT/null.txt"
    done
    "$PY" - "$OUT/null.txt" <<'PY'
import sys
ps = sorted(float(l.split("=")[1]) for l in open(sys.argv[1]))
share = lambda x: sum(p <= x + 1e-12 for p in ps) / len(ps)
ks = max(abs(share(k / 100) - k / 100) for k in range(1, 101))
print(f"20 p-values: mean {sum(ps) / len(ps):.3f}, at most 0.05: {sum(p <= 0.05 for p in ps)}, "
      f"at most 0.5: {sum(p <= 0.5 for p in ps)}; KS distance {ks:.3f} (5 % critical value for 20: 0.294)")
PY
fi
