package dev.stabilis.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.stabilis.certify.Certificate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A policy that names no certification method, or {@code auto}, gets interval bounds where they say something about
 * the model and smoothing where they cannot: a TorchScript model (no graph), or a graph whose interval bounds are
 * vacuous at the policy's ε on every probe point of its input domain (the demo's residual CNN). A named method is
 * always kept.
 */
class CertificationChoiceTest {

    private static final Path MLP = Path.of("..", "models", "digits", "1");
    private static final Path CNN = Path.of("..", "models", "digits_resnet", "1");
    private static final Path TORCHSCRIPT = Path.of("src", "test", "resources", "fixtures", "digits_mlp_relu_torchscript");

    @Test
    void anMlpWhoseIntervalBoundsCertifySomethingOnTheProbesKeepsIntervals(@TempDir Path root) throws IOException {
        CertificationChoice choice = choose(root, MLP, "model.onnx", null);
        assertThat(choice.method()).isEqualTo("interval");
        assertThat(choice.reason()).startsWith("automatic: at epsilon 0.001 interval bounds certify a top-5 feature or a gradient "
                + "sign on 4 of 4 probe points");
    }

    @Test
    void aCnnWhoseIntervalBoundsAreVacuousOnEveryProbeIsCertifiedBySmoothing(@TempDir Path root) throws IOException {
        for (String method : new String[] {null, "auto"}) {
            CertificationChoice choice = choose(root.resolve(method == null ? "absent" : method), CNN, "model.onnx", method);
            assertThat(choice.method()).as("method %s", method).isEqualTo("smoothing");
            assertThat(choice.reason()).startsWith("automatic: interval bounds are vacuous: at epsilon 0.001 interval bounds certify "
                    + "a top-3 feature or a gradient sign on 0 of 4 probe points");
        }
    }

    @Test
    void aTorchScriptModelIsCertifiedBySmoothing(@TempDir Path root) throws IOException {
        CertificationChoice choice = choose(root, TORCHSCRIPT, "model.pt", "auto");
        assertThat(choice.method()).isEqualTo("smoothing");
        assertThat(choice.reason()).contains("TorchScript");
    }

    @Test
    void aMethodThePolicyNamesIsKeptEvenWhereIntervalsAreVacuous(@TempDir Path root) throws IOException {
        CertificationChoice choice = choose(root, CNN, "model.onnx", "interval");
        assertThat(choice.method()).isEqualTo("interval");
        assertThat(choice.reason()).isEqualTo("named by the policy's certification.method");
    }

    @Test
    void boundsAreVacuousWhenTheyAreNotFiniteOrCertifyNeitherATopkFeatureNorASign() {
        assertThat(CertificationChoice.vacuous(new Certificate(false, 0, 0, 5, 9, -1, false, Double.NaN))).isTrue();
        assertThat(CertificationChoice.vacuous(new Certificate(false, 2, 0.5, Double.POSITIVE_INFINITY, 9, -1, false, Double.NaN)))
                .isTrue();
        assertThat(CertificationChoice.vacuous(new Certificate(false, 1, 0, 5, 9, -1, false, Double.NaN))).isFalse();
        assertThat(CertificationChoice.vacuous(new Certificate(false, 0, 1 / 64.0, 5, 9, -1, false, Double.NaN))).isFalse();
    }

    @Test
    void theProbesAreTheDomainsCentreAndSeededPointsInsideIt(@TempDir Path root) throws IOException {
        Path dir = install(root, MLP, "model.onnx", null);
        YAMLMapper yaml = new YAMLMapper();
        ObjectNode policy = (ObjectNode) yaml.readTree(dir.resolve("stabilis.yaml").toFile());
        policy.putObject("domain").put("min", -2.0).put("max", 6.0);
        yaml.writeValue(dir.resolve("stabilis.yaml").toFile(), policy);
        try (LoadedModel loaded = ModelLoader.load("m", "1", dir, Device.cpu())) {
            float[][] probes = CertificationChoice.probes(loaded);
            assertThat(probes).hasNumberOfRows(CertificationChoice.PROBES);
            assertThat(probes[0]).containsOnly(2.0f);
            for (float[] probe : probes) {
                assertThat(probe).hasSize(64);
                for (float v : probe) {
                    assertThat(v).isBetween(-2.0f, 6.0f);
                }
            }
            assertThat(probes[1]).isNotEqualTo(probes[2]);
            assertThat(CertificationChoice.probes(loaded)).as("seeded").isDeepEqualTo(probes);
        }
    }

    private static CertificationChoice choose(Path root, Path from, String modelFile, String method) throws IOException {
        try (LoadedModel loaded = ModelLoader.load("m", "1", install(root, from, modelFile, method), Device.cpu())) {
            return loaded.certificationChoice();
        }
    }

    /** A copy of a model whose policy names {@code method} (null: none) at ε = 0.001. */
    private static Path install(Path root, Path from, String modelFile, String method) throws IOException {
        Path dir = Files.createDirectories(root.resolve("m").resolve("1"));
        Files.copy(from.resolve(modelFile), dir.resolve(modelFile));
        YAMLMapper yaml = new YAMLMapper();
        ObjectNode policy = (ObjectNode) yaml.readTree(from.resolve("stabilis.yaml").toFile());
        ObjectNode certification = policy.has("certification") ? (ObjectNode) policy.get("certification") : policy.putObject("certification");
        certification.put("epsilon", 0.001).remove("method");
        if (method != null) {
            certification.put("method", method);
        }
        yaml.writeValue(dir.resolve("stabilis.yaml").toFile(), policy);
        return dir;
    }
}
