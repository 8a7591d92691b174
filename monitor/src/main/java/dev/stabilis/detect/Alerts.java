package dev.stabilis.detect;

import dev.stabilis.contract.Alert;
import dev.stabilis.contract.Explanation;
import dev.stabilis.contract.Rfc3339;
import dev.stabilis.contract.TopFeature;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Builds the detect topology's {@link Alert} records: one factory per way an alert arises. */
final class Alerts {

    private Alerts() {}

    /**
     * An alert about one sample; it fires at the sample's event time.
     *
     * @param observedMetric what {@code observed} measures, or null with no observation
     */
    static Alert forSample(AlertKind kind, Explanation e, String observedMetric, Double observed, Double threshold,
            String description) {
        ClassKey key = ClassKey.of(e);
        String id = AlertIds.of(kind, key, e.sampleId());
        return new Alert(id, id, kind.name(), Alert.FIRING, severity(kind), e.model(), e.version(), e.predicted(),
                e.predictedLabel(), Rfc3339.of(e.eventTime()), null, null,
                summary(kind, e.model(), e.version(), e.predictedLabel(), "sample " + e.sampleId()), description,
                observedMetric, observed, null, threshold, e.certificateEpsilon(), e.certificateMethod(), e.requestId(),
                List.of(e.sampleId()), 1, e.topFeatures() == null ? List.of() : e.topFeatures(), null, null);
    }

    /** One alert standing for held-back repeats of a per-sample alert: {@code first} is the first of them. */
    static Alert merged(Alert first, List<String> evidence, long from, long to) {
        String description = String.format(Locale.ROOT, "%d more %s samples of model %s version %s class %d within the "
                + "suppression window", evidence.size(), first.kind(), first.model(), first.version(), first.predictedClass());
        String id = AlertIds.of(AlertKind.valueOf(first.kind()), ClassKey.of(first), "merged:" + evidence.get(0));
        return new Alert(id, id, first.kind(), Alert.FIRING, first.severity(), first.model(), first.version(),
                first.predictedClass(), first.classLabel(), Rfc3339.of(from), null, Alert.Window.ofMillis(from, to + 1),
                summary(AlertKind.valueOf(first.kind()), first.model(), first.version(), first.classLabel(), evidence.size() + " samples"),
                description, null, null, null, null, first.epsilon(), first.certificateMethod(), null, List.copyOf(evidence),
                evidence.size(), first.topFeatures(), null, null);
    }

    /**
     * A windowed alert: firing when the window departs from its baseline, resolved when a later judged window no longer
     * does.
     *
     * @param episodeStart the start of the episode's first departing window (its {@code startsAt} and fingerprint)
     * @param endsAt for a resolved alert, the end of the last departing window; null while firing
     */
    static Alert windowed(BaselineMetric metric, WindowTally tally, WindowTally.Measurement measurement, RobustBaseline baseline,
            double threshold, long episodeStart, Long endsAt) {
        ClassKey key = tally.classKey();
        AlertKind kind = metric.kind();
        boolean resolved = endsAt != null;
        String description = String.format(Locale.ROOT, "%s %.4g over %d samples is %s the threshold %.4g "
                        + "(baseline %.4g: the median of %d windows, MAD %.3g)",
                metric.label(), measurement.value(), measurement.samples(),
                resolved ? (metric.worseWhenHigher() ? "at or below" : "at or above") : (metric.worseWhenHigher() ? "above" : "below"),
                threshold, baseline.median(), baseline.windows(), baseline.mad());
        if (resolved) {
            description = "recovered: " + description;
        }
        String fingerprint = AlertIds.of(kind, key, episodeStart);
        String id = resolved ? AlertIds.of(kind, key, "resolved:" + episodeStart) : fingerprint;
        return new Alert(id, fingerprint, kind.name(), resolved ? Alert.RESOLVED : Alert.FIRING, severity(kind), key.model(),
                key.version(), key.predictedClass(), tally.classLabel(), Rfc3339.of(episodeStart),
                resolved ? Rfc3339.of(endsAt) : null, Alert.Window.ofMillis(tally.start(), tally.end()),
                (resolved ? "Resolved: " : "") + summary(kind, key.model(), key.version(), tally.classLabel(), metric.label() + " "
                        + String.format(Locale.ROOT, "%.3g", measurement.value())),
                description, metric.name().toLowerCase(Locale.ROOT), measurement.value(), baseline.median(), threshold,
                tally.epsilon(), tally.certificateMethod(), null, List.of(), measurement.samples(), List.of(), null, null);
    }

