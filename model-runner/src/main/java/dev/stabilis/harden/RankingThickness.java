package dev.stabilis.harden;

import ai.djl.ndarray.NDArray;
import dev.stabilis.engine.TargetKind;

/**
 * The R2ET ranking-thickness regulariser (Chen et al.): it rewards the margin between the top-k features of the
 * explanation and the rest, {@code 1/(k(n−k)) Σ_{i∈T_k} Σ_{j∉T_k} (|g_i| − |g_j|)}, which equals the mean |g|
 * inside the top-k set minus the mean outside it. The explanation g is the label logit's input gradient; the
 * margin is divided by the mean |g| so that the regulariser cannot grow it by scaling every gradient up (a
 * choice of ours: R2ET leaves it unnormalised). The top-k set is taken at the current parameters and held fixed
 * within the step.
 *
 * @param weight λ; the penalty is {@code −λ} times the mean normalised margin
 * @param k size of the top set
 */
record RankingThickness(double weight, int k) implements Penalty {

    @Override
    public String name() {
        return "thickness";
    }

    @Override
    public NDArray of(BoundNetwork network, NDArray x, NDArray labels, double progress) {
        return Penalty.scaled(margin(network.model().gradients(x, labels, TargetKind.LOGIT).gradient(), k).mean(), -weight, x.getManager());
    }

    /** The normalised top-k margin of each row of g. */
    static NDArray margin(NDArray g, int k) {
        long n = g.getShape().get(1);
        if (k >= n) {
            throw new IllegalArgumentException("thickness k = " + k + " must be below the " + n + " features");
        }
        NDArray magnitude = g.abs();
        NDArray fixed = magnitude.stopGradient();
        NDArray kth = fixed.sort(1).get(":, " + (n - k)).expandDims(1);
        NDArray top = fixed.gte(kth).toType(g.getDataType(), false);
        NDArray topCount = top.sum(new int[] {1});
        NDArray inside = magnitude.mul(top).sum(new int[] {1}).div(topCount);
        NDArray outside = magnitude.mul(top.neg().add(1)).sum(new int[] {1}).div(topCount.neg().add(n).maximum(1));
        return inside.sub(outside).div(magnitude.mean(new int[] {1}).add(1e-12));
    }
}
