package dev.stabilis.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.graph.Shapes;

/** Mean over the spatial axes; backward spreads the gradient evenly. */
final class GlobalAveragePoolKernel implements LayerKernel {

    private final long[] inputShape;
    private final long[] outputShape;
    private final long count;

    GlobalAveragePoolKernel(long[] inputShape, long[] outputShape) {
        this.inputShape = inputShape.clone();
        this.outputShape = outputShape.clone();
        this.count = Shapes.size(inputShape) / inputShape[0];
    }

    @Override
    public NDArray forward(NDArray input) {
        long n = input.getShape().get(0);
        long channels = inputShape[0];
        // PyTorch NDArray.mean in DJL takes one axis, so the spatial axes are merged first.
        return input.reshape(n, channels, -1).mean(new int[] {2}, true)
                .reshape(new Shape(Shapes.withBatch(n, outputShape)));
    }

    @Override
    public NDArray backward(NDArray gradOutput, NDArray input, NDArray output) {
        Shape full = new Shape(Shapes.withBatch(gradOutput.getShape().get(0), inputShape));
        return gradOutput.div(count).broadcast(full);
    }
}
