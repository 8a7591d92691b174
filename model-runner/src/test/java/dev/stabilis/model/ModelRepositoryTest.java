package dev.stabilis.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import dev.stabilis.attribution.IntegratedGradients;
import dev.stabilis.attribution.SmoothGrad;
import dev.stabilis.engine.TargetKind;
import dev.stabilis.fixtures.Fixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelRepositoryTest {

    @TempDir
    Path root;

    private final Fixture relu = Fixture.load("digits_mlp_relu");

    @BeforeEach
    void repository() throws IOException {
        for (String version : new String[] {"1", "2", "10"}) {
            Path dir = Files.createDirectories(root.resolve("digits").resolve(version));
            Files.copy(relu.onnx(), dir.resolve("model.onnx"));
            Files.copy(relu.directory().resolve("stabilis.yaml"), dir.resolve("stabilis.yaml"));
        }
    }

    @Test
    void versionsSortNumericallyAndLatestIsTheHighest() {
        ModelRepository repository = new ModelRepository(root);
        assertThat(repository.versions("digits")).containsExactly("1", "2", "10");
        try (LoadedModel model = repository.load("digits", "latest", Device.cpu())) {
            assertThat(model.version()).isEqualTo("10");
            assertThat(model.inputSize()).isEqualTo(64);
            assertThat(model.graph()).isPresent();
            assertThat(model.policy().featureNames()).hasSize(64);
        }
    }

    @Test
    void namesThatCouldLeaveTheRootAreRefused() {
        ModelRepository repository = new ModelRepository(root);
        for (String bad : new String[] {"..", "../etc", "a/b", "/abs", ".hidden", ""}) {
            assertThatThrownBy(() -> repository.versionDirectory(bad, "1")).as(bad).isInstanceOf(PolicyException.class)
                    .hasMessageContaining("is not a valid repository name");
            assertThatThrownBy(() -> repository.versionDirectory("digits", bad)).as(bad).isInstanceOf(PolicyException.class);
        }
    }

    @Test
    void symbolicLinksOutOfTheRootAreRefusedWhereverTheyAre(@TempDir Path outside) throws IOException {
        Path elsewhere = Files.createDirectories(outside.resolve("stolen/1"));
        Files.copy(relu.onnx(), elsewhere.resolve("model.onnx"));
        Files.writeString(outside.resolve("secret.yaml"), "classes: [a]");
        Files.createSymbolicLink(root.resolve("linked-model"), outside.resolve("stolen"));
        Files.createSymbolicLink(root.resolve("digits/linked-version"), elsewhere);
        Path fileLinks = Files.createDirectories(root.resolve("files/1"));
        Files.createSymbolicLink(fileLinks.resolve("model.onnx"), elsewhere.resolve("model.onnx"));
        Path policyLink = Files.createDirectories(root.resolve("policy/1"));
        Files.copy(relu.onnx(), policyLink.resolve("model.onnx"));
        Files.createSymbolicLink(policyLink.resolve("stabilis.yaml"), outside.resolve("secret.yaml"));

        ModelRepository repository = new ModelRepository(root);
        for (String[] escape : new String[][] {{"linked-model", "1"}, {"digits", "linked-version"}, {"files", "1"}, {"policy", "1"}}) {
            assertThatThrownBy(() -> repository.load(escape[0], escape[1], Device.cpu())).as(String.join("/", escape))
                    .isInstanceOf(PolicyException.class).hasMessageContaining("outside the model repository");
        }
    }

    @Test
    void symbolicLinksThatStayInsideTheRootAreFollowed() throws IOException {
        Files.createDirectories(root.resolve("alias"));
        Files.createSymbolicLink(root.resolve("alias/1"), root.resolve("digits/2"));
        try (LoadedModel model = new ModelRepository(root).load("alias", "1", Device.cpu())) {
            assertThat(model.inputSize()).isEqualTo(64);
        }
    }

    @Test
    void policySettingsConfigureTheAttributionMethods() throws IOException {
        Path dir = root.resolve("digits").resolve("2");
        Files.writeString(dir.resolve("stabilis.yaml"), """
                domain: {min: 0, max: 2}
                attribution:
                  target: logprob
                  integratedGradients: {steps: 7}
                  smoothGrad: {samples: 3, sigma: 0.25, seed: 9}
                """);
        try (LoadedModel model = new ModelRepository(root).load("digits", "2", Device.cpu())) {
            assertThat(model.targetKind()).isEqualTo(TargetKind.LOG_PROBABILITY);
            assertThat(model.explainer("ig", null).rowsPerSample()).isEqualTo(7);
            assertThat(model.explainer("ig", 12).rowsPerSample()).as("command-line override").isEqualTo(12);
            assertThat(model.explainer("ig", null)).isInstanceOf(IntegratedGradients.class);
            assertThat(model.explainer("smoothgrad", null)).isInstanceOf(SmoothGrad.class);
            assertThat(model.explainer("smoothgrad", null).rowsPerSample()).isEqualTo(3);
            assertThatThrownBy(() -> model.explainer("lime", null)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("unknown attribution method 'lime'");
        }
    }

    @Test
    void aPolicyThatDoesNotFitTheModelNamesFileAndKey() throws IOException {
        Path policy = root.resolve("digits").resolve("1").resolve("stabilis.yaml");
        Files.writeString(policy, "features: {names: [a, b, c]}\n");
        assertThatThrownBy(() -> new ModelRepository(root).load("digits", "1", Device.cpu()))
                .isInstanceOf(PolicyException.class)
                .hasMessage(policy + ": features.names has 3 entries, the model has 64");
        Files.writeString(policy, "classes: [a, b]\n");
        assertThatThrownBy(() -> new ModelRepository(root).load("digits", "1", Device.cpu()))
                .hasMessage(policy + ": classes has 2 entries, the model has 10");
        Files.writeString(policy, "input: {shape: [8, 8]}\n");
        assertThatThrownBy(() -> new ModelRepository(root).load("digits", "1", Device.cpu()))
                .hasMessage(policy + ": input.shape [8, 8] does not match the model's input [64]");
        Files.writeString(policy, "certification: {k: 65}\n");
        assertThatThrownBy(() -> new ModelRepository(root).load("digits", "1", Device.cpu()))
                .hasMessage(policy + ": certification.k is 65, the model's explanation has 64 features");
        Files.writeString(policy, "attack: {k: 100}\n");
        assertThatThrownBy(() -> new ModelRepository(root).load("digits", "1", Device.cpu()))
                .hasMessage(policy + ": attack.k is 100, the model's explanation has 64 features");
    }

    @Test
    void aVersionDirectoryNeedsExactlyOneModelFile() throws IOException {
        Path dir = root.resolve("digits").resolve("1");
        Files.copy(Fixture.load("digits_mlp_relu_torchscript").directory().resolve("model.pt"), dir.resolve("model.pt"));
        assertThatThrownBy(() -> new ModelRepository(root).load("digits", "1", Device.cpu()))
                .hasMessageContaining("holds both model.onnx and model.pt");
        assertThatThrownBy(() -> new ModelRepository(root).load("digits", "3", Device.cpu()))
                .hasMessageContaining("no such model file or directory");
        assertThatThrownBy(() -> new ModelRepository(root).load("other", "latest", Device.cpu()))
                .hasMessageContaining("model 'other' has no versions");
    }

    @Test
    void torchScriptModelsNeedTheirInputShapeInThePolicy() throws IOException {
        Path dir = Files.createDirectories(root.resolve("traced").resolve("1"));
        Files.copy(Fixture.load("digits_mlp_relu_torchscript").directory().resolve("model.pt"), dir.resolve("model.pt"));
        assertThatThrownBy(() -> new ModelRepository(root).load("traced", "1", Device.cpu()))
                .isInstanceOf(PolicyException.class)
                .hasMessageContaining("input.shape is required for TorchScript model");
        Files.writeString(dir.resolve("stabilis.yaml"), "input: {shape: [64]}\n");
        try (LoadedModel model = new ModelRepository(root).load("traced", "1", Device.cpu())) {
            assertThat(model.graph()).isEmpty();
            assertThat(model.model().classes()).isEqualTo(10);
        }
    }
}
