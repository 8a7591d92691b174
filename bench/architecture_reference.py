#!/usr/bin/python3
"""Hand-written batched PyTorch reference for the architecture benchmark (bench/architectures.sh).

The model is the fixture's own torch module (tools/fixtures/make_architectures.py: torchvision's ResNet-18, the
explicit-attention transformer, ...) in float32 eval mode, every parameter and buffer read from the initializers of
the SAME full ONNX file the Java harness loads. On CPU it times, per batch size, on the rows of the Java harness's
dump (bench/torch_attribution.py says what each method computes):

* saliency: one forward with autograd, target = predicted class, one backward of the selected outputs' sum;
* IG-32: a no_grad forward for the predicted class, all 32 midpoint path points of the batch in one pass with
  autograd, and one no_grad forward at the zero baseline for the completeness gap (the Java Attributor computes
  that gap too).

Then it checks the Java attributions against its own (row-relative difference, --tolerance, --ig-tolerance), both
sides' saliency (and at --float64-batches their IG) against the float64 module's, where a Java result within the
tolerance of float64 passes too; and reports the
model's load time (onnx.load + module + load_state_dict) and resident memory. Prints one JSON object.
Run with Debian's /usr/bin/python3 (torch 1.13, torchvision 0.14, onnx).
"""
import argparse
import copy
import json
import os
import sys
import time
from pathlib import Path


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--fixture", required=True, help="fixture name in tools/fixtures/make_architectures.py")
    p.add_argument("--model", required=True, help="the full ONNX file the Java harness loaded")
    p.add_argument("--dump", required=True, help="the Java harness's dump directory (batch-<n>.json)")
    p.add_argument("--batches", default="1,16,64")
    p.add_argument("--steps", type=int, default=32)
    p.add_argument("--intra-op-threads", type=int, default=2,
                   help="torch.set_num_threads / OMP_NUM_THREADS: oneDNN convolutions and elementwise ops")
    p.add_argument("--blas-threads", type=int, default=1,
                   help="OPENBLAS_NUM_THREADS (Debian's torch calls OpenBLAS for matmuls; with both pools at 2 "
                        "threads they oversubscribe a 2-core machine, see attribution_reference.py)")
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--warmup-seconds", type=float, default=0.0)
    p.add_argument("--iters", type=int, default=3)
    p.add_argument("--min-seconds", type=float, default=0.0)
    p.add_argument("--heavy-rows", type=int, default=sys.maxsize,
                   help="calls with more model rows than this (samples x IG steps) run once without warmup")
    p.add_argument("--tolerance", type=float, default=1e-4, help="row-relative tolerance of the Java saliency check")
    p.add_argument("--ig-tolerance", type=float, default=5e-3,
                   help="row-relative tolerance of the Java IG check: float32 IG through a deep ReLU net differs from "
                        "float64 by up to 2.2e-3 of a row on both sides at batch 64 (see --float64-batches)")
    p.add_argument("--float64-batches", default="",
                   help="batch sizes at which IG is also computed by the float64 module, and both float32 sides are "
                        "compared to it")
    p.add_argument("--out", default=None, help="also write the JSON result here")
    return p.parse_args()


ARGS = parse_args()
os.environ["OMP_NUM_THREADS"] = str(ARGS.intra_op_threads)
os.environ["OPENBLAS_NUM_THREADS"] = str(ARGS.blas_threads)

import numpy as np  # noqa: E402
import torch  # noqa: E402

from torch_attribution import compare, emit, integrated_gradients, loadavg, proc_status, saliency, timed  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools" / "fixtures"))
import make_architectures  # noqa: E402

torch.set_num_threads(ARGS.intra_op_threads)
torch.set_num_interop_threads(1)


def budget(model_rows):
    if model_rows > ARGS.heavy_rows:
        return 0, 0.0, 1, 0.0
    return ARGS.warmup, ARGS.warmup_seconds, ARGS.iters, ARGS.min_seconds


