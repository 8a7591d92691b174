package dev.stabilis.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.graph.Conv2d;
import dev.stabilis.graph.HostTensor;

/**
 * 2-D convolution on {@code [N, C, H, W]}. The backward pass is the transposed convolution, written as what it is (DJL's PyTorch
 * engine has no deconvolution): the output gradient is spread out by the stride, padded to a full
 * correlation, and convolved with the kernel flipped in space and transposed in channels; the result is
 * cropped to the unpadded input. PyTorch pads symmetrically, so asymmetric forward padding is applied
 * explicitly.
 */
final class ConvKernel extends LinearKernel {

    private static final Shape UNIT = new Shape(1, 1);
    private static final Shape NO_PADDING = new Shape(0, 0);

    private final NDArray weight;
    private final NDArray adjointWeight;
    private final NDArray magnitudeWeight;
    private final NDArray magnitudeAdjointWeight;
    private final NDArray bias;
    private final NDArray biasMagnitude;
    private final NDArray channelBias;
    private final int[] strides;
    private final int[] dilations;
    private final int[] pads;
    private final int groups;
    private final long[] spatial;
    private final long[] span;
    private final long terms;
    private final long adjointTerms;

    /**
     * @param inputShape the input's shape; only the spatial sizes (the last two axes) are read
     */
    ConvKernel(Conv2d op, long[] inputShape, NDManager manager, DataType type) {
        this(op.weight(), op.bias(), op.strides(), op.pads(), op.dilations(), op.groups(), inputShape, manager, type);
    }

    private ConvKernel(HostTensor weight, HostTensor bias, int[] strides, int[] pads, int[] dilations, int groups,
            long[] inputShape, NDManager manager, DataType type) {
        this.weight = DeviceTensors.upload(manager, weight, type);
        this.adjointWeight = DeviceTensors.upload(manager, flipTranspose(weight, groups), type);
        this.magnitudeWeight = weight.absolute().equals(weight) ? null : DeviceTensors.upload(manager, weight.absolute(), type);
        this.magnitudeAdjointWeight = magnitudeWeight == null ? null
                : DeviceTensors.upload(manager, flipTranspose(weight.absolute(), groups), type);
        this.terms = weight.dim(1) * weight.dim(2) * weight.dim(3) + 1;
        this.adjointTerms = weight.dim(0) / groups * weight.dim(2) * weight.dim(3);
        this.bias = bias == null ? null : DeviceTensors.upload(manager, bias, type);
        this.biasMagnitude = bias == null ? null : DeviceTensors.upload(manager, bias.absolute().reshaped(1, bias.size(), 1, 1), type);
        this.channelBias = bias == null ? null : DeviceTensors.upload(manager, bias.reshaped(1, bias.size(), 1, 1), type);
        this.strides = strides.clone();
        this.dilations = dilations.clone();
        this.pads = pads.clone();
        this.groups = groups;
        this.spatial = new long[] {inputShape[inputShape.length - 2], inputShape[inputShape.length - 1]};
        this.span = new long[] {
            (long) dilations[0] * (weight.dim(2) - 1) + 1, (long) dilations[1] * (weight.dim(3) - 1) + 1
        };
    }

    /** A depthwise convolution with a kernel of ones: the summing step of average pooling. */
    static ConvKernel summing(long channels, int[] kernel, int[] strides, int[] pads, int[] dilations,
            long[] inputShape, NDManager manager, DataType type) {
        double[] ones = new double[(int) channels * kernel[0] * kernel[1]];
        java.util.Arrays.fill(ones, 1.0);
        HostTensor weight = new HostTensor(new long[] {channels, 1, kernel[0], kernel[1]}, ones);
        return new ConvKernel(weight, null, strides, pads, dilations, (int) channels, inputShape, manager, type);
    }

    /**
     * The windows of a sliding window (im2col) as a grouped convolution with one-hot kernels: channel c of the
     * input becomes channels {@code c·K … c·K + K − 1} of the output, one per window tap (K = kh·kw), with zero
     * padding. Its backward pass adds window values back onto the input positions they came from.
     */
    static ConvKernel windows(long channels, int[] kernel, int[] strides, int[] pads, int[] dilations,
            long[] inputShape, NDManager manager, DataType type) {
        int taps = kernel[0] * kernel[1];
        double[] oneHot = new double[(int) channels * taps * taps];
        for (int c = 0; c < channels; c++) {
            for (int k = 0; k < taps; k++) {
                oneHot[(c * taps + k) * taps + k] = 1;
            }
        }
        HostTensor weight = new HostTensor(new long[] {channels * taps, 1, kernel[0], kernel[1]}, oneHot);
        return new ConvKernel(weight, null, strides, pads, dilations, (int) channels, inputShape, manager, type);
    }

