package dev.stabilis.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.stabilis.graph.MaxPool2d;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The max-pool adjoint by libtorch's own autograd ({@link NativeAdjoint}) routes every window's gradient where the
 * hand-written rule through the forward's maxima does (the first largest tap, ties included), from several threads
 * at once, leaving nothing behind but its result, and yields to the hand-written rule inside an outer autograd.
 */
class MaxPoolAdjointTest {

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
                NDArray routed = pool.routedByMaxima(grad, new NDArray[] {x}, out)[0];

                assertThat(nativeAdjoint.getShape()).as("%s %s", name, type).isEqualTo(x.getShape());
                assertThat(nativeAdjoint.getDataType()).isEqualTo(type);
                assertThat(nativeAdjoint.eq(routed).all().getBoolean()).as("%s %s: libtorch's adjoint equals the routing by maxima", name, type).isTrue();
                assertThat(nativeAdjoint.sum().eq(grad.sum()).getBoolean()).as("every window's gradient lands on the input").isTrue();
            }
        }
    }

    /** The documented difference: libtorch sends a NaN window's gradient to the NaN; the maxima send it nowhere. */
    @Test
    void aWindowHoldingNaNSendsItsGradientToTheNaN() {
        MaxPool2d op = new MaxPool2d(new int[] {2, 2}, new int[] {2, 2}, new int[] {0, 0, 0, 0}, new int[] {1, 1});
        MaxKernels.MaxPoolKernel pool = kernel(op, 1, new int[] {2, 2});
        try (NDManager batch = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            NDArray x = batch.create(new float[] {1, Float.NaN, 3, 2}, new Shape(1, 1, 2, 2));
            NDArray out = pool.forward(new NDArray[] {x}, 1);
            NDArray grad = batch.create(new float[] {5}, new Shape(1, 1, 1, 1));

            assertThat(pool.backward(grad, new NDArray[] {x}, out)[0].toFloatArray()).containsExactly(0, 5, 0, 0);
            assertThat(pool.routedByMaxima(grad, new NDArray[] {x}, out)[0].toFloatArray()).containsExactly(0, 0, 0, 0);
        }
    }

    @Test
    void theAdjointLeavesOnlyItsResultOnTheBatchAndRestoresTheThreadsGradMode() {
        MaxKernels.MaxPoolKernel pool = kernel(RESNET_STEM_POOL, 8, new int[] {16, 16});
        boolean before = JniUtils.isGradMode();
        try (NDManager batch = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            for (boolean recording : new boolean[] {false, true}) {
                JniUtils.setGradMode(recording);
                NDArray x = batch.randomUniform(-1, 1, new Shape(2, 8, 16, 16));
                NDArray out = pool.forward(new NDArray[] {x}, 2);
                NDArray grad = batch.randomUniform(0, 1, out.getShape());
                int arrays = batch.getManagedArrays().size();

                NDArray adjoint = pool.backward(grad, new NDArray[] {x}, out)[0];

                assertThat(batch.getManagedArrays()).as("the batch's arrays after the adjoint").hasSize(arrays + 1).contains(adjoint);
                assertThat(JniUtils.isGradMode()).as("the thread's grad mode after the adjoint").isEqualTo(recording);
                assertThat(JniUtils.requiresGrad((ai.djl.pytorch.engine.PtNDArray) x)).as("the input is left unrecorded").isFalse();
                assertThat(JniUtils.requiresGrad((ai.djl.pytorch.engine.PtNDArray) adjoint)).isFalse();
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
