package dev.stabilis.detect;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What a (model, version, class) has learnt: each metric's values in its last closed windows that had enough
 * samples, oldest first, and the end of the last closed window (samples before it are late).
 */
record BaselineHistory(long judgedUntil, Map<BaselineMetric, List<Double>> values) {

    static BaselineHistory empty() {
        return new BaselineHistory(Long.MIN_VALUE, Map.of());
    }

    List<Double> of(BaselineMetric metric) {
        return values.getOrDefault(metric, List.of());
    }

    /** Adds a closed window's values, keeping the last {@code keep} per metric. */
    BaselineHistory append(long windowEnd, Map<BaselineMetric, Double> observed, int keep) {
        Map<BaselineMetric, List<Double>> next = new EnumMap<>(BaselineMetric.class);
        next.putAll(values);
        observed.forEach((metric, value) -> {
            List<Double> kept = new ArrayList<>(of(metric));
            kept.add(value);
            next.put(metric, List.copyOf(kept.subList(Math.max(0, kept.size() - keep), kept.size())));
        });
        return new BaselineHistory(Math.max(judgedUntil, windowEnd), next);
    }
}
