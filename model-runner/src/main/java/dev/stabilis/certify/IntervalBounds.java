package dev.stabilis.certify;

import ai.djl.ndarray.NDArray;

/**
 * Bounds that hold for every input in the box (and every parameter in the parameter box).
 *
 * @param gradientLower {@code [N, inputShape...]} lower bound of the target score's input gradient
 * @param gradientUpper upper bound, same shape
 * @param logitLower {@code [N, C]} lower bound of the logits
 * @param logitUpper {@code [N, C]} upper bound of the logits
 */
public record IntervalBounds(NDArray gradientLower, NDArray gradientUpper, NDArray logitLower, NDArray logitUpper) {}
