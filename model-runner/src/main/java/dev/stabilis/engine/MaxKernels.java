package dev.stabilis.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.graph.MaxPool2d;
import dev.stabilis.graph.ReduceMax;
import dev.stabilis.graph.Shapes;
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
    NDArray forward(NDArray[] in, long batch) {
        return reshapeOutput(windows(in[0]).max(new int[] {-1}), in[0]);
    }

    @Override
    NDArray[] backward(NDArray grad, NDArray[] in, NDArray out) {
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


    /** Max pooling: windows by a grouped one-hot convolution (im2col), taps last. */
    static final class MaxPoolKernel extends MaxKernels {

        private final ConvKernel unfold;
        private final NDArray padding;
        private final NDArray minusInfinity;
        private final long channels;
        private final int taps;

        MaxPoolKernel(MaxPool2d op, Signature signature, NDManager manager, DataType type) {
            long[] in = signature.inputs()[0];
            this.channels = in[1];
            this.taps = op.kernel()[0] * op.kernel()[1];
            this.unfold = ConvKernel.windows(channels, op.kernel(), op.strides(), op.pads(), op.dilations(), in, manager, type);
            try (ConvKernel single = ConvKernel.windows(1, op.kernel(), op.strides(), op.pads(), op.dilations(), in, manager, type);
                    NDArray ones = manager.ones(new Shape(1, 1, in[2], in[3]), type)) {
                NDArray valid = single.linear(new NDArray[] {ones});
                this.padding = toTapsLast(valid, 1).lt(0.5);
                valid.close();
            }
            this.minusInfinity = manager.create(Double.NEGATIVE_INFINITY).toType(type, false);
        }

        @Override
        public NDArray windows(NDArray input) {
            NDArray windows = windowsWithoutPadding(input);
            // owned by the batch's windows: the padding mask is a model constant, and whatever is derived from an array
            // of the model's manager (the windows, the backward's routing) would live as long as the model
            return Tensors.where(padding, minusInfinity, windows, windows);
        }

        @Override
        NDArray windowsWithoutPadding(NDArray input) {
            return toTapsLast(unfold.linear(new NDArray[] {input}), channels);
        }

        @Override
        public NDArray fold(NDArray tapsLast) {
            Shape s = tapsLast.getShape();
            NDArray channelsFirst = tapsLast.transpose(0, 1, 4, 2, 3).reshape(s.get(0), channels * taps, s.get(2), s.get(3));
            return unfold.adjoint(channelsFirst)[0];
        }

        @Override
        NDArray reshapeOutput(NDArray maxima, NDArray input) {
            return maxima;
        }

        @Override
        public NDArray toTaps(NDArray outputLike, NDArray taps) {
            return outputLike;
        }

        /** {@code [N, C·K, Ho, Wo]} as {@code [N, C, Ho, Wo, K]}. */
        private NDArray toTapsLast(NDArray unfolded, long c) {
            Shape s = unfolded.getShape();
            return unfolded.reshape(s.get(0), c, taps, s.get(2), s.get(3)).transpose(0, 1, 3, 4, 2);
        }

        @Override
        public void close() {
            unfold.close();
            padding.close();
            minusInfinity.close();
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
