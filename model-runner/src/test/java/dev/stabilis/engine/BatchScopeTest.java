package dev.stabilis.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.fixtures.OperatorGraphs;
import dev.stabilis.graph.Graph;
import dev.stabilis.graph.Shapes;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A pass keeps its arrays in the batch's manager: after a forward and a gradient pass in a sub-manager that is closed,
 * the model's own manager holds no more arrays than before, for every operator. An array attached to the model's
 * manager lives as long as the model, so a pass that leaves one behind grows a long-running process without bound
 * (a MaxPool's padded windows did: 78 MB per 8 rows of ResNet-18).
 */
class BatchScopeTest {

    static Stream<Arguments> operators() {
        return OperatorGraphs.all().entrySet().stream().map(e -> Arguments.of(e.getKey(), e.getValue()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("operators")
    void aPassLeavesNothingOnTheModelsManager(String name, Graph graph) {
        try (GraphModel model = GraphModel.load(graph, Device.cpu(), DataType.FLOAT32)) {
            pass(model); // the first pass may make the model's lifetime constants (Scalars)
            int before = model.manager().getManagedArrays().size();
            pass(model);
            assertThat(model.manager().getManagedArrays().size()).as("%s: arrays on the model's manager after a pass", name)
                    .isEqualTo(before);
        }
    }

    private static void pass(GraphModel model) {
        try (NDManager batch = model.manager().newSubManager()) {
            var x = batch.randomUniform(0, 1, new Shape(Shapes.withBatch(3, model.inputShape())));
            var classes = model.logits(x).argMax(1);
            model.gradients(x, classes, TargetKind.LOGIT).gradient().toFloatArray();
        }
    }
}
