package dev.stabilis.engine;

import ai.djl.ndarray.NDArray;

/** Kernels of products and quotients of two variables, with broadcasting. */
final class ProductKernels {

    private ProductKernels() {}

    /**
     * {@code c = a ⊙ b}: backward {@code (g ⊙ b, g ⊙ a)}, tangent {@code tₐ ⊙ b + a ⊙ t_b}, and
     * {@code R{g ⊙ b} = R{g} ⊙ b + g ⊙ t_b} (and symmetrically), each summed down to its input's shape.
     */
    static final class MulKernel extends Kernel {

        @Override
        NDArray forward(NDArray[] in, long batch) {
            return in[0].mul(in[1]);
        }

        @Override
        NDArray[] backward(NDArray grad, NDArray[] in, NDArray out) {
            return reduced(grad.mul(in[1]), grad.mul(in[0]), in);
        }

        @Override
        NDArray tangent(NDArray[] in, NDArray out, NDArray[] t) {
            return t[0].mul(in[1]).add(in[0].mul(t[1]));
        }

        @Override
        NDArray[] backwardTangent(NDArray grad, NDArray gradTangent, NDArray[] in, NDArray out, NDArray[] t) {
            return reduced(gradTangent.mul(in[1]).add(grad.mul(t[1])), gradTangent.mul(in[0]).add(grad.mul(t[0])), in);
        }

        private NDArray[] reduced(NDArray ga, NDArray gb, NDArray[] in) {
            return new NDArray[] {Broadcasts.reduceTo(ga, in[0].getShape()), Broadcasts.reduceTo(gb, in[1].getShape())};
        }
    }

    /**
     * {@code c = a / b}: backward {@code (g / b, −g ⊙ c / b)}; tangent {@code (tₐ − c ⊙ t_b) / b};
     * {@code R{g / b} = (R{g} − g ⊙ t_b / b) / b} and {@code R{−g c / b} = −(R{g} c + g R{c}) / b + g c t_b / b²}.
     */
    static final class DivKernel extends Kernel {

        @Override
        NDArray forward(NDArray[] in, long batch) {
            return in[0].div(in[1]);
        }

        @Override
        NDArray[] backward(NDArray grad, NDArray[] in, NDArray out) {
            NDArray ga = grad.div(in[1]);
            return new NDArray[] {
                Broadcasts.reduceTo(ga, in[0].getShape()), Broadcasts.reduceTo(ga.mul(out).neg(), in[1].getShape())
            };
        }

        @Override
        NDArray tangent(NDArray[] in, NDArray out, NDArray[] t) {
            return t[0].sub(out.mul(t[1])).div(in[1]);
        }

        @Override
        NDArray[] backwardTangent(NDArray grad, NDArray gradTangent, NDArray[] in, NDArray out, NDArray[] t) {
            NDArray rOut = tangent(in, out, t);
            NDArray ra = gradTangent.sub(grad.mul(t[1]).div(in[1])).div(in[1]);
            NDArray rb = gradTangent.mul(out).add(grad.mul(rOut)).neg().div(in[1])
                    .add(grad.mul(out).mul(t[1]).div(in[1].square()));
            return new NDArray[] {Broadcasts.reduceTo(ra, in[0].getShape()), Broadcasts.reduceTo(rb, in[1].getShape())};
        }
    }

    /**
     * {@code C = A B} over the last two axes: backward {@code (G Bᵀ, Aᵀ G)}, tangent {@code Tₐ B + A T_b}, and
     * {@code R{G Bᵀ} = R{G} Bᵀ + G T_bᵀ}, {@code R{Aᵀ G} = Tₐᵀ G + Aᵀ R{G}}, summed down over broadcast leading axes.
     */
    static final class MatMulKernel extends Kernel {

        @Override
        NDArray forward(NDArray[] in, long batch) {
            return in[0].matMul(in[1]);
        }

        @Override
        NDArray[] backward(NDArray grad, NDArray[] in, NDArray out) {
            return reduced(grad.matMul(lastTwoSwapped(in[1])), lastTwoSwapped(in[0]).matMul(grad), in);
        }

        @Override
        NDArray tangent(NDArray[] in, NDArray out, NDArray[] t) {
            return t[0].matMul(in[1]).add(in[0].matMul(t[1]));
        }

        @Override
        NDArray[] backwardTangent(NDArray grad, NDArray gradTangent, NDArray[] in, NDArray out, NDArray[] t) {
            NDArray ra = gradTangent.matMul(lastTwoSwapped(in[1])).add(grad.matMul(lastTwoSwapped(t[1])));
            NDArray rb = lastTwoSwapped(t[0]).matMul(grad).add(lastTwoSwapped(in[0]).matMul(gradTangent));
            return reduced(ra, rb, in);
        }

        static NDArray lastTwoSwapped(NDArray a) {
            int rank = a.getShape().dimension();
            return a.swapAxes(rank - 2, rank - 1);
        }

        /** Each gradient summed over the leading axes its input was broadcast along. */
        private static NDArray[] reduced(NDArray ga, NDArray gb, NDArray[] in) {
            return new NDArray[] {Broadcasts.reduceTo(ga, in[0].getShape()), Broadcasts.reduceTo(gb, in[1].getShape())};
        }
    }
}
