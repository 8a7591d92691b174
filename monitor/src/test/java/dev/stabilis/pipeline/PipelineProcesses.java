package dev.stabilis.pipeline;

import dev.stabilis.app.Topics;
import dev.stabilis.config.StabilisConfig;
import dev.stabilis.kafka.SharedBroker;
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
 * A pipeline of {@code stabilis} processes on loopback: {@code broker} (its log directory kept in the work directory,
 * fixed ports, so a restart brings back the same cluster; or none, on the test run's {@link SharedBroker}), one or more {@code monitor} instances (each with its own
 * Kafka Streams state kept there too) and one or more {@code runner} instances (each with its own transactional id),
 * each logging to {@code <work>/logs}.
 */
final class PipelineProcesses implements AutoCloseable {

    private static final Duration START = Duration.ofSeconds(120);

    private final StabilisConfig config;
    private final StabilisProcess broker;
    private final List<StabilisProcess> monitors = new ArrayList<>();
    private final List<StabilisProcess> runners = new ArrayList<>();
    private final List<String> runnerTransactionalIds = new ArrayList<>();

    /**
     * One monitor and one runner, on a broker process of their own.
     *
     * @param work emptied first, then holds the broker's log directory, the monitor's state and the logs
     * @param settings the pipeline's settings; bootstrap servers, metrics ports and the state directory are set here
     * @param jvmOptions the monitor's and the runner's JVM options, like {@code -Xmx384m}
     */
    PipelineProcesses(Path work, Map<String, String> settings, List<String> jvmOptions) throws IOException {
        this(work, settings, jvmOptions, 1, 1, null);
    }

    /**
     * Monitors and runners on the test run's {@link SharedBroker} (no broker process: the faults are the monitors' and
     * runners' own); the settings' topic and group names must keep them apart from other tests.
     *
     * @param monitorCount monitor instances of one application id, named {@code monitor-0}, ... (just {@code monitor}
     *     when one), each with its own state directory; when several, each with its name as its static group membership
     *     ({@code stabilis.monitor.instance.id})
     * @param runnerCount runner instances of one group, named {@code runner-0}, ... (just {@code runner} when one); when
     *     several, runner i's transactional id is the configured one with {@code .i} appended
     */
    static PipelineProcesses onSharedBroker(Path work, Map<String, String> settings, List<String> jvmOptions, int monitorCount,
            int runnerCount) throws IOException {
        return new PipelineProcesses(work, settings, jvmOptions, monitorCount, runnerCount, SharedBroker.bootstrapServers());
    }

    /** @param sharedBootstrap the bootstrap servers of a broker started elsewhere, or null for a broker process of its own */
    private PipelineProcesses(Path work, Map<String, String> settings, List<String> jvmOptions, int monitorCount, int runnerCount,
            String sharedBootstrap) throws IOException {
        if (Files.exists(work)) {
            try (var paths = Files.walk(work)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        Path logs = Files.createDirectories(work.resolve("logs"));
        Map<String, String> common = new HashMap<>(settings);
        if (sharedBootstrap == null) {
            int brokerPort = freePort();
            common.put("kafka.bootstrap.servers", "127.0.0.1:" + brokerPort);
            this.broker = new StabilisProcess("broker", logs, List.of("-Xmx512m"), 0, List.of("broker", "--port", Integer.toString(brokerPort),
                    "--controller-port", Integer.toString(freePort()), "--data-dir", work.resolve("kafka").toString()));
        } else {
            common.put("kafka.bootstrap.servers", sharedBootstrap);
            this.broker = null;
        }
        this.config = StabilisConfig.load(null, Map.of(), Map.of(), common);
        for (int i = 0; i < monitorCount; i++) {
            String name = monitorCount == 1 ? "monitor" : "monitor-" + i;
            int port = freePort();
            Map<String, String> monitorSettings = new HashMap<>(common);
            monitorSettings.put("stabilis.monitor.state.dir", work.resolve(monitorCount == 1 ? "streams" : "streams-" + i).toString());
            monitorSettings.put("stabilis.metrics.port", Integer.toString(port));
            if (monitorCount > 1) {
                // on one host the default (host name and -monitor) would be every monitor's, and each would fence the others
                monitorSettings.put("stabilis.monitor.instance.id", name);
            }
            monitors.add(new StabilisProcess(name, logs, jvmOptions, port, arguments("monitor", monitorSettings)));
        }
        for (int i = 0; i < runnerCount; i++) {
            String name = runnerCount == 1 ? "runner" : "runner-" + i;
            int port = freePort();
            Map<String, String> runnerSettings = new HashMap<>(common);
            runnerSettings.put("stabilis.metrics.port", Integer.toString(port));
            String transactionalId = config.required("stabilis.runner.transactional.id") + (runnerCount == 1 ? "" : "." + i);
            runnerSettings.put("stabilis.runner.transactional.id", transactionalId);
            runnerTransactionalIds.add(transactionalId);
            runners.add(new StabilisProcess(name, logs, jvmOptions, port, arguments("runner", runnerSettings)));
        }
    }

    /** The settings every process runs with (bootstrap servers included). */
    StabilisConfig config() {
        return config;
    }

    StabilisProcess broker() {
        return broker;
    }

    /** The first monitor. */
    StabilisProcess monitor() {
        return monitors.get(0);
    }

    /** The first runner. */
    StabilisProcess runner() {
        return runners.get(0);
    }

    List<StabilisProcess> monitors() {
        return List.copyOf(monitors);
    }

    List<StabilisProcess> runners() {
        return List.copyOf(runners);
    }

    /** The transactional id (and static group member id) of a runner. */
    String transactionalId(StabilisProcess runner) {
        return runnerTransactionalIds.get(runners.indexOf(runner));
    }

    /** Starts the broker (unless shared), creates the topics, starts every monitor and runner and waits until all are ready. */
    void start(int partitions) throws InterruptedException {
        if (broker != null) {
            broker.start();
            awaitBroker();
        }
        Topics.create(config.kafka(), Topics.all(config), partitions, (short) 1);
        List<StabilisProcess> processes = new ArrayList<>(monitors);
        processes.addAll(runners);
        processes.forEach(StabilisProcess::start);
        awaitReady(processes.toArray(StabilisProcess[]::new));
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
     * {@code kill -9} of a monitor or a runner as soon as the broker lists one of its transactions as open (waiting at most
     * 20 s); returns how many of its transactions the broker still holds open right after the kill. A runner's are those
     * of its {@link #transactionalId}; a monitor's those of the application id, which every monitor instance shares.
     */
    int killInsideTransaction(StabilisProcess process) throws Exception {
        String prefix = runners.contains(process) ? transactionalId(process) : config.required("stabilis.monitor.application.id");
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
        List<StabilisProcess> all = new ArrayList<>();
        if (broker != null) {
            all.add(broker);
        }
        all.addAll(monitors);
        all.addAll(runners);
        return all;
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
        for (StabilisProcess p : runners) {
            p.close();
        }
        for (StabilisProcess p : monitors) {
            p.close();
        }
        if (broker != null) {
            broker.close();
        }
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
