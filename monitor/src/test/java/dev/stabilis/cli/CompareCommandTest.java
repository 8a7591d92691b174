package dev.stabilis.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stabilis.engine.GraphModel;
import dev.stabilis.onnx.OnnxImporter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code stabilis compare} on the ReLU and softplus(β = 5) digits fixtures and the held-out digits. */
class CompareCommandTest {

    private static final Path FIXTURES = Path.of("..", "model-runner", "src", "test", "resources", "fixtures");
    private static final Path RELU = FIXTURES.resolve("digits_mlp_relu");
    private static final Path SOFTPLUS = FIXTURES.resolve("digits_mlp_softplus");
    private static final Path HELD_OUT = Path.of("src", "main", "resources", "dev", "stabilis", "demo", "digits-heldout.csv");
    private static final int ROWS = 24;
    private static final double[] EPSILONS = {0.001, 0.002, 0.005};

    private static JsonNode report;

    @TempDir
    Path dir;

    @BeforeAll
    static void compareReluWithSoftplus() {
        CliRun run = CliRun.stabilis("compare", "--data", HELD_OUT.toString(), "--feature-scale", "0.0625", "--rows",
                Integer.toString(ROWS), "--model", "relu=" + RELU, "--model", "softplus=" + SOFTPLUS, "--epsilon", "0.001,0.002,0.005",
                "--k", "5", "--json", "--device", "cpu");
        assertThat(run.code()).as(run.err()).isZero();
        report = run.json();
    }

    @Test
    void reportsEveryModelAtEveryEpsilonInTheOrderGiven() {
        assertThat(report.get("samples").asInt()).isEqualTo(ROWS);
        assertThat(report.get("k").asInt()).isEqualTo(5);
        assertThat(report.get("models")).hasSize(2);
        assertThat(report.get("models").get(0).get("label").asText()).isEqualTo("relu");
        assertThat(report.get("models").get(1).get("label").asText()).isEqualTo("softplus");
        for (JsonNode model : report.get("models")) {
            assertThat(model.get("model").asText()).endsWith("model.onnx");
            assertThat(model.get("perEpsilon")).hasSize(EPSILONS.length);
            for (int e = 0; e < EPSILONS.length; e++) {
                assertThat(model.get("perEpsilon").get(e).get("epsilon").asDouble()).isEqualTo(EPSILONS[e]);
            }
        }
    }

    @Test
    void accuracyIsTheFractionOfRowsWhoseArgmaxIsTheLabel() throws IOException {
        List<String> lines = Files.readAllLines(HELD_OUT).subList(0, ROWS);
        float[] flat = new float[ROWS * 64];
        int[] labels = new int[ROWS];
        for (int r = 0; r < ROWS; r++) {
            String[] fields = lines.get(r).split(",");
            for (int i = 0; i < 64; i++) {
                flat[r * 64 + i] = Integer.parseInt(fields[i]) / 16f;
            }
            labels[r] = Integer.parseInt(fields[64]);
        }
        Path[] models = {RELU, SOFTPLUS};
        for (int m = 0; m < models.length; m++) {
            long[] predicted;
            try (GraphModel model = GraphModel.load(OnnxImporter.read(models[m].resolve("model.onnx")), Device.cpu(), DataType.FLOAT32);
                    NDManager batch = model.manager().newSubManager()) {
                predicted = model.logits(batch.create(flat, new Shape(ROWS, 64))).argMax(1).toLongArray();
            }
            int correct = 0;
            for (int r = 0; r < ROWS; r++) {
                correct += predicted[r] == labels[r] ? 1 : 0;
            }
            assertThat(report.get("models").get(m).get("accuracy").asDouble()).as(models[m].toString())
                    .isEqualTo((double) correct / ROWS);
        }
    }

    @Test
    void fractionsAreConsistentWithEachOtherAndWithTheBox() {
        for (JsonNode model : report.get("models")) {
            double previous = 1;
            for (JsonNode at : model.get("perEpsilon")) {
                double certified = at.get("certifiedTopk").asDouble();
                double success = at.get("attackSuccess").asDouble();
                double intersection = at.get("meanTopkIntersection").asDouble();
                assertThat(certified).as("certified fraction is non-increasing in ε").isBetween(0.0, previous);
                previous = certified;
                assertThat(success).as("no certified sample can be attacked").isBetween(0.0, 1 - certified);
                // a success keeps at most k - 1 of the k features, a failure keeps all k
                assertThat(intersection).isBetween(1 - success, 1 - success / 5 + 1e-12);
                assertThat(Math.round(certified * ROWS) / (double) ROWS).isEqualTo(certified);
            }
            assertThat(model.get("medianRadius").asDouble()).isBetween(0.0, model.get("radiusMax").asDouble());
        }
        JsonNode relu = report.get("models").get(0).get("perEpsilon");
        assertThat(relu.get(0).get("certifiedTopk").asDouble()).as("the smallest box certifies some digits").isPositive();
        assertThat(relu.get(EPSILONS.length - 1).get("certifiedTopk").asDouble()).as("the largest certifies fewer")
                .isLessThan(relu.get(0).get("certifiedTopk").asDouble());
    }

