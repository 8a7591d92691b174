package dev.stabilis.metrics;

import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmHeapPressureMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/** The Prometheus registry of a Stabilis process, with JVM and process meters and a {@code role} tag. */
public final class Registries {

    private Registries() {}

    /**
     * @param role {@code monitor}, {@code runner} or {@code demo}
     */
    public static PrometheusMeterRegistry prometheus(String role) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags("role", role)
                // RocksDB state-store internals: high-cardinality, and their tag sets differ between applications
                .meterFilter(MeterFilter.denyNameStartsWith("kafka.stream.state"));
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        // jvm_memory_usage_after_gc: the long-lived pool's share of its maximum after every GC (leaks show here)
        new JvmHeapPressureMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        Package own = Registries.class.getPackage();
        String version = own.getImplementationVersion() == null ? "dev" : own.getImplementationVersion();
        io.micrometer.core.instrument.Gauge.builder("stabilis.build.info", () -> 1).tag("version", version)
                .tag("java", System.getProperty("java.runtime.version", "unknown"))
                .description("The Stabilis build a process runs (value 1)").register(registry);
        return registry;
    }
}
