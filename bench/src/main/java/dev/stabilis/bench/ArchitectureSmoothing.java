package dev.stabilis.bench;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.stabilis.attribution.Attributor;
import dev.stabilis.attribution.Explanation;
import dev.stabilis.attribution.Saliency;
import dev.stabilis.engine.GraphModel;
import dev.stabilis.engine.TargetKind;
import dev.stabilis.graph.Shapes;
import dev.stabilis.model.ModelPolicy;
import dev.stabilis.onnx.OnnxImporter;
import dev.stabilis.smoothing.CosineBound;
import dev.stabilis.smoothing.Noise;
import dev.stabilis.smoothing.NoiseKind;
import dev.stabilis.smoothing.SmoothedAttack;
import dev.stabilis.smoothing.SmoothedCertificate;
import dev.stabilis.smoothing.SmoothingCertifier;
import dev.stabilis.smoothing.SmoothingSettings;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;

/**
 * The smoothing part of {@link MethodComparison} on the deployed-architecture fixtures of
 * {@code tools/fixtures/make_architectures.py} (ResNet-18, 3×32×32; the explicit-attention transformer, 8 tokens × 32),
 * whose full ONNX files {@code bench/methods.sh architectures} materialises: the rows of {@code bench/architectures.sh}
 * (uniform in [0, 1), {@code SplittableRandom(42)}), the predicted class's logit, top-5.
 *
 * <p><b>Certificates.</b> One {@link SmoothingCertifier} call on all rows per noise configuration (uniform ℓ2 ball,
 * n = 1000, α = 0.001, seed 0: {@link ModelPolicy.Smoothing#DEFAULT}), the ball radius r and the clip norm M as
 * {@link #CONFIGURATIONS} lists them. The shift distance τ of the uniform ball depends on ε√d/r: with r = 1, τ(0.1) is
 * 0.99 (ResNet-18) and 0.58 (transformer), which leaves no certificate possible; the default r = √d/8 gives every
 * input size τ(0.1) = 0.31, and r = √d τ(0.1) = 0.04. With M = 10 the cosine bound needs ‖h‖ &gt; t + 2Mτ(ε), at least
 * 1.5 at n = 1000, more than the smoothed saliency of these models reaches; with unit norm, h/M is the mean saliency
 * direction and the bound depends on how coherent the directions are under the noise, not on the gradients' scale.
 * The draws do not depend on ε, so one call serves every radius:
 * the cosine bound at each ε is {@link CosineBound} applied to the certificate's ‖h‖ lower bound, and the top-5 set is
 * certified at ε when its certified radius exceeds ε. Wall and process CPU time (all threads, native included) per
 * sample, after a warm-up call of the same pass shape, beside one saliency pass on the same rows ({@link Attributor}).
 *
 * <p><b>Empirical check.</b> For the first rows, at every ε where the row's certificate claims a cosine: ĥ at x and
 * at x + δ for δ on the ε-sphere (two random directions, ±ε along ĥ(x), and {@link SmoothedAttack#descend}'s gradient
 * attack), each from n draws with common random numbers. Each estimate is within t = M(1 + √(2 ln(1/α)))/√n of the
 * truth with probability 1 − α (McDiarmid, as the certificate), which bounds the angle error of each by
 * arcsin(t/(‖ĥ‖ − t)). A point whose estimated angle exceeds the certified angle by more than the two errors refutes the
 * certificate: the run prints SOUNDNESS FAILURE and exits with status 3.
 *
 * <p>Run: {@code bench/methods.sh architectures [rows [checkRows [models [radii [configurations]]]]]} (default 16 rows,
 * 2 checked rows, both models, the radii and configurations above; see {@link #run}).
 */
final class ArchitectureSmoothing {

