package dev.stabilis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class AttackCommandTest {

    private static final String DEMO = Path.of("..", "models", "digits", "1").toString();
    private static final String PAYLOAD = Path.of("..", "examples", "digits-v2.json").toString();

    @Test
    void printsTheStrongestManipulationPerSampleWithItsMetrics() throws Exception {
        CliRun run = CliRun.stabilis("attack", "--model", DEMO, "--input", PAYLOAD, "--epsilon", "0.1", "--method", "topk",
                "--k", "5", "--device", "cpu");
        assertThat(run.code()).as(run.err()).isZero();
        JsonNode root = run.json();
        assertThat(root.get("method").asText()).isEqualTo("topk");
        assertThat(root.get("results")).hasSize(3);
        for (JsonNode r : root.get("results")) {
            assertThat(r.get("adversarial")).hasSize(64);
            assertThat(r.get("attribution")).hasSize(64);
            assertThat(r.get("adversarialAttribution")).hasSize(64);
            assertThat(r.get("adversarialPredicted").asInt()).isEqualTo(r.get("predicted").asInt());
            for (JsonNode x : r.get("adversarial")) {
                assertThat(x.asDouble()).isBetween(0.0, 1.0);
            }
            JsonNode m = r.get("metrics");
            assertThat(m.get("topkIntersection").asDouble()).isIn(0.0, 0.2, 0.4, 0.6, 0.8, 1.0);
            assertThat(m.get("kendallTau").asDouble()).isBetween(-1.0, 1.0);
            assertThat(m.get("spearman").asDouble()).isBetween(-1.0, 1.0);
            assertThat(m.get("cosine").asDouble()).isBetween(-1.0, 1.0);
            assertThat(m.get("relativeL2").asDouble()).isPositive();
            assertThat(r.get("success").asBoolean()).isEqualTo(m.get("topkIntersection").asDouble() < 1);
            assertThat(r.get("thickness").asDouble()).isBetween(0.0, 1.0);
        }
        assertThat(root.get("summary").get("successes").asInt()).as("ε = 0.1 moves the digits model's top 5").isPositive();
    }

    @Test
    void noiseIsTheBaselineAndAnUnknownMethodIsAUsageError() throws Exception {
        CliRun noise = CliRun.stabilis("attack", "--model", DEMO, "--input", PAYLOAD, "--epsilon", "0.05", "--method", "noise",
                "--steps", "10", "--device", "cpu");
        assertThat(noise.code()).as(noise.err()).isZero();
        assertThat(noise.json().get("results").get(0).get("stepsUsed").asInt()).isBetween(1, 10);

        CliRun unknown = CliRun.stabilis("attack", "--model", DEMO, "--input", PAYLOAD, "--method", "fgsm", "--device", "cpu");
        assertThat(unknown.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(unknown.err()).contains("unknown attack method 'fgsm'");
    }
}
