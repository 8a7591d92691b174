package dev.stabilis.certify;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import dev.stabilis.engine.GraphModel;
import dev.stabilis.engine.LinearMap;
import dev.stabilis.engine.Scalars;
import dev.stabilis.engine.SingleMagnitude;
import dev.stabilis.engine.Tensors;
import dev.stabilis.graph.Dense;

/**
 * An affine node {@code y = L x + b}: {@code (c, r) ↦ (L c + b, |L| r)} forward and {@code (Lᵀ c, |L|ᵀ r)} backward,
 * exact in real arithmetic. Rounding: an n-term float64 dot product is off by at most {@code γ_n Σ|terms|}, so the
 * radius gains {@code (n + 3)·2⁻⁵² (|L|(|c| + r) + |b|)} (n the terms summed; none for data movement). With a
 * parameter box (every parameter θ within {@code θ ± γ|θ|}) the same expression with γ added is Rump's
 * midpoint–radius term.
 *
 * <p>Magnitude ({@link Interval#bound}): for a dense node of the graph's own constants, with input boxes of proven
 * bound B, {@code |c'| + r' ≤ |W|(|c| + r(1 + s) + |c|s) + |b|(1 + s) = (1 + s)(|W|(|c| + r) + |b|) ≤ (1 + s)(‖W‖∞ B
 * + max|b|)} in real arithmetic (s the slack above, ‖W‖∞ the largest row sum of |W|), and backward {@code (1 + s)
 * ‖Wᵀ‖∞ B} (the largest column sum); times {@link Interval#GROWTH} for rounding. The result is then finite and is not
 * sanitized. Other affine nodes prove nothing and sanitize as before.
 *
 * <p><b>Float32 radii.</b> The radius product {@code |W| v} of a dense node of the graph's own constants on the CPU
 * is taken in float32 where that is faster ({@link SingleRadii#WHERE_FASTER}) and its sum is short (at most 2¹⁴
 * terms): sgemm runs about twice as fast as dgemm; the centres stay float64. It stays an upper bound. The copy W₃₂
 * of |W| is rounded up and never subnormal ({@link SingleMagnitude}); v is rounded to nearest, so
 * {@code v ≤ v₃₂/(1 − u)} (u = 2⁻²⁴) where v₃₂ is normal; the float32 sum R of n products of any order errs by at
 * most {@code γ_n Σ W₃₂ v₃₂}. Hence {@code |W| v ≤ (R + A)/(1 − γ_{n+1})}, A =
 * {@code n·2⁻¹²⁶(max W₃₂ + 2)} covering values below float32's normal range (subnormal or flushed inputs, products
 * and partial sums). The rule takes {@code R (1 + 2γ_{n+1}) + 2A} in float64, which covers that and the two roundings
 * of its own evaluation. The radius is at most {@code 2γ_{n+1}} wider than in float64: 9.4·10⁻⁵ at 784 terms.
 * Overflow: no coefficient of W₃₂ is 0 and v ≥ 0, so a float32 overflow gives a radius of +∞, never NaN; a box of
 * unproven magnitude is cleaned afterwards as before, and a proven one takes float32 only where its bound and the
 * largest coefficient are below 2¹⁰⁰, far inside float32's range, so that the proof still holds.
 */
final class AffineRule implements IntervalRule {

    /** The longest sum taken in float32: {@code 2γ_{n+1}} stays below 2⁻⁹. */
    private static final long SINGLE_TERMS = 1L << 14;
    /** The largest proven magnitude, and coefficient, a float32 radius product takes: far inside float32's range. */
    private static final double SINGLE_LIMIT = 0x1p100;
    private static final double SINGLE_UNIT = 0x1p-24;

    private final GraphModel model;
    private final int node;
    private final LinearMap map;
    private final Scalars k;
    /** {@code {‖W‖∞, ‖Wᵀ‖∞, max|b|}} of a dense node of the graph's constants, else null. */
    private final double[] norms;
    /**
     * {@code {‖W₃₂‖∞, ‖W₃₂ᵀ‖∞, max W₃₂}} of the float32 copy when radius products may be taken in float32, else null.
     */
    private final double[] singleNorms;
    /** Which of them are. */
    private final SingleRadii singleRadii;
    /** The forward slack without a parameter box, and for a dense node {@code |b|} times it, made once; else null. */
    private final double pointSlack;
    private final NDArray pointOffsetSlack;

