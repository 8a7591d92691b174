package dev.stabilis.service;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.stabilis.contract.ContractSchemas;
import dev.stabilis.contract.Explanation;
import dev.stabilis.contract.Sample;
import dev.stabilis.model.ModelRepository;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runner certifies each model the way its policy's {@code certification.method} says, and its explanation
 * records say which method and which ε every certificate speaks about, conforming to the published schema: linear
 * bounds on the demo ONNX model, smoothing on the same model and on a TorchScript model, which has no graph. Under
 * the policy's {@code sampling}, the records say which analyses ran.
 */
class CertificateMethodRecordsTest {

    private static final Path DEMO = Path.of("..", "models", "digits", "1");
    private static final Path CNN = Path.of("..", "models", "digits_resnet", "1");
    private static final Path TORCHSCRIPT = Path.of("..", "model-runner", "src", "test", "resources", "fixtures",
            "digits_mlp_relu_torchscript");
    private static final PipelineOptions CERTIFY_AND_ATTACK = new PipelineOptions(false, true, false, true, 0);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void linearCertificatesNameTheirMethodAndEpsilonAndTheAttackItsOwn(@TempDir Path root) throws IOException {
        install(root, DEMO, "model.onnx", "linear");
        for (Explanation e : explain(root, "linear")) {
            assertThat(e.certificate().method()).isEqualTo("linear");
            assertThat(e.certificate().alphaSteps()).as("the default relaxations").isZero();
            assertThat(e.certificate().epsilon()).isEqualTo(0.001);
            assertThat(e.certificate().smoothed()).isNull();
            assertThat(e.certificate().maxDeviationLinf()).isNotNull();
            assertThat(e.empirical().epsilon()).as("the attack searched the certificate's box").isEqualTo(0.001);
        }
    }

    @Test
    void linearCertificatesNameTheAlphaStepsThatOptimisedTheirRelaxations(@TempDir Path root) throws IOException {
        install(root, DEMO, "model.onnx", "linear");
        Path policy = root.resolve("m/1/stabilis.yaml");
        YAMLMapper yaml = new YAMLMapper();
        ObjectNode tree = (ObjectNode) yaml.readTree(policy.toFile());
        ((ObjectNode) tree.get("certification")).putObject("linear").put("alphaSteps", 2);
        yaml.writeValue(policy.toFile(), tree);
        for (Explanation e : explain(root, "alpha")) {
            assertThat(e.certificate().method()).isEqualTo("linear");
            assertThat(e.certificate().alphaSteps()).isEqualTo(2);
        }
    }

    @Test
    void smoothingCertifiesAnOnnxModelAndRecordsTheSmoothedClaims(@TempDir Path root) throws IOException {
        install(root, DEMO, "model.onnx", "smoothing");
        for (Explanation e : explain(root, "onnx")) {
            assertSmoothed(e);
            assertThat(e.empirical()).as("attacks still run on a graph").isNotNull();
        }
    }

    @Test
    void smoothingCertifiesATorchScriptModel(@TempDir Path root) throws IOException {
        install(root, TORCHSCRIPT, "model.pt", "smoothing");
        for (Explanation e : explain(root, "torchscript")) {
            assertSmoothed(e);
            assertThat(e.empirical()).as("no graph, no attack").isNull();
        }
    }

    @Test
    void withoutAMethodInThePolicyAGraphGetsIntervalBoundsAndATorchScriptModelSmoothing(@TempDir Path root) throws IOException {
        install(root, DEMO, "model.onnx", null);
        for (Explanation e : explain(root, "onnx-default")) {
            assertThat(e.certificate().method()).isEqualTo("interval");
            assertThat(e.certificate().alphaSteps()).isNull();
        }
        Path other = Files.createDirectories(root.resolve("torchscript"));
        install(other, TORCHSCRIPT, "model.pt", null);
        for (Explanation e : explain(other, "torchscript-default")) {
            assertThat(e.certificate().method()).isEqualTo("smoothing");
            assertThat(e.certificate().smoothed().samples()).as("the policy's default draws").isEqualTo(1000);
            assertThat(e.certificate().smoothed().scale()).as("the default ball: √64 · 1/8 of the range [0, 1]").isEqualTo(1.0);
            assertThat(e.certificate().smoothed().clipNorm()).as("saliencies scaled to unit norm by default").isZero();
        }
    }

