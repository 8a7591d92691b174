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
 *
 * <p>Only passes of at least {@link #SCOPED_FROM_ELEMENTS} elements (rows × every value's elements per row) are worth
 * it: a small pass's temporaries take little memory, and with every step scoped a batch-1 saliency of the digits MLP
 * took 0.20–0.23 ms at the median against 0.13 ms (one A/B at load 6–8, BENCHMARKS.md), so its steps run unscoped.
 */
public final class ScopedStep {

    /** The elements of a pass from which its steps run in scopes: 2¹⁸, 1 MiB of float32 over all values. */
    public static final long SCOPED_FROM_ELEMENTS = 1L << 18;

    private static final ScopedStep SCOPED = new ScopedStep(true);
    private static final ScopedStep UNSCOPED = new ScopedStep(false);

    private final boolean scoped;

    private ScopedStep(boolean scoped) {
        this.scoped = scoped;
    }

    /** The steps of a pass over {@code elements} values in all (rows × elements per row of every value). */
    public static ScopedStep forPass(long elements) {
        return elements >= SCOPED_FROM_ELEMENTS ? SCOPED : UNSCOPED;
    }

    /** Runs {@code step} and keeps the arrays it returns (null entries allowed). */
    public NDArray[] keep(Supplier<NDArray[]> step, NDArray... received) {
        return keep(step, Arrays::asList, () -> Arrays.asList(received));
    }

    /**
     * Runs {@code step} and keeps the arrays {@code kept} names in its result (null entries allowed).
     *
     * @param received the arrays the step is given (null entries allowed), never handed to the enclosing scope; asked
     *     for before the step runs, and only when the pass is scoped (an unscoped step costs nothing but the call)
     */
    public <T> T keep(Supplier<T> step, Function<T, List<NDArray>> kept, Supplier<? extends Collection<NDArray>> received) {
        if (!scoped) {
            return step.get();
        }
        Collection<NDArray> given = received.get();
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
        for (NDArray a : given) {
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
