package dev.stabilis.graph;

import java.util.Arrays;
import java.util.List;

/**
 * Picks positions along one axis by constant indices, in order, repeats allowed: Gather with constant indices
 * (the CLS token, an embedding lookup of constant ids), Slice, and each output of Split. The axis keeps its place
 * and takes the number of indices as its size.
 *
 * @param axis the axis (not a batch axis)
 * @param indices positions in {@code [0, size)}
 */
public record Select(int axis, long[] indices) implements Op {

    public Select {
        indices = indices.clone();
        if (indices.length == 0) {
            throw new IllegalArgumentException("select needs at least one index");
        }
    }

    @Override
    public long[] indices() {
        return indices.clone();
    }

    /** Whether the indices are {@code start, start + 1, ...}: a contiguous slice. */
    public boolean contiguous() {
        for (int i = 1; i < indices.length; i++) {
            if (indices[i] != indices[0] + i) {
                return false;
            }
        }
        return true;
    }

    @Override
    public long[] outputShape(List<long[]> inputs) {
        long[] in = inputs.get(0);
        if (axis < 0 || axis >= in.length || Shapes.carriesBatch(in[axis])) {
            throw new IllegalArgumentException("select on axis " + axis + " of shape " + Arrays.toString(in));
        }
        for (long i : indices) {
            if (i < 0 || i >= in[axis]) {
                throw new IllegalArgumentException("index " + i + " is out of range for axis " + axis + " of size " + in[axis]);
            }
        }
        long[] out = in.clone();
        out[axis] = indices.length;
        return out;
    }

    @Override
    public boolean isAffine() {
        return true;
    }

    @Override
    public <R> R accept(OpVisitor<R> visitor) {
        return visitor.select(this);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Select s && axis == s.axis && Arrays.equals(indices, s.indices);
    }

    @Override
    public int hashCode() {
        return axis * 31 + Arrays.hashCode(indices);
    }

    @Override
    public String toString() {
        return "Select(axis " + axis + ", " + (indices.length > 8 ? indices.length + " indices" : Arrays.toString(indices)) + ")";
    }
}