    /** The ℓ2 radii, unless the command line names others. */
    private static final String RADII = "0.05,0.1,0.25,0.5";
    private static final int K = 5;
    private static final long ROW_SEED = 42;
    private static final int ATTACK_STEPS = 2;
    private static final int ATTACK_PAIRS = 100;
    private static final Path MODELS = Path.of("bench/target/methods");

    /**
     * The noise configurations {@code r/M} unless the command line names others: the policy defaults until
     * 2026-12-04 (r = 1, M = 10), the policy defaults since ({@code default}: a spread of an eighth of [0, 1] per
     * coordinate, r = √d/8; {@code unit}: each saliency scaled to norm 1), and r = √d with unit norm.
     */
    private static final String CONFIGURATIONS = "1.0/10,default/unit,sqrt-d/unit";

    /** ResNet-18 holds ~7 MB per row in a pass (BENCHMARKS.md, issue 14), so its passes take 128 rows. */
    private static final int RESNET_ROW_BUDGET = 128;

    private ArchitectureSmoothing() {}

    /**
     * @param radii ℓ2 radii ε, comma-separated (null: 0.1, 0.25, 0.5)
     * @param configurations noise radius and clip norm pairs {@code r/M}, comma-separated, r a number, {@code default}
     *     (the policy's default for inputs in [0, 1]) or {@code sqrt-d}, M a number or {@code unit} (null:
     *     {@link #CONFIGURATIONS})
     */
    static void run(int rowCount, int checkRows, List<String> models, String radii, String configurations) throws Exception {
        ModelPolicy.Smoothing policy = ModelPolicy.Smoothing.DEFAULT;
        double[] epsilons = Arrays.stream((radii != null ? radii : RADII).split(",")).mapToDouble(Double::parseDouble).toArray();
        String[] pairs = (configurations != null ? configurations : CONFIGURATIONS).split(",");
        System.out.printf(Locale.ROOT, "Smoothing on deployed architectures: %d rows uniform in [0, 1) (SplittableRandom(%d)), "
                + "logit of the predicted class, top-%d; uniform ℓ2-ball noise, n = %d, α = %s, clip norm M = %s, seed %d.%n%n",
                rowCount, ROW_SEED, K, policy.samples(), policy.alpha(), MethodComparison.clipLabel(policy.clipNorm()),
                policy.seed());
        List<String> certified = new ArrayList<>();
        List<String> checked = new ArrayList<>();
        List<String> costs = new ArrayList<>();
        boolean failed = false;
        for (String name : models) {
            Path onnx = MODELS.resolve(name + ".onnx");
            if (!Files.isRegularFile(onnx)) {
                throw new IllegalArgumentException("no materialised model " + onnx + " (run bench/methods.sh architectures)");
            }
            int rowBudget = name.equals("resnet18") ? RESNET_ROW_BUDGET : policy.rowBudget();
            try (GraphModel model = GraphModel.load(OnnxImporter.read(onnx), Device.cpu(), DataType.FLOAT32)) {
                int d = Math.toIntExact(Shapes.size(model.inputShape()));
                float[][] rows = ProcessFigures.randomRows(rowCount, d, ROW_SEED);
                Measured<List<Explanation>> saliency = saliencyPass(model, rows, rowBudget);
                double[] gradientNorms = norms(saliency.value.stream().map(Explanation::attribution).toArray(float[][]::new));
                costs.add(String.format(Locale.ROOT, "| %s | %d | %.1f | %.3g | %.3g | %.2f ms | %.2f ms | %d |", name, d,
                        MethodComparison.median(norms(rows)), MethodComparison.median(gradientNorms), Arrays.stream(gradientNorms).min().orElseThrow(),
                        saliency.wallMillis / rows.length, saliency.cpuMillis / rows.length, rowBudget));
                for (String pair : pairs) {
                    String[] configuration = pair.split("/");
                    double scale = switch (configuration[0]) {
                        case "sqrt-d" -> Math.sqrt(d);
                        case "default" -> MethodComparison.smoothingScale(d);
                        default -> Double.parseDouble(configuration[0]);
                    };
                    double clipNorm = configuration[1].equals("unit") ? SmoothingSettings.UNIT_NORM
                            : Double.parseDouble(configuration[1]);
                    SmoothingSettings settings = new SmoothingSettings(NoiseKind.parse(policy.noise()), scale, policy.samples(),
                            policy.alpha(), epsilons[0], K, clipNorm, TargetKind.LOGIT, policy.seed(), rowBudget);
                    Noise noise = settings.noise().create(scale, d);
                    warmUp(model, rows[0], settings);
                    String load = loadAverage();
                    Measured<List<SmoothedCertificate>> run = Measured.of(() -> SmoothingCertifier.certify(model, rows, null, settings));
                    List<SmoothedCertificate> certificates = run.value;
                    String loadAfter = loadAverage();
                    for (int r = 0; r < rows.length; r++) {
                        if (certificates.get(r).target() != saliency.value.get(r).target()) {
                            throw new IllegalStateException("row " + r + ": the certificate and the saliency pass explain different classes");
                        }
                    }
                    double agreement = MethodComparison.median(IntStream.range(0, rows.length)
                            .mapToDouble(r -> cosine(certificates.get(r).attribution(), toDouble(saliency.value.get(r).attribution()))).toArray());
                    for (double epsilon : epsilons) {
                        double[] cosines = certificates.stream().mapToDouble(c -> cosineAt(c, noise, epsilon)).toArray();
                        long claims = Arrays.stream(cosines).filter(c -> c > -1).count();
                        double topk = certificates.stream().filter(c -> c.certifiedRadius() > epsilon).count() / (double) rows.length;
                        String pixels = epsilon == settings.epsilon() ? membershipClaims(certificates, d) : "–";
                        certified.add(String.format(Locale.ROOT,
                                "| %s | %.1f | %s | %.3f | %.3f | %.3f (%.3f) | %.3f | %d / %d | %s | %s | %.1f %% | %s | %.4f | %d | %s | %.0f ms | %.0f ms | %.1f× | %s → %s |",
                                name, scale, MethodComparison.clipLabel(clipNorm), epsilon, noise.shiftDistance(epsilon),
                                MethodComparison.median(certificates.stream().mapToDouble(c -> norm(c.attribution()) / c.normBound()).toArray()),
                                MethodComparison.median(certificates.stream().mapToDouble(c -> c.normLower() / c.normBound()).toArray()),
                                agreement,
                                claims, rows.length, bound(MethodComparison.median(cosines)), bound(Arrays.stream(cosines).min().orElse(-1)), 100 * topk, pixels,
                                MethodComparison.median(certificates.stream().mapToDouble(SmoothedCertificate::certifiedRadius).toArray()),
                                settings.samples(), settings.alpha(), run.wallMillis / rows.length, run.cpuMillis / rows.length,
                                run.wallMillis / saliency.wallMillis, load, loadAfter));
                    }
                    System.err.println("[methods] " + name + " r = " + scale + ", M = " + MethodComparison.clipLabel(clipNorm) + ": "
                            + certified.get(certified.size() - 1));
                    SmoothedAttack attack = SmoothedAttack.on(model, TargetKind.LOGIT, rowBudget, noise, K, settings.clipNorm());
                    for (int r = 0; r < Math.min(checkRows, rows.length); r++) {
                        failed |= check(name, attack, rows[r], r, certificates.get(r), noise, epsilons, checked);
                    }
                }
            }
        }
        table(null, "| model | noise radius r | clip norm M | ℓ2 radius ε | τ(ε) | median ‖ĥ‖ / M (its lower bound) | median cos(ĥ(x), ∇ logit(x)) | "
                + "rows with a cosine claim | certified cosine, median | certified cosine, min | certified top-5 | "
                + "features certified in / out of the top 5, median per row (at the first ε) | median certified top-5 radius | "
                + "n | α | wall per sample | CPU per sample | wall / one saliency pass | load average start → end |", certified);
        table("Empirical check (least cosine of ĥ(x) and ĥ(x + δ) over the points of the ε-sphere, n draws each, common "
                + "random numbers; slack: the angle the two estimates may each be off with probability 1 − α):",
                "| model | noise radius r | clip norm M | row | ℓ2 radius ε | certified cosine | least estimated cosine | at | "
                + "estimated angle − certified angle | slack (angle) | verdict |", checked);
        table("One saliency pass on the same rows (Attributor, one call after a warm-up call):", "| model | input size d | median ‖x‖₂ | "
                + "median ‖∇ logit(x)‖₂ | least ‖∇ logit(x)‖₂ | saliency wall per sample | saliency CPU per sample | rows per pass |", costs);
        if (failed) {
            System.out.println("**SOUNDNESS FAILURE: an estimated cosine fell below the certified bound beyond the Monte-Carlo error.**");
            System.exit(3);
        }
    }

