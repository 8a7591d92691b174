#!/usr/bin/env python3
"""Independent float64 reference for interval bounds on input gradients (ALGORITHMS.md §1).

For each ONNX fixture in model-runner/src/test/resources/fixtures/ this script

* interprets the ONNX graph node by node twice, with its own code: once for points (torch
  float64, so autograd gives the point gradient) and once for boxes (interval bound
  propagation in centre-radius form, forward through the graph and backward through the
  chain rule, §1.2-1.5);
* writes bounds.json next to the model: for the first 4 reference samples, 3 input-box sizes
  and 2 backward seeds (logit, log-softmax), certified lower/upper bounds on every coordinate
  of the input gradient and on every logit;
* runs self-checks (reference logits/gradients, soundness by sampling, collapse at a tiny
  box, nesting, adjointness of the hand-written transposes) and asserts them.

Deliberately independent of the Java engine: no torch.onnx, no onnx2torch, no onnxruntime.
Run from the repository root:  /usr/bin/python3 tools/reference/interval_bounds.py
"""

import json
import os
import sys
import time

import numpy as np
import onnx
import torch
import torch.nn.functional as F
import yaml
from onnx import numpy_helper

torch.set_default_dtype(torch.float64)
torch.set_num_threads(2)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "model-runner", "src", "test", "resources", "fixtures")
MODELS = ["digits_mlp_relu", "digits_mlp_softplus", "digits_cnn", "breast_cancer_mlp_tanh", "digits_mlp_mixed"]
FRACTIONS = [0.001, 0.01, 0.05]
TARGETS = ["logit", "logprob"]
N_SAMPLES = 4
N_RANDOM_UNIFORM = 1500
N_RANDOM_VERTEX = 500
SOUND_TOL = 1e-9
# The interval width is O(eps): at 1e-9 a few cases (breast cancer, whose raw-feature gradients
# reach ~470 because some features have tiny standard deviations) are just above 1e-6 scaled,
# so the tight tolerance is asserted one decade further down, which also shows linear collapse.
COLLAPSE_FRACTIONS = {1e-9: 1e-5, 1e-10: 1e-6}
TOP_K = 5

SUPPORTED = {"Gemm", "Relu", "Constant", "Mul", "Div", "Softplus", "Sub", "Add", "Tanh", "Conv",
             "BatchNormalization", "Pad", "AveragePool", "Shape", "Gather", "Unsqueeze", "Concat",
             "Reshape", "Flatten", "LeakyRelu", "Sigmoid"}
ACTIVATIONS = {"Relu", "LeakyRelu", "Softplus", "Tanh", "Sigmoid"}


# ----------------------------------------------------------------------------------------
# ONNX graph loading
# ----------------------------------------------------------------------------------------

def attr_value(a):
    v = onnx.helper.get_attribute_value(a)
    if isinstance(v, onnx.TensorProto):
        return numpy_helper.to_array(v)
    if isinstance(v, bytes):
        return v.decode()
    return v


class Graph:
    def __init__(self, path):
        m = onnx.load(path)
        onnx.checker.check_model(m)
        g = m.graph
        self.opset = max(o.version for o in m.opset_import if o.domain in ("", "ai.onnx"))
        self.consts = {i.name: numpy_helper.to_array(i) for i in g.initializer}
        inputs = [i.name for i in g.input if i.name not in self.consts]
        assert len(inputs) == 1 and len(g.output) == 1
        self.input, self.output = inputs[0], g.output[0].name
        self.nodes = []
        for n in g.node:
            assert n.op_type in SUPPORTED, n.op_type
            assert n.domain in ("", "ai.onnx"), n.domain
            self.nodes.append((n.op_type, list(n.input), list(n.output),
                               {a.name: attr_value(a) for a in n.attribute}))
        self.op_types = [n[0] for n in self.nodes]


def is_const(v):
    return isinstance(v, np.ndarray)


def tf(a):
    """A numpy constant as a float64 torch tensor."""
    return torch.from_numpy(np.asarray(a, dtype=np.float64).copy())


def onnx_pads_to_torch(pads, rank):
    """ONNX [b_1..b_n, e_1..e_n] -> torch F.pad order (last axis first)."""
    pads = [int(p) for p in pads]
    assert len(pads) == 2 * rank and min(pads) >= 0, pads
    out = []
    for ax in reversed(range(rank)):
        out += [pads[ax], pads[rank + ax]]
    return tuple(out)


def crop(t, pads):
    """Inverse of zero-padding with ONNX pads [b_1..b_n, e_1..e_n]."""
    rank = t.dim()
    idx = tuple(slice(int(pads[ax]), t.shape[ax] - int(pads[rank + ax])) for ax in range(rank))
    return t[idx]


