package dev.stabilis.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.fixtures.Fixture;
import dev.stabilis.graph.Graph;
import dev.stabilis.onnx.OnnxImporter;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * A dense ReLU network on the host gives the gradients the tensor ops give: {@link GraphModel#gradients} takes it for
 * a few rows and the tensor pass for more, and both agree to the rounding of their type.
 */
class HostDenseNetworkTest {

    private static final Fixture RELU = Fixture.load("digits_mlp_relu");

    @Test
    void takesDenseReluNetworksOnly() {
        assertThat(HostDenseNetwork.of(OnnxImporter.read(RELU.onnx()), Long.MAX_VALUE)).isPresent();
        for (String other : List.of("digits_mlp_softplus", "digits_cnn", "breast_cancer_mlp_tanh", "digits_mlp_mixed")) {
            assertThat(HostDenseNetwork.of(OnnxImporter.read(Fixture.load(other).onnx()), Long.MAX_VALUE)).as(other).isEmpty();
        }
    }

    @Test
    void takesNoNetworkWhoseRowExceedsTheCallersLimit() {
        Graph graph = OnnxImporter.read(RELU.onnx());
        assertThat(HostDenseNetwork.of(graph, graph.multiplyAddsPerSample())).isPresent();
        assertThat(HostDenseNetwork.of(graph, graph.multiplyAddsPerSample() - 1)).isEmpty();
    }

    @Test
    void rowsFitALimitOfMultiplyAddsByTheGraphsCount() {
        Graph graph = OnnxImporter.read(RELU.onnx());
        HostDenseNetwork host = HostDenseNetwork.of(graph, Long.MAX_VALUE).orElseThrow();
        long perRow = graph.multiplyAddsPerSample();
        assertThat(host.fits(1, perRow)).isTrue();
        assertThat(host.fits(3, 3 * perRow)).isTrue();
        assertThat(host.fits(3, 3 * perRow - 1)).isFalse();
        assertThat(HostDenseNetwork.GRADIENT_MULTIPLY_ADDS / perRow).as("rows of the digits MLP on the host").isEqualTo(10);
    }

    /**
     * Rows one at a time (host) against all of them in one call past the host's limit (tensor ops), float64 to 1e-12
     * and float32 to 1e-5 of the largest magnitude, at least 1 (libtorch sums float32; the host sums float64 and rounds
     * once).
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(TargetKind.class)
    void gradientsOfRowsAloneOnTheHostAreThoseOfTheTensorPass(TargetKind kind) {
        Graph graph = OnnxImporter.read(RELU.onnx());
        float[][] rows = RELU.inputs();
        int batch = Math.max(rows.length, (int) (HostDenseNetwork.GRADIENT_MULTIPLY_ADDS / graph.multiplyAddsPerSample()) + 1);
        int n = graph.inputSize();
        float[] flat = new float[batch * n];
        for (int r = 0; r < batch; r++) {
            System.arraycopy(rows[r % rows.length], 0, flat, r * n, n);
        }
        for (DataType type : List.of(DataType.FLOAT64, DataType.FLOAT32)) {
            double tolerance = type == DataType.FLOAT64 ? 1e-12 : 1e-5;
            try (GraphModel model = GraphModel.load(graph, Device.cpu(), type);
                    NDManager manager = model.manager().newSubManager()) {
                Gradients together = model.gradients(manager.create(flat, new Shape(batch, n)).toType(type, false), null, kind);
                double[] logits = together.logits().toType(DataType.FLOAT64, false).toDoubleArray();
                double[] gradient = together.gradient().toType(DataType.FLOAT64, false).toDoubleArray();
                long[] classes = together.classes().toLongArray();
                for (int r = 0; r < rows.length; r++) {
                    Gradients alone = model.gradients(manager.create(rows[r], new Shape(1, n)).toType(type, false),
                            manager.create(new long[] {classes[r]}), kind);
                    String where = type + " " + kind + " row " + r;
                    assertThat(alone.gradient().getDataType()).isEqualTo(type);
                    assertThat(alone.gradient().getShape()).isEqualTo(new Shape(1, n));
                    assertThat(alone.classes().toLongArray()).containsExactly(classes[r]);
                    Gradients predicted = model.gradients(manager.create(rows[r], new Shape(1, n)).toType(type, false), null, kind);
                    assertThat(predicted.classes().toLongArray()).as("%s predicted", where).containsExactly(classes[r]);
                    assertClose(where + " logits", alone.logits().toType(DataType.FLOAT64, false).toDoubleArray(),
                            slice(logits, r, graph.outputSampleShape()[0]), tolerance);
                    assertClose(where + " gradient", alone.gradient().toType(DataType.FLOAT64, false).toDoubleArray(),
                            slice(gradient, r, n), tolerance);
                }
            }
        }
    }

    private static double[] slice(double[] flat, int row, long width) {
        return java.util.Arrays.copyOfRange(flat, (int) (row * width), (int) ((row + 1) * width));
    }

    private static void assertClose(String what, double[] actual, double[] expected, double relative) {
        assertThat(actual).as(what).hasSameSizeAs(expected);
        double scale = 1; // a log-probability's seed 1 − p cancels: its gradient's error is relative to the logits'
        for (double e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        for (int i = 0; i < actual.length; i++) {
            if (!(Math.abs(actual[i] - expected[i]) <= relative * scale)) {
                fail("%s[%d]: %.17g, expected %.17g to %.1g of %.3g", what, i, actual[i], expected[i], relative, scale);
            }
        }
    }
}
