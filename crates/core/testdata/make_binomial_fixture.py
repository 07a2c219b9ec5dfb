"""Makes binomial-tail-scipy.json: reference upper tails P(X >= c) of X ~ Binomial(n, q) from
scipy, for the unit test of the engine's `binomial_upper_tail` (the unmet-concern test).

The cases cover n from 1 to 10 000, q from 0.01 to 0.99 (0.3087 is a concern share seen on the
sample), and for each c at 0, 1, the mean, the mean + 3 sd, the mean + 8 sd and n: the body, the
far tail (values down to 1e-300) and the edges.

Run once, with: python -m pip install scipy==1.17.1
then: python make_binomial_fixture.py > binomial-tail-scipy.json
"""

import json
import math
import sys

import scipy
from scipy.stats import binom

cases = []
for n in (1, 2, 3, 5, 10, 37, 100, 1000, 4321, 10000):
    for q in (0.01, 0.3087, 0.5, 0.99):
        mean, sd = n * q, math.sqrt(n * q * (1 - q))
        cs = sorted({0, 1, round(mean), min(n, round(mean + 3 * sd)), min(n, round(mean + 8 * sd)), n})
        for c in cs:
            # sf(c - 1) = P(X > c - 1) = P(X >= c)
            p = float(binom.sf(c - 1, n, q))
            if p < 1e-300:
                continue
            cases.append({"c": c, "n": n, "q": q, "p": p})

json.dump({"generator": f"scipy {scipy.__version__}, {sys.argv[0]}", "cases": cases}, sys.stdout, indent=1)
print()
