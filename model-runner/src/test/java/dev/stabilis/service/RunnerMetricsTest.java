package dev.stabilis.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stabilis.certify.Certificate;
import dev.stabilis.contract.Sample;
import dev.stabilis.certify.CertifiedSample;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RunnerMetricsTest {

    @Test
    void radiiFarBelowOneLandInTheirOwnBuckets() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        RunnerMetrics metrics = new RunnerMetrics(registry, "cpu");
        for (double radius : new double[] {0.0156, 0.0004}) {
            Certificate certificate = new Certificate(true, 5, 1, 0.01, 0.02, 0.99, true, radius);
            CertifiedSample certified = new CertifiedSample(3, new double[] {1, 2}, new double[] {0.9, 1.9}, new double[] {1.1, 2.1}, certificate, 1);
            Evaluation e = new Evaluation(3, certified.gradient(), Map.of(), 0.002, certified, null, null, 0.5, null, List.of());
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

    @Test
    void classesBeyondTheCapAreCountedAsOther() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        RunnerMetrics metrics = new RunnerMetrics(registry, "cpu", ClassLabels.parse("first:1"));
        certifiedSample(metrics, 3, 0.01);
        certifiedSample(metrics, 4, 0.01);
        certifiedSample(metrics, 5, 0.01);
        String scrape = registry.scrape();
        assertThat(scrape)
                .contains("stabilis_samples_total{class=\"3\",method=\"interval\",model=\"digits\",outcome=\"certified\",version=\"1\"} 1")
                .contains("stabilis_samples_total{class=\"other\",method=\"interval\",model=\"digits\",outcome=\"certified\",version=\"1\"} 2")
                .contains("stabilis_certified_radius_count{class=\"3\",model=\"digits\",version=\"1\"} 1")
                .contains("stabilis_certified_radius_count{class=\"other\",model=\"digits\",version=\"1\"} 2")
                .doesNotContain("class=\"4\"", "class=\"5\"");
    }

    @Test
    void noneDropsTheClassLabelFromEveryMeter() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        RunnerMetrics metrics = new RunnerMetrics(registry, "cpu", ClassLabels.parse("none"));
        certifiedSample(metrics, 3, 0.01);
        certifiedSample(metrics, 4, 0.01);
        String scrape = registry.scrape();
        assertThat(scrape)
                .contains("stabilis_samples_total{method=\"interval\",model=\"digits\",outcome=\"certified\",version=\"1\"} 2")
                .contains("stabilis_certified_radius_count{model=\"digits\",version=\"1\"} 2")
                .doesNotContain("class=");
    }

    @Test
    void theFractionHistogramsCarryTheRegistrysCommonTags() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags("role", "runner");
        RunnerMetrics metrics = new RunnerMetrics(registry, "cpu");
        certifiedSample(metrics, 3, 0.01);
        String scrape = registry.scrape();
        assertThat(scrape)
                .contains("stabilis_certified_radius_count{class=\"3\",model=\"digits\",role=\"runner\",version=\"1\"} 1")
                .contains("stabilis_bound_width_count{class=\"3\",model=\"digits\",role=\"runner\",version=\"1\"} 1")
                .contains("stabilis_ig_completeness_gap_count{class=\"3\",model=\"digits\",role=\"runner\",version=\"1\"} 1")
                .contains("stabilis_samples_total{class=\"3\",method=\"interval\",model=\"digits\",outcome=\"certified\",role=\"runner\",version=\"1\"} 1");
    }

    private static void certifiedSample(RunnerMetrics metrics, int predicted, double radius) {
        Certificate certificate = new Certificate(true, 5, 1, 0.01, 0.02, 0.99, true, radius);
        CertifiedSample certified = new CertifiedSample(predicted, new double[] {1, 2}, new double[] {0.9, 1.9}, new double[] {1.1, 2.1}, certificate, 1);
        Evaluation e = new Evaluation(predicted, certified.gradient(), Map.of(), 0.002, certified, null, null, 0.5, null, List.of());
        metrics.sample("digits", "1", "interval", new Sample("r", 0, "digits", "1", "PLAIN", new float[] {0, 1}, predicted, null, 2, 1, null, null), e, 10);
    }
}
