package dev.stabilis.pipeline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code stabilis <command>} run as an operating-system process (a JVM on the tests' class path, as the launcher
 * starts one), with its output appended to a log file across restarts, so tests can read what an operator's log
 * would hold. {@link #kill()} is {@code kill -9}; {@link #stop()} is SIGTERM and a wait.
 */
final class StabilisProcess implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final Pattern METRICS_PORT = Pattern.compile("metrics on port (\\d+)");
    /** The kernel's USER_HZ, in which /proc reports CPU times; 100 on every Linux Stabilis runs on. */
    private static final long CLOCK_TICKS_PER_SECOND = 100;

    private final String name;
    private final List<String> command;
    private final Map<String, String> environment;
    private final Path log;
    private final int metricsPort;
    private Process process;
    private int starts;

    /**
     * @param jvmOptions options of the JVM, like {@code -Xmx384m}; they come after the defaults (WARN logs, INFO for
     *     Stabilis' own), so a {@code -Dorg.slf4j.simpleLogger...} option here replaces them
     * @param metricsPort the port of its {@code /metrics} and {@code /ready}; 0 when the process picks one and logs it
     */
    StabilisProcess(String name, Path logDirectory, List<String> jvmOptions, int metricsPort, List<String> arguments) {
        this(name, logDirectory, jvmOptions, Map.of(), metricsPort, arguments);
    }

    /** @param environment {@code STABILIS_*} settings (inherited ones are removed) */
    StabilisProcess(String name, Path logDirectory, List<String> jvmOptions, Map<String, String> environment, int metricsPort,
            List<String> arguments) {
        this.name = name;
        this.log = logDirectory.resolve(name + ".log");
        this.metricsPort = metricsPort;
        this.environment = Map.copyOf(environment);
        this.command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:+UseG1GC",
                "-Dai.djl.offline=true", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-Dorg.slf4j.simpleLogger.log.dev.stabilis=info",
                "-Dorg.slf4j.simpleLogger.showDateTime=true"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.stabilis.cli.StabilisCommand"));
        command.addAll(arguments);
    }

    String name() {
        return name;
    }

    /** Starts (or starts again) the process. */
    void start() {
        try {
            starts++;
            Files.writeString(log, "==== start " + starts + " of " + name + " at " + java.time.Instant.now() + "\n", StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            builder.environment().keySet().removeIf(variable -> variable.startsWith("STABILIS_"));
            builder.environment().putAll(environment);
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
    }

    /** {@code kill -9}, and waits until it is gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException(name + " survived SIGKILL for 30 s");
        }
    }

    /** SIGTERM, and waits up to a minute for a clean exit (SIGKILL after that). */
    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            kill();
            throw new IllegalStateException(name + " did not stop within 60 s of SIGTERM");
        }
    }

    /**
     * CPU time (user + system) the running process has used so far, from {@code /proc/<pid>/stat}; 0 once it has
     * exited. Linux only.
     */
    long cpuMillis() {
        if (!alive()) {
            return 0;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
            // the fields after the command name, which is in parentheses and may hold spaces
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
            return ticks * 1000 / CLOCK_TICKS_PER_SECOND;
        } catch (IOException e) {
            return 0;
        }
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    /** Waits until {@code /ready} answers 200, failing early when the process exits. */
    void awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!ready()) {
            if (!alive()) {
                throw new AssertionError(name + " exited with " + process.exitValue() + ":\n" + output());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(name + " not ready within " + timeout + ":\n" + output());
            }
            Thread.sleep(250);
        }
    }

    /** Waits for the process to exit by itself; its exit code, or -1 when it still runs after {@code timeout}. */
    int awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
    }

    /** Everything it has logged so far, over all its starts. */
    String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether its {@code /ready} answers 200. */
    boolean ready() {
        return get("/ready").map(r -> r.statusCode() == 200).orElse(false);
    }

    /**
     * The sum of every sample of one metric family in its {@code /metrics}, for example
     * {@code stabilis_runner_batch_seconds_count}; 0 when the process has not registered it yet, NaN when the
     * endpoint does not answer.
     */
    double metric(String name, String... labels) {
        return get("/metrics").map(r -> {
            double sum = PrometheusText.sum(r.body(), name, labels);
            return Double.isNaN(sum) ? 0 : sum;
        }).orElse(Double.NaN);
    }

    private java.util.Optional<HttpResponse<String>> get(String path) {
        try {
            int port = metricsPort();
            if (port == 0) {
                return java.util.Optional.empty();
            }
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(5))
                    .GET().build();
            return java.util.Optional.of(HTTP.send(request, HttpResponse.BodyHandlers.ofString()));
        } catch (IOException e) {
            return java.util.Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return java.util.Optional.empty();
        }
    }

    /** The given port, or the one its log names (the last start's); 0 while not known. */
    private int metricsPort() {
        if (metricsPort != 0) {
            return metricsPort;
        }
        Matcher port = METRICS_PORT.matcher(output());
        int found = 0;
        while (port.find()) {
            found = Integer.parseInt(port.group(1));
        }
        return found;
    }

    /** The last {@code lines} lines of its log, without the Kafka clients' reconnection warnings. */
    String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8).stream().filter(l -> !l.contains("NetworkClient")).toList();
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (alive()) {
            kill();
        }
    }
}
