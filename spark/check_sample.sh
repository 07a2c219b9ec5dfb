#!/usr/bin/env bash
# spark/check_sample.sh PATH/TO/hotspots
#
# The Spark job must give the engine's analysis on the built-in sample:
#   1. spark/cube.py on data/sample_events.parquet with data/districts.geojson (local mode);
#   2. its rows and footer against `hotspots cube` (the Rust producer) on the same sample;
#   3. `hotspots analyze` on the sample and `hotspots analyze --cube` on the Spark partial:
#      internal/hotspots.geojson, public/hotspots.geojson and internal/cube.parquet must be
#      byte-identical.
# Exits non-zero on any difference and prints how long it took.
#
# Python packages: the venv $SPARK_VENV (created there with spark/requirements.txt when it has
# no pyspark); without $SPARK_VENV, ${TMPDIR:-/tmp}/hotspots-spark-venv. Needs Java 17+ and
# python3 (3.11).
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: spark/check_sample.sh PATH/TO/hotspots" >&2
  exit 2
fi
HOTSPOTS=$(realpath "$1")
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
START=$(date +%s)

if ! command -v java >/dev/null 2>&1; then
  echo "check_sample: java is not installed (Spark needs Java 17 or later)" >&2
  exit 2
fi

VENV=${SPARK_VENV:-${TMPDIR:-/tmp}/hotspots-spark-venv}
if ! "$VENV/bin/python" -c "import pyspark, h3, shapely, pyarrow, pandas" >/dev/null 2>&1; then
  echo "check_sample: installing spark/requirements.txt into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q -r "$ROOT/spark/requirements.txt"
fi
PY="$VENV/bin/python"
READY=$(date +%s)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/spark-check.XXXXXX")
cleanup() { if [ "${KEEP:-0}" = 1 ]; then echo "check_sample: outputs kept in $WORK"; else rm -rf "$WORK"; fi; }
trap cleanup EXIT
cd "$ROOT"

# 1. The Spark job (local mode, all cores of this machine).
"$PY" spark/cube.py data/sample_events.parquet --districts data/districts.geojson \
  --out "$WORK/spark.parquet" 2> >(grep -v -e ' WARN ' -e '^WARN' -e 'log4j' -e 'setLogLevel' -e 'Setting default log level' >&2 || true)
SPARK_DONE=$(date +%s)

# 2. The Rust producer on the same sample, compared row for row and footer for footer.
"$HOTSPOTS" cube -q --out "$WORK/rust.parquet"
status=0
"$PY" - "$WORK/rust.parquet" "$WORK/spark.parquet" <<'EOF' || status=1
import json, sys
import pyarrow.parquet as pq
rust, spark = pq.read_table(sys.argv[1]), pq.read_table(sys.argv[2])
same = rust.schema.remove_metadata() == spark.schema.remove_metadata() and rust.equals(spark.replace_schema_metadata(rust.schema.metadata))
def footer(path):
    meta = json.loads(pq.read_metadata(path).metadata[b"hotspots.partial_cube"])
    meta.pop("producer")
    # The engine's footer also lists every category label seen (spark/cube.py does not).
    meta.pop("categories", None)
    for i in meta["inputs"]:
        for k in ("path", "rejects", "rejects_listed"):
            i.pop(k)
    return meta
meta_same = footer(sys.argv[1]) == footer(sys.argv[2])
print(f"partial cube rows: rust {rust.num_rows}, spark {spark.num_rows}: {'identical' if same else 'DIFFERENT'}")
print(f"partial cube footer (but producer, categories, path, rejects): {'equal' if meta_same else 'DIFFERENT'}")
sys.exit(0 if same and meta_same else 1)
EOF

# 3. The analysis from the raw sample and from the Spark partial.
"$HOTSPOTS" analyze -q --out "$WORK/direct"
"$HOTSPOTS" analyze -q --cube "$WORK/spark.parquet" --districts builtin --services builtin --effort builtin \
  --out "$WORK/viaspark"
for f in internal/hotspots.geojson public/hotspots.geojson internal/cube.parquet; do
  if cmp -s "$WORK/direct/$f" "$WORK/viaspark/$f"; then
    echo "byte-identical: $f ($(wc -c <"$WORK/direct/$f") bytes)"
  else
    echo "DIFFERENT: $f"
    status=1
  fi
done

END=$(date +%s)
echo "check_sample: $([ $status = 0 ] && echo passed || echo FAILED) in $((END - START)) s" \
  "(venv $((READY - START)) s, Spark job $((SPARK_DONE - READY)) s, engine and comparisons $((END - SPARK_DONE)) s)"
[ $status = 0 ] || KEEP=1
exit $status
