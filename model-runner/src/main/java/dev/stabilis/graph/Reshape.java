package dev.stabilis.graph;

import java.util.Arrays;
import java.util.List;

/**
 * A reshape (Reshape, Flatten, Squeeze, Unsqueeze) to a full symbolic shape. The batch may merge with the axes after
 * it (attention reshapes {@code [T, N, E]} to {@code [T, N·H, E/H]}), but samples stay apart: input and output have
 * one axis carrying the batch each, and the axes before it hold the same number of values, so every sample's
 * values stay contiguous behind the same outer positions.
 *
 * @param shape the output shape
 */
public record Reshape(long[] shape) implements Op {

    public Reshape {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public long[] outputShape(List<long[]> inputs) {
        long[] in = inputs.get(0);
        if (Shapes.perSample(in) != Shapes.perSample(shape)) {
            throw new IllegalArgumentException("cannot reshape " + Arrays.toString(in) + " to " + Arrays.toString(shape));
        }
        if (outerSize(in) != outerSize(shape)) {
            throw new IllegalArgumentException("reshape of " + Arrays.toString(in) + " to " + Arrays.toString(shape)
                    + " (-m is m times the batch) would spread samples across other axes");
        }
        return shape.clone();
    }

    /** The number of values before the one axis that carries the batch. */
    private static long outerSize(long[] shape) {
        long outer = 1;
        int batchAxes = 0;
        for (long d : shape) {
            if (Shapes.carriesBatch(d)) {
                batchAxes++;
            } else if (batchAxes == 0) {
                outer *= d;
            }
        }
        if (batchAxes != 1) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has " + batchAxes + " batch axes, not one");
        }
        return outer;
    }

    @Override
    public boolean isAffine() {
        return true;
    }

    @Override
    public <R> R accept(OpVisitor<R> visitor) {
        return visitor.reshape(this);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Reshape r && Arrays.equals(shape, r.shape);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return "Reshape" + Arrays.toString(shape);
    }
}
