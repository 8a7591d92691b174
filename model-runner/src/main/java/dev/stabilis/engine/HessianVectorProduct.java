package dev.stabilis.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.stabilis.graph.Shapes;
import java.util.function.UnaryOperator;

/**
 * Exact Hessian-vector products {@code H v} of a target score with respect to the input, by Pearlmutter's
 * R-operator on the dataflow graph (ALGORITHMS.md §2, option a): DJL has no double backward, so the directional
 * derivative of the explicit backward pass is propagated alongside it. Each node supplies the tangent of its forward
 * map and the derivative of its backward map along the tangents.
 *
 * <p>Seeds: {@code R{δ} = 0} for a logit; {@code −(p ⊙ R{y} − p (pᵀ R{y}))} for a log-probability. The result is
 * {@code R{δ}} at the input.
 */
public final class HessianVectorProduct {

    private final GraphModel model;

    /**
     * @param model the model, in the data type the products are computed in
     */
    public HessianVectorProduct(GraphModel model) {
        this.model = model;
    }

    /**
     * {@code H v} per row, where H is the Hessian of each row's target score at x.
     *
     * @param x {@code [N, inputShape...]}
     * @param classes {@code [N]} int64 target classes
     * @param v directions, shaped like x
     */
    public NDArray apply(NDArray x, NDArray classes, TargetKind kind, NDArray v) {
        return apply(x, classes, kind, gradient -> v);
    }

    /**
     * {@code H v} per row with the direction chosen from the gradient at x: {@code v = direction(g(x))}. With
     * {@code direction = ∂ℓ/∂g} this is {@code ∇ₓ ℓ(g(x))}, the input gradient of a loss on the explanation, which
     * is what explanation attacks step along; one forward and backward pass serve both.
     */
    public NDArray apply(NDArray x, NDArray classes, TargetKind kind, UnaryOperator<NDArray> direction) {
        try (IntraOpThreads threads = model.threadsFor(x.getShape().get(0))) {
            return product(x, classes, kind, direction);
        }
    }

    private NDArray product(NDArray x, NDArray classes, TargetKind kind, UnaryOperator<NDArray> direction) {
        NDArray[] values = model.values(x);
        NDArray logits = values[model.outputValue()];
        NDArray[] adjoint = model.adjoints(values, kind.seed(logits, classes));
        NDArray gradient = adjoint[0] == null ? values[0].zerosLike() : adjoint[0];
        NDArray[] tangent = model.tangents(values, direction.apply(gradient).toType(model.dataType(), false));
        NDArray seedTangent;
        if (kind == TargetKind.LOGIT) {
            seedTangent = logits.zerosLike();
        } else {
            NDArray p = logits.softmax(1);
            NDArray rLogits = tangent[model.outputValue()];
            NDArray projection = p.mul(rLogits).sum(new int[] {1}, true);
            seedTangent = p.mul(rLogits).sub(p.mul(projection)).neg();
        }
        NDArray result = model.adjointTangents(values, adjoint, tangent, seedTangent)[0];
        return result == null ? values[0].zerosLike() : result;
    }

    /**
     * The curvature indicator of Dombrowski et al. (2019): the eigenvalue of largest magnitude of the Hessian of
     * each row's target score at x, by power iteration on Hessian-vector products from a seeded start.
     *
     * <p>When the first product is exactly zero on every row (a network of affine maps and piecewise linear
     * activations explained on a logit: its Hessian vanishes wherever it is defined), every later product is the
     * Hessian times the zero vector, so the zeros are returned after that one product instead of after
     * {@code iterations}.
     *
     * @return {@code [N]} signed eigenvalue estimates (0 where the Hessian vanishes, as for ReLU networks)
     */
    public NDArray largestEigenvalue(NDArray x, NDArray classes, TargetKind kind, int iterations, long seed) {
        long n = x.getShape().get(0);
        java.util.Random random = new java.util.Random(seed);
        double[] start = new double[(int) x.getShape().size()];
        for (int i = 0; i < start.length; i++) {
            start[i] = random.nextGaussian();
        }
        NDArray v = normalize(x.getManager().create(start, x.getShape()).toType(model.dataType(), false), n);
        NDArray eigenvalue = x.getManager().zeros(new ai.djl.ndarray.types.Shape(n), model.dataType());
        for (int step = 0; step < iterations; step++) {
            NDArray hv = apply(x, classes, kind, v);
            eigenvalue = hv.mul(v).reshape(n, -1).sum(new int[] {1});
            if (step == 0 && hv.eq(0).all().getBoolean()) {
                break;
            }
            v = normalize(hv, n);
        }
        return eigenvalue.toType(DataType.FLOAT64, false);
    }

    private static NDArray normalize(NDArray v, long n) {
        NDArray norm = v.reshape(n, -1).square().sum(new int[] {1}).sqrt().maximum(1e-30);
        return v.div(norm.reshape(Shapes.perRow(n, v.getShape().dimension())));
    }
}
