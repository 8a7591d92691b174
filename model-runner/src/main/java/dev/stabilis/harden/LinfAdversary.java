package dev.stabilis.harden;

import ai.djl.ndarray.NDArray;
import dev.stabilis.engine.GraphModel;
import dev.stabilis.engine.TargetKind;

/**
 * The ℓ∞ adversary of adversarial training (Madry et al.; Chen et al. 2020 show it sparsifies attributions):
 * projected sign ascent of the cross-entropy inside {@code [x − ε, x + ε] ∩ [0, 1]}, from the sample, with
 * step {@code 2.5 ε / steps}. The input gradient of the cross-entropy is minus that of the label's
 * log-probability, from the engine's explicit backward pass.
 *
 * @param epsilon half-width in unit coordinates
 * @param steps ascent steps
 */
record LinfAdversary(double epsilon, int steps) {

    LinfAdversary {
        if (!(epsilon > 0) || steps < 1) {
            throw new IllegalArgumentException("the adversary needs epsilon > 0 and at least one step");
        }
    }

    /** The adversarial inputs for a batch (computed without recording gradients). */
    NDArray perturb(GraphModel model, NDArray x, NDArray labels) {
        double step = 2.5 * epsilon / steps;
        NDArray lower = x.sub(epsilon).maximum(0);
        NDArray upper = x.add(epsilon).minimum(1);
        NDArray adversarial = x;
        for (int s = 0; s < steps; s++) {
            NDArray logProbabilityGradient = model.gradients(adversarial, labels, TargetKind.LOG_PROBABILITY).gradient();
            adversarial = adversarial.sub(logProbabilityGradient.sign().mul(step)).maximum(lower).minimum(upper);
        }
        return adversarial;
    }
}
