package dev.stabilis.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.stabilis.graph.Dense;

/** {@code y = x Wᵀ + b}; backward {@code g W}. */
final class DenseKernel implements LayerKernel {

    private final NDArray weight;
    private final NDArray weightTransposed;
    private final NDArray bias;

    DenseKernel(Dense layer, NDManager manager, DataType type) {
        this.weight = DeviceTensors.upload(manager, layer.weight(), type);
        this.weightTransposed = weight.transpose().duplicate();
        this.bias = layer.bias() == null ? null : DeviceTensors.upload(manager, layer.bias(), type);
    }

    /**
     * A dense layer that computes with the given arrays. The transpose stays a view (a copy would cut autograd's
     * graph), so results remain differentiable with respect to the arrays.
     */
    DenseKernel(NDArray weight, NDArray bias) {
        this.weight = weight;
        this.weightTransposed = weight.transpose();
        this.bias = bias;
    }

    @Override
    public NDArray forward(NDArray input) {
        NDArray y = input.matMul(weightTransposed);
        return bias == null ? y : y.addi(bias);
    }

    @Override
    public NDArray backward(NDArray gradOutput, NDArray input, NDArray output) {
        return gradOutput.matMul(weight);
    }

    @Override
    public void close() {
        weight.close();
        weightTransposed.close();
        if (bias != null) {
            bias.close();
        }
    }
}
