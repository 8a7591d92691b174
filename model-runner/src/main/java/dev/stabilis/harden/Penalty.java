package dev.stabilis.harden;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/** One regulariser added to the cross-entropy loss of a batch. */
interface Penalty {

    /** Short name for progress lines. */
    String name();

    /**
     * The weighted penalty of a batch, a scalar differentiable with respect to the network's parameters.
     *
     * @param x {@code [N, features]} float64 inputs in unit coordinates
     * @param labels {@code [N]} int64 classes
     * @param progress share of training done, in [0, 1] (for schedules)
     */
    NDArray of(BoundNetwork network, NDArray x, NDArray labels, double progress);

    /**
     * {@code value · factor} with the factor as an array of {@code batch}, which lives until the batch ends. A Java
     * number would become a tensor over a Java buffer that DJL releases as soon as the product is formed, while
     * autograd keeps that tensor for the backward pass and would then read freed memory.
     */
    static NDArray scaled(NDArray value, double factor, NDManager batch) {
        return value.mul(batch.create(factor));
    }
}
