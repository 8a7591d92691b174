package dev.stabilis.smoothing;

import dev.stabilis.certify.Certificates;
import java.util.Arrays;

/**
 * What one sample's noisy gradients add up to: the sum of the clipped saliencies ĝ = g · min(1, M/‖g‖), or
 * ĝ = g/‖g‖ for {@link SmoothingSettings#UNIT_NORM} (a zero gradient stays zero either way), and, per feature, how
 * many draws had it in the top k of |g| (ties to the lower index, as {@link Certificates#topK}). Clipping scales a
 * gradient as a whole, so it does not change the top k.
 */
final class SampleStatistics {

    private final double clipNorm;
    private final int k;
    private final double[] clippedSum;
    private final int[] topkCounts;
    private int draws;

    SampleStatistics(int features, int k, double clipNorm) {
        this.clipNorm = clipNorm;
        this.k = k;
        this.clippedSum = new double[features];
        this.topkCounts = new int[features];
    }

    /** Adds the gradient at one noisy copy: {@code gradients[offset]} onward. */
    void add(double[] gradients, int offset) {
        double[] g = Arrays.copyOfRange(gradients, offset, offset + clippedSum.length);
        double factor = clipFactor(g, 0, g.length, clipNorm);
        for (int i = 0; i < g.length; i++) {
            clippedSum[i] += factor * g[i];
        }
        for (int i : Certificates.topK(g, k)) {
            topkCounts[i]++;
        }
        draws++;
    }

    /**
     * The scale of the gradient {@code gradients[offset, offset + length)} that clips it to norm M, min(1, M/‖g‖), or
     * 1/‖g‖ for {@link SmoothingSettings#UNIT_NORM} (1 for a zero gradient).
     */
    static double clipFactor(double[] gradients, int offset, int length, double clipNorm) {
        double norm = 0;
        for (int i = offset; i < offset + length; i++) {
            norm += gradients[i] * gradients[i];
        }
        norm = Math.sqrt(norm);
        if (clipNorm == SmoothingSettings.UNIT_NORM) {
            return norm > 0 ? 1 / norm : 1;
        }
        return norm > clipNorm ? clipNorm / norm : 1;
    }

    int draws() {
        return draws;
    }

    /** ĥ: the mean clipped saliency. */
    double[] meanClipped() {
        double[] mean = clippedSum.clone();
        for (int i = 0; i < mean.length; i++) {
            mean[i] /= draws;
        }
        return mean;
    }

    /** Per feature, the number of draws with it in the top k. */
    int[] topkCounts() {
        return topkCounts.clone();
    }
}
