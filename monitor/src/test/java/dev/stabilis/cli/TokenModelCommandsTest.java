package dev.stabilis.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands on a model that takes token ids: model-runner's {@code token_classifier} export (ids [N, 6] → an
 * embedding lookup {@code /embed/Gather} of 16 × 8 → LayerNorm, GELU, mean over tokens → 3 logits; its
 * {@code stabilis.yaml} names the lookup as {@code input.embedding}). A payload holds the ids; explain answers one
 * attribution per token, the sum of its embedding row's, checked against torch autograd at the embedding output
 * ({@code reference.json}, written by tools/fixtures/make_exports.py). Certification and attacks refuse the model.
 */
class TokenModelCommandsTest {

    private static final Path MODEL = Path.of("..", "model-runner", "src", "test", "resources", "exports", "token_classifier");
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int TOKENS = 6;
    private static final int DIMENSION = 8;

    @TempDir
    static Path tmp;

    private static JsonNode samples;
    private static Path payload;

    @BeforeAll
    static void writeTheReferenceIdsAsAnOpenInferencePayload() throws IOException {
        samples = JSON.readTree(MODEL.resolve("reference.json").toFile()).get("samples");
        payload = ids(samples);
    }

    @Test
    void saliencyGivesEachTokenTheSumOfTorchsGradientOverItsEmbeddingRow() {
        JsonNode results = explain(payload, "saliency");

        assertThat(results.size()).isEqualTo(samples.size());
        for (int s = 0; s < samples.size(); s++) {
            JsonNode sample = samples.get(s);
            JsonNode r = results.get(s);
            double[] gradient = doubles(sample.get("gradient"));
            double scale = maxAbs(gradient);
            assertThat(r.path("predicted").asInt()).isEqualTo(sample.get("predicted").asInt());
            double[] logits = doubles(sample.get("logits"));
            for (int c = 0; c < logits.length; c++) {
                assertThat(r.path("logits").get(c).asDouble()).as("sample %d logit %d", s, c).isCloseTo(logits[c], within(1e-5));
            }
            assertThat(r.path("embeddingAttribution").size()).isEqualTo(TOKENS * DIMENSION);
            for (int i = 0; i < gradient.length; i++) {
                assertThat(r.path("embeddingAttribution").get(i).asDouble()).as("sample %d, ∂s/∂e[%d]", s, i)
                        .isCloseTo(gradient[i], within(1e-4 * scale));
            }
            assertThat(r.path("attribution").size()).isEqualTo(TOKENS);
            for (int t = 0; t < TOKENS; t++) {
                double row = 0;
                for (int j = 0; j < DIMENSION; j++) {
                    row += gradient[t * DIMENSION + j];
                }
                assertThat(r.path("attribution").get(t).asDouble()).as("sample %d, token %d", s, t).isCloseTo(row, within(1e-4 * scale));
            }
        }
    }

    @Test
    void gradientTimesInputMultipliesTorchsGradientByTheTokensEmbeddingBeforeSummingTheRow() {
        JsonNode results = explain(payload, "gradxinput");

        for (int s = 0; s < samples.size(); s++) {
            double[] gradient = doubles(samples.get(s).get("gradient"));
            double[] embedding = doubles(samples.get(s).get("embedding"));
            double scale = 0;
            for (int i = 0; i < gradient.length; i++) {
                scale = Math.max(scale, Math.abs(gradient[i] * embedding[i]));
            }
            for (int t = 0; t < TOKENS; t++) {
                double row = 0;
                for (int j = 0; j < DIMENSION; j++) {
                    row += gradient[t * DIMENSION + j] * embedding[t * DIMENSION + j];
                }
                assertThat(results.get(s).path("attribution").get(t).asDouble()).as("sample %d, token %d", s, t)
                        .isCloseTo(row, within(1e-4 * scale));
            }
        }
    }

