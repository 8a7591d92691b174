package dev.stabilis.detect;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Builds explanation records as the runner writes them. A fresh record is a stable sample of model {@code digits}
 * version 1, predicted class 3: top-k certified, the attack failed, the served class agrees.
 */
final class ExplanationJson {

    /** An event time on a minute boundary, so test windows start here. */
    static final long T0 = 1_764_000_000_000L;

    private static final JsonMapper JSON = new JsonMapper();

    private final ObjectNode root = JSON.createObjectNode();

    private ExplanationJson(String requestId) {
        root.put("requestId", requestId).put("index", 0).put("model", "digits").put("version", "1")
                .put("eventTime", T0).put("receivedAt", T0 + 5).put("explainedAt", T0 + 30)
                .put("predicted", 3).put("predictedLabel", "3").put("servedClass", 3).put("mismatch", false)
                .put("epsilon", 0.002).put("k", 5);
        root.putArray("topFeatures").addObject().put("index", 12).put("name", "px_1_4").put("value", 0.83);
        root.putObject("certificate").put("method", "interval").put("topk", true).put("topkOverlap", 5).put("signStable", 0.9)
                .put("maxDeviationLinf", 0.01).put("maxDeviationL2", 0.03).put("cosineLower", 0.98)
                .put("prediction", true).put("radius", 0.004).put("boundWidthMean", 0.002);
        root.putObject("empirical").put("method", "topk").put("topkIntersection", 1.0).put("kendallTau", 0.9)
                .put("spearman", 0.95).put("cosine", 0.99).put("relativeL2", 0.1).put("success", false)
                .put("classKept", true).put("stepsUsed", 50).put("noiseTopkIntersection", 1.0)
                .put("noiseSuccess", false).put("thickness", 0.97);
        root.put("curvature", 0.0).put("igCompletenessGap", 0.0003).putNull("invariantViolation")
                .put("computeMs", 3.2);
    }

    static ExplanationJson sample(String requestId) {
        return new ExplanationJson(requestId);
    }

    ExplanationJson model(String model, String version) {
        root.put("model", model).put("version", version);
        return this;
    }

    ExplanationJson predicted(int predictedClass) {
        root.put("predicted", predictedClass).put("predictedLabel", Integer.toString(predictedClass))
                .put("servedClass", predictedClass);
        return this;
    }

    ExplanationJson at(long eventTime) {
        root.put("eventTime", eventTime);
        return this;
    }

    /** The top-k set is not certified (3 of 5 certified); the attack still fails. */
    ExplanationJson uncertified() {
        certificate().put("topk", false).put("topkOverlap", 3);
        return this;
    }

    /**
     * The certificate is a smoothing certificate as the runner writes it, within ℓ2 radius {@code radius} (the record's
     * own ε stays the policy's box), with {@code certifiedInTopk} features certified in the smoothed top-k set.
     */
    ExplanationJson smoothingCertificate(double radius, int certifiedInTopk) {
        ObjectNode c = root.putObject("certificate").put("method", "smoothing").put("epsilon", radius).putNull("fallback")
                .putNull("alphaSteps").put("topk", certifiedInTopk == 5).put("topkOverlap", certifiedInTopk).putNull("signStable")
                .putNull("maxDeviationLinf").putNull("maxDeviationL2").put("cosineLower", 0.7).putNull("prediction")
                .put("radius", 0.0).putNull("boundWidthMean");
        ObjectNode smoothed = c.putObject("smoothed").put("noise", "uniform-ball").put("scale", 1.0).put("samples", 200)
                .put("alpha", 0.001).put("clipNorm", 10.0).put("cosineLower", 0.7).put("certifiedOut", 0).put("certifiedRadius", 0.0);
        com.fasterxml.jackson.databind.node.ArrayNode topk = smoothed.putArray("topk");
        for (int i = 0; i < certifiedInTopk; i++) {
            topk.add(i);
        }
        return this;
    }

    /** The certificate is a linear one whose relaxations {@code steps} α steps optimised, over the record's ε-box. */
    ExplanationJson linearCertificate(int steps) {
        certificate().put("method", "linear").put("epsilon", root.get("epsilon").asDouble()).put("alphaSteps", steps);
        return this;
    }

    ExplanationJson withoutCertificate() {
        root.putNull("certificate");
        return this;
    }

    ExplanationJson topkOverlap(int overlap) {
        certificate().put("topkOverlap", overlap);
        return this;
    }

    ExplanationJson radius(double radius) {
        certificate().put("radius", radius);
        return this;
    }

    /** The attack changed the top-k set (intersection 0.4). */
    ExplanationJson attackSucceeded() {
        ((ObjectNode) root.get("empirical")).put("success", true).put("topkIntersection", 0.4);
        return this;
    }

    ExplanationJson withoutAttack() {
        root.putNull("empirical");
        return this;
    }

    ExplanationJson served(int servedClass) {
        root.put("servedClass", servedClass).put("mismatch", servedClass != root.get("predicted").asInt());
        return this;
    }

    ExplanationJson withoutResponse() {
        root.putNull("servedClass").putNull("mismatch");
        return this;
    }

    ExplanationJson invariantViolation(String violation) {
        root.put("invariantViolation", violation);
        return this;
    }

    /**
     * The sample's attribution vector of one method, and its top five features by |value| named as the digits model's
     * policy names them ({@code px_<row>_<column>} of the 8 × 8 image).
     */
    ExplanationJson attribution(String method, float[] values) {
        com.fasterxml.jackson.databind.node.ArrayNode vector = root.putObject("attributions").putArray(method);
        double[] magnitudes = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            vector.add(values[i]);
            magnitudes[i] = values[i];
        }
        com.fasterxml.jackson.databind.node.ArrayNode top = root.putArray("topFeatures");
        for (int i : dev.stabilis.certify.Certificates.topK(magnitudes, Math.min(5, values.length))) {
            top.addObject().put("index", i).put("name", "px_" + i / 8 + "_" + i % 8).put("value", values[i]);
        }
        return this;
    }

    ExplanationJson without(String field) {
        root.remove(field);
        return this;
    }

    /** The record key: the model, or null when the record lacks one. */
    String modelName() {
        return root.hasNonNull("model") ? root.get("model").asText() : null;
    }

    /** The record timestamp: the event time, or {@link #T0} when the record lacks one. */
    long eventTime() {
        return root.path("eventTime").asLong(T0);
    }

    String sampleId() {
        return root.get("requestId").asText() + "#" + root.get("index").asInt();
    }

    String json() {
        return root.toString();
    }

    private ObjectNode certificate() {
        return (ObjectNode) root.get("certificate");
    }
}
