package dev.stabilis.detect;

import static dev.stabilis.detect.ExplanationJson.T0;
import static dev.stabilis.detect.ExplanationJson.sample;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import dev.stabilis.attribution.Attributor;
import dev.stabilis.attribution.Explanation;
import dev.stabilis.attribution.GradientTimesInput;
import dev.stabilis.contract.ContractSchemas;
import dev.stabilis.contract.Rfc3339;
import dev.stabilis.engine.GraphModel;
import dev.stabilis.evaluate.LabelledRows;
import dev.stabilis.onnx.OnnxImporter;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Attribution drift on real explanations: gradient × input of the demo digits model (models/digits/1) for the
 * held-out digits it predicts as 7, in one-second windows of 30 samples drawn (seeded, with replacement) from that
 * pool. After 3 warm-up windows, traffic like the warm-up's raises no ATTRIBUTION_DRIFT, though every window is
 * judged. When the scanner's two rightmost pixel columns get stuck at full intensity (an input distribution shift; the
 * model still predicts 7 for those digits), the first such window fires exactly one ATTRIBUTION_DRIFT for class 7: the
 * feature that moved most, and most of those that moved into the top 10, are stripe pixels. The next stuck window
 * extends the episode silently, and the first normal window after it resolves it.
 */
class AttributionDriftTest {

    private static final int SEVEN = 7;
    private static final int PER_WINDOW = 30;
    private static final long SECOND = 1_000;
    private static final String METHOD = "gradxinput";

    private static final String[] SETTINGS = {
            DetectConfig.WINDOW_SIZE_MS + "=1000",
            DetectConfig.WINDOW_GRACE_MS + "=0",
            DetectConfig.WARMUP_WINDOWS + "=3",
            DetectConfig.BASELINE_WINDOWS + "=10",
            DetectConfig.MIN_SAMPLES + "=20",
            DriftConfig.METHOD + "=" + METHOD};

    /** Gradient × input of the held-out sevens, as they are and with the stripe stuck. */
    private static List<float[]> normal;
    private static List<float[]> striped;

