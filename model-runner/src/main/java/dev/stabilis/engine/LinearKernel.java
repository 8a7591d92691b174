package dev.stabilis.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;

/**
 * A kernel for an affine node: forward is {@code L(x) + b}, backward {@code Lᵀ g}, the tangent {@code L(t)}, and the
 * backward's derivative {@code Lᵀ R{g}} (the Jacobian is constant).
 */
abstract class LinearKernel extends Kernel implements LinearMap {


    @Override
    NDArray forward(NDArray[] inputs, long batch) {
        NDArray y = linear(inputs);
        NDArray b = offset(batch);
        return b == null ? y : y.add(b);
    }

    @Override
    NDArray[] backward(NDArray grad, NDArray[] inputs, NDArray output) {
        return adjoint(grad);
    }

    @Override
    NDArray tangent(NDArray[] inputs, NDArray output, NDArray[] tangents) {
        return linear(tangents);
    }

    @Override
    NDArray[] backwardTangent(NDArray grad, NDArray gradTangent, NDArray[] inputs, NDArray output, NDArray[] tangents) {
        return adjoint(gradTangent);
    }

    private NDArray offsetMagnitude;

    /** |b|, made once: the offset is a constant of the model. */
    @Override
    public synchronized NDArray offsetMagnitude(long batch) {
        if (offsetMagnitude == null) {
            NDArray b = offset(batch);
            offsetMagnitude = b == null ? null : b.abs();
            if (offsetMagnitude != null) { // a model constant: an NDScope open at the first call must not free it
                NDScope.unregister(offsetMagnitude);
            }
        }
        return offsetMagnitude;
    }

    @Override
    public boolean hasParameters() {
        return false;
    }

    /** A map whose coefficients are 0 or 1 (data movement, sums): |L| = L. */
    abstract static class NonNegative extends LinearKernel {

        @Override
        public NDArray magnitude(NDArray[] radii) {
            return linear(radii);
        }

        @Override
        public NDArray[] magnitudeAdjoint(NDArray grad) {
            return adjoint(grad);
        }

        @Override
        public NDArray offset(long batch) {
            return null;
        }
    }
}
