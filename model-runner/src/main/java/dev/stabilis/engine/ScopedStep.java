package dev.stabilis.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One step of a pass (a node's forward or backward rule, a whole bound pass) in its own {@link NDScope}: every array
 * the step makes and does not return is freed when it ends, instead of living until the batch's manager closes. A pass
 * then holds its values, not every temporary of every rule it has applied (BENCHMARKS.md, "Pass memory").
 *
 * <p>What the step returns leaves its scope; the arrays it made are handed to the scope that encloses it, if any, so
 * that a caller freeing a whole pass in its own scope still frees them. Arrays the step received (a rule may return an
 * input unchanged, e.g. an identity, or an adjoint that needs no reduction) are never handed on: they belong to whoever
 * made them. Arrays that must outlive every step (model constants made on first use) must leave the scope themselves
 * ({@link NDScope#unregister}), as {@link Scalars} does.
 */
public final class ScopedStep {

    private ScopedStep() {}

    /** Runs {@code step} and keeps the arrays it returns (null entries allowed). */
    public static NDArray[] keep(Supplier<NDArray[]> step, NDArray... received) {
        return keep(step, Arrays::asList, Arrays.asList(received));
    }

    /**
     * Runs {@code step} and keeps the arrays {@code kept} names in its result (null entries allowed).
     *
     * @param received arrays the step was given (null entries allowed), never handed to the enclosing scope
     */
    public static <T> T keep(Supplier<T> step, Function<T, List<NDArray>> kept, Collection<NDArray> received) {
        T result;
        List<NDArray> arrays;
        try (NDScope scope = new NDScope()) {
            result = step.get();
            arrays = kept.apply(result).stream().filter(Objects::nonNull).toList();
            for (NDArray a : arrays) {
                NDScope.unregister(a);
            }
        }
        Set<NDArray> theirs = Collections.newSetFromMap(new IdentityHashMap<>());
        for (NDArray a : received) {
            if (a != null) {
                theirs.add(a);
            }
        }
        for (NDArray a : arrays) {
            if (!theirs.contains(a)) {
                NDScope.register(a);
            }
        }
        return result;
    }
}
