package dev.stabilis.certify;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import dev.stabilis.engine.ActivationFunctions;
import dev.stabilis.engine.GraphModel;
import dev.stabilis.engine.Scalars;
import dev.stabilis.engine.Tensors;
import dev.stabilis.graph.Activation;

/**
 * An elementwise σ. Forward: the range of σ over {@code [l, u]} is the hull of σ at the ends and at the interior
 * extrema of σ. Backward: the adjoint is multiplied by the range of σ′ over {@code [l, u]}, the hull of σ′ at the
 * ends, at the interior extrema of σ′ (GELU and SiLU have them away from 0), and at each kink inside: its own value
 * and both one-sided limits. Values of σ and σ′ that round are widened by {@link Interval#FUNCTION_ULPS}; outside the
 * function's domain (Log of a box reaching 0, a reciprocal of a box around 0) the result is unbounded.
 */
final class ActivationRule implements IntervalRule {

    /** One half widened by 2⁻⁵¹, exact in float64: halving a rounded sum and covering its rounding in one product. */
    static final double HALF_UP = 0.5 * (1 + 0x1p-51);

    private final Activation op;
    private final java.util.List<Double> derivativeCriticalPoints;
    private final ActivationFunctions functions;
    private final Scalars k;

    ActivationRule(GraphModel model, int node, Activation op) {
        this(model, node, op, op.derivativeCriticalPoints());
    }

    /** The rule with the given interior extrema of σ′ (a test replaces the function's own to show they matter). */
    ActivationRule(GraphModel model, int node, Activation op, java.util.List<Double> derivativeCriticalPoints) {
        this.op = op;
        this.derivativeCriticalPoints = java.util.List.copyOf(derivativeCriticalPoints);
        this.functions = model.activation(node);
        this.k = model.scalars();
    }

    @Override
    public Interval forward(Interval[] in, long batch, double gamma) {
        if (isRelu()) {
            return reluBox(in[0]);
        }
        NDArray[] ends = in[0].ends(k);
        NDArray l = ends[0];
        NDArray u = ends[1];
        NDArray vl = functions.value(l);
        NDArray vu = functions.value(u);
        NDArray[] range = {NDArrays.minimum(vl, vu), NDArrays.maximum(vl, vu)};
        for (double p : op.valueCriticalPoints()) {
            include(range, l.lt(k.of(p)).logicalAnd(u.gt(k.of(p))), op.value(p), op.kind().exactValue());
        }
        return bounded(range, op.kind().exactValue(), valueDefined(l, u));
    }

    /** The range of σ′ over the boxes. */
    Interval derivativeRange(NDArray l, NDArray u) {
        NDArray dl = functions.derivative(l);
        NDArray du = functions.derivative(u);
        NDArray[] range = {NDArrays.minimum(dl, du), NDArrays.maximum(dl, du)};
        for (double p : derivativeCriticalPoints) {
            include(range, l.lt(k.of(p)).logicalAnd(u.gt(k.of(p))), op.derivative(p), false);
        }
        for (double kink : op.kinks()) {
            double[] limits = op.derivativeLimits(kink);
            boolean exact = op.kind().exactDerivative();
            include(range, l.lt(k.of(kink)).logicalAnd(u.gt(k.of(kink))), op.derivative(kink), exact);
            include(range, l.lt(k.of(kink)).logicalAnd(u.gte(k.of(kink))), limits[0], exact);
            include(range, l.lte(k.of(kink)).logicalAnd(u.gt(k.of(kink))), limits[1], exact);
        }
        return bounded(range, op.kind().exactDerivative(), derivativeDefined(l, u));
    }

    @Override
    public Interval[] backward(Interval adjoint, Interval[] in, Interval out, double gamma) {
        if (isRelu()) {
            return new Interval[] {reluAdjoint(adjoint, in[0])};
        }
        NDArray[] ends = in[0].ends(k);
        Interval d = derivativeRange(ends[0], ends[1]);
        return new Interval[] {IntervalArithmetic.product(adjoint, d, k)};
    }

    /** ReLU with its own derivative ranges (a test may give another σ′ extrema list, which takes the general path). */
    private boolean isRelu() {
        return op.kind() == Activation.Kind.RELU && derivativeCriticalPoints.isEmpty();
    }

    /**
     * Whether the pre-activation box {@code [c − r, c + r]} lies above 0, decided exactly: a float64 difference is
     * 0 only for equal operands and rounding is monotone, so {@code c > r} holds exactly when the real {@code c − r}
     * is &gt; 0. No ends, no margin: the box's real ends decide, not its outward-rounded ones.
     */
    private NDArray active(Interval z) {
        return z.c().gt(z.r());
    }

    /**
     * ReLU of the box {@code [c − r, c + r]} in centre–radius form without its ends (7 native calls). Where
     * {@link #active} the box is unchanged, exact. Elsewhere ReLU maps it onto {@code [0, s]} with {@code s =
     * max(c + r, 0)}: {@code fl(c + r)} has the sign of the real sum (see {@link #active}), so ReLU of it is 0 exactly
     * where the real sum is ≤ 0 (the box {0}, exact) and otherwise {@code s(1 + δ)}, |δ| ≤ 2⁻⁵³. The centre {@code s/2}
     * is then off the real {@code (c + r)/2} by at most {@code 2⁻⁵³ (c + r)/2}, and the radius {@code fl(s · HALF_UP)}
     * ≥ {@code (c + r)/2 · (1 − 2⁻⁵³)² (1 + 2⁻⁵¹)} ≥ {@code (c + r)/2 · (1 + 2⁻⁵³)} covers the real radius and that
     * error (halving is exact; underflow is neglected, as everywhere in {@link Interval}). The result's {@code |c| + r}
     * is at most the input's times 1 + 2⁻⁴⁹, so a proven bound carries over times {@link Interval#GROWTH}.
     */
    private Interval reluBox(Interval z) {
        NDArray s = functions.value(z.c().add(z.r()));
        NDArray active = active(z);
        NDArray c = Tensors.where(active, z.c(), s.mul(k.of(0.5)));
        NDArray r = Tensors.where(active, z.r(), s.mul(k.of(HALF_UP)));
        return new Interval(c, r, Interval.proven(Interval.GROWTH * z.bound())).sanitized(k);
    }

