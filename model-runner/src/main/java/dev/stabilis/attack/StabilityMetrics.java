package dev.stabilis.attack;

import dev.stabilis.certify.Certificates;
import org.apache.commons.math3.stat.correlation.KendallsCorrelation;
import org.apache.commons.math3.stat.correlation.SpearmansCorrelation;

/**
 * How far one attribution vector moved from another (ALGORITHMS.md §3.1). Ranking metrics compare the
 * importance ranking, so they use magnitudes |a|: the top-k intersection (ties in |a| broken to the lower
 * index, as in {@link Certificates#topK}), Kendall's τ_b (Knight's algorithm, ties counted as τ_b does) and
 * Spearman's ρ (average ranks for ties). Cosine and relative L2 use the signed values, like the certified
 * cosine lower bound and maximum deviation they are checked against. A correlation of a constant vector, or a
 * cosine with a zero vector, is undefined and is NaN.
 *
 * @param topkIntersection {@code |T_k(a) ∩ T_k(b)| / k}
 * @param kendallTau Kendall's τ_b of |a| and |b|
 * @param spearman Spearman's ρ of |a| and |b|
 * @param cosine {@code ⟨a, b⟩ / (‖a‖ ‖b‖)}
 * @param relativeL2 {@code ‖a − b‖₂ / max(‖a‖₂, 1e−12)}
 */
public record StabilityMetrics(double topkIntersection, double kendallTau, double spearman, double cosine,
        double relativeL2) {

    /** Smallest norm of the reference vector that relative L2 divides by. */
    public static final double TINY_NORM = 1e-12;

    /** The metrics between reference attribution {@code a} and {@code b}. */
    public static StabilityMetrics between(double[] a, double[] b, int k) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("attributions differ in length: " + a.length + " and " + b.length);
        }
        double[] absA = absolute(a);
        double[] absB = absolute(b);
        return new StabilityMetrics(topkIntersection(a, b, k), correlation(new KendallsCorrelation()::correlation, absA, absB),
                correlation(new SpearmansCorrelation()::correlation, absA, absB), cosine(a, b), relativeL2(a, b));
    }

    /** The metrics of each pair of rows. */
    public static StabilityMetrics[] between(double[][] a, double[][] b, int k) {
        StabilityMetrics[] out = new StabilityMetrics[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = between(a[i], b[i], k);
        }
        return out;
    }

    /** {@code |T_k(a) ∩ T_k(b)| / k} with top-k sets of magnitudes. */
    public static double topkIntersection(double[] a, double[] b, int k) {
        int[] topA = Certificates.topK(a, k);
        boolean[] inB = new boolean[b.length];
        for (int i : Certificates.topK(b, k)) {
            inB[i] = true;
        }
        int common = 0;
        for (int i : topA) {
            if (inB[i]) {
                common++;
            }
        }
        return (double) common / k;
    }

    /** {@code ‖a − b‖₂ / max(‖a‖₂, 1e−12)}. */
    public static double relativeL2(double[] a, double[] b) {
        double difference = 0;
        double norm = 0;
        for (int i = 0; i < a.length; i++) {
            difference += (a[i] - b[i]) * (a[i] - b[i]);
            norm += a[i] * a[i];
        }
        return Math.sqrt(difference) / Math.max(Math.sqrt(norm), TINY_NORM);
    }

    private static double cosine(double[] a, double[] b) {
        double dot = 0;
        double normA = 0;
        double normB = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            normA += a[i] * a[i];
            normB += b[i] * b[i];
        }
        return normA == 0 || normB == 0 ? Double.NaN : dot / Math.sqrt(normA * normB);
    }

    private interface Correlation {
        double of(double[] a, double[] b);
    }

    /** Commons Math answers NaN for a constant vector already; fewer than two values are undefined too. */
    private static double correlation(Correlation correlation, double[] a, double[] b) {
        return a.length < 2 ? Double.NaN : correlation.of(a, b);
    }

    private static double[] absolute(double[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = Math.abs(v[i]);
        }
        return out;
    }
}
