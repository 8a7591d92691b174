package dev.stabilis.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import dev.stabilis.fixtures.Fixture;
import dev.stabilis.model.ModelRepository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
    void aBrokenModelIsReportedAndNotRetriedUntilItsRetryTimeWhileOthersWork(@TempDir Path root) throws IOException {
        install(root, "digits", "1", "digits_mlp_relu");
        Files.createDirectories(root.resolve("broken/1"));
        Files.writeString(root.resolve("broken/1/model.onnx"), "not a model");
        AtomicLong now = new AtomicLong();
        try (ModelPipelines pipelines = new ModelPipelines(new ModelRepository(root), Device.cpu(), LIGHT, 4, 1000, now::get, metrics)) {
            assertThatThrownBy(() -> pipelines.get("broken", "1")).isInstanceOf(SampleException.class)
                    .hasMessageContaining("broken/1 failed to load").extracting(e -> ((SampleException) e).reason()).isEqualTo("MODEL_UNAVAILABLE");
            Files.copy(Fixture.load("digits_mlp_relu").onnx(), root.resolve("broken/1/model.onnx"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            assertThatThrownBy(() -> pipelines.get("broken", "1")).as("remembered within the retry time").hasMessageContaining("failed to load");
            assertThat(registry.get("stabilis.model.load.failures").tags("model", "broken", "version", "1").counter().count())
                    .as("one failed load counted, not one per lookup").isEqualTo(1.0);
            assertThat(pipelines.get("digits", "1").loaded().name()).isEqualTo("digits");
            now.addAndGet(1_001_000_000L);
            assertThat(pipelines.get("broken", "1").loaded().version()).as("retried after it").isEqualTo("1");
        }
    }

    private static void install(Path root, String name, String version, String fixture) throws IOException {
        Path dir = Files.createDirectories(root.resolve(name).resolve(version));
        Fixture f = Fixture.load(fixture);
        Files.copy(f.onnx(), dir.resolve("model.onnx"));
        Files.copy(f.directory().resolve("stabilis.yaml"), dir.resolve("stabilis.yaml"));
    }
}
