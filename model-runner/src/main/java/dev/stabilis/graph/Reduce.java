package dev.stabilis.graph;

import java.util.Arrays;
import java.util.List;

/**
 * The sum or mean over axes (ReduceSum, ReduceMean, GlobalAveragePool): a linear map.
 *
 * @param axes the reduced axes, none of them a batch axis
 * @param keepDims whether reduced axes stay as size 1
 * @param mean whether to divide by the number of reduced elements
 */
public record Reduce(int[] axes, boolean keepDims, boolean mean) implements Op {

    public Reduce {
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
        return true;
    }

    @Override
    public <R> R accept(OpVisitor<R> visitor) {
        return visitor.reduce(this);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Reduce r && Arrays.equals(axes, r.axes) && keepDims == r.keepDims && mean == r.mean;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(axes) * 4 + (keepDims ? 2 : 0) + (mean ? 1 : 0);
    }

    @Override
    public String toString() {
        return (mean ? "ReduceMean" : "ReduceSum") + Arrays.toString(axes) + (keepDims ? " keep" : "");
    }
}
