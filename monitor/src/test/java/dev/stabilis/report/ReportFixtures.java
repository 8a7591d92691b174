package dev.stabilis.report;

import dev.stabilis.contract.Alert;
import dev.stabilis.contract.Explanation;
import dev.stabilis.contract.Sample;
import dev.stabilis.contract.TopFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The records the report tests draw: an 8x8 image sample ({@code image#0}) with its certificate and attack, a tabular one
 * ({@code table#0}) with five features, their samples, and alerts citing them.
 */
final class ReportFixtures {

    static final int PIXELS = 64;

    private ReportFixtures() {
    }

    /** Positive on the left half of the 8x8 image, negative on the right. */
    static float[] attribution() {
        float[] a = new float[PIXELS];
        for (int i = 0; i < PIXELS; i++) {
            a[i] = i % 8 < 4 ? 1f : -1f;
        }
        return a;
    }

    static Explanation image() {
        return image("image");
    }

    static Explanation image(String requestId) {
        double[] gradient = new double[PIXELS];
        double[] lower = new double[PIXELS];
        double[] upper = new double[PIXELS];
        double[] attacked = new double[PIXELS];
        float[] a = attribution();
        for (int i = 0; i < PIXELS; i++) {
            gradient[i] = a[i];
            lower[i] = a[i] - 0.1 * (i / 8);
            upper[i] = a[i] + 0.1 * (i / 8);
            attacked[i] = -0.5;
        }
        var certificate = new Explanation.Certificate("interval", 0.05, null, null, false, 1, 0.8, 0.7, 2.0, 0.3, true, null, 0.35, null, gradient, lower,
                upper);
        var empirical = new Explanation.Empirical("topk", 0.05, 0.33, 0.1, 0.1, 0.5, 0.8, true, true, 20, 1.0, false, 0.9, attacked);
        return new Explanation(requestId, 0, "digits", "1", null, 0L, 0L, 0L, 3, "3", 3, false, 0.05, 3, List.of(new TopFeature(3, "3", 1)),
                null, null, certificate, empirical, null, null, 1.0, List.of("attributions", "certificate", "attack"), List.of(),
                new long[] {1, 8, 8}, null);
    }

    static Explanation tabular() {
        var certificate = new Explanation.Certificate("interval", 0.05, null, null, true, 3, 1.0, 0.1, 0.2, 0.9, true, null, 0.1, null,
                new double[] {0.5, -0.2, 0.9, 0.0, 0.1}, new double[] {0.4, -0.3, 0.8, -0.1, 0.0}, new double[] {0.6, -0.1, 1.0, 0.1, 0.2});
        List<TopFeature> top = List.of(new TopFeature(2, "income", 0.9), new TopFeature(0, "age", 0.5), new TopFeature(1, "debt", -0.2));
        return new Explanation("table", 0, "credit", "1", null, 0L, 0L, 0L, 1, "approve", 1, false, 0.05, 3, top, null, null, certificate, null,
                null, null, 1.0, List.of("attributions", "certificate"), List.of(), new long[] {5}, null);
    }

    static Sample sample(String requestId, int features) {
        float[] values = new float[features];
        for (int i = 0; i < features; i++) {
            values[i] = i / (float) features;
        }
        return new Sample(requestId, 0, requestId.equals("image") ? "digits" : "credit", "1", "KSERVE_V2", values, null, null, 0L, 0L, null,
                null);
    }

    static Alert unstable(String id, List<String> evidence) {
        return new Alert(id, id, "SAMPLE_UNSTABLE", Alert.FIRING, "warning", "digits", "1", 3, "3", "2026-12-03T00:00:00Z", null, null,
                "top-k not certified", "the top-3 set is not certified at ε = 0.05", null, null, null, null, 0.05, "interval", null, evidence,
                evidence.size(), null, null, "2026-12-03T00:00:01Z");
    }

    static Alert drift() {
        var moved = List.of(new Alert.MovedFeature(10, "pixel 10", 5, 1, 0.02, 0.4), new Alert.MovedFeature(27, "pixel 27", 1, 4, 0.3, 0.1));
        var drift = new Alert.AttributionDrift("saliency", 3, 0.612, 0.2, 0.9, 0.5, 4, moved);
        return new Alert("drift-1", "drift-1", "ATTRIBUTION_DRIFT", Alert.FIRING, "warning", "digits", "1", 3, "3", "2026-12-03T00:00:00Z",
                null, new Alert.Window("2026-12-03T00:00:00Z", "2026-12-03T00:05:00Z"), "attribution drift", "nDCG@3 0.612 < 0.9",
                "ndcg", 0.612, 1.0, 0.9, null, null, null, List.of(), 200, null, null, "2026-12-03T00:05:01Z", drift);
    }

    /** Writes the records as a JSON-lines file, one a line, as the topics hold them. */
    static Path lines(Path file, byte[]... records) throws IOException {
        List<String> text = new ArrayList<>();
        for (byte[] r : records) {
            text.add(new String(r, StandardCharsets.UTF_8));
        }
        return Files.write(file, text);
    }
}
