package dev.stabilis.graph;

import java.util.Arrays;

/**
 * 2-D average pooling on {@code [channels, height, width]}, written as the linear map it is: a depthwise
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
        implements Layer {

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
    public Layer linearPart() {
        return this;
    }

    /** Pooling weights are non-negative, so the magnitude map is the pooling itself. */
    @Override
    public Layer magnitude() {
        return this;
    }

    @Override
    public long[] outputShape(long[] inputShape) {
        if (inputShape.length != 3 || inputShape[0] != channels) {
            throw new IllegalArgumentException("average pool expects [" + channels + ", H, W] input, got "
                    + Arrays.toString(inputShape));
        }
        long[] out = {
            channels,
            SlidingWindow.outputSize(inputShape[1], kernel[0], strides[0], pads[0], pads[2], dilations[0]),
            SlidingWindow.outputSize(inputShape[2], kernel[1], strides[1], pads[1], pads[3], dilations[1])
        };
        if (out[1] != inverseCount.dim(0) || out[2] != inverseCount.dim(1)) {
            throw new IllegalArgumentException("average pool output " + Arrays.toString(out)
                    + " does not match its divisor map " + Arrays.toString(inverseCount.shape()));
        }
        return out;
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
