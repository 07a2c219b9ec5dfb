#!/usr/bin/env bash
# Mutation testing of the statistics, the plan, the backtest and the publishing policy with
# cargo-mutants (https://mutants.rs; configuration in .cargo/mutants.toml). Each mutant (an
# operator swapped, a function body replaced by a default, a condition negated …) is built and
# the library's unit tests run against it; a mutant the tests pass is "missed". Prints the
# table of caught / missed / timeout / unviable per module and the mutation score
# (caught / (caught + missed + timeout)).
#
# Usage: benches/mutants.sh [MODULE…]   MODULE: stats, plan or publish/disclosure (default all three)
# Env:   JOBS (default 2), OUT (default target/mutants-report)
# Time:  about 6 s per mutant and job on the 2-core machine with JOBS=2: stats/ (≈ 900 mutants
#        with the scan) about an hour, plan/ (536) 72 min. Too long for `.ci/run`.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo-mutants >/dev/null || cargo install --locked cargo-mutants@27.1.0
modules=("$@")
[ ${#modules[@]} -gt 0 ] || modules=(stats plan publish/disclosure)
out="${OUT:-target/mutants-report}"
mkdir -p "$out"
for m in "${modules[@]}"; do
    name="${m//\//-}"
    cargo mutants -p hotspots-core -j "${JOBS:-2}" --re "^crates/core/src/$m" -o "$out/$name" || true
done
python3 - "$out" "${modules[@]}" <<'PY'
import json, os, sys, collections
out, modules = sys.argv[1], sys.argv[2:]
print(f"{'file':<42} {'caught':>7} {'missed':>7} {'timeout':>8} {'unviable':>9} {'score':>7}")
for m in modules:
    path = os.path.join(out, m.replace("/", "-"), "mutants.out", "outcomes.json")
    outcomes = json.load(open(path))["outcomes"]
    per = collections.defaultdict(collections.Counter)
    for o in outcomes:
        scen = o["scenario"]
        if not isinstance(scen, dict):
            continue  # the baseline
        per[scen["Mutant"]["file"]][o["summary"]] += 1
    total = collections.Counter()
    for f in sorted(per):
        c = per[f]
        total += c
        viable = c["CaughtMutant"] + c["MissedMutant"] + c["Timeout"]
        score = (c["CaughtMutant"] + c["Timeout"]) / viable * 100 if viable else 100.0
        print(f"{f:<42} {c['CaughtMutant']:>7} {c['MissedMutant']:>7} {c['Timeout']:>8} {c['Unviable']:>9} {score:>6.1f}%")
    viable = total["CaughtMutant"] + total["MissedMutant"] + total["Timeout"]
    score = (total["CaughtMutant"] + total["Timeout"]) / viable * 100 if viable else 100.0
    print(f"{m + '/ (all)':<42} {total['CaughtMutant']:>7} {total['MissedMutant']:>7} {total['Timeout']:>8} {total['Unviable']:>9} {score:>6.1f}%")
PY
