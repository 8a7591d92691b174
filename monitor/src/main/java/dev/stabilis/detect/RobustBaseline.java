package dev.stabilis.detect;

import java.util.List;

/**
 * A metric's baseline: the median and the median absolute deviation (MAD) of its values in past windows, and
 * the threshold a new window must cross to depart from it.
 *
 * <p>With the robust z-score {@code z = (s − median) / (1.4826·max(MAD, floor))}, a window departs when it lies
 * beyond {@code z} standard deviations in the metric's adverse direction <em>and</em> by at least the least change:
 * the threshold is {@code median ∓ max(zThreshold·1.4826·max(MAD, floor), leastChange)}. For rates the floor and
 * least change are absolute ({@link DetectConfig#madFloor()}, {@link DetectConfig#minChange()}); for the radius,
 * whose scale is the model's own, both are fractions of the median ({@link DetectConfig#madFloor()},
 * {@link DetectConfig#radiusMinRelativeChange()}). The floor keeps a perfectly steady history (MAD 0) from
 * alerting on the first wobble.
 */
record RobustBaseline(double median, double mad, int windows) {

    /** Scales a MAD to the standard deviation of a normal distribution. */
    static final double MAD_TO_SIGMA = 1.4826;

    static RobustBaseline of(List<Double> values) {
        double median = median(values);
        double mad = median(values.stream().map(v -> Math.abs(v - median)).toList());
        return new RobustBaseline(median, mad, values.size());
    }

    /** The value a window must cross, in the metric's adverse direction, to depart. */
    double threshold(BaselineMetric metric, DetectConfig config) {
        double scale = metric.relativeScale() ? median : 1;
        double sigma = MAD_TO_SIGMA * Math.max(mad, config.madFloor() * scale);
        double leastChange = metric.relativeScale() ? config.radiusMinRelativeChange() * median : config.minChange();
        double margin = Math.max(config.zThreshold() * sigma, leastChange);
        return metric.worseWhenHigher() ? median + margin : median - margin;
    }

    static boolean departs(BaselineMetric metric, double observed, double threshold) {
        return metric.worseWhenHigher() ? observed > threshold : observed < threshold;
    }

    private static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
