package dev.stabilis.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import dev.stabilis.fixtures.Fixture;
import dev.stabilis.model.ModelRepository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelPipelinesTest {

    private static final PipelineOptions LIGHT = new PipelineOptions(false, true, false, false, 0);

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final RunnerMetrics metrics = new RunnerMetrics(registry, "cpu()");

    @Test
    void latestFollowsTheRepositoryWithoutARestart(@TempDir Path root) throws IOException {
        install(root, "digits", "1", "digits_mlp_relu");
        try (ModelPipelines pipelines = new ModelPipelines(new ModelRepository(root), Device.cpu(), LIGHT, 4, 1000, System::nanoTime, metrics)) {
            assertThat(pipelines.get("digits", "latest").loaded().version()).isEqualTo("1");
            install(root, "digits", "2", "digits_mlp_softplus");
            assertThat(pipelines.get("digits", "latest").loaded().version()).isEqualTo("2");
            assertThat(pipelines.get("digits", "1").loaded().version()).as("older versions stay addressable").isEqualTo("1");
        }
    }

    @Test
    void unknownModelsAndVersionsAreNamed(@TempDir Path root) throws IOException {
        install(root, "digits", "1", "digits_mlp_relu");
        try (ModelPipelines pipelines = new ModelPipelines(new ModelRepository(root), Device.cpu(), LIGHT, 4, 1000, System::nanoTime, metrics)) {
            assertThatThrownBy(() -> pipelines.get("iris", "latest")).isInstanceOf(SampleException.class)
                    .hasMessageContaining("no model 'iris'").extracting(e -> ((SampleException) e).reason()).isEqualTo("UNKNOWN_MODEL");
            assertThatThrownBy(() -> pipelines.get("digits", "7")).hasMessageContaining("no version '7'");
            assertThatThrownBy(() -> pipelines.get("../etc", "1")).extracting(e -> ((SampleException) e).reason()).isEqualTo("UNKNOWN_MODEL");
        }
    }

    @Test
    void aBrokenModelIsReportedAndRetriedAfterItsRetryTimeOrWhenItsFilesChangeWhileOthersWork(@TempDir Path root) throws IOException {
        install(root, "digits", "1", "digits_mlp_relu");
        Files.createDirectories(root.resolve("broken/1"));
        Files.writeString(root.resolve("broken/1/model.onnx"), "not a model");
        AtomicLong now = new AtomicLong();
        try (ModelPipelines pipelines = new ModelPipelines(new ModelRepository(root), Device.cpu(), LIGHT, 4, 1000, now::get, metrics)) {
            assertThatThrownBy(() -> pipelines.get("broken", "1")).isInstanceOf(SampleException.class)
                    .hasMessageContaining("broken/1 failed to load").extracting(e -> ((SampleException) e).reason()).isEqualTo("MODEL_UNAVAILABLE");
            assertThatThrownBy(() -> pipelines.get("broken", "1")).as("remembered within the retry time").hasMessageContaining("failed to load");
            assertThat(loadFailures("broken", "1")).as("one failed load counted, not one per lookup").isEqualTo(1.0);
            assertThat(pipelines.get("digits", "1").loaded().name()).isEqualTo("digits");
            now.addAndGet(1_001_000_000L);
            assertThatThrownBy(() -> pipelines.get("broken", "1")).as("tried again after it").hasMessageContaining("failed to load");
            assertThat(loadFailures("broken", "1")).isEqualTo(2.0);

            Files.copy(Fixture.load("digits_mlp_relu").onnx(), root.resolve("broken/1/model.onnx"), StandardCopyOption.REPLACE_EXISTING);
            assertThat(pipelines.get("broken", "1").loaded().version()).as("tried at once when its files change").isEqualTo("1");
        }
    }

    @Test
    void aLoadedVersionWhoseFilesBreakKeepsServingItsLastGoodFilesUntilGoodOnesReplaceThem(@TempDir Path root) throws IOException {
        install(root, "digits", "1", "digits_mlp_relu");
        Path policy = root.resolve("digits/1/stabilis.yaml");
        Path model = root.resolve("digits/1/model.onnx");
        String goodPolicy = Files.readString(policy);
        try (ModelPipelines pipelines = new ModelPipelines(new ModelRepository(root), Device.cpu(), LIGHT, 4, 1000, System::nanoTime, metrics)) {
            ModelPipeline lastGood = pipelines.get("digits", "1");
            int k = lastGood.certifySettings().k();

            Files.writeString(policy, goodPolicy + "\ncertification:\n  k: -5\n");
            pipelines.refresh();
            assertThat(pipelines.get("digits", "1")).as("a broken policy").isSameAs(lastGood);
            assertThat(loadFailures("digits", "1")).isEqualTo(1.0);
            assertThat(rejected("digits", "1")).isEqualTo(1.0);
            pipelines.refresh();
            assertThat(loadFailures("digits", "1")).as("the same broken files are not tried again").isEqualTo(1.0);

            Files.writeString(policy, goodPolicy);
            Files.writeString(model, "garbage, not ONNX");
            pipelines.refresh();
            assertThat(pipelines.get("digits", "1")).as("a garbage model.onnx").isSameAs(lastGood);
            assertThat(lastGood.certifySettings().k()).isEqualTo(k);
            assertThat(loadFailures("digits", "1")).isEqualTo(2.0);

            Files.copy(Fixture.load("digits_mlp_relu").onnx(), model, StandardCopyOption.REPLACE_EXISTING);
            Files.writeString(policy, "certification:\n  k: " + (k - 1) + "\n");
            pipelines.refresh();
            ModelPipeline reloaded = pipelines.get("digits", "1");
            assertThat(reloaded).isNotSameAs(lastGood);
            assertThat(reloaded.certifySettings().k()).as("the good new policy serves").isEqualTo(k - 1);
            assertThat(rejected("digits", "1")).isZero();
        }
    }

    @Test
    void aNewVersionThatFailsValidationLeavesTheLastGoodVersionServingItsSamples(@TempDir Path root) throws IOException {
        install(root, "digits", "1", "digits_mlp_relu");
        try (ModelPipelines pipelines = new ModelPipelines(new ModelRepository(root), Device.cpu(), LIGHT, 4, 1000, System::nanoTime, metrics)) {
            assertThat(pipelines.get("digits", "latest").loaded().version()).isEqualTo("1");
            Files.createDirectories(root.resolve("digits/2"));
            Files.writeString(root.resolve("digits/2/model.onnx"), "garbage, not ONNX");

            pipelines.refresh();
            assertThat(loadFailures("digits", "2")).as("validated as soon as it appears").isEqualTo(1.0);
            assertThat(rejected("digits", "2")).isEqualTo(1.0);
            assertThat(pipelines.get("digits", "2").loaded().version()).as("its samples are served by version 1").isEqualTo("1");
            assertThat(pipelines.get("digits", "latest").loaded().version()).isEqualTo("1");

            install(root, "digits", "2", "digits_mlp_softplus");
            pipelines.refresh();
            assertThat(pipelines.get("digits", "2").loaded().version()).isEqualTo("2");
            assertThat(rejected("digits", "2")).isZero();
        }
    }

    private double loadFailures(String model, String version) {
        return registry.get("stabilis.model.load.failures").tags("model", model, "version", version).counter().count();
    }

    private double rejected(String model, String version) {
        return registry.get("stabilis.model.version.rejected").tags("model", model, "version", version).gauge().value();
    }

    private static void install(Path root, String name, String version, String fixture) throws IOException {
        Path dir = Files.createDirectories(root.resolve(name).resolve(version));
        Fixture f = Fixture.load(fixture);
        Files.copy(f.onnx(), dir.resolve("model.onnx"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(f.directory().resolve("stabilis.yaml"), dir.resolve("stabilis.yaml"), StandardCopyOption.REPLACE_EXISTING);
    }
}
