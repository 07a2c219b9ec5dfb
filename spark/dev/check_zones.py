"""check_zones.py HOTSPOTS WORKDIR [ZONE...]: the job's zone table (wall-clock times to instants,
instants to local day and hour) against `hotspots cube` at every offset change of each zone and at
random instants 1779-2207, as naive and as UTC timestamps."""
import os, sys, json, subprocess, random, numpy as np, pyarrow as pa, pyarrow.parquet as pq
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import cube
random.seed(5)
HOTSPOTS, WORK = sys.argv[1], sys.argv[2]
zones = sys.argv[3:] or ["Europe/Helsinki", "America/Havana", "Pacific/Apia", "Australia/Lord_Howe", "Asia/Kolkata",
    "America/St_Johns", "Europe/Dublin", "Africa/Casablanca", "Antarctica/Troll", "Asia/Manila", "America/Sitka", "Europe/Moscow"]
total_bad = 0; total_rows = 0
for zone in zones:
    tz = cube.tz_table(zone)
    vals = []
    for t in tz.trans.tolist():
        for k in range(-20, 21):
            vals.append((t + tz.offs[0] * 0 + k * 600) * 1_000_000)  # around each change, as instants and as local times
    vals += [random.randint(-6_000_000_000, 7_500_000_000) * 1_000_000 + random.randint(0, 999_999) for _ in range(20000)]
    n = len(vals)
    for kind in ("local", "instant"):
        typ = pa.timestamp("us") if kind == "local" else pa.timestamp("us", tz="UTC")
        pq.write_table(pa.table({"occurred_at": pa.array(vals, pa.int64()).cast(typ), "lat": pa.array([60.1699]*n), "lon": pa.array([24.9384]*n),
            "kind": pa.array(["encounter"]*n), "category": pa.array([f"c{i:07d}" for i in range(n)])}), os.path.join(WORK, "z.parquet"))
        subprocess.run([HOTSPOTS, "cube", "-q", os.path.join(WORK, "z.parquet"), "--tz", zone, "--districts", "builtin", "--out", os.path.join(WORK, "rz.parquet")], check=True)
        rust = pq.read_table(os.path.join(WORK, "rz.parquet")); meta = json.loads(pq.read_metadata(os.path.join(WORK, "rz.parquet")).metadata[b"hotspots.partial_cube"])
        want = {r["row"] - 1: ("reject", r["reason"]) for r in meta["inputs"][0]["rejects"]}
        for c, d, h in zip(rust.column("category").to_pylist(), rust.column("day").cast(pa.int32()).to_pylist(), rust.column("hour").to_pylist()):
            want[int(c[1:])] = ("ok", d, h)
        v = np.array(vals, dtype=np.int64)
        if kind == "local":
            inst, ok = tz.resolve_local(v)
        else:
            inst, ok = v, np.ones(n, bool)
        loc = inst + tz.offset_us(inst)
        bad = 0
        for i in range(n):
            got = ("ok", int(loc[i] // cube.DAY_US), int(min((loc[i] % cube.DAY_US) // cube.HOUR_US, 23))) if ok[i] else ("reject", "nonexistent_local_time")
            if got != want.get(i):
                bad += 1
                if bad < 5: print(zone, kind, vals[i], got, want.get(i))
        total_bad += bad; total_rows += n
        print(zone, kind, "rows", n, "transitions", len(tz.trans), "mismatches", bad)
print("total mismatches", total_bad, "of", total_rows, "rows")