    /** {@code W'[g·I/g + i, o', a, b] = W[g·O/g + o', i, kh−1−a, kw−1−b]}: the kernel of the adjoint map. */
    static HostTensor flipTranspose(HostTensor w, int groups) {
        int out = (int) w.dim(0);
        int inPerGroup = (int) w.dim(1);
        int kh = (int) w.dim(2);
        int kw = (int) w.dim(3);
        int outPerGroup = out / groups;
        double[] src = w.data();
        double[] dst = new double[src.length];
        for (int g = 0; g < groups; g++) {
            for (int o = 0; o < outPerGroup; o++) {
                for (int i = 0; i < inPerGroup; i++) {
                    for (int a = 0; a < kh; a++) {
                        for (int b = 0; b < kw; b++) {
                            int from = (((g * outPerGroup + o) * inPerGroup + i) * kh + a) * kw + b;
                            int to = (((g * inPerGroup + i) * outPerGroup + o) * kh + (kh - 1 - a)) * kw + (kw - 1 - b);
                            dst[to] = src[from];
                        }
                    }
                }
            }
        }
        return new HostTensor(new long[] {(long) groups * inPerGroup, outPerGroup, kh, kw}, dst);
    }

    @Override
    NDArray forward(NDArray[] inputs, long batch) {
        return apply(inputs[0], weight, bias);
    }

    @Override
    public NDArray linear(NDArray[] inputs) {
        return apply(inputs[0], weight, null);
    }

    @Override
    public NDArray offset(long batch) {
        return channelBias;
    }

    @Override
    public NDArray offsetMagnitude(long batch) {
        return biasMagnitude;
    }

    @Override
    public NDArray magnitude(NDArray[] radii) {
        return apply(radii[0], magnitudeWeight == null ? weight : magnitudeWeight, null);
    }

    @Override
    public NDArray[] adjoint(NDArray grad) {
        return new NDArray[] {adjointApply(grad, adjointWeight)};
    }

    @Override
    public NDArray[] magnitudeAdjoint(NDArray grad) {
        return new NDArray[] {adjointApply(grad, magnitudeAdjointWeight == null ? adjointWeight : magnitudeAdjointWeight)};
    }

    @Override
    public long terms() {
        return terms;
    }

    @Override
    public long adjointTerms() {
        return adjointTerms;
    }

    @Override
    public boolean hasParameters() {
        return true;
    }

    private NDArray apply(NDArray input, NDArray kernel, NDArray b) {
        boolean symmetric = pads[0] == pads[2] && pads[1] == pads[3];
        NDArray x = symmetric ? input : input.pad(new Shape(pads[1], pads[3], pads[0], pads[2]), 0);
        Shape padding = symmetric ? new Shape(pads[0], pads[1]) : NO_PADDING;
        return convolve(x, kernel, b, new Shape(strides[0], strides[1]), padding);
    }

    /** The transposed convolution: the adjoint of {@link #apply} with the flipped, transposed kernel. */
    private NDArray adjointApply(NDArray gradOutput, NDArray flipped) {
        NDArray spread = spreadByStride(gradOutput);
        long[] tail = new long[2];
        for (int axis = 0; axis < 2; axis++) {
            long padded = spatial[axis] + pads[axis] + pads[axis + 2];
            long covered = (gradOutput.getShape().get(axis + 2) - 1) * strides[axis] + span[axis];
            tail[axis] = padded - covered;
        }
        NDArray full = spread.pad(new Shape(span[1] - 1, span[1] - 1 + tail[1], span[0] - 1, span[0] - 1 + tail[0]), 0);
        NDArray grad = convolve(full, flipped, null, UNIT, NO_PADDING);
        return grad.get(new NDIndex(":, :, {}:{}, {}:{}", pads[0], pads[0] + spatial[0], pads[1], pads[1] + spatial[1]));
    }

    private NDArray convolve(NDArray x, NDArray kernel, NDArray b, Shape stride, Shape padding) {
        return x.getNDArrayInternal()
                .convolution(x, kernel, b, stride, padding, new Shape(dilations[0], dilations[1]), groups)
                .singletonOrThrow();
    }

    /** Inserts {@code stride − 1} zeros between neighbouring values along both spatial axes. */
    private NDArray spreadByStride(NDArray g) {
        NDArray out = g;
        for (int axis = 0; axis < 2; axis++) {
            int s = strides[axis];
            if (s == 1) {
                continue;
            }
            int spatial = 2 + axis;
            long length = out.getShape().get(spatial);
            NDArray column = out.expandDims(spatial + 1);
            Shape zerosShape = column.getShape().slice(0, spatial + 1).addAll(new Shape(s - 1))
                    .addAll(column.getShape().slice(spatial + 2));
            NDArray interleaved = NDArrays.concat(new ai.djl.ndarray.NDList(column, out.zerosLike().expandDims(spatial + 1)
                    .broadcast(zerosShape)), spatial + 1);
            Shape merged = out.getShape().slice(0, spatial).addAll(new Shape(length * s)).addAll(out.getShape().slice(spatial + 1));
            out = interleaved.reshape(merged).get(spatial == 2
                    ? new NDIndex(":, :, :{}", (length - 1) * s + 1)
                    : new NDIndex(":, :, :, :{}", (length - 1) * s + 1));
        }
        return out;
    }

    @Override
    public void close() {
        weight.close();
        adjointWeight.close();
        if (magnitudeWeight != null) {
            magnitudeWeight.close();
            magnitudeAdjointWeight.close();
        }
        if (bias != null) {
            bias.close();
            biasMagnitude.close();
            channelBias.close();
        }
    }
}
