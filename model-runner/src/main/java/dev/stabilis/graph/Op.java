package dev.stabilis.graph;

import java.util.List;

/**
 * An operator of a dataflow graph: a map from one or more variable inputs to one output, with its constants
 * (weights, axes, shapes) held in the operator. Every analysis (execution, input gradients, Hessian-vector
 * products, interval bounds, export) dispatches on the kind through {@link OpVisitor}, whose one method per kind
 * makes a missing rule a compile error.
 *
 * <p>Shapes are full symbolic shapes ({@link Shapes}): batch axes included, batch dimensions negative.
 */
public sealed interface Op
        permits Dense, Conv2d, ElementwiseAffine, AveragePool2d, ConstantPad, Reshape, Transpose, Select, Concat,
                Expand, Constant, Reduce, ReduceMax, MaxPool2d, Add, Mul, Div, MatMul, Activation, PRelu, Softmax, Normalize {

    /**
     * The output shape for the given input shapes.
     *
     * @throws IllegalArgumentException when the inputs do not fit the operator
     */
    long[] outputShape(List<long[]> inputs);

    /** Number of variable inputs (0 for a constant), or −1 for any number ≥ 1. */
    default int arity() {
        return 1;
    }

    /**
     * The multiply-adds one output element costs for the given input shapes: the length of its dot product for the
     * products (dense maps, convolutions, matrix products), 1 for operators that make each element from a few inputs.
     * A measure of a pass's arithmetic ({@link Graph#multiplyAddsPerSample}), not of its exact operation count.
     */
    default long multiplyAddsPerElement(List<long[]> inputs) {
        return 1;
    }

    /**
     * Whether the output is an affine function of the inputs (a linear map plus a constant offset), so intervals
     * pass through it exactly in centre–radius form.
     */
    boolean isAffine();

    /** Calls the visitor's method for this kind. */
    <R> R accept(OpVisitor<R> visitor);
}
