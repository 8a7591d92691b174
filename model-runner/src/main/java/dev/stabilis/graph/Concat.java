package dev.stabilis.graph;

import java.util.Arrays;
import java.util.List;

/**
 * Joins its inputs along one axis (not a batch axis); the other axes must agree.
 *
 * @param axis the axis
 */
public record Concat(int axis) implements Op {

    @Override
    public int arity() {
        return -1;
    }

    @Override
    public long[] outputShape(List<long[]> inputs) {
        long[] out = inputs.get(0).clone();
        if (axis < 0 || axis >= out.length || Shapes.carriesBatch(out[axis])) {
            throw new IllegalArgumentException("concat on axis " + axis + " of shape " + Arrays.toString(out));
        }
        for (int k = 1; k < inputs.size(); k++) {
            long[] in = inputs.get(k);
            if (in.length != out.length) {
                throw new IllegalArgumentException("concat inputs differ in rank");
            }
            for (int i = 0; i < in.length; i++) {
                if (i == axis) {
                    out[i] += in[i];
                } else if (in[i] != out[i]) {
                    throw new IllegalArgumentException("concat inputs " + Arrays.toString(inputs.get(0)) + " and "
                            + Arrays.toString(in) + " differ off axis " + axis);
                }
            }
        }
        return out;
    }

    @Override
    public boolean isAffine() {
        return true;
    }

    @Override
    public <R> R accept(OpVisitor<R> visitor) {
        return visitor.concat(this);
    }
}