    /**
     * An attribution-drift alert: firing when the window's feature ranking departs from its baseline's, resolved when a
     * later judged window no longer does. Its top features are the window's, by mean |attribution|.
     *
     * @param windowMean the window's mean |attribution| per feature
     * @param episodeStart the start of the episode's first drifting window (its {@code startsAt} and fingerprint)
     * @param endsAt for a resolved alert, the end of the last drifting window; null while firing
     */
    static Alert attributionDrift(AttributionWindow window, double[] windowMean, AttributionBaseline baseline, RankingDrift ranking,
            DriftConfig drift, long episodeStart, Long endsAt) {
        ClassKey key = window.classKey();
        AlertKind kind = AlertKind.ATTRIBUTION_DRIFT;
        boolean resolved = endsAt != null;
        List<TopFeature> top = new ArrayList<>();
        for (int f : ranking.windowTop()) {
            top.add(new TopFeature(f, baseline.name(f, window.names()), windowMean[f]));
        }
        List<String> moved = ranking.moved().stream().limit(5)
                .map(m -> String.format(Locale.ROOT, "%s (rank %d -> %d)", m.name(), m.baselineRank(), m.rank())).toList();
        String description = String.format(Locale.ROOT, "the ranking of features by mean |%s| over %d samples has nDCG@%d %.3f "
                        + "(threshold %.3g) and Kendall tau %s (threshold %.3g) against the baseline of %d windows; moved: %s",
                window.method(), window.count(), ranking.windowTop().length, ranking.ndcg(), drift.ndcgThreshold(),
                ranking.kendallTau() == null ? "undefined" : String.format(Locale.ROOT, "%.3f", ranking.kendallTau()),
                drift.kendallThreshold(), baseline.windows(), moved.isEmpty() ? "none" : String.join(", ", moved));
        String fingerprint = AlertIds.of(kind, key, episodeStart);
        String id = resolved ? AlertIds.of(kind, key, "resolved:" + episodeStart) : fingerprint;
        return new Alert(id, fingerprint, kind.name(), resolved ? Alert.RESOLVED : Alert.FIRING, severity(kind), key.model(),
                key.version(), key.predictedClass(), window.classLabel(), Rfc3339.of(episodeStart), resolved ? Rfc3339.of(endsAt) : null,
                Alert.Window.ofMillis(window.start(), window.end()),
                (resolved ? "Resolved: " : "") + summary(kind, key.model(), key.version(), window.classLabel(),
                        String.format(Locale.ROOT, "nDCG@%d %.3f", ranking.windowTop().length, ranking.ndcg())),
                resolved ? "recovered: " + description : description, "attribution_ndcg", ranking.ndcg(), null,
                drift.ndcgThreshold(), null, null, null, List.of(), window.count(), top, null, null,
                new Alert.AttributionDrift(window.method(), ranking.windowTop().length, ranking.ndcg(), ranking.kendallTau(),
                        drift.ndcgThreshold(), drift.kendallThreshold(), baseline.windows(), ranking.moved()));
    }

    /**
     * A model's silence: no sample for {@code quietMs} of wall-clock time, at least {@code silenceWindows} windows of
     * {@code windowMs}. It fires only: the next sample ends the silence, and a later silence is a new alert. Its class
     * is -1 (the whole model); its id derives from the last sample's event time, so a replay yields the same id.
     *
     * @param lastEventTime the largest event time seen for the model when its samples stopped
     */
    static Alert silent(String model, String version, long lastEventTime, long quietMs, int silenceWindows, long windowMs) {
        ClassKey key = new ClassKey(model, version, -1);
        String id = AlertIds.of(AlertKind.MODEL_SILENT, key, lastEventTime);
        double threshold = silenceWindows * windowMs / 1000.0;
        String description = String.format(Locale.ROOT, "no sample of model %s for %.0f s (%d windows of %.0f s); the last one's "
                + "event time was %s", model, quietMs / 1000.0, silenceWindows, windowMs / 1000.0, Rfc3339.of(lastEventTime));
        return new Alert(id, id, AlertKind.MODEL_SILENT.name(), Alert.FIRING, severity(AlertKind.MODEL_SILENT), model, version, -1,
                null, Rfc3339.of(lastEventTime), null, Alert.Window.ofMillis(lastEventTime, lastEventTime + quietMs),
                "Model silent: model " + model + " version " + version + " received no sample for "
                        + String.format(Locale.ROOT, "%.0f s", quietMs / 1000.0),
                description, "silence_seconds", quietMs / 1000.0, null, threshold, null, null, null, List.of(), 0, List.of(), null, null);
    }

    /** The CloudEvent type of an alert kind: {@code dev.stabilis.alert.<kind in lower case>}. */
    static String eventType(String kind) {
        return "dev.stabilis.alert." + kind.toLowerCase(Locale.ROOT);
    }

    private static String severity(AlertKind kind) {
        return kind.severity().name().toLowerCase(Locale.ROOT);
    }

    private static String summary(AlertKind kind, String model, String version, String classLabel, String what) {
        String words = kind.name().toLowerCase(Locale.ROOT).replace('_', ' ');
        return Character.toUpperCase(words.charAt(0)) + words.substring(1) + " on model " + model + " version " + version
                + " class " + classLabel + ": " + what;
    }
}
