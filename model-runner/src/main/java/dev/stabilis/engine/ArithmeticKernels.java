package dev.stabilis.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.graph.Constant;
import dev.stabilis.graph.Reduce;
import dev.stabilis.graph.Shapes;

/** The affine kernels that compute: constants broadcast over the batch, sums and means over axes, and sums. */
final class ArithmeticKernels {

    private ArithmeticKernels() {}

    /** A constant broadcast to a shape that follows the batch; it has no inputs, so nothing flows back. */
    static final class ConstantKernel extends LinearKernel {

        private final NDArray value;
        private final NDArray magnitude;
        private final Signature signature;

        ConstantKernel(Constant op, Signature signature, NDManager manager, DataType type) {
            this.value = DeviceTensors.upload(manager, op.value(), type);
            this.magnitude = value.abs();
            this.signature = signature;
        }

        @Override
        NDArray forward(NDArray[] inputs, long batch) {
            try (NDArray view = value.broadcast(signature.output(batch))) { // of the model's manager: closed here
                return view.duplicate();
            }
        }

        @Override
        public NDArray linear(NDArray[] inputs) {
            throw new IllegalStateException("a constant has no linear part to apply; use forward");
        }

        @Override
        public NDArray offset(long batch) {
            return value;
        }

        @Override
        public NDArray offsetMagnitude(long batch) {
            return magnitude;
        }

        @Override
        public NDArray magnitude(NDArray[] radii) {
            throw new IllegalStateException("a constant has no radius");
        }

        @Override
        public NDArray[] adjoint(NDArray grad) {
            return new NDArray[0];
        }

        @Override
        public NDArray[] magnitudeAdjoint(NDArray grad) {
            return new NDArray[0];
        }

        @Override
        NDArray tangent(NDArray[] inputs, NDArray output, NDArray[] tangents) {
            return output.zerosLike();
        }

        @Override
        public long terms() {
            return 0;
        }

        @Override
        public long adjointTerms() {
            return 0;
        }

        @Override
        public void close() {
            value.close();
            magnitude.close();
        }
    }

    /** Sum or mean over axes; backward broadcasts the adjoint back over them. */
    static final class ReduceKernel extends LinearKernel.NonNegative {

        private final int[] axes;
        private final boolean keepDims;
        private final NDArray scale;
        private final Signature signature;
        private final long count;

        ReduceKernel(Reduce op, Signature signature, Scalars scalars) {
            this.axes = op.axes();
            this.keepDims = op.keepDims();
            this.signature = signature;
            long n = 1;
            for (int a : axes) {
                n *= signature.inputs()[0][a];
            }
            this.count = n;
            this.scale = op.mean() ? scalars.of(1.0 / n) : null;
        }

        @Override
        public NDArray linear(NDArray[] in) {
            NDArray sum = in[0].sum(axes, keepDims);
            return scale == null ? sum : sum.muli(scale);
        }

        @Override
        public NDArray[] adjoint(NDArray grad) {
            Shape input = signature.input(0, signature.batchOfOutput(grad));
            long[] kept = input.getShape().clone();
            for (int a : axes) {
                kept[a] = 1;
            }
            NDArray spread = grad.reshape(new Shape(kept)).broadcast(input);
            return new NDArray[] {scale == null ? spread : spread.mul(scale)};
        }

        @Override
        public long terms() {
            return count;
        }

        @Override
        public long adjointTerms() {
            return 1;
        }
    }

    /** The sum of two variables with broadcasting; backward sums each adjoint down to its input's shape. */
    static final class AddKernel extends LinearKernel.NonNegative {

        private final Signature signature;

        AddKernel(Signature signature) {
            this.signature = signature;
        }

        @Override
        public NDArray linear(NDArray[] in) {
            return in[0].add(in[1]);
        }

        @Override
        public NDArray[] adjoint(NDArray grad) {
            long batch = signature.batchOfOutput(grad);
            return new NDArray[] {Broadcasts.reduceTo(grad, signature.input(0, batch)), Broadcasts.reduceTo(grad, signature.input(1, batch))};
        }

        @Override
        public long terms() {
            return 2;
        }

        @Override
        public long adjointTerms() {
            long out = Shapes.perSample(signature.output());
            return Math.max(out / Shapes.perSample(signature.inputs()[0]), out / Shapes.perSample(signature.inputs()[1]));
        }
    }
}
