package dev.stabilis.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stabilis.contract.Alert;
import dev.stabilis.detect.AlertKind;
import dev.stabilis.detect.WindowListener.ClosedWindow;
import dev.stabilis.service.ClassLabels;
import io.micrometer.core.instrument.search.Search;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The last closed window's values as gauges, gone once their model falls silent, back with its next window. */
class WindowGaugesTest {

    private final PrometheusMeterRegistry registry = Registries.prometheus("monitor");
    private final WindowGauges gauges = new WindowGauges(registry, ClassLabels.all());

    @Test
    void showTheLastWindowAndDisappearWhenTheModelFallsSilent() {
        gauges.onWindowClosed(new ClosedWindow("digits", "1", 3, 0, 60_000, Map.of("certified_fraction", 0.9, "attack_success_rate", 0.05)));
        gauges.onWindowClosed(new ClosedWindow("digits", "1", 3, 60_000, 120_000, Map.of("certified_fraction", 0.5)));
        gauges.onWindowClosed(new ClosedWindow("fraud", "2", 0, 0, 60_000, Map.of("certified_fraction", 0.7)));

        assertThat(registry.scrape()).contains("stabilis_window_certified_fraction{class=\"3\",model=\"digits\",role=\"monitor\",version=\"1\"} 0.5")
                .contains("stabilis_window_attack_success_rate{class=\"3\",model=\"digits\",role=\"monitor\",version=\"1\"} 0.05");

        gauges.onAlert(silence("digits"));

        assertThat(Search.in(registry).name("stabilis.window.certified.fraction").tag("model", "digits").gauges()).isEmpty();
        assertThat(registry.scrape()).doesNotContain("model=\"digits\"").contains("stabilis_window_certified_fraction{class=\"0\",model=\"fraud\"");
        gauges.onWindowClosed(new ClosedWindow("digits", "1", 3, 500_000, 560_000, Map.of("certified_fraction", 0.8)));
        assertThat(registry.scrape()).contains("stabilis_window_certified_fraction{class=\"3\",model=\"digits\",role=\"monitor\",version=\"1\"} 0.8");
    }

    @Test
    void otherAlertsLeaveTheGaugesAlone() {
        gauges.onWindowClosed(new ClosedWindow("digits", "1", 3, 0, 60_000, Map.of("certified_fraction", 0.9)));
        gauges.onAlert(alert(AlertKind.CERTIFIED_FRACTION_DROP, "digits", 3));

        assertThat(registry.scrape()).contains("stabilis_window_certified_fraction{class=\"3\",model=\"digits\"");
    }

    @Test
    void theClassLabelRuleCapsTheGaugesClassesAndClassesPastTheCapShareOneGaugeWithTheLastWindow() {
        WindowGauges capped = new WindowGauges(registry, ClassLabels.parse("first:1"));
        capped.onWindowClosed(new ClosedWindow("digits", "1", 3, 0, 60_000, Map.of("certified_fraction", 0.9)));
        capped.onWindowClosed(new ClosedWindow("digits", "1", 5, 0, 60_000, Map.of("certified_fraction", 0.6)));
        capped.onWindowClosed(new ClosedWindow("digits", "1", 8, 60_000, 120_000, Map.of("certified_fraction", 0.4)));
        capped.onWindowClosed(new ClosedWindow("fraud", "2", 8, 0, 60_000, Map.of("certified_fraction", 0.7)));

        assertThat(registry.scrape().lines().filter(l -> l.startsWith("stabilis_window_certified_fraction{"))).containsExactlyInAnyOrder(
                "stabilis_window_certified_fraction{class=\"3\",model=\"digits\",role=\"monitor\",version=\"1\"} 0.9",
                "stabilis_window_certified_fraction{class=\"other\",model=\"digits\",role=\"monitor\",version=\"1\"} 0.4",
                "stabilis_window_certified_fraction{class=\"8\",model=\"fraud\",role=\"monitor\",version=\"2\"} 0.7");
    }

    @Test
    void withTheClassLabelDroppedAModelVersionHasOneGaugePerMetric() {
        WindowGauges unlabelled = new WindowGauges(registry, ClassLabels.parse("none"));
        unlabelled.onWindowClosed(new ClosedWindow("digits", "1", 3, 0, 60_000, Map.of("certified_fraction", 0.9)));
        unlabelled.onWindowClosed(new ClosedWindow("digits", "1", 5, 0, 60_000, Map.of("certified_fraction", 0.6)));

        assertThat(registry.scrape().lines().filter(l -> l.startsWith("stabilis_window_certified_fraction{"))).containsExactly(
                "stabilis_window_certified_fraction{model=\"digits\",role=\"monitor\",version=\"1\"} 0.6");
    }

    private static Alert silence(String model) {
        return alert(AlertKind.MODEL_SILENT, model, -1);
    }

    /** An alert of a kind, model and class, the rest left empty. */
    static Alert alert(AlertKind kind, String model, int predictedClass) {
        return new Alert("id", "id", kind.name(), Alert.FIRING, "warning", model, "1", predictedClass, null, "2026-01-01T00:00:00Z", null,
                null, kind.name(), "", null, null, null, null, null, null, null, List.of(), 0, List.of(), null, null);
    }
}
