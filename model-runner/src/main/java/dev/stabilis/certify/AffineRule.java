package dev.stabilis.certify;

import ai.djl.ndarray.NDArray;
import dev.stabilis.engine.GraphModel;
import dev.stabilis.engine.LinearMap;
import dev.stabilis.engine.Scalars;
import dev.stabilis.engine.Tensors;

/**
 * An affine node {@code y = L x + b}: {@code (c, r) ↦ (L c + b, |L| r)} forward and {@code (Lᵀ c, |L|ᵀ r)} backward,
 * exact in real arithmetic. Rounding: an n-term float64 dot product is off by at most {@code γ_n Σ|terms|}, so the
 * radius gains {@code (n + 3)·2⁻⁵² (|L|(|c| + r) + |b|)} (n the terms summed; none for data movement). With a
 * parameter box (every parameter θ within {@code θ ± γ|θ|}) the same expression with γ added is Rump's
 * midpoint–radius term.
 */
final class AffineRule implements IntervalRule {

    private final GraphModel model;
    private final int node;
    private final LinearMap map;
    private final Scalars k;

    AffineRule(GraphModel model, int node) {
        this.model = model;
        this.node = node;
        this.map = model.linearMap(node);
        this.k = model.scalars();
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
        return new Interval(c, offset == null ? r : r.add(Tensors.times(offset, k.of(slack), r))).sanitized(k);
    }

    @Override
    public Interval[] backward(Interval adjoint, Interval[] in, Interval out, double gamma) {
        double slack = slack(map.adjointTerms(), gamma);
        NDArray[] c = map.adjoint(adjoint.c());
        NDArray r = slack == 0 ? adjoint.r() : adjoint.r().mul(k.of(1 + slack)).add(adjoint.c().abs().mul(k.of(slack)));
        NDArray[] radii = map.magnitudeAdjoint(r);
        Interval[] result = new Interval[c.length];
        for (int j = 0; j < c.length; j++) {
            result[j] = new Interval(c[j], radii[j]).sanitized(k);
        }
        return result;
    }
}
