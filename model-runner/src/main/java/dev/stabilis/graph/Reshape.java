package dev.stabilis.graph;

import java.util.Arrays;

/**
 * A reshape that keeps the batch axis (Flatten and Reshape).
 *
 * @param shape the per-sample output shape
 */
public record Reshape(long[] shape) implements Layer {

    public Reshape {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public Layer linearPart() {
        return this;
    }

    @Override
    public Layer magnitude() {
        return this;
    }

    @Override
    public long[] outputShape(long[] inputShape) {
        if (Shapes.size(inputShape) != Shapes.size(shape)) {
            throw new IllegalArgumentException("cannot reshape " + Arrays.toString(inputShape) + " to " + Arrays.toString(shape));
        }
        return shape.clone();
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
