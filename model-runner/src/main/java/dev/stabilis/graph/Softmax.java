package dev.stabilis.graph;

import java.util.Arrays;
import java.util.List;

/**
 * Softmax, or its logarithm, along one axis (not a batch axis).
 *
 * @param axis the axis
 * @param log whether this is LogSoftmax
 */
public record Softmax(int axis, boolean log) implements Op {

    @Override
    public long[] outputShape(List<long[]> inputs) {
        long[] in = inputs.get(0);
        if (axis < 0 || axis >= in.length || Shapes.carriesBatch(in[axis])) {
            throw new IllegalArgumentException("softmax on axis " + axis + " of shape " + Arrays.toString(in));
        }
        return in.clone();
    }

    @Override
    public boolean isAffine() {
        return false;
    }

    @Override
    public <R> R accept(OpVisitor<R> visitor) {
        return visitor.softmax(this);
    }
}
