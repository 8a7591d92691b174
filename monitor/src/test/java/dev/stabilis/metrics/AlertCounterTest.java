package dev.stabilis.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stabilis.contract.Alert;
import dev.stabilis.detect.AlertKind;
import dev.stabilis.service.ClassLabels;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code stabilis_alerts_total} counts every alert, with the class label the class-label rule gives it. */
class AlertCounterTest {

    private final PrometheusMeterRegistry registry = Registries.prometheus("monitor");

    @Test
    void everyClassKeepsItsLabelByDefault() {
        AlertCounter alerts = new AlertCounter(registry, ClassLabels.all());
        alerts.count(alert("digits", 3));
        alerts.count(alert("digits", 3));
        alerts.count(alert("digits", 5));

        assertThat(alertLines()).containsExactlyInAnyOrder(
                "stabilis_alerts_total{class=\"3\",kind=\"RADIUS_DROP\",model=\"digits\",role=\"monitor\",severity=\"warning\",status=\"firing\",version=\"1\"} 2.0",
                "stabilis_alerts_total{class=\"5\",kind=\"RADIUS_DROP\",model=\"digits\",role=\"monitor\",severity=\"warning\",status=\"firing\",version=\"1\"} 1.0");
    }

    @Test
    void classesPastTheCapAreCountedTogetherAsOther() {
        AlertCounter alerts = new AlertCounter(registry, ClassLabels.parse("first:1"));
        alerts.count(alert("digits", 3));
        alerts.count(alert("digits", 5));
        alerts.count(alert("digits", 9));
        alerts.count(alert("digits", 3));

        assertThat(alertLines()).containsExactlyInAnyOrder(
                "stabilis_alerts_total{class=\"3\",kind=\"RADIUS_DROP\",model=\"digits\",role=\"monitor\",severity=\"warning\",status=\"firing\",version=\"1\"} 2.0",
                "stabilis_alerts_total{class=\"other\",kind=\"RADIUS_DROP\",model=\"digits\",role=\"monitor\",severity=\"warning\",status=\"firing\",version=\"1\"} 2.0");
    }

    @Test
    void withTheClassLabelDroppedAModelVersionsAlertsOfOneKindAreOneSeries() {
        AlertCounter alerts = new AlertCounter(registry, ClassLabels.parse("none"));
        alerts.count(alert("digits", 3));
        alerts.count(alert("digits", 5));

        assertThat(alertLines()).containsExactly(
                "stabilis_alerts_total{kind=\"RADIUS_DROP\",model=\"digits\",role=\"monitor\",severity=\"warning\",status=\"firing\",version=\"1\"} 2.0");
    }

    private List<String> alertLines() {
        return registry.scrape().lines().filter(l -> l.startsWith("stabilis_alerts_total{")).toList();
    }

    private static Alert alert(String model, int predictedClass) {
        return WindowGaugesTest.alert(AlertKind.RADIUS_DROP, model, predictedClass);
    }
}
