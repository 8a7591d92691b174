package dev.stabilis.engine;

import ai.djl.ndarray.NDArray;

/**
 * One graph node on a device: its forward map, its vector–Jacobian product (the backward pass of input gradients)
 * and the two directional derivatives the R-operator needs for Hessian-vector products (Pearlmutter 1994): the
 * tangent of the forward map, and the derivative of the backward map along the tangents. Arrays passed in belong
 * to the caller's (per-batch) manager; constants belong to the model's.
 */
abstract class Kernel implements AutoCloseable {

    /**
     * The output for the inputs.
     *
     * @param batch the batch size N, for outputs whose shape follows it without reading an input
     */
    abstract NDArray forward(NDArray[] inputs, long batch);

    /**
     * The adjoints of the inputs: {@code Jᵀ grad} per input, shaped like that input.
     *
     * @param output what {@link #forward} returned for these inputs
     */
    abstract NDArray[] backward(NDArray grad, NDArray[] inputs, NDArray output);

    /** The directional derivative of the output along the inputs' tangents: {@code J · tangents}. */
    abstract NDArray tangent(NDArray[] inputs, NDArray output, NDArray[] tangents);

    /**
     * The directional derivative of {@link #backward} along the inputs' tangents, with the output adjoint's own
     * directional derivative {@code gradTangent}: {@code R{Jᵀ g} = Jᵀ R{g} + (R{J})ᵀ g}.
     */
    abstract NDArray[] backwardTangent(NDArray grad, NDArray gradTangent, NDArray[] inputs, NDArray output,
            NDArray[] tangents);

    /**
     * Whether input gradients through a graph with this node are better left to libtorch's autograd than to the
     * nodes' {@link #backward} rules: false unless the rule is measured slower than autograd's own backward
     * (convolutions on maps too large to unroll, maxima); a graph takes autograd when any node says so
     * ({@link GraphModel#gradients}).
     */
    boolean prefersAutograd() {
        return false;
    }

    /** Releases device constants. */
    @Override
    public void close() {}
}
