"""Writes forecast-statsmodels.json: every forecast candidate's prediction, the Poisson
regression's coefficients and the validation choice on a small cube, computed independently of
the engine from the definitions in crates/core/src/stats/forecast.rs's module documentation.

The Poisson regression is statsmodels' GLM (family Poisson, log link, IRLS); the rest is numpy.
Run with Python 3.11, numpy 2.x and statsmodels 0.15 (the versions are written to the file):

    python crates/core/testdata/make_forecast_fixture.py > crates/core/testdata/forecast-statsmodels.json
"""
import json
import sys

import numpy as np
import statsmodels
import statsmodels.api as sm

CELLS, BINS = 6, 14
rng = np.random.default_rng(20261201)
level = np.array([2.0, 6.0, 1.0, 9.0, 4.0, 0.5])
counts = np.zeros((CELLS, BINS), dtype=np.int64)
for c in range(CELLS):
    for b in range(BINS):
        lam = level[c] * (1.0 + 0.08 * b * (c % 2)) + (12.0 if (c == 2 and b >= 10) else 0.0)
        counts[c, b] = rng.poisson(lam)

# Cells on a line; a cell's ring is its neighbours without itself.
ring = [[n for n in (c - 1, c + 1) if 0 <= n < CELLS] for c in range(CELLS)]
EWMA_ALPHAS = [0.1, 0.2, 0.3, 0.5, 0.7, 0.9]
RING_WEIGHTS = [0.25, 0.5]


def mean(c, lo, hi):
    return 0.0 if hi <= lo else float(counts[c, lo:hi].mean())


def ewma(series, alpha):
    if len(series) == 0:
        return 0.0
    s = float(series[0])
    for x in series[1:]:
        s = alpha * x + (1 - alpha) * s
    return s


def features(c, o):
    f4 = max(o - 4, 0)
    ring_mean = np.mean([mean(n, f4, o) for n in ring[c]]) if ring[c] else 0.0
    return [1.0, np.log1p(counts[c, o - 1]), np.log1p(mean(c, f4, o)), np.log1p(mean(c, 0, o)), np.log1p(ring_mean)]


def candidates():
    out = [("changepoint", {"z": z, "alpha": 0.5}) for z in (2.0, 3.0, 1.5)]
    out += [("last_bin", {}), ("last_4", {}), ("history", {})]
    out += [("ewma", {"alpha": a}) for a in EWMA_ALPHAS]
    out += [("spatial_ewma", {"alpha": a, "ring_weight": w}) for a in EWMA_ALPHAS for w in RING_WEIGHTS]
    out += [("poisson_lag", {})]
    return out


def predict(name, p, o):
    """Every cell's forecast of bin o from bins 0..o; with the coefficients for the regression."""
    if name == "changepoint":
        res = []
        for c in range(CELLS):
            f4 = max(o - 4, 0)
            m, m4 = mean(c, 0, o), mean(c, f4, o)
            se = (max(m, 0.25) / max(o - f4, 1)) ** 0.5
            res.append(ewma(counts[c, :o], p["alpha"]) if abs(m4 - m) / se > p["z"] else m)
        return res, None
    if name == "last_bin":
        return [float(counts[c, o - 1]) for c in range(CELLS)], None
    if name == "last_4":
        return [mean(c, max(o - 4, 0), o) for c in range(CELLS)], None
    if name == "history":
        return [mean(c, 0, o) for c in range(CELLS)], None
    if name == "ewma":
        return [ewma(counts[c, :o], p["alpha"]) for c in range(CELLS)], None
    if name == "spatial_ewma":
        own = [ewma(counts[c, :o], p["alpha"]) for c in range(CELLS)]
        w = p["ring_weight"]
        return [(1 - w) * own[c] + w * (np.mean([own[n] for n in ring[c]]) if ring[c] else own[c]) for c in range(CELLS)], None
    if name == "poisson_lag":
        first = max(o - 8, 1)
        x = [features(c, t) for t in range(first, o) for c in range(CELLS)]
        y = [counts[c, t] for t in range(first, o) for c in range(CELLS)]
        fit = sm.GLM(np.array(y, dtype=float), np.array(x), family=sm.families.Poisson()).fit(tol=1e-12, maxiter=100)
        beta = fit.params
        return [float(np.exp(np.dot(beta, features(c, o)))) for c in range(CELLS)], [float(b) for b in beta]
    raise ValueError(name)


def top(values, budget):
    order = sorted(range(len(values)), key=lambda i: (-values[i], i))
    return order[:budget]


BUDGET = 2
origins = list(range(max(BINS - 8, min(4, BINS - 1), 1), BINS))
validation = []
for name, p in candidates():
    caps = []
    for o in origins:
        pred, _ = predict(name, p, o)
        actual = counts[:, o]
        caps.append(float(sum(actual[c] for c in top(pred, BUDGET)) / actual.sum()) if actual.sum() > 0 else 0.0)
    validation.append({"model": name, **p, "capture": float(np.mean(caps))})
default = validation[0]
rival = max(validation[1:], key=lambda v: v["capture"])  # the first of equals: max keeps the first
chosen = rival if rival["capture"] > default["capture"] + 0.01 else default
name = chosen["model"]
params = {k: v for k, v in chosen.items() if k not in ("model", "capture")}
nxt, beta = predict(name, params, BINS)
# Daily bins: the next bin's weekday factor (bin b's weekday is b mod 7, the next is 14 mod 7 = 0).
overall = counts.sum() / BINS
days = [b for b in range(BINS) if b % 7 == BINS % 7]
factor = np.mean([counts[:, b].sum() for b in days]) / overall
json.dump(
    {
        "origin": "crates/core/testdata/make_forecast_fixture.py",
        "versions": {"python": sys.version.split()[0], "numpy": np.__version__, "statsmodels": statsmodels.__version__},
        "counts": counts.tolist(),
        "budget": BUDGET,
        "validation_bins": origins,
        "predictions_at_last_bin": [
            {"model": n, **p, "next": predict(n, p, BINS)[0], "coefficients": predict(n, p, BINS)[1]} for n, p in candidates()
        ],
        "validation": validation,
        "chosen": chosen,
        "next": nxt,
        "daily_factor": float(factor),
    },
    sys.stdout,
    indent=1,
)
