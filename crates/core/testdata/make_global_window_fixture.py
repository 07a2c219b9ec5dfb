"""Makes gi-star-windows.json: space-time Gi* z-scores under ArcGIS's three global windows, and
distance neighbourhoods, computed with numpy and h3-py alone, for the engine's unit tests.

The engine's `gi_star_in` measures bin t's neighbourhood sum against the mean, the population
standard deviation and the count n of the bins in its global window:
  cube          every bin                    (ArcGIS ENTIRE_CUBE)
  neighborhood  every cell in bins t-w .. t  (ArcGIS NEIGHBORHOOD_TIME_STEP), clipped at bin 0
  individual    every cell in bin t          (ArcGIS INDIVIDUAL_TIME_STEP)
The neighbourhood is the same in every mode: cells within k rings (h3.grid_disk) clipped to the
study area, in bins t-w .. t. z = (sum - mean*W) / (S*sqrt((n*W - W^2)/(n - 1))), 0 when S = 0
or W >= n. This script writes that formula out on its own, over an irregular study area of 30
H3 resolution-8 cells around Helsinki with seeded counts over 8 weekly bins, a hot cluster that
starts in bin 5 and a quiet spell in bin 2.

It also lists, for 600 m, 900 m and 1500 m, each cell's neighbours by distance: the cells whose
centres lie within that many metres (geodesic on WGS 84, pyproj's Geod), the bound included.

Run once, with: python -m pip install numpy==2.4.6 h3==4.5.0 pyproj
then: python make_global_window_fixture.py > gi-star-windows.json
"""

import json
import sys

import h3
import numpy as np
import pyproj

rng = np.random.default_rng(20261201)
centre = h3.latlng_to_cell(60.2, 24.95, 8)
cells = sorted(h3.grid_disk(centre, 3), key=lambda c: int(c, 16))
drop = set(rng.choice(len(cells), 7, replace=False).tolist())
cells = [c for i, c in enumerate(cells) if i not in drop]
index = {c: i for i, c in enumerate(cells)}
n_cells, bins = len(cells), 8

values = rng.poisson(2.0, (n_cells, bins)).astype(float)
for c in h3.grid_disk(cells[4], 1):
    if c in index:
        values[index[c], 5:] += 9.0
values[:, 2] = 0.0
values[7, 2] = 1.0


def z_scores(k, w, window):
    nb = [[index[c] for c in h3.grid_disk(cell, k) if c in index] for cell in cells]
    z = np.zeros((n_cells, bins))
    for t in range(bins):
        first = max(0, t - w)
        if window == "cube":
            g = values
        elif window == "neighborhood":
            g = values[:, first : t + 1]
        else:
            g = values[:, t : t + 1]
        n = g.size
        mean, std = g.mean(), g.std()
        for i in range(n_cells):
            block = values[nb[i], first : t + 1]
            big_w = block.size
            if std == 0 or big_w >= n:
                continue
            z[i, t] = (block.sum() - mean * big_w) / (std * np.sqrt((n * big_w - big_w**2) / (n - 1)))
    return z


cases = []
for k in (1, 2):
    for w in (0, 1, 2):
        for window in ("cube", "neighborhood", "individual"):
            z = z_scores(k, w, window)
            cases.append({"k": k, "w": w, "window": window, "z": z.ravel().tolist()})

geod = pyproj.Geod(ellps="WGS84")
latlng = [h3.cell_to_latlng(c) for c in cells]
distance = []
for metres in (600.0, 900.0, 1500.0):
    lists = []
    for i, (lat, lng) in enumerate(latlng):
        near = []
        for j, (lat2, lng2) in enumerate(latlng):
            _, _, d = geod.inv(lng, lat, lng2, lat2)
            if i == j or d <= metres:
                near.append(j)
        lists.append(near)
    distance.append({"metres": metres, "neighbours": lists})

json.dump(
    {
        "made_by": "make_global_window_fixture.py",
        "versions": {"numpy": np.__version__, "h3": h3.__version__, "pyproj": pyproj.__version__},
        "cells": cells,
        "bins": bins,
        "values": values.ravel().tolist(),
        "cases": cases,
        "distance": distance,
    },
    sys.stdout,
    indent=None,
)
sys.stdout.write("\n")
