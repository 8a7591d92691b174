#!/usr/bin/env python3
"""Independent float64 reference for the linear-relaxation bounds on input gradients (ALGORITHMS.md §7).

The Java method (model-runner, dev.stabilis.certify.LinearGradientBounds) bounds each coordinate of the gradient
of a logit over an input box by CROWN applied to the computation of the gradient (Shi et al., NeurIPS 2022). This
script computes the same bounds from the mathematics, in float64 numpy with dense matrices, with the relaxation
choices the Java code documents, so that the two can be compared to 1e-9:

* the fixture's ONNX graph (read by interval_bounds.py's loader and point interpreter) is turned into a chain of
  dense affine maps (their Jacobians, taken by autograd at the sample) and activations;
* pre-activation boxes: CROWN back-substitution to the input for every activation input, intersected with the
  interval (IBP) box;
* adjoint boxes: the interval backward pass over those boxes (the Java method tightens them further by linear bounds
  up the backward chain only when it optimises its relaxations, alphaSteps > 0, which this reference does not model);
* the gradient: a linear lower bound of each ±g_j, propagated up the backward chain (McCormick's planes for each
  product σ′(z) ⊙ δ, averaged on each side) with the σ′ term relaxed in z and taken down the forward pass by CROWN;
  minimised over the box and intersected with the interval bounds.

Relaxations (those of LinearRelaxation.java): ReLU/LeakyReLU by the triangle (chord above; below the line through 0
of the slope whose side of the box is longer); sigmoid, tanh and softplus, and softplus′ = sigmoid, by the two
lines parallel to the chord through the extremes of f(z) − k·z; ReLU′, LeakyReLU′, tanh′ and sigmoid′ by their
constant interval range.

It writes linear_bounds.json next to each fixture's model (samples 0-3, ε fractions 0.001/0.01/0.05, logit of the
class predicted at the sample) and asserts its self-checks: the dense chain reproduces the graph, its interval
bounds equal interval_bounds.py's, and no sampled point's gradient, pre-activation value or adjoint escapes.
Run from the repository root:  /usr/bin/python3 tools/reference/linear_bounds.py
"""

import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import interval_bounds as ib  # noqa: E402  (the ONNX loader, point interpreter and interval reference)

MODELS = ib.MODELS
FRACTIONS = [0.001, 0.01, 0.05]
N_SAMPLES = 4
N_RANDOM_UNIFORM = 1000
N_RANDOM_VERTEX = 300
SOUND_TOL = 1e-9
SHAPE_OPS = {"Constant", "Shape", "Gather", "Unsqueeze", "Concat"}


# ----------------------------------------------------------------------------------------
# The graph as a chain of dense affine maps and activations
# ----------------------------------------------------------------------------------------

class Affine:
    """v_out = W v_in + b on flattened values."""

    def __init__(self, W, b):
        self.W, self.b, self.absW = W, b, np.abs(W)


class Act:
    def __init__(self, kind, alpha):
        self.kind, self.alpha = kind, alpha


def chain(G, x, shape, probe):
    """The graph's data path as [Affine | Act], the names of the values between them and the worst relative
    deviation of the affine maps from the graph at a second input `probe`."""
    values = {}
    ib.run_point(G, torch.from_numpy(x).reshape((1,) + shape).requires_grad_(True), values)
    probe_values = {}
    ib.run_point(G, torch.from_numpy(probe).reshape((1,) + shape), probe_values)
    layers, names = [], [G.input]
    worst = 0.0
    for op, ins, outs, a in G.nodes:
        if op in SHAPE_OPS:
            continue
        assert ins[0] == names[-1] and all(ib.is_const(values.get(i, G.consts.get(i))) for i in ins[1:] if i), \
            "not a chain: %s %s" % (op, ins)
        if op in ib.ACTIVATIONS:
            # ONNX float attributes are float32: LeakyReLU's 0.1 is 0.10000000149011612, as the graph computes it
            layers.append(Act(op, float(a.get("alpha", 0.01))))
        else:
            v_in, v_out = values[ins[0]], values[outs[0]]
            m = v_out.numel()
            W = np.stack([torch.autograd.grad(v_out.reshape(-1)[k], v_in, retain_graph=True)[0].reshape(-1).numpy()
                          for k in range(m)])
            b = v_out.detach().reshape(-1).numpy() - W @ v_in.detach().reshape(-1).numpy()
            want = probe_values[outs[0]].reshape(-1).numpy()
            got = W @ probe_values[ins[0]].reshape(-1).numpy() + b
            worst = max(worst, float(np.max(np.abs(got - want)) / max(1.0, np.max(np.abs(want)))))
            layers.append(Affine(W, b))
        names.append(outs[0])
    assert names[-1] == G.output
    return layers, names, worst


