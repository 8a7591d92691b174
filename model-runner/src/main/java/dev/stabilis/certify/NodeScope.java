package dev.stabilis.certify;

import ai.djl.ndarray.NDArray;
import dev.stabilis.engine.ScopedStep;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * A step of an interval bound pass in its own scope when the pass is large ({@link ScopedStep}): one node's rule,
 * which keeps the boxes it makes and frees its temporaries (box ends, rounding margins, derivative ranges, the four
 * products of an interval product), or a whole pass, which keeps only its bounds. A pass then holds the boxes of its values and their
 * adjoints, not every intermediate of every rule (BENCHMARKS.md, "Pass memory": 44–55 float64 arrays per value
 * before), and a search that runs many passes on one batch holds only their bounds.
 */
final class NodeScope {

    private NodeScope() {}

    /** Runs one node's step and keeps the boxes it returns (null entries allowed). */
    static Interval[] keep(ScopedStep steps, Supplier<Interval[]> step, Interval... received) {
        return steps.keep(step, NodeScope::arrays, () -> arrays(received));
    }

    /** Runs a whole bound pass and keeps only its bounds. */
    static IntervalBounds keepBounds(ScopedStep steps, Supplier<IntervalBounds> pass) {
        return steps.keep(pass, b -> List.of(b.gradientLower(), b.gradientUpper(), b.logitLower(), b.logitUpper()), List::of);
    }

    private static List<NDArray> arrays(Interval[] boxes) {
        List<NDArray> all = new ArrayList<>(2 * boxes.length);
        for (Interval box : boxes) {
            if (box != null) {
                all.add(box.c());
                all.add(box.r());
            }
        }
        return all;
    }
}
