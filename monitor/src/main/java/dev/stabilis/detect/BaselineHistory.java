package dev.stabilis.detect;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What a (model, version, class) has learnt: each metric's values in its last closed windows that had enough
 * samples, oldest first, the end of the last closed window (samples before it are late), and the metrics whose
 * alert is firing, each with the start of its episode's first departing window and the end of its last.
 */
record BaselineHistory(long judgedUntil, Map<BaselineMetric, List<Double>> values, Map<BaselineMetric, Episode> firing) {

    /** A firing windowed alert: the start of its first departing window and the end of its latest. */
    record Episode(long start, long lastEnd) {}

    BaselineHistory {
        firing = firing == null ? Map.of() : firing;
    }

    static BaselineHistory empty() {
        return new BaselineHistory(Long.MIN_VALUE, Map.of(), Map.of());
    }

    List<Double> of(BaselineMetric metric) {
        return values.getOrDefault(metric, List.of());
    }

    /** Adds a closed window's values, keeping the last {@code keep} per metric, and the firing episodes after it. */
    BaselineHistory append(long windowEnd, Map<BaselineMetric, Double> observed, int keep, Map<BaselineMetric, Episode> nowFiring) {
        Map<BaselineMetric, List<Double>> next = new EnumMap<>(BaselineMetric.class);
        next.putAll(values);
        observed.forEach((metric, value) -> {
            List<Double> kept = new ArrayList<>(of(metric));
            kept.add(value);
            next.put(metric, List.copyOf(kept.subList(Math.max(0, kept.size() - keep), kept.size())));
        });
        return new BaselineHistory(Math.max(judgedUntil, windowEnd), next, Map.copyOf(nowFiring));
    }
}
