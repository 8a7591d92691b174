package dev.stabilis.detect;

import dev.stabilis.contract.Explanation;

/**
 * The counts of one tumbling window of one (model, version, class), from which each {@link BaselineMetric} is
 * measured when the window closes. A metric's denominator is the samples that carry it: samples with a
 * certificate for the certified fraction, with a radius for the median radius, with attack results for the
 * attack-success rate, and with a joined response for the mismatch rate. A sample whose certificate an attack
 * beat counts as not certified. The ε and certificate method are the last sample's, for the alerts that cite them.
 */
record WindowTally(String model, String version, int predictedClass, String classLabel, long start, long end,
                   long certifiable, long certified, RadiusSketch radii,
                   long attacked, long attackSucceeded, long joined, long mismatched,
                   Double epsilon, String certificateMethod) {

    /** A metric's value in the window and the number of samples it is measured on. */
    record Measurement(double value, long samples) {
    }

    static WindowTally open(ClassKey key, String classLabel, long start, long end) {
        return new WindowTally(key.model(), key.version(), key.predictedClass(), classLabel, start, end,
                0, 0, RadiusSketch.empty(), 0, 0, 0, 0, null, null);
    }

    WindowTally add(Explanation e) {
        return new WindowTally(model, version, predictedClass, classLabel, start, end,
                certifiable + (e.certificate() != null ? 1 : 0),
                certified + (e.topkCertified() ? 1 : 0),
                e.radius() == null || !Double.isFinite(e.radius()) ? radii : radii.add(e.radius()),
                attacked + (e.empirical() != null ? 1 : 0),
                attackSucceeded + (e.attackSucceeded() ? 1 : 0),
                joined + (e.mismatch() != null ? 1 : 0),
                mismatched + (e.mismatched() ? 1 : 0),
                e.certificateEpsilon() == null ? epsilon : e.certificateEpsilon(),
                e.certificateMethod() == null ? certificateMethod : e.certificateMethod());
    }

    ClassKey classKey() {
        return new ClassKey(model, version, predictedClass);
    }

    /** The metric's measurement, or null when no sample in the window carries it. */
    Measurement measure(BaselineMetric metric) {
        return switch (metric) {
            case CERTIFIED_FRACTION -> fraction(certified, certifiable);
            case MEDIAN_RADIUS -> radii.count() == 0 ? null : new Measurement(radii.median(), radii.count());
            case ATTACK_SUCCESS_RATE -> fraction(attackSucceeded, attacked);
            case MISMATCH_RATE -> fraction(mismatched, joined);
        };
    }

    private static Measurement fraction(long part, long whole) {
        return whole == 0 ? null : new Measurement((double) part / whole, whole);
    }
}
