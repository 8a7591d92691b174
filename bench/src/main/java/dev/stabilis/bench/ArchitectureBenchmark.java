package dev.stabilis.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.stabilis.attribution.Attributor;
import dev.stabilis.attribution.IntegratedGradients;
import dev.stabilis.attribution.Saliency;
import dev.stabilis.certify.GradientBounds;
import dev.stabilis.certify.IntervalBounds;
import dev.stabilis.engine.GraphModel;
import dev.stabilis.engine.TargetKind;
import dev.stabilis.graph.Graph;
import dev.stabilis.graph.Shapes;
import dev.stabilis.onnx.OnnxImporter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Attribution throughput of one ONNX model of any input shape (an image CNN, a transformer over token vectors)
 * through the public API, as {@code stabilis explain} runs it: {@link OnnxImporter#read}, a float32
 * {@link GraphModel} on the CPU, {@link Attributor} with {@link Saliency} and {@link IntegratedGradients} (midpoint
 * rule, zero baseline; the Attributor also computes each row's completeness gap, one more forward at the baseline).
 * Several batch sizes in one JVM, each timed after its own warmup.
 *
 * <p>Also measured: the model's load time (ONNX import and {@link GraphModel#load}, after the engine is initialised)
 * and the resident memory before and after it; optionally the cost of one interval-bound pass
 * ({@link GradientBounds#bounds} over an ε-box, float64) against one plain gradient pass on the same float64 model and
 * rows. The rows and attributions of every batch are dumped for the PyTorch reference
 * ({@code bench/architecture_reference.py}), which runs on the identical rows and checks the values.
 *
 * <p>Arguments ({@code --name value}): {@code model} (full ONNX file), {@code batches} (1,16,64), {@code steps} (32),
 * {@code warmup}, {@code warmup-seconds}, {@code iters}, {@code min-seconds} (see {@link Timings}; 1, 0, 3, 0),
 * {@code heavy-rows} (calls with more model rows than this, samples × IG steps, run once without warmup: see
 * {@link Timings#single}; unlimited), {@code max-rows-per-pass} (the Attributor's bound on model rows per pass, samples ×
 * IG steps; its default, as the runner uses it), {@code seed} (42), {@code interval-batch} (0: no interval measurement), {@code epsilon} (0.01, the box half-width,
 * clipped to [0, 1]), {@code out} (result JSON), {@code dump} (directory for {@code batch-<n>.json}).
 */
public final class ArchitectureBenchmark {

    private static final Timings DEFAULT_TIMINGS = new Timings(1, 0, 3, 0);

    private ArchitectureBenchmark() {}

    public static void main(String[] args) throws IOException {
        Map<String, String> opts = ProcessFigures.parse(args);
        Path modelPath = Path.of(opts.get("model"));
        int[] batches = Arrays.stream(opts.getOrDefault("batches", "1,16,64").split(",")).mapToInt(Integer::parseInt).toArray();
        int steps = Integer.parseInt(opts.getOrDefault("steps", "32"));
        Timings timings = Timings.from(opts, DEFAULT_TIMINGS);
        long seed = Long.parseLong(opts.getOrDefault("seed", "42"));
        int intervalBatch = Integer.parseInt(opts.getOrDefault("interval-batch", "0"));
        double epsilon = Double.parseDouble(opts.getOrDefault("epsilon", "0.01"));
        int heavyRows = Integer.parseInt(opts.getOrDefault("heavy-rows", String.valueOf(Integer.MAX_VALUE)));
        int maxRowsPerPass = Integer.parseInt(opts.getOrDefault("max-rows-per-pass", String.valueOf(Attributor.DEFAULT_MAX_ROWS_PER_PASS)));
        Path out = Path.of(opts.getOrDefault("out", "bench/results/architecture-java.json"));
        Path dump = Path.of(opts.getOrDefault("dump", "bench/results/architecture-dump"));

        Map<String, Object> result = new LinkedHashMap<>();
        result.put("side", "java");
        result.put("model", modelPath.toString());
        result.put("modelFileBytes", Files.size(modelPath));
        result.put("igSteps", steps);
        result.put("timings", timings);
        result.put("heavyRows", heavyRows);
        result.put("maxRowsPerPass", maxRowsPerPass);
        result.put("seed", seed);
        result.put("threads", ProcessFigures.threadInfo());
        result.put("loadavgBefore", ProcessFigures.loadavg());

        Engine.getInstance(); // the native library loads here, not in the model's load time
        Map<String, Object> load = new LinkedHashMap<>();
        load.put("rssBeforeLoad_kB", ProcessFigures.memory().get("VmRSS_kB"));
        long t0 = System.nanoTime();
        Graph graph = OnnxImporter.read(modelPath);
        long t1 = System.nanoTime();
        try (GraphModel model = GraphModel.load(graph, Device.cpu(), DataType.FLOAT32)) {
            long t2 = System.nanoTime();
            load.put("importMs", (t1 - t0) / 1e6);
            load.put("graphModelLoadMs", (t2 - t1) / 1e6);
            load.put("loadMs", (t2 - t0) / 1e6);
            load.put("rssAfterLoad_kB", ProcessFigures.memory().get("VmRSS_kB"));
            System.gc();
            load.put("afterLoadAndGc", ProcessFigures.memory());
            int features = Math.toIntExact(Shapes.size(model.inputShape()));
            Attributor saliency = new Attributor(model, new Saliency(), TargetKind.LOGIT, maxRowsPerPass);
            Attributor ig = new Attributor(model, new IntegratedGradients(steps, null), TargetKind.LOGIT, maxRowsPerPass);
            saliency.explain(ProcessFigures.randomRows(1, features, seed), null);
            load.put("firstSaliencyAfterLoadMs", (System.nanoTime() - t2) / 1e6);
            result.put("load", load);

            Map<String, Object> byBatch = new LinkedHashMap<>();
            Files.createDirectories(dump);
            for (int batch : batches) {
                float[][] rows = ProcessFigures.randomRows(batch, features, seed);
                float[][] salLast = new float[batch][];
                float[][] igLast = new float[batch][];
                int[] predicted = new int[batch];
                Map<String, Object> methods = new LinkedHashMap<>();
                methods.put("saliency", AttributionBenchmark.time(batch, budget(timings, batch, heavyRows), () -> saliency.explain(rows, null),
                        salLast, predicted));
                methods.put("ig" + steps, AttributionBenchmark.time(batch, budget(timings, batch * steps, heavyRows), () -> ig.explain(rows, null),
                        igLast, null));
                byBatch.put(String.valueOf(batch), methods);
                Map<String, Object> d = new LinkedHashMap<>();
                d.put("shape", Shapes.withBatch(batch, model.inputShape()));
                d.put("rows", rows);
                d.put("predicted", predicted);
                d.put("saliency", salLast);
                d.put("ig" + steps, igLast);
                new ObjectMapper().writeValue(dump.resolve("batch-" + batch + ".json").toFile(), d);
            }
            result.put("batches", byBatch);
            result.put("memoryAfterAttributions", ProcessFigures.memory());
            if (intervalBatch > 0) {
                result.put("intervalBounds", intervalCost(graph, model, intervalBatch, epsilon, seed, timings));
            }
        }
        result.put("memoryAtEnd", ProcessFigures.memory());
        result.put("loadavgAfter", ProcessFigures.loadavg());
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        Files.createDirectories(out.toAbsolutePath().getParent());
        json.writeValue(out.toFile(), result);
        System.out.println(json.writeValueAsString(result));
    }

    private static Timings budget(Timings timings, int modelRows, int heavyRows) {
        return modelRows > heavyRows ? Timings.single() : timings;
    }

    /**
     * One interval-bound pass over the boxes {@code [x − ε, x + ε] ∩ [0, 1]} of {@code batch} rows, against one plain
     * gradient pass at x on the bounds' own float64 model (the same graph, dtype and rows: the ratio is what the
     * interval arithmetic costs) and on the float32 production model. Targets are the float64 model's predictions.
     */
    private static Map<String, Object> intervalCost(Graph graph, GraphModel model32, int batch, double epsilon, long seed,
            Timings timings) {
        int features = Math.toIntExact(Shapes.size(model32.inputShape()));
        float[][] rows = ProcessFigures.randomRows(batch, features, seed);
        double[] x = new double[batch * features];
        double[] lo = new double[x.length];
        double[] hi = new double[x.length];
        for (int i = 0; i < batch; i++) {
            for (int j = 0; j < features; j++) {
                int k = i * features + j;
                x[k] = rows[i][j];
                lo[k] = Math.max(0.0, x[k] - epsilon);
                hi[k] = Math.min(1.0, x[k] + epsilon);
            }
        }
        Shape shape = new Shape(Shapes.withBatch(batch, model32.inputShape()));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("batch", batch);
        m.put("epsilon", epsilon);
        long t0 = System.nanoTime();
        try (GradientBounds bounds = GradientBounds.load(graph, Device.cpu())) {
            m.put("boundsLoadMs", (System.nanoTime() - t0) / 1e6);
            GraphModel model64 = bounds.model();
            long[] classes;
            try (NDManager s = model64.manager().newSubManager()) {
                classes = model64.logits(s.create(x, shape)).argMax(1).toLongArray();
            }
            double[] width = new double[1];
            Map<String, Object> interval = timings.time(batch, () -> {
                try (NDManager s = model64.manager().newSubManager()) {
                    IntervalBounds b = bounds.bounds(s.create(lo, shape), s.create(hi, shape), s.create(classes), TargetKind.LOGIT, 0);
                    double[] gl = b.gradientLower().toDoubleArray();
                    double[] gu = b.gradientUpper().toDoubleArray();
                    width[0] = 0;
                    for (int i = 0; i < gl.length; i++) {
                        width[0] += (gu[i] - gl[i]) / gl.length;
                    }
                }
            });
            Map<String, Object> gradient64 = timings.time(batch, () -> gradientPass(model64, x, shape, classes));
            float[] x32 = new float[x.length];
            for (int i = 0; i < x.length; i++) {
                x32[i] = (float) x[i];
            }
            Map<String, Object> gradient32 = timings.time(batch, () -> {
                try (NDManager s = model32.manager().newSubManager()) {
                    model32.gradients(s.create(x32, shape), s.create(classes), TargetKind.LOGIT).gradient().toFloatArray();
                }
            });
            m.put("intervalPass", interval);
            m.put("meanBoundWidth", width[0]);
            m.put("gradientPassFloat64", gradient64);
            m.put("gradientPassFloat32", gradient32);
            m.put("intervalOverGradientFloat64", (double) interval.get("medianMs") / (double) gradient64.get("medianMs"));
            m.put("intervalOverGradientFloat32", (double) interval.get("medianMs") / (double) gradient32.get("medianMs"));
            m.put("rssAfterInterval_kB", ProcessFigures.memory().get("VmRSS_kB"));
        }
        return m;
    }

    private static void gradientPass(GraphModel model, double[] x, Shape shape, long[] classes) {
        try (NDManager s = model.manager().newSubManager()) {
            NDArray in = s.create(x, shape);
            model.gradients(in, s.create(classes), TargetKind.LOGIT).gradient().toDoubleArray();
        }
    }
}
