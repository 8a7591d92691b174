package dev.stabilis.certify;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * The free choices of one linear bound pass that α-CROWN-style optimisation tunes (Xu et al., ICLR 2021, applied to
 * the gradient computation): per site (the McCormick plane weight of a product in the backward pass, the lower slope
 * of a ReLU in one forward propagation) an array with one value in [0, 1] per specification and element. Every value
 * in [0, 1] gives a sound bound, so the optimisation only ever changes how tight it is. {@link #step} moves every value
 * by projected sign-gradient ascent of the bounds (a gradient collector must have recorded the pass).
 */
final class RelaxationParameters implements AutoCloseable {

    /** Clips to the feasible range [0, 1]. */
    static final UnaryOperator<NDArray> FEASIBLE = v -> v.clip(0, 1);

    private final Map<String, NDArray> values = new LinkedHashMap<>();
    private final UnaryOperator<NDArray> projection;

    /** @param projection maps a value back into the feasible range ({@link #FEASIBLE}; a test widens it) */
    RelaxationParameters(UnaryOperator<NDArray> projection) {
        this.projection = projection;
    }

    /** The values at a site, made from {@code initial} the first time it is asked for, tracked for gradients. */
    NDArray at(String site, Supplier<NDArray> initial) {
        return values.computeIfAbsent(site, s -> {
            NDArray value = projection.apply(initial.get());
            value.setRequiresGradient(true);
            NDScope.unregister(value);
            return value;
        });
    }

    /**
     * Moves every value by {@code size} along the sign of the gradient that the last backward pass left on it, then
     * projects it back. Must run outside the gradient collector, so that the new values start fresh; the old values are
     * closed.
     */
    void step(double size) {
        for (Map.Entry<String, NDArray> e : values.entrySet()) {
            NDArray value = e.getValue();
            NDArray next = projection.apply(value.add(value.getGradient().sign().mul(size)));
            next.setRequiresGradient(true);
            NDScope.unregister(next);
            e.setValue(next);
            value.close();
        }
    }

    /** Frees the values. */
    @Override
    public void close() {
        values.values().forEach(NDArray::close);
    }
}
