package dev.stabilis.certify;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.engine.GraphModel;
import dev.stabilis.engine.TargetKind;
import dev.stabilis.fixtures.OperatorGraphs;
import dev.stabilis.graph.Activation;
import dev.stabilis.graph.Dense;
import dev.stabilis.graph.Graph;
import dev.stabilis.graph.HostTensor;
import dev.stabilis.graph.Shapes;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Interval bounds through every operator kind are sound: no gradient at uniform points, vertices or Hessian-steered
 * extremes of the box escapes them, for logit and log-probability targets and two box sizes; a sample's bounds do
 * not depend on its batch companions; bounds shrink to the gradient as the box does. A rule that forgets GELU′'s
 * interior maximum is caught by the same search.
 */
class OperatorSoundnessTest {

    private static final int ROWS = 3;

    static Stream<Arguments> cases() {
        return OperatorGraphs.all().entrySet().stream().map(e -> Arguments.of(e.getKey(), e.getValue()));
    }

    private static double[][] rows(Graph graph, long seed) {
        Random random = new Random(seed);
        double[][] rows = new double[ROWS][graph.inputSize()];
        for (double[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                row[i] = 0.05 + 0.9 * random.nextDouble();
            }
        }
        return rows;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void noGradientInTheBoxEscapesItsBounds(String name, Graph graph) {
        try (GradientBounds bounds = GradientBounds.load(graph, Device.cpu())) {
            double[][] rows = rows(graph, name.hashCode());
            for (double epsilon : new double[] {0.01, 0.1}) {
                for (TargetKind kind : TargetKind.values()) {
                    assertThat(SoundnessSuite.escapes(bounds, rows, epsilon, kind, 7)).as("%s ε=%s %s", name, epsilon, kind).isEmpty();
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void aRowsBoundsDoNotDependOnItsBatchAndShrinkToTheGradient(String name, Graph graph) {
        try (GradientBounds bounds = GradientBounds.load(graph, Device.cpu());
                NDManager batch = bounds.model().manager().newSubManager()) {
            double[][] rows = rows(graph, name.hashCode() + 1);
            int n = graph.inputSize();
            double[] flat = new double[ROWS * n];
            for (int r = 0; r < ROWS; r++) {
                System.arraycopy(rows[r], 0, flat, r * n, n);
            }
            NDArray x = batch.create(flat, new Shape(Shapes.withBatch(ROWS, graph.inputSampleShape())));
            NDArray classes = bounds.model().predict(x);
            NDArray eps = batch.create(0.05);
            IntervalBounds together = bounds.bounds(x.sub(eps), x.add(eps), classes, TargetKind.LOGIT, 0);
            for (int r = 0; r < ROWS; r++) {
                NDArray one = x.get(r).expandDims(0);
                IntervalBounds alone = bounds.bounds(one.sub(eps), one.add(eps), classes.get(r).expandDims(0), TargetKind.LOGIT, 0);
                assertClose(alone.gradientLower().toDoubleArray(), together.gradientLower().get(r).toDoubleArray(), name);
                assertClose(alone.gradientUpper().toDoubleArray(), together.gradientUpper().get(r).toDoubleArray(), name);
            }
            double[] g = bounds.model().gradients(x, classes, TargetKind.LOGIT).gradient().toDoubleArray();
            IntervalBounds point = bounds.bounds(x, x, classes, TargetKind.LOGIT, 0);
            double[] lo = point.gradientLower().toDoubleArray();
            double[] hi = point.gradientUpper().toDoubleArray();
            double scale = java.util.Arrays.stream(g).map(Math::abs).max().orElse(1) + 1e-12;
            for (int i = 0; i < g.length; i++) {
                assertThat(lo[i]).as("%s: lower bound at ε = 0", name).isLessThanOrEqualTo(g[i]).isGreaterThan(g[i] - 1e-6 * scale);
                assertThat(hi[i]).as("%s: upper bound at ε = 0", name).isGreaterThanOrEqualTo(g[i]).isLessThan(g[i] + 1e-6 * scale);
            }
        }
    }

    /**
     * x ↦ GELU(x) with the box [1.2, 1.6] around √2, where GELU′ peaks at 1.1289: its values at the ends, 1.118 and
     * 1.123, miss the peak. With the interior extremum forgotten the search finds escaping gradients; with it, none.
     */
    @Test
    void theSearchCatchesAGeluDerivativeRangeTakenAtTheEndsOnly() {
        Graph graph = Graph.chain(new long[] {1}, List.of(new Dense(new HostTensor(new long[] {1, 1}, new double[] {1}), null),
                Activation.of(Activation.Kind.GELU),
                new Dense(new HostTensor(new long[] {2, 1}, new double[] {1, -1}), null)));
        double[][] rows = {{1.4}};
        try (GradientBounds sound = GradientBounds.load(graph, Device.cpu())) {
            assertThat(SoundnessSuite.escapes(sound, rows, 0.2, TargetKind.LOGIT, 1)).isEmpty();
        }
        GraphModel model = GraphModel.load(graph, Device.cpu(), DataType.FLOAT64);
        IntervalRule[] rules = IntervalRules.of(model);
        rules[1] = new ActivationRule(model, 1, (Activation) graph.nodes().get(1).op(), List.of());
        try (GradientBounds mutated = new IntervalGradientBounds(model, rules)) {
            assertThat(SoundnessSuite.escapes(mutated, rows, 0.2, TargetKind.LOGIT, 1)).as("escapes under the mutated rule").isNotEmpty();
        }
    }

    private static void assertClose(double[] alone, double[] together, String name) {
        for (int i = 0; i < alone.length; i++) {
            double tolerance = 1e-9 * (1 + Math.abs(together[i]));
            assertThat(alone[i]).as("%s: bound %d alone vs in the batch", name, i).isCloseTo(together[i], org.assertj.core.data.Offset.offset(tolerance));
        }
    }
}