def reshape_target(in_shape, shape, allowzero=0):
    shape = [int(s) for s in shape]
    out = []
    for i, s in enumerate(shape):
        out.append(in_shape[i] if (s == 0 and not allowzero) else s)
    if -1 in out:
        known = int(np.prod([s for s in out if s != -1]))
        out[out.index(-1)] = int(np.prod(in_shape)) // known
    assert int(np.prod(out)) == int(np.prod(in_shape)), (in_shape, shape)
    return out


def shape_op(op, ins, a, get, opset):
    """Ops of the Shape/Gather/Unsqueeze/Concat chain, on concrete numpy values."""
    if op == "Gather":
        return np.take(get(ins[0]), get(ins[1]), axis=a.get("axis", 0))
    if op == "Unsqueeze":
        x = get(ins[0])
        axes = list(get(ins[1])) if opset >= 13 else list(a["axes"])
        rank = x.ndim + len(axes)
        for ax in sorted(int(ax) % rank for ax in axes):
            x = np.expand_dims(x, ax)
        return x
    if op == "Concat":
        return np.concatenate([get(i) for i in ins], axis=a["axis"])
    raise AssertionError(op)


# ----------------------------------------------------------------------------------------
# Point interpreter (torch float64, differentiable)
# ----------------------------------------------------------------------------------------

def run_point(G, x, values=None):
    """The graph's output at x; with a dict `values`, every named value is also stored in it."""
    env = {} if values is None else values
    env[G.input] = x

    def get(name):
        return env[name] if name in env else G.consts[name]

    def val(name):
        v = get(name)
        return tf(v) if is_const(v) else v

    for op, ins, outs, a in G.nodes:
        if op == "Constant":
            y = a["value"]
        elif op == "Shape":
            y = np.array(list(get(ins[0]).shape), dtype=np.int64)
        elif op in ("Gather", "Unsqueeze", "Concat"):
            y = shape_op(op, ins, a, get, G.opset)
        elif op == "Gemm":
            A, B = val(ins[0]), val(ins[1])
            if a.get("transA", 0):
                A = A.transpose(0, 1)
            if a.get("transB", 0):
                B = B.transpose(0, 1)
            y = a.get("alpha", 1.0) * (A @ B)
            if len(ins) > 2 and ins[2]:
                y = y + a.get("beta", 1.0) * val(ins[2])
        elif op == "Conv":
            assert a.get("auto_pad", "NOTSET") == "NOTSET"
            X, W = val(ins[0]), val(ins[1])
            assert X.dim() == 4, "2-D convolution only"
            b = val(ins[2]) if len(ins) > 2 and ins[2] else None
            pads = a.get("pads", [0, 0, 0, 0])
            # F.pad takes (left, right, top, bottom); ONNX pads are (top, left, bottom, right)
            X = F.pad(X, (pads[1], pads[3], pads[0], pads[2]))
            y = F.conv2d(X, W, b, stride=tuple(a.get("strides", [1, 1])),
                         dilation=tuple(a.get("dilations", [1, 1])), groups=a.get("group", 1))
        elif op == "BatchNormalization":
            X = val(ins[0])
            scale, bias, mean, var = (val(i) for i in ins[1:5])
            eps = a.get("epsilon", 1e-5)
            sh = (1, -1) + (1,) * (X.dim() - 2)
            y = (X - mean.view(sh)) / torch.sqrt(var.view(sh) + eps) * scale.view(sh) + bias.view(sh)
        elif op == "Relu":
            y = torch.relu(val(ins[0]))
        elif op == "LeakyRelu":
            y = F.leaky_relu(val(ins[0]), a.get("alpha", 0.01))
        elif op == "Softplus":
            X = val(ins[0])
            y = torch.logaddexp(X, torch.zeros_like(X))  # log(1 + e^x), no threshold
        elif op == "Tanh":
            y = torch.tanh(val(ins[0]))
        elif op == "Sigmoid":
            y = torch.sigmoid(val(ins[0]))
        elif op in ("Mul", "Div", "Add", "Sub"):
            p, q = val(ins[0]), val(ins[1])
            y = {"Mul": torch.mul, "Div": torch.div, "Add": torch.add, "Sub": torch.sub}[op](p, q)
        elif op == "Pad":
            assert a.get("mode", "constant") == "constant"
            X = val(ins[0])
            pads = get(ins[1]) if G.opset >= 11 else a["pads"]
            value = float(get(ins[2])) if len(ins) > 2 and ins[2] else float(a.get("value", 0.0))
            y = F.pad(X, onnx_pads_to_torch(pads, X.dim()), mode="constant", value=value)
        elif op == "AveragePool":
            assert a.get("auto_pad", "NOTSET") == "NOTSET" and a.get("ceil_mode", 0) == 0
            X = val(ins[0])
            k, s = a["kernel_shape"], a.get("strides", [1, 1])
            pads = a.get("pads", [0, 0, 0, 0])
            Xp = F.pad(X, (pads[1], pads[3], pads[0], pads[2]))
            if a.get("count_include_pad", 0) or not any(pads):
                y = F.avg_pool2d(Xp, k, s, 0, ceil_mode=False, count_include_pad=True)
            else:  # divide by the number of non-padded elements in each window
                ones = F.pad(torch.ones_like(X), (pads[1], pads[3], pads[0], pads[2]))
                y = F.avg_pool2d(Xp, k, s) / F.avg_pool2d(ones, k, s)
        elif op == "Reshape":
            X = val(ins[0])
            y = X.reshape(reshape_target(list(X.shape), get(ins[1]), a.get("allowzero", 0)))
        elif op == "Flatten":
            X = val(ins[0])
            ax = a.get("axis", 1)
            ax = ax + X.dim() if ax < 0 else ax
            y = X.reshape(int(np.prod(X.shape[:ax])), -1)
        else:
            raise AssertionError(op)
        env[outs[0]] = y
    return env[G.output]


