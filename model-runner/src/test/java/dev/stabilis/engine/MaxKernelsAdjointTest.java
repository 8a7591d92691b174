package dev.stabilis.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.stabilis.graph.MaxPool2d;
import dev.stabilis.graph.ReduceMax;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The adjoint of max pooling and ReduceMax by libtorch's own autograd ({@link NativeAdjoint}) routes every window's
 * gradient where the hand-written rule does (the first largest tap, ties included), from several threads at once,
 * leaving nothing behind but its result, and yields to the hand-written rule inside an outer autograd.
 */
class MaxKernelsAdjointTest {

    private static final MaxPool2d RESNET_STEM_POOL = new MaxPool2d(new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1, 1, 1}, new int[] {1, 1});

    static Stream<Arguments> pools() {
        // name, kernel, strides, pads {top, left, bottom, right}, input {H, W}
        return Stream.of(
                Arguments.of("ResNet stem pool 3×3/2, pad 1", new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1, 1, 1}, new int[] {16, 16}),
                Arguments.of("3×3/2, pad 1, odd map", new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1, 1, 1}, new int[] {7, 9}),
                Arguments.of("2×2/2, no padding", new int[] {2, 2}, new int[] {2, 2}, new int[] {0, 0, 0, 0}, new int[] {8, 6}),
                Arguments.of("3×3/1, pad 1 (every position in 9 windows)", new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1, 1, 1}, new int[] {6, 5}),
                Arguments.of("3×2, strides 2×1, pad 1×0", new int[] {3, 2}, new int[] {2, 1}, new int[] {1, 0, 1, 0}, new int[] {7, 5}));
    }

    /**
     * Inputs on a coarse grid after a ReLU (most windows tie, many at 0) and integer adjoints, so that every sum is
     * exact: the two rules must agree bit for bit, which holds only if each window's gradient goes to the same tap.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("pools")
    void libtorchRoutesEveryWindowToTheSameTapAsTheMaxima(String name, int[] kernel, int[] strides, int[] pads, int[] size) {
        for (DataType type : new DataType[] {DataType.FLOAT32, DataType.FLOAT64}) {
            MaxPool2d op = new MaxPool2d(kernel, strides, pads, new int[] {1, 1});
            MaxKernels.MaxPoolKernel pool = kernel(op, 4, size);
            try (NDManager batch = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
                NDArray x = batch.randomNormal(new Shape(3, 4, size[0], size[1])).mul(2).round().maximum(0).toType(type, false);
                NDArray out = pool.forward(new NDArray[] {x}, 3);
                NDArray grad = batch.randomInteger(1, 8, out.getShape(), DataType.INT32).toType(type, false);

                NDArray nativeAdjoint = pool.backward(grad, new NDArray[] {x}, out)[0];
                NDArray routed = pool.routed(grad, new NDArray[] {x}, out)[0];

                assertThat(nativeAdjoint.getShape()).as("%s %s", name, type).isEqualTo(x.getShape());
                assertThat(nativeAdjoint.getDataType()).isEqualTo(type);
                assertThat(nativeAdjoint.eq(routed).all().getBoolean()).as("%s %s: libtorch's adjoint equals the routing by maxima", name, type).isTrue();
                assertThat(nativeAdjoint.sum().eq(grad.sum()).getBoolean()).as("every window's gradient lands on the input").isTrue();
            }
        }
    }

    static Stream<Arguments> reductions() {
        // name, axes, keepDims, input shape
        return Stream.of(
                Arguments.of("GlobalMaxPool", new int[] {2, 3}, true, new long[] {3, 5, 6, 4}),
                Arguments.of("ReduceMax over channels", new int[] {1}, false, new long[] {3, 5, 6, 4}),
                Arguments.of("ReduceMax over tokens and features", new int[] {1, 2}, false, new long[] {4, 7, 6}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("reductions")
    void libtorchReducesToTheSameTapAsTheHandWrittenRule(String name, int[] axes, boolean keepDims, long[] shape) {
        long[] symbolic = shape.clone();
        symbolic[0] = -1;
        long[] output = IntStream.range(0, symbolic.length)
                .filter(i -> keepDims || Arrays.stream(axes).noneMatch(a -> a == i))
                .mapToLong(i -> Arrays.stream(axes).anyMatch(a -> a == i) ? 1 : symbolic[i]).toArray();
        MaxKernels.ReduceMaxKernel max = new MaxKernels.ReduceMaxKernel(new ReduceMax(axes, keepDims),
                new Signature(new long[][] {symbolic}, output));
        for (DataType type : new DataType[] {DataType.FLOAT32, DataType.FLOAT64}) {
            try (NDManager batch = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
                NDArray x = batch.randomNormal(new Shape(shape)).mul(2).round().maximum(0).toType(type, false);
                NDArray out = max.forward(new NDArray[] {x}, shape[0]);
                NDArray grad = batch.randomInteger(1, 8, out.getShape(), DataType.INT32).toType(type, false);

                NDArray nativeAdjoint = max.backward(grad, new NDArray[] {x}, out)[0];

                assertThat(nativeAdjoint.getShape()).as("%s %s", name, type).isEqualTo(x.getShape());
                assertThat(nativeAdjoint.eq(max.routed(grad, new NDArray[] {x}, out)[0]).all().getBoolean())
                        .as("%s %s: libtorch's adjoint equals the hand-written routing", name, type).isTrue();
            }
        }
    }

    /**
     * The documented differences in max pooling: libtorch sends a NaN window's gradient to the NaN, and a window of
     * −∞ to its first tap inside the input; the routing by maxima sends the first nowhere, the second to the padding.
     */
    @Test
    void windowsWithoutAFiniteMaximumSendTheirGradientToLibtorchsTap() {
        MaxPool2d op = new MaxPool2d(new int[] {2, 2}, new int[] {2, 2}, new int[] {0, 0, 0, 0}, new int[] {1, 1});
        MaxKernels.MaxPoolKernel pool = kernel(op, 1, new int[] {2, 2});
        try (NDManager batch = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            NDArray x = batch.create(new float[] {1, Float.NaN, 3, 2}, new Shape(1, 1, 2, 2));
            NDArray out = pool.forward(new NDArray[] {x}, 1);
            NDArray grad = batch.create(new float[] {5}, new Shape(1, 1, 1, 1));

            assertThat(pool.backward(grad, new NDArray[] {x}, out)[0].toFloatArray()).containsExactly(0, 5, 0, 0);
            assertThat(pool.routed(grad, new NDArray[] {x}, out)[0].toFloatArray()).containsExactly(0, 0, 0, 0);

            MaxKernels.MaxPoolKernel padded = kernel(RESNET_STEM_POOL, 1, new int[] {2, 2});
            NDArray minusInfinity = batch.full(new Shape(1, 1, 2, 2), Float.NEGATIVE_INFINITY);
            NDArray corner = padded.forward(new NDArray[] {minusInfinity}, 1);
            assertThat(padded.backward(grad, new NDArray[] {minusInfinity}, corner)[0].toFloatArray()).containsExactly(5, 0, 0, 0);
            assertThat(padded.routed(grad, new NDArray[] {minusInfinity}, corner)[0].toFloatArray()).containsExactly(0, 0, 0, 0);
        }
    }

    @Test
    void theAdjointLeavesOnlyItsResultOnTheBatchAndRestoresTheThreadsGradMode() {
        MaxKernels globalMax = new MaxKernels.ReduceMaxKernel(new ReduceMax(new int[] {2, 3}, true),
                new Signature(new long[][] {{-1, 8, 16, 16}}, new long[] {-1, 8, 1, 1}));
        boolean before = JniUtils.isGradMode();
        try (NDManager batch = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            for (MaxKernels max : new MaxKernels[] {kernel(RESNET_STEM_POOL, 8, new int[] {16, 16}), globalMax}) {
                for (boolean recording : new boolean[] {false, true}) {
                    JniUtils.setGradMode(recording);
                    NDArray x = batch.randomUniform(-1, 1, new Shape(2, 8, 16, 16));
                    NDArray out = max.forward(new NDArray[] {x}, 2);
                    NDArray grad = batch.randomUniform(0, 1, out.getShape());
                    int arrays = batch.getManagedArrays().size();

                    NDArray adjoint = max.backward(grad, new NDArray[] {x}, out)[0];

                    String kernel = max.getClass().getSimpleName();
                    assertThat(batch.getManagedArrays()).as("%s: the batch's arrays after the adjoint", kernel).hasSize(arrays + 1).contains(adjoint);
                    assertThat(JniUtils.isGradMode()).as("%s: the thread's grad mode after the adjoint", kernel).isEqualTo(recording);
                    assertThat(JniUtils.requiresGrad((PtNDArray) x)).as("%s: the input is left unrecorded", kernel).isFalse();
                    assertThat(JniUtils.requiresGrad((PtNDArray) adjoint)).isFalse();
                }
            }
        } finally {
            JniUtils.setGradMode(before);
        }
    }

    /**
     * Two threads run the adjoint at once, 20 times each, while this thread holds DJL's process-wide gradient
     * collector open: every result equals the one computed alone.
     */
    @Test
    void threadsRunTheAdjointAtOnceWhileAGradientCollectorIsOpen() throws Exception {
        MaxKernels.MaxPoolKernel pool = kernel(RESNET_STEM_POOL, 16, new int[] {16, 16});
        try (NDManager shared = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            List<NDArray[]> cases = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                NDArray x = shared.randomUniform(-1, 1, new Shape(4, 16, 16, 16));
                NDArray out = pool.forward(new NDArray[] {x}, 4);
                NDArray grad = shared.randomUniform(0, 1, out.getShape());
                cases.add(new NDArray[] {x, out, grad, pool.backward(grad, new NDArray[] {x}, out)[0]});
            }
            ExecutorService threads = Executors.newFixedThreadPool(2);
            try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                List<Future<Integer>> agreeing = new ArrayList<>();
                for (NDArray[] c : cases) {
                    Callable<Integer> repeat = () -> {
                        int same = 0;
                        for (int i = 0; i < 20; i++) {
                            try (NDManager batch = shared.newSubManager()) {
                                NDArray grad = c[2].duplicate();
                                grad.attach(batch);
                                same += pool.backward(grad, new NDArray[] {c[0]}, c[1])[0].eq(c[3]).all().getBoolean() ? 1 : 0;
                            }
                        }
                        return same;
                    };
                    agreeing.add(threads.submit(repeat));
                }
                for (Future<Integer> f : agreeing) {
                    assertThat(f.get()).as("results equal to the one computed alone").isEqualTo(20);
                }
            } finally {
                threads.shutdownNow();
            }
        }
    }

    /**
     * Inside an outer autograd (training through the engine's rules) the adjoint stays differentiable in the output
     * gradient: d/dg Σ adjoint = 1 for every window, each window's gradient landing on one input position.
     */
    @Test
    void anOuterAutogradDifferentiatesThroughTheAdjoint() {
        MaxKernels.MaxPoolKernel pool = kernel(RESNET_STEM_POOL, 2, new int[] {8, 8});
        try (NDManager batch = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            NDArray x = batch.randomUniform(-1, 1, new Shape(2, 2, 8, 8));
            NDArray out = pool.forward(new NDArray[] {x}, 2);
            NDArray grad = batch.randomUniform(0, 1, out.getShape());
            try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                grad.setRequiresGradient(true);
                NDArray adjoint = pool.backward(grad, new NDArray[] {x}, out)[0];
                collector.backward(adjoint.sum());
                assertThat(grad.getGradient().eq(1).all().getBoolean()).isTrue();
            }
        }
    }

    private static MaxKernels.MaxPoolKernel kernel(MaxPool2d op, long channels, int[] size) {
        long[] in = {-1, channels, size[0], size[1]};
        return new MaxKernels.MaxPoolKernel(op, new Signature(new long[][] {in}, new long[] {-1, channels, -1, -1}));
    }
}
