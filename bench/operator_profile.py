#!/usr/bin/env python3
"""Sums a libtorch profiler trace (bench/java.sh OperatorProfile) by operator and input shapes.

    bench/operator_profile.py TRACE.json CALLS [TOP]

Only top-level operators count (an operator inside another one, such as the copy inside a reshape, is part of its
parent's time). Prints the TOP (default 40) costliest (operator, shapes) pairs in ms per call with how many times a
call runs each, then the totals per operator name.
"""
import collections
import json
import sys


def top_level(events):
    """The complete events not nested in another event of the same thread."""
    events = sorted((e for e in events if isinstance(e, dict) and e.get("ph") == "X"),
                    key=lambda e: (str(e["tid"]), e["ts"], -e["dur"]))
    kept, end, thread = [], -1.0, None
    for e in events:
        if e["tid"] != thread:
            thread, end = e["tid"], -1.0
        if e["ts"] >= end:
            kept.append(e)
            end = e["ts"] + e["dur"]
    return kept


def main(path, calls, top):
    with open(path) as f:
        trace = json.load(f)
    ops = top_level(trace["traceEvents"] if isinstance(trace, dict) else trace)
    total = sum(e["dur"] for e in ops)
    print(f"{len(ops) / calls:.0f} top-level operators per call, {total / 1e3 / calls:.1f} ms per call in them")
    by_shape, count = collections.Counter(), collections.Counter()
    by_name = collections.Counter()
    for e in ops:
        key = f"{e['name']} {e.get('shape', '')}"
        by_shape[key] += e["dur"]
        count[key] += 1
        by_name[e["name"]] += e["dur"]
    print("\n| ms per call | share | times per call | operator and input shapes |\n|---|---|---|---|")
    for key, dur in by_shape.most_common(top):
        print(f"| {dur / 1e3 / calls:.2f} | {100 * dur / total:.1f} % | {count[key] / calls:.0f} | `{key}` |")
    print("\n| ms per call | share | operator |\n|---|---|---|")
    for name, dur in by_name.most_common(15):
        print(f"| {dur / 1e3 / calls:.2f} | {100 * dur / total:.1f} % | `{name}` |")


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) == 4 else 40)
