#!/usr/bin/python3
"""Prints the comparison (markdown) for one bench/architectures.sh result directory: throughput per model, batch and
method as the median over rounds (and each round's Java/PyTorch ratio), load time and resident memory, the
interval-bound cost, and the load average each process saw. Exit status 1 if a Java/PyTorch check failed."""
import glob
import json
import os
import statistics
import sys


def load(path):
    with open(path) as fh:
        return json.load(fh)


def table(header, rows):
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in rows:
        print("| " + " | ".join(r) + " |")
    print()


def median(values):
    return statistics.median(values)


def mb(kb):
    return f"{kb / 1024:.0f}"


def main(out):
    rounds = sorted(glob.glob(os.path.join(out, "round-*")), key=lambda p: int(p.rsplit("-", 1)[1]))
    models = sorted({os.path.basename(p)[:-len("-java.json")] for p in glob.glob(os.path.join(rounds[0], "*-java.json"))})
    runs = {m: [(load(os.path.join(r, f"{m}-java.json")), load(os.path.join(r, f"{m}-pytorch.json"))) for r in rounds]
            for m in models}
    print(f"{len(rounds)} round(s); samples/s are medians over rounds of each process's median call; "
          "ratio > 1: Stabilis faster.\n")
    rows = []
    ok = True
    for m in models:
        java0, py0 = runs[m][0]
        for batch, methods in java0["batches"].items():
            for method in methods:
                js = [j["batches"][batch][method]["samplesPerSecMedian"] for j, _ in runs[m]]
                ps = [p["batches"][batch][method]["samplesPerSecMedian"] for _, p in runs[m]]
                calls = f'{java0["batches"][batch][method]["iterations"]}/{py0["batches"][batch][method]["iterations"]}'
                diff = max(p["javaCheck"][batch][method]["maxRowRelDiff"] for _, p in runs[m])
                rows.append([m, batch, method, f"{median(js):.3g}", f"{median(ps):.3g}", f"{median(js) / median(ps):.2f}",
                             " ".join(f"{j / p:.2f}" for j, p in zip(js, ps)), calls, f"{diff:.1e}"])
        for _, p in runs[m]:
            ok = ok and p["javaCheckPass"]
    table(["model", "batch", "method", "Stabilis samples/s", "PyTorch samples/s", "ratio", "ratio per round",
           "timed calls (J/P)", "max row-rel. diff"], rows)

    rows = []
    for m in models:
        j = [r[0] for r in runs[m]]
        p = [r[1] for r in runs[m]]
        rows.append([m, f'{j[0]["modelFileBytes"] / 1e6:.1f}',
                     f'{median([x["load"]["loadMs"] for x in j]):.0f}',
                     f'{mb(median([x["load"]["rssBeforeLoad_kB"] for x in j]))} → {mb(median([x["load"]["rssAfterLoad_kB"] for x in j]))}',
                     mb(median([x["memoryAfterAttributions"]["VmHWM_kB"] for x in j])),
                     f'{median([x["load"]["loadMs"] for x in p]):.0f}',
                     f'{mb(median([x["load"]["rssBeforeLoad_kB"] for x in p]))} → {mb(median([x["load"]["rssAfterLoad_kB"] for x in p]))}',
                     mb(median([x["memory"]["VmHWM_kB"] for x in p]))])
    table(["model", "ONNX MB", "Stabilis load ms", "Stabilis RSS MB before → after load", "Stabilis peak RSS MB (attributions)",
           "PyTorch load ms", "PyTorch RSS MB before → after load", "PyTorch peak RSS MB"], rows)

    rows = []
    for m in models:
        ivs = [j["intervalBounds"] for j, _ in runs[m] if "intervalBounds" in j]
        if ivs:
            rows.append([m, str(ivs[0]["batch"]), str(ivs[0]["epsilon"]),
                         f'{median([i["intervalPass"]["medianMs"] for i in ivs]):.0f}',
                         f'{median([i["gradientPassFloat64"]["medianMs"] for i in ivs]):.0f}',
                         f'{median([i["intervalOverGradientFloat64"] for i in ivs]):.1f}',
                         f'{median([i["gradientPassFloat32"]["medianMs"] for i in ivs]):.0f}',
                         f'{median([i["intervalOverGradientFloat32"] for i in ivs]):.1f}',
                         f'{ivs[0]["meanBoundWidth"]:.3g}', mb(max(i["rssAfterInterval_kB"] for i in ivs))])
    if rows:
        table(["model", "rows", "ε", "interval pass ms", "float64 gradient pass ms", "interval / float64 gradient",
               "float32 gradient pass ms", "interval / float32 gradient", "mean bound width", "RSS MB after"], rows)

    rows = []
    for i, r in enumerate(rounds, 1):
        for m in models:
            j, p = runs[m][i - 1]
            rows.append([str(i), m, " ".join(j["loadavgBefore"].split()[:3]), " ".join(p["loadavgAfter"].split()[:3])])
    table(["round", "model", "load average before Java", "load average after PyTorch"], rows)

    for m in models:
        for j, p in runs[m]:
            for batch, check in p["javaCheck"].items():
                for key, against in check.items():
                    if key.endswith("AgainstFloat64"):
                        print(f"{m} batch {batch}: {key[:-len('AgainstFloat64')]} against the float64 module, max row-relative "
                              f"difference: Stabilis {against['java']['maxRowRelDiff']:.2g}, "
                              f"PyTorch float32 {against['pytorch']['maxRowRelDiff']:.2g}")
    print("\nJava/PyTorch checks: " + ("all passed" if ok else "FAILED (see the pytorch JSON's javaCheck)"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