def point_gradients(G, X, cls, target):
    """Logits and d score / d input for a batch X (rows independent)."""
    X = X.clone().requires_grad_(True)
    logits = run_point(G, X)
    if target == "logit":
        score = logits[:, cls]
    else:
        score = torch.log_softmax(logits, dim=1)[:, cls]
    (g,) = torch.autograd.grad(score.sum(), X)
    return logits.detach(), g.detach()


# ----------------------------------------------------------------------------------------
# Interval interpreter: forward (centre-radius) with a tape, then the backward recursion
# ----------------------------------------------------------------------------------------

class Iv:
    """Interval [c - r, c + r] in centre-radius form."""

    def __init__(self, c, r):
        self.c, self.r = c, r

    @staticmethod
    def from_bounds(lo, hi):
        return Iv((hi + lo) / 2, (hi - lo) / 2)

    def bounds(self):
        return self.c - self.r, self.c + self.r


def deriv_bounds(kind, zl, zu, alpha):
    """[dL, dU] of the activation derivative over [zl, zu] (§1.4 table)."""
    if kind == "Relu":
        return (zl > 0).to(zl.dtype), (zu > 0).to(zl.dtype)
    if kind == "LeakyRelu":
        one, al = torch.ones_like(zl), torch.full_like(zl, alpha)
        return torch.where(zl > 0, one, al), torch.where(zu > 0, one, al)
    if kind == "Softplus":  # softplus' = sigmoid, increasing
        return torch.sigmoid(zl), torch.sigmoid(zu)
    if kind in ("Tanh", "Sigmoid"):  # even, decreasing in |z|
        if kind == "Tanh":
            d, peak = (lambda z: 1 - torch.tanh(z) ** 2), 1.0
        else:
            d, peak = (lambda z: torch.sigmoid(z) * (1 - torch.sigmoid(z))), 0.25
        far = torch.maximum(zl.abs(), zu.abs())
        near = torch.minimum(zl.abs(), zu.abs())
        lo = d(far)
        hi = torch.where((zl <= 0) & (zu >= 0), torch.full_like(zl, peak), d(near))
        return lo, hi
    raise AssertionError(kind)


def act_forward(kind, z, alpha):
    if kind == "Relu":
        return torch.relu(z)
    if kind == "LeakyRelu":
        return torch.where(z > 0, z, alpha * z)
    if kind == "Softplus":
        return torch.logaddexp(z, torch.zeros_like(z))
    if kind == "Tanh":
        return torch.tanh(z)
    if kind == "Sigmoid":
        return torch.sigmoid(z)
    raise AssertionError(kind)


def interval_product(dL, dU, vL, vU):
    P = torch.stack([dL * vL, dL * vU, dU * vL, dU * vU])
    return P.min(dim=0).values, P.max(dim=0).values


class Tape:
    def __init__(self):
        self.entries = []

    def linear(self, src, dst, in_shape, fwd_c, fwd_r, back_c, back_r):
        """fwd_c(c) = L(c) + offset, fwd_r(r) = |L|(r); back_c = L^T, back_r = |L|^T."""
        self.entries.append(("lin", src, dst, in_shape, fwd_c, fwd_r, back_c, back_r))

    def act(self, src, dst, kind, zl, zu, alpha):
        self.entries.append(("act", src, dst, kind, zl, zu, alpha))


