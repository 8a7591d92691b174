package dev.stabilis.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.graph.MaxPool2d;
import dev.stabilis.graph.ReduceMax;
import dev.stabilis.graph.Shapes;
import dev.stabilis.graph.SlidingWindow;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Maxima over windows (max pooling, ReduceMax): the output is the largest tap of each window; the adjoint and the
 * tangent flow through the first largest tap (PyTorch's choice under ties), and the Jacobian is constant where the
 * maximum is unique, so the backward's derivative is the backward of the adjoint's derivative.
 */
abstract class MaxKernels extends Kernel implements PoolWindows {

    @Override
    final NDArray forward(NDArray[] in, long batch) {
        return maxima(in[0]);
    }

    /** True: the rule runs the forward again under autograd ({@link #backward}). */
    @Override
    boolean prefersAutograd() {
        return true;
    }

    /** The forward map: each window's largest tap, in the node's output shape. */
    NDArray maxima(NDArray input) {
        return reshapeOutput(windows(input).max(new int[] {-1}), input);
    }

    /**
     * The adjoint by libtorch's own autograd of {@link #maxima} ({@link NativeAdjoint}: the forward again, keeping
     * each window's index, then one scatter of the gradient), which routes each window's gradient to its first
     * largest tap as {@link #routed} does: for finite inputs the two agree up to the order in which overlapping
     * windows' gradients are summed. Inside an outer autograd, {@link #routed}.
     */
    @Override
    NDArray[] backward(NDArray grad, NDArray[] in, NDArray out) {
        if (NativeAdjoint.applies(in[0], grad)) {
            return new NDArray[] {NativeAdjoint.of(this::maxima, in[0], grad)};
        }
        return routed(grad, in, out);
    }

    /** The adjoint by hand: each window's gradient onto its first largest tap; differentiable by an outer autograd. */
    NDArray[] routed(NDArray grad, NDArray[] in, NDArray out) {
        NDArray taps = windows(in[0]);
        return new NDArray[] {fold(winners(taps).mul(toTaps(grad, taps).expandDims(-1)))};
    }

    @Override
    NDArray tangent(NDArray[] in, NDArray out, NDArray[] tangents) {
        NDArray taps = windows(in[0]);
        NDArray routed = winners(taps).mul(windowsWithoutPadding(tangents[0])).sum(new int[] {-1});
        return reshapeOutput(routed, in[0]);
    }

    @Override
    NDArray[] backwardTangent(NDArray grad, NDArray gradTangent, NDArray[] in, NDArray out, NDArray[] tangents) {
        return backward(gradTangent, in, out);
    }

    /** One-hot of the first largest tap per window. */
    private static NDArray winners(NDArray taps) {
        long k = taps.getShape().get(taps.getShape().dimension() - 1);
        return taps.argMax(-1).oneHot((int) k, taps.getDataType());
    }

    /** The windows with padding taps read as 0 (for tangents, which padding does not carry). */
    abstract NDArray windowsWithoutPadding(NDArray input);

    /** The per-window maxima (shape {@code windows.shape[:-1]}) in the node's output shape. */
    abstract NDArray reshapeOutput(NDArray maxima, NDArray input);


    /**
     * Max pooling: the windows are strided slices of the padded input, one per kernel tap (in row-major kernel order),
     * stacked on a last axis; folding adds each tap's slice back where it was read. Pure data movement and additions
     * of the values that land on the same input position.
     */
    static final class MaxPoolKernel extends MaxKernels {

        private final int[] kernel;
        private final int[] strides;
        private final int[] pads;
        private final int[] dilations;
        private final long[] spatial;
        /** Whether libtorch's max pooling computes the forward (undilated, symmetric padding of at most half a window). */
        private final boolean nativeForward;

        MaxPoolKernel(MaxPool2d op, Signature signature) {
            long[] in = signature.inputs()[0];
            this.kernel = op.kernel();
            this.strides = op.strides();
            this.pads = op.pads();
            this.dilations = op.dilations();
            this.spatial = new long[] {in[2], in[3]};
            this.nativeForward = dilations[0] == 1 && dilations[1] == 1 && pads[0] == pads[2] && pads[1] == pads[3]
                    && 2 * pads[0] <= kernel[0] && 2 * pads[1] <= kernel[1];
        }

        @Override
        NDArray maxima(NDArray input) {
            if (!nativeForward) {
                return super.maxima(input);
            }
            return input.getNDArrayInternal().maxPool(new Shape(kernel[0], kernel[1]), new Shape(strides[0], strides[1]),
                    new Shape(pads[0], pads[1]), false);
        }

        /**
         * Where libtorch computes the forward, by libtorch's max-pooling backward ({@link MaxKernels#backward}; a
         * window holding NaN sends its gradient to the NaN, where {@link #routed} sends it nowhere, and one whose taps
         * inside the input are all −∞ to the first of those, where {@link #routed} sends it to the first tap, nowhere
         * when that tap is padding); otherwise {@link #routed}, as autograd through the stacked windows would add
         * every tap's padded slice back.
         */
        @Override
        NDArray[] backward(NDArray grad, NDArray[] in, NDArray out) {
            return nativeForward ? super.backward(grad, in, out) : routed(grad, in, out);
        }

        /**
         * The adjoint through the forward's maxima, tap by tap in window order: where a tap equals its window's
         * maximum and no earlier tap of the window did (the first largest tap, as in {@link #forward}'s windows), the
         * window's gradient is added onto the padded input where the tap read. No stacked windows, argMax or one-hot;
         * differentiable by an outer autograd.
         */
        @Override
        NDArray[] routed(NDArray grad, NDArray[] in, NDArray out) {
            NDArray padded = padded(in[0], Double.NEGATIVE_INFINITY);
            NDArray sum = padded.zerosLike();
            NDArray claimed = null;
            for (int a = 0; a < kernel[0]; a++) {
                for (int b = 0; b < kernel[1]; b++) {
                    NDIndex at = tap(a, b);
                    NDArray wins = padded.get(at).eq(out);
                    if (claimed != null) {
                        wins = wins.logicalAnd(claimed.logicalNot());
                    }
                    claimed = claimed == null ? wins : claimed.logicalOr(wins);
                    sum.set(at, sum.get(at).add(grad.mul(wins)));
                }
            }
            return new NDArray[] {unpadded(sum)};
        }

        @Override
        public NDArray windows(NDArray input) {
            return taps(input, Double.NEGATIVE_INFINITY);
        }

        @Override
        NDArray windowsWithoutPadding(NDArray input) {
            return taps(input, 0);
        }

        /** {@code [N, C, Ho, Wo, kh·kw]}, positions in padding holding {@code padValue}. */
        private NDArray taps(NDArray input, double padValue) {
            NDArray padded = padded(input, padValue);
            NDList taps = new NDList(kernel[0] * kernel[1]);
            for (int a = 0; a < kernel[0]; a++) {
                for (int b = 0; b < kernel[1]; b++) {
                    taps.add(padded.get(tap(a, b)));
                }
            }
            return NDArrays.stack(taps, 4);
        }

        @Override
        public NDArray fold(NDArray tapsLast) {
            Shape s = tapsLast.getShape();
            NDArray sum = tapsLast.getManager().zeros(
                    new Shape(s.get(0), s.get(1), spatial[0] + pads[0] + pads[2], spatial[1] + pads[1] + pads[3]),
                    tapsLast.getDataType());
            for (int a = 0; a < kernel[0]; a++) {
                for (int b = 0; b < kernel[1]; b++) {
                    NDIndex at = tap(a, b);
                    sum.set(at, sum.get(at).add(tapsLast.get(new NDIndex("..., {}", a * kernel[1] + b))));
                }
            }
            return unpadded(sum);
        }

        private NDArray padded(NDArray input, double padValue) {
            return input.pad(new Shape(pads[1], pads[3], pads[0], pads[2]), padValue);
        }

        private NDArray unpadded(NDArray padded) {
            return padded.get(new NDIndex(":, :, {}:{}, {}:{}", pads[0], pads[0] + spatial[0], pads[1], pads[1] + spatial[1]));
        }

        /** The padded input's positions that tap (a, b) of every window reads. */
        private NDIndex tap(int a, int b) {
            long rows = SlidingWindow.outputSize(spatial[0], kernel[0], strides[0], pads[0], pads[2], dilations[0]);
            long columns = SlidingWindow.outputSize(spatial[1], kernel[1], strides[1], pads[1], pads[3], dilations[1]);
            long top = (long) a * dilations[0];
            long left = (long) b * dilations[1];
            return new NDIndex(":, :, {}:{}:{}, {}:{}:{}", top, top + (rows - 1) * strides[0] + 1, strides[0],
                    left, left + (columns - 1) * strides[1] + 1, strides[1]);
        }

        @Override
        NDArray reshapeOutput(NDArray maxima, NDArray input) {
            return maxima;
        }

        @Override
        public NDArray toTaps(NDArray outputLike, NDArray taps) {
            return outputLike;
        }
    }

    /** ReduceMax: the reduced axes moved last and flattened into the taps axis. */
    static final class ReduceMaxKernel extends MaxKernels {

        private final int[] toTapsLast;
        private final int[] fromTapsLast;
        private final int kept;
        private final Signature signature;

        ReduceMaxKernel(ReduceMax op, Signature signature) {
            this.signature = signature;
            int rank = signature.inputs()[0].length;
            boolean[] reduced = new boolean[rank];
            for (int a : op.axes()) {
                reduced[a] = true;
            }
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < rank; i++) {
                if (!reduced[i]) {
                    order.add(i);
                }
            }
            this.kept = order.size();
            for (int a : op.axes()) {
                order.add(a);
            }
            this.toTapsLast = order.stream().mapToInt(Integer::intValue).toArray();
            this.fromTapsLast = new int[rank];
            for (int i = 0; i < rank; i++) {
                fromTapsLast[toTapsLast[i]] = i;
            }
        }

        @Override
        public NDArray windows(NDArray input) {
            return windowsWithoutPadding(input);
        }

        @Override
        NDArray windowsWithoutPadding(NDArray input) {
            NDArray moved = input.transpose(toTapsLast);
            long[] shape = Arrays.copyOf(moved.getShape().getShape(), kept + 1);
            shape[kept] = -1;
            return moved.reshape(new Shape(shape));
        }

        @Override
        public NDArray fold(NDArray taps) {
            long[] in = signature.inputs()[0];
            long[] leading = taps.getShape().slice(0, kept).getShape();
            long[] symbolicLeading = new long[kept];
            for (int i = 0; i < kept; i++) {
                symbolicLeading[i] = in[toTapsLast[i]];
            }
            long[] inputShape = Shapes.resolve(in, Shapes.batchOf(symbolicLeading, leading));
            long[] moved = new long[in.length];
            for (int i = 0; i < moved.length; i++) {
                moved[i] = inputShape[toTapsLast[i]];
            }
            return taps.reshape(new Shape(moved)).transpose(fromTapsLast);
        }

        @Override
        NDArray reshapeOutput(NDArray maxima, NDArray input) {
            long batch = Shapes.batchOf(signature.inputs()[0], input.getShape().getShape());
            return maxima.reshape(signature.output(batch));
        }

        @Override
        public NDArray toTaps(NDArray outputLike, NDArray taps) {
            return outputLike.reshape(taps.getShape().slice(0, kept));
        }
    }
}
