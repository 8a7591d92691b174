package dev.stabilis.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import dev.stabilis.graph.Dense;

/** {@code y = x Wᵀ + b} on the last axis; backward {@code g W}. */
final class DenseKernel extends LinearKernel {

    private final NDArray weight;
    private final NDArray weightTransposed;
    private final NDArray bias;
    private final long inputs;
    private final long outputs;
    private NDArray magnitude;
    private NDArray magnitudeTransposed;

    DenseKernel(Dense op, NDManager manager, DataType type) {
        this.weight = DeviceTensors.upload(manager, op.weight(), type);
        this.weightTransposed = weight.transpose().duplicate();
        this.bias = op.bias() == null ? null : DeviceTensors.upload(manager, op.bias(), type);
        this.inputs = op.inputs();
        this.outputs = op.outputs();
    }

    /**
     * A dense map that computes with the given arrays. The transpose stays a view (a copy would cut autograd's
     * graph), so results remain differentiable with respect to the arrays.
     */
    DenseKernel(NDArray weight, NDArray bias) {
        this.weight = weight;
        this.weightTransposed = weight.transpose();
        this.bias = bias;
        this.inputs = weight.getShape().get(1);
        this.outputs = weight.getShape().get(0);
    }

    @Override
    public NDArray linear(NDArray[] in) {
        return in[0].matMul(weightTransposed);
    }

    @Override
    public NDArray offset(long batch) {
        return bias;
    }

    @Override
    public NDArray[] adjoint(NDArray grad) {
        return new NDArray[] {grad.matMul(weight)};
    }

    @Override
    public NDArray magnitude(NDArray[] radii) {
        return radii[0].matMul(magnitudeTransposed());
    }

    @Override
    public NDArray[] magnitudeAdjoint(NDArray grad) {
        magnitudeTransposed();
        return new NDArray[] {grad.matMul(magnitude)};
    }

    /** |W|ᵀ, made on first use (only interval propagation needs it), from the weight so autograd follows it. */
    private synchronized NDArray magnitudeTransposed() {
        if (magnitude == null) {
            magnitude = weight.abs();
            magnitudeTransposed = magnitude.transpose();
            // model constants: an NDScope open at the first call (a bound pass's node scope) must not free them
            NDScope.unregister(magnitude, magnitudeTransposed);
        }
        return magnitudeTransposed;
    }

    @Override
    public long terms() {
        return inputs + 1;
    }

    @Override
    public long adjointTerms() {
        return outputs;
    }

    @Override
    public boolean hasParameters() {
        return true;
    }

    @Override
    public void close() {
        weight.close();
        weightTransposed.close();
        if (bias != null) {
            bias.close();
        }
        if (magnitude != null) {
            magnitude.close();
            magnitudeTransposed.close();
        }
    }
}
