#!/usr/bin/env bash
# Prints the SHA-256 of every output of four reference runs, one "sha256  run/file" line each,
# sorted. `.ci/run` compares this list with tests/output_hashes.txt, so no change alters an output
# unnoticed: a change that means to (a new column, a better plan) records the list again in the
# same commit and says so (`git log tests/output_hashes.txt`). First recorded from 8c32527, before
# the re-layout of issue 11, which left every output byte-identical.
#
# The runs: the built-in sample; a 200k-event synth export with built-in districts and services
# and a 4-bin backtest; the sample with --scope district; a two-job TOML configuration.
# summary.json is hashed without its `timings_ms` (wall times), re-serialised with sorted keys.
# The only field that differs
# from run to run is thus left out; the output hashes it records stay in.
#
# Usage: .ci/output-hashes.sh PATH/TO/hotspots
set -euo pipefail
bin="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"

"$bin" analyze -q --out sample
"$bin" synth -q --events 200000 --weeks 30 --seed 11 --out synth.parquet
"$bin" analyze -q synth.parquet --districts builtin --services builtin --backtest-steps 4 --out synth
"$bin" analyze -q --scope district --out district
cat > jobs.toml <<'TOML'
min_count = 3
backtest_steps = 2
[[jobs]]
name = "concerns"
kind = "concern"
[[jobs]]
name = "everything"
TOML
"$bin" analyze -q --config jobs.toml --out jobs

for f in $(find sample synth district jobs -type f | LC_ALL=C sort); do
    case "$f" in
        */summary.json)
            sha=$(python3 -c 'import json,sys,hashlib; s=json.load(open(sys.argv[1])); s.pop("timings_ms",None); print(hashlib.sha256(json.dumps(s,sort_keys=True).encode()).hexdigest())' "$f")
            ;;
        *) sha=$(sha256sum "$f" | cut -d' ' -f1) ;;
    esac
    echo "$sha  $f"
done
