#!/usr/bin/python3
"""Hand-written batched PyTorch reference for the attribution benchmark.

Loads the SAME weights as the Java engine (the ONNX initializers, read with the `onnx` package), writes the
MLP forward by hand (x @ W.T + b via F.linear, ReLU), and times on CPU:

* saliency: one forward with autograd on the batch, target = predicted class, one backward of the sum of the
  selected logits (input gradient only: the weights do not require grad);
* IG-32: predicted class from a no_grad forward, then all m path points of the batch in one [m*N, F] pass
  with the midpoint rule alpha_k = (k - 1/2)/m and zero baseline, IG = (x - x0) * mean_k grad.

Rows come from the Java harness's dump (so both sides run on the identical rows) or, without --rows, are
drawn uniformly in [0, 1) with a fixed seed. With a dump, the Java attributions are compared against this
reference and the maximum differences are reported.

Run with Debian's /usr/bin/python3 (torch 1.13, onnx). Prints one JSON object.
"""
import argparse
import json
import os
import time

T_START = time.perf_counter()


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="model-runner/src/test/resources/fixtures/digits_mlp_relu/model.onnx")
    p.add_argument("--rows", default=None, help="Java dump (rows + attributions JSON); random rows if absent")
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--steps", type=int, default=32)
    p.add_argument("--threads", type=int, default=2,
                   help="BLAS threads (OpenBLAS pool, where the matmuls run): the cores the benchmark may use")
    p.add_argument("--intra-op-threads", type=int, default=1,
                   help="torch.set_num_threads (OpenMP pool, elementwise ops); see the comment below")
    p.add_argument("--interop-threads", type=int, default=1)
    p.add_argument("--warmup", type=int, default=10, help="minimum warmup iterations")
    p.add_argument("--warmup-seconds", type=float, default=2.0, help="minimum warmup time")
    p.add_argument("--iters", type=int, default=30, help="minimum timed iterations")
    p.add_argument("--min-seconds", type=float, default=3.0, help="minimum timed time")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--tolerance", type=float, default=1e-4, help="row-relative tolerance for the Java check")
    p.add_argument("--out", default=None, help="also write the JSON result here")
    p.add_argument("--breakdown", default=None, help="Java-harness option, accepted and ignored here")
    p.add_argument("--flush-denormal", action="store_true", help="torch.set_flush_denormal(True): subnormals as 0")
    return p.parse_args()


ARGS = parse_args()
# Thread pools are sized when the libraries load, so set them before importing torch. Debian's torch 1.13 is
# built with BLAS_INFO=generic and calls the system BLAS (OpenBLAS, pthread variant) for every matmul; that
# pool is separate from torch's OpenMP intra-op pool. With both at 2 threads on a 2-core machine the
# spinning OpenMP workers and the OpenBLAS workers oversubscribe the cores and IG-32 gets ~3x slower and very
# noisy, so the default gives the matmuls 2 threads (OPENBLAS_NUM_THREADS) and the elementwise ops 1
# (torch.set_num_threads / OMP_NUM_THREADS): at most 2 busy threads at any time, as on the Java side.
os.environ["OMP_NUM_THREADS"] = str(ARGS.intra_op_threads)
os.environ["OPENBLAS_NUM_THREADS"] = str(ARGS.threads)

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import torch  # noqa: E402

if ARGS.flush_denormal and not torch.set_flush_denormal(True):
    raise SystemExit("this CPU cannot flush denormals (torch.set_flush_denormal needs SSE3)")
import torch.nn.functional as F  # noqa: E402
from onnx import numpy_helper  # noqa: E402
from torch_attribution import compare, emit, integrated_gradients, loadavg, proc_status, saliency, timed  # noqa: E402

torch.set_num_threads(ARGS.intra_op_threads)
torch.set_num_interop_threads(ARGS.interop_threads)


