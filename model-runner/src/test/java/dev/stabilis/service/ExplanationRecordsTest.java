package dev.stabilis.service;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import dev.stabilis.contract.Explanation;
import dev.stabilis.contract.Sample;
import dev.stabilis.fixtures.Fixture;
import dev.stabilis.model.ModelRepository;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With {@code include.attributions} the record carries what {@code stabilis report} draws: the certified gradient with
 * its bounds per feature, the gradient at the attack's point and the input shape; without it none of them.
 */
class ExplanationRecordsTest {

    private static final PipelineOptions FULL = new PipelineOptions(true, true, false, true, 0);

    @Test
    void theVectorsOfTheReportComeWithTheAttributionsOnly(@TempDir Path root) throws IOException {
        Path dir = Files.createDirectories(root.resolve("digits/1"));
        Fixture f = Fixture.load("digits_mlp_relu");
        Files.copy(f.onnx(), dir.resolve("model.onnx"));
        Files.copy(f.directory().resolve("stabilis.yaml"), dir.resolve("stabilis.yaml"));
        float[] row = new float[64];
        for (int i = 0; i < row.length; i++) {
            row[i] = (i % 7) / 7f;
        }
        Sample sample = new Sample("r", 0, "digits", "1", "PLAIN", row, null, null, 0L, 0L, null, null);
        try (ModelPipelines pipelines = new ModelPipelines(new ModelRepository(root), Device.cpu(), FULL, 4, 1000, System::nanoTime,
                new RunnerMetrics(new SimpleMeterRegistry(), "cpu()"))) {
            ModelPipeline pipeline = pipelines.get("digits", "1");
            Evaluation evaluation = pipeline.evaluate(new float[][] {row}).get(0);

            Explanation with = ExplanationRecords.of(sample, evaluation, pipeline, true, 0, 1.0);
            Explanation.Certificate c = with.certificate();
            assertThat(with.inputShape()).containsExactly(64);
            assertThat(c.gradient()).hasSize(64).containsExactly(evaluation.gradient());
            for (int i = 0; i < 64; i++) {
                assertThat(c.gradient()[i]).as("feature %d inside its certified interval", i).isBetween(c.gradientLower()[i], c.gradientUpper()[i]);
            }
            assertThat(with.empirical().attackedGradient()).hasSize(64);
            // the same score's gradient as the certificate's: inside the certified box around the sample
            double largest = 0;
            for (int i = 0; i < 64; i++) {
                largest = Math.max(largest, Math.abs(with.empirical().attackedGradient()[i] - c.gradient()[i]));
            }
            assertThat(largest).isLessThanOrEqualTo(c.maxDeviationLinf() + 1e-6);

            Explanation without = ExplanationRecords.of(sample, evaluation, pipeline, false, 0, 1.0);
            assertThat(without.inputShape()).isNull();
            assertThat(without.certificate().gradient()).isNull();
            assertThat(without.certificate().gradientLower()).isNull();
            assertThat(without.empirical().attackedGradient()).isNull();
            assertThat(without.certificate().boundWidthMean()).isEqualTo(c.boundWidthMean());
        }
    }
}
