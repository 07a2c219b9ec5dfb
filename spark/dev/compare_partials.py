"""compare_partials.py RUST.parquet SPARK.parquet [--ignore-path]

Two partial cubes: rows identical (schema, order, values) and footers equal but for `producer`,
the rejects list and `rejects_listed` (and the inputs' `path` with --ignore-path). Exit 1 if not."""
import sys, json, pyarrow.parquet as pq
a, b = sys.argv[1], sys.argv[2]
ignore_path = "--ignore-path" in sys.argv
ta, tb = pq.read_table(a), pq.read_table(b)
print("rows", ta.num_rows, tb.num_rows, end="; ")
schema_same = ta.schema.remove_metadata() == tb.schema.remove_metadata()
same = schema_same and ta.num_rows == tb.num_rows and all(ta.column(c).equals(tb.column(c)) for c in ta.column_names)
print("schema equal:", schema_same, "; rows identical:", same)
if not same and schema_same:
    for c in ta.column_names:
        x, y = [ta.column(c).cast("int32") if c == "day" else ta.column(c), tb.column(c).cast("int32") if c == "day" else tb.column(c)]; x, y = x.to_pylist(), y.to_pylist()
        diffs = [i for i in range(min(len(x), len(y))) if x[i] != y[i]]
        if diffs: print("  column", c, len(diffs), "differ; first at", diffs[0], x[diffs[0]], y[diffs[0]])
ma = json.loads(pq.read_metadata(a).metadata[b"hotspots.partial_cube"])
mb = json.loads(pq.read_metadata(b).metadata[b"hotspots.partial_cube"])
for m in (ma, mb):
    m.pop("producer")
    for i in m["inputs"]:
        i.pop("rejects"); i.pop("rejects_listed")
        if ignore_path: i.pop("path")
meta_same = ma == mb
if meta_same: print("metadata equal (but producer, rejects, rejects_listed%s)" % (", path" if ignore_path else ""))
else:
    for k in ma:
        if ma[k] != mb.get(k):
            if k == "inputs":
                for x, y in zip(ma[k], mb[k]):
                    for kk in x:
                        if x[kk] != y.get(kk): print("  input", x.get("path", "?"), "field differs:", kk, "\n    rust ", json.dumps(x[kk], ensure_ascii=False)[:600], "\n    spark", json.dumps(y.get(kk), ensure_ascii=False)[:600])
            else: print("  differs:", k, ma[k], mb.get(k))
for i in ma["inputs"]:
    print("  ", i.get("path", ""), "read", i["read"], "valid", i["valid"], "rejected", i["rejected_by_reason"])
sys.exit(0 if same and meta_same else 1)
