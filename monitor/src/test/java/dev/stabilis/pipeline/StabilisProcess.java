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
import java.util.concurrent.TimeUnit;

/**
 * One {@code stabilis <command>} run as an operating-system process from the packaged jar
 * ({@code target/stabilis-monitor.jar} and {@code target/lib}), as the launcher runs it, with its output appended to a
 * log file across restarts. {@link #kill()} is {@code kill -9}; {@link #stop()} is SIGTERM and a wait.
 */
final class StabilisProcess implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;
    private final List<String> command;
    private final Path log;
    private final int metricsPort;
    private Process process;
    private int starts;

    /**
     * @param jvmOptions options of the JVM, like {@code -Xmx384m}
     * @param metricsPort the port of its {@code /metrics} and {@code /ready}; 0 when it serves none
     */
    StabilisProcess(String name, Path logDirectory, List<String> jvmOptions, int metricsPort, List<String> arguments) {
        Path jar = Path.of("target", "stabilis-monitor.jar").toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: this test runs after mvn package (integration-test phase)");
        }
        this.name = name;
        this.log = logDirectory.resolve(name + ".log");
        this.metricsPort = metricsPort;
        this.command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:+UseG1GC"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-Dai.djl.offline=true", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-Dorg.slf4j.simpleLogger.log.dev.stabilis=info", "-Dorg.slf4j.simpleLogger.showDateTime=true",
                "-cp", jar + java.io.File.pathSeparator + jar.resolveSibling("lib") + "/*", "dev.stabilis.cli.StabilisCommand"));
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
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
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

    boolean alive() {
        return process != null && process.isAlive();
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
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + path)).timeout(Duration.ofSeconds(5))
                    .GET().build();
            return java.util.Optional.of(HTTP.send(request, HttpResponse.BodyHandlers.ofString()));
        } catch (IOException e) {
            return java.util.Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return java.util.Optional.empty();
        }
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
