package dev.stabilis.graph;

import java.util.List;

/**
 * {@code y = x ⊙ scale + shift} with constants broadcast (numpy rules) into the input without widening it: what
 * Add, Sub, Mul and Div by constants, Neg, and an inference-mode BatchNormalization become.
 *
 * @param scale the factor, or null for 1
 * @param shift the offset, or null for 0
 */
public record ElementwiseAffine(HostTensor scale, HostTensor shift) implements Op {

    public ElementwiseAffine {
        if (scale == null && shift == null) {
            throw new IllegalArgumentException("an elementwise affine map needs a scale or a shift");
        }
    }

    /** Adds a constant. */
    public static ElementwiseAffine shift(HostTensor shift) {
        return new ElementwiseAffine(null, shift);
    }

    /** Multiplies by a constant. */
    public static ElementwiseAffine scale(HostTensor scale) {
        return new ElementwiseAffine(scale, null);
    }

    @Override
    public long[] outputShape(List<long[]> inputs) {
        long[] in = inputs.get(0);
        if (scale != null) {
            Shapes.checkBroadcastsInto(in, scale.shape());
        }
        if (shift != null) {
            Shapes.checkBroadcastsInto(in, shift.shape());
        }
        return in.clone();
    }

    @Override
    public boolean isAffine() {
        return true;
    }

    @Override
    public <R> R accept(OpVisitor<R> visitor) {
        return visitor.elementwiseAffine(this);
    }

    @Override
    public String toString() {
        return "ElementwiseAffine(" + (scale == null ? "" : "×" + java.util.Arrays.toString(scale.shape()))
                + (shift == null ? "" : "+" + java.util.Arrays.toString(shift.shape())) + ")";
    }
}
