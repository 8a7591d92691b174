package dev.stabilis.service;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Histograms of quantities far below 1 (certified radius, bound width, completeness gap, curvature), labelled by
 * model, version and class. Micrometer's fixed-boundary histograms count a value in the bucket of its ceiling
 * (micrometer-metrics/micrometer#2592: a radius of 0.0156 lands in {@code le="1.0"}), so these are the Prometheus
 * client's classic histograms, registered in the Prometheus registry behind a {@link PrometheusMeterRegistry} and
 * exported on the same {@code /metrics}. With another registry (tests) they are kept but not exported.
 */
final class FractionHistograms {

    private final PrometheusRegistry registry;
    private final Map<String, Histogram> histograms = new ConcurrentHashMap<>();

    FractionHistograms(MeterRegistry meters) {
        this.registry = meters instanceof PrometheusMeterRegistry prometheus ? prometheus.getPrometheusRegistry() : new PrometheusRegistry();
    }

    /**
     * Observes one value.
     *
     * @param name the metric name in Prometheus form, for example {@code stabilis_certified_radius}
     */
    void observe(String name, String help, double[] buckets, String model, String version, String predictedClass, double value) {
        histograms.computeIfAbsent(name, n -> Histogram.builder().name(n).help(help).labelNames("model", "version", "class")
                        .classicOnly().classicUpperBounds(buckets).withoutExemplars().register(registry))
                .labelValues(model, version, predictedClass).observe(value);
    }
}
