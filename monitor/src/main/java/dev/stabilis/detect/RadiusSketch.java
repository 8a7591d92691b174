package dev.stabilis.detect;

import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The certified radii of a window in bounded space, enough for their median to within 1% relative error:
 * logarithmically spaced buckets (as in DDSketch) plus a count of zero radii.
 *
 * @param zeros radii that are zero (not certified at any ε searched)
 * @param buckets count per bucket index i, the bucket holding radii in (γ^(i-1), γ^i]
 */
record RadiusSketch(long zeros, SortedMap<Integer, Long> buckets) {

    private static final double RELATIVE_ACCURACY = 0.01;
    private static final double GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY);
    private static final double LOG_GAMMA = Math.log(GAMMA);

    static RadiusSketch empty() {
        return new RadiusSketch(0, new TreeMap<>());
    }

    RadiusSketch add(double radius) {
        if (radius <= 0) {
            return new RadiusSketch(zeros + 1, buckets);
        }
        SortedMap<Integer, Long> counts = new TreeMap<>(buckets);
        counts.merge((int) Math.ceil(Math.log(radius) / LOG_GAMMA), 1L, Long::sum);
        return new RadiusSketch(zeros, counts);
    }

    long count() {
        return zeros + buckets.values().stream().mapToLong(Long::longValue).sum();
    }

    /** The lower median; requires at least one radius. */
    double median() {
        long rank = (count() - 1) / 2;
        long seen = zeros;
        if (rank < seen) {
            return 0;
        }
        for (Map.Entry<Integer, Long> bucket : buckets.entrySet()) {
            seen += bucket.getValue();
            if (rank < seen) {
                return 2 * Math.pow(GAMMA, bucket.getKey()) / (GAMMA + 1);
            }
        }
        throw new IllegalStateException("median of an empty sketch");
    }
}
