package dev.stabilis.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The ingest settings: defaults, keys, validation, and the Kafka Streams configuration built from them. */
class IngestConfigTest {

    @Test
    void defaultsReadRequestsAndTheirResponsesFromOneTopicAndJoinWithinFiveSeconds() {
        IngestConfig config = IngestConfig.defaults();

        assertThat(config).isEqualTo(new IngestConfig("inference-requests", null, "stabilis.samples", "stabilis.dlq",
                512 * 1024, 32 * 1024, true, Duration.ofSeconds(5), Duration.ofSeconds(1), Duration.ofMinutes(5)));
        assertThat(config.sourceTopics()).containsExactly("inference-requests");
    }

    @Test
    void readsEveryKey() {
        IngestConfig config = IngestConfig.from(Map.of(
                IngestConfig.REQUESTS_TOPIC, "kserve.requests",
                IngestConfig.RESPONSES_TOPIC, "kserve.responses",
                IngestConfig.SAMPLES_TOPIC, "samples",
                IngestConfig.DLQ_TOPIC, "dlq",
                IngestConfig.MAX_PAYLOAD_BYTES, "1000",
                IngestConfig.MAX_HEADER_BYTES, "2000",
                IngestConfig.JOIN_ENABLED, "true",
                IngestConfig.JOIN_WINDOW_MS, "30000",
                IngestConfig.JOIN_GRACE_MS, "0",
                IngestConfig.DEDUP_RETENTION_MS, "600000"));

        assertThat(config).isEqualTo(new IngestConfig("kserve.requests", "kserve.responses", "samples", "dlq", 1000, 2000, true,
                Duration.ofSeconds(30), Duration.ZERO, Duration.ofMinutes(10)));
        assertThat(config.sourceTopics()).containsExactly("kserve.requests", "kserve.responses");
    }

    @Test
    void deduplicatesForFiveMinutesOrTheJoinsHoldWhenThatIsLonger() {
        assertThat(IngestConfig.from(Map.of(IngestConfig.DEDUP_RETENTION_MS, "")).dedupRetention()).isEqualTo(Duration.ofMinutes(5));
        assertThat(IngestConfig.from(Map.of(IngestConfig.JOIN_WINDOW_MS, "120000")).dedupRetention())
                .as("2 × (2 × 120 s + 1 s) + 1 s").isEqualTo(Duration.ofSeconds(483));
    }

    @Test
    void readsNoResponsesTopicWhenTheJoinIsDisabled() {
        IngestConfig config = IngestConfig.from(Map.of(IngestConfig.RESPONSES_TOPIC, "kserve.responses",
                IngestConfig.JOIN_ENABLED, "false"));

        assertThat(config.sourceTopics()).containsExactly("inference-requests");
    }

    @ParameterizedTest
    @CsvSource({
        "stabilis.topics.requests, ' '",
        "stabilis.ingest.max.payload.bytes, 0",
        "stabilis.ingest.max.payload.bytes, 3000000000",
        "stabilis.ingest.max.header.bytes, 0",
        "stabilis.ingest.max.header.bytes, 16k",
        "stabilis.ingest.join.enabled, yes",
        "stabilis.ingest.join.window.ms, -1",
        "stabilis.ingest.join.grace.ms, 1s",
        "stabilis.ingest.dedup.retention.ms, 22999"})
    void rejectsAnInvalidValueNamingItsKey(String key, String value) {
        assertThatThrownBy(() -> IngestConfig.from(Map.of(key, value)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(key);
    }

    @Test
    void streamsConfigurationRunsExactlyOnceWithTheDeadLetterHandlersAndCarriesTheIngestSettings() {
        IngestConfig ingest = IngestConfig.from(Map.of(IngestConfig.RESPONSES_TOPIC, "kserve.responses",
                IngestConfig.DLQ_TOPIC, "ops.dlq"));

        Properties props = IngestStreamsConfig.properties("stabilis-ingest", "kafka:9092", ingest);

        assertThat(props)
                .containsEntry(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2)
                .containsEntry(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterExceptionHandler.class)
                .containsEntry(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterExceptionHandler.class)
                .containsEntry(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterExceptionHandler.class);
        assertThat(IngestConfig.from(props)).isEqualTo(ingest);
        assertThat(new StreamsConfig(props).productionExceptionHandler()).isInstanceOf(DeadLetterExceptionHandler.class);
    }
}
