package dev.stabilis.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
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

    private final NDManager manager;
    private final DataType type;
    private final HostTensor hostWeight;
    private final NDArray weight;
    private final NDArray adjointWeight;
    /** |W| and its adjoint kernel, made on first use: only interval bounds read them. Null for a non-negative W. */
    private NDArray[] magnitudeWeights;
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
        this.manager = manager;
        this.type = type;
        this.hostWeight = weight;
        this.weight = DeviceTensors.upload(manager, weight, type);
        this.adjointWeight = DeviceTensors.upload(manager, flipTranspose(weight, groups), type);
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
        NDArray[] m = magnitudeWeights();
        return apply(radii[0], m == null ? weight : m[0], null);
    }

    @Override
    public NDArray[] adjoint(NDArray grad) {
        return new NDArray[] {adjointApply(grad, adjointWeight)};
    }

    @Override
    public NDArray[] magnitudeAdjoint(NDArray grad) {
        NDArray[] m = magnitudeWeights();
        return new NDArray[] {adjointApply(grad, m == null ? adjointWeight : m[1])};
    }

    /** {@code {|W|, adjoint kernel of |W|}}, uploaded on the first call; null when W has no negative entry. */
    private synchronized NDArray[] magnitudeWeights() {
        if (magnitudeWeights == null) {
            HostTensor magnitude = hostWeight.absolute();
            magnitudeWeights = magnitude.equals(hostWeight) ? new NDArray[0] : new NDArray[] {
                DeviceTensors.upload(manager, magnitude, type), DeviceTensors.upload(manager, flipTranspose(magnitude, groups), type)
            };
            NDScope.unregister(magnitudeWeights); // model constants: an NDScope open at the first call must not free them
        }
        return magnitudeWeights.length == 0 ? null : magnitudeWeights;
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
        NDArray x = symmetric ? input : padded(input, new long[] {pads[0], pads[1]}, new long[] {pads[2], pads[3]});
        Shape padding = symmetric ? new Shape(pads[0], pads[1]) : NO_PADDING;
        return convolve(x, kernel, b, new Shape(strides[0], strides[1]), padding);
    }

    /**
     * The transposed convolution: the adjoint of {@link #apply} with the flipped, transposed kernel, as a stride-1
     * convolution of the output gradient spread out by the stride, padded by {@code span − 1 − pad} before and what
     * reaches the input's end after (the padding the convolution takes where both sides agree, so that no position
     * outside the input is computed). A 1×1 kernel mixes channels before the spreading, on the unspread gradient.
     */
    private NDArray adjointApply(NDArray gradOutput, NDArray flipped) {
        long[] before = new long[2];
        long[] after = new long[2];
        for (int axis = 0; axis < 2; axis++) {
            long outputs = gradOutput.getShape().get(axis + 2);
            before[axis] = span[axis] - 1 - pads[axis];
            after[axis] = spatial[axis] + pads[axis] - (outputs - 1) * strides[axis] - 1;
        }
        if (span[0] == 1 && span[1] == 1) {
            return padded(spreadByStride(convolve(gradOutput, flipped, null, UNIT, NO_PADDING), new long[2]), before, after);
        }
        if ((strides[0] > 1 || strides[1] > 1) && dilations[0] == 1 && dilations[1] == 1) {
            return polyphaseAdjoint(gradOutput, flipped);
        }
        long[] trailingZeros = new long[2];
        long[] common = new long[2];
        for (int axis = 0; axis < 2; axis++) {
            trailingZeros[axis] = Math.max(0, Math.min(after[axis], strides[axis] - 1));
            after[axis] -= trailingZeros[axis];
            common[axis] = Math.max(0, Math.min(before[axis], after[axis]));
            before[axis] -= common[axis];
            after[axis] -= common[axis];
        }
        NDArray spread = padded(spreadByStride(gradOutput, trailingZeros), before, after);
        return convolve(spread, flipped, null, UNIT, new Shape(common[0], common[1]));
    }

    /**
     * The transposed convolution of a strided, undilated convolution without multiplications by inserted zeros: the
     * padded input's positions {@code q·stride + ρ} of one phase ρ receive only the kernel taps {@code ρ + j·stride},
     * so each phase is a stride-1 convolution of the output gradient with those taps (a strided slice of the flipped
     * kernel); the phases are interleaved and the padding cropped.
     */
    private NDArray polyphaseAdjoint(NDArray gradOutput, NDArray flipped) {
        long[] taps = {flipped.getShape().get(2), flipped.getShape().get(3)};
        long[] phaseLength = new long[2];
        for (int axis = 0; axis < 2; axis++) {
            phaseLength[axis] = Math.floorDiv(spatial[axis] + pads[axis] + strides[axis] - 1, strides[axis]);
        }
        NDList rows = new NDList(strides[0]);
        for (int rowPhase = 0; rowPhase < strides[0]; rowPhase++) {
            NDList row = new NDList(strides[1]);
            for (int columnPhase = 0; columnPhase < strides[1]; columnPhase++) {
                row.add(phase(gradOutput, flipped, new int[] {rowPhase, columnPhase}, taps, phaseLength));
            }
            rows.add(NDArrays.stack(row, 4));
        }
        Shape s = gradOutput.getShape();
        NDArray interleaved = NDArrays.stack(rows, 3)
                .reshape(s.get(0), flipped.getShape().get(0), phaseLength[0] * strides[0], phaseLength[1] * strides[1]);
        return interleaved.get(new NDIndex(":, :, {}:{}, {}:{}", pads[0], pads[0] + spatial[0], pads[1], pads[1] + spatial[1]));
    }

    /** The adjoint at the padded input's positions {@code q·stride + phase}, {@code q < phaseLength}. */
    private NDArray phase(NDArray gradOutput, NDArray flipped, int[] phase, long[] taps, long[] phaseLength) {
        long[] reaching = new long[2];
        long[] first = new long[2];
        long[] before = new long[2];
        long[] after = new long[2];
        long[] common = new long[2];
        for (int axis = 0; axis < 2; axis++) {
            reaching[axis] = Math.floorDiv(taps[axis] - phase[axis] + strides[axis] - 1, strides[axis]);
            first[axis] = (taps[axis] - 1 - phase[axis]) % strides[axis];
            before[axis] = reaching[axis] - 1;
            after[axis] = phaseLength[axis] - gradOutput.getShape().get(axis + 2);
            common[axis] = Math.max(0, Math.min(before[axis], after[axis]));
            before[axis] -= common[axis];
            after[axis] -= common[axis];
        }
        if (reaching[0] <= 0 || reaching[1] <= 0) {
            return gradOutput.getManager().zeros(new Shape(gradOutput.getShape().get(0), flipped.getShape().get(0),
                    phaseLength[0], phaseLength[1]), gradOutput.getDataType());
        }
        NDArray kernel = flipped.get(new NDIndex(":, :, {}::{}, {}::{}", first[0], strides[0], first[1], strides[1]));
        NDArray result = convolve(padded(gradOutput, before, after), kernel, null, UNIT, new Shape(common[0], common[1]));
        kernel.close();
        return result;
    }

    /** {@code x} padded with zeros (cropped where negative) on the spatial axes. */
    private static NDArray padded(NDArray x, long[] before, long[] after) {
        if (before[0] == 0 && before[1] == 0 && after[0] == 0 && after[1] == 0) {
            return x;
        }
        return x.pad(new Shape(before[1], after[1], before[0], after[0]), 0);
    }

    private NDArray convolve(NDArray x, NDArray kernel, NDArray b, Shape stride, Shape padding) {
        return x.getNDArrayInternal()
                .convolution(x, kernel, b, stride, padding, new Shape(dilations[0], dilations[1]), groups)
                .singletonOrThrow();
    }

    /**
     * Inserts {@code stride − 1} zeros between neighbouring values along both spatial axes, and {@code trailingZeros}
     * (at most {@code stride − 1}) after the last.
     */
    private NDArray spreadByStride(NDArray g, long[] trailingZeros) {
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
                    ? new NDIndex(":, :, :{}", (length - 1) * s + 1 + trailingZeros[axis])
                    : new NDIndex(":, :, :, :{}", (length - 1) * s + 1 + trailingZeros[axis]));
        }
        return out;
    }

    @Override
    public void close() {
        weight.close();
        adjointWeight.close();
        synchronized (this) {
            if (magnitudeWeights != null) {
                for (NDArray m : magnitudeWeights) {
                    m.close();
                }
            }
        }
        if (bias != null) {
            bias.close();
            biasMagnitude.close();
            channelBias.close();
        }
    }
}
