package dev.stabilis.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/** Elementwise activations with their derivatives; ReLU′(0) = 0 as in PyTorch. */
final class ActivationKernel implements LayerKernel {

    private final dev.stabilis.graph.Activation.Kind kind;
    private final float alpha;

    ActivationKernel(dev.stabilis.graph.Activation layer) {
        this.kind = layer.kind();
        this.alpha = layer.alpha();
    }

    @Override
    public NDArray forward(NDArray z) {
        return switch (kind) {
            case RELU -> Activation.relu(z);
            case LEAKY_RELU -> Activation.leakyRelu(z, alpha);
            case SIGMOID -> Activation.sigmoid(z);
            case TANH -> Activation.tanh(z);
            case SOFTPLUS -> Activation.softPlus(z);
        };
    }

    @Override
    public NDArray backward(NDArray gradOutput, NDArray z, NDArray a) {
        return gradOutput.mul(derivative(z, a));
    }

    private NDArray derivative(NDArray z, NDArray a) {
        return switch (kind) {
            case RELU -> z.gt(0).toType(z.getDataType(), false);
            case LEAKY_RELU -> z.gt(0).toType(z.getDataType(), false).muli(1 - alpha).addi(alpha);
            case SIGMOID -> a.mul(a.neg().addi(1));
            case TANH -> a.square().negi().addi(1);
            case SOFTPLUS -> Activation.sigmoid(z);
        };
    }
}
