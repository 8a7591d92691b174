package dev.stabilis.attribution;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.engine.DifferentiableModel;
import dev.stabilis.engine.TargetKind;
import dev.stabilis.graph.Shapes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Integrated Gradients (Sundararajan et al. 2017): {@code (x − x₀) ⊙ (1/m) Σ_k ∇s_c(x₀ + α_k (x − x₀))} with the
 * midpoint rule {@code α_k = (k − ½)/m}, all m path points of all rows in one batched pass.
 *
 * <p>The midpoint rule is second-order accurate only for a smooth path; along the path of a ReLU/MaxPool net the
 * gradient jumps at every kink, and a LayerNorm behind a near-zero baseline makes it spike near α = 0, so the
 * completeness gap {@code |Σ IG − (s_c(x) − s_c(x₀))|} shrinks irregularly, about as 1/m. With a {@link Convergence}
 * whose tolerance is set, a row whose relative gap is above it is refined: the step count triples (the new
 * midpoint nodes nest the old ones, so the gradients already summed are kept and 2m new points are evaluated) until
 * the gap is within tolerance or the next step count would pass the cap; the gap reached is what the row reports.
 * Refinement passes hold no more model rows than the first pass (a row's new nodes are split over passes if need be).
 */
public final class IntegratedGradients implements Explainer {

    /**
     * When a row is refined.
     *
     * @param tolerance largest relative completeness gap {@code |gap| / |s_c(x) − s_c(x₀)|} left unrefined; NaN to
     *     never refine
     * @param maxSteps most path points per row
     */
    public record Convergence(double tolerance, int maxSteps) {

        /** Never refine: exactly the configured steps. */
        public static final Convergence FIXED = new Convergence(Double.NaN, 0);

        boolean refines(int steps) {
            return !Double.isNaN(tolerance) && 3L * steps <= maxSteps;
        }
    }

    private final int steps;
    private final float[] baseline;
    private final Convergence convergence;

    /**
     * @param steps number of path points m of the first pass
     * @param baseline x₀ per input feature (flattened), or null for zeros
     * @param convergence when a row is refined beyond m steps
     */
    public IntegratedGradients(int steps, float[] baseline, Convergence convergence) {
        if (steps < 1) {
            throw new IllegalArgumentException("Integrated Gradients needs at least 1 step, got " + steps);
        }
        if (!Double.isNaN(convergence.tolerance()) && !(convergence.tolerance() > 0)) {
            throw new IllegalArgumentException("Integrated Gradients tolerance must be positive, got " + convergence.tolerance());
        }
        this.steps = steps;
        this.baseline = baseline == null ? null : baseline.clone();
        this.convergence = convergence;
    }

    /** Exactly {@code steps} path points per row, never refined. */
    public IntegratedGradients(int steps, float[] baseline) {
        this(steps, baseline, Convergence.FIXED);
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
        NDArray origin = baselineFor(input);
        NDArray delta = input.sub(origin);
        NDArray sum = gradientSum(model, origin, delta, at.classes(), kind, nodes(steps, false));
        if (!convergence.refines(steps)) {
            return at.withValues(sum.div(steps).mul(delta));
        }
        return at.withValues(refined(model, origin, delta, at, kind, sum));
    }

    /**
     * Triples the step count of every row whose gap is over the tolerance until none is or the cap is reached;
     * returns the attributions.
     */
    private NDArray refined(DifferentiableModel model, NDArray origin, NDArray delta, Attribution at, TargetKind kind, NDArray sum) {
        int n = Math.toIntExact(delta.getShape().get(0));
        int budget = n * steps;
        double[] scoreDelta = scoreDelta(model, origin, at, kind).toType(DataType.FLOAT64, false).toDoubleArray();
        NDArray[] rowSum = new NDArray[n];
        int[] rowSteps = new int[n];
        List<Integer> open = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rowSum[i] = sum.get(i).expandDims(0);
            rowSteps[i] = steps;
            open.add(i);
        }
        for (int m = steps; convergence.refines(m) && !open.isEmpty(); m *= 3) {
            double[] totals = totals(rowSum, delta, open);
            List<Integer> over = new ArrayList<>();
            for (int j = 0; j < open.size(); j++) {
                int i = open.get(j);
                double total = totals[j] / m;
                if (Math.abs(total - scoreDelta[i]) > convergence.tolerance() * Math.abs(scoreDelta[i])) {
                    over.add(i);
                }
            }
            float[] alphas = nodes(3 * m, true);
            int nodesPerPass = Math.min(alphas.length, budget);
            int rowsPerPass = Math.max(1, budget / nodesPerPass);
            for (int start = 0; start < over.size(); start += rowsPerPass) {
                List<Integer> rows = over.subList(start, Math.min(over.size(), start + rowsPerPass));
                NDArray rowOrigin = rowsOf(origin, rows);
                NDArray rowDelta = rowsOf(delta, rows);
                NDArray rowClasses = rowsOf(at.classes(), rows);
                for (int from = 0; from < alphas.length; from += nodesPerPass) {
                    float[] part = Arrays.copyOfRange(alphas, from, Math.min(alphas.length, from + nodesPerPass));
                    NDArray added = gradientSum(model, rowOrigin, rowDelta, rowClasses, kind, part);
                    for (int r = 0; r < rows.size(); r++) {
                        rowSum[rows.get(r)] = rowSum[rows.get(r)].add(added.get(r).expandDims(0));
                    }
                }
                rows.forEach(i -> rowSteps[i] = 3 * rowSteps[i]);
            }
            open = over;
        }
        NDList scaled = new NDList(n);
        for (int i = 0; i < n; i++) {
            scaled.add(rowSum[i].div(rowSteps[i]));
        }
        return NDArrays.concat(scaled).mul(delta);
    }

    /**
     * The midpoint nodes {@code (k + ½)/m}; with {@code newOnly}, those not already nodes of the rule with m/3 steps
     * (every k with {@code k mod 3 ≠ 1}).
     */
    private static float[] nodes(int m, boolean newOnly) {
        float[] alphas = new float[newOnly ? m - m / 3 : m];
        int j = 0;
        for (int k = 0; k < m; k++) {
            if (!newOnly || k % 3 != 1) {
                alphas[j++] = (float) ((k + 0.5) / m);
            }
        }
        return alphas;
    }

    /** Σ_k ∇s_c(x₀ + α_k δ) per row, all nodes of all rows in one pass. */
    private static NDArray gradientSum(DifferentiableModel model, NDArray origin, NDArray delta, NDArray classes, TargetKind kind,
            float[] alphas) {
        long n = delta.getShape().get(0);
        Shape sample = delta.getShape().slice(1);
        NDArray alpha = delta.getManager().create(alphas).toType(delta.getDataType(), false)
                .reshape(new Shape(Shapes.perRow(alphas.length, delta.getShape().dimension() + 1)));
        NDArray path = alpha.mul(delta.expandDims(0)).addi(origin.expandDims(0))
                .reshape(new Shape(alphas.length * n).addAll(sample));
        return model.gradients(path, classes.tile(alphas.length), kind).gradient()
                .reshape(new Shape(alphas.length, n).addAll(sample)).sum(new int[] {0});
    }

    /**
     * {@code Σ_f rowSum_i[f] · δ_i[f]} of each open row i, in float64: one reduction over the open rows and one copy to
     * the host per refinement round, however many rows are open.
     */
    private static double[] totals(NDArray[] rowSum, NDArray delta, List<Integer> open) {
        NDList sums = new NDList(open.size());
        for (int i : open) {
            sums.add(rowSum[i]);
        }
        return NDArrays.concat(sums).mul(rowsOf(delta, open)).toType(DataType.FLOAT64, false)
                .reshape(open.size(), -1).sum(new int[] {1}).toDoubleArray();
    }

    private static NDArray rowsOf(NDArray array, List<Integer> rows) {
        NDList picked = new NDList(rows.size());
        for (int i : rows) {
            picked.add(array.get(i).expandDims(0));
        }
        return NDArrays.concat(picked);
    }

    private NDArray scoreDelta(DifferentiableModel model, NDArray origin, Attribution attribution, TargetKind kind) {
        return Scores.of(attribution.logits(), attribution.classes(), kind)
                .sub(Scores.of(model.logits(origin), attribution.classes(), kind));
    }

    /**
     * The completeness gap per row: {@code Σ_i IG_i − (s_c(x) − s_c(x₀))}, and the score difference it is
     * measured against.
     *
     * @return {@code [N, 2]}: gap, then {@code s_c(x) − s_c(x₀)}
     */
    public NDArray completeness(DifferentiableModel model, NDArray input, TargetKind kind, Attribution attribution) {
        NDArray scoreDelta = scoreDelta(model, baselineFor(input), attribution, kind);
        NDArray total = attribution.values().reshape(new Shape(input.getShape().get(0), -1)).sum(new int[] {1});
        return NDArrays.stack(new NDList(total.sub(scoreDelta), scoreDelta), 1);
    }
}