    /** @param singleRadii which radius products that may be taken in float32 are */
    AffineRule(GraphModel model, int node, SingleRadii singleRadii) {
        this.model = model;
        this.node = node;
        this.map = model.linearMap(node);
        this.k = model.scalars();
        Dense dense = model.computesWithGraphConstants() && model.graph().nodes().get(node).op() instanceof Dense d ? d : null;
        this.norms = dense == null ? null : norms(dense.weight().data(), dense);
        boolean single = dense != null && map.hasSingleMagnitude() && singleRadii != SingleRadii.NEVER
                && Device.Type.CPU.equals(model.device().getDeviceType());
        this.singleNorms = single ? singleNorms(dense) : null;
        this.singleRadii = singleRadii;
        this.pointSlack = slack(map.terms(), 0);
        NDArray offset = norms == null || pointSlack == 0 ? null : map.offsetMagnitude(1);
        this.pointOffsetSlack = offset == null ? null : unscoped(offset.mul(k.of(pointSlack)));
    }

    /** A model-lifetime array, kept out of any {@link NDScope} open at load (as {@link Scalars} does). */
    private static NDArray unscoped(NDArray a) {
        NDScope.unregister(a);
        return a;
    }

    /** {@code {‖W‖∞, ‖Wᵀ‖∞, max|b|}} of the dense node's weights {@code w} (row-major [outputs, inputs]). */
    private static double[] norms(double[] w, Dense dense) {
        int outputs = Math.toIntExact(dense.outputs());
        int inputs = Math.toIntExact(dense.inputs());
        double[] rows = new double[outputs];
        double[] columns = new double[inputs];
        for (int o = 0; o < outputs; o++) {
            for (int i = 0; i < inputs; i++) {
                double a = Math.abs(w[o * inputs + i]);
                rows[o] += a;
                columns[i] += a;
            }
        }
        double bias = 0;
        if (dense.bias() != null) {
            for (double b : dense.bias().data()) {
                bias = Math.max(bias, Math.abs(b));
            }
        }
        return new double[] {max(rows), max(columns), bias};
    }

    /** {@code {‖W₃₂‖∞, ‖W₃₂ᵀ‖∞, max W₃₂}} of the float32 copy of |W| ({@link SingleMagnitude#roundedUp}). */
    private static double[] singleNorms(Dense dense) {
        double[] w = dense.weight().data().clone();
        for (int i = 0; i < w.length; i++) {
            w[i] = SingleMagnitude.roundedUp(w[i]);
        }
        double[] n = norms(w, dense);
        return new double[] {n[0], n[1], max(w)};
    }

    private static double max(double[] values) {
        double m = 0;
        for (double v : values) {
            m = Math.max(m, v);
        }
        return m;
    }

    private double slack(long terms, double gamma) {
        return (terms == 0 ? 0 : (terms + 3) * Interval.ULP) + (map.hasParameters() ? gamma : 0);
    }

    @Override
    public Interval forward(Interval[] in, long batch, double gamma) {
        NDArray[] centres = new NDArray[in.length];
        NDArray[] radii = new NDArray[in.length];
        double slack = slack(map.terms(), gamma);
        for (int j = 0; j < in.length; j++) {
            centres[j] = in[j].c();
            radii[j] = slack == 0 ? in[j].r() : in[j].r().mul(k.of(1 + slack)).add(in[j].c().abs().mul(k.of(slack)));
        }
        NDArray c = model.forward(node, centres, batch);
        if (in.length == 0) {
            return Interval.point(c);
        }
        double bound = norms == null ? Double.POSITIVE_INFINITY
                : Interval.GROWTH * (1 + slack) * (norms[0] * in[0].bound() + norms[2]);
        long n = map.terms() - 1;
        boolean single = single(batch, n, map.adjointTerms(), in[0].bound(), bound);
        NDArray r = single ? singleRadius(radii[0], n, false) : map.magnitude(radii);
        NDArray offset = slack == 0 ? null : map.offsetMagnitude(batch);
        if (offset != null) {
            r = r.add(pointOffsetSlack != null && slack == pointSlack ? pointOffsetSlack : Tensors.times(offset, k.of(slack), r));
        }
        if (single) {
            bound = singleBound(singleNorms[0], in[0].bound(), norms[2], n, slack);
        }
        return new Interval(c, r, Interval.proven(bound)).sanitized(k);
    }

