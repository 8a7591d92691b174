package dev.stabilis.certify;

import ai.djl.ndarray.NDArray;
import dev.stabilis.engine.Scalars;
import dev.stabilis.engine.Tensors;

/**
 * {@code y = (x − μ)/σ} over n values. The centred values are a linear map of x with μ's dependence on each value made
 * explicit, {@code x_i − μ = (1 − 1/n) x_i − (1/n) Σ_{j≠i} x_j}, so their radius is {@code (1 − 2/n) r_i + mean(r)}
 * rather than {@code r_i + mean(r)}. Then {@code var ∈ [mean(min d²), mean(max d²)]}, {@code σ = √(var + ε) > 0},
 * {@code y = d / σ}, and {@code |y_i| ≤ √(n − 1)} (a zero-mean vector with mean square below 1). Backward:
 * {@code ([g] − mean[g] − [y] mean([g][y])) ⊙ [1/σ]}, the first difference centred the same way.
 */
final class NormalizeRule implements IntervalRule {

    private final int[] axes;
    private final long n;
    private final NDArray inverseCount;
    private final NDArray epsilon;
    private final Scalars k;

    NormalizeRule(int[] axes, long count, double epsilon, Scalars scalars) {
        this.axes = axes.clone();
        this.n = count;
        this.k = scalars;
        this.inverseCount = scalars.of(1.0 / count);
        this.epsilon = scalars.of(epsilon);
    }

    private NDArray mean(NDArray x) {
        return x.sum(axes, true).mul(inverseCount);
    }

    /** {@code [x − mean(x)]}, with the dependence of the mean on each value taken into account. */
    private Interval centred(Interval x) {
        NDArray c = x.c().sub(mean(x.c()));
        NDArray r = x.r().mul(k.of(1 - 2.0 / n)).add(mean(x.r()));
        NDArray size = x.c().abs().add(x.r());
        NDArray slack = size.add(mean(size)).mul(k.of((n + 3) * Interval.ULP));
        return new Interval(c, r.add(slack)).sanitized(k);
    }

    /** {@code [σ_lower, σ_upper]} of the box, both &gt; 0. */
    private NDArray[] deviation(Interval d) {
        NDArray dl = d.lower(k);
        NDArray du = d.upper(k);
        NDArray low2 = dl.square();
        NDArray high2 = du.square();
        NDArray zero = dl.zerosLike();
        NDArray minSquare = Tensors.where(dl.gt(k.of(0)), low2, Tensors.where(du.lt(k.of(0)), high2, zero));
        NDArray maxSquare = low2.maximum(high2);
        double error = (n + 4) * Interval.ULP;
        NDArray varLow = mean(minSquare).mul(k.of(1 - error));
        NDArray varHigh = mean(maxSquare).mul(k.of(1 + error));
        NDArray sigmaLow = varLow.add(epsilon).sqrt().mul(k.of(1 - 4 * Interval.ULP));
        NDArray sigmaHigh = varHigh.add(epsilon).sqrt().mul(k.of(1 + 4 * Interval.ULP));
        return new NDArray[] {sigmaLow, sigmaHigh};
    }

    @Override
    public Interval forward(Interval[] in, long batch, double gamma) {
        Interval d = centred(in[0]);
        NDArray[] sigma = deviation(d);
        NDArray dl = d.lower(k);
        NDArray du = d.upper(k);
        NDArray lo = Tensors.where(dl.gte(k.of(0)), dl.div(sigma[1]), dl.div(sigma[0]));
        NDArray hi = Tensors.where(du.gte(k.of(0)), du.div(sigma[0]), du.div(sigma[1]));
        double cap = Math.sqrt(n - 1.0) * (1 + 4 * Interval.ULP);
        return Interval.ofRoundedEnds(lo.maximum(k.of(-cap)), hi.minimum(k.of(cap)), k);
    }

    @Override
    public Interval[] backward(Interval adjoint, Interval[] in, Interval out, double gamma) {
        NDArray[] sigma = deviation(centred(in[0]));
        Interval a = centred(adjoint);
        Interval m = IntervalArithmetic.scaled(IntervalArithmetic.sum(IntervalArithmetic.product(out, adjoint, k), axes, k),
                inverseCount, k);
        Interval d = IntervalArithmetic.difference(a, IntervalArithmetic.product(out, m, k), k);
        Interval inverseSigma = Interval.ofRoundedEnds(Tensors.over(k.of(1), sigma[1]), Tensors.over(k.of(1), sigma[0]), k);
        return new Interval[] {IntervalArithmetic.product(d, inverseSigma, k)};
    }
}
