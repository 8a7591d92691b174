package dev.stabilis.pipeline;

import java.io.IOException;
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
 * A {@code stabilis <command>} process in its own JVM, as the launcher runs it, with every log line (Kafka's client
 * configuration dumps at INFO included) captured in a file, so tests can read what an operator's log would hold.
 */
final class StabilisProcess implements AutoCloseable {

    private static final Pattern METRICS_PORT = Pattern.compile("metrics on port (\\d+)");

    private final Process process;
    private final Path log;
    private final HttpClient http = HttpClient.newHttpClient();

    private StabilisProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /**
     * Starts {@code stabilis <command> --config <config>} with this JVM's class path.
     *
     * @param environment extra environment variables (STABILIS_* settings)
     * @param log where stdout and stderr go
     */
    static StabilisProcess start(String command, Path config, Map<String, String> environment, Path log) throws IOException {
        List<String> line = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-Dai.djl.offline=true", "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
                "-cp", System.getProperty("java.class.path"), "dev.stabilis.cli.StabilisCommand", command, "--config", config.toString()));
        ProcessBuilder builder = new ProcessBuilder(line).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("STABILIS_"));
        builder.environment().putAll(environment);
        return new StabilisProcess(builder.start(), log);
    }

    /** Waits until {@code /ready} answers 200, failing early when the process exits. */
    void awaitReady(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("the process exited with " + process.exitValue() + ":\n" + output());
            }
            Matcher port = METRICS_PORT.matcher(output());
            if (port.find()) {
                try {
                    HttpResponse<Void> ready = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port.group(1) + "/ready"))
                            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
                    if (ready.statusCode() == 200) {
                        return;
                    }
                } catch (IOException e) {
                    // not serving yet
                }
            }
            Thread.sleep(250);
        }
        throw new AssertionError("not ready within " + timeout + ":\n" + output());
    }

    /** Waits for the process to exit by itself; its exit code, or -1 when it is still running after {@code timeout}. */
    int awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
    }

    /** Everything the process has logged so far. */
    String output() throws IOException {
        return Files.readString(log, StandardCharsets.UTF_8);
    }

    /** Stops the process as Kubernetes does (SIGTERM), then kills it if it has not exited within 40 s. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(40, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