    @BeforeAll
    static void explainTheSevens() {
        LabelledRows digits;
        try (InputStream in = dev.stabilis.demo.DemoPools.class.getResourceAsStream("digits-heldout.csv")) {
            digits = LabelledRows.readCsv(in, "digits-heldout.csv", false, 1 / 16.0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (GraphModel model = GraphModel.load(OnnxImporter.read(Path.of("..", "models", "digits", "1", "model.onnx")), Device.cpu(),
                DataType.FLOAT32)) {
            Attributor attributor = new Attributor(model, new GradientTimesInput());
            List<Explanation> plain = attributor.explain(digits.features(), null);
            float[][] sevens = new float[plain.size()][];
            int n = 0;
            for (int i = 0; i < plain.size(); i++) {
                if (plain.get(i).predicted() == SEVEN) {
                    sevens[n++] = digits.features()[i];
                }
            }
            sevens = java.util.Arrays.copyOf(sevens, n);
            normal = attributionsPredicting(attributor.explain(sevens, null));
            float[][] stuck = new float[n][];
            for (int i = 0; i < n; i++) {
                stuck[i] = withStuckStripe(sevens[i]);
            }
            striped = attributionsPredicting(attributor.explain(stuck, null));
        }
        assertThat(normal).as("held-out sevens").hasSizeGreaterThan(30);
        assertThat(striped).as("sevens with the stripe still predicted 7").hasSizeGreaterThan(30);
    }

    @Test
    void stableTrafficIsJudgedEveryWindowAndNeverDrifts() {
        DetectHarness detect = new DetectHarness(SETTINGS);
        try {
            for (int w = 0; w < 12; w++) {
                detect.send(window(w, normal));
            }
            detect.send(closer(12));

            assertThat(detect.alerts()).isEmpty();
            assertThat(detect.heardDriftScores).as("windows 3 to 11 judged after the warm-up").hasSize(9)
                    .allSatisfy(score -> {
                        assertThat(score.predictedClass()).isEqualTo(SEVEN);
                        assertThat(score.ndcg()).isGreaterThanOrEqualTo(0.9);
                        assertThat(score.kendallTau()).isGreaterThanOrEqualTo(0.2);
                    });
        } finally {
            detect.close();
        }
        assertThat(detect.heardDriftReleased).as("its scores are no longer this process's once the task closes").containsExactly("digits/1/7");
    }

    @Test
    void aStuckStripeFiresExactlyOneDriftNamingTheStripePixelsAndNormalTrafficResolvesIt() {
        try (DetectHarness detect = new DetectHarness(SETTINGS)) {
            for (int w = 0; w < 5; w++) {
                detect.send(window(w, normal));
            }
            detect.send(window(5, striped));
            detect.send(window(6, striped));
            detect.send(window(7, normal));
            detect.send(closer(8));

            List<JsonNode> alerts = detect.alerts();
            assertThat(alerts).extracting(a -> a.get("kind").asText() + "/" + a.get("status").asText())
                    .containsExactly("ATTRIBUTION_DRIFT/firing", "ATTRIBUTION_DRIFT/resolved");
            ContractSchemas.ALERT.assertValid(alerts);

            JsonNode firing = alerts.get(0);
            assertThat(firing.get("class").asInt()).isEqualTo(SEVEN);
            assertThat(firing.get("window").get("start").asText()).isEqualTo(Rfc3339.of(T0 + 5 * SECOND));
            assertThat(firing.get("startsAt").asText()).isEqualTo(Rfc3339.of(T0 + 5 * SECOND));
            assertThat(firing.get("observedMetric").asText()).isEqualTo("attribution_ndcg");
            assertThat(firing.get("count").asInt()).isEqualTo(PER_WINDOW);
            JsonNode drift = firing.get("attributionDrift");
            assertThat(drift.get("method").asText()).isEqualTo(METHOD);
            assertThat(drift.get("k").asInt()).isEqualTo(10);
            assertThat(drift.get("baselineWindows").asInt()).isEqualTo(5);
            assertThat(drift.get("ndcg").asDouble()).isLessThan(0.9).isEqualTo(firing.get("observed").asDouble());
            List<Integer> entered = new ArrayList<>();
            drift.get("moved").forEach(m -> {
                if (m.get("rank").asInt() <= 10 && m.get("baselineRank").asInt() > 10) {
                    entered.add(m.get("index").asInt());
                }
            });
            List<Integer> stripe = entered.stream().filter(f -> f % 8 >= 6).toList();
            assertThat(stripe).as("stripe pixels among the features that moved into the top 10, %s", entered).hasSizeGreaterThanOrEqualTo(5)
                    .hasSizeGreaterThan(entered.size() * 2 / 3);
            assertThat(drift.get("moved").get(0).get("index").asInt() % 8).as("column of the feature that moved most").isGreaterThanOrEqualTo(6);
            assertThat(firing.get("description").asText()).contains("nDCG@10").contains("moved:");

            JsonNode resolved = alerts.get(1);
            assertThat(resolved.get("fingerprint").asText()).isEqualTo(firing.get("fingerprint").asText());
            assertThat(resolved.get("endsAt").asText()).as("end of the last stuck window").isEqualTo(Rfc3339.of(T0 + 7 * SECOND));
            assertThat(resolved.get("attributionDrift").get("ndcg").asDouble()).isGreaterThanOrEqualTo(0.9);
        }
    }

    @Test
    void samplesWithoutAttributionsOfTheMethodAreNotCounted() {
        try (DetectHarness detect = new DetectHarness(SETTINGS)) {
            for (int w = 0; w < 6; w++) {
                List<ExplanationJson> samples = new ArrayList<>();
                for (int i = 0; i < PER_WINDOW; i++) {
                    samples.add(sample("s-" + w + "-" + i).predicted(SEVEN).at(T0 + w * SECOND + i)
                            .attribution("saliency", normal.get(i % normal.size())));
                }
                detect.send(samples);
            }
            detect.send(closer(6));
            assertThat(detect.alerts()).isEmpty();
            assertThat(detect.heardDriftScores).as("no " + METHOD + " vectors, nothing to judge").isEmpty();
        }
    }

    /** The two rightmost columns of the 8 × 8 image at full intensity. */
    private static float[] withStuckStripe(float[] digit) {
        float[] out = digit.clone();
        for (int row = 0; row < 8; row++) {
            out[row * 8 + 6] = 1f;
            out[row * 8 + 7] = 1f;
        }
        return out;
    }

    private static List<float[]> attributionsPredicting(List<Explanation> explanations) {
        return explanations.stream().filter(e -> e.predicted() == SEVEN).map(Explanation::attribution).toList();
    }

    /** Window w: {@value #PER_WINDOW} samples predicted 7, drawn from the pool with a seed of the window's own. */
    private static List<ExplanationJson> window(int w, List<float[]> pool) {
        Random random = new Random(w);
        List<ExplanationJson> samples = new ArrayList<>();
        for (int i = 0; i < PER_WINDOW; i++) {
            samples.add(sample("w" + w + "-" + i).predicted(SEVEN).at(T0 + w * SECOND + i)
                    .attribution(METHOD, pool.get(random.nextInt(pool.size()))));
        }
        return samples;
    }

    /** A sample in window w without attributions: it only moves the watermark, which closes the windows before w. */
    private static ExplanationJson closer(int w) {
        return sample("closer-" + w).predicted(SEVEN).at(T0 + w * SECOND);
    }
}
