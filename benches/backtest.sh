#!/usr/bin/env bash
# The backtest table of issue 12: the bundled sample and synth cities with seeds 1–12 (200k
# events, 52 weeks, built-in districts), the last 8 weekly bins each planned only from the bins
# before it. Prints one line per data set: the plan's hit rate and PEI at the team budget, the best
# naive ranking's (last bin, last 4, all history, best EWMA) and the difference with its interval.
# The sample runs with its built-in effort log, so what is judged there is `serve` (the plan
# without its explore share), and what exploring costs is printed beside it.
#
# Usage: benches/backtest.sh [PATH/TO/hotspots]   (default target/release/hotspots)
set -euo pipefail
bin="$(realpath "${1:-target/release/hotspots}")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
printf '%-8s %9s %6s %9s %-9s %8s %s\n' data plan PEI naive best plan-best "95% interval"
run() {
    "$bin" backtest -q "$@" --holdout-steps 8 --out bt ${EXTRA:-}
    python3 - "$name" <<'PY'
import json, sys
b = json.load(open("bt/internal/backtest.json"))
team = {m["method"]: m for m in b["budgets"][0]["methods"]}
d = b["difference"]
base = team[d["baseline"]]
judged = team[d.get("method", "plan")]
cost = f'  (serve; exploring costs {b["explore_cost"]*100:.1f} points)' if "explore_cost" in b else ""
print(f'{sys.argv[1]:<8} {judged["hit_rate"]*100:8.1f}% {judged["pei"]:6.3f} {base["hit_rate"]*100:8.1f}% {d["baseline"]:<9} {d["mean"]*100:+8.2f} {d["ci95"][0]*100:+.2f} … {d["ci95"][1]*100:+.2f}{cost}')
PY
}
name=sample run
for seed in $(seq 1 12); do
    "$bin" synth -q --events 200000 --weeks 52 --seed "$seed" --out "s$seed.parquet"
    name="seed $seed" run "s$seed.parquet" --districts builtin
done
