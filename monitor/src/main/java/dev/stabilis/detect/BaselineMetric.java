package dev.stabilis.detect;

/** The per-window metrics that baselines are learnt for, with the alert each raises and its adverse direction. */
enum BaselineMetric {
    CERTIFIED_FRACTION(AlertKind.CERTIFIED_FRACTION_DROP, false, false, "certified fraction"),
    MEDIAN_RADIUS(AlertKind.RADIUS_DROP, false, true, "median certified radius"),
    ATTACK_SUCCESS_RATE(AlertKind.ATTACK_SUCCESS_RISE, true, false, "attack-success rate"),
    MISMATCH_RATE(AlertKind.PREDICTION_MISMATCH_RISE, true, false, "served-vs-recomputed mismatch rate");

    private final AlertKind kind;
    private final boolean worseWhenHigher;
    private final boolean relativeScale;
    private final String label;

    BaselineMetric(AlertKind kind, boolean worseWhenHigher, boolean relativeScale, String label) {
        this.kind = kind;
        this.worseWhenHigher = worseWhenHigher;
        this.relativeScale = relativeScale;
        this.label = label;
    }

    AlertKind kind() {
        return kind;
    }

    /** Whether a rise (rather than a drop) is the adverse direction. */
    boolean worseWhenHigher() {
        return worseWhenHigher;
    }

    /** Whether the MAD floor and least change are relative to the baseline (the radius has a model's own scale). */
    boolean relativeScale() {
        return relativeScale;
    }

    String label() {
        return label;
    }

    /** The metric's name in gauges: {@code certified_fraction}, ... */
    String metricName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