    @Test
    void certifiedFractionAndMedianRadiusAgreeWithStabilisCertify() throws IOException {
        List<float[]> rows = new ArrayList<>();
        for (String line : Files.readAllLines(HELD_OUT).subList(0, ROWS)) {
            String[] fields = line.split(",");
            float[] row = new float[64];
            for (int i = 0; i < 64; i++) {
                row[i] = Integer.parseInt(fields[i]) / 16f;
            }
            rows.add(row);
        }
        Path payload = dir.resolve("rows.json");
        Files.writeString(payload, new ObjectMapper().writeValueAsString(java.util.Map.of("instances", rows)));
        CliRun certify = CliRun.stabilis("certify", "--model", SOFTPLUS.toString(), "--input", payload.toString(), "--epsilon",
                "0.002", "--k", "5", "--radius", "--device", "cpu");
        assertThat(certify.code()).as(certify.err()).isZero();
        JsonNode summary = certify.json().get("summary");
        JsonNode softplus = report.get("models").get(1);
        assertThat(softplus.get("perEpsilon").get(1).get("certifiedTopk").asDouble())
                .isEqualTo(summary.get("topkCertified").asDouble() / ROWS);
        assertThat(softplus.get("medianRadius").asDouble()).isCloseTo(summary.get("medianRadius").asDouble(), within(1e-12));
    }

    @Test
    void eachMethodIsARowAndLinearCertifiesAtLeastWhatIntervalDoes() {
        CliRun run = CliRun.stabilis("compare", "--data", HELD_OUT.toString(), "--feature-scale", "0.0625", "--rows", "16",
                "--model", "relu=" + RELU, "--method", "interval,linear", "--epsilon", "0.005", "--json", "--device", "cpu");
        assertThat(run.code()).as(run.err()).isZero();
        JsonNode models = run.json().get("models");
        assertThat(models).hasSize(2);
        assertThat(models.get(0).get("method").asText()).isEqualTo("interval");
        assertThat(models.get(1).get("method").asText()).isEqualTo("linear");
        assertThat(models.get(1).get("perEpsilon").get(0).get("certifiedTopk").asDouble())
                .isGreaterThanOrEqualTo(models.get(0).get("perEpsilon").get(0).get("certifiedTopk").asDouble());
        assertThat(models.get(1).get("medianRadius").asDouble()).isGreaterThan(models.get(0).get("medianRadius").asDouble());
        CliRun smoothing = CliRun.stabilis("compare", "--data", HELD_OUT.toString(), "--model", RELU.toString(), "--method", "smoothing");
        assertThat(smoothing.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(smoothing.errorLine()).contains("--method values must be interval or linear, got 'smoothing'");
    }

    @Test
    void theDefaultOutputIsAMarkdownTableWithOneLinePerModelAndEpsilon() {
        CliRun run = CliRun.stabilis("compare", "--data", HELD_OUT.toString(), "--feature-scale", "0.0625", "--rows", "6",
                "--model", "relu=" + RELU, "--model", SOFTPLUS.toString(), "--epsilon", "0.001,0.01", "--device", "cpu");
        assertThat(run.code()).as(run.err()).isZero();
        List<String> table = run.out().lines().filter(l -> l.startsWith("|")).toList();
        assertThat(table).hasSize(2 + 4);
        assertThat(table.get(0)).isEqualTo("| Model | Method | Accuracy | Median certified radius | ε | Certified top-5 | Attack success "
                + "| Mean top-5 ∩ under attack |");
        assertThat(cells(table.get(2))).startsWith("relu", "interval").contains("0.001");
        assertThat(cells(table.get(3)).get(0)).as("model cells only on its first line").isEmpty();
        assertThat(cells(table.get(3)).get(4)).isEqualTo("0.01");
        assertThat(cells(table.get(4)).get(0)).isEqualTo(SOFTPLUS.toString());
        for (String line : table.subList(2, table.size())) {
            for (String fraction : cells(line).subList(5, 8)) {
                assertThat(Double.parseDouble(fraction)).isBetween(0.0, 1.0);
            }
        }
        assertThat(run.out()).startsWith("6 samples of " + HELD_OUT);
    }

    @Test
    void badArgumentsAndDataGiveAClearErrorAndAUsageExitCode() throws IOException {
        CliRun negative = CliRun.stabilis("compare", "--data", HELD_OUT.toString(), "--model", RELU.toString(), "--epsilon", "0.001,-1");
        assertThat(negative.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(negative.errorLine()).contains("--epsilon values must be finite numbers >= 0, got -1.0");
        CliRun missing = CliRun.stabilis("compare", "--data", dir.resolve("none.csv").toString(), "--model", RELU.toString());
        assertThat(missing.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(missing.errorLine()).contains("none.csv: no such file");
        Path cancer = Path.of("..", "tools", "fixtures", "data", "breast_cancer.csv");
        CliRun wrongData = CliRun.stabilis("compare", "--data", cancer.toString(), "--header", "--model", RELU.toString(), "--device", "cpu");
        assertThat(wrongData.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(wrongData.errorLine()).contains("the data has 30 features per sample").contains("expects 64");
        Path badLabel = Files.writeString(dir.resolve("label.csv"), "0,".repeat(64) + "10\n");
        CliRun label = CliRun.stabilis("compare", "--data", badLabel.toString(), "--model", RELU.toString(), "--device", "cpu");
        assertThat(label.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(label.errorLine()).contains("sample 0 has class 10").contains("has 10 classes");
        CliRun k = CliRun.stabilis("compare", "--data", HELD_OUT.toString(), "--model", RELU.toString(), "--k", "65", "--device", "cpu");
        assertThat(k.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(k.errorLine()).contains("k = 65 exceeds the 64 features");
    }

    private static List<String> cells(String line) {
        String[] parts = line.split("\\|", -1);
        List<String> out = new ArrayList<>();
        for (int i = 1; i < parts.length - 1; i++) {
            out.add(parts[i].strip());
        }
        return out;
    }
}
