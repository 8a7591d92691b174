package dev.stabilis.certify;

import dev.stabilis.engine.TargetKind;
import java.util.Objects;

/**
 * How to certify.
 *
 * @param epsilon half-width of the input box, in raw feature units
 * @param k size of the top-k set
 * @param kind the differentiated score
 * @param paramGamma relative parameter radius γ (0: exact parameters)
 * @param splitting input splitting: how far each box may be bisected, and in how much time ({@link Splitting#NONE}: off)
 * @param radius whether to compute the certified radius
 * @param radiusMax the largest ε the radius search considers
 * @param radiusSteps bisection steps; the radius is found to within {@code radiusMax / 2^radiusSteps}
 * @param domainMin lower end of the input domain per feature (one value, or empty for unbounded)
 * @param domainMax upper end, like {@code domainMin}
 */
public record CertifySettings(double epsilon, int k, TargetKind kind, double paramGamma, Splitting splitting,
        boolean radius, double radiusMax, int radiusSteps, double[] domainMin, double[] domainMax) {

    public CertifySettings {
        if (!(epsilon >= 0) || Double.isInfinite(epsilon)) {
            throw new IllegalArgumentException("epsilon must be a finite number >= 0, got " + epsilon);
        }
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, got " + k);
        }
        if (!(paramGamma >= 0) || paramGamma >= 1) {
            throw new IllegalArgumentException("parameter gamma must be in [0, 1), got " + paramGamma);
        }
        Objects.requireNonNull(splitting, "splitting");
        if (radius && (!(radiusMax > 0) || radiusSteps < 1)) {
            throw new IllegalArgumentException("radius search needs radiusMax > 0 and radiusSteps >= 1");
        }
    }

    /**
     * Input splitting, a branch and bound over the box: a sample's box is bisected until its top-k set is certified, it
     * has {@code maxLeaves} sub-boxes, or the call has spent {@code budgetMs} per sample.
     *
     * @param maxLeaves the most sub-boxes one box is cut into, a power of two (1: no splitting)
     * @param budgetMs the time a call's bound passes may take per sample it certifies, in milliseconds, the unsplit pass
     *     included (&gt; 0; infinite for no limit); the unsplit pass always runs, and a round of splitting only when its
     *     expected cost fits what is left
     */
    public record Splitting(int maxLeaves, double budgetMs) {

        /** No splitting. */
        public static final Splitting NONE = new Splitting(1, Double.POSITIVE_INFINITY);

        public Splitting {
            if (maxLeaves < 1 || Integer.bitCount(maxLeaves) != 1) {
                throw new IllegalArgumentException("split leaves must be a power of two >= 1, got " + maxLeaves);
            }
            if (!(budgetMs > 0)) {
                throw new IllegalArgumentException("split budget must be > 0 ms, got " + budgetMs);
            }
        }

        /** Splitting into at most {@code maxLeaves} sub-boxes, with no time limit. */
        public static Splitting upTo(int maxLeaves) {
            return new Splitting(maxLeaves, Double.POSITIVE_INFINITY);
        }
    }
}