# ----------------------------------------------------------------------------------------
# Elementwise functions, derivative ranges and relaxations
# ----------------------------------------------------------------------------------------

def act_value(layer, z):
    return ib.act_forward(layer.kind, torch.from_numpy(z), layer.alpha).numpy()


def derivative_range(layer, l, u):
    dl, du = ib.deriv_bounds(layer.kind, torch.from_numpy(l), torch.from_numpy(u), layer.alpha)
    return dl.numpy(), du.numpy()


def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def logit(p):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(p / (1.0 - p))


def sigmoid_slope_points(k):
    """z with sigmoid′(z) = s(1 − s) = k: s = (1 ± √(1 − 4k)) / 2."""
    with np.errstate(invalid="ignore"):
        root = np.sqrt(1.0 - 4.0 * k)
    return [logit((1.0 + root) / 2.0), logit((1.0 - root) / 2.0)]


def tanh_slope_points(k):
    """z with tanh′(z) = 1 − t² = k: t = ±√(1 − k)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.arctanh(np.sqrt(1.0 - k))
    return [z, -z]


def parallel_chord(f, slope_points, l, u):
    """Lines of the chord's slope k below and above f on [l, u], through the extremes of h(z) = f(z) − k·z, which lie
    at the ends or where f′(z) = k."""
    w = u - l
    k = np.where(w > 0, (f(u) - f(l)) / np.where(w > 0, w, 1.0), 0.0)
    hl, hu = f(l) - k * l, f(u) - k * u
    low, high = np.minimum(hl, hu), np.maximum(hl, hu)
    for z in slope_points(k):
        inside = (z > l) & (z < u)
        zs = np.where(inside, z, l)
        h = f(zs) - k * zs
        low = np.where(inside, np.minimum(low, h), low)
        high = np.where(inside, np.maximum(high, h), high)
    return k, low, k, high


def value_relaxation(layer, l, u):
    """(aL, bL, aU, bU) with aL·z + bL ≤ σ(z) ≤ aU·z + bU on [l, u]."""
    if layer.kind in ("Relu", "LeakyRelu"):
        a = 0.0 if layer.kind == "Relu" else layer.alpha  # slope below 0; above it is 1, and a < 1: convex
        assert a < 1
        pos, neg = l >= 0, u <= 0
        w = np.where(u > l, u - l, 1.0)
        chord = (u - a * l) / w
        lower_slope = np.where(pos, 1.0, np.where(neg, a, np.where(u > -l, 1.0, a)))
        upper_slope = np.where(pos, 1.0, np.where(neg, a, chord))
        upper_offset = np.where(pos | neg, 0.0, a * l - chord * l)
        return lower_slope, np.zeros_like(l), upper_slope, upper_offset
    if layer.kind == "Sigmoid":
        return parallel_chord(sigmoid, sigmoid_slope_points, l, u)
    if layer.kind == "Tanh":
        return parallel_chord(np.tanh, tanh_slope_points, l, u)
    if layer.kind == "Softplus":
        return parallel_chord(lambda z: np.logaddexp(z, 0.0), lambda k: [logit(k)], l, u)
    raise AssertionError(layer.kind)


def derivative_relaxation(layer, l, u):
    """(aL, bL, aU, bU) bounding σ′ on [l, u]: softplus′ = sigmoid by the parallel chord, the others by their range."""
    if layer.kind == "Softplus":
        return parallel_chord(sigmoid, sigmoid_slope_points, l, u)
    dl, du = derivative_range(layer, l, u)
    zero = np.zeros_like(l)
    return zero, dl, zero, du


# ----------------------------------------------------------------------------------------
# Interval propagation over the chain (forward boxes, backward adjoints)
# ----------------------------------------------------------------------------------------

def interval_forward(layers, l0, u0):
    lo, hi = [l0], [u0]
    for layer in layers:
        l, u = lo[-1], hi[-1]
        if isinstance(layer, Affine):
            c, r = layer.W @ ((l + u) / 2) + layer.b, layer.absW @ ((u - l) / 2)
            lo.append(c - r)
            hi.append(c + r)
        else:
            lo.append(act_value(layer, l))
            hi.append(act_value(layer, u))
    return lo, hi


def interval_backward(layers, lo, hi, cls):
    """[lower, upper] of every value's adjoint δ_v (δ_N = e_cls, δ_0 = g) over the forward boxes."""
    n = len(layers)
    seed = np.zeros(layers[-1].W.shape[0])
    seed[cls] = 1.0
    adj = [None] * (n + 1)
    adj[n] = (seed, seed.copy())
    for i in reversed(range(n)):
        al, au = adj[i + 1]
        if isinstance(layers[i], Affine):
            c, r = layers[i].W.T @ ((al + au) / 2), layers[i].absW.T @ ((au - al) / 2)
            adj[i] = (c - r, c + r)
        else:
            dl, du = derivative_range(layers[i], lo[i], hi[i])
            P = np.stack([dl * al, dl * au, du * al, du * au])
            adj[i] = (P.min(axis=0), P.max(axis=0))
    return adj


