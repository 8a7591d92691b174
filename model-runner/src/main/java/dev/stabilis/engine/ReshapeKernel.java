package dev.stabilis.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.graph.Shapes;

/** A reshape that keeps the batch axis; backward reshapes back. */
final class ReshapeKernel implements LayerKernel {

    private final long[] inputShape;
    private final long[] outputShape;

    ReshapeKernel(long[] inputShape, long[] outputShape) {
        this.inputShape = inputShape.clone();
        this.outputShape = outputShape.clone();
    }

    @Override
    public NDArray forward(NDArray input) {
        return input.reshape(new Shape(Shapes.withBatch(input.getShape().get(0), outputShape)));
    }

    @Override
    public NDArray backward(NDArray gradOutput, NDArray input, NDArray output) {
        return gradOutput.reshape(new Shape(Shapes.withBatch(gradOutput.getShape().get(0), inputShape)));
    }
}
