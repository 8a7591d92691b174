package dev.stabilis.engine;

import ai.djl.ndarray.NDArray;

/**
 * The result of one forward and backward pass over a batch.
 *
 * @param logits {@code [N, C]} model outputs at the input
 * @param classes {@code [N]} int64 target classes the gradient is of
 * @param gradient input gradient of each row's target score, shaped like the input
 */
public record Gradients(NDArray logits, NDArray classes, NDArray gradient) {}