# ----------------------------------------------------------------------------------------
# Linear bounds
# ----------------------------------------------------------------------------------------

def both_sides(n):
    """The specifications [I; −I]: lower bounds of these are the lower and the negated upper bounds."""
    eye = np.eye(n)
    return np.concatenate([eye, -eye])


def split(lam):
    return np.maximum(lam, 0.0), np.minimum(lam, 0.0)


class Linear:
    """A lower bound A·x₀ + c of specifications, A [specs, n₀], c [specs]."""

    def __init__(self, specs, n0):
        self.A, self.c = np.zeros((specs, n0)), np.zeros(specs)

    def minimum(self, l0, u0):
        P, N = split(self.A)
        return self.c + P @ l0 + N @ u0

    def ends(self, l0, u0):
        m = self.minimum(l0, u0)
        n = len(m) // 2
        return m[:n], -m[n:]


class Bounder:
    """The linear bounds of one box: relaxations over its (tightened) pre-activation boxes and adjoints."""

    def __init__(self, layers, l0, u0, cls):
        self.layers, self.l0, self.u0, self.cls = layers, l0, u0, cls
        n = len(layers)
        self.lo, self.hi = interval_forward(layers, l0, u0)
        self.relax = [None] * n
        for i, layer in enumerate(layers):  # pre-activation boxes, in forward order
            if isinstance(layer, Act):
                low, high = self.forward_bound(i, both_sides(len(self.lo[i]))).ends(l0, u0)
                lo = np.maximum(low, self.lo[i])
                self.lo[i], self.hi[i] = lo, np.maximum(np.minimum(high, self.hi[i]), lo)
                self.relax[i] = value_relaxation(layer, self.lo[i], self.hi[i])
        self.adj = interval_backward(layers, self.lo, self.hi, cls)

    def forward_bound(self, v, lam, bound=None):
        """Adds to `bound` a lower bound of lam · v_v (lam [specs, n_v]), by CROWN down the forward pass."""
        b = bound if bound is not None else Linear(lam.shape[0], len(self.l0))
        for i in reversed(range(v)):
            layer = self.layers[i]
            if isinstance(layer, Affine):
                b.c += lam @ layer.b
                lam = lam @ layer.W
            else:
                aL, bL, aU, bU = self.relax[i]
                P, N = split(lam)
                b.c += P @ bL + N @ bU
                lam = P * aL + N * aU
        b.A += lam
        return b

    def gradient_bound(self, v, lam):
        """A lower bound of lam · δ_v, moving lam up the backward chain δ_i = Wᵀ δ_{i+1}, δ_i = σ′(z_i) ⊙ δ_{i+1}."""
        b = Linear(lam.shape[0], len(self.l0))
        for i in range(v, len(self.layers)):
            layer = self.layers[i]
            if isinstance(layer, Affine):
                lam = lam @ layer.W.T
                continue
            dl, du = derivative_range(layer, self.lo[i], self.hi[i])
            al, au = self.adj[i + 1]
            # d·δ ≥ (dl+du)/2·δ + (al+au)/2·d − (dl·al + du·au)/2 and ≤ the same with − (du·al + dl·au)/2
            P, N = split(lam)
            b.c += P @ (-(dl * al + du * au) / 2) + N @ (-(du * al + dl * au) / 2)
            mu = lam * ((al + au) / 2)  # coefficients on d = σ′(z_i)
            lam = lam * ((dl + du) / 2)  # coefficients on δ_{i+1}
            aL, bL, aU, bU = derivative_relaxation(layer, self.lo[i], self.hi[i])
            Pm, Nm = split(mu)
            b.c += Pm @ bL + Nm @ bU
            self.forward_bound(i, Pm * aL + Nm * aU, b)
        b.c += lam[:, self.cls]  # δ_N = e_cls
        return b

    def gradient(self):
        return self.gradient_bound(0, both_sides(len(self.l0))).ends(self.l0, self.u0)


