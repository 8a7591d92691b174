package dev.stabilis.attribution;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.engine.DifferentiableModel;
import dev.stabilis.engine.TargetKind;
import dev.stabilis.graph.Shapes;

/**
 * Integrated Gradients (Sundararajan et al. 2017): {@code (x − x₀) ⊙ (1/m) Σ_k ∇s_c(x₀ + α_k (x − x₀))} with the
 * midpoint rule {@code α_k = (k − ½)/m}, all m path points of all rows in one batched pass. The midpoint rule
 * is second-order accurate, so the completeness gap {@code |Σ IG − (s_c(x) − s_c(x₀))|} shrinks as 1/m².
 */
public final class IntegratedGradients implements Explainer {

    private final int steps;
    private final float[] baseline;

    /**
     * @param steps number of path points m
     * @param baseline x₀ per input feature (flattened), or null for zeros
     */
    public IntegratedGradients(int steps, float[] baseline) {
        if (steps < 1) {
            throw new IllegalArgumentException("Integrated Gradients needs at least 1 step, got " + steps);
        }
        this.steps = steps;
        this.baseline = baseline == null ? null : baseline.clone();
    }

    @Override
    public String method() {
        return "ig";
    }

    @Override
    public int rowsPerSample() {
        return steps;
    }

    /** The baseline broadcast to the batch. */
    NDArray baselineFor(NDArray input) {
        if (baseline == null) {
            return input.zerosLike();
        }
        Shape sample = input.getShape().slice(1);
        if (baseline.length != sample.size()) {
            throw new IllegalArgumentException("baseline has " + baseline.length + " values, the input " + sample.size());
        }
        return input.getManager().create(baseline, sample).toType(input.getDataType(), false)
                .expandDims(0).broadcast(input.getShape());
    }

    @Override
    public Attribution attribute(DifferentiableModel model, NDArray input, NDArray classes, TargetKind kind) {
        Attribution at = Attribution.atInput(model, input, classes);
        long n = input.getShape().get(0);
        Shape sample = input.getShape().slice(1);
        NDArray origin = baselineFor(input);
        NDArray delta = input.sub(origin);
        float[] alphas = new float[steps];
        for (int k = 0; k < steps; k++) {
            alphas[k] = (k + 0.5f) / steps;
        }
        NDArray alpha = input.getManager().create(alphas).toType(input.getDataType(), false)
                .reshape(new Shape(Shapes.perRow(steps, input.getShape().dimension() + 1)));
        NDArray path = alpha.mul(delta.expandDims(0)).addi(origin.expandDims(0))
                .reshape(new Shape(steps * n).addAll(sample));
        NDArray pathClasses = at.classes().tile(steps);
        NDArray mean = model.gradients(path, pathClasses, kind).gradient()
                .reshape(new Shape(steps, n).addAll(sample)).mean(new int[] {0});
        return at.withValues(mean.mul(delta));
    }

    /**
     * The completeness gap per row: {@code Σ_i IG_i − (s_c(x) − s_c(x₀))}, and the score difference it is
     * measured against.
     *
     * @return {@code [N, 2]}: gap, then {@code s_c(x) − s_c(x₀)}
     */
    public NDArray completeness(DifferentiableModel model, NDArray input, TargetKind kind, Attribution attribution) {
        NDArray scoreDelta = Scores.of(attribution.logits(), attribution.classes(), kind)
                .sub(Scores.of(model.logits(baselineFor(input)), attribution.classes(), kind));
        NDArray total = attribution.values().reshape(new Shape(input.getShape().get(0), -1)).sum(new int[] {1});
        return ai.djl.ndarray.NDArrays.stack(new ai.djl.ndarray.NDList(total.sub(scoreDelta), scoreDelta), 1);
    }
}