def linear_node(op, ins, a, get, x_iv, opset):
    """For a linear op whose interval operand is x_iv, return (fwd_c, fwd_r, back_c, back_r)."""
    in_shape = tuple(x_iv.c.shape)
    if op == "Gemm":
        assert isinstance(get(ins[0]), Iv) and not a.get("transA", 0)
        B = tf(get(ins[1]))
        W = B if a.get("transB", 0) else B.transpose(0, 1)  # [out, in]: y = alpha x W^T + beta C
        alpha, beta = a.get("alpha", 1.0), a.get("beta", 1.0)
        C = tf(get(ins[2])) if len(ins) > 2 and ins[2] else None
        Wa = W.abs()
        fwd_c = lambda c: alpha * (c @ W.T) + (beta * C if C is not None else 0.0)
        fwd_r = lambda r: abs(alpha) * (r @ Wa.T)
        back_c = lambda v: alpha * (v @ W)
        back_r = lambda v: abs(alpha) * (v @ Wa)
        return fwd_c, fwd_r, back_c, back_r
    if op == "Conv":
        K = tf(get(ins[1]))
        Ka = K.abs()
        b = tf(get(ins[2])) if len(ins) > 2 and ins[2] else None
        pads = a.get("pads", [0, 0, 0, 0])
        st, dil, grp = tuple(a.get("strides", [1, 1])), tuple(a.get("dilations", [1, 1])), a.get("group", 1)
        onnx_pads = [0, 0, pads[0], pads[1], 0, 0, pads[2], pads[3]]
        tpad = onnx_pads_to_torch(onnx_pads, 4)
        Hp, Wp = in_shape[2] + pads[0] + pads[2], in_shape[3] + pads[1] + pads[3]

        def transpose(v, kern):
            kh, kw = kern.shape[2], kern.shape[3]
            base_h = (v.shape[2] - 1) * st[0] + dil[0] * (kh - 1) + 1
            base_w = (v.shape[3] - 1) * st[1] + dil[1] * (kw - 1) + 1
            u = F.conv_transpose2d(v, kern, None, stride=st, output_padding=(Hp - base_h, Wp - base_w),
                                   groups=grp, dilation=dil)
            return crop(u, onnx_pads)

        fwd_c = lambda c: F.conv2d(F.pad(c, tpad), K, b, stride=st, dilation=dil, groups=grp)
        fwd_r = lambda r: F.conv2d(F.pad(r, tpad), Ka, None, stride=st, dilation=dil, groups=grp)
        return fwd_c, fwd_r, (lambda v: transpose(v, K)), (lambda v: transpose(v, Ka))
    if op == "BatchNormalization":
        gamma, beta, mean, var = (tf(get(i)) for i in ins[1:5])
        eps = a.get("epsilon", 1e-5)
        s = gamma / torch.sqrt(var + eps)
        t = beta - mean * s
        sh = (1, -1) + (1,) * (len(in_shape) - 2)
        s, t = s.view(sh), t.view(sh)
        return (lambda c: c * s + t), (lambda r: r * s.abs()), (lambda v: v * s), (lambda v: v * s.abs())
    if op in ("Mul", "Div", "Add", "Sub"):
        first = isinstance(get(ins[0]), Iv)
        other = get(ins[1] if first else ins[0])
        assert is_const(other), "%s of two non-constant operands is not supported" % op
        k = tf(other)
        assert torch.broadcast_shapes(k.shape, in_shape) == in_shape, "constant may not broadcast the operand"
        if op == "Mul":
            return (lambda c: c * k), (lambda r: r * k.abs()), (lambda v: v * k), (lambda v: v * k.abs())
        if op == "Div":
            assert first, "division by a non-constant is not linear"
            return (lambda c: c / k), (lambda r: r / k.abs()), (lambda v: v / k), (lambda v: v / k.abs())
        if op == "Add":
            return (lambda c: c + k), (lambda r: r), (lambda v: v), (lambda v: v)
        if first:  # x - k
            return (lambda c: c - k), (lambda r: r), (lambda v: v), (lambda v: v)
        return (lambda c: k - c), (lambda r: r), (lambda v: -v), (lambda v: v)  # k - x
    if op == "Pad":
        assert a.get("mode", "constant") == "constant"
        pads = [int(p) for p in (get(ins[1]) if opset >= 11 else a["pads"])]
        value = float(get(ins[2])) if len(ins) > 2 and ins[2] else float(a.get("value", 0.0))
        tpad = onnx_pads_to_torch(pads, len(in_shape))
        return ((lambda c: F.pad(c, tpad, value=value)), (lambda r: F.pad(r, tpad, value=0.0)),
                (lambda v: crop(v, pads)), (lambda v: crop(v, pads)))
    if op == "AveragePool":
        assert a.get("auto_pad", "NOTSET") == "NOTSET" and a.get("ceil_mode", 0) == 0
        k, st = a["kernel_shape"], tuple(a.get("strides", [1, 1]))
        pads = a.get("pads", [0, 0, 0, 0])
        C = in_shape[1]
        onnx_pads = [0, 0, pads[0], pads[1], 0, 0, pads[2], pads[3]]
        tpad = onnx_pads_to_torch(onnx_pads, 4)
        ones_k = torch.ones(C, 1, k[0], k[1])
        Hp, Wp = in_shape[2] + pads[0] + pads[2], in_shape[3] + pads[1] + pads[3]
        if a.get("count_include_pad", 0) or not any(pads):
            count = torch.tensor(float(k[0] * k[1]))
        else:
            count = F.conv2d(F.pad(torch.ones(1, C, *in_shape[2:]), tpad), ones_k, stride=st, groups=C)

        def fwd(x):  # sum over the window / count: nonnegative weights, so |P| = P
            return F.conv2d(F.pad(x, tpad), ones_k, stride=st, groups=C) / count

        def back(v):
            base_h, base_w = (v.shape[2] - 1) * st[0] + k[0], (v.shape[3] - 1) * st[1] + k[1]
            u = F.conv_transpose2d(v / count, ones_k, stride=st, groups=C,
                                   output_padding=(Hp - base_h, Wp - base_w))
            return crop(u, onnx_pads)

        return fwd, fwd, back, back
    if op in ("Reshape", "Flatten"):
        if op == "Reshape":
            out_shape = reshape_target(list(in_shape), get(ins[1]), a.get("allowzero", 0))
        else:
            ax = a.get("axis", 1)
            ax = ax + len(in_shape) if ax < 0 else ax
            out_shape = [int(np.prod(in_shape[:ax])), int(np.prod(in_shape[ax:]))]
        fw = lambda t: t.reshape(out_shape)
        bw = lambda t: t.reshape(in_shape)
        return fw, fw, bw, bw
    raise AssertionError(op)


