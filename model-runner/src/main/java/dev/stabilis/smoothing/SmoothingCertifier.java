package dev.stabilis.smoothing;

import dev.stabilis.engine.DifferentiableModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Smoothing certificates for any {@link DifferentiableModel} (a layer graph or a TorchScript module): for each
 * sample, n noisy copies x + η are drawn, their input gradients computed on the model's device in batched passes of
 * at most the settings' row budget (all copies of all samples in one pass when it is at least rows × n), and the mean clipped
 * saliency and the top-k counts turned into a {@link SmoothedCertificate}: the cosine bound of {@link CosineBound}
 * (with α/2) and the top-k membership of {@link TopkMembership} (with α/2), so that all claims hold together with
 * probability at least 1 − α.
 *
 * <p>Each sample draws its noise from its own stream, seeded by the settings' seed mixed with the sample's values,
 * so a sample's draws do not depend on its batch companions or on the row budget. A noisy point is computed in
 * float64 and rounded to float32 before the model sees it; rounding is a fixed map of x + η, so it belongs to the
 * base function and the guarantees are unaffected. float32 gradients may differ in their last bits between pass
 * shapes, which can flip a top-k membership only at an exact tie of magnitudes.
 */
public final class SmoothingCertifier {

    /** The certification method's name in policies and records. */
    public static final String METHOD = "smoothing";

    private SmoothingCertifier() {}

    /**
     * Certificates for every sample.
     *
     * @param model the model to certify; the caller keeps ownership
     * @param rows samples, each of the model's input size (flattened)
     * @param targets the class to explain per sample, or null for the predicted class
     * @param settings noise, draws, confidence, radius ε and clip norm
     * @return one certificate per sample, in order
     * @throws IllegalArgumentException for a row of another size or with a non-finite value, a target outside the
     *     model's classes, or k above the input size
     */
    public static List<SmoothedCertificate> certify(DifferentiableModel model, float[][] rows, int[] targets, SmoothingSettings settings) {
        NoisyPasses passes = new NoisyPasses(model, settings.kind(), settings.rowBudget());
        int d = passes.features();
        check(model, rows, targets, settings, d);
        long[] classes = targets != null ? Arrays.stream(targets).asLongStream().toArray() : passes.predict(rows);
        Noise noise = settings.noise().create(settings.scale(), d);
        int n = settings.samples();
        SampleStatistics[] statistics = new SampleStatistics[rows.length];
        SplittableRandom[] streams = new SplittableRandom[rows.length];
        for (int r = 0; r < rows.length; r++) {
            statistics[r] = new SampleStatistics(d, settings.k(), settings.clipNorm());
            streams[r] = new SplittableRandom(settings.seed() ^ Arrays.hashCode(rows[r]));
        }
        double[] eta = new double[d];
        passes.run(rows.length * n, (index, buffer, offset) -> {
            int r = index / n;
            noise.sample(streams[r], eta);
            for (int i = 0; i < d; i++) {
                buffer[offset + i] = (float) (rows[r][i] + eta[i]);
            }
            return classes[r];
        }, (index, gradients, offset) -> statistics[index / n].add(gradients, offset));
        List<SmoothedCertificate> out = new ArrayList<>(rows.length);
        for (int r = 0; r < rows.length; r++) {
            out.add(certificate(statistics[r], (int) classes[r], noise, settings));
        }
        return out;
    }

    private static SmoothedCertificate certificate(SampleStatistics statistics, int target, Noise noise, SmoothingSettings settings) {
        double half = settings.alpha() / 2;
        double m = settings.normBound();
        double[] mean = statistics.meanClipped();
        double normLower = Math.max(0, norm(mean) - CosineBound.estimationError(m, statistics.draws(), half));
        double cosine = CosineBound.lower(normLower, CosineBound.deviation(m, noise, settings.epsilon()));
        TopkMembership membership = new TopkMembership(statistics.topkCounts(), statistics.draws(), settings.k(), half, noise);
        return new SmoothedCertificate(settings.noise(), settings.scale(), settings.samples(), settings.alpha(),
                settings.epsilon(), target, settings.k(), settings.clipNorm(), mean, normLower, cosine, membership.frequency(),
                membership.certifiedIn(settings.epsilon()), membership.certifiedOut(settings.epsilon()), membership.setRadius());
    }

    private static void check(DifferentiableModel model, float[][] rows, int[] targets, SmoothingSettings settings, int d) {
        if (settings.k() > d) {
            throw new IllegalArgumentException("smoothing k = " + settings.k() + " exceeds the model's " + d + " input features");
        }
        if (targets != null && targets.length != rows.length) {
            throw new IllegalArgumentException(targets.length + " targets for " + rows.length + " samples");
        }
        for (int r = 0; r < rows.length; r++) {
            if (rows[r].length != d) {
                throw new IllegalArgumentException("sample " + r + " has " + rows[r].length + " features, the model expects " + d);
            }
            for (float v : rows[r]) {
                if (!Float.isFinite(v)) {
                    throw new IllegalArgumentException("sample " + r + " has a non-finite value " + v);
                }
            }
            if (targets != null && (targets[r] < 0 || targets[r] >= model.classes())) {
                throw new IllegalArgumentException("target " + targets[r] + " of sample " + r + " is not one of the model's "
                        + model.classes() + " classes");
            }
        }
    }

    private static double norm(double[] v) {
        double sum = 0;
        for (double x : v) {
            sum += x * x;
        }
        return Math.sqrt(sum);
    }
}