    /**
     * {@code [a] ⊙ ReLU′(z)} in centre–radius form without ends (17 native calls). ReLU′ over the pre-activation box
     * is exactly 1 where it is {@link #active}, exactly 0 where {@code c + r ≤ 0} (decided exactly as there; 0 and 1
     * also cover the value at the kink and both one-sided limits), and ranges over {@code [0, 1]} between. So the
     * adjoint box {@code (a_c, a_r)} passes unchanged (exact) where active, becomes {0} where dead (the real adjoint
     * is finite, so also for an unbounded box), and becomes the hull of {@code [a]} and 0 where unstable: with
     * {@code m = clamp(a_c, −a_r, a_r)} (the point of {@code [a]} nearest 0) and {@code M = max(|a_c|, a_r)}, both
     * exact, the hull is centre {@code C = (a_c + m)/2} and radius {@code R = (a_r + M)/2}, with {@code |C| ≤ R}.
     * {@code a_c} and {@code m} share their sign, so {@code fl(a_c + m)/2} errs by at most {@code 2⁻⁵³|C| ≤ 2⁻⁵³R},
     * which {@code fl(fl(a_r + M) · HALF_UP) ≥ R (1 − 2⁻⁵³)² (1 + 2⁻⁵¹) ≥ R (1 + 2⁻⁵³)} covers. In real arithmetic
     * the hull's {@code |C| + R} is at most the adjoint's {@code |a_c| + a_r}, so a proven bound carries over times
     * {@link Interval#GROWTH}.
     */
    private Interval reluAdjoint(Interval a, Interval z) {
        NDArray active = active(z);
        NDArray reached = z.c().add(z.r()).gt(k.of(0));
        NDArray nearest = NDArrays.minimum(NDArrays.maximum(a.c(), a.r().neg()), a.r());
        NDArray hullC = a.c().add(nearest).mul(k.of(0.5));
        NDArray hullR = a.r().add(NDArrays.maximum(a.c().abs(), a.r())).mul(k.of(HALF_UP));
        NDArray zero = a.c().zerosLike();
        NDArray c = Tensors.where(active, a.c(), Tensors.where(reached, hullC, zero));
        NDArray r = Tensors.where(active, a.r(), Tensors.where(reached, hullR, zero));
        return new Interval(c, r, Interval.proven(Interval.GROWTH * a.bound())).sanitized(k);
    }

    /**
     * Widens {@code range} to include {@code value} where {@code mask} holds; a value computed in float64 (not exact)
     * is widened by {@link Interval#FUNCTION_ULPS} first.
     */
    private void include(NDArray[] range, NDArray mask, double value, boolean exact) {
        double margin = exact ? 0 : Math.abs(value) * Interval.FUNCTION_ULPS;
        double lo = value - margin;
        double hi = value + margin;
        range[0] = Tensors.where(mask, range[0].minimum(k.of(lo)), range[0]);
        range[1] = Tensors.where(mask, range[1].maximum(k.of(hi)), range[1]);
    }

    private Interval bounded(NDArray[] range, boolean exact, NDArray defined) {
        NDArray lo = range[0];
        NDArray hi = range[1];
        if (!exact) {
            lo = lo.sub(lo.abs().mul(k.of(Interval.FUNCTION_ULPS)));
            hi = hi.add(hi.abs().mul(k.of(Interval.FUNCTION_ULPS)));
        }
        if (defined != null) {
            lo = Tensors.where(defined, lo, k.of(Double.NEGATIVE_INFINITY));
            hi = Tensors.where(defined, hi, k.of(Double.POSITIVE_INFINITY));
        }
        return Interval.ofEnds(lo, hi, k);
    }

    /** Where σ is defined on all of {@code [l, u]}; null where it is defined everywhere. */
    private NDArray valueDefined(NDArray l, NDArray u) {
        double a = op.alpha();
        return switch (op.kind()) {
            case LOG -> l.gt(k.of(0));
            case SQRT -> l.gte(k.of(0));
            case RECIPROCAL -> excludesZero(l, u);
            case POW -> a == Math.rint(a) ? (a >= 0 ? null : excludesZero(l, u)) : (a > 0 ? l.gte(k.of(0)) : l.gt(k.of(0)));
            default -> null;
        };
    }

    /** Where σ′ is defined and finite on all of {@code [l, u]}; null where it is everywhere. */
    private NDArray derivativeDefined(NDArray l, NDArray u) {
        double a = op.alpha();
        return switch (op.kind()) {
            case LOG, SQRT -> l.gt(k.of(0));
            case RECIPROCAL -> excludesZero(l, u);
            case POW -> a == Math.rint(a) ? (a >= 1 || a == 0 ? null : excludesZero(l, u)) : (a >= 1 ? l.gte(k.of(0)) : l.gt(k.of(0)));
            default -> null;
        };
    }

    private NDArray excludesZero(NDArray l, NDArray u) {
        return l.gt(k.of(0)).logicalOr(u.lt(k.of(0)));
    }
}
