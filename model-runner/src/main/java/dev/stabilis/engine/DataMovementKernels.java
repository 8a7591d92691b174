package dev.stabilis.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.graph.Concat;
import dev.stabilis.graph.Expand;
import dev.stabilis.graph.HostTensor;
import dev.stabilis.graph.Reshape;
import dev.stabilis.graph.Select;
import dev.stabilis.graph.Shapes;
import dev.stabilis.graph.Transpose;

/**
 * The kernels that move data without arithmetic (reshape, transpose, select, concatenate, broadcast): exact on
 * intervals, their adjoints the inverse index maps (broadcasting's adjoint sums).
 */
final class DataMovementKernels {

    private DataMovementKernels() {}

    /** Reshape to a symbolic shape resolved per batch; backward reshapes back. */
    static final class ReshapeKernel extends LinearKernel.NonNegative {

        private final Signature signature;

        ReshapeKernel(Reshape op, Signature signature) {
            this.signature = signature;
        }

        @Override
        public NDArray linear(NDArray[] in) {
            long batch = Shapes.batchOf(signature.inputs()[0], in[0].getShape().getShape());
            return in[0].reshape(signature.output(batch));
        }

        @Override
        public NDArray[] adjoint(NDArray grad) {
            return new NDArray[] {grad.reshape(signature.input(0, signature.batchOfOutput(grad)))};
        }

        @Override
        public long terms() {
            return 0;
        }

        @Override
        public long adjointTerms() {
            return 0;
        }
    }

    /** A permutation of axes; backward applies the inverse permutation. */
    static final class TransposeKernel extends LinearKernel.NonNegative {

        private final int[] perm;
        private final int[] inverse;

        TransposeKernel(Transpose op) {
            this.perm = op.perm();
            this.inverse = op.inverse();
        }

        @Override
        public NDArray linear(NDArray[] in) {
            return in[0].transpose(perm);
        }

        @Override
        public NDArray[] adjoint(NDArray grad) {
            return new NDArray[] {grad.transpose(inverse)};
        }

        @Override
        public long terms() {
            return 0;
        }

        @Override
        public long adjointTerms() {
            return 0;
        }
    }

    /**
     * Positions along an axis by constant indices: a slice when they are contiguous, otherwise a product with the
     * one-hot selection matrix S ({@code [indices, size]}) along the axis; backward pads the slice back, or
     * multiplies by Sᵀ (repeated indices add up).
     */
    static final class SelectKernel extends LinearKernel.NonNegative {

        private final int axis;
        private final int rank;
        private final NDIndex slice;
        private final Shape padBack;
        private final NDArray selection;
        private final NDArray selectionTransposed;

        SelectKernel(Select op, Signature signature, NDManager manager, DataType type) {
            long[] in = signature.inputs()[0];
            this.axis = op.axis();
            this.rank = in.length;
            long[] indices = op.indices();
            if (op.contiguous()) {
                StringBuilder index = new StringBuilder();
                for (int i = 0; i < rank; i++) {
                    index.append(i == 0 ? "" : ", ").append(i == axis ? indices[0] + ":" + (indices[0] + indices.length) : ":");
                }
                this.slice = new NDIndex(index.toString());
                long[] pads = new long[2 * rank];
                int fromLast = rank - 1 - axis;
                pads[2 * fromLast] = indices[0];
                pads[2 * fromLast + 1] = in[axis] - indices[0] - indices.length;
                this.padBack = new Shape(pads);
                this.selection = null;
                this.selectionTransposed = null;
            } else {
                double[] s = new double[(int) (indices.length * in[axis])];
                for (int k = 0; k < indices.length; k++) {
                    s[(int) (k * in[axis] + indices[k])] = 1;
                }
                this.selection = DeviceTensors.upload(manager, new HostTensor(new long[] {indices.length, in[axis]}, s), type);
                this.selectionTransposed = selection.transpose(); // made once: per pass it would stay on the model's manager
                this.slice = null;
                this.padBack = null;
            }
        }

        @Override
        public NDArray linear(NDArray[] in) {
            if (slice != null) {
                return in[0].get(slice);
            }
            return in[0].swapAxes(axis, rank - 1).matMul(selectionTransposed).swapAxes(axis, rank - 1);
        }

        @Override
        public NDArray[] adjoint(NDArray grad) {
            if (slice != null) {
                return new NDArray[] {grad.pad(padBack, 0)};
            }
            return new NDArray[] {grad.swapAxes(axis, rank - 1).matMul(selection).swapAxes(axis, rank - 1)};
        }

        @Override
        public long terms() {
            return 0;
        }

        @Override
        public long adjointTerms() {
            return selection == null ? 0 : selection.getShape().get(0);
        }

        @Override
        public void close() {
            if (selection != null) {
                selection.close();
                selectionTransposed.close();
            }
        }
    }

    /** Concatenation along an axis; backward splits the adjoint into the inputs' pieces. */
    static final class ConcatKernel extends LinearKernel.NonNegative {

        private final int axis;
        private final long[] splitPoints;

        ConcatKernel(Concat op, Signature signature) {
            this.axis = op.axis();
            long[][] inputs = signature.inputs();
            this.splitPoints = new long[inputs.length - 1];
            long at = 0;
            for (int i = 0; i < splitPoints.length; i++) {
                at += inputs[i][axis];
                splitPoints[i] = at;
            }
        }

        @Override
        public NDArray linear(NDArray[] in) {
            return in.length == 1 ? in[0] : NDArrays.concat(new NDList(in), axis);
        }

        @Override
        public NDArray[] adjoint(NDArray grad) {
            return splitPoints.length == 0 ? new NDArray[] {grad} : grad.split(splitPoints, axis).toArray(new NDArray[0]);
        }

        @Override
        public long terms() {
            return 0;
        }

        @Override
        public long adjointTerms() {
            return 0;
        }
    }

    /** Broadcast to a shape; backward sums over the broadcast axes. */
    static final class ExpandKernel extends LinearKernel.NonNegative {

        private final Signature signature;

        ExpandKernel(Expand op, Signature signature) {
            this.signature = signature;
        }

        @Override
        public NDArray linear(NDArray[] in) {
            long batch = Shapes.batchOf(signature.inputs()[0], in[0].getShape().getShape());
            Shape target = signature.output(batch);
            return in[0].getShape().equals(target) ? in[0] : in[0].broadcast(target);
        }

        @Override
        public NDArray[] adjoint(NDArray grad) {
            return new NDArray[] {Broadcasts.reduceTo(grad, signature.input(0, signature.batchOfOutput(grad)))};
        }

        @Override
        public long terms() {
            return 0;
        }

        @Override
        public long adjointTerms() {
            return dev.stabilis.graph.Shapes.perSample(signature.output()) / dev.stabilis.graph.Shapes.perSample(signature.inputs()[0]);
        }
    }
}
