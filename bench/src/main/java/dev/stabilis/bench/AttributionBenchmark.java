package dev.stabilis.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.stabilis.attribution.Attributor;
import dev.stabilis.attribution.Explanation;
import dev.stabilis.attribution.IntegratedGradients;
import dev.stabilis.attribution.Saliency;
import dev.stabilis.engine.GraphModel;
import dev.stabilis.engine.TargetKind;
import dev.stabilis.graph.Graph;
import dev.stabilis.onnx.OnnxImporter;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Attribution throughput on CPU through the public API ({@link Attributor#explain}): saliency and
 * Integrated Gradients on one batch of rows, warmup then timed iterations, reported as samples/s.
 *
 * <p>Also measures, in this fresh JVM: the first-call latency (model load start → first saliency batch
 * result, engine initialisation included) and the resident memory after the run. The rows and the
 * attributions of the last iteration are dumped so the PyTorch reference can run on the identical rows and
 * check that both sides computed the same thing.
 *
 * <p>Arguments ({@code --name value}): {@code model} (ONNX file), {@code batch} (256), {@code steps} (32),
 * {@code warmup} (min warmup iterations, 10), {@code warmup-seconds} (min warmup time, 2), {@code iters}
 * (min timed iterations, 30), {@code min-seconds} (min timed time, 3), {@code seed} (42), {@code out}
 * (result JSON), {@code dump} (rows + attributions JSON), {@code breakdown} (true: also time the engine alone).
 */
public final class AttributionBenchmark {

    private static final Timings DEFAULT_TIMINGS = new Timings(10, 2.0, 30, 3.0);

    private AttributionBenchmark() {}

    public static void main(String[] args) throws IOException {
        Map<String, String> opts = ProcessFigures.parse(args);
        Path modelPath = Path.of(opts.getOrDefault("model",
                "model-runner/src/test/resources/fixtures/digits_mlp_relu/model.onnx"));
        int batch = Integer.parseInt(opts.getOrDefault("batch", "256"));
        int steps = Integer.parseInt(opts.getOrDefault("steps", "32"));
        Timings timings = Timings.from(opts, DEFAULT_TIMINGS);
        long seed = Long.parseLong(opts.getOrDefault("seed", "42"));
        Path out = Path.of(opts.getOrDefault("out", "bench/results/java.json"));
        Path dump = Path.of(opts.getOrDefault("dump", "bench/results/java-attributions.json"));

        // ---- first call: model load start -> first saliency batch result, in this fresh JVM ----
        long t0 = System.nanoTime();
        Graph graph = OnnxImporter.read(modelPath);
        try (GraphModel model = GraphModel.load(graph, Device.cpu(), DataType.FLOAT32)) {
            int features = Math.toIntExact(Arrays.stream(model.inputShape()).reduce(1, (a, b) -> a * b));
            float[][] rows = ProcessFigures.randomRows(batch, features, seed);
            Attributor saliency = new Attributor(model, new Saliency());
            List<Explanation> first = saliency.explain(rows, null);
            long t1 = System.nanoTime();
            double firstCallMs = (t1 - t0) / 1e6;
            double jvmUptimeAtFirstMs = ManagementFactory.getRuntimeMXBean().getUptime();
            if (first.size() != batch) {
                throw new IllegalStateException("expected " + batch + " explanations, got " + first.size());
            }

            Map<String, Object> result = new LinkedHashMap<>();
            result.put("side", "java");
            result.put("model", modelPath.toString());
            result.put("batch", batch);
            result.put("igSteps", steps);
            result.put("minWarmupIterations", timings.warmup());
            result.put("minIterations", timings.iterations());
            result.put("warmupSeconds", timings.warmupSeconds());
            result.put("minSeconds", timings.minSeconds());
            result.put("seed", seed);
            result.put("threads", ProcessFigures.threadInfo());
            result.put("loadavgBefore", ProcessFigures.loadavg());
            result.put("firstCallMs", firstCallMs);
            result.put("jvmUptimeAtFirstResultMs", jvmUptimeAtFirstMs);

            Map<String, Object> methods = new LinkedHashMap<>();
            Attributor ig = new Attributor(model, new IntegratedGradients(steps, null));
            float[][] salLast = new float[batch][];
            float[][] igLast = new float[batch][];
            int[] predicted = new int[batch];
            Map<String, Object> rssByPhase = new LinkedHashMap<>();
            rssByPhase.put("afterFirstCall", ProcessFigures.memory().get("VmRSS_kB"));
            methods.put("saliency", time(batch, timings, () -> saliency.explain(rows, null), salLast, predicted));
            rssByPhase.put("afterSaliency", ProcessFigures.memory().get("VmRSS_kB"));
            methods.put("ig" + steps, time(batch, timings, () -> ig.explain(rows, null), igLast, null));
            rssByPhase.put("afterIg", ProcessFigures.memory().get("VmRSS_kB"));
            result.put("methods", methods);
            // Resident memory after the saliency + IG run (before the optional breakdown, which adds [8192, 64]
            // host copies and larger native buffers).
            result.put("memory", ProcessFigures.memory());

            // Engine breakdown on the same batch (no Attributor): where the saliency time goes.
            if (Boolean.parseBoolean(opts.getOrDefault("breakdown", "true"))) {
                Map<String, Object> breakdown = new LinkedHashMap<>();
                breakdown.put("forward", timeEngine(model, rows, timings, false, 1));
                breakdown.put("gradients", timeEngine(model, rows, timings, true, 1));
                breakdown.put("gradients_x" + steps, timeEngine(model, rows, timings, true, steps));
                result.put("engineBreakdown", breakdown);
                result.put("memoryAfterBreakdown", ProcessFigures.memory());
            }
            result.put("rssByPhase_kB", rssByPhase);

            result.put("loadavgAfter", ProcessFigures.loadavg());

            ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            Files.createDirectories(out.toAbsolutePath().getParent());
            json.writeValue(out.toFile(), result);

            Map<String, Object> d = new LinkedHashMap<>();
            d.put("rows", rows);
            d.put("predicted", predicted);
            d.put("saliency", salLast);
            d.put("ig" + steps, igLast);
            Files.createDirectories(dump.toAbsolutePath().getParent());
            new ObjectMapper().writeValue(dump.toFile(), d);

            System.out.println(json.writeValueAsString(result));
        }
    }

    /** Times {@code run}, copying the last iteration's attributions (and predicted classes) out. */
    static Map<String, Object> time(int batch, Timings timings, Supplier<List<Explanation>> run,
            float[][] lastAttr, int[] lastPredicted) {
        List<List<Explanation>> last = new ArrayList<>(List.of(List.of()));
        Map<String, Object> stats = timings.time(batch, () -> last.set(0, run.get()));
        for (int i = 0; i < batch; i++) {
            lastAttr[i] = last.get(0).get(i).attribution();
            if (lastPredicted != null) {
                lastPredicted[i] = last.get(0).get(i).predicted();
            }
        }
        return stats;
    }

    /**
     * The engine alone on {@code rows × repeat} model rows, arrays scoped per iteration like {@link Attributor}
     * does: {@code backward = false} is one forward ({@link GraphModel#logits}); {@code backward = true} is one
     * {@link GraphModel#gradients} call (forward + explicit backward) with the target classes computed once
     * beforehand, i.e. the minimum work of a saliency pass. Samples/s counts input rows (rows.length), so
     * {@code repeat = steps} approximates the IG path pass.
     */
    private static Map<String, Object> timeEngine(GraphModel model, float[][] rows, Timings timings,
            boolean backward, int repeat) {
        int n = rows.length;
        int f = rows[0].length;
        float[] flat = new float[n * repeat * f];
        for (int r = 0; r < repeat; r++) {
            for (int i = 0; i < n; i++) {
                System.arraycopy(rows[i], 0, flat, (r * n + i) * f, f);
            }
        }
        long[] classes;
        try (NDManager m = model.manager().newSubManager()) {
            classes = model.logits(m.create(flat, new Shape(n * repeat, f))).argMax(1).toLongArray();
        }
        Runnable once = () -> {
            try (NDManager m = model.manager().newSubManager()) {
                NDArray x = m.create(flat, new Shape(n * repeat, f));
                if (backward) {
                    model.gradients(x, m.create(classes), TargetKind.LOGIT).gradient().toFloatArray();
                } else {
                    model.logits(x).toFloatArray();
                }
            }
        };
        return timings.time(n, once);
    }
}
