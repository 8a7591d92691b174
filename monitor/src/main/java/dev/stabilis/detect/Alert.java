package dev.stabilis.detect;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * One record of {@code stabilis.alerts}.
 *
 * @param alertId deterministic from the cause: kind, model, version, class and the sample id (per-sample alerts),
 *     the first merged sample id (merged alerts) or the window start (windowed alerts)
 * @param window the window of a windowed alert, the event-time span of a merged alert's samples; null for a
 *     single sample
 * @param observed the window's value, a sample's certified top-k overlap or its attack's top-k intersection
 * @param baseline the learnt baseline of a windowed alert
 * @param threshold the value the observation crossed
 * @param requestId the request of a single-sample alert
 * @param evidence the ids ({@code requestId#index}) of the samples this alert stands for; empty for windowed alerts
 * @param count the size of {@code evidence}, or the number of samples in the window of a windowed alert
 * @param eventTime the event time of a single-sample alert's sample
 * @param emittedAt wall-clock time at which the alert was emitted
 */
@JsonPropertyOrder({"alertId", "kind", "severity", "model", "version", "class", "classLabel", "window", "observed",
        "baseline", "threshold", "requestId", "evidence", "count", "topFeatures", "detail", "eventTime", "emittedAt"})
public record Alert(
        String alertId, AlertKind kind, String model, String version,
        @JsonProperty("class") int predictedClass, String classLabel, Window window,
        Double observed, Double baseline, Double threshold,
        String requestId, List<String> evidence, long count, List<TopFeature> topFeatures,
        String detail, Long eventTime, long emittedAt) {

    /** An event-time interval, start inclusive and end exclusive, in epoch milliseconds. */
    public record Window(long start, long end) {
    }

    /** An alert about one sample. */
    static Alert forSample(AlertKind kind, Explanation e, Double observed, Double threshold, String detail) {
        return new Alert(AlertIds.of(kind, e.classKey(), e.sampleId()), kind, e.model(), e.version(),
                e.predicted(), e.predictedLabel(), null, observed, null, threshold, e.requestId(),
                List.of(e.sampleId()), 1, e.topFeatures() == null ? List.of() : e.topFeatures(), detail,
                e.eventTime(), 0);
    }

    @JsonProperty("severity")
    public Severity severity() {
        return kind.severity();
    }

    ClassKey classKey() {
        return new ClassKey(model, version, predictedClass);
    }

    Alert withEmittedAt(long emittedAt) {
        return new Alert(alertId, kind, model, version, predictedClass, classLabel, window, observed, baseline,
                threshold, requestId, evidence, count, topFeatures, detail, eventTime, emittedAt);
    }
}