def interval_forward(G, xl, xu):
    """Propagate the box [xl, xu] (batch 1). Returns the logit interval and the tape."""
    env = {G.input: Iv.from_bounds(xl, xu)}
    tape = Tape()

    def get(name):
        return env[name] if name in env else G.consts[name]

    for op, ins, outs, a in G.nodes:
        if op == "Constant":
            env[outs[0]] = a["value"]
            continue
        if op == "Shape":
            v = get(ins[0])
            env[outs[0]] = np.array(list(v.c.shape if isinstance(v, Iv) else v.shape), dtype=np.int64)
            continue
        if op in ("Gather", "Unsqueeze", "Concat"):
            env[outs[0]] = shape_op(op, ins, a, get, G.opset)
            continue
        src = [i for i in ins if i and isinstance(get(i), Iv)]
        assert len(src) == 1, (op, ins)
        src = src[0]
        x = get(src)
        if op in ACTIVATIONS:
            alpha = a.get("alpha", 0.01) if op == "LeakyRelu" else None
            zl, zu = x.bounds()
            y = Iv.from_bounds(act_forward(op, zl, alpha), act_forward(op, zu, alpha))
            tape.act(src, outs[0], op, zl, zu, alpha)
        else:
            fwd_c, fwd_r, back_c, back_r = linear_node(op, ins, a, get, x, G.opset)
            y = Iv(fwd_c(x.c), fwd_r(x.r))
            tape.linear(src, outs[0], tuple(x.c.shape), fwd_c, fwd_r, back_c, back_r)
        env[outs[0]] = y
    return env[G.output], tape


def softmax_bounds(yL, yU):
    """p_j in [pL_j, pU_j] over the logit box; also 1 - pU, 1 - pL computed without cancellation."""
    n = yL.shape[-1]
    eye = torch.eye(n, dtype=torch.bool)
    ninf = torch.tensor(-float("inf"))
    lse_U = torch.logsumexp(torch.where(eye, ninf, yU.expand(n, n)), dim=1)  # logsumexp_{k!=j} yU_k
    lse_L = torch.logsumexp(torch.where(eye, ninf, yL.expand(n, n)), dim=1)
    aL, aU = yL - lse_U, yU - lse_L
    return torch.sigmoid(aL), torch.sigmoid(aU), torch.sigmoid(-aU), torch.sigmoid(-aL)


def logprob_seed(yL, yU, cls, naive=False):
    """Interval of d log softmax_c / d logits = e_c - p over the logit box (§1.3)."""
    pL, pU, one_minus_pU, one_minus_pL = softmax_bounds(yL, yU)
    lo, hi = -pU, -pL
    if naive:
        lo[cls], hi[cls] = 1 - pU[cls], 1 - pL[cls]
    else:  # same values without the cancellation of 1 - p when p_c is close to 1
        lo[cls], hi[cls] = one_minus_pU[cls], one_minus_pL[cls]
    return Iv.from_bounds(lo, hi)


def backward(G, tape, seed):
    """Backward recursion (§1.4) from the seed interval on the logits to the input."""
    adj = {G.output: Iv(seed.c.unsqueeze(0), seed.r.unsqueeze(0))}
    for entry in reversed(tape.entries):
        kind, src, dst = entry[0], entry[1], entry[2]
        if dst not in adj:
            continue
        d = adj.pop(dst)
        if kind == "lin":
            back_c, back_r = entry[6], entry[7]
            new = Iv(back_c(d.c), back_r(d.r))
        else:
            _, _, _, act, zl, zu, alpha = entry
            dL, dU = deriv_bounds(act, zl, zu, alpha)
            vL, vU = d.bounds()
            new = Iv.from_bounds(*interval_product(dL, dU, vL, vU))
        if src in adj:  # fork: adjoints add
            adj[src] = Iv(adj[src].c + new.c, adj[src].r + new.r)
        else:
            adj[src] = new
    gL, gU = adj[G.input].bounds()
    return gL.reshape(-1), gU.reshape(-1)