    /** Attacks one row's certificate at every ε where it claims a cosine; true if a point refutes it. */
    private static boolean check(String name, SmoothedAttack attack, float[] x, int row, SmoothedCertificate certificate, Noise noise,
            double[] epsilons, List<String> lines) {
        int n = certificate.samples();
        String m = MethodComparison.clipLabel(certificate.clipNorm());
        double t = CosineBound.estimationError(certificate.normBound(), n, certificate.alpha());
        long seed = 1000 + row;
        double[] hx = attack.smoothedAttribution(x, new double[x.length], certificate.target(), n, seed);
        boolean failed = false;
        for (double epsilon : epsilons) {
            double bound = cosineAt(certificate, noise, epsilon);
            if (bound == -1) {
                lines.add(String.format(Locale.ROOT, "| %s | %.1f | %s | %d | %.3f | none | – | – | – | – | no claim to check |",
                        name, noise.scale(), m, row, epsilon));
                continue;
            }
            double least = Double.POSITIVE_INFINITY;
            String at = "";
            double slack = 0;
            List<double[]> points = new ArrayList<>();
            List<String> labels = new ArrayList<>();
            SplittableRandom random = new SplittableRandom(seed);
            for (int p = 0; p < 2; p++) {
                points.add(scaled(random.doubles(x.length).map(v -> v - 0.5).toArray(), epsilon));
                labels.add("random " + (p + 1));
            }
            points.add(scaled(hx, epsilon));
            labels.add("+ĥ(x)");
            points.add(scaled(hx, -epsilon));
            labels.add("−ĥ(x)");
            points.add(attack.descend(x, scaled(hx, 1), certificate.target(), epsilon, ATTACK_STEPS, ATTACK_PAIRS, seed));
            labels.add("gradient attack");
            for (int p = 0; p < points.size(); p++) {
                double[] shifted = attack.smoothedAttribution(x, points.get(p), certificate.target(), n, seed);
                double cosine = cosine(hx, shifted);
                if (cosine < least) {
                    least = cosine;
                    at = labels.get(p);
                    slack = angleError(t, hx) + angleError(t, shifted);
                }
            }
            double excess = Math.acos(Math.max(-1, Math.min(1, least))) - Math.acos(bound);
            boolean refuted = excess > slack;
            failed |= refuted;
            lines.add(String.format(Locale.ROOT, "| %s | %.1f | %s | %d | %.3f | %.4f | %.4f | %s | %.4f | %.4f | %s |", name, noise.scale(), m, row,
                    epsilon, bound, least, at, excess, slack, refuted ? "**SOUNDNESS FAILURE**" : "holds"));
            System.err.println("[methods] check " + lines.get(lines.size() - 1));
        }
        return failed;
    }

