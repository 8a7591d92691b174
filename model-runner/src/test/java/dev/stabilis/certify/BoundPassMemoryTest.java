package dev.stabilis.certify;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.engine.GraphModel;
import dev.stabilis.engine.ScopedStep;
import dev.stabilis.engine.TargetKind;
import dev.stabilis.fixtures.ScopedPasses;
import dev.stabilis.graph.Graph;
import dev.stabilis.graph.Shapes;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What a large interval bound pass holds in the batch's manager ({@link ScopedStep}): while it runs, the boxes of its
 * values and their adjoints, not the temporaries of every rule it has applied (ends, margins, products: these are freed node by node);
 * after it returns, only its four bounds. Checked on every operator graph and the digits MLP and CNN, counting the
 * arrays alive in the batch's manager at every rule call ({@link NDManager#getManagedArrays}).
 */
class BoundPassMemoryTest {

    /** Arrays a pass may hold besides two boxes (centre, radius) per value: its inputs, their float64 ends, the seed. */
    private static final int FIXED = 16;

    @Test
    void aPassHoldsItsBoxesNotEveryRulesTemporariesAndLeavesOnlyItsBounds() {
        for (Map.Entry<String, Graph> e : ScopedPasses.graphs().entrySet()) {
            Graph graph = e.getValue();
            GraphModel model = GraphModel.load(graph, Device.cpu(), DataType.FLOAT64);
            IntervalRule[] rules = IntervalRules.of(model);
            int[] peak = {0};
            NDManager[] batch = new NDManager[1];
            IntervalRule[] counted = new IntervalRule[rules.length];
            for (int i = 0; i < rules.length; i++) {
                IntervalRule rule = rules[i];
                counted[i] = new IntervalRule() {
                    @Override
                    public Interval forward(Interval[] in, long rows, double gamma) {
                        peak[0] = Math.max(peak[0], batch[0].getManagedArrays().size());
                        return rule.forward(in, rows, gamma);
                    }

                    @Override
                    public Interval[] backward(Interval adjoint, Interval[] in, Interval out, double gamma) {
                        peak[0] = Math.max(peak[0], batch[0].getManagedArrays().size());
                        return rule.backward(adjoint, in, out, gamma);
                    }
                };
            }
            try (GradientBounds bounds = new IntervalGradientBounds(model, counted);
                    NDManager manager = model.manager().newSubManager()) {
                batch[0] = manager;
                int rows = ScopedPasses.rows(graph);
                Shape shape = new Shape(Shapes.resolve(graph.inputShape(), rows));
                NDArray x = manager.randomUniform(0.1f, 1f, shape, DataType.FLOAT64);
                NDArray lower = x.sub(0.01);
                NDArray upper = x.add(0.01);
                NDArray classes = manager.zeros(new Shape(rows), DataType.INT64);
                int before = manager.getManagedArrays().size();

                IntervalBounds b = bounds.bounds(lower, upper, classes, TargetKind.LOGIT, 0);

                int values = graph.nodes().size() + 1;
                System.out.printf("%s: %d values, at most %d arrays alive at a rule, %d after the pass%n", e.getKey(), values,
                        peak[0], manager.getManagedArrays().size());
                assertThat(peak[0]).as("%s: arrays alive at a rule call, %d values", e.getKey(), values)
                        .isLessThanOrEqualTo(before + 4 * values + FIXED);
                assertThat(manager.getManagedArrays()).as("%s: what the pass leaves", e.getKey())
                        .hasSize(before + 4)
                        .contains(b.gradientLower(), b.gradientUpper(), b.logitLower(), b.logitUpper());
            }
        }
    }
}
