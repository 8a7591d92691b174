package dev.stabilis.certify;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import dev.stabilis.engine.GraphModel;
import dev.stabilis.engine.LinearMap;
import dev.stabilis.engine.Scalars;
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
 */
final class AffineRule implements IntervalRule {

    private final GraphModel model;
    private final int node;
    private final LinearMap map;
    private final Scalars k;
    /** {@code {‖W‖∞, ‖Wᵀ‖∞, max|b|}} of a dense node of the graph's constants, else null. */
    private final double[] norms;
    /** The forward slack without a parameter box, and for a dense node {@code |b|} times it, made once; else null. */
    private final double pointSlack;
    private final NDArray pointOffsetSlack;

    AffineRule(GraphModel model, int node) {
        this.model = model;
        this.node = node;
        this.map = model.linearMap(node);
        this.k = model.scalars();
        this.norms = model.computesWithGraphConstants() && model.graph().nodes().get(node).op() instanceof Dense dense
                ? norms(dense) : null;
        this.pointSlack = slack(map.terms(), 0);
        NDArray offset = norms == null || pointSlack == 0 ? null : map.offsetMagnitude(1);
        this.pointOffsetSlack = offset == null ? null : unscoped(offset.mul(k.of(pointSlack)));
    }

    /** A model-lifetime array, kept out of any {@link NDScope} open at load (as {@link Scalars} does). */
    private static NDArray unscoped(NDArray a) {
        NDScope.unregister(a);
        return a;
    }

    private static double[] norms(Dense dense) {
        int outputs = Math.toIntExact(dense.outputs());
        int inputs = Math.toIntExact(dense.inputs());
        double[] w = dense.weight().data();
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
        NDArray r = map.magnitude(radii);
        NDArray offset = slack == 0 ? null : map.offsetMagnitude(batch);
        if (offset != null) {
            r = r.add(pointOffsetSlack != null && slack == pointSlack ? pointOffsetSlack : Tensors.times(offset, k.of(slack), r));
        }
        double bound = norms == null ? Double.POSITIVE_INFINITY
                : Interval.GROWTH * (1 + slack) * (norms[0] * in[0].bound() + norms[2]);
        return new Interval(c, r, Interval.proven(bound)).sanitized(k);
    }

    @Override
    public Interval[] backward(Interval adjoint, Interval[] in, Interval out, double gamma) {
        double slack = slack(map.adjointTerms(), gamma);
        NDArray[] c = map.adjoint(adjoint.c());
        NDArray r = slack == 0 ? adjoint.r() : adjoint.r().mul(k.of(1 + slack)).add(adjoint.c().abs().mul(k.of(slack)));
        NDArray[] radii = map.magnitudeAdjoint(r);
        double bound = norms == null ? Double.POSITIVE_INFINITY : Interval.GROWTH * (1 + slack) * norms[1] * adjoint.bound();
        Interval[] result = new Interval[c.length];
        for (int j = 0; j < c.length; j++) {
            result[j] = new Interval(c[j], radii[j], Interval.proven(bound)).sanitized(k);
        }
        return result;
    }
}
