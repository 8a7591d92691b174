package dev.stabilis.cli;

import dev.stabilis.app.EngineThreads;
import dev.stabilis.app.MklKernels;
import dev.stabilis.app.MonitorApp;
import dev.stabilis.app.RunnerApp;
import dev.stabilis.app.Topics;
import dev.stabilis.config.StabilisConfig;
import dev.stabilis.demo.DemoConsole;
import dev.stabilis.demo.DemoPools;
import dev.stabilis.demo.EmbeddedKafkaBroker;
import dev.stabilis.demo.KServeRecords;
import dev.stabilis.demo.TrafficGenerator;
import dev.stabilis.metrics.MetricsServer;
import dev.stabilis.metrics.Registries;
import dev.stabilis.model.ModelRepository;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code stabilis demo}: the whole pipeline in one process on an embedded KRaft broker, with the demo models (the
 * digits MLP and a residual CNN) and generated KServe traffic to both that periodically injects unstable and malformed samples.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Start an embedded Kafka broker (KRaft) on 127.0.0.1, create the topics, run monitor and runner on "
                + "the demo models, and produce KServe-logged traffic with injected unstable and malformed samples. Prints "
                + "alerts as they arrive and a summary line; serves metrics. Runs until Ctrl-C or --duration.")
final class DemoCommand implements Callable<Integer> {

    @Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    private ProcessOptions process;

