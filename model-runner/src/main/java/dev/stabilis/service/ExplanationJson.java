package dev.stabilis.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.stabilis.attack.AttackResult;
import dev.stabilis.attack.EmpiricalReport;
import dev.stabilis.attack.StabilityMetrics;
import dev.stabilis.certify.Certificate;
import dev.stabilis.certify.CertifiedSample;
import dev.stabilis.certify.Certificates;
import dev.stabilis.model.ModelPolicy;
import java.util.List;
import java.util.Map;

/** Writes {@code stabilis.explanations} values (the contract in the README's "Topics" section). */
public final class ExplanationJson {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private ExplanationJson() {}

    /**
     * One explanation record.
     *
     * @param computeMs the batch's compute time divided by its samples
     */
    public static byte[] write(Sample sample, Evaluation e, ModelPipeline pipeline, boolean includeAttributions, long explainedAt,
            double computeMs) {
        ModelPolicy policy = pipeline.loaded().policy();
        ObjectNode root = JSON.createObjectNode();
        root.put("requestId", sample.requestId());
        root.put("index", sample.index());
        root.put("model", pipeline.loaded().name());
        root.put("version", pipeline.loaded().version());
        if (!sample.version().equals(pipeline.loaded().version()) && !sample.version().equals("latest")) {
            // the sample's version failed to load: the last good version of the model served it
            root.put("requestedVersion", sample.version());
        }
        root.put("eventTime", sample.eventTime());
        root.put("receivedAt", sample.receivedAt());
        root.put("explainedAt", explainedAt);
        root.put("predicted", e.predicted());
        root.put("predictedLabel", label(policy.classNames(), e.predicted()));
        if (sample.servedClass() == null) {
            root.putNull("servedClass");
            root.putNull("mismatch");
        } else {
            root.put("servedClass", sample.servedClass());
            root.put("mismatch", sample.servedClass() != e.predicted());
        }
        root.put("epsilon", pipeline.certifySettings().epsilon());
        int k = pipeline.certifySettings().k();
        root.put("k", k);
        topFeatures(root.putArray("topFeatures"), e.gradient(), k, policy.featureNames());
        if (includeAttributions) {
            ObjectNode attributions = root.putObject("attributions");
            for (Map.Entry<String, float[]> a : e.attributions().entrySet()) {
                ArrayNode values = attributions.putArray(a.getKey());
                for (float v : a.getValue()) {
                    values.add(v);
                }
            }
        }
        number(root, "igCompletenessGap", e.igCompletenessGap());
        certificate(root, e.certified());
        empirical(root, e.empirical());
        number(root, "curvature", e.curvature());
        root.put("invariantViolation", e.invariantViolation());
        root.put("computeMs", computeMs);
        try {
            return JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException("cannot write an explanation record", ex);
        }
    }

    private static void topFeatures(ArrayNode out, double[] gradient, int k, List<String> names) {
        if (gradient == null) {
            return;
        }
        for (int i : Certificates.topK(gradient, Math.min(k, gradient.length))) {
            ObjectNode f = out.addObject();
            f.put("index", i);
            f.put("name", label(names, i));
            f.put("value", gradient[i]);
        }
    }

    private static void certificate(ObjectNode root, CertifiedSample c) {
        if (c == null) {
            root.putNull("certificate");
            return;
        }
        putCertificate(root.putObject("certificate"), c);
    }

    /** A sample's certificate fields, as explanation records and {@code stabilis certify} write them. */
    public static void putCertificate(ObjectNode o, CertifiedSample c) {
        Certificate cert = c.certificate();
        o.put("topk", cert.topk());
        o.put("topkOverlap", cert.topkOverlap());
        o.put("signStable", cert.signStable());
        o.put("maxDeviationLinf", cert.maxDeviationLinf());
        o.put("maxDeviationL2", cert.maxDeviationL2());
        number(o, "cosineLower", cert.cosineLower());
        o.put("prediction", cert.prediction());
        number(o, "radius", cert.radius());
        o.put("boundWidthMean", meanWidth(c));
    }

    /** Mean of {@code upper − lower} over features: how wide the certified gradient box is. */
    static double meanWidth(CertifiedSample c) {
        double sum = 0;
        for (int i = 0; i < c.lower().length; i++) {
            sum += c.upper()[i] - c.lower()[i];
        }
        return sum / c.lower().length;
    }

    private static void empirical(ObjectNode root, EmpiricalReport r) {
        if (r == null) {
            root.putNull("empirical");
            return;
        }
        AttackResult a = r.attack();
        ObjectNode o = root.putObject("empirical");
        o.put("method", a.method().label());
        putMetrics(o, a.metrics());
        o.put("success", a.success());
        o.put("classKept", a.classKept());
        o.put("stepsUsed", a.stepsUsed());
        o.put("noiseTopkIntersection", r.noise().metrics().topkIntersection());
        o.put("noiseSuccess", r.noise().success());
        number(o, "thickness", r.thickness());
    }

    /** Stability metrics, undefined ones as null, as explanation records and {@code stabilis attack} write them. */
    public static void putMetrics(ObjectNode o, StabilityMetrics m) {
        o.put("topkIntersection", m.topkIntersection());
        number(o, "kendallTau", m.kendallTau());
        number(o, "spearman", m.spearman());
        number(o, "cosine", m.cosine());
        o.put("relativeL2", m.relativeL2());
    }

    /** Puts a number, or null where it is undefined (NaN). */
    public static void number(ObjectNode node, String field, double value) {
        if (Double.isNaN(value)) {
            node.putNull(field);
        } else {
            node.put(field, value);
        }
    }

    private static String label(List<String> names, int index) {
        return index < names.size() ? names.get(index) : Integer.toString(index);
    }
}
