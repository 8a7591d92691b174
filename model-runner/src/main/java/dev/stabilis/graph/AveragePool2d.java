package dev.stabilis.graph;

import java.util.Arrays;
import java.util.List;

/**
 * 2-D average pooling on {@code [N, channels, height, width]}, written as the linear map it is: a depthwise
 * convolution with a kernel of ones over the zero-padded input, followed by multiplication with a constant
 * per-position divisor map. The divisor encodes ONNX's {@code count_include_pad} and {@code ceil_mode}
 * (ceil mode is folded into extra end padding), so every variant is one exact linear map.
 *
 * @param channels number of channels
 * @param kernel {@code [kh, kw]}
 * @param strides {@code [sh, sw]}
 * @param pads zero padding {@code [top, left, bottom, right]}, including any extra end padding of ceil mode
 * @param dilations {@code [dh, dw]}
 * @param inverseCount per output position, 1 / (number of taps counted), shape {@code [outH, outW]}
 */
public record AveragePool2d(long channels, int[] kernel, int[] strides, int[] pads, int[] dilations, HostTensor inverseCount)
        implements Op {

    public AveragePool2d {
        kernel = kernel.clone();
        strides = strides.clone();
        pads = pads.clone();
        dilations = dilations.clone();
    }

    @Override
    public int[] kernel() {
        return kernel.clone();
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

    @Override
    public long[] outputShape(List<long[]> inputs) {
        long[] in = inputs.get(0);
        if (in.length != 4 || in[1] != channels || Shapes.carriesBatch(in[2]) || Shapes.carriesBatch(in[3])) {
            throw new IllegalArgumentException("average pool expects [N, " + channels + ", H, W] input, got " + Arrays.toString(in));
        }
        long[] out = {
            in[0],
            channels,
            SlidingWindow.outputSize(in[2], kernel[0], strides[0], pads[0], pads[2], dilations[0]),
            SlidingWindow.outputSize(in[3], kernel[1], strides[1], pads[1], pads[3], dilations[1])
        };
        if (out[2] != inverseCount.dim(0) || out[3] != inverseCount.dim(1)) {
            throw new IllegalArgumentException("average pool output " + Arrays.toString(out)
                    + " does not match its divisor map " + Arrays.toString(inverseCount.shape()));
        }
        return out;
    }

    @Override
    public boolean isAffine() {
        return true;
    }

    @Override
    public <R> R accept(OpVisitor<R> visitor) {
        return visitor.averagePool2d(this);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AveragePool2d p && channels == p.channels && Arrays.equals(kernel, p.kernel)
                && Arrays.equals(strides, p.strides) && Arrays.equals(pads, p.pads)
                && Arrays.equals(dilations, p.dilations) && inverseCount.equals(p.inverseCount);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(kernel) * 31 + inverseCount.hashCode();
    }

    @Override
    public String toString() {
        return "AveragePool2d kernel=" + Arrays.toString(kernel) + " strides=" + Arrays.toString(strides)
                + " pads=" + Arrays.toString(pads);
    }
}
