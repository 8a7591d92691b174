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
 *     never of one sample, so that h(x) and h(x + δ) are the same function); {@link #UNIT_NORM} scales every saliency
 *     to norm 1 instead, so that only directions are averaged (a zero saliency stays zero)
 * @param kind the differentiated score
 * @param seed noise seed, mixed with each sample's values so that a sample's draws do not depend on its batch
 * @param rowBudget the most noisy rows one forward and backward pass takes
 */
public record SmoothingSettings(NoiseKind noise, double scale, int samples, double alpha, double epsilon, int k,
        double clipNorm, TargetKind kind, long seed, int rowBudget) {

    /**
     * The clip norm that scales every noisy saliency to unit norm: its direction, whatever the model's gradient scale.
     * The certificates then average unit vectors and bound them by M = 1 ({@link #normBound()}).
     */
    public static final double UNIT_NORM = 0;

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
        if (!(clipNorm >= 0) || Double.isInfinite(clipNorm)) {
            throw new IllegalArgumentException("smoothing clipNorm must be a finite number > 0 or " + UNIT_NORM
                    + " (unit norm), got " + clipNorm);
        }
        if (rowBudget < 1) {
            throw new IllegalArgumentException("smoothing rowBudget must be at least 1, got " + rowBudget);
        }
    }

    /** M: the largest norm of an averaged saliency, the clip norm or 1 for {@link #UNIT_NORM}. */
    public double normBound() {
        return normBound(clipNorm);
    }

    /** M for a clip norm: itself, or 1 for {@link #UNIT_NORM}. */
    static double normBound(double clipNorm) {
        return clipNorm == UNIT_NORM ? 1 : clipNorm;
    }
}
