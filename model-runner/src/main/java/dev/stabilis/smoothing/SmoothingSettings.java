package dev.stabilis.smoothing;

import dev.stabilis.engine.TargetKind;

/**
 * How to compute smoothing certificates.
 *
 * @param noise the smoothing distribution
 * @param scale the ball radius r (uniform ball) or the standard deviation σ (Gaussian), in input units
 * @param samples Monte Carlo draws n per sample
 * @param alpha the probability allowed for any claim of a certificate to be wrong (half for the cosine bound,
 *     half shared by the per-feature top-k intervals)
 * @param epsilon the ℓ2 radius at which the cosine bound and the certified features are reported
 * @param k size of the top-k set
 * @param clipNorm M: the saliency is clipped to this ℓ2 norm before averaging (a property of the model's policy,
 *     never of one sample, so that h(x) and h(x + δ) are the same function); a very small M averages unit vectors
 * @param kind the differentiated score
 * @param seed noise seed, mixed with each sample's values so that a sample's draws do not depend on its batch
 * @param rowBudget the most noisy rows one forward and backward pass takes
 */
public record SmoothingSettings(NoiseKind noise, double scale, int samples, double alpha, double epsilon, int k,
        double clipNorm, TargetKind kind, long seed, int rowBudget) {

    public SmoothingSettings {
        if (noise == null || kind == null) {
            throw new IllegalArgumentException("smoothing noise and kind must be given");
        }
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("smoothing scale (" + (noise == NoiseKind.GAUSSIAN ? "sigma" : "radius")
                    + ") must be a finite number > 0, got " + scale);
        }
        if (samples < 1) {
            throw new IllegalArgumentException("smoothing samples must be at least 1, got " + samples);
        }
        if (!(alpha > 0 && alpha < 1)) {
            throw new IllegalArgumentException("smoothing alpha must be in (0, 1), got " + alpha);
        }
        if (!(epsilon >= 0) || Double.isInfinite(epsilon)) {
            throw new IllegalArgumentException("smoothing epsilon must be a finite number >= 0, got " + epsilon);
        }
        if (k < 1) {
            throw new IllegalArgumentException("smoothing k must be at least 1, got " + k);
        }
        if (!(clipNorm > 0) || Double.isInfinite(clipNorm)) {
            throw new IllegalArgumentException("smoothing clipNorm must be a finite number > 0, got " + clipNorm);
        }
        if (rowBudget < 1) {
            throw new IllegalArgumentException("smoothing rowBudget must be at least 1, got " + rowBudget);
        }
    }
}
