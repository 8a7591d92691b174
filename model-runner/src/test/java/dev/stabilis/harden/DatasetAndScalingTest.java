package dev.stabilis.harden;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stabilis.graph.Graph;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Labelled data, its seeded split, and the unit coordinates hardening trains in. */
class DatasetAndScalingTest {

    @TempDir
    Path dir;

    @Test
    void aScikitLearnHeaderNamesTheClasses() throws IOException {
        Path csv = Files.writeString(dir.resolve("d.csv"), "3,2,malignant,benign\n1,2,0\n3,4,1\n5,6,1\n");
        Dataset data = Dataset.readCsv(csv, true, 1);
        assertThat(data.classNames()).containsExactly("malignant", "benign");
        assertThat(data.size()).isEqualTo(3);
        assertThat(Dataset.readCsv(Files.writeString(dir.resolve("n.csv"), "1,2,0\n3,4,2\n"), false, 1).classNames())
                .containsExactly("0", "1", "2");
    }

    @Test
    void theSplitIsSeededAndPartitionsTheRows() {
        Dataset digits = Dataset.readCsv(Path.of("../tools/fixtures/data/digits.csv.gz"), false, 1.0 / 16);
        Dataset.Split a = digits.split(0.2, 1);
        Dataset.Split b = digits.split(0.2, 1);
        assertThat(a.test().size()).isEqualTo(359);
        assertThat(a.train().size()).isEqualTo(1438);
        assertThat(a.test().features()).isEqualTo(b.test().features());
        assertThat(digits.split(0.2, 2).test().labels()).isNotEqualTo(a.test().labels());
        Set<float[]> train = new HashSet<>(Arrays.asList(a.train().features())); // rows are shared, so identity counts
        assertThat(Arrays.stream(a.test().features()).noneMatch(train::contains)).as("no row in both parts").isTrue();
    }

    @Test
    void unitCoordinatesMapOntoTheDomainAndBack() {
        Dataset cancer = Dataset.readCsv(Path.of("../tools/fixtures/data/breast_cancer.csv"), true, 1);
        UnitScaling scaling = UnitScaling.parse("data", cancer);
        float[][] unit = scaling.toUnit(cancer.features());
        assertThat(Arrays.stream(unit).flatMapToDouble(r -> {
            double[] d = new double[r.length];
            for (int i = 0; i < r.length; i++) {
                d[i] = r[i];
            }
            return Arrays.stream(d);
        }).summaryStatistics()).satisfies(s -> {
            assertThat(s.getMin()).isGreaterThanOrEqualTo(0);
            assertThat(s.getMax()).isLessThanOrEqualTo(1);
        });
        Graph raw = new Architecture(new int[] {4}, dev.stabilis.graph.Activation.Kind.RELU).build(30, 2, null, 1);
        assertThat(scaling.onDomain(scaling.onUnitBox(raw))).isEqualTo(raw);
        assertThat(scaling.shared()).isFalse();
    }

    @Test
    void aConstantFeatureNeedsAnExplicitDomain() {
        Dataset digits = Dataset.readCsv(Path.of("../tools/fixtures/data/digits.csv.gz"), false, 1.0 / 16);
        assertThatThrownBy(() -> UnitScaling.parse("data", digits)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("LO:HI");
        assertThat(UnitScaling.parse("0:1", digits).shared()).isTrue();
        assertThatThrownBy(() -> UnitScaling.parse("0:0.5", digits)).hasMessageContaining("outside the domain");
    }

    @Test
    void architectureSpecificationsAreParsedOrRejectedByName() {
        Architecture mlp = Architecture.parse("mlp:64-32:softplus");
        assertThat(mlp.hidden()).containsExactly(64, 32);
        assertThat(mlp.activation()).isEqualTo(dev.stabilis.graph.Activation.Kind.SOFTPLUS);
        assertThatThrownBy(() -> Architecture.parse("cnn:3")).hasMessageContaining("mlp:H1-H2");
        assertThatThrownBy(() -> Architecture.parse("mlp:64:gelu")).hasMessageContaining("gelu");
    }
}
