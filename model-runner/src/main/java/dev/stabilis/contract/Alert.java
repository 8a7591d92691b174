package dev.stabilis.contract;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * One record of {@code stabilis.alerts} (key = model), written by the detect topology as the data of a binary-mode
 * CloudEvent (headers {@code ce_type = dev.stabilis.alert.<kind in lower case>}, {@code ce_id = alertId}, ...).
 * Schema: {@code schemas/alert.schema.json}. Modelled on Alertmanager's webhook alerts: a {@code status}, RFC 3339
 * {@code startsAt}/{@code endsAt}, a {@code summary} and {@code description}, a link to a dashboard.
 *
 * @param alertId deterministic from the cause (kind, model, version, class and the sample, merged samples or window,
 *     and the status), so a replay yields the same ids and subscribers can deduplicate
 * @param fingerprint the same for every record of one episode: a windowed alert's firing and resolved records share
 *     it (Alertmanager's fingerprint)
 * @param kind {@code SAMPLE_UNSTABLE}, {@code PREDICTION_MISMATCH}, {@code CERTIFICATE_VIOLATION},
 *     {@code CERTIFIED_FRACTION_DROP}, {@code RADIUS_DROP}, {@code ATTACK_SUCCESS_RISE}, {@code PREDICTION_MISMATCH_RISE},
 *     {@code ATTRIBUTION_DRIFT}, {@code MODEL_SILENT}, ...
 * @param status {@value #FIRING}, or {@value #RESOLVED} once a windowed alert's window no longer departs from its
 *     baseline; per-sample alerts and {@code MODEL_SILENT} only fire
 * @param severity {@code warning} or {@code critical}
 * @param startsAt when the cause began: the sample's event time, or the start of the first departing window
 * @param endsAt when a resolved alert's cause ended (the end of the last departing window); null while firing
 * @param window the judged window of a windowed alert, the event-time span of a merged alert; null for one sample
 * @param summary one line for a pager
 * @param description what was measured against what
 * @param observedMetric what {@code observed} measures: {@code certified_fraction}, {@code median_radius},
 *     {@code attack_success_rate}, {@code mismatch_rate}, {@code topk_intersection}, {@code topk_overlap} or
 *     {@code attribution_ndcg} or {@code silence_seconds} (a silent model's seconds without samples); null
 *     when there is no observation
 * @param epsilon the ε of the certificates the alert cites (the box half-width)
 * @param certificateMethod the method of those certificates ({@code interval}, ...); null when the samples had none
 * @param evidence the ids ({@code requestId#index}) of the samples this alert stands for; empty for windowed alerts
 * @param count the size of {@code evidence}, or the number of samples in the window of a windowed alert
 * @param dashboardUrl the model's Grafana dashboard at the alert's time, or null when no dashboard URL is configured
 * @param emittedAt wall-clock time at which the alert was emitted
 * @param attributionDrift how the window's feature-importance ranking compares with its baseline's, for
 *     {@code ATTRIBUTION_DRIFT}; null for every other kind
 */
public record Alert(
        String alertId, String fingerprint, String kind, String status, String severity,
        String model, String version, @JsonProperty("class") int predictedClass, String classLabel,
        String startsAt, String endsAt, Window window, String summary, String description,
        String observedMetric, Double observed, Double baseline, Double threshold,
        Double epsilon, String certificateMethod,
        String requestId, List<String> evidence, long count, List<TopFeature> topFeatures,
        String dashboardUrl, String emittedAt, AttributionDrift attributionDrift) {

    public static final String FIRING = "firing";
    public static final String RESOLVED = "resolved";

    /** An alert of a kind that carries no attribution drift (every kind but {@code ATTRIBUTION_DRIFT}). */
    public Alert(String alertId, String fingerprint, String kind, String status, String severity, String model, String version,
            int predictedClass, String classLabel, String startsAt, String endsAt, Window window, String summary, String description,
            String observedMetric, Double observed, Double baseline, Double threshold, Double epsilon, String certificateMethod,
            String requestId, List<String> evidence, long count, List<TopFeature> topFeatures, String dashboardUrl, String emittedAt) {
        this(alertId, fingerprint, kind, status, severity, model, version, predictedClass, classLabel, startsAt, endsAt, window, summary,
                description, observedMetric, observed, baseline, threshold, epsilon, certificateMethod, requestId, evidence, count,
                topFeatures, dashboardUrl, emittedAt, null);
    }

    /**
     * How a window's ranking of features by mean |attribution| compares with its baseline's (the exponentially
     * weighted mean of the earlier windows' mean |attribution| vectors).
     *
     * @param method the attribution method whose vectors were averaged ({@code saliency}, {@code ig}, ...)
     * @param k the length of the compared top-k rankings
     * @param ndcg nDCG@k of the window's ranking, with the baseline's mean |attribution| as each feature's relevance
     * @param kendallTau Kendall's τ_b of the baseline's and the window's mean |attribution| over the union of both top-k
     *     sets; null when undefined (fewer than two distinct values)
     * @param ndcgThreshold the window drifts when {@code ndcg} is below it
     * @param kendallThreshold ... or when {@code kendallTau} is below it
     * @param baselineWindows how many earlier windows the baseline has learnt from
     * @param moved the features of either top-k whose rank changed, largest change first
     */
    public record AttributionDrift(String method, int k, double ndcg, Double kendallTau, double ndcgThreshold, double kendallThreshold,
            int baselineWindows, List<MovedFeature> moved) {}

    /**
     * A feature whose importance rank changed: ranks count from 1 over every feature, by mean |attribution|.
     *
     * @param baselineMean the baseline's mean |attribution| of the feature
     * @param mean the window's
     */
    public record MovedFeature(int index, String name, int baselineRank, int rank, double baselineMean, double mean) {}

    /** An event-time interval in RFC 3339, start inclusive and end exclusive. */
    public record Window(String start, String end) {

        public static Window ofMillis(long start, long end) {
            return new Window(Rfc3339.of(start), Rfc3339.of(end));
        }
    }

    /** The one reader. */
    public static Alert read(byte[] json) {
        Alert alert = ContractJson.read(json, Alert.class);
        ContractJson.require(alert.alertId(), "alertId");
        ContractJson.require(alert.kind(), "kind");
        ContractJson.require(alert.status(), "status");
        ContractJson.require(alert.startsAt(), "startsAt");
        return alert;
    }

    /** The one writer. */
    public byte[] toJson() {
        return ContractJson.write(this);
    }

    /** {@code startsAt} in epoch milliseconds. */
    @JsonIgnore
    public long startsAtMillis() {
        return Rfc3339.millis(startsAt);
    }

    /** The same alert stamped with its emission time and dashboard link. */
    public Alert emitted(long epochMillis, String dashboardUrl) {
        return new Alert(alertId, fingerprint, kind, status, severity, model, version, predictedClass, classLabel, startsAt, endsAt,
                window, summary, description, observedMetric, observed, baseline, threshold, epsilon, certificateMethod, requestId,
                evidence, count, topFeatures, dashboardUrl, Rfc3339.of(epochMillis), attributionDrift);
    }
}
