package dev.stabilis.service;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Labels;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Histograms of quantities far below 1 (certified radius, bound width, completeness gap, curvature), labelled by
 * model, version and class. Micrometer's fixed-boundary histograms count a value in the bucket of its ceiling
 * (micrometer-metrics/micrometer#2592: a radius of 0.0156 lands in {@code le="1.0"}), so these are the Prometheus
 * client's classic histograms, registered in the Prometheus registry behind a {@link PrometheusMeterRegistry} and
 * exported on the same {@code /metrics}, with the registry's common tags as constant labels. With another registry
 * (tests) they are kept but not exported.
 */
final class FractionHistograms {

    private final PrometheusRegistry registry;
    private final Labels commonLabels;
    private final Map<String, Histogram> histograms = new ConcurrentHashMap<>();

    /** @param commonTags the tags every meter of the registry carries ({@code role}) */
    FractionHistograms(MeterRegistry meters, Tags commonTags) {
        this.registry = meters instanceof PrometheusMeterRegistry prometheus ? prometheus.getPrometheusRegistry() : new PrometheusRegistry();
        Labels labels = Labels.EMPTY;
        for (Tag tag : commonTags) {
            labels = labels.add(tag.getKey(), tag.getValue());
        }
        this.commonLabels = labels;
    }

    /**
     * Observes one value.
     *
     * @param name the metric name in Prometheus form, for example {@code stabilis_certified_radius}
     * @param tags its labels; the same keys at every call for one name
     */
    void observe(String name, String help, double[] buckets, Tags tags, double value) {
        String[] keys = tags.stream().map(Tag::getKey).toArray(String[]::new);
        String[] values = tags.stream().map(Tag::getValue).toArray(String[]::new);
        histograms.computeIfAbsent(name, n -> Histogram.builder().name(n).help(help).labelNames(keys).constLabels(commonLabels)
                        .classicOnly().classicUpperBounds(buckets).withoutExemplars().register(registry))
                .labelValues(values).observe(value);
    }
}
