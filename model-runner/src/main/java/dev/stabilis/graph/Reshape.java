package dev.stabilis.graph;

import java.util.Arrays;
import java.util.List;

/**
 * A reshape (Reshape, Flatten, Squeeze, Unsqueeze) to a full symbolic shape. The batch may merge with neighbouring
 * axes (attention views {@code [T, N, E]} as {@code [T, N·H, E/H]} and back as {@code [T·N, E]}), but samples must
 * stay apart: the input and the output carry the batch on one axis each, and the sample of every output position must
 * follow from its index on that axis alone. That holds when the input's batch stride S (how far apart in memory two
 * consecutive samples' values start) is a multiple {@code c·Q} of the product Q of the output's axes after the batch
 * axis, and c divides that axis's batch multiple; the output axis then lays out as {@code [m/c][N][c]}
 * ({@link Shapes#batchDimension}).
 *
 * @param shape the output shape; its batch axis's layout is derived from the input's
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
        int from = batchAxis(in);
        int to = batchAxis(shape);
        long stride = Shapes.inner(in[from]) * trailing(in, from);
        long after = trailing(shape, to);
        long multiple = Shapes.multiple(shape[to]);
        if (stride % after != 0 || multiple % (stride / after) != 0) {
            throw new IllegalArgumentException("reshape of " + Arrays.toString(in) + " to " + Arrays.toString(shape)
                    + " (negative: times the batch) would spread samples across other axes");
        }
        long inner = stride / after;
        long[] out = shape.clone();
        out[to] = Shapes.batchDimension(multiple / inner, inner);
        return out;
    }

    private int batchAxis(long[] s) {
        int axis = -1;
        for (int i = 0; i < s.length; i++) {
            if (Shapes.carriesBatch(s[i])) {
                if (axis >= 0) {
                    throw new IllegalArgumentException("shape " + Arrays.toString(s) + " carries the batch on two axes");
                }
                axis = i;
            }
        }
        if (axis < 0) {
            throw new IllegalArgumentException("shape " + Arrays.toString(s) + " has no batch axis");
        }
        return axis;
    }

    /** The product of the (fixed) axes after {@code axis}. */
    private static long trailing(long[] s, int axis) {
        long n = 1;
        for (int i = axis + 1; i < s.length; i++) {
            n *= s[i];
        }
        return n;
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
