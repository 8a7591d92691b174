package dev.stabilis.harden;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.engine.GraphModel;
import dev.stabilis.graph.Graph;
import dev.stabilis.model.LoadedModel;
import dev.stabilis.model.ModelRepository;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A hardened network written as a repository version is what the monitor loads and runs. */
class ModelVersionWriterTest {

    @TempDir
    Path repository;

    @Test
    void theMonitorLoadsTheWrittenVersionWithItsDomainAndClassesAndComputesTheSameLogits() {
        HardeningFixture cancer = HardeningFixture.breastCancer();
        Graph raw = cancer.scaling.onDomain(cancer.plain);
        ModelVersionWriter.write(repository.resolve("cancer").resolve("2"), raw, java.util.List.of("malignant", "benign"),
                cancer.scaling, 0.05, 5, "test");
        try (LoadedModel loaded = new ModelRepository(repository).load("cancer", "latest", HardeningFixture.CPU);
                GraphModel reference = GraphModel.load(raw, HardeningFixture.CPU, DataType.FLOAT32);
                NDManager batch = reference.manager().newSubManager()) {
            assertThat(loaded.policy().classNames()).containsExactly("malignant", "benign");
            assertThat(loaded.policy().domainMin()).containsExactly(cancer.scaling.min());
            assertThat(loaded.policy().domainMax()).containsExactly(cancer.scaling.max());
            assertThat(loaded.policy().certification().k()).isEqualTo(5);
            float[] rows = rawRows(cancer, 16);
            Shape shape = new Shape(16, 30);
            float[] expected = reference.logits(batch.create(rows, shape)).toFloatArray();
            float[] actual;
            try (NDManager own = loaded.model().manager().newSubManager()) {
                actual = loaded.model().logits(own.create(rows, shape)).toType(DataType.FLOAT32, false).toFloatArray();
            }
            for (int i = 0; i < expected.length; i++) {
                assertThat(actual[i]).isCloseTo(expected[i], within(1e-4f * Math.max(1, Math.abs(expected[i]))));
            }
        }
    }

    @Test
    void aSharedRangeBecomesTheCertificationEpsilonInRawUnits() {
        HardeningFixture digits = HardeningFixture.digits();
        Path version = repository.resolve("digits").resolve("2");
        ModelVersionWriter.write(version, digits.scaling.onDomain(digits.plain), digits.test.classNames(), digits.scaling, 0.05, 5, "test");
        try (LoadedModel loaded = new ModelRepository(repository).load("digits", "2", HardeningFixture.CPU)) {
            assertThat(loaded.policy().domainMin()).containsExactly(0.0);
            assertThat(loaded.policy().domainMax()).containsExactly(1.0);
            assertThat(loaded.policy().certification().epsilon()).isEqualTo(0.05);
        }
    }

    @Test
    void refusesToOverwriteAVersion() {
        HardeningFixture digits = HardeningFixture.digits();
        Path version = repository.resolve("digits").resolve("1");
        Graph raw = digits.scaling.onDomain(digits.plain);
        ModelVersionWriter.write(version, raw, digits.test.classNames(), digits.scaling, 0.05, 5, "test");
        assertThatThrownBy(() -> ModelVersionWriter.write(version, raw, digits.test.classNames(), digits.scaling, 0.05, 5, "test"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already holds a model");
    }

    /** Held-out rows back in raw feature units. */
    private static float[] rawRows(HardeningFixture f, int n) {
        float[] out = new float[n * f.scaling.features()];
        for (int r = 0; r < n; r++) {
            for (int i = 0; i < f.scaling.features(); i++) {
                out[r * f.scaling.features() + i] = (float) (f.scaling.min()[i] + f.test.features()[r][i] * f.scaling.range(i));
            }
        }
        return out;
    }
}
