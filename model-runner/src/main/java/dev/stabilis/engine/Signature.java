package dev.stabilis.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.graph.Shapes;

/**
 * The symbolic shapes of a node's inputs and output ({@link Shapes}), resolved for a batch when a kernel needs
 * concrete sizes.
 *
 * @param inputs the input shapes
 * @param output the output shape
 */
record Signature(long[][] inputs, long[] output) {

    /** The batch size of an array of the output's shape. */
    long batchOfOutput(NDArray outputLike) {
        return Shapes.batchOf(output, outputLike.getShape().getShape());
    }

    Shape input(int index, long batch) {
        return new Shape(Shapes.resolve(inputs[index], batch));
    }

    Shape output(long batch) {
        return new Shape(Shapes.resolve(output, batch));
    }

    /** The shape with every batch dimension 1: a constant broadcast over the batch. */
    static Shape perBatchEntry(long[] shape) {
        long[] out = shape.clone();
        for (int i = 0; i < out.length; i++) {
            if (Shapes.carriesBatch(out[i])) {
                out[i] = 1;
            }
        }
        return new Shape(out);
    }
}
