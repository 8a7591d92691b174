package dev.stabilis.harden;

import ai.djl.ndarray.NDArray;

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
}
