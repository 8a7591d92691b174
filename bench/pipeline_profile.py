#!/usr/bin/env python3
"""Per-stage time of ModelPipeline.evaluate from JFR recordings of RunnerAloneBenchmark (JFR=1 bench/runner-alone-ab.sh).

  /usr/bin/python3 bench/pipeline_profile.py BATCHES a.jfr [b.jfr ...]   (BATCHES: evaluate calls per run, warm-up included)

Each sample of the pipeline thread (settings=profile: one every 10 ms while in Java, one every 20 ms while in native code,
which is where libtorch runs with one intra-op thread) counts its period towards the stage whose frames it holds, so
the table gives ms per batch and the share of each stage. The attack and the noise baseline are told apart by the line of
EmpiricalAssessor.assess that called ExplanationAttack.attack (29: the attack, else the noise; the same in the
2026-11-24 build and today's). Needs the JDK's `jfr` on the PATH.
"""
import json, subprocess, sys, collections
def frames(st):
    return [(x["method"]["type"]["name"].split("/")[-1] + "." + x["method"]["name"], x["lineNumber"]) for x in st["frames"]]
def stage(fr):
    names = [n for n, _ in fr]
    if "ModelPipeline.evaluate" not in names: return None
    def has(s): return any(s == n or n.startswith(s) for n in names)
    if has("Attributor.explain"): return "attributions (saliency, grad×input, IG-32, SmoothGrad-16)"
    if has("Certifier.radius"): return "certificate: radius search (13 bound passes)"
    if has("Certifier.certify"):
        if has("Certifier.boundsAt"): return "certificate: bounds at ε (1 pass)"
        if has("Certificates."): return "certificate: certificates on the host"
        if has("GraphModel.gradients"): return "certificate: point gradient (float64)"
        return "certificate: other (copies, frees)"
    if has("SmoothingCertifier"): return "certificate: smoothing"
    if has("Curvature.of"): return "curvature (20 Hessian-vector products)"
    if has("Thickness.measure"): return "thickness"
    if has("ExplanationAttack.attack"):
        line = next(l for n, l in fr if n == "EmpiricalAssessor.assess")
        who = "attack (top-k PGD, 30 steps)" if line == 29 else "noise baseline (30 draws)"
        if has("ExplanationAttack.descend"): return who + ": surrogate steps"
        if has("ExplanationAttack.judge"): return who + ": judge"
        return who + ": start"
    return "rest of evaluate (results, invariant check)"
def load(f):
    j = json.loads(subprocess.run(["jfr", "print", "--json", "--events", "jdk.ExecutionSample,jdk.NativeMethodSample",
                                   "--stack-depth", "512", f], capture_output=True, text=True).stdout)
    c = collections.Counter()
    for e in j["recording"]["events"]:
        st = e["values"]["stackTrace"]
        if not st: continue
        s = stage(frames(st))
        if s: c[s] += 20 if e["type"] == "jdk.NativeMethodSample" else 10
    return c
batches = int(sys.argv[1]); files = sys.argv[2:]
cs = [load(f) for f in files]
keys = sorted(set().union(*cs), key=lambda k: -max(c[k] for c in cs))
print("| stage | " + " | ".join(f"{f} ms/batch (share)" for f in files) + " |")
print("|---|" + "---|" * len(files))
tot = [sum(c.values()) for c in cs]
for k in keys:
    print(f"| {k} | " + " | ".join(f"{c[k]/batches:.0f} ({100*c[k]/t:.0f} %)" for c, t in zip(cs, tot)) + " |")
print("| **total** | " + " | ".join(f"{t/batches:.0f}" for t in tot) + " |")
