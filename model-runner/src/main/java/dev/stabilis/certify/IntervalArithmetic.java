package dev.stabilis.certify;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.engine.Scalars;

/** Products, sums and reductions of boxes, rounded outward. */
final class IntervalArithmetic {

    private IntervalArithmetic() {}

    /**
     * The elementwise product {@code [a] ⊙ [b]} (broadcast): the hull of the four end products, each rounded, so
     * exact up to rounding.
     */
    static Interval product(Interval a, Interval b, Scalars k) {
        NDArray[] x = a.ends(k);
        NDArray[] y = b.ends(k);
        return productOfEnds(x[0], x[1], y[0], y[1], k);
    }

    /** The elementwise product of {@code [al, au]} and {@code [bl, bu]}. */
    static Interval productOfEnds(NDArray al, NDArray au, NDArray bl, NDArray bu, Scalars k) {
        NDArray p1 = al.mul(bl);
        NDArray p2 = al.mul(bu);
        NDArray p3 = au.mul(bl);
        NDArray p4 = au.mul(bu);
        NDArray lo = NDArrays.minimum(NDArrays.minimum(p1, p2), NDArrays.minimum(p3, p4));
        NDArray hi = NDArrays.maximum(NDArrays.maximum(p1, p2), NDArrays.maximum(p3, p4));
        return Interval.ofRoundedEnds(lo, hi, k); // sanitized by ofEnds
    }

    /**
     * The matrix product of boxes over the last two axes in midpoint–radius form (Rump 1999):
     * {@code mid = A_c B_c}, {@code rad = |A_c| B_r + A_r (|B_c| + B_r)}, plus the rounding of n-term dot products,
     * {@code (n + 2)·2⁻⁵² (|A_c| + A_r)(|B_c| + B_r)}.
     */
    static Interval matMul(Interval a, Interval b, Scalars k) {
        long n = a.c().getShape().get(a.c().getShape().dimension() - 1);
        NDArray aMag = a.c().abs();
        NDArray bMag = b.c().abs();
        NDArray mid = a.c().matMul(b.c());
        NDArray rad = aMag.matMul(b.r()).add(a.r().matMul(bMag.add(b.r())));
        NDArray slack = aMag.add(a.r()).matMul(bMag.add(b.r())).mul(k.of((n + 2) * Interval.ULP));
        return new Interval(mid, rad.add(slack)).sanitized(k);
    }

    /** {@code [a] − [b]}. */
    static Interval difference(Interval a, Interval b, Scalars k) {
        return new Interval(a.c().sub(b.c()), a.r().add(b.r())).widened(Interval.ULP, k);
    }

    /** The sum over axes (kept as size 1), with the rounding of an n-term sum. */
    static Interval sum(Interval x, int[] axes, Scalars k) {
        long n = 1;
        for (int a : axes) {
            n *= x.c().getShape().get(a);
        }
        NDArray c = x.c().sum(axes, true);
        NDArray r = x.r().sum(axes, true);
        NDArray slack = x.c().abs().add(x.r()).sum(axes, true).mul(k.of((n + 2) * Interval.ULP));
        return new Interval(c, r.add(slack)).sanitized(k);
    }

    /** {@code [x]} summed down to {@code shape} over the axes it was broadcast along. */
    static Interval reduceTo(Interval x, Shape shape, Scalars k) {
        Shape from = x.c().getShape();
        if (from.equals(shape)) {
            return x;
        }
        int lead = from.dimension() - shape.dimension();
        java.util.List<Integer> axes = new java.util.ArrayList<>();
        for (int i = 0; i < from.dimension(); i++) {
            if (i < lead || (shape.get(i - lead) == 1 && from.get(i) != 1)) {
                axes.add(i);
            }
        }
        Interval summed = sum(x, axes.stream().mapToInt(Integer::intValue).toArray(), k);
        return new Interval(summed.c().reshape(shape), summed.r().reshape(shape));
    }

    /** {@code [x] · s} for a scalar array s ≥ 0 exactly representable in the box's type (a mean's 1/n rounds once). */
    static Interval scaled(Interval x, NDArray s, Scalars k) {
        return new Interval(x.c().mul(s), x.r().mul(s)).widened(Interval.ULP, k);
    }
}
