package dev.stabilis.graph;

/**
 * One step of a layer graph. Every layer maps one per-sample tensor to one per-sample tensor, so a graph is
 * a chain, and each kind has a closed-form backward rule that the engine (and interval propagation)
 * implements.
 */
public sealed interface Layer
        permits Dense, Conv2d, AveragePool2d, GlobalAveragePool, ConstantPad, ElementwiseAffine, Activation, Reshape {

    /**
     * The per-sample output shape for a per-sample input shape.
     *
     * @throws IllegalArgumentException when the input shape does not fit the layer
     */
    long[] outputShape(long[] inputShape);

    /** Whether the layer is an affine map of its input (true for everything but activations). */
    default boolean isAffine() {
        return true;
    }

    /**
     * The linear part of an affine layer, {@code x ↦ L(x) − L(0)} (biases, shifts and pad values dropped);
     * an activation returns itself.
     */
    Layer linearPart();

    /**
     * The linear part with every coefficient replaced by its absolute value, {@code |L|}: it maps the radius
     * of a centre–radius interval through the layer. An activation returns itself.
     */
    Layer magnitude();

    /** Whether the layer holds trained parameters (weights, biases, scales) that a parameter box perturbs. */
    default boolean hasParameters() {
        return false;
    }
}
