/**
 * Certified explanation stability: interval bounds on the input gradient of a target score over an input
 * box (and optionally a parameter box), propagated through the forward and backward pass of a dataflow graph
 * (Wicker et al. 2022; one {@code IntervalRule} per operator kind), the certificates derived from them, the certified radius, input splitting as a
 * sound tightening, and a curvature indicator from exact Hessian-vector products.
 *
 * <p>Bounds are computed in float64 and widened outward at every step by a margin that covers float64
 * rounding (see {@link GradientBounds}), so they enclose the exact real-valued gradient of the float32
 * model.
 */
package dev.stabilis.certify;
