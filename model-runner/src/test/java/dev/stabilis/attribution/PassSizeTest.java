package dev.stabilis.attribution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stabilis.fixtures.ArchitectureFixtures;
import dev.stabilis.graph.Activation;
import dev.stabilis.graph.Dense;
import dev.stabilis.graph.Graph;
import dev.stabilis.graph.HostTensor;
import dev.stabilis.onnx.OnnxImporter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The rows one attribution pass may hold, from a memory budget and the sizes of the graph's values. */
class PassSizeTest {

    /** 10 inputs → Dense 10×100 → ReLU → Dense 3×100: values of 10, 100, 100 and 3 elements per sample. */
    private static final Graph MLP = Graph.chain(new long[] {10}, List.of(
            new Dense(new HostTensor(new long[] {100, 10}, new double[1000]), null),
            Activation.of(Activation.Kind.RELU),
            new Dense(new HostTensor(new long[] {3, 100}, new double[300]), null)));

    @Test
    void aRowCostsThreeFloat32ArraysOfEveryValueOfTheGraph() {
        assertThat(PassSize.bytesPerRow(MLP)).isEqualTo(3 * 4 * (10 + 100 + 100 + 3));
    }

    @Test
    void thePassHoldsWhatTheBudgetAffordsAtLeastOneRowAndAtMostTheFixedLimit() {
        long row = PassSize.bytesPerRow(MLP);
        assertThat(PassSize.rowsPerPass(MLP, 100 * row + row - 1)).isEqualTo(100);
        assertThat(PassSize.rowsPerPass(MLP, row - 1)).as("one row whatever it costs").isEqualTo(1);
        assertThat(PassSize.rowsPerPass(MLP, Long.MAX_VALUE)).isEqualTo(Attributor.DEFAULT_MAX_ROWS_PER_PASS);
        assertThatThrownBy(() -> PassSize.rowsPerPass(MLP, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 1 byte");
    }

    @Test
    void aResidualImageNetHoldsFarFewerRowsPerPassThanTheFixedLimitUnderTheDefaultBudget() {
        Graph resnet = OnnxImporter.load(ArchitectureFixtures.materialise("resnet18"), null).graph();

        long row = PassSize.bytesPerRow(resnet);
        int rows = PassSize.rowsPerPass(resnet, 1L << 30);

        assertThat(row).as("the input alone is 3 × 32 × 32 floats, 3 arrays of them").isGreaterThan(3 * 4 * 3 * 32 * 32);
        assertThat(rows).isLessThan(Attributor.DEFAULT_MAX_ROWS_PER_PASS);
        assertThat((long) rows * row).isLessThanOrEqualTo(1L << 30);
    }
}
