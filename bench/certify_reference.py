#!/usr/bin/env python3
"""Hand-written batched PyTorch reference for certification throughput (digits MLP, float64).

Does per batch what Stabilis' Certifier does: predicted class, point gradient of the predicted logit,
interval bounds on that gradient over the box [x - eps, x + eps] clipped to [0, 1] (centre-radius IBP
forward, derivative ranges, interval products backward; no rounding widening), and the certificates
(top-5 set, overlap, sign-stable fraction, L-inf/L2 deviation, cosine lower bound, prediction) -- all
batched on tensors. Reads the rows the Java harness dumped, checks its bounds agree, and times itself.

Usage: /usr/bin/python3 bench/certify_reference.py --rows DUMP.json [--threads 2] [--seconds 5] [--out F]
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import onnx
from onnx import numpy_helper


def load_mlp(path):
    m = onnx.load(path)
    init = {t.name: numpy_helper.to_array(t).astype(np.float64) for t in m.graph.initializer}
    layers = []
    for node in m.graph.node:
        if node.op_type == "Gemm":
            attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
            w = init[node.input[1]]
            w = w if attrs.get("transB", 0) else w.T  # -> [out, in]
            layers.append(("dense", w * attrs.get("alpha", 1.0), init[node.input[2]] * attrs.get("beta", 1.0)))
        elif node.op_type == "Relu":
            layers.append(("relu", None, None))
        else:
            raise SystemExit("unexpected op " + node.op_type)
    return layers


def interval_bounds(torch, layers, lo, hi, seed):
    """Gradient bounds of the seeded score over the box [lo, hi] and the logit box: centre-radius IBP forward,
    derivative ranges, interval products backward (no rounding widening)."""
    c, r = (lo + hi) / 2, (hi - lo) / 2
    dranges = []
    for kind, w, b in layers:
        if kind == "dense":
            c, r = c @ w.T + b, r @ w.abs().T
        else:
            zl, zu = c - r, c + r
            dranges.append(((zl > 0).to(lo.dtype), (zu > 0).to(lo.dtype)))
            al, au = torch.relu(zl), torch.relu(zu)
            c, r = (al + au) / 2, (au - al) / 2
    yl, yu = c - r, c + r
    # interval backward
    dc, dr, a = seed, torch.zeros_like(seed), len(dranges)
    for kind, w, _ in reversed(layers):
        if kind == "dense":
            dc, dr = dc @ w, dr @ w.abs()
        else:
            a -= 1
            dl, du = dranges[a]
            vl, vu = dc - dr, dc + dr
            p = torch.stack([dl * vl, dl * vu, du * vl, du * vu])
            plo, phi = p.min(0).values, p.max(0).values
            dc, dr = (plo + phi) / 2, (phi - plo) / 2
    return dc - dr, dc + dr, yl, yu


def certify(torch, layers, x, eps, k=5):
    n = x.shape[0]
    # point pass (predicted class and gradient), explicit backward
    acts, h = [], x
    for kind, w, b in layers:
        if kind == "dense":
            h = h @ w.T + b
        else:
            acts.append(h > 0)
            h = torch.relu(h)
    logits = h
    cls = logits.argmax(1)
    seed = torch.nn.functional.one_hot(cls, logits.shape[1]).to(x.dtype)
    g, a = seed, len(acts)
    for kind, w, _ in reversed(layers):
        if kind == "dense":
            g = g @ w
        else:
            a -= 1
            g = g * acts[a]
    gl, gu, yl, yu = interval_bounds(torch, layers, (x - eps).clamp(0, 1), (x + eps).clamp(0, 1), seed)
    # certificates
    big = torch.maximum(gl.abs(), gu.abs())
    small = torch.where((gl <= 0) & (gu >= 0), torch.zeros_like(gl), torch.minimum(gl.abs(), gu.abs()))
    order = torch.argsort(-g.abs(), dim=1, stable=True)  # ties to the lower index
    top = order[:, :k]
    in_top = torch.zeros_like(g, dtype=torch.bool).scatter_(1, top, True)
    topk = small.masked_fill(~in_top, float("inf")).min(1).values > big.masked_fill(in_top, float("-inf")).max(1).values
    kth_big = torch.topk(big, k + 1, dim=1).values  # k-th largest of the others: k-th overall unless i is among them
    own_rank_ok = small.gather(1, top) > torch.where(
        big.gather(1, top) >= kth_big[:, k - 1:k], kth_big[:, k:k + 1], kth_big[:, k - 1:k])
    overlap = own_rank_ok.sum(1)
    sign = ((gl > 0) | (gu < 0)).to(x.dtype).mean(1)
    dev = torch.maximum(gu - g, g - gl)
    linf, l2 = dev.max(1).values, dev.norm(dim=1)
    num = torch.minimum(g * gl, g * gu).sum(1)
    gn = g.norm(dim=1)
    cos = torch.where(num >= 0, num / (gn * big.norm(dim=1)), (num / (gn * small.norm(dim=1))).clamp(min=-1))
    others = yu.scatter(1, cls[:, None], float("-inf"))
    prediction = yl.gather(1, cls[:, None]).squeeze(1) > others.max(1).values
    return cls, gl, gu, topk, overlap, sign, linf, l2, cos, prediction


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", required=True)
    ap.add_argument("--model", default="model-runner/src/test/resources/fixtures/digits_mlp_relu/model.onnx")
    ap.add_argument("--epsilon", type=float, default=0.005)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--batch", type=int, help="rows per call: the dumped rows repeated (default: as dumped)")
    ap.add_argument("--part", choices=["certify", "bounds"], default="certify",
                    help="bounds: time only interval_bounds on prepared boxes and seeds")
    ap.add_argument("--flush-denormal", action="store_true", help="torch.set_flush_denormal(True): subnormals as 0")
    ap.add_argument("--out")
    args = ap.parse_args()
    os.environ.setdefault("OPENBLAS_NUM_THREADS", str(args.threads))
    import torch
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    if args.flush_denormal and not torch.set_flush_denormal(True):
        raise SystemExit("this CPU cannot flush denormals (torch.set_flush_denormal needs SSE3)")
    dump = json.load(open(args.rows))
    rows = np.asarray(dump["rows"], dtype=np.float32).astype(np.float64)
    layers = [(k, None if w is None else torch.from_numpy(w), None if b is None else torch.from_numpy(b))
              for k, w, b in load_mlp(args.model)]

    batch = args.batch or len(rows)
    x = torch.from_numpy(np.resize(rows, (batch, rows.shape[1])))

    def run_certify():
        return certify(torch, layers, x, args.epsilon)

    out = run_certify()
    box_lo, box_hi = (x - args.epsilon).clamp(0, 1), (x + args.epsilon).clamp(0, 1)
    seed = torch.nn.functional.one_hot(out[0], len(layers[-1][2])).to(x.dtype)

    def run_bounds():
        return interval_bounds(torch, layers, box_lo, box_hi, seed)

    run = run_bounds if args.part == "bounds" else run_certify
    checked = min(batch, len(rows))  # rows both sides computed
    lower, upper = np.asarray(dump["lower"])[:checked], np.asarray(dump["upper"])[:checked]
    scale = np.maximum(np.abs(lower).max(1, keepdims=True), 1e-12)
    out = [o[:checked] for o in out]
    diff = max(np.abs(out[1].numpy() - lower).max(initial=0) / scale.max(), np.abs(out[2].numpy() - upper).max() / scale.max())
    same_cls = int((out[0].numpy() == np.asarray(dump["predicted"])[:checked]).sum())
    same_topk = int((out[3].numpy() == np.asarray(dump["topk"])[:checked]).sum())
    end = time.perf_counter() + 2
    while time.perf_counter() < end:
        run()
    times = []
    end = time.perf_counter() + args.seconds
    while time.perf_counter() < end or len(times) < 5:
        t = time.perf_counter()
        run()
        times.append((time.perf_counter() - t) * 1000)
    med = statistics.median(times)
    result = {"part": args.part, "batch": batch, "medianMs": med, "bestMs": min(times), "iterations": len(times),
              "samplesPerSecond": batch / (med / 1000), "maxBoundDifference": float(diff),
              "predictedAgree": same_cls, "top5CertificateAgree": same_topk,
              "torch": torch.__version__, "flushDenormal": args.flush_denormal, "threads": {"openblas": os.environ["OPENBLAS_NUM_THREADS"], "intraop": 1}}
    text = json.dumps(result, indent=2)
    if args.out:
        open(args.out, "w").write(text)
    print(text)


if __name__ == "__main__":
    sys.exit(main())
