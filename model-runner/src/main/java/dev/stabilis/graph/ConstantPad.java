package dev.stabilis.graph;

import java.util.Arrays;
import java.util.List;

/**
 * Padding with a constant value.
 *
 * @param begin elements added before each axis (0 on axes that carry the batch)
 * @param end elements added after each axis
 * @param value the fill value
 */
public record ConstantPad(long[] begin, long[] end, double value) implements Op {

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
    public long[] outputShape(List<long[]> inputs) {
        long[] in = inputs.get(0);
        if (in.length != begin.length) {
            throw new IllegalArgumentException("pad of rank " + begin.length + " applied to shape " + Arrays.toString(in));
        }
        long[] out = in.clone();
        for (int i = 0; i < out.length; i++) {
            if (begin[i] + end[i] == 0) {
                continue;
            }
            if (Shapes.carriesBatch(in[i])) {
                throw new IllegalArgumentException("pad must not pad a batch axis");
            }
            out[i] += begin[i] + end[i];
        }
        return out;
    }

    @Override
    public boolean isAffine() {
        return true;
    }

    @Override
    public <R> R accept(OpVisitor<R> visitor) {
        return visitor.constantPad(this);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConstantPad p && Arrays.equals(begin, p.begin) && Arrays.equals(end, p.end)
                && Double.compare(value, p.value) == 0;
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
