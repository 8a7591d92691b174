package dev.stabilis.metrics;

import dev.stabilis.contract.Alert;
import dev.stabilis.service.ClassLabels;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * {@code stabilis_alerts_total{kind,severity,status,model,version,class}}: the alerts the monitor emitted. The
 * {@code class} label follows {@link ClassLabels}.
 */
public final class AlertCounter {

    private final MeterRegistry registry;
    private final ClassLabels classLabels;

    public AlertCounter(MeterRegistry registry, ClassLabels classLabels) {
        this.registry = registry;
        this.classLabels = classLabels;
    }

    public void count(Alert alert) {
        Counter.builder("stabilis.alerts").description("Alerts emitted, by kind")
                .tags("kind", alert.kind(), "severity", alert.severity(), "status", alert.status(),
                        "model", alert.model(), "version", alert.version())
                .tags(classLabels.tags(alert.model(), alert.predictedClass()))
                .register(registry).increment();
    }
}