def linear_gradient_bounds(layers, l0, u0, cls):
    """Gradient bounds: the linear ones intersected with the plain interval ones; also both parts, and the Bounder."""
    lo, hi = interval_forward(layers, l0, u0)
    il, iu = interval_backward(layers, lo, hi, cls)[0]
    bounder = Bounder(layers, l0, u0, cls)
    ll, lu = bounder.gradient()
    return np.maximum(ll, il), np.minimum(lu, iu), (ll, lu), (il, iu), bounder


# ----------------------------------------------------------------------------------------
# Self-checks and output
# ----------------------------------------------------------------------------------------

def sampled_points(rng, xl, xu):
    n = len(xl)
    pts_u = xl + rng.random((N_RANDOM_UNIFORM, n)) * (xu - xl)
    pts_v = np.where(rng.random((N_RANDOM_VERTEX, n)) < 0.5, xl, xu)
    return np.concatenate([pts_u, pts_v, xl[None], xu[None]])


def escapes(G, names, shape, pts, cls, gl, gu, bounder):
    """The largest excess of a sampled gradient, activation input or activation output adjoint over its bounds."""
    X = torch.from_numpy(pts).reshape((-1,) + shape).requires_grad_(True)
    values = {}
    logits = ib.run_point(G, X, values)
    acts = [i for i, layer in enumerate(bounder.layers) if isinstance(layer, Act)]
    outs = [values[names[i + 1]] for i in acts]
    grads = torch.autograd.grad(logits[:, cls].sum(), [X] + outs)
    g = grads[0].reshape(len(pts), -1).numpy()
    worst = max(np.max(gl - g), np.max(g - gu))
    for i, d in zip(acts, grads[1:]):
        z = values[names[i]].detach().reshape(len(pts), -1).numpy()
        d = d.reshape(len(pts), -1).numpy()
        al, au = bounder.adj[i + 1]
        worst = max(worst, np.max(bounder.lo[i] - z), np.max(z - bounder.hi[i]), np.max(al - d), np.max(d - au))
    return float(worst)