def main():
    result = {"side": "pytorch", "torch": torch.__version__, "fixture": ARGS.fixture, "model": ARGS.model,
              "igSteps": ARGS.steps,
              "threads": {"torch.get_num_threads": torch.get_num_threads(),
                          "OMP_NUM_THREADS": os.environ["OMP_NUM_THREADS"],
                          "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY"),
                          "OPENBLAS_NUM_THREADS": os.environ["OPENBLAS_NUM_THREADS"]},
              "loadavgBefore": loadavg()}
    rss_before = proc_status()["VmRSS_kB"]
    started = time.perf_counter()
    model = make_architectures.fixture_module(ARGS.fixture, Path(ARGS.model).read_bytes())
    result["load"] = {"rssBeforeLoad_kB": rss_before, "loadMs": (time.perf_counter() - started) * 1e3,
                      "rssAfterLoad_kB": proc_status()["VmRSS_kB"]}
    steps = ARGS.steps

    def forward(x):
        return model(x)

    result["batches"] = {}
    result["javaCheck"] = {}
    passed = True
    for batch in [int(b) for b in ARGS.batches.split(",")]:
        with open(Path(ARGS.dump) / f"batch-{batch}.json") as fh:
            dump = json.load(fh)
        rows = torch.from_numpy(np.asarray(dump["rows"], dtype=np.float32).reshape(dump["shape"]))

        def run_saliency():
            grad, _, predicted = saliency(forward, rows)
            return grad.numpy(), predicted.numpy()

        def run_ig():
            ig, logits, predicted = integrated_gradients(forward, rows, steps)
            with torch.no_grad():
                at_baseline = forward(torch.zeros_like(rows)).gather(1, predicted[:, None])[:, 0]
                score_delta = logits.gather(1, predicted[:, None])[:, 0] - at_baseline
                gap = ig.reshape(batch, -1).sum(1) - score_delta
            return ig.numpy(), gap.numpy()

        sal_stats, sal_last = timed(run_saliency, batch, *budget(batch))
        ig_stats, ig_last = timed(run_ig, batch, *budget(batch * steps))
        result["batches"][str(batch)] = {"saliency": sal_stats, f"ig{steps}": ig_stats}
        check = {"predictedAgree": int((np.asarray(dump["predicted"]) == sal_last[1]).sum()),
                 "saliency": compare(sal_last[0], np.asarray(dump["saliency"], dtype=np.float32).reshape(batch, -1)),
                 f"ig{steps}": compare(ig_last[0], np.asarray(dump[f"ig{steps}"], dtype=np.float32).reshape(batch, -1))}
        # Where the two float32 results differ, the float64 module says which is off: saliency always (cheap), IG at
        # --float64-batches. At batch 64, Debian's torch 1.13 float32 is 1.2e-2 of a row from float64 on one ResNet-18
        # row where Stabilis is 7e-7.
        model64 = copy.deepcopy(model).double()
        java_sal = np.asarray(dump["saliency"], dtype=np.float64).reshape(batch, -1)
        sal64 = saliency(model64, rows.double())[0].numpy().reshape(batch, -1)
        check["saliencyAgainstFloat64"] = {"java": compare(sal64, java_sal),
                                           "pytorch": compare(sal64, sal_last[0].reshape(batch, -1).astype(np.float64))}
        saliency_ok = min(check["saliency"]["maxRowRelDiff"],
                          check["saliencyAgainstFloat64"]["java"]["maxRowRelDiff"]) <= ARGS.tolerance
        ig_difference = check[f"ig{steps}"]["maxRowRelDiff"]
        if str(batch) in ARGS.float64_batches.split(","):
            ig64 = integrated_gradients(model64, rows.double(), steps)[0].numpy()
            check[f"ig{steps}AgainstFloat64"] = {
                "java": compare(ig64, np.asarray(dump[f"ig{steps}"], dtype=np.float64).reshape(batch, -1)),
                "pytorch": compare(ig64, ig_last[0].astype(np.float64))}
            ig_difference = min(ig_difference, check[f"ig{steps}AgainstFloat64"]["java"]["maxRowRelDiff"])
        check["pass"] = bool(check["predictedAgree"] == batch and saliency_ok and ig_difference <= ARGS.ig_tolerance)
        passed = passed and check["pass"]
        result["javaCheck"][str(batch)] = check
    result["javaCheckPass"] = passed
    result["tolerance"] = {"saliency": ARGS.tolerance, f"ig{steps}": ARGS.ig_tolerance}
    result["loadavgAfter"] = loadavg()
    result["memory"] = proc_status()
    emit(result, ARGS.out)


if __name__ == "__main__":
    main()