def gradient_bounds(G, xl, xu, cls, target, naive_seed=False):
    """Interval bounds [gL, gU] on d score / d input over the box, plus the logit box."""
    out, tape = interval_forward(G, xl, xu)
    yL, yU = out.bounds()
    yL, yU = yL[0], yU[0]
    n = yL.shape[0]
    if target == "logit":
        e = torch.zeros(n)
        e[cls] = 1.0
        seed = Iv(e, torch.zeros(n))
    else:
        seed = logprob_seed(yL, yU, cls, naive_seed)
    gL, gU = backward(G, tape, seed)
    return gL, gU, yL, yU, tape


def adjoint_check(tape, rng):
    """<L u, w> = <u, L^T w> and the same for |L| for every linear op on the tape."""
    worst = 0.0
    for entry in tape.entries:
        if entry[0] != "lin":
            continue
        _, _, _, in_shape, fwd_c, fwd_r, back_c, back_r = entry
        u = torch.from_numpy(rng.standard_normal(in_shape))
        zero = torch.zeros(in_shape)
        Lu = fwd_c(u) - fwd_c(zero)
        w = torch.from_numpy(rng.standard_normal(tuple(Lu.shape)))
        for a_, b_ in (((Lu * w).sum(), (u * back_c(w)).sum()),
                       ((fwd_r(u) * w).sum(), (u * back_r(w)).sum())):
            err = abs(float(a_ - b_)) / max(1.0, abs(float(a_)))
            worst = max(worst, err)
    return worst


# ----------------------------------------------------------------------------------------
# Fixture handling, checks, output
# ----------------------------------------------------------------------------------------

def load_domain(name, n):
    with open(os.path.join(FIXTURES, name, "stabilis.yaml")) as f:
        pol = yaml.safe_load(f)
    dom = pol["domain"]

    def vec(v):
        v = np.asarray(v, dtype=np.float64)
        return np.full(n, float(v)) if v.ndim == 0 else v

    lo, hi = vec(dom["min"]), vec(dom["max"])
    assert lo.shape == (n,) and hi.shape == (n,) and np.all(lo < hi)
    return lo, hi


def make_box(x, frac, dmin, dmax, contain_x=False):
    """x ± ε with ε_i = frac·(max_i − min_i), clipped to the domain.

    With contain_x the domain is first widened to contain x (used only for the 1e-9 collapse
    check, where a float32 input lying a few ulp outside the float64 domain would otherwise
    give an empty box)."""
    eps = frac * (dmax - dmin)
    lo, hi = (np.minimum(dmin, x), np.maximum(dmax, x)) if contain_x else (dmin, dmax)
    xl = np.maximum(x - eps, lo)
    xu = np.minimum(x + eps, hi)
    assert np.all(xl <= xu), "empty box"
    return xl, xu


def top_k_certified(g, lower, upper, k=TOP_K):
    order = np.argsort(-np.abs(g), kind="stable")  # ties -> lower index first
    S = order[:k]
    rest = order[k:]
    M = np.maximum(np.abs(lower), np.abs(upper))
    m = np.where((lower <= 0) & (upper >= 0), 0.0, np.minimum(np.abs(lower), np.abs(upper)))
    return bool(m[S].min() > M[rest].max())


def fl(a):
    out = [float(v) for v in np.asarray(a, dtype=np.float64).reshape(-1)]
    assert all(np.isfinite(out))
    return out


