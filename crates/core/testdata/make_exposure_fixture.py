"""Makes exposure-gi-star.json: reference values of the Poisson-exposure space-time Gi* for the
engine's unit test (crates/core/src/stats/exposure.rs), computed here independently of the engine,
in plain Python (no libraries), straight from the formula in the module's documentation:

    rate  r = (sum of encounters over cell-bins with effort) / (sum of effort hours)
    E_jt  = r * h_jt                      (expected encounters of a cell-bin)
    for cell i, bin t, neighbourhood N = cells j in i's list (itself included) x bins t-w..t,
    keeping only cell-bins with effort h > 0:
    z     = (sum O - sum E) / sqrt(sum E),   z = 0 and p = 1 where sum E = 0
    p     = two-sided, standard normal:  p = erfc(|z| / sqrt(2))

The cube: 12 cells in a strip (neighbours: the cell and the cells one and two places away),
8 bins, seeded pseudo-random effort (some cell-bins with none) and Poisson encounters whose rate
per hour is raised in cells 4-6 in the last three bins. Run: python3 make_exposure_fixture.py >
exposure-gi-star.json (Python 3.11, no packages).
"""

import json
import math
import random

rng = random.Random(20261202)
CELLS, BINS = 12, 8


def poisson(mu):
    # Knuth's method: fine for the small means here.
    limit, k, p = math.exp(-mu), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


hours = []
encounters = []
for c in range(CELLS):
    for t in range(BINS):
        h = 0.0 if rng.random() < 0.2 else round(rng.uniform(0.5, 12.0), 2)
        per_hour = 0.8 if (4 <= c <= 6 and t >= BINS - 3) else 0.25
        hours.append(h)
        # A few encounters where no effort was logged (an incomplete log): not compared.
        encounters.append(poisson(per_hour * h) if h > 0 else (1 if rng.random() < 0.3 else 0))

neighbours = [[j for j in range(CELLS) if abs(i - j) <= 2] for i in range(CELLS)]

observed = sum(o for o, h in zip(encounters, hours) if h > 0)
rate = observed / sum(hours)

cases = []
for w in (0, 1):
    z, p = [], []
    for i in range(CELLS):
        for t in range(BINS):
            so = se = 0.0
            for j in neighbours[i]:
                for s in range(max(0, t - w), t + 1):
                    h = hours[j * BINS + s]
                    if h > 0:
                        so += encounters[j * BINS + s]
                        se += rate * h
            if se > 0:
                zz = (so - se) / math.sqrt(se)
            else:
                zz = 0.0
            z.append(zz)
            p.append(math.erfc(abs(zz) / math.sqrt(2.0)))
    cases.append({"w": w, "z": z, "p": p})

print(
    json.dumps(
        {
            "source": "crates/core/testdata/make_exposure_fixture.py (plain Python 3.11)",
            "cells": CELLS,
            "bins": BINS,
            "hours": hours,
            "encounters": encounters,
            "neighbours": neighbours,
            "rate": rate,
            "cases": cases,
        },
        indent=1,
    )
)