    @Option(names = "--port", defaultValue = "9092", description = "Broker port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
    private int port;

    @Option(names = "--metrics-port", defaultValue = "9404", description = "Port of /metrics, /health, /ready (default: ${DEFAULT-VALUE}).")
    private int metricsPort;

    @Option(names = "--rate", defaultValue = "20", description = "Requests per second (default: ${DEFAULT-VALUE}).")
    private double rate;

    @Option(names = "--unstable-every", defaultValue = "10s", paramLabel = "<duration>",
            description = "Interval of injected unstable samples, like 10s or 500ms; 0 for none (default: ${DEFAULT-VALUE}).")
    private String unstableEvery;

    @Option(names = "--malformed-every", defaultValue = "15s", paramLabel = "<duration>",
            description = "Interval of injected malformed records; 0 for none (default: ${DEFAULT-VALUE}).")
    private String malformedEvery;

    @Option(names = "--duration", paramLabel = "<duration>", description = "Stop after this long (default: until Ctrl-C).")
    private String duration;

    @Option(names = "--data-dir", paramLabel = "<dir>", description = "Broker log directory, kept between runs (default: a temporary one).")
    private Path dataDir;

    @Option(names = "--model", split = ",", defaultValue = "digits,digits_resnet", paramLabel = "<name>",
            description = "Models of the generated traffic, taking turns; comma-separated or repeated (default: ${DEFAULT-VALUE}: "
                    + "an MLP and a residual CNN).")
    private List<String> models;

    @Override
    public Integer call() throws Exception {
        if (!(rate > 0)) {
            throw new IllegalArgumentException("--rate must be positive, got " + rate);
        }
        long unstableMillis = DurationOption.millis("--unstable-every", unstableEvery);
        long malformedMillis = DurationOption.millis("--malformed-every", malformedEvery);
        Duration limit = duration == null ? null : Duration.ofMillis(DurationOption.millis("--duration", duration));
        StabilisConfig config = process.load(demoDefaults());
        EngineThreads.apply(config);
        MklKernels.report();
        PrintWriter out = spec.commandLine().getOut();
        ModelRepository repository = new ModelRepository(config.directory("stabilis.models.repository"));
        out.println("Judging the demo traffic with each model's policy...");
        out.flush();
        List<TrafficGenerator.ModelTraffic> traffics = new ArrayList<>();
        for (String model : models) {
            traffics.add(new TrafficGenerator.ModelTraffic(new KServeRecords(model, "default"), DemoPools.judge(repository, model, "latest")));
        }
        PrometheusMeterRegistry registry = Registries.prometheus("demo");
        try (UntilStopped until = new UntilStopped();
                EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start("127.0.0.1", port, dataDir, Map.of())) {
            Topics.create(config.kafka(), Topics.all(config), 1, (short) 1);
            try (MonitorApp monitor = new MonitorApp(config, registry); RunnerApp runner = new RunnerApp(config, registry);
                    MetricsServer http = MetricsServer.start(config.required("stabilis.metrics.host"), metricsPort, registry,
                            () -> monitor.ready() && runner.ready())) {
                monitor.start();
                runner.start();
                try (DemoConsole console = new DemoConsole(config.kafka(), config.required("stabilis.topics.explanations"),
                        config.required("stabilis.topics.alerts"), config.required("stabilis.topics.dlq"), out, Duration.ofSeconds(5));
                        TrafficGenerator traffic = new TrafficGenerator(config.kafka(), traffics,
                                config.required("stabilis.topics.requests"), config.required("stabilis.topics.responses"), rate,
                                unstableMillis, malformedMillis)) {
                    banner(out, broker, http, traffics, unstableMillis, malformedMillis);
                    Thread consoleThread = daemon(console, "stabilis-demo-console");
                    Thread trafficThread = daemon(traffic, "stabilis-demo-traffic");
                    consoleThread.start();
                    trafficThread.start();
                    boolean healthy = until.await(limit, () -> monitor.failed() || runner.stopped());
                    out.println(healthy ? "Stopping." : "A part of the pipeline failed; stopping.");
                    out.flush();
                    return healthy ? ExitCodes.OK : ExitCodes.INTERNAL;
                }
            }
        }
    }

    private Map<String, String> demoDefaults() throws java.io.IOException {
        Map<String, String> defaults = new LinkedHashMap<>();
        // a fresh state directory: the demo's broker is new, so state from an earlier run would not match it
        Path state = java.nio.file.Files.createTempDirectory("stabilis-demo-streams-");
        state.toFile().deleteOnExit();
        defaults.put("stabilis.monitor.state.dir", state.toString());
        defaults.put("kafka.bootstrap.servers", "127.0.0.1:" + port);
        defaults.put("stabilis.metrics.port", Integer.toString(metricsPort));
        // short windows so baselines form within a minute of demo traffic
        defaults.put("stabilis.detect.window.size.ms", "10000");
        defaults.put("stabilis.detect.baseline.warmup.windows", "3");
        // the models take turns, so each class of each model sees about rate / (10 × models) samples a second: 10 in a
        // window of the default 20 requests/s between two models
        defaults.put("stabilis.detect.baseline.min.samples", "10");
        defaults.put("stabilis.detect.suppression.window.ms", "10000");
        return defaults;
    }

    private void banner(PrintWriter out, EmbeddedKafkaBroker broker, MetricsServer http, List<TrafficGenerator.ModelTraffic> traffics,
            long unstableMillis, long malformedMillis) {
        out.printf("Stabilis demo%n");
        out.printf("  Kafka broker   %s (KRaft, embedded; any Kafka client can connect)%n", broker.bootstrapServers());
        out.printf("  metrics        http://127.0.0.1:%d/metrics   health /health   readiness /ready%n", http.port());
        for (int i = 0; i < traffics.size(); i++) {
            DemoPools pools = traffics.get(i).pools();
            out.printf("  %-14s %s: %d stable and %d unstable inputs judged for the traffic%n", i == 0 ? "models" : "",
                    models.get(i), pools.stable().size(), pools.unstable().size());
        }
        out.printf("  traffic        %.0f requests/s (KServe CloudEvents); unstable sample every %s, malformed record every %s%n",
                rate, unstableMillis == 0 ? "never" : unstableMillis + " ms", malformedMillis == 0 ? "never" : malformedMillis + " ms");
        out.printf("Alerts appear below as they arrive. Ctrl-C to stop.%n");
        out.flush();
    }

    private static Thread daemon(Runnable task, String name) {
        Thread t = new Thread(task, name);
        t.setDaemon(true);
        return t;
    }
}
