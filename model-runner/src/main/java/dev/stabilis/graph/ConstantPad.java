package dev.stabilis.graph;

import java.util.Arrays;

/**
 * Padding with a constant value.
 *
 * @param begin elements added before each per-sample axis
 * @param end elements added after each per-sample axis
 * @param value the fill value
 */
public record ConstantPad(long[] begin, long[] end, float value) implements Layer {

    public ConstantPad {
        if (begin.length != end.length) {
            throw new IllegalArgumentException("pad begin and end differ in rank");
        }
        for (int i = 0; i < begin.length; i++) {
            if (begin[i] < 0 || end[i] < 0) {
                throw new IllegalArgumentException("negative padding (cropping) is not supported: "
                        + Arrays.toString(begin) + " / " + Arrays.toString(end));
            }
        }
        begin = begin.clone();
        end = end.clone();
    }

    @Override
    public long[] begin() {
        return begin.clone();
    }

    @Override
    public long[] end() {
        return end.clone();
    }

    @Override
    public Layer linearPart() {
        return new ConstantPad(begin, end, 0f);
    }

    @Override
    public Layer magnitude() {
        return linearPart();
    }

    @Override
    public long[] outputShape(long[] inputShape) {
        if (inputShape.length != begin.length) {
            throw new IllegalArgumentException("pad of rank " + begin.length + " applied to shape " + Arrays.toString(inputShape));
        }
        long[] out = inputShape.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] += begin[i] + end[i];
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConstantPad p && Arrays.equals(begin, p.begin) && Arrays.equals(end, p.end) && value == p.value;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(begin) * 31 + Arrays.hashCode(end);
    }

    @Override
    public String toString() {
        return "ConstantPad begin=" + Arrays.toString(begin) + " end=" + Arrays.toString(end) + " value=" + value;
    }
}
