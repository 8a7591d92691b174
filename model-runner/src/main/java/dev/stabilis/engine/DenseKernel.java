package dev.stabilis.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import dev.stabilis.graph.Dense;
import dev.stabilis.graph.HostTensor;

/** {@code y = x Wᵀ + b} on the last axis; backward {@code g W}. */
final class DenseKernel extends LinearKernel {

    private final NDArray weight;
    private final NDArray weightTransposed;
    private final NDArray bias;
    private final long inputs;
    private final long outputs;
    private NDArray magnitude;
    private NDArray magnitudeTransposed;
    /** The model's weight on the host and the manager it lives in, for {@link #singleMagnitude}; null on supplied arrays. */
    private final HostTensor hostWeight;
    private final NDManager manager;
    private NDArray singleMagnitude;
    private NDArray singleMagnitudeTransposed;

    DenseKernel(Dense op, NDManager manager, DataType type) {
        this.hostWeight = op.weight();
        this.manager = manager;
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
        this.hostWeight = null;
        this.manager = null;
        this.weight = weight;
        this.weightTransposed = weight.transpose();
        this.bias = bias;
        this.inputs = weight.getShape().get(1);
        this.outputs = weight.getShape().get(0);
    }

    @Override
    public NDArray linear(NDArray[] in) {
        return product(in[0], weightTransposed);
    }

    @Override
    public NDArray offset(long batch) {
        return bias;
    }

    @Override
    public NDArray[] adjoint(NDArray grad) {
        return new NDArray[] {product(grad, weight)};
    }

    @Override
    public NDArray magnitude(NDArray[] radii) {
        return product(radii[0], magnitudeTransposed());
    }

    @Override
    public NDArray[] magnitudeAdjoint(NDArray grad) {
        magnitudeTransposed();
        return new NDArray[] {product(grad, magnitude)};
    }

    /** {@code a b} for a matrix b, on the threads {@link IntraOpThreads#forProduct} gives its multiply-adds. */
    private static NDArray product(NDArray a, NDArray b) {
        try (IntraOpThreads threads = IntraOpThreads.forProduct(() -> a.size() * b.getShape().get(1))) {
            return a.matMul(b);
        }
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

    /** The model's own weights have a float32 copy of |W| rounded up ({@link SingleMagnitude}); supplied arrays do not. */
    @Override
    public boolean hasSingleMagnitude() {
        return hostWeight != null;
    }

    @Override
    public NDArray singleMagnitude(NDArray radius) {
        return product(radius, singleMagnitudes()[1]);
    }

    @Override
    public NDArray singleMagnitudeAdjoint(NDArray grad) {
        return product(grad, singleMagnitudes()[0]);
    }

    /** {@code {|W|, |W|ᵀ}} in float32, rounded up, made on first use and kept for the model's lifetime. */
    private synchronized NDArray[] singleMagnitudes() {
        if (!hasSingleMagnitude()) {
            throw new UnsupportedOperationException("a dense map on supplied arrays has no float32 magnitude");
        }
        if (singleMagnitude == null) {
            singleMagnitude = SingleMagnitude.of(manager, hostWeight);
            singleMagnitudeTransposed = singleMagnitude.transpose();
            NDScope.unregister(singleMagnitude, singleMagnitudeTransposed);
        }
        return new NDArray[] {singleMagnitude, singleMagnitudeTransposed};
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
        if (singleMagnitude != null) {
            singleMagnitude.close();
            singleMagnitudeTransposed.close();
        }
    }
}
