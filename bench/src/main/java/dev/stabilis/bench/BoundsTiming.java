package dev.stabilis.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.stabilis.certify.GradientBounds;
import dev.stabilis.engine.TargetKind;
import dev.stabilis.graph.Activation;
import dev.stabilis.graph.Dense;
import dev.stabilis.graph.Graph;
import dev.stabilis.graph.HostTensor;
import dev.stabilis.graph.Op;
import dev.stabilis.graph.Shapes;
import dev.stabilis.onnx.OnnxImporter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One side of {@link BoundsAb}: the digits models' gradient bounds by one method, timed on the first 128 digits rows
 * in calls of {@code bench.rowsPerCall} rows (system property, default 16) at each ε, through the public API only ({@link GradientBounds#bounds}), so that the same class
 * runs against the model-runner classes of two commits. Besides the fixtures, {@value #DEEP_SOFTPLUS}: a deeper
 * softplus MLP of seeded random weights, built here, for costs that grow with the number of smooth layers.
 */
public final class BoundsTiming {

    /** 64 inputs, five hidden layers of 128 softplus units, 10 classes; weights N(0, 1/fan-in), biases N(0, 0.1²), seed 42. */
    public static final String DEEP_SOFTPLUS = "softplus_mlp_5x128 (synthetic)";
    /** The models timed, in the order of {@link #run}'s figures. */
    public static final String[] MODELS = {"digits_mlp_relu", "digits_mlp_softplus", "digits_cnn", DEEP_SOFTPLUS};
    /** The ε of each model's calls, in the order of {@link #run}'s figures. */
    public static final double[] EPSILONS = {0.001, 0.005, 0.01};
    private static final int ROWS = 128;
    /** Rows per call: the system property {@code bench.rowsPerCall}, 16 unless set. */
    public static final int ROWS_PER_CALL = Integer.getInteger("bench.rowsPerCall", 16);

    private final List<GradientBounds> bounds = new ArrayList<>();
    /** The rows, flattened per call of {@link #ROWS_PER_CALL} rows (the last may hold fewer). */
    private final List<double[]> calls = new ArrayList<>();

    /**
     * Loads every model with {@code method} (and {@code alphaSteps} for linear) and warms each up with one pass.
     *
     * @param root the checkout whose fixtures and digits rows are read
     */
    public BoundsTiming(String root, String method, int alphaSteps) throws Exception {
        float[][] rows = DigitsRows.read(Path.of(root, "tools/fixtures/data/digits.csv.gz"), ROWS);
        for (int first = 0; first < rows.length; first += ROWS_PER_CALL) {
            calls.add(DigitsRows.flat(rows, first, Math.min(ROWS_PER_CALL, rows.length - first)));
        }
        for (String name : MODELS) {
            Graph graph = name.equals(DEEP_SOFTPLUS) ? deepSoftplus(rows[0].length)
                    : OnnxImporter.read(Path.of(root, "model-runner/src/test/resources/fixtures", name, "model.onnx"));
            bounds.add(GradientBounds.load(graph, Device.cpu(), method, alphaSteps));
        }
        run();
    }

    private static Graph deepSoftplus(int features) {
        SplittableRandom random = new SplittableRandom(42);
        List<Op> ops = new ArrayList<>();
        long inputs = features;
        for (int layer = 0; layer <= 5; layer++) {
            long outputs = layer == 5 ? 10 : 128;
            ops.add(new Dense(gaussian(random, Math.sqrt(1.0 / inputs), outputs, inputs), gaussian(random, 0.1, outputs)));
            if (layer < 5) {
                ops.add(Activation.of(Activation.Kind.SOFTPLUS));
            }
            inputs = outputs;
        }
        return Graph.chain(new long[] {features}, ops);
    }

    private static HostTensor gaussian(SplittableRandom random, double scale, long... shape) {
        double[] values = new double[(int) Shapes.size(shape)];
        for (int i = 0; i < values.length; i++) {
            values[i] = scale * random.nextGaussian();
        }
        return new HostTensor(shape, values);
    }

    /** Milliseconds for all rows, per model and ε: {@code [model · ε count + ε]}. */
    public double[] run() {
        double[] millis = new double[MODELS.length * EPSILONS.length];
        for (int m = 0; m < MODELS.length; m++) {
            for (int e = 0; e < EPSILONS.length; e++) {
                long start = System.nanoTime();
                for (double[] flat : calls) {
                    call(bounds.get(m), flat, EPSILONS[e]);
                }
                millis[m * EPSILONS.length + e] = (System.nanoTime() - start) / 1e6;
            }
        }
        return millis;
    }

    /**
     * One call of {@code bounds} on the rows {@code flat} (one after another): the logit gradient bounds of their
     * predicted classes over the boxes {@code [x − ε, x + ε] ∩ [0, 1]}, read back to the host.
     */
    static void call(GradientBounds bounds, double[] flat, double epsilon) {
        long[] sample = bounds.graph().inputSampleShape();
        try (NDManager manager = bounds.model().manager().newSubManager()) {
            NDArray x = manager.create(flat, new Shape(Shapes.withBatch(flat.length / Shapes.size(sample), sample)));
            NDArray classes = bounds.model().predict(x);
            bounds.bounds(x.sub(epsilon).maximum(0.0), x.add(epsilon).minimum(1.0), classes, TargetKind.LOGIT, 0)
                    .gradientLower().toDoubleArray();
        }
    }
}
