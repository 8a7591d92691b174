package dev.stabilis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * {@code stabilis explain} as a specification, run in-process against the shipped demo model
 * ({@code models/digits/1}, a 64-128-128-10 ReLU MLP) and the shipped example payloads.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExplainCommandTest {

    private static final Path MODEL = Path.of("..", "models", "digits", "1");
    private static final Path EXAMPLES = Path.of("..", "examples");
    private static final int FEATURES = 64;
    private static final int CLASSES = 10;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** Successful runs shared between tests, so the model is loaded once per (payload, method). */
    private final Map<String, CliRun> runs = new HashMap<>();

    @TempDir
    Path tmp;



    private CliRun explained(String example, String method) {
        return runs.computeIfAbsent(example + "/" + method, k -> {
            CliRun run = CliRun.stabilis("explain", "--model", MODEL.toString(), "--input", EXAMPLES.resolve(example).toString(),
                    "--method", method, "--device", "cpu");
            assertThat(run.code()).as("exit code of explain %s --method %s; stderr: %s", example, method, run.err())
                    .isEqualTo(ExitCodes.OK);
            return run;
        });
    }

    private static float[] floats(JsonNode array) {
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).floatValue();
        }
        return out;
    }

    private static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

    /** The rows of an example payload, as the command saw them. */
    private static float[][] rowsOf(String example) throws IOException {
        var payload = new dev.stabilis.ingest.PayloadParser(1 << 20).parse(Files.readAllBytes(EXAMPLES.resolve(example)));
        return payload.rows().toArray(float[][]::new);
    }

    private Path payloadFile(String json) throws IOException {
        Path file = Files.createTempFile(tmp, "payload", ".json");
        Files.writeString(file, json);
        return file;
    }

    private static String features(int count, String first) {
        StringBuilder sb = new StringBuilder("{\"features\": [").append(first);
        for (int i = 1; i < count; i++) {
            sb.append(", 0.5");
        }
        return sb.append("]}").toString();
    }

    static Stream<Arguments> examplesAndMethods() {
        return Stream.of(Arguments.of("digits-v2.json", 3), Arguments.of("digits-v1.json", 2),
                Arguments.of("digits-plain.json", 1)).flatMap(e -> Stream.of("saliency", "gradxinput", "ig", "smoothgrad")
                .map(m -> Arguments.of(e.get()[0], e.get()[1], m)));
    }

    // ---- successful explanations -------------------------------------------------------------------------------

    @ParameterizedTest(name = "{0} --method {2}")
    @MethodSource("examplesAndMethods")
    void explainsEverySampleOfEveryExamplePayloadWithEveryMethod(String example, int samples, String method) {
        JsonNode root = explained(example, method).json();

        assertThat(root.path("model").asText()).endsWith("model.onnx");
        assertThat(root.path("device").asText()).isNotBlank();
        JsonNode results = root.path("results");
        assertThat(results.size()).isEqualTo(samples);
        for (int i = 0; i < samples; i++) {
            JsonNode r = results.get(i);
            assertThat(r.path("index").asInt()).isEqualTo(i);
            assertThat(r.path("method").asText()).isEqualTo(method);
            float[] logits = floats(r.path("logits"));
            float[] attribution = floats(r.path("attribution"));
            assertThat(logits).hasSize(CLASSES);
            assertThat(attribution).hasSize(FEATURES);
            for (float a : attribution) {
                assertThat(Float.isFinite(a)).as("attribution is finite").isTrue();
            }
            assertThat(r.path("predicted").asInt()).as("predicted is the argmax of the logits").isEqualTo(argmax(logits));
            assertThat(r.path("target").asInt()).as("target defaults to the predicted class")
                    .isEqualTo(r.path("predicted").asInt());
            assertThat(r.has("completenessGap")).as("completenessGap only for ig").isEqualTo(method.equals("ig"));
            assertThat(r.has("scoreDelta")).as("scoreDelta only for ig").isEqualTo(method.equals("ig"));
        }
    }

    @Test
    void carriesThePayloadIdIntoTheOutput() {
        assertThat(explained("digits-v2.json", "saliency").json().path("id").asText()).isEqualTo("demo-1");
        assertThat(explained("digits-plain.json", "saliency").json().path("id").asText()).isEqualTo("demo-2");
    }

    @Test
    void integratedGradientsNearlySatisfiesCompleteness() {
        for (String example : new String[] {"digits-v2.json", "digits-v1.json", "digits-plain.json"}) {
            for (JsonNode r : explained(example, "ig").json().path("results")) {
                double gap = r.path("completenessGap").asDouble();
                double delta = r.path("scoreDelta").asDouble();
                double sum = 0;
                for (float a : floats(r.path("attribution"))) {
                    sum += a;
                }
                assertThat(delta).as("score delta of %s", example).isNotZero();
                assertThat(Math.abs(gap)).as("|gap| of %s", example).isLessThan(0.01 * Math.abs(delta));
                assertThat(sum - delta).as("gap is Σ attribution − scoreDelta").isCloseTo(gap,
                        org.assertj.core.data.Offset.offset(1e-3 * Math.max(1, Math.abs(delta))));
            }
        }
    }

    @Test
    void explainsTheRequestedTargetClass() {
        CliRun run = CliRun.stabilis("explain", "--model", MODEL.toString(), "--input", EXAMPLES.resolve("digits-v2.json").toString(),
                "--target", "3", "--device", "cpu");

        assertThat(run.code()).as(run.err()).isEqualTo(ExitCodes.OK);
        JsonNode results = run.json().path("results");
        assertThat(results.size()).isEqualTo(3);
        JsonNode byPredicted = explained("digits-v2.json", "saliency").json().path("results");
        for (int i = 0; i < results.size(); i++) {
            JsonNode r = results.get(i);
            assertThat(r.path("target").asInt()).isEqualTo(3);
            assertThat(r.path("predicted").asInt()).isEqualTo(argmax(floats(r.path("logits"))));
            if (byPredicted.get(i).path("predicted").asInt() != 3) {
                assertThat(floats(r.path("attribution"))).as("class 3's gradient differs from the predicted class's")
                        .isNotEqualTo(floats(byPredicted.get(i).path("attribution")));
            }
        }
    }

    @Test
    void gradientTimesInputIsSaliencyTimesTheInput() throws IOException {
        float[][] rows = rowsOf("digits-v2.json");
        JsonNode saliency = explained("digits-v2.json", "saliency").json().path("results");
        JsonNode gradxinput = explained("digits-v2.json", "gradxinput").json().path("results");

        for (int i = 0; i < rows.length; i++) {
            float[] s = floats(saliency.get(i).path("attribution"));
            float[] g = floats(gradxinput.get(i).path("attribution"));
            for (int j = 0; j < FEATURES; j++) {
                assertThat(g[j]).as("sample %d feature %d", i, j).isCloseTo(s[j] * rows[i][j],
                        org.assertj.core.data.Offset.offset(1e-5f + 1e-4f * Math.abs(s[j] * rows[i][j])));
            }
        }
    }

    @Test
    void readsThePayloadFromStandardInputWhenInputIsDash() throws IOException {
        byte[] payload = Files.readAllBytes(EXAMPLES.resolve("digits-v1.json"));
        InputStream stdin = System.in;
        CliRun run;
        try {
            System.setIn(new ByteArrayInputStream(payload));
            run = CliRun.stabilis("explain", "--model", MODEL.toString(), "--input", "-", "--device", "cpu");
        } finally {
            System.setIn(stdin);
        }

        assertThat(run.code()).as(run.err()).isEqualTo(ExitCodes.OK);
        JsonNode fromFile = explained("digits-v1.json", "saliency").json();
        assertThat(run.json().path("results")).isEqualTo(fromFile.path("results"));
    }

    // ---- rejected input: exit 3 --------------------------------------------------------------------------------

    @Test
    void rejectsAPayloadHoldingNaNWithExitThreeAndOneErrorLine() throws IOException {
        Path payload = payloadFile(features(FEATURES, "NaN"));

        CliRun run = CliRun.stabilis("explain", "--model", MODEL.toString(), "--input", payload.toString());

        assertThat(run.code()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.out()).isEmpty();
        assertThat(run.errorLine()).startsWith("stabilis:").contains("non-finite");
    }

    @Test
    void rejectsAPayloadWithTooFewFeaturesWithExitThreeNamingTheModelsWidth() throws IOException {
        Path payload = payloadFile(features(3, "0.5"));

        CliRun run = CliRun.stabilis("explain", "--model", MODEL.toString(), "--input", payload.toString(), "--device", "cpu");

        assertThat(run.code()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.errorLine()).startsWith("stabilis:").contains("3 features").contains("64");
    }

    @Test
    void rejectsMalformedJsonOnStandardInputWithExitThree() {
        InputStream stdin = System.in;
        CliRun run;
        try {
            System.setIn(new ByteArrayInputStream("{\"instances\": [[0.5,".getBytes(StandardCharsets.UTF_8)));
            run = CliRun.stabilis("explain", "--model", MODEL.toString(), "--input", "-");
        } finally {
            System.setIn(stdin);
        }

        assertThat(run.code()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.errorLine()).startsWith("stabilis:").contains("not valid JSON");
    }

    // ---- bad model or policy: exit 4 ---------------------------------------------------------------------------

    @Test
    void rejectsAModelPathThatDoesNotExistWithExitFour() {
        Path missing = tmp.resolve("no-such-model");

        CliRun run = CliRun.stabilis("explain", "--model", missing.toString(), "--input",
                EXAMPLES.resolve("digits-plain.json").toString());

        assertThat(run.code()).isEqualTo(ExitCodes.BAD_MODEL);
        assertThat(run.errorLine()).startsWith("stabilis:").contains("no-such-model");
    }

    @Test
    void rejectsACorruptModelFileWithExitFour() throws IOException {
        Path dir = Files.createDirectory(tmp.resolve("corrupt"));
        byte[] garbage = new byte[4096];
        new Random(20240611L).nextBytes(garbage);
        Files.write(dir.resolve("model.onnx"), garbage);

        CliRun run = CliRun.stabilis("explain", "--model", dir.toString(), "--input", EXAMPLES.resolve("digits-plain.json").toString());

        assertThat(run.code()).isEqualTo(ExitCodes.BAD_MODEL);
        assertThat(run.errorLine()).startsWith("stabilis:").contains("not a valid ONNX model");
    }

    @Test
    void rejectsAPolicyWithAnUnknownKeyWithExitFourNamingTheFileAndKey() throws IOException {
        Path dir = Files.createDirectory(tmp.resolve("typo"));
        Files.copy(MODEL.resolve("model.onnx"), dir.resolve("model.onnx"));
        Files.writeString(dir.resolve("stabilis.yaml"), "attribution: {stepz: 3}\n");

        CliRun run = CliRun.stabilis("explain", "--model", dir.toString(), "--input", EXAMPLES.resolve("digits-plain.json").toString());

        assertThat(run.code()).isEqualTo(ExitCodes.BAD_MODEL);
        assertThat(run.errorLine()).startsWith("stabilis:").contains("stabilis.yaml").contains("stepz");
    }

    // ---- usage errors: exit 2 ----------------------------------------------------------------------------------

    @Test
    void rejectsAnUnknownMethodWithExitTwo() {
        CliRun run = CliRun.stabilis("explain", "--model", MODEL.toString(), "--input",
                EXAMPLES.resolve("digits-plain.json").toString(), "--method", "lime", "--device", "cpu");

        assertThat(run.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.errorLine()).startsWith("stabilis:").contains("lime");
    }

    @Test
    void rejectsAMissingModelOptionWithPicocliUsageAndExitTwo() {
        CliRun run = CliRun.stabilis("explain", "--input", EXAMPLES.resolve("digits-plain.json").toString());

        assertThat(run.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.err()).contains("--model").contains("Usage:");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void rejectsAnInputFileThatDoesNotExistWithExitTwo() {
        CliRun run = CliRun.stabilis("explain", "--model", MODEL.toString(), "--input", tmp.resolve("absent.json").toString());

        assertThat(run.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.errorLine()).startsWith("stabilis:").contains("absent.json");
    }

    @Test
    void rejectsZeroIntegratedGradientsStepsWithExitTwo() {
        CliRun run = CliRun.stabilis("explain", "--model", MODEL.toString(), "--input",
                EXAMPLES.resolve("digits-plain.json").toString(), "--method", "ig", "--steps", "0");

        assertThat(run.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.errorLine()).startsWith("stabilis:").contains("--steps");
    }
}
