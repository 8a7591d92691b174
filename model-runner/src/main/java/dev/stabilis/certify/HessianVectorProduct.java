package dev.stabilis.certify;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.stabilis.engine.ActivationFunctions;
import dev.stabilis.engine.GraphModel;
import dev.stabilis.engine.TargetKind;
import dev.stabilis.graph.Activation;
import dev.stabilis.graph.Layer;
import dev.stabilis.graph.LayerGraph;
import dev.stabilis.graph.Shapes;
import java.util.function.UnaryOperator;

/**
 * Exact Hessian-vector products {@code H v} of a target score with respect to the input, by Pearlmutter's
 * R-operator on the layer graph (ALGORITHMS.md §2, option a): DJL has no double backward, so the directional
 * derivative of the explicit backward pass is propagated alongside it.
 *
 * <p>Forward: {@code R{z'} = L R{z}} through the linear part of affine layers and {@code R{a} = σ′(z) ⊙ R{z}}
 * at activations. Seed: {@code R{δ} = 0} for a logit, {@code −(p ⊙ R{y} − p (pᵀ R{y}))} for a log-probability.
 * Backward: {@code R{δ} = Lᵀ R{δ'}} at affine layers and
 * {@code R{δ} = σ″(z) ⊙ R{z} ⊙ δ' + σ′(z) ⊙ R{δ'}} at activations. The result is {@code R{δ}} at the input.
 */
public final class HessianVectorProduct implements AutoCloseable {

    private final LayerGraph graph;
    private final GraphModel model;
    private final GraphModel linear;

    /**
     * @param model the model of {@code graph}, in the data type the products are computed in
     */
    public HessianVectorProduct(LayerGraph graph, GraphModel model) {
        this(graph, model, GraphModel.load(graph.linearPart(), model.device(), model.dataType()));
    }

    /**
     * @param model the model of {@code graph}
     * @param linear a model of {@code graph.linearPart()} in the same data type, owned by this object from now on
     *     (with models on trainable arrays, the products are differentiable with respect to them)
     */
    public HessianVectorProduct(LayerGraph graph, GraphModel model, GraphModel linear) {
        this.graph = graph;
        this.model = model;
        this.linear = linear;
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
     * {@code direction = ∂ℓ/∂g} this is {@code ∇ₓ ℓ(g(x))}, the input gradient of a loss on the explanation,
     * which is what explanation attacks step along; one forward and backward pass serve both.
     */
    public NDArray apply(NDArray x, NDArray classes, TargetKind kind, UnaryOperator<NDArray> direction) {
        int depth = graph.layers().size();
        NDArray[] values = new NDArray[depth + 1];
        values[0] = x;
        for (int i = 0; i < depth; i++) {
            values[i + 1] = model.forward(i, values[i]);
        }
        NDArray logits = values[depth];
        NDArray[] deltas = new NDArray[depth + 1];
        NDArray[] slopes = new NDArray[depth];
        deltas[depth] = kind.seed(logits, classes);
        for (int i = depth - 1; i >= 0; i--) {
            Layer layer = graph.layers().get(i);
            if (layer.isAffine()) {
                deltas[i] = model.backward(i, deltas[i + 1], null, null);
            } else {
                slopes[i] = derivative((Activation) layer, values[i]);
                deltas[i] = deltas[i + 1].mul(slopes[i]);
            }
        }
        NDArray[] directions = new NDArray[depth + 1];
        directions[0] = direction.apply(deltas[0]);
        for (int i = 0; i < depth; i++) {
            directions[i + 1] = graph.layers().get(i).isAffine()
                    ? linear.forward(i, directions[i])
                    : directions[i].mul(slopes[i]);
        }
        NDArray rDelta;
        if (kind == TargetKind.LOGIT) {
            rDelta = logits.zerosLike();
        } else {
            NDArray p = logits.softmax(1);
            NDArray rLogits = directions[depth];
            NDArray projection = p.mul(rLogits).sum(new int[] {1}, true);
            rDelta = p.mul(rLogits).subi(p.mul(projection)).negi();
        }
        for (int i = depth - 1; i >= 0; i--) {
            Layer layer = graph.layers().get(i);
            if (layer.isAffine()) {
                rDelta = model.backward(i, rDelta, null, null);
            } else {
                NDArray curvature = ActivationFunctions.secondDerivative(((Activation) layer).kind(), values[i]);
                rDelta = curvature.mul(directions[i]).muli(deltas[i + 1]).addi(slopes[i].mul(rDelta));
            }
        }
        return rDelta;
    }

    private static NDArray derivative(Activation layer, NDArray z) {
        return ActivationFunctions.derivative(layer.kind(), layer.alpha(), z);
    }

    /**
     * The curvature indicator of Dombrowski et al. (2019): the eigenvalue of largest magnitude of the Hessian
     * of each row's target score at x, by power iteration on Hessian-vector products from a seeded start.
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
        NDArray v = normalize(x.getManager().create(start, x.getShape()), n);
        NDArray eigenvalue = x.getManager().zeros(new ai.djl.ndarray.types.Shape(n), DataType.FLOAT64);
        for (int step = 0; step < iterations; step++) {
            NDArray hv = apply(x, classes, kind, v);
            eigenvalue = hv.mul(v).reshape(n, -1).sum(new int[] {1});
            v = normalize(hv, n);
        }
        return eigenvalue;
    }

    private static NDArray normalize(NDArray v, long n) {
        NDArray norm = v.reshape(n, -1).square().sum(new int[] {1}).sqrt().maximum(1e-300);
        return v.div(norm.reshape(Shapes.perRow(n, v.getShape().dimension())));
    }

    @Override
    public void close() {
        linear.close();
    }
}
