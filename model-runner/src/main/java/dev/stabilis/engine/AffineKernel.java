package dev.stabilis.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.stabilis.graph.ElementwiseAffine;

/** {@code y = x ⊙ scale + shift}; backward {@code g ⊙ scale} (constants never widen the input). */
final class AffineKernel extends LinearKernel {

    private final NDArray scale;
    private final NDArray scaleMagnitude;
    private final NDArray shift;

    AffineKernel(ElementwiseAffine op, NDManager manager, DataType type) {
        this.scale = op.scale() == null ? null : DeviceTensors.upload(manager, op.scale(), type);
        this.scaleMagnitude = op.scale() == null ? null : DeviceTensors.upload(manager, op.scale().absolute(), type);
        this.shift = op.shift() == null ? null : DeviceTensors.upload(manager, op.shift(), type);
    }

    @Override
    public NDArray linear(NDArray[] in) {
        return scale == null ? in[0] : in[0].mul(scale);
    }

    @Override
    public NDArray offset(long batch) {
        return shift;
    }

    @Override
    public NDArray magnitude(NDArray[] radii) {
        return scale == null ? radii[0] : radii[0].mul(scaleMagnitude);
    }

    @Override
    public NDArray[] adjoint(NDArray grad) {
        return new NDArray[] {scale == null ? grad : grad.mul(scale)};
    }

    @Override
    public NDArray[] magnitudeAdjoint(NDArray grad) {
        return new NDArray[] {scale == null ? grad : grad.mul(scaleMagnitude)};
    }

    @Override
    public long terms() {
        return 2;
    }

    @Override
    public long adjointTerms() {
        return 1;
    }

    @Override
    public boolean isElementwise() {
        return true;
    }

    @Override
    public boolean hasParameters() {
        return true;
    }

    @Override
    public void close() {
        for (NDArray a : new NDArray[] {scale, scaleMagnitude, shift}) {
            if (a != null) {
                a.close();
            }
        }
    }
}
