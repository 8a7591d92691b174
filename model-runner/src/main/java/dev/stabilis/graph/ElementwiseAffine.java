package dev.stabilis.graph;

/**
 * {@code y = x ⊙ scale + shift} with constants broadcast (numpy rules) into the input: what Add, Sub, Mul and
 * Div by constants, and an unfolded BatchNormalization, become. A constant with as many axes as the input
 * including the batch axis applies per batch position.
 *
 * @param scale the factor, or null for 1
 * @param shift the offset, or null for 0
 */
public record ElementwiseAffine(HostTensor scale, HostTensor shift) implements Layer {

    public ElementwiseAffine {
        if (scale == null && shift == null) {
            throw new IllegalArgumentException("an elementwise affine layer needs a scale or a shift");
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
    public Layer linearPart() {
        return ElementwiseAffine.scale(scale == null ? HostTensor.scalar(1) : scale);
    }

    @Override
    public Layer magnitude() {
        return ElementwiseAffine.scale(scale == null ? HostTensor.scalar(1) : scale.absolute());
    }

    @Override
    public boolean hasParameters() {
        return true;
    }

    @Override
    public long[] outputShape(long[] inputShape) {
        if (scale != null) {
            Shapes.checkBroadcastsInto(inputShape, scale.shape());
        }
        if (shift != null) {
            Shapes.checkBroadcastsInto(inputShape, shift.shape());
        }
        return inputShape.clone();
    }
}
