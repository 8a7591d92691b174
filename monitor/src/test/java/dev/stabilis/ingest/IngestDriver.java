package dev.stabilis.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

/** The ingest topology in a {@link TopologyTestDriver}, with its input and output topics. */
final class IngestDriver implements AutoCloseable {

    /** The wall-clock time of the driver, which becomes the samples' {@code receivedAt}. */
    static final Instant WALL_CLOCK = Instant.parse("2026-03-01T12:00:00Z");

    private final TopologyTestDriver driver;
    private final Path stateDir;
    private final IngestConfig config;
    private final TestOutputTopic<String, byte[]> samples;
    private final TestOutputTopic<byte[], byte[]> deadLetters;

    IngestDriver(IngestConfig config, ModelCatalog catalog) {
        this(config, IngestFilters.defaults(), catalog, IngestListener.NONE);
    }

    IngestDriver(IngestConfig config, IngestFilters filters, ModelCatalog catalog, IngestListener listener) {
        this.config = config;
        Properties props = IngestStreamsConfig.properties("stabilis-ingest-test", "unused:9092", config);
        try {
            stateDir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "kafka-streams-state")), "ingest-test");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(new IngestTopology(config, filters, catalog, listener).build(), props, WALL_CLOCK);
        samples = driver.createOutputTopic(config.samplesTopic(), new StringDeserializer(), new ByteArrayDeserializer());
        deadLetters = driver.createOutputTopic(config.dlqTopic(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** Pipes a record into the requests topic. */
    void request(TestRecord<byte[], byte[]> record) {
        send(config.requestsTopic(), record);
    }

    /** Pipes a record into a topic. */
    void send(String topic, TestRecord<byte[], byte[]> record) {
        TestInputTopic<byte[], byte[]> input = driver.createInputTopic(topic, new ByteArraySerializer(), new ByteArraySerializer());
        input.pipeInput(record);
    }

    void advanceWallClock(Duration duration) {
        driver.advanceWallClockTime(duration);
    }

    /** The samples emitted since the last call: key and JSON value. */
    List<TestRecord<String, JsonNode>> samples() {
        return samples.readRecordsToList().stream()
                .map(r -> new TestRecord<>(r.key(), json(r.value()), r.headers(), r.getRecordTime())).toList();
    }

    /** The sample values emitted since the last call. */
    List<JsonNode> sampleValues() {
        return samples().stream().map(TestRecord::value).toList();
    }

    /** The dead-letter records emitted since the last call. */
    List<TestRecord<byte[], byte[]>> deadLetters() {
        return deadLetters.readRecordsToList();
    }

    /** The dead-letter values emitted since the last call. */
    List<JsonNode> deadLetterValues() {
        return deadLetters().stream().map(r -> json(r.value())).toList();
    }

    static JsonNode json(byte[] bytes) {
        try {
            return KafkaRecordFixture.JSON.readTree(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        driver.close();
        try (Stream<Path> files = Files.walk(stateDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
