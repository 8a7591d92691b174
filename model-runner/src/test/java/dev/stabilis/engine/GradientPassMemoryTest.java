package dev.stabilis.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.fixtures.ScopedPasses;
import dev.stabilis.graph.Graph;
import dev.stabilis.graph.Shapes;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What a large gradient pass leaves in the batch's manager: every value of the forward pass and every adjoint of the
 * backward pass, at most two arrays per value plus the pass's inputs and seed, not the temporaries its kernels made
 * on the way (each node's are freed once its output or its inputs' adjoints are known). Counted with
 * {@link NDManager#getManagedArrays} on every operator graph and the digits MLP and CNN.
 */
class GradientPassMemoryTest {

    /** Arrays a pass may hold besides two per value: the input in the model's type, the targets, the seed and so on. */
    private static final int FIXED = 8;

    static Stream<Arguments> graphs() {
        return ScopedPasses.graphs().entrySet().stream().map(e -> Arguments.of(e.getKey(), e.getValue()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("graphs")
    void aGradientPassHoldsItsValuesAndAdjointsNotItsKernelsTemporaries(String name, Graph graph) {
        try (GraphModel model = GraphModel.load(graph, Device.cpu(), DataType.FLOAT32);
                NDManager batch = model.manager().newSubManager()) {
            int rows = ScopedPasses.rows(graph);
            NDArray x = batch.randomUniform(0.1f, 1f, new Shape(Shapes.resolve(graph.inputShape(), rows)));
            NDArray classes = batch.zeros(new Shape(rows), DataType.INT64);
            int before = batch.getManagedArrays().size();

            Gradients g = model.gradients(x, classes, TargetKind.LOGIT);

            int values = graph.nodes().size() + 1;
            int held = batch.getManagedArrays().size() - before;
            System.out.printf("%s: %d values, %d rows, %d arrays held after a gradient pass%n", name, values, rows, held);
            assertThat(held).as("%s: arrays a gradient pass of %d values leaves", name, values).isLessThanOrEqualTo(2 * values + FIXED);
            assertThat(batch.getManagedArrays()).contains(g.gradient(), g.logits());
        }
    }
}
