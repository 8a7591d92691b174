#!/usr/bin/python3
"""Prints the comparison (markdown) for one bench/run.sh result directory: one table per round and, with
several rounds, the median over rounds. Exit status 1 if a Java/PyTorch attribution check failed."""
import glob
import json
import os
import statistics
import sys


def load(path):
    with open(path) as fh:
        return json.load(fh)


def label(r):
    t = r["threads"]
    return f"PyTorch (OpenBLAS {t['blasThreads']}, intra-op {t['torch.get_num_threads']})"


def sps(r, method):
    return r["methods"][method]["samplesPerSecMedian"]


def load_round(d):
    java = load(os.path.join(d, "java.json"))
    refs = [load(os.path.join(d, "pytorch.json"))] + [load(p) for p in sorted(glob.glob(os.path.join(d, "pytorch-intraop*.json")))]
    return java, refs


def table(rows, header):
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in rows:
        print("| " + " | ".join(r) + " |")


def main(out):
    machine = dict(line.rstrip("\n").split("=", 1) for line in open(os.path.join(out, "machine.txt")) if "=" in line)
    rounds = sorted(glob.glob(os.path.join(out, "round-*")), key=lambda p: int(p.rsplit("-", 1)[1])) or [out]
    data = [load_round(d) for d in rounds]
    java0, refs0 = data[0]
    methods = list(java0["methods"])
    ref_labels = [label(r) for r in refs0]

    print(f"Results: {out}  ({machine.get('date_utc')} UTC, nproc {machine.get('nproc')}, {machine.get('cpu')}, "
          f"{machine.get('java')}, git {machine.get('git_head')} + {machine.get('uncommitted_paths')} "
          f"uncommitted paths under {machine.get('uncommitted_under')}), batch {java0['batch']}, {len(data)} round(s)")
    print()
    header = ["round", "method", "Java samples/s"] + [f"{l} samples/s" for l in ref_labels] \
        + [f"Java / {l}" for l in ref_labels] + ["Java / best PyTorch", "loadavg (1 min) J / P"]
    rows = []
    ratios = {m: {i: [] for i in range(len(refs0) + 1)} for m in methods}
    speeds = {m: {i: [] for i in range(len(refs0) + 1)} for m in methods}
    for k, (java, refs) in enumerate(data, 1):
        for m in methods:
            j = sps(java, m)
            ref = [sps(r, m) for r in refs]
            best = max(ref)
            speeds[m][0].append(j)
            for i, v in enumerate(ref):
                speeds[m][i + 1].append(v)
                ratios[m][i].append(j / v)
            ratios[m][len(refs)].append(j / best)
            rows.append([str(k), m, f"{j:,.0f}"] + [f"{v:,.0f}" for v in ref] + [f"{j / v:.2f}" for v in ref]
                        + [f"{j / best:.2f}",
                           f"{java['loadavgBefore'].split()[0]} / {refs[0]['loadavgBefore'].split()[0]}"])
    table(rows, header)
    print()
    print("Best iteration (samples/s = batch / fastest iteration; noise on a shared machine only adds time, so this "
          "is the least load-sensitive comparison of the code itself):")
    print()
    rows = []
    for k, (java, refs) in enumerate(data, 1):
        for m in methods:
            j = java["methods"][m]["samplesPerSecBest"]
            ref = [r["methods"][m]["samplesPerSecBest"] for r in refs]
            rows.append([str(k), m, f"{j:,.0f}"] + [f"{v:,.0f}" for v in ref] + [f"{j / v:.2f}" for v in ref]
                        + [f"{j / max(ref):.2f}"])
    table(rows, ["round", "method", "Java best samples/s"] + [f"{l} best samples/s" for l in ref_labels]
          + [f"Java / {l}" for l in ref_labels] + ["Java / best PyTorch"])
    if len(data) > 1:
        print()
        print(f"Median over {len(data)} rounds (samples/s; ratio = median of the per-round ratios):")
        print()
        rows = []
        for m in methods:
            rows.append([m, f"{statistics.median(speeds[m][0]):,.0f}"]
                        + [f"{statistics.median(speeds[m][i + 1]):,.0f}" for i in range(len(refs0))]
                        + [f"{statistics.median(ratios[m][i]):.2f}" for i in range(len(refs0) + 1)])
        table(rows, ["method", "Java samples/s"] + [f"{l} samples/s" for l in ref_labels]
              + [f"Java / {l}" for l in ref_labels] + ["Java / best PyTorch"])
    print()
    print("samples/s = batch / median iteration time. Per round, median ms [min .. max] x iterations:")
    for k, (java, refs) in enumerate(data, 1):
        for name, r in [("Java", java)] + [(label(r), r) for r in refs]:
            parts = [f"{m} {s['medianMs']:.3f} [{s['minMs']:.3f} .. {s['maxMs']:.3f}] x{s['iterations']}"
                     for m, s in r["methods"].items()]
            print(f"- round {k}, {name}: " + "; ".join(parts))
    print()
    first = [j["firstCallMs"] for j, _ in data]
    uptime = [j["jvmUptimeAtFirstResultMs"] for j, _ in data]
    rss = [j["memory"]["VmRSS_kB"] / 1024 for j, _ in data]
    hwm = [j["memory"]["VmHWM_kB"] / 1024 for j, _ in data]
    heap = [j["memory"]["javaHeapCommitted_kB"] / 1024 for j, _ in data]
    pfirst = [r[0]["firstCallMs_fromImport"] for _, r in data]
    prss = [r[0]["memory"]["VmRSS_kB"] / 1024 for _, r in data]

    def fmt(xs, unit):
        return ", ".join(f"{x:.0f}" for x in xs) + f" {unit}"

    print(f"- Java first call (model load start -> first saliency batch of {java0['batch']}, fresh JVM, engine "
          f"init included), per round: {fmt(first, 'ms')}; JVM uptime at that point: {fmt(uptime, 'ms')}")
    print(f"- Java VmRSS after the saliency + IG run: {fmt(rss, 'MiB')} (VmHWM {fmt(hwm, 'MiB')}; "
          f"Java heap committed {fmt(heap, 'MiB')})")
    print(f"- PyTorch first call (import torch + onnx + first saliency batch): {fmt(pfirst, 'ms')}; "
          f"VmRSS at the end: {fmt(prss, 'MiB')}")
    for k, (java, _) in enumerate(data, 1):
        eb = java.get("engineBreakdown")
        if eb:
            print(f"- round {k}, Java engine alone (no Attributor), median ms: "
                  + "; ".join(f"{n} {v['medianMs']:.3f}" for n, v in eb.items()))
    ok = True
    for k, (java, refs) in enumerate(data, 1):
        for r in refs:
            c = r["javaCheck"]
            ok &= c["pass"]
            print(f"- round {k}, Java vs {label(r)} on the same {c['rows']} rows: predicted classes agree "
                  f"{c['predictedAgree']}/{c['rows']}; "
                  + "; ".join(f"{m} max|diff| {c[m]['maxAbsDiff']:.2e}, max row-relative {c[m]['maxRowRelDiff']:.2e}"
                              for m in methods)
                  + f" -> {'PASS' if c['pass'] else 'FAIL'} (tolerance {c['tolerance']:g} row-relative)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
