package dev.stabilis.certify;

import ai.djl.ndarray.NDArray;
import dev.stabilis.engine.Scalars;

/**
 * Softmax (or LogSoftmax) along an axis, {@code z ∈ [l, u]}. Forward:
 * {@code s_i ∈ [1 / (1 + Σ_{j≠i} e^{u_j − l_i}), 1 / (1 + Σ_{j≠i} e^{l_j − u_i})]}, each sum computed with a max shift
 * as {@code (Σ_j e^{u_j − m} − e^{u_i − m}) e^{m − l_i}} with the cancellation's rounding bounded; log s the logarithm
 * of the same bounds. Backward: {@code [s] ⊙ ([g] − Σ [s][g])} for softmax, {@code [g] − [s] Σ[g]} for LogSoftmax.
 */
final class SoftmaxRule implements IntervalRule {

    private final int[] axis;
    private final boolean log;
    private final Scalars k;

    SoftmaxRule(int axis, boolean log, Scalars scalars) {
        this.axis = new int[] {axis};
        this.log = log;
        this.k = scalars;
    }

    @Override
    public Interval forward(Interval[] in, long batch, double gamma) {
        NDArray[] bounds = logProbabilityBounds(in[0].lower(k), in[0].upper(k));
        return log ? Interval.ofEnds(bounds[0], bounds[1], k) : Interval.ofEnds(bounds[0].exp(), bounds[1].exp(), k).widened(Interval.FUNCTION_ULPS, k);
    }

    /** Bounds of the probabilities over a box of logits, {@code [lower, upper]}. */
    Interval probabilities(Interval z) {
        NDArray[] bounds = logProbabilityBounds(z.lower(k), z.upper(k));
        return Interval.ofEnds(bounds[0].exp(), bounds[1].exp(), k).widened(Interval.FUNCTION_ULPS, k);
    }

    /**
     * {@code [log s_lower, log s_upper]}, rounded outward: {@code −log(1 + others · e^{shift})} with the sum of the
     * other exponentials bounded above (for the lower bound) or below (for the upper bound).
     */
    private NDArray[] logProbabilityBounds(NDArray l, NDArray u) {
        long n = l.getShape().get(axis[0]);
        double sumError = Interval.FUNCTION_ULPS + (n + 2) * Interval.ULP;
        NDArray lower = minusLogOnePlus(othersOver(u, l, true, sumError, n));
        NDArray upper = minusLogOnePlus(othersOver(l, u, false, sumError, n));
        NDArray margin = k.of(4 * Interval.FUNCTION_ULPS);
        lower = lower.sub(lower.abs().mul(margin));
        upper = upper.add(upper.abs().mul(margin)).minimum(k.of(0));
        return new NDArray[] {lower, upper};
    }

    /**
     * {@code Σ_{j≠i} e^{others_j − own_i}}, bounded above when {@code up}, below otherwise: the exponentials of the
     * other values shifted by their maximum m, their sum less one's own term, times {@code e^{m − own_i}}.
     */
    private NDArray othersOver(NDArray others, NDArray own, boolean up, double sumError, long n) {
        NDArray m = others.max(axis, true);
        NDArray e = others.sub(m).exp();
        NDArray total = e.sum(axis, true);
        NDArray rest;
        if (up) {
            rest = total.mul(k.of(1 + sumError)).sub(e.mul(k.of(1 - Interval.FUNCTION_ULPS)));
        } else {
            rest = total.mul(k.of(1 - sumError)).sub(e.mul(k.of(1 + Interval.FUNCTION_ULPS)));
        }
        NDArray scaled = rest.maximum(k.of(0)).mul(m.sub(own).exp());
        return scaled.mul(k.of(up ? 1 + 2 * Interval.FUNCTION_ULPS : 1 - 2 * Interval.FUNCTION_ULPS));
    }

    private NDArray minusLogOnePlus(NDArray x) {
        return x.add(k.of(1)).log().neg();
    }

    @Override
    public Interval[] backward(Interval adjoint, Interval[] in, Interval out, double gamma) {
        Interval s = probabilities(in[0]);
        if (log) {
            Interval total = IntervalArithmetic.sum(adjoint, axis, k);
            return new Interval[] {IntervalArithmetic.difference(adjoint, IntervalArithmetic.product(s, total, k), k)};
        }
        Interval projection = IntervalArithmetic.sum(IntervalArithmetic.product(s, adjoint, k), axis, k);
        return new Interval[] {IntervalArithmetic.product(s, IntervalArithmetic.difference(adjoint, projection, k), k)};
    }

    /** The backward seed of a log-probability target: {@code e_c − [p]} with p bounded over the logit box. */
    static Interval logProbabilitySeed(Interval logits, NDArray oneHot, Scalars k) {
        Interval p = new SoftmaxRule(1, false, k).probabilities(logits);
        return new Interval(oneHot.sub(p.c()), p.r()).widened(Interval.ULP, k);
    }
}
