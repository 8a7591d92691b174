package dev.stabilis.contract;

import java.util.List;
import java.util.Map;

/**
 * One record of {@code stabilis.explanations} (key = model): a sample's recomputed prediction, attributions,
 * certificate and attack results, written by the runner and read by the monitor's detect topology. Schema:
 * {@code schemas/explanation.schema.json}. Fields documented as nullable are null when the runner did not compute
 * them. Adding a field is one component here (the runner fills it where it builds the record) and one property in
 * the schema; readers ignore fields they do not know. The per-feature vectors of the certificate and the attack
 * ({@code certificate.gradient}, {@code gradientLower}, {@code gradientUpper}, {@code empirical.attackedGradient}) and
 * {@code inputShape} are optional, for {@code stabilis report}'s pictures.
 *
 * @param version the model version that served the sample
 * @param requestedVersion the sample's own version when that version failed to load and the last good version of the
 *     model ({@code version}) served it instead; null otherwise
 * @param servedClass null when no response was joined to the request
 * @param mismatch null when no response was joined to the request
 * @param topFeatures the k features of largest |gradient|, largest first
 * @param attributions attribution vectors by method, or null when the runner leaves them out
 * @param igCompletenessGap null when Integrated Gradients is not configured
 * @param certificate null when the model cannot be certified or certification is off
 * @param empirical null when attacks are off or the model has no layer graph
 * @param curvature null when not computed
 * @param invariantViolation non-null when an attack beat the certificate, which is a bug
 * @param computeMs the batch's compute time divided by its samples
 * @param analyses what ran for this sample: {@code attributions}, and {@code certificate}, {@code attack},
 *     {@code curvature} where they did (the policy's sampling gives some samples attributions only)
 * @param overBudget the analyses the policy's per-sample time budget skipped for this sample's batch; empty when none
 *     was (older records: null)
 * @param inputShape the model's input shape per sample ({@code [64]}, {@code [1, 28, 28]}, ...), so that readers can
 *     draw image-shaped inputs as images; optional
 * @param vectorsOmitted why the per-feature vectors are missing although the runner includes them (the record would
 *     have exceeded its size limit); null otherwise
 */
