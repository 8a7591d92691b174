package dev.stabilis.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stabilis.detect.DriftListener.DriftScore;
import dev.stabilis.service.ClassLabels;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

/** The drift-score gauges follow each (model, version, class)'s last judged window, with no per-feature labels. */
class DriftGaugesTest {

    @Test
    void eachClassShowsItsLastJudgedWindowsScores() {
        PrometheusMeterRegistry registry = Registries.prometheus("monitor");
        DriftGauges gauges = new DriftGauges(registry, ClassLabels.all());
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

    @Test
    void classesPastTheCapShareTheOtherGaugesUntilTheLastOfThemIsReleased() {
        PrometheusMeterRegistry registry = Registries.prometheus("monitor");
        DriftGauges gauges = new DriftGauges(registry, ClassLabels.parse("first:1"));
        gauges.onJudged(new DriftScore("digits", "1", 7, 1_000, 0.98, 0.7));
        gauges.onJudged(new DriftScore("digits", "1", 3, 1_000, 0.99, 0.9));
        gauges.onJudged(new DriftScore("digits", "1", 4, 2_000, 0.51, 0.2));

        assertThat(ndcgLines(registry)).containsExactlyInAnyOrder(
                "stabilis_attribution_drift_ndcg{class=\"7\",model=\"digits\",role=\"monitor\",version=\"1\"} 0.98",
                "stabilis_attribution_drift_ndcg{class=\"other\",model=\"digits\",role=\"monitor\",version=\"1\"} 0.51");

        gauges.onReleased("digits", "1", 3);
        assertThat(ndcgLines(registry)).as("class 4 still feeds the shared gauge").hasSize(2);
        gauges.onReleased("digits", "1", 4);
        gauges.onReleased("digits", "1", 9);
        assertThat(ndcgLines(registry)).as("no class here feeds class=other any more").containsExactly(
                "stabilis_attribution_drift_ndcg{class=\"7\",model=\"digits\",role=\"monitor\",version=\"1\"} 0.98");
    }

    @Test
    void withTheClassLabelDroppedTheScoresCarryNoClass() {
        PrometheusMeterRegistry registry = Registries.prometheus("monitor");
        DriftGauges gauges = new DriftGauges(registry, ClassLabels.parse("none"));
        gauges.onJudged(new DriftScore("digits", "1", 7, 1_000, 0.98, 0.7));
        gauges.onJudged(new DriftScore("digits", "1", 3, 2_000, 0.5, 0.1));

        assertThat(ndcgLines(registry)).containsExactly(
                "stabilis_attribution_drift_ndcg{model=\"digits\",role=\"monitor\",version=\"1\"} 0.5");
    }

    private static java.util.List<String> ndcgLines(PrometheusMeterRegistry registry) {
        return registry.scrape().lines().filter(l -> l.startsWith("stabilis_attribution_drift_ndcg{")).toList();
    }
}
