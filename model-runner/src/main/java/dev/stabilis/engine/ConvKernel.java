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
import dev.stabilis.graph.SlidingWindow;

/**
 * 2-D convolution on {@code [N, C, H, W]}. The backward pass is the adjoint map, computed without autograd (DJL's
 * PyTorch engine has no deconvolution) in the cheapest of four exact forms: on small input maps, one product with
 * the map's unrolled matrix (which then computes the forward too); for other strided, undilated kernels, one stride-1
 * convolution whose output channels are the input's stride phases, interleaved; for 1×1 kernels, the channel mixing
 * written back at the strided positions; otherwise the transposed convolution (the output gradient spread out by the
 * stride, padded, and convolved with the kernel flipped in space and transposed in channels). PyTorch pads
 * symmetrically, so asymmetric forward padding is applied explicitly.
 */
final class ConvKernel extends LinearKernel {

    private static final Shape UNIT = new Shape(1, 1);
    private static final Shape NO_PADDING = new Shape(0, 0);
    /** The most entries of an unrolled matrix (8 MB in float32). */
    private static final long MAX_UNROLLED_ENTRIES = 1L << 21;

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
    /** How the adjoint is computed, and so the form of its kernel. */
    private final AdjointForm form;
    private final long[] spatial;
    private final long[] outputSpatial;
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
        this.strides = strides.clone();
        this.dilations = dilations.clone();
        this.pads = pads.clone();
        this.groups = groups;
        this.spatial = new long[] {inputShape[inputShape.length - 2], inputShape[inputShape.length - 1]};
        this.outputSpatial = new long[] {
            SlidingWindow.outputSize(spatial[0], (int) weight.dim(2), strides[0], pads[0], pads[2], dilations[0]),
            SlidingWindow.outputSize(spatial[1], (int) weight.dim(3), strides[1], pads[1], pads[3], dilations[1])
        };
        this.form = unrolls(weight) ? AdjointForm.UNROLLED
                : (strides[0] > 1 || strides[1] > 1) && dilations[0] == 1 && dilations[1] == 1
                        && weight.dim(2) * weight.dim(3) > 1 ? AdjointForm.PHASES : AdjointForm.TRANSPOSED;
        this.weight = form == AdjointForm.UNROLLED ? null : DeviceTensors.upload(manager, weight, type);
        this.adjointWeight = DeviceTensors.upload(manager, adjointForm(weight), type);
        this.terms = weight.dim(1) * weight.dim(2) * weight.dim(3) + 1;
        this.adjointTerms = weight.dim(0) / groups * weight.dim(2) * weight.dim(3);
        this.bias = bias == null ? null : DeviceTensors.upload(manager, bias, type);
        this.biasMagnitude = bias == null ? null : DeviceTensors.upload(manager, bias.absolute().reshaped(1, bias.size(), 1, 1), type);
        this.channelBias = bias == null ? null : DeviceTensors.upload(manager, bias.reshaped(1, bias.size(), 1, 1), type);
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
     * Whether to unroll: an ungrouped convolution whose input map has at most twice as many positions as its kernel
     * (ResNet's deepest layers: 3×3 kernels on 2×2 and 1×1 maps, the stride-2 convolutions into them), where a
     * product with the dense matrix of the map costs at most twice the multiplications of the convolution, as one
     * matrix product over the batch, and skips the taps that read only padding.
     */
    private boolean unrolls(HostTensor w) {
        long entries = w.dim(0) * outputSpatial[0] * outputSpatial[1] * w.dim(1) * spatial[0] * spatial[1];
        return groups == 1 && spatial[0] * spatial[1] <= 2 * w.dim(2) * w.dim(3) && entries <= MAX_UNROLLED_ENTRIES;
    }

    /** The kernel as the adjoint reads it. */
    private HostTensor adjointForm(HostTensor w) {
        return switch (form) {
            case UNROLLED -> unroll(w);
            case PHASES -> phaseKernels(w);
            case TRANSPOSED -> flipTranspose(w, groups);
        };
    }

    /** The ways to compute the adjoint. */
    private enum AdjointForm {
        /** The dense matrix M of the map ({@link #unroll}): forward {@code x·Mᵀ}, adjoint {@code g·M}. */
        UNROLLED,
        /** One stride-1 convolution whose output channels are the input's stride phases ({@link #phaseKernels}). */
        PHASES,
        /** A stride-1 convolution of the gradient spread out by the stride, with the flipped transposed kernel. */
        TRANSPOSED
    }

    /**
     * The adjoint of a strided, undilated convolution as one stride-1 convolution: the padded input's positions
     * {@code q·stride + ρ} of one phase ρ receive only the flipped kernel's taps {@code first(ρ) + j·stride}, so each
     * phase is a stride-1 correlation of the output gradient with those taps. All phases get {@code J = ⌈k / stride⌉}
     * taps (a phase with fewer is preceded by zero taps) and are stacked on the output channels, ordered
     * {@code (group, row phase, column phase, input channel)}: {@code [G·s₀·s₁·I/G, O/G, J₀, J₁]}.
     */
    private HostTensor phaseKernels(HostTensor w) {
        int inPerGroup = (int) w.dim(1);
        int outPerGroup = (int) w.dim(0) / groups;
        int kh = (int) w.dim(2);
        int kw = (int) w.dim(3);
        int rowTaps = Math.floorDiv(kh + strides[0] - 1, strides[0]);
        int columnTaps = Math.floorDiv(kw + strides[1] - 1, strides[1]);
        double[] src = w.data();
        double[] dst = new double[groups * strides[0] * strides[1] * inPerGroup * outPerGroup * rowTaps * columnTaps];
        for (int g = 0; g < groups; g++) {
            for (int rowPhase = 0; rowPhase < strides[0]; rowPhase++) {
                for (int columnPhase = 0; columnPhase < strides[1]; columnPhase++) {
                    for (int i = 0; i < inPerGroup; i++) {
                        int channel = ((g * strides[0] + rowPhase) * strides[1] + columnPhase) * inPerGroup + i;
                        for (int o = 0; o < outPerGroup; o++) {
                            for (int t = 0; t < rowTaps; t++) {
                                int a = phaseTap(kh, strides[0], rowPhase, rowTaps, t);
                                for (int u = 0; u < columnTaps && a >= 0; u++) {
                                    int b = phaseTap(kw, strides[1], columnPhase, columnTaps, u);
                                    if (b >= 0) {
                                        dst[((channel * outPerGroup + o) * rowTaps + t) * columnTaps + u] =
                                                src[(((g * outPerGroup + o) * inPerGroup + i) * kh + a) * kw + b];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return new HostTensor(new long[] {(long) groups * strides[0] * strides[1] * inPerGroup, outPerGroup, rowTaps, columnTaps}, dst);
    }

    /**
     * The (unflipped) kernel tap at position {@code t} of the phase's {@code taps}-long kernel, or −1 for a leading
     * zero tap: the phase's own taps of the flipped kernel are {@code first + j·stride},
     * {@code first = (k − 1 − phase) mod stride}, {@code j < ⌈(k − phase) / stride⌉}, placed last.
     */
    private static int phaseTap(int k, int stride, int phase, int taps, int t) {
        int reaching = Math.floorDiv(k - phase + stride - 1, stride);
        int j = t - (taps - reaching);
        if (reaching <= 0 || j < 0) {
            return -1;
        }
        int flipped = (k - 1 - phase) % stride + j * stride;
        return k - 1 - flipped;
    }

    /**
     * The convolution (ungrouped, without bias) as a matrix {@code M[(o, y, x), (i, h, w)]}: the output at
     * {@code (o, y, x)} is {@code Σ M·input}; its adjoint is {@code g·M} with {@code g} flattened per row.
     */
    private HostTensor unroll(HostTensor w) {
        int out = (int) w.dim(0);
        int in = (int) w.dim(1);
        int kh = (int) w.dim(2);
        int kw = (int) w.dim(3);
        int rows = (int) outputSpatial[0];
        int columns = (int) outputSpatial[1];
        int height = (int) spatial[0];
        int width = (int) spatial[1];
        double[] m = new double[out * rows * columns * in * height * width];
        double[] src = w.data();
        for (int o = 0; o < out; o++) {
            for (int y = 0; y < rows; y++) {
                for (int x = 0; x < columns; x++) {
                    int row = (o * rows + y) * columns + x;
                    for (int i = 0; i < in; i++) {
                        for (int a = 0; a < kh; a++) {
                            int h = y * strides[0] - pads[0] + a * dilations[0];
                            for (int b = 0; b < kw; b++) {
                                int v = x * strides[1] - pads[1] + b * dilations[1];
                                if (h >= 0 && h < height && v >= 0 && v < width) {
                                    m[(row * in + i) * height * width + h * width + v] = src[((o * in + i) * kh + a) * kw + b];
                                }
                            }
                        }
                    }
                }
            }
        }
        return new HostTensor(new long[] {(long) out * rows * columns, (long) in * height * width}, m);
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

    /** True unless the adjoint is the unrolled matrix's product: libtorch's convolution backward is faster. */
    @Override
    boolean prefersAutograd() {
        return form != AdjointForm.UNROLLED;
    }

    @Override
    NDArray forward(NDArray[] inputs, long batch) {
        return apply(inputs[0], weight, adjointWeight, bias);
    }

    @Override
    public NDArray linear(NDArray[] inputs) {
        return apply(inputs[0], weight, adjointWeight, null);
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
        return m == null ? apply(radii[0], weight, adjointWeight, null) : apply(radii[0], m[0], m[1], null);
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

    /**
     * {@code {|W|, adjoint kernel of |W|}}, uploaded on the first call ({@code |W|} itself null where the unrolled
     * matrix serves both directions); null when W has no negative entry.
     */
    private synchronized NDArray[] magnitudeWeights() {
        if (magnitudeWeights == null) {
            HostTensor magnitude = hostWeight.absolute();
            if (magnitude.equals(hostWeight)) {
                magnitudeWeights = new NDArray[0];
            } else {
                NDArray adjoint = DeviceTensors.upload(manager, adjointForm(magnitude), type);
                NDArray direct = form == AdjointForm.UNROLLED ? null : DeviceTensors.upload(manager, magnitude, type);
                // model constants: an NDScope open at the first call must not free them
                NDScope.unregister(direct == null ? new NDArray[] {adjoint} : new NDArray[] {direct, adjoint});
                magnitudeWeights = new NDArray[] {direct, adjoint};
            }
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

    /** The convolution with {@code kernel}, or with the unrolled matrix {@code adjointKernel} where it is one. */
    private NDArray apply(NDArray input, NDArray kernel, NDArray adjointKernel, NDArray b) {
        if (form == AdjointForm.UNROLLED) {
            long n = input.getShape().get(0);
            NDArray y = input.reshape(n, -1).matMul(Tensors.owned(adjointKernel.transpose(), input))
                    .reshape(n, hostWeight.dim(0), outputSpatial[0], outputSpatial[1]);
            return b == null ? y : y.add(channelBias);
        }
        boolean symmetric = pads[0] == pads[2] && pads[1] == pads[3];
        NDArray x = symmetric ? input : padded(input, new long[] {pads[0], pads[1]}, new long[] {pads[2], pads[3]});
        Shape padding = symmetric ? new Shape(pads[0], pads[1]) : NO_PADDING;
        return convolve(x, kernel, b, new Shape(strides[0], strides[1]), padding);
    }

    /**
     * The adjoint of {@link #apply} with {@code flipped}, the kernel in this convolution's {@link AdjointForm}: a
     * product with the unrolled matrix, the stacked phases, a 1×1 kernel's channel mixing written back at the strided
     * positions, or the transposed convolution: a stride-1 convolution of the output gradient spread out by the
     * stride, padded by {@code span − 1 − pad} before and what reaches the input's end after (the padding the
     * convolution takes where both sides agree, so that no position outside the input is computed).
     */
    private NDArray adjointApply(NDArray gradOutput, NDArray flipped) {
        if (form == AdjointForm.UNROLLED) {
            long n = gradOutput.getShape().get(0);
            return gradOutput.reshape(n, -1).matMul(flipped).reshape(n, hostWeight.dim(1), spatial[0], spatial[1]);
        }
        long[] before = new long[2];
        long[] after = new long[2];
        for (int axis = 0; axis < 2; axis++) {
            long outputs = gradOutput.getShape().get(axis + 2);
            before[axis] = span[axis] - 1 - pads[axis];
            after[axis] = spatial[axis] + pads[axis] - (outputs - 1) * strides[axis] - 1;
        }
        if (span[0] == 1 && span[1] == 1) {
            return pointwiseAdjoint(convolve(gradOutput, flipped, null, UNIT, NO_PADDING));
        }
        if (form == AdjointForm.PHASES) {
            return phaseAdjoint(gradOutput, flipped);
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
     * The adjoint by {@link #phaseKernels}: one stride-1 convolution of the output gradient padded by {@code J − 1}
     * before (and to the phase length after) gives every phase of the padded input; the phases are interleaved and
     * the padding cropped.
     */
    private NDArray phaseAdjoint(NDArray gradOutput, NDArray kernels) {
        long[] phaseLength = new long[2];
        long[] before = new long[2];
        long[] after = new long[2];
        long[] common = new long[2];
        for (int axis = 0; axis < 2; axis++) {
            phaseLength[axis] = Math.floorDiv(spatial[axis] + pads[axis] + strides[axis] - 1, strides[axis]);
            before[axis] = kernels.getShape().get(axis + 2) - 1;
            after[axis] = phaseLength[axis] - gradOutput.getShape().get(axis + 2);
            common[axis] = Math.max(0, Math.min(before[axis], after[axis]));
            before[axis] -= common[axis];
            after[axis] -= common[axis];
        }
        NDArray phases = convolve(padded(gradOutput, before, after), kernels, null, UNIT, new Shape(common[0], common[1]));
        long n = gradOutput.getShape().get(0);
        long inPerGroup = hostWeight.dim(1);
        NDArray interleaved = phases.reshape(n, groups, strides[0], strides[1], inPerGroup, phaseLength[0], phaseLength[1])
                .transpose(0, 1, 4, 5, 2, 6, 3)
                .reshape(n, groups * inPerGroup, phaseLength[0] * strides[0], phaseLength[1] * strides[1]);
        return interleaved.get(new NDIndex(":, :, {}:{}, {}:{}", pads[0], pads[0] + spatial[0], pads[1], pads[1] + spatial[1]));
    }

    /**
     * The adjoint of a 1×1 convolution after its channel mixing: output position {@code o} read input position
     * {@code o·stride − pad}; the mixed gradient is written there into zeros (outputs that read padding dropped).
     */
    private NDArray pointwiseAdjoint(NDArray mixed) {
        if (strides[0] == 1 && strides[1] == 1 && pads[0] == 0 && pads[1] == 0 && pads[2] == 0 && pads[3] == 0) {
            return mixed;
        }
        long[] first = new long[2];
        long[] last = new long[2];
        for (int axis = 0; axis < 2; axis++) {
            first[axis] = Math.floorDiv(pads[axis] + strides[axis] - 1, strides[axis]);
            last[axis] = Math.min(mixed.getShape().get(axis + 2) - 1, Math.floorDiv(spatial[axis] - 1 + pads[axis], strides[axis]));
        }
        Shape s = mixed.getShape();
        NDArray input = mixed.getManager().zeros(new Shape(s.get(0), s.get(1), spatial[0], spatial[1]), mixed.getDataType());
        input.set(new NDIndex(":, :, {}:{}:{}, {}:{}:{}",
                first[0] * strides[0] - pads[0], last[0] * strides[0] - pads[0] + 1, strides[0],
                first[1] * strides[1] - pads[1], last[1] * strides[1] - pads[1] + 1, strides[1]),
                mixed.get(new NDIndex(":, :, {}:{}, {}:{}", first[0], last[0] + 1, first[1], last[1] + 1)));
        return input;
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
            NDArray interleaved = NDArrays.concat(new NDList(column, out.zerosLike().expandDims(spatial + 1)
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
        if (weight != null) {
            weight.close();
        }
        adjointWeight.close();
        synchronized (this) {
            if (magnitudeWeights != null) {
                for (NDArray m : magnitudeWeights) {
                    if (m != null) {
                        m.close();
                    }
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
