package dev.stabilis.harden;

import ai.djl.ndarray.NDArray;
import dev.stabilis.engine.TargetKind;
import java.util.Random;

/**
 * Attribution protection (Wang and Kong 2022): {@code λ (1 − s(g(x), g(x′)))} with x′ a uniform point of the box
 * {@code [x − ε, x + ε] ∩ [0, 1]} and g the label logit's input gradient. The similarity s is either the cosine
 * (Wang and Kong show the expected Kendall rank correlation of two attributions grows with it) or a smooth
 * Kendall's τ of the magnitudes, {@code Σ_{i≠j} tanh((|g_i| − |g_j|)/m) tanh((|g′_i| − |g′_j|)/m′) / (n(n−1))}
 * with m, m′ the mean magnitudes, which tends to τ as the pair differences grow against m.
 *
 * @param weight λ
 * @param epsilon half-width of the box in unit coordinates
 * @param similarity cosine or smooth Kendall
 * @param random source of the perturbed points (seeded by the trainer)
 */
record AttributionProtection(double weight, double epsilon, Similarity similarity, Random random) implements Penalty {

    /** How the two attributions are compared. */
    enum Similarity {
        COSINE,
        KENDALL
    }

    @Override
    public String name() {
        return similarity == Similarity.COSINE ? "protection" : "kendall";
    }

    @Override
    public NDArray of(BoundNetwork network, NDArray x, NDArray labels, double progress) {
        double[] noise = new double[(int) x.size()];
        for (int i = 0; i < noise.length; i++) {
            noise[i] = (random.nextDouble() * 2 - 1) * epsilon;
        }
        NDArray perturbed = x.add(x.getManager().create(noise, x.getShape())).clip(0, 1);
        NDArray g = network.model().gradients(x, labels, TargetKind.LOGIT).gradient();
        NDArray h = network.model().gradients(perturbed, labels, TargetKind.LOGIT).gradient();
        NDArray s = similarity == Similarity.COSINE ? cosine(g, h) : smoothKendall(g, h);
        return Penalty.scaled(s.neg().add(1).mean(), weight, x.getManager());
    }

    private static NDArray cosine(NDArray g, NDArray h) {
        return g.mul(h).sum(new int[] {1}).div(g.square().sum(new int[] {1}).mul(h.square().sum(new int[] {1})).sqrt().add(1e-12));
    }

    private static NDArray smoothKendall(NDArray g, NDArray h) {
        long n = g.getShape().get(1);
        NDArray signsG = pairSigns(g);
        NDArray signsH = pairSigns(h);
        return signsG.mul(signsH).sum(new int[] {1, 2}).div(x(g, n * (n - 1)));
    }

    /** {@code tanh((|g_i| − |g_j|) / mean |g|)} for every pair, {@code [N, n, n]}. */
    private static NDArray pairSigns(NDArray g) {
        NDArray a = g.abs();
        NDArray scale = a.mean(new int[] {1}, true).add(1e-12).expandDims(2);
        return a.expandDims(2).sub(a.expandDims(1)).div(scale).tanh();
    }

    /** A constant of the batch (see {@link Penalty#scaled}). */
    private static NDArray x(NDArray like, double value) {
        return like.getManager().create(value);
    }
}
