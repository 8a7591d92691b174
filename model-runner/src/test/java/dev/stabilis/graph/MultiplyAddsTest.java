package dev.stabilis.graph;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The arithmetic of a forward pass per sample: each product's output elements times the length of their dot products,
 * one per element for every other operator.
 */
class MultiplyAddsTest {

    private static HostTensor zeros(long... shape) {
        return new HostTensor(shape, new double[Math.toIntExact(Shapes.perSample(shape))]);
    }

    @Test
    void aDenseMapCostsItsMatrixAndAnActivationOnePerElement() {
        Graph mlp = Graph.chain(new long[] {64}, List.of(
                new Dense(zeros(128, 64), zeros(128)),
                Activation.of(Activation.Kind.RELU),
                new Dense(zeros(10, 128), null)));

        assertThat(mlp.multiplyAddsPerSample()).isEqualTo(128 * 64 + 128 + 10 * 128);
    }

    @Test
    void aGroupedConvolutionCostsItsOutputTimesOneGroupsKernel() {
        Conv2d conv = new Conv2d(zeros(8, 2, 3, 3), null, new int[] {1, 1}, new int[] {1, 1, 1, 1}, new int[] {1, 1}, 2);
        Graph graph = Graph.chain(new long[] {4, 6, 6}, List.of(conv));

        assertThat(graph.multiplyAddsPerSample()).as("8 × 6 × 6 outputs, each over 2 channels × 3 × 3")
                .isEqualTo(8 * 6 * 6 * (2 * 3 * 3));
    }

    @Test
    void aProductOfTwoVariablesCostsItsOutputTimesTheInnerAxis() {
        Graph scores = new Graph("x", new long[] {3, 4}, List.of(
                new Node("t", new Transpose(new int[] {0, 2, 1}), List.of("x"), "xt"),
                new Node("mm", new MatMul(), List.of("x", "xt"), "s")), List.of("s"));

        assertThat(scores.multiplyAddsPerSample()).as("transpose 12 × 1, then 3 × 3 scores over 4").isEqualTo(12 + 3 * 3 * 4);
    }
}