    @Test
    void integratedGradientsPerTokenSumToTheScoreChangeFromTheZeroEmbedding() {
        JsonNode results = CliRun.stabilis("explain", "--model", MODEL.toString(), "--input", payload.toString(), "--method", "ig",
                "--steps", "64", "--device", "cpu").json().path("results");

        assertThat(results.size()).isEqualTo(samples.size());
        for (JsonNode r : results) {
            double total = 0;
            for (JsonNode value : r.path("attribution")) {
                total += value.asDouble();
            }
            double delta = r.path("scoreDelta").asDouble();
            assertThat(r.has("completenessGap")).isTrue();
            assertThat(Math.abs(total - delta)).as("Σ per-token IG against s(x) − s(0)").isLessThan(0.01 * Math.abs(delta));
        }
    }

    @Test
    void anIdOutsideTheVocabularyIsBadInputNamingTheSampleAndToken() throws IOException {
        Path bad = tmp.resolve("bad.json");
        Files.writeString(bad, "{\"inputs\": [{\"name\": \"input_ids\", \"shape\": [2, 6], \"datatype\": \"INT64\","
                + " \"data\": [0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 99]}]}");
        CliRun run = CliRun.stabilis("explain", "--model", MODEL.toString(), "--input", bad.toString(), "--device", "cpu");

        assertThat(run.code()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.errorLine()).contains("sample 1: token 5 has id 99.0, not a whole number in [-16, 16)");
    }

    @Test
    void aSampleOfEmbeddingWidthIsRefusedNamingTheNumberOfTokens() throws IOException {
        Path wide = tmp.resolve("wide.json");
        Files.writeString(wide, "{\"features\": [" + "0, ".repeat(TOKENS * DIMENSION - 1) + "0]}");
        CliRun run = CliRun.stabilis("explain", "--model", MODEL.toString(), "--input", wide.toString(), "--device", "cpu");

        assertThat(run.code()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.errorLine()).contains("sample 0 has 48 features, the model expects 6");
    }

    @Test
    void certificationAndAttacksRefuseTheModelNamingItsLookupRatherThanPerturbEmbeddingCoordinates() {
        for (String command : new String[] {"certify", "attack"}) {
            CliRun run = CliRun.stabilis(command, "--model", MODEL.toString(), "--input", payload.toString(), "--device", "cpu");

            assertThat(run.code()).as(command).isEqualTo(ExitCodes.BAD_MODEL);
            assertThat(run.errorLine()).as(command)
                    .contains("takes token ids (input 'input_ids' through embedding lookup '/embed/Gather')")
                    .contains("on token models, only attributions (stabilis explain)");
        }
    }

    private static JsonNode explain(Path input, String method) {
        CliRun run = CliRun.stabilis("explain", "--model", MODEL.toString(), "--input", input.toString(), "--method", method,
                "--device", "cpu");
        assertThat(run.code()).as("exit code of explain --method %s; stderr: %s", method, run.err()).isEqualTo(ExitCodes.OK);
        return run.json().path("results");
    }

    /** The samples' ids as an Open Inference Protocol V2 INT64 tensor. */
    private static Path ids(JsonNode samples) throws IOException {
        ObjectNode tensor = JSON.createObjectNode().put("name", "input_ids").put("datatype", "INT64");
        tensor.putArray("shape").add(samples.size()).add(TOKENS);
        ArrayNode data = tensor.putArray("data");
        for (JsonNode sample : samples) {
            sample.get("ids").forEach(id -> data.add(id.asLong()));
        }
        ObjectNode root = JSON.createObjectNode();
        root.putArray("inputs").add(tensor);
        Path file = tmp.resolve("ids.json");
        JSON.writeValue(file.toFile(), root);
        return file;
    }

    private static double[] doubles(JsonNode array) {
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asDouble();
        }
        return out;
    }

    private static double maxAbs(double[] values) {
        double max = 0;
        for (double v : values) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }
}
