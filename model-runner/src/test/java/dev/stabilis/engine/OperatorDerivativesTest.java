package dev.stabilis.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.stabilis.fixtures.OperatorGraphs;
import dev.stabilis.graph.Graph;
import dev.stabilis.graph.Shapes;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * For a graph around every operator kind, in float64: the explicit backward pass equals PyTorch autograd through
 * the forward pass, directional derivatives of the score match central differences, and the R-operator's
 * Hessian-vector products match central differences of the gradient.
 */
class OperatorDerivativesTest {

    private static final int ROWS = 3;

    static Stream<Arguments> cases() {
        return OperatorGraphs.all().entrySet().stream().map(e -> Arguments.of(e.getKey(), e.getValue()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void backwardRulesAgreeWithAutogradAndTheRoperatorWithFiniteDifferences(String name, Graph graph) {
        try (GraphModel model = GraphModel.load(graph, Device.cpu(), DataType.FLOAT64);
                NDManager batch = model.manager().newSubManager()) {
            Random random = new Random(name.hashCode());
            NDArray x = points(batch, graph, random);
            NDArray classes = model.predict(x);
            double[] g = model.gradients(x, classes, TargetKind.LOGIT).gradient().toDoubleArray();

            double[] autograd = autogradGradient(model, x, classes);
            double scale = maxAbs(g) + 1e-12;
            for (int i = 0; i < g.length; i++) {
                assertThat(g[i]).as("%s: gradient %d against autograd", name, i).isCloseTo(autograd[i], within(1e-10 * scale));
            }

            double h = 1e-6;
            NDArray u = directions(batch, x, random);
            double[] up = scores(model, x.add(u.mul(h)), classes);
            double[] down = scores(model, x.sub(u.mul(h)), classes);
            double[] ud = u.toDoubleArray();
            int n = graph.inputSize();
            for (int r = 0; r < ROWS; r++) {
                double directional = 0;
                for (int i = 0; i < n; i++) {
                    directional += g[r * n + i] * ud[r * n + i];
                }
                double numeric = (up[r] - down[r]) / (2 * h);
                assertThat(directional).as("%s row %d: ⟨g, u⟩ against the score's central difference", name, r)
                        .isCloseTo(numeric, within(1e-5 * (1 + Math.abs(numeric))));
            }

            HessianVectorProduct hvp = new HessianVectorProduct(model);
            double[] exact = hvp.apply(x, classes, TargetKind.LOGIT, u).toDoubleArray();
            double k = 1e-5;
            double[] gUp = model.gradients(x.add(u.mul(k)), classes, TargetKind.LOGIT).gradient().toDoubleArray();
            double[] gDown = model.gradients(x.sub(u.mul(k)), classes, TargetKind.LOGIT).gradient().toDoubleArray();
            double hScale = maxAbs(exact) + 1e-9;
            for (int i = 0; i < exact.length; i++) {
                double numeric = (gUp[i] - gDown[i]) / (2 * k);
                assertThat(exact[i]).as("%s: (H u)[%d] against the gradient's central difference", name, i)
                        .isCloseTo(numeric, within(1e-4 * hScale + 1e-7));
            }
        }
    }

    /** Inputs in [0.05, 0.95], away from the box of the domain. */
    static NDArray points(NDManager batch, Graph graph, Random random) {
        double[] flat = new double[ROWS * graph.inputSize()];
        for (int i = 0; i < flat.length; i++) {
            flat[i] = 0.05 + 0.9 * random.nextDouble();
        }
        return batch.create(flat, new Shape(Shapes.withBatch(ROWS, graph.inputSampleShape())));
    }

    private static NDArray directions(NDManager batch, NDArray x, Random random) {
        double[] d = new double[(int) x.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = random.nextGaussian();
        }
        return batch.create(d, x.getShape());
    }

    private static double[] scores(GraphModel model, NDArray x, NDArray classes) {
        NDArray logits = model.forward(x);
        return logits.mul(classes.oneHot((int) logits.getShape().get(1), DataType.FLOAT64)).sum(new int[] {1}).toDoubleArray();
    }

    private static double[] autogradGradient(GraphModel model, NDArray x, NDArray classes) {
        NDArray input = x.duplicate();
        try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
            input.setRequiresGradient(true);
            NDArray logits = model.forward(input);
            collector.backward(logits.mul(classes.oneHot((int) logits.getShape().get(1), DataType.FLOAT64)).sum());
            return input.getGradient().toDoubleArray();
        }
    }

    private static double maxAbs(double[] v) {
        double m = 0;
        for (double d : v) {
            m = Math.max(m, Math.abs(d));
        }
        return m;
    }
}