    @Override
    public Interval[] backward(Interval adjoint, Interval[] in, Interval out, double gamma) {
        double slack = slack(map.adjointTerms(), gamma);
        NDArray[] c = map.adjoint(adjoint.c());
        NDArray r = slack == 0 ? adjoint.r() : adjoint.r().mul(k.of(1 + slack)).add(adjoint.c().abs().mul(k.of(slack)));
        double bound = norms == null ? Double.POSITIVE_INFINITY : Interval.GROWTH * (1 + slack) * norms[1] * adjoint.bound();
        long n = map.adjointTerms();
        boolean single = single(r.getShape().get(0), n, map.terms() - 1, adjoint.bound(), bound);
        NDArray[] radii = single ? new NDArray[] {singleRadius(r, n, true)} : map.magnitudeAdjoint(r);
        if (single) {
            bound = singleBound(singleNorms[1], adjoint.bound(), 0, n, slack);
        }
        Interval[] result = new Interval[c.length];
        for (int j = 0; j < c.length; j++) {
            result[j] = new Interval(c[j], radii[j], Interval.proven(bound)).sanitized(k);
        }
        return result;
    }

    /**
     * Whether the radius product of {@code rows} rows, each output value summing {@code n} terms into {@code width}
     * outputs, is taken in float32: see the class comment.
     */
    private boolean single(long rows, long n, long width, double inputBound, double outputBound) {
        boolean keepsProof = inputBound == Double.POSITIVE_INFINITY || inputBound <= SINGLE_LIMIT && outputBound <= SINGLE_LIMIT;
        return singleNorms != null && n <= SINGLE_TERMS && singleNorms[2] <= SINGLE_LIMIT && keepsProof && singleRadii.takes(rows, n, width);
    }

    /** {@code |W| v} (or {@code |W|ᵀ v}) from float32 products, bounded above as the class comment shows. */
    private NDArray singleRadius(NDArray v, long n, boolean adjoint) {
        NDArray v32 = v.toType(DataType.FLOAT32, false);
        NDArray product = adjoint ? map.singleMagnitudeAdjoint(v32) : map.singleMagnitude(v32);
        return product.toType(DataType.FLOAT64, false).mul(k.of(1 + 2 * singleGamma(n))).add(k.of(singleAbsolute(n)));
    }

    /**
     * The proven magnitude of a result whose radius came from float32 products: {@code norm} the float32 copy's
     * operator norm, {@code offset} the largest |b| (0 backward), n the terms of each sum.
     */
    private double singleBound(double norm, double inputBound, double offset, long n, double slack) {
        return Interval.GROWTH * ((1 + 2 * singleGamma(n)) * (1 + SINGLE_UNIT) * (1 + slack) * (norm * inputBound + offset)
                + singleAbsolute(n));
    }

    /** {@code γ_{n+1} = (n + 1)u / (1 − (n + 1)u)} for float32's unit roundoff u = 2⁻²⁴. */
    private static double singleGamma(long n) {
        double nu = (n + 1) * SINGLE_UNIT;
        return nu / (1 - nu);
    }

    /** {@code 2A = 2n·2⁻¹²⁶(max W₃₂ + 2)}, the part below float32's normal range, doubled for the evaluation's rounding. */
    private double singleAbsolute(long n) {
        return 2 * n * 0x1p-126 * (singleNorms[2] + 2);
    }
}
