package dev.stabilis.graph;

import java.util.Arrays;
import java.util.List;

/**
 * A 2-D convolution (cross-correlation, as in ONNX and PyTorch) on {@code [N, channels, height, width]}.
 *
 * @param weight kernels, shape {@code [outChannels, inChannels / groups, kernelH, kernelW]}
 * @param bias per output channel, or null
 * @param strides {@code [sh, sw]}
 * @param pads zero padding {@code [top, left, bottom, right]}
 * @param dilations {@code [dh, dw]}
 * @param groups number of channel groups
 */
public record Conv2d(HostTensor weight, HostTensor bias, int[] strides, int[] pads, int[] dilations, int groups)
        implements Op {

    public Conv2d {
        if (weight.rank() != 4) {
            throw new IllegalArgumentException("conv weight must have 4 axes, shape " + Arrays.toString(weight.shape()));
        }
        if (bias != null && bias.size() != weight.dim(0)) {
            throw new IllegalArgumentException("conv bias has " + bias.size() + " values for " + weight.dim(0) + " channels");
        }
        strides = strides.clone();
        pads = pads.clone();
        dilations = dilations.clone();
    }

    @Override
    public int[] strides() {
        return strides.clone();
    }

    @Override
    public int[] pads() {
        return pads.clone();
    }

    @Override
    public int[] dilations() {
        return dilations.clone();
    }

    /** Whether the padding is the same on both sides of each axis (PyTorch's convolution pads symmetrically). */
    public boolean symmetricPadding() {
        return pads[0] == pads[2] && pads[1] == pads[3];
    }

    @Override
    public long[] outputShape(List<long[]> inputs) {
        long[] in = inputs.get(0);
        if (in.length != 4 || in[1] != weight.dim(1) * groups || Shapes.carriesBatch(in[1]) || Shapes.carriesBatch(in[2])
                || Shapes.carriesBatch(in[3])) {
            throw new IllegalArgumentException("conv expects [N, " + weight.dim(1) * groups + ", H, W] input, got "
                    + Arrays.toString(in));
        }
        return new long[] {
            in[0],
            weight.dim(0),
            SlidingWindow.outputSize(in[2], weight.dim(2), strides[0], pads[0], pads[2], dilations[0]),
            SlidingWindow.outputSize(in[3], weight.dim(3), strides[1], pads[1], pads[3], dilations[1])
        };
    }

    @Override
    public long multiplyAddsPerElement(List<long[]> inputs) {
        return weight.dim(1) * weight.dim(2) * weight.dim(3);
    }

    @Override
    public boolean isAffine() {
        return true;
    }

    @Override
    public <R> R accept(OpVisitor<R> visitor) {
        return visitor.conv2d(this);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Conv2d c && weight.equals(c.weight) && java.util.Objects.equals(bias, c.bias)
                && Arrays.equals(strides, c.strides) && Arrays.equals(pads, c.pads)
                && Arrays.equals(dilations, c.dilations) && groups == c.groups;
    }

    @Override
    public int hashCode() {
        return weight.hashCode() * 31 + Arrays.hashCode(pads);
    }

    @Override
    public String toString() {
        return "Conv2d" + Arrays.toString(weight.shape()) + " strides=" + Arrays.toString(strides)
                + " pads=" + Arrays.toString(pads) + " dilations=" + Arrays.toString(dilations) + " groups=" + groups;
    }
}
