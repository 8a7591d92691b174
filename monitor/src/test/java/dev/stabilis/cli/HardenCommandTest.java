package dev.stabilis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import dev.stabilis.graph.Activation;
import dev.stabilis.model.LoadedModel;
import dev.stabilis.model.ModelRepository;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code stabilis harden} on breast cancer with a test-sized budget: train, fine-tune, and refuse bad input. */
class HardenCommandTest {

    private static final Path CANCER = Path.of("..", "tools", "fixtures", "data", "breast_cancer.csv");

    @TempDir
    Path repository;

    /** One intra-op thread: thousands of tiny training steps run several times faster on a shared 2-core machine. */
    @BeforeAll
    static void oneThread() {
        Engine.getEngine("PyTorch");
        JniUtils.setNumThreads(1);
    }

    private CliRun harden(String model, String methods, String version, String epochs) {
        return CliRun.stabilis("harden", "--data", CANCER.toString(), "--header", "--model", model, "--standardize", "--method", methods,
                "--epochs", epochs, "--eval-rows", "16", "--device", "cpu", "--out", repository.resolve("cancer").resolve(version).toString());
    }

    @Test
    void trainsWithEveryMethodCombinedAndWritesAVersionTheMonitorLoads() {
        CliRun run = harden("mlp:8:relu", "smooth,hessian,certified,adversarial,thickness,protection", "1", "3");
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).contains("455 training rows, 114 held out, 30 features, 2 classes")
                .contains("plain (cross-entropy only):")
                .contains("hardened (smooth, hessian, certified, adversarial, thickness, protection):")
                .containsPattern("epoch 3/3  ce [0-9.]+  decay [0-9.e-]+  hessian [0-9.e-]+  width [0-9.e-]+  thickness -?[0-9.e-]+  "
                        + "protection [0-9.e-]+  adv-acc [0-9.]+  test-acc [0-9.]+")
                .containsPattern("\\| plain +\\| +0\\.\\d{4} \\|")
                .containsPattern("\\| hardened +\\| +0\\.\\d{4} \\|");
        try (LoadedModel loaded = new ModelRepository(repository).load("cancer", "latest", Device.cpu())) {
            assertThat(loaded.policy().classNames()).containsExactly("malignant", "benign");
            assertThat(loaded.requireGraph().nodes()).extracting(dev.stabilis.graph.Node::op).as("ReLU replaced by softplus(beta)")
                    .anyMatch(op -> op instanceof Activation a && a.kind() == Activation.Kind.SOFTPLUS)
                    .noneMatch(op -> op instanceof Activation a && a.kind() == Activation.Kind.RELU);
        }
    }

    @Test
    void fineTunesAnOnnxModelIntoTheNextVersion() {
        assertThat(harden("mlp:8:relu", "smooth", "1", "2").code()).isZero();
        CliRun run = harden(repository.resolve("cancer/1/model.onnx").toString(), "adversarial", "2", "2");
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).doesNotContain("plain (cross-entropy only)").containsPattern("\\| original +\\| +0\\.\\d{4} \\|");
        assertThat(new ModelRepository(repository).versions("cancer")).containsExactly("1", "2");
    }

    @Test
    void anUnknownMethodIsAUsageErrorNamingIt() {
        CliRun run = harden("mlp:8:relu", "smooth,dropout", "1", "1");
        assertThat(run.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.errorLine()).contains("unknown --method 'dropout'");
    }

    @Test
    void anExistingVersionIsNotOverwritten() {
        assertThat(harden("mlp:8:relu", "smooth", "1", "1").code()).isZero();
        CliRun run = harden("mlp:8:relu", "smooth", "1", "1");
        assertThat(run.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(run.errorLine()).contains("already holds a model");
    }
}
