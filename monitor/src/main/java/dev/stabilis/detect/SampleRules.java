package dev.stabilis.detect;

import dev.stabilis.contract.Alert;
import dev.stabilis.contract.Explanation;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The per-sample rules. A sample is {@link AlertKind#SAMPLE_UNSTABLE} when its top-k set is not certified (or it
 * has no certificate) and an attack succeeded, or when its certified top-k overlap is below the configured minimum
 * m; {@link AlertKind#PREDICTION_MISMATCH} when the served class differs from the recomputed one; and
 * {@link AlertKind#CERTIFICATE_VIOLATION} when an attack beat the certificate.
 */
final class SampleRules {

    private final int minTopkOverlap;

    SampleRules(int minTopkOverlap) {
        this.minTopkOverlap = minTopkOverlap;
    }

    /** The alerts one sample raises; empty for a stable sample. */
    List<Alert> evaluate(Explanation e) {
        List<Alert> alerts = new ArrayList<>(1);
        if (e.invariantViolation() != null) {
            alerts.add(Alerts.forSample(AlertKind.CERTIFICATE_VIOLATION, e, null, null, null,
                    "an attack beat the certificate (failing closed): " + e.invariantViolation()));
        }
        Alert unstable = unstable(e);
        if (unstable != null) {
            alerts.add(unstable);
        }
        if (e.mismatched()) {
            alerts.add(Alerts.forSample(AlertKind.PREDICTION_MISMATCH, e, null, null, null,
                    "served class " + e.servedClass() + " but the recomputed prediction is " + e.predicted()));
        }
        return alerts;
    }

    private Alert unstable(Explanation e) {
        boolean attacked = !e.topkCertified() && e.attackSucceeded();
        Integer overlap = e.certificate() == null ? null : e.certificate().topkOverlap();
        boolean overlapLow = minTopkOverlap > 0 && overlap != null && overlap < minTopkOverlap;
        if (overlapLow) {
            String detail = String.format(Locale.ROOT, "certified top-k overlap %d of %s is below the minimum %d (by %s)",
                    overlap, e.k(), minTopkOverlap, CertificateDescription.of(e.certificate(), e.epsilon()));
            if (attacked) {
                detail += "; " + attackDetail(e);
            }
            return Alerts.forSample(AlertKind.SAMPLE_UNSTABLE, e, "topk_overlap", overlap.doubleValue(), (double) minTopkOverlap, detail);
        }
        if (attacked) {
            return Alerts.forSample(AlertKind.SAMPLE_UNSTABLE, e, "topk_intersection", e.empirical().topkIntersection(), null,
                    attackDetail(e));
        }
        return null;
    }

    /** What the certificate did not certify and what the attack, in its own box, did. */
    private static String attackDetail(Explanation e) {
        String certificate = e.certificate() == null ? "no certificate"
                : "top-k not certified by " + CertificateDescription.of(e.certificate(), e.epsilon());
        Double attackEpsilon = e.empirical().epsilon() != null ? e.empirical().epsilon() : e.epsilon();
        return String.format(Locale.ROOT, "%s, and the %s attack within the L∞ box of epsilon %s kept a top-k intersection of %s",
                certificate, e.empirical().method(), attackEpsilon, e.empirical().topkIntersection());
    }
}
