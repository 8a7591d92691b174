package dev.stabilis.certify;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.engine.GraphModel;
import dev.stabilis.engine.TargetKind;
import dev.stabilis.fixtures.Fixture;
import dev.stabilis.graph.Activation;
import dev.stabilis.graph.Dense;
import dev.stabilis.graph.Graph;
import dev.stabilis.graph.HostTensor;
import dev.stabilis.graph.Node;
import dev.stabilis.graph.Shapes;
import dev.stabilis.onnx.OnnxImporter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Dense and ReLU boxes whose magnitude is proven below 2¹⁰⁰⁰ skip the non-finite cleanup ({@link Interval#bound}):
 * the bounds are the same bits as with the boxes cleaned, and where a layer can overflow the proof fails and the
 * cleanup still makes the overflowing coordinates unbounded.
 */
class ProvenMagnitudeTest {

    @Test
    void boundsOfBoxesProvenFiniteAreTheBitsOfBoundsWithTheBoxesCleaned() {
        Fixture fixture = Fixture.load("digits_mlp_relu");
        Graph graph = OnnxImporter.read(fixture.onnx());
        for (TargetKind kind : TargetKind.values()) {
            try (GradientBounds proven = GradientBounds.load(graph, Device.cpu());
                    NDManager arrays = NDManager.newBaseManager(Device.cpu(), "PyTorch");
                    GradientBounds cleaned = IntervalGradientBounds.of(onSuppliedArrays(graph, arrays))) {
                assertThat(proven.model().computesWithGraphConstants()).isTrue();
                assertThat(cleaned.model().computesWithGraphConstants()).isFalse();
                for (double epsilon : new double[] {0, 0.01, 0.2}) {
                    double[][] a = bounds(proven, fixture, epsilon, kind);
                    double[][] b = bounds(cleaned, fixture, epsilon, kind);
                    for (int i = 0; i < a.length; i++) {
                        assertThat(a[i]).as("%s ε %s: bounds %d", kind, epsilon, i).containsExactly(b[i]);
                    }
                }
            }
        }
    }

    @Test
    void onlyABoundPassOnTheCpuReadsTheInputMagnitudeBackSoNoAcceleratorStreamWaitsForTheHost() {
        Graph graph = OnnxImporter.read(Fixture.load("digits_mlp_relu").onnx());
        try (IntervalGradientBounds bounds = (IntervalGradientBounds) GradientBounds.load(graph, Device.cpu());
                NDManager arrays = NDManager.newBaseManager(Device.cpu(), "PyTorch");
                IntervalGradientBounds supplied = IntervalGradientBounds.of(onSuppliedArrays(graph, arrays))) {
            assertThat(bounds.readsInputMagnitude(Device.cpu())).isTrue();
            assertThat(bounds.readsInputMagnitude(Device.gpu())).isFalse();
            assertThat(bounds.readsInputMagnitude(Device.gpu(1))).isFalse();
            assertThat(supplied.readsInputMagnitude(Device.cpu())).as("weights that training changes have no norms").isFalse();
        }
    }

    /**
     * x ∈ [1, 2] through two dense layers of weight 10²⁰⁰ with ReLU: the second pre-activation is about 10⁴⁰⁰, past
     * float64. The first layer's box is proven finite; the second's proof fails, so it is cleaned: the logit's upper
     * bound and the gradient's upper bound are +∞ (the exact gradient, 10⁴⁰⁰, lies in them) and nothing is NaN. Were
     * the second box taken as finite, its radius ∞ − ∞ would make every later bound NaN.
     */
    @Test
    void aLayerThatCanOverflowFailsTheProofAndItsCoordinatesBecomeUnbounded() {
        HostTensor huge = new HostTensor(new long[] {1, 1}, new double[] {1e200});
        Graph graph = Graph.chain(new long[] {1}, List.of(new Dense(huge, null), Activation.of(Activation.Kind.RELU),
                new Dense(huge, null), Activation.of(Activation.Kind.RELU),
                new Dense(new HostTensor(new long[] {2, 1}, new double[] {1, -1}), null)));
        try (GradientBounds bounds = GradientBounds.load(graph, Device.cpu());
                NDManager manager = bounds.model().manager().newSubManager()) {
            Shape shape = new Shape(1, 1);
            IntervalBounds b = bounds.bounds(manager.create(new double[] {1}, shape), manager.create(new double[] {2}, shape),
                    manager.create(new long[] {0}), TargetKind.LOGIT, 0);
            double[] gradient = {b.gradientLower().getDouble(0, 0), b.gradientUpper().getDouble(0, 0)};
            double[] logits = concat(b.logitLower().toDoubleArray(), b.logitUpper().toDoubleArray());
            assertThat(gradient).doesNotContain(Double.NaN);
            assertThat(logits).doesNotContain(Double.NaN);
            assertThat(gradient[1]).as("gradient upper bound").isEqualTo(Double.POSITIVE_INFINITY);
            assertThat(b.logitUpper().getDouble(0, 0)).as("logit 0 upper bound").isEqualTo(Double.POSITIVE_INFINITY);
            assertThat(b.logitLower().getDouble(0, 1)).as("logit 1 lower bound").isEqualTo(Double.NEGATIVE_INFINITY);
        }
    }

    private static double[][] bounds(GradientBounds bounds, Fixture fixture, double epsilon, TargetKind kind) {
        try (NDManager manager = bounds.model().manager().newSubManager()) {
            int n = 3;
            double[] x = new double[n * fixture.inputSize()];
            long[] classes = new long[n];
            for (int s = 0; s < n; s++) {
                float[] input = fixture.samples().get(s).input();
                for (int i = 0; i < input.length; i++) {
                    x[s * input.length + i] = input[i];
                }
                classes[s] = fixture.samples().get(s).predicted();
            }
            NDArray rows = manager.create(x, new Shape(Shapes.withBatch(n, fixture.inputShape())));
            // both as tensor ops: the proven one's logit calls would otherwise take the host pass
            IntervalBounds b = ((IntervalGradientBounds) bounds).tensorBounds(rows.sub(epsilon), rows.add(epsilon),
                    manager.create(classes), kind, 0);
            return new double[][] {b.gradientLower().toDoubleArray(), b.gradientUpper().toDoubleArray(),
                b.logitLower().toDoubleArray(), b.logitUpper().toDoubleArray()};
        }
    }

    /** The graph on arrays supplied as a training loop would: the same values, but nothing proven from them. */
    private static GraphModel onSuppliedArrays(Graph graph, NDManager manager) {
        List<NDArray[]> dense = new ArrayList<>();
        for (Node node : graph.nodes()) {
            if (node.op() instanceof Dense d) {
                dense.add(new NDArray[] {upload(manager, d.weight()), d.bias() == null ? null : upload(manager, d.bias())});
            }
        }
        return GraphModel.withDenseArrays(graph, manager.newSubManager(), DataType.FLOAT64, dense::get);
    }

    private static NDArray upload(NDManager manager, HostTensor t) {
        return manager.create(t.data(), new Shape(t.shape()));
    }

    private static double[] concat(double[] a, double[] b) {
        double[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
