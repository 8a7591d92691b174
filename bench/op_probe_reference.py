#!/usr/bin/python3
"""Diagnostic counterpart of dev.stabilis.bench.EngineProbe: median µs of the individual PyTorch ops a
hand-written MLP saliency/IG pass issues, at batch 256 and 8192 (torch intra-op 1, OpenBLAS 2, as the primary
reference configuration of attribution_reference.py). Run: /usr/bin/python3 bench/op_probe_reference.py"""
import os
os.environ["OMP_NUM_THREADS"]="2"; os.environ["OPENBLAS_NUM_THREADS"]="2"
import time, torch, numpy as np
torch.set_num_threads(1)
def probe(f, reps=500, warm=100):
    for _ in range(warm): f()
    t=[]
    for _ in range(reps):
        s=time.perf_counter(); f(); t.append(time.perf_counter()-s)
    return np.median(t)*1e6
for n in (256, 8192):
    x=torch.rand(n,64); h=torch.rand(n,128)-0.5; g=torch.rand(n,128); w1=torch.rand(128,64); w2=torch.rand(128,128); b=torch.rand(128)
    host=np.random.rand(n,64).astype(np.float32)
    print(f"n={n} (median us per op, torch intra-op 1, OpenBLAS 2)")
    for name,f in [("from_numpy+clone [n,64]", lambda: torch.from_numpy(host).clone()),
                   ("linear [n,64]->128 (addmm, bias fused)", lambda: torch.nn.functional.linear(x,w1,b)),
                   ("matmul [n,64]x[64,128]", lambda: x@w1.T),
                   ("matmul [n,128]x[128,128]", lambda: h@w2.T),
                   ("add bias", lambda: h+b),
                   ("relu", lambda: torch.relu(h)),
                   ("threshold_backward (autograd relu')", lambda: torch.ops.aten.threshold_backward(g,h,0)),
                   ("g*(h>0).float() (engine style)", lambda: g*(h>0).to(torch.float32)),
                   ("mul", lambda: g*h),
                   ("g*torch.relu(h).sign()", lambda: g*torch.relu(h).sign()),
                   ("numpy() copy [n,128]", lambda: h.numpy().copy()),
                   ("argmax(1)", lambda: h.argmax(1))]:
        print(f"  {name:48s} {probe(f):10.1f}")
