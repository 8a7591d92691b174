package dev.stabilis.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stabilis.detect.DriftListener.DriftScore;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

/** The drift-score gauges follow each (model, version, class)'s last judged window, with no per-feature labels. */
class DriftGaugesTest {

    @Test
    void eachClassShowsItsLastJudgedWindowsScores() {
        PrometheusMeterRegistry registry = Registries.prometheus("monitor");
        DriftGauges gauges = new DriftGauges(registry);
        gauges.onJudged(new DriftScore("digits", "1", 7, 1_000, 0.98, 0.7));
        gauges.onJudged(new DriftScore("digits", "1", 3, 1_000, 0.99, null));
        gauges.onJudged(new DriftScore("digits", "1", 7, 2_000, 0.48, -0.3));

        String scrape = registry.scrape();
        assertThat(scrape.lines().filter(l -> l.startsWith("stabilis_attribution_drift_ndcg{"))).containsExactlyInAnyOrder(
                "stabilis_attribution_drift_ndcg{class=\"3\",model=\"digits\",role=\"monitor\",version=\"1\"} 0.99",
                "stabilis_attribution_drift_ndcg{class=\"7\",model=\"digits\",role=\"monitor\",version=\"1\"} 0.48");
        assertThat(scrape.lines().filter(l -> l.startsWith("stabilis_attribution_drift_kendall_tau{"))).containsExactlyInAnyOrder(
                "stabilis_attribution_drift_kendall_tau{class=\"3\",model=\"digits\",role=\"monitor\",version=\"1\"} NaN",
                "stabilis_attribution_drift_kendall_tau{class=\"7\",model=\"digits\",role=\"monitor\",version=\"1\"} -0.3");

        gauges.onReleased("digits", "1", 7);
        assertThat(registry.scrape().lines().filter(l -> l.startsWith("stabilis_attribution_drift_"))).as("class 7 is judged elsewhere now")
                .allSatisfy(line -> assertThat(line).contains("class=\"3\"")).hasSize(2);
    }
}
