package dev.stabilis.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The host's argmax picks the class libtorch's would from the same values: the first of equal largest values, and the
 * first NaN wherever it stands, so that a class read on the host never differs from one read on the tensors.
 */
class ArgmaxTest {

    private static final double NAN = Double.NaN;
    private static final double INF = Double.POSITIVE_INFINITY;

    @Test
    void picksWhatLibtorchsArgmaxPicks() {
        List<double[]> cases = List.of(
                new double[] {0.5},
                new double[] {1, 3, 2},
                new double[] {3, 1, 3},
                new double[] {-INF, -INF, -5},
                new double[] {1, INF, 2, INF},
                new double[] {NAN, 2, 1},
                new double[] {1, NAN, 2},
                new double[] {1, 2, NAN},
                new double[] {INF, 0, NAN, NAN},
                new double[] {-0.0, 0.0},
                new double[] {0.0, -0.0});
        try (NDManager manager = NDManager.newBaseManager()) {
            for (double[] values : cases) {
                long libtorch = manager.create(values).argMax().getLong();
                assertThat(Argmax.firstLargest(values.length, j -> values[j]))
                        .as("argmax of %s", java.util.Arrays.toString(values)).isEqualTo((int) libtorch);
            }
        }
    }

    @Test
    void aNaNFirstIsTheLargest() {
        double[] values = {NAN, INF, 7};
        assertThat(Argmax.firstLargest(values.length, j -> values[j])).isZero();
    }
}
