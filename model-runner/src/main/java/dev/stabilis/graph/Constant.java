package dev.stabilis.graph;

import java.util.Arrays;
import java.util.List;

/**
 * A constant broadcast to a shape that may follow the batch: a learned token expanded to every sample before it
 * is concatenated with the input's tokens, or any other operand that does not depend on the input.
 *
 * @param value the constant
 * @param shape the shape it is broadcast to (numpy rules), symbolic where it follows the batch
 */
public record Constant(HostTensor value, long[] shape) implements Op {

    public Constant {
        shape = shape.clone();
        if (!Arrays.equals(Shapes.broadcast(value.shape(), shape), shape)) {
            throw new IllegalArgumentException("constant of shape " + Arrays.toString(value.shape())
                    + " does not broadcast to " + Arrays.toString(shape));
        }
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public int arity() {
        return 0;
    }

    @Override
    public long[] outputShape(List<long[]> inputs) {
        return shape.clone();
    }

    @Override
    public boolean isAffine() {
        return true;
    }

    @Override
    public <R> R accept(OpVisitor<R> visitor) {
        return visitor.constant(this);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Constant c && value.equals(c.value) && Arrays.equals(shape, c.shape);
    }

    @Override
    public int hashCode() {
        return value.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return "Constant" + Arrays.toString(value.shape()) + "->" + Arrays.toString(shape);
    }
}
