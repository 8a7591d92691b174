package dev.stabilis.harden;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.stabilis.graph.Activation;
import dev.stabilis.graph.Dense;
import dev.stabilis.graph.HostTensor;
import dev.stabilis.graph.Node;
import dev.stabilis.graph.Graph;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * DJL's autograd differentiates each penalty, computed by the engine's explicit input gradients, Hessian-vector
 * products and interval bounds, with respect to the weights: the gradient of every weight of the first layer
 * agrees with central finite differences of the penalty (float64, a smooth tanh network; random probes and
 * noise drawn from the same seed for every evaluation).
 */
class PenaltyGradientTest {

    private static final Device CPU = Device.cpu();
    private static final double H = 1e-6;

    private static final Graph GRAPH = new Architecture(new int[] {5}, Activation.Kind.TANH).build(4, 3, null, 11);
    private static final double[] X = {0.1, 0.7, 0.4, 0.9, 0.3, 0.2, 0.8, 0.5};
    private static final long[] LABELS = {2, 0};

    @Test
    void certifiedWidthGradientMatchesFiniteDifferences() {
        check(() -> new CertifiedWidth(1, 0.05, 1));
    }

    @Test
    void hessianNormGradientMatchesFiniteDifferences() {
        check(() -> new HessianNorm(1, 2, 10f, new Random(5)));
    }

    @Test
    void rankingThicknessGradientMatchesFiniteDifferences() {
        check(() -> new RankingThickness(1, 2));
    }

    @Test
    void attributionProtectionGradientMatchesFiniteDifferences() {
        check(() -> new AttributionProtection(1, 0.05, AttributionProtection.Similarity.COSINE, new Random(5)));
    }

    @Test
    void smoothKendallProtectionGradientMatchesFiniteDifferences() {
        check(() -> new AttributionProtection(1, 0.05, AttributionProtection.Similarity.KENDALL, new Random(5)));
    }

    @Test
    void weightDecayGradientIsTwiceTheWeights() {
        check(() -> new WeightDecay(0.5));
    }

    private static void check(Supplier<Penalty> penalty) {
        double[] autograd = autogradOfFirstWeights(penalty.get());
        Dense first = (Dense) GRAPH.nodes().get(0).op();
        double[] w = first.weight().data();
        for (int i = 0; i < w.length; i++) {
            double up = value(penalty.get(), withFirstWeight(i, w[i] + H));
            double down = value(penalty.get(), withFirstWeight(i, w[i] - H));
            double numeric = (up - down) / (2 * H);
            assertThat(autograd[i]).as("weight %d", i).isCloseTo(numeric, org.assertj.core.data.Offset.offset(1e-6 + 1e-4 * Math.abs(numeric)));
        }
        assertThat(java.util.Arrays.stream(autograd).map(Math::abs).max().orElseThrow()).as("the penalty depends on the first layer")
                .isGreaterThan(1e-4);
    }

    private static double[] autogradOfFirstWeights(Penalty penalty) {
        try (Parameters parameters = new Parameters(GRAPH, CPU); NDManager batch = parameters.newBatch()) {
            try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                BoundNetwork network = new BoundNetwork(GRAPH, parameters.copiesIn(batch), batch);
                collector.backward(penalty.of(network, x(batch), batch.create(LABELS), 1));
            }
            NDArray gradient = parameters.dense(0)[0].getGradient();
            gradient.attach(batch);
            return gradient.toDoubleArray();
        }
    }

    private static double value(Penalty penalty, Graph graph) {
        try (Parameters parameters = new Parameters(graph, CPU); NDManager batch = parameters.newBatch()) {
            BoundNetwork network = new BoundNetwork(graph, parameters.copiesIn(batch), batch);
            return penalty.of(network, x(batch), batch.create(LABELS), 1).getDouble();
        }
    }

    private static NDArray x(NDManager batch) {
        return batch.create(X, new Shape(2, 4));
    }

    private static Graph withFirstWeight(int index, double value) {
        Dense first = (Dense) GRAPH.nodes().get(0).op();
        double[] w = first.weight().data();
        w[index] = value;
        Dense changed = new Dense(new HostTensor(first.weight().shape(), w), first.bias());
        return GRAPH.rewrite(node -> node == GRAPH.nodes().get(0) ? List.of(new Node(node.name(), changed, node.inputs(), node.output())) : null);
    }
}
