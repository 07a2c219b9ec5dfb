"""gen_faults.py OUTDIR TIMES.parquet: the fault files of run_faults.sh (every reject reason, text,
UTC, naive, date, nanosecond and INT96 times, text/int/uint64 ids repeated within and across files,
missing optional columns)."""
import random, sys, pyarrow as pa, pyarrow.parquet as pq, datetime as dt
random.seed(3)
OUT = sys.argv[1].rstrip("/") + "/"
def points(n):
    return [round(random.uniform(60.0, 60.45), random.choice([3, 5, 9])) for _ in range(n)], [round(random.uniform(24.5, 25.5), random.choice([3, 5, 9])) for _ in range(n)]
KINDS = ["encounter", "concern", " Encounter ", "MÖTE", "Kohtaaminen", "orosanmälan", "HUOLI-ILMOITUS", "Concern\t", "visit", None, "", "möte ", "ENCOUNTERS"]
CATS = ["safety", " safety ", "", None, "ä-category", "Safety", "substance", "\u00a0mental_health\u3000", "\x1cx"]
BAD_COORDS = [(None, 24.9), (60.2, None), (float("nan"), 24.9), (60.2, float("inf")), (91.0, 24.9), (60.2, -181.0), (0.0, 0.0), (-0.0, 0.0), (90.0, 180.0), (61.5, 23.7), (float("-inf"), None)]
def base(n, time_values, time_type, ids, id_type, weight=True, cat=True, latlon_type=pa.float64(), cat_dict=False):
    lat, lon = points(n)
    for i in range(0, n, 37):
        a, b = random.choice(BAD_COORDS); lat[i], lon[i] = a, b
    cols = {"occurred_at": pa.array(time_values, pa.int64()).cast(time_type) if time_type != pa.string() and not pa.types.is_date(time_type) else pa.array(time_values, time_type),
            "lat": pa.array(lat, pa.float64()).cast(latlon_type), "lon": pa.array(lon, pa.float64()).cast(latlon_type),
            "kind": pa.array([random.choice(KINDS) if random.random() < 0.15 else random.choice(["encounter", "concern"]) for _ in range(n)])}
    if cat:
        c = pa.array([random.choice(CATS) for _ in range(n)])
        cols["category"] = c.dictionary_encode() if cat_dict else c
    if ids is not None:
        cols["id"] = pa.array(ids, id_type)
    if weight:
        ws = [random.choice([None, 1.0, 0.5, 2.5, 0.0, -0.0, -1.0, float("nan"), float("inf"), 1e7, 0.1, 1/3, 3.0]) if random.random() < 0.2 else 1.0 for _ in range(n)]
        cols["weight"] = pa.array(ws, pa.float64())
    return pa.table(cols)
US = 1_000_000
t0 = int(dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc).timestamp()) * US
def inst(n): return [t0 + random.randint(0, 330 * 86400) * US + random.randint(0, US - 1) for _ in range(n)]
# Run 1: text times, text ids (A has weight; A2 lacks it), cross-file dups.
times = pq.read_table(sys.argv[2]).column("occurred_at").to_pylist()
good = [dt.datetime.fromtimestamp(t / US, dt.timezone.utc).isoformat() for t in inst(3000)]
def tvals(n): return [random.choice(times) if random.random() < 0.3 else random.choice(good) for _ in range(n)]
n = 6000
ids = [random.choice([f"syn-1-{random.randint(1, 4000):09d}", f" syn-1-{random.randint(1,4000):09d} ", str(random.randint(1, 3000)), f"{random.randint(1, 3000):05d}", f"+{random.randint(1,3000)}", "", "  ", None, "18446744073709551615", "-1", "CASE-12345678901234567", "ab"]) for _ in range(n)]
pq.write_table(base(n, tvals(n), pa.string(), ids, pa.string()), OUT + "A_text.parquet")
ids2 = [random.choice([f"syn-1-{random.randint(1, 4000):09d}", str(random.randint(1, 3000)), None]) for _ in range(3000)]
pq.write_table(base(3000, tvals(3000), pa.string(), ids2, pa.string(), weight=False), OUT + "A2_text.parquet")
# Run 2: UTC timestamps (us), int64 ids with dups; B2 the same types, other rows, no category column.
pq.write_table(base(8000, inst(8000), pa.timestamp("us", tz="UTC"), [random.randint(1, 6000) if random.random() < 0.95 else None for _ in range(8000)], pa.int64()), OUT + "B_ts.parquet")
pq.write_table(base(4000, inst(4000), pa.timestamp("us", tz="UTC"), [random.randint(4000, 9000) for _ in range(4000)], pa.int64(), cat=False), OUT + "B2_ts.parquet")
# Run 3: naive (local) timestamps around the DST changes, uint64 ids, int weights, no category.
loc = []
for _ in range(5000):
    d = random.choice([dt.datetime(2026, 3, 29, 2, 0), dt.datetime(2026, 10, 25, 2, 30), dt.datetime(2026, 6, 1, 12, 0)])
    loc.append(int((d - dt.datetime(1970, 1, 1)).total_seconds()) * US + random.randint(0, 3 * 3600) * US)
tb = base(5000, loc, pa.timestamp("us"), [random.choice([random.randint(1, 3000), 2**64 - 1, 2**63 + 5]) for _ in range(5000)], pa.uint64(), weight=False, cat=False)
tb = tb.append_column("weight", pa.array([random.choice([1, 2, 0, -3, None]) for _ in range(5000)], pa.int32()))
pq.write_table(tb, OUT + "C_ntz.parquet")
# Run 4: dates, in America/Havana (midnight in the gap on 2026-03-08), resolution 9, no ids.
days = [random.choice([20520, 20521, 20522, 20600]) + random.randint(-3, 3) for _ in range(4000)]
pq.write_table(base(4000, days, pa.date32(), None, None), OUT + "D_date.parquet")
# Run 5: nanosecond UTC timestamps, float32 coordinates, dictionary categories.
pq.write_table(base(5000, [t * 1000 + 789 for t in inst(5000)], pa.timestamp("ns", tz="UTC"), list(range(5000)), pa.int32(), latlon_type=pa.float32(), cat_dict=True), OUT + "E_ns.parquet")
pq.write_table(pq.read_table(OUT + "C_ntz.parquet"), OUT + "F_int96.parquet", use_deprecated_int96_timestamps=True, store_schema=False)
pq.write_table(pa.table({"occurred_at": pa.array([], pa.timestamp("us", tz="UTC")), "lat": pa.array([], pa.float64()), "lon": pa.array([], pa.float64()), "kind": pa.array([], pa.string()), "id": pa.array([], pa.int64())}), OUT + "empty.parquet")
print("wrote the fault files to", OUT)
