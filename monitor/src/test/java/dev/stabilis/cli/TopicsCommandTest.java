package dev.stabilis.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stabilis.app.MonitorApp;
import dev.stabilis.config.StabilisConfig;
import dev.stabilis.kafka.SharedBroker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Against a broker without the topics, the monitor and the runner stop at start with a message naming every missing
 * topic (exit code 5) instead of retrying; {@code stabilis topics create} makes them, and then the monitor starts.
 */
class TopicsCommandTest {

    @TempDir
    Path state;

    @Test
    void theMonitorAndRunnerExitNamingTheMissingTopicsAndTopicsCreateLetsThemStart() throws Exception {
        String prefix = "topics-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        Map<String, String> settings = settings(prefix);

        CliRun monitor = CliRun.stabilis(args("monitor", settings));
        assertThat(monitor.code()).isEqualTo(ExitCodes.MISSING_TOPICS);
        assertThat(monitor.errorLine()).startsWith("stabilis: the monitor needs topics '" + prefix + "requests' (stabilis.topics.requests), '"
                + prefix + "responses' (stabilis.topics.responses), '" + prefix + "samples' (stabilis.topics.samples)")
                .contains("'" + prefix + "dlq' (stabilis.topics.dlq)").contains("stabilis topics create");
        CliRun runner = CliRun.stabilis(args("runner", settings));
        assertThat(runner.code()).isEqualTo(ExitCodes.MISSING_TOPICS);
        assertThat(runner.errorLine()).startsWith("stabilis: the runner needs topics '" + prefix + "samples' (stabilis.topics.samples)")
                .doesNotContain(prefix + "requests");

        CliRun before = CliRun.stabilis(args("topics", "check", settings));
        assertThat(before.code()).isEqualTo(ExitCodes.MISSING_TOPICS);
        assertThat(before.out()).contains("missing  " + prefix + "alerts (stabilis.topics.alerts)");

        CliRun create = CliRun.stabilis(args("topics", "create", settings));
        assertThat(create.code()).as(create.err()).isZero();
        assertThat(create.out().lines()).hasSize(6).allSatisfy(line -> assertThat(line).startsWith("created  " + prefix));
        CliRun again = CliRun.stabilis(args("topics", "create", settings));
        assertThat(again.out().lines()).allSatisfy(line -> assertThat(line).startsWith("exists   " + prefix));
        assertThat(CliRun.stabilis(args("topics", "check", settings)).code()).isZero();

        StabilisConfig config = StabilisConfig.load(null, Map.of(), Map.of(), settings);
        try (MonitorApp app = new MonitorApp(config, new SimpleMeterRegistry())) {
            app.start();
            long deadline = System.nanoTime() + 90_000_000_000L;
            while (!app.ready() && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(app.ready()).as("the monitor runs once its topics exist").isTrue();
        }
    }

    private Map<String, String> settings(String prefix) {
        Map<String, String> s = new HashMap<>();
        for (String topic : List.of("requests", "responses", "samples", "explanations", "alerts", "dlq")) {
            s.put("stabilis.topics." + topic, prefix + topic);
        }
        s.put("kafka.bootstrap.servers", SharedBroker.bootstrapServers());
        s.put("stabilis.models.repository", Path.of("..", "models").toString());
        s.put("stabilis.monitor.application.id", prefix + "stabilis");
        s.put("stabilis.monitor.state.dir", state.toString());
        s.put("stabilis.metrics.port", "0");
        s.put("stabilis.runner.device", "cpu");
        s.put("stabilis.topics.partitions", "2");
        s.put("stabilis.topics.replication.factor", "1");
        s.put("stabilis.topics.config", "retention.ms=3600000");
        return s;
    }

    private static String[] args(String command, Map<String, String> settings) {
        return args(command, null, settings);
    }

    private static String[] args(String command, String subcommand, Map<String, String> settings) {
        List<String> args = new ArrayList<>(List.of(command));
        if (subcommand != null) {
            args.add(subcommand);
        }
        settings.forEach((k, v) -> args.addAll(List.of("--set", k + "=" + v)));
        return args.toArray(String[]::new);
    }
}
