package dev.stabilis.certify;

import ai.djl.ndarray.NDArray;
import dev.stabilis.engine.Scalars;
import dev.stabilis.engine.Tensors;

/**
 * A box of arrays in centre–radius form, {@code [c − r, c + r]}, float64. The helpers round outward: every
 * conversion and combination widens the radius by the rounding error it may have made, so that the box computed
 * in floating point contains the box of real arithmetic.
 *
 * @param c centre
 * @param r radius, ≥ 0 (+∞ for an unbounded coordinate, whose centre is then 0)
 */
record Interval(NDArray c, NDArray r) {

    /** One unit in the last place relative to 1 for float64: 2⁻⁵², twice the unit roundoff. */
    static final double ULP = 0x1p-52;
    /** Relative widening of values of exp, log, tanh, erf and friends: a few ulp of libtorch's float64 functions. */
    static final double FUNCTION_ULPS = 0x1p-48;

    /** A point: radius 0. */
    static Interval point(NDArray value) {
        return new Interval(value, value.zerosLike());
    }

    /**
     * The box {@code [lo, hi]}, rounded outward; infinite or NaN ends give an unbounded coordinate.
     */
    static Interval ofEnds(NDArray lo, NDArray hi, Scalars k) {
        NDArray c = lo.add(hi).mul(k.of(0.5));
        NDArray r = hi.sub(lo).mul(k.of(0.5)).add(lo.abs().add(hi.abs()).mul(k.of(ULP)));
        return new Interval(c, r).sanitized(k);
    }

    /**
     * The box {@code [lo, hi]} of ends that each came from one correctly rounded operation (a product, a
     * quotient): widened by an ulp of each end first.
     */
    static Interval ofRoundedEnds(NDArray lo, NDArray hi, Scalars k) {
        return ofEnds(lo.sub(lo.abs().mul(k.of(ULP))), hi.add(hi.abs().mul(k.of(ULP))), k);
    }

    /** {@code c − r}, rounded down. */
    NDArray lower(Scalars k) {
        return c.sub(r).sub(margin(k));
    }

    /** {@code c + r}, rounded up. */
    NDArray upper(Scalars k) {
        return c.add(r).add(margin(k));
    }

    /** {@code {lower, upper}}: both ends, rounded outward, with their common margin computed once. */
    NDArray[] ends(Scalars k) {
        NDArray m = margin(k);
        return new NDArray[] {c.sub(r).sub(m), c.add(r).add(m)};
    }

    private NDArray margin(Scalars k) {
        return c.abs().add(r).mul(k.of(ULP));
    }

    /** The radius widened by {@code relative · (|c| + r)}: the rounding of a computation of that relative error. */
    Interval widened(double relative, Scalars k) {
        return relative == 0 ? this : new Interval(c, r.add(c.abs().add(r).mul(k.of(relative))));
    }

    /** The sum of two boxes (broadcast), rounded outward. */
    Interval plus(Interval other, Scalars k) {
        return new Interval(c.add(other.c), r.add(other.r)).widened(ULP, k);
    }

    /** The box with every coordinate whose centre or radius is not finite made unbounded: (0, +∞). */
    Interval sanitized(Scalars k) {
        NDArray bad = c.isNaN().logicalOr(c.isInfinite()).logicalOr(r.isNaN());
        return new Interval(Tensors.where(bad, k.of(0), c), Tensors.where(bad, k.of(Double.POSITIVE_INFINITY), r));
    }
}
