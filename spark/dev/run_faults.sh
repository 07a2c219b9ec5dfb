#!/usr/bin/env bash
# spark/dev/run_faults.sh PATH/TO/hotspots WORKDIR
# The job against `hotspots cube` on files with every kind of fault (spark/README.md, "Checks"):
# time texts (one category per row) through the parser, then six Spark runs, each compared row for
# row and footer for footer. Needs the venv of spark/requirements.txt in $SPARK_VENV.
set -uo pipefail
H=$(realpath "$1"); W=$(mkdir -p "$2" && realpath "$2")
DEV=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd); JOB="$DEV/../cube.py"
PY=${SPARK_VENV:-/tmp/spark-venv}/bin/python
LAYER="$DEV/../../data/districts.geojson"
status=0
"$PY" "$DEV/gen_times.py" "$W/times.parquet" 7 20000
"$H" cube -q "$W/times.parquet" --districts builtin --out "$W/r_times.parquet"
"$PY" "$DEV/check_times.py" "$W/times.parquet" "$W/r_times.parquet" || status=1
"$PY" "$DEV/gen_faults.py" "$W" "$W/times.parquet"
cd "$W"
run() { name=$1; shift
  "$H" cube -q "${RUST_EXTRA[@]}" "$@" --out "r_$name.parquet" || { echo "$name: hotspots failed"; status=1; return; }
  "$PY" "$JOB" -q "${SPARK_EXTRA[@]}" "$@" --out "s_$name.parquet" 2>"s_$name.err" || { echo "$name: spark failed"; tail -5 "s_$name.err"; status=1; return; }
  echo "== $name"; "$PY" "$DEV/compare_partials.py" "r_$name.parquet" "s_$name.parquet" || status=1; }
RUST_EXTRA=(--districts builtin); SPARK_EXTRA=(--districts "$LAYER")
run text A_text.parquet A2_text.parquet
run ts empty.parquet B_ts.parquet B2_ts.parquet
run ns E_ns.parquet
RUST_EXTRA=(); SPARK_EXTRA=()
run ntz C_ntz.parquet
run int96 F_int96.parquet
RUST_EXTRA=(--districts builtin --tz America/Havana --resolution 9); SPARK_EXTRA=(--districts "$LAYER" --tz America/Havana --resolution 9)
run date D_date.parquet
echo "run_faults: $([ $status = 0 ] && echo passed || echo FAILED)"
exit $status
