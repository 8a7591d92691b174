package dev.stabilis.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.stabilis.certify.BoxSearch;
import dev.stabilis.certify.CertifiedSample;
import dev.stabilis.certify.Certifier;
import dev.stabilis.certify.CertifySettings;
import dev.stabilis.certify.CertifySettings.Splitting;
import dev.stabilis.certify.GradientBounds;
import dev.stabilis.engine.TargetKind;
import dev.stabilis.onnx.OnnxImporter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * How tight the certified bounds are, and how much input splitting buys: for digits MLPs and boxes of
 * ε ∈ {0.005, 0.01, 0.02, 0.05} (features in [0, 1]), the fraction of samples with a certified top-5 set (plain
 * and with input splitting into up to 16 leaves), the mean certified L∞ deviation, the mean largest L∞ deviation the box search
 * finds, their ratio (≥ 1 when sound; 1 would be exact) and the median per-sample ratio over samples where the
 * search found any change (for ReLU networks at small ε it often finds none: every ReLU stays stable). Also the
 * certified radius's median and its cost per sample (after a warm-up). Prints a Markdown table.
 *
 * <p>Run: {@code bench/tightness.sh} (samples: the first rows of {@code tools/fixtures/data/digits.csv.gz}).
 */
public final class TightnessReport {

    private static final double[] EPSILONS = {0.005, 0.01, 0.02, 0.05};
    private static final double[] UNIT_MIN = {0};
    private static final double[] UNIT_MAX = {1};

    private TightnessReport() {}

    public static void main(String[] args) throws IOException {
        int samples = args.length > 0 ? Integer.parseInt(args[0]) : 64;
        float[][] rows = DigitsRows.read(Path.of("tools/fixtures/data/digits.csv.gz"), samples);
        System.out.printf(Locale.ROOT, "Samples: the first %d rows of tools/fixtures/data/digits.csv.gz (grey levels / 16), target: logit of the predicted class, k = 5.%n%n", rows.length);
        System.out.println("| model | ε | certified top-5 (plain) | certified top-5 (split 16) | mean certified L∞ deviation | mean largest L∞ deviation found | ratio of the means | median per-sample ratio (samples with a change found) |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        List<String> radiusLines = new ArrayList<>();
        for (String name : new String[] {"digits_mlp_relu", "digits_mlp_softplus"}) {
            Path onnx = Path.of("model-runner/src/test/resources/fixtures", name, "model.onnx");
            try (GradientBounds bounds = GradientBounds.load(OnnxImporter.read(onnx), Device.cpu());
                    BoxSearch search = new BoxSearch(bounds.graph(), bounds.model());
                    NDManager manager = bounds.model().manager().newSubManager()) {
                for (double eps : EPSILONS) {
                    List<CertifiedSample> plain = new Certifier(bounds, settings(eps, 1, false)).certify(rows);
                    List<CertifiedSample> split = new Certifier(bounds, settings(eps, 16, false)).certify(rows);
                    double certified = 0;
                    double found = 0;
                    List<Double> ratios = new ArrayList<>();
                    for (int s = 0; s < rows.length; s++) {
                        CertifiedSample c = plain.get(s);
                        double largest = largestDeviation(search, manager, rows[s], c, eps, s);
                        certified += c.certificate().maxDeviationLinf();
                        found += largest;
                        if (largest > 0) {
                            ratios.add(c.certificate().maxDeviationLinf() / largest);
                        }
                    }
                    ratios.sort(null);
                    String median = ratios.isEmpty() ? "n/a" : String.format(Locale.ROOT, "%.2f (%d of %d)",
                            ratios.get(ratios.size() / 2), ratios.size(), rows.length);
                    System.out.printf(Locale.ROOT, "| %s | %.3f | %.3f | %.3f | %.4g | %.4g | %.2f | %s |%n", name, eps,
                            fraction(plain), fraction(split), certified / rows.length, found / rows.length, certified / found, median);
                }
                CertifySettings radiusSearch = new CertifySettings(0.01, 5, TargetKind.LOGIT, 0, Splitting.NONE, true, 1.0, 16, UNIT_MIN, UNIT_MAX);
                new Certifier(bounds, radiusSearch).certify(Arrays.copyOf(rows, Math.min(8, rows.length))); // warm-up
                long start = System.nanoTime();
                List<CertifiedSample> radius = new Certifier(bounds, radiusSearch).certify(rows);
                double perSample = (System.nanoTime() - start) / 1e6 / rows.length;
                double[] radii = radius.stream().mapToDouble(c -> c.certificate().radius()).sorted().toArray();
                radiusLines.add(String.format(Locale.ROOT, "| %s | %.5f | %.5f | %.2f ms |", name, radii[radii.length / 2],
                        radii[radii.length - 1], perSample));
            }
        }
        System.out.println();
        System.out.println("Certified radius (top-5 set, bisection on [0, 1] with 16 steps, tolerance 1/65536, all samples batched):");
        System.out.println();
        System.out.println("| model | median radius | largest radius | cost per sample |");
        System.out.println("|---|---|---|---|");
        radiusLines.forEach(System.out::println);
    }

    private static CertifySettings settings(double eps, int leaves, boolean radius) {
        return new CertifySettings(eps, 5, TargetKind.LOGIT, 0, Splitting.upTo(leaves), radius, 1.0, 16, UNIT_MIN, UNIT_MAX);
    }

    private static double fraction(List<CertifiedSample> samples) {
        return samples.stream().filter(s -> s.certificate().topk()).count() / (double) samples.size();
    }

    /** The largest L∞ gradient change from the sample that the box search finds (at least the search's 1000 points). */
    private static double largestDeviation(BoxSearch search, NDManager manager, float[] row, CertifiedSample c, double eps, long seed) {
        double[] lo = new double[row.length];
        double[] hi = new double[row.length];
        for (int i = 0; i < row.length; i++) {
            lo[i] = Math.max(0, row[i] - eps);
            hi[i] = Math.min(1, row[i] + eps);
        }
        double[][] points = search.points(manager, lo, hi, c.gradient(), c.predicted(), TargetKind.LOGIT, seed);
        double largest = 0;
        for (double[] g : search.gradients(manager, points, c.predicted(), TargetKind.LOGIT)) {
            for (int i = 0; i < g.length; i++) {
                largest = Math.max(largest, Math.abs(g[i] - c.gradient()[i]));
            }
        }
        return largest;
    }
}
