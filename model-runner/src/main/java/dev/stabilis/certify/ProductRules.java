package dev.stabilis.certify;

import ai.djl.ndarray.NDArray;
import dev.stabilis.engine.GraphModel;
import dev.stabilis.engine.Scalars;
import dev.stabilis.engine.Tensors;

/**
 * Interval rules of the nodes that multiply or divide variables, and of PReLU. Adjoints of broadcast operands are
 * summed down over the broadcast axes.
 */
final class ProductRules {

    private ProductRules() {}

    /** {@code c = a ⊙ b}: forward {@code [a] ⊙ [b]}; backward {@code [g] ⊙ [b]} and {@code [g] ⊙ [a]}. */
    static final class MulRule implements IntervalRule {

        private final Scalars k;

        MulRule(GraphModel model) {
            this.k = model.scalars();
        }

        @Override
        public Interval forward(Interval[] in, long batch, double gamma) {
            return IntervalArithmetic.product(in[0], in[1], k);
        }

        @Override
        public Interval[] backward(Interval adjoint, Interval[] in, Interval out, double gamma) {
            return new Interval[] {
                IntervalArithmetic.reduceTo(IntervalArithmetic.product(adjoint, in[1], k), in[0].c().getShape(), k),
                IntervalArithmetic.reduceTo(IntervalArithmetic.product(adjoint, in[0], k), in[1].c().getShape(), k)
            };
        }
    }

    /**
     * {@code c = a / b}: unbounded where {@code [b]} holds 0; otherwise {@code [a] ⊙ [1/b]} with
     * {@code [1/b] = [1/u, 1/l]} rounded outward. Backward {@code [g] ⊙ [1/b]} for a and {@code −[g] ⊙ [c] ⊙ [1/b]}
     * for b (every quotient lies in {@code [c]}).
     */
    static final class DivRule implements IntervalRule {

        private final Scalars k;

        DivRule(GraphModel model) {
            this.k = model.scalars();
        }

        private Interval reciprocal(Interval b) {
            NDArray l = b.lower(k);
            NDArray u = b.upper(k);
            NDArray excludesZero = l.gt(k.of(0)).logicalOr(u.lt(k.of(0)));
            NDArray lo = Tensors.where(excludesZero, Tensors.over(k.of(1), u), k.of(Double.NEGATIVE_INFINITY));
            NDArray hi = Tensors.where(excludesZero, Tensors.over(k.of(1), l), k.of(Double.POSITIVE_INFINITY));
            return Interval.ofRoundedEnds(lo, hi, k);
        }

        @Override
        public Interval forward(Interval[] in, long batch, double gamma) {
            return IntervalArithmetic.product(in[0], reciprocal(in[1]), k);
        }

        @Override
        public Interval[] backward(Interval adjoint, Interval[] in, Interval out, double gamma) {
            Interval ga = IntervalArithmetic.product(adjoint, reciprocal(in[1]), k);
            Interval gb = IntervalArithmetic.product(ga, out, k);
            Interval negated = new Interval(gb.c().neg(), gb.r());
            return new Interval[] {
                IntervalArithmetic.reduceTo(ga, in[0].c().getShape(), k), IntervalArithmetic.reduceTo(negated, in[1].c().getShape(), k)
            };
        }
    }

    /** {@code C = A B}: Rump's midpoint–radius product forward; backward {@code [G][B]ᵀ} and {@code [A]ᵀ[G]}. */
    static final class MatMulRule implements IntervalRule {

        private final Scalars k;

        MatMulRule(GraphModel model) {
            this.k = model.scalars();
        }

        @Override
        public Interval forward(Interval[] in, long batch, double gamma) {
            return IntervalArithmetic.matMul(in[0], in[1], k);
        }

        @Override
        public Interval[] backward(Interval adjoint, Interval[] in, Interval out, double gamma) {
            Interval ga = IntervalArithmetic.matMul(adjoint, transposed(in[1]), k);
            Interval gb = IntervalArithmetic.matMul(transposed(in[0]), adjoint, k);
            return new Interval[] {
                IntervalArithmetic.reduceTo(ga, in[0].c().getShape(), k), IntervalArithmetic.reduceTo(gb, in[1].c().getShape(), k)
            };
        }

        private static Interval transposed(Interval x) {
            int rank = x.c().getShape().dimension();
            return new Interval(x.c().swapAxes(rank - 2, rank - 1), x.r().swapAxes(rank - 2, rank - 1));
        }
    }

    /**
     * PReLU: the value range is the hull of the ends and of 0 when the box straddles 0 (a negative slope makes it
     * non-monotone); σ′ takes 1 above 0 and the slope elsewhere, so its range is the hull of σ′ at the ends.
     */
    static final class PReluRule implements IntervalRule {

        private final GraphModel model;
        private final int node;
        private final Scalars k;

        PReluRule(GraphModel model, int node) {
            this.model = model;
            this.node = node;
            this.k = model.scalars();
        }

        @Override
        public Interval forward(Interval[] in, long batch, double gamma) {
            NDArray l = in[0].lower(k);
            NDArray u = in[0].upper(k);
            NDArray vl = model.forward(node, new NDArray[] {l}, batch);
            NDArray vu = model.forward(node, new NDArray[] {u}, batch);
            NDArray straddles = l.lt(k.of(0)).logicalAnd(u.gt(k.of(0)));
            NDArray lo = ai.djl.ndarray.NDArrays.minimum(vl, vu);
            NDArray hi = ai.djl.ndarray.NDArrays.maximum(vl, vu);
            lo = Tensors.where(straddles, lo.minimum(k.of(0)), lo);
            hi = Tensors.where(straddles, hi.maximum(k.of(0)), hi);
            return Interval.ofRoundedEnds(lo, hi, k);
        }

        @Override
        public Interval[] backward(Interval adjoint, Interval[] in, Interval out, double gamma) {
            NDArray dl = model.preluDerivative(node, in[0].lower(k));
            NDArray du = model.preluDerivative(node, in[0].upper(k));
            return new Interval[] {IntervalArithmetic.productOfEnds(adjoint.lower(k), adjoint.upper(k),
                    ai.djl.ndarray.NDArrays.minimum(dl, du), ai.djl.ndarray.NDArrays.maximum(dl, du), k)};
        }
    }
}
