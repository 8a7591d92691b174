package dev.stabilis.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import dev.stabilis.graph.Activation.Kind;

/**
 * The activation functions with their first and second derivatives, elementwise on {@code NDArray}s.
 * Derivatives follow PyTorch at the kinks: ReLU′(0) = 0, LeakyReLU′(0) = α.
 */
public final class ActivationFunctions {

    private ActivationFunctions() {}

    /** σ(z). */
    public static NDArray value(Kind kind, float alpha, NDArray z) {
        return switch (kind) {
            case RELU -> Activation.relu(z);
            case LEAKY_RELU -> Activation.leakyRelu(z, alpha);
            case SIGMOID -> Activation.sigmoid(z);
            case TANH -> Activation.tanh(z);
            case SOFTPLUS -> Activation.softPlus(z);
        };
    }

    /** σ′(z). */
    public static NDArray derivative(Kind kind, float alpha, NDArray z) {
        return switch (kind) {
            case RELU -> z.gt(0).toType(z.getDataType(), false);
            case LEAKY_RELU -> z.gt(0).toType(z.getDataType(), false).muli(1.0 - alpha).addi((double) alpha);
            case SIGMOID -> {
                NDArray s = Activation.sigmoid(z);
                yield s.mul(s.neg().addi(1));
            }
            case TANH -> Activation.tanh(z).square().negi().addi(1);
            case SOFTPLUS -> Activation.sigmoid(z);
        };
    }

    /**
     * σ″(z); zero almost everywhere for the piecewise linear activations. Written without products by Java
     * numbers (2t as t + t), so that autograd can differentiate it (see {@code GradientBounds} on constants).
     */
    public static NDArray secondDerivative(Kind kind, NDArray z) {
        return switch (kind) {
            case RELU, LEAKY_RELU -> z.zerosLike();
            case SIGMOID -> {
                NDArray s = Activation.sigmoid(z);
                yield s.mul(s.neg().addi(1)).muli(s.add(s).negi().addi(1));
            }
            case TANH -> {
                NDArray t = Activation.tanh(z);
                yield t.add(t).negi().muli(t.square().negi().addi(1));
            }
            case SOFTPLUS -> {
                NDArray s = Activation.sigmoid(z);
                yield s.mul(s.neg().addi(1));
            }
        };
    }

    /**
     * The largest value of σ′ over the real line when σ′ peaks in the interior (at 0), else NaN: sigmoid and
     * tanh have derivatives that are not monotone, so an interval containing 0 reaches this peak.
     */
    public static double derivativePeak(Kind kind) {
        return switch (kind) {
            case SIGMOID -> 0.25;
            case TANH -> 1.0;
            default -> Double.NaN;
        };
    }
}
