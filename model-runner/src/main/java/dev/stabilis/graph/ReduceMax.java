package dev.stabilis.graph;

import java.util.Arrays;
import java.util.List;

/**
 * The maximum over axes (ReduceMax, GlobalMaxPool).
 *
 * @param axes the reduced axes, none of them a batch axis
 * @param keepDims whether reduced axes stay as size 1
 */
public record ReduceMax(int[] axes, boolean keepDims) implements Op {

    public ReduceMax {
        axes = Reductions.sorted(axes);
    }

    @Override
    public int[] axes() {
        return axes.clone();
    }

    @Override
    public long[] outputShape(List<long[]> inputs) {
        return Reductions.outputShape(inputs.get(0), axes, keepDims);
    }

    @Override
    public boolean isAffine() {
        return false;
    }

    @Override
    public <R> R accept(OpVisitor<R> visitor) {
        return visitor.reduceMax(this);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ReduceMax r && Arrays.equals(axes, r.axes) && keepDims == r.keepDims;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(axes) * 2 + (keepDims ? 1 : 0);
    }

    @Override
    public String toString() {
        return "ReduceMax" + Arrays.toString(axes) + (keepDims ? " keep" : "");
    }
}
