package dev.stabilis.graph;

import java.util.Arrays;
import java.util.List;

/**
 * 2-D max pooling on {@code [N, channels, height, width]}. Padded positions never win (they hold −∞); ONNX's
 * {@code ceil_mode} is folded into extra end padding, as for average pooling.
 *
 * @param kernel {@code [kh, kw]}
 * @param strides {@code [sh, sw]}
 * @param pads {@code [top, left, bottom, right]}
 * @param dilations {@code [dh, dw]}
 */
public record MaxPool2d(int[] kernel, int[] strides, int[] pads, int[] dilations) implements Op {

    public MaxPool2d {
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
        if (in.length != 4 || Shapes.carriesBatch(in[1]) || Shapes.carriesBatch(in[2]) || Shapes.carriesBatch(in[3])) {
            throw new IllegalArgumentException("max pool expects [N, C, H, W] input, got " + Arrays.toString(in));
        }
        for (int axis = 0; axis < 2; axis++) {
            if (pads[axis] >= (long) dilations[axis] * (kernel[axis] - 1) + 1) {
                throw new IllegalArgumentException("max pool padding " + Arrays.toString(pads) + " would leave windows of padding only");
            }
        }
        return new long[] {
            in[0],
            in[1],
            SlidingWindow.outputSize(in[2], kernel[0], strides[0], pads[0], pads[2], dilations[0]),
            SlidingWindow.outputSize(in[3], kernel[1], strides[1], pads[1], pads[3], dilations[1])
        };
    }

    @Override
    public boolean isAffine() {
        return false;
    }

    @Override
    public <R> R accept(OpVisitor<R> visitor) {
        return visitor.maxPool2d(this);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MaxPool2d p && Arrays.equals(kernel, p.kernel) && Arrays.equals(strides, p.strides)
                && Arrays.equals(pads, p.pads) && Arrays.equals(dilations, p.dilations);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(kernel) * 31 + Arrays.hashCode(strides);
    }

    @Override
    public String toString() {
        return "MaxPool2d kernel=" + Arrays.toString(kernel) + " strides=" + Arrays.toString(strides) + " pads=" + Arrays.toString(pads);
    }
}