    /** Prints a Markdown table: its caption (if any), the header, its separator, the rows. */
    private static void table(String caption, String header, List<String> rows) {
        if (caption != null) {
            System.out.println(caption);
            System.out.println();
        }
        System.out.println(header);
        System.out.println("|---".repeat((int) header.chars().filter(c -> c == '|').count() - 1) + "|");
        rows.forEach(System.out::println);
        System.out.println();
    }

    /** The certified cosine at ε from the certificate's ‖h‖ lower bound (the draws do not depend on ε). */
    private static double cosineAt(SmoothedCertificate certificate, Noise noise, double epsilon) {
        return CosineBound.lower(certificate.normLower(), CosineBound.deviation(certificate.normBound(), noise, epsilon));
    }

    /** arcsin(t/(‖ĥ‖ − t)): how far the direction of an estimate within t of the truth can be off (π/2 if t ≥ ‖ĥ‖ − t). */
    private static double angleError(double t, double[] estimate) {
        double room = norm(estimate) - t;
        return room > t ? Math.asin(t / room) : Math.PI / 2;
    }

    private static void warmUp(GraphModel model, float[] row, SmoothingSettings settings) {
        SmoothingCertifier.certify(model, new float[][] {row}, null, new SmoothingSettings(settings.noise(), settings.scale(),
                Math.min(settings.samples(), settings.rowBudget()), settings.alpha(), settings.epsilon(), settings.k(), settings.clipNorm(),
                settings.kind(), settings.seed(), settings.rowBudget()));
    }

