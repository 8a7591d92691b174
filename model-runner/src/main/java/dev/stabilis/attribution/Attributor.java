package dev.stabilis.attribution;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.engine.Argmax;
import dev.stabilis.engine.DifferentiableModel;
import dev.stabilis.engine.TargetKind;
import dev.stabilis.graph.Shapes;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs one attribution method over host rows: splits them into sub-batches that keep at most
 * {@code maxRowsPerPass} model rows (samples × steps) in one pass, scopes every sub-batch's arrays in its
 * own manager, and copies the results back to the host.
 */
public final class Attributor {

    /** Default bound on model rows per pass: IG-32 on 512 samples. */
    public static final int DEFAULT_MAX_ROWS_PER_PASS = 16_384;

    private final DifferentiableModel model;
    private final Explainer explainer;
    private final TargetKind kind;
    private final int samplesPerPass;

    public Attributor(DifferentiableModel model, Explainer explainer, TargetKind kind, int maxRowsPerPass) {
        this.model = model;
        this.explainer = explainer;
        this.kind = kind;
        this.samplesPerPass = Math.max(1, maxRowsPerPass / explainer.rowsPerSample());
    }

    public Attributor(DifferentiableModel model, Explainer explainer) {
        this(model, explainer, TargetKind.LOGIT, DEFAULT_MAX_ROWS_PER_PASS);
    }

    /** The method this attributor runs. */
    public String method() {
        return explainer.method();
    }

    /**
     * Explains every row.
     *
     * @param rows flattened inputs, each of the model's input size
     * @param targets the class to explain per row, or null to explain the predicted class
     * @throws IllegalArgumentException when a row has the wrong length or a target is out of range
     */
    public List<Explanation> explain(float[][] rows, int[] targets) {
        int size = Math.toIntExact(Shapes.size(model.inputShape()));
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].length != size) {
                throw new IllegalArgumentException("sample " + i + " has " + rows[i].length + " features, the model expects " + size);
            }
            if (targets != null && (targets[i] < 0 || targets[i] >= model.classes())) {
                throw new IllegalArgumentException("target class " + targets[i] + " is out of range [0, " + model.classes() + ")");
            }
        }
        List<Explanation> out = new ArrayList<>(rows.length);
        for (int start = 0; start < rows.length; start += samplesPerPass) {
            int end = Math.min(rows.length, start + samplesPerPass);
            out.addAll(explainChunk(rows, targets, start, end, size));
        }
        return out;
    }

    private List<Explanation> explainChunk(float[][] rows, int[] targets, int start, int end, int size) {
        int n = end - start;
        float[] flat = new float[n * size];
        for (int i = 0; i < n; i++) {
            System.arraycopy(rows[start + i], 0, flat, i * size, size);
        }
        try (NDManager batch = model.manager().newSubManager()) {
            NDArray x = batch.create(flat, new Shape(Shapes.withBatch(n, model.inputShape())));
            NDArray classes = null;
            if (targets != null) {
                long[] given = new long[n];
                for (int i = 0; i < n; i++) {
                    given[i] = targets[start + i];
                }
                classes = batch.create(given);
            }
            Attribution attribution = explainer.attribute(model, x, classes, kind);
            float[] completeness = explainer instanceof IntegratedGradients ig
                    ? ig.completeness(model, x, kind, attribution).toType(DataType.FLOAT32, false).toFloatArray()
                    : null;
            float[] attributions = attribution.values().toType(DataType.FLOAT32, false).toFloatArray();
            float[] allLogits = attribution.logits().toType(DataType.FLOAT32, false).toFloatArray();
            long[] targetClasses = attribution.classes().toLongArray();
            int c = model.classes();
            List<Explanation> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                int row = i * c;
                out.add(new Explanation(Argmax.firstLargest(c, j -> allLogits[row + j]), (int) targetClasses[i],
                        java.util.Arrays.copyOfRange(allLogits, i * c, (i + 1) * c),
                        java.util.Arrays.copyOfRange(attributions, i * size, (i + 1) * size),
                        completeness == null ? Double.NaN : completeness[2 * i],
                        completeness == null ? Double.NaN : completeness[2 * i + 1]));
            }
            return out;
        }
    }
}
