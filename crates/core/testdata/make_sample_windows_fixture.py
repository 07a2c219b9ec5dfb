"""Makes gi-star-windows-sample.json: Gi* z-scores of the bundled sample's cube under the three
global windows, computed with numpy, h3-py and pyproj alone from the counts in the engine's
cube.parquet, for the end-to-end test that reads the engine's own z back.

The three configurations are those of tests/statistics.rs
(gi_star_read_back_from_the_cube_matches_a_recomputation_with_h3o_rings):
  cube          k = 2 rings, time window 2
  neighborhood  cells whose centres lie within 1500 m (geodesic, WGS 84), time window 1
  individual    k = 1 ring, time window 1
Each bin t is measured against the mean, population standard deviation and count of its global
window (every bin; every cell in bins t-w .. t; every cell in bin t), and
z = (sum - mean*W) / (S*sqrt((n*W - W^2)/(n - 1))), 0 when S = 0 or W >= n.
Written: every 53rd (cell, bin) z in the cube's order (cells in H3 order, bins oldest first) and,
over all 53,404, the sum of z and of z^2.

Run once, with: python -m pip install numpy==2.4.6 h3==4.5.0 pyproj pyarrow
then: hotspots analyze --out o -q
      python make_sample_windows_fixture.py o/internal/cube.parquet > gi-star-windows-sample.json
"""

import json
import sys

import h3
import numpy as np
import pyarrow.parquet as pq
import pyproj

table = pq.read_table(sys.argv[1], columns=["h3", "count"])
h3s = table.column("h3").to_pylist()
counts = np.array(table.column("count").to_pylist(), dtype=float)
cells = list(dict.fromkeys(h3s))
n_cells = len(cells)
bins = len(h3s) // n_cells
values = counts.reshape(n_cells, bins)
index = {c: i for i, c in enumerate(cells)}


def rings(k):
    return [[index[c] for c in h3.grid_disk(cell, k) if c in index] for cell in cells]


def within(metres):
    geod = pyproj.Geod(ellps="WGS84")
    lat = np.array([h3.cell_to_latlng(c)[0] for c in cells])
    lng = np.array([h3.cell_to_latlng(c)[1] for c in cells])
    out = []
    for i in range(n_cells):
        _, _, d = geod.inv(np.full(n_cells, lng[i]), np.full(n_cells, lat[i]), lng, lat)
        near = np.flatnonzero(d <= metres).tolist()
        if i not in near:
            near.append(i)
        out.append(sorted(near))
    return out


def z_scores(nb, w, window):
    z = np.zeros((n_cells, bins))
    for t in range(bins):
        first = max(0, t - w)
        g = {"cube": values, "neighborhood": values[:, first : t + 1], "individual": values[:, t : t + 1]}[window]
        n, mean, std = g.size, g.mean(), g.std()
        for i in range(n_cells):
            block = values[nb[i], first : t + 1]
            big_w = block.size
            if std == 0 or big_w >= n:
                continue
            z[i, t] = (block.sum() - mean * big_w) / (std * np.sqrt((n * big_w - big_w**2) / (n - 1)))
    return z.ravel()


cases = []
for window, nb, w in (("cube", rings(2), 2), ("neighborhood", within(1500.0), 1), ("individual", rings(1), 1)):
    z = z_scores(nb, w, window)
    cases.append(
        {
            "window": window,
            "every": 53,
            "z": z[::53].tolist(),
            "sum": float(z.sum()),
            "sum_squares": float((z * z).sum()),
        }
    )

json.dump(
    {
        "made_by": "make_sample_windows_fixture.py",
        "versions": {"numpy": np.__version__, "h3": h3.__version__, "pyproj": pyproj.__version__},
        "cells": n_cells,
        "bins": bins,
        "cases": cases,
    },
    sys.stdout,
)
sys.stdout.write("\n")
