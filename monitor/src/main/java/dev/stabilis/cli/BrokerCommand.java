package dev.stabilis.cli;

import dev.stabilis.demo.EmbeddedKafkaBroker;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code stabilis broker}: the demo's single-node KRaft broker as a process of its own, for local runs and crash
 * tests that stop and restart it. A kept {@code --data-dir} (with the same ports) restarts the same cluster.
 */
@Command(name = "broker", mixinStandardHelpOptions = true,
        description = "Run a single-node Apache Kafka broker (KRaft, broker and controller in one) until Ctrl-C or SIGTERM. "
                + "Restarting it with the same --data-dir and ports keeps its topics, data, offsets and transactions.")
final class BrokerCommand implements Callable<Integer> {

    @Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on and advertise (default: ${DEFAULT-VALUE}).")
    private String host;

    @Option(names = "--port", defaultValue = "9092", description = "Client port (default: ${DEFAULT-VALUE}).")
    private int port;

    @Option(names = "--controller-port", defaultValue = "9093", description = "KRaft controller port (default: ${DEFAULT-VALUE}).")
    private int controllerPort;

    @Option(names = "--data-dir", paramLabel = "<dir>",
            description = "Log directory, formatted on first use and kept (default: a temporary one, deleted at exit).")
    private Path dataDir;

    @Option(names = "--broker-config", paramLabel = "KEY=VALUE",
            description = "A broker setting replacing the default, for example --broker-config log.retention.hours=1.")
    private List<String> brokerConfig = List.of();

    @Override
    public Integer call() throws Exception {
        Map<String, String> overrides = new LinkedHashMap<>();
        for (String setting : brokerConfig) {
            int eq = setting.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--broker-config expects KEY=VALUE, got '" + setting + "'");
            }
            overrides.put(setting.substring(0, eq).trim(), setting.substring(eq + 1).trim());
        }
        PrintWriter out = spec.commandLine().getOut();
        try (UntilStopped until = new UntilStopped();
                EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(host, port, controllerPort, dataDir, overrides)) {
            out.printf("Kafka broker %s (KRaft), log directory %s%n", broker.bootstrapServers(),
                    dataDir == null ? "temporary" : dataDir.toAbsolutePath());
            out.flush();
            until.await(null, () -> false);
            return ExitCodes.OK;
        }
    }
}
