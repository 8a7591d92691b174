package dev.stabilis.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stabilis.certify.Certificate;
import dev.stabilis.contract.Sample;
import dev.stabilis.certify.CertifiedSample;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RunnerMetricsTest {

    @Test
    void radiiFarBelowOneLandInTheirOwnBuckets() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        RunnerMetrics metrics = new RunnerMetrics(registry, "cpu");
        for (double radius : new double[] {0.0156, 0.0004}) {
            Certificate certificate = new Certificate(true, 5, 1, 0.01, 0.02, 0.99, true, radius);
            CertifiedSample certified = new CertifiedSample(3, new double[] {1, 2}, new double[] {0.9, 1.9}, new double[] {1.1, 2.1}, certificate);
            Evaluation e = new Evaluation(3, certified.gradient(), Map.of(), 0.002, certified, null, null, 0.5, null);
            metrics.sample("digits", "1", "interval", new Sample("r", 0, "digits", "1", "PLAIN", new float[] {0, 1}, 3, null, 2, 1, null, null), e, 10);
        }
        String scrape = registry.scrape();
        assertThat(scrape)
                .contains("stabilis_certified_radius_bucket{class=\"3\",model=\"digits\",version=\"1\",le=\"3.0E-4\"} 0")
                .contains("stabilis_certified_radius_bucket{class=\"3\",model=\"digits\",version=\"1\",le=\"0.001\"} 1")
                .contains("stabilis_certified_radius_bucket{class=\"3\",model=\"digits\",version=\"1\",le=\"0.01\"} 1")
                .contains("stabilis_certified_radius_bucket{class=\"3\",model=\"digits\",version=\"1\",le=\"0.03\"} 2")
                .contains("stabilis_bound_width_bucket{class=\"3\",model=\"digits\",version=\"1\",le=\"0.1\"} 0")
                .contains("stabilis_bound_width_bucket{class=\"3\",model=\"digits\",version=\"1\",le=\"1.0\"} 2")
                .contains("stabilis_ig_completeness_gap_bucket{class=\"3\",model=\"digits\",version=\"1\",le=\"0.001\"} 0")
                .contains("stabilis_ig_completeness_gap_bucket{class=\"3\",model=\"digits\",version=\"1\",le=\"0.01\"} 2")
                .contains("stabilis_samples_total{class=\"3\",method=\"interval\",model=\"digits\",outcome=\"certified\",version=\"1\"} 2");
    }
}
