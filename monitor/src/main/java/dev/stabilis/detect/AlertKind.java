package dev.stabilis.detect;

/** What an alert is about, with its severity and whether repeats are merged by suppression. */
public enum AlertKind {
    /** The top-k set is not certified and an attack changed it, or the certified overlap is below the minimum. */
    SAMPLE_UNSTABLE(Severity.WARNING, true),
    /** The served class differs from the recomputed prediction. */
    PREDICTION_MISMATCH(Severity.WARNING, true),
    /** An attack beat the certificate: a bug in the runner. Fails closed and is never suppressed. */
    CERTIFICATE_VIOLATION(Severity.CRITICAL, false),
    /** A window's certified fraction fell below its baseline. */
    CERTIFIED_FRACTION_DROP(Severity.WARNING, false),
    /** A window's median certified radius fell below its baseline. */
    RADIUS_DROP(Severity.WARNING, false),
    /** A window's attack-success rate rose above its baseline. */
    ATTACK_SUCCESS_RISE(Severity.WARNING, false),
    /** A window's served-versus-recomputed mismatch rate rose above its baseline. */
    PREDICTION_MISMATCH_RISE(Severity.WARNING, false),
    /** A window's ranking of features by mean |attribution| departed from its baseline's (nDCG@k or Kendall's τ). */
    ATTRIBUTION_DRIFT(Severity.WARNING, false),
    /** A model received no sample for the configured number of windows; once per silence. */
    MODEL_SILENT(Severity.WARNING, false);

    private final Severity severity;
    private final boolean suppressible;

    AlertKind(Severity severity, boolean suppressible) {
        this.severity = severity;
        this.suppressible = suppressible;
    }

    public Severity severity() {
        return severity;
    }

    /**
     * Whether repeats within the suppression window are merged. Windowed kinds are not: each closed window is its
     * own cause and they come at most once per window and class already.
     */
    public boolean suppressible() {
        return suppressible;
    }
}
