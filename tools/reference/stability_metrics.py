#!/usr/bin/env python3
"""Independent reference values for the explanation-stability metrics (ALGORITHMS.md §3.1).

Generates about 40 seeded pairs of attribution vectors (a, b) and computes, in float64:

* topkIntersection = |T_k(a) ∩ T_k(b)| / k, where T_k(v) holds the k indices with the largest
  |v_i|, ties broken towards the lower index (stable sort of -|v|);
* kendallTau = scipy.stats.kendalltau(|a|, |b|, variant='b')  (tau-b, on magnitudes);
* spearman   = scipy.stats.spearmanr(|a|, |b|)                (average-tie ranks, on magnitudes);
* cosine     = <a,b> / (||a|| ||b||) on signed values (null when either norm is 0);
* relativeL2 = ||a-b||_2 / max(||a||_2, 1e-12) on signed values.

NaN results (a constant vector for Kendall/Spearman) are written as JSON null. The vector
entries are float32-representable (Java attributions are float[]), so a test may parse them
into float[] without changing any value; all metrics are computed from those exact values.
Every value is written with Python repr (full float64 precision). Output is deterministic.

Run from the repository root:
    /usr/bin/python3 tools/reference/stability_metrics.py \
        > model-runner/src/test/resources/stability/metrics-reference.json
"""

import json
import math
import sys
import warnings

import numpy as np
import scipy
from scipy import stats

SEED = 20261124
TINY = 1e-12


def f32(v):
    """Round to float32 and widen back, so the values survive a Java float[] exactly."""
    return np.asarray(v, dtype=np.float32).astype(np.float64)


def topk(v, k):
    return set(np.argsort(-np.abs(v), kind="stable")[:k].tolist())


def none_if_nan(x):
    x = float(x)
    return None if math.isnan(x) else x


def metrics(a, b, k):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # constant input -> NaN, reported as null
        tau = stats.kendalltau(np.abs(a), np.abs(b), variant="b").statistic
        rho = stats.spearmanr(np.abs(a), np.abs(b)).statistic
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    return {
        "topkIntersection": len(topk(a, k) & topk(b, k)) / k,
        "kendallTau": none_if_nan(tau),
        "spearman": none_if_nan(rho),
        "cosine": None if na == 0 or nb == 0 else float(np.dot(a, b) / (na * nb)),
        "relativeL2": float(np.linalg.norm(a - b) / max(na, TINY)),
    }


def tau_b_by_definition(x, y):
    """O(n^2) tau-b = (C-D)/sqrt((P-Ta)(P-Tb)), a self-check of the scipy call."""
    sx = np.sign(x[:, None] - x[None, :])
    sy = np.sign(y[:, None] - y[None, :])
    iu = np.triu_indices(len(x), 1)
    s = (sx * sy)[iu].sum()
    nx, ny = np.count_nonzero(sx[iu]), np.count_nonzero(sy[iu])
    return float("nan") if nx == 0 or ny == 0 else s / math.sqrt(nx * ny)


def ks_for(n):
    return [k for k in (1, 3, 5, 10) if k <= n]


def build_cases(rng):
    cases = []

    def add(name, a, b, k):
        cases.append((name, f32(a), f32(b), k))

    # Random normal vectors: b = a + noise at several levels, and independent pairs.
    for n in (5, 30, 64, 200):
        ks = ks_for(n)
        for i, sigma in enumerate((0.01, 0.1, 0.5)):
            a = rng.standard_normal(n)
            add(f"normal_n{n}_noise{sigma}", a, a + sigma * rng.standard_normal(n), ks[(i + 1) % len(ks)])
        for k in (ks[0], ks[-1]):
            add(f"normal_n{n}_independent_k{k}", rng.standard_normal(n), rng.standard_normal(n), k)

    # Ties from rounding to one decimal.
    for n, k in ((30, 5), (64, 10), (200, 10)):
        a = np.round(rng.standard_normal(n), 1)
        add(f"rounded1_n{n}_noise", a, np.round(a + 0.2 * rng.standard_normal(n), 1), k)
    add("rounded1_n30_independent", np.round(rng.standard_normal(30), 1), np.round(rng.standard_normal(30), 1), 3)

    # Small integer sets {-2..2}: heavy ties, including at the top-k boundary.
    for n, k in ((5, 1), (5, 3), (30, 5), (64, 10)):
        add(f"int_n{n}_k{k}_independent", rng.integers(-2, 3, n), rng.integers(-2, 3, n), k)
    a = rng.integers(-2, 3, 30)
    b = a.copy()
    flip = rng.choice(30, 6, replace=False)
    b[flip] = rng.integers(-2, 3, 6)
    add("int_n30_k10_partly_changed", a, b, 10)

    # ReLU-net-like attributions: many exact zeros; b keeps some, loses some, gains some.
    for n, k, p in ((30, 3, 0.6), (64, 5, 0.7), (200, 10, 0.8)):
        a = rng.standard_normal(n) * (rng.random(n) > p)
        b = (a + 0.1 * rng.standard_normal(n)) * (rng.random(n) > p)
        add(f"sparse_n{n}_zeros{p}", a, b, k)
    a = np.zeros(64)
    a[:3] = (0.5, -0.25, 1.0)
    b = np.zeros(64)
    b[2:6] = (2.0, 0.5, -0.5, 0.25)
    add("sparse_n64_mostly_zero_k5", a, b, 5)

    # All-equal magnitudes: constant |a| makes Kendall and Spearman undefined.
    add("equal_magnitudes_n30_vs_normal", rng.choice([-1.0, 1.0], 30), rng.standard_normal(30), 5)
    add("equal_magnitudes_both_n10", np.full(10, 0.5), rng.choice([-0.5, 0.5], 10), 3)

    # Sign flips with equal magnitudes.
    a = rng.standard_normal(30)
    add("negated_n30", a, -a, 5)
    a = rng.standard_normal(64)
    add("random_sign_flips_n64", a, a * rng.choice([-1.0, 1.0], 64), 10)
    a = rng.integers(-2, 3, 5)
    add("negated_int_n5", a, -a, 3)

    # Zero vectors: cosine undefined; relativeL2 hits the 1e-12 floor when a = 0.
    add("b_zero_n5", rng.standard_normal(5), np.zeros(5), 1)
    add("a_zero_n5", np.zeros(5), rng.standard_normal(5), 3)
    add("both_zero_n5", np.zeros(5), np.zeros(5), 3)
    return cases


def main():
    rng = np.random.default_rng(SEED)
    out = []
    nan_cases = []
    for name, a, b, k in build_cases(rng):
        m = metrics(a, b, k)
        ref = tau_b_by_definition(np.abs(a), np.abs(b))
        assert (m["kendallTau"] is None) == math.isnan(ref), name
        assert m["kendallTau"] is None or abs(m["kendallTau"] - ref) < 1e-12, name
        if m["kendallTau"] is None or m["spearman"] is None:
            nan_cases.append(name)
        out.append({"name": name, "k": k, "a": a.tolist(), "b": b.tolist(), **m})
    names = [c["name"] for c in out]
    assert len(set(names)) == len(names), "duplicate case names"

    body = ",\n".join("  " + json.dumps(c, allow_nan=False) for c in out)
    print('{"generator": "tools/reference/stability_metrics.py", "scipy": %s, "cases": [\n%s\n]}'
          % (json.dumps(scipy.__version__), body))
    print(f"{len(out)} cases; NaN (null) Kendall/Spearman in: {', '.join(nan_cases)}", file=sys.stderr)


if __name__ == "__main__":
    main()
