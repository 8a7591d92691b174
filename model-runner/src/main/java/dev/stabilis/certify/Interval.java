package dev.stabilis.certify;

import ai.djl.ndarray.NDArray;
import dev.stabilis.engine.Scalars;
import dev.stabilis.engine.Tensors;

/**
 * A box of arrays in centre–radius form, {@code [c − r, c + r]}, float64. The helpers round outward: every
 * conversion and combination widens the radius by the rounding error it may have made, so that the box computed
 * in floating point contains the box of real arithmetic.
 *
 * <p><b>Proven magnitude.</b> {@code bound} is either +∞ (nothing known) or a number ≤ {@link #LIMIT} = 2¹⁰⁰⁰ proven,
 * in Java from the model's constants and the input's magnitude, to be ≥ {@code |c| + r} at every coordinate. Such a
 * box holds only finite numbers, and every helper here evaluates sums, differences, products with constants ≤ 2 and
 * with ULP margins of its numbers without overflow (they stay below 2¹⁰⁰⁴ ≪ 2¹⁰²⁴), so {@link #sanitized} is the
 * identity on it and is skipped: that saves its 9 native calls per box. A rule that proves a bound for its result
 * multiplies the bound by {@link #GROWTH} per step for the rounding of its float64 evaluation; operators without a
 * proof give +∞ and their results are sanitized as before.
 *
 * @param c centre
 * @param r radius, ≥ 0 (+∞ for an unbounded coordinate, whose centre is then 0)
 * @param bound +∞, or a proven bound ≤ {@link #LIMIT} on {@code |c| + r}
 */
record Interval(NDArray c, NDArray r, double bound) {

    /** The largest proven magnitude: 2¹⁰⁰⁰, far enough below float64's 2¹⁰²⁴ that a few more operations cannot overflow. */
    static final double LIMIT = 0x1p1000;
    /**
     * The factor a proven bound grows by per step for rounding. An n-term float64 sum or product with a constant errs
     * by a relative {@code n·2⁻⁵³} at most, below 2⁻¹² for any n &lt; 2⁴⁰, so 2 covers it with room to spare.
     */
    static final double GROWTH = 2;

    /** A box of unknown magnitude. */
    Interval(NDArray c, NDArray r) {
        this(c, r, Double.POSITIVE_INFINITY);
    }

    /** {@code value} if it is a bound ≤ {@link #LIMIT} (NaN and larger values give +∞: nothing proven). */
    static double proven(double value) {
        return value <= LIMIT ? value : Double.POSITIVE_INFINITY;
    }

    /** Whether {@code |c| + r ≤ bound ≤ LIMIT} is proven: every coordinate finite. */
    boolean provenFinite() {
        return bound <= LIMIT;
    }

    /** One unit in the last place relative to 1 for float64: 2⁻⁵², twice the unit roundoff. */
    static final double ULP = 0x1p-52;
    /** Relative widening of values of exp, log, tanh, erf and friends: a few ulp of libtorch's float64 functions. */
    static final double FUNCTION_ULPS = 0x1p-48;

    /** A point: radius 0. */
    static Interval point(NDArray value) {
        return new Interval(value, value.zerosLike());
    }

    /** A point whose coordinates are proven to be at most {@code magnitude} in absolute value. */
    static Interval point(NDArray value, double magnitude) {
        return new Interval(value, value.zerosLike(), proven(magnitude));
    }

    /**
     * The box {@code [lo, hi]}, rounded outward; infinite or NaN ends give an unbounded coordinate.
     */
    static Interval ofEnds(NDArray lo, NDArray hi, Scalars k) {
        return centred(lo, hi, lo.abs().add(hi.abs()), Double.POSITIVE_INFINITY, k);
    }

    /**
     * The box of input ends {@code [lo, hi]}, rounded outward, with its magnitude read back from the device (one
     * reduction and one scalar copy) so that the rules after it can prove their results finite.
     */
    static Interval ofInputEnds(NDArray lo, NDArray hi, Scalars k) {
        NDArray magnitude = lo.abs().add(hi.abs());
        return centred(lo, hi, magnitude, magnitude.max().getDouble(), k);
    }

    /**
     * The box of centre {@code (lo + hi)/2}, radius widened by ULP times {@code magnitude = |lo| + |hi|}; for ends proven
     * to be at most {@code endBound} in absolute value {@code |c| ≤ endBound} and {@code r ≤ endBound·(1 + 2⁻⁵¹)}, so
     * the box's bound is {@code GROWTH · 2 · endBound} and it needs no sanitizing.
     */
    private static Interval centred(NDArray lo, NDArray hi, NDArray magnitude, double endBound, Scalars k) {
        NDArray c = lo.add(hi).mul(k.of(0.5));
        NDArray r = hi.sub(lo).mul(k.of(0.5)).add(magnitude.mul(k.of(ULP)));
        return new Interval(c, r, proven(GROWTH * 2 * endBound)).sanitized(k);
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
        return relative == 0 ? this
                : new Interval(c, r.add(c.abs().add(r).mul(k.of(relative))), proven(GROWTH * (1 + relative) * bound));
    }

    /** The sum of two boxes (broadcast), rounded outward. */
    Interval plus(Interval other, Scalars k) {
        return new Interval(c.add(other.c), r.add(other.r), proven(GROWTH * (bound + other.bound))).widened(ULP, k);
    }

    /**
     * The box with every coordinate whose centre or radius is not finite made unbounded: (0, +∞). The identity, and
     * skipped, on a box proven finite.
     */
    Interval sanitized(Scalars k) {
        if (provenFinite()) {
            return this;
        }
        NDArray bad = c.isNaN().logicalOr(c.isInfinite()).logicalOr(r.isNaN());
        return new Interval(Tensors.where(bad, k.of(0), c), Tensors.where(bad, k.of(Double.POSITIVE_INFINITY), r));
    }
}
