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
import java.util.SplittableRandom;
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

    /** Warmup runs at least this long (and at least {@code warmup} iterations). */
    private static double warmupSeconds = 2.0;
    /** Timed runs last at least this long (and at least {@code iters} iterations). */
    private static double minSeconds = 3.0;

    private AttributionBenchmark() {}

    public static void main(String[] args) throws IOException {
        Map<String, String> opts = parse(args);
        Path modelPath = Path.of(opts.getOrDefault("model",
                "model-runner/src/test/resources/fixtures/digits_mlp_relu/model.onnx"));
        int batch = Integer.parseInt(opts.getOrDefault("batch", "256"));
        int steps = Integer.parseInt(opts.getOrDefault("steps", "32"));
        int warmup = Integer.parseInt(opts.getOrDefault("warmup", "10"));
        int iters = Integer.parseInt(opts.getOrDefault("iters", "30"));
        long seed = Long.parseLong(opts.getOrDefault("seed", "42"));
        warmupSeconds = Double.parseDouble(opts.getOrDefault("warmup-seconds", "2"));
        minSeconds = Double.parseDouble(opts.getOrDefault("min-seconds", "3"));
        Path out = Path.of(opts.getOrDefault("out", "bench/results/java.json"));
        Path dump = Path.of(opts.getOrDefault("dump", "bench/results/java-attributions.json"));

        // ---- first call: model load start -> first saliency batch result, in this fresh JVM ----
        long t0 = System.nanoTime();
        Graph graph = OnnxImporter.read(modelPath);
        try (GraphModel model = GraphModel.load(graph, Device.cpu(), DataType.FLOAT32)) {
            int features = Math.toIntExact(Arrays.stream(model.inputShape()).reduce(1, (a, b) -> a * b));
            float[][] rows = randomRows(batch, features, seed);
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
            result.put("minWarmupIterations", warmup);
            result.put("minIterations", iters);
            result.put("warmupSeconds", warmupSeconds);
            result.put("minSeconds", minSeconds);
            result.put("seed", seed);
            result.put("threads", threadInfo());
            result.put("loadavgBefore", loadavg());
            result.put("firstCallMs", firstCallMs);
            result.put("jvmUptimeAtFirstResultMs", jvmUptimeAtFirstMs);

            Map<String, Object> methods = new LinkedHashMap<>();
            Attributor ig = new Attributor(model, new IntegratedGradients(steps, null));
            float[][] salLast = new float[batch][];
            float[][] igLast = new float[batch][];
            int[] predicted = new int[batch];
            Map<String, Object> rssByPhase = new LinkedHashMap<>();
            rssByPhase.put("afterFirstCall", memory().get("VmRSS_kB"));
            methods.put("saliency", time(batch, warmup, iters, () -> saliency.explain(rows, null), salLast, predicted));
            rssByPhase.put("afterSaliency", memory().get("VmRSS_kB"));
            methods.put("ig" + steps, time(batch, warmup, iters, () -> ig.explain(rows, null), igLast, null));
            rssByPhase.put("afterIg", memory().get("VmRSS_kB"));
            result.put("methods", methods);
            // Resident memory after the saliency + IG run (before the optional breakdown, which adds [8192, 64]
            // host copies and larger native buffers).
            result.put("memory", memory());

            // Engine breakdown on the same batch (no Attributor): where the saliency time goes.
            if (Boolean.parseBoolean(opts.getOrDefault("breakdown", "true"))) {
                Map<String, Object> breakdown = new LinkedHashMap<>();
                breakdown.put("forward", timeEngine(model, rows, warmup, iters, false, 1));
                breakdown.put("gradients", timeEngine(model, rows, warmup, iters, true, 1));
                breakdown.put("gradients_x" + steps, timeEngine(model, rows, warmup, iters, true, steps));
                result.put("engineBreakdown", breakdown);
                result.put("memoryAfterBreakdown", memory());
            }
            result.put("rssByPhase_kB", rssByPhase);

            result.put("loadavgAfter", loadavg());

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
    private static Map<String, Object> time(int batch, int warmup, int iters, Supplier<List<Explanation>> run,
            float[][] lastAttr, int[] lastPredicted) {
        long warmEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
        for (int i = 0; i < warmup || System.nanoTime() < warmEnd; i++) {
            run.get();
        }
        List<Long> ns = new ArrayList<>();
        List<Explanation> last = null;
        long end = System.nanoTime() + (long) (minSeconds * 1e9);
        while (ns.size() < iters || System.nanoTime() < end) {
            long s = System.nanoTime();
            last = run.get();
            ns.add(System.nanoTime() - s);
        }
        for (int i = 0; i < batch; i++) {
            lastAttr[i] = last.get(i).attribution();
            if (lastPredicted != null) {
                lastPredicted[i] = last.get(i).predicted();
            }
        }
        return stats(batch, ns);
    }

    /**
     * The engine alone on {@code rows × repeat} model rows, arrays scoped per iteration like {@link Attributor}
     * does: {@code backward = false} is one forward ({@link GraphModel#logits}); {@code backward = true} is one
     * {@link GraphModel#gradients} call (forward + explicit backward) with the target classes computed once
     * beforehand, i.e. the minimum work of a saliency pass. Samples/s counts input rows (rows.length), so
     * {@code repeat = steps} approximates the IG path pass.
     */
    private static Map<String, Object> timeEngine(GraphModel model, float[][] rows, int warmup, int iters,
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
        long warmEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
        for (int i = 0; i < warmup || System.nanoTime() < warmEnd; i++) {
            once.run();
        }
        List<Long> ns = new ArrayList<>();
        long end = System.nanoTime() + (long) (minSeconds * 1e9);
        while (ns.size() < iters || System.nanoTime() < end) {
            long s = System.nanoTime();
            once.run();
            ns.add(System.nanoTime() - s);
        }
        return stats(n, ns);
    }

    private static Map<String, Object> stats(int samples, List<Long> times) {
        long[] ns = times.stream().mapToLong(Long::longValue).toArray();
        long[] sorted = ns.clone();
        Arrays.sort(sorted);
        double median = sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2.0;
        long total = Arrays.stream(ns).sum();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("iterations", ns.length);
        m.put("medianMs", median / 1e6);
        m.put("minMs", sorted[0] / 1e6);
        m.put("maxMs", sorted[sorted.length - 1] / 1e6);
        m.put("samplesPerSecMedian", samples / (median / 1e9));
        m.put("samplesPerSecMean", (double) samples * ns.length / (total / 1e9));
        m.put("samplesPerSecBest", samples / (sorted[0] / 1e9));
        return m;
    }

    private static float[][] randomRows(int n, int features, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[][] rows = new float[n][features];
        for (float[] row : rows) {
            for (int j = 0; j < features; j++) {
                row[j] = (float) random.nextDouble();
            }
        }
        return rows;
    }

    private static Map<String, Object> threadInfo() {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put("ai.djl.pytorch.num_threads", System.getProperty("ai.djl.pytorch.num_threads", "(unset: engine default)"));
        t.put("ai.djl.pytorch.num_interop_threads",
                System.getProperty("ai.djl.pytorch.num_interop_threads", "(unset: engine default)"));
        t.put("OMP_NUM_THREADS", String.valueOf(System.getenv("OMP_NUM_THREADS")));
        t.put("availableProcessors", Runtime.getRuntime().availableProcessors());
        return t;
    }

    private static String loadavg() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "n/a";
        }
    }

    /** VmRSS / VmHWM from /proc/self/status (kB), plus the Java heap in use. */
    private static Map<String, Object> memory() {
        Map<String, Object> m = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:") || line.startsWith("VmHWM:")) {
                    String[] parts = line.split("\\s+");
                    m.put(parts[0].replace(":", "") + "_kB", Long.parseLong(parts[1]));
                }
            }
        } catch (IOException e) {
            m.put("error", e.getMessage());
        }
        Runtime rt = Runtime.getRuntime();
        m.put("javaHeapUsed_kB", (rt.totalMemory() - rt.freeMemory()) / 1024);
        m.put("javaHeapCommitted_kB", rt.totalMemory() / 1024);
        return m;
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> opts = new LinkedHashMap<>();
        List<String> rest = new ArrayList<>(Arrays.asList(args));
        for (int i = 0; i < rest.size(); i++) {
            String a = rest.get(i);
            if (!a.startsWith("--") || i + 1 >= rest.size()) {
                throw new IllegalArgumentException("expected --name value pairs, got " + rest);
            }
            opts.put(a.substring(2), rest.get(++i));
        }
        return opts;
    }
}
