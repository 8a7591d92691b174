package dev.stabilis.certify;

import dev.stabilis.engine.TargetKind;

/**
 * How to certify.
 *
 * @param epsilon half-width of the input box, in raw feature units
 * @param k size of the top-k set
 * @param kind the differentiated score
 * @param paramGamma relative parameter radius γ (0: exact parameters)
 * @param splitLeaves input splitting: the box is bisected into this many sub-boxes (a power of two; 1: off)
 * @param radius whether to compute the certified radius
 * @param radiusMax the largest ε the radius search considers
 * @param radiusSteps bisection steps; the radius is found to within {@code radiusMax / 2^radiusSteps}
 * @param domainMin lower end of the input domain per feature (one value, or empty for unbounded)
 * @param domainMax upper end, like {@code domainMin}
 */
public record CertifySettings(double epsilon, int k, TargetKind kind, double paramGamma, int splitLeaves,
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
        if (splitLeaves < 1 || Integer.bitCount(splitLeaves) != 1) {
            throw new IllegalArgumentException("split leaves must be a power of two >= 1, got " + splitLeaves);
        }
        if (radius && (!(radiusMax > 0) || radiusSteps < 1)) {
            throw new IllegalArgumentException("radius search needs radiusMax > 0 and radiusSteps >= 1");
        }
    }
}
