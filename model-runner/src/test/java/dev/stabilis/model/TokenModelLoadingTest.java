package dev.stabilis.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import dev.stabilis.fixtures.Export;
import dev.stabilis.onnx.OnnxImportException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model that takes token ids is loaded from the embedding lookup the policy's {@code input.embedding} names: the
 * differentiable model starts at the lookup's output and the lookup travels beside it; the policy's input keys describe
 * the ids a payload holds. Fixture: the {@code token_classifier} export (ids [N, 6], a 16 × 8 table).
 */
class TokenModelLoadingTest {

    private static final Export TEXT = Export.load("token_classifier");

    @TempDir
    Path dir;

    @Test
    void theModelStartsAtTheEmbeddingNamedByThePolicyAndAPayloadHoldsTheIds() {
        try (LoadedModel loaded = ModelLoader.load("text", "1", TEXT.directory(), Device.cpu())) {
            assertThat(loaded.embedding()).hasValueSatisfying(lookup -> {
                assertThat(lookup.node()).isEqualTo("/embed/Gather");
                assertThat(lookup.idInput()).isEqualTo("input_ids");
            });
            assertThat(loaded.model().inputShape()).containsExactly(6, 8);
            assertThat(loaded.inputSize()).as("embedding values per sample").isEqualTo(48);
            assertThat(loaded.payloadSize()).as("ids per sample").isEqualTo(6);
        }
    }

    @Test
    void inputShapeAndFeatureNamesDescribeTheIds() throws IOException {
        install("input: {embedding: /embed/Gather, shape: [6]}\nfeatures: {names: [a, b, c, d, e, f]}\n");
        try (LoadedModel loaded = ModelLoader.load("text", "1", dir, Device.cpu())) {
            assertThat(loaded.policy().featureNames()).hasSize(6);
        }
        install("input: {embedding: /embed/Gather, shape: [6, 8]}\n");
        assertThatThrownBy(() -> ModelLoader.load("text", "1", dir, Device.cpu())).isInstanceOf(PolicyException.class)
                .hasMessageContaining("input.shape [6, 8] does not match the model's input [6]");
    }

    @Test
    void anEmbeddingThatIsNoNodeOfTheModelIsRefusedNamingTheKey() throws IOException {
        install("input: {embedding: /nowhere}\n");
        assertThatThrownBy(() -> ModelLoader.load("text", "1", dir, Device.cpu())).isInstanceOf(OnnxImportException.class)
                .hasMessageContaining("input.embedding names '/nowhere', which is no node or value of the model");
    }

    @Test
    void aTorchScriptModelWithAnEmbeddingIsRefusedNamingTheKey() throws IOException {
        Path traced = Path.of("src", "test", "resources", "fixtures", "digits_mlp_relu_torchscript", "model.pt");
        Files.copy(traced, dir.resolve("model.pt"));
        Files.writeString(dir.resolve(ModelLoader.POLICY_FILE), "input: {shape: [64], embedding: /embed/Gather}\n");
        assertThatThrownBy(() -> ModelLoader.load("digits", "1", dir, Device.cpu())).isInstanceOf(PolicyException.class)
                .hasMessageContaining("input.embedding names an ONNX embedding lookup");
    }

    @Test
    void certificationAndAttacksAreRefusedNamingTheIdsAndTheLookup() {
        try (LoadedModel loaded = ModelLoader.load("text", "1", TEXT.directory(), Device.cpu())) {
            assertThat(loaded.graph()).isPresent();
            assertThatThrownBy(loaded::requireGraph).isInstanceOf(PolicyException.class)
                    .hasMessageContaining("takes token ids (input 'input_ids' through embedding lookup '/embed/Gather'); "
                            + "stabilis does not yet run certification and attacks on token models");
        }
    }

    private void install(String policy) throws IOException {
        Files.copy(TEXT.onnx(), dir.resolve("model.onnx"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(dir.resolve(ModelLoader.POLICY_FILE), policy);
    }
}