def process(name, rng, summary):
    t0 = time.time()
    d = os.path.join(FIXTURES, name)
    G = Graph(os.path.join(d, "model.onnx"))
    with open(os.path.join(d, "reference.json")) as f:
        ref = json.load(f)
    shape = tuple(ref["inputShape"])
    n = int(np.prod(shape))
    dmin, dmax = load_domain(name, n)
    print("== %s  ops=%s" % (name, G.op_types))

    # (1) point evaluation against the PyTorch float32 reference, all samples
    worst_logit = worst_grad = worst_lp = 0.0
    for s in ref["samples"]:
        x = torch.tensor(s["input"]).reshape((1,) + shape)
        logits, g = point_gradients(G, x, s["predicted"], "logit")
        _, glp = point_gradients(G, x, s["predicted"], "logprob")
        rl = np.array(s["logits"])
        worst_logit = max(worst_logit, np.max(np.abs(logits[0].numpy() - rl) / np.maximum(1.0, np.abs(rl))))
        rg = np.array(s["gradient"])
        scale = np.max(np.abs(rg))
        worst_grad = max(worst_grad, np.max(np.abs(g.reshape(-1).numpy() - rg)) / scale)
        worst_lp = max(worst_lp, np.max(np.abs(glp.reshape(-1).numpy() - np.array(s["logprobGradient"]))) / scale)
        assert int(torch.argmax(logits[0])) == s["predicted"]
    print("  [1] point logits vs reference: max |diff|/max(1,|ref|) = %.2e (tol 1e-4)" % worst_logit)
    print("  [1] logit gradient vs reference: max |diff| / max|ref| = %.2e (tol 1e-4)" % worst_grad)
    print("  [1] logprob gradient vs reference: max |diff| / max|logit ref| = %.2e (tol 1e-4)" % worst_lp)
    assert worst_logit <= 1e-4 and worst_grad <= 1e-4 and worst_lp <= 1e-4

    cases = []
    results = {}  # (sample, frac, target) -> (lower, upper, yL, yU, g)
    worst_adj = worst_sound = 0.0
    worst_collapse = {}
    kink_margin = float("inf")
    n_points = 0
    naive_dev = 0.0
    centre_inside = centre_total = 0
    for i, s in enumerate(ref["samples"][:N_SAMPLES]):
        x = np.array(s["input"], dtype=np.float64)
        xt = torch.from_numpy(x).reshape((1,) + shape)
        logits_x = run_point(G, xt).detach()[0]
        cls = int(torch.argmax(logits_x))  # fixed at the centre, not re-predicted
        for target in TARGETS:
            _, gx = point_gradients(G, xt, cls, target)
            gx = gx.reshape(-1).numpy()

            # (3) collapse at tiny boxes: deviation from g(x) and the logits, scaled by max(1, max|.|)
            sc = max(1.0, float(np.max(np.abs(gx))))
            for cfrac in COLLAPSE_FRACTIONS:
                xl, xu = make_box(x, cfrac, dmin, dmax, contain_x=True)
                gL, gU, yL, yU, tape = gradient_bounds(G, torch.from_numpy(xl).reshape((1,) + shape),
                                                       torch.from_numpy(xu).reshape((1,) + shape), cls, target)
                dev = max(np.max(np.abs(gL.numpy() - gx)), np.max(np.abs(gU.numpy() - gx))) / sc
                ldev = max(np.max(np.abs(yL.numpy() - logits_x.numpy())),
                           np.max(np.abs(yU.numpy() - logits_x.numpy()))) / max(1.0, float(logits_x.abs().max()))
                key = (cfrac, target)
                worst_collapse[key] = max(worst_collapse.get(key, 0.0), dev)
                worst_collapse[(cfrac, "logits")] = max(worst_collapse.get((cfrac, "logits"), 0.0), ldev)
            worst_adj = max(worst_adj, adjoint_check(tape, rng))

            for frac in FRACTIONS:
                xl, xu = make_box(x, frac, dmin, dmax)
                xlt, xut = (torch.from_numpy(v).reshape((1,) + shape) for v in (xl, xu))
                gL, gU, yL, yU, case_tape = gradient_bounds(G, xlt, xut, cls, target)
                for e_ in case_tape.entries:  # distance of ReLU/LeakyReLU pre-activation bounds to the kink
                    if e_[0] == "act" and e_[3] in ("Relu", "LeakyRelu"):
                        kink_margin = min(kink_margin, float(torch.minimum(e_[4].abs(), e_[5].abs()).min()))
                lower, upper = gL.numpy(), gU.numpy()
                assert np.all(lower <= upper) and np.all(yL.numpy() <= yU.numpy())

                # (2) soundness by sampling: uniform points and random vertices (+ both corners)
                u = rng.random((N_RANDOM_UNIFORM, n))
                pts_u = xl + u * (xu - xl)
                pick = rng.random((N_RANDOM_VERTEX, n)) < 0.5
                pts_v = np.where(pick, xl, xu)
                pts = np.concatenate([pts_u, pts_v, xl[None], xu[None]])
                P = torch.from_numpy(pts).reshape((-1,) + shape)
                logits_p, g_p = point_gradients(G, P, cls, target)
                g_p = g_p.reshape(len(pts), -1).numpy()
                lp = logits_p.numpy()
                viol = max(np.max(lower - g_p), np.max(g_p - upper),
                           np.max(yL.numpy() - lp), np.max(lp - yU.numpy()))
                worst_sound = max(worst_sound, viol)
                assert viol <= SOUND_TOL, "soundness violated: %s sample %d frac %g %s by %.3e" % (
                    name, i, frac, target, viol)
                n_points += len(pts)
                if np.all((xl <= x) & (x <= xu)):
                    centre_total += 1
                    centre_inside += int(np.all((lower - SOUND_TOL <= gx) & (gx <= upper + SOUND_TOL)))

                if target == "logprob":  # how much a naive 1 - p would differ (information only)
                    naive_dev = max(naive_dev, naive_seed_deviation(G, xlt, xut, cls, lower, upper))

                results[(i, frac, target)] = (lower, upper, yL.numpy(), yU.numpy(), gx)
                cases.append({"sample": i, "epsilonFraction": frac, "target": target, "class": cls,
                              "inputLower": fl(xl), "inputUpper": fl(xu), "gradient": fl(gx),
                              "lower": fl(lower), "upper": fl(upper),
                              "logitLower": fl(yL), "logitUpper": fl(yU)})

    print("  [2] soundness: %d sampled points, worst violation %.2e (tol %.0e); "
          "centre gradient inside the bounds in %d/%d cases whose box contains x"
          % (n_points, worst_sound, SOUND_TOL, centre_inside, centre_total))
    for cfrac, tol in COLLAPSE_FRACTIONS.items():
        vals = [worst_collapse[(cfrac, k)] for k in ("logit", "logprob", "logits")]
        print("  [3] collapse at eps fraction %g: max |bound - point| / max(1, max|point|): logit-gradient %.2e, "
              "logprob-gradient %.2e, logits %.2e (tol %.0e)" % (cfrac, vals[0], vals[1], vals[2], tol))
        assert max(vals) <= tol
    print("  [+] adjoint test of hand-written transposes (L and |L|): max rel err %.2e" % worst_adj)
    assert worst_adj <= 1e-12

    # (4) nesting
    worst_nest = 0.0
    for i in range(N_SAMPLES):
        for target in TARGETS:
            for f_small, f_big in zip(FRACTIONS, FRACTIONS[1:]):
                a_ = results[(i, f_small, target)]
                b_ = results[(i, f_big, target)]
                worst_nest = max(worst_nest, np.max(b_[0] - a_[0]), np.max(a_[1] - b_[1]),
                                 np.max(b_[2] - a_[2]), np.max(a_[3] - b_[3]))
    print("  [4] nesting 0.001 ⊂ 0.01 ⊂ 0.05 (gradient and logit bounds): worst excess %.2e" % worst_nest)
    assert worst_nest <= 1e-12
    if np.isfinite(kink_margin):
        print("  [i] smallest |zL| or |zU| of a ReLU/LeakyReLU pre-activation bound over the written cases: %.2e "
              "(a stability decision this close to 0 could flip between implementations)" % kink_margin)
    print("  [i] logprob seed: bounds with a naive 1 - p_c differ from ours by at most %.2e relative" % naive_dev)

    for frac in FRACTIONS:
        for target in TARGETS:
            widths = [np.mean(results[(i, frac, target)][1] - results[(i, frac, target)][0]) for i in range(N_SAMPLES)]
            cert = sum(top_k_certified(results[(i, frac, target)][4], results[(i, frac, target)][0],
                                       results[(i, frac, target)][1]) for i in range(N_SAMPLES))
            summary.append((name, frac, target, float(np.mean(widths)), cert))

    path = os.path.join(d, "bounds.json")
    with open(path, "w") as f:
        f.write('{"model": %s, "cases": [\n' % json.dumps(name))
        f.write(",\n".join(json.dumps(c, allow_nan=False) for c in cases))
        f.write("\n]}\n")
    with open(path) as f:  # round trip: full precision survives
        back = json.load(f)
    assert back["cases"][0]["lower"] == cases[0]["lower"]
    print("  wrote %s (%d cases, %.0f kB) in %.1f s" % (os.path.relpath(path, ROOT), len(cases),
                                                        os.path.getsize(path) / 1024, time.time() - t0))


def naive_seed_deviation(G, xlt, xut, cls, lower, upper):
    """Relative change of the bounds if the seed's 1 - p_c were computed naively (information)."""
    gl, gu, _, _, _ = gradient_bounds(G, xlt, xut, cls, "logprob", naive_seed=True)
    gl, gu = gl.numpy(), gu.numpy()
    return float(max(np.max(np.abs(gl - lower) / np.maximum(1e-300, np.abs(lower))),
                     np.max(np.abs(gu - upper) / np.maximum(1e-300, np.abs(upper)))))


def main():
    rng = np.random.default_rng(20240611)
    summary = []
    t0 = time.time()
    for name in MODELS:
        process(name, rng, summary)
    print()
    print("mean width of [lower, upper] and samples (of %d) with a certified top-%d set" % (N_SAMPLES, TOP_K))
    print("%-24s %-8s %-8s %14s %10s" % ("model", "eps", "target", "mean width", "top-5 cert"))
    for name, frac, target, w, c in summary:
        print("%-24s %-8g %-8s %14.6g %7d/%d" % (name, frac, target, w, c, N_SAMPLES))
    print("\nall self-checks passed (%.1f s)" % (time.time() - t0))


if __name__ == "__main__":
    sys.exit(main())