    @Test
    void withoutAMethodInThePolicyAGraphWhoseIntervalBoundsAreVacuousGetsSmoothing(@TempDir Path root) throws IOException {
        install(root, CNN, "model.onnx", null);
        for (Explanation e : explain(root, "cnn-default")) {
            assertThat(e.certificate().method()).as("the residual CNN's interval bounds are vacuous").isEqualTo("smoothing");
            assertThat(e.certificate().epsilon()).as("the policy's smoothing radius").isEqualTo(0.01);
            assertThat(e.certificate().smoothed().samples()).isEqualTo(200);
        }
    }

    @Test
    void samplingGivesTheFullAnalysisToTheSameShareOfSamplesOnEveryReplayAndSaysWhatRan(@TempDir Path root) throws IOException {
        install(root, DEMO, "model.onnx", "linear");
        Path policy = root.resolve("m/1/stabilis.yaml");
        Files.writeString(policy, Files.readString(policy) + "sampling:\n  fraction: 0.25\n");
        try (ModelPipelines pipelines = new ModelPipelines(new ModelRepository(root), Device.cpu(), CERTIFY_AND_ATTACK, 4, 1000,
                System::nanoTime, new RunnerMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), "cpu"))) {
            ModelPipeline pipeline = pipelines.get("m", "1");
            int picked = 0;
            for (int i = 0; i < 4000; i++) {
                boolean full = pipeline.fullyAnalysed("request-" + i, i % 3);
                assertThat(pipeline.fullyAnalysed("request-" + i, i % 3)).as("the same choice again").isEqualTo(full);
                picked += full ? 1 : 0;
            }
            assertThat(picked / 4000.0).isBetween(0.22, 0.28);
            float[][] rows = demoRows();
            List<Evaluation> full = pipeline.evaluate(rows);
            List<Evaluation> light = pipeline.attribute(rows);
            for (int i = 0; i < rows.length; i++) {
                Sample sample = new Sample("r", i, "m", "1", "PLAIN", rows[i], null, null, 1, 1, null, null);
                Explanation f = ExplanationRecords.of(sample, full.get(i), pipeline, false, 2, 1.0);
                Explanation l = ExplanationRecords.of(sample, light.get(i), pipeline, false, 2, 1.0);
                assertThat(f.analyses()).containsExactly("attributions", "certificate", "attack");
                assertThat(l.analyses()).containsExactly("attributions");
                assertThat(l.certificate()).isNull();
                assertThat(l.empirical()).isNull();
                assertThat(l.predicted()).isEqualTo(f.predicted());
                assertThat(l.topFeatures()).as("from the saliency attribution").hasSize(5);
                ContractSchemas.EXPLANATION.assertValid(List.of(JSON.readTree(f.toJson()), JSON.readTree(l.toJson())));
            }
        }
    }

    @Test
    void aTimeBudgetTooSmallForTheCertificateAndTheAttackSkipsThemAndTheRecordsAndMetricsSaySo(@TempDir Path root) throws IOException {
        install(root, DEMO, "model.onnx", "interval");
        Path policy = root.resolve("m/1/stabilis.yaml");
        Files.writeString(policy, Files.readString(policy) + "sampling:\n  budgetMs: 0.0001\n");
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        RunnerMetrics metrics = new RunnerMetrics(registry, "cpu");
        try (ModelPipelines pipelines = new ModelPipelines(new ModelRepository(root), Device.cpu(), CERTIFY_AND_ATTACK, 4, 1000,
                System::nanoTime, metrics)) {
            ModelPipeline pipeline = pipelines.get("m", "1");
            float[][] rows = demoRows();
            for (int round = 0; round < 2; round++) {
                List<Evaluation> evaluations = pipeline.evaluate(rows);
                for (int i = 0; i < rows.length; i++) {
                    Sample sample = new Sample("r", i, "m", "1", "PLAIN", rows[i], null, null, 1, 1, null, null);
                    Explanation e = ExplanationRecords.of(sample, evaluations.get(i), pipeline, false, 2, 1.0);
                    assertThat(e.analyses()).containsExactly("attributions");
                    assertThat(e.overBudget()).containsExactly("certificate", "attack");
                    assertThat(e.certificate()).isNull();
                    assertThat(e.topFeatures()).as("from the saliency attribution").hasSize(5);
                    ContractSchemas.EXPLANATION.assertValid(List.of(JSON.readTree(e.toJson())));
                    metrics.sample("m", "1", pipeline.certificateMethod(), sample, evaluations.get(i), 2);
                }
            }
        }
        assertThat(registry.scrape()).contains("stabilis_analyses_over_budget_total{analysis=\"attack\",model=\"m\",version=\"1\"} "
                + 2 * demoRows().length);
    }

    @Test
    void aTimeBudgetThatFitsRunsEveryAnalysis(@TempDir Path root) throws IOException {
        install(root, DEMO, "model.onnx", "interval");
        Path policy = root.resolve("m/1/stabilis.yaml");
        Files.writeString(policy, Files.readString(policy) + "sampling:\n  budgetMs: 600000\n");
        for (Explanation e : explain(root, "generous")) {
            assertThat(e.analyses()).containsExactly("attributions", "certificate", "attack");
            assertThat(e.overBudget()).isEmpty();
        }
    }

    private static void assertSmoothed(Explanation e) {
        Explanation.Certificate c = e.certificate();
        assertThat(c.method()).isEqualTo("smoothing");
        assertThat(c.epsilon()).isEqualTo(0.05);
        assertThat(c.smoothed().samples()).isEqualTo(200);
        assertThat(c.smoothed().noise()).isEqualTo("uniform-ball");
        assertThat(c.topk()).isEqualTo(c.smoothed().certifiedRadius() > 0.05);
        assertThat(c.topkOverlap()).isEqualTo(c.smoothed().topk().size());
        assertThat(c.smoothed().certifiedOut()).isBetween(0, 64 - c.smoothed().topk().size());
        if (c.topk()) {
            assertThat(c.smoothed().certifiedOut()).as("a certified set: every other feature certified out").isEqualTo(64 - 5);
        }
        assertThat(c.maxDeviationLinf()).as("no gradient box").isNull();
        assertThat(c.alphaSteps()).isNull();
        assertThat(e.topFeatures()).as("the smoothed attribution's top features").hasSize(5);
        assertThat(e.topFeatures().stream().map(f -> f.index()).toList()).containsAll(c.smoothed().topk());
    }

    /** The demo rows (for the CNN, as 1×8×8 images) through a pipeline of version 1, as records, each checked against the schema. */
    private static List<Explanation> explain(Path root, String label) throws IOException {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        RunnerMetrics metrics = new RunnerMetrics(registry, "cpu");
        float[][] rows = demoRows();
        try (ModelPipelines pipelines = new ModelPipelines(new ModelRepository(root), Device.cpu(), CERTIFY_AND_ATTACK, 4, 1000,
                System::nanoTime, metrics)) {
            ModelPipeline pipeline = pipelines.get("m", "1");
            List<Evaluation> evaluations = pipeline.evaluate(rows);
            List<Explanation> out = new java.util.ArrayList<>();
            for (int i = 0; i < rows.length; i++) {
                Sample sample = new Sample("r-" + label, i, "m", "1", "PLAIN", rows[i], null, null, 1, 1, null, null);
                Explanation e = ExplanationRecords.of(sample, evaluations.get(i), pipeline, false, 2, 1.0);
                ContractSchemas.EXPLANATION.assertValid(List.of(JSON.readTree(e.toJson())));
                metrics.sample("m", "1", pipeline.certificateMethod(), sample, evaluations.get(i), 2);
                out.add(e);
            }
            assertThat(registry.scrape()).contains("method=\"" + pipeline.certificateMethod() + "\"");
            return out;
        }
    }

    private static float[][] demoRows() throws IOException {
        float[] data = JSON.convertValue(JSON.readTree(Path.of("..", "examples", "digits-v2.json").toFile()).get("inputs").get(0).get("data"),
                float[].class);
        float[][] rows = new float[data.length / 64][];
        for (int r = 0; r < rows.length; r++) {
            rows[r] = java.util.Arrays.copyOfRange(data, r * 64, (r + 1) * 64);
        }
        return rows;
    }

    /** Installs a copy of a model as m/1 with ε = 0.001 and the given certification method (null: the policy names none). */
    private static void install(Path root, Path from, String modelFile, String method) throws IOException {
        Path dir = Files.createDirectories(root.resolve("m").resolve("1"));
        Files.copy(from.resolve(modelFile), dir.resolve(modelFile));
        YAMLMapper yaml = new YAMLMapper();
        ObjectNode policy = (ObjectNode) yaml.readTree(from.resolve("stabilis.yaml").toFile());
        ObjectNode certification = policy.has("certification") ? (ObjectNode) policy.get("certification") : policy.putObject("certification");
        certification.put("epsilon", 0.001).remove("method");
        if (method != null) {
            certification.put("method", method);
        }
        if ("smoothing".equals(method)) {
            certification.putObject("smoothing").put("samples", 200).put("radius", 0.05);
        }
        yaml.writeValue(dir.resolve("stabilis.yaml").toFile(), policy);
    }
}
