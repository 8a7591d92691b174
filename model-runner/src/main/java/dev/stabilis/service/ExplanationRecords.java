package dev.stabilis.service;

import dev.stabilis.attack.AttackResult;
import dev.stabilis.attack.EmpiricalReport;
import dev.stabilis.attack.StabilityMetrics;
import dev.stabilis.certify.Certificate;
import dev.stabilis.certify.CertifiedSample;
import dev.stabilis.certify.Certificates;
import dev.stabilis.certify.CertifySettings;
import dev.stabilis.certify.GradientBounds;
import dev.stabilis.contract.Explanation;
import dev.stabilis.contract.Sample;
import dev.stabilis.contract.TopFeature;
import dev.stabilis.model.ModelPolicy;
import dev.stabilis.smoothing.SmoothedCertificate;
import dev.stabilis.smoothing.SmoothingCertifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds the {@link Explanation} record of an evaluated sample: the one place the runner fills the contract. */
public final class ExplanationRecords {

    private ExplanationRecords() {}

    /**
     * @param computeMs the batch's compute time divided by its samples
     */
    static Explanation of(Sample sample, Evaluation e, ModelPipeline pipeline, boolean includeAttributions, long explainedAt,
            double computeMs) {
        return of(sample, e, pipeline, includeAttributions, explainedAt, computeMs, null);
    }

    /** The record without its per-feature vectors, saying why in {@code vectorsOmitted}. */
    static Explanation withoutVectors(Sample sample, Evaluation e, ModelPipeline pipeline, long explainedAt, double computeMs,
            String reason) {
        return of(sample, e, pipeline, false, explainedAt, computeMs, reason);
    }

    private static Explanation of(Sample sample, Evaluation e, ModelPipeline pipeline, boolean includeAttributions, long explainedAt,
            double computeMs, String vectorsOmitted) {
        ModelPolicy policy = pipeline.loaded().policy();
        int k = pipeline.certifySettings().k();
        Integer served = sample.servedClass();
        String serving = pipeline.loaded().version();
        return new Explanation(sample.requestId(), sample.index(), pipeline.loaded().name(), serving,
                requestedVersion(sample, serving), sample.eventTime(), sample.receivedAt(), explainedAt,
                e.predicted(), label(policy.classNames(), e.predicted()), served, served == null ? null : served != e.predicted(),
                pipeline.certifySettings().epsilon(), k, topFeatures(e.gradient(), k, pipeline.gradientFeatureNames()),
                includeAttributions ? new LinkedHashMap<>(e.attributions()) : null,
                nullable(e.igCompletenessGap()),
                certificate(e, pipeline, includeAttributions), empirical(e.empirical(), pipeline.attackSettings().epsilon(), includeAttributions),
                nullable(e.curvature()), e.invariantViolation(), computeMs, analyses(e), e.overBudget(),
                includeAttributions ? pipeline.loaded().model().inputShape().clone() : null, vectorsOmitted);
    }

    /** The analyses that ran for a sample, by what its evaluation holds. */
    static List<String> analyses(Evaluation e) {
        List<String> out = new ArrayList<>(List.of("attributions"));
        if (e.certified() != null || e.smoothed() != null) {
            out.add("certificate");
        }
        if (e.empirical() != null) {
            out.add("attack");
        }
        if (!Double.isNaN(e.curvature())) {
            out.add("curvature");
        }
        return out;
    }

    /**
     * The sample's own version when another one served it (its files failed to load and the last good version of the
     * model stood in), else null.
     */
    static String requestedVersion(Sample sample, String serving) {
        return sample.version().equals(serving) || sample.version().equals(Sample.LATEST) ? null : sample.version();
    }

    private static Explanation.Certificate certificate(Evaluation e, ModelPipeline pipeline, boolean withVectors) {
        if (e.smoothed() != null) {
            return certificate(e.smoothed());
        }
        return e.certified() == null ? null : certificate(e.certified(), pipeline.bounds(), pipeline.certifySettings(), withVectors);
    }

