package dev.stabilis.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.stabilis.model.ModelPolicy;
import dev.stabilis.model.ModelRepository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The repository-backed model catalog: what a version's input is, how versions resolve, which reason each
 * miss is rejected with, and that the repository is re-read (rate-limited) so new models need no restart.
 */
class RepositoryModelCatalogTest {

    private static final Duration RESCAN = Duration.ofSeconds(10);

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

    private final ModelCatalog catalog = catalogOver(TestModels.root());

    @TempDir
    Path temp;

    private ModelCatalog catalogOver(Path root) {
        return new RepositoryModelCatalog(new ModelRepository(root), RESCAN, clock);
    }

    private static PayloadException rejection(ModelCatalog catalog, String model, String version) {
        PayloadException e = catchThrowableOfType(PayloadException.class, () -> catalog.resolve(model, version));
        assertThat(e).as("a rejection of %s version %s", model, version).isNotNull();
        return e;
    }

    private static void publish(Path root, String model, String version) throws IOException {
        Path dir = Files.createDirectories(root.resolve(model).resolve(version));
        Files.copy(TestModels.digitsOnnx(), dir.resolve("model.onnx"));
    }

    @Test
    void readsTheInputOfAnOnnxVersionFromItsGraph() {
        assertThat(catalog.resolve("digits", "1"))
                .isEqualTo(new ModelInput("digits", "1", "input", List.of(64L), "FP32", 64, ModelPolicy.DEFAULT));
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", "latest"})
    void resolvesNoVersionOrLatestToTheNewestVersion(String version) {
        ModelInput input = catalog.resolve("digits", version);

        assertThat(input.version()).isEqualTo("2");
        assertThat(input.shape()).containsExactly(1L, 8L, 8L);
        assertThat(input.features()).isEqualTo(64);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sklearn-iris", "../models/digits", "digits/1"})
    void rejectsModelsTheRepositoryDoesNotHoldAsUnknownModel(String model) {
        assertThat(rejection(catalog, model, "1").reason()).isEqualTo(RejectReason.UNKNOWN_MODEL);
    }

    @Test
    void rejectsAVersionTheModelDoesNotHaveAsUnknownVersion() {
        PayloadException e = rejection(catalog, "digits", "7");

        assertThat(e.reason()).isEqualTo(RejectReason.UNKNOWN_VERSION);
        assertThat(e.getMessage()).contains("'7'", "1, 2");
    }

    @Test
    void findsAModelPublishedLaterOnceTheRescanIntervalHasPassed() throws IOException {
        ModelCatalog catalog = catalogOver(temp);
        assertThat(rejection(catalog, "digits", "1").reason()).isEqualTo(RejectReason.UNKNOWN_MODEL);

        publish(temp, "digits", "1");
        assertThat(rejection(catalog, "digits", "1").reason()).as("rescans are rate-limited")
                .isEqualTo(RejectReason.UNKNOWN_MODEL);

        clock.advance(RESCAN);
        assertThat(catalog.resolve("digits", "1").features()).isEqualTo(64);
    }

    @Test
    void latestMovesToANewVersionOnceTheRescanIntervalHasPassed() throws IOException {
        publish(temp, "digits", "1");
        ModelCatalog catalog = catalogOver(temp);
        assertThat(catalog.resolve("digits", null).version()).isEqualTo("1");

        publish(temp, "digits", "10");
        assertThat(catalog.resolve("digits", null).version()).isEqualTo("1");

        clock.advance(RESCAN);
        assertThat(catalog.resolve("digits", null).version()).isEqualTo("10");
    }

    @Test
    void keepsTheLastGoodInputWhenAVersionsFilesAreReplacedByBrokenOnes() throws IOException {
        publish(temp, "digits", "1");
        ModelCatalog catalog = catalogOver(temp);
        ModelInput first = catalog.resolve("digits", "1");

        Files.write(temp.resolve("digits/1/model.onnx"), new byte[] {1, 2, 3});
        clock.advance(RESCAN);

        assertThat(catalog.resolve("digits", "1")).isEqualTo(first);
    }

    @Test
    void readsTheDomainOfTheVersionsPolicyAndReadsItAgainWhenThePolicyChanges() throws IOException {
        publish(temp, "digits", "1");
        Path policy = temp.resolve("digits/1/stabilis.yaml");
        Files.writeString(policy, "domain:\n  min: 0\n  max: 1\n");
        ModelCatalog catalog = catalogOver(temp);
        float[] grey = new float[64];
        grey[5] = 16f;
        assertThat(catalog.resolve("digits", "1").policy().outsideDomain(grey)).isEqualTo("feature 5 = 16.0 is outside the domain [0.0, 1.0]");

        Files.writeString(policy, "domain:\n  min: 0\n  max: 16\n");
        assertThat(catalog.resolve("digits", "1").policy().outsideDomain(grey)).as("checked again after the rescan interval only")
                .isNotNull();
        clock.advance(RESCAN);
        assertThat(catalog.resolve("digits", "1").policy().outsideDomain(grey)).isNull();

        Files.writeString(policy, "certification:\n  k: -5\n");
        clock.advance(RESCAN);
        assertThat(catalog.resolve("digits", "1").policy().outsideDomain(grey)).as("a broken policy keeps the last good one").isNull();
    }

    @Test
    void latestSkipsANewestVersionWhoseFilesCannotBeRead() throws IOException {
        publish(temp, "digits", "1");
        Path broken = Files.createDirectories(temp.resolve("digits/2"));
        Files.write(broken.resolve("model.onnx"), new byte[] {1, 2, 3});
        ModelCatalog catalog = catalogOver(temp);

        assertThat(catalog.resolve("digits", "latest").version()).isEqualTo("1");
        assertThat(rejection(catalog, "digits", "2").reason()).as("asked for by name, it is unavailable")
                .isEqualTo(RejectReason.MODEL_UNAVAILABLE);
    }

    @Test
    void takesTheInputOfATorchScriptVersionFromItsPolicy() throws IOException {
        Path dir = Files.createDirectories(temp.resolve("scripted/1"));
        Files.write(dir.resolve("model.pt"), new byte[0]);
        Files.writeString(dir.resolve("stabilis.yaml"), "input:\n  shape: [2, 3]\n");

        ModelInput input = catalogOver(temp).resolve("scripted", "1");
        assertThat(input).usingRecursiveComparison().ignoringFields("policy")
                .isEqualTo(new ModelInput("scripted", "1", null, List.of(2L, 3L), "FP32", 6, ModelPolicy.DEFAULT));
        assertThat(input.policy().inputShape()).containsExactly(2L, 3L);
    }

    @Test
    void rejectsAVersionWhoseFilesCannotBeReadAsModelUnavailableAndRetriesAfterTheRescanInterval() throws IOException {
        Path dir = Files.createDirectories(temp.resolve("digits/1"));
        Files.write(dir.resolve("model.onnx"), new byte[] {1, 2, 3});
        Files.createDirectories(temp.resolve("scripted/1"));
        Files.write(temp.resolve("scripted/1/model.pt"), new byte[0]);
        ModelCatalog catalog = catalogOver(temp);

        assertThat(rejection(catalog, "digits", "1").reason()).isEqualTo(RejectReason.MODEL_UNAVAILABLE);
        PayloadException noShape = rejection(catalog, "scripted", "1");
        assertThat(noShape.reason()).isEqualTo(RejectReason.MODEL_UNAVAILABLE);
        assertThat(noShape.getMessage()).contains("input.shape is required");

        Files.copy(TestModels.digitsOnnx(), dir.resolve("model.onnx"), StandardCopyOption.REPLACE_EXISTING);
        assertThat(rejection(catalog, "digits", "1").reason()).isEqualTo(RejectReason.MODEL_UNAVAILABLE);
        clock.advance(RESCAN);
        assertThat(catalog.resolve("digits", "1").features()).isEqualTo(64);
    }
}
