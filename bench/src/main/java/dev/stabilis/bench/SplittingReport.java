package dev.stabilis.bench;

import ai.djl.Device;
import dev.stabilis.certify.CertifiedSample;
import dev.stabilis.certify.Certifier;
import dev.stabilis.certify.CertifySettings;
import dev.stabilis.certify.CertifySettings.Splitting;
import dev.stabilis.certify.GradientBounds;
import dev.stabilis.evaluate.LabelledRows;
import dev.stabilis.model.LoadedModel;
import dev.stabilis.model.ModelLoader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * What input splitting (branch and bound, {@link Splitting}) buys and costs: for the breast-cancer MLP (30 raw
 * features, its policy's domain) and the digits ReLU MLP (64 pixels in [0, 1]), interval and linear bounds at two ε,
 * the certified top-5 count of the first rows, the mean number of leaves per sample and the time per sample, without
 * splitting, with up to 16 and 256 leaves and no time limit, and with up to 256 leaves within 20 ms (the policy default)
 * and 5 ms per sample. Each configuration certifies all rows in one {@link Certifier} call after a warm-up call on the
 * first 8 rows, all configurations one after another in one process. Prints a Markdown table.
 *
 * <p>Run: {@code bench/splitting.sh [rows]} (default 128; rows: the first of {@code tools/fixtures/data/breast_cancer.csv}
 * and of {@code tools/fixtures/data/digits.csv.gz}).
 */
public final class SplittingReport {

    private static final List<Splitting> CONFIGURATIONS = List.of(Splitting.NONE, Splitting.upTo(16), Splitting.upTo(256),
            new Splitting(256, 20), new Splitting(256, 5));

    private SplittingReport() {}

    public static void main(String[] args) throws IOException {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 128;
        float[][] all = LabelledRows.readCsv(Path.of("tools/fixtures/data/breast_cancer.csv"), true, 1).features();
        float[][] cancer = Arrays.copyOf(all, Math.min(count, all.length));
        float[][] digits = DigitsRows.read(Path.of("tools/fixtures/data/digits.csv.gz"), count);
        System.out.printf(Locale.ROOT, "Rows: the first %d of each data set; top-5 of the predicted class's logit gradient.%n%n",
                count);
        System.out.println("| model | method | ε | splitting | certified top-5 | mean leaves | ms per sample |");
        System.out.println("|---|---|---|---|---|---|---|");
        report("breast_cancer_mlp_tanh", cancer, new double[] {1e-4, 3e-4});
        report("digits_mlp_relu", digits, new double[] {0.001, 0.005});
    }

    private static void report(String name, float[][] rows, double[] epsilons) {
        Path dir = Path.of("model-runner/src/test/resources/fixtures", name);
        try (LoadedModel loaded = ModelLoader.load(name, "1", dir, Device.cpu())) {
            for (String method : new String[] {GradientBounds.INTERVAL, GradientBounds.LINEAR}) {
                try (GradientBounds bounds = loaded.gradientBounds(method, 0)) {
                    for (double eps : epsilons) {
                        for (Splitting splitting : CONFIGURATIONS) {
                            CertifySettings settings = loaded.certifySettings(eps, 5, "logit", 0.0, splitting.maxLeaves(),
                                    splitting.budgetMs(), false);
                            Certifier certifier = new Certifier(bounds, settings);
                            certifier.certify(Arrays.copyOf(rows, Math.min(8, rows.length))); // warm-up
                            long start = System.nanoTime();
                            List<CertifiedSample> samples = certifier.certify(rows);
                            double ms = (System.nanoTime() - start) / 1e6 / rows.length;
                            System.out.printf(Locale.ROOT, "| %s | %s | %g | %s | %d / %d | %.1f | %.2f |%n", name, method, eps,
                                    label(splitting), samples.stream().filter(s -> s.certificate().topk()).count(),
                                    rows.length, samples.stream().mapToInt(CertifiedSample::leaves).average().orElse(0), ms);
                        }
                    }
                }
            }
        }
    }

    private static String label(Splitting splitting) {
        if (splitting.maxLeaves() == 1) {
            return "none";
        }
        return "up to " + splitting.maxLeaves() + (Double.isInfinite(splitting.budgetMs()) ? ", no time limit"
                : String.format(Locale.ROOT, ", %.0f ms per sample", splitting.budgetMs()));
    }
}
