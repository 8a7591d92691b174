package dev.stabilis.graph;

/**
 * An elementwise activation.
 *
 * @param kind which function
 * @param alpha the negative slope of {@link Kind#LEAKY_RELU}; unused otherwise
 */
public record Activation(Kind kind, float alpha) implements Layer {

    /** The supported activation functions. */
    public enum Kind {
        /** max(0, z); derivative 1[z &gt; 0] (0 at z = 0, as PyTorch). */
        RELU,
        /** z for z &gt; 0, alpha·z otherwise. */
        LEAKY_RELU,
        /** 1 / (1 + e^-z). */
        SIGMOID,
        /** tanh z. */
        TANH,
        /** log(1 + e^z); β variants arrive as scaling layers around it. */
        SOFTPLUS
    }

    public Activation {
        if (kind == null) {
            throw new IllegalArgumentException("activation kind is required");
        }
    }

    /** An activation without parameters. */
    public static Activation of(Kind kind) {
        return new Activation(kind, 0f);
    }

    @Override
    public Layer linearPart() {
        return this;
    }

    @Override
    public Layer magnitude() {
        return this;
    }

    @Override
    public long[] outputShape(long[] inputShape) {
        return inputShape.clone();
    }

    @Override
    public boolean isAffine() {
        return false;
    }
}
