"""Batched PyTorch attribution methods, timing and process figures shared by the hand-written references
(attribution_reference.py, architecture_reference.py). Import it after the thread environment is set: torch
sizes its pools when it loads.

What each method computes, on inputs of any shape [N, ...] with one target per row:
* saliency: one forward with autograd on the batch, target = predicted class, one backward of the sum of the
  selected outputs (input gradient only: the weights do not require grad);
* integrated_gradients: predicted class from a no_grad forward, then all m path points of the batch in one
  [m*N, ...] pass with the midpoint rule alpha_k = (k - 1/2)/m and zero baseline, IG = (x - x0) * mean_k grad.
"""
import json
import time

import numpy as np
import torch


def saliency(forward, x):
    """Input gradient of the predicted-class output; one forward, one backward over the batch."""
    x = x.detach().requires_grad_(True)
    logits = forward(x)
    predicted = logits.argmax(1)
    (grad,) = torch.autograd.grad(logits.gather(1, predicted[:, None]).sum(), x)
    return grad, logits.detach(), predicted


def integrated_gradients(forward, x, steps):
    """IG with zero baseline, midpoint rule, all steps of the batch in one [steps*N, ...] pass."""
    n, sample = x.shape[0], x.shape[1:]
    with torch.no_grad():
        logits = forward(x)
        predicted = logits.argmax(1)
        origin = torch.zeros_like(x)
        delta = x - origin
        alphas = (torch.arange(steps, dtype=x.dtype) + 0.5) / steps
        path = (origin[None] + alphas.view((steps,) + (1,) * x.dim()) * delta[None]).reshape((steps * n,) + sample)
    path.requires_grad_(True)
    out = forward(path)
    (grad,) = torch.autograd.grad(out.gather(1, predicted.repeat(steps)[:, None]).sum(), path)
    with torch.no_grad():
        ig = grad.view((steps, n) + sample).mean(0) * delta
    return ig, logits, predicted


def timed(run, n, warmup, warmup_seconds, iters, min_seconds):
    """Warmup (at least `warmup` runs and `warmup_seconds`), then at least `iters` runs and `min_seconds`."""
    warm_end = time.perf_counter() + warmup_seconds
    i = 0
    while i < warmup or time.perf_counter() < warm_end:
        run()
        i += 1
    times = []
    end = time.perf_counter() + min_seconds
    last = None
    while len(times) < iters or time.perf_counter() < end:
        s = time.perf_counter()
        last = run()
        times.append(time.perf_counter() - s)
    t = np.array(times)
    med = float(np.median(t))
    return {
        "iterations": len(times),
        "medianMs": med * 1e3,
        "minMs": float(t.min()) * 1e3,
        "maxMs": float(t.max()) * 1e3,
        "samplesPerSecMedian": n / med,
        "samplesPerSecMean": n * len(times) / float(t.sum()),
        "samplesPerSecBest": n / float(t.min()),
    }, last


def proc_status():
    out = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, value = line.split(":", 1)
                out[key + "_kB"] = int(value.split()[0])
    return out


def loadavg():
    with open("/proc/loadavg") as fh:
        return fh.read().strip()


def emit(result, out):
    """Prints the result as JSON and, with a path, writes it there too."""
    text = json.dumps(result, indent=2)
    if out:
        with open(out, "w") as fh:
            fh.write(text + "\n")
    print(text)


def compare(mine, java):
    """Max |diff|, and the max over rows of ||diff||_inf / ||reference row||_inf (rows flattened)."""
    mine = mine.reshape(mine.shape[0], -1)
    java = java.reshape(java.shape[0], -1)
    d = np.abs(mine - java)
    scale = np.maximum(np.abs(mine).max(axis=1), 1e-12)
    elem_rel = d / np.maximum(np.abs(mine), 1e-3 * scale[:, None])
    return {
        "maxAbsDiff": float(d.max()),
        "maxRowRelDiff": float((d.max(axis=1) / scale).max()),
        "maxElemRelDiff_floor1e-3rowmax": float(elem_rel.max()),
    }
