package dev.stabilis.bench;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.stabilis.certify.CertifiedSample;
import dev.stabilis.certify.Certifier;
import dev.stabilis.certify.CertifySettings;
import dev.stabilis.certify.CertifySettings.Splitting;
import dev.stabilis.certify.GradientBounds;
import dev.stabilis.engine.GraphModel;
import dev.stabilis.engine.TargetKind;
import dev.stabilis.graph.Graph;
import dev.stabilis.model.ModelPolicy;
import dev.stabilis.onnx.OnnxImporter;
import dev.stabilis.smoothing.NoiseKind;
import dev.stabilis.smoothing.SmoothedCertificate;
import dev.stabilis.smoothing.SmoothingCertifier;
import dev.stabilis.smoothing.SmoothingSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The three certificate methods side by side in one run, on the first rows of {@code tools/fixtures/data/digits.csv.gz}
 * (grey levels / 16), top-5 of the predicted class's logit gradient:
 * <ul>
 *   <li>interval vs linear gradient bounds ({@link GradientBounds#INTERVAL}, {@link GradientBounds#LINEAR}) on the
 *       digits ReLU and softplus MLPs, the digits CNN and the demo model, over L∞ boxes clipped to [0, 1]: the
 *       certified top-5 fraction per ε, the median certified radius (bisection on [0, 0.1], 12 steps) and the time per
 *       sample of each method: the median of the passes over the rows in {@link Certifier} calls made in at least a
 *       second, and at least {@value #TIMED_PASSES} of them,
 *       after at least a second of warm-up calls of the same shape and ε (the interval method's host pass for dense ReLU
 *       networks is Java, which runs interpreted until the JIT has seen it; the linear method's arrays grow with ε); and the
 *       linear method with its relaxation parameters optimised in a few steps (α, certified fraction and time per
 *       sample only: its radius search would take 13 times as long again);</li>
 *   <li>smoothing certificates ({@link SmoothingCertifier}, the policy defaults of {@link ModelPolicy.Smoothing#DEFAULT}:
 *       uniform ℓ2 ball of radius 1 (√64/8, an eighth of [0, 1] per pixel), n = 1000, α = 0.001, saliencies scaled to unit
 *       norm; the top-k claims do not depend on the clip norm) on float32 models: the certified top-5 fraction
 *       at ℓ2 radii 0.1, 0.25 and 0.5, and at the ℓ2 radius √d·ε that contains the demo policy's L∞ box, the median
 *       certified radius and the time per sample.</li>
 * </ul>
 * Prints Markdown tables.
 *
 * <p>The smoothing part on the deployed-architecture fixtures (ResNet-18, the transformer encoder), with an empirical
 * check of the certified cosine: {@link ArchitectureSmoothing}, run by {@code bench/methods.sh architectures}.
 *
 * <p>Run: {@code bench/methods.sh [samples [rowsPerCall [all|bounds|smoothing [alphaSteps [models]]]]]} (default: 128
 * samples, all in one call, both parts, 5 α steps (0: no α column), every model; models: a comma-separated list of the
 * names in the tables). The linear method's memory grows with the rows of a call (a 128-row call went past 24 GiB), so on
 * a small machine pass fewer rows per call.
 */
public final class MethodComparison {

    private static final double[] EPSILONS = {0.001, 0.005, 0.01};
    private static final double[] SMOOTHING_RADII = {0.1, 0.25, 0.5};
    private static final double[] UNIT_MIN = {0};
    private static final double[] UNIT_MAX = {1};
    private static final int K = 5;
    private static final double RADIUS_MAX = 0.1;
    private static final int RADIUS_STEPS = 12;
    private static final int TIMED_PASSES = 5;
    /** The least time the timed passes of one method at one ε take together: a pass of the interval method is a few ms. */
    private static final long TIMED_NANOS = 1_000_000_000L;
    private static final long WARM_UP_NANOS = 1_000_000_000L;
    private static final Path FIXTURES = Path.of("model-runner/src/test/resources/fixtures");
    private static final Path DEMO = Path.of("models/digits/1/model.onnx");

    /** The demo policy's certification ε (models/digits/1/stabilis.yaml). */
    private static final double DEMO_EPSILON = 0.001;

    private record Model(String name, Path onnx) {}

    private MethodComparison() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("architectures")) {
            ArchitectureSmoothing.run(args.length > 1 ? Integer.parseInt(args[1]) : 16, args.length > 2 ? Integer.parseInt(args[2]) : 2,
                    args.length > 3 ? List.of(args[3].split(",")) : List.of("resnet18", "transformer_explicit"),
                    args.length > 4 ? args[4] : null, args.length > 5 ? args[5] : null);
            return;
        }
        int samples = args.length > 0 ? Integer.parseInt(args[0]) : 128;
        int rowsPerCall = args.length > 1 ? Integer.parseInt(args[1]) : samples;
        String part = args.length > 2 ? args[2] : "all";
        int alphaSteps = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        List<String> only = args.length > 4 ? List.of(args[4].split(",")) : null;
        float[][] rows = DigitsRows.read(Path.of("tools/fixtures/data/digits.csv.gz"), samples);
        Model relu = fixture("digits_mlp_relu");
        Model softplus = fixture("digits_mlp_softplus");
        Model demo = new Model("demo (models/digits/1)", DEMO);
        System.out.printf(Locale.ROOT, "Samples: the first %d rows of tools/fixtures/data/digits.csv.gz (grey levels / 16), "
                + "target: logit of the predicted class, k = %d.%n%n", rows.length, K);
        if (!part.equals("bounds")) {
            smoothing(chosen(List.of(relu, softplus, demo), only), rows);
        }
        if (!part.equals("smoothing")) {
            boundMethods(chosen(List.of(relu, softplus, fixture("digits_cnn"), demo), only), rows, rowsPerCall, alphaSteps);
        }
    }

    private static List<Model> chosen(List<Model> models, List<String> only) {
        return only == null ? models : models.stream().filter(m -> only.contains(m.name())).toList();
    }

    private static Model fixture(String name) {
        return new Model(name, FIXTURES.resolve(name).resolve("model.onnx"));
    }

    private static void boundMethods(List<Model> models, float[][] rows, int rowsPerCall, int alphaSteps) {
        System.out.printf(Locale.ROOT, "Interval vs linear gradient bounds (L∞ box clipped to [0, 1]; time per sample: Certifier calls "
                + "of %d rows each after a second of warm-up calls of that shape and ε, the median of the passes over the rows made in a second "
                + "and at least %d of them; linear + α: relaxation parameters optimised in %d steps):%n",
                rowsPerCall, TIMED_PASSES, alphaSteps);
        System.out.println();
        System.out.println("| model | ε | certified top-5, interval | certified top-5, linear | certified top-5, linear + α | "
                + "time per sample, interval | time per sample, linear | time per sample, linear + α | cost linear / interval | "
                + "cost linear + α / interval |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|");
        List<String> radiusLines = new ArrayList<>();
        for (Model model : models) {
            Graph graph = OnnxImporter.read(model.onnx());
            MethodRun interval = MethodRun.of(graph, GradientBounds.INTERVAL, 0, rows, rowsPerCall, true);
            MethodRun linear = MethodRun.of(graph, GradientBounds.LINEAR, 0, rows, rowsPerCall, true);
            MethodRun alpha = alphaSteps > 0 ? MethodRun.of(graph, GradientBounds.LINEAR, alphaSteps, rows, rowsPerCall, false) : null;
            for (int e = 0; e < EPSILONS.length; e++) {
                System.out.printf(Locale.ROOT, "| %s | %.3f | %s | %s | %s | %.3f ms | %.3f ms | %s | %.1f× | %s |%n", model.name(), EPSILONS[e],
                        percent(interval.certified[e]), percent(linear.certified[e]), alpha == null ? "–" : percent(alpha.certified[e]),
                        interval.millisPerSample[e], linear.millisPerSample[e],
                        alpha == null ? "–" : String.format(Locale.ROOT, "%.3f ms", alpha.millisPerSample[e]),
                        linear.millisPerSample[e] / interval.millisPerSample[e],
                        alpha == null ? "–" : String.format(Locale.ROOT, "%.1f×", alpha.millisPerSample[e] / interval.millisPerSample[e]));
            }
            String radiusLine = String.format(Locale.ROOT, "| %s | %.5f | %.5f | %.2f ms | %.2f ms | %.1f× | %s |", model.name(),
                    interval.medianRadius, linear.medianRadius, interval.radiusMillisPerSample, linear.radiusMillisPerSample,
                    linear.radiusMillisPerSample / interval.radiusMillisPerSample, linear.fallback.orElse("none"));
            System.err.println("radius: " + radiusLine);
            radiusLines.add(radiusLine);
        }
        System.out.println();
        System.out.printf(Locale.ROOT, "Certified radius of the top-5 set (bisection on [0, %s] with %d steps, in the same calls as above; "
                + "the ε calls above warmed it up):%n%n", RADIUS_MAX, RADIUS_STEPS);
        System.out.println("| model | median radius, interval | median radius, linear | radius search per sample, interval | "
                + "radius search per sample, linear | cost linear / interval | linear falls back to intervals |");
        System.out.println("|---|---|---|---|---|---|---|");
        radiusLines.forEach(System.out::println);
        System.out.println();
    }

    /** One bound method's figures on one model. */
    private static final class MethodRun {
        final double[] certified = new double[EPSILONS.length];
        final double[] millisPerSample = new double[EPSILONS.length];
        double medianRadius;
        double radiusMillisPerSample;
        java.util.Optional<String> fallback;

        static MethodRun of(Graph graph, String method, int alphaSteps, float[][] rows, int rowsPerCall, boolean radiusSearch) {
            MethodRun run = new MethodRun();
            try (GradientBounds bounds = GradientBounds.load(graph, Device.cpu(), method, alphaSteps)) {
                run.fallback = bounds.fallback();
                for (int e = 0; e < EPSILONS.length; e++) {
                    Certifier certifier = new Certifier(bounds, settings(EPSILONS[e], false));
                    // every ε: the linear pass's arrays grow with the boxes that reach 0, a new shape of work
                    warmUp(() -> certifier.certify(Arrays.copyOf(rows, Math.min(rows.length, rowsPerCall))));
                    Timed<List<CertifiedSample>> timed = Timed.median(() -> inCalls(certifier, rows, rowsPerCall), TIMED_PASSES, TIMED_NANOS);
                    run.certified[e] = timed.value.stream().filter(s -> s.certificate().topk()).count() / (double) rows.length;
                    run.millisPerSample[e] = timed.millis / rows.length;
                }
                if (!radiusSearch) {
                    return run;
                }
                Certifier radius = new Certifier(bounds, settings(EPSILONS[0], true));
                Timed<List<CertifiedSample>> timed = Timed.run(() -> inCalls(radius, rows, rowsPerCall));
                run.medianRadius = median(timed.value.stream().mapToDouble(s -> s.certificate().radius()).toArray());
                run.radiusMillisPerSample = timed.millis / rows.length;
            }
            return run;
        }
    }

    /** Certifies the rows in consecutive calls of at most {@code rowsPerCall} rows. */
    private static List<CertifiedSample> inCalls(Certifier certifier, float[][] rows, int rowsPerCall) {
        List<CertifiedSample> out = new ArrayList<>(rows.length);
        for (int start = 0; start < rows.length; start += rowsPerCall) {
            out.addAll(certifier.certify(Arrays.copyOfRange(rows, start, Math.min(rows.length, start + rowsPerCall))));
        }
        return out;
    }

    private static CertifySettings settings(double epsilon, boolean radius) {
        return new CertifySettings(epsilon, K, TargetKind.LOGIT, 0, Splitting.NONE, radius, RADIUS_MAX, RADIUS_STEPS, UNIT_MIN, UNIT_MAX);
    }

    private static void smoothing(List<Model> models, float[][] rows) {
        ModelPolicy.Smoothing policy = ModelPolicy.Smoothing.DEFAULT;
        double demoRadius = DEMO_EPSILON * Math.sqrt(rows[0].length);
        double[] radii = new double[SMOOTHING_RADII.length + 1];
        radii[0] = demoRadius;
        System.arraycopy(SMOOTHING_RADII, 0, radii, 1, SMOOTHING_RADII.length);
        System.out.printf(Locale.ROOT, "Smoothing certificates (%s noise of scale %s, n = %d, α = %s, clip norm %s, seed %d; float32 "
                + "models; all rows in one call after a warm-up call; ℓ2 radius %.3f = √%d · %s contains the demo policy's L∞ box):%n%n",
                policy.noise(), smoothingScale(rows[0].length), policy.samples(), policy.alpha(), clipLabel(policy.clipNorm()),
                policy.seed(), demoRadius,
                rows[0].length, DEMO_EPSILON);
        System.out.println("| model | ℓ2 radius | certified top-5 | median certified radius | time per sample |");
        System.out.println("|---|---|---|---|---|");
        for (Model model : models) {
            try (GraphModel graphModel = GraphModel.load(OnnxImporter.read(model.onnx()), Device.cpu(), DataType.FLOAT32)) {
                SmoothingCertifier.certify(graphModel, rows, null, smoothingSettings(policy, rows, radii[0]));
                for (double radius : radii) {
                    Timed<List<SmoothedCertificate>> timed = Timed.run(
                            () -> SmoothingCertifier.certify(graphModel, rows, null, smoothingSettings(policy, rows, radius)));
                    double certified = timed.value.stream().filter(SmoothedCertificate::topkCertified).count() / (double) rows.length;
                    double median = median(timed.value.stream().mapToDouble(SmoothedCertificate::certifiedRadius).toArray());
                    System.out.printf(Locale.ROOT, "| %s | %.3f | %s | %.4f | %.2f ms |%n", model.name(), radius, percent(certified),
                            median, timed.millis / rows.length);
                }
            }
        }
        System.out.println();
    }

    private static SmoothingSettings smoothingSettings(ModelPolicy.Smoothing policy, float[][] rows, double radius) {
        return new SmoothingSettings(NoiseKind.parse(policy.noise()), smoothingScale(rows[0].length), policy.samples(),
                policy.alpha(), radius, K, policy.clipNorm(), TargetKind.LOGIT, policy.seed(), policy.rowBudget());
    }

    /** A clip norm as the tables print it: {@code unit} for {@link SmoothingSettings#UNIT_NORM}. */
    static String clipLabel(double clipNorm) {
        return clipNorm == SmoothingSettings.UNIT_NORM ? "unit" : String.valueOf(clipNorm);
    }

    /** The policy's default noise scale for inputs of {@code features} features in [0, 1]. */
    static double smoothingScale(int features) {
        return ModelPolicy.DEFAULT.withDomain(new double[] {0}, new double[] {1}).smoothingScale(features);
    }

    /** A value and the wall time it took. */
    private record Timed<T>(T value, double millis) {
        static <T> Timed<T> run(Supplier<T> work) {
            long start = System.nanoTime();
            T value = work.get();
            return new Timed<>(value, (System.nanoTime() - start) / 1e6);
        }

        /** The last run's value and the median of the runs' times, over at least {@code runs} runs and {@code nanos}. */
        static <T> Timed<T> median(Supplier<T> work, int runs, long nanos) {
            List<Double> millis = new ArrayList<>();
            Timed<T> last = null;
            long start = System.nanoTime();
            while (millis.size() < runs || System.nanoTime() - start < nanos) {
                last = run(work);
                millis.add(last.millis);
            }
            return new Timed<>(last.value, MethodComparison.median(millis.stream().mapToDouble(Double::doubleValue).toArray()));
        }
    }

    /** Runs {@code call} for at least {@link #WARM_UP_NANOS}, and at least three times. */
    private static void warmUp(Runnable call) {
        long start = System.nanoTime();
        for (int calls = 0; calls < 3 || System.nanoTime() - start < WARM_UP_NANOS; calls++) {
            call.run();
        }
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.1f %%", 100 * fraction);
    }
}