    /**
     * The method name records give gradient-bound certificates: the bounds' method, with {@code -split} when input
     * splitting may cut a box into up to {@code splitLeaves} sub-boxes.
     */
    public static String certificateMethod(GradientBounds bounds, int splitLeaves) {
        return bounds.method() + (splitLeaves > 1 ? "-split" : "");
    }

    /**
     * A sample's gradient-bound certificate, as explanation records and {@code stabilis certify} write it: what it
     * certifies, and what produced it (the bounds' method, their fallback to intervals and α steps, the box's ε and
     * splitting).
     */
    public static Explanation.Certificate certificate(CertifiedSample c, GradientBounds bounds, CertifySettings settings) {
        return certificate(c, bounds, settings, false);
    }

    /** @param withVectors whether to add the gradient and its certified bounds per feature (for {@code stabilis report}) */
    private static Explanation.Certificate certificate(CertifiedSample c, GradientBounds bounds, CertifySettings settings,
            boolean withVectors) {
        Certificate cert = c.certificate();
        Integer alphaSteps = bounds.alphaSteps().isPresent() ? bounds.alphaSteps().getAsInt() : null;
        return new Explanation.Certificate(certificateMethod(bounds, settings.splitting().maxLeaves()), settings.epsilon(),
                bounds.fallback().orElse(null), alphaSteps, cert.topk(), cert.topkOverlap(), cert.signStable(), cert.maxDeviationLinf(),
                cert.maxDeviationL2(), nullable(cert.cosineLower()), cert.prediction(), nullable(cert.radius()), c.meanWidth(), null,
                withVectors ? c.gradient() : null, withVectors ? c.lower() : null, withVectors ? c.upper() : null);
    }

    /** A sample's smoothing certificate, as explanation records and {@code stabilis certify} write it. */
    public static Explanation.Certificate certificate(SmoothedCertificate c) {
        Double cosine = c.cosineLower() > -1 ? c.cosineLower() : null;
        Explanation.Smoothed smoothed = new Explanation.Smoothed(c.noise().label(), c.scale(), c.samples(), c.alpha(), c.clipNorm(),
                cosine, Arrays.stream(c.topk()).boxed().toList(), c.certifiedOut().length, c.certifiedRadius());
        return new Explanation.Certificate(SmoothingCertifier.METHOD, c.epsilon(), null, null, c.topkCertified(), c.topk().length, null, null, null,
                cosine, null, c.certifiedRadius(), null, smoothed, null, null, null);
    }

    /** Stability metrics, undefined ones as null, as explanation records and {@code stabilis attack} write them. */
    public static Map<String, Double> metrics(StabilityMetrics m) {
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("topkIntersection", m.topkIntersection());
        out.put("kendallTau", nullable(m.kendallTau()));
        out.put("spearman", nullable(m.spearman()));
        out.put("cosine", nullable(m.cosine()));
        out.put("relativeL2", m.relativeL2());
        return out;
    }

    /** A number, or null where it is undefined (NaN). */
    public static Double nullable(double value) {
        return Double.isNaN(value) ? null : value;
    }

    /** @param withVector whether to add the explanation at the attack's strongest point (for {@code stabilis report}) */
    private static Explanation.Empirical empirical(EmpiricalReport r, double epsilon, boolean withVector) {
        if (r == null) {
            return null;
        }
        AttackResult a = r.attack();
        Map<String, Double> m = metrics(a.metrics());
        return new Explanation.Empirical(a.method().label(), epsilon, m.get("topkIntersection"), m.get("kendallTau"), m.get("spearman"),
                m.get("cosine"), m.get("relativeL2"), a.success(), a.classKept(), a.stepsUsed(),
                r.noise().metrics().topkIntersection(), r.noise().success(), nullable(r.thickness()),
                withVector ? a.adversarialAttribution() : null);
    }

    private static List<TopFeature> topFeatures(double[] gradient, int k, List<String> names) {
        List<TopFeature> out = new ArrayList<>();
        if (gradient != null) {
            for (int i : Certificates.topK(gradient, Math.min(k, gradient.length))) {
                out.add(new TopFeature(i, label(names, i), gradient[i]));
            }
        }
        return out;
    }

    private static String label(List<String> names, int index) {
        return index < names.size() ? names.get(index) : Integer.toString(index);
    }
}
