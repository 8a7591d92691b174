package dev.stabilis.detect;

import com.fasterxml.jackson.databind.JsonNode;
import dev.stabilis.contract.Alert;
import dev.stabilis.contract.Explanation;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

/**
 * The detect topology on a {@link TopologyTestDriver}: pipes explanation records in, reads alerts and dead letters
 * back as JSON, moves the wall clock, and records what the listeners heard.
 */
final class DetectHarness implements AutoCloseable {

    /** The driver's wall clock starts just after {@link ExplanationJson#T0}. */
    static final Instant WALL_CLOCK_START = Instant.ofEpochMilli(ExplanationJson.T0 + 100);

    private static final JsonMapper JSON = new JsonMapper();

    final List<Alert> heardAlerts = new ArrayList<>();
    final List<Explanation> heardExplanations = new ArrayList<>();
    final List<DriftListener.DriftScore> heardDriftScores = new ArrayList<>();
    final List<String> heardDriftReleased = new ArrayList<>();
    final List<WindowListener.ClosedWindow> heardWindows = new ArrayList<>();

    private final TopologyTestDriver driver;
    private final TestInputTopic<String, byte[]> explanations;
    private final TestOutputTopic<String, String> alerts;
    private final TestOutputTopic<String, String> deadLetters;

    /** A topology with the defaults overridden by {@code key=value} settings. */
    DetectHarness(String... settings) {
        Map<String, String> properties = new HashMap<>();
        for (String setting : settings) {
            String[] keyValue = setting.split("=", 2);
            properties.put(keyValue[0], keyValue[1]);
        }
        DetectConfig config = DetectConfig.from(properties);
        DriftListener drift = new DriftListener() {
            @Override
            public void onJudged(DriftScore score) {
                heardDriftScores.add(score);
            }

            @Override
            public void onReleased(String model, String version, int predictedClass) {
                heardDriftReleased.add(model + "/" + version + "/" + predictedClass);
            }
        };
        DetectTopology topology = new DetectTopology(config, DriftConfig.from(properties), heardAlerts::add, heardExplanations::add,
                heardWindows::add, drift);
        driver = new TopologyTestDriver(topology.build(), DetectTopology.streamsConfig(Map.of(
                StreamsConfig.APPLICATION_ID_CONFIG, "detect-test",
                StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092",
                StreamsConfig.STATE_DIR_CONFIG, temporaryStateDir())), WALL_CLOCK_START);
        explanations = driver.createInputTopic(config.explanationsTopic(), new StringSerializer(), new ByteArraySerializer());
        alerts = driver.createOutputTopic(config.alertsTopic(), new StringDeserializer(), new StringDeserializer());
        deadLetters = driver.createOutputTopic(config.dlqTopic(), new StringDeserializer(), new StringDeserializer());
    }

    void send(ExplanationJson... samples) {
        for (ExplanationJson sample : samples) {
            explanations.pipeInput(sample.modelName(), sample.json().getBytes(StandardCharsets.UTF_8), sample.eventTime());
        }
    }

    void send(List<ExplanationJson> samples) {
        send(samples.toArray(ExplanationJson[]::new));
    }

    void sendRaw(String key, byte[] value, RecordHeaders headers) {
        explanations.pipeInput(new TestRecord<>(key, value, headers, ExplanationJson.T0));
    }

    void advanceWallClock(Duration duration) {
        driver.advanceWallClockTime(duration);
    }

    /** The alerts emitted since the last call, in order. */
    List<JsonNode> alerts() {
        return readAll(alerts);
    }

    /** The alert records emitted since the last call, with their headers. */
    List<TestRecord<String, String>> alertRecords() {
        return alerts.readRecordsToList();
    }

    /** The keys of the alerts emitted since the last call. */
    List<String> alertKeys() {
        return alerts.readKeyValuesToList().stream().map(kv -> kv.key).toList();
    }

    /** The dead letters written since the last call. */
    List<TestRecord<String, String>> deadLetters() {
        return deadLetters.readRecordsToList();
    }

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        driver.close();
    }

    private static List<JsonNode> readAll(TestOutputTopic<String, String> topic) {
        return topic.readValuesToList().stream().map(DetectHarness::json).toList();
    }

    private static String temporaryStateDir() {
        try {
            return Files.createTempDirectory(Files.createDirectories(Path.of("target", "detect-state")), "driver").toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
