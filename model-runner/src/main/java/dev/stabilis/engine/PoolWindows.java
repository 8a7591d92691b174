package dev.stabilis.engine;

import ai.djl.ndarray.NDArray;

/**
 * The windows a maximum is taken over (a max pool's sliding windows, a ReduceMax's reduced axes), laid out with
 * the window's taps on a new last axis. Interval propagation reads them to find which taps can be the maximum.
 */
public interface PoolWindows {

    /**
     * The taps of every window, {@code [output shape..., K]}; taps in padding hold −∞.
     *
     * @param input an array of the node's input shape
     */
    NDArray windows(NDArray input);

    /**
     * The adjoint of {@link #windows} (without the padding): each tap's value added back onto the input position it
     * was read from.
     *
     * @param taps {@code [output shape..., K]}
     */
    NDArray fold(NDArray taps);

    /**
     * An array of the node's output shape laid out like the windows' leading axes (the taps axis excluded).
     *
     * @param taps windows of the same batch
     */
    NDArray toTaps(NDArray outputLike, NDArray taps);
}
