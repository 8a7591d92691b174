package dev.stabilis.detect;

import dev.stabilis.contract.Alert;
import dev.stabilis.contract.Rfc3339;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * Links an alert to the Grafana dashboard of its model ({@code stabilis-model}): the configured dashboard URL with
 * the model, version and class variables and a time range from an hour before the alert started to an hour after
 * it ended (or now). An alert about a whole model (class -1, {@code MODEL_SILENT}) links to all its classes.
 *
 * @param base the dashboard's URL, e.g. {@code https://grafana.example/d/stabilis-model}; empty: no links
 */
record DashboardLinks(String base) {

    private static final long HOUR_MS = 3_600_000L;
    /** Grafana's value of a variable's "All" option. */
    private static final String ALL = "$__all";

    /** The link, or null when no dashboard URL is configured. */
    String of(Alert alert) {
        if (base == null || base.isBlank()) {
            return null;
        }
        long from = alert.startsAtMillis() - HOUR_MS;
        String to = alert.endsAt() == null ? "now" : Long.toString(Rfc3339.millis(alert.endsAt()) + HOUR_MS);
        return base + (base.contains("?") ? "&" : "?") + "var-model=" + encode(alert.model()) + "&var-version="
                + encode(alert.version()) + "&var-class="
                + (alert.predictedClass() < 0 ? encode(ALL) : Integer.toString(alert.predictedClass())) + "&from=" + from + "&to=" + to;
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
