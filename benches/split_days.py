"""Splits a time-sorted event export into one Parquet file per local day (Europe/Helsinki), as a
nightly export would arrive: `python3 benches/split_days.py EXPORT.parquet OUTDIR`. Used by
benches/nightly_store.sh (pyarrow only)."""

import os
import sys

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq


def main(export: str, out: str) -> None:
    table = pq.read_table(export)
    # strftime of a zoned timestamp formats its local time.
    local = pc.cast(table["occurred_at"], pa.timestamp("us", tz="Europe/Helsinki"))
    days = pc.strftime(local, format="%Y-%m-%d")
    table = table.append_column("_day", days)
    os.makedirs(out, exist_ok=True)
    for day in pc.unique(days).to_pylist():
        part = table.filter(pc.equal(table["_day"], day)).drop_columns(["_day"])
        pq.write_table(part, os.path.join(out, f"events_{day}.parquet"))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
