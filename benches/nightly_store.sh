#!/usr/bin/env bash
# The nightly store against a full run: a year of exports as one file per local day, the store
# filled with every day but the last, then a night that adds the last day, against a full run
# over the same files. Prints each run's wall, user and system seconds and peak memory
# (/usr/bin/time), the runs alternating, and the sizes of the store and the exports.
#
# Usage: benches/nightly_store.sh [EXPORT.parquet] [REPEAT]
#   EXPORT defaults to target/e2e/events_10000000.parquet (benches/e2e.sh makes it:
#   hotspots synth --events 10000000 --weeks 52 --seed 1); REPEAT defaults to 3.
#   WORK=/tmp/hotspots-nightly holds the daily files, the store and the outputs.
set -euo pipefail
cd "$(dirname "$0")/.."
export="${1:-target/e2e/events_10000000.parquet}"
repeat="${2:-3}"
work="${WORK:-/tmp/hotspots-nightly}"
bin="$(pwd)/target/release/hotspots"
cargo build --release -q
mkdir -p "$work"
if [ ! -d "$work/days" ]; then
    python3 benches/split_days.py "$export" "$work/days"
fi
cd "$work"
ls days/*.parquet > all.txt
head -n -1 all.txt > year_but_last.txt
rm -rf store
"$bin" analyze -q --store store --out o_fill $(cat year_but_last.txt)
echo "exports: $(wc -l < all.txt) files, $(du -sb days | cut -f1) bytes; store of $(wc -l < year_but_last.txt) days: $(du -sb store | cut -f1) bytes"
for i in $(seq "$repeat"); do
    # The night: the last day's partial (the newest, built by the run before) is forgotten first.
    newest="$(ls -t store/*.parquet | sed -n 1p)"
    rm -f "$newest"
    /usr/bin/time -f "night  %e s wall, %U s user, %S s sys, %M KB" "$bin" analyze -q --store store --out o_night $(cat all.txt)
    /usr/bin/time -f "full   %e s wall, %U s user, %S s sys, %M KB" "$bin" analyze -q --out o_full $(cat all.txt)
done
python3 - <<'PY'
import json, hashlib, os
def digest(d):
    out = {}
    for root, _, files in os.walk(d):
        for f in files:
            p = os.path.join(root, f)
            if f == "summary.json":
                s = json.load(open(p)); s.pop("timings_ms", None)
                out[os.path.relpath(p, d)] = json.dumps(s, sort_keys=True)
            else:
                out[os.path.relpath(p, d)] = hashlib.sha256(open(p, "rb").read()).hexdigest()
    return out
print("outputs of the night and the full run identical:", digest("o_night") == digest("o_full"))
PY
