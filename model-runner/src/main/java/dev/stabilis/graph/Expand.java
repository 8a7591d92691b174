package dev.stabilis.graph;

import java.util.Arrays;
import java.util.List;

/**
 * Broadcasts the input to a shape (ONNX Expand: numpy broadcasting of the input against the target).
 *
 * @param shape the target, symbolic where it follows the batch
 */
public record Expand(long[] shape) implements Op {

    public Expand {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public long[] outputShape(List<long[]> inputs) {
        return Shapes.broadcast(inputs.get(0), shape);
    }

    @Override
    public boolean isAffine() {
        return true;
    }

    @Override
    public <R> R accept(OpVisitor<R> visitor) {
        return visitor.expand(this);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Expand e && Arrays.equals(shape, e.shape);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return "Expand" + Arrays.toString(shape);
    }
}
