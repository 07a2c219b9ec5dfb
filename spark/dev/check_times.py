"""check_times.py TIMES.parquet RUST_PART.parquet [ZONE]: the job's time-text parser (column-wise
and value by value) against `hotspots cube`'s partial of the same file (one category per row).
Exit 1 on any mismatch."""
import os, sys, json, numpy as np, pyarrow as pa, pyarrow.parquet as pq
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import cube
tzname = sys.argv[3] if len(sys.argv) > 3 else "Europe/Helsinki"
src = pq.read_table(sys.argv[1]); rust = pq.read_table(sys.argv[2])
meta = json.loads(pq.read_metadata(sys.argv[2]).metadata[b"hotspots.partial_cube"])
texts = src.column("occurred_at").combine_chunks()
tz = cube.tz_table(tzname)
want = {}
for r in meta["inputs"][0]["rejects"]:
    want[r["row"] - 1] = ("reject", r["reason"])
for c, d, h in zip(rust.column("category").to_pylist(), rust.column("day").cast(pa.int32()).to_pylist(), rust.column("hour").to_pylist()):
    want[int(c[1:])] = ("ok", d, h)
vs, vi = cube.parse_text_times(texts, tz)
bad = 0
for i, s in enumerate(texts.to_pylist()):
    st, inst = cube.parse_time_text(s, tz) if s is not None else (cube.MISSING_TIME, None)
    def res(st, inst):
        if st != 0: return ("reject", cube.REASONS[st - 1])
        t = np.array([inst], dtype=np.int64); loc = t + tz.offset_us(t)
        return ("ok", int(loc[0] // cube.DAY_US), int(min((loc[0] % cube.DAY_US) // cube.HOUR_US, 23)))
    a = res(st, inst); b = res(int(vs[i]), int(vi[i]))
    w = want.get(i)
    if a != w or b != w:
        bad += 1
        if bad <= 25: print(repr(s), "rust", w, "scalar", a, "vector", b)
print("strings", len(texts), "mismatches", bad, "rejects", sum(1 for v in want.values() if v[0] == "reject"))
sys.exit(1 if bad else 0)
