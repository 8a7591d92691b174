package dev.stabilis.cli;

import dev.stabilis.app.EngineThreads;
import dev.stabilis.app.MklKernels;
import dev.stabilis.app.RunnerApp;
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

/** {@code stabilis runner}: the runner service against an existing Kafka cluster. */
@Command(name = "runner", mixinStandardHelpOptions = true,
        description = "Run the runner service: read stabilis.samples, compute attributions, certificates and attack metrics "
                + "per model's policy, write stabilis.explanations with exactly-once transactions. Serves /metrics, /health, /ready.")
final class RunnerCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(RunnerCommand.class);

    /** The runner's own defaults under the user's settings: a metrics port apart from the monitor's, so both can share a host. */
    static final Map<String, String> DEFAULTS = Map.of("stabilis.metrics.port", "9405");

    @Mixin
    private ProcessOptions process;

    @Override
    public Integer call() throws Exception {
        StabilisConfig config = process.load(DEFAULTS);
        EngineThreads.apply(config);
        MklKernels.report();
        LOG.info("runner configuration:\n{}", config.describe());
        PrometheusMeterRegistry registry = Registries.prometheus("runner");
        try (UntilStopped until = new UntilStopped(); RunnerApp runner = new RunnerApp(config, registry);
                MetricsServer http = MetricsServer.start(config.required("stabilis.metrics.host"),
                        config.integer("stabilis.metrics.port", 0, 65535), registry, runner::ready)) {
            runner.start();
            LOG.info("runner started; metrics on port {}", http.port());
            return until.await(null, runner::stopped) ? ExitCodes.OK : ExitCodes.INTERNAL;
        }
    }
}
