package dev.stabilis.service;

import dev.stabilis.attack.EmpiricalReport;
import dev.stabilis.certify.CertifiedSample;
import dev.stabilis.smoothing.SmoothedCertificate;
import java.util.List;
import java.util.Map;

/**
 * What the runner computed for one sample.
 *
 * @param predicted the class at the sample, which every quantity explains
 * @param gradient the gradient of the predicted class's score (the certified explanation)
 * @param attributions attribution vectors by method name
 * @param igCompletenessGap relative completeness gap of Integrated Gradients, NaN when IG is not configured
 * @param certified bounds and certificates, or null when not computed
 * @param smoothed the smoothing certificate, or null when the policy certifies another way
 * @param empirical attack, noise and thickness, or null when not computed
 * @param curvature Hessian eigenvalue of largest magnitude, NaN when not computed
 * @param invariantViolation non-null when an attack point beat the certificate: a bug, reported, never hidden
 * @param overBudget the analyses the policy's time budget skipped for the sample's batch ({@code certificate},
 *     {@code attack}, {@code curvature}); empty when none was
 */
public record Evaluation(int predicted, double[] gradient, Map<String, float[]> attributions, double igCompletenessGap,
        CertifiedSample certified, SmoothedCertificate smoothed, EmpiricalReport empirical, double curvature, String invariantViolation,
        List<String> overBudget) {

    public Evaluation {
        overBudget = List.copyOf(overBudget);
    }

    /** Whether the top-k set is certified by the certificate the policy computes (smoothing or bounds); false without one. */
    public boolean topkCertified() {
        if (smoothed != null) {
            return smoothed.topkCertified();
        }
        return certified != null && certified.certificate().topk();
    }
}