def process(name, rng, summary):
    t0 = time.time()
    d = os.path.join(ib.FIXTURES, name)
    G = ib.Graph(os.path.join(d, "model.onnx"))
    with open(os.path.join(d, "reference.json")) as f:
        ref = json.load(f)
    shape = tuple(ref["inputShape"])
    n = int(np.prod(shape))
    dmin, dmax = ib.load_domain(name, n)
    print("== %s" % name)
    cases = []
    worst_affine = worst_interval = worst_sound = 0.0
    stats = {}
    for i, s in enumerate(ref["samples"][:N_SAMPLES]):
        x = np.array(s["input"], dtype=np.float64)
        layers, names, dev = chain(G, x, shape, dmin + rng.random(n) * (dmax - dmin))
        worst_affine = max(worst_affine, dev)
        logits_x = ib.run_point(G, torch.from_numpy(x).reshape((1,) + shape))[0].numpy()
        cls = int(np.argmax(logits_x))  # fixed at the sample, not re-predicted inside the box
        for frac in FRACTIONS:
            xl, xu = ib.make_box(x, frac, dmin, dmax)
            gl, gu, (ll, lu), (il, iu), bounder = linear_gradient_bounds(layers, xl, xu, cls)
            # the dense chain's interval bounds are those of the independent interval reference
            rl, ru, _, _, _ = ib.gradient_bounds(G, torch.from_numpy(xl).reshape((1,) + shape),
                                                 torch.from_numpy(xu).reshape((1,) + shape), cls, "logit")
            scale = max(np.max(np.abs(rl.numpy())), np.max(np.abs(ru.numpy())))
            worst_interval = max(worst_interval, max(np.max(np.abs(il - rl.reshape(-1).numpy())),
                                                     np.max(np.abs(iu - ru.reshape(-1).numpy()))) / scale)
            # no outward rounding here: where every ReLU is stable the bounds are a point, and may cross by an ulp
            assert np.all(gl <= gu + 1e-14 * scale), (name, i, frac, np.max(gl - gu))
            viol = escapes(G, names, shape, sampled_points(rng, xl, xu), cls, gl, gu, bounder)
            worst_sound = max(worst_sound, viol)
            assert viol <= SOUND_TOL, "escape: %s sample %d frac %g by %.3e" % (name, i, frac, viol)
            st = stats.setdefault(frac, {"linear": 0.0, "interval": 0.0, "tighter": 0, "total": 0})
            st["linear"] += float(np.mean(gu - gl)) / N_SAMPLES
            st["interval"] += float(np.mean(iu - il)) / N_SAMPLES
            tie = 1e-12 * scale  # below this the two differ by rounding only
            st["tighter"] += int(np.sum(ll > il + tie) + np.sum(lu < iu - tie))
            st["total"] += 2 * n
            cases.append({"sample": i, "epsilonFraction": frac, "target": "logit", "class": cls,
                          "inputLower": ib.fl(xl), "inputUpper": ib.fl(xu),
                          "lower": ib.fl(gl), "upper": ib.fl(gu)})
    print("  [1] dense chain vs the graph at a random input: max rel dev %.2e" % worst_affine)
    print("  [2] chain interval bounds vs interval_bounds.py: max dev / case scale %.2e" % worst_interval)
    print("  [3] soundness (gradients, pre-activations, adjoints at %d points per case): worst excess %.2e"
          % (N_RANDOM_UNIFORM + N_RANDOM_VERTEX + 2, worst_sound))
    assert worst_affine <= 1e-12 and worst_interval <= 1e-12
    for frac, st in stats.items():
        summary.append((name, frac, st["linear"], st["interval"], st["tighter"] / st["total"]))
    path = os.path.join(d, "linear_bounds.json")
    with open(path, "w") as f:
        f.write('{"model": %s, "cases": [\n' % json.dumps(name))
        f.write(",\n".join(json.dumps(c, allow_nan=False) for c in cases))
        f.write("\n]}\n")
    print("  wrote %s (%d cases, %.0f kB) in %.1f s" % (os.path.relpath(path, ib.ROOT), len(cases),
                                                        os.path.getsize(path) / 1024, time.time() - t0))


def main():
    rng = np.random.default_rng(20261203)
    summary = []
    t0 = time.time()
    for name in MODELS:
        process(name, rng, summary)
    print()
    print("%-24s %-8s %14s %14s %8s %s" % ("model", "eps", "linear width", "interval width", "ratio",
                                             "ends tighter than interval"))
    for name, frac, lw, iw, t in summary:
        print("%-24s %-8g %14.6g %14.6g %8.3f %6.1f %%" % (name, frac, lw, iw, lw / iw, 100 * t))
    print("\nall self-checks passed (%.1f s)" % (time.time() - t0))


if __name__ == "__main__":
    sys.exit(main())
