package dev.stabilis.engine;

import ai.djl.ndarray.NDArray;

/**
 * An affine node {@code y = L(x₁, …, x_k) + b} on a device, as interval propagation sees it: the linear part L,
 * its adjoint Lᵀ, the magnitude map |L| (every coefficient replaced by its absolute value) and its adjoint, and the
 * offset b. A centre–radius interval {@code (c, r)} maps to {@code (L c + b, |L| r)} exactly in real arithmetic.
 */
public interface LinearMap {

    /** {@code L(x₁, …, x_k)}, without the offset. */
    NDArray linear(NDArray[] inputs);

    /** {@code |L|(r₁, …, r_k)}. */
    NDArray magnitude(NDArray[] radii);

    /** {@code Lᵀ g} for each input. */
    NDArray[] adjoint(NDArray grad);

    /** {@code |L|ᵀ g} for each input. */
    NDArray[] magnitudeAdjoint(NDArray grad);

    /**
     * {@code b}, broadcastable to the output (batch axes 1), or null without offset.
     *
     * @param batch the batch size, for offsets whose shape follows it
     */
    NDArray offset(long batch);

    /**
     * {@code |b|}, broadcastable to the output (batch axes 1), or null without offset.
     *
     * @param batch the batch size, for offsets whose shape follows it
     */
    NDArray offsetMagnitude(long batch);

    /**
     * The number of terms one output value sums, offset included: a float64 evaluation of it is off by at most
     * {@code γ_n Σ|terms|} (0 for exact data movement).
     */
    long terms();

    /** The number of terms one value of an adjoint {@code Lᵀ g} sums (0 for exact data movement). */
    long adjointTerms();

    /**
     * Whether each output value is at most one input value times a constant (plus the offset) and each input value
     * reaches at most one output value: interval propagation through such a map and any other composes exactly,
     * {@code |L M| = |L| |M|}.
     */
    default boolean isElementwise() {
        return terms() <= 1 && adjointTerms() <= 1;
    }

    /**
     * Whether {@link #singleMagnitude} and {@link #singleMagnitudeAdjoint} are available: |L| kept in float32, every
     * coefficient rounded up and at least 2⁻¹²⁶ ({@link SingleMagnitude}).
     */
    default boolean hasSingleMagnitude() {
        return false;
    }

    /**
     * {@code |L| r} for float32 radii, multiplied in float32 by the rounded-up |L| of {@link #hasSingleMagnitude}: about
     * twice as fast as {@link #magnitude} on a CPU, and an upper bound up to the float32 rounding, which the caller
     * bounds.
     */
    default NDArray singleMagnitude(NDArray radius) {
        throw new UnsupportedOperationException("no float32 magnitude for " + getClass().getSimpleName());
    }

    /** {@code |L|ᵀ g} for a float32 g, as {@link #singleMagnitude}. */
    default NDArray singleMagnitudeAdjoint(NDArray grad) {
        throw new UnsupportedOperationException("no float32 magnitude for " + getClass().getSimpleName());
    }

    /** Whether the map holds trained parameters that a parameter box perturbs. */
    boolean hasParameters();
}
