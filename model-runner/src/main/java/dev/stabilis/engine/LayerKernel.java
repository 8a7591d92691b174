package dev.stabilis.engine;

import ai.djl.ndarray.NDArray;

/** One layer on a device: forward, and the closed-form backward (vector–Jacobian product) of that forward. */
interface LayerKernel extends AutoCloseable {

    /** The layer applied to a batch. */
    NDArray forward(NDArray input);

    /**
     * The gradient with respect to the layer input.
     *
     * @param gradOutput gradient with respect to the layer output
     * @param input the input the forward pass saw
     * @param output the output the forward pass produced
     */
    NDArray backward(NDArray gradOutput, NDArray input, NDArray output);

    /** Releases device constants. */
    @Override
    default void close() {}
}
