package dev.stabilis.harden;

/**
 * How to train. Every ε is a fraction of each feature's domain range (training works in unit coordinates).
 * A weight of 0 (or NaN for β and the adversary's ε) turns a method off; cross-entropy is always on.
 *
 * @param epochs passes over the training rows
 * @param batchSize rows per step
 * @param learningRate Adam's step size
 * @param seed seed of initialisation, shuffling, probes and noise
 * @param smoothBeta method 1: replace every ReLU by softplus(β); NaN keeps the activations
 * @param weightDecay method 1: λ of {@code Σ ‖W‖²}
 * @param hessianWeight method 2: λ of the Hutchinson estimate of {@code ‖H‖²_F}
 * @param hessianProbes method 2: Gaussian probes per sample
 * @param surrogateBeta softplus β standing in for ReLU where second derivatives are needed
 * @param certifiedWeight method 3: λ of the mean certified gradient width
 * @param certifiedEpsilon method 3: final box half-width
 * @param epsilonRamp method 3: share of training over which ε grows linearly from 0
 * @param adversarialEpsilon method 4: ℓ∞ radius of the adversary; NaN for none
 * @param adversarialSteps method 4: ascent steps per batch
 * @param thicknessWeight method 5: λ of the R2ET top-k margin
 * @param thicknessK method 5: size of the top set
 * @param protectionWeight method 5: λ of the Wang–Kong cosine term
 * @param protectionEpsilon method 5: box half-width of the perturbed points of the cosine and Kendall terms
 * @param kendallWeight method 5: λ of the Wang–Kong term with a smooth Kendall's τ in place of the cosine
 */
public record HardenSettings(int epochs, int batchSize, double learningRate, long seed, float smoothBeta, double weightDecay,
        double hessianWeight, int hessianProbes, float surrogateBeta, double certifiedWeight, double certifiedEpsilon,
        double epsilonRamp, double adversarialEpsilon, int adversarialSteps, double thicknessWeight, int thicknessK,
        double protectionWeight, double protectionEpsilon, double kendallWeight) {

    public HardenSettings {
        if (epochs < 1 || batchSize < 1) {
            throw new IllegalArgumentException("epochs and batch size must be at least 1");
        }
        if (!(learningRate > 0)) {
            throw new IllegalArgumentException("learning rate must be > 0, got " + learningRate);
        }
        if (!Float.isNaN(smoothBeta) && !(smoothBeta > 0)) {
            throw new IllegalArgumentException("softplus beta must be > 0, got " + smoothBeta);
        }
        if (!(surrogateBeta > 0)) {
            throw new IllegalArgumentException("surrogate beta must be > 0, got " + surrogateBeta);
        }
        for (double w : new double[] {weightDecay, hessianWeight, certifiedWeight, thicknessWeight, protectionWeight, kendallWeight}) {
            if (!(w >= 0) || Double.isInfinite(w)) {
                throw new IllegalArgumentException("penalty weights must be finite and >= 0, got " + w);
            }
        }
        if (hessianWeight > 0 && hessianProbes < 1) {
            throw new IllegalArgumentException("the Hessian penalty needs at least one probe");
        }
        if (certifiedWeight > 0 && (!(certifiedEpsilon > 0) || !(epsilonRamp > 0 && epsilonRamp <= 1))) {
            throw new IllegalArgumentException("the certified-gradient penalty needs epsilon > 0 and a ramp in (0, 1]");
        }
        if (thicknessWeight > 0 && thicknessK < 1) {
            throw new IllegalArgumentException("thickness k must be at least 1");
        }
        if ((protectionWeight > 0 || kendallWeight > 0) && !(protectionEpsilon > 0)) {
            throw new IllegalArgumentException("attribution protection needs epsilon > 0");
        }
    }

    /** Plain cross-entropy training with these budgets: the baseline hardening is compared against. */
    public static HardenSettings plain(int epochs, int batchSize, double learningRate, long seed) {
        return new HardenSettings(epochs, batchSize, learningRate, seed, Float.NaN, 0, 0, 4, 10f, 0, 0.05, 0.5, Double.NaN, 7,
                0, 8, 0, 0.05, 0);
    }

    /** Whether method 4, adversarial training, is on. */
    public boolean adversarial() {
        return !Double.isNaN(adversarialEpsilon);
    }

    public HardenSettings withSmoothing(float beta, double decay) {
        return new HardenSettings(epochs, batchSize, learningRate, seed, beta, decay, hessianWeight, hessianProbes, surrogateBeta,
                certifiedWeight, certifiedEpsilon, epsilonRamp, adversarialEpsilon, adversarialSteps, thicknessWeight, thicknessK,
                protectionWeight, protectionEpsilon, kendallWeight);
    }

    public HardenSettings withHessian(double weight, int probes) {
        return new HardenSettings(epochs, batchSize, learningRate, seed, smoothBeta, weightDecay, weight, probes, surrogateBeta,
                certifiedWeight, certifiedEpsilon, epsilonRamp, adversarialEpsilon, adversarialSteps, thicknessWeight, thicknessK,
                protectionWeight, protectionEpsilon, kendallWeight);
    }

    public HardenSettings withCertified(double weight, double epsilon, double ramp) {
        return new HardenSettings(epochs, batchSize, learningRate, seed, smoothBeta, weightDecay, hessianWeight, hessianProbes,
                surrogateBeta, weight, epsilon, ramp, adversarialEpsilon, adversarialSteps, thicknessWeight, thicknessK,
                protectionWeight, protectionEpsilon, kendallWeight);
    }

    public HardenSettings withAdversary(double epsilon, int steps) {
        return new HardenSettings(epochs, batchSize, learningRate, seed, smoothBeta, weightDecay, hessianWeight, hessianProbes,
                surrogateBeta, certifiedWeight, certifiedEpsilon, epsilonRamp, epsilon, steps, thicknessWeight, thicknessK,
                protectionWeight, protectionEpsilon, kendallWeight);
    }

    public HardenSettings withThickness(double weight, int k) {
        return new HardenSettings(epochs, batchSize, learningRate, seed, smoothBeta, weightDecay, hessianWeight, hessianProbes,
                surrogateBeta, certifiedWeight, certifiedEpsilon, epsilonRamp, adversarialEpsilon, adversarialSteps, weight, k,
                protectionWeight, protectionEpsilon, kendallWeight);
    }

    public HardenSettings withProtection(double weight, double epsilon) {
        return new HardenSettings(epochs, batchSize, learningRate, seed, smoothBeta, weightDecay, hessianWeight, hessianProbes,
                surrogateBeta, certifiedWeight, certifiedEpsilon, epsilonRamp, adversarialEpsilon, adversarialSteps, thicknessWeight,
                thicknessK, weight, epsilon, kendallWeight);
    }

    public HardenSettings withKendall(double weight, double epsilon) {
        return new HardenSettings(epochs, batchSize, learningRate, seed, smoothBeta, weightDecay, hessianWeight, hessianProbes,
                surrogateBeta, certifiedWeight, certifiedEpsilon, epsilonRamp, adversarialEpsilon, adversarialSteps, thicknessWeight,
                thicknessK, protectionWeight, epsilon, weight);
    }

    public HardenSettings withSurrogateBeta(float beta) {
        return new HardenSettings(epochs, batchSize, learningRate, seed, smoothBeta, weightDecay, hessianWeight, hessianProbes, beta,
                certifiedWeight, certifiedEpsilon, epsilonRamp, adversarialEpsilon, adversarialSteps, thicknessWeight, thicknessK,
                protectionWeight, protectionEpsilon, kendallWeight);
    }
}
