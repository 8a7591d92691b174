package dev.stabilis.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stabilis.attack.AttackMethod;
import dev.stabilis.attack.AttackResult;
import dev.stabilis.attack.AttackSettings;
import dev.stabilis.attack.ExplanationAttack;
import dev.stabilis.attack.StabilityMetrics;
import dev.stabilis.certify.Certificates;
import dev.stabilis.engine.GraphModel;
import dev.stabilis.engine.Gradients;
import dev.stabilis.engine.HessianVectorProduct;
import dev.stabilis.engine.TargetKind;
import dev.stabilis.evaluate.LabelledRows;
import dev.stabilis.graph.Activation;
import dev.stabilis.graph.Dense;
import dev.stabilis.graph.Graph;
import dev.stabilis.graph.Node;
import dev.stabilis.graph.Op;
import dev.stabilis.onnx.OnnxImporter;
import java.io.IOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Explanation-attack cost on CPU through the public API ({@link ExplanationAttack#attack}): the top-k attack
 * (k = 5, ε = 0.05, 50 steps of projected sign descent along exact Hessian-vector products of the softplus(β = 10)
 * surrogate, every iterate judged on the real ReLU network) on one batch of held-out digits rows. Warm-up, then
 * timed calls; samples/s = batch / median call. Reports steps per sample and the cost per sample and step.
 *
 * <p>Dumps the rows and the per-row results so the PyTorch reference can run on the same rows and check it did
 * the same work. With {@code breakdown true} it also re-runs the attack's step loop from public parts with a
 * timer around each phase (copy to the engine, surrogate Hessian-vector product, copy back, host projection, judge
 * pass, host bookkeeping) and counts the rows on which the instrumented loop ends where the attack did. The HVP's
 * own passes (forward, backward, R-forward, R-backward) are internal to the engine's graph model and are not split.
 *
 * <p>Arguments ({@code --name value}): {@code rows} (CSV of grey levels 0..16, class last; required),
 * {@code model} (ONNX file, the demo digits MLP), {@code batch} (256), {@code epsilon} (0.05), {@code steps}
 * (50), {@code warmup-seconds} (least warm-up, 2; it goes on until the JIT has settled), {@code seconds} (timed, 5), {@code iters} (min timed calls, 10), {@code out}
 * (result JSON), {@code dump} (rows + results JSON), {@code breakdown} (true).
 */
public final class AttackBenchmark {

    private static final int K = 5;
    private static final float BETA = 10f;

    private AttackBenchmark() {}

    public static void main(String[] args) throws IOException {
        Map<String, String> opts = HarnessOptions.parse(args);
        Path model = Path.of(opts.getOrDefault("model", "models/digits/1/model.onnx"));
        int batch = Integer.parseInt(opts.getOrDefault("batch", "256"));
        double epsilon = Double.parseDouble(opts.getOrDefault("epsilon", "0.05"));
        int steps = Integer.parseInt(opts.getOrDefault("steps", "50"));
        double warmupSeconds = Double.parseDouble(opts.getOrDefault("warmup-seconds", "2"));
        double seconds = Double.parseDouble(opts.getOrDefault("seconds", "5"));
        int iters = Integer.parseInt(opts.getOrDefault("iters", "10"));
        if (!opts.containsKey("rows")) {
            throw new IllegalArgumentException("--rows CSV is required (bench/attack.sh writes the held-out digits rows)");
        }
        float[][] rows = digits(Path.of(opts.get("rows")), batch);
        AttackSettings settings = new AttackSettings(AttackMethod.TOPK, epsilon, K, TargetKind.LOGIT, steps, Double.NaN, 1, 7,
                BETA, new double[] {0}, new double[] {1});
        Map<String, Object> result = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        Graph graph = OnnxImporter.read(model);
        try (ExplanationAttack attack = new ExplanationAttack(graph, Device.cpu(), settings)) {
            List<AttackResult> last = attack.attack(rows);
            double firstCallMs = (System.nanoTime() - t0) / 1e6;
            // Warm-up: at least warmup-seconds, then until the JIT has settled (under 5 ms of compilation in the last
            // second; at most 30 s). On 2 cores a busy compiler thread takes the core of the intra-op worker, and
            // with only 2 s of warm-up the first timed calls ran ~2x slower.
            CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
            long warmupStart = System.nanoTime();
            long windowStart = warmupStart;
            long compiledAtWindow = jit.getTotalCompilationTime();
            while (true) {
                last = attack.attack(rows);
                long now = System.nanoTime();
                if (now - windowStart >= 1_000_000_000L) {
                    long compiled = jit.getTotalCompilationTime();
                    boolean settled = compiled - compiledAtWindow < 5;
                    if (now - warmupStart >= warmupSeconds * 1e9 && settled || now - warmupStart >= 30_000_000_000L) {
                        break;
                    }
                    windowStart = now;
                    compiledAtWindow = compiled;
                }
            }
            double warmupDone = (System.nanoTime() - warmupStart) / 1e9;
            String loadBefore = loadavg();
            List<Double> times = new ArrayList<>();
            long end = System.nanoTime() + (long) (seconds * 1e9);
            while (System.nanoTime() < end || times.size() < iters) {
                long start = System.nanoTime();
                last = attack.attack(rows);
                times.add((System.nanoTime() - start) / 1e6);
            }
            String loadAfter = loadavg();
            double median = median(times);
            double best = times.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
            int loops = last.stream().mapToInt(AttackResult::stepsUsed).max().orElseThrow();
            result.put("batch", rows.length);
            result.put("epsilon", epsilon);
            result.put("k", K);
            result.put("steps", steps);
            result.put("beta", BETA);
            result.put("iterations", times.size());
            result.put("medianMs", median);
            result.put("bestMs", best);
            result.put("samplesPerSecond", rows.length / (median / 1000));
            result.put("samplesPerSecondBest", rows.length / (best / 1000));
            result.put("msPerSample", median / rows.length);
            result.put("stepsPerSample", last.stream().mapToInt(AttackResult::stepsUsed).average().orElseThrow());
            result.put("loopIterations", loops);
            result.put("usPerSampleStep", median * 1000 / ((double) rows.length * loops));
            result.put("firstCallMs", firstCallMs);
            result.put("warmupSeconds", warmupDone);
            result.put("intraOpThreads", Integer.getInteger("ai.djl.pytorch.num_threads", -1));
            result.put("timesMs", times);
            result.put("success", last.stream().filter(AttackResult::success).count());
            result.put("classKept", last.stream().filter(AttackResult::classKept).count());
            result.put("meanIntersection", last.stream().mapToDouble(r -> r.metrics().topkIntersection()).average().orElseThrow());
            result.put("loadavgBefore", loadBefore);
            result.put("loadavgAfter", loadAfter);
            if (opts.containsKey("dump")) {
                Map<String, Object> dump = new LinkedHashMap<>();
                dump.put("rows", rows);
                dump.put("predicted", last.stream().mapToInt(AttackResult::predicted).toArray());
                dump.put("stepsUsed", last.stream().mapToInt(AttackResult::stepsUsed).toArray());
                dump.put("topkIntersection", last.stream().mapToDouble(r -> r.metrics().topkIntersection()).toArray());
                dump.put("relativeL2", last.stream().mapToDouble(r -> r.metrics().relativeL2()).toArray());
                dump.put("success", last.stream().map(AttackResult::success).toArray());
                dump.put("classKept", last.stream().map(AttackResult::classKept).toArray());
                dump.put("adversarial", last.stream().map(AttackResult::adversarial).toArray());
                new ObjectMapper().writeValue(Path.of(opts.get("dump")).toFile(), dump);
            }
            if (Boolean.parseBoolean(opts.getOrDefault("breakdown", "true"))) {
                result.put("breakdownMsPerStep", breakdown(graph, settings, rows, last));
            }
        }
        String json = new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(result);
        if (opts.containsKey("out")) {
            Files.writeString(Path.of(opts.get("out")), json);
        }
        System.out.println(json);
    }

    // ------------------------------------------------------------------------------------------------ breakdown

    /** Phase timers of one instrumented attack. */
    private static final class Clock {
        final Map<String, Double> spent = new LinkedHashMap<>();
        long mark = System.nanoTime();

        void tick(String phase) {
            long now = System.nanoTime();
            spent.merge(phase, (now - mark) / 1e6, Double::sum);
            mark = now;
        }
    }

    /**
     * Median over instrumented runs of each phase's time per step. The loop is ExplanationAttack's (TOPK, one
     * start, judge and surrogate in float64), rebuilt from public parts, in two variants taking turns: the
     * surrogate as the attack builds it ({@link Graph#reluSmoothed}), and a folded surrogate (below).
     *
     * <p>Folded surrogate: reluSmoothed wraps every softplus in ×β and ×1/β nodes (4 elementwise nodes per
     * hidden layer and HVP pass); for a Dense/ReLU chain they fold exactly into the weights (βW₁, βb₁ | W₂, βb₂ |
     * W₃/β, b₃), which changes the arithmetic only by rounding. It is timed inside the same loop because a tight
     * loop of HVP calls alone behaves differently (see BENCHMARKS.md).
     */
    private static Map<String, Object> breakdown(Graph graph, AttackSettings settings, float[][] rows, List<AttackResult> expected) {
        Graph smooth = graph.reluSmoothed(settings.beta());
        Graph folded = folded(graph, settings.beta());
        String[] variants = folded == null ? new String[] {"libraryHvp"} : new String[] {"libraryHvp", "foldedHvp"};
        Map<String, List<Map<String, Double>>> runs = new LinkedHashMap<>();
        Map<String, Integer> identical = new LinkedHashMap<>();
        Map<String, Object> out = new LinkedHashMap<>();
        try (GraphModel judge = GraphModel.load(graph, Device.cpu(), DataType.FLOAT64);
                GraphModel surrogate = GraphModel.load(smooth, Device.cpu(), DataType.FLOAT64);
                GraphModel foldedModel = GraphModel.load(folded == null ? smooth : folded, Device.cpu(), DataType.FLOAT64)) {
            HessianVectorProduct hvp = new HessianVectorProduct(surrogate);
            HessianVectorProduct foldedHvp = new HessianVectorProduct(foldedModel);
            int loops = expected.stream().mapToInt(AttackResult::stepsUsed).max().orElseThrow();
            // the first rounds of each variant are untimed, so that the JIT has compiled the instrumented loop: a busy
            // compiler thread takes the second core from the intra-op worker and slows every native op
            for (int round = -2; round < 6; round++) {
                for (String variant : variants) {
                    Clock clock = new Clock();
                    float[][] points = instrumentedAttack(variant.equals("libraryHvp") ? hvp : foldedHvp, judge, settings, rows, clock);
                    if (round < 0) {
                        continue;
                    }
                    Map<String, Double> perStep = new LinkedHashMap<>();
                    clock.spent.forEach((phase, ms) -> perStep.put(phase, phase.startsWith("setup") ? ms : ms / loops));
                    runs.computeIfAbsent(variant, v -> new ArrayList<>()).add(perStep);
                    int same = 0;
                    for (int r = 0; r < rows.length; r++) {
                        if (Arrays.equals(points[r], expected.get(r).adversarial())) {
                            same++;
                        }
                    }
                    identical.merge(variant, same, Math::min);
                }
            }
            runs.forEach((variant, list) -> {
                Map<String, Double> medians = new LinkedHashMap<>();
                for (String phase : list.get(0).keySet()) {
                    medians.put(phase, median(list.stream().map(m -> m.get(phase)).toList()));
                }
                out.put(variant, medians);
            });
            out.put("identicalToAttack", identical);
            out.put("metricsMsPerBatch", timeMetrics(expected));
            out.put("surrogateGradientOnlyMs", timeSurrogateGradient(surrogate, judge, rows));
        }
        return out;
    }

    /** The softplus surrogate of a Dense/ReLU/Dense/ReLU/Dense chain with the β scales folded into the weights; else null. */
    private static Graph folded(Graph graph, float beta) {
        List<Dense> dense = new ArrayList<>();
        String previous = graph.inputName();
        for (Node node : graph.nodes()) {
            if (!node.inputs().equals(List.of(previous))) {
                return null;
            }
            previous = node.output();
            if (node.op() instanceof Dense d) {
                dense.add(d);
            } else if (!(node.op() instanceof Activation a && a.kind() == Activation.Kind.RELU)) {
                return null;
            }
        }
        if (dense.size() != 3 || graph.nodes().size() != 5) {
            return null;
        }
        List<Op> ops = List.of(
                new Dense(dense.get(0).weight().scaled(beta), dense.get(0).bias().scaled(beta)), Activation.of(Activation.Kind.SOFTPLUS),
                new Dense(dense.get(1).weight(), dense.get(1).bias().scaled(beta)), Activation.of(Activation.Kind.SOFTPLUS),
                new Dense(dense.get(2).weight().scaled(1.0 / beta), dense.get(2).bias()));
        return Graph.chain(graph.inputSampleShape(), ops);
    }

    private static float[][] instrumentedAttack(HessianVectorProduct surrogate, GraphModel judge, AttackSettings settings,
            float[][] rows, Clock clock) {
        int n = rows.length;
        int size = rows[0].length;
        Shape shape = new Shape(n, size);
        float[] x0 = new float[n * size];
        float[] lower = new float[x0.length];
        float[] upper = new float[x0.length];
        double eps = settings.epsilon();
        for (int r = 0; r < n; r++) {
            for (int i = 0; i < size; i++) {
                int at = r * size + i;
                x0[at] = rows[r][i];
                double lo = Math.max(0, rows[r][i] - eps);
                double hi = Math.min(1, rows[r][i] + eps);
                float fl = (float) lo;
                float fh = (float) hi;
                lower[at] = fl < lo ? Math.nextUp(fl) : fl;
                upper[at] = fh > hi ? Math.nextDown(fh) : fh;
            }
        }
        double step = settings.effectiveStepSize();
        try (NDManager batch = judge.manager().newSubManager()) {
            Gradients atSamples = judge.gradients(batch.create(x0, shape).toType(DataType.FLOAT64, false), null, TargetKind.LOGIT);
            NDArray classes = atSamples.classes();
            long[] predicted = classes.toLongArray();
            double[] g0 = atSamples.gradient().toDoubleArray();
            double[] weights = new double[g0.length];
            double[][] reference = new double[n][];
            for (int r = 0; r < n; r++) {
                reference[r] = Arrays.copyOfRange(g0, r * size, (r + 1) * size);
                int[] ranked = Certificates.topK(reference[r], 2 * K);
                for (int place = 0; place < ranked.length; place++) {
                    weights[r * size + ranked[place]] = place < K ? 1 : -1;
                }
            }
            NDArray topk = batch.create(weights, shape);
            UnaryOperator<NDArray> lossGradient = g -> g.sign().muli(topk);
            double[] bestIntersection = new double[n];
            double[] bestRelative = new double[n];
            float[][] bestPoint = new float[n][];
            Arrays.fill(bestIntersection, 1);
            for (int r = 0; r < n; r++) {
                bestPoint[r] = rows[r].clone();
            }
            float[] x = x0;
            clock.tick("setup (per attack)");
            for (int s = 0; s < settings.steps() && !allZero(bestIntersection); s++) {
                double[] direction;
                try (NDManager sub = batch.newSubManager()) {
                    NDArray xs = sub.create(x, shape).toType(DataType.FLOAT64, false);
                    clock.tick("surrogate: host->native copy");
                    NDArray d = surrogate.apply(xs, classes, TargetKind.LOGIT, lossGradient);
                    clock.tick("surrogate: HVP (library call)");
                    direction = d.toDoubleArray();
                    clock.tick("surrogate: native->host copy");
                }
                float[] next = new float[x.length];
                for (int i = 0; i < x.length; i++) {
                    next[i] = Math.min(upper[i], Math.max(lower[i], (float) (x[i] - step * Math.signum(direction[i]))));
                }
                x = next;
                clock.tick("host: sign step + projection");
                long[] argmax;
                double[] g;
                try (NDManager sub = batch.newSubManager()) {
                    Gradients at = judge.gradients(sub.create(x, shape).toType(DataType.FLOAT64, false), classes, TargetKind.LOGIT);
                    argmax = at.logits().argMax(1).toLongArray();
                    g = at.gradient().toDoubleArray();
                }
                clock.tick("judge: forward + backward + copies");
                for (int r = 0; r < n; r++) {
                    if (bestIntersection[r] == 0 || argmax[r] != predicted[r]) {
                        continue;
                    }
                    double[] gr = Arrays.copyOfRange(g, r * size, (r + 1) * size);
                    double intersection = StabilityMetrics.topkIntersection(reference[r], gr, K);
                    double relative = StabilityMetrics.relativeL2(reference[r], gr);
                    if (intersection < bestIntersection[r] || intersection == bestIntersection[r] && relative > bestRelative[r]) {
                        bestIntersection[r] = intersection;
                        bestRelative[r] = relative;
                        bestPoint[r] = Arrays.copyOfRange(x, r * size, (r + 1) * size);
                    }
                }
                clock.tick("host: bookkeeping (top-k, rel. L2)");
            }
            return bestPoint;
        }
    }

    private static boolean allZero(double[] values) {
        for (double v : values) {
            if (v > 0) {
                return false;
            }
        }
        return true;
    }

    /** StabilityMetrics.between for every row (Kendall τ_b, Spearman ρ, ...): what attack() adds when it returns. */
    private static double timeMetrics(List<AttackResult> results) {
        List<Double> times = new ArrayList<>();
        for (int i = 0; i < 21; i++) {
            long start = System.nanoTime();
            for (AttackResult r : results) {
                StabilityMetrics.between(r.attribution(), r.adversarialAttribution(), K);
            }
            times.add((System.nanoTime() - start) / 1e6);
        }
        return median(times);
    }

    /** One surrogate forward + backward (first-order only, float64 as in the attack) on the batch, copies included: the HVP's floor. */
    private static double timeSurrogateGradient(GraphModel surrogate, GraphModel judge, float[][] rows) {
        int n = rows.length;
        int size = rows[0].length;
        float[] x = new float[n * size];
        for (int r = 0; r < n; r++) {
            System.arraycopy(rows[r], 0, x, r * size, size);
        }
        List<Double> times = new ArrayList<>();
        try (NDManager batch = judge.manager().newSubManager()) {
            NDArray classes = judge.gradients(batch.create(x, new Shape(n, size)).toType(DataType.FLOAT64, false), null, TargetKind.LOGIT)
                    .classes();
            for (int i = 0; i < 200; i++) {
                try (NDManager sub = batch.newSubManager()) {
                    long start = System.nanoTime();
                    surrogate.gradients(sub.create(x, new Shape(n, size)).toType(DataType.FLOAT64, false), classes, TargetKind.LOGIT)
                            .gradient().toDoubleArray();
                    times.add((System.nanoTime() - start) / 1e6);
                }
            }
        }
        return median(times.subList(50, times.size()));
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** The first {@code count} rows of a CSV of grey levels 0..16 (class last), scaled by 1/16 as the fixtures were trained. */
    private static float[][] digits(Path file, int count) {
        LabelledRows rows = LabelledRows.readCsv(file, false, 1 / 16.0);
        if (rows.size() < count) {
            throw new IllegalArgumentException(file + " has " + rows.size() + " rows, " + count + " wanted");
        }
        return rows.first(count).features();
    }

    private static String loadavg() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException e) {
            return "n/a";
        }
    }

    private static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return sorted[sorted.length / 2];
    }
}
