package dev.stabilis.detect;

import java.util.List;

/**
 * One record of {@code stabilis.explanations}: a sample's recomputed prediction, attribution, certificate and
 * attack results, as the model runner writes it. Fields documented as nullable are null when the runner did not
 * compute them; the others are checked by {@link ExplanationParser}.
 *
 * @param servedClass null when no response was joined to the request
 * @param mismatch null when no response was joined to the request
 * @param certificate null when the model cannot be certified
 * @param empirical null when attacks are disabled
 * @param invariantViolation non-null when an attack beat the certificate, which is a bug
 */
public record Explanation(
        String requestId, Integer index, String model, String version,
        Long eventTime, Long receivedAt, Long explainedAt,
        Integer predicted, String predictedLabel, Integer servedClass, Boolean mismatch,
        Double epsilon, Integer k, List<TopFeature> topFeatures,
        Certificate certificate, Empirical empirical,
        Double curvature, Double igCompletenessGap, String invariantViolation, Double computeMs) {

    /** The certified bounds of the sample's explanation inside its ε-box. */
    public record Certificate(
            Boolean topk, Integer topkOverlap, Double signStable, Double maxDeviationLinf, Double maxDeviationL2,
            Double cosineLower, Boolean prediction, Double radius, Double boundWidthMean) {
    }

    /** The strongest explanation attack found inside the sample's ε-box and its stability metrics. */
    public record Empirical(
            String method, Double topkIntersection, Double kendallTau, Double spearman, Double cosine,
            Double relativeL2, Boolean success, Boolean classKept, Integer stepsUsed,
            Double noiseTopkIntersection, Boolean noiseSuccess, Double thickness) {
    }

    /** The sample's id in alert evidence: {@code requestId#index}. */
    public String sampleId() {
        return requestId + "#" + index;
    }

    /** The (model, version, predicted class) whose baseline and suppression this sample belongs to. */
    ClassKey classKey() {
        return new ClassKey(model, version, predicted);
    }

    /**
     * Whether the top-k set is certified. Fails closed: false without a certificate, and false when an attack
     * beat the certificate (an invariant violation).
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

    /** The mean width of the certified gradient bounds, or null without a certificate. */
    public Double boundWidthMean() {
        return certificate == null ? null : certificate.boundWidthMean();
    }
}
