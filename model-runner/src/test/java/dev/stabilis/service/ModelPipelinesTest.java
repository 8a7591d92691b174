package dev.stabilis.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import dev.stabilis.attribution.Attributor;
import dev.stabilis.attribution.PassSize;
import dev.stabilis.fixtures.Export;
import dev.stabilis.fixtures.Fixture;
import dev.stabilis.model.ModelRepository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
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
    void aModelThatTakesTokenIdsIsExplainedPerTokenAndCertifiedInEmbeddingSpace(@TempDir Path root) throws IOException {
        Path dir = Files.createDirectories(root.resolve("text/1"));
        Export text = Export.load("token_classifier");
        Files.copy(text.onnx(), dir.resolve("model.onnx"));
        Files.copy(text.directory().resolve("stabilis.yaml"), dir.resolve("stabilis.yaml"));
        JsonNode samples = text.reference().get("samples");
        float[][] ids = new float[samples.size()][];
        for (int s = 0; s < ids.length; s++) {
            ids[s] = floats(Export.doubles(samples.get(s).get("ids")));
        }
        try (ModelPipelines pipelines = new ModelPipelines(new ModelRepository(root), Device.cpu(), LIGHT, 4, 1000, System::nanoTime, metrics)) {
            ModelPipeline pipeline = pipelines.get("text", "1");
            List<Evaluation> evaluations = pipeline.evaluate(ids);

            for (int s = 0; s < ids.length; s++) {
                Evaluation e = evaluations.get(s);
                double[] gradient = Export.doubles(samples.get(s).get("gradient"));
                double scale = Arrays.stream(gradient).map(Math::abs).max().orElseThrow();
                assertThat(e.predicted()).isEqualTo(samples.get(s).get("predicted").asInt());
                float[] perToken = e.attributions().get("saliency");
                assertThat(perToken).as("one saliency value per token").hasSize(6);
                for (int t = 0; t < 6; t++) {
                    double row = Arrays.stream(gradient, t * 8, t * 8 + 8).sum();
                    assertThat((double) perToken[t]).as("sample %d token %d: torch's gradient summed over its embedding row", s, t)
                            .isCloseTo(row, within(1e-4 * scale));
                }
                assertThat(e.certified()).as("certified in embedding space").isNotNull();
                assertThat(e.gradient()).as("the certified explanation is the embedding gradient").hasSize(6 * 8);
                for (int i = 0; i < gradient.length; i++) {
                    assertThat(e.gradient()[i]).isCloseTo(gradient[i], within(1e-4 * scale));
                    assertThat(e.certified().lower()[i]).isLessThanOrEqualTo(e.gradient()[i]);
                    assertThat(e.certified().upper()[i]).isGreaterThanOrEqualTo(e.gradient()[i]);
                }
            }
            assertThat(pipeline.gradientFeatureNames()).hasSize(48).startsWith("token 0[0]", "token 0[1]").endsWith("token 5[7]");
            assertThat(pipeline.invalid(ids[0])).isNull();
            SampleException outsideVocabulary = pipeline.invalid(new float[] {7, 3, 16, 11, 14, 4});
            assertThat(outsideVocabulary.reason()).isEqualTo("OUT_OF_DOMAIN");
            assertThat(outsideVocabulary).hasMessage("token 2 has id 16.0, not a whole number in [-16, 16) of model text version 1");
            SampleException tooFew = pipeline.invalid(new float[] {7, 3, 12});
            assertThat(tooFew.reason()).isEqualTo("SHAPE_MISMATCH");
            assertThat(tooFew).hasMessage("sample has 3 token ids, model text/1 expects 6");
        }
    }

    @Test
    void aTokenModelsDomainIsCheckedOnTheEmbeddingNamingTheCoordinate(@TempDir Path root) throws IOException {
        Path dir = Files.createDirectories(root.resolve("text/1"));
        Export text = Export.load("token_classifier");
        Files.copy(text.onnx(), dir.resolve("model.onnx"));
        Files.writeString(dir.resolve("stabilis.yaml"), Files.readString(text.directory().resolve("stabilis.yaml"))
                + "features:\n  names: [a, b, c, d, e, f]\ndomain:\n  min: 10.0\n  max: 11.0\n");
        try (ModelPipelines pipelines = new ModelPipelines(new ModelRepository(root), Device.cpu(), LIGHT, 4, 1000, System::nanoTime, metrics)) {
            SampleException outside = pipelines.get("text", "1").invalid(new float[] {7, 3, 12, 11, 14, 4});

            assertThat(outside.reason()).isEqualTo("OUT_OF_DOMAIN");
            assertThat(outside.getMessage()).as("the ids are whole and in the vocabulary; their embedding is not in [10, 11]")
                    .matches("embedding feature \\d+ \\([a-f]\\[[0-7]\\]\\) = \\S+ is outside the domain \\[10\\.0, 11\\.0\\] of model text version 1");
        }
    }

    @Test
    void anAttributionPassHoldsWhatThePassMemoryAffordsOnTheModelsGraph(@TempDir Path root) throws IOException {
        install(root, "digits", "1", "digits_mlp_relu");
        ModelRepository repository = new ModelRepository(root);
        float[][] rows = Fixture.load("digits_mlp_relu").samples().stream().limit(3).map(Fixture.Sample::input).toArray(float[][]::new);
        long rowBytes;
        List<Evaluation> onePass;
        try (ModelPipelines pipelines = new ModelPipelines(repository, Device.cpu(), LIGHT, 4, 1000, System::nanoTime, metrics)) {
            ModelPipeline pipeline = pipelines.get("digits", "1");
            rowBytes = PassSize.bytesPerRow(pipeline.loaded().graph().orElseThrow());
            assertThat(pipeline.rowsPerPass()).as("the default 1 GiB affords the fixed limit on a small MLP")
                    .isEqualTo(Attributor.DEFAULT_MAX_ROWS_PER_PASS);
            onePass = pipeline.attribute(rows);
        }
        PipelineOptions tight = new PipelineOptions(false, true, false, false, 0, 40 * rowBytes);
        try (ModelPipelines pipelines = new ModelPipelines(repository, Device.cpu(), tight, 4, 1000, System::nanoTime, metrics)) {
            ModelPipeline pipeline = pipelines.get("digits", "1");
            assertThat(pipeline.rowsPerPass()).isEqualTo(40);
            List<Evaluation> passPerSample = pipeline.attribute(rows);
            for (int i = 0; i < rows.length; i++) {
                float[] expected = onePass.get(i).attributions().get("ig");
                float[] actual = passPerSample.get(i).attributions().get("ig");
                double scale = 0;
                for (float v : expected) {
                    scale = Math.max(scale, Math.abs(v));
                }
                for (int f = 0; f < expected.length; f++) {
                    assertThat((double) actual[f]).as("IG-32 of row %d, feature %d, one sample per pass", i, f)
                            .isCloseTo(expected[f], within(1e-5 * scale));
                }
            }
        }
    }

    private static float[] floats(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
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