    private static Measured<List<Explanation>> saliencyPass(GraphModel model, float[][] rows, int rowBudget) throws Exception {
        Attributor saliency = new Attributor(model, new Saliency(), TargetKind.LOGIT, rowBudget);
        saliency.explain(rows, null);
        return Measured.of(() -> saliency.explain(rows, null));
    }

    /** A value with the wall time and the process's CPU time (every thread, libtorch's included) it took. */
    private record Measured<T>(T value, double wallMillis, double cpuMillis) {
        static <T> Measured<T> of(Callable<T> work) throws Exception {
            com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            long cpu = os.getProcessCpuTime();
            long start = System.nanoTime();
            T value = work.call();
            return new Measured<>(value, (System.nanoTime() - start) / 1e6, (os.getProcessCpuTime() - cpu) / 1e6);
        }
    }

    private static String loadAverage() throws IOException {
        String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
        return fields[0] + " " + fields[1] + " " + fields[2];
    }

    private static String bound(double cosine) {
        return cosine == -1 ? "none" : String.format(Locale.ROOT, "%.4f", cosine);
    }

    private static double[] norms(float[][] rows) {
        return Arrays.stream(rows).mapToDouble(row -> {
            double s = 0;
            for (float v : row) {
                s += v * v;
            }
            return Math.sqrt(s);
        }).toArray();
    }

    private static double[] toDouble(float[] v) {
        return IntStream.range(0, v.length).mapToDouble(i -> v[i]).toArray();
    }

    private static double[] scaled(double[] v, double length) {
        double norm = norm(v);
        return Arrays.stream(v).map(x -> x * length / norm).toArray();
    }

    /**
     * Per-feature top-k membership claims (Anani et al.'s pixel-level certificate) at the certificates' own radius:
     * the medians over rows of the features certified in and out of the top k, as counts and percent of d.
     */
    private static String membershipClaims(List<SmoothedCertificate> certificates, long d) {
        double in = MethodComparison.median(certificates.stream().mapToDouble(c -> c.topk().length).toArray());
        double out = MethodComparison.median(certificates.stream().mapToDouble(c -> c.certifiedOut().length).toArray());
        return String.format(Locale.ROOT, "%.0f / %.0f (%.1f %% / %.1f %%)", in, out, 100 * in / d, 100 * out / d);
    }

    private static double norm(double[] v) {
        return Math.sqrt(dot(v, v));
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static double cosine(double[] a, double[] b) {
        return dot(a, b) / (norm(a) * norm(b));
    }
}
