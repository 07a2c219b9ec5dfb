"""The peer pipeline: what an analyst would write today instead of hotspots, with the Python
stack people use for this job (pyarrow, h3-py, pandas, libpysal, esda, pymannkendall), computing
the same cube, space-time Gi*, Mann-Kendall trend and emerging-hotspot pattern as
`hotspots analyze` with its defaults and no districts layer (DESIGN.md, "The statistics").

    python peer_pipeline.py EVENTS.parquet OUT.csv [--resolution 8] [--bin week|day] [--k 1]
                            [--time-window 1] [--alpha 0.05] [--tz Europe/Helsinki]

Writes one row per cell (h3, category) and prints the time of each stage. Used by
`benches/e2e.sh`, which also compares its categories with the engine's.
"""

import argparse
import sys
import time

import h3
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pymannkendall
import scipy.sparse as sp
from esda.getisord import G_Local
from libpysal.graph import Graph


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("events")
    ap.add_argument("out")
    ap.add_argument("--resolution", type=int, default=8)
    ap.add_argument("--bin", choices=["week", "day"], default="week")
    ap.add_argument("--k", type=int, default=1)
    ap.add_argument("--time-window", type=int, default=1)
    ap.add_argument("--alpha", type=float, default=0.05)
    ap.add_argument("--tz", default="Europe/Helsinki")
    a = ap.parse_args()
    step = 7 if a.bin == "week" else 1
    t0 = time.perf_counter()
    stages = []

    def stage(name):
        nonlocal t0
        now = time.perf_counter()
        stages.append((name, now - t0))
        t0 = now

    # Read: the columns the analysis needs.
    table = pq.read_table(a.events, columns=["occurred_at", "lat", "lon"])
    df = table.to_pandas()
    ok = df["lat"].between(-90, 90) & df["lon"].between(-180, 180) & df["occurred_at"].notna()
    df = df[ok]
    stage("read")

    # Index: one h3 call per event, as h3-py offers it.
    df["cell"] = [h3.latlng_to_cell(la, lo, a.resolution) for la, lo in zip(df["lat"].to_numpy(), df["lon"].to_numpy())]
    stage("h3")

    # Bins: local days in the zone, counted back from midnight after the latest event's day.
    local = df["occurred_at"].dt.tz_convert(a.tz).dt.tz_localize(None)
    day = (local.to_numpy().astype("datetime64[D]").astype(np.int64))
    end = day.max() + 1
    nbins = (end - day.min()) // step
    b = nbins - 1 - (end - 1 - day) // step
    keep = b >= 0
    cube = pd.crosstab(df["cell"][keep], b[keep]).reindex(columns=range(nbins), fill_value=0)
    cube = cube.sort_index()
    cells = cube.index.to_numpy()
    counts = cube.to_numpy(dtype=float)  # cells × bins
    stage("cube")

    # Weights: k rings of H3 neighbours (self included), and the bins t-w..t, as a libpysal Graph
    # over the (cell, bin) nodes, cell-major.
    position = {c: i for i, c in enumerate(cells)}
    rows, cols = [], []
    for i, c in enumerate(cells):
        for n in h3.grid_disk(c, a.k):
            j = position.get(n)
            if j is not None:
                rows.append(i)
                cols.append(j)
    n_cells, t = counts.shape
    space = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n_cells, n_cells))
    time_window = sum(sp.eye(t, k=-s) for s in range(a.time_window + 1))
    graph = Graph.from_sparse(sp.kron(space, time_window, format="csr"))
    stage("weights")

    # Gi*: esda's G_Local with binary weights and the self-weight on the diagonal.
    gi = G_Local(counts.ravel(), graph, transform="B", star=None, permutations=0)
    z = np.asarray(gi.Zs).reshape(n_cells, t)
    p = 2 * np.asarray(gi.p_norm).reshape(n_cells, t)  # esda's p_norm is one-sided
    stage("gi_star")

    # Trend: Mann-Kendall on each cell's z series.
    trends = []
    for i in range(n_cells):
        r = pymannkendall.original_test(z[i], alpha=a.alpha)
        trends.append((r.s, r.p))
    stage("mann_kendall")

    categories = [classify(z[i], p[i], trends[i], a.alpha) for i in range(n_cells)]
    pd.DataFrame({"h3": cells, "category": categories}).to_csv(a.out, index=False)
    stage("patterns")
    for name, seconds in stages:
        print(f"{name:>12} {seconds:8.2f} s", file=sys.stderr)
    print(f"{n_cells} cells × {t} bins, {int(counts.sum())} events", file=sys.stderr)


def classify(z, p, trend, alpha):
    """DESIGN.md's table: the final bin decides the side; the first rule that matches wins."""
    hot = (p < alpha) & (z > 0)
    cold = (p < alpha) & (z < 0)
    s, tp = trend
    up, down = tp < alpha and s > 0, tp < alpha and s < 0
    n = len(z)
    for side, mine, other, strengthens, weakens in (("hot", hot, cold, up, down), ("cold", cold, hot, down, up)):
        if not mine[-1]:
            continue
        share = 10 * mine.sum() >= 9 * n
        if share and strengthens:
            return f"intensifying_{side}_spot"
        if share and weakens:
            return f"diminishing_{side}_spot"
        if share:
            return f"persistent_{side}_spot"
        if mine.sum() == 1:
            return f"new_{side}_spot"
        run = int(np.argmin(mine[::-1])) if not mine.all() else len(mine)  # trailing hot bins
        if run >= 2 and mine.sum() == run:
            return f"consecutive_{side}_spot"
        if other.any():
            return f"oscillating_{side}_spot"
        return f"sporadic_{side}_spot"
    if 10 * hot.sum() >= 9 * n:
        return "historical_hot_spot"
    if 10 * cold.sum() >= 9 * n:
        return "historical_cold_spot"
    return "no_pattern_detected"


if __name__ == "__main__":
    main()
