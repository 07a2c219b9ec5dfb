"""Makes gi-star-esda.json: reference Gi* z-scores from PySAL's esda for the engine's unit tests.

The pure-space case of the engine's space-time Gi* (one bin, time window 0) is esda's
G_Local(star=True) with binary weights. This script builds an irregular study area of H3
resolution-8 cells around Helsinki (a k = 5 disk with some cells removed), seeded Poisson counts
with a planted cluster, the k-ring neighbourhoods (k = 1 and 2) clipped to the study area, and
writes esda's z-scores. esda reports one-sided p-values, so only z is compared.

Run once, with: python -m pip install esda==2.9.0 libpysal==4.14.1 h3==4.5.0 numpy
then: python make_gi_star_fixture.py > gi-star-esda.json
"""

import json
import sys

import esda
import h3
import libpysal
import numpy as np

rng = np.random.default_rng(20261123)
centre = h3.latlng_to_cell(60.2, 24.95, 8)
cells = sorted(h3.grid_disk(centre, 5), key=lambda c: int(c, 16))
drop = set(rng.choice(len(cells), 9, replace=False).tolist())
cells = [c for i, c in enumerate(cells) if i not in drop]
index = {c: i for i, c in enumerate(cells)}

values = rng.poisson(2.0, len(cells)).astype(float)
for c in h3.grid_disk(cells[10], 1):
    if c in index:
        values[index[c]] += rng.poisson(12.0)

cases = []
for k in (1, 2):
    neighbors = {
        i: [index[n] for n in h3.grid_disk(cell, k) if n in index and n != cell] for i, cell in enumerate(cells)
    }
    w = libpysal.weights.W(neighbors, silence_warnings=True)
    g = esda.G_Local(values, w, transform="B", star=True, permutations=0)
    cases.append({"k": k, "z": [float(z) for z in g.Zs]})

json.dump(
    {
        "about": "esda.G_Local(star=True, transform='B') z-scores (esda 2.9.0, libpysal 4.14.1, h3 4.5.0) "
        "on H3 res-8 cells with k-ring neighbourhoods clipped to the cell set; made by make_gi_star_fixture.py",
        "cells": cells,
        "values": values.tolist(),
        "cases": cases,
    },
    sys.stdout,
    indent=1,
)
sys.stdout.write("\n")
