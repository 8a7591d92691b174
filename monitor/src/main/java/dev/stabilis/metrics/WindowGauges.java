package dev.stabilis.metrics;

import dev.stabilis.contract.Alert;
import dev.stabilis.detect.AlertKind;
import dev.stabilis.detect.WindowListener;
import dev.stabilis.service.ClassLabels;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Gauges of each (model, version, class)'s last closed baseline window, {@code stabilis_window_<metric>} (certified
 * fraction, median radius, attack-success rate, mismatch rate). When a model falls silent ({@link AlertKind#MODEL_SILENT})
 * its gauges are removed, so that Prometheus sees them end instead of a stale last value; its next window brings them back.
 * The {@code class} label follows {@link ClassLabels}: classes that share a label share a gauge, which shows the window
 * that closed last among them.
 */
public final class WindowGauges implements WindowListener {

    private final MeterRegistry registry;
    private final ClassLabels classLabels;
    /** By model, then by metric, version and class tag. */
    private final Map<String, Map<GaugeKey, Registered>> byModel = new HashMap<>();

    private record GaugeKey(String metric, String version, Tags classTag) {}

    private record Registered(Gauge gauge, AtomicReference<Double> value) {}

    public WindowGauges(MeterRegistry registry, ClassLabels classLabels) {
        this.registry = registry;
        this.classLabels = classLabels;
    }

    @Override
    public synchronized void onWindowClosed(ClosedWindow window) {
        Map<GaugeKey, Registered> gauges = byModel.computeIfAbsent(window.model(), m -> new HashMap<>());
        Tags classTag = classLabels.tags(window.model(), window.predictedClass());
        window.values().forEach((metric, value) -> {
            Registered registered = gauges.computeIfAbsent(new GaugeKey(metric, window.version(), classTag), k -> {
                AtomicReference<Double> holder = new AtomicReference<>(value);
                Gauge gauge = Gauge.builder("stabilis.window." + metric.replace('_', '.'), holder, AtomicReference::get)
                        .tags("model", window.model(), "version", window.version()).tags(classTag)
                        .description("The " + metric.replace('_', ' ') + " of the last closed baseline window").register(registry);
                return new Registered(gauge, holder);
            });
            registered.value().set(value);
        });
    }

    /** Removes the gauges of a model that fell silent. */
    public synchronized void onAlert(Alert alert) {
        if (AlertKind.MODEL_SILENT.name().equals(alert.kind())) {
            Map<GaugeKey, Registered> gauges = byModel.remove(alert.model());
            if (gauges != null) {
                gauges.values().forEach(r -> registry.remove(r.gauge()));
            }
        }
    }
}
