package dev.stabilis.cli;

import dev.stabilis.app.MonitorApp;
import dev.stabilis.config.StabilisConfig;
import dev.stabilis.metrics.MetricsServer;
import dev.stabilis.metrics.Registries;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code stabilis monitor}: the ingest and detect topologies against an existing Kafka cluster. */
@Command(name = "monitor", mixinStandardHelpOptions = true,
        description = "Run the monitor: ingest (inference logs → validated samples, bad records → DLQ) and detect "
                + "(explanations → alerts) as Kafka Streams applications with exactly-once v2. Serves /metrics, /health, /ready.")
final class MonitorCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(MonitorCommand.class);

    @Mixin
    private ProcessOptions process;

    @Override
    public Integer call() throws Exception {
        StabilisConfig config = process.load(Map.of());
        LOG.info("monitor configuration:\n{}", config.describe());
        PrometheusMeterRegistry registry = Registries.prometheus("monitor");
        try (UntilStopped until = new UntilStopped(); MonitorApp monitor = new MonitorApp(config, registry);
                MetricsServer http = MetricsServer.start(config.required("stabilis.metrics.host"),
                        config.integer("stabilis.metrics.port", 0, 65535), registry, monitor::ready)) {
            monitor.start();
            LOG.info("monitor started; metrics on port {}", http.port());
            return until.await(null, monitor::failed) ? ExitCodes.OK : ExitCodes.INTERNAL;
        }
    }
}
