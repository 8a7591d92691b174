package dev.stabilis.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.stabilis.graph.Activation;
import dev.stabilis.graph.PRelu;

/** Kernels of the nonlinear maps applied value by value: σ(z) and PReLU. */
final class ElementwiseKernels {

    private ElementwiseKernels() {}

    /**
     * {@code y = σ(z)}: backward {@code g ⊙ σ′(z)}, tangent {@code σ′(z) ⊙ t}, and
     * {@code R{g ⊙ σ′(z)} = σ″(z) ⊙ t ⊙ g + σ′(z) ⊙ R{g}}.
     */
    static final class ActivationKernel extends Kernel {

        private final Activation.Kind kind;
        private final ActivationFunctions functions;

        ActivationKernel(Activation op, Scalars scalars) {
            this.kind = op.kind();
            this.functions = new ActivationFunctions(op, scalars);
        }

        ActivationFunctions functions() {
            return functions;
        }

        @Override
        NDArray forward(NDArray[] in, long batch) {
            return functions.value(in[0]);
        }

        @Override
        NDArray[] backward(NDArray grad, NDArray[] in, NDArray out) {
            if (kind == Activation.Kind.RELU) {
                // y = max(z, 0), so sign(y) = 1[z > 0] = ReLU′(z), in one pass
                return new NDArray[] {grad.mul(out.sign())};
            }
            return new NDArray[] {grad.mul(functions.derivative(in[0]))};
        }

        @Override
        NDArray tangent(NDArray[] in, NDArray out, NDArray[] tangents) {
            return tangents[0].mul(functions.derivative(in[0]));
        }

        @Override
        NDArray[] backwardTangent(NDArray grad, NDArray gradTangent, NDArray[] in, NDArray out, NDArray[] tangents) {
            NDArray first = gradTangent.mul(functions.derivative(in[0]));
            if (kind.piecewiseLinear()) {
                return new NDArray[] {first};
            }
            return new NDArray[] {functions.secondDerivative(in[0]).mul(tangents[0]).mul(grad).add(first)};
        }
    }

    /** {@code y = z} where z &gt; 0, {@code slope ⊙ z} elsewhere; σ″ = 0. */
    static final class PReluKernel extends Kernel {

        private final NDArray slope;
        private final Scalars k;

        PReluKernel(PRelu op, NDManager manager, DataType type, Scalars scalars) {
            this.slope = DeviceTensors.upload(manager, op.slope(), type);
            this.k = scalars;
        }

        /** PReLU′(z): 1 where z &gt; 0, the slope elsewhere (at 0 too, as PyTorch). */
        NDArray derivative(NDArray z) {
            return Tensors.where(z.gt(k.of(0)), k.of(1), slope);
        }

        NDArray slope() {
            return slope;
        }

        @Override
        NDArray forward(NDArray[] in, long batch) {
            return Tensors.where(in[0].gt(k.of(0)), in[0], in[0].mul(slope));
        }

        @Override
        NDArray[] backward(NDArray grad, NDArray[] in, NDArray out) {
            return new NDArray[] {grad.mul(derivative(in[0]))};
        }

        @Override
        NDArray tangent(NDArray[] in, NDArray out, NDArray[] tangents) {
            return tangents[0].mul(derivative(in[0]));
        }

        @Override
        NDArray[] backwardTangent(NDArray grad, NDArray gradTangent, NDArray[] in, NDArray out, NDArray[] tangents) {
            return new NDArray[] {gradTangent.mul(derivative(in[0]))};
        }

        @Override
        public void close() {
            slope.close();
        }
    }
}
