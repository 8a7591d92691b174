package dev.stabilis.harden;

import ai.djl.ndarray.NDArray;
import dev.stabilis.engine.TargetKind;
import java.util.Random;

/**
 * Attribution protection (Wang and Kong 2022): {@code λ (1 − cos(g(x), g(x′)))} with x′ a uniform point of the
 * box {@code [x − ε, x + ε] ∩ [0, 1]}; Wang and Kong show the expected Kendall rank correlation of the two
 * attributions grows with their cosine similarity, so raising the cosine protects the ranking. g is the label
 * logit's input gradient.
 *
 * @param weight λ
 * @param epsilon half-width of the box in unit coordinates
 * @param random source of the perturbed points (seeded by the trainer)
 */
record AttributionProtection(double weight, double epsilon, Random random) implements Penalty {

    @Override
    public String name() {
        return "protection";
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
        NDArray cosine = g.mul(h).sum(new int[] {1})
                .div(g.square().sum(new int[] {1}).mul(h.square().sum(new int[] {1})).sqrt().add(1e-12));
        return Penalty.scaled(cosine.neg().add(1).mean(), weight, x.getManager());
    }
}
