package dev.stabilis.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.graph.Shapes;

/** Mean over the spatial axes; backward spreads the gradient evenly. */
final class GlobalAveragePoolKernel implements LayerKernel {

    private final int[] spatialAxes;
    private final long[] inputShape;
    private final long count;

    GlobalAveragePoolKernel(long[] inputShape) {
        this.inputShape = inputShape.clone();
        this.spatialAxes = new int[inputShape.length - 1];
        for (int i = 0; i < spatialAxes.length; i++) {
            spatialAxes[i] = i + 2;
        }
        this.count = Shapes.size(inputShape) / inputShape[0];
    }

    @Override
    public NDArray forward(NDArray input) {
        return input.mean(spatialAxes, true);
    }

    @Override
    public NDArray backward(NDArray gradOutput, NDArray input, NDArray output) {
        Shape full = new Shape(Shapes.withBatch(gradOutput.getShape().get(0), inputShape));
        return gradOutput.div(count).broadcast(full);
    }
}
