package dev.stabilis.detect;

import java.util.Map;
import java.util.TreeMap;

/**
 * What a (model, version, class) has learnt about its explanations: the mean |attribution| per feature of its past
 * windows, a fixed-size vector. Over the first N windows it is their plain mean; after that each new window weighs
 * 1/N (an exponentially weighted mean with a memory of about N windows), so a lasting change becomes the new
 * baseline. Also the end of the last closed window (samples before it are late), the firing drift episode, if any,
 * and the feature names seen.
 *
 * @param windows how many windows it has learnt from
 * @param firing the firing ATTRIBUTION_DRIFT episode, or null
 */
record AttributionBaseline(long judgedUntil, int windows, String method, double[] mean, BaselineHistory.Episode firing,
        Map<Integer, String> names) {

    static AttributionBaseline empty() {
        return new AttributionBaseline(Long.MIN_VALUE, 0, null, null, null, Map.of());
    }

    /** Whether a window can be compared with this baseline: same method and features, and learnt from enough windows. */
    boolean judges(AttributionWindow window, int warmupWindows) {
        return windows >= warmupWindows && comparable(window);
    }

    private boolean comparable(AttributionWindow window) {
        return mean != null && window.method().equals(method) && window.sums().length == mean.length;
    }

    /**
     * Learns a closed window (with at most {@code memory} windows' weight on the past); a window of another method or
     * length starts the baseline over.
     */
    AttributionBaseline learn(AttributionWindow window, double[] windowMean, int memory, BaselineHistory.Episode nowFiring) {
        Map<Integer, String> known = new TreeMap<>(names);
        window.names().forEach(known::putIfAbsent);
        long until = Math.max(judgedUntil, window.end());
        if (!comparable(window)) {
            return new AttributionBaseline(until, 1, window.method(), windowMean.clone(), null, known);
        }
        int learnt = windows + 1;
        double weight = 1.0 / Math.min(learnt, memory);
        double[] next = mean.clone();
        for (int i = 0; i < next.length; i++) {
            next[i] += (windowMean[i] - next[i]) * weight;
        }
        return new AttributionBaseline(until, learnt, method, next, nowFiring, known);
    }

    /** A window that was too small to learn from still moves the judged-until mark. */
    AttributionBaseline skipped(long windowEnd) {
        return new AttributionBaseline(Math.max(judgedUntil, windowEnd), windows, method, mean, firing, names);
    }

    String name(int feature, Map<Integer, String> windowNames) {
        String name = windowNames.get(feature);
        return name != null ? name : names.getOrDefault(feature, Integer.toString(feature));
    }
}
