package dev.stabilis.detect;

import java.util.Map;

/**
 * Told of every closed baseline window, for gauges of the latest values per (model, version, class). Runs on the
 * stream threads, possibly several at once: it must be thread-safe, quick, and must not throw.
 */
@FunctionalInterface
public interface WindowListener {

    WindowListener NONE = window -> { };

    void onWindowClosed(ClosedWindow window);

    /**
     * A closed window's measurements.
     *
     * @param values by metric name ({@code certified_fraction}, {@code median_radius}, {@code attack_success_rate},
     *     {@code mismatch_rate}); a metric no sample of the window carried is absent
     */
    record ClosedWindow(String model, String version, int predictedClass, long start, long end, Map<String, Double> values) {}
}
