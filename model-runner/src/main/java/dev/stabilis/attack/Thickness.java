package dev.stabilis.attack;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.certify.Certificates;
import dev.stabilis.certify.InputDomain;
import dev.stabilis.engine.DifferentiableModel;
import dev.stabilis.engine.Gradients;
import dev.stabilis.graph.Shapes;
import java.util.Arrays;

/**
 * The thickness of a sample's top-k ranking (R2ET, Chen et al.; ALGORITHMS.md §3.1):
 * {@code Th_k(x) = E_{x′ ~ U(B)} ∫₀¹ 1/(k(n−k)) Σ_{i∈T_k(x)} Σ_{j∉T_k(x)} 1[|g_i(x(t))| > |g_j(x(t))|] dt} with
 * {@code x(t) = (1 − t) x + t x′}: the expected fraction of (top, other) feature pairs whose order survives
 * along segments from the sample into its box. 1 means the top-k set dominates on every segment; the indicator
 * (not the |g_i| − |g_j| surrogate) keeps it unitless and in [0, 1]. Estimated with uniform end points and
 * midpoint nodes in t, all points of a batch in one gradient pass.
 */
public final class Thickness {

    /** Gradient rows per pass. */
    private static final int POINTS_PER_PASS = 8192;

    private final DifferentiableModel model;
    private final AttackSettings settings;
    private final int endPoints;
    private final int nodes;
    private final InputDomain domain;

    /**
     * @param settings box, k, score and seed (the method is not used)
     * @param endPoints uniform end points x′ per sample
     * @param nodes midpoint nodes in t per segment
     */
    public Thickness(DifferentiableModel model, AttackSettings settings, int endPoints, int nodes) {
        if (endPoints < 1 || nodes < 1) {
            throw new IllegalArgumentException("thickness needs at least one end point and one node, got " + endPoints + " and " + nodes);
        }
        this.model = model;
        this.settings = settings;
        this.endPoints = endPoints;
        this.nodes = nodes;
        this.domain = new InputDomain(settings.domainMin(), settings.domainMax(), Math.toIntExact(Shapes.size(model.inputShape())));
    }

    /** The thickness of every sample; NaN when k is not below the number of features (no pairs). */
    public double[] measure(float[][] rows) {
        double[] out = new double[rows.length];
        int perPass = Math.max(1, POINTS_PER_PASS / (endPoints * nodes));
        for (int start = 0; start < rows.length; start += perPass) {
            float[][] chunk = Arrays.copyOfRange(rows, start, Math.min(rows.length, start + perPass));
            System.arraycopy(measureBatch(chunk), 0, out, start, chunk.length);
        }
        return out;
    }

    private double[] measureBatch(float[][] rows) {
        int n = rows.length;
        int size = domain.features();
        int k = settings.k();
        if (k >= size) {
            double[] undefined = new double[n];
            Arrays.fill(undefined, Double.NaN);
            return undefined;
        }
        SampleBoxes boxes = new SampleBoxes(rows, settings.epsilon(), domain, settings.seed());
        int perSample = endPoints * nodes;
        float[] points = new float[n * perSample * size];
        for (int m = 0; m < endPoints; m++) {
            float[] ends = boxes.uniform();
            for (int q = 0; q < nodes; q++) {
                double t = (q + 0.5) / nodes;
                for (int r = 0; r < n; r++) {
                    int at = ((r * perSample) + m * nodes + q) * size;
                    for (int i = 0; i < size; i++) {
                        points[at + i] = (float) (rows[r][i] + t * (ends[r * size + i] - rows[r][i]));
                    }
                }
            }
        }
        try (NDManager batch = model.manager().newSubManager()) {
            float[] samples = new float[n * size];
            for (int r = 0; r < n; r++) {
                System.arraycopy(rows[r], 0, samples, r * size, size);
            }
            Gradients atSamples = model.gradients(batch.create(samples, new Shape(Shapes.withBatch(n, model.inputShape()))),
                    null, settings.kind());
            double[] reference = atSamples.gradient().toType(DataType.FLOAT64, false).toDoubleArray();
            NDArray classes = atSamples.classes().repeat(0, perSample);
            double[] g = model.gradients(batch.create(points, new Shape(Shapes.withBatch((long) n * perSample, model.inputShape()))),
                    classes, settings.kind()).gradient().toType(DataType.FLOAT64, false).toDoubleArray();
            double[] out = new double[n];
            for (int r = 0; r < n; r++) {
                boolean[] top = new boolean[size];
                for (int i : Certificates.topK(Arrays.copyOfRange(reference, r * size, (r + 1) * size), k)) {
                    top[i] = true;
                }
                double kept = 0;
                for (int p = 0; p < perSample; p++) {
                    kept += orderedPairs(g, (r * perSample + p) * size, size, top);
                }
                out[r] = kept / ((double) perSample * k * (size - k));
            }
            return out;
        }
    }

    /** Pairs (i in the top set, j outside it) with {@code |g_i| > |g_j|} at the point starting at {@code offset}. */
    private static long orderedPairs(double[] g, int offset, int size, boolean[] top) {
        long pairs = 0;
        for (int i = 0; i < size; i++) {
            if (!top[i]) {
                continue;
            }
            double gi = Math.abs(g[offset + i]);
            for (int j = 0; j < size; j++) {
                if (!top[j] && gi > Math.abs(g[offset + j])) {
                    pairs++;
                }
            }
        }
        return pairs;
    }
}
