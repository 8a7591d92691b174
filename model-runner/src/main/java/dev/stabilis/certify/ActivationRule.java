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
        NDArray[] ends = in[0].ends(k);
        NDArray l = ends[0];
        NDArray u = ends[1];
        if (isRelu()) { // non-decreasing and exact: the range is [σ(l), σ(u)]; |ReLU(x)| ≤ |x| keeps a proven bound
            return Interval.ofNonNegativeEnds(functions.value(l), functions.value(u), in[0].endBound(), k);
        }
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
        NDArray[] ends = in[0].ends(k);
        if (isRelu()) {
            return new Interval[] {reluAdjoint(adjoint, ends[0], ends[1])};
        }
        Interval d = derivativeRange(ends[0], ends[1]);
        return new Interval[] {IntervalArithmetic.product(adjoint, d, k)};
    }

    /** ReLU with its own derivative ranges (a test may give another σ′ extrema list, which takes the general path). */
    private boolean isRelu() {
        return op.kind() == Activation.Kind.RELU && derivativeCriticalPoints.isEmpty();
    }

    /**
     * {@code [a] ⊙ ReLU′([l, u])} in a few kernels. ReLU′ ranges over {@code [d_l, d_u] = [1(l > 0), 1(u > 0)]}
     * (0 and 1 also cover the value at the kink and both one-sided limits), so with {@code d ≥ 0} the product's
     * ends are {@code min(a_l d_l, a_l d_u)} and {@code max(a_u d_l, a_u d_u)}: products with 0 and 1, exact, so
     * only the conversion back to centre–radius rounds. An unbounded adjoint end times 0 gives NaN, which makes
     * the coordinate unbounded (sound). The ends are at most the adjoint's ends in absolute value, so a proven bound
     * on the adjoint carries over.
     */
    private Interval reluAdjoint(Interval adjoint, NDArray l, NDArray u) {
        NDArray active = l.gt(k.of(0)).toType(l.getDataType(), false);
        NDArray reached = u.gt(k.of(0)).toType(u.getDataType(), false);
        NDArray[] a = adjoint.ends(k);
        NDArray lo = NDArrays.minimum(a[0].mul(active), a[0].mul(reached));
        NDArray hi = NDArrays.maximum(a[1].mul(active), a[1].mul(reached));
        return Interval.ofEnds(lo, hi, adjoint.endBound(), k);
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
