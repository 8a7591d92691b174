package dev.stabilis.detect;

/**
 * Told of every window judged for attribution drift, for the drift-score gauges, and of the classes whose windows
 * this process no longer judges (their task moved to another instance or closed), so that their gauges end instead of
 * showing a stale score. Runs on the stream threads, possibly several at once: it must be thread-safe, quick, and
 * must not throw.
 */
@FunctionalInterface
public interface DriftListener {

    DriftListener NONE = score -> { };

    void onJudged(DriftScore score);

    /** The (model, version, class) is judged elsewhere from now on. */
    default void onReleased(String model, String version, int predictedClass) {
    }

    /**
     * A judged window's scores against its baseline.
     *
     * @param kendallTau null when undefined
     */
    record DriftScore(String model, String version, int predictedClass, long windowEnd, double ndcg, Double kendallTau) {}
}