public record Explanation(
        String requestId, Integer index, String model, String version, String requestedVersion,
        Long eventTime, Long receivedAt, Long explainedAt,
        Integer predicted, String predictedLabel, Integer servedClass, Boolean mismatch,
        Double epsilon, Integer k, List<TopFeature> topFeatures, Map<String, float[]> attributions,
        Double igCompletenessGap, Certificate certificate, Empirical empirical,
        Double curvature, String invariantViolation, Double computeMs, List<String> analyses, List<String> overBudget, long[] inputShape,
        String vectorsOmitted) {

    /**
     * The certificate of the sample's explanation: bounds on its gradient over the ε-box ({@code interval},
     * {@code linear}, with {@code -split} when the box was split), or claims about its smoothed attribution over an
     * ℓ2 ball ({@code smoothing}, whose box-only fields are null).
     *
     * @param method how the certificate was computed
     * @param epsilon the box half-width (or, for {@code smoothing}, the ℓ2 radius) the certificate speaks about
     * @param fallback why part of a {@code linear} certificate fell back to interval bounds; null when it did not
     * @param alphaSteps for a {@code linear} certificate, the projected-gradient steps that optimised its relaxations per
     *     sample (the policy's {@code certification.linear.alphaSteps}; 0: the default relaxations); null for the others
     * @param topkOverlap features of the top-k set certified in it
     * @param radius the largest ε with the top-k set certified; null when not computed
     * @param smoothed the smoothing certificate's parameters and claims; null for the other methods
     * @param gradient the certified explanation at the sample, per feature: the input gradient of the explained class's
     *     certification score; optional (null when the runner leaves the vectors out, and for {@code smoothing})
     * @param gradientLower the certified lower bound of that gradient over the box, per feature; optional
     * @param gradientUpper the certified upper bound, per feature; optional. {@code gradientUpper − gradientLower} is the
     *     bound width {@code boundWidthMean} averages
     */
    public record Certificate(
            String method, Double epsilon, String fallback, Integer alphaSteps, Boolean topk, Integer topkOverlap, Double signStable,
            Double maxDeviationLinf, Double maxDeviationL2, Double cosineLower, Boolean prediction, Double radius,
            Double boundWidthMean, Smoothed smoothed, double[] gradient, double[] gradientLower, double[] gradientUpper) {}

    /**
     * A smoothing certificate: every claim holds, together, with probability at least 1 − α over the noise draws.
     *
     * @param noise {@code uniform-ball} or {@code gaussian}
     * @param scale the ball's radius or σ
     * @param samples Monte Carlo draws
     * @param clipNorm the norm each noisy saliency was clipped to; 0 when each was scaled to norm 1 (policy {@code unit})
     * @param cosineLower lower bound on the cosine between the smoothed attribution at the sample and anywhere in the
     *     ball; null when there is none
     * @param topk the features certified in the smoothed top-k set, most frequent first
     * @param certifiedOut how many features are certified out of it (Anani et al.'s per-feature claims: with
     *     {@code topk}, the features whose membership no perturbation in the ball changes)
     * @param certifiedRadius the largest ℓ2 radius within which the whole top-k set is certified (0 when none)
     */
    public record Smoothed(String noise, Double scale, Integer samples, Double alpha, Double clipNorm, Double cosineLower,
            List<Integer> topk, Integer certifiedOut, Double certifiedRadius) {}

    /**
     * The strongest explanation attack found inside the sample's ε-box and its stability metrics.
     *
     * @param epsilon the attacked box's half-width
     * @param attackedGradient the certified explanation ({@link Certificate#gradient()}'s score) at the attack's strongest
     *     point, per feature; optional (null when the runner leaves the vectors out)
     */
    public record Empirical(
            String method, Double epsilon, Double topkIntersection, Double kendallTau, Double spearman, Double cosine,
            Double relativeL2, Boolean success, Boolean classKept, Integer stepsUsed,
            Double noiseTopkIntersection, Boolean noiseSuccess, Double thickness, double[] attackedGradient) {}

    /**
     * The one reader. The identifying fields ({@code requestId}, {@code index}, {@code model}, {@code version},
     * {@code eventTime}, {@code predicted}) and the verdicts ({@code certificate.topk}, {@code empirical.success})
     * are required.
     */
    public static Explanation read(byte[] json) {
        Explanation e = ContractJson.read(json, Explanation.class);
        ContractJson.require(e.requestId(), "requestId");
        ContractJson.require(e.index(), "index");
        ContractJson.require(e.model(), "model");
        ContractJson.require(e.version(), "version");
        ContractJson.require(e.eventTime(), "eventTime");
        ContractJson.require(e.predicted(), "predicted");
        if (e.certificate() != null) {
            ContractJson.require(e.certificate().topk(), "certificate.topk");
        }
        if (e.empirical() != null) {
            ContractJson.require(e.empirical().success(), "empirical.success");
        }
        return e;
    }

    /** The one writer. */
    public byte[] toJson() {
        return ContractJson.write(this);
    }

    /** The sample's id in alert evidence: {@code requestId#index}. */
    public String sampleId() {
        return requestId + "#" + index;
    }

    /**
     * Whether the top-k set is certified. Fails closed: false without a certificate, and false when an attack beat
     * the certificate (an invariant violation).
     */
    public boolean topkCertified() {
        return certificate != null && Boolean.TRUE.equals(certificate.topk()) && invariantViolation == null;
    }

    /** Whether an attack changed the explanation beyond its success criterion; false when attacks are disabled. */
    public boolean attackSucceeded() {
        return empirical != null && Boolean.TRUE.equals(empirical.success());
    }

    /** Whether the served class differs from the recomputed prediction; false when no response was joined. */
    public boolean mismatched() {
        return Boolean.TRUE.equals(mismatch);
    }

    /** The certified radius (largest ε with the top-k set certified), or null when not computed. */
    public Double radius() {
        return certificate == null ? null : certificate.radius();
    }

    /** The ε the certificate speaks about (the record's ε for records written before certificates carried their own). */
    public Double certificateEpsilon() {
        return certificate != null && certificate.epsilon() != null ? certificate.epsilon() : epsilon;
    }

    /** The certificate's method, or null without a certificate. */
    public String certificateMethod() {
        return certificate == null ? null : certificate.method();
    }
}
