package dev.stabilis.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.graph.Normalize;
import org.junit.jupiter.api.Test;

/**
 * The one-call native forms the kernels use on the gradient pass's hot path compute what the two-call forms they
 * replace computed: libtorch's {@code linear} is the product with the transposed weight plus the bias, at any input
 * rank, and libtorch's {@code mean} over one axis is the sum over it divided by its length.
 */
class FusedKernelFormsTest {

    private static final double TOLERANCE = 1e-12;

    @Test
    void denseForwardIsTheProductWithTheTransposedWeightPlusTheBias() {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            NDArray weight = manager.randomNormal(new Shape(5, 3)).toType(DataType.FLOAT64, false);
            NDArray bias = manager.randomNormal(new Shape(5)).toType(DataType.FLOAT64, false);
            DenseKernel dense = new DenseKernel(weight, bias);
            for (Shape input : new Shape[] {new Shape(4, 3), new Shape(4, 9, 3), new Shape(2, 4, 9, 3)}) {
                NDArray x = manager.randomNormal(input).toType(DataType.FLOAT64, false);
                NDArray fused = dense.forward(new NDArray[] {x}, input.get(0));
                NDArray twoCalls = x.matMul(weight.transpose()).add(bias);
                assertThat(fused.getShape()).as("input %s", input).isEqualTo(twoCalls.getShape());
                assertThat(fused.sub(twoCalls).abs().max().getDouble()).as("input %s", input).isLessThan(TOLERANCE);
            }
            NDArray x = manager.randomNormal(new Shape(4, 3)).toType(DataType.FLOAT64, false);
            NDArray withoutBias = new DenseKernel(weight, null).forward(new NDArray[] {x}, 4);
            assertThat(withoutBias.sub(x.matMul(weight.transpose())).abs().max().getDouble()).isLessThan(TOLERANCE);
        }
    }

    @Test
    void normalizeMeanOverOneAxisIsTheSumOverItDividedByItsLength() {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            Scalars scalars = new Scalars(manager, DataType.FLOAT64);
            NDArray x = manager.randomNormal(new Shape(4, 9, 32)).toType(DataType.FLOAT64, false);
            for (int[] axes : new int[][] {{2}, {1}, {1, 2}}) {
                long n = 1;
                for (int a : axes) {
                    n *= x.getShape().get(a);
                }
                Signature signature = new Signature(new long[][] {{-1, 9, 32}}, new long[] {-1, 9, 32});
                NormalizingKernels.NormalizeKernel kernel = new NormalizingKernels.NormalizeKernel(new Normalize(axes, 1e-5), signature, scalars);
                NDArray mean = kernel.mean(x);
                NDArray expected = x.sum(axes, true).div(n);
                assertThat(mean.getShape()).as("axes %s", java.util.Arrays.toString(axes)).isEqualTo(expected.getShape());
                assertThat(mean.sub(expected).abs().max().getDouble()).as("axes %s", java.util.Arrays.toString(axes)).isLessThan(TOLERANCE);
            }
        }
    }
}
