package dev.stabilis.pipeline;

import dev.stabilis.app.Topics;
import dev.stabilis.config.StabilisConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;

/**
 * A pipeline of three {@code stabilis} processes on loopback: {@code broker} (its log directory kept in the work
 * directory, fixed ports, so a restart brings back the same cluster), {@code monitor} (its Kafka Streams state kept
 * there too) and {@code runner}, each logging to {@code <work>/logs}.
 */
final class PipelineProcesses implements AutoCloseable {

    private static final Duration START = Duration.ofSeconds(120);

    private final StabilisConfig config;
    private final StabilisProcess broker;
    private final StabilisProcess monitor;
    private final StabilisProcess runner;

    /**
     * @param work emptied first, then holds the broker's log directory, the monitor's state and the logs
     * @param settings the pipeline's settings; bootstrap servers, metrics ports and the state directory are set here
     * @param jvmOptions the monitor's and the runner's JVM options, like {@code -Xmx384m}
     */
    PipelineProcesses(Path work, Map<String, String> settings, List<String> jvmOptions) throws IOException {
        if (Files.exists(work)) {
            try (var paths = Files.walk(work)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        Path logs = Files.createDirectories(work.resolve("logs"));
        int brokerPort = freePort();
        Map<String, String> common = new HashMap<>(settings);
        common.put("kafka.bootstrap.servers", "127.0.0.1:" + brokerPort);
        this.config = StabilisConfig.load(null, Map.of(), Map.of(), common);
        int monitorPort = freePort();
        int runnerPort = freePort();
        Map<String, String> monitorSettings = new HashMap<>(common);
        monitorSettings.put("stabilis.monitor.state.dir", work.resolve("streams").toString());
        monitorSettings.put("stabilis.metrics.port", Integer.toString(monitorPort));
        Map<String, String> runnerSettings = new HashMap<>(common);
        runnerSettings.put("stabilis.metrics.port", Integer.toString(runnerPort));
        this.broker = new StabilisProcess("broker", logs, List.of("-Xmx512m"), 0, List.of("broker", "--port", Integer.toString(brokerPort),
                "--controller-port", Integer.toString(freePort()), "--data-dir", work.resolve("kafka").toString()));
        this.monitor = new StabilisProcess("monitor", logs, jvmOptions, monitorPort, arguments("monitor", monitorSettings));
        this.runner = new StabilisProcess("runner", logs, jvmOptions, runnerPort, arguments("runner", runnerSettings));
    }

    /** The settings every process runs with (bootstrap servers included). */
    StabilisConfig config() {
        return config;
    }

    StabilisProcess broker() {
        return broker;
    }

    StabilisProcess monitor() {
        return monitor;
    }

    StabilisProcess runner() {
        return runner;
    }

    /** Starts the broker, creates the topics, starts monitor and runner and waits until both are ready. */
    void start(int partitions) throws InterruptedException {
        broker.start();
        awaitBroker();
        Topics.create(config.kafka(), Topics.all(config), partitions, (short) 1);
        monitor.start();
        runner.start();
        awaitReady(monitor, runner);
    }

    /** Waits until the broker answers an admin client. */
    void awaitBroker() throws InterruptedException {
        await("the broker", START, () -> {
            if (!broker.alive()) {
                throw new AssertionError("the broker exited");
            }
            try (Admin admin = admin()) {
                admin.describeCluster().nodes().get(3, TimeUnit.SECONDS);
                return true;
            } catch (Exception e) {
                return false;
            }
        });
    }

    /** Waits until each process serves {@code /ready}; fails at once when one has exited. */
    void awaitReady(StabilisProcess... processes) throws InterruptedException {
        for (StabilisProcess p : processes) {
            await(p.name() + " ready", START, () -> {
                if (!p.alive()) {
                    throw new AssertionError(p.name() + " exited by itself");
                }
                return p.ready();
            });
        }
    }

    /**
     * {@code kill -9} of the monitor or the runner as soon as the broker lists one of its transactions as open (waiting at
     * most 20 s); returns how many of its transactions the broker still holds open right after the kill.
     */
    int killInsideTransaction(StabilisProcess process) throws Exception {
        String prefix = config.required(process == runner ? "stabilis.runner.transactional.id" : "stabilis.monitor.application.id");
        try (Admin admin = admin()) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (openTransactions(admin, prefix).isEmpty() && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            process.kill();
            return openTransactions(admin, prefix).size();
        }
    }

    /** Transactional ids starting with {@code prefix} whose transaction the broker holds open. */
    private static List<String> openTransactions(Admin admin, String prefix) throws Exception {
        return admin.listTransactions(new ListTransactionsOptions().filterStates(List.of(TransactionState.ONGOING))).all()
                .get(10, TimeUnit.SECONDS).stream().map(TransactionListing::transactionalId).filter(id -> id.startsWith(prefix)).toList();
    }

    /** An admin client with short timeouts, so that calls against a stopped broker fail fast. */
    Admin admin() {
        Map<String, Object> props = new HashMap<>(config.kafka());
        props.put("request.timeout.ms", "3000");
        props.put("default.api.timeout.ms", "5000");
        return Admin.create(props);
    }

    List<StabilisProcess> all() {
        return List.of(broker, monitor, runner);
    }

    /** The end of every process's log, for a failure. */
    String logTails(int lines) {
        StringBuilder out = new StringBuilder();
        for (StabilisProcess p : all()) {
            out.append("---- last lines of the ").append(p.name()).append(" log ----\n").append(p.tail(lines)).append('\n');
        }
        return out.toString();
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what);
            }
            Thread.sleep(100);
        }
    }

    @Override
    public void close() throws InterruptedException {
        runner.close();
        monitor.close();
        broker.close();
    }

    private static List<String> arguments(String command, Map<String, String> settings) {
        List<String> args = new ArrayList<>(List.of(command));
        settings.forEach((k, v) -> {
            args.add("--set");
            args.add(k + "=" + v);
        });
        return args;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress("127.0.0.1", 0));
            return socket.getLocalPort();
        }
    }
}
