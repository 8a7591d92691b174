package dev.stabilis.certify;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.engine.TargetKind;
import dev.stabilis.graph.Shapes;
import java.util.ArrayList;
import java.util.List;

/**
 * Tries to break interval bounds (ALGORITHMS.md §4.1): for each row's box it bounds the gradient, then evaluates the
 * real gradient at uniform points, box vertices and the iterates of Hessian-steered ascent and descent on single
 * coordinates ({@link BoxSearch}), and reports every coordinate that leaves its bounds by more than the float64
 * rounding tolerance.
 */
final class SoundnessSuite {

    private SoundnessSuite() {}

    /**
     * A light search, for checks beside a thorough one: 150 points, 4 coordinates pushed up and down in 6 steps, a tenth
     * of the thorough search's Hessian work.
     */
    static final BoxSearch.Budget LIGHT = new BoxSearch.Budget(100, 50, 4, 6);

    /** A point whose gradient left the bounds. */
    record Escape(int row, int feature, double value, double lower, double upper) {
        @Override
        public String toString() {
            return "row " + row + " feature " + feature + ": gradient " + value + " outside [" + lower + ", " + upper + "]";
        }
    }

    /** {@link #escapes(GradientBounds, double[][], double, TargetKind, long, BoxSearch.Budget)} with the thorough budget. */
    static List<Escape> escapes(GradientBounds bounds, double[][] rows, double epsilon, TargetKind kind, long seed) {
        return escapes(bounds, rows, epsilon, kind, seed, BoxSearch.Budget.THOROUGH);
    }

    static List<Escape> escapes(GradientBounds bounds, double[][] rows, double epsilon, TargetKind kind, long seed, BoxSearch.Budget budget) {
        List<Escape> out = new ArrayList<>();
        try (BoxSearch search = new BoxSearch(bounds.graph(), bounds.model(), budget);
                NDManager manager = bounds.model().manager().newSubManager()) {
            int n = rows[0].length;
            long[] shape = Shapes.withBatch(rows.length, bounds.graph().inputSampleShape());
            double[] flat = new double[rows.length * n];
            for (int r = 0; r < rows.length; r++) {
                System.arraycopy(rows[r], 0, flat, r * n, n);
            }
            NDArray x = manager.create(flat, new Shape(shape));
            NDArray eps = manager.create(epsilon);
            NDArray classes = bounds.model().predict(x);
            IntervalBounds b = bounds.bounds(x.sub(eps), x.add(eps), classes, kind, 0);
            double[] lower = b.gradientLower().toDoubleArray();
            double[] upper = b.gradientUpper().toDoubleArray();
            double[] g = bounds.model().gradients(x, classes, kind).gradient().toDoubleArray();
            long[] predicted = classes.toLongArray();
            for (int r = 0; r < rows.length; r++) {
                double[] lo = new double[n];
                double[] hi = new double[n];
                double[] gr = new double[n];
                double scale = 1e-300;
                for (int i = 0; i < n; i++) {
                    lo[i] = rows[r][i] - epsilon;
                    hi[i] = rows[r][i] + epsilon;
                    gr[i] = g[r * n + i];
                    scale = Math.max(scale, Math.max(Math.abs(lower[r * n + i]), Math.abs(upper[r * n + i])));
                }
                double tolerance = 1e-9 * scale;
                double[][] points = search.points(manager, lo, hi, gr, (int) predicted[r], kind, seed + r);
                for (double[] found : search.gradients(manager, points, (int) predicted[r], kind)) {
                    for (int i = 0; i < n; i++) {
                        double l = lower[r * n + i];
                        double u = upper[r * n + i];
                        if (!(found[i] >= l - tolerance && found[i] <= u + tolerance)) {
                            out.add(new Escape(r, i, found[i], l, u));
                        }
                    }
                }
            }
        }
        return out;
    }
}
