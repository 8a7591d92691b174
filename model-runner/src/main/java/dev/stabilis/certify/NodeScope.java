package dev.stabilis.certify;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A step of a bound pass in its own {@link NDScope}: one node's rule, or a whole pass. The step's temporaries (box
 * ends, rounding margins, derivative ranges, the four products of an interval product; after a pass, every box
 * but the bounds) are freed as soon as what it returns is known, instead of living until the batch's manager closes.
 * A pass then holds the boxes of its values and their adjoints, not every intermediate of every rule (BENCHMARKS.md,
 * "Pass memory": 44–55 float64 arrays per value before), and a search that runs many passes on one batch holds
 * only their bounds.
 *
 * <p>What a step returns leaves its scope; the arrays it made are handed to the scope that encloses it, if any, so
 * that a caller freeing a whole pass in its own scope still frees them. Arrays the step received (a rule may return
 * an input's centre or radius unchanged) are never handed on: they belong to whoever made them.
 */
final class NodeScope {

    private NodeScope() {}

    /** Runs one node's step and keeps the boxes it returns (null entries allowed). */
    static Interval[] keep(Supplier<Interval[]> step, Interval... received) {
        return run(step, NodeScope::arrays, arrays(received));
    }

    /** Runs a whole bound pass and keeps only its bounds. */
    static IntervalBounds keepBounds(Supplier<IntervalBounds> pass) {
        return run(pass, b -> List.of(b.gradientLower(), b.gradientUpper(), b.logitLower(), b.logitUpper()), List.of());
    }

    private static <T> T run(Supplier<T> step, Function<T, List<NDArray>> arraysOf, List<NDArray> received) {
        T result;
        List<NDArray> kept;
        try (NDScope scope = new NDScope()) {
            result = step.get();
            kept = arraysOf.apply(result);
            for (NDArray a : kept) {
                NDScope.unregister(a);
            }
        }
        Set<NDArray> theirs = Collections.newSetFromMap(new IdentityHashMap<>());
        theirs.addAll(received);
        for (NDArray a : kept) {
            if (!theirs.contains(a)) {
                NDScope.register(a);
            }
        }
        return result;
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
