package dev.stabilis.smoothing;

/**
 * One sample's smoothing certificates. All claims hold together with probability at least 1 − α over the noise
 * draws; they are about the smoothed attribution h and the smoothed top-k set S of the target class, for every
 * input x + δ with ‖δ‖₂ ≤ ε.
 *
 * @param noise the smoothing distribution (the method)
 * @param scale its radius r or standard deviation σ
 * @param samples Monte Carlo draws n
 * @param alpha the confidence parameter: the claims hold with probability at least 1 − α
 * @param epsilon the ℓ2 radius of the claims
 * @param target the class explained
 * @param k size of the top-k set
 * @param clipNorm M, the norm the saliency is clipped to, or {@link SmoothingSettings#UNIT_NORM} (scaled to norm 1)
 * @param attribution ĥ: the mean clipped saliency over the draws, an estimate of h(x)
 * @param normLower a lower bound on ‖h(x)‖
 * @param cosineLower a lower bound on cos(h(x), h(x + δ)); −1 when there is none
 * @param frequency p̂_i: the fraction of draws with feature i in the top k of |saliency|
 * @param topk the features certified in S(x + δ), most frequent first (k of them when the whole set is certified)
 * @param certifiedOut the features certified out of S(x + δ), by index
 * @param certifiedRadius the largest radius within which S is one certified set of k features (0 if none)
 */
public record SmoothedCertificate(NoiseKind noise, double scale, int samples, double alpha, double epsilon,
        int target, int k, double clipNorm, double[] attribution, double normLower, double cosineLower,
        double[] frequency, int[] topk, int[] certifiedOut, double certifiedRadius) {

    /** M: the largest norm of an averaged saliency ({@link SmoothingSettings#normBound()}), the cosine bound's scale. */
    public double normBound() {
        return SmoothingSettings.normBound(clipNorm);
    }

    /** Whether the whole top-k set is certified at ε: k features in and all others out. */
    public boolean topkCertified() {
        return certifiedRadius > epsilon;
    }
}