def load_mlp(path):
    """[(W, b, relu_after)] from an ONNX Gemm(transB=1)/Relu chain, as float32 torch tensors."""
    model = onnx.load(path)
    init = {t.name: torch.from_numpy(numpy_helper.to_array(t).astype(np.float32).copy())
            for t in model.graph.initializer}
    layers = []
    for node in model.graph.node:
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        if node.op_type == "Gemm":
            if attrs.get("transB", 0) != 1 or attrs.get("transA", 0) != 0 \
                    or attrs.get("alpha", 1.0) != 1.0 or attrs.get("beta", 1.0) != 1.0:
                raise ValueError(f"unsupported Gemm attributes {attrs}")
            layers.append([init[node.input[1]], init[node.input[2]], False])
        elif node.op_type == "Relu":
            layers[-1][2] = True
        else:
            raise ValueError(f"reference supports Gemm/Relu chains only, got {node.op_type}")
    return [tuple(layer) for layer in layers]


LAYERS = load_mlp(ARGS.model)


def forward(x):
    for w, b, relu in LAYERS:
        x = F.linear(x, w, b)
        if relu:
            x = torch.relu(x)
    return x


def main():
    dump = None
    if ARGS.rows:
        with open(ARGS.rows) as fh:
            dump = json.load(fh)
        rows = np.asarray(dump["rows"], dtype=np.float32)
    else:
        rows = np.random.default_rng(ARGS.seed).random((ARGS.batch, LAYERS[0][0].shape[1]), dtype=np.float32)
    n = rows.shape[0]
    steps = ARGS.steps

    def run_saliency():
        grad, logits, predicted = saliency(forward, torch.from_numpy(rows))
        return grad.numpy(), logits.numpy(), predicted.numpy()

    def run_ig():
        ig, logits, predicted = integrated_gradients(forward, torch.from_numpy(rows), steps)
        return ig.numpy(), logits.numpy(), predicted.numpy()

    # First call: process start (before importing torch/onnx) -> first saliency result.
    first = run_saliency()
    first_call_ms = (time.perf_counter() - T_START) * 1e3

    result = {
        "side": "pytorch",
        "torch": torch.__version__,
        "flushDenormal": ARGS.flush_denormal,
        "model": ARGS.model,
        "batch": n,
        "igSteps": steps,
        "threads": {
            "blasThreads": ARGS.threads,
            "torch.get_num_threads": torch.get_num_threads(),
            "torch.get_num_interop_threads": torch.get_num_interop_threads(),
            "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS"),
            "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS"),
        },
        "loadavgBefore": loadavg(),
        "firstCallMs_fromImport": first_call_ms,
        "methods": {},
    }
    sal_stats, sal_last = timed(run_saliency, n, ARGS.warmup, ARGS.warmup_seconds, ARGS.iters, ARGS.min_seconds)
    ig_stats, ig_last = timed(run_ig, n, ARGS.warmup, ARGS.warmup_seconds, ARGS.iters, ARGS.min_seconds)
    result["methods"]["saliency"] = sal_stats
    result["methods"][f"ig{steps}"] = ig_stats
    result["loadavgAfter"] = loadavg()
    result["memory"] = proc_status()
    assert np.array_equal(first[0], sal_last[0])

    if dump is not None:
        java_pred = np.asarray(dump["predicted"])
        check = {
            "rows": n,
            "predictedAgree": int((java_pred == sal_last[2]).sum()),
            "saliency": compare(sal_last[0], np.asarray(dump["saliency"], dtype=np.float32)),
            f"ig{steps}": compare(ig_last[0], np.asarray(dump[f"ig{steps}"], dtype=np.float32)),
            "tolerance": ARGS.tolerance,
        }
        check["pass"] = bool(check["predictedAgree"] == n
                             and check["saliency"]["maxRowRelDiff"] <= ARGS.tolerance
                             and check[f"ig{steps}"]["maxRowRelDiff"] <= ARGS.tolerance)
        result["javaCheck"] = check

    emit(result, ARGS.out)


if __name__ == "__main__":
    main()
