"""Makes scan-brute-force.json: the prospective space-time permutation scan's log-likelihood
ratios by brute force, with numpy, h3-py and pyproj alone, for the engine's unit tests.

For every centre cell, the circle grows one cell at a time in order of geodesic distance between
cell centres (WGS 84, pyproj's Geod; ties to the lower position), while the radius stays within
max_km and the circle's events over the window within max_share of all events. For every circle
and every duration d = 1 .. max_bins (the last d bins), the expected count is
mu = C_Z * C_T / C (the circle's events over the window times the last d bins' events over the
study area, over the total), and LLR = c ln(c/mu) + (C - c) ln((C - c)/(C - mu)) when c > mu, else
0 (Kulldorff et al. 2005). Written: each centre's best (LLR, circle size, duration), ties to the
smaller circle then the shorter duration, and the cube.

Run once, with: python -m pip install numpy==2.4.6 h3==4.5.0 pyproj
then: python make_scan_fixture.py > scan-brute-force.json
"""

import json
import math
import sys

import h3
import numpy as np
import pyproj

rng = np.random.default_rng(20261202)
centre = h3.latlng_to_cell(60.2, 24.95, 8)
cells = sorted(h3.grid_disk(centre, 3), key=lambda c: int(c, 16))
drop = set(rng.choice(len(cells), 5, replace=False).tolist())
cells = [c for i, c in enumerate(cells) if i not in drop]
index = {c: i for i, c in enumerate(cells)}
n, bins = len(cells), 7
counts = rng.poisson(1.5, (n, bins))
hot = cells[9]
for c in h3.grid_disk(hot, 1):
    if c in index:
        counts[index[c], bins - 2 :] += 4
max_km, max_share, max_bins = 2.0, 0.5, 3

total = int(counts.sum())
cell_totals = counts.sum(axis=1)
geod = pyproj.Geod(ellps="WGS84")
latlng = [h3.cell_to_latlng(c) for c in cells]


def llr(c, mu):
    if c <= mu or mu <= 0:
        return 0.0
    rest = total - c
    inside = c * math.log(c / mu)
    return inside if rest <= 0 else inside + rest * math.log(rest / (total - mu))


best = []
for i in range(n):
    lat, lng = latlng[i]
    dist = []
    for j in range(n):
        d = 0.0 if i == j else geod.inv(lng, lat, latlng[j][1], latlng[j][0])[2] / 1000.0
        if d <= max_km:
            dist.append((d, j))
    dist.sort()
    circle, held = [], 0
    for d, j in dist:
        if held + cell_totals[j] > max_share * total:
            break
        held += cell_totals[j]
        circle.append(j)
    top = (0.0, 0, 0)
    for size in range(1, len(circle) + 1):
        members = circle[:size]
        c_z = int(cell_totals[members].sum())
        for d in range(1, max_bins + 1):
            c = int(counts[members, bins - d :].sum())
            mu = c_z * int(counts[:, bins - d :].sum()) / total
            value = llr(c, mu)
            if value > top[0]:
                top = (value, size, d)
    best.append({"llr": top[0], "size": top[1], "duration": top[2], "circle": circle})

json.dump(
    {
        "made_by": "make_scan_fixture.py",
        "versions": {"numpy": np.__version__, "h3": h3.__version__, "pyproj": pyproj.__version__},
        "cells": cells,
        "bins": bins,
        "counts": counts.ravel().tolist(),
        "max_km": max_km,
        "max_share": max_share,
        "max_bins": max_bins,
        "hot_centre": index[hot],
        "best": best,
    },
    sys.stdout,
)
sys.stdout.write("\n")
