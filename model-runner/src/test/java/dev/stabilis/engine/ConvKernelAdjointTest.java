package dev.stabilis.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.graph.Conv2d;
import dev.stabilis.graph.HostTensor;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every way {@link ConvKernel} computes its maps (unrolled matrix on small maps, stacked stride phases, the 1×1
 * write-back, the transposed convolution), for W and for |W|, in float64 on random x and y: the forward map is
 * libtorch's convolution of the explicitly padded input, and the adjoint is its exact transpose,
 * {@code ⟨A x, y⟩ = ⟨x, Aᵀ y⟩}.
 */
class ConvKernelAdjointTest {

    static Stream<Arguments> shapes() {
        // name, input channels, output channels, kernel {kh, kw}, strides, pads {top, left, bottom, right}, dilations, groups, input {H, W}
        return Stream.of(
                Arguments.of("unrolled small map, asymmetric padding", 3, 4, new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 0, 0, 1}, new int[] {1, 1}, 1, new int[] {4, 4}),
                Arguments.of("unrolled 2×2 map to 1×1", 2, 5, new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1, 1, 1}, new int[] {1, 1}, 1, new int[] {2, 2}),
                Arguments.of("unrolled dilated, unequal strides", 2, 3, new int[] {3, 2}, new int[] {2, 1}, new int[] {2, 1, 1, 2}, new int[] {2, 1}, 1, new int[] {4, 3}),
                Arguments.of("phases, 7×7 stem-like", 3, 4, new int[] {7, 7}, new int[] {2, 2}, new int[] {3, 3, 3, 3}, new int[] {1, 1}, 1, new int[] {11, 12}),
                Arguments.of("phases, asymmetric padding, unequal strides", 2, 3, new int[] {3, 4}, new int[] {2, 3}, new int[] {0, 2, 1, 0}, new int[] {1, 1}, 1, new int[] {9, 10}),
                Arguments.of("phases, grouped", 4, 6, new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1, 1, 1}, new int[] {1, 1}, 2, new int[] {9, 8}),
                Arguments.of("phases, depthwise", 3, 3, new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1, 1, 1}, new int[] {1, 1}, 3, new int[] {8, 8}),
                Arguments.of("phases, stride above the kernel", 2, 3, new int[] {2, 2}, new int[] {3, 3}, new int[] {0, 0, 0, 0}, new int[] {1, 1}, 1, new int[] {10, 11}),
                Arguments.of("1×1 strided", 3, 4, new int[] {1, 1}, new int[] {2, 2}, new int[] {0, 0, 0, 0}, new int[] {1, 1}, 1, new int[] {9, 8}),
                Arguments.of("1×1 strided, padded", 3, 4, new int[] {1, 1}, new int[] {2, 3}, new int[] {1, 2, 0, 1}, new int[] {1, 1}, 1, new int[] {7, 8}),
                Arguments.of("1×1 unstrided", 3, 4, new int[] {1, 1}, new int[] {1, 1}, new int[] {0, 0, 0, 0}, new int[] {1, 1}, 1, new int[] {5, 6}),
                Arguments.of("transposed, strided dilated", 2, 3, new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 2, 2, 1}, new int[] {2, 2}, 1, new int[] {10, 9}),
                Arguments.of("transposed, unstrided padded", 2, 3, new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1, 1, 1}, new int[] {1, 1}, 1, new int[] {6, 6}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void adjointIsTheTransposeOfTheForwardMap(String name, int in, int out, int[] kernel, int[] strides, int[] pads,
            int[] dilations, int groups, int[] size) {
        Random random = new Random(name.hashCode());
        HostTensor weight = gaussian(random, out, in / groups, kernel[0], kernel[1]);
        Conv2d op = new Conv2d(weight, null, strides, pads, dilations, groups);
        long[] inputShape = {-1, in, size[0], size[1]};
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
                ConvKernel conv = new ConvKernel(op, inputShape, manager, DataType.FLOAT64)) {
            NDArray x = manager.create(gaussian(random, 2, in, size[0], size[1]).data(), new Shape(2, in, size[0], size[1]));
            NDArray ax = conv.linear(new NDArray[] {x});
            assertClose(name + ", W: forward against libtorch's convolution", ax, reference(x, weight, op, manager));
            NDArray y = manager.create(gaussian(random, ax.getShape().getShape()).data(), ax.getShape());

            NDArray aty = conv.adjoint(y)[0];
            assertThat(aty.getShape()).as(name).isEqualTo(x.getShape());
            assertDotProductsAgree(name + ", W", ax, y, x, aty);

            NDArray mx = conv.magnitude(new NDArray[] {x});
            assertClose(name + ", |W|: forward against libtorch's convolution", mx, reference(x, weight.absolute(), op, manager));
            assertDotProductsAgree(name + ", |W|", mx, y, x, conv.magnitudeAdjoint(y)[0]);
        }
    }

    private static NDArray reference(NDArray x, HostTensor weight, Conv2d op, NDManager manager) {
        int[] p = op.pads();
        NDArray padded = x.pad(new Shape(p[1], p[3], p[0], p[2]), 0);
        NDArray w = manager.create(weight.data(), new Shape(weight.shape()));
        return padded.getNDArrayInternal().convolution(padded, w, null, new Shape(op.strides()[0], op.strides()[1]),
                new Shape(0, 0), new Shape(op.dilations()[0], op.dilations()[1]), op.groups()).singletonOrThrow();
    }

    private static void assertClose(String what, NDArray actual, NDArray expected) {
        assertThat(actual.getShape()).as(what).isEqualTo(expected.getShape());
        double[] a = actual.toDoubleArray();
        double[] e = expected.toDoubleArray();
        double scale = expected.abs().max().getDouble();
        for (int i = 0; i < a.length; i++) {
            assertThat(a[i]).as("%s [%d]", what, i).isCloseTo(e[i], within(1e-12 * scale));
        }
    }

    private static void assertDotProductsAgree(String what, NDArray ax, NDArray y, NDArray x, NDArray aty) {
        double left = ax.mul(y).sum().getDouble();
        double right = x.mul(aty).sum().getDouble();
        double scale = ax.abs().mul(y.abs()).sum().getDouble();
        assertThat(scale).as(what + ": the map is not zero").isGreaterThan(0);
        assertThat(right).as(what + ": ⟨x, Aᵀy⟩ against ⟨Ax, y⟩").isCloseTo(left, within(1e-12 * scale));
    }

    private static HostTensor gaussian(Random random, long... shape) {
        long size = 1;
        for (long d : shape) {
            size *= d;
        }
        double[] v = new double[(int) size];
        for (int i = 0; i < v.length; i++) {
            v[i] = random.nextGaussian();
        }
        return new HostTensor(shape, v);
    }
}
